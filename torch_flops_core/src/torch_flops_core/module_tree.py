"""The model as a tree (:meth:`FlopsResult.tree() <torch_flops_core.results.FlopsResult.tree>`): every module of the
counted model, in the order the model defines them (``named_modules()``, as ``print(model)`` shows them), each with the
FLOPs, MACs, ops and time of its own ops and of everything beneath it, its share of the total and its parameters.

The modules come from :attr:`FlopsResult.structure` (captured at count time, so modules that ran no op are nodes too);
a record's module path the model does not define (a module built inside ``forward``, a graph's path) becomes a node
where it falls, after the model's own. Ops outside every submodule are the root's own. Every node's figures are its
own plus its children's, so the root's FLOPs are ``result.total`` (of one phase, with ``phase``).
:meth:`TreeNode.folded` folds runs of identical consecutive siblings ("×12"); the views draw it
(:mod:`torch_flops_core.views.tree`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .module_totals import Counted, at_example
from .parameters import ModuleInfo, ParamCounts
from .records import PHASES, Phase
from .rules import CALL_KINDS, NOT_RECOGNIZED, is_symbolic

__all__ = ["TreeNode", "module_tree"]


_PLACEHOLDERS = ("", "Module", "GraphModule")
"""Class names that say nothing of the module (an exported program's graph keeps its modules' parameters in plain
``Module`` objects): a record's module type replaces them."""


@dataclass(slots=True)
class TreeNode:
    """One module of the tree (the root's ``path`` is ``""``). Figures are exact and include every module beneath
    it; ``own_flops`` and ``own_macs`` are those of the ops that ran in the module itself, outside its submodules."""

    path: str
    class_name: str
    flops: Any = 0
    """Recognized FLOPs of its own ops and its submodules' (``own_flops + sum(child.flops)``)."""
    macs: Any = 0
    own_flops: Any = 0
    own_macs: Any = 0
    ops: int = 0
    """Ops (calls) beneath it, recognized or not."""
    unrecognized: int = 0
    """Ops beneath it that no rule knows (their FLOPs are not in ``flops``)."""
    time_ms: float = 0.0
    share: float = 0.0
    """``flops / result.total`` (0.0 when the total is 0; at the example's sizes for a symbolic count)."""
    params: ParamCounts | None = None
    """Its subtree's parameters and buffers, shared tensors once (``None``: a path the model does not define)."""
    children: list[TreeNode] = field(default_factory=list)
    repeat: int = 1
    """How many identical consecutive siblings this node stands for (:meth:`folded`): it is the first of them, and
    its figures (time aside) are each one's."""
    last_path: str = ""
    """The path of the last of them, when ``repeat > 1``."""

    @property
    def name(self) -> str:
        """The last component of the path (``"0"`` for ``layer1.0``); ``""`` for the root."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def depth(self) -> int:
        """Components of the path: 0 for the root, 1 for its children."""
        return self.path.count(".") + 1 if self.path else 0

    def walk(self) -> Iterator[TreeNode]:
        """This node and every node beneath it, parents first, in the model's order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, path: str) -> TreeNode | None:
        """The node at ``path`` (``None`` when the tree has none)."""
        return next((node for node in self.walk() if node.path == path), None)

    def folded(self) -> TreeNode:
        """A copy where each run of identical consecutive siblings (same class, FLOPs, MACs, ops, parameters and
        children, time aside) is one node, the first of them, with ``repeat`` set."""
        runs: list[list[TreeNode]] = []
        for child in self.children:
            if runs and _signature(runs[-1][0]) == _signature(child):
                runs[-1].append(child)
            else:
                runs.append([child])
        children = [_fold(run) for run in runs]
        return dataclasses.replace(self, children=children)

    def to_dict(self) -> dict[str, Any]:
        """The tree as nested plain data (JSON): exact figures (a symbolic one as its sympy string), ``params`` as
        its four counts (or ``null``), ``children`` in the model's order; ``repeat`` and ``last_path`` when folded."""
        data: dict[str, Any] = {
            "path": self.path, "name": self.name, "class": self.class_name, "flops": _exact(self.flops),
            "macs": _exact(self.macs), "own_flops": _exact(self.own_flops), "own_macs": _exact(self.own_macs),
            "ops": self.ops, "unrecognized": self.unrecognized, "share": self.share, "time_ms": self.time_ms,
            "params": None if self.params is None else self.params.to_dict(),
        }  # fmt: skip
        if self.repeat > 1:
            data |= {"repeat": self.repeat, "last_path": self.last_path}
        data["children"] = [child.to_dict() for child in self.children]
        return data

    def render(self, *, fold: bool = True, tablefmt: str = "simple") -> str:
        """The tree as indented text, one module a line, in human units (``fold``: identical siblings as one)."""
        from .views.tree import render_tree

        return render_tree(self, fold=fold, tablefmt=tablefmt)

    def __str__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        """What Jupyter shows: the tree as nested ``<details>``, folded."""
        from .views.tree import tree_html

        return tree_html(self)


