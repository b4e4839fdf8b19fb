"""Resampling: interpolation modes (``nn.Upsample``, ``F.interpolate``) and grid sampling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "GRID_TAPS", "INTERPOLATION_COSTS", "grid_sampler", "grid_taps",
]  # fmt: skip


INTERPOLATION_COSTS: Final[Mapping[str, int]] = {
    "nearest": 0,  # copies the nearest input
    "nearest-exact": 0,
    "linear": 3,  # weighted sum of 2 neighbours: 2 multiplies, 1 add
    "bilinear": 7,  # 4 neighbours: 4 multiplies, 3 adds
    "trilinear": 15,  # 8 neighbours: 8 multiplies, 7 adds
    "bicubic": 31,  # 4×4 neighbours: 16 multiplies, 15 adds
}
"""FLOPs per output element of each interpolation mode (``nn.Upsample``, ``F.interpolate``): a weighted sum of 2^d
(bicubic 4^d) inputs; the weights depend only on the output position and are not counted ('area' is an adaptive
average pool: :func:`adaptive_pool`)."""


GRID_TAPS: Final[Mapping[int, int]] = {0: 2, 1: 1, 2: 4}
"""Input values per output and spatial dim of each grid sampler ``interpolation_mode`` (aten's ints): bilinear 2,
nearest 1, bicubic 4; an output of a d-dimensional sampling reads taps^d values."""


def grid_taps(mode: int, dims: int) -> int:
    """m, the input values an output of a ``dims``-dimensional grid sampling reads: bilinear 2^d, nearest 1, bicubic
    4^d (:data:`GRID_TAPS`)."""
    return GRID_TAPS.get(mode, 1) ** dims


def grid_sampler(mode: int, dims: int, n: int) -> int:
    """A grid sampling of n outputs (aten's ``interpolation_mode``): (2m − 1)·n, a weighted sum of m =
    :func:`grid_taps` taps (bilinear 7, trilinear 15, bicubic 31); nearest 0 (a copy). The weights depend on the
    position only."""
    return 0 if mode == 1 else (2 * grid_taps(mode, dims) - 1) * n
