"""Finding aten packets by name, for the families' ``register`` functions."""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import Call

__all__ = ["arguments", "aten", "with_inplace"]


def aten(*names: str) -> list[Any]:
    """The ``torch.ops.aten`` packets named ``names``; names this torch lacks are skipped."""
    found = []
    for name in names:
        try:
            found.append(getattr(torch.ops.aten, name))
        except (AttributeError, RuntimeError):
            continue
    return found


def with_inplace(*names: str) -> list[Any]:
    """The packets ``names`` and their in-place twins (``relu`` and ``relu_``): one op, one count."""
    return aten(*(form for name in names for form in (name, name + "_")))


def arguments(call: Call) -> dict[str, Any]:
    """An aten op's arguments by their schema names, positional and keyword (``{}`` for a target without a schema)."""
    schema = getattr(call.target, "_schema", None)
    named: dict[str, Any] = {}
    if schema is not None:
        named.update(zip((a.name for a in schema.arguments), call.args, strict=False))
    named.update(call.kwargs)
    return named
