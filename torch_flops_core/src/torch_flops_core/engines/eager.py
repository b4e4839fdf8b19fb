"""The eager engine: run the model as it is and count every call through the same rule table.

A :class:`torch.overrides.TorchFunctionMode` sees each top-level torch call (``torch.add``,
``Tensor.softmax``, ``F.layer_norm``, a property read such as ``x.shape``); module forward hooks keep
the module path and count modules that have a module rule, whose inner calls are then not counted
again. Python control flow, data-dependent shapes and untraceable code all work, because nothing is
traced: what is counted is what runs.

What runs around a module counted whole (its own hooks, the parametrizations it reads) is counted as its
ops: see :mod:`~torch_flops_core.engines.spans`, the module half of the engine.

Threads. The mode is thread-local (torch keeps mode stacks per thread). Module events come from one
pair of *global* module hooks (``torch.nn.modules.module.register_module_forward_pre_hook`` and
``register_module_forward_hook``), installed while at least one count runs in the process and removed
when the last one ends. They dispatch to the counter on top of the calling thread's own stack, and do
nothing in a thread that is not counting: a count never sees, nor changes, another thread's forward,
and no hook is ever left on the user's modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch.overrides import TorchFunctionMode

from ..registry import RuleTable
from .aten import AtenCounter
from .distributed import python_collective
from .ignore import IgnoreSpec
from .module_events import module_events
from .plan import OpPlan, Planner
from .recorder import Recorder, clock
from .spans import ModuleSpans
from .subcalls import SubCalls

__all__ = ["EagerCounter", "run_eager"]


class EagerCounter(ModuleSpans, TorchFunctionMode):
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
        TorchFunctionMode.__init__(self)
        self.table = table
        self.ignore = ignore if ignore else None
        planner = Planner(table, ignore)
        ModuleSpans.__init__(
            self, planner, recorder, SubCalls(table, ignore, planner), paths or {}, (base_path, base_type)
        )

    # -- torch calls ----------------------------------------------------------------------------
    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
    ) -> Any:
        """Run one torch call and record it (unless inside a module counted as a whole)."""
        if kwargs is None:
            kwargs = {}
        if self._paused:
            return func(*args, **kwargs)
        if self._watching and (self._settle() or self._paused):
            # around a module counted whole: its hooks' calls are ops, its forward's and set-up hooks' are not
            return func(*args, **kwargs)
        plans = self.planner.plans
        try:
            plan = plans[func]
        except KeyError:
            plan = plans[func] = python_collective(self.planner.torch_call(func), func)
        except TypeError:  # an unhashable callable is planned at each call
            plan = self.planner.torch_call(func)
        if plan.status == "decomposed":
            return self._decomposed(plan, args, kwargs)
        recorder = self.recorder
        if recorder.cuda or not recorder.measure_time:
            probe = recorder.start()
            output = func(*args, **kwargs)
            measured = recorder.stop(probe)
        else:  # the common case, inlined: a clock pair
            start = clock()
            output = func(*args, **kwargs)
            measured = ((clock() - start) * 1e3, None, None)
        if plan.attribute is not None:
            call_args: tuple[Any, ...] = (args[0], plan.attribute)
        elif plan.reflected and len(args) >= 2:
            call_args = (args[1], args[0], *args[2:])
        else:
            call_args = args
        path, mtype = (self._frames[-1][0].path, self._frames[-1][0].type_name) if self._frames else self._base
        recorder.op(
            plan, recorder.name(plan.base), path, mtype, args, kwargs, output, measured,
            call_args=call_args, counter=self._subcalls,
        )  # fmt: skip
        return output

    def _decomposed(self, plan: OpPlan, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """An aten op called from Python that no rule knows (``ep.module()`` calls ``aten.conv2d``): counted by the
        aten ops torch defines it as (:mod:`torch_flops_core.decompose`), each a record ``<name>.<op>``."""
        child = self.recorder.child(f"{self.recorder.name(plan.base)}.")
        frames = self._frames
        base = (frames[-1][0].path, frames[-1][0].type_name) if frames else self._base
        with AtenCounter(self.table, self.ignore, child, base=base):
            output = plan.decomposition(*args, **kwargs)  # type: ignore[misc]
        self.recorder.records.extend(child.records)
        return output


def run_eager(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], counter: EagerCounter) -> Any:
    """Call ``fn(*args, **kwargs)`` with ``counter`` recording every torch call and module it runs."""
    try:
        with module_events(counter), counter:
            return fn(*args, **kwargs)
    finally:
        counter.settled()
