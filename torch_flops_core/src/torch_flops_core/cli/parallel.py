"""``torch-flops count hf:CONFIG --tp N [--fsdp M] [--rank R]``: one rank of a Llama-style model under the standard
plan (:func:`torch_flops_core.distributed.parallelize_llama`), counted in torch's fake process group
(:func:`torch_flops_core.distributed.parallel_count`), and its report: the rank and its collectives.

Imported by the parser (:func:`parallel_arguments`), so it imports neither torch nor the views when it is imported:
the functions that count and report import them when they run.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .options import int_at_least
from .usage import UsageError

if TYPE_CHECKING:
    from ..results import FlopsResult
    from .shapes import InputPoint

__all__ = ["check_parallel", "counting", "parallel_arguments", "parallel_json", "parallel_report"]


def parallel_arguments(counting_group: argparse._ArgumentGroup) -> None:
    """``--tp``, ``--fsdp`` and ``--rank``, in ``count``'s counting group."""
    counting_group.add_argument(
        "--tp",
        type=int_at_least(1),
        default=1,
        metavar="N",
        help="hf: Llama-style models: count one GPU of N-way tensor parallelism (Megatron-LM's plan: q/k/v/gate/up "
        "column-, o/down row-parallel), in torch's fake process group on this machine (docs/distributed.md)",
    )
    counting_group.add_argument(
        "--fsdp",
        type=int_at_least(1),
        default=1,
        metavar="M",
        help="with or without --tp: each decoder layer and the model fully sharded (FSDP2) over M ranks",
    )
    counting_group.add_argument(
        "--rank", type=int_at_least(0), default=0, metavar="R", help="with --tp/--fsdp: the rank counted (default 0)"
    )


def _parallel(args: argparse.Namespace) -> bool:
    return getattr(args, "tp", 1) * getattr(args, "fsdp", 1) > 1


def check_parallel(args: argparse.Namespace, points: Sequence[InputPoint] | None) -> None:
    """The usage errors of ``--tp``, ``--fsdp`` and ``--rank``, found before the model is built."""
    if not _parallel(args):
        if getattr(args, "rank", 0):
            raise UsageError("--rank R picks a rank of --tp N or --fsdp M: give one of them")
        return
    world = args.tp * args.fsdp
    if args.rank >= world:
        raise UsageError(f"--rank {args.rank}: the ranks of --tp {args.tp} × --fsdp {args.fsdp} are 0 to {world - 1}")
    if not args.spec.startswith("hf:"):
        raise UsageError("--tp and --fsdp apply the standard plan of transformers' Llama-style models: an hf: SPEC")
    flags = {
        "--generate": getattr(args, "generate", None), "--symbolic": getattr(args, "symbolic", None),
        "--engine fx or eager": args.engine in ("fx", "eager"), "--device cuda": args.device == "cuda",
    }  # fmt: skip
    clashes = [flag for flag, given in flags.items() if given]
    if clashes:
        raise UsageError(f"--tp/--fsdp count one rank at the aten level on meta or cpu: not with {', '.join(clashes)}")
    if points is not None and len(points) > 1:
        raise UsageError("--tp/--fsdp count one input: give one --seq-len, not a sweep")


def counting(args: argparse.Namespace) -> Callable[..., FlopsResult]:
    """What counts a point: ``count_flops``, or with ``--tp``/``--fsdp`` one rank of the model under the standard plan
    (``parallel_count``, which parallelizes the built model in place)."""
    if not _parallel(args):
        from ..api import count_flops

        return count_flops
    from ..distributed import parallel_count
    from ..errors import InputError

    def count_rank(model: Any, *inputs: Any, **options: Any) -> FlopsResult:
        try:
            return parallel_count(lambda: model, *inputs, tp=args.tp, fsdp=args.fsdp, rank=args.rank, **options)
        except InputError as exc:
            raise UsageError(f"--tp/--fsdp: {exc}") from exc

    return count_rank


def parallel_json(result: FlopsResult) -> dict[str, Any] | None:
    """The JSON ``parallel`` key of a per-rank count: the rank, the world's size and every collective; else ``None``."""
    if result.world_size == 1 and not result.collectives:
        return None
    collectives = [dataclasses.asdict(c) for c in result.collectives]
    return {"world_size": result.world_size, "rank": result.rank, "collectives": collectives}


def parallel_report(result: FlopsResult, tablefmt: str) -> str:
    """The rank counted and its collectives by phase and kind, after a per-rank count's table; ``""`` otherwise."""
    if result.world_size == 1 and not result.collectives:
        return ""
    from ..views.communication import collectives_table, communication_summary

    gap = "\n\n" if tablefmt == "github" else "\n"
    text = communication_summary(result, result.rank, result.world_size)
    return gap + text + (gap + collectives_table(result, tablefmt=tablefmt) if result.collectives else "")
