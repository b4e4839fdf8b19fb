"""Reductions, scans, sorting and scatter-reductions.

Counts come from shapes: ``n = numel(in)``, ``R = numel(out)`` (of the first output for ops that
return values and indices). Reducing n elements into R results takes ``n − R`` binary ops, whatever
the ``dim`` (an int, a tuple, negative, none) and ``keepdim``.
"""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.formulas import REDUCTION_COSTS, summed_into, total, vector_norm
from torch_flops_core.formulas import diff as diff_count
from torch_flops_core.formulas import linalg as la
from torch_flops_core.formulas import reduction as reduction_formula
from torch_flops_core.formulas import statistics as stats
from torch_flops_core.rulekit import Claimer, named
from torch_flops_core.shapes import numel, out_numel, rows

from ._common import ops, variants

__all__ = ["REDUCTION_COSTS", "cumulative", "norm_cost", "reduction", "sorting", "sum_"]


def sum_(call: Call) -> int:
    """sum: numel(in) − numel(out), i.e. numel(out)·(numel(reduced dims) − 1) additions."""
    return summed_into(numel(call.arg(0, "input")), numel(call.output))


def reduction(name: str) -> Any:
    """A rule counting ``a·numel(in) + b·numel(out)`` (never below 0), ``(a, b, formula) = REDUCTION_COSTS[name]``
    (formulas.reduction)."""
    formula = REDUCTION_COSTS[name][2]

    def rule(call: Call) -> int:
        return reduction_formula(name, numel(call.arg(0, "input")), out_numel(call))

    return named(rule, name, f"{name}: {formula}; n = numel(in), R = numel(out).", __name__)


def nanmean(call: Call) -> int:
    """nanmean = nansum(x) / (¬isnan(x)).sum(): 6n − R (REDUCTION_COSTS); on a 0-d input the NOT of the 0-d
    bool mask is integer bookkeeping (0), as core counts it: 6n − R − 1."""
    x = call.arg(0, "input")
    flops = reduction_formula("nanmean", numel(x), out_numel(call))
    return flops - 1 if isinstance(x, torch.Tensor) and x.dim() == 0 else flops


def max_min(call: Call) -> int:
    """max/min: with a tensor `other`, N = numel(out) (element-wise); else n − R comparisons."""
    other = call.arg(1, "other")
    if isinstance(other, torch.Tensor):
        return out_numel(call)
    return reduction_formula("amax", numel(call.arg(0, "input")), out_numel(call))


norm_cost = vector_norm
"""The p-norm formula ``torch_flops_core.formulas.vector_norm``, shared with the nn and aten packs."""


def norm(call: Call) -> int | Count:
    """norm/vector_norm: p = 2 or 'fro': 2n; p = 1, ±∞, 0: 2n − R; other p (−1 too): 3n; torch.norm 'nuc': the SVD
    values of each matrix (formulas.linalg.svd) + their sum, k − 1 adds per matrix (k = min(m, n))."""
    p = call.arg(1, "ord" if call.target is torch.linalg.vector_norm else "p", 2)
    if p == "nuc":
        return nuclear_norm(call)
    return norm_cost(p, numel(call.arg(0, "input")), out_numel(call))


def nuclear_norm(call: Call) -> Count:
    """torch.norm(A, 'nuc', dim): GVL's SVD values of each m × n matrix (with the vectors on the grad path, as
    linalg.svdvals) + the k − 1 adds of their sum; what the aten engine counts for _linalg_svd and sum."""
    x, dim = call.arg(0, "input"), call.arg(2, "dim")
    row_dim, col_dim = (-2, -1) if dim is None else tuple(dim)
    m, n = x.shape[row_dim], x.shape[col_dim]
    matrices = rows(x.numel(), m * n)  # shape: the matrices of the batch, m·n elements each
    values = la.svd((matrices, m, n), torch.is_grad_enabled() and x.requires_grad, False, x.is_complex())
    return total(values, matrices * max(min(m, n) - 1, 0))


def linalg_norm(call: Call) -> int | NotRecognizedType:
    """linalg.norm: vector norms as norm; matrix norms: 'fro' = 2n, others (SVD-based or max-sums) not counted."""
    x, ord_, dim = call.arg(0, "input"), call.arg(1, "ord"), call.arg(2, "dim")
    matrix = ord_ is not None and ((dim is None and x.dim() == 2) or (isinstance(dim, tuple | list) and len(dim) == 2))
    if matrix and ord_ != "fro":
        return NOT_RECOGNIZED
    return norm_cost(ord_ if ord_ is not None else 2, numel(x), out_numel(call))


def matrix_norm(call: Call) -> int | NotRecognizedType:
    """linalg.matrix_norm: 'fro' = 2n; other orders (SVD-based or max-sums) not counted."""
    if call.arg(1, "ord", "fro") != "fro":
        return NOT_RECOGNIZED
    return norm_cost("fro", numel(call.arg(0, "input")), out_numel(call))


def frobenius_norm(call: Call) -> int:
    """frobenius_norm: n squares + n − R additions + R roots = 2n; n = numel(in), R = numel(out)."""
    return norm_cost("fro", numel(call.arg(0, "input")), out_numel(call))


