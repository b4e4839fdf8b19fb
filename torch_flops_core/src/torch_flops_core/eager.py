"""The eager engine: run the model as it is and count every call through the same rule table.

A :class:`torch.overrides.TorchFunctionMode` sees each top-level torch call (``torch.add``,
``Tensor.softmax``, ``F.layer_norm``, a property read such as ``x.shape``); forward pre/post hooks
on every submodule keep the module path and count modules that have a module rule, whose inner
calls are then not counted again. Python control flow, data-dependent shapes and untraceable code
all work, because nothing is traced. Hooks and the mode are removed even when the forward raises.
"""

from __future__ import annotations

import builtins
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from types import GetSetDescriptorType
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from .aliases import operator_spellings
from .ignore import IgnoreSpec
from .registry import RuleEntry, RuleTable
from .results import OpRecord
from .rules import NOT_RECOGNIZED, Call, NotRecognizedType

__all__ = ["EagerCounter", "run_eager"]


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
    path: str
    type_name: str
    module: torch.nn.Module
    entry: RuleEntry | None
    ignored: bool
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    start: float


class EagerCounter:
    """Records ops as they run: one :class:`OpRecord` per top-level torch call or counted module."""

    def __init__(
        self,
        table: RuleTable,
        ignore: IgnoreSpec | None = None,
        *,
        measure_time: bool = True,
        cuda: bool = False,
        prefix: str = "",
        base_path: str = "",
        base_type: str = "",
    ) -> None:
        self.table = table
        self.ignore = ignore
        self.measure_time = measure_time
        self.cuda = cuda
        self.prefix = prefix
        self.records: list[OpRecord] = []
        self._names: Counter[str] = Counter()
        self._stack: list[tuple[str, str]] = [(base_path, base_type)]
        self._frames: list[_Frame] = []
        self._suppress = 0
        self._resolved: dict[Any, _Resolved] = {}
        self._paths: dict[int, str] = {}
        self._module_entries: dict[type, RuleEntry | None] = {}

    # -- naming and resolution ---------------------------------------------------------------
    def _name(self, base: str) -> str:
        n = self._names[base]
        self._names[base] = n + 1
        return f"{self.prefix}{base}" if n == 0 else f"{self.prefix}{base}_{n}"

    def _resolve(self, func: Any) -> _Resolved:
        try:
            return self._resolved[func]
        except (KeyError, TypeError):
            pass
        resolved = self._resolve_uncached(func)
        with suppress(TypeError):  # an unhashable callable is resolved at each call
            self._resolved[func] = resolved
        return resolved

    def _ignored(self, kind: str, target: Any, module: torch.nn.Module | None) -> bool:
        return self.ignore is not None and bool(self.ignore) and self.ignore.matches(kind, target, module, self.table)

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
        return _Resolved("call_function", func, table.function_rule(func), ignored, name or "call")

    # -- recording ------------------------------------------------------------------------------
    def _count(
        self, entry: RuleEntry | None, ignored: bool, call: Call, module_path: str
    ) -> tuple[int | NotRecognizedType, int]:
        if ignored:
            return 0, 0
        if entry is None:
            return NOT_RECOGNIZED, 0
        return entry.apply(call, module_path)

    def _append(
        self, name: str, kind: str, target: Any, path: str, mtype: str, flops: Any, macs: int,
        entry: RuleEntry | None, ignored: bool, time_ms: float | None,
    ) -> None:  # fmt: skip
        counted = entry is not None and not ignored
        self.records.append(
            OpRecord(
                name, kind, target, path, mtype, flops, macs,
                entry.plugin if counted else None,  # type: ignore[union-attr]
                entry.name if counted else None,  # type: ignore[union-attr]
                ignored, time_ms,
            )
        )  # fmt: skip

    def call(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one torch call and record it (unless inside a module counted as a whole)."""
        if self._suppress:
            return func(*args, **kwargs)
        r = self._resolve(func)
        if self.measure_time:
            if self.cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
            output = func(*args, **kwargs)
            if self.cuda:
                torch.cuda.synchronize()
            time_ms: float | None = (time.perf_counter() - start) * 1e3
        else:
            output = func(*args, **kwargs)
            time_ms = None
        if r.attribute is not None:
            call_args: tuple[Any, ...] = (args[0], r.attribute)
        elif r.reflected and len(args) >= 2:
            call_args = (args[1], args[0], *args[2:])
        else:
            call_args = args
        name = self._name(r.base)
        call = Call(r.kind, r.target, call_args, kwargs, output, None, name)
        path, mtype = self._stack[-1]
        flops, macs = self._count(r.entry, r.ignored, call, path)
        self._append(name, r.kind, r.target, path, mtype, flops, macs, r.entry, r.ignored, time_ms)
        return output

    # -- module hooks ---------------------------------------------------------------------------
    def _module_entry(self, cls: type) -> RuleEntry | None:
        try:
            return self._module_entries[cls]
        except KeyError:
            entry = self._module_entries[cls] = self.table.module_rule(cls)
            return entry

    def _pre_hook(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        path = self._paths.get(id(module), type(module).__name__)
        type_name = type(module).__name__
        entry = None if self._suppress else self._module_entry(type(module))
        ignored = (
            not self._suppress and bool(self.ignore) and self.ignore.matches("call_module", path, module, self.table)  # type: ignore[union-attr]
        )
        if self.cuda and (entry is not None or ignored) and self.measure_time:
            torch.cuda.synchronize()
        self._frames.append(_Frame(path, type_name, module, entry, ignored, args, kwargs, time.perf_counter()))
        self._stack.append((path, type_name))
        if entry is not None or ignored:
            self._suppress += 1

    def _post_hook(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        frame = self._frames.pop()
        self._stack.pop()
        if frame.entry is None and not frame.ignored:
            return
        if self.cuda and self.measure_time:
            torch.cuda.synchronize()
        time_ms = (time.perf_counter() - frame.start) * 1e3 if self.measure_time else None
        name = self._name(frame.path.replace(".", "_") or frame.type_name.lower())
        call = Call("call_module", frame.path, frame.args, frame.kwargs, output, module, name)
        try:  # still suppressed: the rule's own tensor calls (x.numel()) are not ops of the model
            flops, macs = self._count(frame.entry, frame.ignored, call, frame.path)
        finally:
            self._suppress -= 1
        self._append(name, "call_module", frame.path, frame.path, frame.type_name, flops, macs, frame.entry,
                     frame.ignored, time_ms)  # fmt: skip

    def hooks(self, model: torch.nn.Module, stack: ExitStack) -> None:
        """Hook every submodule of ``model`` (removed when ``stack`` closes)."""
        for path, module in model.named_modules(remove_duplicate=True):
            self._paths[id(module)] = path
            stack.callback(module.register_forward_pre_hook(self._pre_hook, with_kwargs=True).remove)
            stack.callback(module.register_forward_hook(self._post_hook, with_kwargs=True, always_call=True).remove)


class _CountingMode(TorchFunctionMode):
    def __init__(self, counter: EagerCounter) -> None:
        super().__init__()
        self.counter = counter

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        return self.counter.call(func, args, kwargs or {})


def run_eager(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], counter: EagerCounter,
    model: torch.nn.Module | None = None,
) -> Any:  # fmt: skip
    """Call ``fn(*args, **kwargs)`` with ``counter`` recording; ``model``'s submodules are hooked."""
    with ExitStack() as stack:
        if model is not None:
            counter.hooks(model, stack)
        stack.enter_context(_CountingMode(counter))
        return fn(*args, **kwargs)
