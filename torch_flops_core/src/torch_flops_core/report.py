"""Rendering a :class:`~torch_flops_core.results.FlopsResult`: table, CSV, JSON-ready dict."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from .rules import NOT_RECOGNIZED

if TYPE_CHECKING:
    from .results import FlopsResult, OpRecord

__all__ = ["JSON_SCHEMA", "render_csv", "render_table", "result_to_dict"]

JSON_SCHEMA = "torch-flops/1"
"""Value of the ``schema`` key of :meth:`FlopsResult.to_json`; bumped when keys change."""

CSV_COLUMNS = (
    "name", "kind", "target", "module_path", "module_type", "status", "flops", "macs",
    "plugin", "rule", "time_ms", "mem_before", "mem_after", "mem_delta",
)  # fmt: skip

_CALLS = ("call_module", "call_function", "call_method")


def _flops_cell(r: OpRecord) -> str:
    if r.ignored:
        return "ignored"
    return str(NOT_RECOGNIZED) if r.flops is NOT_RECOGNIZED else f"{r.flops:,}"


def _record_dict(r: OpRecord) -> dict[str, Any]:
    return {
        "name": r.name,
        "kind": r.kind,
        "target": r.target_name,
        "module_path": r.module_path,
        "module_type": r.module_type,
        "status": r.status,
        "flops": r.flops if type(r.flops) is int else None,
        "macs": r.macs,
        "plugin": r.plugin,
        "rule": r.rule,
        "time_ms": r.time_ms,
        "mem_before": r.mem_before,
        "mem_after": r.mem_after,
        "mem_delta": r.mem_delta,
    }


def result_to_dict(result: FlopsResult) -> dict[str, Any]:
    """The result as plain data (exact integers); ``flops`` is ``null`` for unrecognized ops."""
    return {
        "schema": JSON_SCHEMA,
        "engine": result.engine,
        "total": result.total,
        "total_macs": result.total_macs,
        "unrecognized": result.unrecognized_targets(),
        "ops": [_record_dict(r) for r in result.ops],
    }


def render_csv(result: FlopsResult) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in result.ops:
        row = _record_dict(r)
        row["flops"] = "" if row["flops"] is None else row["flops"]
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def render_table(result: FlopsResult, *, tablefmt: str = "simple", all_nodes: bool = False) -> str:
    """One row per op, then the total; memory columns appear only when memory was measured."""
    records = [r for r in result.ops if all_nodes or r.kind in _CALLS]
    with_mem = any(r.mem_after is not None for r in records)
    headers = ["node", "kind", "target", "module", "flops", "macs", "rule", "time_ms"]
    if with_mem:
        headers += ["mem_before", "mem_after", "mem_delta"]
    rows: list[list[Any]] = []
    for r in records:
        target = r.target_name if r.kind != "call_module" else r.module_type
        rule = f"{r.plugin}: {r.rule.rsplit('.', 1)[-1]}" if r.plugin and r.rule else ""
        row: list[Any] = [r.name, r.kind, target, r.module_path, _flops_cell(r), r.macs, rule, r.time_ms]
        if with_mem:
            row += [r.mem_before, r.mem_after, r.mem_delta]
        rows.append(row)
    align = ("left",) * 4 + ("right", "right", "left", "right", "right", "right", "right")
    body = tabulate(
        rows, headers, tablefmt=tablefmt, intfmt=",", floatfmt=".3f", missingval="", colalign=align[: len(headers)]
    )
    summary = f"total: {result.total:,} FLOPs, {result.total_macs:,} MACs ({result.engine} engine)"
    missing = result.unrecognized_targets()
    if missing:
        listed = ", ".join(f"{name} ×{n}" for name, n in missing.items())
        summary += f"; {len(result.unrecognized)} ops not recognized, excluded: {listed}"
    return f"{body}\n{summary}"
