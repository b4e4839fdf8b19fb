"""Per-module totals of a count: :func:`module_rows` sums the records of each module path cut to a depth (the rows
of :meth:`~torch_flops_core.results.FlopsResult.module_table`, :meth:`~torch_flops_core.results.FlopsResult.by_module`
and every view's module table)."""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from .conventions import Totalled, chosen_total, figure_of, pick
from .expressions import evaluated
from .parameters import ModuleInfo, row_params
from .records import PHASES, ModuleRow, OpRecord, Phase
from .rules import CALL_KINDS, NOT_RECOGNIZED

__all__ = ["Counted", "at_example", "module_rows"]


class Counted(Totalled, Protocol):
    """What :func:`module_rows` reads of a :class:`~torch_flops_core.results.FlopsResult`: its totals
    (:class:`~torch_flops_core.conventions.Totalled`) and these."""

    ops: list[OpRecord]
    sizes: dict[str, int]
    unknowns: dict[str, str]
    bytes_counted: bool
    structure: dict[str, ModuleInfo] | None


_PHASE_SLOT = {phase: 3 + i for i, phase in enumerate(PHASES)}
_BYTES, _TIME = 3 + len(PHASES), 4 + len(PHASES)


def at_example(result: Counted) -> Any:
    """A figure at the example's sizes, unknowns at 0 (itself for a concrete count): what a symbolic count sorts by."""
    if not result.sizes:
        return lambda value: value
    values = {**result.sizes, **dict.fromkeys(result.unknowns, 0)}
    return lambda value: evaluated(value, values)


def module_rows(result: Counted, depth: int = 1, top: int | None = None, phase: Phase | None = None) -> list[ModuleRow]:
    """Totals per module path cut to ``depth`` (as :meth:`FlopsResult.by_module`), largest first.

    Only paths holding at least one op appear; ``top`` keeps the ``top`` largest; ``phase`` keeps
    only that phase's ops. Ties are ordered by path, so the order is stable.
    """
    if depth < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    if top is not None and top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    if phase is not None and phase not in _PHASE_SLOT:
        raise ValueError(f"phase must be one of {', '.join(map(repr, PHASES))} or None, got {phase!r}")
    sums: dict[str, list[Any]] = {}  # flops, macs, ops, each phase's flops, bytes, time
    for r in result.ops:
        if r.kind not in CALL_KINDS or (phase is not None and r.phase != phase):
            continue
        key = ".".join(r.module_path.split(".")[:depth]) if r.module_path else ""
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = [0] * (5 + len(PHASES))
        if r.flops is not NOT_RECOGNIZED:
            acc[0] += r.flops
            acc[_PHASE_SLOT[r.phase]] += r.flops
        acc[1] += r.macs
        acc[2] += 1
        if r.bytes is not None:
            acc[_BYTES] += r.bytes
        if r.time_ms is not None:
            acc[_TIME] += r.time_ms
    convention, total = result.convention, chosen_total(result, phase=phase)  # share and order: of the chosen figure
    at = at_example(result)
    whole = at(total)
    rows = [
        ModuleRow(
            path, acc[0], acc[1], acc[2], at(pick(acc[0], acc[1], convention)) / whole if whole else 0.0, *acc[3:]
        )
        for path, acc in sums.items()
    ]
    if not result.bytes_counted:  # unknown, not 0
        rows = [dataclasses.replace(row, bytes=None) for row in rows]
    if result.structure is not None:  # the model is a module: each row's parameters
        rows = [dataclasses.replace(row, params=row_params(result.structure, row.path, depth)) for row in rows]
    rows.sort(key=lambda row: (-at(figure_of(row, convention)), row.path))
    return rows[:top] if top is not None else rows
