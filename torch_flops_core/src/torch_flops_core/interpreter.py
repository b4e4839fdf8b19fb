"""The FX interpreter: runs the traced graph node by node and records each node's cost."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import FunctionType
from typing import Any, NamedTuple, cast

import torch
import torch.fx as fx
from torch.nn.utils.parametrize import is_parametrized

from .aten import AtenCounter
from .decompose import decomposition_of
from .eager import EagerCounter, run_eager
from .ignore import IgnoreSpec
from .recorder import Recorder
from .registry import RuleEntry, RuleTable
from .rules import CALL_KINDS, NOT_RECOGNIZED, Call, CallKind, NotRecognizedType, RecordKind
from .subcalls import SubCalls
from .tracer import EXPAND_META, ROOT_META
from .traffic import aliasing_of, io_bytes, module_io_bytes

__all__ = ["FlopsInterpreter"]

_NO_TORCH_OPS = "torch_flops_core.eager: no torch call inside"
_CONTAINER = "torch_flops_core.interpreter: output container"
_GUARDS = "torch_flops_core.interpreter: input guards"


class _Plan(NamedTuple):
    entry: RuleEntry | None
    ignored: bool
    expand: bool
    module: torch.nn.Module | None
    module_path: str
    module_type: str
    counted: bool  # a call op with a rule, not ignored
    unknown: bool  # a call op without a rule, not ignored
    container: bool  # builds a NamedTuple, dataclass or dict output: no arithmetic, on every engine
    alias: str  # traffic.aliasing_of the target: "write" (in place), "view" (moves nothing), or ""
    decomposition: Callable[..., Any] | None  # an aten op without a rule that torch defines by other ops


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
        self._subcalls = SubCalls(table, ignore)
        self._steps = self._planned()
        self.decomposed: dict[str, str] = {}
        """Nodes counted by their decomposition: node name, op."""

    def _planned(self) -> list[tuple[fx.Node, _Plan, tuple[fx.Node, ...]]]:
        last_use: dict[fx.Node, fx.Node] = {}
        for node in reversed(self.graph.nodes):
            for used in node.all_input_nodes:
                last_use.setdefault(used, node)
        dies_after: dict[fx.Node, list[fx.Node]] = {}
        for used, user in last_use.items():
            dies_after.setdefault(user, []).append(used)
        return [(n, self._plan(n), tuple(dies_after.get(n, ()))) for n in self.graph.nodes]

    def _plan(self, node: fx.Node) -> _Plan:
        module = None
        entry = None
        if node.op == "call_module":
            module = self.root.get_submodule(str(node.target))
            path = "" if node.meta.get(ROOT_META) else str(node.target)
            mtype = type(module).__name__
            entry = self.table.module_entry(module)
            # A module counted whole whose call runs hooks or parametrizations is run under the eager engine
            # too: it counts the module by its rule and what runs around it as the module's own ops.
            expand = EXPAND_META in node.meta if entry is None else _runs_around(module)
        else:
            expand = False
            path, mtype = _module_of(node)
            if node.op == "call_function":
                entry = self.table.function_rule(node.target)
            elif node.op == "call_method":
                entry = self.table.method_rule(str(node.target))
        is_call = node.op in CALL_KINDS
        ignored = self.ignore is not None and is_call and self.ignore.matches(node.op, node.target, module)  # type: ignore[arg-type]
        container = (
            entry is None
            and not ignored
            and ((node.op == "call_function" and _is_container(node.target)) or _is_guard(module))
        )
        expand = not ignored and (
            expand or (entry is None and node.op == "call_function" and isinstance(node.target, FunctionType))
        )
        counted = is_call and entry is not None and not ignored
        decomposition = None
        if entry is None and not ignored and node.op == "call_function":
            decomposition = decomposition_of(node.target)
        unknown = is_call and entry is None and not ignored and not container and not expand and decomposition is None
        alias = aliasing_of(node.target if node.op == "call_method" else getattr(node.target, "__name__", None))
        if node.op == "get_attr":
            alias = "view"  # reads an attribute: moves nothing
        return _Plan(entry, ignored, expand, module, path, mtype, counted, unknown, container, alias, decomposition)

    def run(self, *inputs: Any) -> Any:
        """Run the graph on ``inputs``, one value per placeholder in order (a ``*args`` placeholder
        takes a tuple); return the graph's output."""
        env: dict[fx.Node, Any] = {}
        load = env.__getitem__
        remaining = list(inputs)
        recorder = self.recorder
        value: Any
        for node, plan, dead in self._steps:
            op = cast(RecordKind, node.op)
            if op == "placeholder":
                if not remaining:
                    raise TypeError(f"missing a value for the graph input {str(node.target)!r}")
                value = remaining.pop(0)
                recorder.record(node.name, op, node.target, "", "", 0, 0, None, False)
            elif op == "output":
                recorder.record(node.name, op, node.target, "", "", 0, 0, None, False)
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
        if plan.decomposition is not None:
            return self._run_decomposed(n, plan, args, kwargs)
        op = cast(RecordKind, n.op)
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

        flops: int | NotRecognizedType = 0
        macs = 0
        moved: int | None = None
        entry = plan.entry
        if plan.counted:
            call = Call(cast(CallKind, op), n.target, args, kwargs, output, plan.module, n.name, self._subcalls)
            flops, macs, moved = entry.apply(call, plan.module_path)  # type: ignore[union-attr]
        elif plan.unknown:
            flops = NOT_RECOGNIZED
        elif plan.container:
            record = recorder.record(
                n.name, op, n.target, plan.module_path, plan.module_type, 0, 0, None, False, measured, moved=0
            )
            record.plugin, record.rule = "core", _GUARDS if plan.module is not None else _CONTAINER
            return output
        if moved is None and recorder.count_bytes:
            moved = self._bytes(plan, args, kwargs, output)
        recorder.record(
            n.name,
            op,
            n.target,
            plan.module_path,
            plan.module_type,
            flops,
            macs,
            entry,
            plan.ignored,
            measured,
            moved=moved,
        )
        return output

    @staticmethod
    def _bytes(plan: _Plan, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> int:
        """The node's traffic (:mod:`torch_flops_core.traffic`), its aliasing read once per graph in its plan."""
        if plan.module is not None:
            return module_io_bytes(plan.module, args, kwargs, output)
        if plan.alias == "view":
            return 0
        return io_bytes(args, kwargs, output, plan.alias == "write" or "out" in kwargs)

    def _run_decomposed(self, n: fx.Node, plan: _Plan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Count an aten node without a rule by the aten ops torch defines it as (:mod:`torch_flops_core.decompose`):
        an exported graph keeps composite ops (``aten.linear``, ``aten.conv2d``) that the dispatcher would split.
        Each part is a record named ``<node>.<op>``, in the node's module."""
        child = self.recorder.child(f"{n.name}.")
        counter = AtenCounter(self.table, self.ignore, child, base=(plan.module_path, plan.module_type))
        with counter:
            output = plan.decomposition(*args, **kwargs)  # type: ignore[misc]
        self.recorder.records.extend(child.records)
        self.decomposed[n.name] = str(n.target)
        return output

    def _run_expanded(self, n: fx.Node, plan: _Plan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
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
            paths = {id(m): name for name, m in plan.module.named_modules(prefix=plan.module_path)}
        counter = EagerCounter(
            self.table, self.ignore, child, paths=paths, base_path=plan.module_path, base_type=plan.module_type
        )
        fn = plan.module if plan.module is not None else n.target
        output = run_eager(fn, args, kwargs, counter)  # type: ignore[arg-type]
        if child.records:
            self.recorder.records.extend(child.records)
        else:
            record = self.recorder.record(
                n.name, cast(RecordKind, n.op), n.target, plan.module_path, plan.module_type, 0, 0, None, False
            )
            record.plugin, record.rule = "core", _NO_TORCH_OPS
        return output
