"""A generation's count as text and as JSON: one row per forward (the prefill, each decode step with its context
length), then the totals of each phase (:class:`~torch_flops_core.generation.Generation`)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from ..generation import Generation, Step
from .export import exact
from .units import figure, format_flops, format_macs

__all__ = ["GENERATION_COLUMNS", "generation_to_dict", "render_generation"]

GENERATION_COLUMNS = ("step", "tokens", "context", "FLOPs", "2×MACs", "MACs", "exact FLOPs", "ops")


def _known(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _row(label: str, tokens: str, context: str, flops: Any, macs: Any, ops: int) -> list[str]:
    shown = (format_flops(flops), format_flops(2 * macs), format_macs(macs), figure(flops))
    return [label, tokens, context, *shown, f"{ops:,}"]


def _step_row(step: Step) -> list[str]:
    label = "prefill" if step.index == 0 else f"decode {step.index}"
    return _row(label, _known(step.tokens), _known(step.context), step.flops, step.macs, step.ops)


def render_generation(generation: Generation, *, tablefmt: str = "simple") -> str:
    """The table of ``generation``: the prefill, each decode step, then the totals of the decode steps, of the loop
    around the forwards (sampling, stopping criteria) and of everything; a line per step that has ops no rule knows."""
    rows = [_step_row(step) for step in generation.steps]
    decode = generation.decode
    rows.append(_row(f"decode ({len(decode)} steps)", "", "", generation.decode_flops, generation.decode_macs,
                     sum(s.ops for s in decode)))  # fmt: skip
    rows.append(_row("generation loop", "", "", generation.loop_flops, generation.loop_macs, generation.loop_ops))
    total_flops, total_macs = generation.totals["total"]
    ops = sum(s.ops for s in generation.steps) + generation.loop_ops
    rows.append(_row("total", "", "", total_flops, total_macs, ops))
    align = ("left", *("right",) * (len(GENERATION_COLUMNS) - 1))
    text = tabulate(rows, list(GENERATION_COLUMNS), tablefmt=tablefmt, disable_numparse=True, colalign=align)
    unknown = [f"{'prefill' if s.index == 0 else f'decode {s.index}'}: {s.unrecognized}" for s in generation.steps
               if s.unrecognized]  # fmt: skip
    if unknown:
        text += "\nops not recognized (not in the FLOPs): " + ", ".join(unknown)
    return text


def generation_to_dict(generation: Generation) -> dict[str, Any]:
    """Each step (index, phase, tokens, context, flops, macs, ops, not recognized, record range) and the totals of
    each phase, exact (a symbolic count's figures as sympy strings)."""
    steps = [
        {
            "index": s.index, "phase": s.phase, "tokens": s.tokens, "context": s.context, "flops": exact(s.flops),
            "macs": exact(s.macs), "ops": s.ops, "unrecognized": s.unrecognized, "records": [s.start, s.stop],
        }
        for s in generation.steps
    ]  # fmt: skip
    totals = {name: {"flops": exact(f), "macs": exact(m)} for name, (f, m) in generation.totals.items()}
    return {"steps": steps, "loop_ops": generation.loop_ops, "totals": totals}
