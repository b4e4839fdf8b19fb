"""Which number is "the FLOPs": the three figures of a count and the convention that picks the one tables sort by.

- **exact** (``result.total``, the project's convention): the arithmetic done, ``2K − 1`` per dot product of length
  ``K`` plus every element-wise op (bias, activation, normalisation, softmax ...).
- **2mac** (``2 × result.total_macs``): two FLOPs per multiply-accumulate of the contractions (matmul, conv,
  attention), nothing else: what papers, ``torch.utils.flop_counter.FlopCounterMode``, DeepSpeed and MFU figures use.
- **MACs** (``result.total_macs``): what CNN papers often call "FLOPs" (ResNet-50's "4.1 GFLOPs").

Every summary shows all three. ``count_flops(..., convention=)`` (stored as ``result.convention``) picks the figure
the op and module tables, their order, ``top=K``, charts and rooflines use; :func:`figure_of` is that figure of one op
or module row, :func:`chosen_total` of the whole count, :func:`label` the header naming it.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from .records import Phase
from .rules import NOT_RECOGNIZED

__all__ = [
    "CONVENTIONS",
    "DEFAULT_CONVENTION",
    "Convention",
    "Figured",
    "Measured",
    "Totalled",
    "checked_convention",
    "chosen_rate",
    "chosen_total",
    "figure_of",
    "label",
    "pick",
    "rank_value",
]

Convention = Literal["exact", "2mac"]
CONVENTIONS: tuple[Convention, ...] = ("exact", "2mac")
"""The conventions ``convention=`` and ``--convention`` accept, the default first."""
DEFAULT_CONVENTION: Convention = "exact"

_MEANING = {
    "exact": "every FLOP the arithmetic does: 2K − 1 per dot product plus every element-wise op (result.total)",
    "2mac": "2 × the multiply-accumulates of matmuls, convolutions and attention, as papers, FlopCounterMode and "
    "DeepSpeed report (2 × result.total_macs)",
}


class Figured(Protocol):
    """An op record or a module row: what :func:`figure_of` reads."""

    @property
    def flops(self) -> Any: ...
    @property
    def macs(self) -> Any: ...


class Totalled(Protocol):
    """A :class:`~torch_flops_core.results.FlopsResult`: what :func:`chosen_total` reads."""

    total: Any
    total_macs: Any

    @property
    def convention(self) -> str: ...
    @property
    def total_by_phase(self) -> dict[Phase, Any]: ...
    @property
    def total_macs_by_phase(self) -> dict[Phase, Any]: ...


def checked_convention(value: object) -> Convention:
    """``value`` when it names a convention (:data:`CONVENTIONS`), else a ``ValueError`` saying what each one means."""
    for name in CONVENTIONS:
        if isinstance(value, str) and value == name:
            return name
    choices = "; ".join(f"{name!r}: {meaning}" for name, meaning in _MEANING.items())
    raise ValueError(f"convention must be one of {', '.join(map(repr, CONVENTIONS))}, got {value!r} ({choices})")


def pick(flops: Any, macs: Any, convention: str) -> Any:
    """The figure ``convention`` picks of a (FLOPs, MACs) pair: ``flops`` (exact), or ``2 × macs`` (2mac)."""
    return 2 * macs if convention == "2mac" else flops


def figure_of(item: Figured, convention: str) -> Any:
    """The chosen figure of an op or module row: its exact FLOPs (:data:`NOT_RECOGNIZED` for an op no rule knows), or
    ``2 × macs``."""
    return pick(item.flops, item.macs, convention)


def chosen_total(result: Totalled, convention: str | None = None, phase: Phase | None = None) -> Any:
    """The chosen figure of the whole count (of one phase's ops with ``phase``), in ``result.convention`` unless
    ``convention`` is given."""
    convention = result.convention if convention is None else convention
    if phase is None:
        return pick(result.total, result.total_macs, convention)
    return pick(result.total_by_phase[phase], result.total_macs_by_phase[phase], convention)


def label(convention: str, unit: str = "FLOPs") -> str:
    """A header naming the chosen figure: ``FLOPs`` (exact, the default convention) or ``FLOPs (2×MACs)``."""
    return f"{unit} (2×MACs)" if convention == "2mac" else unit


def rank_value(item: Figured, convention: str) -> Any:
    """What ops are ranked by (``top=K``): the chosen figure where it is an int, ``-1`` for an op no rule knows (below
    every op that costs 0) and for a symbolic figure (ranked by op order)."""
    if item.flops is NOT_RECOGNIZED:
        return -1
    value = figure_of(item, convention)
    return value if type(value) is int else -1


class Measured(Protocol):
    """A :class:`~torch_flops_core.results.FlopsResult`: what :func:`chosen_rate` reads."""

    device: str

    @property
    def convention(self) -> str: ...
    def achieved(self, record: Any) -> tuple[float | None, float | None]: ...


def chosen_rate(result: Measured, item: Any) -> tuple[float | None, Any]:
    """An op's or module row's achieved FLOP/s and FLOPs per byte in ``result.convention``: exact, its
    ``result.achieved()`` rate and ``intensity``; 2mac, ``2 × macs`` over its measured time (``None`` on meta or
    without a time) and over its bytes (``None`` without bytes)."""
    if result.convention != "2mac":
        return result.achieved(item)[0], item.intensity
    value, time_ms, moved = 2 * item.macs, item.time_ms, item.bytes
    rate = value / (time_ms / 1e3) if result.device != "meta" and time_ms and type(value) is int else None
    return rate, (value / moved if moved else None)
