"""Non-maximum suppression: ``torchvision.ops.nms`` and, through it, ``batched_nms``.

``batched_nms`` is Python: it offsets the boxes per class (or loops over the classes) with torch ops the
other packs count, then calls ``nms``. nms counts its worst case, every pair tested: what the CPU kernel
skips (pairs with a box already suppressed) depends on the scores and the overlaps, and the output tells
only how many boxes were kept, not which pairs were tested. The CUDA kernel tests every pair, so there
the pairs counted are the pairs run. The count depends on n alone: the same on every device, ``meta`` included.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry

from . import formulas
from ._ops import vision

__all__ = ["nms", "register"]


def nms(call: Call) -> int:
    """nms(dets [n, 4], scores, iou_threshold): areas 3n + sort n·⌈log2 n⌉ + 13 per pair, all n(n − 1)/2 pairs."""
    return formulas.nms(call.arguments()["dets"].shape[0])


def register(registry: Registry) -> None:
    registry.function(*vision("nms"))(nms)
