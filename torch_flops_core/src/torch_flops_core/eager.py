"""The eager engine: run the model as it is and count every call through the same rule table.

A :class:`torch.overrides.TorchFunctionMode` sees each top-level torch call (``torch.add``,
``Tensor.softmax``, ``F.layer_norm``, a property read such as ``x.shape``); module forward hooks keep
the module path and count modules that have a module rule, whose inner calls are then not counted
again. Python control flow, data-dependent shapes and untraceable code all work, because nothing is
traced: what is counted is what runs.

Threads. The mode is thread-local (torch keeps mode stacks per thread). Module events come from one
pair of *global* module hooks (``torch.nn.modules.module.register_module_forward_pre_hook`` and
``register_module_forward_hook``), installed while at least one count runs in the process and removed
when the last one ends. They dispatch to the counter on top of the calling thread's own stack, and do
nothing in a thread that is not counting: a count never sees, nor changes, another thread's forward,
and no hook is ever left on the user's modules.
"""

from __future__ import annotations

import builtins
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import GetSetDescriptorType
from typing import Any

import torch
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.overrides import TorchFunctionMode

from .aliases import operator_spellings
from .ignore import IgnoreSpec
from .recorder import Probe, Recorder
from .registry import RuleEntry, RuleTable
from .rules import Call

__all__ = ["EagerCounter", "run_eager"]


_NOT_NAME = re.compile(r"\W")


@dataclass(slots=True)
class _Resolved:
    """How one callable seen by the mode is recorded: kind, target spelling, rule, name."""

    kind: str
    target: Any
    entry: RuleEntry | None
    ignored: bool
    base: str
    reflected: bool = False
    attribute: str | None = None


@dataclass(slots=True)
class _Frame:
    module: torch.nn.Module
    path: str
    type_name: str
    entry: RuleEntry | None
    ignored: bool
    probe: Probe | None


