"""Shape helpers for rule authors: element counts of a call's inputs and outputs, and guard-free size arithmetic.

Counts never depend on values, only on shapes, so every helper works on ``meta`` tensors. In a symbolic count
(``dims=``) sizes are ``SymInt``; a size that depends on data (``nonzero``, MoE routing) has no value at all, and a
Python ``max``/``if`` on it cannot be decided: :func:`at_least`, :func:`at_most` and :func:`rows` clamp and divide
without deciding (an exact ``Max``/``Min`` in the formula where it depends on the unknown), and are ``max``, ``min``
and ``n // size if size else 0`` themselves on ints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from .rules import Call

__all__ = [
    "at_least", "at_most", "broadcast_numel", "broadcast_shape", "broadcast_sizes", "ceil_log2", "in_numel", "numel",
    "out_numel", "rows", "sparse_times_dense",
]  # fmt: skip

_SYMBOLIC = (torch.SymInt, torch.SymFloat)


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


def at_least(value: int, floor: int) -> int:
    """max(value, floor), deciding nothing on a symbolic size: ``Max(floor, value)`` in the formula where the
    comparison depends on a data-dependent size (``max(2·u0 − 1, 0)``), the larger itself where it is known."""
    if isinstance(value, _SYMBOLIC) or isinstance(floor, _SYMBOLIC):
        return torch.sym_max(value, floor)
    return max(value, floor)


def at_most(value: int, ceiling: int) -> int:
    """min(value, ceiling), deciding nothing on a symbolic size (:func:`at_least`'s counterpart)."""
    if isinstance(value, _SYMBOLIC) or isinstance(ceiling, _SYMBOLIC):
        return torch.sym_min(value, ceiling)
    return min(value, ceiling)


def ceil_log2(size: int) -> int:
    """⌈log2 size⌉ for size ≥ 1, 0 for size ≤ 1 (a sort's compares per element), exact: ``(size − 1).bit_length()``
    on an int (no float rounding); on a symbolic size, a ``SymInt`` of the expression ``CeilLog2(size)``, which stays
    exact in the formula and deciding nothing about the size."""
    if not isinstance(size, torch.SymInt) or size.node.is_constant():
        size = int(size)
        return (size - 1).bit_length() if size > 1 else 0
    from .expressions import ceil_log2_function

    node = size.node
    hint = ceil_log2(node.hint) if node.has_hint() else None
    return node.shape_env.create_symintnode(ceil_log2_function()(node.expr), hint=hint)


def rows(n: int, size: int) -> int:
    """Rows of ``size`` elements in n elements (a reduction's or a normalisation's rows): n // size, 0 for size 0.

    Guard-free on a symbolic size that may be 0 (data-dependent): n // max(size, 1), the same, since n elements in
    rows of 0 are 0 elements."""
    if not isinstance(size, _SYMBOLIC):
        return n // size if size else 0
    from torch.fx.experimental.symbolic_shapes import statically_known_true

    return n // size if statically_known_true(size != 0) else n // torch.sym_max(size, 1)


def broadcast_sizes(*shapes: Sequence[int]) -> list[int]:
    """The sizes ``shapes`` broadcast to, right-aligned: along each dimension the first size not known to be 1 (the
    op ran, so the others are 1 or equal to it; a 0 wins over 1). Symbolic sizes are kept, deciding nothing."""
    out: list[Any] = [1] * max(map(len, shapes), default=0)
    for shape in shapes:
        for i, size in enumerate(shape, len(out) - len(shape)):
            if isinstance(out[i], int) and out[i] == 1 and not _known_one(size):
                out[i] = size
    return out


def _known_one(size: Any) -> bool:
    if not isinstance(size, _SYMBOLIC):
        return bool(size == 1)
    from torch.fx.experimental.symbolic_shapes import statically_known_true

    return statically_known_true(size == 1)


def broadcast_shape(*tensors: torch.Tensor) -> torch.Size:
    """The shape ``tensors`` broadcast to (``x.shape`` and ``y.shape`` of an op that broadcasts its inputs), symbolic
    sizes kept (``torch.broadcast_shapes`` expands a real tensor to them, which fixes each to its example's value)."""
    return torch.Size(broadcast_sizes(*(t.shape for t in tensors)))


def broadcast_numel(*tensors: torch.Tensor) -> int:
    """Elements of the shape ``tensors`` broadcast to (an element-wise op's or loss's output)."""
    return math.prod(broadcast_shape(*tensors))


def sparse_times_dense(sparse: object, dense: object) -> bool:
    """Whether a product is sparse × dense (nnz-based formulas apply), not sparse × sparse nor dense × dense."""
    return (
        isinstance(sparse, torch.Tensor)
        and isinstance(dense, torch.Tensor)
        and sparse.layout != torch.strided
        and dense.layout == torch.strided
    )
