"""Pooling functions, counted as the ``torch.nn`` pooling modules are.

Fixed windows: average = k·N (k − 1 additions and a division per output), max = (k − 1)·N
comparisons. k is the product of a tuple ``kernel_size``, but an **int kernel_size counts as k, not
k^dims**, exactly as the nn pack counts ``nn.MaxPool2d(3)`` (the seed's reading, on which its
ResNet-50 figure depends): a model counts the same whether it pools with a module or a function.
Adaptive windows are torch's exact windows (start ⌊i·in/out⌋, end ⌈(i + 1)·in/out⌉), as for the modules
and the aten kernels. LP and fractional pools
have no seed figure: an int kernel_size is their full k^dims window, as the nn pack counts them.
"""

from __future__ import annotations

import math
from typing import Any

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.rulekit import Claimer, named
from torch_flops_core.shapes import numel, out_numel

from ._common import ops

__all__ = ["adaptive_window", "kernel_elements"]


def kernel_elements(size: int | tuple[int, ...] | list[int]) -> int:
    """k of a fixed window, the nn pack's way: numel of a tuple kernel_size, an int counts once."""
    return size if isinstance(size, int) else math.prod(size)


def adaptive_window(call: Call, dims: int) -> int:
    """Σ over the output positions of an adaptive pool of their windows' sizes, times the leading (batch, channel)
    elements: the inputs each output reads (windows from ⌊i·in/out⌋ to ⌈(i + 1)·in/out⌉, formulas.adaptive_windows)."""
    out = call.output[0] if isinstance(call.output, tuple) else call.output
    return formulas.adaptive_pool(call.arg(0, "input").shape, out.shape, dims)


def fixed(maximum: bool, kernel_index: int, name: str) -> Any:
    """A fixed-window pool, k read from ``kernel_size`` at ``kernel_index``: average k·N (formulas.avg_pool), max
    (k − 1)·N (formulas.max_pool)."""
    pool = formulas.max_pool if maximum else formulas.avg_pool

    def rule(call: Call) -> int:
        return pool(kernel_elements(call.arg(kernel_index, "kernel_size")), out_numel(call))

    formula = "(k − 1)·N" if maximum else "k·N"
    doc = f"{name}: {formula}; k = numel(kernel_size) (an int counts once), N = numel(out)."
    return named(rule, name, doc, __name__)


def adaptive(maximum: bool, dims: int, name: str) -> Any:
    """An adaptive pool over ``dims`` dims (formulas.adaptive_pool): avg Σ w (w − 1 adds and a divide per window of
    w); max Σ (w − 1) (w − 1 compares)."""

    def rule(call: Call) -> int:
        out = call.output[0] if isinstance(call.output, tuple) else call.output
        return max(formulas.adaptive_pool(call.arg(0, "input").shape, out.shape, dims, maximum), 0)

    formula = "Σ (w − 1)" if maximum else "Σ w"
    return named(rule, name, f"{name}: {formula} over the output windows w (exact adaptive windows).", __name__)


def full_window(size: int | tuple[int, ...] | list[int], dims: int) -> int:
    """k of a window torch pools in full: an int kernel_size is k^dims (LP and fractional pools, as the nn pack;
    formulas.pool_window)."""
    return formulas.pool_window(size, dims)


def lp_pool(dims: int) -> Any:
    """F.lp_poolNd: numel(in) + k·N: x^p of every input, k − 1 additions and a root per output; k = full window."""

    def rule(call: Call) -> int:
        args = call.arguments()
        return formulas.lp_pool(numel(args["input"]), full_window(args["kernel_size"], dims), out_numel(call))

    return named(rule, f"lp_pool{dims}d", lp_pool.__doc__ or "", __name__)


def fractional_max_pool(dims: int) -> Any:
    """F.fractional_max_poolNd: (k − 1)·N, k = the full window (the positions are random, the size is not)."""

    def rule(call: Call) -> int:
        return formulas.max_pool(full_window(call.arg(1, "kernel_size"), dims), out_numel(call))

    return named(rule, f"fractional_max_pool{dims}d", fractional_max_pool.__doc__ or "", __name__)


def unpool(call: Call) -> int:
    """F.max_unpoolNd: 0 (places values at their indices)."""
    return 0


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for d in (1, 2, 3):
        claim(ops(f"F.avg_pool{d}d"), fixed(False, 1, f"avg_pool{d}d"))
        claim(ops(f"F.max_pool{d}d", f"F.max_pool{d}d_with_indices"), fixed(True, 1, f"max_pool{d}d"))
        claim(ops(f"F.adaptive_avg_pool{d}d"), adaptive(False, d, f"adaptive_avg_pool{d}d"))
        claim(
            ops(f"F.adaptive_max_pool{d}d", f"F.adaptive_max_pool{d}d_with_indices"),
            adaptive(True, d, f"adaptive_max_pool{d}d"),
        )
        claim(ops(f"F.lp_pool{d}d"), lp_pool(d))
        claim(ops(f"F.max_unpool{d}d"), unpool)
    for d in (2, 3):
        claim(ops(f"F.fractional_max_pool{d}d", f"F.fractional_max_pool{d}d_with_indices"), fractional_max_pool(d))
    # torch-namespace twins that F does not alias
    claim(ops("torch.max_pool1d_with_indices"), fixed(True, 1, "max_pool1d"))
    claim(ops("torch.adaptive_max_pool1d"), adaptive(True, 1, "adaptive_max_pool1d"))
