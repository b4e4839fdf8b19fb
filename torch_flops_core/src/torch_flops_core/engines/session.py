"""The conditions every count runs under, whatever its engine: the garbage collector paused, torch's meta kernels
loaded before any op is timed, grad mode set for a forward-only count or a training step, compiled submodules run
eagerly. :func:`~torch_flops_core.engines.run.run_count` enters them."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

__all__ = ["eager_stance", "gc_paused", "grad_mode", "warm_up_meta"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a count runs, as ``timeit`` does.

    A count allocates a few small objects per op; on a model of thousands of ops that sets off
    collections which walk every object of the process (all of torch's), and one of them landing in
    a count can double its time. Reference counting still frees everything a count drops; the
    collector is switched back on afterwards, unless it was off before (or another thread's count
    still runs: then that one switches it back).
    """
    with _gc_lock:
        global _gc_pausers
        if _gc_pausers == 0:
            _gc_state[0] = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_state[0]:
                gc.enable()


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_state = [True]


_meta_ready = False


def warm_up_meta() -> None:
    """Load torch's Python meta kernels once per process, before any op is timed.

    The first op on the meta device that has a Python meta kernel (``layer_norm``, ...) imports them,
    several hundred modules and about half a second: without this, that one-off cost lands in one
    op's ``time_ms``.
    """
    global _meta_ready
    if not _meta_ready:
        with torch.no_grad():
            torch.nn.functional.layer_norm(torch.empty(1, 2, device="meta"), (2,))
        _meta_ready = True


@contextmanager
def grad_mode(backward: bool) -> Iterator[None]:
    """Grad off for a forward-only count; on (also inside ``torch.no_grad()`` or ``inference_mode()``
    of the caller) when the backward is counted: autograd must record the forward's graph."""
    if not backward:
        with torch.no_grad():
            yield
        return
    with torch.inference_mode(False), torch.enable_grad():
        yield


@contextmanager
def eager_stance(guarded: Any) -> Iterator[None]:
    """Run compiled submodules eagerly during the count: dynamo cannot trace under a torch function
    mode, and what is counted is the module's own math either way."""
    compiled = any(hasattr(m, "_orig_mod") and hasattr(m, "dynamo_ctx") for m in guarded.modules)
    if not compiled or not hasattr(torch.compiler, "set_stance"):
        yield
        return
    with torch.compiler.set_stance("force_eager"):
        yield
