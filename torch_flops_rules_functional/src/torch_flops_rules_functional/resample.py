"""Resampling."""

from __future__ import annotations

import torch.nn.functional as F

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel


def interpolate(call: Call) -> int:
    """F.interpolate: N = numel(out), one FLOP per output element (the seed's convention)."""
    return out_numel(call)


def register(registry: Registry) -> None:
    registry.function(F.interpolate)(interpolate)
