"""Alias groups: the several spellings of one op resolve to one key.

``operator.add``, ``torch.add``, ``Tensor.add``, ``Tensor.__add__`` and ``Tensor.__radd__`` are one
op; ``operator.iadd``, ``Tensor.add_`` and ``Tensor.__iadd__`` its in-place twin, a separate op. The
FX engine sees ``operator.add`` and ``call_method 'softmax'``; an eager engine sees ``Tensor.__add__``
and ``Tensor.softmax``. Keying rules by alias group makes both find the same rule.

The groups are facts about torch's spellings, not formulas, so they live here in core: every plugin
set, whichever packs it holds, resolves spellings the same way. Plugins add groups of their own with
``registry.alias(...)``. Ops are keyed by identity, never by ``__name__``.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

import torch

from .spellings import NOT_TORCH_TWINS, OPERATOR_OPS, TORCH_ALIASES, resolve  # resolve: re-exported

__all__ = ["AliasTable", "MethodKey", "default_alias_table", "op_name", "operator_spellings", "resolve"]

_T = torch.Tensor


class MethodKey(str):
    """Key of a method name that is not an attribute of ``torch.Tensor`` (a custom tensor method)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MethodKey({str(self)!r})"


def _dispatcher_op(target: Any) -> Any:
    """The ``OpOverloadPacket`` of a dispatcher op given as a packet, an overload or a custom-op object."""
    if isinstance(target, torch._ops.OpOverload):
        return target.overloadpacket
    overload = getattr(target, "_opoverload", None)  # torch.library.custom_op's CustomOpDef
    if isinstance(overload, torch._ops.OpOverload) and not isinstance(target, torch._ops.OpOverloadPacket):
        return overload.overloadpacket
    return target


def _hashable(obj: Any) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


class AliasTable:
    """A union of alias groups: ``canonical(spelling)`` is the same key for every spelling of an op."""

    __slots__ = ("_canonical", "_members", "reflected")

    def __init__(self) -> None:
        self._canonical: dict[Hashable, Hashable] = {}
        self._members: dict[Hashable, list[Hashable]] = {}
        self.reflected: set[Hashable] = set()
        """Spellings that take their operands swapped (``Tensor.__rsub__(x, 1)`` is ``1 - x``)."""

    def copy(self) -> AliasTable:
        new = AliasTable()
        new._canonical = dict(self._canonical)
        new._members = {k: list(v) for k, v in self._members.items()}
        new.reflected = set(self.reflected)
        return new

    def add_group(self, spellings: Iterable[Any]) -> None:
        """Declare that all ``spellings`` are one op, merging with groups they already belong to."""
        items = [s for s in spellings if s is not None]
        if len(items) < 2:
            return
        for s in items:
            if not _hashable(s):
                raise TypeError(f"an op spelling must be hashable, got {s!r}")
        roots: list[Hashable] = []
        for s in items:
            root = self._canonical.get(s, s)
            if root not in roots:
                roots.append(root)
        keep = roots[0]
        members = self._members.setdefault(keep, [keep])
        for root in roots[1:]:
            for m in self._members.pop(root, [root]):
                self._canonical[m] = keep
                if m not in members:
                    members.append(m)
        for s in items:
            self._canonical[s] = keep
            if s not in members:
                members.append(s)
        self._canonical[keep] = keep

    def canonical(self, spelling: Any) -> Any:
        """The key of ``spelling``'s group, or ``spelling`` itself when it belongs to none.

        A dispatcher op is one op in every form: ``torch.ops.ns.op`` (the packet), each of its
        overloads (``torch.ops.ns.op.default``) and the ``torch.library.custom_op`` object that
        defines it all share the packet's key.
        """
        spelling = _dispatcher_op(spelling)
        try:
            return self._canonical.get(spelling, spelling)
        except TypeError:  # unhashable target: no group
            return spelling

    def members(self, spelling: Any) -> list[Any]:
        """Every spelling of ``spelling``'s op (itself alone when it belongs to no group)."""
        return list(self._members.get(self.canonical(spelling), [spelling]))

    def method_key(self, name: str) -> Any:
        """The key of the ``Tensor`` method ``name`` (a custom method gets a :class:`MethodKey`)."""
        attr = getattr(_T, name, None)
        if attr is None or not callable(attr) or not _hashable(attr):
            return MethodKey(name)
        return self.canonical(attr)


