"""Per-rank counts: a model parallelized with ``torch.distributed`` (DTensor's tensor and sequence parallelism,
FSDP2's ``fully_shard``) counted as one rank runs it, in one process (over torch's fake process group, or a real one).

While a count runs, :func:`per_rank` makes a :class:`Ranks` the current one; each
:class:`~torch_flops_core.engines.aten.AtenCounter` made during the count (the forward's, the loss's, the backward's)
takes it and then:

- passes every op on DTensors by (``NotImplemented``): DTensor runs it as ops on the local shards, which come back
  to the counter and are counted with the shapes that rank computes; the ops DTensor's sharding propagation runs on
  fake tensors of the global shapes (under a fake mode of its own, once per new sharding) are run, not counted;
- records each collective (``_c10d_functional``, ``c10d``, ``_dtensor`` ops; 0 FLOPs by the aten pack's rules) and
  notes a :class:`~torch_flops_core.communication.Collective` with its payload and ring bytes;
- counts FSDP2's buffer copies (``fsdp::*``, registered when FSDP is imported, after a rule table may have been
  built) as 0 with core's reason, when no rule claims them.

A parallelized model is counted at the aten level (``engine="auto"`` picks ``aten``); FSDP2's reduce-scatter runs in
its post-backward hook only when the backward accumulates ``.grad``, so with FSDP the backward runs with
``torch.autograd.backward`` behind the backward's shield (each gradient set aside and put back). After the count every
FSDP module is resharded, as after a training step: the guard put its sharded parameters back.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import torch

from ..communication import COLLECTIVE_OPS, Collective
from ..errors import InputError
from ..formulas.communication import wire_bytes
from ..records import OpRecord
from .guard import modules_of
from .plan import OpPlan, Planner

__all__ = ["FSDP_COPY", "Ranks", "active_ranks", "group_size", "op_name", "payload", "per_rank", "python_collective"]

FSDP_COPY = "FSDP2 buffer copy (fsdp::*): data movement, no arithmetic"
"""Core's reason for counting an ``fsdp::`` op no rule claims as 0."""

_INPUTS = ("input", "inputs", "input_tensor", "input_tensors", "tensors", "tensor", "self")
_FAKE = torch._C._TorchDispatchModeKey.FAKE
_ACTIVE: ContextVar[Ranks | None] = ContextVar("torch_flops_ranks", default=None)


def active_ranks() -> Ranks | None:
    """The per-rank count running in this context, if any (what an ``AtenCounter`` takes when it is made)."""
    return _ACTIVE.get()


def fake_mode_running() -> bool:
    """Whether a fake tensor mode is handling the op being dispatched (DTensor's sharding propagation)."""
    return torch._C._get_dispatch_mode(_FAKE) is not None


def op_name(func: Any) -> str:
    """An op's schema name (``c10d::allreduce_``) from an ``OpOverload`` or its packet; ``""`` for anything else."""
    schema = getattr(func, "_schema", None)
    return str(schema.name) if schema is not None else str(getattr(func, "_qualified_op_name", ""))


def python_collective(plan: OpPlan, func: Any) -> OpPlan:
    """The eager engine's plan of ``func``: a ``torch.distributed`` function no rule claims (``dist.all_reduce``), or a
    collective op called from Python (``funcol.all_reduce`` calls ``_c10d_functional.all_reduce``), is counted at the
    aten level, where collectives are noted with their bytes: records ``<function>.<op>``."""
    unclaimed = plan.status == "unknown" and str(getattr(func, "__module__", "")).startswith("torch.distributed")
    if unclaimed or op_name(func) in COLLECTIVE_OPS:
        return dataclasses.replace(plan, entry=None, decomposition=func)
    return plan


