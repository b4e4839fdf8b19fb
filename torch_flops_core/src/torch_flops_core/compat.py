"""``TorchFLOPsByFX``: the seed package's class, kept as a thin layer so its users change one import."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from typing import Any

import torch
import torch.fx as fx
from tabulate import tabulate

from .engines.guard import preserve_model
from .engines.ignore import IgnoreSpec
from .engines.run import run_count
from .engines.tracer import trace_graph
from .plugins import get_plugins
from .results import FlopsResult
from .rules import NOT_RECOGNIZED

__all__ = ["TorchFLOPsByFX"]

SEED_HEADER = (
    "node_name", "node_op", "op_target", "nn_module_stack[-1]", "flops",
    "time(ms)", "mem_before_op(B)", "mem_after_op(B)", "mem_delta(B)",
)  # fmt: skip


class TorchFLOPsByFX:
    """Count FLOPs the way ``torch_flops`` 0.4.1 did: trace at construction, then ``propagate(*inputs)``.

    As in 0.4.1, the model is traced and run in eval mode (a timm model created in training mode
    counts the seed's figures); unlike 0.4.1, its training flags are put back afterwards, so the
    caller's model is left as it was. cpu and meta work (memory columns are empty there), and the
    formulas come from the installed rule plugins. The defaults and return values are 0.4.1's:
    ``mem_func_name="max_memory_allocated"``, ``print_result_table()`` returns the rows.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        mem_func_name: str = "max_memory_allocated",
        ignore_ops: Sequence[Any] = (),
    ) -> None:
        if mem_func_name not in ("memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved"):
            raise ValueError(f"mem_func_name must name a torch.cuda memory function, got {mem_func_name!r}")
        self.model = model
        self.mem_func_name = mem_func_name
        self.ignore_ops = [ignore_ops] if isinstance(ignore_ops, str) else list(ignore_ops)
        self._table = get_plugins().table
        with preserve_model(model):  # tracing's tensor constants go into the GraphModule, not the model
            model.eval()  # 0.4.1 traces in eval mode; preserve_model puts the flags back
            self.graph_model: fx.GraphModule = trace_graph(model, self._table).graph_module(type(model).__name__)
        self.result: FlopsResult | None = None
        self.result_header = list(SEED_HEADER)
        self.result_table: list[list[Any]] = []

    def propagate(self, *args: Any, **kwargs: Any) -> Any:
        """Run the model on ``args`` (and keyword inputs) and record every node; returns the model's output.

        Inputs are bound to the traced graph's placeholders as ``count_flops`` binds them (parameter
        defaults fill what is not given; a wrong input is an ``InputError`` naming ``forward``).
        """
        self.result, output = run_count(
            self.graph_model, args, kwargs, self._table, IgnoreSpec(self.ignore_ops, self._table), "fx",
            memory=getattr(torch.cuda, self.mem_func_name), prepare=_eval,
        )  # fmt: skip
        self.result_table = [
            [
                r.name, r.kind, str(r.target), r.module_type,
                "ignored" if r.ignored else "not_recognized" if r.flops is NOT_RECOGNIZED else r.flops,
                r.time_ms, r.mem_before, r.mem_after, r.mem_delta,
            ]
            for r in self.result.ops
        ]  # fmt: skip
        return output

    def _require(self) -> FlopsResult:
        if self.result is None:
            raise RuntimeError("Use `propagate()` method first.")
        return self.result

    def print_result_table(self, show: bool = True) -> list[list[Any]]:
        """Print the seed's table of every node (``show``); return its rows, as 0.4.1 does."""
        self._require()
        text = tabulate(
            self.result_table, self.result_header, tablefmt="rst",
            intfmt=[""] * 4 + [","] + [""] + [","] * 2 + ["+,"], floatfmt=".3f", missingval="",
        )  # fmt: skip
        if show:
            print(text)
        return self.result_table

    def print_total_flops(self, show: bool = True) -> int:
        result = self._require()
        skipped = len(result.unrecognized) + len(result.ignored)
        if show:
            note = f" ({skipped} operations are ignored or not recognized)" if skipped else ""
            print(f"total_flops = {result.total:3,}{note}")
        return result.total

    def print_total_time(self, show: bool = True) -> float:
        total = self._require().total_time_ms
        if show:
            print(f"total_time = {total:.3f} ms")
        return total

    def print_max_memory(self, show: bool = True) -> int | None:
        peak = self._require().max_memory
        if show:
            print(
                f"max_memory = {peak:3,} Bytes"
                if peak is not None
                else "max_memory = n/a (memory is measured on CUDA only)"
            )
        return peak

    def save_result_to_csv(self, file_path: str | os.PathLike[str], mode: str = "a") -> None:
        self._require()
        with open(file_path, mode, newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(self.result_header)
            writer.writerows([["" if v is None else v for v in row] for row in self.result_table])


def _eval(model: torch.nn.Module) -> None:
    """0.4.1 counts in eval mode (the caller's flags are put back when the count ends)."""
    model.eval()
