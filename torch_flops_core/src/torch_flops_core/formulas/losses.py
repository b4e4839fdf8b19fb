"""Losses beyond the per-element table (``LOSS_COSTS``): their reductions, cross entropy, CTC, margin and
likelihood losses, and the gradients a chunked linear + cross entropy precomputes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..rules import Count
from ..shapes import at_least, rows
from .costs import ACTIVATION_COSTS, LOSS_COSTS
from .products import contraction, total
from .reductions import log_softmax

__all__ = [
    "CTC_STATE", "binary_cross_entropy_with_logits", "cross_entropy", "ctc", "ctc_reduction", "gaussian_nll",
    "linear_cross_entropy_grads", "loss_reduction", "multi_margin", "multilabel_margin", "multilabel_soft_margin",
    "poisson_nll", "triplet_margin",
]  # fmt: skip


CTC_STATE: Final = 13
"""FLOPs of one (time step, label state) of CTC's forward recursion: log-sum-exp of 3 predecessors
(2 compares for the max, 3 subtracts, 3 exps, 2 adds, 1 log, 1 add back) plus the emission (1)."""


def gaussian_nll(e: int, var: int | None, full: bool) -> int:
    """gaussian_nll_loss of e elements before the reduction: (5 + [full])·e + the variance's work.

    A tensor var of v elements: the check any(var < 0) (v compares, v − 1 ORs), its clamp at eps and its log:
    4v − 1; a float var (``var`` None) is first broadcast by a multiply with ones: its clamp and log are e each, 3e.
    """
    per_var = 3 * e if var is None else at_least(4 * var - 1, 0)
    return (LOSS_COSTS["gaussian_nll_loss"] + full) * e + per_var


def poisson_nll(e: int, log_input: bool, full: bool) -> int:
    """poisson_nll_loss of e elements before the reduction: exp(x) − y·x (3), x − y·log(x + eps) (4); full adds
    Stirling's y·log y − y + 0.5·log(2π·y) (7), masked where y ≤ 1 (compare, select) and added: 10."""
    return (LOSS_COSTS["poisson_nll_loss"] + (not log_input) + 10 * full) * e


def multilabel_soft_margin(m: int, weighted: bool) -> int:
    """multilabel_soft_margin_loss of m scores before the reduction over rows: (13 + [weight])·m.

    −(y·logsigmoid(x) + (1 − y)·logsigmoid(−x)): two log-sigmoids (3 each), −x, 1 − y, two multiplies, the add,
    the negation (12); ·weight; the mean over the C classes (m − rows adds, rows divides: 1 per score).
    """
    return (2 * ACTIVATION_COSTS["logsigmoid"] + 6 + 1 + weighted) * m


def loss_reduction(e: int, reduction: str, weighted: bool = False) -> int:
    """Reduce e losses: 'none' 0, 'sum' e − 1, 'mean'/'batchmean' e (2e − 1 with class weights: Σ w too)."""
    if reduction == "none":
        return 0
    if reduction == "sum":
        return at_least(e - 1, 0)  # guard-free: e may be a data-dependent size (a masked loss), 0 at worst
    return at_least(2 * e - 1, 0) if weighted else e


def multi_margin(m: int, p: int, weighted: bool) -> int:
    """Multi-class hinge over m scores, before the reduction over rows: (4 + [p = 2] + [weight])·m.

    Per class: margin − x_y + x_i (2), max (1), the square for p = 2, the weight; the mean over C (1).
    """
    return (4 + (p == 2) + weighted) * m


