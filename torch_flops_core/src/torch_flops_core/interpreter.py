"""The FX interpreter: runs the traced graph node by node and records each node's cost."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import FunctionType
from typing import Any, NamedTuple

import torch
import torch.fx as fx

from .aliases import op_name
from .eager import EagerCounter, run_eager
from .errors import RuleError
from .ignore import IgnoreSpec
from .plugins import DISABLE_ENV
from .registry import RuleEntry, RuleTable
from .results import OpRecord
from .rules import NOT_RECOGNIZED, Call, NotRecognizedType, check_rule_result
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


class FlopsInterpreter(fx.Interpreter):
    """Runs a graph module, timing each node and asking the rule table what it cost.

    Per-node dispatch (rule, module, ignore decision) is planned once before the run, so the run
    itself does one dict lookup per node.
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
        super().__init__(root, graph=graph)
        self.table = table
        self.measure_time = measure_time
        self.cuda = cuda
        self.ignore = ignore
        self.memory = memory or torch.cuda.memory_allocated
        self.records: list[OpRecord] = []
        self._plans: dict[fx.Node, _Plan] = {}
        for node in graph.nodes:
            self._plans[node] = self._plan(node, ignore)

    def _plan(self, node: fx.Node, ignore: IgnoreSpec | None) -> _Plan:
        module = None
        entry = None
        if node.op == "call_module":
            module = self.fetch_attr(str(node.target))
            path = "" if node.meta.get(ROOT_META) else str(node.target)
            mtype = type(module).__name__
            entry = self.table.module_rule(type(module))
        else:
            path, mtype = _module_of(node)
            if node.op == "call_function":
                entry = self.table.function_rule(node.target)
            elif node.op == "call_method":
                entry = self.table.method_rule(str(node.target))
        ignored = False
        if ignore and node.op in _CALLS:
            ignored = ignore.matches(node.op, node.target, module, self.table)
        expand = entry is None and not ignored and node.op == "call_function" and isinstance(node.target, FunctionType)
        return _Plan(entry, ignored, expand, module, path, mtype)

    def run_node(self, n: fx.Node) -> Any:
        plan = self._plans[n]
        args, kwargs = self.fetch_args_kwargs_from_env(n)
        sync = self.cuda
        mem_before = mem_after = None
        if sync:
            torch.cuda.synchronize()
            mem_before = self.memory()
        start = time.perf_counter() if self.measure_time else 0.0
        output = getattr(self, n.op)(n.target, args, kwargs)
        if sync:
            torch.cuda.synchronize()
        time_ms = (time.perf_counter() - start) * 1e3 if self.measure_time else None
        if sync:
            mem_after = self.memory()

        flops: int | NotRecognizedType = 0
        macs = 0
        entry = plan.entry
        if plan.expand:
            return self._run_expanded(n, plan, args, kwargs)
        if n.op in _CALLS and not plan.ignored:
            if entry is None:
                flops = NOT_RECOGNIZED
            else:
                call = Call(n.op, n.target, args, kwargs, output, plan.module, n.name)
                try:
                    value = entry.rule(call)
                except Exception as exc:
                    raise self._rule_error(n, plan, entry, f"raised {type(exc).__name__}: {exc}") from exc
                try:
                    flops, macs = check_rule_result(value)
                except TypeError as exc:
                    what = f"{exc}; a rule returns a non-negative int, Count(flops, macs) or NOT_RECOGNIZED"
                    raise self._rule_error(n, plan, entry, what) from None
        self.records.append(
            OpRecord(
                n.name, n.op, n.target, plan.module_path, plan.module_type, flops, macs,
                entry.plugin if entry is not None and not plan.ignored else None,
                entry.name if entry is not None and not plan.ignored else None,
                plan.ignored, time_ms, mem_before, mem_after,
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

    def _rule_error(self, n: fx.Node, plan: _Plan, entry: RuleEntry, what: str) -> RuleError:
        op = plan.module_type if n.op == "call_module" else op_name(n.target)
        where = plan.module_path or "(root module)"
        message = (
            f"rule {entry.name} of plugin {entry.plugin!r} {what} while counting {op} "
            f"(node {n.name!r}, {n.op}, module {where!r}). Fix or override the rule (a plugin with "
            f"@hookimpl(tryfirst=True) or count_flops(..., plugins=[...])), disable the plugin with "
            f"{DISABLE_ENV}={entry.plugin}, or count this op as 0 with ignore_ops=[...]."
        )
        return RuleError(
            message, op=op, node=n.name, module_path=plan.module_path, plugin=entry.plugin, rule=entry.name
        )
