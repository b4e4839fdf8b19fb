"""``ignore_ops``: the ops a user asked to count as 0, resolved once per count and matched once per op.

An entry is a module class (``nn.Linear``), a function or op in any alias spelling (``torch.softmax``,
``torch.ops.aten.mm``), or a name: a module class name (``"Linear"``), a function or method name
(``"softmax"``, ``"matmul"``), an aten op name (``"mm"``, ``"aten.mm"``) or a dotted spelling
(``"torch.softmax"``, ``"torch.nn.Linear"``), which is resolved to the object it names. A name that
names nothing torch-flops could ever see (no module class, no torch function or method, no aten op,
no rule of the loaded plugins) is an error that suggests close names: a typo never ignores nothing in
silence. A name is checked against what *exists*, not against what ran: ignoring an op this model
does not run is allowed.

Every engine honours the spec:

- eager and fx match each call (:meth:`IgnoreSpec.matches`); a module ignored is one op of 0;
- the aten engine records every aten op that runs inside an ignored module as ignored, and every aten
  op a call of an ignored function dispatches to: :class:`IgnoreMarker`, a ``TorchFunctionMode``
  below the engine, sees the top-level torch calls (those the eager engine records) and marks the
  aten ops that run inside a matching one;
- the backward (``backward=True``): an op that autograd runs for a node made inside an ignored module
  (its path is at or under that module's path), or made by an ignored function call (the marker notes
  the autograd sequence numbers each ignored call used up), is ignored; so is a recompute inside an
  ignored module.
"""

from __future__ import annotations

import builtins
import difflib
import functools
import math
import operator
from bisect import bisect_right
from collections.abc import Callable, Iterable
from types import GetSetDescriptorType
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from ..aliases import op_name, operator_spellings
from ..registry import RuleTable
from ..rules import CallKind

__all__ = ["OBJECTS", "IgnoreMarker", "IgnoreSpec", "known_names", "unknown_names_message"]

_next_sequence_nr: Callable[[], int] = torch._C._autograd._get_sequence_nr

_ROOTS: dict[str, Any] = {
    "torch": torch,
    "Tensor": torch.Tensor,
    "F": F,
    "operator": operator,
    "builtins": builtins,
    "math": math,
}
"""Where a dotted name (``"torch.softmax"``, ``"F.gelu"``, ``"Tensor.add"``) starts."""

_NAMESPACES = (torch, torch.Tensor, F, torch.special, torch.linalg, torch.fft, operator)


def _resolve_dotted(name: str) -> Any:
    """The object a dotted spelling names (``torch.nn.Linear``, ``torch.ops.aten.mm``), or ``None``."""
    root, _, rest = name.partition(".")
    obj = _ROOTS.get(root)
    if obj is None or not rest:
        return None
    for part in rest.split("."):
        try:
            obj = getattr(obj, part)
        except (AttributeError, RuntimeError):
            return None
    return obj


@functools.cache
def _static_names() -> frozenset[str]:
    """Names of every torch function, ``Tensor`` method and aten op (built once per process)."""
    names: set[str] = set()
    for space in _NAMESPACES:
        for attr in dir(space):
            if not attr.startswith("__") or attr.endswith("__"):
                names.add(attr)
    for qualified in torch._C._dispatch_get_all_op_names():
        namespace, _, op = qualified.partition("::")
        packet = op.partition(".")[0]
        names.update((packet, f"{namespace}.{packet}"))
    return frozenset(names)


def _module_class_names() -> set[str]:
    """The names of every ``nn.Module`` subclass defined so far (torch's, libraries', the user's)."""
    names: set[str] = set()
    seen: set[type] = set()
    todo: list[type] = [torch.nn.Module]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        names.add(cls.__name__)
        todo.extend(type.__subclasses__(cls))
    return names


