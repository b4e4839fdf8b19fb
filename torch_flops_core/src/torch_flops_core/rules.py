"""What a rule is: the call it receives, the count it returns, and how that count is checked.

A rule is a plain function ``rule(call: Call) -> int | Count``. It receives the concrete call (the
module or op, its arguments and its output, tensors possibly on ``meta``) and returns the exact
number of FLOPs, or :class:`Count` when the op is a contraction whose multiply-accumulates matter.
A rule that cannot count one particular call may return :data:`NOT_RECOGNIZED`.
"""

from __future__ import annotations

import enum
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol, TypeAlias, TypeVar, overload

import torch

from .binding import bind_call

__all__ = [
    "CALL_KINDS",
    "NOT_RECOGNIZED",
    "SCALAR_COST",
    "Call",
    "CallKind",
    "Count",
    "NotRecognizedType",
    "RecordKind",
    "RuleFn",
    "RuleKind",
    "SubCounter",
    "check_rule_result",
    "is_bookkeeping",
    "is_symbolic",
]  # fmt: skip

CallKind: TypeAlias = Literal["call_module", "call_function", "call_method"]
"""What a :class:`Call` (and an op's record) is: a module, a function or op, or a ``Tensor`` method."""
RecordKind: TypeAlias = Literal["call_module", "call_function", "call_method", "placeholder", "get_attr", "output"]
"""What an ``OpRecord`` is: a call, or one of the graph's other nodes (fx engine only)."""
RuleKind: TypeAlias = Literal["module", "function", "method"]
"""What a rule claims: a module class, a function or op, a ``Tensor`` method name (``RuleEntry.kind``)."""
M = TypeVar("M", bound=torch.nn.Module)
N = TypeVar("N", bound=torch.nn.Module)
CALL_KINDS: Final[frozenset[str]] = frozenset(("call_module", "call_function", "call_method"))
"""The record kinds that are ops of the model (the others are graph bookkeeping, 0 FLOPs)."""


