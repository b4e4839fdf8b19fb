"""Building blocks for rule packs: what several packs (and third parties) need to write rules the same way.

- :func:`foreach`: the rule of every ``_foreach_*`` op (``torch._foreach_add_`` at the function level,
  ``aten._foreach_add_.List`` at the aten level): the per-tensor op counted once per tensor of the list.
"""

from __future__ import annotations

import threading
from typing import Any

import torch

from .binding import binder_for
from .formulas import total
from .rules import NOT_RECOGNIZED, Call, Count, NotRecognizedType

__all__ = ["FOREACH_BASES", "foreach", "foreach_base"]

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
