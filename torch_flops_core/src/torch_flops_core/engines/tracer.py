"""The rule-aware FX tracer: a module with a module rule is a leaf; any other module is traced into."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
import torch.fx as fx
from torch.utils._pytree import tree_flatten

from ..errors import InputError, TracingError
from ..registry import RuleTable
from .guard import preserve_model

__all__ = ["EXPAND_META", "ROOT_META", "FlopsTracer", "Traced", "graph_module", "trace", "trace_graph"]


class FlopsTracer(fx.Tracer):
    """``symbolic_trace`` whose leaves are exactly the modules that have a module rule.

    Non-tensor forward arguments are traced as constants (so Python control flow on flags and
    ``None`` works); the guard nodes FX adds for such constants are removed, since they are not ops
    of the model.
    """

    def __init__(self, table: RuleTable) -> None:
        super().__init__()
        self._table = table
        self._guards: list[fx.Node] = []
        self._opaque: set[int] = set()

    def is_leaf_module(self, m: torch.nn.Module, module_qualified_name: str) -> bool:
        return id(m) in self._opaque or self._table.module_entry(m) is not None

    def call_module(
        self, m: torch.nn.Module, forward: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Trace into ``m``; a module that cannot be traced into becomes a leaf run eagerly.

        Symbolic tracing cannot follow Python control flow on tensors, and many modules have some:
        torch's own validate their inputs (``if input.dim() != 4``), and a subclass that overrides
        ``forward`` (timm's ``BatchNormAct2d``) inherits those checks through ``super().forward()``.
        Such a module without a rule is kept whole, as one ``call_module`` node marked
        :data:`EXPAND_META`; the interpreter counts it by running it under the eager engine, one
        record per torch call it makes. Only the root's own forward must trace.
        """
        if self.is_leaf_module(m, ""):
            return super().call_module(m, forward, args, kwargs)
        last = self.graph._root.prev  # the graph's last node before the attempt
        stack, calls = self.module_stack.copy(), dict(self.num_calls)
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception as exc:
            while self.graph._root.prev is not last:
                self.graph.erase_node(self.graph._root.prev)
            self.module_stack.clear()
            self.module_stack.update(stack)
            self.num_calls = calls
            self._opaque.add(id(m))
            proxy = super().call_module(m, forward, args, kwargs)
            proxy.node.meta[EXPAND_META] = f"{type(exc).__name__}: {exc}"
            return proxy

    def create_args_for_root(self, root_fn: Callable[..., Any], is_module: bool, concrete_args: Any = None) -> Any:
        before = set(self.graph.nodes)
        out = super().create_args_for_root(root_fn, is_module, concrete_args)
        self._guards = [n for n in self.graph.nodes if n not in before and n.op != "placeholder"]
        return out

    def trace(self, root: Any, concrete_args: dict[str, Any] | None = None) -> fx.Graph:
        graph = super().trace(root, concrete_args)
        for node in reversed(self._guards):
            if not node.users:
                graph.erase_node(node)
        return graph


ROOT_META = "torch_flops_root"
"""Meta key marking the one ``call_module`` node of a model that is itself a leaf."""

EXPAND_META = "torch_flops_expand"
"""Meta key marking a ``call_module`` node fx could not trace into (the value says why): it is
counted by running the module under the eager engine."""


class Traced(NamedTuple):
    """A traced graph and the module its ``call_module``/``get_attr`` targets are relative to."""

    root: torch.nn.Module
    graph: fx.Graph

    def graph_module(self, class_name: str = "GraphModule") -> fx.GraphModule:
        return fx.GraphModule(self.root, self.graph, class_name)


def _root_leaf(model: torch.nn.Module, signature: inspect.Signature) -> Traced:
    """A model whose own class has a rule is one op: a graph calling it once with every input."""
    graph = fx.Graph()
    inputs = []
    for param in signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        star = "*" if param.kind is inspect.Parameter.VAR_POSITIONAL else ""
        inputs.append(graph.placeholder(star + param.name))
    node = graph.create_node("call_module", "model", tuple(inputs), {}, name=type(model).__name__.lower())
    node.meta[ROOT_META] = True
    graph.output(node)
    container = torch.nn.Module()
    container.add_module("model", model)
    return Traced(container, graph)


