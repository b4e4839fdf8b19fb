"""One answer per op: the default engine (function and module rules) and the aten engine (the aten kernels torch
runs) give the same FLOPs and MACs for every op whose disagreement the OpInfo sweep found and this pass fixed.

Each test counts both engines, asserts they agree and that neither leaves an op unrecognized, and checks the
number against a formula written here from what torch runs (the op's ATen composite or Python definition).
The disagreements that remain on purpose are listed in docs/conventions.md ("Where the aten count differs").
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torch_flops_core import count_flops


def agree(fn: Callable[..., Any], *inputs: Any) -> tuple[int, int]:
    """(FLOPs, MACs) of ``fn(*inputs)``, the same on the default and the aten engine, every op recognized."""
    default, aten = count_flops(fn, *inputs), count_flops(fn, *inputs, engine="aten")
    assert default.unrecognized == [] and aten.unrecognized == []
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs), (
        [(r.target_name, r.flops) for r in default.ops],
        [(r.target_name, r.flops) for r in aten.ops if r.flops],
    )
    return default.total, default.total_macs


def softmax(n: int, size: int) -> int:
    """n exps, size − 1 adds per row, n divides."""
    return 2 * n + (size - 1) * (n // size)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


def test_softmin_counts_its_negation() -> None:
    x = torch.randn(3, 5)
    expected = 15 + softmax(15, 5)  # softmin(x) = softmax(−x): torch runs neg, then _softmax
    assert agree(lambda t: F.softmin(t, 1), x) == (expected, 0)
    assert agree(nn.Softmin(1), x) == (expected, 0)


# ---------------------------------------------------------------------------------------------
# Arithmetic and element-wise math
# ---------------------------------------------------------------------------------------------


def test_floor_division_of_tensors_is_one_per_element() -> None:
    a, b = torch.randn(3, 4), torch.randn(4)
    assert agree(operator.floordiv, a, b) == (12, 0)
    assert agree(lambda t: t // 2, a) == (12, 0)
    assert agree(lambda t: torch.floor_divide(t, b), a) == (12, 0)


def test_a_number_divided_by_a_tensor_is_a_reciprocal_and_a_multiply() -> None:
    # Tensor.__rdiv__: self.reciprocal() * other
    assert agree(lambda t: 2 / t, torch.rand(3, 4) + 0.5) == (12 + 12, 0)


def test_isfinite_isreal_conj_physical() -> None:
    x = torch.randn(4, 5)
    assert agree(torch.isfinite, x) == (4 * 20, 0)  # (x == x)·(|x| ≠ ∞): compare, abs, compare, multiply
    assert agree(torch.isfinite, torch.randn(())) == (3, 0)  # the AND of two 0-d bools is bookkeeping: 0
    assert agree(torch.isfinite, torch.arange(6)) == (0, 0)  # integers are finite: torch returns ones
    assert agree(torch.isreal, x) == (0, 0)  # a real tensor: ones
    assert agree(torch.isreal, torch.randn(4, dtype=torch.complex64)) == (4, 0)  # imag == 0
    assert agree(torch.conj_physical, x) == (0, 0)  # a real tensor is returned as it is
    assert agree(torch.conj_physical, torch.randn(4, dtype=torch.complex64)) == (4, 0)


def test_isclose() -> None:
    a, b = torch.randn(5, 1), torch.randn(5)  # N = 25 outputs, b of 5
    # a == b; atol + |rtol·b| (3 per element of b); |a − b| (2N); isfinite (4N); ≤, AND, OR
    assert agree(torch.isclose, a, b) == (25 + 3 * 5 + 2 * 25 + 4 * 25 + 3 * 25, 0)
    # 0-d: the three ops on bools (isfinite's AND, the AND, the OR) are integer bookkeeping (0)
    assert agree(torch.isclose, torch.randn(()), torch.randn(())) == (1 + 3 + 2 + 3 + 1, 0)
    # equal_nan: isnan of a and of b, their AND, the OR into the result
    assert agree(lambda s, t: torch.isclose(s, t, equal_nan=True), a, b) == (265 + 5 + 5 + 2 * 25, 0)


def test_nansum_and_nanmean() -> None:
    x = torch.randn(3, 4)
    # where(isnan(x), 0, x).sum(1): 12 NaN tests, 12 selects, 12 − 3 adds
    assert agree(lambda t: torch.nansum(t, 1), x) == (12 + 12 + 9, 0)
    # nansum / (¬isnan(x)).sum(1): isnan 12, NOT 12, the count 12 − 3, nansum 33, 3 divides
    assert agree(lambda t: torch.nanmean(t, 1), x) == (12 + 12 + 9 + 33 + 3, 0)
    # a 0-d input: the NOT of a 0-d bool is bookkeeping (0), the sums reduce nothing
    assert agree(torch.nanmean, torch.randn(())) == (1 + 0 + 0 + (1 + 1 + 0) + 1, 0)


def test_take_along_dim_and_combinations() -> None:
    x = torch.randn(5, 5)
    # each of the 5·2 broadcast indices taken modulo the size of dim, then a gather
    assert agree(lambda t: torch.take_along_dim(t, torch.tensor([[0, 3]]), 1), x) == (10, 0)
    # the mask of increasing triples over the 4³ grid: a compare and an AND per element, for 2 pairs; then the
    # nonzero scan of the mask, one compare per element
    assert agree(lambda t: torch.combinations(t, 3), torch.arange(4.0)) == (2 * 2 * 4**3 + 4**3, 0)


# ---------------------------------------------------------------------------------------------
# Contractions and products
# ---------------------------------------------------------------------------------------------


def test_outer_products_have_no_macs() -> None:
    a, b, c = torch.randn(5), torch.randn(10), torch.randn(5, 10)
    assert agree(torch.outer, a, b) == (50, 0)  # aten.mul
    assert agree(lambda s, t: torch.einsum("i,j->ij", s, t), a, b) == (50, 0)
    assert agree(torch.inner, torch.randn(()), c) == (50, 0)  # a 0-d operand: a * b
    assert agree(torch.addr, c, a, b) == (50 + 50, 0)  # the product, + self
    # beta·self + alpha·(a ⊗ b): the product, alpha·, beta·, the add
    assert agree(lambda s, u, v: torch.addr(s, u, v, beta=0.6, alpha=0.2), c, a, b) == (50 + 3 * 50, 0)


def test_tensordot_sums_out_broadcast_dims_first() -> None:
    a, b = torch.randn(3, 4), torch.randn(1, 5)
    # a's dim 1 (4) meets b's dim 0 (1): a summed over it (12 − 3 adds), then a (3 × 1)·(1 × 5) product
    assert agree(lambda s, t: torch.tensordot(s, t, ([1], [0])), a, b) == (12 - 3 + (2 * 1 - 1) * 15, 15)
    a, b = torch.randn(1, 1, 1), torch.randn(2, 1, 2)
    # b summed over its dim 2 (4 − 2) and dim 0 (2 − 1), then a product of length 1
    assert agree(lambda s, t: torch.tensordot(s, t, ((0, 1), (2, 0))), a, b) == (2 + 1 + 1, 1)


def test_linear_cross_entropy_with_k_dimensional_scores() -> None:
    x, w, y = torch.randn(4, 3), torch.randn(2, 3, 3), torch.randint(0, 2, (4, 3))
    # weight [C = 2, d = 3, K = 3]: 4·2·3 = 24 scores, each a dot product of 3; log_softmax over C (3 per score);
    # the mean of the 12 picked losses
    expected = ((2 * 3 - 1) * 24 + 3 * 24 + 12, 3 * 24)
    assert agree(lambda s: F.linear_cross_entropy(s, w, y), x) == expected


# ---------------------------------------------------------------------------------------------
# Norms and pooling
# ---------------------------------------------------------------------------------------------


def test_normalize() -> None:
    x = torch.randn(2, 3, 4, 5)  # N = 120; dim 1: 40 vectors of 3
    # the 2-norms (2N), their clamp at eps (40), the divides (N)
    assert agree(lambda t: F.normalize(t, dim=1), x) == (240 + 40 + 120, 0)
    # p = 1: |x| and 120 − 40 adds
    assert agree(lambda t: F.normalize(t, p=1.0, dim=1), x) == ((240 - 40) + 40 + 120, 0)
    # any other p: |x|, x^p, the adds, a root per vector: 3N
    assert agree(lambda t: F.normalize(t, p=0.5, dim=1), x) == (360 + 40 + 120, 0)


def test_rms_norm() -> None:
    x, w = torch.randn(2, 2, 3), torch.randn(2, 3)
    # x² (12), the mean of each of the 2 rows (12), + eps and rsqrt per row (2 + 2), x·rsqrt (12), ·w (12)
    assert agree(lambda t: F.rms_norm(t, (2, 3), w), x) == (12 + 12 + 4 + 12 + 12, 0)
    assert agree(nn.RMSNorm([2, 3]), x) == (12 + 12 + 4 + 12 + 12, 0)
    assert agree(nn.RMSNorm(3, elementwise_affine=False), x) == (12 + 12 + 2 * 4 + 12, 0)


def test_instance_norm_averages_its_running_statistics() -> None:
    x, mean, var, w, b = torch.randn(5, 5, 5), torch.zeros(5), torch.ones(5), torch.ones(5), torch.zeros(5)
    # the norm (2 + weight + bias per element), then mean over the batch of the 5·5 updated copies of each buffer
    expected = 4 * 125 + 2 * 25
    assert agree(lambda t: F.instance_norm(t, mean.clone(), var.clone(), w, b), x) == (expected, 0)
    assert agree(lambda t: F.instance_norm(t, mean, var, w, b, use_input_stats=False), x) == (4 * 125, 0)
    module = nn.InstanceNorm1d(5, affine=True, track_running_stats=True)
    assert agree(module.train(), x) == (expected, 0)
    assert agree(module.eval(), x) == (4 * 125, 0)  # the running statistics are only read


def test_adaptive_pools_count_torch_s_windows() -> None:
    x = torch.randn(1, 8, 8, 8)
    # 8 → 5 rows: windows [0, 2), [1, 4), [3, 5), [4, 7), [6, 8): 2 + 3 + 2 + 3 + 2 = 12 inputs
    # 8 → 7 columns: [i, i + 2): 7 · 2 = 14 inputs; 8 channels; avg: w − 1 adds and a divide per window of w
    assert agree(lambda t: F.adaptive_avg_pool2d(t, (5, 7)), x) == (8 * 12 * 14, 0)
    assert agree(nn.AdaptiveAvgPool2d((5, 7)), x) == (8 * 12 * 14, 0)
    # max: w − 1 compares per window
    assert agree(lambda t: F.adaptive_max_pool2d(t, (5, 7)), x) == (8 * 12 * 14 - 8 * 35, 0)
    assert agree(nn.AdaptiveMaxPool2d((5, 7)), x) == (8 * 12 * 14 - 8 * 35, 0)
    # 8 → 5 in one dim: 12 per row of 8
    assert agree(lambda t: F.adaptive_avg_pool1d(t, 5), torch.randn(3, 8, 8)) == (3 * 8 * 12, 0)


# ---------------------------------------------------------------------------------------------
# Dropout and attention in training
# ---------------------------------------------------------------------------------------------

N = 2 * 3 * 4 * 4


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda t: F.dropout(t, 0.5, True), N + N, id="dropout: mask/(1 − p), x·mask"),
        pytest.param(lambda t: F.dropout(t, 1.0, True), N, id="dropout p = 1: x·0"),
        pytest.param(lambda t: F.dropout(t, 0.5, False), 0, id="dropout eval"),
        pytest.param(lambda t: F.dropout2d(t, 0.5), 2 * 3 + N, id="dropout2d: a mask value per (batch, channel)"),
        pytest.param(lambda t: F.dropout3d(t, 0.5), 2 + N, id="dropout3d unbatched: per channel"),
        pytest.param(lambda t: F.alpha_dropout(t, 0.5, True), 4 * N + 2 * N, id="alpha: mask affine, x·mask + b"),
        pytest.param(lambda t: F.feature_alpha_dropout(t, 0.5, True), 4 * 6 + 2 * N, id="feature alpha"),
        pytest.param(nn.Dropout(0.5).train(), N + N, id="nn.Dropout"),
        pytest.param(nn.Dropout2d(0.5).train(), 2 * 3 + N, id="nn.Dropout2d"),
        pytest.param(nn.AlphaDropout(0.5).train(), 4 * N + 2 * N, id="nn.AlphaDropout"),
    ],
)
def test_dropout_in_training(fn: Callable[..., Any], expected: int) -> None:
    torch.manual_seed(0)
    assert agree(fn, torch.randn(2, 3, 4, 4)) == (expected, 0)


def test_multi_head_attention_dropout() -> None:
    m, x = nn.MultiheadAttention(8, 2, dropout=0.1), torch.randn(5, 2, 8)
    torch.manual_seed(0)
    trained = agree(m.train(), x, x, x)
    evaluated = agree(m.eval(), x, x, x)
    # A = B·h·L·S = 2·2·5·5 attention weights: the mask scaled by 1/(1 − p) and the weights times it
    assert trained[0] - evaluated[0] == 2 * (2 * 2 * 5 * 5)
    assert trained[1] == evaluated[1]


def test_recurrent_dropout_between_layers() -> None:
    x = torch.randn(5, 2, 3)  # 10 rows
    lstm = nn.LSTM(3, 4, num_layers=3, dropout=0.5)
    torch.manual_seed(0)
    trained, evaluated = agree(lstm.train(), x), agree(lstm.eval(), x)
    # the outputs of layers 1 and 2 (10 rows of 4) are dropped: the mask's scale and the product, 2 per element
    assert trained[0] - evaluated[0] == 2 * (2 * 10 * 4)
    gru = nn.GRU(3, 4, num_layers=2, dropout=0.5, bidirectional=True)
    trained, evaluated = agree(gru.train(), x), agree(gru.eval(), x)
    assert trained[0] - evaluated[0] == 1 * (2 * 10 * 4 * 2)  # one inner layer, both directions


def test_gru_cell_gate_arithmetic() -> None:
    # per row: W_ih·x (2·3 − 1)·12, W_hh·h (2·4 − 1)·12, their sum and two biases 3·12, then per hidden unit two
    # sigmoids (3 each), r·(W_hn·h + b_hn), tanh, h' = n + z·(h − n) (3): 11·4
    per_row = 5 * 12 + 7 * 12 + 3 * 12 + 11 * 4
    assert agree(nn.GRUCell(3, 4), torch.randn(2, 3)) == (2 * per_row, 2 * (3 + 4) * 12)


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


def test_cross_entropy_with_probabilities_counts_its_negation() -> None:
    x, p = torch.randn(4, 5), torch.randn(4, 5).softmax(1)
    m = 20
    # log_softmax 3M, y·log p M, then −(…).sum(): M − 1 adds and one negation; 'mean' divides by the 4 rows once
    assert agree(lambda s, t: F.cross_entropy(s, t), x, p) == (3 * m + m + (m - 1) + 1 + 1, 0)
    assert agree(lambda s, t: F.cross_entropy(s, t, reduction="sum"), x, p) == (3 * m + m + (m - 1) + 1, 0)
    # 'none': the sum over each row's 5 classes (M − 4), the 4 negations
    assert agree(lambda s, t: F.cross_entropy(s, t, reduction="none"), x, p) == (3 * m + m + (m - 4) + 4, 0)


def test_elementwise_losses() -> None:
    a, b, y = torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4).sign()
    # −y·(a − b) + margin, max with 0: negate, subtract, multiply, add, max; the mean of 12
    assert agree(lambda s, t: F.margin_ranking_loss(s, t, y), a, b) == (5 * 12 + 12, 0)
    # where(y ≠ 1, max(margin − x, 0), 0) + where(y ≠ −1, x, 0): 7 per element
    assert agree(lambda s: F.hinge_embedding_loss(s, y, reduction="none"), a) == (7 * 12, 0)
    p, q = torch.rand(3, 4), torch.rand(3, 4)
    # xlogy(y, y) − y·x: 4; with log_target exp(y)·(y − x): 3
    assert agree(lambda s, t: F.kl_div(s, t, reduction="sum"), p, q) == (4 * 12 + 11, 0)
    assert agree(lambda s, t: F.kl_div(s, t, reduction="sum", log_target=True), p, q) == (3 * 12 + 11, 0)
    # full: Stirling's y·log y − y + 0.5·log(2π·y) (7), masked where y ≤ 1 (2) and added (1), after exp(x) − y·x
    assert agree(lambda s, t: F.poisson_nll_loss(s, t, full=True, reduction="none"), a, q) == ((3 + 10) * 12, 0)


def test_gaussian_nll_loss() -> None:
    x, y, var = torch.randn(3, 4), torch.randn(3, 4), torch.rand(3, 1) + 0.5
    # 0.5·(log var + (x − y)²/var): subtract, square, divide, add, halve; var: any(var < 0) (3 + 2), clamp, log
    assert agree(lambda s, t: F.gaussian_nll_loss(s, t, var, reduction="none"), x, y) == (5 * 12 + 5 + 3 + 3, 0)
    # a float var is first broadcast by a multiply with ones: its multiply, clamp and log are 12 each
    assert agree(lambda s, t: F.gaussian_nll_loss(s, t, 0.5, reduction="none"), x, y) == (5 * 12 + 3 * 12, 0)


def test_class_and_embedding_losses() -> None:
    x, y = torch.randn(3, 5), (torch.rand(3, 5) > 0.5).float()
    # two log-sigmoids (3 each), −x, 1 − y, two multiplies, the add, the negation, the mean over C; the mean of 3
    assert agree(lambda s, t: F.multilabel_soft_margin_loss(s, t), x, y) == (13 * 15 + 3, 0)
    a, b, target = torch.randn(5, 5), torch.randn(5, 5), torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0])
    # the cosine: three dot products of 5 (9 each), two + eps, product, root, divide (6D + 2); then 1 − cos,
    # cos − margin and its clamp, the compares y = 1 and y = −1, two selects, their sum (8)
    assert agree(lambda s, t: F.cosine_embedding_loss(s, t, target, reduction="none"), a, b) == (5 * (3 * 9 + 5 + 8), 0)


def test_cosine_similarity() -> None:
    a, b = torch.randn(5, 5), torch.randn(5, 5)
    # per row of 5: two 2-norms (10 each), two clamps, two divides (5 each), the product (5), its sum (4)
    per_row = 2 * 10 + 2 + 2 * 5 + 5 + 4
    assert agree(lambda s, t: F.cosine_similarity(s, t), a, b) == (5 * per_row, 0)
    assert agree(nn.CosineSimilarity(1), a, b) == (5 * per_row, 0)


def test_ctc_loss() -> None:
    log_probs = torch.randn(10, 2, 5).log_softmax(2)
    targets = torch.tensor([[1, 2, 3], [1, 1, 0]])
    recursion = 13 * 10 * (2 * 6 + 2)  # 13 per step and label state, 2S + 1 states per sequence
    # 'mean': the target lengths clamped at 1, the divides, the mean (3 per sequence)
    assert agree(lambda lp: F.ctc_loss(lp, targets, [10, 10], [3, 2]), log_probs) == (recursion + 3 * 2, 0)
    # zero_infinity: loss == ∞ and the select of 0 after the kernel (2 per sequence); 'sum': 1 add
    expected = recursion + 2 * 2 + 1
    assert agree(
        lambda lp: F.ctc_loss(lp, targets, [10, 10], [3, 2], reduction="sum", zero_infinity=True), log_probs
    ) == (
        expected,
        0,
    )
