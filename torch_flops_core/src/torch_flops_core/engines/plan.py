"""One decision for every engine: how an op is counted, made once per target and kept for the count.

An engine sees an op (a torch call, an aten op, a graph node, a module, a rule's sub-call) and asks its
:class:`Planner` for the op's :class:`OpPlan`: the winning rule of the live table, whether ``ignore_ops``
names it, what core counts itself (a container built, input guards: 0, shown as plugin ``core``), whether it is
counted by its decomposition, how its outputs alias its inputs (for its bytes), and the base of its record names.
The plan's :attr:`~OpPlan.status` is the decision; :meth:`OpPlan.count` applies it (the one place a rule is run),
and :meth:`Recorder.op <torch_flops_core.engines.recorder.Recorder.op>` turns a planned op into its record.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import GetSetDescriptorType
from typing import Any, Literal, TypeAlias

import torch

from ..aliases import operator_spellings
from ..decompose import decomposition_of
from ..registry import RuleEntry, RuleTable
from ..rules import CALL_KINDS, CallKind, RecordKind
from ..traffic import aliasing
from .ignore import IgnoreSpec

__all__ = ["CONTAINER", "GUARDS", "NO_TORCH_OPS", "OpPlan", "PlanStatus", "Planner", "record_base"]

PlanStatus: TypeAlias = Literal["rule", "ignored", "unknown", "free", "decomposed", "expanded", "graph"]
"""How an op is counted: by its ``rule``; 0 as ``ignored``; not recognized (``unknown``: no rule); 0 by core
(``free``: no arithmetic, :attr:`OpPlan.reason` says why); by the ops torch defines it as (``decomposed``); by the
torch calls it makes, run eagerly (``expanded``, fx nodes); or a graph's own node (``graph``: inputs, outputs,
attribute reads, 0)."""

CONTAINER = "torch_flops_core.engines.interpreter: output container"
"""Why core counts a graph node building a NamedTuple, dataclass or dict output 0 (the rule name records show)."""
GUARDS = "torch_flops_core.engines.interpreter: input guards"
"""Why core counts the input guards ``ExportedProgram.module()`` adds 0."""
NO_TORCH_OPS = "torch_flops_core.engines.eager: no torch call inside"
"""Why core counts 0 a node run eagerly that made no torch call."""

_NOT_NAME = re.compile(r"\W")


def record_base(name: str | None) -> str:
    """The base of an op's record names, named like fx's nodes: ``opaque.default`` -> ``opaque_default``."""
    return _NOT_NAME.sub("_", name) if name else "call"


@dataclass(slots=True)
class OpPlan:
    """How one op (a target, in one count) is counted and recorded; :attr:`status` is the decision."""

    kind: RecordKind
    target: Any
    """What rules and records see: the function or op, the method name, the module's path."""
    entry: RuleEntry | None = None
    """The winning rule of the live table (kept for an ignored op too: it is not applied)."""
    ignored: bool = False
    base: str = "call"
    """The base of the op's record names (``add``, then ``add_1`` ...)."""
    alias: str = ""
    """``traffic.aliasing`` of the target: ``"write"`` (into an input), ``"view"`` (moves nothing) or ``""``."""
    decomposition: Callable[..., Any] | None = None
    reason: str = ""
    """With status ``free``: why core counts it 0 (shown as the record's rule, of plugin ``core``)."""
    expand: bool = False
    """fx: the node is run eagerly and counted by the torch calls it makes."""
    module: torch.nn.Module | None = None
    reflected: bool = False
    """Eager: a reflected operator (``Tensor.__rsub__``) recorded with its operands in source order."""
    attribute: str | None = None
    """Eager: an attribute read (``x.shape``) recorded as ``getattr(x, "shape")``."""
    status: PlanStatus = field(init=False)
    plugin: str | None = field(init=False)
    """The plugin a record of this plan names: the rule's, ``"core"`` for an op core counts 0, else ``None``."""
    ignored_twin: OpPlan | None = field(default=None, init=False, repr=False, compare=False)
    """This plan ignored (:meth:`ignoring`), once made."""
    rule: str | None = field(init=False)
    """The rule a record of this plan names: the rule's name, core's reason for an op it counts 0, else ``None``."""

    def __post_init__(self) -> None:
        self._decide()
        entry = self.entry
        if entry is not None and self.status == "rule":
            self.plugin, self.rule = entry.plugin, entry.name
        elif self.status == "free":
            self.plugin, self.rule = "core", self.reason
        else:
            self.plugin = self.rule = None

    def _decide(self) -> None:
        if self.ignored:
            self.status = "ignored"
        elif self.expand:
            self.status = "expanded"
        elif self.entry is not None:
            self.status = "rule"
        elif self.reason:
            self.status = "free"
        elif self.decomposition is not None:
            self.status = "decomposed"
        elif self.kind in CALL_KINDS:
            self.status = "unknown"
        else:
            self.status = "graph"

    def ignoring(self) -> OpPlan:
        """This plan, ignored (an aten op inside an ignored module or call): made once, then kept with it."""
        if self.ignored_twin is None:
            twin = OpPlan(self.kind, self.target, self.entry, True, self.base, self.alias, module=self.module)
            self.ignored_twin = twin
        return self.ignored_twin


