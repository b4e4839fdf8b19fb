"""Ops without arithmetic: views, copies and data movement, factories, indexing, metadata (0 FLOPs).

Registered as 0 so a count lists them as counted, never as ``not recognized``; what they move is
memory traffic, not arithmetic.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry

from ._ops import with_inplace

__all__ = ["FREE", "free", "register"]

FREE = (
    # views and reshapes
    "view", "_unsafe_view", "_reshape_alias", "reshape", "permute", "transpose", "t", "expand", "expand_as",
    "squeeze", "unsqueeze", "select", "slice", "as_strided", "alias", "diagonal", "unfold", "split",
    "split_with_sizes", "unbind", "narrow", "detach", "lift_fresh", "view_as_real", "view_as_complex",
    "_reshape_copy", "flatten", "unflatten", "movedim", "chunk", "unsafe_split", "unsafe_split_with_sizes",
    "unsafe_chunk",
    # copies and data movement
    "clone", "copy", "copy_", "_to_copy", "contiguous", "cat", "stack", "repeat", "flip", "roll",
    "constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d", "replication_pad1d",
    "replication_pad2d", "replication_pad3d", "gather", "index", "index_select", "index_put", "index_put_",
    "scatter", "select_scatter", "slice_scatter", "masked_scatter", "fill", "fill_", "zero_",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "tril", "triu", "im2col",
    # factories
    "empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones", "ones_like", "full", "full_like",
    "arange", "scalar_tensor", "rand", "randn", "randperm", "rand_like", "randn_like", "randint", "randint_like",
    "new_empty", "new_empty_strided", "new_zeros", "new_ones", "new_full", "eye", "bernoulli", "bernoulli_",
    # metadata and scalars
    "_local_scalar_dense", "sym_size", "sym_stride", "sym_numel", "sym_storage_offset", "sym_is_contiguous",
    "is_nonzero", "resize_", "set_", "_assert_async", "_assert_tensor_metadata", "_functional_assert_async",
    "nonzero",
)  # fmt: skip
"""Aten ops without arithmetic (those this torch has are claimed)."""


def free(call: Call) -> int:
    """No arithmetic (a view, a copy, a factory, an index, metadata): 0."""
    return 0


def register(registry: Registry) -> None:
    registry.function(*with_inplace(*FREE))(free)
