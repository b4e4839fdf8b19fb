"""Rendering a :class:`~torch_flops_core.results.FlopsResult` for people: the table of ops, the per-module view,
the summary and traffic lines.

Tables show human units (``8.23 GFLOPs``, :func:`format_flops`, from :mod:`.units`) next to the exact integers;
JSON and CSV (:mod:`.export`) hold exact integers only. This module re-exports both, the path users know.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from ..conventions import chosen_rate, chosen_total, figure_of, label
from ..module_totals import module_rows
from ..results import PHASES, ModuleRow
from ..rules import CALL_KINDS, NOT_RECOGNIZED, is_symbolic
from ..wording import agree
from .export import (  # re-exported, as the units below: the path users know
    CSV_COLUMNS,
    JSON_SCHEMA,
    MODULE_CSV_COLUMNS,
    phase_values,
    render_csv,
    render_module_csv,
    result_to_dict,
    shown_target,
    top_records,
)
from .params import params_cell, params_phrase
from .units import figure, format_bytes, format_flops, format_intensity, format_macs

if TYPE_CHECKING:
    from ..results import FlopsResult, OpRecord

__all__ = [
    "BYTES_NOT_COUNTED",
    "CSV_COLUMNS",
    "JSON_SCHEMA",
    "MODULE_CSV_COLUMNS",
    "format_bytes",
    "format_flops",
    "format_intensity",
    "format_macs",
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


def summary_line(result: FlopsResult) -> str:
    """``total: 8,227,340,288 FLOPs (8.23 GFLOPs), 4,089,184,256 MACs (4.09 GMACs), 2×MACs: 8,178,368,512 FLOPs
    (8.18 GFLOPs), fx engine`` (exact FLOPs, MACs and 2×MACs, whatever the convention) and the unrecognized ops."""

    def both(n: int, unit: str) -> str:
        if is_symbolic(n):
            return f"{figure(n)} {unit}"
        return f"{n:,} {unit}" + (f" ({format_flops(n, unit)})" if n >= 1000 else "")

    summary = f"total: {both(result.total, 'FLOPs')}, {both(result.total_macs, 'MACs')}, "
    summary += f"2×MACs: {both(2 * result.total_macs, 'FLOPs')}, {result.engine} engine"
    if result.counted_backward:
        phases = result.total_by_phase
        summary += " (" + ", ".join(f"{phase} {format_flops(phases[phase])}" for phase in PHASES if phases[phase]) + ")"
    summary += params_phrase(result)
    missing = result.unrecognized_targets()
    if missing:
        listed = ", ".join(f"{name} ×{n}" for name, n in missing.items())
        summary += f"; {agree(len(result.unrecognized), 'op', 'ops')} not recognized, excluded: {listed}"
    return summary


def _the_rest(head: str, left: int, rest: Any, total: Any) -> str:
    """``top 5 of 200 ops; the other 195: 1.23 GFLOPs (14.9%)``: what a cut table leaves out (no share for a symbolic
    count: it depends on the sizes)."""
    share = "" if is_symbolic(total) else f" ({100 * rest / total if total else 0.0:.1f}%)"
    return f"{head}; the other {left}: {format_flops(rest)}{share}"


def _flops_cell(r: OpRecord, convention: str) -> str:
    if r.ignored:
        return "ignored"
    return str(NOT_RECOGNIZED) if r.flops is NOT_RECOGNIZED else figure(figure_of(r, convention))


def shown_phases(result: FlopsResult) -> tuple[str, ...]:
    """The phases a table gives a column: none for a forward-only count; else forward and backward,
    and loss and recompute where they hold FLOPs."""
    if not result.counted_backward:
        return ()
    phases = result.total_by_phase
    return tuple(p for p in PHASES if p in ("forward", "backward") or phases[p])


def render_module_table(
    result: FlopsResult, depth: int = 1, top: int | None = None, *, tablefmt: str = "simple", roofline: bool = False
) -> str:
    """Per-module view: module path at ``depth``, FLOPs in human units, share of the total, MACs, ops.

    Largest first; ``top`` keeps that many rows and says how many were left out. Ends with the total line.
    ``roofline``: also the bytes the module's ops move, their intensity (FLOP/B) and achieved FLOP/s.
    """
    every, convention = module_rows(result, depth), result.convention
    rows = every[:top] if top is not None else every
    phases = shown_phases(result)
    with_params = result.params is not None  # the model is a module: a params column (views/params.py)
    extra = ["bytes", "FLOP/B", "FLOP/s"] if roofline else []
    body = tabulate(
        [
            [row.label, format_flops(result.figure(row)), f"{100 * row.share:.1f}%", format_macs(row.macs), row.ops]
            + [params_cell(row.params)] * with_params
            + [format_flops(getattr(row, phase)) for phase in phases]
            + (_roofline_cells(result, row)[:3] if roofline else [])
            for row in rows
        ],
        ["module", label(convention), "share", "MACs", "ops", *["params"] * with_params, *phases, *extra],
        tablefmt=tablefmt,
        colalign=("left",) + ("right",) * (4 + with_params + len(phases) + len(extra)),
    )
    lines = [body]
    if len(rows) < len(every):
        rest = sum(figure_of(row, convention) for row in every[len(rows) :])
        head = f"top {len(rows)} of {agree(len(every), 'module', 'modules')} at depth {depth}"
        lines.append(_the_rest(head, len(every) - len(rows), rest, chosen_total(result)))
    lines.append(summary_line(result))
    if roofline:
        lines.append(traffic_line(result))
    return _join(lines, tablefmt)


def _roofline_cells(result: FlopsResult, item: OpRecord | ModuleRow) -> list[str]:
    """bytes, FLOP/B, FLOP/s, B/s of an op or a module row, in human units (blank where not known)."""
    (flop_s, intensity), byte_s = chosen_rate(result, item), result.achieved(item)[1]
    moved = item.bytes
    return [
        "" if moved is None else format_bytes(moved),
        format_intensity(intensity),
        "" if flop_s is None else format_flops(flop_s, "FLOP/s"),
        "" if byte_s is None else format_flops(byte_s, "B/s"),
    ]


BYTES_NOT_COUNTED = "bytes: not counted (count_bytes=False), so intensity and B/s are unknown"


def traffic_line(result: FlopsResult) -> str:
    """``bytes: 3,491,266,320 (3.49 GB), 2.36 FLOP/B`` and, where times were measured, the achieved rates;
    :data:`BYTES_NOT_COUNTED` when bytes were not counted (unknown, never 0 B/s)."""
    moved = result.total_bytes
    if moved is None:
        return BYTES_NOT_COUNTED
    total = chosen_total(result)  # FLOP/B and FLOP/s of the chosen figure
    intensity = format_intensity(total / moved if moved else None) or "-"
    line = f"bytes: {figure(moved)} ({format_bytes(moved)}), {intensity} FLOP/B"
    seconds = result.total_time_ms / 1e3
    if result.device != "meta" and seconds > 0:
        line += f"; {format_flops(total / seconds, 'FLOP/s')}, {format_bytes(moved / seconds)}/s over the ops' time"
    return line


def _join(lines: Sequence[str], tablefmt: str) -> str:
    # In Markdown a line right after a table is read as one more row: keep a blank line between.
    return ("\n\n" if tablefmt == "github" else "\n").join(lines)


def render_table(
    result: FlopsResult,
    *,
    tablefmt: str = "simple",
    all_nodes: bool = False,
    top: int | None = None,
    roofline: bool = False,
) -> str:
    """One row per op, then the total; memory columns appear only when memory was measured.

    With ``top``, only the ``top`` ops with the most FLOPs, largest first. ``roofline``: also each op's
    bytes, intensity (FLOP/B), achieved FLOP/s and bytes/s (the last two where times were measured).
    """
    every = [r for r in result.ops if all_nodes or r.kind in CALL_KINDS]
    records = every if top is None else top_records(result, top)
    with_mem = any(r.mem_after is not None for r in records)
    with_phase = result.counted_backward
    convention = result.convention
    headers = ["node", "kind", "target", "module", label(convention, "flops"), "macs", "rule", "time_ms"]
    if with_phase:
        headers.insert(1, "phase")
    if with_mem:
        headers += ["mem_before", "mem_after", "mem_delta"]
    if roofline:
        headers += ["bytes", "FLOP/B", "FLOP/s", "B/s"]
    rows: list[list[Any]] = []
    for r in records:
        target = shown_target(r)
        rule = f"{r.plugin}: {r.rule.rsplit('.', 1)[-1]}" if r.plugin and r.rule else ""
        macs = figure(r.macs) if is_symbolic(r.macs) else r.macs
        row: list[Any] = [r.name, r.kind, target, r.module_path, _flops_cell(r, convention), macs, rule, r.time_ms]
        if with_phase:
            row.insert(1, r.phase)
        if with_mem:
            row += [r.mem_before, r.mem_after, r.mem_delta]
        if roofline:
            row += _roofline_cells(result, r)
        rows.append(row)
    align = ("left",) * (4 + with_phase) + ("right", "right", "left") + ("right",) * 8
    body = tabulate(
        rows,
        headers,
        tablefmt=tablefmt,
        intfmt=",",
        floatfmt=".3f",
        missingval="",
        colalign=align[: len(headers)],
        disable_numparse=list(range(len(headers) - 4, len(headers))) if roofline else False,  # already formatted
    )
    lines = [body]
    if top is not None:
        calls = sum(1 for r in result.ops if r.kind in CALL_KINDS)
        if len(records) < calls:
            total = chosen_total(result)
            shown = sum(figure_of(r, convention) for r in records if r.flops is not NOT_RECOGNIZED)
            head = f"top {len(records)} of {agree(calls, 'op', 'ops')}"
            lines.append(_the_rest(head, calls - len(records), total - shown, total))
    lines.append(summary_line(result))
    if roofline:
        lines.append(traffic_line(result))
    return _join(lines, tablefmt)
