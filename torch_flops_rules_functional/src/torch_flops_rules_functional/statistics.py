"""Statistics, sets, histograms, numerical integration and differentiation, segment reductions, sparse products.

Formulas: ``torch_flops_core.formulas.statistics`` (shared with the aten pack). Several of these functions are
C builtins that torch runs as several kernels (``cov``, ``corrcoef``, ``trapezoid``, ``gradient``, ``quantile``):
the default engine sees one call, the aten engine its kernels, and the formula is the sum of what those
kernels count, so both engines agree. Sorts, scans, searches and the 1-d histograms of ``reduction``
(``sort``, ``median``, ``cummax``, ``searchsorted``, ``histc`` ...) are counted there; their aten kernels are
counted by the aten pack's ``statistics`` family with the same formulas.
"""

from __future__ import annotations

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.formulas import contraction, total
from torch_flops_core.formulas import statistics as stats
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel, out_numel, sparse_times_dense

from ._common import ops, variants

__all__ = [
    "corrcoef", "cov", "cumulative_trapezoid", "gradient", "histogramdd", "isin", "quantile", "register",
    "renorm", "segment_reduce", "sparse_addmm", "sparse_mm", "sparse_sampled_addmm", "trapezoid", "unique",
]  # fmt: skip


def _count(value: object) -> int:
    """Elements of a tensor argument; 1 for a Python scalar standing for one."""
    return value.numel() if isinstance(value, torch.Tensor) else 1


def isin(call: Call) -> int:
    """isin(elements n, test_elements m): n·m compares or torch's sort-based path (formulas.statistics.isin)."""
    elements, tests = call.arg(0, "elements"), call.arg(1, "test_elements")
    return stats.isin(_count(elements), _count(tests), bool(call.kwargs.get("assume_unique", False)))


def histogramdd(call: Call) -> int:
    """histogramdd(input [.., D], bins): one bin update per coordinate, numel(input); bin edges not counted."""
    return stats.histogram(numel(call.arg(0, "input")))


def _variables(x: torch.Tensor) -> tuple[int, int]:
    """(variables, observations) of cov's input: rows × columns of a matrix; one variable otherwise."""
    if x.dim() == 2:
        return x.shape[0], x.shape[1]
    return 1, x.numel()


def cov(call: Call) -> Count:
    """cov(x [V, O], correction, fweights, aweights): its kernels, the product (2O − 1)·V² with O·V² MACs."""
    x = call.arg(0, "input")
    variables, observations = _variables(x)
    correction = call.kwargs.get("correction", 1)
    fweights, aweights = call.kwargs.get("fweights"), call.kwargs.get("aweights")
    return stats.cov(variables, observations, correction, fweights is not None, aweights is not None)


def corrcoef(call: Call) -> Count:
    """corrcoef(x [V, O]): cov + √diag V + two divides 2V² + the clip 2V² (complex 4V²; one variable: cov + 1)."""
    x = call.arg(0, "input")
    return stats.corrcoef(*_variables(x), complex_values=x.is_complex())


def trapezoid(call: Call) -> int:
    """trapezoid/trapz(y, x or dx, dim): scalar dx n + 3·R; points x: dx + pairs + products + sums + R halvings."""
    y, x = call.arg(0, "y"), call.arg(1, "x")
    dim = call.kwargs.get("dim", -1)
    if isinstance(x, torch.Tensor):
        return stats.trapezoid_x(tuple(y.shape), tuple(x.shape), dim, out_numel(call))
    return stats.trapezoid_dx(y.numel(), out_numel(call))


def cumulative_trapezoid(call: Call) -> int:
    """cumulative_trapezoid(y, x or dx, dim): scalar dx 2P + cumsum(P); points x dx + P + 2M + cumsum(M)."""
    y, x = call.arg(0, "y"), call.arg(1, "x")
    dim = call.kwargs.get("dim", -1)
    if isinstance(x, torch.Tensor):
        return stats.cumulative_trapezoid_x(tuple(y.shape), tuple(x.shape), dim)
    return stats.cumulative_trapezoid_dx(tuple(y.shape), dim)


def gradient(call: Call) -> int:
    """gradient(x, spacing, dim, edge_order): Σ over the dims of S, r rows: 3r(S − 2) + 4r for a scalar h (…_along)."""
    x = call.arg(0, "input")
    spacing, dim = call.kwargs.get("spacing"), call.kwargs.get("dim")
    dims = range(x.dim()) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    coordinates = isinstance(spacing, list | tuple) and any(isinstance(s, torch.Tensor) for s in spacing)
    return stats.gradient(tuple(x.shape), tuple(dims), call.kwargs.get("edge_order", 1), coordinates)


def renorm(call: Call) -> int:
    """renorm(x, p, dim, maxnorm): the p-norm of each of the S slices along dim + 3 per slice + n multiplies."""
    x = call.arg(0, "input")
    return stats.renorm(call.arg(1, "p"), x.numel(), x.shape[call.arg(2, "dim")] if x.dim() else 1)