class Planner:
    """The plans of one count's ops, by what each engine sees: made at an op's first call, then looked up.

    ``plans`` is the cache the engines read directly on their hot path (``planner.plans[func]``). Plans are not
    kept between counts: the rule table and the model may change between two.
    """

    __slots__ = ("_class_entries", "ignore", "plans", "table")

    def __init__(self, table: RuleTable, ignore: IgnoreSpec | None) -> None:
        self.table = table
        self.ignore = ignore if ignore else None
        self.plans: dict[Any, OpPlan] = {}
        self._class_entries: dict[type, RuleEntry | None] = {}

    def ignores(self, kind: CallKind, target: Any, module: torch.nn.Module | None = None) -> bool:
        """Whether ``ignore_ops`` names this call (a module by its path and class, a function or a method)."""
        return self.ignore is not None and self.ignore.matches(kind, target, module)

    def sub_call(self, target: Any) -> OpPlan:
        """The plan of a function or op a rule counts as a part (``Call.count_function``): made once per target."""
        key = ("sub-call", target)
        try:
            return self.plans[key]
        except KeyError:
            plan = self.plans[key] = self.function(target)
            return plan
        except TypeError:  # an unhashable target is planned at each call
            return self.function(target)

    def function(self, target: Any, base: str | None = None, **spelling: Any) -> OpPlan:
        """The plan of a function or op: its rule, else its decomposition (aten ops), else not recognized."""
        entry = self.table.function_rule(target)
        ignored = self.ignores("call_function", target)
        decomposition = decomposition_of(target) if entry is None and not ignored else None
        if base is None:
            base = record_base(getattr(target, "__name__", None))
        return OpPlan(
            "call_function", target, entry, ignored, base, aliasing(target), decomposition, **spelling
        )  # fmt: skip

    def method(self, name: str) -> OpPlan:
        """The plan of a ``Tensor`` method, by its name."""
        return OpPlan("call_method", name, self.table.method_rule(name), self.ignores("call_method", name), name,
                      aliasing(name))  # fmt: skip

    def module(self, module: torch.nn.Module, path: str, base: str | None = None) -> OpPlan:
        """The plan of a module call at ``path``: its class's rule (none when the instance sets its own
        ``forward``), ignored by class or name; a TorchScript module without a rule is not recognized."""
        cls = type(module)
        try:
            entry = self._class_entries[cls]
        except KeyError:
            entry = self._class_entries[cls] = self.table.module_rule(cls)
        if entry is not None and "forward" in module.__dict__:  # a forward set on the instance runs as is
            entry = None
        ignored = self.ignores("call_module", path, module)
        return OpPlan("call_module", path, entry, ignored, base or path.replace(".", "_") or cls.__name__.lower(),
                      module=module)  # fmt: skip

    def torch_call(self, func: Any) -> OpPlan:
        """The plan of a callable a torch function mode sees: an attribute read (``x.shape``: ``getattr``), an
        operator (``Tensor.__rsub__``: ``operator.sub``, operands in source order), a ``Tensor`` method by its
        name, or a function."""
        owner = getattr(func, "__self__", None)
        if isinstance(owner, GetSetDescriptorType):  # x.shape, x.T: fx records getattr(x, "shape")
            return self.function(builtins.getattr, "getattr", attribute=owner.__name__)
        spelled = operator_spellings().get(func)
        if spelled is not None:
            op, reflected = spelled
            return self.function(op, op.__name__, reflected=reflected)
        name = getattr(func, "__name__", None)
        if isinstance(name, str) and getattr(torch.Tensor, name, None) is func:
            return self.method(name)
        return self.function(func)

    def aten_op(self, func: Any) -> OpPlan:
        """The plan of an aten op the dispatcher runs, named by its packet (``aten.mm.default``: ``mm``)."""
        packet = getattr(func, "overloadpacket", func)
        return self.function(func, record_base(getattr(packet, "__name__", None) or str(func)))
