"""A generation's count split by forward: the prefill, each decode step, and the loop around them.

Counting ``model.generate`` (transformers) or any function that calls one module's forward several times records
where each top-level forward of that module began and ended (:mod:`torch_flops_core.engines.generation`); this
module holds what is made of it: :class:`Generation` (``result.generation``), one :class:`Step` per forward and the
ops that ran between forwards (sampling, stopping criteria, the concatenation of the ids), kept apart.

The first forward is the **prefill** (the prompt, every token at once); every later one is a **decode step**
(``tokens`` new tokens, 1 for greedy decoding, attending to ``context`` keys: the cache's length plus the new
tokens). See docs/generation.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .records import OpRecord
from .rules import CALL_KINDS, NOT_RECOGNIZED

__all__ = ["Generation", "Span", "Step", "StepPhase", "step_of"]

StepPhase = Literal["prefill", "decode"]


@dataclass(frozen=True, slots=True)
class Span:
    """Where one top-level forward's records lie in the count (``records[start:stop]``), with the tokens it was
    given and the context they attend to (``None`` where the inputs do not say)."""

    start: int
    stop: int
    tokens: int | None
    context: int | None


@dataclass(frozen=True, slots=True)
class Step:
    """One forward of a generation: the prefill (``index`` 0) or decode step ``index``."""

    index: int
    tokens: int | None
    """Tokens the forward was given: the prompt's length for the prefill, 1 per decode step when greedy."""
    context: int | None
    """Keys the last new token attends to: tokens already in the cache plus the new ones (``None``: unknown)."""
    flops: Any
    macs: Any
    ops: int
    unrecognized: int
    start: int
    """The step's records are ``result.ops[start:stop]``."""
    stop: int

    @property
    def phase(self) -> StepPhase:
        return "prefill" if self.index == 0 else "decode"


def step_of(index: int, span: Span, records: Sequence[OpRecord]) -> Step:
    """The :class:`Step` of ``span``'s records (recognized FLOPs summed, MACs, ops and those no rule knows)."""
    ops = records[span.start : span.stop]
    flops, macs, unknown = _sums(ops)
    return Step(index, span.tokens, span.context, flops, macs, len(ops), unknown, span.start, span.stop)


def _sums(ops: Sequence[OpRecord]) -> tuple[Any, Any, int]:
    flops = sum(r.flops for r in ops if r.flops is not NOT_RECOGNIZED)
    return flops, sum(r.macs for r in ops), sum(1 for r in ops if r.flops is NOT_RECOGNIZED)


@dataclass(frozen=True, slots=True)
class Generation:
    """A count of a generation (``result.generation``): the prefill, each decode step, and the generation loop's
    own ops (everything that ran outside the model's forwards: sampling, ``isin``, ``argmax``, the ids' ``cat``)."""

    steps: tuple[Step, ...]
    """Every forward in order: the prefill first, then the decode steps."""
    loop_flops: Any
    loop_macs: Any
    loop_ops: int

    @classmethod
    def of(cls, spans: Sequence[Span], records: Sequence[OpRecord]) -> Generation:
        """The generation of a count whose records are ``records`` and whose forwards ran over ``spans``."""
        steps = tuple(step_of(i, span, records) for i, span in enumerate(spans))
        inside = {i for span in spans for i in range(span.start, span.stop)}
        loop = [r for i, r in enumerate(records) if i not in inside and r.kind in CALL_KINDS]
        flops, macs, _ = _sums(loop)
        return cls(steps, flops, macs, len(loop))

    @property
    def prefill(self) -> Step:
        """The first forward: the prompt."""
        return self.steps[0]

    @property
    def decode(self) -> tuple[Step, ...]:
        """The forwards after the prefill, one per decode step (``max_new_tokens - 1`` of them in ``generate``: the
        prefill's logits give the first new token)."""
        return self.steps[1:]

    @property
    def decode_flops(self) -> Any:
        return sum(s.flops for s in self.decode)

    @property
    def decode_macs(self) -> Any:
        return sum(s.macs for s in self.decode)

    @property
    def totals(self) -> dict[str, tuple[Any, Any]]:
        """(FLOPs, MACs) of each phase: ``prefill``, ``decode`` (every step), ``loop`` (outside the forwards) and
        ``total`` (their sum: the count's total)."""
        parts = {
            "prefill": (self.prefill.flops, self.prefill.macs),
            "decode": (self.decode_flops, self.decode_macs),
            "loop": (self.loop_flops, self.loop_macs),
        }
        return parts | {"total": (sum(f for f, _ in parts.values()), sum(m for _, m in parts.values()))}

    def summary(self, *, tablefmt: str = "simple") -> str:
        """The prefill, each decode step (tokens, context, FLOPs, 2×MACs, MACs) and the totals per phase, as a
        table (``tablefmt``: tabulate's format, ``"github"`` for markdown)."""
        from .views.generation import render_generation

        return render_generation(self, tablefmt=tablefmt)

    def to_dict(self) -> dict[str, Any]:
        """Exact figures, JSON-ready: each step and the totals per phase."""
        from .views.generation import generation_to_dict

        return generation_to_dict(self)

    def __str__(self) -> str:
        return self.summary()
