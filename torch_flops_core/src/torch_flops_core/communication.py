"""A per-rank count's communication: one :class:`Collective` per collective op a rank ran, and per-module rows of
compute and communication (:func:`comm_rows`).

The payload S of a collective (:attr:`Collective.payload`) is, per kind:

- ``all_reduce``: the tensor reduced (its bytes in = its bytes out);
- ``all_gather``: the gathered output, N times each rank's shard;
- ``reduce_scatter``: the input, N times each rank's output;
- ``all_to_all``: the input a rank holds before the exchange;
- ``broadcast``, ``send``, ``recv``: the tensor sent or received.

:attr:`Collective.wire` is what one rank sends (and receives as much) under the ring algorithms
(:mod:`torch_flops_core.formulas.communication`): a documented model of the bytes on the wire, not a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .module_totals import Counted, module_rows
from .records import ROOT_LABEL, Phase

__all__ = ["COLLECTIVE_OPS", "Collective", "CommRow", "PerRank", "comm_rows", "comm_totals"]


_OPS_BY_KIND = {
    "all_reduce": "_c10d_functional::all_reduce _c10d_functional::all_reduce_ _c10d_functional::all_reduce_coalesced "
    "_c10d_functional::all_reduce_coalesced_ c10d::allreduce_ c10d::allreduce_coalesced_",
    "all_gather": "_c10d_functional::all_gather_into_tensor _c10d_functional::all_gather_into_tensor_out "
    "_c10d_functional::all_gather_into_tensor_coalesced _c10d_functional_autograd::all_gather_into_tensor "
    "c10d::_allgather_base_ c10d::allgather_ c10d::allgather_coalesced_ c10d::allgather_into_tensor_coalesced_",
    "reduce_scatter": "_c10d_functional::reduce_scatter_tensor _c10d_functional::reduce_scatter_tensor_out "
    "_c10d_functional::reduce_scatter_tensor_coalesced _c10d_functional_autograd::reduce_scatter_tensor "
    "c10d::_reduce_scatter_base_ c10d::reduce_scatter_ c10d::reduce_scatter_tensor_coalesced_",
    "all_to_all": "_c10d_functional::all_to_all_single _c10d_functional_autograd::all_to_all_single "
    "c10d::alltoall_base_ c10d::alltoall_ _dtensor::shard_dim_alltoall",
    "broadcast": "_c10d_functional::broadcast _c10d_functional::broadcast_ c10d::broadcast_",
    "send": "c10d::send _c10d_functional::isend",
    "recv": "c10d::recv_ c10d::recv_any_source_ _c10d_functional::irecv",
}
COLLECTIVE_OPS: dict[str, str] = {name: kind for kind, names in _OPS_BY_KIND.items() for name in names.split()}
"""The collective ops of ``torch.distributed`` by their schema name, each with its kind: the aten pack claims them (0
FLOPs), a per-rank count notes each one's bytes."""


@dataclass(frozen=True, slots=True)
class Collective:
    """One collective a rank ran: the record it is (0 FLOPs), its kind, its group and its bytes."""

    name: str
    """The name of its :class:`~torch_flops_core.records.OpRecord` (``all_reduce``, ``_allgather_base_1`` ...)."""
    kind: str
    """``all_reduce``, ``all_gather``, ``reduce_scatter``, ``all_to_all``, ``broadcast``, ``send`` or ``recv``."""
    op: str
    """The op that ran (``_c10d_functional.all_reduce.default``, ``c10d._allgather_base_.default`` ...)."""
    module_path: str
    phase: Phase
    ranks: int
    """The size N of the process group it ran over."""
    payload: int
    """S, in bytes (see the module's docstring for what S is of each kind)."""
    wire: int
    """The bytes one rank sends under the ring algorithm (and receives as many): 2(N − 1)/N · S for an all-reduce,
    (N − 1)/N · S for an all-gather, a reduce-scatter or an all-to-all, S for a broadcast or a send."""


class PerRank(Counted, Protocol):
    """What :func:`comm_rows` reads of a :class:`~torch_flops_core.results.FlopsResult`."""

    collectives: list[Collective]


@dataclass(frozen=True, slots=True)
class CommRow:
    """One module path's compute and communication on the rank counted (see :func:`comm_rows`)."""

    path: str
    flops: Any
    macs: Any
    bytes: Any
    """The bytes its ops move in memory (unfused traffic), as :class:`~torch_flops_core.records.ModuleRow`'s."""
    collectives: int
    payload: int
    wire: int

    @property
    def label(self) -> str:
        return self.path or ROOT_LABEL

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved in memory; ``None`` when none moved."""
        return self.flops / self.bytes if self.bytes else None

    @property
    def comm_intensity(self) -> float | None:
        """FLOPs per byte on the wire (the compute that hides a byte of communication); ``None`` without any:
        below ``peak FLOP/s ÷ link bytes/s`` the module waits on the network unless the two overlap."""
        return self.flops / self.wire if self.wire else None

    def comm_ratio(self, peak_flops: float, link_bandwidth: float) -> float | None:
        """Communication time over compute time at ``peak_flops`` (FLOP/s) and ``link_bandwidth`` (bytes/s per rank):
        ``(wire / link_bandwidth) / (flops / peak_flops)``; ``None`` without FLOPs."""
        return (self.wire / link_bandwidth) / (self.flops / peak_flops) if self.flops else None


def comm_rows(result: PerRank, depth: int = 1, phase: Phase | None = None) -> list[CommRow]:
    """Per module path cut to ``depth``: the rank's FLOPs, MACs and memory bytes (as ``module_table``) with its
    collectives, their payload and their ring bytes; modules with FLOPs first (as ``module_table`` orders them), then
    those with only communication, by path. ``phase`` keeps that phase's ops and collectives only."""
    sums: dict[str, list[int]] = {}
    for c in result.collectives:
        if phase is not None and c.phase != phase:
            continue
        key = ".".join(c.module_path.split(".")[:depth]) if c.module_path else ""
        acc = sums.setdefault(key, [0, 0, 0])
        acc[0] += 1
        acc[1] += c.payload
        acc[2] += c.wire
    rows = []
    for row in module_rows(result, depth, phase=phase):
        n, payload, wire = sums.pop(row.path, (0, 0, 0))
        rows.append(CommRow(row.path, row.flops, row.macs, row.bytes, n, payload, wire))
    rows += [CommRow(path, 0, 0, 0, *sums[path]) for path in sorted(sums)]
    return rows


def comm_totals(collectives: list[Collective], phase: Phase | None = None) -> dict[str, tuple[int, int, int]]:
    """Per kind: (how many, payload bytes, ring bytes on the wire) of ``collectives`` (of one ``phase`` if given)."""
    totals: dict[str, tuple[int, int, int]] = {}
    for c in collectives:
        if phase is None or c.phase == phase:
            n, payload, wire = totals.get(c.kind, (0, 0, 0))
            totals[c.kind] = (n + 1, payload + c.payload, wire + c.wire)
    return totals