def _torch_groups() -> Iterator[tuple[list[Any], list[Any]]]:
    """Yield (spellings, reflected spellings) for every alias group torch itself defines."""
    for plain, reflected, inplace in OPERATOR_OPS:
        fwd = [resolve(s) for s in plain]
        refl = [resolve(s) for s in reflected]
        # A reflected dunder that is the very object of a forward spelling is not reflected.
        refl = [r for r in refl if r is not None and all(r is not f for f in fwd)]
        yield fwd + refl, refl
        yield [resolve(s) for s in inplace], []
    for names in TORCH_ALIASES:
        yield [resolve(s) for s in names], []
    for name in dir(_T):
        if name.startswith("_") or name in NOT_TORCH_TWINS:
            continue
        method, func = getattr(_T, name, None), getattr(torch, name, None)
        if callable(method) and callable(func) and not isinstance(func, type) and _hashable(method) and _hashable(func):
            yield [func, method], []


@functools.cache
def default_alias_table() -> AliasTable:
    """torch's alias groups (built once per process)."""
    table = AliasTable()
    for spellings, reflected in _torch_groups():
        table.add_group(spellings)
        table.reflected.update(reflected)
    return table


@functools.cache
def operator_spellings() -> dict[Any, tuple[Any, bool]]:
    """``Tensor`` dunders (and ``torch.rsub``) mapped to the ``operator`` function FX records for them.

    The flag is true for reflected spellings, whose operands come swapped: ``Tensor.__rsub__(x, 1)``
    is ``operator.sub(1, x)``. Dunders that are the very object of a named method (``__neg__`` is
    ``Tensor.neg``) are left out: an engine cannot tell which spelling the source used.
    """
    found: dict[Any, tuple[Any, bool]] = {}

    def add(spelling: str, op: Any, reflected: bool) -> None:
        obj = resolve(spelling)
        if obj is not None and op is not None and str(getattr(obj, "__name__", "")).startswith("__"):
            found.setdefault(obj, (op, reflected))

    for plain, reflected, inplace in OPERATOR_OPS:
        op = resolve(plain[0]) if plain[0].startswith("operator.") else None
        iop = resolve(inplace[0]) if inplace and inplace[0].startswith("operator.") else None
        for s in plain:
            add(s, op, False)
        for s in reflected:
            add(s, op, True)
        for s in inplace:
            add(s, iop, False)
    rsub = resolve("torch.rsub")
    if rsub is not None:
        found[rsub] = (operator.sub, True)
    found[_T.__len__] = (len, False)
    return found


_MODULE_DISPLAY = {
    "_operator": "operator",
    "torch._C._VariableFunctions": "torch",
    "torch._C._nn": "torch.nn.functional",
    "torch._C._special": "torch.special",
    "torch._C._linalg": "torch.linalg",
    "torch._C._fft": "torch.fft",
    "torch.functional": "torch",
    "torch._tensor": "Tensor",
}


@functools.lru_cache(maxsize=4096)
def _op_name_cached(target: Any) -> str:
    if not isinstance(target, torch._ops.OpOverload):
        target = _dispatcher_op(target)  # a custom_op object is spelled as its op
    if isinstance(target, torch._ops.OpOverload | torch._ops.OpOverloadPacket):
        return f"torch.ops.{target}"
    qualname = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if qualname is None:
        return repr(target)
    for prefix, shown in (("TensorBase.", "Tensor."), ("Tensor.", "Tensor."), ("_VariableFunctionsClass.", "torch.")):
        if qualname.startswith(prefix):
            return shown + qualname[len(prefix) :]
    module = getattr(target, "__module__", None)
    if module is None:
        objclass = getattr(target, "__objclass__", None)
        if objclass is not None and issubclass(objclass, torch._C.TensorBase):
            return f"Tensor.{target.__name__}"
        module = "torch" if "VariableFunctions" in repr(getattr(target, "__self__", "")) else None
    if module == "builtins" or module is None:
        return qualname
    return f"{_MODULE_DISPLAY.get(module, module)}.{qualname}"


def op_name(target: Any) -> str:
    """A readable, stable spelling of an op: ``operator.add``, ``torch.add``, ``Tensor.softmax``."""
    if isinstance(target, str):
        return target
    try:
        return _op_name_cached(target)
    except TypeError:  # unhashable
        return repr(target)
