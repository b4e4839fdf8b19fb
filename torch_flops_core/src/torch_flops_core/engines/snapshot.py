"""What :func:`~torch_flops_core.engines.guard.preserve_model` takes before a count and puts back after it.

Three snapshots, each taken in bulk (C-level calls: a few microseconds per module) because one is taken at every
count: :class:`ModuleSnapshot` (every guarded module's ``__dict__``, the contents of torch's per-module containers
and of the plain dicts and lists a module keeps), :class:`TensorState` (``requires_grad``, ``.grad`` and tensor
hooks of the parameters and buffers) and :class:`Generators` (torch's random number generators). Each
``restore()`` puts back only what moved.
"""

from __future__ import annotations

import contextlib
import operator
from itertools import compress
from typing import Any

import torch
from torch.nn.modules.lazy import LazyModuleMixin

__all__ = ["Generators", "ModuleSnapshot", "TensorState"]


_CONTAINERS = (
    "_parameters", "_buffers", "_non_persistent_buffers_set", "_modules",
    "_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
    "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks",
    "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks",
)  # fmt: skip
"""The dicts (and one set) ``torch.nn.Module.__init__`` puts in every module's ``__dict__``."""

_CONTAINER_KEYS = frozenset(_CONTAINERS)
_get_containers = operator.itemgetter(*_CONTAINERS)
_copy = operator.methodcaller("copy")


def _containers(d: dict[str, Any]) -> tuple[Any, ...]:
    if type(d.get("_parameters")) is not dict:
        # a module whose __init__ skipped nn.Module's, or a TorchScript module (its containers are
        # views of C++ state): its __dict__ is all there is to keep
        return ()
    return _get_containers(d)


class ModuleSnapshot:
    """Every guarded module's ``__dict__`` as it was, and the contents of the containers torch keeps
    in it. Taken for every module at every count, so it is built in bulk with C-level calls
    (``dict.copy``, ``map``, ``itemgetter``, ``compress``): a few microseconds per module."""

    __slots__ = ("containers", "copies", "dicts", "entries", "held", "lazy", "lengths")

    def __init__(self, modules: list[torch.nn.Module]) -> None:
        # A lazy module still holding uninitialised parameters is materialised by its first forward,
        # for good (its parameters change class in place): only its training flag is put back.
        self.lazy = [
            (m, m.training) for m in modules if isinstance(m, LazyModuleMixin) and m.has_uninitialized_params()
        ]
        if self.lazy:
            skip = {id(m) for m, _ in self.lazy}
            modules = [m for m in modules if id(m) not in skip]
        self.dicts = [m.__dict__ for m in modules]
        self.entries = list(map(dict.copy, self.dicts))
        self.containers = list(map(_containers, self.dicts))
        self.lengths = [tuple(map(len, c)) for c in self.containers]
        # most containers are empty (no hooks): only the others are copied
        self.copies = [tuple(map(_copy, compress(c, n))) for c, n in zip(self.containers, self.lengths, strict=True)]
        # plain dicts and lists the module's own code keeps (a cache filled in forward): their contents
        self.held: list[tuple[dict[Any, Any] | list[Any], Any]] = [
            (held, held.copy())
            for d in self.dicts
            for key in d.keys() - _CONTAINER_KEYS
            if type(held := d[key]) is dict or type(held) is list
        ]

    def restore(self) -> None:
        for module, training in self.lazy:
            module.training = training
        for held, copy in self.held:
            if len(held) != len(copy) or _changed_contents(held, copy):
                held.clear()
                if isinstance(held, dict):
                    held.update(copy)
                else:
                    held.extend(copy)
        is_ = operator.is_
        for d, entries, containers, lengths, copies in zip(
            self.dicts, self.entries, self.containers, self.lengths, self.copies, strict=True
        ):
            if len(d) != len(entries) or not all(map(is_, d.values(), entries.values())):
                d.clear()
                d.update(entries)
            if tuple(map(len, containers)) == lengths:  # the usual case: only the non-empty can differ
                for container, copy in zip(compress(containers, lengths), copies, strict=True):
                    if _changed(container, copy):
                        container.clear()
                        container.update(copy)
                continue
            remaining = iter(copies)
            for container, before in zip(containers, lengths, strict=True):
                if not before:
                    if container:  # filled during forward (a hook registered, a buffer added)
                        container.clear()
                    continue
                copy = next(remaining)
                if len(container) != before or _changed(container, copy):
                    container.clear()
                    container.update(copy)


def _changed_contents(held: Any, copy: Any) -> bool:
    if type(held) is dict:
        return _changed(held, copy)
    return not all(map(operator.is_, held, copy))


def _changed(container: Any, copy: Any) -> bool:
    if type(container) is set:
        return bool(container != copy)
    return container.keys() != copy.keys() or not all(map(operator.is_, container.values(), copy.values()))


