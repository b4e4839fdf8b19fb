"""The functional forms of layers: norms, pooling, resampling, embeddings, dropout, losses, distances,
recurrent functions, and their agreement with the nn pack's module rules.

A model counts the same whether it calls ``nn.LayerNorm`` or ``F.layer_norm``: every module below is
counted once with its module rule and once with the nn pack disabled (its forward then runs the
function, counted by the functional pack).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import both, calls
from torch import nn

from torch_flops_core import NOT_RECOGNIZED, count_flops

pytestmark = [
    pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss"),
    pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated"),
    pytest.mark.filterwarnings("ignore:Implicit dimension choice"),
]

# ---------------------------------------------------------------------------------------------
# Norms: (2 + [weight] + [bias])·numel(in); rms_norm (3 + [weight])·numel(in) + 2·rows
# ---------------------------------------------------------------------------------------------

X = (2, 4, 3, 3)
N = 72


def affine(weight: bool, bias: bool, size: int = 4) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    return (torch.randn(size) if weight else None), (torch.randn(size) if bias else None)


@pytest.mark.parametrize(("weight", "bias"), [(False, False), (True, False), (True, True)])
def test_norm_functions(weight: bool, bias: bool) -> None:
    w, b = affine(weight, bias, 3)
    expected = (2 + weight + bias) * N
    assert both(lambda x: F.layer_norm(x, (3,), w, b), torch.randn(X)).total == expected
    assert both(lambda x: F.layer_norm(x, (3,), weight=w, bias=b), torch.randn(X)).total == expected
    w, b = affine(weight, bias)
    assert both(lambda x: F.group_norm(x, 2, w, b), torch.randn(X)).total == expected
    assert both(lambda x: F.instance_norm(x, weight=w, bias=b), torch.randn(X)).total == expected
    mean, var = torch.zeros(4), torch.ones(4)
    assert both(lambda x: F.batch_norm(x, mean, var, w, b), torch.randn(X)).total == expected
    assert (
        both(lambda x: F.batch_norm(x, mean, var, weight=w, bias=b, training=False), torch.randn(X)).total == expected
    )
    w3 = torch.randn(3) if weight else None
    # torch's composite: x² (N), the mean over rows of 3 (N), + eps and rsqrt per row (2·N/3), x·rsqrt (N), ·w (N)
    rows = N // 3
    assert both(lambda x: F.rms_norm(x, (3,), w3), torch.randn(X)).total == (3 + weight) * N + 2 * rows


def test_batch_norm_and_instance_norm_count_the_same_in_training() -> None:
    mean, var, w, b = torch.zeros(4), torch.ones(4), torch.ones(4), torch.zeros(4)
    # statistics and the running update are not counted: the normalisation and the affine parameters
    assert both(lambda x: F.batch_norm(x, mean.clone(), var.clone(), w, b, training=True), torch.randn(X)).total == (
        4 * N
    )
    assert both(lambda x: F.batch_norm(x, mean, var, w, b, training=False), torch.randn(X)).total == 4 * N
    assert both(lambda x: F.batch_norm(x, None, None, w, b, training=True), torch.randn(X)).total == 4 * N
    # instance_norm updating running statistics averages the B per-instance copies of each: a mean of B·C = 2·4
    # values per buffer, run after the norm kernel
    assert both(lambda x: F.instance_norm(x, mean.clone(), var.clone()), torch.randn(X)).total == 2 * N + 2 * (2 * 4)
    assert both(lambda x: F.instance_norm(x, mean, var, use_input_stats=False), torch.randn(X)).total == 2 * N


def test_normalize_and_local_response_norm() -> None:
    # x / max(‖x‖₂, eps) over dim 1 (4 values, N/4 vectors): the norms 2N, their clamp N/4, the divides N
    assert both(lambda x: F.normalize(x, dim=1), torch.randn(X)).total == 2 * N + N // 4 + N
    # p = 1: N abs and N − N/4 adds per norm
    assert both(lambda x: F.normalize(x, p=1.0, dim=1), torch.randn(X)).total == (2 * N - N // 4) + N // 4 + N
    assert both(lambda x: F.local_response_norm(x, 3), torch.randn(X)).total == (3 + 5) * N


# ---------------------------------------------------------------------------------------------
# Pooling: avg k·N, max (k − 1)·N (an int kernel_size counts once, as the modules); adaptive windows
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "out", "per_output"),
    [
        pytest.param(lambda x: F.avg_pool2d(x, 2), (2, 4, 2, 2), 2, id="avg int kernel: k = 2"),
        pytest.param(lambda x: F.avg_pool2d(x, (2, 2), stride=1), (2, 4, 3, 3), 4, id="avg tuple kernel: k = 4"),
        pytest.param(lambda x: F.max_pool2d(x, 3, 1, 1), (2, 4, 4, 4), 3 - 1, id="max int kernel"),
        pytest.param(lambda x: F.max_pool2d(x, (2, 2), return_indices=True)[0], (2, 4, 2, 2), 3, id="max indices"),
        pytest.param(lambda x: F.avg_pool1d(x.flatten(2), 4), (2, 4, 4), 4, id="avg1d"),
        pytest.param(lambda x: F.max_pool1d(x.flatten(2), kernel_size=4), (2, 4, 4), 3, id="max1d"),
        pytest.param(lambda x: F.avg_pool3d(x[:, None], (1, 2, 2)), (2, 1, 4, 2, 2), 4, id="avg3d"),
        pytest.param(lambda x: F.max_pool3d(x[:, None], (2, 2, 2)), (2, 1, 2, 2, 2), 7, id="max3d"),
        pytest.param(lambda x: F.adaptive_avg_pool2d(x, 2), (2, 4, 2, 2), 2 * 2, id="adaptive avg 4→2"),
        pytest.param(lambda x: F.adaptive_avg_pool2d(x, (3, 1)), (2, 4, 3, 1), 2 * 4, id="adaptive avg 4→3, 4→1"),
        pytest.param(lambda x: F.adaptive_max_pool2d(x, 1), (2, 4, 1, 1), 16 - 1, id="adaptive max global"),
        pytest.param(lambda x: F.adaptive_avg_pool1d(x.flatten(2), 8), (2, 4, 8), 2, id="adaptive avg1d"),
        pytest.param(lambda x: F.adaptive_max_pool3d(x[:, None], (2, 2, 2)), (2, 1, 2, 2, 2), 8 - 1, id="adaptive3d"),
        pytest.param(lambda x: F.lp_pool2d(x, 2, 2), (2, 4, 2, 2), 128 / 32 + 4, id="lp: numel(in) + k·N, full k"),
    ],
)
def test_pooling(fn: Callable[[torch.Tensor], torch.Tensor], out: tuple[int, ...], per_output: float) -> None:
    x = torch.randn(2, 4, 4, 4)
    assert fn(x).shape == out
    n = math.prod(out)
    assert both(fn, x).total == per_output * n


def test_fractional_max_pool_and_unpool() -> None:
    x = torch.randn(1, 2, 6, 6)
    torch.manual_seed(0)
    result = count_flops(lambda x: F.fractional_max_pool2d(x, 2, output_size=3), x, engine="eager")
    assert result.total == (4 - 1) * 2 * 9  # full 2×2 window
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert both(lambda o, i: F.max_unpool2d(o, i, 2), out, idx).total == 0


# ---------------------------------------------------------------------------------------------
# Resampling: a weighted sum of 2^d neighbours (bicubic 4^d) per output element, 'area' an
# average over each adaptive window; affine_grid is a contraction
# ---------------------------------------------------------------------------------------------

PER_OUTPUT = {"nearest": 0, "nearest-exact": 0, "bilinear": 4 + 3, "bicubic": 16 + 15}


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "nearest-exact"])
def test_interpolate_in_every_mode(mode: str) -> None:
    x = torch.randn(1, 2, 4, 4)
    assert both(lambda x: F.interpolate(x, scale_factor=2, mode=mode), x).total == PER_OUTPUT[mode] * 2 * 8 * 8
    assert both(lambda x: F.interpolate(x, size=(3, 5), mode=mode), x).total == PER_OUTPUT[mode] * 2 * 3 * 5


def test_interpolate_area_averages_each_window() -> None:
    x = torch.randn(1, 2, 4, 6)
    # 4 -> 2 rows: windows of 2 and 2; 6 -> 4 columns: windows [0,2) [1,3) [3,5) [4,6), each 2 long.
    # A window of w inputs costs w − 1 adds and 1 division: w FLOPs; per channel Σrows · Σcols.
    assert both(lambda x: F.interpolate(x, size=(2, 4), mode="area"), x).total == 2 * (2 + 2) * (2 + 2 + 2 + 2)


def test_grid_sample_counts_per_output_by_mode() -> None:
    x, grid = torch.randn(2, 3, 5, 5), torch.rand(2, 4, 6, 2) * 2 - 1
    for mode in ("bilinear", "nearest", "bicubic"):
        result = both(lambda x, g, mode=mode: F.grid_sample(x, g, mode=mode, align_corners=False), x, grid)
        assert result.total == PER_OUTPUT[mode] * 2 * 3 * 4 * 6


# ---------------------------------------------------------------------------------------------
# Embeddings, dropout, data movement of F
# ---------------------------------------------------------------------------------------------


def test_embeddings() -> None:
    weight, idx = torch.randn(10, 4), torch.tensor([[1, 2, 3], [4, 5, 6]])
    assert both(lambda i: F.embedding(i, weight), idx).total == 0
    assert both(lambda i: F.one_hot(i, 10), idx).total == 0
    gathered = 6 * 4  # 6 looked-up rows of 4
    assert both(lambda i: F.embedding_bag(i, weight, mode="sum"), idx).total == gathered - 2 * 4
    assert both(lambda i: F.embedding_bag(i, weight), idx).total == gathered  # mean: + a division per output
    assert both(lambda i: F.embedding_bag(i, weight, mode="max"), idx).total == gathered - 2 * 4
    psw = torch.rand(2, 3)
    assert both(lambda i: F.embedding_bag(i, weight, mode="sum", per_sample_weights=psw), idx).total == 2 * 24 - 8


@pytest.mark.parametrize(
    "fn",
    [lambda x: F.feature_alpha_dropout(x, 0.2), lambda x: F.dropout(x, 0.5, training=False),
     lambda x: F.dropout(x, 0.0, training=True), lambda x: F.pad(x, (1, 1, 2, 2)), lambda x: F.pixel_shuffle(x, 2),
     lambda x: F.pixel_unshuffle(x, 2), lambda x: F.channel_shuffle(x, 2), lambda x: F.unfold(x, 2)],
    ids=["feature_alpha_dropout (eval by default)", "dropout eval", "dropout p=0", "pad", "pixel_shuffle",
         "pixel_unshuffle", "channel_shuffle", "unfold"],
)  # fmt: skip
def test_dropout_in_eval_and_data_movement_are_free(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
    assert both(fn, torch.randn(2, 4, 4, 4)).total == 0


# In training torch scales the mask by 1/(1 − p) (numel(mask)) and multiplies the input by it (N); alpha dropout
# shifts and scales the mask (4·numel(mask)) and computes x·mask + b (2N); p = 1 multiplies by 0 (N).
DN = 2 * 4 * 4 * 4


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(lambda x: F.dropout(x, 0.5, training=True), DN + DN, id="dropout"),
        pytest.param(lambda x: F.dropout(x, 1.0, training=True), DN, id="dropout p=1"),
        pytest.param(lambda x: torch.dropout(x, 0.3, True), DN + DN, id="torch.dropout"),
        pytest.param(lambda x: F.dropout2d(x, 0.5), 2 * 4 + DN, id="dropout2d: a mask value per (batch, channel)"),
        pytest.param(lambda x: F.dropout1d(x[0], 0.1), 4 * 4 + DN // 2, id="dropout1d batched (4, 4, 4)"),
        pytest.param(lambda x: F.dropout3d(x, 0.1), 2 + DN, id="dropout3d unbatched (C=2, 4, 4, 4)"),
        pytest.param(lambda x: F.alpha_dropout(x, 0.2, True), 4 * DN + 2 * DN, id="alpha_dropout"),
        pytest.param(lambda x: F.feature_alpha_dropout(x, 0.2, True), 4 * (2 * 4) + 2 * DN, id="feature_alpha"),
    ],
)
def test_dropout_in_training_counts_the_mask_and_the_multiply(
    fn: Callable[[torch.Tensor], torch.Tensor], expected: int
) -> None:
    x = torch.randn(2, 4, 4, 4)
    assert both(fn, x).total == expected
    assert count_flops(fn, x, engine="aten").total == expected


def test_fold_adds_the_overlaps() -> None:
    cols = torch.randn(1, 2 * 4, 9)  # 2 channels, 2×2 blocks, 3×3 positions → 4×4
    assert both(lambda c: F.fold(c, (4, 4), 2), cols).total == 72 - 32  # numel(in) − N_cov, every output covered
    cols = torch.randn(1, 2 * 4, 4)  # 2×2 blocks at stride 3 on 5×5: no overlap, 16 of 25 outputs covered
    assert both(lambda c: F.fold(c, (5, 5), 2, stride=3), cols).total == 32 - 2 * 16


# ---------------------------------------------------------------------------------------------
# Losses: per-element cost·E + reduction (mean E, sum E − 1, none 0)
# ---------------------------------------------------------------------------------------------

E = 12
REDUCE = {"mean": E, "sum": E - 1, "none": 0}
LOSSES = [
    # (loss, per-element cost)
    pytest.param(F.l1_loss, 2, id="l1"),
    pytest.param(F.mse_loss, 2, id="mse"),
    pytest.param(F.huber_loss, 5, id="huber"),
    pytest.param(F.smooth_l1_loss, 5, id="smooth_l1"),
    pytest.param(F.soft_margin_loss, 4, id="soft_margin"),
    # where(y ≠ 1, max(margin − x, 0), 0) + where(y ≠ −1, x, 0): subtract, max, 2 compares, 2 selects, add
    pytest.param(F.hinge_embedding_loss, 7, id="hinge_embedding"),
    pytest.param(F.kl_div, 2 + 1 + 1, id="kl_div"),  # xlogy(y, y) (2) − y·x (multiply, subtract)
    pytest.param(F.binary_cross_entropy, 7, id="bce"),
    pytest.param(F.binary_cross_entropy_with_logits, 6, id="bce_with_logits"),
    pytest.param(F.poisson_nll_loss, 3, id="poisson_nll"),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("loss", "cost"), LOSSES)
def test_elementwise_losses(loss: Callable[..., torch.Tensor], cost: int, reduction: str) -> None:
    x, y = torch.rand(3, 4) * 0.8 + 0.1, torch.rand(3, 4)
    assert both(lambda x, y: loss(x, y, reduction=reduction), x, y).total == cost * E + REDUCE[reduction]


def test_loss_options() -> None:
    x, y, w = torch.rand(3, 4) * 0.8 + 0.1, torch.rand(3, 4), torch.rand(4)
    assert both(lambda x, y: F.binary_cross_entropy(x, y, w), x, y).total == (7 + 1) * E + E
    pos = torch.rand(4)
    assert both(lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=pos), x, y).total == (
        (6 + 3) * E + 4 + E  # pos_weight: 1 + (p − 1)·y scales the log term; p − 1 once per element of p
    )
    assert both(lambda x, y: F.smooth_l1_loss(x, y, beta=0.0), x, y).total == 2 * E + E
    assert both(lambda x, y: F.poisson_nll_loss(x, y, log_input=False), x, y).total == 4 * E + E
    # −y·(x1 − x2) + margin, then max with 0: negate, subtract, multiply, add, max
    assert both(lambda x, y: F.margin_ranking_loss(x, y, torch.ones(3, 4)), x, y).total == 5 * E + E
    var = torch.rand(3, 1) + 0.5
    # var: any(var < 0) (3 compares, 2 ORs), its clamp and its log (3 each)
    assert both(lambda x, y: F.gaussian_nll_loss(x, y, var), x, y).total == 5 * E + (3 + 2 + 3 + 3) + E
    assert both(lambda x, y: F.l1_loss(x, y, reduce=False), x, y).total == 2 * E  # legacy flags
    assert both(lambda x, y: F.mse_loss(x, y, size_average=False), x, y).total == 2 * E + E - 1
    assert both(lambda x, y: F.kl_div(x, y, reduction="batchmean"), x, y).total == 4 * E + E
    assert both(lambda x, y: F.kl_div(x, y, log_target=True), x, y).total == 3 * E + E  # exp(y)·(y − x)


def test_class_losses() -> None:
    logits, target = torch.randn(4, 5), torch.tensor([0, 2, 4, 1])
    m, e = 20, 4
    assert both(lambda x: F.cross_entropy(x, target), logits).total == 3 * m + e  # log_softmax, mean
    w = torch.rand(5)
    assert both(lambda x: F.cross_entropy(x, target, w), logits).total == 3 * m + e + (2 * e - 1)
    probabilities = torch.softmax(torch.randn(4, 5), 1)
    # −(log p·y).sum() / rows: y·log p (m), the sum (m − 1), its negation (1), the divide (1)
    assert both(lambda x, p: F.cross_entropy(x, p), logits, probabilities).total == 3 * m + m + (m - 1) + 1 + 1
    smoothed = 3 * m + (m - e) + 3 * e + e
    assert both(lambda x: F.cross_entropy(x, target, label_smoothing=0.1), logits).total == smoothed
    assert both(lambda x: F.nll_loss(x, target), logits).total == e
    assert both(lambda x: F.nll_loss(x, target, reduction="sum"), logits).total == e - 1
    assert both(lambda x: F.multi_margin_loss(x, target), logits).total == 4 * m + e
    labels = (torch.rand(4, 5) > 0.5).float()
    # two log-sigmoids (3 each), −x, 1 − y, two multiplies, the add, the negation, the mean over C (1)
    assert both(lambda x, y: F.multilabel_soft_margin_loss(x, y), logits, labels).total == 13 * m + e
    margin_targets = torch.tensor([[0, 1, -1, 0, 0]] * 4)
    assert both(lambda x: F.multilabel_margin_loss(x, margin_targets), logits).total == 4 * 4 * (25 // 4) + e


def test_pair_and_triplet_losses() -> None:
    a, p, n = torch.randn(3, 8), torch.randn(3, 8), torch.randn(3, 8)
    distance = 2 * 8 + 2 * 8  # subtract, add eps, then the 2-norm (squares, adds, root)
    assert both(lambda a, p, n: F.triplet_margin_loss(a, p, n), a, p, n).total == 3 * (2 * distance + 3) + 3
    swap = both(lambda a, p, n: F.triplet_margin_loss(a, p, n, swap=True), a, p, n).total
    assert swap == 3 * (3 * distance + 1 + 3) + 3
    assert (
        both(lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n), a, p, n).total == 3 * (2 * distance + 3) + 3
    )
    custom = count_flops(
        lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda u, v: (u - v).abs()),
        a, p, n, engine="eager",
    )  # fmt: skip
    assert [r.flops for r in custom.unrecognized] == [NOT_RECOGNIZED]  # a user's distance is not seen
    y = torch.tensor([1.0, -1.0, 1.0])
    # the cosine: three dot products (2·8 − 1 each), two + eps, the product, its root, the divide; then 1 − cos,
    # cos − margin and its clamp, y = 1 and y = −1 and two selects, the sum: 8
    assert both(lambda a, p: F.cosine_embedding_loss(a, p, y), a, p).total == 3 * (3 * (2 * 8 - 1) + 5 + 8) + 3


def test_ctc_loss() -> None:
    log_probs = torch.randn(10, 2, 5).log_softmax(2)
    targets = torch.tensor([[1, 2, 3], [1, 1, 0]])
    result = both(lambda lp: F.ctc_loss(lp, targets, [10, 10], [3, 2]), log_probs)
    # 13 per step and label state; 'mean': the target lengths clamped at 1, the divides, the mean (3N)
    assert result.total == 13 * 10 * (2 * 6 + 2) + 3 * 2
    result = both(lambda lp: F.ctc_loss(lp, targets, [10, 10], [3, 2], reduction="sum", zero_infinity=True), log_probs)
    assert result.total == 13 * 10 * (2 * 6 + 2) + 2 * 2 + (2 - 1)  # zero_infinity: loss == ∞ and a select


# ---------------------------------------------------------------------------------------------
# Distances
# ---------------------------------------------------------------------------------------------


def test_distances() -> None:
    x1, x2 = torch.randn(4, 6), torch.randn(4, 6)
    # per row of 6: two 2-norms (2·6 each), two clamps at eps, two divides (6 each), the product (6), its sum (5)
    assert both(lambda a, b: F.cosine_similarity(a, b), x1, x2).total == 4 * (2 * 12 + 2 + 2 * 6 + 6 + 5)
    assert both(lambda a, b: F.pairwise_distance(a, b), x1, x2).total == 4 * (2 * 6 + 2 * 6)
    assert both(lambda a, b: F.pairwise_distance(a, b, p=1), x1, x2).total == 4 * (2 * 6 + 2 * 6 - 1)
    assert both(lambda a: F.pdist(a), x1).total == 6 * (6 + 2 * 6)  # 4·3/2 pairs
    assert both(lambda a, b: torch.cdist(a, b), x1, torch.randn(5, 6)).total == 20 * (6 + 2 * 6)
    assert both(lambda a, b: torch.dist(a, b), x1, x2).total == 24 + 2 * 24


# ---------------------------------------------------------------------------------------------
# Module and function forms agree (the nn pack's module rule against the functions its forward calls)
# ---------------------------------------------------------------------------------------------


def t(*shape: int) -> torch.Tensor:
    return torch.rand(*shape) * 0.8 + 0.1


MODULES: list[Any] = [
    # activations
    *[pytest.param(cls(), (t(2, 3, 4),), id=cls.__name__) for cls in (
        nn.ReLU, nn.ReLU6, nn.Hardtanh, nn.LeakyReLU, nn.RReLU, nn.GELU, nn.ELU, nn.CELU, nn.SELU, nn.Sigmoid,
        nn.Tanh, nn.SiLU, nn.Mish, nn.Softplus, nn.Softsign, nn.Softshrink, nn.Hardshrink, nn.Tanhshrink,
        nn.LogSigmoid, nn.Hardsigmoid, nn.Hardswish, nn.PReLU, nn.GLU, nn.LogSoftmax, nn.Softmin,
    )],
    pytest.param(nn.Threshold(0.5, 0.0), (t(2, 3, 4),), id="Threshold"),
    pytest.param(nn.Softmax(1), (t(2, 3, 4),), id="Softmax"),
    pytest.param(nn.Softmax2d(), (t(2, 3, 4, 4),), id="Softmax2d"),
    # norms
    pytest.param(nn.LayerNorm(4), (t(2, 3, 4),), id="LayerNorm"),
    pytest.param(nn.LayerNorm(4, bias=False), (t(2, 3, 4),), id="LayerNorm-no-bias"),
    pytest.param(nn.GroupNorm(2, 4), (t(2, 4, 3, 3),), id="GroupNorm"),
    pytest.param(nn.BatchNorm2d(4), (t(2, 4, 3, 3),), id="BatchNorm2d"),
    pytest.param(nn.BatchNorm2d(4, affine=False), (t(2, 4, 3, 3),), id="BatchNorm2d-no-affine"),
    pytest.param(nn.InstanceNorm2d(4, affine=True), (t(2, 4, 3, 3),), id="InstanceNorm2d"),
    pytest.param(nn.InstanceNorm1d(4, track_running_stats=True), (t(2, 4, 5),), id="InstanceNorm1d-running"),
    pytest.param(nn.RMSNorm(4), (t(2, 3, 4),), id="RMSNorm"),
    pytest.param(nn.LocalResponseNorm(3), (t(2, 4, 3, 3),), id="LocalResponseNorm"),
    # pooling
    pytest.param(nn.MaxPool2d(3, 1, 1), (t(1, 2, 6, 6),), id="MaxPool2d-int"),
    pytest.param(nn.AvgPool2d((2, 2)), (t(1, 2, 6, 6),), id="AvgPool2d-tuple"),
    pytest.param(nn.AdaptiveAvgPool2d((4, 3)), (t(1, 2, 6, 6),), id="AdaptiveAvgPool2d"),
    pytest.param(nn.AdaptiveMaxPool1d(3), (t(1, 2, 8),), id="AdaptiveMaxPool1d"),
    pytest.param(nn.LPPool2d(2, 2), (t(1, 2, 6, 6),), id="LPPool2d"),
    # contractions, attention, recurrent
    pytest.param(nn.Linear(4, 3), (t(2, 4),), id="Linear"),
    pytest.param(nn.Bilinear(3, 4, 5), (t(2, 3), t(2, 4)), id="Bilinear"),
    pytest.param(nn.Conv2d(2, 4, 3, groups=2), (t(1, 2, 6, 6),), id="Conv2d"),
    pytest.param(nn.ConvTranspose2d(2, 3, 3, stride=2), (t(1, 2, 4, 4),), id="ConvTranspose2d"),
    pytest.param(nn.MultiheadAttention(8, 2), (t(5, 2, 8), t(6, 2, 8), t(6, 2, 8)), id="MultiheadAttention"),
    pytest.param(nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3), (t(5, 2, 4),), id="LSTM"),
    pytest.param(nn.GRU(4, 6, bias=False), (t(5, 2, 4),), id="GRU"),
    pytest.param(nn.RNN(4, 6, nonlinearity="relu"), (t(5, 4),), id="RNN"),
    pytest.param(nn.LSTMCell(4, 6), (t(2, 4),), id="LSTMCell"),
    # embeddings, distances, data movement
    pytest.param(nn.EmbeddingBag(10, 4, mode="sum"), (torch.tensor([[1, 2], [3, 4]]),), id="EmbeddingBag"),
    pytest.param(nn.CosineSimilarity(), (t(4, 6), t(4, 6)), id="CosineSimilarity"),
    pytest.param(nn.PairwiseDistance(), (t(4, 6), t(4, 6)), id="PairwiseDistance"),
    pytest.param(nn.Fold((4, 4), 2), (t(1, 8, 9),), id="Fold"),
    pytest.param(nn.Unfold(2), (t(1, 2, 4, 4),), id="Unfold"),
    pytest.param(nn.PixelShuffle(2), (t(1, 4, 2, 2),), id="PixelShuffle"),
    pytest.param(nn.ZeroPad2d(1), (t(1, 2, 3, 3),), id="ZeroPad2d"),
    pytest.param(nn.Upsample(scale_factor=2), (t(1, 2, 3, 3),), id="Upsample"),
    pytest.param(nn.Upsample(scale_factor=2, mode="bilinear"), (t(1, 2, 3, 3),), id="Upsample-bilinear"),
    pytest.param(nn.Upsample(size=(2, 4), mode="area"), (t(1, 2, 4, 6),), id="Upsample-area"),
    # losses
    *[pytest.param(cls(), (t(3, 4), t(3, 4)), id=cls.__name__) for cls in (
        nn.L1Loss, nn.MSELoss, nn.HuberLoss, nn.SmoothL1Loss, nn.SoftMarginLoss, nn.KLDivLoss, nn.BCELoss,
        nn.BCEWithLogitsLoss, nn.PoissonNLLLoss, nn.MultiLabelSoftMarginLoss,
    )],
    pytest.param(nn.BCEWithLogitsLoss(pos_weight=t(4)), (t(3, 4), t(3, 4)), id="BCEWithLogitsLoss-pos_weight"),
    pytest.param(nn.GaussianNLLLoss(), (t(3, 4), t(3, 4), t(3, 1)), id="GaussianNLLLoss"),
    pytest.param(nn.CrossEntropyLoss(label_smoothing=0.1), (t(4, 5), torch.tensor([0, 1, 2, 3])), id="CrossEntropy"),
    pytest.param(nn.NLLLoss(weight=t(5)), (t(4, 5), torch.tensor([0, 1, 2, 3])), id="NLLLoss-weight"),
    pytest.param(nn.MultiMarginLoss(p=2), (t(4, 5), torch.tensor([0, 1, 2, 3])), id="MultiMarginLoss"),
    pytest.param(nn.MarginRankingLoss(), (t(3, 4), t(3, 4), t(3, 4)), id="MarginRankingLoss"),
    pytest.param(nn.TripletMarginLoss(swap=True), (t(3, 8), t(3, 8), t(3, 8)), id="TripletMarginLoss"),
    pytest.param(nn.TripletMarginWithDistanceLoss(), (t(3, 8), t(3, 8), t(3, 8)), id="TripletWithDistance"),
    pytest.param(nn.CosineEmbeddingLoss(), (t(3, 8), t(3, 8), torch.tensor([1.0, -1.0, 1.0])), id="CosineEmbedding"),
]  # fmt: skip


@pytest.mark.parametrize(("module", "inputs"), MODULES)
def test_module_and_function_forms_count_the_same(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
    module.eval()
    torch.manual_seed(0)
    as_module = count_flops(module, *inputs, engine="eager")
    assert [(r.kind, r.plugin) for r in calls(as_module)] == [("call_module", "nn")]  # one op
    torch.manual_seed(0)
    as_functions = count_flops(module, *inputs, engine="eager", disable=["nn"])
    assert as_functions.unrecognized == []
    assert {r.plugin for r in as_functions.ops if r.kind != "call_module"} <= {"functional", None}
    assert (as_functions.total, as_functions.total_macs) == (as_module.total, as_module.total_macs)


@pytest.mark.parametrize(("norm_type", "per_row"), [(2.0, 2 * 4), (1.0, 2 * 4 - 1), (3.0, 3 * 4)])
def test_f_embedding_max_norm_counts_each_looked_up_row_norm_and_compare(norm_type: float, per_row: int) -> None:
    weight, indices = torch.randn(10, 4), torch.tensor([[1, 2, 3], [4, 5, 6]])
    result = both(lambda i: F.embedding(i, weight, max_norm=1.0, norm_type=norm_type), indices)
    assert result.total == 6 * (per_row + 1)
    assert both(lambda i: F.embedding(i, weight), indices).total == 0
