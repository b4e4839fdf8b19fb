"""The three commands, each taking the parsed arguments and returning the exit status: :func:`cmd_count`
(count a model, report it, ``--plot`` a chart, ``--strict``), :func:`cmd_rules` with :func:`rule_rows` (every
rule claim in call order, with what it overrides or what shadows it) and :func:`cmd_plugins` (every discovered
plugin and its status).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..conventions import label
from ..errors import PlotError, PluginLoadWarning
from ..module_totals import module_rows
from ..plugins import load_plugins
from ..registry import RuleEntry, RuleTable
from ..views.report import format_flops
from ..wording import agree
from .catalogue import catalogue_markdown
from .notes import note, warnings_as_notes
from .options import EXIT_OK, EXIT_STRICT, EXIT_USAGE  # re-exported: their path before options
from .render import render_count, render_rows, render_sweep, write_output
from .run import CountRun, plugin_set, run_count
from .usage import PROG, UsageError

__all__ = [
    "EXIT_OK",
    "EXIT_STRICT",
    "EXIT_USAGE",
    "PLUGIN_COLUMNS",
    "RULE_COLUMNS",
    "cmd_count",
    "cmd_plugins",
    "cmd_rules",
    "rule_rows",
]

DEFAULT_MODULE_DEPTH, DEFAULT_PLOT_TOP = 1, 15


def _plot_path(value: str) -> Path:
    path = Path(value)
    if path.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--plot {value!r}: the file must end in .png or .svg")
    return path


def _check_roofline(args: argparse.Namespace) -> None:
    roofline = getattr(args, "roofline", False)
    peaks = [f"--peak-{n}" for n in ("flops", "bandwidth") if getattr(args, f"peak_{n}", None) is not None]
    if peaks and not (roofline and args.plot):
        raise UsageError(f"{' and '.join(peaks)} set the roofs of a roofline chart: add --roofline --plot FILE.png")
    if roofline and args.plot and args.device in (None, "meta"):
        raise UsageError(
            "a roofline chart needs measured times, and the model is counted on meta (no kernel runs there): "
            "add --device cpu (or cuda)"
        )


def cmd_count(args: argparse.Namespace) -> int:
    plot_path = _plot_path(args.plot) if args.plot else None
    _check_roofline(args)
    if plot_path is not None:
        _check_plotting(plot_path)
    with warnings_as_notes(args.verbose):
        run = run_count(args)
    text = render_sweep(run, args.format) if run.sweep else render_count(run, args)
    write_output(text, args.output)
    if plot_path is not None:
        if run.sweep:
            _plot_sweep(run, plot_path)
        elif getattr(args, "roofline", False):
            _plot_roofline(run, args, plot_path)
        else:
            _plot_modules(run, args, plot_path)
        note(f"wrote {plot_path}")
    if args.strict:
        return _strict(run)
    return EXIT_OK


def _check_plotting(plot_path: Path) -> None:
    """matplotlib there and the file's folder too, before the model is built: fail fast."""
    from ..views import plot

    try:
        plot.require_matplotlib()
        plot.check_path(plot_path)
    except PlotError as exc:
        raise UsageError(f"--plot needs matplotlib: {exc}" if "matplotlib" in str(exc) else f"--plot: {exc}") from None


def _plot_sweep(run: CountRun, plot_path: Path) -> None:
    """A sweep's chart: its total FLOPs by size (sequence length or input size)."""
    from ..views import plot

    sizes = [p.size or 0 for p in run.points]
    xlabel = "sequence length" if run.points[0].seq_len is not None else "input size"
    what = label(run.results[0].convention)
    try:
        plot.plot_sweep(
            sizes, [r.figure() for r in run.results], plot_path, title=f"{run.spec}: {what} by {xlabel}", xlabel=xlabel,
            ylabel=what,
        )  # fmt: skip
    except PlotError as exc:
        raise UsageError(f"--plot: {exc}") from None


def _plot_roofline(run: CountRun, args: argparse.Namespace, plot_path: Path) -> None:
    """``--roofline --plot``: the roofline of the ops (or of the modules at ``--by-module``)."""
    from ..views.roofline import plot_roofline

    by = "module" if args.by_module is not None else "op"
    try:
        plot_roofline(
            run.results[0], plot_path, peak_flops=args.peak_flops, peak_bandwidth=args.peak_bandwidth,
            by=by, depth=args.by_module or 0, title=f"{run.spec} · {run.points[0].describe()} · {run.device}",
        )  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _plot_modules(run: CountRun, args: argparse.Namespace, plot_path: Path) -> None:
    """One count's chart: its largest modules at ``--by-module`` (default 1), ``--top`` of them (default 15)."""
    from ..views import plot

    result = run.results[0]
    depth = args.by_module if args.by_module is not None else DEFAULT_MODULE_DEPTH
    rows = module_rows(result, depth, args.top or DEFAULT_PLOT_TOP)
    title = f"{run.spec} · {run.points[0].describe()} · total {format_flops(result.figure())}"
    try:
        plot.plot_modules(
            rows, plot_path, title=title, total=result.figure(), depth=depth, convention=result.convention
        )
    except PlotError as exc:
        raise UsageError(f"--plot: {exc}") from None


