"""Statistics kernels: sets (isin, unique), selections and scans (kthvalue, median, mode, cummax, logcumsumexp),
searches and histograms, renorm, segment reductions, sparse-dense products, random sampling.

Formulas: ``torch_flops_core.formulas.statistics`` (shared with the functional pack), so a function counted
whole by the default engine counts what its kernels count here. The composites (``cov``, ``corrcoef``,
``quantile``, ``trapezoid``, ``gradient``, ``diff``) never reach this level: they run as ``mm``, ``sort``,
``sum``, element-wise kernels, counted by their families. Random sampling and in-place random fills count 0,
as the factories (``zero``) and the functional pack's ``factory`` family: drawing random numbers is not
arithmetic on the model's values.
"""

from __future__ import annotations

import torch

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry, RuleFn, rulekit
from torch_flops_core.formulas import contraction, reduction, scaled_add, total
from torch_flops_core.formulas import statistics as stats
from torch_flops_core.formulas.gradients import sparse_mm_reduce_backward as sparse_mm_reduce_backward_count
from torch_flops_core.shapes import numel, out_numel, sparse_times_dense

from ._ops import aten, with_inplace

__all__ = [
    "RANDOM", "count_nonzero", "histogram", "histogramdd_bin_edges", "isin", "nonzero", "random", "register", "renorm",
    "scan",
    "search", "segment_reduce", "segment_reduce_backward", "selection", "sparse_addmm", "sparse_mm", "sparse_mm_reduce",
    "sparse_mm_reduce_backward", "sparse_sampled_addmm", "unique", "unique_consecutive",
]  # fmt: skip

RANDOM = (
    "normal", "uniform", "exponential", "geometric", "cauchy", "log_normal", "random", "multinomial", "poisson",
    "binomial", "_standard_gamma", "_sample_dirichlet",
)  # fmt: skip
"""Random sampling kernels (each with its in-place twin, ``normal_`` ...); ``rand``, ``randn``, ``randint``,
``randperm`` and ``bernoulli`` are ``zero``'s."""


def _count(value: object) -> int:
    """Elements of a tensor argument; 1 for a Scalar overload's number."""
    return value.numel() if isinstance(value, torch.Tensor) else 1


def _size(x: torch.Tensor, dim: int | None) -> int:
    """Size of ``dim`` (all elements for ``None``; 1 for a 0-d tensor)."""
    if dim is None:
        return x.numel()
    return x.shape[dim] if x.dim() else 1


def isin(call: Call) -> int:
    """isin(elements n, test_elements m): n·m compares, or torch's sort-based path when m ≥ ⌊10·n^0.145⌋."""
    named = call.arguments()
    elements = named.get("elements", named.get("element"))
    tests = named.get("test_elements", named.get("test_element"))
    return stats.isin(_count(elements), _count(tests), bool(named["assume_unique"]))


def histogram(call: Call) -> int:
    """histc, histogram, bincount, _histogramdd_from_bin_cts/_tensors: one bin update per element, numel(self)."""
    return stats.histogram(numel(call.arguments()["self"]))


def histogramdd_bin_edges(call: Call) -> int:
    """_histogramdd_bin_edges: 0, bin edges are not counted (as histc and histogram, whose kernels find them too)."""
    return 0


def search(call: Call) -> int:
    """searchsorted / bucketize: numel(values)·⌈log2(B + 1)⌉, B = size of the boundaries' last dim."""
    named = call.arguments()
    values = named["self"]
    boundaries = named["boundaries"] if "boundaries" in named else named["sorted_sequence"]
    return stats.binary_search(_count(values), boundaries.shape[-1] if boundaries.dim() else 1)


def selection(call: Call) -> int:
    """kthvalue, median, nanmedian, mode: as a sort of each row, n·⌈log2 S⌉ (S = size of dim; all n without one)."""
    named = call.arguments()
    x = named["self"]
    return stats.sort(x.numel(), _size(x, named.get("dim")))


