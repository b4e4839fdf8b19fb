"""Upsampling: Upsample and its fixed-mode subclasses UpsamplingNearest2d, UpsamplingBilinear2d."""

from __future__ import annotations

import math
from typing import Final

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel

__all__ = ["PER_OUTPUT", "register", "upsample"]

PER_OUTPUT: Final[dict[str, int]] = {
    "nearest": 0,  # copies the nearest input
    "nearest-exact": 0,
    "linear": 3,  # weighted sum of 2 neighbours: 2 multiplies, 1 add
    "bilinear": 7,  # 4 neighbours: 4 multiplies, 3 adds
    "trilinear": 15,  # 8 neighbours: 8 multiplies, 7 adds
    "bicubic": 31,  # 4×4 neighbours: 16 multiplies, 15 adds
}
"""FLOPs per output element of each interpolation mode: a weighted sum of 2^d (bicubic 4^d) inputs.

The weights depend only on the output position, not on batch or channel, and are not counted.
"""


def _area_window_sum(size_in: int, size_out: int) -> int:
    """Sum over output positions of their adaptive window length (start ⌊i·in/out⌋, end ⌈(i+1)·in/out⌉)."""
    return sum(-(-(i + 1) * size_in // size_out) - i * size_in // size_out for i in range(size_out))


def upsample(call: Call) -> int:
    """Upsample: PER_OUTPUT[mode]·N (nearest 0, linear 3, bilinear 7, trilinear 15, bicubic 31); 'area': Σ windows."""
    module = call.module
    assert isinstance(module, nn.Upsample)
    if module.mode != "area":
        return PER_OUTPUT[module.mode] * out_numel(call)
    # 'area' is adaptive average pooling: a window of w inputs costs w − 1 adds and 1 divide.
    x, out = call.arg(0, "input"), call.output
    windows = math.prod(_area_window_sum(i, o) for i, o in zip(x.shape[2:], out.shape[2:], strict=True))
    return math.prod(out.shape[:2]) * windows


def register(registry: Registry) -> None:
    registry.module(nn.Upsample)(upsample)  # UpsamplingNearest2d and UpsamplingBilinear2d derive from it
