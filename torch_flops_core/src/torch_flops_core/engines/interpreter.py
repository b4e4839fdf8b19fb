"""The FX interpreter: runs the traced graph node by node and records each node's cost."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import FunctionType
from typing import Any, cast

import torch
import torch.fx as fx
from torch.nn.utils.parametrize import is_parametrized

from ..registry import RuleTable
from ..rules import RecordKind
from .aten import AtenCounter
from .eager import EagerCounter, run_eager
from .ignore import IgnoreSpec
from .plan import CONTAINER, GUARDS, NO_TORCH_OPS, OpPlan, Planner
from .recorder import Recorder
from .subcalls import SubCalls
from .tracer import EXPAND_META, ROOT_META

__all__ = ["FlopsInterpreter"]

_Step = tuple[fx.Node, OpPlan, str, str, tuple[fx.Node, ...]]
"""A node, its plan, its module's path and type, and the values that die after it."""


def _fetch(root: torch.nn.Module, target: str) -> Any:
    obj: Any = root
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def _module_of(node: fx.Node) -> tuple[str, str]:
    stack = node.meta.get("nn_module_stack")
    if not stack:
        return "", ""
    key, value = next(reversed(stack.items()))
    if isinstance(value, tuple):
        path, cls = value
    else:  # older torch: {path: type}
        path, cls = key, value
    return str(path), getattr(cls, "__name__", str(cls))


def _runs_around(module: torch.nn.Module) -> bool:
    """Whether calling ``module`` runs work besides its ``forward``: its own forward pre-hooks (old-style
    ``weight_norm``/``spectral_norm`` are such hooks) or forward hooks, or parametrizations its forward reads."""
    return bool(module._forward_pre_hooks or module._forward_hooks) or is_parametrized(module)


def _is_guard(module: torch.nn.Module | None) -> bool:
    """The input guards ``ExportedProgram.module()`` adds (``_guards_fn``): shape checks, no arithmetic."""
    return module is not None and type(module).__name__ == "GuardsFn" and type(module).__module__.startswith("torch.")


def _is_container(target: Any) -> bool:
    """A class FX calls to build a structured value (a NamedTuple, a dataclass such as a transformers
    ``ModelOutput``, a dict subclass): building it is no arithmetic, and the eager engine never sees it."""
    if not isinstance(target, type) or issubclass(target, torch.nn.Module | torch.Tensor):
        return False
    return (
        (issubclass(target, tuple) and hasattr(target, "_fields"))
        or dataclasses.is_dataclass(target)
        or (issubclass(target, dict))
    )


