"""Loss functions: the per-element (or per-row) loss, then the reduction.

E is the number of per-element losses (what ``reduction='none'`` returns). Reducing them costs
``'none'`` 0, ``'sum'`` E − 1, ``'mean'`` and ``'batchmean'`` E (E − 1 adds and a divide); a
class-weighted ``'mean'`` (nll_loss, cross_entropy with ``weight``) also sums the weights: 2E − 1.
The legacy ``size_average``/``reduce`` flags are honoured. Each function counts what the nn pack
counts for its loss module, so ``F.mse_loss`` and ``nn.MSELoss`` agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry, RuleFn
from torch_flops_core.formulas import (
    LOSS_COSTS,
    binary_cross_entropy_with_logits,
    contraction,
    cosine_embedding,
    ctc,
    ctc_reduction,
    elementwise,
    gaussian_nll,
    loss_reduction,
    multi_margin,
    multilabel_margin,
    multilabel_soft_margin,
    pairwise_distance,
    poisson_nll,
    total,
    triplet_margin,
)
from torch_flops_core.formulas import cross_entropy as cross_entropy_cost
from torch_flops_core.rulekit import Claimer, named
from torch_flops_core.shapes import broadcast_numel, numel, rows

from ._common import ops

__all__ = ["ELEMENTWISE_LOSS_COSTS", "reduction_cost"]

ELEMENTWISE_LOSS_COSTS: Mapping[str, int] = LOSS_COSTS
"""FLOPs per element of the element-wise losses, before the reduction: ``torch_flops_core.formulas.LOSS_COSTS``,
under this pack's former name (the nn pack's loss modules count the same values)."""


def _mode(args: Mapping[str, Any]) -> str:
    mode = args.get("reduction", "mean")
    if args.get("reduce") is False:
        return "none"
    if args.get("size_average") is False:
        return "sum"
    return {0: "none", 1: "mean", 2: "sum"}.get(mode, mode)


def reduction_cost(args: Mapping[str, Any], terms: int, weighted: bool = False) -> int:
    """Reduce ``terms`` losses: 'none' 0, 'sum' terms − 1, 'mean'/'batchmean' terms (2·terms − 1 class-weighted)."""
    return loss_reduction(terms, _mode(args), weighted)


def _tensor(value: Any) -> bool:
    return isinstance(value, torch.Tensor)


def _per_element(name: str, cost: int, args: Mapping[str, Any]) -> int:
    """The per-element cost of ``name`` given its arguments (weights, flags)."""
    if name == "binary_cross_entropy":
        return cost + _tensor(args.get("weight"))
    if name == "smooth_l1_loss" and args.get("beta", 1.0) == 0:
        return LOSS_COSTS["l1_loss"]
    if name == "kl_div" and args.get("log_target"):
        return cost - 1  # exp(y)·(y − x): 3, not xlogy(y, y) − y·x
    return cost


def elementwise_loss(cost: int, name: str) -> RuleFn:
    """A loss of ``cost`` per element of the broadcast inputs (E of them), then the reduction of E."""

    def rule(call: Call) -> int:
        args = call.arguments()
        names = ("input1", "input2", "target") if name == "margin_ranking_loss" else ("input", "target")
        e = broadcast_numel(*(args[n] for n in names))
        if name == "poisson_nll_loss":
            flops = poisson_nll(e, bool(args.get("log_input", True)), bool(args.get("full")))
        elif name == "gaussian_nll_loss":
            var = args.get("var")
            flops = gaussian_nll(e, numel(var) if _tensor(var) else None, bool(args.get("full")))
        elif name == "binary_cross_entropy_with_logits":
            pos_weight = args.get("pos_weight")
            pos = numel(pos_weight) if _tensor(pos_weight) else None
            flops = binary_cross_entropy_with_logits(e, _tensor(args.get("weight")), pos)
        else:
            flops = elementwise(_per_element(name, cost, args), e)
        return flops + reduction_cost(args, e)

    doc = f"{name}: {cost}·E (see ELEMENTWISE_LOSS_COSTS for extras), E = numel of the broadcast inputs, + reduction."
    return named(rule, name, doc, __name__)


def _classes(x: torch.Tensor) -> int:
    """Classes of a score tensor: dim 1, or the only dim of a 1-d one; a 0-d score is one row of one class."""
    return x.shape[1] if x.dim() >= 2 else x.shape[0] if x.dim() else 1


def nll_loss(call: Call) -> int:
    """nll_loss: [weight]·E + reduction (picking −log p of the target is free); E = numel(target)."""
    args = call.arguments()
    e = numel(args["target"])
    weighted = _tensor(args.get("weight"))
    return weighted * e + reduction_cost(args, e, weighted)


def _cross_entropy(args: Mapping[str, Any], m: int, classes: int, target: torch.Tensor) -> int:
    """Cross entropy of M class scores in rows of C against indices or probabilities (``formulas.cross_entropy``)."""
    weighted = _tensor(args.get("weight"))
    smoothing = args.get("label_smoothing", 0.0) > 0
    return cross_entropy_cost(m, classes, target.is_floating_point(), weighted, smoothing, _mode(args))


def cross_entropy(call: Call) -> int:
    """cross_entropy: 3·M (log_softmax) + the nll part + label smoothing + reduction; M = numel(input)."""
    args = call.arguments()
    x = args["input"]
    return _cross_entropy(args, x.numel(), _classes(x), args["target"])


def linear_cross_entropy(call: Call) -> Count:
    """linear_cross_entropy: the linear to the scores (weight [C, d_1 … d_K, in]: M = rows·C·Π d scores, K = in
    features) + cross entropy over C classes."""
    args = call.arguments()
    x, weight = args["input"], args["linear_weight"]
    k, classes = weight.shape[-1], weight.shape[0]
    m = rows(x.numel(), k) * rows(weight.numel(), k)  # shape: the scores, rows × C·Π d outputs per row
    linear = contraction(m, k, _tensor(args.get("linear_bias")))
    return total(linear, _cross_entropy(args, m, classes, args["target"]))


def multi_margin_loss(call: Call) -> int:
    """multi_margin_loss: (4 + [p = 2] + [weight])·M + reduction over rows (margin − x_y + x_i, max, mean over C)."""
    args = call.arguments()
    x = args["input"]
    m = x.numel()
    cost = multi_margin(m, args.get("p", 1), _tensor(args.get("weight")))
    return cost + reduction_cost(args, rows(m, _classes(x)))


def multilabel_soft_margin_loss(call: Call) -> int:
    """multilabel_soft_margin_loss: (13 + [weight])·M + reduction over rows (formulas.multilabel_soft_margin)."""
    args = call.arguments()
    x = args["input"]
    m = x.numel()
    r = rows(m, x.shape[-1]) if m else 0
    return multilabel_soft_margin(m, _tensor(args.get("weight"))) + reduction_cost(args, r)


def multilabel_margin_loss(call: Call) -> int:
    """multilabel_margin_loss: 4·⌊C²/4⌋ per row + reduction: an upper bound (the number of targets is a value)."""
    args = call.arguments()
    x = args["input"]
    c = _classes(x)
    r = rows(x.numel(), c)
    return multilabel_margin(r, c) + reduction_cost(args, r)


def cosine_embedding_loss(call: Call) -> int:
    """cosine_embedding_loss: (6D + 10)·R + reduction: the cosine (6D + 2), then 1 − cos, max(0, cos − margin), two
    compares with the target, two selects, their sum (8) (formulas.cosine_embedding)."""
    args = call.arguments()
    x1 = args["input1"]
    d = x1.shape[-1] if x1.dim() else 1
    r = rows(x1.numel(), d)
    return elementwise(cosine_embedding(d), r) + reduction_cost(args, r)


def _distance_cost(args: Mapping[str, Any], d: int) -> int | None:
    if "distance_function" not in args:
        return pairwise_distance(args.get("p", 2), d)
    fn = args["distance_function"]
    if fn is None or fn is F.pairwise_distance:
        return pairwise_distance(2, d)
    if isinstance(fn, torch.nn.PairwiseDistance):
        return pairwise_distance(fn.norm, d)
    return None  # a user's callable: its cost is unknown here


def triplet_margin_loss(call: Call) -> int | NotRecognizedType:
    """triplet losses: R·((2 + [swap])·distance + [swap] + 3) + reduction; distance = 2D + the p-norm of D."""
    args = call.arguments()
    anchor = args["anchor"]
    d = anchor.shape[-1]
    distance = _distance_cost(args, d)
    if distance is None:
        return NOT_RECOGNIZED
    r = rows(anchor.numel(), d)
    return triplet_margin(r, distance, bool(args.get("swap"))) + reduction_cost(args, r)


def ctc_loss(call: Call) -> int:
    """ctc_loss: 13·T·(2·numel(targets) + N) + 2·[zero_infinity]·N + reduction ('mean': 3N, 'sum': N − 1)."""
    args = call.arguments()
    log_probs, targets = args["log_probs"], args["targets"]
    steps = log_probs.shape[0]
    batch = log_probs.shape[1] if log_probs.dim() == 3 else 1
    flops = ctc(steps, targets.numel(), batch, bool(args.get("zero_infinity")))
    return flops + ctc_reduction(batch, _mode(args))


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for name, cost in ELEMENTWISE_LOSS_COSTS.items():
        claim(ops(f"F.{name}"), elementwise_loss(cost, name))
    claim([F.nll_loss], nll_loss)
    claim([F.cross_entropy], cross_entropy)
    claim(ops("F.linear_cross_entropy"), linear_cross_entropy)
    claim([F.multi_margin_loss], multi_margin_loss)
    claim([F.multilabel_soft_margin_loss], multilabel_soft_margin_loss)
    claim([F.multilabel_margin_loss], multilabel_margin_loss)
    claim([F.cosine_embedding_loss], cosine_embedding_loss)
    claim([F.triplet_margin_loss, *ops("F.triplet_margin_with_distance_loss")], triplet_margin_loss)
    claim([F.ctc_loss], ctc_loss)
