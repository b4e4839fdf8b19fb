"""RoI align: ``roi_align``, ``ps_roi_align`` and their backward kernels (bilinear sampling, then an average).

Each output bin averages s bilinear samples: s = ``sampling_ratio``² when ``sampling_ratio > 0`` (the
detection models' 2: a count from shapes, on every device). With ``sampling_ratio ≤ 0`` (the default of
``torchvision.ops.roi_align``) the grid adapts to each box, ⌈roi_h/PH⌉·⌈roi_w/PW⌉: the rule reads the
boxes and works each grid out with the kernel's own arithmetic (in the boxes' dtype), so the count is
exact, but it needs their values: on ``meta`` or under a fake-tensor trace it is ``NOT_RECOGNIZED``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, NotRecognizedType, Registry
from torch_flops_core.shapes import numel

from . import formulas
from ._ops import readable, vision

__all__ = ["ps_roi_align", "ps_roi_align_backward", "register", "roi_align", "roi_align_backward"]


def _adaptive_samples(
    rois: torch.Tensor, scale: float, bins_h: int, bins_w: int, offset: float, at_least_one: bool
) -> list[int] | None:
    """Samples per bin of each roi with an adaptive grid, as the kernels compute it; ``None`` without values.

    Corners ``x·scale − offset``; sides at least 1 for roi_align without ``aligned``; the grid
    ⌈side/bins⌉ along each side (no sample for a grid ≤ 0).
    """
    if not readable(rois):
        return None
    with torch.no_grad():
        box = rois.detach()[:, 1:5] * scale - offset
        width, height = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
        if at_least_one:
            width, height = width.clamp(min=1), height.clamp(min=1)
        grid_h = torch.ceil(height / bins_h).clamp(min=0)
        grid_w = torch.ceil(width / bins_w).clamp(min=0)
        samples: list[int] = (grid_h * grid_w).long().tolist()
    return samples


def _count(
    named: dict[str, Any], outputs: int, formula: Callable[[int, int], int], offset: float, at_least_one: bool
) -> int | NotRecognizedType:
    """``formula(outputs, s)`` with s the samples per bin: ``sampling_ratio``², or each roi's adaptive grid."""
    ratio = named["sampling_ratio"]
    if ratio > 0:
        return formula(outputs, ratio * ratio)
    rois, bins_h, bins_w = named["rois"], named["pooled_height"], named["pooled_width"]
    samples = _adaptive_samples(rois, named["spatial_scale"], bins_h, bins_w, offset, at_least_one)
    if samples is None:
        return NOT_RECOGNIZED
    per_roi = outputs // len(samples) if samples else 0
    return sum(formula(per_roi * rois_with_s, s) for s, rois_with_s in Counter(samples).items())


def roi_align(call: Call) -> int | NotRecognizedType:
    """roi_align(input, rois, spatial_scale, PH, PW, sampling_ratio, aligned): N·(8s + [s = 0]), N = numel(out)."""
    named = call.arguments()
    aligned = bool(named["aligned"])
    return _count(named, numel(call.output), formulas.roi_align, 0.5 if aligned else 0.0, not aligned)


def roi_align_backward(call: Call) -> int | NotRecognizedType:
    """_roi_align_backward(grad, rois, ...): numel(grad)·(8s + 1), s as the forward's."""
    named = call.arguments()
    aligned = bool(named["aligned"])
    return _count(named, numel(named["grad"]), formulas.roi_align_backward, 0.5 if aligned else 0.0, not aligned)


def ps_roi_align(call: Call) -> int | NotRecognizedType:
    """ps_roi_align(input, rois, spatial_scale, PH, PW, sampling_ratio): N·(8s + [s = 0]), N = numel(out[0])."""
    named = call.arguments()
    return _count(named, numel(call.output[0]), formulas.roi_align, 0.5, False)


def ps_roi_align_backward(call: Call) -> int | NotRecognizedType:
    """_ps_roi_align_backward(grad, rois, channel_mapping, ...): numel(grad)·(8s + 1), s as the forward's."""
    named = call.arguments()
    return _count(named, numel(named["grad"]), formulas.roi_align_backward, 0.5, False)


def register(registry: Registry) -> None:
    registry.function(*vision("roi_align"))(roi_align)
    registry.function(*vision("_roi_align_backward"))(roi_align_backward)
    registry.function(*vision("ps_roi_align"))(ps_roi_align)
    registry.function(*vision("_ps_roi_align_backward"))(ps_roi_align_backward)
