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
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import GetSetDescriptorType
from typing import Any, NamedTuple

import torch
from torch.overrides import TorchFunctionMode

from .aliases import operator_spellings
from .aten import AtenCounter
from .decompose import decomposition_of
from .ignore import IgnoreSpec
from .module_events import module_events, module_path
from .recorder import Probe, Recorder
from .registry import RuleEntry, RuleTable
from .results import OpRecord
from .rules import NOT_RECOGNIZED, Call, CallKind
from .subcalls import SubCalls
from .traffic import aliasing_of, io_bytes, module_io_bytes

__all__ = ["EagerCounter", "no_torch_function", "run_eager"]


_NOT_NAME = re.compile(r"\W")
_perf_counter = time.perf_counter
no_torch_function = torch._C.DisableTorchFunction  # what a mode's own __torch_function__ runs under
_no_torch_function = no_torch_function


@dataclass(slots=True)
class _Resolved:
    """How one callable seen by the mode is recorded: kind, target spelling, rule, name."""

    kind: CallKind
    target: Any
    entry: RuleEntry | None
    ignored: bool
    base: str
    reflected: bool = False
    attribute: str | None = None
    decomposition: Callable[..., Any] | None = None  # an aten op without a rule: counted by its parts
    counted: bool = False
    name: str = ""  # the first record's name: the recorder's prefix and the base
    alias: str = ""  # "write": into an input (add_, __iadd__), read and written; "view": moves nothing (detach)

    def __post_init__(self) -> None:
        self.counted = self.entry is not None and not self.ignored
        self.alias = aliasing_of(
            getattr(self.target, "__name__", None) if self.kind == "call_function" else self.target
        )


class _ModulePlan(NamedTuple):
    module: torch.nn.Module
    path: str
    type_name: str
    entry: RuleEntry | None
    ignored: bool
    opaque: bool  # no rule, and nothing inside it can be seen: one op, not recognized
    base: str  # of its record names


_Frame = tuple[_ModulePlan, "Probe | None"]
"""A running module: its plan, and for a module counted whole (or ignored) the probe its time runs from.
A plain tuple: one is made per module call."""


