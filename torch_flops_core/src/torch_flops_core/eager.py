"""The eager engine: run the model as it is and count every call through the same rule table.

A :class:`torch.overrides.TorchFunctionMode` sees each top-level torch call (``torch.add``,
``Tensor.softmax``, ``F.layer_norm``, a property read such as ``x.shape``); module forward hooks keep
the module path and count modules that have a module rule, whose inner calls are then not counted
again. Python control flow, data-dependent shapes and untraceable code all work, because nothing is
traced: what is counted is what runs.

What runs *around* a module counted whole is counted too, as ops of that module (records at its path):
its own forward pre-hooks (old-style ``weight_norm``/``spectral_norm`` are such hooks), its own forward
hooks, and the parametrizations (``torch.nn.utils.parametrize``) its forward reads. torch calls the
process-wide pre-hook (``module_started``) *before* the module's own pre-hooks, and the process-wide
forward hook (``module_finished``) *before* its own forward hooks, so the engine cannot just turn torch
functions off from one to the other: a module counted whole that has pre-hooks stays visible until its
``forward`` proper begins, which the engine tells by the frame its first call comes from (the pre-hooks
and ``forward`` are called by one torch frame, ``caller``); after ``module_finished`` a module with
forward hooks stays the current module while that frame runs. A parametrization's
``ParametrizationList`` read inside the quiet forward turns torch functions back on for its own call.

Threads. The mode is thread-local (torch keeps mode stacks per thread). Module events come from one
pair of *global* module hooks (``torch.nn.modules.module.register_module_forward_pre_hook`` and
``register_module_forward_hook``), installed while at least one count runs in the process and removed
when the last one ends. They dispatch to the counter on top of the calling thread's own stack, and do
nothing in a thread that is not counting: a count never sees, nor changes, another thread's forward,
and no hook is ever left on the user's modules.
"""

from __future__ import annotations

import builtins
import functools
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import GetSetDescriptorType
from typing import Any, NamedTuple

import torch
from torch.nn.modules.lazy import LazyModuleMixin
from torch.nn.utils.parametrize import ParametrizationList
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
_torch_function_on = torch._C._EnableTorchFunction  # nests inside DisableTorchFunction: a parametrization's read
_getframe = sys._getframe


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
    counted: bool  # counted whole by its rule (a rule, not ignored): what runs around it is counted as its ops
    parametrization: bool  # a ParametrizationList: a parametrized tensor being read


# What a frame of a module that is not plain is doing (``_Span.kind``).
_WHOLE = 0  # counted whole, torch functions off (the probe its time runs from)
_PRE = 1  # counted whole, its own forward pre-hooks running: its ops are recorded until forward begins
_POST = 2  # counted whole and recorded, its own forward hooks running: its ops are recorded until they end
_READ = 3  # a parametrization read inside a module counted whole: torch functions on again for its call
_GONE: Any = object()  # _called_by: the frame is no longer running
# Pre-hooks that set a module up rather than compute: a lazy module's parameters materialised at its first call
# (empty tensors and nn.init fills, no arithmetic of the model). Their calls run unrecorded, as before forward.
_SETUP_HOOKS = frozenset({LazyModuleMixin._infer_parameters.__code__})


class _Span:
    """The state of a running module that is not plain (a plain module's frame holds ``None``)."""

    __slots__ = ("caller", "hooks", "kind", "probe", "quiet", "saved")

    def __init__(self, kind: int, probe: Probe | None = None, quiet: Any = None) -> None:
        self.kind = kind
        self.probe = probe
        self.quiet = quiet  # the torch-function context it entered (off for _WHOLE, on for _READ)
        self.caller: Any = None  # _PRE, _POST: the torch frame that calls the module's hooks and forward
        self.hooks: frozenset[Any] = frozenset()  # _PRE: the code objects of the module's own pre-hooks
        self.saved = 0  # _READ: the suppression depth it lifted


def _called_by(caller: Any) -> Any:
    """The frame ``caller`` called that leads to this point (``None`` when none is Python), or :data:`_GONE`."""
    frame: Any = _getframe(2)
    child = None
    while frame is not None:
        if frame is caller:
            return child
        child, frame = frame, frame.f_back
    return _GONE


def _hook_codes(hooks: dict[int, Any]) -> frozenset[Any]:
    """The code objects the frames of ``hooks`` run: a function's, a bound method's, a partial's function's, a
    callable object's ``__call__`` (old-style ``WeightNorm``, ``SpectralNorm``). A hook none of these fits (a
    builtin) is not found: its calls are taken for the forward's, and not counted (never counted twice). Set-up
    hooks (:data:`_SETUP_HOOKS`) are left out."""
    codes = set()
    for hook in hooks.values():
        while isinstance(hook, functools.partial):
            hook = hook.func
        code = getattr(getattr(hook, "__func__", hook), "__code__", None)
        if code is None:
            call = next((c.__dict__["__call__"] for c in type(hook).__mro__ if "__call__" in c.__dict__), None)
            code = getattr(call, "__code__", None)
        if code is not None and code not in _SETUP_HOOKS:
            codes.add(code)
    return frozenset(codes)


