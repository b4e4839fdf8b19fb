"""One claim of a rule: :class:`RuleEntry` (what a plugin declared, and how its rule is applied) and
:class:`ClaimStanding` (where a claim stands in a rule table: active, an alias spelling, or shadowed).

:class:`~torch_flops_core.registry.Registry` makes the entries, :class:`~torch_flops_core.registry.RuleTable`
resolves them; both re-export these names from :mod:`torch_flops_core.registry`, the path users know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch

from .aliases import op_name
from .errors import RuleError
from .names import DISABLE_ENV
from .rules import SCALAR_COST, Call, Count, NotRecognizedType, RuleFn, RuleKind, check_rule_result, is_bookkeeping

__all__ = ["ClaimStanding", "Priority", "RuleEntry", "rule_name"]

Priority = Literal["tryfirst", "normal", "trylast"]


def rule_name(rule: Callable[..., Any]) -> str:
    """A rule function's qualified name, ``package.module.function`` (its ``repr`` when it has no name)."""
    module = getattr(rule, "__module__", None)
    qualname = getattr(rule, "__qualname__", None) or getattr(rule, "__name__", None) or repr(rule)
    return f"{module}.{qualname}" if module else qualname


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """One rule as declared by one plugin."""

    kind: RuleKind
    target: Any
    """What the plugin named: a module class, a function/op, or a method name."""
    rule: RuleFn
    plugin: str
    priority: Priority
    name: str = field(default="", compare=False)
    """The rule function's qualified name (``package.module.function``)."""

    def apply(self, call: Call, module_path: str) -> tuple[int | NotRecognizedType, int, int | None]:
        """Run the rule on ``call``; return (flops, macs, bytes), ``bytes`` ``None`` unless the rule gave it
        (``Count(..., bytes=)``), or raise :class:`RuleError` naming the op, the call (``call.node``), the
        module path, this plugin and this rule, and what to do."""
        try:
            value = self.rule(call)
        except Exception as exc:
            raise self._error(call, module_path, f"raised {type(exc).__name__}: {exc}") from exc
        if type(value) is int and value >= 0:  # the common cases, without the general check
            if 0 < value <= SCALAR_COST and self.kind != "module" and is_bookkeeping(call):
                return 0, 0, None  # integer bookkeeping on 0-d tensors: 0 whatever the rule says
            return value, 0, None
        if type(value) is Count:  # checked when it was built
            return value.flops, value.macs, value.bytes
        try:
            return check_rule_result(value)
        except TypeError as exc:
            what = f"{exc}; a rule returns a non-negative int, Count(flops, macs, bytes) or NOT_RECOGNIZED"
            raise self._error(call, module_path, what) from None

    def _error(self, call: Call, module_path: str, what: str) -> RuleError:
        op = type(call.module).__name__ if call.module is not None else op_name(call.target)
        message = (
            f"rule {self.name} of plugin {self.plugin!r} {what} while counting {op} "
            f"(node {call.node!r}, {call.kind}, module {module_path or '(root module)'!r}). Fix or override the "
            f"rule (a plugin with @hookimpl(tryfirst=True) or count_flops(..., plugins=[...])), disable the "
            f"plugin with {DISABLE_ENV}={self.plugin}, or count this op as 0 with ignore_ops=[...]."
        )
        return RuleError(message, op=op, node=call.node, module_path=module_path, plugin=self.plugin, rule=self.name)

    @property
    def target_name(self) -> str:
        if isinstance(self.target, type):
            return f"{self.target.__module__}.{self.target.__qualname__}"
        if self.kind == "method":
            return f"Tensor.{self.target}" if hasattr(torch.Tensor, self.target) else str(self.target)
        return op_name(self.target)


@dataclass(frozen=True, slots=True)
class ClaimStanding:
    """Where a claim stands in a :class:`RuleTable` (see :meth:`RuleTable.standing`)."""

    entry: RuleEntry
    status: Literal["active", "alias", "shadowed"]
    """``active``: it counts its op; ``alias``: its rule counts the op through another spelling the
    same plugin claimed; ``shadowed``: another plugin's claim (``winner``) counts the op."""
    winner: RuleEntry | None = None
    overrides: tuple[RuleEntry, ...] = ()
    """The claims an ``active`` claim won over, in the order they were made."""
