"""Arguments by name: one binder for every kind of call, so no rule reads an argument by position.

``Call.arguments()`` binds a call's positional and keyword arguments to their parameter names, with
the defaults of the parameters not passed filled in:

- an aten ``OpOverload`` (and any dispatcher op; a packet by the first overload the arguments fit) is bound
  by its schema: ``aten.max_pool2d_with_indices
  (x, kernel_size=[2, 2])`` gives ``stride=[]``, ``padding=[0, 0]``, ``dilation=[1, 1]``,
  ``ceil_mode=False`` whether an fx graph passed them by position, by keyword or not at all;
- a Python function and a module's ``forward`` by :func:`inspect.signature`;
- a C builtin without a signature (``torch.add``) by its positional names only where the caller says
  them: :meth:`Call.arg` remains the reader for those.

A binder is made once per target and cached; binding a call is a loop over the parameters.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Mapping
from typing import Any

import torch

__all__ = ["BindError", "Binder", "PacketBinder", "bind_call", "binder_for"]


class BindError(TypeError):
    """The arguments do not fit the target's parameters (too many, an unknown keyword)."""


class Binder:
    """Binds ``(args, kwargs)`` of one target to ``{name: value}``, defaults filled in.

    ``names`` are the parameters in order; ``positional`` how many may be passed by position;
    ``defaults`` the value of each parameter that has one. ``varargs``/``varkw`` name the ``*args``
    and ``**kwargs`` parameters of a Python function (their values are a tuple and a dict).
    """

    __slots__ = ("defaults", "names", "positional", "target", "varargs", "varkw")

    def __init__(
        self,
        target: Any,
        names: tuple[str, ...],
        positional: int,
        defaults: Mapping[str, Any],
        varargs: str | None = None,
        varkw: str | None = None,
    ) -> None:
        self.target = target
        self.names = names
        self.positional = positional
        self.defaults = dict(defaults)
        self.varargs = varargs
        self.varkw = varkw

    def bind(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """``{name: value}`` for every parameter passed or defaulted (a required one not passed is absent)."""
        names = self.names
        bound: dict[str, Any] = {}
        n = min(len(args), self.positional)
        for i in range(n):
            bound[names[i]] = args[i]
        if len(args) > n:
            if self.varargs is None:
                raise BindError(
                    f"{_spell(self.target)} takes at most {self.positional} positional arguments, got {len(args)}"
                )
            bound[self.varargs] = tuple(args[n:])
        extra: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in bound and key != self.varargs:
                raise BindError(f"{_spell(self.target)} got {key!r} by position and by keyword")
            if key in self.defaults or key in names:
                bound[key] = value
            elif self.varkw is not None:
                extra[key] = value
            else:
                raise BindError(f"{_spell(self.target)} has no parameter {key!r} (it has {', '.join(names)})")
        for key, value in self.defaults.items():
            if key not in bound:
                bound[key] = value
        if self.varkw is not None:
            bound[self.varkw] = extra
        return bound


def _spell(target: Any) -> str:
    return getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or str(target)


def _schema_binder(target: Any, schema: Any) -> Binder:
    names: list[str] = []
    defaults: dict[str, Any] = {}
    positional = 0
    for argument in schema.arguments:
        names.append(argument.name)
        if not argument.kwarg_only:
            positional += 1
        if argument.has_default_value():
            defaults[argument.name] = argument.default_value
    return Binder(target, tuple(names), positional, defaults)


def _signature_binder(target: Any, signature: inspect.Signature) -> Binder:
    names: list[str] = []
    defaults: dict[str, Any] = {}
    positional = 0
    varargs = varkw = None
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            varargs = param.name
            continue
        if param.kind is param.VAR_KEYWORD:
            varkw = param.name
            continue
        names.append(param.name)
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional += 1
        if param.default is not param.empty:
            defaults[param.name] = param.default
    return Binder(target, tuple(names), positional, defaults, varargs, varkw)


class PacketBinder(Binder):
    """Binds a call of an ``OpOverloadPacket`` (``torch.ops.torchvision.nms(...)``, what the eager engine sees) by
    the schema of the first overload the arguments fit, as the dispatcher picks one."""

    __slots__ = ("overloads",)

    def __init__(self, target: Any, overloads: list[Binder]) -> None:
        first = overloads[0]
        super().__init__(target, first.names, first.positional, first.defaults)
        self.overloads = overloads

    def bind(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        for binder in self.overloads:
            try:
                bound = binder.bind(args, kwargs)
            except BindError:
                continue
            if all(name in bound for name in binder.names):
                return bound
        return self.overloads[0].bind(args, kwargs)


def _packet_binder(packet: Any) -> Binder | None:
    binders = []
    for name in packet.overloads():
        schema = getattr(getattr(packet, name), "_schema", None)
        if isinstance(schema, torch._C.FunctionSchema):
            binders.append(_schema_binder(packet, schema))
    return PacketBinder(packet, binders) if binders else None


def _make(target: Any) -> Binder | None:
    schema = getattr(target, "_schema", None)
    if isinstance(schema, torch._C.FunctionSchema):
        return _schema_binder(target, schema)
    if isinstance(target, torch._ops.OpOverloadPacket):
        return _packet_binder(target)
    if isinstance(target, torch.nn.Module):
        target = target.forward
    elif isinstance(target, type) and issubclass(target, torch.nn.Module):
        target = _unbound_forward(target)
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    return _signature_binder(target, signature)


def _unbound_forward(cls: type[torch.nn.Module]) -> Any:
    """A module class's ``forward`` as its instances see it: the signature without ``self``."""
    forward = cls.forward
    signature = inspect.signature(forward)
    parameters = list(signature.parameters.values())[1:]

    def bound(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover - a signature holder, never called
        raise NotImplementedError

    bound.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    bound.__qualname__ = getattr(forward, "__qualname__", cls.__name__)
    return bound


_CACHE: dict[Any, Binder | None] = {}
_LOCK = threading.Lock()


def binder_for(target: Any) -> Binder | None:
    """The cached :class:`Binder` of ``target`` (an aten op, a function, a module), ``None`` if it has no
    signature (a C builtin such as ``torch.add``: its positional names are not knowable)."""
    if isinstance(target, torch.nn.Module):
        if "forward" in target.__dict__:  # a forward set on the instance: bound by its own signature, not cached
            return _make(target)
        target = type(target)  # the class's forward: one binder per class
    try:
        return _CACHE[target]
    except KeyError:
        pass
    except TypeError:  # unhashable target
        return _make(target)
    binder = _make(target)
    with _LOCK:
        _CACHE[target] = binder
    return binder


def bind_call(target: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: value}`` of a call of ``target``; for a target without a signature, its keywords only."""
    binder = binder_for(target)
    if binder is None:
        return dict(kwargs)
    return binder.bind(args, kwargs)
