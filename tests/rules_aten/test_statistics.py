"""Statistics, sets, histograms, integration, segment reductions, sparse products: both packs' ``statistics``.

Every expected count is written out here from the formula in docs/conventions.md (or checked against
FlopCounterMode, for the MACs of cov's product). Each function is counted by the default engine, which sees
the call (``torch.cov``), and by the aten engine, which sees the kernels torch runs for it (``sum``, ``mm``,
``div`` ...); the two must give the same FLOPs and MACs, with nothing left unrecognized.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from helpers import flop_counter_mode

from torch_flops_core import FlopsResult, count_flops


def agree(fn: Callable[..., Any], *inputs: Any) -> tuple[int, int]:
    """(FLOPs, MACs) of ``fn(*inputs)``, the same with the default and the aten engine, all recognized."""
    default, aten = (count_flops(fn, *inputs, engine=e) for e in ("eager", "aten"))
    for result in (default, aten):
        assert result.unrecognized == [], [r.target_name for r in result.unrecognized]
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs)
    return default.total, default.total_macs


def records(result: FlopsResult) -> list[Any]:
    return [r for r in result.ops if r.kind in ("call_function", "call_method")]


def rand(*shape: int) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(sum(shape))) + 0.1


X = rand(5, 7)  # V = 5 variables, O = 7 observations; n = 35
X3 = rand(3, 4, 6)  # n = 72


# -- isin: torch's CPU kernel compares n·m unless m ≥ ⌊10·n^0.145⌋, then sorts -------------------------


def test_isin_brute_force_compares_every_pair() -> None:
    # n = 30 elements, m = 8 tests: ⌊10·30^0.145⌋ = 16 > 8, the brute force: 30·8 compares
    assert agree(torch.isin, torch.arange(30), torch.arange(8)) == (240, 0)
    assert agree(lambda a: torch.isin(a, 3), torch.arange(5)) == (5, 0)  # one test element: eq


def test_isin_sorts_when_the_test_set_is_large() -> None:
    # n = 100, m = 20 ≥ ⌊10·100^0.145⌋ = 19: unique(100) = 100·7 + 99, unique(20) = 20·5 + 19,
    # sort of 120 = 120·7, then 119 neighbour compares
    assert agree(torch.isin, torch.arange(100), torch.arange(20)) == (799 + 119 + 840 + 119, 0)
    # assume_unique skips the uniques: sort of 150 = 150·8, + 149
    assert agree(lambda a, b: torch.isin(a, b, assume_unique=True), torch.arange(100), torch.arange(50)) == (
        1200 + 149,
        0,
    )


# -- histograms: one bin update per element; bin edges are not counted ----------------------------------


def test_histogramdd_counts_one_bin_update_per_coordinate() -> None:
    samples = rand(20, 2)
    assert agree(lambda a: torch.histogramdd(a, bins=[3, 4]), samples) == (40, 0)
    result = count_flops(lambda a: torch.histogramdd(a, bins=3), samples, engine="aten")
    edges = [r for r in records(result) if "bin_edges" in r.target_name]
    assert [r.flops for r in edges] == [0]  # documented: edges (min, max, linspace) not counted


def test_one_dimensional_histograms_count_one_update_per_element_at_the_aten_level() -> None:
    assert agree(lambda a: torch.histc(a, bins=4, min=0, max=1), X) == (35, 0)
    assert agree(lambda a: torch.histogram(a, bins=4), X) == (35, 0)
    assert agree(lambda a: torch.bincount(a, minlength=9), torch.arange(6)) == (6, 0)


# -- cov and corrcoef: the sum of the kernels torch runs ------------------------------------------------


def test_cov_counts_its_kernels_and_its_product_has_flop_counter_modes_macs() -> None:
    # means: 35 − 5 adds + 5 divides; the check of the normalisation factor: its equal 1 (the factor O − 1 is a
    # 0-d integer: its compare with 0 is bookkeeping, 0); deviations 35; product (2·7 − 1)·25 = 325 with
    # 7·25 = 175 MACs; divides 25
    flops, macs = agree(torch.cov, X)
    assert (flops, macs) == (35 + 1 + 35 + 325 + 25, 175)
    assert 2 * macs == flop_counter_mode(torch.cov, X)


def test_cov_with_weights() -> None:
    f, a = torch.tensor([1, 2, 1, 3, 1, 1, 2]), rand(7)
    base = 35 + 1 + 35 + 325 + 25
    weighted = 35 + 35  # x·w for the mean, (x − mean)·w for the product
    # integer fweights: min of 7 (6) and the equal of its ≥ 0 (1); Σw (6) and the equal of its ≠ 0 (1); the
    # compares and Σw − 1 on 0-d integers are bookkeeping (0)
    assert agree(lambda x, w: torch.cov(x, fweights=w), X, f) == (base + 7 + 7 + weighted, 175)
    # float aweights: min 6 + ≥ 0 and equal 2; Σw 6 + ≠ 0 and equal 2; the factor Σw − Σ(w·a)/Σw 7 + 6 + 3; the
    # factor's ≤ 0 on a float: + 1
    assert agree(lambda x, w: torch.cov(x, aweights=w), X, a) == (base + 8 + 8 + weighted + 16 + 1, 175)
    both = base + 7 + 8 + 7 + 8 + weighted + 16 + 1  # w = f·a: 7 more, Σw a float
    assert agree(lambda x, w, v: torch.cov(x, fweights=w, aweights=v), X, f, a) == (both, 175)
    assert agree(lambda x, w, v: x.cov(correction=0, fweights=w, aweights=v), X, f, a) == (both - 16, 175)


def test_corrcoef_normalises_and_clips_the_covariance() -> None:
    cov = 35 + 1 + 35 + 325 + 25
    assert agree(torch.corrcoef, X) == (cov + 5 + 25 + 25 + 2 * 25, 175)  # √diag, two divides, clip: 2 per value
    # one variable (7 observations): cov 6 + 1 + 1 + 7 + 13 + 1 = 29, then c/c
    assert agree(torch.corrcoef, X[0]) == (29 + 1, 7)


# -- numerical integration and differentiation ---------------------------------------------------------


def test_trapezoid_with_a_scalar_spacing() -> None:
    # (Σy − (y₀ + yₙ)/2)·dx per row: 30 adds, then add, ·0.5, subtract, ·dx for each of the 5 rows
    assert agree(torch.trapezoid, X) == (30 + 4 * 5, 0)
    assert agree(lambda y: torch.trapz(y, dx=2.0, dim=0), X) == (28 + 4 * 7, 0)


def test_trapezoid_with_sample_points() -> None:
    # dx 30, y[:-1] + y[1:] 30, product 30, sums 30 − 5, halves 5
    assert agree(torch.trapezoid, X, rand(5, 7)) == (30 + 30 + 30 + 25 + 5, 0)
    # a 1-d x along dim 0: dx 4, pairs 28, products 28, sums 28 − 7, halves 7
    assert agree(lambda y, x: torch.trapz(y, x, dim=0), X, rand(5)) == (4 + 28 + 28 + 21 + 7, 0)


def test_cumulative_trapezoid() -> None:
    # pairs 30 (add, ·dx/2 each), then a cumsum over rows of 6: 30 − 5
    assert agree(torch.cumulative_trapezoid, X) == (2 * 30 + 25, 0)
    # with x: dx 30, pairs 30, products 30, cumsum 25, halves 30
    assert agree(torch.cumulative_trapezoid, X, rand(5, 7)) == (30 + 30 + 30 + 25 + 30, 0)


def test_gradient_with_a_scalar_spacing() -> None:
    # per dim of size S, r rows: interior subtract, divide, halve 3·r·(S − 2); two edges 2r each
    dim0 = 3 * 7 * 3 + 4 * 7
    dim1 = 3 * 5 * 5 + 4 * 5
    assert agree(torch.gradient, X) == (dim0 + dim1, 0)
    assert agree(lambda x: torch.gradient(x, spacing=2.0, dim=1), X) == (dim1, 0)
    # edge_order 2: each edge (−1.5y₀ + 2y₁ − 0.5y₂)/h, 6r
    assert agree(lambda x: torch.gradient(x, edge_order=2), X) == (3 * 7 * 3 + 12 * 7 + 3 * 5 * 5 + 12 * 5, 0)


def test_gradient_with_coordinates() -> None:
    # differences S − 1, interior coefficients 10·(S − 2), interior a·y₀ + b·y₁ + c·y₂ 5·r·(S − 2), edges 2r each
    dim0 = 4 + 10 * 3 + 5 * 7 * 3 + 4 * 7
    dim1 = 6 + 10 * 5 + 5 * 5 * 5 + 4 * 5
    coordinates = (torch.arange(5.0), torch.arange(7.0) ** 2)
    assert agree(lambda x, a, b: torch.gradient(x, spacing=(a, b)), X, *coordinates) == (dim0 + dim1, 0)
    # edge_order 2: 25 scalar ops for the edge coefficients, 5r per edge
    dim0, dim1 = dim0 - 4 * 7 + 25 + 10 * 7, dim1 - 4 * 5 + 25 + 10 * 5
    assert agree(lambda x, a, b: torch.gradient(x, spacing=(a, b), edge_order=2), X, *coordinates) == (
        dim0 + dim1,
        0,
    )


# -- renorm, segment_reduce --------------------------------------------------------------------------


def test_renorm() -> None:
    # the 2-norm of each of 5 rows of 7 (squares 35, adds 30, roots 5 = 70), the factor 3 per row, 35 multiplies
    assert agree(lambda x: torch.renorm(x, 2, 0, 1.0), X) == (70 + 15 + 35, 0)
    # p = 1 over 6 slices of 12: |x| 72, adds 66; p = 3: abs, pow 144, adds 66, roots 6
    assert agree(lambda x: x.renorm(1, 2, 1.0), X3) == (72 + 66 + 18 + 72, 0)
    assert agree(lambda x: x.clone().renorm_(3, 2, 1.0), X3) == (3 * 72 + 18 + 72, 0)


def test_segment_reduce() -> None:
    lengths = torch.tensor([2, 3])
    assert agree(lambda x, n: torch.segment_reduce(x, "sum", lengths=n), X, lengths) == (35, 0)
    assert agree(lambda x, n: torch.segment_reduce(x, "max", lengths=n), X, lengths) == (35, 0)
    assert agree(lambda x, n: torch.segment_reduce(x, "mean", lengths=n), X, lengths) == (35 + 2 * 7, 0)


@pytest.mark.parametrize(
    ("reduce", "expected"),
    [
        pytest.param("sum", 0, id="sum: the gradient copied to each element (documented 0)"),
        pytest.param("mean", 2 * 7, id="mean: one divide per output gradient"),
        pytest.param("max", 35, id="max: each element compared with the maximum"),
        pytest.param("prod", 2 * 7 + 35, id="prod: dy·y per output, / x per element"),
    ],
)
def test_segment_reduce_backward(reduce: str, expected: int) -> None:
    lengths = torch.tensor([2, 3])
    result = count_flops(
        lambda x: torch.segment_reduce(x, reduce, lengths=lengths), X.clone().requires_grad_(), backward=True
    )
    assert result.unrecognized == []
    assert [r.flops for r in result.ops if "segment_reduce_backward" in r.target_name] == [expected]


# -- sparse × dense: one multiply-add per nonzero and output column ------------------------------------


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state")
def test_sparse_products() -> None:
    sparse = torch.eye(6)[:, :4].to_sparse()  # 4 nonzeros
    dense, bias = rand(4, 3), rand(6, 3)
    assert agree(torch.sparse.mm, sparse, dense) == (2 * 4 * 3, 4 * 3)
    assert agree(torch.sparse.mm, sparse.to_sparse_csr(), dense) == (24, 12)
    assert agree(lambda s, d: torch.sparse.mm(s, d, "mean"), sparse.to_sparse_csr(), dense) == (24 + 18, 12)
    assert agree(lambda s, d: torch.sparse.mm(s, d, "amax"), sparse.to_sparse_csr(), dense) == (24, 0)
    assert agree(torch.sparse.addmm, bias, sparse, dense) == (24, 12)  # accumulates into the input
    # alpha scales the 4 values, beta the 18 input elements
    assert agree(lambda c, s, d: torch.sparse.addmm(c, s, d, beta=2, alpha=3), bias, sparse, dense) == (24 + 4 + 18, 12)


def test_a_sparse_by_sparse_product_is_not_counted() -> None:
    sparse = torch.eye(4).to_sparse()
    for engine in ("eager", "aten"):
        result = count_flops(torch.sparse.mm, sparse, sparse, engine=engine)
        assert len(result.unrecognized) == 1  # its output's nonzeros depend on the values


# -- quantile and unique -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        # all 35 elements: sort 35·6, q·34 1, isnan 35, any 34, masked_fill 1, linear: ranks, ceil, lerp 5
        pytest.param(lambda x: torch.quantile(x, 0.3), 210 + 1 + 35 + 34 + 1 + 5, id="quantile"),
        # dim 1 (S = 7, 5 rows), 3 quantiles: P = 15 outputs
        pytest.param(
            lambda x: torch.quantile(x, torch.tensor([0.2, 0.5, 0.9]), dim=1),
            35 * 3 + 3 + 35 + 30 + 15 + 5 * 15,
            id="quantile-dim",
        ),
        pytest.param(lambda x: x.quantile(0.3, interpolation="lower"), 210 + 1 + 35 + 34 + 1 + 1, id="lower"),
        pytest.param(
            lambda x: torch.quantile(x, 0.5, dim=0, interpolation="midpoint"),
            35 * 3 + 1 + 35 + 28 + 7 + 4 * 7,
            id="midpoint",
        ),
        # nanquantile: isnan, logical_not 35 each, sum 34, − 1 1, ·q, < 0, masked_fill 1 each, linear 5
        pytest.param(lambda x: torch.nanquantile(x, 0.3), 210 + 70 + 34 + 1 + 3 + 5, id="nanquantile"),
    ],
)
def test_quantile_counts_its_sort_and_its_ranks(fn: Callable[[torch.Tensor], Any], expected: int) -> None:
    assert agree(fn, X) == (expected, 0)


def test_unique_sorts_and_compares_neighbours() -> None:
    values = torch.tensor([3, 1, 3, 2, 2, 2, 5, 1])  # n = 8: sort 8·3, 7 neighbour compares
    assert agree(torch.unique, values) == (24 + 7, 0)
    assert agree(lambda v: torch.unique(v, sorted=False, return_inverse=True, return_counts=True), values) == (31, 0)
    assert agree(torch.unique_consecutive, values) == (7, 0)


def test_unique_along_a_dim_compares_slices() -> None:
    rows = torch.tensor([[0, 1], [0, 1], [1, 0], [0, 1], [1, 1]])  # 5 rows of 2 along dim 0
    assert agree(lambda v: torch.unique(v, dim=0), rows) == (10 * 3 + 4 * 2, 0)
    assert agree(lambda v: v.unique_consecutive(dim=0), rows) == (4 * 2, 0)


# -- kernels whose functions reduction counts: the same formulas at the aten level -------------------------


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: torch.kthvalue(x, 2, 1), 72 * 2, id="kthvalue: S = 4"),
        pytest.param(lambda x: x.median(), 72 * 7, id="median of all: ⌈log2 72⌉ = 7"),
        pytest.param(lambda x: torch.median(x, 2), 72 * 3, id="median(dim): S = 6"),
        pytest.param(lambda x: torch.nanmedian(x, 0), 72 * 2, id="nanmedian: S = 3"),
        pytest.param(lambda x: torch.mode(x, -1), 72 * 3, id="mode"),
        pytest.param(lambda x: torch.cummax(x, 2), 72 - 12, id="cummax: S − 1 per row"),
        pytest.param(lambda x: x.cummin(0), 72 - 24, id="cummin"),
        pytest.param(lambda x: torch.logcumsumexp(x, 1), 3 * 72 - 18, id="logcumsumexp: exp, add, log"),
        pytest.param(lambda x: torch.count_nonzero(x, dim=(0, 2)), 2 * 72 - 4, id="count_nonzero: 2n − R"),
    ],
)
def test_selections_and_scans_count_alike_in_both_engines(fn: Callable[[torch.Tensor], Any], expected: int) -> None:
    assert agree(fn, X3) == (expected, 0)


def test_searches_are_binary_searches_over_the_boundaries() -> None:
    boundaries = torch.linspace(0, 1, 7)  # 7 boundaries, 8 insertion positions: ⌈log2 8⌉ = 3 compares
    assert agree(lambda v: torch.searchsorted(boundaries, v), X) == (35 * 3, 0)
    assert agree(lambda v: torch.bucketize(v, boundaries, right=True), X) == (35 * 3, 0)
    assert agree(lambda b: torch.searchsorted(b, 0.5), boundaries) == (3, 0)


# -- random sampling: 0, documented --------------------------------------------------------------------


def test_random_sampling_counts_nothing_and_is_recognized() -> None:
    def sample(x: torch.Tensor) -> Any:
        y = x.clone().normal_().uniform_().exponential_().geometric_(0.5).cauchy_().log_normal_().random_(0, 9)
        return y, torch.multinomial(x[0], 3), torch.poisson(x), torch.normal(x, 1.0), torch.bernoulli(x.clamp(0, 1))

    result = count_flops(sample, X, engine="aten")
    assert result.unrecognized == []
    counted = {r.target_name: r.flops for r in records(result)}
    random = {name for name in counted if "clamp" not in name}
    assert all(counted[name] == 0 for name in random), counted
    assert count_flops(sample, X).total == result.total == 2 * 35  # only the clamp: two bounds per element
