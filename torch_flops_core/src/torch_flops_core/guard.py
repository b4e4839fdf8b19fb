"""Counting never changes the model: every module's state is put back as it was, whatever forward did.

The modules guarded are those reachable from what is counted: an ``nn.Module``, the module of a bound
method (``model.forward``), and the modules a plain function or ``functools.partial`` holds in its
closure, defaults or the globals it names. For each of them, and each of their submodules:

- every ``__dict__`` entry that forward added, removed or rebound (a lazily built mask, a flag, a
  ``torch.fx`` Proxy left by tracing, the ``training`` flag) is put back;
- the contents of torch's own per-module dicts (parameters, buffers, submodules, forward/backward and
  state-dict hooks) are put back, so a buffer replaced or registered, or a hook added in forward, is
  undone;
- the contents of plain ``dict`` and ``list`` attributes are put back (a cache filled in forward: with
  ``backward=True`` it would keep a tensor of a freed autograd graph);
- the values of non-meta buffers are copied back (BatchNorm's running statistics move in place in
  training mode without bumping the tensor's version counter);
- parameters are not copied (they can be most of the machine's memory): an in-place write to one is
  reported with :class:`ModelChangedWarning`, except for an embedding's ``max_norm`` renormalisation,
  which is undone.

Tensors are not copied, but their state is put back: for every parameter and buffer of the guarded
modules, ``requires_grad``, ``.grad`` (the tensor it was: one a forward assigned, or made by a backward it
ran itself, goes; a gradient it added into in place is reported with :class:`ModelChangedWarning`), and
the tensor hooks (``register_hook``, ``register_post_accumulate_grad_hook``) a forward added or removed.

Torch's random number generators end as they were too: the cpu generator, and every cuda generator
when CUDA is initialised (a training-mode dropout counted between two seeded draws does not change the
second). They are process-wide: a count rewinds them only if its forward or backward drew from them, and
a thread drawing while another counts may get numbers the count drew too (seeded reproducibility is
single-threaded anyway). Python's ``random`` and NumPy's generators are not kept.

All of it also when forward raises or is interrupted. A lazy module (``nn.LazyLinear``) still holding
uninitialised parameters is materialised by its first forward, and that is kept: only its training
flag is restored. A plain ``dict`` or ``list`` a module's attribute holds (a cache forward fills, as timm's
``attention_bias_cache``) gets its contents back (shallowly: the items themselves are not copied);
other objects that forward mutates in place are not copied.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import compress
from typing import Any

import torch
from torch.nn.modules.lazy import LazyModuleMixin
from torch.nn.parameter import is_lazy

from .errors import ModelChangedWarning

__all__ = ["Guarded", "modules_of", "preserve_model"]


def modules_of(target: Any) -> list[torch.nn.Module]:
    """The modules a counted callable reaches: itself, a bound method's ``__self__``, or what a
    function or ``functools.partial`` holds (closure cells, defaults, the globals its code names)."""
    found: dict[int, torch.nn.Module] = {}
    _collect(target, found, depth=0)
    return list(found.values())


def _collect(obj: Any, found: dict[int, torch.nn.Module], depth: int) -> None:
    if isinstance(obj, torch.nn.Module):
        found.setdefault(id(obj), obj)
        return
    if depth > 2 or obj is None or isinstance(obj, type | torch.Tensor):
        return
    owner = getattr(obj, "__self__", None)
    if isinstance(owner, torch.nn.Module):
        found.setdefault(id(owner), owner)
        return
    if isinstance(obj, functools.partial):
        for value in (obj.func, *obj.args, *obj.keywords.values()):
            _collect(value, found, depth + 1)
        return
    code = getattr(obj, "__code__", None)
    if code is None:  # a callable object: the modules it holds as attributes
        for value in getattr(obj, "__dict__", {}).values():
            if isinstance(value, torch.nn.Module):
                found.setdefault(id(value), value)
        return
    values: list[Any] = [cell.cell_contents for cell in (getattr(obj, "__closure__", None) or ()) if _filled(cell)]
    values += list(getattr(obj, "__defaults__", None) or ())
    values += list((getattr(obj, "__kwdefaults__", None) or {}).values())
    namespace = getattr(obj, "__globals__", {})
    values += [namespace[name] for name in code.co_names if name in namespace]
    for value in values:
        if isinstance(value, torch.nn.Module) or (callable(value) and not isinstance(value, type)):
            _collect(value, found, depth + 1)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:  # an empty cell (a name assigned later in the enclosing function)
        return False
    return True


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


class _Snapshot:
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


class _TensorState:
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


class _Generators:
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


class Guarded:
    """What :func:`preserve_model` saw: the guarded modules, their paths from the first root, their devices."""

    __slots__ = ("cuda", "meta", "modules", "params", "paths", "versions", "versions_at_backward")

    def __init__(
        self,
        modules: list[torch.nn.Module],
        paths: dict[int, str],
        cuda: bool,
        meta: bool = False,
        params: list[torch.Tensor] | None = None,
    ) -> None:
        self.modules = modules
        """Every guarded module, once each."""
        self.paths = paths
        """``id(module) -> path`` for every module under the first root (``""`` is the root)."""
        self.cuda = cuda
        """Whether any parameter or buffer of the guarded modules is on CUDA."""
        self.meta = meta
        """Whether any parameter or buffer of the guarded modules is on the meta device."""
        self.params = params or []
        """Every parameter of the guarded modules (materialised ones), once each."""
        self.versions = [p._version for p in self.params]
        self.versions_at_backward: list[int] | None = None

    def backward_started(self) -> None:
        """The counted backward starts: a parameter modified in place from now on is its doing, not forward's."""
        self.versions_at_backward = [p._version for p in self.params]


