"""Counting never changes the model: training flags, buffers and attributes are restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

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
        if buf is not None and buf.device.type != "meta"
    ]
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
        attrs, params, subs = root
        for name in set(model.__dict__) - attrs:
            del model.__dict__[name]
        for name in set(model._parameters) - params:
            del model._parameters[name]
        for name in set(model._modules) - subs:
            del model._modules[name]
