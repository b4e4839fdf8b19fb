"""Loss modules. Each costs its per-element loss, then the reduction.

E is the number of per-element losses (what ``reduction='none'`` returns). Reducing them costs
``'none'`` 0, ``'sum'`` E − 1 adds, ``'mean'`` (and KLDivLoss's ``'batchmean'``) E − 1 adds and one
divide; a class-weighted ``'mean'`` (NLLLoss, CrossEntropyLoss with ``weight``) also sums the E
weights: 2E − 1. Formulas and the reason for each choice: docs/conventions.md.
"""

from __future__ import annotations

from typing import Any, Final

import torch
from torch import nn

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry, shapes
from torch_flops_core.formulas import (
    LOSS_COSTS,
    binary_cross_entropy_with_logits,
    contraction,
    cosine_embedding,
    cross_entropy,
    ctc,
    ctc_reduction,
    elementwise,
    gaussian_nll,
    log_softmax,
    loss_reduction,
    multi_margin,
    multilabel_margin,
    multilabel_soft_margin,
    pairwise_distance,
    poisson_nll,
    total,
    triplet_margin,
)
from torch_flops_core.shapes import broadcast_numel, numel

__all__ = ["POINTWISE", "register"]


def _elements(call: Call, *names: str) -> int:
    """E of a loss whose first arguments (named `names`) broadcast together element by element."""
    args = call.arguments()
    return broadcast_numel(*(args[name] for name in names))


POINTWISE: Final[dict[type[nn.Module], int]] = {
    nn.L1Loss: LOSS_COSTS["l1_loss"],
    nn.MSELoss: LOSS_COSTS["mse_loss"],
    nn.HuberLoss: LOSS_COSTS["huber_loss"],
    nn.SoftMarginLoss: LOSS_COSTS["soft_margin_loss"],
    nn.HingeEmbeddingLoss: LOSS_COSTS["hinge_embedding_loss"],
    nn.MarginRankingLoss: LOSS_COSTS["margin_ranking_loss"],
}
"""FLOPs per element of the losses that are one element-wise formula of broadcast inputs: the values of
``torch_flops_core.formulas.LOSS_COSTS`` for their functions, so ``nn.MSELoss`` counts what ``F.mse_loss`` counts."""


def pointwise_loss(call: Call) -> int:
    """L1, MSE, Huber, SoftMargin, HingeEmbedding, MarginRanking: c·E + reduction; c = POINTWISE[class]."""
    module = call.module_as(nn.modules.loss._Loss)
    cls = next(c for c in type(module).__mro__ if c in POINTWISE)
    names = ("input1", "input2", "target") if cls is nn.MarginRankingLoss else ("input", "target")
    e = _elements(call, *names)
    return elementwise(POINTWISE[cls], e) + loss_reduction(e, module.reduction)


def smooth_l1_loss(call: Call) -> int:
    """SmoothL1Loss: 5·E + reduction (d, |d|, compare, 0.5·d²/beta counted as d·d·(0.5/beta)); beta = 0: 2·E (L1)."""
    module = call.module_as(nn.SmoothL1Loss)
    e = _elements(call, "input", "target")
    per_element = LOSS_COSTS["smooth_l1_loss"] if module.beta > 0 else LOSS_COSTS["l1_loss"]
    return elementwise(per_element, e) + loss_reduction(e, module.reduction)


def bce_loss(call: Call) -> int:
    """BCELoss: (7 + [weight])·E + reduction: −(y·log x + (1 − y)·log(1 − x)), then ·weight."""
    module = call.module_as(nn.BCELoss)
    e = _elements(call, "input", "target")
    per_element = LOSS_COSTS["binary_cross_entropy"] + (module.weight is not None)
    return elementwise(per_element, e) + loss_reduction(e, module.reduction)


def bce_with_logits_loss(call: Call) -> int:
    """BCEWithLogitsLoss: (6 + [weight] + 3·[pos_weight])·E + numel(pos_weight)·[pos_weight] + reduction.

    (1 − y)·x + log(1 + exp(−x)): 6. pos_weight p scales the log term by 1 + (p − 1)·y: p − 1 once
    per pos_weight element, then a multiply, an add and the scaling per element.
    """
    module = call.module_as(nn.BCEWithLogitsLoss)
    e = _elements(call, "input", "target")
    pos = module.pos_weight
    flops = binary_cross_entropy_with_logits(e, module.weight is not None, None if pos is None else numel(pos))
    return flops + loss_reduction(e, module.reduction)


def kl_div_loss(call: Call) -> int:
    """KLDivLoss: 4·E + reduction: xlogy(y, y) − y·x; with log_target exp(y)·(y − x), 3·E."""
    module = call.module_as(nn.KLDivLoss)
    e = _elements(call, "input", "target")
    return elementwise(LOSS_COSTS["kl_div"] - module.log_target, e) + loss_reduction(e, module.reduction)


