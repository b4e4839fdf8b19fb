"""Rendering the reports: :func:`render_rows` writes plain rows as a table, JSON, CSV or markdown,
:func:`render_count` one count (per op, or per module with ``--by-module``), :func:`render_sweep` one row per
size of a sweep, and :func:`write_output` sends a report to stdout or to the ``--output`` file.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from ..expressions import size_symbol
from ..module_totals import module_rows
from ..results import PHASES, FlopsResult
from ..rules import is_symbolic
from ..views.export import exact
from ..views.report import (
    format_flops,
    format_macs,
    render_csv,
    render_module_csv,
    render_module_table,
    render_table,
    result_to_dict,
)
from ..views.units import figure
from .generate import generation_report
from .parallel import parallel_json, parallel_report
from .shapes import dtype_name
from .tree import tree_json, tree_report
from .usage import UsageError

if TYPE_CHECKING:
    from .run import CountRun

__all__ = ["SWEEP_COLUMNS", "render_count", "render_rows", "render_sweep", "sweep_rows", "write_output"]


def render_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, right: Sequence[str] = ()) -> str:
    """Plain rows in any output format (JSON keeps every key; the others show ``columns``, ``right`` aligned right)."""
    if fmt == "json":
        return json.dumps(list(rows), indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
        return out.getvalue().rstrip("\n")
    table = [[("" if row.get(c) is None else row.get(c)) for c in columns] for row in rows]
    align = tuple("right" if c in right else "left" for c in columns)
    tablefmt = "github" if fmt == "markdown" else "simple"
    return tabulate(table, list(columns), tablefmt=tablefmt, disable_numparse=True, colalign=align)


def _header(run: CountRun) -> str:
    point = run.points[0]
    dtype = f" {dtype_name(run.dtype)}" if point.shapes else ""
    return f"{run.spec} ({run.model_name}) · inputs {point.describe()}{dtype} · device {run.device}"


def render_count(run: CountRun, args: argparse.Namespace) -> str:
    """One count in the chosen format: per-op table, or per-module view with ``--by-module``."""
    result, fmt, depth, top = run.results[0], args.format, args.by_module, args.top
    if fmt == "json":
        data = result_to_dict(result)
        data["model"] = run.spec
        data["device"] = run.device
        data["inputs"] = run.points[0].to_json(run.dtype)
        tokens = token_count(run.points[0].tokens, result)
        data["tokens"] = exact(tokens)
        data["flops_per_token"] = exact(per_token(result.total, tokens))
        data["by_module"] = None
        data["generation"] = result.generation.to_dict() if result.generation is not None else None
        data["tree"] = tree_json(result, args)  # --tree: the nested tree (cli/tree.py)
        data["parallel"] = parallel_json(result)  # --tp/--fsdp: the rank and its collectives (cli/parallel.py)
        if depth is not None:
            data["by_module"] = {
                "depth": depth,
                "modules": [
                    {"module": r.path, "flops": r.flops, "macs": r.macs, "share": r.share, "ops": r.ops}
                    | {phase: getattr(r, phase) for phase in PHASES}
                    | {"bytes": r.bytes, "intensity": r.intensity, "time_ms": r.time_ms}
                    | {"params": None if r.params is None else r.params.to_dict()}
                    for r in module_rows(result, depth, top)
                ],
            }
        return json.dumps(data, indent=2)
    tree = tree_report(result, args, fmt)  # --tree (cli/tree.py): the tree, then the total line; CSV: its rows
    if fmt == "csv" and tree is not None:
        return tree
    if fmt == "csv":
        text = render_module_csv(result, depth, top) if depth is not None else render_csv(result, top=top)
        return text.rstrip("\n")
    tablefmt = "github" if fmt == "markdown" else "simple"
    roofline = bool(getattr(args, "roofline", False))
    if tree is not None:
        body = tree
    elif depth is not None:
        body = render_module_table(result, depth, top, tablefmt=tablefmt, roofline=roofline)
    else:
        body = render_table(result, tablefmt=tablefmt, top=top, roofline=roofline)
    header = f"**{_header(run)}**" if fmt == "markdown" else _header(run)
    generated = generation_report(result, tablefmt)  # --generate: the steps, not thousands of op rows
    body = generated if generated is not None and depth is None and tree is None else body
    body += parallel_report(result, tablefmt)  # --tp/--fsdp: the rank and its collectives (cli/parallel.py)
    tokens = token_count(run.points[0].tokens, result) if generated is None else None
    if tokens:
        what = "training FLOPs" if result.counted_backward else "FLOPs"
        shown = figure(tokens) if is_symbolic(tokens) else f"{tokens:,}"
        body += ("\n\n" if fmt == "markdown" else "\n") + (
            f"{what} per token: {format_flops(per_token(result.total, tokens))}, 2×MACs: "
            f"{format_flops(per_token(2 * result.total_macs, tokens))} ({shown} tokens)"
        )
    return header + ("\n\n" if fmt == "markdown" else "\n") + body


SWEEP_COLUMNS = ("size", "inputs", "FLOPs", "2×MACs", "MACs", "exact FLOPs", "not recognized", "engine")


def sweep_rows(run: CountRun) -> list[dict[str, Any]]:
    """One JSON-ready row per sweep point (exact integers)."""
    return [
        {
            "size": point.size,
            "inputs": point.to_json(run.dtype),
            "total": result.total,
            "total_macs": result.total_macs,
            "total_by_phase": result.total_by_phase,
            "unrecognized": len(result.unrecognized),
            "engine": result.engine,
        }
        for point, result in zip(run.points, run.results, strict=True)
    ]


def render_sweep(run: CountRun, fmt: str) -> str:
    rows = sweep_rows(run)
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        flat = [{**row, "inputs": point.describe()} for row, point in zip(rows, run.points, strict=True)]
        return render_rows(flat, ("size", "inputs", "total", "total_macs", "unrecognized", "engine"), "csv")
    shown = [
        {
            "size": point.size,
            "inputs": point.describe(),
            "FLOPs": format_flops(result.total),
            "2×MACs": format_flops(2 * result.total_macs),
            "MACs": format_macs(result.total_macs),
            "exact FLOPs": f"{result.total:,}",
            "not recognized": len(result.unrecognized),
            "engine": result.engine,
        }
        for point, result in zip(run.points, run.results, strict=True)
    ]
    header = f"{run.spec} ({run.model_name}) · sweep of {len(rows)} sizes · device {run.device}"
    body = render_rows(shown, SWEEP_COLUMNS, fmt, right=SWEEP_COLUMNS[:1] + SWEEP_COLUMNS[2:7])
    return f"**{header}**\n\n{body}" if fmt == "markdown" else f"{header}\n{body}"


def write_output(text: str, output: str | None) -> None:
    """``text`` to stdout, or to the ``--output`` file (a :class:`UsageError` when it cannot be written)."""
    if output is None:
        sys.stdout.write(text + "\n")
        return
    try:
        Path(output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write --output {output!r}: {exc.strerror or exc}") from None


def token_count(tokens: int | None, result: FlopsResult) -> Any:
    """The tokens of a count's input: the example's number, or for a symbolic count (``--symbolic B,T`` names axes of
    the token input) that number with each named size as its symbol, ``B·T``."""
    if not tokens or not result.sizes:
        return tokens
    count: Any = tokens
    for name, hint in result.sizes.items():
        count = count * size_symbol(name) / hint
    return count


def per_token(figure_: Any, tokens: Any) -> Any:
    """A figure per token: a float, or for a symbolic count the expression divided out (``2.47e8 + 3.74e4·T``)."""
    if not tokens:
        return None
    if is_symbolic(figure_) or is_symbolic(tokens):
        import sympy

        return sympy.expand(sympy.cancel(figure_ / tokens))
    return figure_ / tokens
