"""The aten engine: count every aten op the model runs, below the Python API.

A :class:`torch.utils._python_dispatch.TorchDispatchMode` sees each aten op as the dispatcher runs it
(``aten.addmm.default``, ``aten.convolution.default``, ``aten._softmax.default`` ...): composite
functions (``F.linear``, ``torch.matmul``) have decomposed into the kernels that really run, and no op
is counted twice. Each op is looked up in the same rule table as the other engines (the aten pack
claims ``torch.ops.aten.*``; a third party claims its own ``torch.ops.ns.op``) and recorded with the
innermost module's path and type. Module rules do not apply here: every module is counted by its ops.

``ignore_ops`` at this level (see :mod:`torch_flops_core.engines.ignore`): an aten op named directly
(``torch.ops.aten.mm``, ``"mm"``) is ignored wherever it runs; every aten op that runs inside an ignored
module, or inside a call of an ignored function (:class:`~torch_flops_core.engines.ignore.IgnoreMarker` tells),
is ignored; in the backward, so is every op run for an autograd node an ignored module or call made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from ..registry import RuleTable
from ..results import Phase
from .distributed import active_ranks, fake_mode_running
from .ignore import IgnoreMarker, IgnoreSpec
from .module_events import module_events, module_path
from .plan import OpPlan, Planner
from .recorder import Recorder
from .subcalls import SubCalls

__all__ = ["AtenCounter", "run_aten"]

_current_node = torch._C._current_autograd_node
_MAX_DEPTH = 8  # decompositions nest (an op's parts decomposed in turn); a cycle stops here


class AtenCounter(TorchDispatchMode):
    """Records one :class:`OpRecord` per aten op, in the module it ran in."""

    def __init__(
        self,
        table: RuleTable,
        ignore: IgnoreSpec | None,
        recorder: Recorder,
        *,
        paths: dict[int, str] | None = None,
        phase: Phase = "forward",
        base: tuple[str, str] = ("", ""),
        marker: IgnoreMarker | None = None,
    ) -> None:
        super().__init__()
        self.phase: Phase = phase
        self._base = base  # (path, type) of ops outside every module: a graph node's module
        self.table = table
        self.ignore = ignore if ignore else None
        self.recorder = recorder
        self._paths = paths or {}
        self._frames: list[tuple[torch.nn.Module, str, str, bool]] = []  # (module, path, class name, ignored)
        self.marker = marker
        """Tells when an ignored function's call is running (its aten ops are ignored), and which autograd
        nodes such calls made (the backward's ops for them are ignored)."""
        self.ignored_modules: set[str] = set()
        """Paths of the ignored modules that ran (this counter's, or the forward's for a backward counter):
        every op at or under one of them is ignored."""
        self._path_ignored: dict[str, bool] = {}
        self._paused = 0
        self.planner = Planner(table, ignore)
        self._subcalls = SubCalls(table, ignore, self.planner)
        self._depth = 0
        self.decomposed: dict[str, int] = {}
        """Ops without a rule counted by their decomposition (:mod:`torch_flops_core.decompose`): name, times."""
        self.ranks = active_ranks()
        """A per-rank count's (:mod:`~torch_flops_core.engines.distributed`): DTensor ops passed by, collectives
        noted."""

    def __torch_dispatch__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        if kwargs is None:
            kwargs = {}
        if self._paused:
            return func(*args, **kwargs)
        ranks = self.ranks
        if ranks is not None and ranks.dtensor is not None:
            if ranks.dtensor in types:
                return NotImplemented  # DTensor runs it as ops on the local shards: they come back here
            if fake_mode_running():
                return func(*args, **kwargs)  # DTensor's sharding propagation on global shapes: not an op that runs
        plans = self.planner.plans
        try:
            plan = plans[func]
        except KeyError:
            plan = plans[func] = self.planner.aten_op(func) if ranks is None else ranks.plan(self.planner, func)
        if plan.status == "decomposed" and self._depth < _MAX_DEPTH and not (self.marker and self.marker.depth):
            counted, output = self._decomposed(func, plan, args, kwargs)
            if counted:
                return output
        recorder = self.recorder
        probe = recorder.start()
        output = func(*args, **kwargs)
        measured = recorder.stop(probe)
        path, type_name, phase = self.place()
        ignored = (
            not plan.ignored and (self.marker is not None or bool(self.ignored_modules)) and self._ignored_here(path)
        )
        record = recorder.op(
            plan, recorder.name(plan.base), path, type_name, args, kwargs, output, measured, phase,
            counter=self._subcalls, ignored=ignored,
        )  # fmt: skip
        if ranks is not None and func in ranks.kinds:
            ranks.note(func, args, kwargs, record)
        return output

    def _decomposed(self, func: Any, plan: OpPlan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bool, Any]:
        """Run ``func`` as its decomposition with this counter on: its parts are recorded as ``<name>.<part>``.
        ``(False, None)`` when the decomposition does not apply to these arguments (the kernel runs then)."""
        outer = self.recorder
        names = dict(outer.names)
        name = outer.name(plan.base)
        self.recorder = outer.child(f"{name}.")
        self._depth += 1
        try:
            with self:
                output = plan.decomposition(*args, **kwargs)  # type: ignore[misc]
        except Exception:  # a decomposition that does not cover these arguments (a dtype, a layout)
            output = NotImplemented
        finally:
            child, self.recorder = self.recorder, outer
            self._depth -= 1
        if output is NotImplemented:
            outer.names = names  # the name is the kernel's again
            return False, None
        outer.records.extend(child.records)
        key = str(getattr(func, "overloadpacket", func))
        self.decomposed[key] = self.decomposed.get(key, 0) + 1
        return True, output

    def _ignored_here(self, path: str) -> bool:
        """Whether the op running now is ignored by where it runs: inside an ignored module (or, in the
        backward, for a node one made), inside an ignored function's call, or for a node such a call made."""
        marker = self.marker
        if marker is not None and marker.depth:
            return True
        if self._frames and self._frames[-1][3]:
            return True
        if self.ignored_modules:
            try:
                inside = self._path_ignored[path]
            except KeyError:
                inside = self._path_ignored[path] = any(
                    path == p or not p or path.startswith(p + ".") for p in self.ignored_modules
                )
            if inside:
                return True
        if marker is not None and self.phase != "forward":
            node = _current_node()
            return node is not None and marker.made_by_ignored(node._sequence_nr())
        return False

    def place(self) -> tuple[str, str, Phase]:
        """Where the op running now belongs: module path, module type, phase (the innermost module's)."""
        if self._frames:
            frame = self._frames[-1]
            return frame[1], frame[2], self.phase
        return self._base[0], self._base[1], self.phase

    # -- module events (module_events.ModuleListener) ---------------------------------------------
    def module_started(self, module: torch.nn.Module) -> None:
        path = module_path(self._paths, module, self._frames[-1][1] if self._frames else "")
        ignored = bool(self._frames and self._frames[-1][3])
        if not ignored and self.ignore is not None and self.ignore.matches("call_module", path, module):
            ignored = True
            self.ignored_modules.add(path)
            self._path_ignored.clear()
        self._frames.append((module, path, type(module).__name__, ignored))

    def module_finished(
        self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        if self._frames and self._frames[-1][0] is module:
            self._frames.pop()

    def pause(self, delta: int) -> None:
        self._paused += delta


def run_aten(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], counter: AtenCounter) -> Any:
    """Call ``fn(*args, **kwargs)`` with ``counter`` recording every aten op, in the module it ran in."""
    with module_events(counter), counter:
        return fn(*args, **kwargs)
