"""Contractions: matrix products and linear maps."""

from __future__ import annotations

import operator

import torch.nn.functional as F

from torch_flops_core import Call, Count, Registry
from torch_flops_core.shapes import out_numel


def matmul(call: Call) -> Count:
    """matmul / @: (2·K − 1)·N; K = a.shape[-1] (a.shape[0] when a is 1-d), N = numel(out); MACs K·N."""
    a = call.arg(0, "input")
    k = a.shape[-1] if a.dim() else 1
    n = out_numel(call)
    return Count(flops=(2 * k - 1) * n, macs=k * n)


def linear(call: Call) -> Count:
    """F.linear: (2·K − 1)·N, plus N with bias; K = weight.shape[-1], N = numel(out); MACs K·N."""
    weight = call.arg(1, "weight")
    bias = call.arg(2, "bias")
    n, k = out_numel(call), weight.shape[-1]
    return Count(flops=(2 * k - 1) * n + (n if bias is not None else 0), macs=k * n)


def register(registry: Registry) -> None:
    registry.function(operator.matmul)(matmul)
    registry.function(F.linear)(linear)
