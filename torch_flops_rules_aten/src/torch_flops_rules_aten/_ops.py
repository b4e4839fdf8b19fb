"""Finding aten packets by name, for the families' ``register`` functions.

Rules read their arguments by name with ``call.arguments()`` (bound by the op's schema, defaults filled in),
never by position: the dispatcher omits trailing defaults and an fx graph may pass any argument by keyword.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["aten", "with_inplace"]


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
