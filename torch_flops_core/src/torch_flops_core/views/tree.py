"""The model as a tree for people (:class:`~torch_flops_core.module_tree.TreeNode`): indented text
(:func:`render_tree`, ``torch-flops count SPEC --tree``), nested ``<details>`` for a notebook (:func:`tree_html`),
and one CSV row per module (:func:`render_tree_csv`). Text and HTML fold identical consecutive siblings ("×12") by
default; figures are in human units (:mod:`.units`), CSV holds exact ones.
"""

from __future__ import annotations

import csv
import io
from html import escape
from typing import TYPE_CHECKING

from tabulate import tabulate

from ..records import ROOT_LABEL
from .params import params_cell
from .units import format_flops, format_macs

if TYPE_CHECKING:
    from ..module_tree import TreeNode

__all__ = ["FOLD_NOTE", "TREE_CSV_COLUMNS", "render_tree", "render_tree_csv", "tree_html"]

FOLD_NOTE = "×N: N identical consecutive modules on one line, with the figures of the first"
"""The line under a folded tree."""


def _label(node: TreeNode) -> str:
    """``layer1 (Sequential)``; a folded run ``1-2 (Bottleneck) ×2``; the root by its class."""
    if not node.path:
        return node.class_name or ROOT_LABEL
    name = node.name
    if node.repeat > 1:
        last = node.last_path.rsplit(".", 1)[-1]
        name += ("-" if name.isdigit() and last.isdigit() else "…") + last
    kind = f" ({node.class_name})" if node.class_name else ""
    return name + kind + (f" ×{node.repeat}" if node.repeat > 1 else "")


def _drawn(node: TreeNode, prefix: str = "", last: bool = True, root: bool = True) -> list[tuple[str, TreeNode]]:
    """Each node with its label drawn under its parent (``├─ ``, ``└─ ``), parents first."""
    line = _label(node) if root else f"{prefix}{'└─ ' if last else '├─ '}{_label(node)}"
    below = "" if root else prefix + ("   " if last else "│  ")
    rows = [(line, node)]
    for i, child in enumerate(node.children):
        rows += _drawn(child, below, i == len(node.children) - 1, root=False)
    return rows


def render_tree(root: TreeNode, *, fold: bool = True, tablefmt: str = "simple") -> str:
    """The tree as text: module, FLOPs (itself and beneath it), share, MACs, parameters, its own FLOPs, its time
    (where measured) and the ops no rule knows (where there are any); ``fold``: identical siblings on one line."""
    shown = root.folded() if fold else root
    timed, missing = root.time_ms > 0, root.unrecognized > 0
    headers = ["module", "FLOPs", "share", "MACs", "params", "own FLOPs"]
    headers += ["time ms"] * timed + ["not recognized"] * missing
    rows = []
    for line, node in _drawn(shown):
        row = [line, format_flops(node.flops), f"{100 * node.share:.1f}%", format_macs(node.macs)]
        row += [params_cell(node.params), "" if node.own_flops == 0 and node.children else format_flops(node.own_flops)]
        row += [f"{node.time_ms:.3f}"] * timed + [str(node.unrecognized or "")] * missing
        rows.append(row)
    body = tabulate(rows, headers, tablefmt=tablefmt, disable_numparse=True, colalign=("left",) + ("right",) * 7)
    folded = any(node.repeat > 1 for node in shown.walk())
    return body + (("\n\n" if tablefmt == "github" else "\n") + FOLD_NOTE if folded else "")


def _summary(node: TreeNode) -> str:
    parts = [f"<b>{escape(_label(node))}</b>", f"{escape(format_flops(node.flops))} ({100 * node.share:.1f}%)"]
    parts.append(escape(format_macs(node.macs)))
    if node.params is not None:
        parts.append(f"{escape(params_cell(node.params))} params")
    if node.time_ms > 0:
        parts.append(f"{node.time_ms:.3f} ms")
    if node.unrecognized:
        parts.append(f'<span style="background:#fde2e1">{node.unrecognized} not recognized</span>')
    return " · ".join(parts)


def tree_html(root: TreeNode, *, fold: bool = True, open_depth: int = 1) -> str:
    """The tree as nested ``<details>`` (no script): a module with submodules opens to show them; modules down to
    ``open_depth`` start open. Each line: FLOPs and share, MACs, parameters, time, ops no rule knows."""
    shown = root.folded() if fold else root

    def node_html(node: TreeNode) -> str:
        if not node.children:
            return f'<div style="padding:1px 0 1px 16px">{_summary(node)}</div>'
        inner = "".join(node_html(child) for child in node.children)
        opened = " open" if node.depth < open_depth else ""
        return (
            f'<details{opened} style="padding-left:{0 if not node.path else 4}px">'
            f"<summary>{_summary(node)}</summary>"
            f'<div style="margin-left:12px;border-left:1px solid #ddd">{inner}</div></details>'
        )

    folded = any(node.repeat > 1 for node in shown.walk())
    note = f'<p style="color:#555;font-size:11px">{escape(FOLD_NOTE)}</p>' if folded else ""
    body = node_html(shown)
    return f'<div class="torch-flops-tree" style="font-family:sans-serif;font-size:12px">{body}{note}</div>'


TREE_CSV_COLUMNS = ("module", "class", "depth", "flops", "macs", "own_flops", "own_macs", "ops", "unrecognized",
                    "share", "time_ms", "params", "trainable", "frozen", "buffers")  # fmt: skip


def render_tree_csv(root: TreeNode) -> str:
    """One row per module, parents first in the model's order (not folded): exact figures; the four parameter
    counts empty where the path names no module of the model."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TREE_CSV_COLUMNS)
    for node in root.walk():
        counts = node.params
        params = ["", "", "", ""] if counts is None else [counts.total, counts.trainable, counts.frozen, counts.buffers]
        writer.writerow(
            [node.path, node.class_name, node.depth, node.flops, node.macs, node.own_flops, node.own_macs, node.ops,
             node.unrecognized, f"{node.share:.6f}", f"{node.time_ms:.6g}", *params]
        )  # fmt: skip
    return out.getvalue()