def _exact(value: Any) -> Any:
    return str(value) if is_symbolic(value) else value


def _signature(node: TreeNode) -> tuple[Any, ...]:
    return (node.class_name, str(node.flops), str(node.macs), str(node.own_flops), node.ops, node.unrecognized,
            node.params, node.repeat, tuple(_signature(child) for child in node.children))  # fmt: skip


def _fold(run: list[TreeNode]) -> TreeNode:
    first = run[0].folded()
    if len(run) == 1:
        return first
    return dataclasses.replace(first, repeat=len(run), last_path=run[-1].path)


def module_tree(result: Counted, depth: int | None = None, phase: Phase | None = None) -> TreeNode:
    """The tree of ``result``'s model (see the module doc); ``depth`` cuts it (a node at that depth keeps every
    figure beneath it but shows no children); ``phase`` counts only that phase's ops (default: all, summed)."""
    if depth is not None and depth < 0:
        raise ValueError(f"depth must be >= 0 or None, got {depth}")
    if phase is not None and phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(map(repr, PHASES))} or None, got {phase!r}")
    nodes = _nodes(result.structure)
    for r in result.ops:
        if r.kind not in CALL_KINDS or (phase is not None and r.phase != phase):
            continue
        node = nodes.get(r.module_path) or _added(nodes, r.module_path, r.module_type)
        if r.module_type and node.class_name in _PLACEHOLDERS:
            node.class_name = _short(r.module_type)
        if r.flops is NOT_RECOGNIZED:
            node.unrecognized += 1
        else:
            node.own_flops += r.flops
        node.own_macs += r.macs
        node.ops += 1
        node.time_ms += r.time_ms or 0.0
    for node in nodes.values():
        node.flops, node.macs = node.own_flops, node.own_macs
    for node in reversed(nodes.values()):  # a child comes after its parent: every child is summed before it
        if node.path:
            parent = nodes[_parent(node.path)]
            parent.flops += node.flops
            parent.macs += node.macs
            parent.ops += node.ops
            parent.unrecognized += node.unrecognized
            parent.time_ms += node.time_ms
    at = at_example(result)
    total = at(result.total if phase is None else result.total_by_phase[phase])
    for node in nodes.values():
        node.share = at(node.flops) / total if total else 0.0
        if depth is not None and node.depth >= depth:
            node.children = []
    return nodes[""]


def _parent(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


def _short(module_type: str) -> str:
    """A class name as a record spells it, without its module (``torch.nn.modules.linear.Linear``: ``Linear``)."""
    return module_type.rsplit(".", 1)[-1]


def _nodes(structure: dict[str, ModuleInfo] | None) -> dict[str, TreeNode]:
    """A node for every module of the model, linked to its parent, in ``named_modules()`` order."""
    nodes: dict[str, TreeNode] = {}
    for path, info in (structure or {}).items():
        nodes[path] = TreeNode(path, info.class_name, params=info.params)
        if path:
            nodes[_parent(path)].children.append(nodes[path])
    if "" not in nodes:
        nodes[""] = TreeNode("", "")
    return nodes


def _added(nodes: dict[str, TreeNode], path: str, module_type: str) -> TreeNode:
    """A node for a path the model does not define, and for its missing ancestors, each after its siblings."""
    parent = nodes.get(_parent(path)) or _added(nodes, _parent(path), "")
    node = nodes[path] = TreeNode(path, _short(module_type))
    parent.children.append(node)
    return node
