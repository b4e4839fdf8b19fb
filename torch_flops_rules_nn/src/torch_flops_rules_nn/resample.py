"""Upsampling: Upsample and its fixed-mode subclasses UpsamplingNearest2d, UpsamplingBilinear2d."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import INTERPOLATION_COSTS, adaptive_pool, elementwise
from torch_flops_core.shapes import out_numel

__all__ = ["PER_OUTPUT", "register", "upsample"]

PER_OUTPUT: Final[Mapping[str, int]] = INTERPOLATION_COSTS
"""FLOPs per output element of each interpolation mode (``formulas.INTERPOLATION_COSTS``): a weighted sum of 2^d
(bicubic 4^d) inputs. The weights depend only on the output position and are not counted."""


def upsample(call: Call) -> int:
    """Upsample: PER_OUTPUT[mode]·N (nearest 0, linear 3, bilinear 7, trilinear 15, bicubic 31); 'area': Σ windows."""
    module = call.module_as(nn.Upsample)
    if module.mode != "area":
        return elementwise(PER_OUTPUT[module.mode], out_numel(call))
    # 'area' is adaptive average pooling: a window of w inputs costs w − 1 adds and 1 divide.
    x, out = call.arguments()["input"], call.output
    return adaptive_pool(x.shape, out.shape, out.dim() - 2)  # shape: the spatial dims, after batch and channels


def register(registry: Registry) -> None:
    registry.module(nn.Upsample)(upsample)  # UpsamplingNearest2d and UpsamplingBilinear2d derive from it