class EagerCounter(TorchFunctionMode):
    """Records ops as they run: one record per top-level torch call or module counted whole.

    It is the :class:`TorchFunctionMode` itself (torch calls ``__torch_function__`` for each call
    made while it is entered), so a call costs one Python frame of ours.
    """

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
        super().__init__()
        self.table = table
        self.ignore = ignore if ignore else None
        self.recorder = recorder
        self._paths = paths or {}
        self._base = (base_path, base_type)
        self._frames: list[_Frame] = []
        self._suppress = 0
        self._resolved: dict[Any, _Resolved] = {}
        self._module_plans: dict[int, _ModulePlan] = {}
        self._class_entries: dict[type, RuleEntry | None] = {}
        self._quiet: Any = None
        self._subcalls = SubCalls(table, ignore)

    # -- resolution -----------------------------------------------------------------------------
    def _ignored(self, kind: CallKind, target: Any, module: torch.nn.Module | None) -> bool:
        return self.ignore is not None and self.ignore.matches(kind, target, module)

    def _resolve_uncached(self, func: Any) -> _Resolved:
        resolved = self._resolution(func)
        resolved.name = self.recorder.prefix + resolved.base
        return resolved

    def _resolution(self, func: Any) -> _Resolved:
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
        entry = table.function_rule(func)
        decomposition = decomposition_of(func) if entry is None and not ignored else None
        return _Resolved("call_function", func, entry, ignored, base, decomposition=decomposition)

    # -- torch calls ----------------------------------------------------------------------------
    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        """Run one torch call and record it (unless inside a module counted as a whole)."""
        if kwargs is None:
            kwargs = {}
        if self._suppress:
            return func(*args, **kwargs)
        try:
            r = self._resolved[func]
        except KeyError:
            r = self._resolved[func] = self._resolve_uncached(func)
        except TypeError:  # an unhashable callable is resolved at each call
            r = self._resolve_uncached(func)
        if r.decomposition is not None:
            return self._decomposed(r, args, kwargs)
        recorder = self.recorder
        if recorder.cuda or not recorder.measure_time:
            probe = recorder.start()
            output = func(*args, **kwargs)
            time_ms, before, after = recorder.stop(probe)
        else:  # the common case, inlined: a perf_counter pair
            start = _perf_counter()
            output = func(*args, **kwargs)
            time_ms, before, after = (_perf_counter() - start) * 1e3, None, None
        if r.attribute is not None:
            call_args: tuple[Any, ...] = (args[0], r.attribute)
        elif r.reflected and len(args) >= 2:
            call_args = (args[1], args[0], *args[2:])
        else:
            call_args = args
        names = recorder.names  # recorder.name(), inlined: this runs once per op
        n = names.get(r.base, 0)
        names[r.base] = n + 1
        name = r.name if n == 0 else f"{r.name}_{n}"
        frames = self._frames
        path, mtype = (frames[-1][0].path, frames[-1][0].type_name) if frames else self._base
        entry = r.entry
        moved: int | None = None
        if r.counted:
            call = Call(r.kind, r.target, call_args, kwargs, output, None, name, self._subcalls)
            flops, macs, moved = entry.apply(call, path)  # type: ignore[union-attr]
            plugin, rule = entry.plugin, entry.name  # type: ignore[union-attr]
        else:
            flops, macs, plugin, rule = (0 if r.ignored else NOT_RECOGNIZED), 0, None, None
        if moved is None and recorder.count_bytes:
            moved = 0 if r.alias == "view" else io_bytes(args, kwargs, output, r.alias == "write" or "out" in kwargs)
        # Built in place, by position: one per op, and keywords cost 0.4 µs more per record (measured).
        recorder.records.append(
            OpRecord(
                name, r.kind, r.target, path, mtype, flops, macs, plugin, rule, r.ignored, time_ms, before, after,
                None if after is None or before is None else after - before, "forward", moved,
            )
        )  # fmt: skip
        if recorder.owners is not None:
            recorder.owners.mark(path, mtype)
        return output

    def _decomposed(self, r: _Resolved, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """An aten op called from Python that no rule knows (``ep.module()`` calls ``aten.conv2d``): counted by the
        aten ops torch defines it as (:mod:`torch_flops_core.decompose`), each a record ``<name>.<op>``."""
        child = self.recorder.child(f"{self.recorder.name(r.base)}.")
        frames = self._frames
        base = (frames[-1][0].path, frames[-1][0].type_name) if frames else self._base
        with AtenCounter(self.table, self.ignore, child, base=base):
            output = r.decomposition(*args, **kwargs)  # type: ignore[misc]
        self.recorder.records.extend(child.records)
        return output

    def pause(self, delta: int) -> None:
        """Stop (+1) or resume (−1) recording: a count nested in this one's forward is not part of it."""
        self._suppress += delta

    # -- module events --------------------------------------------------------------------------
    def _module_plan(self, module: torch.nn.Module) -> _ModulePlan:
        """Path, type, rule and record name of a module: worked out at its first call in this count."""
        plan = self._module_plans.get(id(module))
        if plan is not None and plan.module is module:
            return plan
        type_name = type(module).__name__
        path = module_path(self._paths, module, self._frames[-1][0].path if self._frames else self._base[0])
        cls = type(module)
        try:
            entry = self._class_entries[cls]
        except KeyError:
            entry = self._class_entries[cls] = self.table.module_rule(cls)
        if entry is not None and "forward" in module.__dict__:  # a forward set on the instance runs as is
            entry = None
        ignored = self.ignore is not None and self.ignore.matches("call_module", path, module)
        # TorchScript runs in C++, where no torch function mode sees its ops: without a rule it is one
        # op that is not recognized, never a silent 0
        opaque = entry is None and isinstance(module, torch.jit.ScriptModule)
        base = path.replace(".", "_") or type_name.lower()
        plan = self._module_plans[id(module)] = _ModulePlan(module, path, type_name, entry, ignored, opaque, base)
        return plan

    def module_started(self, module: torch.nn.Module) -> None:
        plan = self._module_plan(module)
        if self._suppress or (plan.entry is None and not plan.ignored and not plan.opaque):
            self._frames.append((plan, None))
            return
        recorder = self.recorder
        if not self._suppress:
            # Counted whole: its inner torch calls are not ops of the model, so no mode sees them until
            # it returns (module_finished, which torch calls even when forward raises, turns it back on).
            self._quiet = _no_torch_function()
            self._quiet.__enter__()
        self._suppress += 1
        self._frames.append((plan, recorder.start() if recorder.cuda else (_perf_counter(), None)))

    def module_finished(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        frames = self._frames
        if not frames or frames[-1][0].module is not module:
            return  # a module that started before this count did
        plan, probe = frames.pop()
        if probe is None:
            return
        recorder = self.recorder
        time_ms, before, after = recorder.stop(probe)
        name = recorder.name(plan.base)
        entry = plan.entry
        try:  # still quiet: the rule's own tensor calls (x.numel()) are not ops of the model
            call = Call("call_module", plan.path, args, kwargs, output, module, name, self._subcalls)
            flops, macs, moved = Recorder.count(entry, plan.ignored, call, plan.path)  # opaque: not recognized
            if moved is None and recorder.count_bytes:
                moved = module_io_bytes(module, args, kwargs, output)
        finally:
            self._suppress -= 1
            if not self._suppress:
                self._quiet.__exit__(None, None, None)
        recorder.record(
            name, "call_module", plan.path, plan.path, plan.type_name, flops, macs, entry, plan.ignored,
            (time_ms, before, after), "forward", moved,
        )  # fmt: skip


def run_eager(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], counter: EagerCounter) -> Any:
    """Call ``fn(*args, **kwargs)`` with ``counter`` recording every torch call and module it runs."""
    with module_events(counter), counter:
        return fn(*args, **kwargs)