def known_names(table: RuleTable) -> set[str]:
    """Every name ``ignore_ops`` accepts with ``table``: module classes, torch functions and methods, aten ops,
    and the targets of the table's rules (a plugin's own ops)."""
    names = set(_static_names()) | _module_class_names()
    for entry in table.entries:
        if entry.kind == "method":
            names.add(str(entry.target))
            continue
        for spelling in [entry.target] if entry.kind == "module" else table.aliases.members(entry.target):
            name = getattr(spelling, "__name__", None)
            if isinstance(name, str):
                names.add(name)
            packet = getattr(spelling, "overloadpacket", spelling)
            if isinstance(packet, torch._ops.OpOverloadPacket):
                names.add(packet.__name__)
                names.add(str(packet))
    return names


def _op_names(target: Any) -> tuple[str, ...]:
    """The names a function or op answers to: its ``__name__``, its readable spelling and, for a dispatcher
    op, its packet's name (``mm``), ``aten.mm`` and ``torch.ops.aten.mm``."""
    names = [getattr(target, "__name__", None), op_name(target)]
    packet = getattr(target, "overloadpacket", target)
    if isinstance(packet, torch._ops.OpOverloadPacket):
        names += [packet.__name__, str(packet), op_name(packet)]
    return tuple(n for n in names if isinstance(n, str))


class IgnoreSpec:
    """The ops a user asked to count as 0: module classes, functions/ops, or names (seed style)."""

    __slots__ = ("aliases", "keys", "names", "types")

    def __init__(self, ignore_ops: Iterable[Any], table: RuleTable) -> None:
        """Resolve ``ignore_ops`` against ``table``'s alias groups, once; a name that names nothing is a
        ``ValueError`` listing close names."""
        self.aliases = table.aliases
        if isinstance(ignore_ops, str):
            ignore_ops = [ignore_ops]
        self.types: set[type] = set()
        self.keys: set[Any] = set()
        self.names: set[str] = set()
        try:
            items = list(ignore_ops)
        except TypeError:
            raise TypeError(f"ignore_ops takes a list of ops, got {ignore_ops!r}") from None
        unchecked: list[str] = []
        for item in items:
            if isinstance(item, str):
                self.names.add(item)
                if not self._add_dotted(item) and item not in _static_names():
                    unchecked.append(item)
            else:
                self._add_object(item, item)
        if unchecked:
            classes = _module_class_names()  # "Linear", "Block": the common case, cheaper than the table's names
            unchecked = [name for name in unchecked if name not in classes]
        if unchecked:
            known = known_names(table)
            unknown = [name for name in unchecked if name not in known]
            if unknown:
                raise ValueError(unknown_names_message(unknown, known))

    def _add_dotted(self, name: str) -> bool:
        """A dotted spelling (``"torch.softmax"``, ``"torch.nn.Linear"``) is also added as the object it names;
        ``False`` when ``name`` is not one."""
        if "." not in name:
            return False
        obj = _resolve_dotted(name)
        if obj is None or not callable(obj):
            return False
        if (isinstance(obj, type) and issubclass(obj, torch.nn.Module)) or not isinstance(obj, type):
            self._add_object(obj, name)
        return True  # a class that is not a module (torch.Size) is matched by its name

    def _add_object(self, item: Any, given: Any) -> None:
        if isinstance(item, type) and issubclass(item, torch.nn.Module):
            self.types.add(item)
        elif isinstance(item, torch.nn.Module):
            raise TypeError(
                f"ignore_ops takes module classes, not instances: got a {type(item).__name__} object; "
                f"pass {type(item).__name__} (the class) or the name {type(item).__name__!r}"
            )
        elif callable(item) and not isinstance(item, type):
            self.keys.add(self.aliases.canonical(item))
        else:
            raise TypeError(
                f"ignore_ops takes nn.Module classes (nn.Dropout), functions or ops (torch.matmul, "
                f"torch.ops.aten.mm) or names ('Linear', 'softmax'); got {given!r} ({type(given).__name__})"
            )

    def __bool__(self) -> bool:
        return bool(self.types or self.keys or self.names)

    @property
    def functions(self) -> bool:
        """Whether any entry may name a function or method (an object, or a name): the aten engine then
        watches torch calls (:class:`IgnoreMarker`)."""
        return bool(self.keys or self.names)

    def matches(self, kind: CallKind, target: Any, module: torch.nn.Module | None) -> bool:
        """Whether this call (a module, a function or op, a method name) is to be counted as 0."""
        if kind == "call_module":
            cls = type(module)
            return any(c in self.types for c in cls.__mro__) or cls.__name__ in self.names
        if kind == "call_method":
            return target in self.names or self.aliases.method_key(target) in self.keys
        if self.aliases.canonical(target) in self.keys:
            return True
        return bool(self.names) and any(name in self.names for name in _op_names(target))

    def matches_callable(self, func: Any) -> bool:
        """Whether a torch call the mode sees (``Tensor.__add__``, ``Tensor.softmax``, ``torch.matmul``) is an
        ignored op, spelled as the eager engine records it."""
        owner = getattr(func, "__self__", None)
        if isinstance(owner, GetSetDescriptorType):  # x.shape: a property read, computes nothing
            return self.matches("call_function", builtins.getattr, None)
        spelled = operator_spellings().get(func)
        if spelled is not None:
            return self.matches("call_function", spelled[0], None)
        name = getattr(func, "__name__", None)
        if isinstance(name, str) and getattr(torch.Tensor, name, None) is func:
            return self.matches("call_method", name, None)
        return self.matches("call_function", func, None)


