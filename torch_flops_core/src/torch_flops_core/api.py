"""``count_flops``: the entry point that picks plugins, an engine, and returns a result."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import torch
from torch.utils._pytree import tree_flatten

from .eager import EagerCounter, run_eager
from .errors import EngineFallbackWarning, TracingError, UnrecognizedOpsError
from .guard import preserve_model
from .ignore import IgnoreSpec
from .interpreter import FlopsInterpreter
from .plugins import get_plugins
from .results import FlopsResult
from .tracer import trace

__all__ = ["count_flops"]

Engine = Literal["auto", "fx", "eager"]


def _on_cuda(model: Any, args: Any, kwargs: Any) -> bool:
    leaves = tree_flatten((args, kwargs))[0]
    if isinstance(model, torch.nn.Module):
        leaves += list(model.parameters()) + list(model.buffers())
    return any(isinstance(t, torch.Tensor) and t.is_cuda for t in leaves)


def count_flops(
    model: torch.nn.Module | Callable[..., Any],
    *args: Any,
    engine: Engine = "auto",
    ignore_ops: Iterable[Any] = (),
    plugins: Sequence[Any] = (),
    disable: Iterable[str] = (),
    strict: bool = False,
    measure_time: bool = True,
    **model_kwargs: Any,
) -> FlopsResult:
    """Count the exact FLOPs of ``model(*args, **model_kwargs)``, op by op.

    :param engine: ``"fx"`` traces the model with ``torch.fx`` and interprets the graph, one op
        per node; ``"eager"`` runs the model as it is and records each torch call (any Python
        control flow works); ``"auto"`` (default) tries fx and, when tracing fails, counts with
        eager, saying why in an :class:`EngineFallbackWarning`. ``result.engine`` tells which ran.
    :param ignore_ops: ops to count as 0 and show as ``ignored``: module classes, functions/ops
        (any alias spelling), or names (``"Linear"``, ``"matmul"``, ``"softmax"``) as in the seed.
    :param plugins: objects with ``torch_flops_register_rules`` hookimpls, registered after the
        installed plugins (so a plain or ``tryfirst`` impl among them overrides the built-in rules).
    :param disable: names of installed plugins not to use (like ``TORCH_FLOPS_DISABLE_PLUGINS``).
    :param strict: raise :class:`UnrecognizedOpsError` listing every unrecognized target.
    :param measure_time: record each op's wall time (synchronising on CUDA).

    The model is run once, under ``torch.no_grad()``, on whatever device its tensors are on (``meta``
    included); its training flags and buffers are left as they were.
    """
    if engine not in ("auto", "fx", "eager"):
        raise ValueError(f"engine must be 'auto', 'fx' or 'eager', got {engine!r}")
    table = get_plugins(disable=disable, plugins=plugins).table
    ignore = IgnoreSpec(ignore_ops, table)
    cuda = _on_cuda(model, args, model_kwargs)
    notes: list[str] = []
    with preserve_model(model), torch.no_grad():
        traced = None
        if engine != "eager":
            try:
                traced, values = trace(model, args, model_kwargs, table)
            except TracingError as exc:
                if engine == "fx":
                    raise
                cause = exc.__cause__ or exc
                notes.append(f"fx could not trace the model ({type(cause).__name__}: {cause}); counted eagerly")
                warnings.warn(f"torch-flops: {notes[-1]}.", EngineFallbackWarning, stacklevel=2)
        if traced is not None:
            interpreter = FlopsInterpreter(
                traced.root, traced.graph, table, ignore, measure_time=measure_time, cuda=cuda
            )
            interpreter.run(*values)
            result = FlopsResult(interpreter.records, "fx", traced.graph, notes)
        else:
            counter = EagerCounter(table, ignore, measure_time=measure_time, cuda=cuda)
            root = model if isinstance(model, torch.nn.Module) else None
            run_eager(model, args, model_kwargs, counter, root)
            result = FlopsResult(counter.records, "eager", None, notes)
    if strict and result.unrecognized:
        raise _unrecognized_error(result)
    return result


def _unrecognized_error(result: FlopsResult) -> UnrecognizedOpsError:
    targets: dict[str, list[str]] = {}
    for r in result.unrecognized:
        name = r.module_type if r.kind == "call_module" else r.target_name
        targets.setdefault(name, []).append(r.name)
    listed = "; ".join(f"{t} (nodes {', '.join(nodes)})" for t, nodes in targets.items())
    return UnrecognizedOpsError(
        f"{len(result.unrecognized)} ops have no rule: {listed}. Install or write a plugin with rules for them, "
        "or count them as 0 with ignore_ops=[...].",
        targets,
    )
