"""Helpers the rule families share: finding an op's spellings, and naming rules built by factories."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from torch_flops_core import Call, Registry, RuleFn
from torch_flops_core.aliases import default_alias_table, resolve

__all__ = ["Claimer", "arg_numel", "inplace_variants", "named", "ops", "variants"]


def _resolve(spelling: str) -> Any:
    obj = resolve(spelling)
    return obj if callable(obj) else None


def ops(*spellings: str) -> list[Callable[..., Any]]:
    """The callables named ``"torch.exp"``, ``"Tensor.exp_"``, ``"F.silu"`` ...; names this torch lacks are skipped."""
    found: list[Callable[..., Any]] = []
    for spelling in spellings:
        obj = _resolve(spelling)
        if obj is not None and all(obj is not f for f in found):
            found.append(obj)
    return found


def variants(*names: str, inplace: bool = True) -> list[Callable[..., Any]]:
    """Every spelling of the ops ``names`` in ``torch``, ``Tensor``, ``F`` and ``torch.special``.

    With ``inplace``, also their in-place twins (``exp_``): the same count, written into the input.
    """
    spellings: list[str] = []
    for name in names:
        forms = (name, name + "_") if inplace else (name,)
        for form in forms:
            spellings += [f"torch.{form}", f"Tensor.{form}", f"F.{form}", f"special.{form}"]
    return ops(*spellings)


def inplace_variants(names: Iterable[str]) -> list[Callable[..., Any]]:
    """The in-place spellings (``Tensor.name_``, ``torch.name_``, ``F.name_``) of ``names``."""
    return ops(*(f"{root}.{name}_" for name in names for root in ("torch", "Tensor", "F")))


def named(rule: RuleFn, module: str, name: str, doc: str) -> RuleFn:
    """Give a rule built by a factory the name and docstring a report shows (``pointwise.silu``)."""
    rule.__module__ = module
    rule.__name__ = rule.__qualname__ = name
    rule.__doc__ = doc
    return rule


def arg_numel(call: Call, index: int, name: str) -> int:
    """Elements of the tensor argument at ``index`` (or keyword ``name``); 0 when it is not a tensor."""
    value = call.arg(index, name)
    return value.numel() if isinstance(value, torch.Tensor) else 0


class Claimer:
    """Registers rules for lists of spellings, skipping ops an earlier call already claimed.

    Tables list some ops twice under torch's two names (``acos``/``arccos``); core's alias groups
    make them one op, which must get one rule, not two conflicting ones.
    """

    __slots__ = ("_registry", "_seen")

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._seen: set[Any] = set()

    def __call__(self, spellings: Iterable[Callable[..., Any]], rule: RuleFn) -> None:
        aliases = default_alias_table()
        fresh = []
        for spelling in spellings:
            key = aliases.canonical(spelling)
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(spelling)
        if fresh:
            self._registry.function(*fresh)(rule)
