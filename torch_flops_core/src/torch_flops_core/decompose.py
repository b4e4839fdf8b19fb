"""An aten op no rule knows, counted by its decomposition: the ops torch itself defines it as.

torch knows many ops as compositions of others: the ``CompositeImplicitAutograd`` kernels
(``aten.linear`` is ``t`` + ``addmm``; the dispatcher usually runs these below any mode, but an
exported graph or a decomposition can name them) and the Python decompositions of
:mod:`torch._decomp` (``aten._safe_softmax`` is ``softmax`` + a mask; those into the Core ATen opset, as
``torch.export`` uses them, not those into ``prims``), and an ``out=`` overload is its functional form
followed by a copy into the outputs (``linear.out`` is ``linear``). When the aten engine meets an op
without a rule, it runs the op through that decomposition under the counter instead of its kernel, so
the parts are counted by their rules, each a record named ``<op>.<part>`` in the op's module (the
record's name says the op was decomposed; ``result.notes`` lists such ops). A decomposition computes the
same values as the kernel (it is torch's reference for it), except random ops, which are never
decomposed: their decomposition would draw from the generator differently and change the model's
values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import torch

from .wording import agree

__all__ = ["decomposed_note", "decomposition_of"]

_IMPLICIT = torch._C.DispatchKey.CompositeImplicitAutograd
_CACHE: dict[Any, Callable[..., Any] | None] = {}
_LOCK = threading.Lock()


def _find(func: Any) -> Callable[..., Any] | None:
    if not isinstance(func, torch._ops.OpOverload):
        return None
    if torch.Tag.nondeterministic_seeded in func.tags:
        return None
    try:
        implicit = torch._C._dispatch_has_kernel_for_dispatch_key(func.name(), _IMPLICIT)
    except RuntimeError:  # an op of another dispatcher namespace (prim::device): nothing to decompose
        return None
    if implicit:
        return func.decompose
    found = _core_decompositions().get(func)
    if found is None and torch.Tag.out in func.tags:
        found = _out_form(func)
    return found


def _out_form(func: Any) -> Callable[..., Any] | None:
    """An ``out=`` overload as its functional overload (same packet, the same arguments but the outputs) whose
    results are copied into the outputs: ``linear.out`` is ``linear`` and a copy. ``None`` without one."""
    arguments = func._schema.arguments
    outs = [a.name for a in arguments if a.kwarg_only and a.alias_info is not None and a.alias_info.is_write]
    inputs = [a.name for a in arguments if a.name not in outs]
    packet = func.overloadpacket
    for name in packet.overloads():
        candidate = getattr(packet, name)
        if candidate is not func and [a.name for a in candidate._schema.arguments] == inputs:
            return _writing_into(candidate, outs)
    return None


def _writing_into(functional: Any, outs: list[str]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        targets = [kwargs.pop(name) for name in outs]
        results = functional(*args, **kwargs)
        results = results if isinstance(results, tuple) else (results,)
        for target, result in zip(targets, results, strict=True):
            target.resize_(result.shape).copy_(result)
        return targets[0] if len(targets) == 1 else tuple(targets)

    return run


_CORE: dict[Any, Callable[..., Any]] = {}


def _core_decompositions() -> dict[Any, Callable[..., Any]]:
    """torch's decompositions into the Core ATen opset (what the aten pack covers), not into ``prims``."""
    if not _CORE:
        from torch._decomp import core_aten_decompositions  # on first need: it loads torch._refs

        _CORE.update(core_aten_decompositions())
    return _CORE


def decomposition_of(func: Any) -> Callable[..., Any] | None:
    """The function torch defines ``func`` as (its composite kernel or its registered Python
    decomposition), ``None`` for a primitive kernel, a random op or a target that is not an aten op."""
    try:
        return _CACHE[func]
    except KeyError:
        pass
    except TypeError:
        return None
    found = _find(func)
    with _LOCK:
        _CACHE[func] = found
    return found


def decomposed_note(ops: Mapping[str, int], phase: str = "forward") -> list[str]:
    """The note that says which ops no rule knows were counted by their decomposition (torch's definition of
    them by other aten ops), as records named ``<op>.<part>``."""
    if not ops:
        return []
    listed = ", ".join(f"{op} ×{n}" if n > 1 else op for op, n in sorted(ops.items()))
    n = sum(ops.values())
    return [
        f"{agree(n, 'aten op', 'aten ops')} of the {phase} {'has' if n == 1 else 'have'} no rule and "
        f"{'was' if n == 1 else 'were'} counted by torch's decomposition of {'it' if n == 1 else 'them'} "
        f"({listed}): their parts are the records named <op>.<part>"
    ]
