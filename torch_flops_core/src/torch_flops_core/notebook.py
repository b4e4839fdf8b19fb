"""Moved to :mod:`torch_flops_core.views.notebook`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.notebook``.
"""

from __future__ import annotations

from .views.notebook import (
    EXTRA,
    TOP,
    result_html,
    to_pandas,
)

__all__ = [
    "EXTRA",
    "TOP",
    "result_html",
    "to_pandas",
]
