"""Moved to :mod:`torch_flops_core.views.roofline`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.roofline``.
"""

from __future__ import annotations

from .views.roofline import (
    SPREAD_NOTE,
    Peaks,
    measure_peaks,
    plot_roofline,
    roofline_points,
    spread_note,
)

__all__ = [
    "SPREAD_NOTE",
    "Peaks",
    "measure_peaks",
    "plot_roofline",
    "roofline_points",
    "spread_note",
]
