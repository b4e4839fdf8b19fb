"""The FX interpreter: runs the traced graph node by node and records each node's cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import FunctionType
from typing import Any, NamedTuple

import torch
import torch.fx as fx

from .eager import EagerCounter, run_eager
from .ignore import IgnoreSpec
from .registry import RuleEntry, RuleTable
from .results import OpRecord
from .rules import NOT_RECOGNIZED, Call, NotRecognizedType
from .tracer import ROOT_META

__all__ = ["FlopsInterpreter"]

_CALLS = frozenset({"call_module", "call_function", "call_method"})


_NO_TORCH_OPS = "torch_flops_core.eager: no torch call inside"


class _Plan(NamedTuple):
    entry: RuleEntry | None
    ignored: bool
    expand: bool
    module: torch.nn.Module | None
    module_path: str
    module_type: str
    counted: bool  # a call op with a rule, not ignored
    unknown: bool  # a call op without a rule, not ignored
    plugin: str | None
    rule: str | None


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


class FlopsInterpreter:
    """Runs a traced graph node by node, timing each node and asking the rule table what it cost.

    Everything a node needs that does not depend on the inputs (its rule, module, path, ignore
    decision, and which values die after it) is planned once per graph, rule table and ignore set
    and kept on the graph, so a second count of the same model (a sweep, a benchmark's repeats)
    does no planning, and a node costs one loop step. ``torch.fx.Interpreter`` is not used: its
    per-node progress bar and error rewriting cost more than the counting itself on small ops.
    """

    def __init__(
        self,
        root: torch.nn.Module,
        graph: fx.Graph,
        table: RuleTable,
        ignore: IgnoreSpec | None = None,
        *,
        measure_time: bool = True,
        cuda: bool = False,
        memory: Callable[[], int] | None = None,
    ) -> None:
        """``cuda``: synchronise around each node and read ``memory`` (default
        ``torch.cuda.memory_allocated``) before and after it."""
        self.root = root
        self.graph = graph
        self.table = table
        self.ignore = ignore
        self.measure_time = measure_time
        self.cuda = cuda
        self.memory = memory or torch.cuda.memory_allocated
        self.records: list[OpRecord] = []
        self._steps = self._planned()

    def _planned(self) -> list[tuple[fx.Node, _Plan, tuple[fx.Node, ...]]]:
        cache: dict[Any, Any] = self.graph.__dict__.setdefault("_torch_flops_plans", {})
        key = (id(self.table), id(self.root), self.ignore.key if self.ignore else None)
        cached = cache.get(key)
        if cached is not None and cached[0] is self.table and cached[1] is self.root:
            return cached[2]
        last_use: dict[fx.Node, fx.Node] = {}
        for node in reversed(self.graph.nodes):
            for used in node.all_input_nodes:
                last_use.setdefault(used, node)
        dies_after: dict[fx.Node, list[fx.Node]] = {}
        for used, user in last_use.items():
            dies_after.setdefault(user, []).append(used)
        steps = [(n, self._plan(n), tuple(dies_after.get(n, ()))) for n in self.graph.nodes]
        cache[key] = (self.table, self.root, steps)
        return steps

    def _plan(self, node: fx.Node) -> _Plan:
        module = None
        entry = None
        if node.op == "call_module":
            module = self.root.get_submodule(str(node.target))
            path = "" if node.meta.get(ROOT_META) else str(node.target)
            mtype = type(module).__name__
            entry = self.table.module_rule(type(module))
        else:
            path, mtype = _module_of(node)
            if node.op == "call_function":
                entry = self.table.function_rule(node.target)
            elif node.op == "call_method":
                entry = self.table.method_rule(str(node.target))
        is_call = node.op in _CALLS
        ignored = bool(self.ignore) and is_call and self.ignore.matches(node.op, node.target, module, self.table)  # type: ignore[union-attr]
        expand = entry is None and not ignored and node.op == "call_function" and isinstance(node.target, FunctionType)
        counted = is_call and entry is not None and not ignored
        unknown = is_call and entry is None and not ignored
        plugin, rule = (entry.plugin, entry.name) if counted and entry is not None else (None, None)
        return _Plan(entry, ignored, expand, module, path, mtype, counted, unknown, plugin, rule)

    def run(self, *inputs: Any) -> Any:
        """Run the graph on ``inputs``, one value per placeholder in order (a ``*args`` placeholder
        takes a tuple); return the graph's output."""
        env: dict[fx.Node, Any] = {}
        load = env.__getitem__
        remaining = list(inputs)
        value: Any
        for node, plan, dead in self._steps:
            op = node.op
            if op == "placeholder":
                if not remaining:
                    raise TypeError(f"missing a value for the graph input {str(node.target)!r}")
                value = remaining.pop(0)
                self.records.append(OpRecord(node.name, op, node.target, "", "", 0))
            elif op == "output":
                self.records.append(OpRecord(node.name, op, node.target, "", "", 0))
                return fx.node.map_arg(node.args[0], load)
            else:
                value = self._run_node(node, plan, load)
            env[node] = value
            for gone in dead:
                del env[gone]
        return None

    def _run_node(self, n: fx.Node, plan: _Plan, load: Callable[[fx.Node], Any]) -> Any:
        args: tuple[Any, ...] = fx.node.map_arg(n.args, load)
        kwargs: dict[str, Any] = fx.node.map_arg(n.kwargs, load) if n.kwargs else {}
        if plan.expand:
            return self._run_expanded(n, plan, args, kwargs)
        op = n.op
        sync = self.cuda
        mem_before = mem_after = None
        if sync:
            torch.cuda.synchronize()
            mem_before = self.memory()
        start = time.perf_counter() if self.measure_time else 0.0
        if op == "call_module":
            output = plan.module(*args, **kwargs)  # type: ignore[misc]
        elif op == "call_function":
            output = n.target(*args, **kwargs)  # type: ignore[operator]
        elif op == "call_method":
            output = getattr(args[0], n.target)(*args[1:], **kwargs)  # type: ignore[arg-type]
        else:  # get_attr
            output = _fetch(self.root, str(n.target))
        if sync:
            torch.cuda.synchronize()
        time_ms = (time.perf_counter() - start) * 1e3 if self.measure_time else None
        if sync:
            mem_after = self.memory()

        flops: int | NotRecognizedType = 0
        macs = 0
        if plan.counted:
            entry: RuleEntry = plan.entry  # type: ignore[assignment]
            call = Call(op, n.target, args, kwargs, output, plan.module, n.name)
            flops, macs = entry.apply(call, plan.module_path)
        elif plan.unknown:
            flops = NOT_RECOGNIZED
        self.records.append(
            OpRecord(
                n.name, op, n.target, plan.module_path, plan.module_type, flops, macs,
                plan.plugin, plan.rule, plan.ignored, time_ms, mem_before, mem_after,
                None if mem_after is None or mem_before is None else mem_after - mem_before,
            )
        )  # fmt: skip
        return output

    def _run_expanded(self, n: fx.Node, plan: _Plan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Count a Python function FX kept whole (``torch.fx.wrap``) by the torch calls it makes.

        Libraries wrap helpers so tracing does not enter them (timm's ``maybe_add_mask``); without a
        rule of their own they are run under the eager engine, and each torch call inside becomes a
        record named ``<node>.<op>``. A helper that makes no torch call is one record of 0 FLOPs.
        """
        counter = EagerCounter(
            self.table, self.ignore, measure_time=self.measure_time, cuda=self.cuda,
            prefix=f"{n.name}.", base_path=plan.module_path, base_type=plan.module_type,
        )  # fmt: skip
        output = run_eager(n.target, args, kwargs, counter)  # type: ignore[arg-type]
        if counter.records:
            self.records.extend(counter.records)
        else:
            self.records.append(
                OpRecord(n.name, n.op, n.target, plan.module_path, plan.module_type, 0, 0, "core", _NO_TORCH_OPS)
            )
        return output
