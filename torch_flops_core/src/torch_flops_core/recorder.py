"""The recorder every engine shares: record names, time and memory probes, and ``OpRecord`` building.

An engine decides *what* ran (a graph node, a torch call, a module counted whole) and which rule
counts it; the recorder measures it and writes it down, the same way for every engine: a
``perf_counter`` pair around the op (with ``torch.cuda.synchronize()`` on both sides when the model or
its inputs are on CUDA, so the time is the kernel's and not the launch's), the CUDA memory function
read before and after it (CUDA only), and one :class:`~torch_flops_core.results.OpRecord`.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._pytree import tree_flatten

from .registry import RuleEntry
from .results import OpRecord, Phase
from .rules import NOT_RECOGNIZED, Call, NotRecognizedType, RecordKind

__all__ = ["NodeOwners", "Probe", "Recorder", "tensor_devices"]

Probe = tuple[float, "int | None"]
"""What :meth:`Recorder.start` returns: the start time and the memory before the op (CUDA only)."""

_perf_counter = time.perf_counter
_next_sequence_nr: Callable[[], int] = torch._C._autograd._get_sequence_nr


class NodeOwners:
    """Which recorded op, in which module, created each autograd node of a forward.

    Autograd numbers the nodes it creates in a thread (``node._sequence_nr()``) in creation order;
    after each recorded op the numbers it used up are one range, owned by that op's module. The
    backward counter asks who owns the node it is running for (:meth:`owner`). Ranges are appended
    in increasing order, so a lookup is one bisection. The numbering is per thread: only ops recorded
    in the counting thread mark ranges (on CUDA, autograd runs the backward in a thread of its own).
    """

    __slots__ = ("ends", "last", "owners", "starts", "thread")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.owners: list[tuple[str, str]] = []
        self.last = _next_sequence_nr()
        self.thread = threading.get_ident()

    def mark(self, module_path: str, module_type: str) -> None:
        """The nodes created since the last mark belong to ``module_path`` (an op was just recorded there)."""
        if threading.get_ident() != self.thread:
            return
        now = _next_sequence_nr()
        if now > self.last:
            self.starts.append(self.last)
            self.ends.append(now)
            self.owners.append((module_path, module_type))
            self.last = now

    def owner(self, sequence_nr: int) -> tuple[str, str] | None:
        """(module path, module type) of the op that created node number ``sequence_nr``, if recorded."""
        i = bisect_right(self.starts, sequence_nr) - 1
        if i >= 0 and sequence_nr < self.ends[i]:
            return self.owners[i]
        return None


class Recorder:
    """Names, measures and records ops, one :class:`OpRecord` each, in the order they ran.

    ``measure_time``: take each op's wall time. ``cuda``: synchronise around each op and read
    ``memory`` (default ``torch.cuda.memory_allocated``) before and after it. ``prefix`` is put
    before every record name (records of an op expanded into its torch calls: ``node.op``).
    ``owners``, when the backward is to be counted, learns which module created each autograd node.
    ``count_bytes``: the engines work out each op's bytes (:mod:`torch_flops_core.traffic`).
    """

    __slots__ = ("count_bytes", "cuda", "measure_time", "memory", "names", "owners", "prefix", "records")

    def __init__(
        self,
        *,
        measure_time: bool = True,
        cuda: bool = False,
        memory: Callable[[], int] | None = None,
        prefix: str = "",
        owners: NodeOwners | None = None,
        count_bytes: bool = True,
    ) -> None:
        self.owners = owners
        self.count_bytes = count_bytes
        self.measure_time = measure_time
        self.cuda = cuda
        self.memory = memory or torch.cuda.memory_allocated
        self.prefix = prefix
        self.records: list[OpRecord] = []
        self.names: dict[str, int] = {}
        """How many records each name base has had (FX's naming: ``add``, ``add_1`` ...)."""

    def child(self, prefix: str) -> Recorder:
        """A recorder with the same probes whose names start with ``prefix`` (records go to its own list)."""
        return Recorder(
            measure_time=self.measure_time,
            cuda=self.cuda,
            memory=self.memory,
            prefix=prefix,
            owners=self.owners,
            count_bytes=self.count_bytes,
        )

    def name(self, base: str) -> str:
        """A unique record name: ``base``, then ``base_1``, ``base_2`` ... (FX's naming)."""
        n = self.names.get(base, 0)
        self.names[base] = n + 1
        return f"{self.prefix}{base}" if n == 0 else f"{self.prefix}{base}_{n}"

    def start(self) -> Probe:
        """Probe before an op: synchronise and read memory on CUDA, then take the time."""
        if self.cuda:
            torch.cuda.synchronize()
            return _perf_counter(), self.memory()
        return (_perf_counter() if self.measure_time else 0.0), None

    def stop(self, probe: Probe) -> tuple[float | None, int | None, int | None]:
        """Probe after an op: its time in ms (``None`` unless measured), memory before and after (CUDA only)."""
        if self.cuda:
            torch.cuda.synchronize()
            time_ms = (_perf_counter() - probe[0]) * 1e3 if self.measure_time else None
            return time_ms, probe[1], self.memory()
        return ((_perf_counter() - probe[0]) * 1e3 if self.measure_time else None), None, None

    def record(
        self,
        name: str,
        kind: RecordKind,
        target: Any,
        module_path: str,
        module_type: str,
        flops: int | NotRecognizedType,
        macs: int,
        entry: RuleEntry | None,
        ignored: bool,
        measured: tuple[float | None, int | None, int | None] = (None, None, None),
        phase: Phase = "forward",
        moved: int | None = None,
    ) -> OpRecord:
        """Append one op's record; ``entry`` is the rule that counted it (``None``: none, or ignored)."""
        time_ms, before, after = measured
        counted = entry is not None and not ignored
        record = OpRecord(
            name=name,
            kind=kind,
            target=target,
            module_path=module_path,
            module_type=module_type,
            flops=flops,
            macs=macs,
            plugin=entry.plugin if counted else None,  # type: ignore[union-attr]
            rule=entry.name if counted else None,  # type: ignore[union-attr]
            ignored=ignored,
            time_ms=time_ms,
            mem_before=before,
            mem_after=after,
            mem_delta=None if before is None or after is None else after - before,
            phase=phase,
            bytes=moved,
        )
        self.records.append(record)
        if self.owners is not None:
            self.owners.mark(module_path, module_type)
        return record

    @staticmethod
    def count(
        entry: RuleEntry | None, ignored: bool, call: Call, module_path: str
    ) -> tuple[int | NotRecognizedType, int, int | None]:
        """(flops, macs, bytes) of ``call``: 0 when ignored, the sentinel without a rule, else the rule's
        (``bytes`` is ``None`` unless the rule gave it)."""
        if ignored:
            return 0, 0, None
        if entry is None:
            return NOT_RECOGNIZED, 0, None
        return entry.apply(call, module_path)


def tensor_devices(*values: Any) -> set[str]:
    """The device types of the tensors in ``values`` (nested in tuples, lists, dicts): one walk of the inputs."""
    return {leaf.device.type for leaf in tree_flatten(values)[0] if isinstance(leaf, torch.Tensor)}
