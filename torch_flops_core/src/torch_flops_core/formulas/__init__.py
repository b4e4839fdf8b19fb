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
    "ACTIVATION_COSTS", "CTC_STATE", "GRID_TAPS", "INTERPOLATION_COSTS", "LOSS_COSTS", "POINTWISE_COSTS",
    "REDUCTION_COSTS", "RNN_GATES", "RNN_GATE_ARITHMETIC", "activation", "adaptive_pool", "adaptive_windows",
    "allclose", "attention", "attention_backward", "avg_pool", "binary_cross_entropy_with_logits", "contraction",
    "conv_tbc", "conv_transpose", "convolution", "cosine_embedding", "cosine_similarity", "covered", "covered_outputs",
    "cross_entropy", "ctc", "ctc_reduction", "diff", "distance", "dropout", "elementwise", "embedding_bag",
    "embedding_renorm", "feature_mask", "fold", "gaussian_nll", "grid_sampler", "grid_taps", "grouped_mm",
    "index_put_accumulate", "isclose", "isfinite", "linear_cross_entropy_grads", "local_response_norm", "log_softmax",
    "loss_reduction", "lp_pool", "max_pool", "multi_margin", "multilabel_margin", "multilabel_soft_margin", "norm",
    "normalize", "pairwise_distance", "pointwise", "poisson_nll", "pool_window", "reduction", "rms_norm", "rnn",
    "rnn_step", "rnn_step_backward", "running_stats_average", "scalar_divided", "scaled_add", "softmax", "softmin",
    "summed_into", "total", "trilinear", "triplet_margin", "vector_norm", "weight_norm",
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
    # isfinite: (x == x)·(|x| ≠ ∞) on floats (the functional rule: 0 on integers, 9 on complex); isreal: imag == 0
    "isnan": 1, "isinf": 1, "isfinite": 4, "isposinf": 1, "isneginf": 1, "isreal": 1, "nan_to_num": 1,
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
    "isclose": 10,  # per output, + 3 per element of b: formulas.isclose (the functional rule)
    "where": 1,  # one select per element
    "masked_fill": 1,  # one select per element, as where
}  # fmt: skip
"""FLOPs per output element of element-wise math by function name: one per elementary function (``exp``,
``log``, ``sqrt``, ``sin``, ``erf`` ...), as for an add or a multiply; composites the ops of their formula."""