def scan(per_element: int, name: str) -> RuleFn:
    """A rule for a scan along ``dim`` of size S: per_element·n − n/S."""

    def rule(call: Call) -> int:
        named = call.arguments()
        x = named["self"]
        return stats.scan(x.numel(), _size(x, named["dim"]), per_element)

    return rulekit.named(rule, name, f"aten.{name}: {per_element}·n − n/S along dim of size S (S − 1 ops per row).")


def nonzero(call: Call) -> int:
    """nonzero / nonzero_static (argwhere, where(cond)): one compare with 0 per element, n = numel(self)."""
    return numel(call.arguments()["self"])


def count_nonzero(call: Call) -> int:
    """count_nonzero: n compares + n − R additions = 2n − R, R = numel(out)."""
    return reduction("count_nonzero", numel(call.arguments()["self"]), out_numel(call))


def unique(call: Call) -> int:
    """_unique, _unique2, unique_dim: sort + neighbour compares, n·⌈log2 S⌉ + n − n/S (all elements: S = n)."""
    named = call.arguments()
    x = named["self"]
    return stats.unique(x.numel(), _size(x, named.get("dim")))


def unique_consecutive(call: Call) -> int:
    """unique_consecutive, unique_dim_consecutive: neighbour compares, n − n/S (all elements: n − 1)."""
    named = call.arguments()
    x = named["self"]
    return stats.unique_consecutive(x.numel(), _size(x, named.get("dim")))


def renorm(call: Call) -> int:
    """renorm(self, p, dim, maxnorm): p-norm of each of the S slices along dim + 3 per slice + n multiplies."""
    named = call.arguments()
    x = named["self"]
    return stats.renorm(named["p"], x.numel(), _size(x, named["dim"]))


def segment_reduce(call: Call) -> int:
    """segment_reduce(data, reduce, ...): one op per element of data, + numel(out) divides for 'mean'."""
    named = call.arguments()
    return stats.segment_reduce(numel(named["data"]), out_numel(call), named["reduce"])


def segment_reduce_backward(call: Call) -> int:
    """_segment_reduce_backward(grad, output, data, reduce): max/min n compares, mean numel(grad), prod + n, sum 0."""
    named = call.arguments()
    return stats.segment_reduce_backward(numel(named["data"]), numel(named["grad"]), named["reduce"])


def sparse_addmm(call: Call) -> Count | NotRecognizedType:
    """_sparse_addmm(self, mat1 nnz, mat2 [K, N]): 2·nnz·N, nnz·N MACs, + nnz (alpha ≠ 1), + N_out (beta ∉ {0, 1})."""
    named = call.arguments()
    sparse, dense = named["mat1"], named["mat2"]
    if not sparse_times_dense(sparse, dense):
        return NOT_RECOGNIZED
    return stats.sparse_product(sparse._nnz(), dense.shape[-1], out_numel(call), named["alpha"], named["beta"])


def sparse_mm(call: Call) -> Count | NotRecognizedType:
    """_sparse_mm(sparse nnz, dense [K, N]): 2·nnz·N FLOPs, nnz·N MACs (.reduce: sparse_mm_reduce's count)."""
    named = call.arguments()
    sparse, dense = named["sparse"], named["dense"]
    if not sparse_times_dense(sparse, dense):
        return NOT_RECOGNIZED
    if "reduce" in named:
        return stats.sparse_reduce_product(sparse._nnz(), dense.shape[-1], out_numel(call), named["reduce"])
    return stats.sparse_product(sparse._nnz(), dense.shape[-1], out_numel(call))


def sparse_mm_reduce(call: Call) -> Count | NotRecognizedType:
    """_sparse_mm_reduce_impl(self CSR nnz, other [K, N], reduce): 2·nnz·N FLOPs (+ numel(out) for 'mean')."""
    named = call.arguments()
    sparse, dense = named["self"], named["other"]
    if not sparse_times_dense(sparse, dense):
        return NOT_RECOGNIZED
    return stats.sparse_reduce_product(sparse._nnz(), dense.shape[-1], out_numel(call), named["reduce"])


