"""A roofline of a count: each op (or module) at (arithmetic intensity, achieved FLOP/s), under the roofs
of the machine it ran on.

A point's x is its FLOPs per byte moved (unfused traffic, :mod:`torch_flops_core.traffic`), its y the
FLOPs it did per second of its measured time; its area is its share of the time. The roofs are the
peak FLOP/s and the memory bandwidth: ``min(peak_flops, peak_bandwidth × intensity)``, each a positive
finite number (else :class:`~torch_flops_core.errors.PlotError`). Peaks not given are measured on the
spot by :func:`measure_peaks`: a square matmul (2·n³ FLOPs each) and a tensor copy (read and write: 2 ×
its bytes) on the count's device, each run for a warm-up and then timed in several repeats, of which the
fastest is the peak (a busy machine only ever makes a run slower). When the repeats disagree by more
than :data:`SPREAD_NOTE`, or the machine's load exceeds its cores, the peaks carry a note (drawn on the
chart, and warned as :class:`~torch_flops_core.errors.PeaksWarning`): such roofs may be far too low. The
inputs are drawn from a generator of their own: measuring never moves torch's global random streams.
"""

from __future__ import annotations

import math
import numbers
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..errors import PeaksWarning, PlotError
from ..results import module_rows
from ..rules import CALL_KINDS
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
from .report import format_flops

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..results import FlopsResult

__all__ = ["SPREAD_NOTE", "Peaks", "measure_peaks", "plot_roofline", "roofline_points", "spread_note"]

SPREAD_NOTE = 0.25
"""Repeats of a peak measurement whose slowest is this fraction or more below the fastest disagree: a note."""


@dataclass(frozen=True)
class Peaks:
    """The roofs: ``flops`` (FLOP/s) and ``bandwidth`` (bytes/s), and how each was obtained.

    Measured peaks also keep each timed repeat's rate (``flops_runs``, ``bandwidth_runs``, in the order
    run; the peak is the fastest) and ``notes`` saying why they may not be trusted (empty when they may).
    """

    flops: float
    bandwidth: float
    flops_source: str
    bandwidth_source: str
    flops_runs: tuple[float, ...] = ()
    bandwidth_runs: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def flops_spread(self) -> float:
        """How far the slowest repeat of the matmul fell below the fastest (0.2: 20% slower); 0 if given."""
        return _spread(self.flops_runs)

    @property
    def bandwidth_spread(self) -> float:
        """How far the slowest repeat of the copy fell below the fastest; 0 if given."""
        return _spread(self.bandwidth_runs)


def _spread(runs: tuple[float, ...]) -> float:
    return 1 - min(runs) / max(runs) if runs else 0.0


def _rates(fn: Callable[[], Any], sync: Callable[[], Any], work: float, seconds: float, repeats: int) -> list[float]:
    """``work`` per second of ``fn``, once per timed repeat: a warm-up of one repeat's length first (thread
    pools, caches, clock speed), then ``repeats`` repeats of about ``seconds / repeats`` each (2 calls at least)."""
    each = seconds / repeats
    rates = []
    for repeat in range(repeats + 1):
        calls, start = 0, time.perf_counter()
        while calls < 2 or time.perf_counter() - start < each:
            fn()
            calls += 1
            if calls % 4 == 0:
                sync()
        sync()
        elapsed = time.perf_counter() - start
        if repeat:  # the first is the warm-up
            rates.append(work * calls / elapsed if elapsed > 0 else math.inf)
    return rates


def _load_note(device: str) -> str | None:
    """A note when the machine's 1-minute load average exceeds its cores (cpu peaks only: a GPU kernel does
    not share the cores), ``None`` otherwise or where no load average exists."""
    if device != "cpu":
        return None
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return None
    cores = os.cpu_count() or 1
    if load <= cores:
        return None
    return (
        f"the machine was busy while the peaks were measured (load average {load:.1f} on {cores} cores): "
        "the roofs may be far too low; give peak_flops= and peak_bandwidth= (--peak-flops, --peak-bandwidth)"
    )


def spread_note(what: str, runs: list[float], unit: str) -> str | None:
    """A note when the repeats of ``what`` disagree by :data:`SPREAD_NOTE` or more."""
    if not runs or 1 - min(runs) / max(runs) < SPREAD_NOTE:
        return None
    return (
        f"the {len(runs)} repeats of the {what} disagree ({format_flops(min(runs), unit)} to "
        f"{format_flops(max(runs), unit)}, the fastest used): the machine was busy or its clock changed; the "
        "roof may be too low"
    )


@contextmanager
def _rng_untouched() -> Iterator[None]:
    """Put torch's global cpu and cuda generator states back after the block, whatever it drew."""
    cpu = torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


def measure_peaks(
    device: str = "cpu", *, dtype: torch.dtype = torch.float32, seconds: float = 0.25, repeats: int = 5
) -> Peaks:
    """Measure the peak FLOP/s (an n×n matmul, 2·n³ FLOPs) and the memory bandwidth (a copy of a tensor
    larger than the caches, its bytes read and written) on ``device``: for each, a warm-up and then
    ``repeats`` timed repeats over about ``seconds`` in all, the fastest taken. Notes (``Peaks.notes``, each
    also warned as :class:`PeaksWarning`) say when the repeats disagree or the machine was busy. torch's
    global random generators are left as they were."""
    return _measure(device, dtype, seconds, repeats, flops=True, bandwidth=True)


