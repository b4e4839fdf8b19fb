"""``ignore_ops``: the ops a user asked to count as 0, matched once per op when a count is planned."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from .aliases import op_name
from .registry import RuleTable
from .rules import CallKind

__all__ = ["IgnoreSpec"]


class IgnoreSpec:
    """The ops a user asked to count as 0: module classes, functions/ops, or names (seed style)."""

    __slots__ = ("aliases", "keys", "names", "types")

    def __init__(self, ignore_ops: Iterable[Any], table: RuleTable) -> None:
        """Resolve ``ignore_ops`` against ``table``'s alias groups, once."""
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
        for item in items:
            if isinstance(item, str):
                self.names.add(item)
            elif isinstance(item, type) and issubclass(item, torch.nn.Module):
                self.types.add(item)
            elif isinstance(item, torch.nn.Module):
                raise TypeError(
                    f"ignore_ops takes module classes, not instances: got a {type(item).__name__} object; "
                    f"pass {type(item).__name__} (the class) or the name {type(item).__name__!r}"
                )
            elif callable(item) and not isinstance(item, type):
                self.keys.add(table.aliases.canonical(item))
            else:
                raise TypeError(
                    f"ignore_ops takes nn.Module classes (nn.Dropout), functions or ops (torch.matmul, "
                    f"torch.ops.aten.mm) or names ('Linear', 'softmax'); got {item!r} ({type(item).__name__})"
                )

    def __bool__(self) -> bool:
        return bool(self.types or self.keys or self.names)

    def matches(self, kind: CallKind, target: Any, module: torch.nn.Module | None) -> bool:
        """Whether this call (a module, a function or op, a method name) is to be counted as 0."""
        if kind == "call_module":
            cls = type(module)
            return any(c in self.types for c in cls.__mro__) or cls.__name__ in self.names
        if kind == "call_method":
            return target in self.names or self.aliases.method_key(target) in self.keys
        name = getattr(target, "__name__", None)
        return self.aliases.canonical(target) in self.keys or name in self.names or op_name(target) in self.names
