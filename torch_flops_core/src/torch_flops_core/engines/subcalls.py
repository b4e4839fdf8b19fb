"""Counting a rule's sub-calls with the running count's rules (``Call.count``).

A rule that counts a module as the sum of its parts (the Transformer layers of the nn pack) asks the
running count what each part costs, instead of calling rules itself: the winning rule of the live
table is used (a plugin's override included), ``ignore_ops`` applies, and a rule that raises is a
``RuleError`` naming the part, inside the module being counted.
"""

from __future__ import annotations

from typing import Any

import torch

from ..registry import RuleTable
from ..rules import NOT_RECOGNIZED, Call, Count, NotRecognizedType
from .ignore import IgnoreSpec
from .plan import Planner
from .recorder import count_op

__all__ = ["SubCalls"]


class SubCalls:
    """The :class:`~torch_flops_core.rules.SubCounter` of one count: its rule table and ignore set, through the
    count's :class:`~torch_flops_core.engines.plan.Planner` (the decision every engine makes)."""

    __slots__ = ("planner",)

    def __init__(self, table: RuleTable, ignore: IgnoreSpec | None = None, planner: Planner | None = None) -> None:
        self.planner = planner or Planner(table, ignore)

    def count_module(
        self, parent: Call, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> Count | NotRecognizedType:
        path = _path_in(parent, module)
        plan = self.planner.module(module, path)
        call = Call("call_module", path, args, kwargs, output, module, f"{parent.node}:{path}", self)
        return _count(*count_op(plan, call, path))

    def count_function(
        self, parent: Call, target: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> Count | NotRecognizedType:
        path = str(parent.target) if parent.kind == "call_module" else ""
        plan = self.planner.sub_call(target)
        name = f"{parent.node}:{getattr(target, '__name__', 'call')}"
        call = Call("call_function", target, args, kwargs, output, None, name, self)
        return _count(*count_op(plan, call, path))


def _count(flops: int | NotRecognizedType, macs: int, moved: int | None) -> Count | NotRecognizedType:
    return NOT_RECOGNIZED if flops is NOT_RECOGNIZED else Count(flops, macs, moved)


def _path_in(parent: Call, module: torch.nn.Module) -> str:
    """The module's path: under the parent module's path, by the attribute name it has there."""
    base = str(parent.target) if parent.kind == "call_module" else ""
    if parent.module is not None:
        for name, sub in parent.module.named_modules():
            if sub is module:
                return f"{base}.{name}" if base and name else (name or base)
    return base
