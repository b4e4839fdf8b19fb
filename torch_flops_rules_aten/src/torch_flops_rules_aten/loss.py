"""Loss kernels and their backward: ``nll_loss_forward`` (``F.cross_entropy`` after its log_softmax),
``mse_loss``, ``huber_loss``, ``binary_cross_entropy`` ... and the ``*_backward`` kernels autograd runs.

A forward counts what the functional pack counts for the function (``torch_flops_core.formulas``:
``LOSS_COSTS`` per element, ``multi_margin``, ``multilabel_margin``, ``ctc``, then ``loss_reduction``;
the ``reduction`` argument is an int here: 0 none, 1 mean, 2 sum). A backward counts the derivative
per element it computes (``LOSS_BACKWARD``), scaled by the incoming gradient; the mean's 1/E is folded
into that scale.
"""

from __future__ import annotations

from typing import Any

from torch_flops_core import Call, Registry, RuleFn, rulekit
from torch_flops_core.formulas import LOSS_COSTS, ctc, elementwise, loss_reduction, multi_margin, multilabel_margin
from torch_flops_core.formulas.gradients import LOSS_BACKWARD, ctc_backward, multilabel_margin_backward
from torch_flops_core.shapes import broadcast_numel, numel, rows

from ._ops import aten

__all__ = ["LOSS_BACKWARD", "REDUCTIONS", "ctc_loss", "ctc_loss_backward", "register"]

REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}
"""The ``reduction`` ints of aten's loss kernels."""


def _mode(named: dict[str, Any]) -> str:
    return REDUCTIONS.get(named.get("reduction", 1), "mean")


def nll_loss(call: Call) -> int:
    """nll_loss_forward, nll_loss2d_forward(x, target, weight, reduction, ...): [weight]·E + reduction;
    E = numel(target)."""
    named = call.arguments()
    e = numel(named["target"])
    weighted = named.get("weight") is not None
    return weighted * e + loss_reduction(e, _mode(named), weighted)


def elementwise_loss(name: str) -> RuleFn:
    """mse_loss, huber_loss, smooth_l1_loss, soft_margin_loss, binary_cross_entropy(_with_logits):
    LOSS_COSTS·E + reduction."""

    def rule(call: Call) -> int:
        named = call.arguments()
        e = broadcast_numel(named["self"], named["target"])
        cost = LOSS_COSTS[name]
        if name == "smooth_l1_loss" and named.get("beta", 1.0) == 0:
            cost = LOSS_COSTS["l1_loss"]
        extra = 0
        if name.startswith("binary_cross_entropy"):
            pos_weight = named.get("pos_weight")
            cost += (named.get("weight") is not None) + 3 * (pos_weight is not None)
            extra = numel(pos_weight)  # p − 1, once per pos_weight element
        return elementwise(cost, e) + extra + loss_reduction(e, _mode(named))

    doc = f"aten.{name}: LOSS_COSTS[{name!r}]·E + the reduction of E (E = numel of the broadcast inputs)."
    return rulekit.named(rule, name, doc)


def multi_margin_loss(call: Call) -> int:
    """multi_margin_loss(self, target, p, margin, weight, reduction): formulas.multi_margin + reduction over rows."""
    named = call.arguments()
    x = named["self"]
    m = x.numel()
    classes = x.shape[-1] if x.dim() else 1  # a 0-d input is one row of one class
    return multi_margin(m, named.get("p", 1), named.get("weight") is not None) + loss_reduction(
        rows(m, classes), _mode(named)
    )


def multilabel_margin_loss(call: Call) -> int:
    """multilabel_margin_loss_forward(x, target, reduction): 4·⌊C²/4⌋ per row (an upper bound) + reduction."""
    named = call.arguments()
    x = named["self"]
    c = x.shape[-1] if x.dim() else 1
    n_rows = rows(x.numel(), c)
    return multilabel_margin(n_rows, c) + loss_reduction(n_rows, _mode(named))


def _ctc_sizes(named: dict[str, Any]) -> tuple[int, int, int]:
    log_probs, targets = named["log_probs"], named["targets"]
    batch = log_probs.shape[1] if log_probs.dim() == 3 else 1
    return log_probs.shape[0], targets.numel(), batch


def ctc_loss(call: Call) -> int:
    """_ctc_loss(log_probs, targets, ...): the forward recursion, formulas.ctc without zero_infinity (the zeroing of
    infinite losses, like the reduction, runs as separate ops after the kernel: ``ctc_loss``'s eq and where)."""
    named = call.arguments()
    steps, targets, batch = _ctc_sizes(named)
    return ctc(steps, targets, batch, False)


def ctc_loss_backward(call: Call) -> int:
    """_ctc_loss_backward: the backward recursion (as the forward's) + 3 per (step, state) to combine α and β
    + 4 per log-probability (exp, subtract, exp, × g)."""
    named = call.arguments()
    steps, targets, batch = _ctc_sizes(named)
    return ctc_backward(steps, targets, batch, named["log_probs"].numel())


def loss_backward(name: str) -> RuleFn:
    """A loss's backward kernel: LOSS_BACKWARD[name] per element of the input's gradient."""

    def rule(call: Call) -> int:
        named = call.arguments()
        if name == "nll_loss":
            e = numel(named["target"])
        elif name == "multi_margin_loss":
            e = numel(named["self"])
        else:
            e = broadcast_numel(named["self"], named["target"])
        cost = LOSS_BACKWARD[name] + (named.get("weight") is not None)
        if name == "multi_margin_loss":
            cost += named.get("p", 1) == 2
        return elementwise(cost, e)

    doc = f"aten.{name}_backward: LOSS_BACKWARD[{name!r}]·E (+ E with a weight)."
    return rulekit.named(rule, f"{name}_backward", doc)


def multilabel_margin_loss_backward(call: Call) -> int:
    """multilabel_margin_loss_backward: 3 per (target, other) pair, ⌊C²/4⌋ pairs per row at most (compare, two adds)."""
    x = call.arguments()["self"]
    c = x.shape[-1] if x.dim() else 1
    return multilabel_margin_backward(rows(x.numel(), c), c)


def register(registry: Registry) -> None:
    registry.function(*aten("nll_loss_forward", "nll_loss2d_forward"))(nll_loss)
    for name in (
        "mse_loss", "huber_loss", "smooth_l1_loss", "soft_margin_loss", "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
    ):  # fmt: skip
        registry.function(*aten(name))(elementwise_loss(name))
    registry.function(*aten("multi_margin_loss"))(multi_margin_loss)
    registry.function(*aten("multilabel_margin_loss_forward"))(multilabel_margin_loss)
    registry.function(*aten("_ctc_loss"))(ctc_loss)
    registry.function(*aten("_ctc_loss_backward"))(ctc_loss_backward)
    registry.function(*aten("nll_loss_backward", "nll_loss2d_backward"))(loss_backward("nll_loss"))
    for name in LOSS_BACKWARD:
        if name != "nll_loss":
            registry.function(*aten(f"{name}_backward"))(loss_backward(name))
    registry.function(*aten("multilabel_margin_loss_backward"))(multilabel_margin_loss_backward)
