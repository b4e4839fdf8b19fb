"""Resampling: upsample_* (c·N per mode, as nn.Upsample and F.interpolate count)."""

from __future__ import annotations

from torch_flops_core import Registry

from ._ops import aten
from .pointwise import per_element

__all__ = ["UPSAMPLE_COSTS", "register"]

UPSAMPLE_COSTS = {
    "upsample_nearest1d": 0, "upsample_nearest2d": 0, "upsample_nearest3d": 0,
    "_upsample_nearest_exact1d": 0, "_upsample_nearest_exact2d": 0, "_upsample_nearest_exact3d": 0,
    "upsample_linear1d": 3, "upsample_bilinear2d": 7, "upsample_trilinear3d": 15, "upsample_bicubic2d": 31,
    "_upsample_bilinear2d_aa": 7, "_upsample_bicubic2d_aa": 31,
}  # fmt: skip
"""Per output element: each output is a weighted sum of m = 2^d neighbours (bicubic 4^d): 2m − 1; nearest copies."""


def register(registry: Registry) -> None:
    for name, cost in UPSAMPLE_COSTS.items():
        ops = aten(name)
        if ops:
            registry.function(*ops)(per_element(cost, name))
