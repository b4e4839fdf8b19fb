"""The counting convention's formulas, as pure functions of shapes and flags: one home for every pack.

Every rule pack (nn, functional, aten) and any third-party plugin counts a family of ops with these,
so ``nn.Linear``, ``F.linear`` and ``aten.addmm`` cannot drift apart. They are the convention's
vocabulary, not rules: core still claims no op. ``docs/conventions.md`` states each formula; exact
FLOPs count a multiply and an add separately (a dot product of length K is 2K − 1 FLOPs).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from ..rules import Count

__all__ = [
    "ACTIVATION_COSTS", "CTC_STATE", "LOSS_COSTS", "POINTWISE_COSTS", "REDUCTION_COSTS", "RNN_GATES",
    "RNN_GATE_ARITHMETIC", "activation", "attention", "attention_backward", "contraction", "conv_transpose",
    "cosine_similarity", "covered", "covered_outputs", "cross_entropy", "ctc", "log_softmax", "loss_reduction",
    "multi_margin", "multilabel_margin", "norm", "reduction", "rnn_step", "rnn_step_backward", "softmax", "total",
    "vector_norm",
]  # fmt: skip

ACTIVATION_COSTS: Final[Mapping[str, int]] = {
    "relu": 1,  # max(x, 0): the seed's 1
    "relu6": 2,  # min(max(x, 0), 6)
    "hardtanh": 2,  # min(max(x, lo), hi)
    "threshold": 1,  # x > t ? x : v, like relu
    "leaky_relu": 4,  # the seed's 4 (compare, multiply, select)
    "rrelu": 4,  # leaky_relu with a random or mean slope
    "prelu": 4,  # leaky_relu with a learned slope
    "gelu": 1,  # the seed's 1 (both the erf and the tanh form)
    "sigmoid": 3,  # 1 / (1 + exp(−x)): exp, add, divide
    "logsigmoid": 3,  # −log(1 + exp(−x)): exp, add, log
    "silu": 4,  # x · sigmoid(x)
    "hardsigmoid": 4,  # min(max(x + 3, 0), 6) / 6: add, 2 compares, divide
    "hardswish": 5,  # x · hardsigmoid(x)
    "tanh": 1,  # elementary
    "tanhshrink": 2,  # x − tanh(x)
    "softsign": 3,  # x / (1 + |x|): abs, add, divide
    "softplus": 6,  # log(1 + exp(β·x))/β, linear above threshold: multiply, compare, exp, add, log, divide
    "mish": 5,  # x · tanh(log(1 + exp(x))): exp, add, log, tanh, multiply
    "elu": 4,  # x > 0 ? x : α·(exp(x) − 1): compare, exp, subtract, multiply
    "celu": 5,  # x > 0 ? x : α·(exp(x/α) − 1): elu + divide
    "selu": 5,  # scale · elu(x)
    "hardshrink": 2,  # |x| > λ ? x : 0: abs, compare
    "softshrink": 3,  # x > λ ? x − λ : x < −λ ? x + λ : 0: 2 compares, add
    "glu": 4,  # a · sigmoid(b), per output element
}
"""FLOPs per output element of each activation, by its function name (``F.silu``, ``nn.SiLU`` and
``aten.silu`` all count ``ACTIVATION_COSTS["silu"]`` per element)."""


POINTWISE_COSTS: Final[Mapping[str, int]] = {
    # exponentials, logarithms, roots, powers: one elementary function each
    "exp": 1, "exp2": 1, "expm1": 1, "log": 1, "log2": 1, "log10": 1, "log1p": 1,
    "sqrt": 1, "rsqrt": 1, "reciprocal": 1, "square": 1, "float_power": 1,
    # trigonometric and hyperbolic (tanh is in the activation table)
    "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1, "arcsin": 1, "arccos": 1, "arctan": 1,
    "sinh": 1, "cosh": 1, "asinh": 1, "acosh": 1, "atanh": 1, "arcsinh": 1, "arccosh": 1, "arctanh": 1,
    "atan2": 1, "arctan2": 1, "hypot": 1, "deg2rad": 1, "rad2deg": 1, "sinc": 1,
    # special functions
    "erf": 1, "erfc": 1, "erfinv": 1, "lgamma": 1, "digamma": 1, "polygamma": 1, "i0": 1, "igamma": 1,
    "igammac": 1, "ndtr": 4, "ndtri": 1, "log_ndtr": 1, "i0e": 1, "i1": 1, "i1e": 1, "entr": 1,
    "erfcx": 1, "psi": 1, "gammaln": 1, "multigammaln": 1, "mvlgamma": 1,
    # ndtr is 0.5·(1 + erf(x/√2)): 4, what torch's composite definition runs at the aten level
    # rounding, sign, classification
    "floor": 1, "ceil": 1, "round": 1, "trunc": 1, "fix": 1, "frac": 1, "sign": 1, "sgn": 1, "signbit": 1,
    "isnan": 1, "isinf": 1, "isfinite": 1, "isposinf": 1, "isneginf": 1, "isreal": 1, "nan_to_num": 1,
    "angle": 1, "conj_physical": 1, "copysign": 1, "nextafter": 1, "heaviside": 1, "ldexp": 1, "frexp": 1,
    # binary arithmetic without an operator
    "fmod": 1, "maximum": 1, "minimum": 1, "fmax": 1, "fmin": 1, "gcd": 1, "lcm": 1,
    "logical_and": 1, "logical_or": 1, "logical_xor": 1, "logical_not": 1,
    # composites: the ops of their formula
    "xlogy": 2,  # x · log(y)
    "xlog1py": 2,  # x · log1p(y)
    "logaddexp": 4,  # log(exp(a) + exp(b))
    "logaddexp2": 4,  # log2(2^a + 2^b)
    "logit": 3,  # log(x / (1 − x))
    "lerp": 3,  # start + weight · (end − start)
    "addcmul": 2,  # input + value · t1 · t2 (+ N when value ≠ 1)
    "addcdiv": 2,  # input + value · t1 / t2 (+ N when value ≠ 1)
    "cross": 3,  # per output component: two multiplies and a subtract
    "polar": 4,  # abs·cos(angle), abs·sin(angle)
    "isclose": 5,  # |a − b| ≤ atol + rtol · |b|: sub, abs, abs, mul-add, compare
    "where": 1,  # one select per element
    "masked_fill": 1,  # one select per element, as where
}  # fmt: skip
"""FLOPs per output element of element-wise math by function name: one per elementary function (``exp``,
``log``, ``sqrt``, ``sin``, ``erf`` ...), as for an add or a multiply; composites the ops of their formula."""


REDUCTION_COSTS: Final[Mapping[str, tuple[int, int, str]]] = {
    # name: (a, b, formula) for a·n + b·R
    "nansum": (1, -1, "n − R additions"),
    "prod": (1, -1, "n − R multiplications"),
    "mean": (1, 0, "n − R additions + R divisions = n"),
    "nanmean": (1, 0, "n − R additions + R divisions = n"),
    "amax": (1, -1, "n − R comparisons"),
    "amin": (1, -1, "n − R comparisons"),
    "argmax": (1, -1, "n − R comparisons"),
    "argmin": (1, -1, "n − R comparisons"),
    "aminmax": (2, -2, "2·(n − R) comparisons"),
    "all": (1, -1, "n − R ANDs"),
    "any": (1, -1, "n − R ORs"),
    "count_nonzero": (2, -1, "n compares + n − R additions"),
    "logsumexp": (2, 0, "n exps + n − R additions + R logs = 2n"),
    "var": (4, 0, "mean (n) + deviations (n) + squares (n) + sums (n − R) + divisions (R) = 4n"),
    "var_mean": (4, 0, "as var: 4n"),
    "std": (4, 1, "var (4n) + R square roots"),
    "std_mean": (4, 1, "as std: 4n + R"),
    "sum_to_size": (1, -1, "n − R additions"),
}
"""Reductions by function name: ``(a, b, formula)`` for ``a·n + b·R`` FLOPs, n = numel(in), R = numel(out)."""


LOSS_COSTS: Final[Mapping[str, int]] = {
    "l1_loss": 2,  # |x − y|
    "mse_loss": 2,  # (x − y)²
    "huber_loss": 5,  # d = x − y, |d|, compare with δ, then 0.5·d·d or δ·(|d| − δ/2): 2 either way
    "smooth_l1_loss": 5,  # as huber with β (2, as l1, when β = 0)
    "soft_margin_loss": 4,  # log(1 + exp(−y·x)): multiply, exp, add, log
    "hinge_embedding_loss": 3,  # y = 1 ? x : max(0, margin − x): compare, subtract, max
    "margin_ranking_loss": 4,  # max(0, −y·(x1 − x2) + margin): subtract, multiply, add, max
    "kl_div": 3,  # y·(log y − x), or exp(y)·(y − x) with log_target
    "binary_cross_entropy": 7,  # −(y·log x + (1 − y)·log(1 − x)), + 1 with weight
    "binary_cross_entropy_with_logits": 6,  # (1 − y)·x + log(1 + exp(−x)), + 1 with weight, + 3 with pos_weight
    "poisson_nll_loss": 3,  # exp(x) − y·x; 4 without log_input: x − y·log(x + eps); + 9 with full
    "gaussian_nll_loss": 5,  # 0.5·(log var + (x − y)²/var), + 1 with full; var: clamp, log
}
"""FLOPs per element of the element-wise losses by function name, before the reduction (``F.mse_loss`` and
``nn.MSELoss`` both count ``LOSS_COSTS["mse_loss"]`` per element); the extras in the comments are the rules'."""


