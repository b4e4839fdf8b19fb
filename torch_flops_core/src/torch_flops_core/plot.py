"""Moved to :mod:`torch_flops_core.views.plot`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.plot``.
"""

from __future__ import annotations

from .views.plot import (
    BAR_COLOR,
    DPI,
    EXTRA,
    FIGSIZE,
    axis_label,
    check_path,
    flops_axis,
    new_figure,
    plot_modules,
    plot_sweep,
    require_matplotlib,
    save_figure,
    shorten_label,
    wrap_note,
)

__all__ = [
    "BAR_COLOR",
    "DPI",
    "EXTRA",
    "FIGSIZE",
    "axis_label",
    "check_path",
    "flops_axis",
    "new_figure",
    "plot_modules",
    "plot_sweep",
    "require_matplotlib",
    "save_figure",
    "shorten_label",
    "wrap_note",
]
