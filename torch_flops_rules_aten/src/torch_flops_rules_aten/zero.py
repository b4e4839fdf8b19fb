"""Ops without arithmetic: views, copies and data movement, factories, metadata queries (0 FLOPs).

Registered as 0 so a count lists them as counted, never as ``not recognized``; what they move is memory
traffic, not arithmetic. Most are told by their schema and tags (:func:`free_kind`), so an op a new torch
adds is covered the day it appears: an op whose outputs alias its inputs without writing them (or one
tagged ``inplace_view``: ``t_``) is a **view**, an op tagged ``view_copy`` a **copy** of one, an op that
takes no tensor a **factory** (or an assertion, when it returns none), an op that returns no tensor and
takes no float a **query**. What moves data without arithmetic but looks like any other op in its schema
(``cat``, ``gather``, padding, fills) is listed in :data:`MOVES`. This family registers last and claims
only what the pack's other families left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.aliases import default_alias_table
from torch_flops_core.coverage import overloads

from ._ops import with_inplace

__all__ = ["MOVES", "PRIM_QUERIES", "copy", "factory", "free_kind", "query", "register", "view"]

MOVES = (
    # copies and data movement
    "clone", "copy", "copy_", "_to_copy", "contiguous", "cat", "stack", "_stack", "repeat", "flip", "roll",
    "constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d", "replication_pad1d",
    "replication_pad2d", "replication_pad3d", "gather", "index", "index_select", "index_put", "index_put_",
    "_index_put_impl", "scatter", "select_scatter", "slice_scatter", "diagonal_scatter", "as_strided_scatter",
    "masked_scatter", "masked_select", "put", "take", "fill", "fill_", "zero_", "pixel_shuffle", "pixel_unshuffle",
    "channel_shuffle", "tril", "triu", "im2col", "complex", "polar_", "_copy_from", "_copy_from_and_resize",
    "_to_dense", "_to_sparse", "_to_sparse_csr", "_to_sparse_csc", "_to_sparse_bsr", "_to_sparse_bsc",
    "to_padded_tensor", "_pin_memory", "_lazy_clone", "lift", "_unsafe_view", "_reshape_copy", "repeat_interleave",
    # factories with a tensor argument (a size or a device template)
    "empty_like", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like", "randint_like", "new_empty",
    "new_empty_strided", "new_zeros", "new_ones", "new_full", "bernoulli", "bernoulli_", "randperm",
    "_efficientzerotensor", "empty_permuted",
    # metadata, resizing, assertions
    "_local_scalar_dense", "resize_", "resize_as_", "set_", "_assert_async", "_assert_tensor_metadata",
    "_functional_assert_async", "_functional_assert_scalar", "_functional_sym_constrain_range",
    "_functional_sym_constrain_range_for_size", "_linalg_check_errors", "record_stream",
    "_nested_tensor_size", "_nested_tensor_strides", "_nested_tensor_storage_offsets",
    "resize", "set", "_resize_output", "sparse_resize", "sparse_resize_and_clear", "resize_as_sparse",
    "shallow_copy_data_", "copy_sparse_to_sparse", "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk",
    "sparse_coo_tensor", "_sparse_coo_tensor_with_dims_and_tensors", "sparse_compressed_tensor", "sparse_mask",
    "_chunk_cat", "_new_zeros_with_same_feature_meta", "_pack_padded_sequence", "max_unpool2d", "max_unpool3d",
    "diag_embed", "linspace", "logspace",
)  # fmt: skip
"""Aten ops that move or build data without arithmetic but whose schema does not say so (and their in-place
twins); those this torch lacks are skipped."""


def _tensors(type_: Any) -> bool:
    return "Tensor" in str(type_)


def free_kind(op: Any) -> str | None:
    """Why an aten overload computes nothing, read from its schema and tags: ``"view"``, ``"copy"``,
    ``"factory"``, ``"assertion"``, ``"query"``; ``None`` when it may compute (or is tagged pointwise or reduction)."""
    if torch.Tag.pointwise in op.tags or torch.Tag.reduction in op.tags:
        return None
    schema = op._schema
    returns = schema.returns
    if torch.Tag.inplace_view in op.tags or (
        returns and all(r.alias_info is not None and not r.alias_info.is_write for r in returns)
    ):
        return "view"
    if torch.Tag.view_copy in op.tags:
        return "copy"
    inputs = [a for a in schema.arguments if _tensors(a.type) and not (a.kwarg_only and a.alias_info is not None)]
    if not inputs:
        return "factory" if any(_tensors(r.type) for r in returns) else "assertion"
    floats = any(
        str(a.type).rstrip("?") in ("float", "Scalar", "Tensor") and not _tensors(a.type) for a in schema.arguments
    )
    if returns and not any(_tensors(r.type) for r in returns) and not floats:
        return "query"
    return None


def view(call: Call) -> int:
    """A view (its outputs alias its inputs; from the schema): 0."""
    return 0


def copy(call: Call) -> int:
    """A copy or data movement (a ``view_copy`` op, cat, gather, padding, a fill, a layout conversion ...): 0."""
    return 0


def factory(call: Call) -> int:
    """A factory, an assertion or a metadata query (no tensor in, or no tensor out; from the schema): 0."""
    return 0


def query(call: Call) -> int:
    """A metadata query (returns no tensor, takes no float; from the schema): 0."""
    return 0


PRIM_QUERIES = ("device", "layout")
"""``prim`` ops a tensor's metadata is read with (a fake tensor's ``.device`` in a symbolic count dispatches
``prim::device``): queries, 0."""

_RULES: dict[str, Callable[[Call], int]] = {
    "view": view, "copy": copy, "factory": factory, "assertion": factory, "query": query,
}  # fmt: skip


def _derived() -> dict[Any, str]:
    """Each aten packet whose every overload (``out=`` forms aside) computes nothing, with why."""
    kinds: dict[Any, set[str | None]] = {}
    for _, op in overloads("aten"):
        if torch.Tag.out in op.tags and op._overloadname != "default":
            continue  # an out= form computes what its functional form does
        kinds.setdefault(op.overloadpacket, set()).add(free_kind(op))
    derived: dict[Any, str] = {}
    for packet, found in kinds.items():
        known = {kind for kind in found if kind is not None}
        if len(known) == len(found):
            derived[packet] = "view" if known == {"view"} else "copy" if known == {"copy"} else sorted(known)[0]
    return derived


def register(registry: Registry) -> None:
    canonical = default_alias_table().canonical
    claimed = registry.claimed()
    moves = [op for op in with_inplace(*MOVES) if canonical(op) not in claimed]
    if moves:
        registry.function(*moves)(copy)
    claimed.update(canonical(op) for op in moves)
    by_kind: dict[str, list[Any]] = {}
    for packet, kind in _derived().items():
        if canonical(packet) not in claimed:
            by_kind.setdefault(kind, []).append(packet)
    for kind, packets in sorted(by_kind.items()):
        registry.function(*packets)(_RULES[kind])
    prims = [getattr(torch.ops.prim, name) for name in PRIM_QUERIES if hasattr(torch.ops.prim, name)]
    fresh = [packet for packet in prims if canonical(packet) not in claimed]
    if fresh:
        registry.function(*fresh)(query)
