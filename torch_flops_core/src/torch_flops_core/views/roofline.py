"""A roofline of a count: each op (or module) at (arithmetic intensity, achieved FLOP/s), under the roofs
of the machine it ran on.

A point's x is its FLOPs per byte moved (unfused traffic, :mod:`torch_flops_core.traffic`), its y the
FLOPs it did per second of its measured time; its area is its share of the time. The roofs are the
peak FLOP/s and the memory bandwidth: ``min(peak_flops, peak_bandwidth × intensity)``, each a positive
finite number (else :class:`~torch_flops_core.errors.PlotError`), given or measured (:mod:`.peaks`, whose
names this module re-exports: the path users know).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..conventions import chosen_rate, label
from ..errors import PlotError
from ..module_totals import module_rows
from ..rules import CALL_KINDS
from .peaks import SPREAD_NOTE, Peaks, measure_peaks, resolve_peaks, spread_note
from .plot import (
    BAR_COLOR,
    check_path,
    flops_axis,
    new_figure,
    require_matplotlib,
    save_figure,
    shorten_label,
    wrap_note,
)
from .units import format_flops

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import FlopsResult

__all__ = ["SPREAD_NOTE", "Peaks", "measure_peaks", "plot_roofline", "roofline_points", "spread_note"]


def _roof(name: str, value: Any, unit: str) -> float | None:
    """A roof given by the caller: ``None`` (to be measured) or a positive finite number, else :class:`PlotError`."""
    return None if value is None else _positive(name, value, unit)


def _positive(name: str, value: Any, unit: str) -> float:
    """``value`` as a float when it is a positive finite number, else :class:`PlotError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PlotError(f"{name} must be a number of {unit} (e.g. 1.2e12), got {value!r}")
    roof = float(value)
    if not 0 < roof < math.inf:  # NaN fails both comparisons
        raise PlotError(f"{name} must be a positive finite number of {unit}, got {value!r}: a roof of it means nothing")
    return roof


@dataclass(frozen=True)
class _Point:
    label: str
    intensity: float
    flop_s: float
    time_ms: float
    contraction: bool


def roofline_points(result: FlopsResult, by: str = "op", depth: int = 1) -> tuple[list[_Point], int]:
    """The points of a roofline (ops, or modules at ``depth``) and how many were left out (no FLOPs, no
    bytes or no measured time: views, copies, unrecognized ops)."""
    if by not in ("op", "module"):
        raise PlotError(f"by must be 'op' or 'module', got {by!r}")
    items: list[Any] = [r for r in result.ops if r.kind in CALL_KINDS] if by == "op" else module_rows(result, depth)
    points = []
    for item in items:
        flop_s, intensity = chosen_rate(result, item)  # of the figure result.convention picks
        if not flop_s or not intensity or not (math.isfinite(flop_s) and math.isfinite(intensity)):
            continue  # nothing to place, or no finite place (a time of 0 would put it at infinity)
        label = item.name if by == "op" else item.label
        points.append(_Point(label, intensity, flop_s, item.time_ms or 0.0, item.macs > 0))
    return points, len(items) - len(points)


def plot_roofline(
    result: FlopsResult,
    path: str | Path | None = None,
    *,
    peak_flops: float | None = None,
    peak_bandwidth: float | None = None,
    by: str = "op",
    depth: int = 1,
    title: str | None = None,
    label_top: int = 6,
    peaks: Peaks | None = None,
) -> Figure:
    """Draw the roofline of ``result`` (see the module doc); write it to ``path`` (.png, .svg) when given.

    ``peaks``: roofs measured before (:func:`measure_peaks`, once for many charts), with their notes;
    ``peak_flops`` and ``peak_bandwidth`` override them. :class:`PlotError` (a ``ValueError``) for a roof that
    is not a positive finite number, a ``path`` whose folder does not exist, or no matplotlib: before
    anything is measured or drawn."""
    given_flops = _roof("peak_flops", peak_flops, "FLOP/s")
    given_bandwidth = _roof("peak_bandwidth", peak_bandwidth, "bytes/s")
    if peaks is not None:
        peaks = _overridden(peaks, given_flops, given_bandwidth)
    if path is not None:
        check_path(path)
    require_matplotlib()
    points, left_out = _placed_points(result, by, depth)
    if peaks is None:
        peaks = resolve_peaks(result.device, given_flops, given_bandwidth)
    fig = new_figure()
    ax = fig.add_subplot()
    lo, hi = _draw_roofs(ax, peaks, points)
    _draw_points(ax, points, label_top)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(min(p.flop_s for p in points) / 4, max(peaks.flops, max(p.flop_s for p in points)) * 4)
    flops_axis(ax.yaxis)
    ax.set_xlabel(f"arithmetic intensity ({label(result.convention)} per byte moved)")
    ax.set_ylabel(f"achieved {label(result.convention, 'FLOP/s')}")
    what = "ops" if by == "op" else f"modules at depth {depth}"
    ax.set_title(title or f"roofline: {len(points)} {what} on {result.device} (area: share of the time)", fontsize=10)
    ax.grid(which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    _draw_notes(ax, peaks.notes, left_out, what)
    if path is not None:
        save_figure(fig, path)
    return fig


def _overridden(peaks: Peaks, flops: float | None, bandwidth: float | None) -> Peaks:
    """``peaks`` (checked: each roof a positive finite number) with the roofs given in their place."""
    return Peaks(
        _positive("peaks.flops", peaks.flops, "FLOP/s") if flops is None else flops,
        _positive("peaks.bandwidth", peaks.bandwidth, "bytes/s") if bandwidth is None else bandwidth,
        peaks.flops_source if flops is None else "given",
        peaks.bandwidth_source if bandwidth is None else "given",
        peaks.flops_runs if flops is None else (),
        peaks.bandwidth_runs if bandwidth is None else (),
        peaks.notes,
    )


def _placed_points(result: FlopsResult, by: str, depth: int) -> tuple[list[_Point], int]:
    """:func:`roofline_points`, or :class:`PlotError` for a count on meta (no times) or with nothing to place."""
    if result.device == "meta":
        raise PlotError(
            "a roofline needs measured times, and this count ran on meta, where no kernel runs: count the model "
            "on cpu or cuda (the model and its inputs there) and draw that count's roofline"
        )
    points, left_out = roofline_points(result, by, depth)
    if not points:
        raise PlotError("no op has FLOPs, bytes and a measured time: nothing to place on a roofline")
    return points, left_out


def _draw_roofs(ax: Axes, peaks: Peaks, points: list[_Point]) -> tuple[float, float]:
    """The roofs ``min(flops, bandwidth × x)``, the ridge and the peak lines, each roof labelled with its
    source; the x range (from a quarter of the lowest intensity to four times the highest, ridge included)."""
    ridge = peaks.flops / peaks.bandwidth
    lo = min(min(p.intensity for p in points), ridge) / 4
    hi = max(max(p.intensity for p in points), ridge) * 4
    xs = [lo, ridge, hi]
    ax.plot(xs, [min(peaks.flops, peaks.bandwidth * x) for x in xs], color="0.2", linewidth=1.5, zorder=1)
    ax.axvline(ridge, color="0.6", linestyle=":", linewidth=1, zorder=0)
    ax.axhline(peaks.flops, color="0.6", linestyle=":", linewidth=1, zorder=0)  # the roof, read from the left
    ax.text(
        lo * 1.15, peaks.flops * 1.2, f"peak {format_flops(peaks.flops, 'FLOP/s')} ({peaks.flops_source})",
        ha="left", va="bottom", fontsize=8, color="0.2",
    )  # fmt: skip
    ax.text(
        lo * 1.15, peaks.bandwidth * lo * 2.2, f"{format_flops(peaks.bandwidth, 'B/s')} ({peaks.bandwidth_source})",
        ha="left", va="bottom", fontsize=8, color="0.2",
    )  # fmt: skip
    return lo, hi


def _draw_points(ax: Axes, points: list[_Point], label_top: int) -> None:
    """The points, contractions and other ops in two colours, each sized by its time; then labels on the
    ``label_top`` longest, skipping one too close to a label already drawn."""
    longest = max(p.time_ms for p in points) or 1.0
    for contraction, color, name in ((True, BAR_COLOR, "matmul, conv, attention"), (False, "#DD8452", "other ops")):
        chosen = [p for p in points if p.contraction == contraction]
        if chosen:
            ax.scatter(
                [p.intensity for p in chosen],
                [p.flop_s for p in chosen],
                s=[12 + 400 * p.time_ms / longest for p in chosen],
                color=color,
                alpha=0.6,
                edgecolors="white",
                linewidths=0.5,
                label=f"{name} ({len(chosen)})",
                zorder=2,
            )
    labelled: list[tuple[float, float]] = []
    for p in sorted(points, key=lambda p: -p.time_ms):
        if len(labelled) == label_top:
            break
        x, y = math.log10(p.intensity), math.log10(p.flop_s)
        if any(abs(x - lx) < 0.5 and abs(y - ly) < 0.15 for lx, ly in labelled):
            continue  # too close to a label already drawn: unreadable
        labelled.append((x, y))
        ax.annotate(
            shorten_label(p.label)[-24:], (p.intensity, p.flop_s), textcoords="offset points", xytext=(6, 5),
            fontsize=7, color="0.2",
        )  # fmt: skip


def _draw_notes(ax: Axes, notes: tuple[str, ...], left_out: int, what: str) -> None:
    """What was left out (top right), then why the measured roofs may be wrong (under the title, in red)."""
    if left_out:
        note = f"not shown: {left_out} {what} without FLOPs, bytes or a time (views, copies)"
        ax.text(0.99, 0.98, note, transform=ax.transAxes, fontsize=7, color="0.4", va="top", ha="right")
    for i, note in enumerate(notes):  # why the measured roofs may be wrong, under the title
        ax.text(
            0.01, 0.98 - 0.035 * (i + bool(left_out)), wrap_note(f"note: {note}"), transform=ax.transAxes,
            fontsize=7, color="#B03030", va="top", ha="left",
        )  # fmt: skip