def _has_tensor(value: Any) -> bool:
    return any(isinstance(leaf, torch.Tensor) for leaf in tree_flatten(value)[0])


def trace(
    model: torch.nn.Module | Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    table: RuleTable,
) -> tuple[Traced, list[Any]]:
    """Trace ``model`` for this call; return the traced graph and the values of its placeholders.

    A ``torch.fx.GraphModule`` is not traced again: its own graph is counted (this is how a trace is
    reused, explicitly). Nothing is cached between calls: a trace depends on Python state (flags,
    configs, globals, hooks) that no key can capture, so every count traces what the model is now.
    """
    forward = model.forward if isinstance(model, torch.nn.Module) else model
    try:
        signature = inspect.signature(forward)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        name = (
            type(model).__name__ + ".forward"
            if isinstance(model, torch.nn.Module)
            else getattr(model, "__name__", "model")
        )
        raise InputError(f"the inputs do not fit {name}: {exc}") from exc

    concrete: dict[str, Any] = {}
    named: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            named[param.name] = tuple(bound.arguments.get(param.name, ()))
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            if bound.arguments.get(param.name):
                raise TracingError(
                    f"{type(model).__name__}.forward takes **{param.name}; the fx engine cannot trace keyword "
                    "arguments gathered that way. Pass them as named parameters of forward."
                )
            continue
        present = param.name in bound.arguments
        value = bound.arguments[param.name] if present else param.default
        if not _has_tensor(value):
            concrete[param.name] = value
        named[param.name] = value

    if isinstance(model, fx.GraphModule):
        traced = Traced(model, model.graph)
    else:
        traced = trace_graph(model, table, concrete or None)
    return traced, _placeholder_values(traced.graph, named)


def _placeholder_values(graph: fx.Graph, named: dict[str, Any]) -> list[Any]:
    """One value per placeholder, by parameter name. A constant input FX split into several
    placeholders (a list of ints) is baked into the graph: its placeholders get their defaults."""
    values = []
    for node in graph.nodes:
        if node.op != "placeholder":
            continue
        name = str(node.target).lstrip("*")
        values.append(named[name] if name in named else (node.args[0] if node.args else None))
    return values


def trace_graph(
    model: torch.nn.Module | Callable[..., Any], table: RuleTable, concrete_args: dict[str, Any] | None = None
) -> Traced:
    """The graph of ``model``: traced with :class:`FlopsTracer`, or one op if its class has a rule.

    Like ``symbolic_trace``, tracing stores tensor constants as attributes of the root module; run it
    inside :func:`~torch_flops_core.engines.guard.preserve_model`, which removes them afterwards. No
    ``GraphModule`` is built (its code generation costs more than interpreting the graph).
    """
    if isinstance(model, torch.nn.Module) and table.module_entry(model) is not None:
        return _root_leaf(model, inspect.signature(model.forward))
    if isinstance(model, torch.nn.Module) and "forward" in model.__dict__:
        raise TracingError(
            f"{type(model).__name__} has a forward assigned on the instance, and torch.fx traces a root module by "
            "its class's forward. Count it with the eager engine (the default), or wrap it in a module."
        )
    tracer = FlopsTracer(table)
    try:
        graph = tracer.trace(model, concrete_args=concrete_args)
    except Exception as exc:
        name = type(model).__name__ if isinstance(model, torch.nn.Module) else getattr(model, "__name__", "model")
        raise TracingError(
            f"torch.fx could not trace {name}: {type(exc).__name__}: {exc}. Symbolic tracing fails on Python "
            "control flow that depends on tensor values, on asserts on shapes and on some library code "
            "(see https://pytorch.org/docs/stable/fx.html#limitations-of-symbolic-tracing); give the "
            "failing module a rule (it then becomes a leaf) or count with the eager engine."
        ) from exc
    return Traced(tracer.root, graph)


def graph_module(
    model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], table: RuleTable
) -> fx.GraphModule:
    """Trace ``model`` once, for these inputs, into a ``GraphModule`` that counts with ``engine="fx"``
    at other input sizes without tracing again: the explicit way to reuse a trace (a sweep over sizes).

    Non-tensor inputs are baked into the graph; the model is left as it was (tracing's tensor
    constants live in the ``GraphModule``, not the model).
    """
    with preserve_model(model):
        traced, _ = trace(model, args, kwargs, table)
        return traced.graph_module(type(model).__name__)