CTC_STATE: Final = 13
"""FLOPs of one (time step, label state) of CTC's forward recursion: log-sum-exp of 3 predecessors
(2 compares for the max, 3 subtracts, 3 exps, 2 adds, 1 log, 1 add back) plus the emission (1)."""


def reduction(name: str, n: int, r: int) -> int:
    """A reduction of n elements to r: ``a·n + b·r`` from :data:`REDUCTION_COSTS` (never below 0)."""
    a, b, _ = REDUCTION_COSTS[name]
    return max(a * n + b * r, 0)


def activation(name: str, n: int) -> int:
    """An element-wise activation over n output elements: ``ACTIVATION_COSTS[name]·n``."""
    return ACTIVATION_COSTS[name] * n


def contraction(n: int, k: int, bias: bool = False) -> Count:
    """n dot products of length k: (2k − 1)·n FLOPs, + n with a bias; k·n MACs."""
    return Count(flops=max(2 * k - 1, 0) * n + (n if bias else 0), macs=k * n)


def total(*parts: int | Count) -> Count:
    """The sum of several counts; an int part is FLOPs without MACs."""
    flops = macs = 0
    for part in parts:
        if isinstance(part, Count):
            flops += part.flops
            macs += part.macs
        else:
            flops += part
    return Count(flops=flops, macs=macs)