def _strict(run: CountRun) -> int:
    """``--strict``: :data:`EXIT_STRICT`, after an error naming the ops no rule knows, when there are any."""
    missing: dict[str, int] = {}
    for result in run.results:
        for target, n in result.unrecognized_targets().items():
            missing[target] = missing.get(target, 0) + n
    if missing:
        listed = ", ".join(f"{t} ×{n}" for t, n in missing.items())
        print(
            f"{PROG}: error: --strict: {agree(sum(missing.values()), 'op has', 'ops have')} no rule: {listed}. "
            f"Install or write a plugin with rules for them, or count them as 0 with --ignore-op {next(iter(missing))}",
            file=sys.stderr,
        )
        return EXIT_STRICT
    return EXIT_OK


def _rule_ref(entry: RuleEntry) -> str:
    return f"{entry.plugin}:{getattr(entry.rule, '__qualname__', None) or entry.name}"


def rule_rows(table: RuleTable) -> list[dict[str, Any]]:
    """Every claim of ``table`` in call order, with what it overrides or what shadows it (as the table says)."""
    rows = []
    for standing in table.claims():
        entry = standing.entry
        overrides = [_rule_ref(e) for e in standing.overrides]
        shadowed_by: str | None = None
        if standing.status == "active":
            status = "active" + (f"; overrides {', '.join(overrides)}" if overrides else "")
        elif standing.status == "alias":
            status = f"active (same op as {standing.winner.target_name})"  # type: ignore[union-attr]
        else:
            shadowed_by = _rule_ref(standing.winner) if standing.winner is not None else None
            status = f"shadowed by {shadowed_by}"
        subclasses = [c for c in table.covered_classes(entry) if c is not entry.target]
        rows.append(
            {
                "kind": entry.kind,
                "target": entry.target_name,
                "plugin": entry.plugin,
                "rule": entry.name,
                "priority": entry.priority,
                "status": status,
                "overrides": overrides,
                "shadowed_by": shadowed_by,
                "subclasses": [f"{c.__module__}.{c.__qualname__}" for c in subclasses],
                "also_covers": _short_list([c.__name__ for c in subclasses]),
            }
        )
    return rows


def _short_list(names: Sequence[str], keep: int = 3) -> str | None:
    if not names:
        return None
    shown = ", ".join(sorted(names)[:keep])
    return shown if len(names) <= keep else f"{shown} (+{len(names) - keep})"


RULE_COLUMNS = ("kind", "target", "plugin", "rule", "priority", "status", "also_covers")


def cmd_rules(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        plugins = plugin_set(args.disable_plugin)
        if getattr(args, "doc", False):
            return _rules_doc(args, plugins.table)
        rows = rule_rows(plugins.table)
    if args.plugin is not None:
        if args.plugin not in plugins.names:
            known = ", ".join(plugins.names) or "none"
            raise UsageError(f"--plugin {args.plugin!r}: no such loaded plugin (loaded: {known})")
        rows = [r for r in rows if r["plugin"] == args.plugin]
    if args.kind is not None:
        rows = [r for r in rows if r["kind"] == args.kind]
    if args.shadowed:
        rows = [r for r in rows if r["overrides"] or r["shadowed_by"]]
    text = render_rows(rows, RULE_COLUMNS, args.format)
    if args.format in ("table", "markdown"):
        count = agree(len(rows), "rule", "rules")
        text += f"\n\n{count}" if args.format == "markdown" else f"\n{count}"
    write_output(text, args.output)
    return EXIT_OK


def _rules_doc(args: argparse.Namespace, table: RuleTable) -> int:
    """``rules --doc``: the whole catalogue as markdown (of the plugins not left out by ``--disable-plugin``)."""
    filters = [
        flag
        for flag, value in (("--plugin", args.plugin), ("--kind", args.kind), ("--shadowed", args.shadowed))
        if value
    ]
    if filters:
        raise UsageError(
            f"--doc prints the whole catalogue: leave out {', '.join(filters)} "
            "(--disable-plugin NAME leaves a plugin out)"
        )
    write_output(catalogue_markdown(table), args.output)
    return EXIT_OK


PLUGIN_COLUMNS = ("name", "distribution", "version", "source", "status", "rules", "error")


def cmd_plugins(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        try:
            plugins = load_plugins(disable=args.disable_plugin)
        except ValueError as exc:
            raise UsageError(str(exc).replace("disable:", "--disable-plugin:", 1)) from None
        entries = plugins.table.entries
    rows = [
        {
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "source": info.source,
            "status": info.status,
            "rules": sum(1 for e in entries if e.plugin == info.name) if info.status == "loaded" else None,
            "error": info.error,
        }
        for info in plugins.infos
    ]
    write_output(render_rows(rows, PLUGIN_COLUMNS, args.format, right=("rules",)), args.output)
    return EXIT_OK
