"""The per-element cost tables of the convention: activations, element-wise math, reductions, losses.

Tables, not rules: ``F.silu``, ``nn.SiLU`` and ``aten.silu`` all read ``ACTIVATION_COSTS["silu"]``. The functions
that apply them live in :mod:`.per_element` (``activation``, ``pointwise``), :mod:`.reductions` (``reduction``) and
:mod:`.losses`; ``docs/conventions.md`` states each value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "ACTIVATION_COSTS", "LOSS_COSTS", "POINTWISE_COSTS", "REDUCTION_COSTS",
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
