"""Collective communication: the bytes one rank sends (and, as many, receives) under the ring algorithms.

``size`` is a collective's payload S in bytes, as :mod:`torch_flops_core.communication` defines it per kind (an
all-reduce's tensor, an all-gather's gathered output, a reduce-scatter's input ...), ``ranks`` the group's size N.
These are the textbook bandwidth terms (NCCL's "bus bandwidth" factors), a model of the bytes on the wire, not a
measurement: a tree or a hierarchical algorithm moves other amounts, and latency is not modelled. A fraction of
bytes is rounded down. A collective computes no FLOPs in this convention (an all-reduce's additions are not
counted).
"""

from __future__ import annotations

__all__ = [
    "COLLECTIVE_KINDS", "all_gather_wire", "all_reduce_wire", "all_to_all_wire", "broadcast_wire",
    "point_to_point_wire", "reduce_scatter_wire", "wire_bytes",
]  # fmt: skip


def all_reduce_wire(size: int, ranks: int) -> int:
    """Ring all-reduce of S bytes over N ranks: 2(N − 1)/N · S per rank (a reduce-scatter, then an all-gather)."""
    return 2 * (ranks - 1) * size // ranks


def all_gather_wire(size: int, ranks: int) -> int:
    """Ring all-gather into S bytes (N shards of S/N): (N − 1)/N · S per rank (every shard but its own passes by)."""
    return (ranks - 1) * size // ranks


def reduce_scatter_wire(size: int, ranks: int) -> int:
    """Ring reduce-scatter of S bytes (each rank keeps S/N): (N − 1)/N · S per rank."""
    return (ranks - 1) * size // ranks


def all_to_all_wire(size: int, ranks: int) -> int:
    """All-to-all of S bytes per rank in N equal parts: (N − 1)/N · S per rank (it keeps its own part)."""
    return (ranks - 1) * size // ranks


def broadcast_wire(size: int, ranks: int) -> int:
    """Pipelined (ring) broadcast of S bytes: S per rank (every rank but the root receives S), 0 alone."""
    return size if ranks > 1 else 0


def point_to_point_wire(size: int, ranks: int) -> int:
    """A send or a receive of S bytes: S (``ranks`` unused)."""
    return size


COLLECTIVE_KINDS = {
    "all_reduce": all_reduce_wire,
    "all_gather": all_gather_wire,
    "reduce_scatter": reduce_scatter_wire,
    "all_to_all": all_to_all_wire,
    "broadcast": broadcast_wire,
    "send": point_to_point_wire,
    "recv": point_to_point_wire,
}
"""The collective kinds, each with its ring-model bytes on the wire per rank (a function of S and N)."""


def wire_bytes(kind: str, size: int, ranks: int) -> int:
    """The ring-model bytes one rank sends for a collective ``kind`` of payload S over N ranks (see each kind's)."""
    return COLLECTIVE_KINDS[kind](size, ranks)
