"""Linear layers."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.shapes import out_numel


def linear(call: Call) -> Count:
    """Linear: (2·K − 1)·N, plus N with bias; N = numel(out), K = in_features; MACs K·N."""
    module = call.module
    assert isinstance(module, nn.Linear)
    n, k = out_numel(call), module.in_features
    return Count(flops=(2 * k - 1) * n + (n if module.bias is not None else 0), macs=k * n)


def register(registry: Registry) -> None:
    registry.module(nn.Linear)(linear)
