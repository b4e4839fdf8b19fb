"""Building blocks for rule packs: the built-in packs are written with them, and so can a third party's.

- :func:`named`: give a rule built by a factory the name and one-line formula a report shows.
- :func:`per_element`: the rule of an element-wise op, ``cost`` FLOPs per output element.
- :class:`Claimer`: register rules for lists of ops, each op once (torch's alias spellings are one op).
- :func:`pack_hook`: the ``torch_flops_register_rules`` hookimpl of a pack made of families (modules with a
  ``register(registry)`` function), in order.
- :func:`foreach`: the rule of every ``_foreach_*`` op (``torch._foreach_add_`` at the function level,
  ``aten._foreach_add_.List`` at the aten level): the per-tensor op counted once per tensor of the list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import torch

from .aliases import default_alias_table
from .binding import binder_for
from .formulas import elementwise, total
from .hookspecs import hookimpl
from .registry import Registry
from .rules import NOT_RECOGNIZED, Call, Count, NotRecognizedType, RuleFn
from .shapes import out_numel

__all__ = ["FOREACH_BASES", "Claimer", "foreach", "foreach_base", "named", "pack_hook", "per_element"]


def named(rule: RuleFn, name: str, doc: str, module: str | None = None) -> RuleFn:
    """``rule`` named ``name`` with ``doc`` (its formula in one line) as its docstring, and ``module`` as its module
    when given: what reports, ``torch-flops rules`` and errors show for a rule a factory built."""
    rule.__name__ = rule.__qualname__ = name
    rule.__doc__ = doc
    if module is not None:
        rule.__module__ = module
    return rule


def per_element(cost: int, name: str, module: str | None = None, what: str = "") -> RuleFn:
    """The rule of an element-wise op: ``cost`` FLOPs per element of its output (formulas.elementwise; 0 when the
    output is not a tensor). ``what`` names the op in the docstring (default ``name``)."""

    def rule(call: Call) -> int:
        return elementwise(cost, out_numel(call))

    return named(rule, name, f"{what or name}: {cost}·N, N = numel(out).", module)


class Claimer:
    """Registers rules for lists of ops, each op once: the first claim of an op wins, later ones skip it.

    A pack's tables may list one op twice (under torch's two names, ``acos``/``arccos``, which core's alias
    groups make one op; or in two families): it gets one rule, never two conflicting ones.
    ``claimer(ops, rule)`` registers ``rule`` for the ops of ``ops`` not claimed before (function rules).
    """

    __slots__ = ("_registry", "_seen")

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._seen: set[Any] = set()

    def __call__(self, ops: Iterable[Callable[..., Any]], rule: RuleFn) -> None:
        aliases = default_alias_table()
        fresh = []
        for op in ops:
            key = aliases.canonical(op)
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(op)
        if fresh:
            self._registry.function(*fresh)(rule)


def pack_hook(*families: ModuleType, trylast: bool = True) -> Callable[[Registry], None]:
    """The ``torch_flops_register_rules`` hookimpl of a pack whose rules live in ``families`` (modules, each with a
    ``register(registry)`` function), registered in that order. Built-in packs are ``trylast`` (every other plugin
    overrides them); a third party's pack passes ``trylast=False``. In the pack's plugin module:
    ``torch_flops_register_rules = pack_hook(linear, conv, ...)``."""

    def torch_flops_register_rules(registry: Registry) -> None:
        for family in families:
            family.register(registry)

    return hookimpl(trylast=trylast)(torch_flops_register_rules)


FOREACH_BASES = {
    "norm": "linalg_vector_norm", "powsum": "linalg_vector_norm", "max": "amax", "copy": "copy", "clone": "clone",
    "zero": "zero_",
}  # fmt: skip
"""Per-tensor ops whose name is not the foreach op's own (``_foreach_norm`` is a vector norm per tensor)."""

_KINDS = {"List": "Tensor", "Tensor": "Tensor", "Scalar": "Scalar", "ScalarList": "Scalar"}
_LOCK = threading.Lock()
_BASES: dict[Any, Any] = {}


def _overload_of(target: Any, args: tuple[Any, ...]) -> Any:
    """The aten ``_foreach_*`` overload a call of ``target`` (an overload, or ``torch._foreach_*``) runs."""
    if isinstance(target, torch._ops.OpOverload):
        return target
    packet = getattr(torch.ops.aten, target.__name__)
    second = args[1] if len(args) > 1 else None
    if isinstance(second, list | tuple):
        kind = "List" if second and isinstance(second[0], torch.Tensor) else "ScalarList"
    elif isinstance(second, torch.Tensor):
        kind = "Tensor"
    else:
        kind = "Scalar" if second is not None else "default"
    overloads = packet.overloads()
    return getattr(packet, kind if kind in overloads else "default" if "default" in overloads else overloads[0])


def foreach_base(op: Any) -> Any:
    """The aten overload a ``_foreach_*`` overload applies per tensor: ``_foreach_add.List`` -> ``add.Tensor``."""
    try:
        return _BASES[op]
    except KeyError:
        pass
    name = op.overloadpacket.__name__.removeprefix("_foreach_").removesuffix("_")
    packet = getattr(torch.ops.aten, FOREACH_BASES.get(name, name))
    kind = _KINDS.get(op._overloadname.removesuffix("_out"), "default")
    overloads = packet.overloads()
    base = getattr(packet, next(n for n in (kind, "default", *overloads) if n in overloads))
    with _LOCK:
        _BASES[op] = base
    return base


def foreach(call: Call) -> Count | NotRecognizedType:
    """_foreach_op(xs, ...): Σ_i the count of op(xs[i], ...) by the running count's rule for aten op (lists taken
    element by element; arguments keyword-only in op's schema passed by keyword)."""
    op = _overload_of(call.target, call.args)
    binder = binder_for(op)
    if binder is None:
        return NOT_RECOGNIZED
    bound = binder.bind(call.args, call.kwargs)
    base = foreach_base(op)
    names = [a.name for a in op._schema.arguments if a.name in bound]
    positional = sum(not a.kwarg_only for a in base._schema.arguments)
    keyword_names = [a.name for a in base._schema.arguments if a.kwarg_only]
    tensors = bound[names[0]]
    output = call.output
    outputs = output if isinstance(output, list | tuple) and len(output) == len(tensors) else tensors
    parts: list[Count] = []
    for i, tensor in enumerate(tensors):
        values = [_item(bound[name], i) for name in names[1:]]
        args = (tensor, *values[: positional - 1])
        kwargs = dict(zip(keyword_names, values[positional - 1 :], strict=False))
        part = call.count_function(base, args, outputs[i], **kwargs)
        if part is NOT_RECOGNIZED:
            return NOT_RECOGNIZED
        parts.append(part)
    return total(*parts)


def _item(value: Any, i: int) -> Any:
    return value[i] if isinstance(value, list | tuple) else value
