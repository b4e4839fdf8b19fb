"""Resampling: interpolation, grid sampling and sampling grids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import torch.nn.functional as F

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import INTERPOLATION_COSTS, adaptive_pool, contraction, elementwise
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import out_numel

from ._common import ops

__all__ = ["PER_OUTPUT", "affine_grid", "grid_sample", "grid_sampler", "interpolate"]


PER_OUTPUT: Final[Mapping[str, int]] = INTERPOLATION_COSTS
"""FLOPs per output element of each interpolation mode (``formulas.INTERPOLATION_COSTS``), as nn.Upsample counts
them: nearest 0, linear 3, bilinear 7, trilinear 15, bicubic 31."""


def _resampled(call: Call, mode: str) -> int:
    if mode != "area":
        return elementwise(PER_OUTPUT[mode], out_numel(call))
    # 'area' is adaptive average pooling: a window of w inputs costs w − 1 adds and 1 divide.
    x, out = call.arguments()["input"], call.output
    return adaptive_pool(x.shape, out.shape, out.dim() - 2)  # shape: the spatial dims, after batch and channels


def interpolate(call: Call) -> int:
    """F.interpolate / F.upsample: PER_OUTPUT[mode]·N (nearest 0, linear 3, bilinear 7, trilinear 15, bicubic 31)."""
    return _resampled(call, call.arguments()["mode"])


def upsample_nearest(call: Call) -> int:
    """F.upsample_nearest: 0 (a copy of the nearest input)."""
    return 0


def upsample_bilinear(call: Call) -> int:
    """F.upsample_bilinear: 7·N (4 neighbours: 4 multiplies, 3 adds)."""
    return _resampled(call, "bilinear")


def grid_sample(call: Call) -> int:
    """F.grid_sample: PER_OUTPUT[mode]·N, bilinear on a 5-d input meaning trilinear (15·N)."""
    args = call.arguments()
    mode = args["mode"]
    if mode == "bilinear" and args["input"].dim() == 5:
        mode = "trilinear"
    return elementwise(PER_OUTPUT[mode], out_numel(call))


def grid_sampler(call: Call) -> int:
    """torch.grid_sampler*: PER_OUTPUT by its integer mode (0 bilinear/trilinear, 1 nearest, 2 bicubic)·N."""
    mode = {0: "trilinear" if call.arg(0, "input").dim() == 5 else "bilinear", 1: "nearest", 2: "bicubic"}
    return elementwise(PER_OUTPUT[mode[call.arg(2, "interpolation_mode", 0)]], out_numel(call))


def affine_grid(call: Call) -> Count:
    """F.affine_grid: N grid coordinates, each a dot product of length K = theta.shape[-1]: (2K − 1)·N; MACs K·N."""
    return contraction(out_numel(call), call.arg(0, "theta").shape[-1])


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([F.interpolate, *ops("F.upsample")], interpolate)
    claim(ops("F.upsample_nearest"), upsample_nearest)
    claim(ops("F.upsample_bilinear"), upsample_bilinear)
    claim([F.grid_sample], grid_sample)
    claim(ops("torch.grid_sampler", "torch.grid_sampler_2d", "torch.grid_sampler_3d"), grid_sampler)
    claim([F.affine_grid, *ops("torch.affine_grid_generator")], affine_grid)