def softmax(n: int, size: int) -> int:
    """Softmax over rows of ``size`` of n elements: n exps, (size − 1)·n/size adds, n divides."""
    rows = n // size if size else 0
    return 2 * n + (size - 1) * rows


def log_softmax(n: int, size: int) -> int:
    """x − log Σ exp x over rows of ``size``: n exps, (size − 1)·n/size adds, n/size logs, n subtracts = 3n."""
    rows = n // size if size else 0
    return 2 * n + size * rows


def norm(n: int, weight: bool, bias: bool, base: int = 2) -> int:
    """A normalisation of n elements: ``base`` per element (subtract the mean, divide by the std: 2; RMS
    norm 1) + n per affine parameter present. Statistics are not counted (docs/conventions.md)."""
    return (base + weight + bias) * n


def cosine_similarity(d: int) -> int:
    """x1·x2 / max(‖x1‖·‖x2‖, eps) over d elements: 6d + 2 (dot 2d − 1, two norms 2d each, ×, max, ÷)."""
    return 6 * d + 2


def loss_reduction(e: int, reduction: str, weighted: bool = False) -> int:
    """Reduce e losses: 'none' 0, 'sum' e − 1, 'mean'/'batchmean' e (2e − 1 with class weights: Σ w too)."""
    if reduction == "none" or e == 0:
        return 0
    if reduction == "sum":
        return e - 1
    return 2 * e - 1 if weighted else e


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
    CTC_STATE·T·(2·numel(targets) + N) + [zero_infinity]·N (T and S at their full, padded sizes)."""
    return CTC_STATE * steps * (2 * targets + batch) + zero_infinity * batch


def cross_entropy(m: int, classes: int, probabilities: bool, weighted: bool, smoothing: bool, reduction: str) -> int:
    """Cross entropy of m class scores in rows of ``classes`` (E = m/classes rows), then the reduction of E.

    log_softmax (3m), then against class indices: [weight]·E, + (m − E) + [weight]·m + 3E with label smoothing
    (−Σ_c w_c·log p_c per row, mixed as (1 − ε)·nll + ε/C·smooth), class-weighted reduction; against class
    probabilities: −Σ_c w_c·y_c·log p_c, m + [weight]·m + (m − E), + 2m with smoothing (y mixed with 1/C).
    """
    e = m // classes if classes else 0
    flops = log_softmax(m, classes)
    if probabilities:
        flops += 2 * m * smoothing + m + weighted * m + (m - e)
        return flops + loss_reduction(e, reduction)
    flops += weighted * e
    if smoothing:
        flops += (m - e) + weighted * m + 3 * e
    return flops + loss_reduction(e, reduction, weighted)


def covered(size_in: int, size_out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output positions of one dimension that receive at least one product of a transposed window.

    Input position i and kernel tap j land on output position i·stride − padding + j·dilation;
    positions outside [0, size_out) are cropped (padding), and some inside may receive nothing
    (stride larger than the window, output_padding).
    """
    if dilation == 1 and stride <= kernel:  # the landing positions form one unbroken run
        first, last = -padding, (size_in - 1) * stride - padding + kernel - 1
        return max(0, min(last, size_out - 1) - max(first, 0) + 1)
    hits = {i * stride - padding + j * dilation for i in range(size_in) for j in range(kernel)}
    return sum(1 for o in hits if 0 <= o < size_out)


