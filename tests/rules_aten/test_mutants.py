"""Mutation tests of the aten pack: each test pins one formula with a value computed by hand, so that a
plausible slip in the rule (a dropped term, an off-by-one, a swapped size) changes the count and fails it.

The mutants each test kills (applied to the pack by hand, one at a time, and seen to fail the test):
``add`` with ``alpha`` ≠ 1 counted as N; max pool's (k − 1)·N as k·N; cumsum scanning the wrong dim; the
layer and group norm backward's − 2R as − R; the weighted 'mean' of nll_loss reduced as unweighted; col2im's
(F.fold's) block count off by one; the attention backward with Lq and Lk swapped.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls
from torch import nn

from torch_flops_core import count_flops

A = torch.ops.aten


def only(result: Any, name: str) -> Any:
    """The one record of aten op ``name`` in ``result``."""
    (record,) = [r for r in calls(result) if r.target_name.split(".")[-2:-1] == [name]]
    return record


@pytest.mark.parametrize(
    ("fn", "alpha"),
    [
        pytest.param(lambda x, y: torch.add(x, y, alpha=2), 2, id="add"),
        pytest.param(lambda x, y: torch.sub(x, y, alpha=0.5), 0.5, id="sub"),
        pytest.param(lambda x, y: torch.rsub(x, y, alpha=3), 3, id="rsub"),
        pytest.param(lambda x, y: x.clone().add_(y, alpha=-1), -1, id="add_"),
        pytest.param(lambda x, y: torch.add(x, y), 1, id="add-alpha-1"),
    ],
)
def test_add_with_alpha_scales_its_second_operand(fn: Any, alpha: float) -> None:
    x, y = torch.randn(3, 4), torch.randn(4)
    n = 12
    result = count_flops(fn, x, y, engine="aten")
    assert result.total == (2 * n if alpha != 1 else n)  # alpha·y (N) then the add (N)


def test_max_pool_compares_k_minus_1_per_window() -> None:
    result = count_flops(lambda x: F.max_pool2d(x, 3, stride=1), torch.randn(1, 2, 5, 5), engine="aten")
    n, k = 2 * 3 * 3, 3 * 3
    assert only(result, "max_pool2d_with_indices").flops == (k - 1) * n  # 144; k·N would be 162


@pytest.mark.parametrize(("dim", "expected"), [(0, 15 - 5), (1, 15 - 3), (-2, 15 - 5), (-1, 15 - 3)])
def test_cumsum_scans_the_dim_it_is_given(dim: int, expected: int) -> None:
    """A 3×5 tensor: along dim 0 five rows of 3 (2 adds each), along dim 1 three rows of 5 (4 adds each)."""
    result = count_flops(lambda x: torch.cumsum(x, dim), torch.randn(3, 5), engine="aten")
    assert result.total == expected


def test_layer_norm_backward_subtracts_two_per_row() -> None:
    """docs/conventions.md: dx (10 + [w])·n − 2R (x̂ 2n; dy·w n; Σ dy·w and Σ dy·w·x̂ 2(n − R); the combination 5n),
    dw 2n − D, db n − D. LayerNorm(8) over [2, 3, 8]: n = 48, R = 6 rows, D = 8."""
    x, dy = torch.randn(2, 3, 8), torch.randn(2, 3, 8)
    w, b = torch.randn(8), torch.randn(8)
    mean, rstd = torch.zeros(2, 3, 1), torch.ones(2, 3, 1)
    n, rows, d = 48, 6, 8

    def backward(mask: list[bool]) -> int:
        fn = lambda dy, x: A.native_layer_norm_backward(dy, x, [8], mean, rstd, w, b, mask)  # noqa: E731
        return count_flops(fn, dy, x, engine="aten").total

    assert backward([True, False, False]) == 11 * n - 2 * rows  # 516
    assert backward([True, True, True]) == 11 * n - 2 * rows + (2 * n - d) + (n - d)  # 644
    layer = nn.LayerNorm(8)
    trained = count_flops(layer, x.requires_grad_(), backward=True)
    assert only(trained, "native_layer_norm_backward").flops == 644


def test_group_norm_backward_subtracts_two_per_group_row() -> None:
    """GroupNorm(2, 4) over [2, 4, 3]: n = 24, R = N·groups = 4 rows of statistics, no weight (D = 0)."""
    x, dy = torch.randn(2, 4, 3), torch.randn(2, 4, 3)
    mean, rstd = torch.zeros(2, 2), torch.ones(2, 2)
    fn = lambda dy, x: A.native_group_norm_backward(dy, x, mean, rstd, None, 2, 4, 3, 2, [True, False, False])  # noqa: E731
    assert count_flops(fn, dy, x, engine="aten").total == 10 * 24 - 2 * 4  # 232; − R would be 236


def test_weighted_mean_nll_loss_sums_the_weights_too() -> None:
    """E = 4 targets: [weight]·E picks (4), then the class-weighted 'mean': Σ w·l (E − 1), Σ w (E − 1), a divide."""
    logp, target, w = torch.randn(4, 5).log_softmax(-1), torch.tensor([0, 2, 4, 1]), torch.rand(5)
    result = count_flops(lambda x, t: F.nll_loss(x, t, weight=w), logp, target, engine="aten")
    e = 4
    assert only(result, "nll_loss_forward").flops == e + (2 * e - 1)  # 11; unweighted 'mean' would be 8
    assert count_flops(lambda x, t: F.nll_loss(x, t), logp, target, engine="aten").total == e  # no weight: E


def test_fold_counts_the_blocks_that_fit() -> None:
    """A 5×7 output, 2×2 kernel, stride (1, 3): ⌊(5 − 2)/1⌋ + 1 = 4 by ⌊(7 − 2)/3⌋ + 1 = 2 blocks (L = 8). Rows 0–4
    are all covered; columns 0, 1, 3, 4 of 7 are: N_cov = 5·4 = 20 per channel; n = 4·8 = 32 values per channel."""
    x = torch.randn(1, 2 * 4, 8)
    fold = nn.Fold((5, 7), 2, stride=(1, 3))
    expected = 2 * (32 - 20)  # numel(in) − N_cov adds: 24 (3 or 1 blocks across would give 14 or 48)
    assert count_flops(fold, x, engine="aten").total == expected
    assert count_flops(fold, x).total == expected  # the module rule
    assert count_flops(lambda t: F.fold(t, (5, 7), 2, stride=(1, 3)), x).total == expected  # the function rule


def test_attention_backward_with_more_keys_than_queries() -> None:
    """The cpu flash kernel, Lq = 4 queries, Lk = 6 keys, d = dv = 8, B = 2 heads: S = 48 scores."""
    q = torch.randn(1, 2, 4, 8, requires_grad=True)
    k, v = (torch.randn(1, 2, 6, 8, requires_grad=True) for _ in range(2))
    result = count_flops(lambda q, k, v: F.scaled_dot_product_attention(q, k, v), q, k, v, engine="aten", backward=True)
    b, lq, lk, d, s = 2, 4, 6, 8, 48
    forward = (2 * d - 1) * s + s + (s + b * lq * (lk - 1) + s) + (2 * lk - 1) * b * lq * d
    kernel = only(result, "_scaled_dot_product_flash_attention_for_cpu")
    assert (kernel.flops, kernel.macs) == (forward, 2 * s * d)  # 1,608
    dv = (2 * lq - 1) * b * lk * d  # Pᵀ·dO: Lk·dv outputs of Lq products
    dp = (2 * d - 1) * s  # dO·Vᵀ
    ds = 4 * s - b * lq  # P·(dP − Σ dP·P), a row sum per query
    dq = (2 * lk - 1) * b * lq * d  # dS·K
    dk = (2 * lq - 1) * b * lk * d  # dSᵀ·Q
    backward = only(result, "_scaled_dot_product_flash_attention_for_cpu_backward")
    assert (backward.flops, backward.macs) == (dv + dp + ds + s + dq + dk, 4 * s * d)  # 3,000
