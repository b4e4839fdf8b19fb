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
from typing import Any, Final, Literal, TypeAlias

import torch

__all__ = ["NOT_RECOGNIZED", "Call", "Count", "NotRecognizedType", "RuleFn", "RuleResult", "check_rule_result"]


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
    as 2·20 − 4 + 4 = 40 exact FLOPs (see ``docs/conventions.md``).
    """

    flops: int
    macs: int = 0

    def __post_init__(self) -> None:
        flops, macs = self.flops, self.macs
        if type(flops) is int and type(macs) is int and flops >= 0 and macs >= 0:  # one check per op: kept cheap
            return
        for name, value in (("flops", flops), ("macs", macs)):
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
    freezing costs a microsecond per op).
    """

    kind: str
    target: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any
    module: torch.nn.Module | None = None
    node: str = field(default="", compare=False)

    def arg(self, index: int, name: str, default: Any = None) -> Any:
        """The argument at position ``index`` or, when not passed positionally, keyword ``name``."""
        if len(self.args) > index:
            return self.args[index]
        return self.kwargs.get(name, default)


RuleResult: TypeAlias = "int | Count | Literal[NotRecognizedType.NOT_RECOGNIZED]"
RuleFn: TypeAlias = Callable[[Call], "int | Count | NotRecognizedType"]


def check_rule_result(value: Any) -> tuple[int | NotRecognizedType, int]:
    """Turn a rule's return value into (flops, macs); raise ``TypeError`` saying what was wrong."""
    if type(value) is int:
        if value < 0:
            raise TypeError(f"returned a negative count ({value})")
        return value, 0
    if isinstance(value, Count):
        return value.flops, value.macs
    if value is NOT_RECOGNIZED:
        return NOT_RECOGNIZED, 0
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_rule_result(int(value))
    raise TypeError(f"returned {value!r} of type {type(value).__name__}")