_Frame = tuple[_ModulePlan, "_Span | None"]
"""A running module: its plan, and ``None`` for a plain module (its ops are recorded at its path) or the
:class:`_Span` of a module counted whole, ignored or a parametrization read. A plain tuple: one is made
per module call."""


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
        self._watching = 0  # frames in _PRE or _POST: each call checks where it comes from (_settle)
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
        if self._watching and (self._settle() or self._suppress):
            # around a module counted whole: its hooks' calls are ops, its forward's and set-up hooks' are not
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

    def settled(self) -> None:
        """Forget the modules still open when the count ends (the root's forward hooks): no frame is kept."""
        self._frames.clear()
        self._watching = 0

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
        counted = entry is not None and not ignored
        parametrization = isinstance(module, ParametrizationList)
        plan = _ModulePlan(module, path, type_name, entry, ignored, opaque, base, counted, parametrization)
        self._module_plans[id(module)] = plan
        return plan

    def module_started(self, module: torch.nn.Module) -> None:
        if self._watching:
            self._settle()
        plan = self._module_plan(module)
        frames = self._frames
        if self._suppress:
            if plan.parametrization and self._inside_counted():
                # A parametrized tensor read inside a module counted whole (``self.weight`` in its forward): the
                # rule counts the forward with the weight as it is, the parametrization's work is counted here.
                span = _Span(_READ, None, _torch_function_on())
                span.saved, self._suppress = self._suppress, 0
                span.quiet.__enter__()
                frames.append((plan, span))
            else:
                frames.append((plan, None))
            return
        if plan.entry is None and not plan.ignored and not plan.opaque:
            frames.append((plan, None))
            return
        if plan.counted and module._forward_pre_hooks:
            # Its own pre-hooks run after this one (torch calls process-wide hooks first): their calls are ops
            # of this module, recorded until forward begins (_settle). _getframe(2): the frame that called
            # module_events' hook, which calls the module's pre-hooks and then its forward.
            span = _Span(_PRE)
            span.caller, span.hooks = _getframe(2), _hook_codes(module._forward_pre_hooks)
            if span.hooks:
                self._watching += 1
                frames.append((plan, span))
                return
        else:
            span = _Span(_WHOLE)
        # Counted whole: its inner torch calls are not ops of the model, so no mode sees them until it
        # returns (module_finished, which torch calls even when forward raises, turns it back on).
        self._suppress += 1
        frames.append((plan, self._quieted(span)))

    def _quieted(self, span: _Span) -> _Span:
        """``span`` as a module counted whole from now on: torch functions off, its time starting."""
        span.kind = _WHOLE
        span.quiet = _no_torch_function()
        span.quiet.__enter__()
        recorder = self.recorder
        span.probe = recorder.start() if recorder.cuda else (_perf_counter(), None)
        return span

    def _inside_counted(self) -> bool:
        """Whether the innermost module that turned torch functions off is counted (not ignored, not opaque)."""
        for plan, span in reversed(self._frames):
            if span is not None and span.kind == _WHOLE:
                return plan.counted
        return False

    def _settle(self) -> bool:
        """Bring the frames of modules counted whole that run hooks up to date with where the current call comes
        from: a module whose pre-hooks ran and whose ``forward`` has begun goes quiet; a module whose forward hooks
        have all returned is left. True when the call comes from a set-up hook (not recorded). Runs only while
        such a frame exists."""
        frames = self._frames
        while frames:
            span = frames[-1][1]
            if span is None or span.kind == _WHOLE or span.kind == _READ:
                return False
            child = _called_by(span.caller)
            if span.kind == _POST:
                if child is not _GONE:
                    return False  # still in its forward hooks
                frames.pop()
                self._watching -= 1
                continue
            code = None if child is _GONE or child is None else child.f_code
            if code in span.hooks:
                return False
            if code in _SETUP_HOOKS:
                return True
            # called by forward (or by a hook that cannot be told from it: never counted twice)
            self._watching -= 1
            self._suppress += 1
            self._quieted(span)
            return False
        return False

    def module_finished(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        if self._watching:
            self._settle()
        frames = self._frames
        if not frames or frames[-1][0].module is not module:
            return  # a module that started before this count did
        plan, span = frames.pop()
        if span is None:
            return
        if span.kind == _READ:
            span.quiet.__exit__(None, None, None)
            self._suppress = span.saved
            return
        if span.kind == _PRE:  # a forward that made no torch call: counted whole from here (its rule runs quiet)
            self._watching -= 1
            self._suppress += 1
            self._quieted(span)
        recorder = self.recorder
        time_ms, before, after = recorder.stop(span.probe)  # type: ignore[arg-type]
        name = recorder.name(plan.base)
        entry = plan.entry
        try:  # still quiet: the rule's own tensor calls (x.numel()) are not ops of the model
            call = Call("call_module", plan.path, args, kwargs, output, module, name, self._subcalls)
            flops, macs, moved = Recorder.count(entry, plan.ignored, call, plan.path)  # opaque: not recognized
            if moved is None and recorder.count_bytes:
                moved = module_io_bytes(module, args, kwargs, output)
        finally:
            self._suppress -= 1
            span.quiet.__exit__(None, None, None)
        recorder.record(
            name, "call_module", plan.path, plan.path, plan.type_name, flops, macs, entry, plan.ignored,
            (time_ms, before, after), "forward", moved,
        )  # fmt: skip
        if plan.counted and module._forward_hooks and not self._suppress:
            # Its own forward hooks run after this one: their calls are ops of this module, while the frame that
            # called this hook runs them (_settle). _getframe(2): that frame.
            span.kind, span.caller, span.probe, span.quiet = _POST, _getframe(2), None, None
            self._watching += 1
            frames.append((plan, span))


def run_eager(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], counter: EagerCounter) -> Any:
    """Call ``fn(*args, **kwargs)`` with ``counter`` recording every torch call and module it runs."""
    try:
        with module_events(counter), counter:
            return fn(*args, **kwargs)
    finally:
        counter.settled()