def _rows(call: Call, dim_index: int = 1) -> tuple[int, int]:
    """(n, S) of a scan or sort along ``dim``: elements of the input and the size of that dim."""
    x = call.arg(0, "input")
    dim = call.arg(dim_index, "dim", -1)
    if dim is None:
        return x.numel(), x.numel()
    return x.numel(), x.shape[dim] if x.dim() else 1


def cumulative(a: int, name: str, formula: str) -> Any:
    """A scan along ``dim`` of size S: ``a·n − n/S`` (S − 1 ops per row, plus (a − 1)·n element-wise)."""

    def rule(call: Call) -> int:
        n, size = _rows(call)
        return stats.scan(n, size, a)

    return named(rule, name, f"{name}: {formula}; n = numel(in), S = size of dim.", __name__)


def sorting(dim_index: int, default: int | None, name: str) -> Any:
    """Sort-based ops along a dim of size S: n·⌈log2 S⌉ comparisons (a comparison sort of each row).

    ``default`` is the dim used when none is given (``None``: all elements, as ``median(x)``).
    """

    def rule(call: Call) -> int:
        x = call.arg(0, "input")
        dim = call.arg(dim_index, "dim", default)
        n = x.numel()
        size = n if dim is None else (x.shape[dim] if x.dim() else 1)
        return stats.sort(n, size)

    return named(rule, name, f"{name}: n·⌈log2 S⌉ comparisons; n = numel(in), S = size of dim.", __name__)


def histogram(call: Call) -> int:
    """bincount, histc, histogram: one bin update per input element, numel(in)."""
    return stats.histogram(numel(call.arg(0, "input")))


def search(call: Call) -> int:
    """searchsorted / bucketize: a binary search per value: numel(values)·⌈log2 B⌉, B = boundaries per row."""
    first, second = call.arg(0, "sorted_sequence"), call.arg(1, "input")
    if getattr(call.target, "__name__", "") == "bucketize":
        values, boundaries = first, second
    else:
        boundaries, values = first, second
    size = boundaries.shape[-1] if isinstance(boundaries, torch.Tensor) and boundaries.dim() else 1
    count = numel(values) if isinstance(values, torch.Tensor) else 1
    return stats.binary_search(count, size)


def scatter_reduce(call: Call) -> int:
    """scatter_add, scatter_reduce, index_add, index_reduce: one op per source element = numel(src)."""
    src = call.arg(3, "src")
    return numel(src if src is not None else call.kwargs.get("source"))


def scatter(call: Call) -> int:
    """scatter: 0 (data movement); with reduce='add'/'multiply', numel(src) ops."""
    if call.kwargs.get("reduce") is None:
        return 0
    src = call.arg(3, "src")
    return numel(src) if isinstance(src, torch.Tensor) else numel(call.arg(2, "index"))


def trace(call: Call) -> int:
    """trace: min(rows, cols) − 1 additions."""
    return summed_into(min(call.arg(0, "input").shape), 1)


def diff(call: Call) -> int:
    """diff of order k along dim: Σ_{i=1..k} (S − i)·rows subtractions, S = length before differencing."""
    k = call.arg(1, "n", 1)
    dim = call.arg(2, "dim", -1)
    out = call.output
    size = out.shape[dim]
    return diff_count(rows(out.numel(), size), size + k, k)  # shape: size + k, the length before differencing


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(ops("torch.sum", "Tensor.sum"), sum_)
    claim(variants("nanmean", inplace=False), nanmean)
    for name in REDUCTION_COSTS:
        claim(variants(name, inplace=False), reduction(name))
    claim(ops("torch.max", "Tensor.max", "torch.min", "Tensor.min"), max_min)
    claim(ops("torch.norm", "Tensor.norm", "linalg.vector_norm"), norm)
    claim(ops("linalg.norm"), linalg_norm)
    claim(ops("linalg.matrix_norm"), matrix_norm)
    claim(ops("torch.frobenius_norm"), frobenius_norm)
    claim(variants("cumsum", "cumprod", "cummax", "cummin"), cumulative(1, "cumsum", "n − n/S ops (S − 1 per row)"))
    claim(variants("logcumsumexp"), cumulative(3, "logcumsumexp", "n exps + n − n/S additions + n logs"))
    claim(variants("sort", "argsort", inplace=False), sorting(1, -1, "sort"))
    claim(variants("msort", inplace=False), sorting(1, 0, "msort"))
    claim(variants("topk", "kthvalue", inplace=False), sorting(2, -1, "topk"))
    claim(variants("median", "nanmedian", inplace=False), sorting(1, None, "median"))
    claim(variants("mode", inplace=False), sorting(1, -1, "mode"))
    claim(variants("bincount", "histc", "histogram", inplace=False), histogram)
    claim(variants("searchsorted", "bucketize", inplace=False), search)
    claim(variants("scatter_add", "scatter_reduce", "index_add", "index_reduce"), scatter_reduce)
    claim(variants("scatter"), scatter)
    claim(variants("trace", inplace=False), trace)
    claim(variants("diff", inplace=False), diff)
