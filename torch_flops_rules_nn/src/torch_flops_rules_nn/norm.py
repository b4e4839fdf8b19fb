"""Normalisation layers (inference statistics)."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import in_numel


def norm(call: Call) -> int:
    """Norm: 2·numel(in) (subtract mean, divide by std), + numel(in) with weight, + numel(in) with bias."""
    module = call.module
    n = in_numel(call)
    affine = (getattr(module, "weight", None) is not None) + (getattr(module, "bias", None) is not None)
    return (2 + affine) * n


def register(registry: Registry) -> None:
    registry.module(
        nn.LayerNorm,
        nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
        nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d,
        nn.GroupNorm,
    )(norm)  # fmt: skip
