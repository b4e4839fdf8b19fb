"""The parameters and buffers of a counted model, whole and per module: :func:`model_structure` walks the model once
(``named_modules()``, the order ``print(model)`` shows) and gives each module's path, class name and
:class:`ParamCounts`, of its whole subtree and of its own tensors.

A tensor held by two modules (tied embeddings, a shared block) is counted once, by identity, as
``sum(p.numel() for p in model.parameters())`` counts it (``parameters()`` yields each tensor once): once in the
whole model, and once in every subtree that holds it. Buffers (BatchNorm's running statistics, non-persistent ones
too) are counted apart from parameters; a parameter is trainable when it ``requires_grad``, else frozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.nn.parameter import is_lazy

__all__ = ["ModuleInfo", "ParamCounts", "model_structure", "root_module", "row_params"]


@dataclass(frozen=True, slots=True)
class ParamCounts:
    """Elements of parameters and buffers, each tensor once: ``total = trainable + frozen``; ``buffers`` apart."""

    total: int
    """Parameter elements, trainable and frozen (``sum(p.numel() for p in module.parameters())``)."""
    trainable: int
    """Elements of the parameters that require grad."""
    frozen: int
    """Elements of the parameters that do not (``requires_grad_(False)``)."""
    buffers: int
    """Buffer elements (``sum(b.numel() for b in module.buffers())``): running statistics, masks, tables."""

    def to_dict(self) -> dict[str, Any]:
        """The four counts by name (JSON)."""
        return {"total": self.total, "trainable": self.trainable, "frozen": self.frozen, "buffers": self.buffers}


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """One module of the counted model, at its path (``""``: the model itself)."""

    path: str
    class_name: str
    params: ParamCounts
    """The module's whole subtree (its own tensors and its submodules'), each tensor once."""
    own: ParamCounts
    """The tensors the module holds directly (``module._parameters`` and ``_buffers``), none of its submodules'."""


def root_module(model: Any) -> torch.nn.Module | None:
    """The module whose parameters a count reports: the model itself, a bound method's module (``model.generate``),
    else ``None`` (a plain function: it has no parameters of its own to report)."""
    if isinstance(model, torch.nn.Module):
        return model
    owner = getattr(model, "__self__", None)
    return owner if isinstance(owner, torch.nn.Module) else None


_Tensors = dict[int, tuple[torch.Tensor, bool]]  # id -> (tensor, is a buffer)


def _own(module: torch.nn.Module) -> _Tensors:
    found: _Tensors = {}
    for p in module._parameters.values():
        if p is not None and not is_lazy(p):
            found[id(p)] = (p, False)
    for b in module._buffers.values():
        if b is not None and not is_lazy(b):
            found.setdefault(id(b), (b, True))
    return found


def _counts(tensors: _Tensors) -> ParamCounts:
    trainable = frozen = buffers = 0
    for tensor, is_buffer in tensors.values():
        n = tensor.numel()
        if is_buffer:
            buffers += n
        elif tensor.requires_grad:
            trainable += n
        else:
            frozen += n
    return ParamCounts(trainable + frozen, trainable, frozen, buffers)


def model_structure(model: Any) -> dict[str, ModuleInfo] | None:
    """Every module of ``model`` by path, in ``named_modules()`` order (each module once, at its first path), with
    its class name and parameter counts; ``None`` when ``model`` is no module (see :func:`root_module`).

    Uninitialised parameters of a lazy module (before its first forward) are not counted. One walk; each subtree's
    tensors are gathered once (a shared submodule's are reused), so the cost is the model's size times its depth.
    """
    root = root_module(model)
    if root is None:
        return None
    owns: dict[int, _Tensors] = {}
    subtrees: dict[int, _Tensors] = {}

    def own(module: torch.nn.Module) -> _Tensors:
        found = owns.get(id(module))
        if found is None:
            found = owns[id(module)] = _own(module)
        return found

    def subtree(module: torch.nn.Module) -> _Tensors:
        found = subtrees.get(id(module))
        if found is None:
            found = subtrees[id(module)] = dict(own(module))  # kept first: a module that holds itself ends here
            for child in module._modules.values():
                if child is not None:
                    found.update(subtree(child))
        return found

    structure: dict[str, ModuleInfo] = {}
    for path, module in root.named_modules():
        structure[path] = ModuleInfo(path, type(module).__name__, _counts(subtree(module)), _counts(own(module)))
    return structure


def row_params(structure: dict[str, ModuleInfo] | None, path: str, depth: int) -> ParamCounts | None:
    """The parameters of a module row at ``depth``: the subtree of the module at ``path``; for the root row (``""``)
    at a depth of 1 or more, which holds the ops outside every submodule, the root's own tensors (at depth 0 the
    whole model). ``None`` where the path names no module of the model (or the model is a function)."""
    info = structure.get(path) if structure is not None else None
    if info is None:
        return None
    return info.own if path == "" and depth > 0 else info.params
