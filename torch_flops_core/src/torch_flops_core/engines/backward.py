"""The backward pass: every aten op autograd runs for the loss, in the module whose forward made it.

``count_flops(model, x, backward=True)`` counts the forward with the chosen engine while the
recorder's :class:`~torch_flops_core.engines.recorder.NodeOwners` learns which module created each autograd
node. Then the loss of the output is computed under an :class:`~torch_flops_core.engines.aten.AtenCounter`
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

The count's backward never reaches into the caller's world:

- an input that carries an autograd graph built before the count (the output of an upstream encoder) is
  replaced, for the count, by a copy whose graph starts at a leaf of its own
  (:func:`~torch_flops_core.engines.autograd_graph.cut_inputs`): the backward computes the input's gradient, as
  the model's backward does, and stops there; the caller's graph is neither run, nor freed, nor accumulated
  into. A graph reaching the model otherwise (a tensor a closure holds) is kept alive (``retain_graph``) and
  nothing is written into it;
- gradients are taken with ``torch.autograd.grad`` over the leaves the loss depends on, so no ``.grad``
  is written and no post-accumulate-grad hook (an optimizer run in backward) runs. Reentrant
  checkpointing refuses ``autograd.grad``: with it in the graph the backward runs with
  ``torch.autograd.backward``, and every leaf it could write to (the model's parameters, the graph's
  leaves, and every leaf a recomputed forward uses: a helper module outside the model) has its
  ``.grad`` and its post-accumulate-grad hooks set aside for the backward and put back after it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import torch

from ..decompose import decomposed_note
from ..errors import InputError
from ..registry import RuleTable
from ..results import Phase
from ..rules import NOT_RECOGNIZED
from ..wording import agree
from .aten import AtenCounter
from .autograd_graph import NOTHING_REQUIRES_GRAD, default_loss, walk_graph
from .guard import Guarded
from .ignore import IgnoreSpec
from .job import Job
from .module_events import module_events
from .recorder import NodeOwners, Recorder

__all__ = ["BackwardCounter", "count_backward", "count_training_step"]

_current_node = torch._C._current_autograd_node


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
        self.shield: _Shield | None = None
        """With a reentrant checkpoint: the leaves whose ``.grad`` and post-accumulate hooks are set aside;
        those a recomputed forward uses join it as they appear."""

    def __torch_dispatch__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        if self.shield is not None and torch.is_grad_enabled():  # a recompute: its leaves join the shield
            self.shield.take(args)
            if kwargs:
                self.shield.take(kwargs.values())
        return super().__torch_dispatch__(func, types, args, kwargs)

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


class _Shield:
    """Leaves a backward run with ``torch.autograd.backward`` would write to: each one's ``.grad`` is set
    aside (to ``None``) and its post-accumulate-grad hooks emptied, until :meth:`restore` puts both back.
    The backward neither adds into the user's gradients, nor leaves its own, nor runs an optimizer step a
    hook would take."""

    __slots__ = ("saved",)

    def __init__(self, tensors: Iterable[torch.Tensor] = ()) -> None:
        self.saved: dict[int, tuple[torch.Tensor, torch.Tensor | None, dict[Any, Any] | None, dict[Any, Any]]] = {}
        for t in tensors:
            self.add(t)

    def add(self, t: torch.Tensor) -> None:
        if id(t) in self.saved:
            return
        hooks = t._post_accumulate_grad_hooks
        self.saved[id(t)] = (t, t.grad, hooks, dict(hooks) if hooks else {})
        if t.grad is not None:
            t.grad = None
        if hooks:
            hooks.clear()

    def take(self, values: Iterable[Any]) -> None:
        """Add the leaves that require grad among an op's arguments (and in the lists among them)."""
        saved = self.saved
        for value in values:
            if isinstance(value, torch.Tensor):
                if value.requires_grad and value.is_leaf and id(value) not in saved:
                    self.add(value)
            elif isinstance(value, list | tuple):
                self.take(v for v in value if isinstance(v, torch.Tensor))

    def restore(self) -> None:
        for t, grad, hooks, contents in self.saved.values():
            if t.grad is not grad:
                t.grad = grad
            if contents and hooks is not None:
                hooks.clear()
                hooks.update(contents)


def count_training_step(job: Job, output: Any, loss: Callable[[Any], Any] | None, ignored: set[str]) -> list[str]:
    """Count the loss of a counted forward's ``output`` (phase ``loss``) and its backward (phases ``backward`` and
    ``recompute``) into ``job.recorder``, whose :class:`NodeOwners` learnt during the forward which module made each
    autograd node. ``ignored``: paths of the modules the forward ignored as wholes (their backward is ignored too).
    Returns the notes the result carries about it."""
    recorder, owners = job.recorder, job.recorder.owners
    if owners is None:
        raise RuntimeError("count_training_step needs the recorder that learnt the forward's node owners (owners=)")
    paths = job.guarded.paths
    counter = BackwardCounter(job.table, job.ignore, recorder, owners, paths=paths)
    counter.marker = job.marker  # an ignored module's or call's backward is ignored
    counter.ignored_modules = ignored
    loss_counter = AtenCounter(job.table, job.ignore, recorder, paths=paths, phase="loss", marker=job.marker)
    parameters = [p for m in job.guarded.modules for p in m.parameters(recurse=False)]
    count_backward(output, loss, counter, loss_counter, parameters, guard=job.guarded)
    notes = decomposed_note(Counter(loss_counter.decomposed) + Counter(counter.decomposed), "backward")
    missing = sum(1 for r in recorder.records if r.phase != "forward" and r.flops is NOT_RECOGNIZED)
    if missing:
        notes.append(
            f"{agree(missing, 'op of the loss and backward has', 'ops of the loss and backward have')} no rule: "
            f"{'it is' if missing == 1 else 'they are'} counted with aten-level rules "
            "(torch-flops-rules-aten, or a plugin claiming torch.ops.aten.* ops)"
        )
    return notes


def count_backward(
    output: Any,
    loss: Callable[[Any], Any] | None,
    counter: BackwardCounter,
    loss_counter: AtenCounter,
    parameters: Iterable[torch.Tensor],
    guard: Guarded | None = None,
) -> None:
    """Compute ``loss(output)`` under ``loss_counter`` and run its backward under ``counter``.

    ``parameters``: every parameter of the counted modules, whose ``.grad`` is set aside when the
    backward has to write ``.grad`` (a reentrant checkpoint in the graph). ``guard``: told when the
    backward starts, so that a parameter modified in place by it is not blamed on the forward.
    """
    with module_events(loss_counter), loss_counter:
        value = default_loss(output) if loss is None else loss(output)
    if not isinstance(value, torch.Tensor):
        raise InputError(f"loss= returned a {type(value).__name__}; it must return the tensor to differentiate")
    if not value.requires_grad:
        raise InputError(NOTHING_REQUIRES_GRAD.format(what="nothing the loss depends on"))
    seed = torch.ones_like(value)  # the gradient of the loss itself: made here, not counted
    owners = counter.owners
    graph = walk_graph(value, owners.starts[0] if owners.starts else owners.last)
    if guard is not None:
        guard.backward_started()
    with module_events(counter), counter:
        if graph.reentrant or (counter.ranks is not None and counter.ranks.fsdp):  # FSDP2 reduce-scatters .grad
            shield = _Shield([*parameters, *graph.leaves])
            counter.shield = shield
            try:
                torch.autograd.backward(value, seed, retain_graph=graph.older)
            finally:
                counter.shield = None
                shield.restore()
        else:
            torch.autograd.grad(value, graph.leaves, seed, allow_unused=True, retain_graph=graph.older)
