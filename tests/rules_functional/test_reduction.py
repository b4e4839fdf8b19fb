"""Reductions, scans, sorts and scatter-reductions of the functional pack.

n = numel(in), R = numel(out): reducing n elements to R results takes n − R binary ops, whatever
the dims and keepdim. Formulas: docs/conventions.md; both engines count each op the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
from helpers import both

from torch_flops_core import NOT_RECOGNIZED, count_flops

SHAPE = (2, 3, 4)
N = 24

# (spelling, a, b) for a·n + b·R
REDUCTIONS = {
    "sum": (1, -1),  # n − R additions
    "nansum": (3, -1),  # torch's where(isnan(x), 0, x).sum(): n NaN tests, n selects, n − R additions
    "prod": (1, -1),  # n − R multiplications
    "mean": (1, 0),  # n − R additions + R divisions
    # nansum(x) / (¬isnan(x)).sum(): isnan n, NOT n, the count n − R, nansum 3n − R, R divisions
    "nanmean": (1 + 1 + 1 + 3, -1 - 1 + 1),
    "amax": (1, -1),  # n − R comparisons
    "amin": (1, -1),
    "logsumexp": (2, 0),  # n exps + n − R additions + R logs
    "var": (4, 0),  # mean n, deviations n, squares n, sums n − R, divisions R
    "std": (4, 1),  # var + R roots
    "var_mean": (4, 0),
    "std_mean": (4, 1),
}

DIMS = [
    pytest.param((1,), False, (2, 4), id="dim=1"),
    pytest.param((-1,), True, (2, 3, 1), id="dim=-1-keepdim"),
    pytest.param((0, 2), False, (3,), id="dims=(0,2)"),
    pytest.param((0, 1, 2), False, (), id="all-dims"),
]


REDUCTION_CASES = [
    pytest.param(name, coefficients, *dim.values, id=f"{name}-{dim.id}")
    for name, coefficients in REDUCTIONS.items()
    for dim in DIMS
    if not (name == "prod" and len(dim.values[0]) > 1)  # prod reduces one dim at a time
]


@pytest.mark.parametrize(("name", "coefficients", "dims", "keepdim", "out_shape"), REDUCTION_CASES)
def test_reductions_over_dims(
    name: str, coefficients: tuple[int, int], dims: tuple[int, ...], keepdim: bool, out_shape: tuple[int, ...]
) -> None:
    a, b = coefficients
    r = math.prod(out_shape)
    dim: Any = dims if len(dims) > 1 else dims[0]
    x = torch.rand(SHAPE)
    assert both(lambda x: getattr(torch, name)(x, dim, keepdim=keepdim), x).total == a * N + b * r
    if hasattr(torch.Tensor, name):
        assert both(lambda x: getattr(x, name)(dim, keepdim=keepdim), x).total == a * N + b * r


@pytest.mark.parametrize(("name", "coefficients"), [(k, v) for k, v in REDUCTIONS.items() if k != "logsumexp"])
def test_reductions_of_everything(name: str, coefficients: tuple[int, int]) -> None:
    a, b = coefficients
    assert both(lambda x: getattr(torch, name)(x), torch.rand(SHAPE)).total == a * N + b * 1


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: x.max(), N - 1, id="max()"),
        pytest.param(lambda x: torch.min(x), N - 1, id="min()"),
        pytest.param(lambda x: x.max(dim=1).values, N - 8, id="max(dim) values"),
        pytest.param(lambda x: torch.min(x, -1, keepdim=True)[0], N - 6, id="min(dim, keepdim)"),
        pytest.param(lambda x: torch.max(x, x[0]), N, id="max(a, b) is element-wise"),
        pytest.param(lambda x: x.min(other=x), N, id="min(other=)"),
        pytest.param(lambda x: x.argmax(), N - 1, id="argmax()"),
        pytest.param(lambda x: torch.argmin(x, 2), N - 6, id="argmin(dim)"),
        pytest.param(lambda x: torch.aminmax(x, dim=0).min, 2 * (N - 12), id="aminmax"),
        pytest.param(lambda x: (x > 0.5).any(), N + N - 1, id="any (+ the compare)"),
        pytest.param(lambda x: (x > 0.5).all(1), N + N - 8, id="all(dim) (+ the compare)"),
        pytest.param(lambda x: torch.count_nonzero(x, dim=2), 2 * N - 6, id="count_nonzero"),
        pytest.param(lambda x: x.sum_to_size(3, 1), N - 3, id="sum_to_size"),
    ],
)
def test_comparisons_and_logical_reductions(fn: Callable[[torch.Tensor], Any], expected: int) -> None:
    assert both(fn, torch.rand(SHAPE)).total == expected


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: x.norm(), 2 * N, id="norm() p=2: squares, sums, root"),
        pytest.param(lambda x: torch.norm(x, p="fro", dim=(1, 2)), 2 * N, id="norm fro"),
        pytest.param(lambda x: torch.norm(x, 1, dim=-1), 2 * N - 6, id="norm p=1: abs, sums"),
        pytest.param(lambda x: x.norm(float("inf"), 1), 2 * N - 8, id="norm p=inf: abs, compares"),
        pytest.param(lambda x: x.norm(3, dim=0), 3 * N, id="norm p=3: abs, pow, sums, roots"),
        pytest.param(lambda x: torch.linalg.vector_norm(x, dim=-1), 2 * N, id="vector_norm"),
        pytest.param(lambda x: torch.linalg.vector_norm(x, ord=1), 2 * N - 1, id="vector_norm ord=1"),
        pytest.param(lambda x: torch.linalg.norm(x, dim=-1), 2 * N, id="linalg.norm vector"),
        pytest.param(lambda x: torch.linalg.norm(x[0]), 12 * 2, id="linalg.norm default is fro"),
        pytest.param(lambda x: torch.linalg.matrix_norm(x), 2 * N, id="matrix_norm fro"),
    ],
)
def test_norms(fn: Callable[[torch.Tensor], Any], expected: int) -> None:
    assert both(fn, torch.rand(SHAPE)).total == expected


@pytest.mark.parametrize(
    "fn",
    [lambda x: torch.linalg.matrix_norm(x, ord=2), lambda x: torch.linalg.norm(x[0], ord="nuc")],
    ids=["matrix 2-norm", "linalg.norm nuc"],
)  # fmt: skip
def test_svd_based_norms_are_not_counted(fn: Callable[[torch.Tensor], Any]) -> None:
    result = count_flops(fn, torch.rand(SHAPE), engine="eager")
    assert [r.flops for r in result.unrecognized] == [NOT_RECOGNIZED]


def test_torch_norm_nuc_counts_the_singular_values_and_their_sum() -> None:
    x = torch.rand(SHAPE)[0]  # 3 × 4: the SVD of its 4 × 3 transpose, m = 4, n = 3
    svd_values = 4 * 4 * 3**2 - 4 * 3**3 // 3  # Golub & Van Loan, values only: 4mn² − 4n³/3
    assert count_flops(lambda a: torch.norm(a, p="nuc"), x).total == svd_values + (3 - 1)  # + k − 1 adds


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_scans(dim: int) -> None:
    s = SHAPE[dim]
    rows = N // s
    for name in ("cumsum", "cumprod"):
        assert both(lambda x, name=name: getattr(torch, name)(x, dim), torch.rand(SHAPE)).total == N - rows
        assert both(lambda x, name=name: getattr(x, name)(dim=dim), torch.rand(SHAPE)).total == N - rows
    assert both(lambda x: torch.cummax(x, dim).values, torch.rand(SHAPE)).total == N - rows
    assert both(lambda x: x.cummin(dim)[0], torch.rand(SHAPE)).total == N - rows
    assert both(lambda x: torch.logcumsumexp(x, dim), torch.rand(SHAPE)).total == N + (N - rows) + N


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: torch.sort(x).values, N * 2, id="sort last dim: S=4, log2 4 = 2"),
        pytest.param(lambda x: x.sort(dim=1)[0], N * 2, id="sort dim=1: S=3, ⌈log2 3⌉ = 2"),
        pytest.param(lambda x: torch.argsort(x, 0), N * 1, id="argsort dim 0: S=2"),
        pytest.param(lambda x: x.topk(2).values, N * 2, id="topk"),
        pytest.param(lambda x: torch.kthvalue(x, 2, 1).values, N * 2, id="kthvalue"),
        pytest.param(lambda x: x.median(), N * 5, id="median of all: ⌈log2 24⌉ = 5"),
        pytest.param(lambda x: torch.median(x, 2).values, N * 2, id="median(dim)"),
        pytest.param(lambda x: x.mode(0).values, N * 1, id="mode"),
        pytest.param(lambda x: torch.msort(x), N * 1, id="msort: dim 0"),
        pytest.param(
            lambda x: torch.quantile(x, 0.5),
            # sort N·5, then the rank: q·(N − 1) (one multiply per quantile), isnan N, any N − 1, masked_fill 1;
            # linear interpolation: weight = rank − below, ceil, lerp (3)
            N * 5 + (1 + N + (N - 1) + 1) + (2 + 3),
            id="quantile of all",
        ),
    ],
)
def test_sorts_count_comparison_sorts_of_the_rows(fn: Callable[[torch.Tensor], Any], expected: int) -> None:
    assert both(fn, torch.rand(SHAPE)).total == expected  # n·⌈log2 S⌉


def test_data_dependent_ops_count_in_eager() -> None:
    x = torch.tensor([3, 1, 3, 2, 2, 2, 5, 1])
    n = 8
    # a sort of 8 (⌈log2 8⌉ = 3 compares each), then n − 1 neighbour compares
    assert count_flops(torch.unique, x, engine="eager").total == n * 3 + n - 1
    assert count_flops(torch.unique_consecutive, x, engine="eager").total == n - 1
    assert count_flops(torch.bincount, x, engine="eager").total == n
    assert count_flops(lambda x: torch.histc(x.float(), 4), x, engine="eager").total == n
    boundaries = torch.tensor([1, 3, 5])
    assert count_flops(lambda x: torch.bucketize(x, boundaries), x, engine="eager").total == n * 2  # ⌈log2 4⌉
    assert count_flops(lambda x: torch.searchsorted(boundaries, x), x, engine="eager").total == n * 2
    assert count_flops(torch.nonzero, x, engine="eager").total == n  # one compare with zero each


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x, i: x.scatter_add(1, i, x), N, id="scatter_add: one add per source element"),
        pytest.param(lambda x, i: torch.scatter_reduce(x, 1, i, x, "amax"), N, id="scatter_reduce"),
        pytest.param(lambda x, i: x.index_add(0, i[:, 0, 0], x), N, id="index_add"),
        pytest.param(lambda x, i: x.scatter(1, i, x), 0, id="scatter (no reduce) moves data"),
        pytest.param(lambda x, i: x.gather(1, i), 0, id="gather moves data"),
    ],
)
def test_scatter_reductions(fn: Callable[..., Any], expected: int) -> None:
    index = torch.zeros(SHAPE, dtype=torch.long)
    assert both(fn, torch.rand(SHAPE), index).total == expected


def test_trace_and_diff() -> None:
    assert both(torch.trace, torch.rand(3, 5)).total == 3 - 1
    assert both(lambda x: torch.diff(x, dim=1), torch.rand(SHAPE)).total == 2 * 2 * 4  # rows·(S − 1)
    assert both(lambda x: x.diff(n=2), torch.rand(SHAPE)).total == 6 * (3 + 2)  # rows·((S − 1) + (S − 2))