def _measure(device: str, dtype: torch.dtype, seconds: float, repeats: int, *, flops: bool, bandwidth: bool) -> Peaks:
    """:func:`measure_peaks` of the roofs asked for (``flops``, ``bandwidth``); one not asked for is NaN."""
    if device == "meta":
        raise PlotError("peaks cannot be measured on meta: nothing runs there; count on cpu or cuda")
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not 0 < float(seconds) < math.inf:
        raise PlotError(f"seconds must be a positive finite number, got {seconds!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise PlotError(f"repeats must be a positive int, got {repeats!r}")
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    n = 4096 if cuda else 1024
    mib = 256 if cuda else 32  # a copy larger than the caches: 256 MiB on a GPU, 32 MiB on a cpu
    matmul: list[float] = []
    copy: list[float] = []
    with torch.no_grad(), _rng_untouched():
        if flops:
            generator = torch.Generator(device=device).manual_seed(0)  # never the global stream
            a = torch.randn(n, n, device=device, dtype=dtype, generator=generator)
            b = torch.randn(n, n, device=device, dtype=dtype, generator=generator)
            out = torch.empty(n, n, device=device, dtype=dtype)
            matmul = _rates(lambda: torch.mm(a, b, out=out), sync, 2 * n**3, seconds, repeats)
            del a, b, out
        if bandwidth:
            src = torch.ones(mib * 2**20 // 4, device=device, dtype=torch.float32)
            dst = torch.empty_like(src)
            copy = _rates(lambda: dst.copy_(src), sync, 2 * src.nbytes, seconds, repeats)
            del src, dst
    name = str(dtype).removeprefix("torch.")
    best = f"best of {repeats}" if repeats > 1 else "1 run"
    notes = [
        note
        for note in (
            spread_note("matmul", matmul, "FLOP/s"),
            spread_note("copy", copy, "B/s"),
            _load_note(torch.device(device).type),
        )
        if note is not None
    ]
    for note in notes:
        warnings.warn(f"measured roofline peaks: {note}", PeaksWarning, stacklevel=3)
    return Peaks(
        flops=max(matmul, default=math.nan),
        bandwidth=max(copy, default=math.nan),
        flops_source=f"measured: {n}×{n} {name} matmul, {best}, spread {100 * _spread(tuple(matmul)):.0f}%"
        if matmul
        else "not measured",
        bandwidth_source=f"measured: {mib} MiB copy, {best}, spread {100 * _spread(tuple(copy)):.0f}%"
        if copy
        else "not measured",
        flops_runs=tuple(matmul),
        bandwidth_runs=tuple(copy),
        notes=tuple(notes),
    )


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


def _peaks(device: str, flops: float | None, bandwidth: float | None) -> Peaks:
    """The roofs: those given, the others measured (with their runs and notes)."""
    if flops is not None and bandwidth is not None:
        return Peaks(flops, bandwidth, "given", "given")
    measured = _measure(device, torch.float32, 0.25, 5, flops=flops is None, bandwidth=bandwidth is None)
    for name, value in (("FLOP/s", measured.flops), ("bandwidth", measured.bandwidth)):
        if not (value > 0 or math.isnan(value)) or value == math.inf:  # NaN: not measured, as asked
            raise PlotError(f"the measured peak {name} is {value!r}, no roof: give it (peak_flops=, peak_bandwidth=)")
    return Peaks(
        flops=flops if flops is not None else measured.flops,
        bandwidth=bandwidth if bandwidth is not None else measured.bandwidth,
        flops_source="given" if flops is not None else measured.flops_source,
        bandwidth_source="given" if bandwidth is not None else measured.bandwidth_source,
        flops_runs=measured.flops_runs,
        bandwidth_runs=measured.bandwidth_runs,
        notes=measured.notes,
    )


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
        flop_s, _ = result.achieved(item)
        intensity = item.intensity
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
        peaks = Peaks(
            _positive("peaks.flops", peaks.flops, "FLOP/s") if given_flops is None else given_flops,
            _positive("peaks.bandwidth", peaks.bandwidth, "bytes/s") if given_bandwidth is None else given_bandwidth,
            peaks.flops_source if given_flops is None else "given",
            peaks.bandwidth_source if given_bandwidth is None else "given",
            peaks.flops_runs if given_flops is None else (),
            peaks.bandwidth_runs if given_bandwidth is None else (),
            peaks.notes,
        )
    if path is not None:
        check_path(path)
    require_matplotlib()
    if result.device == "meta":
        raise PlotError(
            "a roofline needs measured times, and this count ran on meta, where no kernel runs: count the model "
            "on cpu or cuda (the model and its inputs there) and draw that count's roofline"
        )
    points, left_out = roofline_points(result, by, depth)
    if not points:
        raise PlotError("no op has FLOPs, bytes and a measured time: nothing to place on a roofline")
    if peaks is None:
        peaks = _peaks(result.device, given_flops, given_bandwidth)
    fig = new_figure()
    ax = fig.add_subplot()
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
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(min(p.flop_s for p in points) / 4, max(peaks.flops, max(p.flop_s for p in points)) * 4)
    flops_axis(ax.yaxis)
    ax.set_xlabel("arithmetic intensity (FLOPs per byte moved)")
    ax.set_ylabel("achieved FLOP/s")
    what = "ops" if by == "op" else f"modules at depth {depth}"
    ax.set_title(title or f"roofline: {len(points)} {what} on {result.device} (area: share of the time)", fontsize=10)
    ax.grid(which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if left_out:
        note = f"not shown: {left_out} {what} without FLOPs, bytes or a time (views, copies)"
        ax.text(0.99, 0.98, note, transform=ax.transAxes, fontsize=7, color="0.4", va="top", ha="right")
    for i, note in enumerate(peaks.notes):  # why the measured roofs may be wrong, under the title
        ax.text(
            0.01, 0.98 - 0.035 * (i + bool(left_out)), wrap_note(f"note: {note}"), transform=ax.transAxes,
            fontsize=7, color="#B03030", va="top", ha="left",
        )  # fmt: skip
    if path is not None:
        save_figure(fig, path)
    return fig
