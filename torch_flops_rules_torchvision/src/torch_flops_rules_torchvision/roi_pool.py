"""RoI pooling: ``roi_pool`` (max), ``ps_roi_pool`` (average) and their backward kernels.

Each bin pools the integer pixels it covers, and how many depends on the box: the kernels round its
corners, cut it into PH × PW bins (bin b spans ⌊b·size/PH⌋ to ⌈(b + 1)·size/PH⌉) and clip them to the
image. The rules read the boxes and cut them the same way, in the boxes' dtype, so the counts are exact;
without values (``meta``, a fake-tensor trace) they are ``NOT_RECOGNIZED``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, NotRecognizedType, Registry

from . import formulas
from ._ops import readable, vision

__all__ = ["ps_roi_pool", "ps_roi_pool_backward", "register", "roi_pool", "roi_pool_backward"]

Lengths = list[list[int]]


def _round(x: torch.Tensor) -> torch.Tensor:
    """C's ``round``: halves away from zero (``torch.round`` rounds them to even)."""
    return torch.where((x - x.trunc()).abs() == 0.5, x.trunc() + x.sign(), x.round()).long()


def _lengths(
    start: torch.Tensor, end: torch.Tensor, bins: int, limit: int, inclusive: bool, dtype: torch.dtype
) -> torch.Tensor:
    """[rois, bins]: the extent of each bin along one side, clipped to [0, limit]."""
    size = (end - start + int(inclusive)).clamp(min=1).to(dtype)
    step = (size / bins)[:, None]
    index = torch.arange(bins, dtype=dtype, device=start.device)
    first = (torch.floor(index * step).long() + start[:, None]).clamp(0, limit)
    last = (torch.ceil((index + 1) * step).long() + start[:, None]).clamp(0, limit)
    return (last - first).clamp(min=0)


def _bins(named: dict[str, Any], height: int, width: int, inclusive: bool) -> tuple[Lengths, Lengths] | None:
    """Per roi, the heights of its bin rows and the widths of its bin columns; ``None`` without values.

    ``inclusive``: roi_pool's box spans ``end − start + 1`` pixels, ps_roi_pool's ``end − start``; both at least 1.
    """
    rois = named["rois"]
    if not readable(rois):
        return None
    with torch.no_grad():
        box = _round(rois.detach()[:, 1:5] * named["spatial_scale"])
        heights = _lengths(box[:, 1], box[:, 3], named["pooled_height"], height, inclusive, rois.dtype)
        widths = _lengths(box[:, 0], box[:, 2], named["pooled_width"], width, inclusive, rois.dtype)
        return heights.tolist(), widths.tolist()


def _count(
    named: dict[str, Any],
    channels: int,
    limits: tuple[int, int],
    inclusive: bool,
    formula: Callable[[Sequence[int], Sequence[int]], int],
) -> int | NotRecognizedType:
    """Σ over rois of channels · ``formula(bin heights, bin widths)``."""
    bins = _bins(named, *limits, inclusive)
    if bins is None:
        return NOT_RECOGNIZED
    return sum(channels * formula(h, w) for h, w in zip(*bins, strict=True))


def roi_pool(call: Call) -> int | NotRecognizedType:
    """roi_pool(input [B, C, H, W], rois, spatial_scale, PH, PW): Σ over rois and C of h·w − 1 per non-empty bin."""
    named = call.arguments()
    _, channels, height, width = named["input"].shape
    return _count(named, channels, (height, width), True, formulas.roi_max_pool)


def roi_pool_backward(call: Call) -> int | NotRecognizedType:
    """_roi_pool_backward(grad, rois, argmax, ...): one add per non-empty bin of every roi and channel."""
    named = call.arguments()
    limits = (named["height"], named["width"])
    return _count(named, named["channels"], limits, True, formulas.roi_max_pool_backward)


def ps_roi_pool(call: Call) -> int | NotRecognizedType:
    """ps_roi_pool(input [B, C·PH·PW, H, W], rois, ...): Σ over rois and C of h·w per non-empty bin (up to H − 1)."""
    named = call.arguments()
    _, channels, height, width = named["input"].shape
    channels //= named["pooled_height"] * named["pooled_width"]
    return _count(named, channels, (height - 1, width - 1), False, formulas.roi_avg_pool)


def ps_roi_pool_backward(call: Call) -> int | NotRecognizedType:
    """_ps_roi_pool_backward(grad, rois, channel_mapping, ...): Σ over rois and C of h·w + 1 per non-empty bin."""
    named = call.arguments()
    channels = named["channels"] // (named["pooled_height"] * named["pooled_width"])
    return _count(named, channels, (named["height"], named["width"]), False, formulas.roi_avg_pool_backward)


def register(registry: Registry) -> None:
    registry.function(*vision("roi_pool"))(roi_pool)
    registry.function(*vision("_roi_pool_backward"))(roi_pool_backward)
    registry.function(*vision("ps_roi_pool"))(ps_roi_pool)
    registry.function(*vision("_ps_roi_pool_backward"))(ps_roi_pool_backward)