def multilabel_margin(rows: int, classes: int) -> int:
    """Multi-label hinge of ``rows`` rows of C, before the reduction: 4·⌊C²/4⌋ per row, an upper bound.

    t targets and C − t others give t·(C − t) ≤ ⌊C²/4⌋ terms max(0, 1 − (x_target − x_other)): 3 each,
    summed and divided by C: 4 per pair at most (the number of targets is a value, not a shape).
    """
    return rows * 4 * (classes * classes // 4)


def ctc(steps: int, targets: int, batch: int, zero_infinity: bool) -> int:
    """CTC's forward recursion over T steps and 2S + 1 states per sequence (S targets), before the reduction:
    CTC_STATE·T·(2·numel(targets) + N) (T and S at their full, padded sizes); with zero_infinity, + 2N: the
    compare with ∞ and the select of 0, which ``ctc_loss`` runs after the ``_ctc_loss`` kernel."""
    return CTC_STATE * steps * (2 * targets + batch) + 2 * zero_infinity * batch


def ctc_reduction(batch: int, reduction: str) -> int:
    """ctc_loss's reduction of N losses: 'mean' 3N (the target lengths clamped at 1, each loss divided by its
    length, the mean), 'sum' N − 1, 'none' 0."""
    if reduction == "mean":
        return 3 * batch
    return loss_reduction(batch, reduction)


def cross_entropy(m: int, classes: int, probabilities: bool, weighted: bool, smoothing: bool, reduction: str) -> int:
    """Cross entropy of m class scores in rows of ``classes`` (E = m/classes rows), then the reduction of E.

    log_softmax (3m), then against class indices: [weight]·E, + (m − E) + [weight]·m + 3E with label smoothing
    (−Σ_c w_c·log p_c per row, mixed as (1 − ε)·nll + ε/C·smooth), class-weighted reduction; against class
    probabilities: −Σ_c w_c·y_c·log p_c, m + [weight]·m + (m − E), + 2m with smoothing (y mixed with 1/C), and
    the negation torch applies after its sum (E values with 'none', the one total otherwise).
    """
    e = rows(m, classes)
    flops = log_softmax(m, classes)
    if probabilities:
        flops += 2 * m * smoothing + m + weighted * m + (m - e) + (e if reduction == "none" else 1)
        return flops + loss_reduction(e, reduction)
    flops += weighted * e
    if smoothing:
        flops += (m - e) + weighted * m + 3 * e
    return flops + loss_reduction(e, reduction, weighted)


def binary_cross_entropy_with_logits(e: int, weighted: bool, pos_weight: int | None) -> int:
    """binary_cross_entropy_with_logits of e elements before the reduction: (6 + [weight] + 3·[pos_weight])·e +
    numel(pos_weight): (1 − y)·x + log(1 + exp(−x)) (6), ·weight; pos_weight p scales the log term by
    1 + (p − 1)·y: p − 1 once per element of p (``pos_weight`` of them), then a multiply, an add and the scaling."""
    positive = pos_weight is not None
    per_element = LOSS_COSTS["binary_cross_entropy_with_logits"] + weighted + 3 * positive
    return per_element * e + (pos_weight or 0)


def triplet_margin(rows: int, distance: int, swap: bool) -> int:
    """A triplet loss of ``rows`` rows whose distance costs ``distance`` per row, before the reduction: d(a, p),
    d(a, n) (and d(p, n) and the min with swap), the hinge max(d(a, p) − d(a, n) + margin, 0) (3):
    rows·((2 + [swap])·distance + [swap] + 3)."""
    return rows * ((3 if swap else 2) * distance + swap + 3)


def linear_cross_entropy_grads(rows: int, features: int, classes: int, grads: Sequence[bool]) -> Count:
    """The gradients a chunked linear + cross entropy precomputes for ``rows`` rows of K = ``features`` and C =
    ``classes`` (M = rows·C logits), ``grads`` = (input, weight, bias): softmax·w from the exps, M + rows, when any;
    d_input contraction(rows·K, C) + 2·rows·K; d_weight contraction(C·K, rows) + 2·rows·K; d_bias M − C + rows."""
    logits = rows * classes
    parts: list[int | Count] = []
    if any(grads):  # softmax·w from the exps: w/denom per row, one multiply per logit
        parts.append(logits + rows)
    if grads[0]:  # dlogits @ W, then the target rows' correction (a multiply and an add per feature)
        parts += [contraction(rows * features, classes), 2 * rows * features]
    if grads[1]:  # dlogitsᵀ @ input (the chunks' partial sums added: one dot of rows), and the correction
        parts += [contraction(classes * features, rows), 2 * rows * features]
    if grads[2]:  # column sums of dlogits, and the target correction
        parts.append(at_least(logits - classes, 0) + rows)
    return total(*parts)
