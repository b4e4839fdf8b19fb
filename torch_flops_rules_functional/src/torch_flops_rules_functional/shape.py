"""Data movement: views, copies, indexing, joining and splitting. 0 FLOPs, registered so they are recognized.

Every spelling is listed; ``torch.X`` and ``Tensor.X`` are one op through core's alias groups, and
in-place twins (``squeeze_``) are listed with their op.
"""

from __future__ import annotations

import builtins
import operator

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import numel

from ._common import Claimer, ops, variants

__all__ = ["DATA_MOVEMENT", "nonzero", "zero"]

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
    "cartesian_prod", "combinations", "tril", "triu", "diag", "diag_embed", "diagflat",
    # gathers and scatters without arithmetic
    "gather", "take", "take_along_dim", "index_select", "masked_select", "index_put", "index_copy", "index_fill",
    "put", "masked_scatter", "select_scatter", "slice_scatter", "diagonal_scatter", "as_strided_scatter",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "constant_pad_nd",
    "slice_inverse", "alias",
)  # fmt: skip
"""Ops that only move, copy or select data (each in its torch, Tensor and in-place spellings)."""


def zero(call: Call) -> int:
    """View, copy, index, concatenate, pad, assert: 0 (no arithmetic)."""
    return 0


def nonzero(call: Call) -> int:
    """nonzero / argwhere: numel(in) comparisons with zero."""
    return numel(call.arg(0, "input"))


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