_flags = operator.attrgetter("requires_grad")
_grads = operator.attrgetter("grad")
_state = operator.attrgetter("requires_grad", "_backward_hooks", "_post_accumulate_grad_hooks")
_NO_HOOKS = (None, None)


class TensorState:
    """``requires_grad``, ``.grad`` and the tensor hooks of the parameters (and of the buffers that require
    grad: only those can have hooks or gradients from autograd), and the ``requires_grad`` flag of the other
    buffers. Read in bulk, a few attribute reads per tensor; nothing is copied but the hook dicts in use."""

    __slots__ = ("buffers", "flags", "grad_versions", "grads", "hook_copies", "states", "tensors")

    def __init__(self, params: list[torch.Tensor], buffers: list[torch.Tensor]) -> None:
        flags = list(map(_flags, buffers))
        if any(flags):
            params = params + list(compress(buffers, flags))
        self.buffers = buffers
        self.flags = flags
        self.tensors = params
        self.states = list(map(_state, params))
        self.grads = list(map(_grads, params))
        self.grad_versions = [(i, g._version) for i, g in enumerate(self.grads) if g is not None]
        self.hook_copies = {
            i: (dict(hooks) if hooks is not None else None, dict(post) if post is not None else None)
            for i, (_, hooks, post) in enumerate(self.states)
            if hooks is not None or post is not None
        }

    def restore(self) -> list[torch.Tensor]:
        """Put everything back; the tensors whose ``.grad`` was written into in place (not undoable)."""
        tensors = self.tensors
        if list(map(_flags, self.buffers)) != self.flags:  # a forward switched a buffer's requires_grad
            for t, flag in zip(self.buffers, self.flags, strict=True):
                if t.requires_grad != flag:
                    t.requires_grad_(flag)
        now = list(map(_state, tensors))
        if now != self.states or self.hook_copies:  # (the same dicts compare equal: their contents are checked)
            for i, (t, before, after) in enumerate(zip(tensors, self.states, now, strict=True)):
                if before[0] != after[0]:
                    t.requires_grad_(before[0])
                if before[1:] != _NO_HOOKS or after[1:] != _NO_HOOKS:
                    _restore_hooks(t, before[1:], after[1:], self.hook_copies.get(i, _NO_HOOKS))
        if not all(map(operator.is_, map(_grads, tensors), self.grads)):
            for t, grad in zip(tensors, self.grads, strict=True):
                if t.grad is not grad:
                    with contextlib.suppress(RuntimeError):  # forward changed the tensor's size (``p.data = ...``)
                        t.grad = grad
        return [tensors[i] for i, version in self.grad_versions if self.grads[i]._version != version]


def _restore_hooks(t: torch.Tensor, before: tuple[Any, Any], after: tuple[Any, Any], copies: tuple[Any, Any]) -> None:
    """Give ``t`` back its hook dicts (``_backward_hooks``, ``_post_accumulate_grad_hooks``) and their contents.

    Setting ``_backward_hooks`` re-registers (or, with ``None``, removes) torch's hook on the tensor; the
    post-accumulate dict is held by torch once set, so one added in forward is emptied, not only dropped."""
    (hooks, post), (hooks_now, post_now), (hooks_copy, post_copy) = before, after, copies
    if _put_back(hooks, hooks_now, hooks_copy):
        t._backward_hooks = hooks
    if _put_back(post, post_now, post_copy):
        t._post_accumulate_grad_hooks = post


def _put_back(hooks: dict[Any, Any] | None, now: dict[Any, Any] | None, copy: dict[Any, Any] | None) -> bool:
    """Empty a dict that replaced ``hooks`` and refill ``hooks`` from ``copy``; whether the attribute must be set."""
    if now is hooks and (hooks is None or not _hooks_changed(hooks, copy)):
        return False
    if now is not None and now is not hooks:
        now.clear()
    if hooks is not None:
        hooks.clear()
        hooks.update(copy or {})
    return True


def _hooks_changed(hooks: dict[Any, Any], copy: dict[Any, Any] | None) -> bool:
    return _changed(hooks, copy or {})


class Generators:
    """The state of torch's random number generators: the cpu one, and every cuda one when CUDA is
    initialised. Each is put back only if it moved: a count whose forward draws nothing leaves them alone.
    (Python's ``random`` and NumPy's generators are not kept: reading their state costs more than most
    counts, and torch's modules draw from torch's.)"""

    __slots__ = ("cpu", "cuda")

    def __init__(self) -> None:
        self.cpu = torch.get_rng_state()
        self.cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None

    def restore(self) -> None:
        if not torch.equal(torch.get_rng_state(), self.cpu):
            torch.set_rng_state(self.cpu)
        if self.cuda is not None:
            now = torch.cuda.get_rng_state_all()
            if any(not torch.equal(a, b) for a, b in zip(now, self.cuda, strict=True)):
                torch.cuda.set_rng_state_all(self.cuda)