def covered_outputs(
    out_shape: Sequence[int],
    in_spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
) -> int:
    """Elements of an output (leading dims, then one spatial dim per kernel dim) that receive a product."""
    dims = len(kernel)
    spatial_out = out_shape[len(out_shape) - dims :]
    positions = math.prod(
        covered(*sizes) for sizes in zip(in_spatial, spatial_out, kernel, stride, padding, dilation, strict=True)
    )
    return math.prod(out_shape[: len(out_shape) - dims]) * positions


def conv_transpose(
    in_shape: Sequence[int],
    out_shape: Sequence[int],
    out_channels_per_group: int,
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    bias: bool,
) -> Count:
    """A transposed convolution: 2·MACs − N_cov, + N with bias; MACs = numel(in)·(C_out/groups)·k, N_cov the
    output elements that receive a product (:func:`covered_outputs`).

    Every product is a multiply, and an add unless it is the first of its output element; products that land
    in the cropped padding count like the padding taps of a direct convolution.
    """
    dims = len(kernel)
    macs = math.prod(in_shape) * out_channels_per_group * math.prod(kernel)
    n_cov = covered_outputs(out_shape, in_shape[len(in_shape) - dims :], kernel, stride, padding, dilation)
    return Count(flops=2 * macs - n_cov + (math.prod(out_shape) if bias else 0), macs=macs)


def attention(b: int, lq: int, lk: int, d: int, dv: int, masked: bool, dropout: bool) -> Count:
    """softmax(Q·Kᵀ·scale [+ mask])·V for B = b heads-times-batches: the seed's sdpa formula, S = b·Lq·Lk.

    (2d − 1)·S (QKᵀ) + S (scale) [+ S mask] + S + b·Lq·(Lk − 1) + S (softmax) [+ S dropout]
    + (2Lk − 1)·b·Lq·dv (weights × V); MACs S·d + S·dv.
    """
    scores = b * lq * lk
    flops = max(2 * d - 1, 0) * scores + scores  # QKᵀ, then scaling
    if masked:
        flops += scores
    flops += scores + b * lq * (lk - 1) + scores  # softmax: exp, row sums, divisions
    if dropout:
        flops += scores
    flops += max(2 * lk - 1, 0) * b * lq * dv  # attention weights times V
    return Count(flops=flops, macs=scores * d + scores * dv)


def attention_backward(
    b: int, lq: int, lk: int, d: int, dv: int, dropout: bool, grads: tuple[bool, bool, bool] = (True, True, True)
) -> Count:
    """The gradients of softmax(Q·Kᵀ·scale)·V (:func:`attention`) for B = b, S = b·Lq·Lk, as the math computes them.

    dV = Pᵀ·dO (2Lq − 1)·b·Lk·dv; dP = dO·Vᵀ (2dv − 1)·S [+ S dropout]; dS = P·(dP − Σ dP·P) 4S − b·Lq;
    scale S; dQ = dS·K (2Lk − 1)·b·Lq·d; dK = dSᵀ·Q (2Lq − 1)·b·Lk·d. MACs 2·S·(d + dv), twice the forward's.
    ``grads`` says which of dQ, dK, dV are computed (dP and dS only for dQ or dK). A fused kernel that
    recomputes P from Q and K (flash attention) does that work again; it is not counted (model FLOPs).
    """
    scores = b * lq * lk
    flops = macs = 0
    if grads[2]:  # dV
        flops += max(2 * lq - 1, 0) * b * lk * dv
        macs += scores * dv
    if grads[0] or grads[1]:  # dP, dropout, softmax backward, scale
        flops += max(2 * dv - 1, 0) * scores + (scores if dropout else 0) + 4 * scores - b * lq + scores
        macs += scores * dv
    if grads[0]:  # dQ
        flops += max(2 * lk - 1, 0) * b * lq * d
        macs += scores * d
    if grads[1]:  # dK
        flops += max(2 * lq - 1, 0) * b * lk * d
        macs += scores * d
    return Count(flops=flops, macs=macs)


