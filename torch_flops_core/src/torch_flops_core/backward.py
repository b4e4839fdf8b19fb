"""The backward pass: every aten op autograd runs for the loss, in the module whose forward made it.

``count_flops(model, x, backward=True)`` counts the forward with the chosen engine while the
recorder's :class:`~torch_flops_core.recorder.NodeOwners` learns which module created each autograd
node. Then the loss of the output is computed under an :class:`~torch_flops_core.aten.AtenCounter`
(phase ``loss``) and its gradient is taken under :class:`BackwardCounter`, which records each aten op
with the aten rules:

- an op runs for the autograd node ``torch._C._current_autograd_node()`` (as torch's own debug
  tooling reads it) and belongs to the module whose forward created that node: phase ``backward``;
- the gradient of a tensor used twice (a residual, tied embeddings) is summed when its last part
  arrives, by the node that delivered that part: the sum belongs to that node's module;
- an op run with grad mode on during the backward is a forward op that activation checkpointing
  runs again (``torch.utils.checkpoint``, reentrant or not): phase ``recompute``, in the innermost
  module running it (outside every module: the module of the node whose saved tensors it rebuilds);
- a node no recorded op created (the loss's, a graph built before the count) belongs to the root.

Gradients are taken with ``torch.autograd.grad`` over the leaves the loss depends on, so no ``.grad``
is written. Reentrant checkpointing refuses ``autograd.grad``: with it in the graph the backward runs
with ``torch.autograd.backward`` and every ``.grad`` it could write is set aside and put back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import torch

from .aten import AtenCounter
from .errors import InputError
from .ignore import IgnoreSpec
from .module_events import module_events
from .recorder import NodeOwners, Recorder
from .registry import RuleTable
from .results import Phase

__all__ = ["BackwardCounter", "count_backward", "default_loss", "graph_leaves"]

_current_node = torch._C._current_autograd_node
_REENTRANT = "CheckpointFunctionBackward"


class BackwardCounter(AtenCounter):
    """An :class:`AtenCounter` for the backward pass: ops belong to the module that made their node."""

    def __init__(
        self,
        table: RuleTable,
        ignore: IgnoreSpec | None,
        recorder: Recorder,
        owners: NodeOwners,
        *,
        paths: dict[int, str] | None = None,
    ) -> None:
        super().__init__(table, ignore, recorder, paths=paths, phase="backward")
        self.owners = owners

    def place(self) -> tuple[str, str, Phase]:
        node = _current_node()
        if torch.is_grad_enabled():  # autograd runs backward functions with grad off: this is a recompute
            if self._frames:
                frame = self._frames[-1]
                return frame[1], frame[2], "recompute"
            owner = self.owners.owner(node._sequence_nr()) if node is not None else None
            return (*(owner or ("", "")), "recompute")
        owner = self.owners.owner(node._sequence_nr()) if node is not None else None
        return (*(owner or ("", "")), "backward")


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
        raise InputError(_NOTHING_REQUIRES_GRAD.format(what="no tensor of the output"))
    total = parts[0].sum()
    for part in parts[1:]:
        total = total + part.sum()
    return total


_NOTHING_REQUIRES_GRAD = (
    "backward=True, but {what} requires grad: autograd has nothing to run. Every parameter the output "
    "depends on is frozen (requires_grad=False) and no input requires grad; unfreeze what you train, or give "
    "an input with requires_grad=True"
)


def graph_leaves(loss: torch.Tensor) -> tuple[list[torch.Tensor], bool]:
    """The leaf tensors ``loss`` depends on (those autograd would write ``.grad`` to), and whether the
    graph holds a reentrant checkpoint (``torch.utils.checkpoint(..., use_reentrant=True)``)."""
    leaves: list[torch.Tensor] = []
    reentrant = False
    seen: set[int] = set()
    stack = [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if isinstance(variable, torch.Tensor):
            leaves.append(variable)
            continue
        if not reentrant and node.name() == _REENTRANT:
            reentrant = True
        stack.extend(next_node for next_node, _ in node.next_functions)
    return leaves, reentrant


@contextmanager
def grads_set_aside(tensors: Iterable[torch.Tensor]) -> Iterator[None]:
    """Set every tensor's ``.grad`` aside (to ``None``) for the block, and put it back afterwards, so a
    backward writing ``.grad`` neither adds into the user's gradients nor leaves its own behind."""
    saved = {id(t): (t, t.grad) for t in tensors}
    for t, _ in saved.values():
        t.grad = None
    try:
        yield
    finally:
        for t, grad in saved.values():
            t.grad = grad


def count_backward(
    output: Any,
    loss: Callable[[Any], Any] | None,
    counter: BackwardCounter,
    loss_counter: AtenCounter,
    parameters: Iterable[torch.Tensor],
) -> None:
    """Compute ``loss(output)`` under ``loss_counter`` and run its backward under ``counter``.

    ``parameters``: every parameter of the counted modules, whose ``.grad`` is set aside when the
    backward has to write ``.grad`` (a reentrant checkpoint in the graph).
    """
    with module_events(loss_counter), loss_counter:
        value = default_loss(output) if loss is None else loss(output)
    if not isinstance(value, torch.Tensor):
        raise InputError(f"loss= returned a {type(value).__name__}; it must return the tensor to differentiate")
    if not value.requires_grad:
        raise InputError(_NOTHING_REQUIRES_GRAD.format(what="nothing the loss depends on"))
    seed = torch.ones_like(value)  # the gradient of the loss itself: made here, not counted
    leaves, reentrant = graph_leaves(value)
    with module_events(counter), counter:
        if reentrant:
            with grads_set_aside([*parameters, *leaves]):
                torch.autograd.backward(value, seed)
        else:
            torch.autograd.grad(value, leaves, seed, allow_unused=True)
