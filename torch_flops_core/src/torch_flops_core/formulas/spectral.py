"""(being written) formulas of the spectral family."""

from __future__ import annotations

__all__: list[str] = []