class Ranks:
    """One per-rank count: what the aten counters pass by, the collectives they noted, the rank and group counted."""

    __slots__ = ("collectives", "dtensor", "engine", "fsdp", "kinds", "rank", "world_size")

    def __init__(self, engine: str, dtensor: type | None, fsdp: list[Any]) -> None:
        self.engine = engine
        self.dtensor = dtensor
        """DTensor's class (ops on it are passed by), or ``None`` when the model holds none."""
        self.fsdp = fsdp
        """The model's FSDP2 modules: the backward must accumulate ``.grad`` for their reduce-scatter to run."""
        initialized = torch.distributed.is_available() and torch.distributed.is_initialized()
        self.world_size = torch.distributed.get_world_size() if initialized else 1
        self.rank = torch.distributed.get_rank() if initialized else 0
        self.kinds: dict[Any, str] = {}
        """The collective ops met so far, each with its kind."""
        self.collectives: list[Collective] = []

    def plan(self, planner: Planner, func: Any) -> OpPlan:
        """``func``'s plan (made once per count): the planner's, an unclaimed ``fsdp::`` op free; a collective noted."""
        plan = planner.aten_op(func)
        name = op_name(func)
        if name in COLLECTIVE_OPS:
            self.kinds[func] = COLLECTIVE_OPS[name]
        elif plan.status == "unknown" and name.startswith("fsdp::"):
            plan = dataclasses.replace(plan, reason=FSDP_COPY)
        return plan

    def note(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], record: OpRecord) -> None:
        """Note the collective ``func`` just recorded as ``record``: its group's size, payload and ring bytes."""
        kind = self.kinds[func]
        named = dict(zip((a.name for a in func._schema.arguments), args, strict=False)) | kwargs
        n = group_size(named, self.world_size)
        size = payload(kind, named, n)
        self.collectives.append(
            Collective(
                record.name, kind, str(func), record.module_path, record.phase, n, size, wire_bytes(kind, size, n)
            )
        )

    def finish(self, result: Any) -> None:
        """Give ``result`` the rank, the group's size and the collectives; say how it was counted."""
        result.world_size, result.rank, result.collectives = self.world_size, self.rank, self.collectives
        if self.dtensor is not None or self.fsdp:
            result.notes.append(
                f"counted per rank: rank {self.rank} of {self.world_size}, each op with its local shapes; "
                f"{len(self.collectives)} collectives (result.collectives, torch_flops_core.communication)"
            )


def group_size(named: dict[str, Any], default: int) -> int:
    """The size of a collective's process group, from its arguments (``group_size``, a ``ProcessGroup``, or the
    group's name); ``default`` (the world's) when none says."""
    if isinstance(named.get("group_size"), int):
        return int(named["group_size"])
    group = named.get("process_group")
    if isinstance(group, torch.ScriptObject):
        return int(torch.distributed.ProcessGroup.unbox(group).size())
    name = named.get("group_name")
    if name is not None:
        from torch.distributed.distributed_c10d import _resolve_process_group

        return int(_resolve_process_group(name).size())
    return default


def payload(kind: str, named: dict[str, Any], ranks: int) -> int:
    """A collective's payload S in bytes from its arguments (:mod:`torch_flops_core.communication`): its input tensors,
    times N for an all-gather (S is the gathered output)."""
    leaves = [named[key] for key in _INPUTS if key in named]
    size = sum(t.element_size() * t.numel() for t in _tensors(leaves))
    return size * ranks if kind == "all_gather" else size


def _tensors(values: list[Any]) -> Iterator[torch.Tensor]:
    for value in values:
        if isinstance(value, torch.Tensor):
            yield value
        elif isinstance(value, list | tuple):
            yield from _tensors(list(value))


def _parallelized(model: Any) -> tuple[type | None, list[Any]]:
    """(DTensor's class if the model holds a DTensor parameter or buffer, the model's FSDP2 modules)."""
    if "torch.distributed.tensor" not in sys.modules:
        return None, []
    from torch.distributed.tensor import DTensor

    modules = list({id(m): m for root in modules_of(model) for m in root.modules()}.values())
    fsdp_class = getattr(sys.modules.get("torch.distributed.fsdp"), "FSDPModule", None)
    fsdp = [m for m in modules if fsdp_class is not None and isinstance(m, fsdp_class)]
    tensors = (t for m in modules for t in (*m.parameters(recurse=False), *m.buffers(recurse=False)))
    return (DTensor if fsdp or any(isinstance(t, DTensor) for t in tensors) else None), fsdp


@contextmanager
def per_rank(model: Any, engine: str, symbolic: bool = False) -> Iterator[Ranks | None]:
    """Count ``model`` per rank while inside: a model holding DTensors or FSDP2 modules, or any model while a process
    group is initialized (its collectives are noted). Yields ``None`` (nothing changes) otherwise."""
    dtensor, fsdp = _parallelized(model)
    initialized = torch.distributed.is_available() and torch.distributed.is_initialized()
    if dtensor is None and not initialized:
        yield None
        return
    if dtensor is not None:
        if engine in ("eager", "fx"):
            raise InputError(
                f"a model parallelized with DTensor or FSDP2 is counted per rank at the aten level, where each op has "
                f"its local shapes; engine={engine!r} would see the global ones: pass engine='aten' (or 'auto')"
            )
        if symbolic:
            raise InputError("a parallelized model is counted with concrete sizes: drop dims= (count each size)")
        if fake_mode_running():
            raise InputError(
                "a parallelized model is counted outside any FakeTensorMode (DTensor's own fake runs could not be told "
                "from the model's ops): leave the mode before count_flops; tensors made in it may stay fake"
            )
        engine = "aten"
    ranks = Ranks(engine, dtensor, fsdp)
    token = _ACTIVE.set(ranks)
    try:
        yield ranks
    finally:
        _ACTIVE.reset(token)
        for module in fsdp:
            module.reshard()  # the guard put the sharded parameters back: FSDP's state says so again
