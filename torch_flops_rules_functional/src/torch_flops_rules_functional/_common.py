"""Helpers the rule families share: finding an op's spellings (naming and claiming: ``torch_flops_core.rulekit``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from torch_flops_core import Call
from torch_flops_core.aliases import resolve

__all__ = ["arg_numel", "inplace_variants", "ops", "variants"]


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


def arg_numel(call: Call, index: int, name: str) -> int:
    """Elements of the tensor argument at ``index`` (or keyword ``name``); 0 when it is not a tensor."""
    value = call.arg(index, name)
    return value.numel() if isinstance(value, torch.Tensor) else 0
