"""Module calls, delivered to the count running in the calling thread.

Engines need to know which module an op runs in (its path, for records and per-module views) and, for
the eager engine, when a module counted whole by a rule starts and ends. They get it from one pair of
*global* module hooks (``torch.nn.modules.module.register_module_forward_pre_hook`` and
``register_module_forward_hook``), installed while at least one count runs in the process and removed
when the last one ends. The hooks dispatch to the listener on top of the calling thread's own stack
and do nothing in a thread that is not counting: a count never sees, nor changes, another thread's
forward, and no hook is ever put on the user's modules (per-module hooks would also race with other
threads' forward).

Order: torch runs the process-wide pre-hooks *before* a module's own forward pre-hooks, and the
process-wide forward hooks *before* its own forward hooks, both from one frame (``Module._call_impl``'s
``inner``). ``module_started`` therefore comes before the module's own pre-hooks have run and
``module_finished`` before its own forward hooks: a listener that counts a module whole must still see
what those hooks do (the eager engine tells them from the forward by that frame, see ``eager.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import torch
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

__all__ = ["ModuleListener", "module_events", "module_path", "outer_counts_paused", "torch_functions_off"]

torch_functions_off = torch._C.DisableTorchFunction
"""The context in which no torch function mode sees a call (what a mode's own ``__torch_function__`` runs under):
the eager engine's quiet spans, and work a count does that an outer count must not see."""


class ModuleListener(Protocol):
    """What a count implements to follow the modules its forward calls."""

    def module_started(self, module: torch.nn.Module) -> None: ...

    def module_finished(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None: ...

    def pause(self, delta: int) -> None:
        """Stop (+1) or resume (−1) recording anything (a count nested in this one's forward)."""


def module_path(paths: dict[int, str], module: torch.nn.Module, parent: str) -> str:
    """A module's path in a count: its path in the model (``paths``, from the guard's walk), or, for a module
    outside the model (built in forward, or held by a closure), its class name under the caller's path."""
    path = paths.get(id(module))
    if path is not None:
        return path
    name = type(module).__name__
    return f"{parent}.{name}" if parent else name


thread_listeners = threading.local()
_lock = threading.Lock()
_users = 0
_handles: list[Any] = []


def _on_module_start(module: torch.nn.Module, args: Any) -> None:
    stack: list[ModuleListener] | None = getattr(thread_listeners, "stack", None)
    if stack:
        stack[-1].module_started(module)


def _on_module_end(module: torch.nn.Module, args: tuple[Any, ...], *rest: Any) -> None:
    # (module, args, kwargs, output) normally; (module, args, output) when forward raised, or when the
    # hook was being removed as torch called it: the hook takes either.
    stack: list[ModuleListener] | None = getattr(thread_listeners, "stack", None)
    if stack:
        kwargs, output = rest if len(rest) == 2 else ({}, rest[-1] if rest else None)
        stack[-1].module_finished(module, args, kwargs, output)


@contextmanager
def outer_counts_paused() -> Iterator[None]:
    """Hide a count from the counts already running in this thread (a count started inside a forward
    being counted): neither its own work nor the model it runs is recorded by them."""
    running = list(thread_listeners.__dict__.get("stack", []))
    for listener in running:
        listener.pause(+1)
    try:
        yield
    finally:
        for listener in running:
            listener.pause(-1)


@contextmanager
def module_events(listener: ModuleListener) -> Iterator[None]:
    """Deliver this thread's module calls to ``listener`` while the block runs."""
    global _users
    with _lock:
        if _users == 0:
            _handles[:] = [
                register_module_forward_pre_hook(_on_module_start),
                register_module_forward_hook(_on_module_end, with_kwargs=True, always_call=True),
            ]
        _users += 1
    stack: list[ModuleListener] = thread_listeners.__dict__.setdefault("stack", [])
    stack.append(listener)
    try:
        yield
    finally:
        stack.pop()
        with _lock:
            _users -= 1
            if _users == 0:
                for handle in _handles:
                    handle.remove()
                _handles.clear()
