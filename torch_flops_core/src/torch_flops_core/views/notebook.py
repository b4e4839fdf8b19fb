"""A result in a notebook: :func:`result_html` (what Jupyter shows for a ``FlopsResult``) and
:func:`to_pandas` (one row per op, pandas being an optional extra).

The HTML is self-contained (inline styles, no script): the totals, the phases when the backward was
counted, the top ops and modules, and every op no rule knows, highlighted, so a count that is not
complete cannot be mistaken for one that is.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from ..conventions import figure_of, label
from ..module_totals import module_rows
from ..results import PHASES
from ..rules import CALL_KINDS
from ..wording import agree
from .export import shown_target
from .params import params_phrase, with_params
from .report import format_bytes, format_flops, format_intensity, format_macs, result_to_dict, top_records
from .tree import tree_html
from .units import figure

if TYPE_CHECKING:
    from ..results import FlopsResult

__all__ = ["EXTRA", "TOP", "result_html", "to_pandas"]

TOP = 10
"""How many ops and modules the HTML view lists."""
EXTRA = "torch-flops-core[pandas]"

_TABLE = "border-collapse:collapse;font-size:12px;margin:4px 0 10px 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #ddd;text-align:{}"
_MISSING = "background:#fde2e1"


def _table(headers: list[str], rows: list[tuple[list[str], bool]], right: set[int]) -> str:
    head = "".join(
        f'<th style="{_CELL.format("right" if i in right else "left")}">{escape(h)}</th>' for i, h in enumerate(headers)
    )
    body = []
    for cells, missing in rows:
        style = f' style="{_MISSING}"' if missing else ""
        tds = "".join(
            f'<td style="{_CELL.format("right" if i in right else "left")}">{escape(c)}</td>'
            for i, c in enumerate(cells)
        )
        body.append(f"<tr{style}>{tds}</tr>")
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _moved(total_bytes: int | None) -> str:
    if total_bytes is None:
        return "bytes not counted"
    return f"{escape(format_bytes(total_bytes))} moved"


def result_html(result: FlopsResult, top: int = TOP) -> str:
    """The result as HTML: totals, the ``top`` ops and modules, and the ops no rule knows (highlighted)."""
    calls = [r for r in result.ops if r.kind in CALL_KINDS]
    missing, chosen = result.unrecognized, result.convention
    parts = ['<div class="torch-flops-result" style="font-family:sans-serif">']
    summary = (
        f"<b>{escape(figure(result.total))} FLOPs</b> ({escape(format_flops(result.total))}), "
        f"{escape(figure(result.total_macs))} MACs ({escape(format_macs(result.total_macs))}), "
        f"2×MACs: {escape(figure(2 * result.total_macs))} FLOPs ({escape(format_flops(2 * result.total_macs))}), "
        f"{_moved(result.total_bytes)}, {agree(len(calls), 'op', 'ops')}, "
        f"{escape(result.engine)} engine on {escape(result.device)}"
    )
    parts.append(f"<p>{summary}{escape(params_phrase(result))}</p>")
    if result.counted_backward:
        phases = result.total_by_phase
        listed = ", ".join(f"{p} {escape(format_flops(phases[p]))}" for p in PHASES if phases[p])
        parts.append(f"<p>by phase: {listed}</p>")
    if missing:
        targets = ", ".join(f"{escape(name)} ×{n}" for name, n in result.unrecognized_targets().items())
        parts.append(
            f'<p style="{_MISSING};padding:4px">{agree(len(missing), "op", "ops")} not recognized, excluded from the '
            "total: "
            f"{targets}</p>"
        )
    if calls:
        shown = top_records(result, top)
        shown += [r for r in missing if all(r is not s for s in shown)]  # every unknown op is listed
        rows = [
            (
                [
                    r.name,
                    shown_target(r),
                    r.module_path,
                    "not recognized" if not r.recognized else "ignored" if r.ignored else figure(figure_of(r, chosen)),
                    figure(r.macs),
                    "" if r.bytes is None else format_bytes(r.bytes),
                    format_intensity(r.intensity),
                    "" if r.time_ms is None else f"{r.time_ms:.3f}",
                ],
                not r.recognized,
            )
            for r in shown
        ]
        parts.append(f"<p>top {min(top, len(calls))} of {agree(len(calls), 'op', 'ops')} by {label(chosen)}</p>")
        headers = ["op", "target", "module", label(chosen), "MACs", "bytes", "FLOP/B", "time ms"]
        parts.append(_table(headers, rows, {3, 4, 5, 6, 7}))
        modules = module_rows(result, 1, top)
        rows = [
            (
                [m.label, format_flops(figure_of(m, chosen)), f"{100 * m.share:.1f}%", format_macs(m.macs), str(m.ops)],
                False,
            )
            for m in modules
        ]
        parts.append("<p>modules at depth 1</p>")
        headers = ["module", label(chosen), "share", "MACs", "ops", *["params"] * (result.params is not None)]
        parts.append(_table(headers, with_params(result, rows, modules), {1, 2, 3, 4, 5}))  # views/params.py
        parts.append(f"<p>the model as a tree</p>{tree_html(result.tree())}")  # views/tree.py: nested <details>
    for note in result.notes:
        parts.append(f'<p style="color:#555;font-size:11px">note: {escape(note)}</p>')
    parts.append("</div>")
    return "".join(parts)


def to_pandas(result: FlopsResult) -> Any:
    """A ``pandas.DataFrame`` with one row per op (the JSON op keys: FLOPs, MACs, bytes, intensity,
    achieved rates, phase, module ...); ``flops`` is ``NaN`` for an op no rule knows."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            f"FlopsResult.to_pandas() needs pandas, which could not be imported ({exc}): "
            f"pip install pandas, or pip install '{EXTRA}'"
        ) from None
    return pd.DataFrame(result_to_dict(result)["ops"])
