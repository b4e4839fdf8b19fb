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

_get_containers = operator.itemgetter(*_CONTAINERS)
_copy = operator.methodcaller("copy")


class _ModuleState:
    """One module's ``__dict__`` as it was, and the contents of the containers torch keeps in it.

    Snapshots are taken of every module at every count, so they are built with C-level calls only
    (``dict.copy``, ``map``, ``itemgetter``): a few microseconds per module.
    """

    __slots__ = ("containers", "copies", "entries", "lazy", "lengths", "module", "training")

    def __init__(self, module: torch.nn.Module) -> None:
        self.module = module
        self.training = module.training
        self.lazy = isinstance(module, LazyModuleMixin) and module.has_uninitialized_params()
        if self.lazy:  # its first forward materialises it, for good
            return
        d = module.__dict__
        self.entries = d.copy()
        try:
            containers = _get_containers(d)
        except KeyError:  # a module whose __init__ skipped nn.Module's: its __dict__ is all there is
            containers = ()
        self.containers: tuple[Any, ...] = containers
        self.lengths = tuple(map(len, containers))
        self.copies = tuple(map(_copy, compress(containers, self.lengths)))  # most are empty: not copied

    def restore(self) -> None:
        module = self.module
        if self.lazy:
            module.training = self.training
            return
        d = module.__dict__
        entries = self.entries
        if len(d) != len(entries) or not all(map(operator.is_, d.values(), entries.values())):
            d.clear()
            d.update(self.entries)
        containers, lengths = self.containers, self.lengths
        if tuple(map(len, containers)) == lengths:  # the usual case: only the non-empty can differ
            for container, copy in zip(compress(containers, lengths), self.copies, strict=True):
                if _changed(container, copy):
                    container.clear()
                    container.update(copy)
            return
        copies = iter(self.copies)
        for container, before in zip(containers, lengths, strict=True):
            if not before:
                if container:  # filled during forward (a hook registered, a buffer added)
                    container.clear()
                continue
            copy = next(copies)
            if len(container) != before or _changed(container, copy):
                container.clear()
                container.update(copy)


def _changed(container: Any, copy: Any) -> bool:
    if type(container) is set:
        return bool(container != copy)
    return container.keys() != copy.keys() or not all(map(operator.is_, container.values(), copy.values()))


class Guarded:
    """What :func:`preserve_model` saw: the guarded modules, with their paths from the first root."""

    __slots__ = ("cuda", "paths", "roots")

    def __init__(self, roots: list[torch.nn.Module], paths: dict[int, str], cuda: bool) -> None:
        self.roots = roots
        self.paths = paths
        """``id(module) -> path`` for every module under the first root (``""`` is the root)."""
        self.cuda = cuda
        """Whether any parameter or buffer of the guarded modules is on CUDA."""


@contextmanager
def preserve_model(model: Any) -> Iterator[Guarded]:
    """Run the block, then put every module reachable from ``model`` back as it was (see the module doc)."""
    roots = modules_of(model)
    paths: dict[int, str] = {}
    states: list[_ModuleState] = []
    values: list[tuple[torch.Tensor, torch.Tensor]] = []  # (tensor, copy of its values)
    versions: list[tuple[str, str, torch.Tensor, int]] = []  # (module path, name, parameter, version)
    cuda = False
    seen: set[int] = set()
    for i, root in enumerate(roots):
        for path, module in root.named_modules():  # one walk: it is paid at every count
            if id(module) in seen:
                continue
            seen.add(id(module))
            if i == 0:
                paths[id(module)] = path
            states.append(_ModuleState(module))
            for name, p in module._parameters.items():
                if p is not None and not is_lazy(p):
                    versions.append((path, name, p, p._version))
                    cuda = cuda or p.is_cuda
            for buf in module._buffers.values():
                if buf is not None and not is_lazy(buf):
                    cuda = cuda or buf.is_cuda
                    if not buf.is_meta:
                        values.append((buf, buf.detach().clone()))
            # An embedding with max_norm renormalises, in place, the rows of its weight that it reads.
            if (
                isinstance(module, torch.nn.Embedding | torch.nn.EmbeddingBag)
                and module.max_norm is not None
                and module.weight.device.type != "meta"
            ):
                values.append((module.weight, module.weight.detach().clone()))
    try:
        yield Guarded(roots, paths, cuda)
    finally:
        for state in states:
            state.restore()
        if values:
            with torch.no_grad():
                for tensor, copy in values:
                    tensor.copy_(copy)
        copied = {id(t) for t, _ in values}
        changed = [
            f"{path}.{name}" if path else name
            for path, name, p, version in versions
            if p._version != version and id(p) not in copied
        ]
        if changed:
            warnings.warn(
                f"torch-flops: the model's forward modified parameters in place ({', '.join(changed)}); "
                "counting cannot undo that. Count a copy of the model, or on the meta device.",
                ModelChangedWarning,
                stacklevel=3,
            )
