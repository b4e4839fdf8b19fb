"""A count as data, in exact integers: the JSON-ready dict (:data:`JSON_SCHEMA`), the ops as CSV
(:data:`CSV_COLUMNS`) and the per-module view as CSV (:data:`MODULE_CSV_COLUMNS`).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from ..conventions import rank_value
from ..module_totals import module_rows
from ..results import PHASES, ModuleRow
from ..rules import CALL_KINDS, NOT_RECOGNIZED, is_symbolic

if TYPE_CHECKING:
    from ..results import FlopsResult, OpRecord

__all__ = [
    "CSV_COLUMNS",
    "JSON_SCHEMA",
    "MODULE_CSV_COLUMNS",
    "phase_values",
    "render_csv",
    "render_module_csv",
    "result_to_dict",
    "shown_target",
    "top_records",
]

JSON_SCHEMA = "torch-flops/4"
"""Value of the ``schema`` key of :meth:`FlopsResult.to_json`; bumped when keys change."""

CSV_COLUMNS = (
    "name", "kind", "target", "module_path", "module_type", "status", "flops", "macs",
    "plugin", "rule", "time_ms", "mem_before", "mem_after", "mem_delta", "phase", "bytes", "intensity",
    "flop_s", "byte_s",
)  # fmt: skip


def shown_target(r: OpRecord) -> str:
    """An op's ``target`` in every view (table, HTML, JSON, CSV): what it called, ``torch.matmul``,
    ``Tensor.softmax``, and for a module call the module's class (``Linear``): its path is ``module_path``."""
    return r.module_type if r.kind == "call_module" else r.target_name


def exact(value: Any) -> Any:
    """A figure as JSON holds it: an int as itself, a symbolic count's expression as its string (``"4416*B*T"``,
    sympy's syntax: ``sympy.sympify`` reads it back)."""
    return str(value) if is_symbolic(value) else value


def _record_dict(r: OpRecord, result: FlopsResult) -> dict[str, Any]:
    flop_s, byte_s = result.achieved(r)
    return {
        "name": r.name,
        "kind": r.kind,
        "target": shown_target(r),
        "module_path": r.module_path,
        "module_type": r.module_type,
        "status": r.status,
        "flops": None if r.flops is NOT_RECOGNIZED else exact(r.flops),
        "macs": exact(r.macs),
        "plugin": r.plugin,
        "rule": r.rule,
        "time_ms": r.time_ms,
        "mem_before": r.mem_before,
        "mem_after": r.mem_after,
        "mem_delta": r.mem_delta,
        "phase": r.phase,
        "bytes": exact(r.bytes),
        "intensity": r.intensity,
        "flop_s": flop_s,
        "byte_s": byte_s,
    }


def result_to_dict(result: FlopsResult) -> dict[str, Any]:
    """The result as plain data (exact integers); ``flops`` is ``null`` for unrecognized ops."""
    return {
        "schema": JSON_SCHEMA,
        "engine": result.engine,
        "total": exact(result.total),
        "total_macs": exact(result.total_macs),
        "total_2mac": exact(2 * result.total_macs),
        "convention": result.convention,
        "total_by_phase": {phase: exact(value) for phase, value in result.total_by_phase.items()},
        "total_bytes": exact(result.total_bytes),
        "device": result.device,
        "unrecognized": result.unrecognized_targets(),
        "params": None if result.params is None else result.params.to_dict(),
        "ops": [_record_dict(r, result) for r in result.ops],
    }


def top_records(result: FlopsResult, top: int) -> list[OpRecord]:
    """The ``top`` ops (calls) with the largest figure of ``result.convention`` (exact FLOPs or 2×MACs), largest first
    (unrecognized ones last)."""
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    calls = [r for r in result.ops if r.kind in CALL_KINDS]
    ranked = sorted(enumerate(calls), key=lambda ir: (-rank_value(ir[1], result.convention), ir[0]))
    return [r for _, r in ranked[:top]]


def render_csv(result: FlopsResult, *, top: int | None = None) -> str:
    """One row per op (``CSV_COLUMNS``, exact integers); with ``top``, the ``top`` largest ops."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in result.ops if top is None else top_records(result, top):
        row = _record_dict(r, result)
        row["flops"] = "" if row["flops"] is None else row["flops"]
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


MODULE_CSV_COLUMNS = ("module", "flops", "macs", "share", "ops", *PHASES, "bytes", "intensity", "time_ms", "params")


def render_module_csv(result: FlopsResult, depth: int = 1, top: int | None = None) -> str:
    """The per-module view as CSV: exact integers; ``module`` is ``""`` for the root; ``share`` in 0..1;
    then the module's FLOPs in each phase (``forward`` ... ``recompute``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MODULE_CSV_COLUMNS)
    for row in module_rows(result, depth, top):
        intensity = "" if row.intensity is None else f"{row.intensity:.6g}"
        writer.writerow(
            [row.path, row.flops, row.macs, f"{row.share:.6f}", row.ops, *phase_values(row),
             "" if row.bytes is None else row.bytes, intensity, f"{row.time_ms:.6g}",
             "" if row.params is None else row.params.total]
        )  # fmt: skip
    return out.getvalue()


def phase_values(row: ModuleRow) -> list[int]:
    """A module row's FLOPs in each of :data:`PHASES`, in that order."""
    return [getattr(row, phase) for phase in PHASES]
