"""Shape helpers for rule authors: element counts of a call's inputs and outputs.

Counts never depend on values, only on shapes, so every helper works on ``meta`` tensors.
"""

from __future__ import annotations

from typing import Any

import torch

from .rules import Call

__all__ = ["broadcast_numel", "broadcast_shape", "in_numel", "numel", "out_numel", "rows", "sparse_times_dense"]


def numel(value: Any) -> int:
    """Elements of a tensor (0 for anything else)."""
    return value.numel() if isinstance(value, torch.Tensor) else 0


def out_numel(call: Call) -> int:
    """Elements of the call's output, or of its first output when it returns a tuple or list."""
    out = call.output
    if isinstance(out, (tuple, list)) and out:
        out = out[0]
    return numel(out)


def in_numel(call: Call) -> int:
    """Elements of the call's first argument (positional, or the keyword ``input``)."""
    return numel(call.arg(0, "input"))


def rows(n: int, size: int) -> int:
    """Rows of ``size`` elements in n elements (a reduction's or a normalisation's rows): n // size, 0 for size 0."""
    return n // size if size else 0


def broadcast_shape(*tensors: torch.Tensor) -> torch.Size:
    """The shape ``tensors`` broadcast to (``x.shape`` and ``y.shape`` of an op that broadcasts its inputs)."""
    return torch.broadcast_shapes(*(t.shape for t in tensors))


def broadcast_numel(*tensors: torch.Tensor) -> int:
    """Elements of the shape ``tensors`` broadcast to (an element-wise op's or loss's output)."""
    return broadcast_shape(*tensors).numel()


def sparse_times_dense(sparse: object, dense: object) -> bool:
    """Whether a product is sparse × dense (nnz-based formulas apply), not sparse × sparse nor dense × dense."""
    return (
        isinstance(sparse, torch.Tensor)
        and isinstance(dense, torch.Tensor)
        and sparse.layout != torch.strided
        and dense.layout == torch.strided
    )
