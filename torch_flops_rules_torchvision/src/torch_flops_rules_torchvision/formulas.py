"""This pack's formulas, as pure functions of sizes and flags: one home for each torchvision op's count.

They live in this pack, not in ``torch_flops_core.formulas``: only this pack counts these ops, and a
third-party pack cannot add to core (the core formulas it shares, :func:`contraction`, it imports). Each
follows the convention of ``docs/conventions.md``: a multiply and an add are one FLOP each; a bilinear
sample is 7 (4 multiplies, 3 adds: ``grid_sampler``'s and ``upsample_bilinear``'s value), its weights
depend on the sample's position only (shared by every channel) and are not counted, like theirs.

Counts come from torchvision's CPU kernels (``torchvision/csrc/ops/cpu``), read loop by loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from torch_flops_core import Count
from torch_flops_core.formulas import contraction

__all__ = [
    "BILINEAR", "BILINEAR_BACKWARD", "BOX_AREA", "COORDINATE_GRADIENT", "IOU_PAIR", "average_samples", "deform_conv2d",
    "deform_conv2d_backward", "nms", "roi_align", "roi_align_backward", "roi_avg_pool", "roi_avg_pool_backward",
    "roi_max_pool", "roi_max_pool_backward",
]  # fmt: skip

BILINEAR: Final = 7
"""One bilinear sample: 4 neighbours times their weights, summed (4 multiplies, 3 adds)."""
BILINEAR_BACKWARD: Final = 8
"""One bilinear sample's gradient: the incoming gradient times each of the 4 weights, added into 4 pixels."""
BOX_AREA: Final = 3
"""``(x2 − x1)·(y2 − y1)``: 2 subtracts, 1 multiply."""
COORDINATE_GRADIENT: Final = 5
"""deform_conv2d: the derivative of a bilinear sample along one coordinate, ``d·(v₄ − v₂) + (1 − d)·(v₃ − v₁)``:
2 subtracts, 2 multiplies, 1 add (``1 − d`` depends on the position only)."""
IOU_PAIR: Final = 13
"""nms's test of one pair: 4 max/min for the intersection's corners, 2 subtracts and 2 clamps at 0 for its
sides, 1 multiply (the intersection), ``a + b − inter`` 2, the divide 1, the compare with the threshold 1."""


def nms(n: int) -> int:
    """nms of n boxes: areas 3n + the score sort n·⌈log2 n⌉ + 13 per pair for all n(n − 1)/2 pairs (worst case)."""
    sort = n * math.ceil(math.log2(n)) if n > 1 else 0
    return BOX_AREA * n + sort + IOU_PAIR * (n * (n - 1) // 2)


def average_samples(samples: int) -> int:
    """One output averaging s bilinear samples: 7s + (s − 1) adds + 1 divide = 8s (1 for an empty grid: the divide)."""
    return BILINEAR * samples + max(samples - 1, 0) + 1


def roi_align(outputs: int, samples: int) -> int:
    """roi_align / ps_roi_align: outputs·(8s + [s = 0]), s = samples per bin (``sampling_ratio``², or adaptive)."""
    return outputs * average_samples(samples)


def roi_align_backward(grads: int, samples: int) -> int:
    """Their backward: grads·(8s + 1): dy/s once, then per sample 4 multiplies by the weights and 4 adds into dx."""
    return grads * (BILINEAR_BACKWARD * samples + 1)


def _summed(terms: int, cost: int) -> int:
    """``terms`` values of ``cost`` FLOPs each, added up: terms·cost + terms − 1."""
    return terms * cost + terms - 1 if terms else 0


def _sides(lengths: Sequence[int]) -> tuple[int, int]:
    """Σ lengths, and how many are non-empty."""
    return sum(lengths), sum(1 for n in lengths if n > 0)


def roi_max_pool(heights: Sequence[int], widths: Sequence[int]) -> int:
    """roi_pool, one roi and channel: Σ over non-empty bins of h·w − 1 compares = ΣH·ΣW − n_h·n_w."""
    (sh, nh), (sw, nw) = _sides(heights), _sides(widths)
    return sh * sw - nh * nw


def roi_max_pool_backward(heights: Sequence[int], widths: Sequence[int]) -> int:
    """roi_pool's backward, one roi and channel: one add per non-empty bin (its gradient to its maximum), n_h·n_w."""
    return _sides(heights)[1] * _sides(widths)[1]


def roi_avg_pool(heights: Sequence[int], widths: Sequence[int]) -> int:
    """ps_roi_pool, one roi and output channel: Σ over non-empty bins of h·w (h·w − 1 adds, a divide) = ΣH·ΣW."""
    return _sides(heights)[0] * _sides(widths)[0]


def roi_avg_pool_backward(heights: Sequence[int], widths: Sequence[int]) -> int:
    """ps_roi_pool's backward, one roi and output channel: per non-empty bin a divide and h·w adds, ΣH·ΣW + n_h·n_w."""
    (sh, nh), (sw, nw) = _sides(heights), _sides(widths)
    return sh * sw + nh * nw


def deform_conv2d(
    batch: int, in_channels: int, out_channels: int, groups: int, kernel: int, positions: int, mask: bool
) -> Count:
    """deform_conv2d: B·C_in·k·P samples at (7 + [mask]) each, then the convolution of the sampled columns:
    N·(2·C_in/g·k − 1) + N (the bias, always added), N = B·C_out·P; MACs N·C_in/g·k (k taps, P output positions)."""
    columns = batch * in_channels * kernel * positions
    conv = contraction(batch * out_channels * positions, in_channels // groups * kernel, bias=True)
    return Count(columns * (BILINEAR + mask) + conv.flops, conv.macs)


def deform_conv2d_backward(
    batch: int,
    in_channels: int,
    out_channels: int,
    groups: int,
    offset_groups: int,
    kernel: int,
    positions: int,
    mask: bool,
) -> Count:
    """_deform_conv2d_backward, the five gradients it returns (M columns = B·C_in·k·P, C' = C_in/offset_groups):
    dcolumns = Wᵀ·dy M·(2·C_out/g − 1); dx M·(8 + [mask]); d_offset 2T·(C'·(7 + [mask]) − 1); d_mask
    [mask]·T·(9·C' − 1); the columns again M·(7 + [mask]); dW numel(W)·(2·B·P − 1); db N − C_out (T = B·og·k·P)."""
    columns = batch * in_channels * kernel * positions
    per_channel = in_channels // offset_groups
    taps = batch * offset_groups * kernel * positions  # numel(mask): one per offset group, tap and position
    d_columns = contraction(columns, out_channels // groups)
    d_input = columns * (BILINEAR_BACKWARD + mask)
    # an offset's gradient: Σ over the group's channels of the coordinate gradient · column (· mask)
    d_offset = 2 * taps * _summed(per_channel, COORDINATE_GRADIENT + 1 + mask)
    d_mask = taps * _summed(per_channel, BILINEAR + 1) if mask else 0  # Σ over channels of column · sample
    recompute = columns * (BILINEAR + mask)  # the weight gradient samples the columns again
    d_weight = contraction(out_channels * (in_channels // groups) * kernel, batch * positions)
    d_bias = batch * out_channels * positions - out_channels
    flops = d_columns.flops + d_input + d_offset + d_mask + recompute + d_weight.flops + d_bias
    return Count(flops, d_columns.macs + d_weight.macs)