def sparse_mm_reduce_backward(call: Call) -> Count | NotRecognizedType:
    """_sparse_mm_reduce_impl_backward(self CSR nnz, grad_out [M, K], weight, reduce, arg_out, output_mask): 'sum',
    'mean': d_self one dot of K per stored value, contraction(nnz, K), d_weight selfᵀ @ dy, 2·nnz·K (nnz·K MACs),
    'mean' + nnz divides each; 'amax', 'amin': a multiply and an add per element of dy for each gradient."""
    named = call.arguments()
    sparse, grad = named["self"], named["grad_out"]
    if not sparse_times_dense(sparse, grad):
        return NOT_RECOGNIZED
    mask, weight = named["output_mask"], numel(named["weight"])
    return sparse_mm_reduce_backward_count(sparse._nnz(), grad.shape[-1], grad.numel(), named["reduce"], mask, weight)


def sparse_sampled_addmm(call: Call) -> Count | NotRecognizedType:
    """sparse_sampled_addmm(self CSR, mat1 [M, K], mat2 [K, N], beta, alpha): beta·self + alpha·(mat1 @ mat2) at
    self's nnz stored positions: each one dot of K, (2K − 1)·nnz + nnz [beta ≠ 0] + nnz [alpha ≠ 1]
    + nnz [beta ∉ {0, 1}] (addmm's formula on nnz outputs); MACs K·nnz."""
    named = call.arguments()
    sparse, mat1 = named["self"], named["mat1"]
    if not isinstance(sparse, torch.Tensor) or sparse.layout == torch.strided:
        return NOT_RECOGNIZED
    nnz = sparse.values().numel()
    return total(contraction(nnz, mat1.shape[-1]), scaled_add(nnz, named["beta"], named["alpha"]))


def random(call: Call) -> int:
    """Random sampling and in-place random fills (normal_, uniform_, multinomial, poisson ...): 0, as the factories."""
    return 0


def register(registry: Registry) -> None:
    registry.function(*aten("isin"))(isin)
    registry.function(*aten("histc", "histogram", "bincount"))(histogram)
    registry.function(*aten("_histogramdd_from_bin_cts", "_histogramdd_from_bin_tensors"))(histogram)
    registry.function(*aten("_histogramdd_bin_edges"))(histogramdd_bin_edges)
    registry.function(*aten("searchsorted", "bucketize"))(search)
    registry.function(*aten("kthvalue", "median", "nanmedian", "mode"))(selection)
    registry.function(*aten("cummax", "cummin", "_cummax_helper", "_cummin_helper"))(scan(1, "cummax_cummin"))
    registry.function(*aten("logcumsumexp", "_logcumsumexp"))(scan(3, "logcumsumexp"))
    registry.function(*aten("count_nonzero"))(count_nonzero)
    registry.function(*aten("nonzero", "nonzero_static"))(nonzero)
    registry.function(*aten("_unique", "_unique2", "unique_dim"))(unique)
    registry.function(*aten("unique_consecutive", "unique_dim_consecutive"))(unique_consecutive)
    registry.function(*with_inplace("renorm"))(renorm)
    registry.function(*aten("segment_reduce"))(segment_reduce)
    registry.function(*aten("_segment_reduce_backward"))(segment_reduce_backward)
    registry.function(*aten("_sparse_addmm"))(sparse_addmm)
    registry.function(*aten("_sparse_mm"))(sparse_mm)
    registry.function(*aten("_sparse_mm_reduce_impl"))(sparse_mm_reduce)
    registry.function(*aten("_sparse_mm_reduce_impl_backward"))(sparse_mm_reduce_backward)
    registry.function(*aten("sparse_sampled_addmm"))(sparse_sampled_addmm)
    registry.function(*with_inplace(*RANDOM))(random)
