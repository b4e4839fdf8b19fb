"""A per-rank count's communication as text: the collectives by kind, and each module's compute next to its
communication (:func:`~torch_flops_core.communication.comm_rows`), for the rank counted."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from ..communication import PerRank, comm_rows, comm_totals
from ..records import PHASES, Phase
from .units import format_bytes, format_flops, format_intensity

__all__ = ["collectives_table", "communication_report", "communication_summary"]


def communication_summary(result: PerRank, rank: int, world_size: int) -> str:
    """One line: the rank counted, and its collectives' count, payload and ring bytes on the wire."""
    totals = comm_totals(result.collectives)
    payload, wire = sum(t[1] for t in totals.values()), sum(t[2] for t in totals.values())
    return (
        f"rank {rank} of {world_size}: {len(result.collectives):,} collectives, payload {format_bytes(payload)}, "
        f"on the wire (ring) {format_bytes(wire)}"
    )


def collectives_table(result: PerRank, *, tablefmt: str = "simple") -> str:
    """The collectives by phase and kind: how many, their payload and their ring bytes on the wire."""
    rows = []
    for phase in PHASES:
        for kind, (n, payload, wire) in comm_totals(result.collectives, phase).items():
            rows.append([phase, kind, f"{n:,}", format_bytes(payload), format_bytes(wire)])
    headers = ["phase", "collective", "count", "payload", "on the wire (ring)"]
    align = ("left", "left", "right", "right", "right")
    return tabulate(rows, headers, tablefmt=tablefmt, disable_numparse=True, colalign=align)


def communication_report(
    result: PerRank,
    depth: int = 1,
    *,
    phase: Phase | None = None,
    peak_flops: float | None = None,
    link_bandwidth: float | None = None,
    tablefmt: str = "simple",
) -> str:
    """Each module at ``depth``: its FLOPs, memory intensity, collectives, payload, ring bytes, FLOPs per byte on the
    wire; with ``peak_flops`` and ``link_bandwidth`` (bytes/s per rank), communication time over compute time."""
    headers = ["module", "FLOPs", "FLOP/B (memory)", "collectives", "payload", "on the wire", "FLOP/B (wire)"]
    if peak_flops is not None and link_bandwidth is not None:
        headers.append("comm/compute time")
    rows: list[list[Any]] = []
    for row in comm_rows(result, depth, phase):
        cells = [row.label, format_flops(row.flops), format_intensity(row.intensity), f"{row.collectives:,}"]
        cells += [format_bytes(row.payload), format_bytes(row.wire), format_intensity(row.comm_intensity)]
        if peak_flops is not None and link_bandwidth is not None:
            ratio = row.comm_ratio(peak_flops, link_bandwidth)
            cells.append("–" if ratio is None else f"{ratio:.3g}")
        rows.append(cells)
    return tabulate(rows, headers, tablefmt=tablefmt, disable_numparse=True)
