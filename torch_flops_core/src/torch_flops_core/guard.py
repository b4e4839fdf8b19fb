"""Counting never changes the model: training flags, buffers and attributes are restored afterwards."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch.nn.parameter import is_lazy

from .errors import ModelChangedWarning

__all__ = ["preserve_model"]


@contextmanager
def preserve_model(model: object) -> Iterator[None]:
    """Restore every module's ``training`` flag and buffers, and the root's attribute names.

    A forward in training mode updates running statistics (BatchNorm) in place, without moving the
    buffer's version counter, and some modules assign or register buffers: every module's buffer
    dict is put back as it was, and the values of non-meta buffers copied back. Tracing stores
    tensor constants as attributes of the root (``_tensor_constant0``): the root's attributes,
    parameters and submodules added meanwhile are removed. All of it even when the forward raised.
    """
    if not isinstance(model, torch.nn.Module):
        yield
        return
    modules = list(model.modules())
    flags = [m.training for m in modules]
    buffers = [dict(m._buffers) for m in modules]
    values = [
        (buf, buf.detach().clone())
        for saved in buffers
        for buf in saved.values()
        if buf is not None and buf.device.type != "meta" and not is_lazy(buf)
    ]
    # Parameters are not copied (they can be most of the machine's memory), except where torch.nn
    # itself writes them during forward: an embedding with max_norm renormalises the rows it reads.
    values += [
        (m.weight, m.weight.detach().clone())
        for m in modules
        if isinstance(m, torch.nn.Embedding | torch.nn.EmbeddingBag)
        and m.max_norm is not None
        and m.weight.device.type != "meta"
    ]
    versions = [(name, p, p._version) for name, p in model.named_parameters() if not is_lazy(p)]
    root = (set(model.__dict__), set(model._parameters), set(model._modules))
    try:
        yield
    finally:
        for m, training, saved in zip(modules, flags, buffers, strict=True):
            m.training = training
            now = m._buffers
            if now.keys() != saved.keys() or any(now[k] is not v for k, v in saved.items()):
                m._buffers.clear()
                m._buffers.update(saved)
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
        attrs, params, subs = root
        for name in set(model.__dict__) - attrs:
            del model.__dict__[name]
        for name in set(model._parameters) - params:
            del model._parameters[name]
        for name in set(model._modules) - subs:
            del model._modules[name]
