"""``torch-flops count SPEC --tree [--depth N]``: the model as a tree (:meth:`FlopsResult.tree
<torch_flops_core.results.FlopsResult.tree>`), its options, their usage errors and its report in each format.

Imported by the parser (:func:`tree_arguments`), so it imports neither torch nor the views when it is imported: the
report's functions import them when they run.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .options import int_at_least
from .usage import UsageError

if TYPE_CHECKING:
    from ..results import FlopsResult

__all__ = ["check_tree", "tree_arguments", "tree_json", "tree_report"]


def tree_arguments(output: argparse._ArgumentGroup) -> None:
    """``--tree`` and ``--depth``, in ``count``'s output group."""
    output.add_argument(
        "--tree",
        action="store_true",
        help="the model as a tree, in its own order: each module's FLOPs (with all beneath it), share, MACs, "
        "parameters, own FLOPs and time; identical consecutive blocks on one line (×N)",
    )
    output.add_argument(
        "--depth", type=int_at_least(0), metavar="N", help="with --tree: show modules down to depth N (default: all)"
    )


def check_tree(args: argparse.Namespace, points: list[Any] | None) -> None:
    """The usage errors of ``--tree`` and ``--depth``, found before the model is built."""
    tree, depth = getattr(args, "tree", False), getattr(args, "depth", None)
    if depth is not None and not tree:
        raise UsageError("--depth N cuts the tree: add --tree (the per-module table takes its depth: --by-module N)")
    if not tree:
        return
    if args.by_module is not None:
        raise UsageError("--tree and --by-module are two views of the modules: give one of them")
    if args.top is not None:
        raise UsageError("--tree shows every module in the model's order: cut it with --depth N, not --top")
    if points is not None and len(points) > 1:
        raise UsageError("--tree applies to one count, not to a sweep")


def tree_json(result: FlopsResult, args: argparse.Namespace) -> dict[str, Any] | None:
    """The JSON ``tree`` key: the nested tree with ``--tree`` (not folded), else ``None``."""
    if not getattr(args, "tree", False):
        return None
    return result.tree(args.depth).to_dict()


def tree_report(result: FlopsResult, args: argparse.Namespace, fmt: str) -> str | None:
    """The report of ``--tree`` as a table, markdown or CSV (``None`` without ``--tree``): the tree, folded, then
    the total line; CSV: one row per module."""
    if not getattr(args, "tree", False):
        return None
    from ..views.report import summary_line
    from ..views.tree import render_tree, render_tree_csv

    root = result.tree(args.depth)
    if fmt == "csv":
        return render_tree_csv(root).rstrip("\n")
    tablefmt = "github" if fmt == "markdown" else "simple"
    return render_tree(root, tablefmt=tablefmt) + ("\n\n" if fmt == "markdown" else "\n") + summary_line(result)
