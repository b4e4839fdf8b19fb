"""(being written) formulas of the special family."""

from __future__ import annotations

__all__: list[str] = []
