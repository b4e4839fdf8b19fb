"""Counting never changes the model: training flags and buffers are restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["preserve_model"]


@contextmanager
def preserve_model(model: object) -> Iterator[None]:
    """Restore every module's ``training`` flag, buffers and attribute names as they were on entry.

    A forward in training mode updates running statistics (BatchNorm) in place, without moving the
    buffer's version counter; some modules assign new buffers. Buffers are copied on entry and put
    back on exit, even when the forward raised (meta buffers hold no values and need no copy).
    """
    if not isinstance(model, torch.nn.Module):
        yield
        return
    modules = list(model.modules())
    flags = [(m, m.training) for m in modules]
    # Tracing adds attributes to the root (``_tensor_constant0``); a forward may register things.
    keys = [(m, set(m.__dict__), set(m._parameters), set(m._buffers), set(m._modules)) for m in modules]
    saved = []
    for m in modules:
        for name, buf in m._buffers.items():
            if buf is None:
                continue
            copy = buf.detach().clone() if buf.device.type != "meta" else None
            saved.append((m, name, buf, copy))
    try:
        yield
    finally:
        for m, attrs, params, bufs, subs in keys:
            for name in set(m.__dict__) - attrs:
                del m.__dict__[name]
            for name in set(m._parameters) - params:
                del m._parameters[name]
            for name in set(m._buffers) - bufs:
                del m._buffers[name]
            for name in set(m._modules) - subs:
                del m._modules[name]
        for m, training in flags:
            if m.training is not training:
                m.training = training
        with torch.no_grad():
            for m, name, buf, copy in saved:
                if m._buffers.get(name) is not buf:
                    m._buffers[name] = buf
                if copy is not None:
                    buf.copy_(copy)