@contextmanager
def preserve_model(model: Any) -> Iterator[Guarded]:
    """Run the block, then put every module reachable from ``model`` back as it was (see the module doc)."""
    roots = modules_of(model)
    paths: dict[int, str] = {}
    modules: list[torch.nn.Module] = []
    seen: set[int] = set()
    for i, root in enumerate(roots):
        for path, module in root.named_modules():  # one walk: it is paid at every count
            if id(module) not in seen:
                seen.add(id(module))
                modules.append(module)
                if i == 0:
                    paths[id(module)] = path
    generators = _Generators()
    snapshot = _Snapshot(modules)
    params = _unique([p for m in modules for p in m._parameters.values() if p is not None and not is_lazy(p)])
    buffers = [b for m in modules for b in m._buffers.values() if b is not None and not is_lazy(b)]
    tensor_state = _TensorState(params, [b for b in _unique(buffers) if b.is_leaf])
    cuda = any(t.is_cuda for t in params) or any(t.is_cuda for t in buffers)
    meta = any(t.is_meta for t in params) or any(t.is_meta for t in buffers)
    values = [(b, b.detach().clone()) for b in buffers if not b.is_meta]  # (tensor, copy of its values)
    # An embedding with max_norm renormalises, in place, the rows of its weight that it reads.
    values += [
        (m.weight, m.weight.detach().clone())
        for m in modules
        if isinstance(m, torch.nn.Embedding | torch.nn.EmbeddingBag) and m.max_norm is not None and not m.weight.is_meta
    ]
    guarded = Guarded(modules, paths, cuda, meta, params)
    try:
        yield guarded
    finally:
        snapshot.restore()
        written = tensor_state.restore()
        generators.restore()
        if values:
            with torch.no_grad():
                for tensor, copy in values:
                    tensor.copy_(copy)
        _warn_moved(roots, guarded, {id(t) for t, _ in values}, written)


def _unique(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """Each tensor once (a parameter shared by two modules, tied embeddings)."""
    if len(set(map(id, tensors))) == len(tensors):
        return tensors
    return list({id(t): t for t in tensors}.values())


def _warn_moved(roots: list[torch.nn.Module], guarded: Guarded, undone: set[int], written: list[torch.Tensor]) -> None:
    """Warn about what counting could not undo: parameters modified in place (by the forward, or during the
    counted backward), and gradients a forward's own backward added into in place."""
    forward: set[int] = set()
    backward: set[int] = set()
    now = [p._version for p in guarded.params]
    marks = guarded.versions_at_backward or now  # without a backward, every change is the forward's
    for p, start, mark, version in zip(guarded.params, guarded.versions, marks, now, strict=True):
        if id(p) in undone:
            continue
        if mark != start:
            forward.add(id(p))
        if version != mark:
            backward.add(id(p))
    messages = []
    if forward:
        messages.append(f"the model's forward modified parameters in place ({_names(roots, forward)})")
    if backward:
        messages.append(
            f"parameters were modified in place during the counted backward ({_names(roots, backward)}): by a hook "
            "it ran (a tensor hook, a module's backward hook) or a forward that checkpointing ran again"
        )
    if written:
        messages.append(
            f"the model's forward added gradients into .grad in place ({_names(roots, set(map(id, written)))}), "
            "with a backward it ran itself"
        )
    if messages:
        warnings.warn(
            f"torch-flops: {'; '.join(messages)}; counting cannot undo that. Count a copy of the model, or on the "
            "meta device.",
            ModelChangedWarning,
            stacklevel=4,
        )


def _names(roots: list[torch.nn.Module], ids: set[int]) -> str:
    names = [name for root in roots for name, p in root.named_parameters(remove_duplicate=False) if id(p) in ids]
    names += [name for root in roots for name, b in root.named_buffers(remove_duplicate=False) if id(b) in ids]
    return ", ".join(dict.fromkeys(names)) or f"{len(ids)} tensors outside the model's named parameters"
