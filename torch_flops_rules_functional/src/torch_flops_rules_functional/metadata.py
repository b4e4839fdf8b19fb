"""Metadata queries and conversions (dtype, device, autograd flags): 0 FLOPs.

The eager engine sees these as calls (``x.dim()``, ``len(x)``, ``x.item()``, ``f"{x}"``, ``x.to(...)``)
where the fx engine sees attribute reads or nothing; registered as 0 so both engines recognize them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.rulekit import Claimer

from ._common import variants

__all__ = ["CONSTRUCTORS", "METADATA", "query"]

METADATA: tuple[str, ...] = (
    # queries
    "dim", "ndimension", "size", "numel", "nelement", "element_size", "stride", "storage_offset",
    "is_contiguous", "is_floating_point", "is_complex", "is_signed", "is_inference", "is_set_to", "is_same_size",
    "is_shared", "is_pinned", "is_nonzero", "is_conj", "is_neg", "is_coalesced", "is_tensor", "get_device",
    "data_ptr", "const_data_ptr", "untyped_storage", "storage", "storage_type", "dim_order", "result_type",
    "item", "tolist", "numpy",
    "__bool__", "__nonzero__", "__int__", "__long__", "__float__", "__complex__", "__index__", "__format__",
    "__repr__", "__str__", "__hash__", "__contains__", "__array__", "__array_wrap__", "__reduce_ex__",
    "__deepcopy__", "__getstate__", "__setstate__", "__sizeof__", "__dlpack__", "__dlpack_device__",
    # conversions: dtype, device, layout
    "to", "type", "float", "double", "half", "bfloat16", "int", "long", "short", "bool", "byte", "char",
    "cfloat", "cdouble", "chalf", "cpu", "cuda", "xpu", "mtia", "ipu", "to_dense", "as_subclass", "pin_memory",
    # autograd and memory bookkeeping
    "requires_grad_", "retain_grad", "register_hook", "register_post_accumulate_grad_hook", "share_memory_",
    "record_stream",
)  # fmt: skip
"""Queries and conversions (each in its torch and Tensor spellings)."""

CONSTRUCTORS: tuple[Callable[..., Any], ...] = (torch.device,)
"""Metadata objects built by a call torch function modes see: ``torch.device("cuda", 0)`` (also called by
``torch.get_default_device()``, ``with torch.device(...)`` and non-reentrant checkpointing, which records the
inputs' devices). It builds a description of a device, not a tensor: 0."""

GRAD_MODE: tuple[Callable[..., Any], ...] = (torch._C._set_grad_enabled,)
"""Grad-mode switches a forward makes (``with torch.no_grad():`` calls ``torch._C._set_grad_enabled``,
which torch function modes see): 0, they compute nothing."""


PROFILER: tuple[str, ...] = ("_record_function_enter", "_record_function_enter_new", "_record_function_exit")
"""The ``torch.ops.profiler`` ops ``torch.autograd.profiler.record_function`` calls (optimizers' ``step`` runs in one):
profiler bookkeeping, 0 at the function and aten levels alike (both see these ops)."""


def _profiler_ops() -> list[Any]:
    found = []
    for name in PROFILER:
        try:
            found.append(getattr(torch.ops.profiler, name))
        except (AttributeError, RuntimeError):
            continue
    return found


def query(call: Call) -> int:
    """Metadata query, conversion or constructor (size, dim, item, to, float, cpu, torch.device ...): 0."""
    return 0


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([builtins.len, torch.Tensor.__len__, *variants(*METADATA, inplace=False), *GRAD_MODE, *CONSTRUCTORS], query)
    claim(_profiler_ops(), query)
