"""Messages that count things, in agreement with the count: ``1 op has no rule``, ``2 ops have no rule``.

Imports nothing: core, the engines, the views and the command line all say their counts through :func:`agree`.
"""

from __future__ import annotations

__all__ = ["agree"]


def agree(n: int, one: str, many: str) -> str:
    """``n`` and the words that agree with it: ``agree(1, "op has", "ops have")`` is ``"1 op has"``,
    ``agree(3, "op has", "ops have")`` is ``"3 ops have"``."""
    return f"{n} {one if n == 1 else many}"
