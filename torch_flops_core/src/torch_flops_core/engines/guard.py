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

import functools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.nn.parameter import is_lazy

from ..errors import ModelChangedWarning
from ..wording import agree
from .snapshot import Generators, ModuleSnapshot, TensorState

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
    generators = Generators()
    snapshot = ModuleSnapshot(modules)
    params = _unique([p for m in modules for p in m._parameters.values() if p is not None and not is_lazy(p)])
    buffers = [b for m in modules for b in m._buffers.values() if b is not None and not is_lazy(b)]
    tensor_state = TensorState(params, [b for b in _unique(buffers) if b.is_leaf])
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
    return (
        ", ".join(dict.fromkeys(names))
        or f"{agree(len(ids), 'tensor', 'tensors')} outside the model's named parameters"
    )
