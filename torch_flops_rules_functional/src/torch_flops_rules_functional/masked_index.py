"""Masked indexing: ``torch._unsafe_masked_index`` and ``torch._unsafe_masked_index_put_accumulate``.

The gather and the scatter-add torch's decompositions emit where an index may be out of bounds under a false
mask (``slice_scatter`` and ``embedding_dense_backward`` in ``torch._decomp``; compiled code). Each counts what the
aten pack counts for the op of the same name (``torch_flops_rules_aten.misc``), so the default and the aten engines
agree: the select of ``where`` per element, and for the accumulating form the add. The gather and the scatter move
data; the clamps of the indices that torch's eager fallback runs are index bookkeeping, not counted.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel, out_numel

from ._common import ops

__all__ = ["masked_index", "masked_index_put_accumulate", "register"]


def masked_index(call: Call) -> int:
    """_unsafe_masked_index(self, mask, indices, fill): where(mask, self[indices], fill), one select per output
    element: N (POINTWISE_COSTS['where'])."""
    return formulas.pointwise("where", out_numel(call))


def masked_index_put_accumulate(call: Call) -> int:
    """_unsafe_masked_index_put_accumulate(self, mask, indices, values): the values masked (a select each,
    POINTWISE_COSTS['masked_fill']) and added into self: 2·numel(values)."""
    return formulas.index_put_accumulate(numel(call.arg(3, "values")))


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(ops("torch._unsafe_masked_index"), masked_index)
    claim(ops("torch._unsafe_masked_index_put_accumulate"), masked_index_put_accumulate)
