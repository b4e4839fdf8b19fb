"""A roofline of a count: each op (or module) at (arithmetic intensity, achieved FLOP/s), under the roofs
of the machine it ran on.

A point's x is its FLOPs per byte moved (unfused traffic, :mod:`torch_flops_core.traffic`), its y the
FLOPs it did per second of its measured time; its area is its share of the time. The roofs are the
peak FLOP/s and the memory bandwidth: ``min(peak_flops, peak_bandwidth × intensity)``. Peaks not given
are measured on the spot by :func:`measure_peaks`: a square matmul (2·n³ FLOPs each) and a tensor copy
(read and write: 2 × its bytes), repeated for a fraction of a second on the count's device.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .report import format_flops, module_rows
from .rules import CALL_KINDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .results import FlopsResult

__all__ = ["Peaks", "measure_peaks", "plot_roofline", "roofline_points"]


@dataclass(frozen=True)
class Peaks:
    """The roofs: ``flops`` (FLOP/s) and ``bandwidth`` (bytes/s), and how each was obtained."""

    flops: float
    bandwidth: float
    flops_source: str
    bandwidth_source: str


def _repeat(fn: Any, sync: Any, seconds: float) -> float:
    """Seconds per call of ``fn``: one warm-up, then as many calls as fit in ``seconds`` (at least 3)."""
    fn()
    sync()
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < seconds:
        fn()
        calls += 1
        if calls % 4 == 0:
            sync()
    sync()
    return (time.perf_counter() - start) / calls


def measure_peaks(device: str = "cpu", *, dtype: torch.dtype = torch.float32, seconds: float = 0.25) -> Peaks:
    """Measure the peak FLOP/s (an n×n matmul, 2·n³ FLOPs) and the memory bandwidth (a copy of a tensor
    larger than the caches, its bytes read and written) on ``device``, for about ``seconds`` each."""
    if device == "meta":
        raise ValueError("peaks cannot be measured on meta: nothing runs there; count on cpu or cuda")
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    n = 4096 if cuda else 1024
    with torch.no_grad():
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
        out = torch.empty(n, n, device=device, dtype=dtype)
        matmul = _repeat(lambda: torch.mm(a, b, out=out), sync, seconds)
        numel = (256 if cuda else 32) * 2**20 // 4  # 256 MiB on a GPU, 32 MiB of float32 on a cpu
        src = torch.ones(numel, device=device, dtype=torch.float32)
        dst = torch.empty_like(src)
        copy = _repeat(lambda: dst.copy_(src), sync, seconds)
    name = str(dtype).removeprefix("torch.")
    return Peaks(
        flops=2 * n**3 / matmul,
        bandwidth=2 * src.nbytes / copy,
        flops_source=f"measured: {n}×{n} {name} matmul",
        bandwidth_source=f"measured: {src.nbytes // 2**20} MiB copy",
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
        raise ValueError(f"by must be 'op' or 'module', got {by!r}")
    items: list[Any] = [r for r in result.ops if r.kind in CALL_KINDS] if by == "op" else module_rows(result, depth)
    points = []
    for item in items:
        flop_s, _ = result.achieved(item)
        intensity = item.intensity
        if not flop_s or not intensity:
            continue
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
) -> Figure:
    """Draw the roofline of ``result`` (see the module doc); write it to ``path`` (.png, .svg) when given."""
    from . import plot

    if result.device == "meta":
        raise ValueError(
            "a roofline needs measured times, and this count ran on meta, where no kernel runs: count the model "
            "on cpu or cuda (torch-flops count ... --device cpu)"
        )
    points, left_out = roofline_points(result, by, depth)
    if not points:
        raise ValueError("no op has FLOPs, bytes and a measured time: nothing to place on a roofline")
    measured = None
    if peak_flops is None or peak_bandwidth is None:
        measured = measure_peaks(result.device)
    peaks = Peaks(
        flops=peak_flops if peak_flops is not None else measured.flops,  # type: ignore[union-attr]
        bandwidth=peak_bandwidth if peak_bandwidth is not None else measured.bandwidth,  # type: ignore[union-attr]
        flops_source="given" if peak_flops is not None else measured.flops_source,  # type: ignore[union-attr]
        bandwidth_source="given" if peak_bandwidth is not None else measured.bandwidth_source,  # type: ignore[union-attr]
    )
    fig = plot._figure()
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
    for contraction, color, name in ((True, plot._BAR, "matmul, conv, attention"), (False, "#DD8452", "other ops")):
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
            plot._shorten(p.label)[-24:], (p.intensity, p.flop_s), textcoords="offset points", xytext=(6, 5),
            fontsize=7, color="0.2",
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(min(p.flop_s for p in points) / 4, peaks.flops * 4)
    plot._flops_axis(ax.yaxis)
    ax.set_xlabel("arithmetic intensity (FLOPs per byte moved)")
    ax.set_ylabel("achieved FLOP/s")
    what = "ops" if by == "op" else f"modules at depth {depth}"
    ax.set_title(title or f"roofline: {len(points)} {what} on {result.device} (area: share of the time)", fontsize=10)
    ax.grid(which="major", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    if left_out:
        note = f"not shown: {left_out} {what} without FLOPs, bytes or a time (views, copies)"
        ax.text(0.99, 0.98, note, transform=ax.transAxes, fontsize=7, color="0.4", va="top", ha="right")
    if path is not None:
        plot._save(fig, path)
    return fig
