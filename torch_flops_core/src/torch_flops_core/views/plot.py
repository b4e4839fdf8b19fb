"""Charts of a count: the top modules as horizontal bars, and FLOPs versus input size for sweeps.

matplotlib is an optional dependency (``pip install 'torch-flops-core[plot]'``), imported only when
a chart is drawn, with the non-interactive Agg canvas (no display, no global backend switch). Errors
are :class:`~torch_flops_core.errors.PlotError` (a ``ValueError``): no matplotlib, a file that cannot be
written (checked before drawing); the command line turns them into its usage errors.
Figures are :data:`FIGSIZE` inches at :data:`DPI`: a PNG is always 800×500 pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..conventions import figure_of, label
from ..errors import PlotError
from ..results import ROOT_LABEL, ModuleRow
from .report import format_flops

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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

FIGSIZE = (8.0, 5.0)
DPI = 100
EXTRA = "torch-flops-core[plot]"
_LABEL_CHARS = 38
BAR_COLOR = "#4C72B0"
"""The colour of bars, sweep lines and the roofline's contractions."""


def require_matplotlib() -> None:
    """Raise :class:`PlotError` naming the ``plot`` extra when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise PlotError(
            f"drawing a chart needs matplotlib, which could not be imported ({exc}); install {EXTRA}: "
            f"pip install '{EXTRA}'"
        ) from None


def check_path(path: str | Path) -> None:
    """Raise :class:`PlotError` when a chart cannot be written to ``path``: its folder does not exist (or is not
    a folder), or ``path`` is a folder. Checked before anything is measured or drawn."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise PlotError(f"cannot write the chart to {str(path)!r}: the folder {str(folder)!r} {what}")
    if target.is_dir():
        raise PlotError(f"cannot write the chart to {str(path)!r}: it is a folder; give a file name (.png, .svg)")


def wrap_note(text: str, width: int = 150) -> str:
    """``text`` broken into lines of at most ``width`` characters, at spaces (a note on a chart)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def new_figure() -> Figure:
    """A :data:`FIGSIZE` figure at :data:`DPI`, made without pyplot (:class:`PlotError` without matplotlib)."""
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")


def axis_label(value: float) -> str:
    """A tick label in human units without trailing zeros: ``500 M``, ``1.5 G``, ``0``."""
    prefixes = ("", "K", "M", "G", "T", "P", "E")
    i = 0
    while abs(value) >= 1000 and i < len(prefixes) - 1:
        value /= 1000
        i += 1
    return f"{value:.3g} {prefixes[i]}".rstrip()


def flops_axis(axis: Any) -> None:
    """Label ``axis``'s ticks in human units (:func:`axis_label`)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: axis_label(value)))


def shorten_label(label: str) -> str:
    """``label`` cut from the left to the characters a chart has room for (``…`` marks the cut)."""
    return label if len(label) <= _LABEL_CHARS else "…" + label[-(_LABEL_CHARS - 1) :]


def save_figure(fig: Figure, path: str | Path) -> None:
    """Write ``fig`` to ``path`` at :data:`DPI` (its size stays :data:`FIGSIZE`); :class:`PlotError` when it cannot."""
    check_path(path)
    try:
        fig.savefig(path, dpi=DPI)  # never bbox_inches="tight": the size stays FIGSIZE × DPI
    except OSError as exc:
        raise PlotError(f"cannot write the chart to {str(path)!r}: {exc.strerror or exc}") from None


def plot_modules(
    rows: Sequence[ModuleRow], path: str | Path, *, title: str, total: int, depth: int = 1, convention: str = "exact"
) -> None:
    """Horizontal bars of ``rows`` (largest on top), each labelled with its FLOPs and share of ``total``; the figure of
    ``convention`` (``"2mac"``: 2×MACs, the rows' order and share when they come from a ``"2mac"`` count)."""
    check_path(path)
    fig = new_figure()
    ax = fig.add_subplot()
    labels = [shorten_label(r.label) for r in rows][::-1]
    values = [figure_of(r, convention) for r in rows][::-1]
    bars = ax.barh(range(len(rows)), values, color=BAR_COLOR)
    ax.set_yticks(range(len(rows)), labels, fontsize=9)
    ax.bar_label(
        bars,
        labels=[f" {format_flops(figure_of(r, convention))} ({100 * r.share:.1f}%)" for r in rows][::-1],
        fontsize=8,
        padding=2,
    )
    flops_axis(ax.xaxis)
    ax.set_xlabel(label(convention))
    ax.set_ylabel(f"module (depth {depth})" if depth else "model")
    ax.set_xlim(0, max(values, default=1) * 1.3 or 1)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    if not rows:
        ax.text(0.5, 0.5, "no ops", transform=ax.transAxes, ha="center")
    if ROOT_LABEL in labels:
        fig.text(0.01, 0.01, f"{ROOT_LABEL}: ops outside every submodule", fontsize=7, color="0.4")
    save_figure(fig, path)


def plot_sweep(
    sizes: Sequence[int], totals: Sequence[int], path: str | Path, *, title: str, xlabel: str, ylabel: str = "FLOPs"
) -> None:
    """FLOPs (y, named ``ylabel``: ``FLOPs (2×MACs)`` for 2×MACs) against the swept size (x), one marker per count,
    each labelled in human units."""
    check_path(path)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(sizes, totals, marker="o", color=BAR_COLOR)
    for x, y in zip(sizes, totals, strict=True):
        ax.annotate(format_flops(y), (x, y), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    ax.set_xticks(list(sizes))
    ax.margins(x=0.08)
    flops_axis(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(totals, default=1) * 1.15 or 1)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    save_figure(fig, path)
