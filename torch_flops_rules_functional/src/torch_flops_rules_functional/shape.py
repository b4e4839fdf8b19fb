"""Data movement: views, copies, indexing, joining and splitting. 0 FLOPs, registered so they are recognized.

Every spelling is listed; ``torch.X`` and ``Tensor.X`` are one op through core's alias groups, and
in-place twins (``squeeze_``) are listed with their op.
"""

from __future__ import annotations

import builtins
import operator

from torch_flops_core import Call, Registry
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel, out_numel

from ._common import ops, variants

__all__ = ["DATA_MOVEMENT", "combinations", "nonzero", "take_along_dim", "zero"]

DATA_MOVEMENT: tuple[str, ...] = (
    # views and reshapes
    "view", "view_as", "reshape", "reshape_as", "permute", "transpose", "swapaxes", "swapdims", "t", "adjoint",
    "movedim", "moveaxis", "expand", "expand_as", "broadcast_to", "broadcast_tensors", "flatten", "unflatten",
    "ravel", "squeeze", "unsqueeze", "as_strided", "unfold", "diagonal", "view_as_real", "view_as_complex",
    "atleast_1d", "atleast_2d", "atleast_3d", "real", "imag", "conj", "resolve_conj", "resolve_neg",
    "narrow", "select", "split", "split_with_sizes", "unsafe_split", "unsafe_split_with_sizes", "tensor_split",
    "hsplit", "vsplit", "dsplit", "chunk", "unsafe_chunk", "unbind",
    # copies
    "contiguous", "clone", "detach", "type_as", "narrow_copy", "resize", "resize_as", "set",
    # joins, repeats, reorders
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "row_stack",
    "repeat", "repeat_interleave", "tile", "roll", "flip", "fliplr", "flipud", "rot90", "block_diag", "meshgrid",
    "cartesian_prod", "tril", "triu", "diag", "diag_embed", "diagflat",
    # gathers and scatters without arithmetic
    "gather", "take", "index_select", "masked_select", "index_put", "index_copy", "index_fill",
    "put", "masked_scatter", "select_scatter", "slice_scatter", "diagonal_scatter", "as_strided_scatter",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "constant_pad_nd",
    "slice_inverse", "alias", "_chunk_cat",
    # layout conversions
    "to_sparse", "to_sparse_csr", "to_sparse_csc", "to_sparse_bsr", "to_sparse_bsc", "sparse_mask",
)  # fmt: skip
"""Ops that only move, copy or select data (each in its torch, Tensor and in-place spellings)."""


def zero(call: Call) -> int:
    """View, copy, index, concatenate, pad, assert: 0 (no arithmetic)."""
    return 0


def nonzero(call: Call) -> int:
    """nonzero / argwhere: numel(in) comparisons with zero."""
    return numel(call.arg(0, "input"))


def take_along_dim(call: Call) -> int:
    """take_along_dim(input, indices, dim): torch wraps the (broadcast) indices into range first, a remainder per
    index: N = numel(out); without dim it gathers from the flattened input: 0."""
    return out_numel(call) if call.arg(2, "dim") is not None else 0


def combinations(call: Call) -> int:
    """combinations(input, r): the mask of ordered index tuples over the n^r grid, one compare (< or ≤) and one AND
    (a multiply) per grid element for each of the r − 1 neighbouring pairs, then the mask's nonzero scan (n^r
    compares, as aten.nonzero counts): (2·(r − 1) + 1)·n^r; the gather is free."""
    n = numel(call.arg(0, "input"))
    r = call.arg(1, "r", 2)
    return (2 * (r - 1) + 1) * n**r if r > 1 else 0


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(
        [
            builtins.getattr, operator.getitem, operator.setitem,
            *ops("torch._assert", "torch._assert_async", "F.pad", "F.unfold", "Tensor.__iter__", "Tensor.__reversed__",
                 "Tensor.__delitem__", "torch.split", "torch.chunk", "torch._pack_padded_sequence",
                 "torch._pad_packed_sequence"),
            *variants(*DATA_MOVEMENT),
            *ops(*(f"torch.{name}_copy" for name in DATA_MOVEMENT)),  # functionalised views
        ],
        zero,
    )  # fmt: skip
    claim(variants("nonzero", "nonzero_static", "argwhere", inplace=False), nonzero)
    claim(variants("take_along_dim", inplace=False), take_along_dim)
    claim(variants("combinations", inplace=False), combinations)