def segment_reduce(call: Call) -> int:
    """segment_reduce(data, reduce): one op per element of data into its segment, + numel(out) for 'mean'."""
    return stats.segment_reduce(numel(call.arg(0, "data")), out_numel(call), call.arg(1, "reduce"))


def sparse_mm(call: Call) -> Count | NotRecognizedType:
    """torch.sparse.mm(S of nnz values, D [K, N]): 2·nnz·N FLOPs, nnz·N MACs; S × S is not counted."""
    sparse, dense = call.arg(0, "sparse"), call.arg(1, "dense")
    if not sparse_times_dense(sparse, dense):
        return NOT_RECOGNIZED
    reduce = call.arg(2, "reduce")
    if reduce is not None:
        return stats.sparse_reduce_product(sparse._nnz(), dense.shape[-1], out_numel(call), reduce)
    return stats.sparse_product(sparse._nnz(), dense.shape[-1], out_numel(call))


def sparse_addmm(call: Call) -> Count | NotRecognizedType:
    """torch.sparse.addmm(C, S, D): 2·nnz·N FLOPs, nnz·N MACs, + nnz (alpha ≠ 1), + numel(out) (beta ∉ {0, 1})."""
    sparse, dense = call.arg(1, "mat1"), call.arg(2, "mat2")
    if not sparse_times_dense(sparse, dense):
        return NOT_RECOGNIZED
    alpha, beta = call.kwargs.get("alpha", 1), call.kwargs.get("beta", 1)
    return stats.sparse_product(sparse._nnz(), dense.shape[-1], out_numel(call), alpha, beta)


def sparse_sampled_addmm(call: Call) -> Count | NotRecognizedType:
    """torch.sparse.sampled_addmm(C CSR of nnz, A [M, K], B [K, N], beta, alpha): beta·C + alpha·(A @ B) at C's nnz
    positions, one dot of K each: (2K − 1)·nnz + nnz [beta ≠ 0] + nnz [alpha ≠ 1] + nnz [beta ∉ {0, 1}]; MACs K·nnz
    (the aten pack's sparse_sampled_addmm)."""
    sparse, mat1 = call.arg(0, "input"), call.arg(1, "mat1")
    if not isinstance(sparse, torch.Tensor) or sparse.layout == torch.strided:
        return NOT_RECOGNIZED
    nnz = sparse.values().numel()
    beta, alpha = call.kwargs.get("beta", 1), call.kwargs.get("alpha", 1)
    extra = (beta != 0) + (alpha != 1) + (beta not in (0, 1))
    return total(contraction(nnz, mat1.shape[-1]), extra * nnz)


def quantile(call: Call) -> int:
    """quantile: sort n·⌈log2 S⌉ + ranks (q + 2n − R + P; nanquantile 3n + 3P) + P·(linear 5, midpoint 4, else 1)."""
    x, q, dim = call.arg(0, "input"), call.arg(1, "q"), call.arg(2, "dim")
    n = x.numel()
    size = n if dim is None else (x.shape[dim] if x.dim() else 1)
    ignore_nan = getattr(call.target, "__name__", call.target) == "nanquantile"
    interpolation = call.kwargs.get("interpolation", "linear")
    return stats.quantile(n, size, _count(q), ignore_nan, interpolation)


def unique(call: Call) -> int:
    """unique: sort n·⌈log2 S⌉ + n − n/S neighbour compares (S = n without dim); unique_consecutive: n − n/S."""
    x = call.arg(0, "input")
    consecutive = getattr(call.target, "__name__", call.target) == "unique_consecutive"
    dim = call.arg(3 if consecutive else 4, "dim")
    n = x.numel()
    size = n if dim is None else x.shape[dim]
    return stats.unique_consecutive(n, size) if consecutive else stats.unique(n, size)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(ops("torch.isin"), isin)
    claim(ops("torch.histogramdd"), histogramdd)
    claim(variants("cov", inplace=False), cov)
    claim(variants("corrcoef", inplace=False), corrcoef)
    claim(ops("torch.trapezoid", "torch.trapz"), trapezoid)
    claim(ops("torch.cumulative_trapezoid"), cumulative_trapezoid)
    claim(ops("torch.gradient"), gradient)
    claim(variants("renorm"), renorm)
    claim(ops("torch.segment_reduce"), segment_reduce)
    claim(ops("torch.sparse.mm"), sparse_mm)
    claim(ops("torch.sparse.addmm"), sparse_addmm)
    claim(ops("torch.sparse.sampled_addmm"), sparse_sampled_addmm)
    claim(variants("quantile", "nanquantile", inplace=False), quantile)
    claim(variants("unique", "unique_consecutive", inplace=False), unique)
