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

import builtins
import functools
import operator
from collections.abc import Hashable, Iterable, Iterator
from typing import Any

import torch
import torch.nn.functional as F

__all__ = ["AliasTable", "MethodKey", "default_alias_table", "op_name", "operator_spellings", "resolve"]

_T = torch.Tensor


class MethodKey(str):
    """Key of a method name that is not an attribute of ``torch.Tensor`` (a custom tensor method)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MethodKey({str(self)!r})"


# (out-of-place spellings, reflected spellings, in-place spellings) for operator-backed ops.
# Names are looked up on operator / torch / Tensor; missing ones are skipped (older torch).
_OPERATOR_OPS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("operator.add", "torch.add", "T.add", "T.__add__"), ("T.__radd__",), ("operator.iadd", "T.add_", "T.__iadd__")),
    (
        ("operator.sub", "torch.sub", "torch.subtract", "T.sub", "T.subtract", "T.__sub__"),
        ("T.__rsub__", "torch.rsub"),
        ("operator.isub", "T.sub_", "T.subtract_", "T.__isub__"),
    ),
    (
        ("operator.mul", "torch.mul", "torch.multiply", "T.mul", "T.multiply", "T.__mul__"),
        ("T.__rmul__",),
        ("operator.imul", "T.mul_", "T.multiply_", "T.__imul__"),
    ),
    (
        (
            "operator.truediv",
            "torch.div",
            "torch.divide",
            "torch.true_divide",
            "T.div",
            "T.divide",
            "T.true_divide",
            "T.__truediv__",
            "T.__div__",
        ),
        ("T.__rtruediv__", "T.__rdiv__"),
        ("operator.itruediv", "T.div_", "T.divide_", "T.true_divide_", "T.__itruediv__", "T.__idiv__"),
    ),
    (
        ("operator.floordiv", "torch.floor_divide", "T.floor_divide", "T.__floordiv__"),
        ("T.__rfloordiv__",),
        ("operator.ifloordiv", "T.floor_divide_", "T.__ifloordiv__"),
    ),
    (
        ("operator.mod", "torch.remainder", "T.remainder", "T.__mod__"),
        ("T.__rmod__",),
        ("operator.imod", "T.remainder_", "T.__imod__"),
    ),
    (("operator.pow", "torch.pow", "T.pow", "T.__pow__"), ("T.__rpow__",), ("operator.ipow", "T.pow_", "T.__ipow__")),
    (("operator.matmul", "torch.matmul", "T.matmul", "T.__matmul__"), ("T.__rmatmul__",), ("operator.imatmul",)),
    (
        ("operator.and_", "torch.bitwise_and", "T.bitwise_and", "T.__and__"),
        ("T.__rand__",),
        ("operator.iand", "T.bitwise_and_", "T.__iand__"),
    ),
    (
        ("operator.or_", "torch.bitwise_or", "T.bitwise_or", "T.__or__"),
        ("T.__ror__",),
        ("operator.ior", "T.bitwise_or_", "T.__ior__"),
    ),
    (
        ("operator.xor", "torch.bitwise_xor", "T.bitwise_xor", "T.__xor__"),
        ("T.__rxor__",),
        ("operator.ixor", "T.bitwise_xor_", "T.__ixor__"),
    ),
    (
        ("operator.lshift", "torch.bitwise_left_shift", "T.bitwise_left_shift", "T.__lshift__"),
        ("T.__rlshift__",),
        ("operator.ilshift", "T.bitwise_left_shift_", "T.__ilshift__"),
    ),
    (
        ("operator.rshift", "torch.bitwise_right_shift", "T.bitwise_right_shift", "T.__rshift__"),
        ("T.__rrshift__",),
        ("operator.irshift", "T.bitwise_right_shift_", "T.__irshift__"),
    ),
    (("operator.eq", "torch.eq", "T.eq", "T.__eq__"), (), ("T.eq_",)),
    (("operator.ne", "torch.ne", "torch.not_equal", "T.ne", "T.not_equal", "T.__ne__"), (), ("T.ne_", "T.not_equal_")),
    (("operator.lt", "torch.lt", "torch.less", "T.lt", "T.less", "T.__lt__"), (), ("T.lt_", "T.less_")),
    (
        ("operator.le", "torch.le", "torch.less_equal", "T.le", "T.less_equal", "T.__le__"),
        (),
        ("T.le_", "T.less_equal_"),
    ),
    (("operator.gt", "torch.gt", "torch.greater", "T.gt", "T.greater", "T.__gt__"), (), ("T.gt_", "T.greater_")),
    (
        ("operator.ge", "torch.ge", "torch.greater_equal", "T.ge", "T.greater_equal", "T.__ge__"),
        (),
        ("T.ge_", "T.greater_equal_"),
    ),
    (
        ("operator.neg", "torch.neg", "torch.negative", "T.neg", "T.negative", "T.__neg__"),
        (),
        ("T.neg_", "T.negative_"),
    ),
    (("operator.pos", "torch.positive", "T.positive", "T.__pos__"), (), ()),
    (
        ("operator.abs", "torch.abs", "torch.absolute", "T.abs", "T.absolute", "T.__abs__"),
        (),
        ("T.abs_", "T.absolute_"),
    ),
    (
        ("operator.invert", "torch.bitwise_not", "T.bitwise_not", "T.__invert__"),
        (),
        ("T.bitwise_not_",),
    ),
    (("operator.getitem", "T.__getitem__"), (), ()),
    (("operator.setitem", "T.__setitem__"), (), ()),
)

# torch's own aliases (same op, other name), beyond the operator-backed ones above.
_TORCH_ALIASES: tuple[tuple[str, ...], ...] = (
    ("torch.cat", "torch.concat", "torch.concatenate"),
    ("torch.clamp", "torch.clip", "T.clamp", "T.clip"),
    ("T.clamp_", "T.clip_", "torch.clamp_", "torch.clip_"),
    ("torch.acos", "torch.arccos"),
    ("torch.asin", "torch.arcsin"),
    ("torch.atan", "torch.arctan"),
    ("torch.acosh", "torch.arccosh"),
    ("torch.asinh", "torch.arcsinh"),
    ("torch.atanh", "torch.arctanh"),
    ("torch.atan2", "torch.arctan2"),
    ("torch.trunc", "torch.fix"),
    ("torch.outer", "torch.ger"),
    ("torch.transpose", "torch.swapaxes", "torch.swapdims", "T.transpose", "T.swapaxes", "T.swapdims"),
    ("torch.movedim", "torch.moveaxis", "T.movedim", "T.moveaxis"),
    ("torch.vstack", "torch.row_stack"),
    ("torch.sigmoid", "torch.special.expit", "F.sigmoid"),
    ("torch.tanh", "F.tanh"),
    ("torch.erf", "torch.special.erf"),
    ("torch.erfc", "torch.special.erfc"),
    ("torch.erfinv", "torch.special.erfinv"),
    ("torch.exp2", "torch.special.exp2"),
    ("torch.expm1", "torch.special.expm1"),
    ("torch.log1p", "torch.special.log1p"),
    ("torch.logsumexp", "torch.special.logsumexp"),
    ("torch.logit", "torch.special.logit"),
    ("torch.sinc", "torch.special.sinc"),
    ("torch.round", "torch.special.round"),
    ("torch.xlogy", "torch.special.xlogy"),
    ("torch.i0", "torch.special.i0"),
    ("torch.softmax", "F.softmax", "torch.special.softmax"),
    ("torch.log_softmax", "F.log_softmax", "torch.special.log_softmax"),
    ("torch.det", "torch.linalg.det"),
    ("torch.matrix_power", "torch.linalg.matrix_power"),
    ("torch.inverse", "torch.linalg.inv"),
    # torch.nn.functional wrappers with the same parameters, in the same order, as their torch twin.
    ("torch.relu", "F.relu"),
    ("torch.rrelu", "F.rrelu"),
    ("torch.selu", "F.selu"),
    ("torch.celu", "F.celu"),
    ("torch.threshold", "F.threshold"),
    ("torch.dropout", "F.dropout"),
    ("torch.alpha_dropout", "F.alpha_dropout"),
    ("torch.feature_alpha_dropout", "F.feature_alpha_dropout"),
    ("torch.layer_norm", "F.layer_norm"),
    ("torch.group_norm", "F.group_norm"),
    ("torch.rms_norm", "F.rms_norm"),
    ("torch.max_pool1d", "F.max_pool1d"),
    ("torch.max_pool2d", "F.max_pool2d"),
    ("torch.max_pool3d", "F.max_pool3d"),
)

# Tensor methods whose parameters are not in the order of the torch function of the same name.
_NOT_TORCH_TWINS = frozenset({"where"})

_ROOTS: dict[str, Any] = {
    "operator": operator,
    "builtins": builtins,
    "torch": torch,
    "T": _T,
    "Tensor": _T,
    "F": F,
    "special": torch.special,
    "linalg": torch.linalg,
}


def resolve(spelling: str) -> Any:
    """The object a dotted spelling names (``"torch.exp"``, ``"Tensor.exp_"``, ``"F.silu"``,
    ``"special.expit"``, ``"operator.add"``), or ``None`` where this torch lacks it."""
    root, _, path = spelling.partition(".")
    obj: Any = _ROOTS[root]
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


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
    for plain, reflected, inplace in _OPERATOR_OPS:
        fwd = [resolve(s) for s in plain]
        refl = [resolve(s) for s in reflected]
        # A reflected dunder that is the very object of a forward spelling is not reflected.
        refl = [r for r in refl if r is not None and all(r is not f for f in fwd)]
        yield fwd + refl, refl
        yield [resolve(s) for s in inplace], []
    for names in _TORCH_ALIASES:
        yield [resolve(s) for s in names], []
    for name in dir(_T):
        if name.startswith("_") or name in _NOT_TORCH_TWINS:
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

    for plain, reflected, inplace in _OPERATOR_OPS:
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