RNN_GATES: Final[Mapping[str, int]] = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}
"""Gates per hidden unit of each recurrent cell (``nn.RNN`` modes in lower case)."""

_SIGMOID, _TANH = ACTIVATION_COSTS["sigmoid"], ACTIVATION_COSTS["tanh"]
RNN_GATE_ARITHMETIC: Final[Mapping[str, int]] = {
    "rnn_tanh": _TANH,  # h' = tanh(gates)
    "rnn_relu": ACTIVATION_COSTS["relu"],  # h' = relu(gates)
    # i, f, o = sigmoid; g = tanh; c' = f·c + i·g (3); h' = o·tanh(c') (2)
    "lstm": 3 * _SIGMOID + _TANH + 3 + _TANH + 1,
    # r, z = sigmoid; r·(W_hn·h + b_hn) (1); n = tanh; h' = (1 − z)·n + z·h (4)
    "gru": 2 * _SIGMOID + 1 + _TANH + 4,
}
"""FLOPs per hidden unit of one step's gate arithmetic, after the gate pre-activations are summed."""


def rnn_step(mode: str, in_size: int, hidden: int, rec_size: int, proj: int, bias: bool) -> Count:
    """One row (one time step of one sequence) through one layer and direction of a recurrent cell.

    G = gates·H: W_ih·x (2I − 1)·G, W_hh·h (2Hr − 1)·G, G adds of the two [+ 2G biases],
    RNN_GATE_ARITHMETIC·H, [LSTM projection W_hr·h (2H − 1)·P]; MACs (I + Hr)·G + H·P.
    """
    gates = RNN_GATES[mode] * hidden
    return total(
        contraction(gates, in_size),
        contraction(gates, rec_size),
        gates * (1 + 2 * bias),
        RNN_GATE_ARITHMETIC[mode] * hidden,
        contraction(proj, hidden),
    )


def rnn_step_backward(mode: str, rows: int, in_size: int, hidden: int, bias: bool) -> Count:
    """The gradients of ``rows`` steps of one layer and direction (no projection), G = gates·H:

    dX = dG·W_ih (2G − 1)·I and dH = dG·W_hh (2G − 1)·H per row; dW_ih (2·rows − 1)·G·I and dW_hh
    (2·rows − 1)·G·H; [db (rows − 1)·G, both biases]; the gate arithmetic twice per row (each
    element-wise op's local derivative times the incoming gradient). MACs 2·rows·(I + H)·G, twice the forward's.
    """
    gates = RNN_GATES[mode] * hidden
    return total(
        contraction(rows * in_size, gates),
        contraction(rows * hidden, gates),
        contraction(gates * in_size, rows),
        contraction(gates * hidden, rows),
        2 * max(rows - 1, 0) * gates if bias else 0,
        2 * RNN_GATE_ARITHMETIC[mode] * hidden * rows,
    )


def vector_norm(p: object, n: int, r: int) -> int:
    """A p-norm reducing n elements to r: p = 2 or 'fro': 2n; p = 1, ∞, −∞, 0: 2n − r; other p (−1 too): 3n.

    p = 1: n abs, n − r adds; ±∞: n abs, n − r compares (max or min |x|); 0: n compares, n − r adds;
    2: n squares, n − r adds, r roots; any other p (−1: (Σ |x|⁻¹)⁻¹): n abs, n powers, n − r adds, r roots.
    """
    if p in (1, math.inf, -math.inf, 0):  # |x| (or x ≠ 0) per element, then n − R adds/compares
        return 2 * n - r
    if p in (2, "fro", None):  # squares, n − R additions, R square roots
        return 2 * n
    return 3 * n  # |x|^p as abs and pow, n − R additions, R roots
