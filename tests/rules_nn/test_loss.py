"""Loss and distance modules (docs/conventions.md).

A loss costs its per-element formula on E elements (what reduction='none' returns), then the
reduction: 'none' 0, 'sum' E − 1 adds, 'mean' and 'batchmean' E − 1 adds and 1 divide; a
class-weighted mean (NLLLoss, CrossEntropyLoss with weight) also sums the E weights: 2E − 1.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from helpers import calls, count_module
from torch import nn

from torch_flops_core import NOT_RECOGNIZED, count_flops

REDUCTIONS = ["none", "sum", "mean"]


def reduce(e: int, reduction: str, weighted: bool = False) -> int:
    if reduction == "none":
        return 0
    if reduction == "sum":
        return e - 1
    return 2 * e - 1 if weighted else e


def p_norm(p: float, d: int) -> int:
    """A p-norm of d elements: p = 2 d squares, d − 1 adds, 1 root; p = 1, ∞ d abs, d − 1 adds/compares; else 3d."""
    if p == 2:
        return d + (d - 1) + 1
    if p in (1, math.inf):
        return d + (d - 1)
    return d + d + (d - 1) + 1


def pairwise(p: float, d: int) -> int:
    return d + d + p_norm(p, d)  # x1 − x2, + eps, norm


def cosine(d: int) -> int:
    # torch divides each vector by its clamped norm first: two norms (2d each), two clamps at eps, two divides
    # (d each), the product (d), its sum (d − 1)
    return 2 * (2 * d) + 2 + 2 * d + d + (d - 1)


def embedding_cosine(d: int) -> int:
    # cosine_embedding_loss's own cosine: x1·x2, x1·x1 + ε, x2·x2 + ε (2d − 1 each, 2 adds of ε), their product,
    # its square root, the divide
    return 3 * (2 * d - 1) + 2 + 1 + 1 + 1


# ---------------------------------------------------------------------------------------------
# Element-wise losses
# ---------------------------------------------------------------------------------------------

POINTWISE = [
    # (module factory, FLOPs per element, number of inputs, the per-element formula)
    pytest.param(nn.L1Loss, 2, 2, id="L1Loss-|x−y|"),
    pytest.param(nn.MSELoss, 2, 2, id="MSELoss-(x−y)²"),
    pytest.param(nn.HuberLoss, 5, 2, id="HuberLoss-d,|d|,compare,2"),
    pytest.param(lambda **kw: nn.HuberLoss(delta=0.5, **kw), 5, 2, id="HuberLoss-delta"),
    pytest.param(nn.SmoothL1Loss, 5, 2, id="SmoothL1Loss-d,|d|,compare,2"),
    pytest.param(lambda **kw: nn.SmoothL1Loss(beta=0.0, **kw), 2, 2, id="SmoothL1Loss-beta0-is-L1"),
    pytest.param(nn.SoftMarginLoss, 4, 2, id="SoftMarginLoss-log(1+exp(−yx))"),
    # where(y ≠ 1, max(margin − x, 0), 0) + where(y ≠ −1, x, 0): subtract, max, 2 compares, 2 selects, add
    pytest.param(nn.HingeEmbeddingLoss, 7, 2, id="HingeEmbeddingLoss"),
    # negate y, subtract, multiply, add margin, max
    pytest.param(nn.MarginRankingLoss, 5, 3, id="MarginRankingLoss-max(0,−y(x1−x2)+m)"),
    pytest.param(nn.BCELoss, 7, 2, id="BCELoss"),
    pytest.param(lambda **kw: nn.BCELoss(weight=torch.rand(4), **kw), 8, 2, id="BCELoss-weight"),
    pytest.param(nn.BCEWithLogitsLoss, 6, 2, id="BCEWithLogitsLoss"),
    pytest.param(lambda **kw: nn.BCEWithLogitsLoss(weight=torch.rand(4), **kw), 7, 2, id="BCEWithLogitsLoss-weight"),
    pytest.param(nn.KLDivLoss, 2 + 1 + 1, 2, id="KLDivLoss-xlogy(y,y)−y·x"),
    pytest.param(lambda **kw: nn.KLDivLoss(log_target=True, **kw), 3, 2, id="KLDivLoss-log-target"),
    pytest.param(nn.PoissonNLLLoss, 3, 2, id="PoissonNLLLoss-exp(x)−yx"),
    pytest.param(lambda **kw: nn.PoissonNLLLoss(log_input=False, **kw), 4, 2, id="PoissonNLLLoss-x−y·log(x+eps)"),
    # Stirling's y·log y − y + 0.5·log(2π·y) (7), masked where y ≤ 1 (compare, select) and added: 10
    pytest.param(lambda **kw: nn.PoissonNLLLoss(full=True, **kw), 3 + 10, 2, id="PoissonNLLLoss-full"),
]


def positive(shape: tuple[int, ...]) -> torch.Tensor:
    return torch.rand(shape) * 0.8 + 0.1


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss:UserWarning")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize(("make", "per_element", "inputs"), POINTWISE)
def test_pointwise_loss(make: Any, per_element: int, inputs: int, shape: tuple[int, ...], reduction: str) -> None:
    module = make(reduction=reduction)
    if isinstance(getattr(module, "weight", None), torch.Tensor):
        module.weight = torch.rand(shape[-1])
    op = count_module(module, *(positive(shape) for _ in range(inputs)))
    e = math.prod(shape)
    assert op.flops == per_element * e + reduce(e, reduction)


def test_kl_div_batchmean_sums_then_divides_once() -> None:
    e = 3 * 4
    assert count_module(nn.KLDivLoss(reduction="batchmean"), positive((3, 4)), positive((3, 4))).flops == 4 * e + e


def test_margin_ranking_broadcasts() -> None:
    op = count_module(nn.MarginRankingLoss(reduction="none"), torch.randn(4, 1), torch.randn(1, 5), torch.randn(4, 5))
    assert op.flops == 5 * 20


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_shape", [(4,), (3, 4)])
def test_bce_with_logits_pos_weight(pos_shape: tuple[int, ...], reduction: str) -> None:
    module = nn.BCEWithLogitsLoss(pos_weight=torch.rand(pos_shape), reduction=reduction)
    op = count_module(module, torch.randn(3, 4), torch.rand(3, 4))
    e = 12
    # (1 − y)·x + log(1 + exp(−x)) scaled by 1 + (p − 1)·y: 6 + 3 per element, p − 1 per pos_weight element
    assert op.flops == (6 + 3) * e + math.prod(pos_shape) + reduce(e, reduction)


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(3, 4), (3, 1), (3,)], ids=str)
def test_gaussian_nll_loss(var_shape: tuple[int, ...], reduction: str, full: bool) -> None:
    module = nn.GaussianNLLLoss(full=full, reduction=reduction)
    op = count_module(module, torch.randn(3, 4), torch.randn(3, 4), positive(var_shape))
    e = 12
    # 0.5·(log var + (x − y)²/var): subtract, square, divide, add, halve per element (+ log 2π/2 with full);
    # var: the check any(var < 0) (v compares, v − 1 ORs), its clamp and its log (v each)
    v = math.prod(var_shape)
    assert op.flops == (5 + full) * e + (v + v - 1) + 2 * v + reduce(e, reduction)


# ---------------------------------------------------------------------------------------------
# Class losses
# ---------------------------------------------------------------------------------------------

CLASS_SHAPES = [
    # (input shape, target shape)
    pytest.param((3, 5), (3,), id="batch"),
    pytest.param((5,), (), id="unbatched"),
    pytest.param((2, 5, 3, 3), (2, 3, 3), id="spatial"),
]


@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), CLASS_SHAPES)
def test_nll_loss(shape: tuple, target_shape: tuple, reduction: str, weighted: bool) -> None:
    module = nn.NLLLoss(weight=torch.rand(5) if weighted else None, reduction=reduction)
    op = count_module(module, torch.randn(shape).log_softmax(-1), torch.randint(0, 5, target_shape))
    e = math.prod(target_shape)
    assert op.flops == (e if weighted else 0) + reduce(e, reduction, weighted)


def test_nll_loss_2d_is_nll_loss() -> None:
    with pytest.warns(FutureWarning):
        module = nn.NLLLoss2d()
    op = count_module(module, torch.randn(2, 5, 3, 3), torch.randint(0, 5, (2, 3, 3)))
    assert op.flops == 18


@pytest.mark.parametrize("smoothing", [0.0, 0.1], ids=["", "smoothing"])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), CLASS_SHAPES)
def test_cross_entropy_with_class_indices(
    shape: tuple, target_shape: tuple, reduction: str, weighted: bool, smoothing: float
) -> None:
    module = nn.CrossEntropyLoss(
        weight=torch.rand(5) if weighted else None, reduction=reduction, label_smoothing=smoothing
    )
    op = count_module(module, torch.randn(shape), torch.randint(0, 5, target_shape))
    m, e = math.prod(shape), math.prod(target_shape)
    expected = 3 * m  # log_softmax
    expected += e if weighted else 0  # weight of each picked log-probability
    if smoothing:  # −Σ_c w_c·log p_c per row, then (1 − ε)·nll + ε/C·smooth
        expected += (m - e) + (m if weighted else 0) + 3 * e
    assert op.flops == expected + reduce(e, reduction, weighted)
    assert op.rule == "torch_flops_rules_nn.loss.cross_entropy_loss"


@pytest.mark.parametrize("smoothing", [0.0, 0.2], ids=["", "smoothing"])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(3, 5), (2, 5, 4)], ids=str)
def test_cross_entropy_with_class_probabilities(shape: tuple, reduction: str, weighted: bool, smoothing: float) -> None:
    module = nn.CrossEntropyLoss(
        weight=torch.rand(5) if weighted else None, reduction=reduction, label_smoothing=smoothing
    )
    op = count_module(module, torch.randn(shape), torch.randn(shape).softmax(1))
    m = math.prod(shape)
    e = m // 5
    # log_softmax 3M, y·log p M, the weights M, the sum over classes M − E, smoothing y·(1 − ε) + ε/C 2M, the
    # negation torch applies after its sum (of the E row losses with 'none', of the one total otherwise)
    expected = 3 * m + m + (m if weighted else 0) + (m - e) + (2 * m if smoothing else 0)
    expected += e if reduction == "none" else 1
    assert op.flops == expected + reduce(e, reduction)


def test_cross_entropy_worked_example() -> None:
    # 3 rows of 5 classes, class indices, mean: log_softmax 45, mean of 3 losses 3
    assert count_module(nn.CrossEntropyLoss(), torch.randn(3, 5), torch.randint(0, 5, (3,))).flops == 48


@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(reduction: str, weighted: bool) -> None:
    module = nn.MultiLabelSoftMarginLoss(weight=torch.rand(5) if weighted else None, reduction=reduction)
    op = count_module(module, torch.randn(3, 5), torch.randint(0, 2, (3, 5)).float())
    m, rows = 15, 3
    # −(y·logsigmoid(x) + (1 − y)·logsigmoid(−x)): two log-sigmoids (3 each), −x, 1 − y, two multiplies, the add,
    # the negation; the weight; then the mean over 5 classes (1 per element)
    assert op.flops == (2 * 3 + 6 + weighted + 1) * m + reduce(rows, reduction)


@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "target_shape"), [((3, 5), (3,)), ((5,), ())], ids=["batch", "unbatched"])
def test_multi_margin_loss(shape: tuple, target_shape: tuple, reduction: str, p: int, weighted: bool) -> None:
    module = nn.MultiMarginLoss(p=p, weight=torch.rand(5) if weighted else None, reduction=reduction)
    op = count_module(module, torch.randn(shape), torch.randint(0, 5, target_shape))
    m, rows = math.prod(shape), math.prod(target_shape)
    # per class: margin − x_y + x_i, max, square when p = 2, weight; the mean over classes: 1
    assert op.flops == (3 + (p == 2) + weighted + 1) * m + reduce(rows, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "rows"), [((2, 4), 2), ((5,), 1), ((3, 7), 3)], ids=str)
def test_multilabel_margin_loss_upper_bound(shape: tuple, rows: int, reduction: str) -> None:
    c = shape[-1]
    target = torch.full(shape, -1)
    op = count_module(nn.MultiLabelMarginLoss(reduction=reduction), torch.randn(shape), target)
    pairs = (c // 2) * (c - c // 2)  # t targets and C − t others: at most ⌊C/2⌋·⌈C/2⌉ = ⌊C²/4⌋ pairs
    assert op.flops == rows * 4 * pairs + reduce(rows, reduction)


# ---------------------------------------------------------------------------------------------
# Distances and the losses built on them
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 3.0])
@pytest.mark.parametrize(("s1", "s2"), [((3, 4), (3, 4)), ((4,), (4,)), ((2, 3, 5), (1, 5))], ids=str)
def test_pairwise_distance(s1: tuple, s2: tuple, p: float, keepdim: bool) -> None:
    module = nn.PairwiseDistance(p=p, keepdim=keepdim)
    x1, x2 = torch.randn(s1), torch.randn(s2)
    op = count_module(module, x1, x2)
    shape = torch.broadcast_shapes(s1, s2)
    rows, d = math.prod(shape[:-1]), shape[-1]
    assert op.flops == rows * pairwise(p, d)


@pytest.mark.parametrize(("dim", "s1", "s2"), [(1, (3, 4), (3, 4)), (-1, (2, 3, 5), (2, 3, 5)), (0, (6, 2), (6, 1))])
def test_cosine_similarity(dim: int, s1: tuple, s2: tuple) -> None:
    op = count_module(nn.CosineSimilarity(dim), torch.randn(s1), torch.randn(s2))
    shape = torch.broadcast_shapes(s1, s2)
    d = shape[dim]
    assert op.flops == math.prod(shape) // d * cosine(d)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "rows"), [((3, 4), 3), ((6,), 1)], ids=str)
def test_cosine_embedding_loss(shape: tuple, rows: int, reduction: str) -> None:
    y = torch.ones(shape[:-1])
    op = count_module(nn.CosineEmbeddingLoss(reduction=reduction), torch.randn(shape), torch.randn(shape), y)
    # the cosine, then 1 − cos, cos − margin, its clamp at 0, the compares y = 1 and y = −1, two selects, their sum
    assert op.flops == rows * (embedding_cosine(shape[-1]) + 8) + reduce(rows, reduction)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [2.0, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_loss(reduction: str, p: float, swap: bool) -> None:
    module = nn.TripletMarginLoss(p=p, swap=swap, reduction=reduction)
    op = count_module(module, torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4))
    rows, d = 3, 4
    distances = (3 if swap else 2) * pairwise(p, d) + (1 if swap else 0)  # the swap takes a min
    assert op.flops == rows * (distances + 3) + reduce(rows, reduction)  # max(d_ap − d_an + margin, 0)


@pytest.mark.parametrize(
    ("distance", "p"), [(None, 2.0), (nn.PairwiseDistance(), 2.0), (nn.PairwiseDistance(p=1.0), 1.0)], ids=str
)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(distance: nn.Module | None, p: float, swap: bool) -> None:
    module = nn.TripletMarginWithDistanceLoss(distance_function=distance, swap=swap)
    op = count_module(module, torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4))
    assert op.flops == 3 * ((3 if swap else 2) * pairwise(p, 4) + swap + 3) + 3


def test_triplet_margin_with_a_custom_distance_is_not_recognized() -> None:
    module = nn.TripletMarginWithDistanceLoss(distance_function=lambda a, b: (a - b).abs().sum(-1))
    result = count_flops(module, torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4))
    (op,) = calls(result)
    assert op.flops is NOT_RECOGNIZED
    assert op.plugin == "nn"


# ---------------------------------------------------------------------------------------------
# CTC, adaptive softmax, linear cross entropy
# ---------------------------------------------------------------------------------------------

# log-sum-exp of 3 predecessors (2 compares, 3 subtracts, 3 exps, 2 adds, a log, the max added back), the emission
CTC_STATE = 2 + 3 + 3 + 2 + 1 + 1 + 1


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("padded", [True, False], ids=["padded-targets", "concatenated-targets"])
def test_ctc_loss(padded: bool, reduction: str, zero_infinity: bool) -> None:
    steps, batch, classes, lengths = 12, 3, 6, (4, 2, 3)
    log_probs = torch.randn(steps, batch, classes).log_softmax(2)
    targets = torch.randint(1, classes, (batch, max(lengths)) if padded else (sum(lengths),))
    module = nn.CTCLoss(reduction=reduction, zero_infinity=zero_infinity)
    op = count_module(module, log_probs, targets, (steps,) * batch, lengths)
    states = 2 * targets.numel() + batch  # 2S + 1 per sequence, S at its padded length
    # mean: the lengths clamped at 1, ÷ lengths, then the mean
    reduction_flops = {"none": 0, "sum": batch - 1, "mean": 3 * batch}[reduction]
    # zero_infinity: loss == ∞ and the select of 0, after the kernel
    assert op.flops == CTC_STATE * steps * states + (2 * batch if zero_infinity else 0) + reduction_flops


def test_adaptive_log_softmax_with_loss_upper_bound() -> None:
    module = nn.AdaptiveLogSoftmaxWithLoss(8, 30, [6, 14], div_value=2.0)
    rows = 5
    op = count_module(module, torch.randn(rows, 8), torch.randint(0, 30, (rows,)))
    head = 6 + 2  # shortlist + clusters
    head_flops = (2 * 8 - 1) * rows * head + 3 * rows * head  # linear (no bias), log_softmax
    # tails: cluster i projects 8 → 8 / 2^(i+1), then to its classes; the costliest one counts for every row
    tails = [(4, 14 - 6), (2, 30 - 14)]
    tail_flops = [(2 * 8 - 1) * rows * h + (2 * h - 1) * rows * osz + 3 * rows * osz for h, osz in tails]
    worst = max(range(2), key=lambda i: tail_flops[i])
    assert op.flops == head_flops + tail_flops[worst] + 2 * rows
    h, osz = tails[worst]
    assert op.macs == rows * head * 8 + rows * h * 8 + rows * osz * h


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize(
    ("out_features", "shape", "target_shape"),
    [((), (3, 5), (3,)), ((4, 2), (3, 5), (3, 4, 2)), ((), (5,), ())],
    ids=["plain", "out-features", "unbatched"],
)
def test_linear_cross_entropy_loss(out_features: tuple, shape: tuple, target_shape: tuple, bias: bool) -> None:
    module = nn.LinearCrossEntropyLoss(5, 7, out_features=out_features, bias=bias)
    op = count_module(module, torch.randn(shape), torch.randint(0, 7, target_shape))
    m = math.prod(shape[:-1]) * 7 * math.prod(out_features)  # logits
    e = m // 7
    linear = (2 * 5 - 1) * m + (m if bias else 0)
    assert op.flops == linear + 3 * m + reduce(e, "mean")
    assert op.macs == 5 * m