REDUCTION_COSTS: Final[Mapping[str, tuple[int, int, str]]] = {
    # name: (a, b, formula) for a·n + b·R
    # torch defines nansum as where(isnan(x), 0, x).sum(): n NaN tests, n selects, n − R additions
    "nansum": (3, -1, "n NaN tests + n selects + n − R additions"),
    "prod": (1, -1, "n − R multiplications"),
    "mean": (1, 0, "n − R additions + R divisions = n"),
    # nanmean = nansum(x) / (¬isnan(x)).sum(): isnan n, logical_not n, the count n − R, nansum 3n − R, divide R
    "nanmean": (6, -1, "n NaN tests + n NOTs + n − R counts + nansum (3n − R) + R divisions"),
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
    # where(y ≠ 1, max(margin − x, 0), 0) + where(y ≠ −1, x, 0): subtract, max, 2 compares, 2 selects, add
    "hinge_embedding_loss": 7,
    "margin_ranking_loss": 5,  # max(0, −y·(x1 − x2) + margin): negate, subtract, multiply, add, max
    "kl_div": 4,  # xlogy(y, y) − y·x (xlogy 2, multiply, subtract); exp(y)·(y − x) with log_target: 3
    "binary_cross_entropy": 7,  # −(y·log x + (1 − y)·log(1 − x)), + 1 with weight
    "binary_cross_entropy_with_logits": 6,  # (1 − y)·x + log(1 + exp(−x)), + 1 with weight, + 3 with pos_weight
    "poisson_nll_loss": 3,  # exp(x) − y·x; 4 without log_input: x − y·log(x + eps); + 10 with full
    "gaussian_nll_loss": 5,  # 0.5·((x − y)²/var + log var): subtract, square, divide, add, halve (+ 1 full)
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


def elementwise(cost: int, n: int) -> int:
    """An element-wise op costing ``cost`` FLOPs per element, over n elements: cost·n."""
    return cost * n


def pointwise(name: str, n: int) -> int:
    """An element-wise math function over n output elements: ``POINTWISE_COSTS[name]·n``."""
    return POINTWISE_COSTS[name] * n


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


def weight_norm(v: int, g: int) -> int:
    """w = g·v/‖v‖ (torch._weight_norm), v of v elements in g rows: the row norms 2v (v squares, v − g adds, g
    roots), g divides g/‖v‖, v multiplies: 3v + g."""
    return 3 * v + g


def norm(n: int, weight: bool, bias: bool, base: int = 2) -> int:
    """A normalisation of n elements: ``base`` per element (subtract the mean, divide by the std: 2; RMS
    norm 1) + n per affine parameter present. Statistics are not counted (docs/conventions.md)."""
    return (base + weight + bias) * n


def cosine_similarity(d: int) -> int:
    """(x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps)) summed over d elements, as torch computes it: 8d + 1.

    Two 2-norms (2d each), two clamps at eps (1 each), two divides (d each), the product (d), its sum (d − 1).
    """
    return 8 * d + 1


def cosine_embedding(d: int) -> int:
    """cosine_embedding_loss per row of d, before the reduction: 6d + 10.

    The cosine as the loss computes it: x1·x2, (x1·x1 + ε), (x2·x2 + ε) (2d − 1 each, + 2 eps adds), the product
    of the two, its square root and the divide (6d + 2); then 1 − cos, cos − margin and its clamp at 0, the
    compares y = 1 and y = −1 and their two selects, the sum of the two (8).
    """
    return 6 * d + 10


def normalize(p: object, n: int, r: int) -> int:
    """F.normalize of n elements in r vectors: the p-norms (:func:`vector_norm`), their clamp at eps (r), n divides."""
    return vector_norm(p, n, r) + r + n


def rms_norm(n: int, r: int, weight: bool) -> int:
    """RMS norm of n elements in r rows, as torch runs it: x² (n), the mean (n), + eps (r), rsqrt (r), x·rsqrt (n),
    [·weight (n)]: (3 + [weight])·n + 2r."""
    return (3 + weight) * n + 2 * r


def isclose(n: int, a: int, b: int, tolerance: bool, equal_nan: bool, bools: bool = True) -> int:
    """isclose(a, b) of n broadcast elements (a, b: numel of each input), as torch composes it.

    a == b (n); with equal_nan, isnan(a), isnan(b) (a + b), their AND and the OR into the result (2n); unless
    rtol = atol = 0: atol + |rtol·b| (3b), |a − b| (2n), isfinite of it (4n: two compares, abs, their AND as a
    multiply), ≤ (n), AND (n), OR (n): 10n + 3b. ``bools`` False drops the n-element ops on bool tensors (the ANDs
    and ORs), which core counts 0 on a 0-d output (integer bookkeeping, ``rules.is_bookkeeping``).
    """
    on_bools = n if bools else 0
    flops = n
    if equal_nan:
        flops += a + b + 2 * on_bools
    if tolerance:
        flops += 3 * b + 2 * n + 3 * n + on_bools + n + 2 * on_bools
    return flops


def allclose(n: int, a: int, b: int, tolerance: bool, equal_nan: bool, bools: bool = True) -> int:
    """allclose(a, b) of n broadcast elements: :func:`isclose`, then all() of its n results: n − 1 ANDs
    (``REDUCTION_COSTS['all']``)."""
    return isclose(n, a, b, tolerance, equal_nan, bools) + reduction("all", n, 1)


def dropout(n: int, mask: int, p: float, training: bool, alpha: bool = False) -> int:
    """Dropout of n elements with a mask of ``mask`` elements (n; per channel for feature dropout), as torch runs it.

    0 in eval, for p = 0 or an empty input (the input is returned); p = 1: x·0 (n); else the mask scaled by
    1/(1 − p) (mask) and x·mask (n): mask + n (plain dropout 2n); alpha dropout: the mask's affine term
    (mask − 1)·αa + αap (3·mask) and its scale a (mask), x·mask + b (2n): 4·mask + 2n.
    """
    if not training or p == 0 or n == 0:
        return 0
    if p == 1:
        return n
    return 4 * mask + 2 * n if alpha else mask + n


def feature_mask(shape: Sequence[int], spatial: int | None = None) -> int:
    """Elements of a feature dropout's mask: one per (batch, channel), the first two dims of the tensor torch drops.

    ``spatial``: the spatial dims of dropout1d/3d (1, 3), which add the batch dim to an unbatched input (spatial + 1
    dims: one value per channel); ``None``: the input as given (dropout2d, feature_dropout, feature_alpha_dropout).
    """
    if len(shape) < 2:
        return math.prod(shape)
    if spatial is not None and len(shape) == spatial + 1:
        return shape[0]
    return shape[0] * shape[1]


def gaussian_nll(e: int, var: int | None, full: bool) -> int:
    """gaussian_nll_loss of e elements before the reduction: (5 + [full])·e + the variance's work.

    A tensor var of v elements: the check any(var < 0) (v compares, v − 1 ORs), its clamp at eps and its log:
    4v − 1; a float var (``var`` None) is first broadcast by a multiply with ones: its clamp and log are e each, 3e.
    """
    per_var = 3 * e if var is None else max(4 * var - 1, 0)
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


def adaptive_windows(in_sizes: Sequence[int], out_sizes: Sequence[int]) -> int:
    """Σ over the output positions of an adaptive pool of its window's size (start ⌊i·in/out⌋, end ⌈(i + 1)·in/out⌉,
    per dimension; the product over the dimensions)."""
    result = 1
    for size_in, size_out in zip(in_sizes, out_sizes, strict=True):
        result *= sum(-(-((i + 1) * size_in) // size_out) - (i * size_in) // size_out for i in range(size_out))
    return result


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
    e = m // classes if classes else 0
    flops = log_softmax(m, classes)
    if probabilities:
        flops += 2 * m * smoothing + m + weighted * m + (m - e) + (e if reduction == "none" else 1)
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

    (2d − 1)·S (QKᵀ) + S (scale) [+ S mask] + S + b·Lq·(Lk − 1) + S (softmax) [+ 2S dropout: the mask scaled by
    1/(1 − p) and the weights times it, :func:`dropout`] + (2Lk − 1)·b·Lq·dv (weights × V); MACs S·d + S·dv.
    """
    scores = b * lq * lk
    flops = max(2 * d - 1, 0) * scores + scores  # QKᵀ, then scaling
    if masked:
        flops += scores
    flops += scores + b * lq * (lk - 1) + scores  # softmax: exp, row sums, divisions
    if dropout:
        flops += 2 * scores
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
    # r, z = sigmoid; r·(W_hn·h + b_hn) (1); n = tanh; h' = n + z·(h − n) (3: torch's sub, mul, add)
    "gru": 2 * _SIGMOID + 1 + _TANH + 3,
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
    if n == 0:  # an empty input: nothing to reduce (r outputs of 0, or of the identity)
        return 0
    if p in (1, math.inf, -math.inf, 0):  # |x| (or x ≠ 0) per element, then n − R adds/compares
        return 2 * n - r
    if p in (2, "fro", None):  # squares, n − R additions, R square roots
        return 2 * n
    return 3 * n  # |x|^p as abs and pow, n − R additions, R roots


def softmin(n: int, size: int) -> int:
    """softmin = softmax(−x) over rows of ``size`` of n elements: the negation torch runs first (n), then
    :func:`softmax`."""
    return n + softmax(n, size)


def local_response_norm(size: int, n: int) -> int:
    """Local response norm of n elements over windows of ``size`` channels: (size + 5)·n: the square, the window's
    average (size), ·alpha, + k, ^beta, the divide."""
    return (size + 5) * n


def running_stats_average(batch: int, channels: int, stats: int) -> int:
    """An instance norm updating ``stats`` running statistics in training: torch averages each per-instance statistic
    over the batch, one mean of B·C values per statistic: stats·B·C."""
    return stats * batch * channels


def pairwise_distance(p: object, d: int) -> int:
    """‖x1 − x2 + eps‖_p of d elements (one output): d subtracts, d adds of eps, the p-norm (:func:`vector_norm`):
    2d + norm_p(d)."""
    return 2 * d + vector_norm(p, d, 1)


def avg_pool(k: int, n: int) -> int:
    """Average pooling of n outputs over windows of k elements: k − 1 adds and a divide per output: k·n."""
    return k * n


def max_pool(k: int, n: int) -> int:
    """Max pooling of n outputs over windows of k elements: k − 1 compares per output: (k − 1)·n."""
    return (k - 1) * n


def lp_pool(n_in: int, k: int, n: int) -> int:
    """Power-average pooling of n_in inputs to n outputs over windows of k: x^p of every input, k − 1 adds and a root
    per output: n_in + k·n."""
    return n_in + k * n


def adaptive_pool(in_shape: Sequence[int], out_shape: Sequence[int], dims: int, maximum: bool = False) -> int:
    """An adaptive pool (or 'area' resampling) over the last ``dims`` dims: Σ over its outputs of their window's size
    w (w − 1 adds and a divide each), Σ (w − 1) with ``maximum`` (w − 1 compares each): the leading (batch, channel)
    elements × :func:`adaptive_windows`, − numel(out) for max."""
    leading = math.prod(out_shape[: len(out_shape) - dims])
    windows = leading * adaptive_windows(in_shape[len(in_shape) - dims :], out_shape[len(out_shape) - dims :])
    return windows - math.prod(out_shape) if maximum else windows


def fold(n_in: int, covered: int) -> int:
    """col2im (fold) of n_in block values onto an output of which ``covered`` elements receive at least one: an add
    for every value but the first of its element: n_in − covered."""
    return n_in - covered


def embedding_bag(looked_up: int, n: int, mode: str, per_sample_weights: bool) -> int:
    """An embedding bag of ``looked_up`` = I·D row values (I indices, rows of D) into n outputs: 'sum' and 'max'
    I·D − n (a bag of b rows: (b − 1)·D adds or compares; no bag is taken to be empty), 'mean' I·D (the divide),
    + I·D with per_sample_weights."""
    flops = looked_up if mode == "mean" else max(looked_up - n, 0)
    return flops + (looked_up if per_sample_weights else 0)


def embedding_renorm(indices: int, p: object, d: int) -> int:
    """An embedding lookup's max_norm: per looked-up index, the p-norm of its row of d (:func:`vector_norm`) and one
    compare: indices·(norm_p(d) + 1) (the rescaling depends on values and is not counted)."""
    return indices * (vector_norm(p, d, 1) + 1)


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


def rnn(
    mode: str,
    rows: int,
    in_size: int,
    hidden: int,
    proj: int = 0,
    layers: int = 1,
    directions: int = 1,
    bias: bool = True,
    dropout_p: float = 0.0,
    training: bool = False,
) -> Count:
    """A recurrent module over ``rows`` rows (time steps × sequences): rows·directions × Σ over its layers of
    :func:`rnn_step` (layer 0 reads in_size, the others the previous layer's directions·(proj or H)); in training,
    + :func:`dropout` of every layer's output but the last's (rows·directions·(proj or H) elements each)."""
    out_size = proj or hidden
    steps = [
        rnn_step(mode.lower(), in_size if layer == 0 else out_size * directions, hidden, out_size, proj, bias)
        for layer in range(layers)
    ]
    step = total(*steps)
    between = rows * out_size * directions  # one layer's output, dropped before the next layer
    dropped = (layers - 1) * dropout(between, between, dropout_p, training)
    return total(Count(flops=step.flops * rows * directions, macs=step.macs * rows * directions), dropped)


INTERPOLATION_COSTS: Final[Mapping[str, int]] = {
    "nearest": 0,  # copies the nearest input
    "nearest-exact": 0,
    "linear": 3,  # weighted sum of 2 neighbours: 2 multiplies, 1 add
    "bilinear": 7,  # 4 neighbours: 4 multiplies, 3 adds
    "trilinear": 15,  # 8 neighbours: 8 multiplies, 7 adds
    "bicubic": 31,  # 4×4 neighbours: 16 multiplies, 15 adds
}
"""FLOPs per output element of each interpolation mode (``nn.Upsample``, ``F.interpolate``): a weighted sum of 2^d
(bicubic 4^d) inputs; the weights depend only on the output position and are not counted ('area' is an adaptive
average pool: :func:`adaptive_pool`)."""


GRID_TAPS: Final[Mapping[int, int]] = {0: 2, 1: 1, 2: 4}
"""Input values per output and spatial dim of each grid sampler ``interpolation_mode`` (aten's ints): bilinear 2,
nearest 1, bicubic 4; an output of a d-dimensional sampling reads taps^d values."""


def grid_taps(mode: int, dims: int) -> int:
    """m, the input values an output of a ``dims``-dimensional grid sampling reads: bilinear 2^d, nearest 1, bicubic
    4^d (:data:`GRID_TAPS`)."""
    return GRID_TAPS.get(mode, 1) ** dims


def grid_sampler(mode: int, dims: int, n: int) -> int:
    """A grid sampling of n outputs (aten's ``interpolation_mode``): (2m − 1)·n, a weighted sum of m =
    :func:`grid_taps` taps (bilinear 7, trilinear 15, bicubic 31); nearest 0 (a copy). The weights depend on the
    position only."""
    return 0 if mode == 1 else (2 * grid_taps(mode, dims) - 1) * n


def pool_window(kernel: int | Sequence[int], dims: int) -> int:
    """Elements of a pooling window over ``dims`` dims: Π kernel_size; an int kernel_size (one size for every dim)
    k^dims."""
    return kernel**dims if isinstance(kernel, int) else math.prod(kernel)


def convolution(n: int, weight_shape: Sequence[int], bias: bool) -> Count:
    """A direct convolution of n outputs with a weight [C_out, C_in/g, *k]: n dot products of K = (C_in/g)·Πk,
    :func:`contraction` (n, K, bias): (2K − 1)·n [+ n]; MACs K·n."""
    return contraction(n, weight_shape[1] * math.prod(weight_shape[2:]), bias)


def distance(p: object, d: int, n: int = 1) -> int:
    """n distances ‖x1 − x2‖_p over d elements each: d subtracts and the p-norm (:func:`vector_norm`) per distance:
    n·(d + norm_p(d))."""
    return n * (d + vector_norm(p, d, 1))


def scaled_add(n: int, beta: object, alpha: object) -> int:
    """beta·self + alpha·P over n outputs (addmm, addr ...), after the product P: n [beta ≠ 0] + n [alpha ≠ 1]
    + n [beta ∉ {0, 1}]."""
    return ((beta != 0) + (alpha != 1) + (beta not in (0, 1))) * n


def index_put_accumulate(n: int) -> int:
    """n values masked (a select each, POINTWISE_COSTS['masked_fill']) and added into the destination:
    (masked_fill + 1)·n."""
    return (POINTWISE_COSTS["masked_fill"] + 1) * n


def grouped_mm(n: int, groups: int, k: int, bias: bool) -> Count:
    """G = ``groups`` products splitting K (a 2-d × 2-d grouped mm, out [G, M, N] of n elements): Σ_g (2k_g − 1)·M·N
    (+ n with bias), MACs K·M·N. Any split into non-empty groups counts the same, so an even one is counted: r
    groups of ⌊K/G⌋ + 1, G − r of ⌊K/G⌋ (r = K mod G)."""
    per_group = n // groups if groups else 0
    q, r = divmod(k, groups) if groups else (0, 0)
    return total(contraction(r * per_group, q + 1), contraction((groups - r) * per_group, q), n if bias else 0)


def trilinear(
    sizes: Sequence[Sequence[int]], expand3: Sequence[int], sumdim: Sequence[int], unroll: int, n: int
) -> Count:
    """Σ_sumdim i1·i2·i3 (aten._trilinear; ``sizes`` the three operands' sizes after unsqueezing at their expand
    dims) as torch runs it, two contractions: buf = Σ_{s12} i1·i2, contraction(numel(buf), K12), then Σ_{s23}
    buf·i3, contraction(n, K23); s12 the summed dims i3 lacks, s23 the others (with ``unroll`` when summed: torch
    loops over its slices and adds them up)."""
    s1, s2, s3 = sizes
    summed = set(sumdim)
    summed12 = [d for d in summed if d != unroll and d in expand3]
    summed23 = [d for d in summed if d != unroll and d not in expand3]
    slices = max(s1[unroll], s2[unroll], s3[unroll])
    buf = slices * math.prod(max(s1[d], s2[d]) for d in range(len(s1)) if d != unroll and d not in summed12)
    k12 = math.prod(max(s1[d], s2[d]) for d in summed12)
    k23 = math.prod(max(s1[d], s2[d], s3[d]) for d in summed23) * (slices if unroll in summed else 1)
    return total(contraction(buf, k12), contraction(n, k23))


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
        parts.append(max(logits - classes, 0) + rows)
    return total(*parts)


def summed_into(values: int, targets: int) -> int:
    """``values`` values added into ``targets`` positions (a sum's outputs, a bias's or a padding's gradient):
    values − targets adds (0 when values ≤ targets)."""
    return max(values - targets, 0)


def scalar_divided(x: int, n: int) -> int:
    """A number divided by a tensor of x elements into n outputs, as torch runs it (``x.reciprocal() * number``,
    ``Tensor.__rdiv__``): x reciprocals + n multiplies = x + n."""
    return x + n


def conv_tbc(n: int, weight_shape: Sequence[int], bias: bool) -> Count:
    """torch.conv_tbc of n outputs with a weight [k, C_in, C_out]: n dot products of K = k·C_in, :func:`contraction`
    (n, K, bias): (2K − 1)·n [+ n]; MACs K·n."""
    return contraction(n, weight_shape[0] * weight_shape[1], bias)


def isfinite(n: int, complex_: bool, bools: bool = True) -> int:
    """isfinite of n elements as torch composes it: floating (x == x)·(|x| ≠ ∞): 3n + n for the AND = 4n; complex:
    both parts (4n each) and their AND, 9n. ``bools`` False drops the ANDs of bool tensors (a 0-d input: integer
    bookkeeping, 0). Integer and bool inputs are not asked (torch returns ones: 0)."""
    ands = n if bools else 0
    per_part = 3 * n + ands
    return 2 * per_part + ands if complex_ else per_part


def diff(rows: int, size: int, order: int) -> int:
    """diff of order k along a dim of ``size`` S (before differencing), in ``rows`` rows: the k passes take
    Σ_{i=1..k} (S − i) subtracts per row."""
    return rows * sum(size - i for i in range(1, order + 1))