class FlopsInterpreter:
    """Runs a traced graph node by node, measuring each node and asking the rule table what it cost.

    Everything a node needs that does not depend on the inputs (its rule, module, path, ignore
    decision, and which values die after it) is planned once per run, before the first node, so a
    node costs one loop step. Plans are not kept between runs: the graph, its modules and their
    rules can change between two counts. ``torch.fx.Interpreter`` is not used: its per-node progress
    bar and error rewriting cost more than the counting itself on small ops.
    """

    def __init__(
        self,
        root: torch.nn.Module,
        graph: fx.Graph,
        table: RuleTable,
        ignore: IgnoreSpec | None,
        recorder: Recorder,
    ) -> None:
        self.root = root
        self.graph = graph
        self.table = table
        self.ignore = ignore if ignore else None
        self.recorder = recorder
        self.planner = Planner(table, ignore)
        self._subcalls = SubCalls(table, ignore, self.planner)
        self._steps = self._planned()
        self.decomposed: dict[str, str] = {}
        """Nodes counted by their decomposition: node name, op."""

    def _planned(self) -> list[_Step]:
        last_use: dict[fx.Node, fx.Node] = {}
        for node in reversed(self.graph.nodes):
            for used in node.all_input_nodes:
                last_use.setdefault(used, node)
        dies_after: dict[fx.Node, list[fx.Node]] = {}
        for used, user in last_use.items():
            dies_after.setdefault(user, []).append(used)
        steps = []
        for n in self.graph.nodes:
            plan, path, mtype = self._plan(n)
            steps.append((n, plan, path, mtype, tuple(dies_after.get(n, ()))))
        return steps

    def _plan(self, node: fx.Node) -> tuple[OpPlan, str, str]:
        """The node's plan (the planner's, with what only a graph tells: nodes to run eagerly, containers,
        guards), and the path and type of its module."""
        planner = self.planner
        if node.op == "call_module":
            module = self.root.get_submodule(str(node.target))
            path = "" if node.meta.get(ROOT_META) else str(node.target)
            plan = planner.module(module, path)
            # A module counted whole whose call runs hooks or parametrizations is run under the eager engine
            # too: it counts the module by its rule and what runs around it as the module's own ops.
            expand = EXPAND_META in node.meta if plan.entry is None else _runs_around(module)
            reason = GUARDS if _is_guard(module) else ""
            return dataclasses.replace(plan, expand=expand, reason=reason), path, type(module).__name__
        path, mtype = _module_of(node)
        if node.op == "call_method":
            return planner.method(str(node.target)), path, mtype
        if node.op != "call_function":  # placeholder, get_attr, output: the graph's own nodes
            return OpPlan(cast(RecordKind, node.op), node.target, alias="view"), path, mtype
        target = node.target
        plan = planner.function(target, node.name)
        if plan.entry is None and (isinstance(target, FunctionType) or _is_container(target)):
            expand = isinstance(target, FunctionType)
            plan = dataclasses.replace(plan, expand=expand, reason="" if expand else CONTAINER)
        return plan, path, mtype

    def run(self, *inputs: Any) -> Any:
        """Run the graph on ``inputs``, one value per placeholder in order (a ``*args`` placeholder
        takes a tuple); return the graph's output."""
        env: dict[fx.Node, Any] = {}
        load = env.__getitem__
        remaining = list(inputs)
        recorder = self.recorder
        value: Any
        for node, plan, path, mtype, dead in self._steps:
            op = node.op
            if op == "placeholder":
                if not remaining:
                    raise TypeError(f"missing a value for the graph input {str(node.target)!r}")
                value = remaining.pop(0)
                recorder.op(plan, node.name, "", "")
            elif op == "output":
                recorder.op(plan, node.name, "", "")
                return fx.node.map_arg(node.args[0], load)
            else:
                value = self._run_node(node, plan, path, mtype, load)
            env[node] = value
            for gone in dead:
                del env[gone]
        return None

    def _run_node(self, n: fx.Node, plan: OpPlan, path: str, mtype: str, load: Callable[[fx.Node], Any]) -> Any:
        args: tuple[Any, ...] = fx.node.map_arg(n.args, load)
        kwargs: dict[str, Any] = fx.node.map_arg(n.kwargs, load) if n.kwargs else {}
        if plan.status == "expanded":
            return self._run_expanded(n, plan, path, mtype, args, kwargs)
        if plan.status == "decomposed":
            return self._run_decomposed(n, plan, path, mtype, args, kwargs)
        op = n.op
        recorder = self.recorder
        probe = recorder.start()
        if op == "call_module":
            output = plan.module(*args, **kwargs)  # type: ignore[misc]
        elif op == "call_function":
            output = n.target(*args, **kwargs)  # type: ignore[operator]
        elif op == "call_method":
            output = getattr(args[0], n.target)(*args[1:], **kwargs)  # type: ignore[arg-type]
        else:  # get_attr
            output = _fetch(self.root, str(n.target))
        measured = recorder.stop(probe)
        recorder.op(plan, n.name, path, mtype, args, kwargs, output, measured, counter=self._subcalls)
        return output

    def _run_decomposed(
        self, n: fx.Node, plan: OpPlan, path: str, mtype: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Count an aten node without a rule by the aten ops torch defines it as (:mod:`torch_flops_core.decompose`):
        an exported graph keeps composite ops (``aten.linear``, ``aten.conv2d``) that the dispatcher would split.
        Each part is a record named ``<node>.<op>``, in the node's module."""
        child = self.recorder.child(f"{n.name}.")
        counter = AtenCounter(self.table, self.ignore, child, base=(path, mtype))
        with counter:
            output = plan.decomposition(*args, **kwargs)  # type: ignore[misc]
        self.recorder.records.extend(child.records)
        self.decomposed[n.name] = str(n.target)
        return output

    def _run_expanded(
        self, n: fx.Node, plan: OpPlan, path: str, mtype: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Count a node fx kept whole without a rule by the torch calls it makes, run eagerly.

        Three kinds: a Python function fx was told not to enter (``torch.fx.wrap``: timm's
        ``maybe_add_mask``), a module fx could not trace into (see ``FlopsTracer.call_module``), and a
        module with a rule whose call runs hooks or parametrizations (``_runs_around``). Each torch call
        inside becomes a record named ``<node>.<op>``; a module inside it with a rule is counted whole
        (``<node>.<path>``). A node that makes no torch call is one record of 0 FLOPs.
        """
        child = self.recorder.child(f"{n.name}.")
        paths = {}
        if plan.module is not None:
            paths = {id(m): name for name, m in plan.module.named_modules(prefix=path)}
        counter = EagerCounter(self.table, self.ignore, child, paths=paths, base_path=path, base_type=mtype)
        fn = plan.module if plan.module is not None else n.target
        output = run_eager(fn, args, kwargs, counter)  # type: ignore[arg-type]
        if child.records:
            self.recorder.records.extend(child.records)
        else:
            nothing = OpPlan(cast(RecordKind, n.op), n.target, reason=NO_TORCH_OPS, module=plan.module)
            self.recorder.op(nothing, n.name, path, mtype)
        return output
