"""Counting never changes the model: every module's state is put back as it was, whatever forward did.

The modules guarded are those reachable from what is counted: an ``nn.Module``, the module of a bound
method (``model.forward``), and the modules a plain function or ``functools.partial`` holds in its
closure, defaults or the globals it names. For each of them, and each of their submodules:

- every ``__dict__`` entry that forward added, removed or rebound (a lazily built mask, a flag, a
  ``torch.fx`` Proxy left by tracing, the ``training`` flag) is put back;
- the contents of torch's own per-module dicts (parameters, buffers, submodules, forward/backward and
  state-dict hooks) are put back, so a buffer replaced or registered, or a hook added in forward, is
  undone;
- the values of non-meta buffers are copied back (BatchNorm's running statistics move in place in
  training mode without bumping the tensor's version counter);
- parameters are not copied (they can be most of the machine's memory): an in-place write to one is
  reported with :class:`ModelChangedWarning`, except for an embedding's ``max_norm`` renormalisation,
  which is undone.

All of it also when forward raises or is interrupted. A lazy module (``nn.LazyLinear``) still holding
uninitialised parameters is materialised by its first forward, and that is kept: only its training
flag is restored. Objects that forward mutates in place (a list an attribute holds) are not copied.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.nn.modules.lazy import LazyModuleMixin

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


class _ModuleState:
    """One module's ``__dict__`` as it was, and the contents of the dicts torch keeps in it."""

    __slots__ = ("entries", "ids", "inner", "keys", "lazy", "module", "sets", "training")

    def __init__(self, module: torch.nn.Module) -> None:
        self.module = module
        self.training = module.training
        self.lazy = isinstance(module, LazyModuleMixin) and module.has_uninitialized_params()
        if self.lazy:  # its first forward materialises it, for good
            return
        d = module.__dict__
        self.entries = dict(d)
        self.keys = list(d)
        self.ids = list(map(id, d.values()))
        self.inner = [
            (v, list(v), list(map(id, v.values())), tuple(v.items())) for v in d.values() if type(v) in _DICTS
        ]
        self.sets = [(v, set(v)) for v in d.values() if type(v) is set]  # _non_persistent_buffers_set

    def restore(self) -> None:
        module = self.module
        if self.lazy:
            module.training = self.training
            return
        d = module.__dict__
        if list(d) != self.keys or list(map(id, d.values())) != self.ids:
            d.clear()
            d.update(self.entries)
        for inner, keys, ids, items in self.inner:
            if list(inner) != keys or list(map(id, inner.values())) != ids:
                inner.clear()
                inner.update(items)
        for names, saved in self.sets:
            if names != saved:
                names.clear()
                names.update(saved)


_DICTS = (dict, OrderedDict)


class Guarded:
    """What :func:`preserve_model` saw: the guarded modules, with their paths from the first root."""

    __slots__ = ("paths", "roots")

    def __init__(self, roots: list[torch.nn.Module], paths: dict[int, str]) -> None:
        self.roots = roots
        self.paths = paths
        """``id(module) -> path`` for every module under the first root (``""`` is the root)."""


@contextmanager
def preserve_model(model: Any) -> Iterator[Guarded]:
    """Run the block, then put every module reachable from ``model`` back as it was (see the module doc)."""
    roots = modules_of(model)
    paths: dict[int, str] = {}
    modules: list[torch.nn.Module] = []
    seen: set[int] = set()
    for i, root in enumerate(roots):
        for path, module in root.named_modules():
            if id(module) in seen:
                continue
            seen.add(id(module))
            modules.append(module)
            if i == 0:
                paths[id(module)] = path
    states = [_ModuleState(m) for m in modules]
    values = [
        (buf, buf.detach().clone())
        for m in modules
        for buf in m._buffers.values()
        if buf is not None and buf.device.type != "meta" and not torch.nn.parameter.is_lazy(buf)
    ]
    # An embedding with max_norm renormalises, in place, the rows of its weight that it reads.
    values += [
        (m.weight, m.weight.detach().clone())
        for m in modules
        if isinstance(m, torch.nn.Embedding | torch.nn.EmbeddingBag)
        and m.max_norm is not None
        and m.weight.device.type != "meta"
    ]
    versions = [
        (name, p, p._version)
        for root in roots
        for name, p in root.named_parameters()
        if not torch.nn.parameter.is_lazy(p)
    ]
    try:
        yield Guarded(roots, paths)
    finally:
        for state in states:
            state.restore()
        if values:
            with torch.no_grad():
                for buf, copy in values:
                    buf.copy_(copy)
        copied = {id(t) for t, _ in values}
        changed = [name for name, p, version in versions if p._version != version and id(p) not in copied]
        if changed:
            warnings.warn(
                f"torch-flops: the model's forward modified parameters in place ({', '.join(changed)}); "
                "counting cannot undo that. Count a copy of the model, or on the meta device.",
                ModelChangedWarning,
                stacklevel=3,
            )
