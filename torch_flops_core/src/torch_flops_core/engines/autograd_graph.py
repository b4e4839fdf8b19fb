"""The autograd graph of a counted loss: what the backward differentiates, where it starts and where it stops.

:func:`default_loss` (the loss ``backward=True`` differentiates when none is given), :func:`cut_inputs` (an input
that carries a graph built before the count gets a graph of its own: the count's backward stops there),
:func:`walk_graph` (the leaves a loss depends on, a reentrant checkpoint, nodes older than the count). The counting
itself is :mod:`~torch_flops_core.engines.backward`'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch.utils._pytree import tree_flatten, tree_unflatten

from ..errors import InputError

__all__ = [
    "NOTHING_REQUIRES_GRAD", "Graph", "autograd_nodes", "cut_inputs", "default_loss", "graph_leaves", "walk_graph",
]  # fmt: skip

_REENTRANT = "CheckpointFunctionBackward"
_CUT = "torch_flops_input"  # the metadata key marking the node of an input's stand-in (cut_inputs)


def _tensors(value: Any, depth: int = 0) -> Iterator[torch.Tensor]:
    """The tensors in a model output: nested in tuples, lists, dicts, dataclasses, ``ModelOutput``."""
    if isinstance(value, torch.Tensor):
        yield value
    elif depth > 8:
        return
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _tensors(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _tensors(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _tensors(getattr(value, field.name, None), depth + 1)


def default_loss(output: Any) -> torch.Tensor:
    """The loss ``backward=True`` differentiates when none is given: the output's own ``.loss`` when it has
    one (a transformers ``ModelOutput`` given labels), else the sum of every floating-point tensor in the
    output that requires grad (each element's gradient is 1)."""
    own = getattr(output, "loss", None)
    if isinstance(own, torch.Tensor):
        return own
    floats = [t for t in _tensors(output) if t.is_floating_point() or t.is_complex()]
    if not floats:
        raise InputError(
            f"backward=True, but the output ({type(output).__name__}) holds no floating-point tensor to "
            "differentiate: pass loss=, a function of the output returning the tensor whose gradient to take"
        )
    parts = [t for t in floats if t.requires_grad]
    if not parts:
        raise InputError(NOTHING_REQUIRES_GRAD.format(what="no tensor of the output"))
    total = parts[0].sum()
    for part in parts[1:]:
        total = total + part.sum()
    return total


NOTHING_REQUIRES_GRAD = (
    "backward=True, but {what} requires grad: autograd has nothing to run. Every parameter the output "
    "depends on is frozen (requires_grad=False) and no input requires grad; unfreeze what you train, or give "
    "an input with requires_grad=True"
)


def cut_inputs(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The inputs, each tensor that carries an autograd graph built before the count (a non-leaf that requires
    grad: an upstream encoder's output) replaced by a copy whose graph starts at a leaf of its own.

    The copy requires grad, so the model computes the same input gradient, and is not a leaf, so a forward
    may modify it in place as it could the original. The copy is made outside every counter (not counted);
    its node computes nothing in the backward. The caller's graph is never reached by the count's backward.
    """
    values, spec = tree_flatten((args, kwargs))
    if not any(isinstance(t, torch.Tensor) and t.grad_fn is not None for t in values):
        return args, kwargs
    copies: dict[int, torch.Tensor] = {}
    with torch.inference_mode(False), torch.enable_grad():
        for t in values:
            if isinstance(t, torch.Tensor) and t.grad_fn is not None and id(t) not in copies:
                copy = t.detach().requires_grad_().clone()
                _metadata(copy.grad_fn)[_CUT] = True
                copies[id(t)] = copy
    new_args, new_kwargs = tree_unflatten([copies.get(id(v), v) for v in values], spec)
    return tuple(new_args), dict(new_kwargs)


def _metadata(node: Any) -> dict[str, Any]:
    """An autograd node's metadata dict (a property at run time; torch's stub declares a method)."""
    metadata: dict[str, Any] = node.metadata
    return metadata


@dataclasses.dataclass
class Graph:
    """What :func:`walk_graph` found in the autograd graph of a loss."""

    leaves: list[torch.Tensor]
    """The leaf tensors the loss depends on (those autograd would write ``.grad`` to)."""
    reentrant: bool
    """Whether the graph holds a reentrant checkpoint (``torch.utils.checkpoint(..., use_reentrant=True)``)."""
    older: bool
    """Whether the graph reaches nodes made before the count (a tensor with a graph the model got other than
    through its inputs): the backward keeps the graph (``retain_graph``), so the caller's stays usable."""


def autograd_nodes(root: Any) -> Iterator[Any]:
    """Every node of the autograd graph below ``root`` (a ``grad_fn``), once each, depth first."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(next_node for next_node, _ in node.next_functions)


def walk_graph(loss: torch.Tensor, since: int | None = None) -> Graph:
    """Walk the autograd graph of ``loss``. ``since``: the sequence number autograd gave the first node made
    in the count (in the counting thread): a node numbered lower predates the count."""
    leaves: list[torch.Tensor] = []
    reentrant = older = False
    for node in autograd_nodes(loss.grad_fn):
        variable = getattr(node, "variable", None)
        if isinstance(variable, torch.Tensor):
            leaves.append(variable)
            continue
        if not reentrant and node.name() == _REENTRANT:
            reentrant = True
        if since is not None and not older and node._sequence_nr() < since and not _metadata(node).get(_CUT):
            older = True
    return Graph(leaves, reentrant, older)


def graph_leaves(loss: torch.Tensor) -> tuple[list[torch.Tensor], bool]:
    """The leaf tensors ``loss`` depends on (those autograd would write ``.grad`` to), and whether the
    graph holds a reentrant checkpoint (``torch.utils.checkpoint(..., use_reentrant=True)``)."""
    graph = walk_graph(loss)
    return graph.leaves, graph.reentrant