class SubCounter(Protocol):
    """What counts a sub-call for :meth:`Call.count`: the running count's rule table and ``ignore_ops``."""

    def count_module(
        self, parent: Call, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> Count | NotRecognizedType: ...

    def count_function(
        self, parent: Call, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> Count | NotRecognizedType: ...


class NotRecognizedType(enum.Enum):
    """Type of :data:`NOT_RECOGNIZED`; an enum so the sentinel is a picklable singleton."""

    NOT_RECOGNIZED = "not recognized"

    def __repr__(self) -> str:
        return "NOT_RECOGNIZED"

    def __str__(self) -> str:
        return self.value


NOT_RECOGNIZED: Final = NotRecognizedType.NOT_RECOGNIZED
"""The FLOPs of an op no rule knows: listed in results, excluded from totals, never a silent 0."""


@dataclass(frozen=True, slots=True)
class Count:
    """A rule's result for a contraction op: exact ``flops`` and the ``macs`` they contain.

    ``Count(flops=40, macs=20)`` is ``Linear(5, 4)`` on one row: 20 multiply-accumulates, counted
    as 2·20 − 4 + 4 = 40 exact FLOPs (see ``docs/conventions.md``). ``bytes``, when given, replaces the
    bytes core counts for the op (its tensor inputs and outputs) for an op whose traffic is not its
    operands: an embedding reads the rows it looks up, not the whole table.
    """

    flops: int
    macs: int = 0
    bytes: int | None = None

    def __post_init__(self) -> None:
        flops, macs = self.flops, self.macs
        if type(flops) is int and type(macs) is int and flops >= 0 and macs >= 0 and self.bytes is None:
            return  # one check per op: kept cheap
        for name, value in (("flops", flops), ("macs", macs), ("bytes", self.bytes)):
            if name == "bytes" and value is None:
                continue
            if is_symbolic(value):  # a size expression of a symbolic count (dims=): checked when evaluated
                continue
            if type(value) is not int or value < 0:
                raise TypeError(f"Count.{name} must be a non-negative int, got {value!r} ({type(value).__name__})")


@dataclass(slots=True)
class Call:
    """One concrete call handed to a rule.

    ``kind`` is ``"call_module"``, ``"call_function"`` or ``"call_method"``. ``target`` is what was
    called: the module's path for module calls, the function object for function calls, the method
    name for method calls. ``args`` holds the evaluated positional arguments (for methods, ``args[0]``
    is the tensor the method was called on), ``kwargs`` the keyword arguments, ``output`` the value
    the call returned, and ``module`` the module instance for module calls (``None`` otherwise).
    A rule reads a call; it must not change it (one is built for every op, so it is not frozen:
    freezing costs a microsecond per op). A rule that counts a module by its parts asks the running
    count for each part with :meth:`count` / :meth:`count_function`, so overrides, ``ignore_ops`` and
    rule errors apply inside it as everywhere.
    """

    kind: CallKind
    target: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any
    module: torch.nn.Module | None = None
    node: str = field(default="", compare=False)
    counter: SubCounter | None = field(default=None, compare=False, repr=False)
    """The running count (set by the engines; ``None`` for a call built by hand)."""

    def count(
        self, module: torch.nn.Module, args: tuple[Any, ...], output: Any, **kwargs: Any
    ) -> Count | NotRecognizedType:
        """What the running count's rules count for ``module(*args, **kwargs)`` returning ``output``.

        The module's winning rule (a plugin's override included), 0 when ``ignore_ops`` names it,
        :data:`NOT_RECOGNIZED` without a rule; a rule that raises is a ``RuleError`` naming it. Use
        it in a rule that counts a module as the sum of its parts (``output`` may be a ``meta``
        tensor of the right shape).
        """
        return self._counter().count_module(self, module, args, kwargs, output)

    def count_function(
        self, target: Any, args: tuple[Any, ...], output: Any, **kwargs: Any
    ) -> Count | NotRecognizedType:
        """As :meth:`count`, for a function or op (``F.relu``, ``torch.matmul``, any alias spelling)."""
        return self._counter().count_function(self, target, args, kwargs, output)

    def _counter(self) -> SubCounter:
        if self.counter is None:
            raise RuntimeError(
                "Call.count() counts with the rules of a running count; this Call was built by hand. Build it "
                "with counter=torch_flops_core.engines.subcalls.SubCalls(table, ignore) to count sub-calls."
            )
        return self.counter

    def arguments(self) -> dict[str, Any]:
        """Every argument by its parameter name, defaults filled in (``torch_flops_core.binding``).

        An aten op is bound by its schema, a Python function or a module's ``forward`` by its signature:
        ``call.arguments()["dim"]`` is right however the caller passed ``dim`` (by position, by keyword or
        not at all). For a C builtin without a signature (``torch.add``, a ``Tensor`` method) only the
        keywords are known: read those with :meth:`arg`. Raises ``binding.BindError`` when the arguments do
        not fit the parameters.
        """
        if self.kind == "call_module":
            return bind_call(self.module, self.args, self.kwargs)
        if self.kind == "call_method":
            return dict(self.kwargs)
        return bind_call(self.target, self.args, self.kwargs)

    @overload
    def module_as(self, cls: type[M]) -> M: ...

    @overload
    def module_as(self, cls: tuple[type[M], type[N]]) -> M | N: ...

    def module_as(self, cls: Any) -> Any:
        """The called module, checked to be a ``cls`` (a class, or a tuple of classes a rule covers): a module rule's
        first line, ``m = call.module_as(nn.Linear)``.

        Raises ``TypeError`` saying which module the rule got instead (a rule registered for the wrong class, a
        Call built by hand without its module); the engines turn it into a ``RuleError`` naming the rule, its
        plugin and the module path. Unlike ``assert isinstance(...)``, it says what went wrong and survives
        ``python -O``.
        """
        module = self.module
        if isinstance(module, cls):
            return module
        names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        got = "no module" if module is None else f"a {type(module).__name__}"
        raise TypeError(
            f"this rule counts {names} modules and was given {got} ({self.kind} {self.target!r}): register it "
            f"for {names} and their subclasses only"
        )

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """The argument at position ``index`` or, when not passed positionally, keyword ``name``."""
        if len(self.args) > index:
            return self.args[index]
        return self.kwargs.get(name, default)


RuleFn: TypeAlias = Callable[[Call], "int | Count | NotRecognizedType"]

SCALAR_COST: Final = 256
"""Above this, a count cannot be an element-wise op on one element (the costliest per-element formula is far
below it): such a count is never bookkeeping, and :func:`is_bookkeeping` is not asked."""


def is_bookkeeping(call: Call) -> bool:
    """Whether ``call`` is integer bookkeeping held in tensors: every tensor it takes and its output are 0-d
    (one element) and of an integer or bool dtype (``bn.num_batches_tracked += 1``, a step counter, a length
    compared with another). Like arithmetic on Python numbers (``x.shape[0] * 2``), it counts 0, in every
    engine, whatever the function or method rule says (``RuleEntry.apply`` asks): it is a count of the model's
    calls, not arithmetic on its values."""
    output = call.output
    if not isinstance(output, torch.Tensor) or output.dim() != 0 or output.is_floating_point() or output.is_complex():
        return False
    for value in (*call.args, *call.kwargs.values()):
        if isinstance(value, torch.Tensor):
            if value.dim() != 0 or value.is_floating_point() or value.is_complex():
                return False
        elif isinstance(value, float | complex):  # n * 0.9 makes a float: not integer bookkeeping (or a bug)
            return False
    return True


def is_symbolic(value: Any) -> bool:
    """Whether ``value`` is a size expression of a symbolic count (``dims=``): a ``torch.SymInt`` or a sympy
    expression, which a rule computes like an int (``2 * k * n``) and the count keeps as a formula."""
    return isinstance(value, torch.SymInt) or type(value).__module__.startswith("sympy")


def check_rule_result(value: Any) -> tuple[int | NotRecognizedType, int, int | None]:
    """Turn a rule's return value into (flops, macs, bytes or ``None``); raise ``TypeError`` saying what was wrong."""
    if is_symbolic(value):
        return value, 0, None
    if type(value) is int:
        if value < 0:
            raise TypeError(f"returned a negative count ({value})")
        return value, 0, None
    if isinstance(value, Count):
        return value.flops, value.macs, value.bytes
    if value is NOT_RECOGNIZED:
        return NOT_RECOGNIZED, 0, None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_rule_result(int(value))
    raise TypeError(f"returned {value!r} of type {type(value).__name__}")
