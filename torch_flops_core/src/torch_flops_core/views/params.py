"""Parameters for people: :func:`format_params` (``25.6 M``), the phrase the summary line ends with
(:func:`params_phrase`) and a module row's cell. JSON and CSV hold the exact counts (:mod:`.export`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .units import format_flops

if TYPE_CHECKING:
    from ..parameters import ParamCounts
    from ..records import ModuleRow

__all__ = ["format_params", "params_cell", "params_phrase", "with_params"]


def format_params(n: int) -> str:
    """A count of elements with a decimal prefix and three significant digits: ``25.6 M``, ``950``."""
    return format_flops(n, "")


def params_cell(counts: ParamCounts | None) -> str:
    """A table cell: the parameters of a module row or tree node (``""`` where the path names no module)."""
    return "" if counts is None else format_params(counts.total)


def params_phrase(result: Any) -> str:
    """``; params: 25,557,032 (25.6 M), buffers: 53,173``, with the trainable and frozen split when some are
    frozen; ``""`` for a model that is a function (no parameters of its own)."""
    counts: ParamCounts | None = result.params
    if counts is None:
        return ""
    split = f"; {counts.trainable:,} trainable, {counts.frozen:,} frozen" if counts.frozen else ""
    human = format_params(counts.total) if counts.total >= 1000 else ""
    details = "; ".join(part for part in (human, split[2:]) if part)
    phrase = f"; params: {counts.total:,}" + (f" ({details})" if details else "")
    return phrase + (f", buffers: {counts.buffers:,}" if counts.buffers else "")


def with_params(result: Any, rows: list[tuple[list[str], bool]], modules: Sequence[ModuleRow]) -> list[Any]:
    """The notebook's module rows (cells, highlighted) with a params cell each, when the model is a module."""
    if result.params is None:
        return rows
    return [([*cells, params_cell(m.params)], flag) for (cells, flag), m in zip(rows, modules, strict=True)]
