"""Moved to :mod:`torch_flops_core.views.report`; this path keeps working: it re-exports that module's public names.

New code imports from ``torch_flops_core.views.report``.
"""

from __future__ import annotations

from .results import ROOT_LABEL, ModuleRow, module_rows  # importable from here before the move; their home is results
from .views.report import (
    BYTES_NOT_COUNTED,
    CSV_COLUMNS,
    JSON_SCHEMA,
    MODULE_CSV_COLUMNS,
    format_bytes,
    format_flops,
    format_intensity,
    format_macs,
    phase_values,
    render_csv,
    render_module_csv,
    render_module_table,
    render_table,
    result_to_dict,
    shown_phases,
    summary_line,
    top_records,
    traffic_line,
)

__all__ = [
    "BYTES_NOT_COUNTED",
    "CSV_COLUMNS",
    "JSON_SCHEMA",
    "MODULE_CSV_COLUMNS",
    "ROOT_LABEL",
    "ModuleRow",
    "format_bytes",
    "format_flops",
    "format_intensity",
    "format_macs",
    "module_rows",
    "phase_values",
    "render_csv",
    "render_module_csv",
    "render_module_table",
    "render_table",
    "result_to_dict",
    "shown_phases",
    "summary_line",
    "top_records",
    "traffic_line",
]