OBJECTS = "; or the object itself (nn.Linear, torch.softmax)"
"""The end of :func:`unknown_names_message` (the command line, which takes names only, leaves it out)."""


def unknown_names_message(unknown: list[str], known: set[str]) -> str:
    """``ignore_ops`` names that match nothing, each with the close names it may have meant."""
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.7)
        if not close:  # "softmx" is far from every name but close to one in lower case
            lowered = {k.lower(): k for k in known}
            close = [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=3, cutoff=0.7)]
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        parts.append(f"{name!r}{hint}")
    return (
        f"ignore_ops: nothing matched {', '.join(parts)}: no module class, torch function or method, aten op or "
        "rule of the loaded plugins has that name. Give a module class name ('Linear', 'Dropout', or your own "
        f"module's class), a function or method name ('softmax', 'matmul') or an aten op ('mm', 'aten.addmm'){OBJECTS}"
    )


class IgnoreMarker(TorchFunctionMode):
    """Marks the torch calls ``ignore_ops`` names while the aten engine or the backward's bookkeeping runs.

    While an ignored call runs, :attr:`depth` is positive: the aten engine records the aten ops it
    dispatches to as ignored. The autograd sequence numbers each ignored call used up are kept
    (:meth:`made_by_ignored`): the backward ops of those nodes are ignored too. Only top-level calls
    are seen (a mode is off while it handles a call), as the eager engine records them.
    """

    def __init__(self, ignore: IgnoreSpec) -> None:
        super().__init__()
        self.ignore = ignore
        self.depth = 0
        self._cache: dict[Any, bool] = {}
        self._starts: list[int] = []
        self._ends: list[int] = []

    def _matches(self, func: Any) -> bool:
        try:
            return self._cache[func]
        except KeyError:
            found = self._cache[func] = self.ignore.matches_callable(func)
            return found
        except TypeError:  # an unhashable callable
            return self.ignore.matches_callable(func)

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        if kwargs is None:
            kwargs = {}
        if self.depth or not self._matches(func):
            return func(*args, **kwargs)
        start = _next_sequence_nr()
        self.depth += 1
        try:
            return func(*args, **kwargs)
        finally:
            self.depth -= 1
            end = _next_sequence_nr()
            if end > start:
                self._starts.append(start)
                self._ends.append(end)

    def made_by_ignored(self, sequence_nr: int) -> bool:
        """Whether the autograd node numbered ``sequence_nr`` was made by an ignored call."""
        i = bisect_right(self._starts, sequence_nr) - 1
        return i >= 0 and sequence_nr < self._ends[i]