class EagerCounter:
    """Records ops as they run: one record per top-level torch call or module counted whole."""

    def __init__(
        self,
        table: RuleTable,
        ignore: IgnoreSpec | None,
        recorder: Recorder,
        *,
        paths: dict[int, str] | None = None,
        base_path: str = "",
        base_type: str = "",
    ) -> None:
        """``paths`` maps ``id(module)`` to its path for the modules of the model being counted (a
        module not in it is named after its class, under the module that called it)."""
        self.table = table
        self.ignore = ignore if ignore else None
        self.recorder = recorder
        self._paths = paths or {}
        self._base = (base_path, base_type)
        self._frames: list[_Frame] = []
        self._suppress = 0
        self._resolved: dict[Any, _Resolved] = {}
        self._module_entries: dict[type, RuleEntry | None] = {}

    @property
    def records(self) -> list[Any]:
        return self.recorder.records

    # -- resolution -----------------------------------------------------------------------------
    def _resolve(self, func: Any) -> _Resolved:
        try:
            return self._resolved[func]
        except KeyError:
            resolved = self._resolved[func] = self._resolve_uncached(func)
            return resolved
        except TypeError:  # an unhashable callable is resolved at each call
            return self._resolve_uncached(func)

    def _ignored(self, kind: str, target: Any, module: torch.nn.Module | None) -> bool:
        return self.ignore is not None and self.ignore.matches(kind, target, module, self.table)

    def _resolve_uncached(self, func: Any) -> _Resolved:
        table = self.table
        owner = getattr(func, "__self__", None)
        if isinstance(owner, GetSetDescriptorType):  # x.shape, x.T: FX records getattr(x, "shape")
            entry = table.function_rule(builtins.getattr)
            ignored = self._ignored("call_function", builtins.getattr, None)
            return _Resolved("call_function", builtins.getattr, entry, ignored, "getattr", attribute=owner.__name__)
        spelled = operator_spellings().get(func)
        if spelled is not None:  # Tensor.__rsub__ -> operator.sub with operands in source order
            op, reflected = spelled
            ignored = self._ignored("call_function", op, None)
            return _Resolved("call_function", op, table.function_rule(op), ignored, op.__name__, reflected)
        name = getattr(func, "__name__", None)
        if isinstance(name, str) and getattr(torch.Tensor, name, None) is func:  # a Tensor method
            ignored = self._ignored("call_method", name, None)
            return _Resolved("call_method", name, table.method_rule(name), ignored, name)
        ignored = self._ignored("call_function", func, None)
        base = _NOT_NAME.sub("_", name) if name else "call"  # named like FX's nodes: opaque.default -> opaque_default
        return _Resolved("call_function", func, table.function_rule(func), ignored, base)

    # -- torch calls ----------------------------------------------------------------------------
    def call(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one torch call and record it (unless inside a module counted as a whole)."""
        if self._suppress:
            return func(*args, **kwargs)
        r = self._resolve(func)
        recorder = self.recorder
        probe = recorder.start()
        output = func(*args, **kwargs)
        measured = recorder.stop(probe)
        if r.attribute is not None:
            call_args: tuple[Any, ...] = (args[0], r.attribute)
        elif r.reflected and len(args) >= 2:
            call_args = (args[1], args[0], *args[2:])
        else:
            call_args = args
        name = recorder.name(r.base)
        path, mtype = (self._frames[-1].path, self._frames[-1].type_name) if self._frames else self._base
        flops, macs = Recorder.count(
            r.entry, r.ignored, Call(r.kind, r.target, call_args, kwargs, output, None, name), path
        )
        recorder.record(name, r.kind, r.target, path, mtype, flops, macs, r.entry, r.ignored, measured)
        return output

    # -- module events --------------------------------------------------------------------------
    def _module_entry(self, module: torch.nn.Module) -> RuleEntry | None:
        cls = type(module)
        try:
            entry = self._module_entries[cls]
        except KeyError:
            entry = self._module_entries[cls] = self.table.module_rule(cls)
        if entry is not None and "forward" in module.__dict__:  # a forward set on the instance runs as is
            return None
        return entry

    def module_started(self, module: torch.nn.Module) -> None:
        type_name = type(module).__name__
        path = self._paths.get(id(module))
        if path is None:  # a module outside the model (built in forward, or held by a closure)
            parent = self._frames[-1].path if self._frames else self._base[0]
            path = f"{parent}.{type_name}" if parent else type_name
        if self._suppress:
            self._frames.append(_Frame(module, path, type_name, None, False, None))
            return
        entry = self._module_entry(module)
        ignored = self.ignore is not None and self.ignore.matches("call_module", path, module, self.table)
        whole = entry is not None or ignored
        self._frames.append(_Frame(module, path, type_name, entry, ignored, self.recorder.start() if whole else None))
        if whole:
            self._suppress += 1

    def module_finished(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        frames = self._frames
        if not frames or frames[-1].module is not module:
            return  # a module that started before this count did
        frame = frames.pop()
        if frame.probe is None:
            return
        measured = self.recorder.stop(frame.probe)
        name = self.recorder.name(frame.path.replace(".", "_") or frame.type_name.lower())
        call = Call("call_module", frame.path, args, kwargs, output, module, name)
        try:  # still suppressed: the rule's own tensor calls (x.numel()) are not ops of the model
            flops, macs = Recorder.count(frame.entry, frame.ignored, call, frame.path)
        finally:
            self._suppress -= 1
        self.recorder.record(
            name, "call_module", frame.path, frame.path, frame.type_name, flops, macs, frame.entry, frame.ignored,
            measured,
        )  # fmt: skip


# -- process-wide module hooks, dispatched per thread ---------------------------------------------
_local = threading.local()
_lock = threading.Lock()
_users = 0
_handles: list[Any] = []


def _active() -> EagerCounter | None:
    stack: list[EagerCounter] | None = getattr(_local, "stack", None)
    return stack[-1] if stack else None


def _on_module_start(module: torch.nn.Module, *_: Any) -> None:
    counter = _active()
    if counter is not None:
        counter.module_started(module)


def _on_module_end(module: torch.nn.Module, args: tuple[Any, ...], *rest: Any) -> None:
    # (module, args, kwargs, output) normally; (module, args, output) when forward raised, or when the
    # hook was being removed as torch called it: the hook takes either.
    counter = _active()
    if counter is not None:
        kwargs, output = rest if len(rest) == 2 else ({}, rest[-1] if rest else None)
        counter.module_finished(module, args, kwargs, output)


@contextmanager
def _module_events(counter: EagerCounter) -> Iterator[None]:
    """Deliver this thread's module calls to ``counter`` while the block runs."""
    global _users
    with _lock:
        if _users == 0:
            _handles[:] = [
                register_module_forward_pre_hook(_on_module_start),
                register_module_forward_hook(_on_module_end, with_kwargs=True, always_call=True),
            ]
        _users += 1
    stack: list[EagerCounter] = _local.__dict__.setdefault("stack", [])
    stack.append(counter)
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


class _CountingMode(TorchFunctionMode):
    def __init__(self, counter: EagerCounter) -> None:
        super().__init__()
        self.counter = counter

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        return self.counter.call(func, args, kwargs or {})


def run_eager(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], counter: EagerCounter) -> Any:
    """Call ``fn(*args, **kwargs)`` with ``counter`` recording every torch call and module it runs."""
    with _module_events(counter), _CountingMode(counter):
        return fn(*args, **kwargs)