def poisson_nll_loss(call: Call) -> int:
    """PoissonNLLLoss: (3 or 4 + 10·[full])·E + reduction: exp(x) − y·x (log_input) or x − y·log(x + eps)."""
    module = call.module_as(nn.PoissonNLLLoss)
    e = _elements(call, "log_input", "target")
    # full adds Stirling's y·log y − y + 0.5·log(2π·y) (7), masked where y ≤ 1 (compare, select) and added: 10
    return poisson_nll(e, module.log_input, module.full) + loss_reduction(e, module.reduction)


def gaussian_nll_loss(call: Call) -> int:
    """GaussianNLLLoss: (5 + [full])·E + 4·numel(var) − 1 + reduction: 0.5·(log var + (x − y)²/var); var: the check
    any(var < 0), the clamp, the log; a float var: 3·E (formulas.gaussian_nll)."""
    module = call.module_as(nn.GaussianNLLLoss)
    e = _elements(call, "input", "target")
    var = call.arguments()["var"]
    flops = gaussian_nll(e, var.numel() if isinstance(var, torch.Tensor) else None, module.full)
    return flops + loss_reduction(e, module.reduction)


def _classes(x: torch.Tensor) -> int:
    """C of a class-score input: dim 1, or dim 0 of an unbatched (C,) input."""
    return x.shape[1] if x.dim() >= 2 else x.shape[0]


def nll_loss(call: Call) -> int:
    """NLLLoss: [weight]·E + reduction (picking −log p of the target is free); E = numel(target)."""
    module = call.module_as(nn.NLLLoss)
    e = numel(call.arguments()["target"])
    weighted = module.weight is not None
    return elementwise(int(weighted), e) + loss_reduction(e, module.reduction, weighted)


def _cross_entropy(logits: torch.Tensor, target: torch.Tensor, module: Any) -> int:
    """Cross entropy of class scores (M = numel, C classes, E = M/C) against indices or probabilities."""
    m = logits.numel()
    classes = _classes(logits) if m else 0
    weighted, smoothing = module.weight is not None, module.label_smoothing > 0
    return cross_entropy(m, classes, target.is_floating_point(), weighted, smoothing, module.reduction)


def cross_entropy_loss(call: Call) -> int:
    """CrossEntropyLoss: 3·M (log_softmax) + the NLL part + label smoothing + reduction; M = numel(input)."""
    module = call.module_as(nn.CrossEntropyLoss)
    args = call.arguments()
    return _cross_entropy(args["input"], args["target"], module)


def multilabel_soft_margin_loss(call: Call) -> int:
    """MultiLabelSoftMarginLoss: (13 + [weight])·M + reduction over rows; M = numel(input)
    (formulas.multilabel_soft_margin: two log-sigmoids, −x, 1 − y, two multiplies, the add and the negation, the
    mean over C)."""
    module = call.module_as(nn.MultiLabelSoftMarginLoss)
    x = call.arguments()["input"]
    m = x.numel()
    rows = shapes.rows(m, x.shape[-1])
    return multilabel_soft_margin(m, module.weight is not None) + loss_reduction(rows, module.reduction)


def multi_margin_loss(call: Call) -> int:
    """MultiMarginLoss: (4 + [p = 2] + [weight])·M + reduction over rows; M = numel(input)."""
    module = call.module_as(nn.MultiMarginLoss)
    x = call.arguments()["input"]
    m = x.numel()
    rows = shapes.rows(m, _classes(x)) if m else 0
    return multi_margin(m, module.p, module.weight is not None) + loss_reduction(rows, module.reduction)


def multilabel_margin_loss(call: Call) -> int:
    """MultiLabelMarginLoss: 4·⌊C²/4⌋ per row + reduction: an upper bound (the number of targets is a value)."""
    module = call.module_as(nn.MultiLabelMarginLoss)
    x = call.arguments()["input"]
    c = x.shape[-1]
    rows = shapes.rows(x.numel(), c)
    return multilabel_margin(rows, c) + loss_reduction(rows, module.reduction)


def cosine_embedding_loss(call: Call) -> int:
    """CosineEmbeddingLoss: (6D + 10)·R + reduction: the cosine (6D + 2), then 1 − cos, max(0, cos − margin), the
    two compares with the target, two selects and their sum (8) (formulas.cosine_embedding)."""
    module = call.module_as(nn.CosineEmbeddingLoss)
    x1 = call.arguments()["input1"]
    d = x1.shape[-1] if x1.dim() else 1
    rows = shapes.rows(x1.numel(), d)
    return elementwise(cosine_embedding(d), rows) + loss_reduction(rows, module.reduction)


def _triplet(call: Call, reduction: str, distance: int, swap: bool) -> int:
    """A triplet loss with a distance of `distance` FLOPs per row: 2 distances (3 with swap, + a min), the hinge (3)."""
    anchor = call.arguments()["anchor"]
    rows = shapes.rows(anchor.numel(), anchor.shape[-1])
    return triplet_margin(rows, distance, swap) + loss_reduction(rows, reduction)


def triplet_margin_loss(call: Call) -> int:
    """TripletMarginLoss: R·((2 + [swap])·(2D + norm_p(D)) + [swap] + 3) + reduction; R rows of D."""
    module = call.module_as(nn.TripletMarginLoss)
    d = call.arguments()["anchor"].shape[-1]
    return _triplet(call, module.reduction, pairwise_distance(module.p, d), module.swap)


