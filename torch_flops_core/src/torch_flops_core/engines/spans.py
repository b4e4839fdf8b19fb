"""Module spans of the eager engine: which module runs, and whether its torch calls are ops of the model.

The module events (:mod:`~torch_flops_core.engines.module_events`) open and close a frame per module call; a
module counted whole (a module rule), ignored, or opaque (TorchScript) turns torch functions off while its forward
runs, and is recorded as one op when it returns. :class:`ModuleSpans` is that half of
:class:`~torch_flops_core.engines.eager.EagerCounter` (the other half is the ``TorchFunctionMode``).

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
"""

from __future__ import annotations

import functools
import sys
from typing import Any, NamedTuple

import torch
from torch.nn.modules.lazy import LazyModuleMixin
from torch.nn.utils.parametrize import ParametrizationList

from .module_events import module_path, torch_functions_off
from .plan import OpPlan, Planner
from .recorder import Probe, Recorder, clock
from .subcalls import SubCalls

__all__ = ["ModuleSpans"]


_torch_function_on = torch._C._EnableTorchFunction  # nests inside torch_functions_off: a parametrization's read
_getframe = sys._getframe


class _ModulePlan(NamedTuple):
    module: torch.nn.Module
    plan: OpPlan  # the planner's: rule, ignored, record-name base (opaque: a TorchScript module without a rule)
    path: str
    type_name: str
    watched: bool  # counted whole or ignored, or opaque: torch functions off while it runs (its inner calls unseen)
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


class ModuleSpans:
    """The module half of the eager engine: a frame per running module, torch functions off inside a module counted
    whole, its record when it returns, and its own hooks' calls recorded as its ops."""

    def __init__(
        self, planner: Planner, recorder: Recorder, subcalls: SubCalls, paths: dict[int, str], base: tuple[str, str]
    ) -> None:
        self.planner = planner
        self.recorder = recorder
        self._subcalls = subcalls
        self._paths = paths
        self._base = base
        self._frames: list[_Frame] = []
        self._paused = 0
        self._module_plans: dict[int, _ModulePlan] = {}
        self._watching = 0  # frames in _PRE or _POST: each call checks where it comes from (_settle)

    def settled(self) -> None:
        """Forget the modules still open when the count ends (the root's forward hooks): no frame is kept."""
        self._frames.clear()
        self._watching = 0

    def pause(self, delta: int) -> None:
        """Stop (+1) or resume (−1) recording: a count nested in this one's forward is not part of it."""
        self._paused += delta

    def _module_plan(self, module: torch.nn.Module) -> _ModulePlan:
        """Path, type and plan of a module: worked out at its first call in this count."""
        plan = self._module_plans.get(id(module))
        if plan is not None and plan.module is module:
            return plan
        path = module_path(self._paths, module, self._frames[-1][0].path if self._frames else self._base[0])
        op = self.planner.module(module, path)
        # TorchScript runs in C++, where no torch function mode sees its ops: without a rule it is one
        # op that is not recognized, never a silent 0
        opaque = op.entry is None and isinstance(module, torch.jit.ScriptModule)
        watched = op.entry is not None or op.ignored or opaque
        counted = op.status == "rule"
        parametrization = isinstance(module, ParametrizationList)
        plan = _ModulePlan(module, op, path, type(module).__name__, watched, counted, parametrization)
        self._module_plans[id(module)] = plan
        return plan

    def module_started(self, module: torch.nn.Module) -> None:
        if self._watching:
            self._settle()
        plan = self._module_plan(module)
        frames = self._frames
        if self._paused:
            if plan.parametrization and self._inside_counted():
                # A parametrized tensor read inside a module counted whole (``self.weight`` in its forward): the
                # rule counts the forward with the weight as it is, the parametrization's work is counted here.
                span = _Span(_READ, None, _torch_function_on())
                span.saved, self._paused = self._paused, 0
                span.quiet.__enter__()
                frames.append((plan, span))
            else:
                frames.append((plan, None))
            return
        if not plan.watched:
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
        self._paused += 1
        frames.append((plan, self._quieted(span)))

    def _quieted(self, span: _Span) -> _Span:
        """``span`` as a module counted whole from now on: torch functions off, its time starting."""
        span.kind = _WHOLE
        span.quiet = torch_functions_off()
        span.quiet.__enter__()
        recorder = self.recorder
        span.probe = recorder.start() if recorder.cuda else (clock(), None)
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
            self._paused += 1
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
            self._paused = span.saved
            return
        if span.kind == _PRE:  # a forward that made no torch call: counted whole from here (its rule runs quiet)
            self._watching -= 1
            self._paused += 1
            self._quieted(span)
        recorder = self.recorder
        measured = recorder.stop(span.probe)  # type: ignore[arg-type]
        try:  # still quiet: the rule's own tensor calls (x.numel()) are not ops of the model
            recorder.op(
                plan.plan, recorder.name(plan.plan.base), plan.path, plan.type_name, args, kwargs, output, measured,
                counter=self._subcalls,
            )  # fmt: skip
        finally:
            self._paused -= 1
            span.quiet.__exit__(None, None, None)
        if plan.counted and module._forward_hooks and not self._paused:
            # Its own forward hooks run after this one: their calls are ops of this module, while the frame that
            # called this hook runs them (_settle). _getframe(2): that frame.
            span.kind, span.caller, span.probe, span.quiet = _POST, _getframe(2), None, None
            self._watching += 1
            frames.append((plan, span))