def triplet_margin_with_distance_loss(call: Call) -> int | NotRecognizedType:
    """TripletMarginWithDistanceLoss: as TripletMarginLoss with the distance's cost; not recognized for a custom one."""
    module = call.module_as(nn.TripletMarginWithDistanceLoss)
    d = call.arguments()["anchor"].shape[-1]
    fn = module.distance_function
    if fn is None or fn is nn.functional.pairwise_distance:
        distance = pairwise_distance(2, d)
    elif isinstance(fn, nn.PairwiseDistance):
        distance = pairwise_distance(fn.norm, d)
    else:  # a user's callable: its cost is unknown here
        return NOT_RECOGNIZED
    return _triplet(call, module.reduction, distance, module.swap)


def ctc_loss(call: Call) -> int:
    """CTCLoss: 13·T·(2·numel(targets) + N) + 2·[zero_infinity]·N + reduction ('mean': 3N, 'sum': N − 1)."""
    module = call.module_as(nn.CTCLoss)
    args = call.arguments()
    log_probs, targets = args["log_probs"], args["targets"]
    steps = log_probs.shape[0]
    batch = log_probs.shape[1] if log_probs.dim() == 3 else 1
    flops = ctc(steps, targets.numel(), batch, module.zero_infinity)
    return flops + ctc_reduction(batch, module.reduction)


def adaptive_log_softmax(call: Call) -> Count | NotRecognizedType:
    """AdaptiveLogSoftmaxWithLoss: head + the costliest cluster for every row + 2·rows: an upper bound.

    Which cluster a row goes through depends on its target's value; the rule counts each row
    through the head (linear, log_softmax) and the costliest tail cluster (two linears,
    log_softmax), plus the rows' gather-add and the mean.
    """
    module = call.module_as(nn.AdaptiveLogSoftmaxWithLoss)
    x = call.arguments()["input_"]
    rows = shapes.rows(x.numel(), module.in_features)
    head_scores = rows * module.head_size  # shape: the head's outputs
    head = total(
        contraction(head_scores, module.in_features, module.head_bias),
        log_softmax(head_scores, module.head_size),
    )
    tails = []
    for tail in module.tail:
        project, classify = tail.children()  # Sequential(Linear(in, h), Linear(h, cluster size)), no biases
        if not (isinstance(project, nn.Linear) and isinstance(classify, nn.Linear)):
            return NOT_RECOGNIZED  # a tail torch did not build (changed after construction): its cost is unknown
        hidden, scores = rows * project.out_features, rows * classify.out_features  # shape: each linear's outputs
        tails.append(
            total(
                contraction(hidden, module.in_features),
                contraction(scores, project.out_features),
                log_softmax(scores, classify.out_features),
            )
        )
    worst = max(tails, key=lambda c: c.flops, default=Count(0))
    return total(head, worst, elementwise(2, rows))


def linear_cross_entropy_loss(call: Call) -> Count:
    """LinearCrossEntropyLoss: the linear to logits (M = rows·C·prod(out_features), K = in_features) + cross entropy."""
    module = call.module_as(nn.LinearCrossEntropyLoss)
    args = call.arguments()
    x, target = args["input"], args["target"]
    logits = torch.empty((*x.shape[:-1], module.num_classes, *module.out_features), device="meta")
    return total(
        contraction(logits.numel(), module.linear.in_features, module.linear.bias is not None),
        _cross_entropy(logits, target, module),
    )


def register(registry: Registry) -> None:
    registry.module(*POINTWISE)(pointwise_loss)
    registry.module(nn.SmoothL1Loss)(smooth_l1_loss)
    registry.module(nn.BCELoss)(bce_loss)
    registry.module(nn.BCEWithLogitsLoss)(bce_with_logits_loss)
    registry.module(nn.KLDivLoss)(kl_div_loss)
    registry.module(nn.PoissonNLLLoss)(poisson_nll_loss)
    registry.module(nn.GaussianNLLLoss)(gaussian_nll_loss)
    registry.module(nn.NLLLoss)(nll_loss)  # NLLLoss2d derives from it
    registry.module(nn.CrossEntropyLoss)(cross_entropy_loss)
    registry.module(nn.MultiLabelSoftMarginLoss)(multilabel_soft_margin_loss)
    registry.module(nn.MultiMarginLoss)(multi_margin_loss)
    registry.module(nn.MultiLabelMarginLoss)(multilabel_margin_loss)
    registry.module(nn.CosineEmbeddingLoss)(cosine_embedding_loss)
    registry.module(nn.TripletMarginLoss)(triplet_margin_loss)
    registry.module(nn.TripletMarginWithDistanceLoss)(triplet_margin_with_distance_loss)
    registry.module(nn.CTCLoss)(ctc_loss)
    registry.module(nn.AdaptiveLogSoftmaxWithLoss)(adaptive_log_softmax)
    registry.module(nn.LinearCrossEntropyLoss)(linear_cross_entropy_loss)
