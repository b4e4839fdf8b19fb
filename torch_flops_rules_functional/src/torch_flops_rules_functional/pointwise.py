"""Element-wise math beyond the operators: unary functions, binary functions, selects and blends.

Every rule here counts ``cost · N``, N = numel(out) (of the broadcast output, of the first output of
ops that return several). ``POINTWISE_COSTS`` is the per-element cost of each op: one FLOP per
evaluation of an elementary function (``exp``, ``log``, ``sqrt``, ``sin``, ``erf`` ...), as for an
add or a multiply; composite functions cost the elementary ops of their formula. Activation
functions have their own table, :data:`torch_flops_core.formulas.ACTIVATION_COSTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import numel, out_numel

from ._common import Claimer, named, ops, variants

__all__ = ["POINTWISE_COSTS", "pointwise"]

POINTWISE_COSTS: Mapping[str, int] = {
    # exponentials, logarithms, roots, powers: one elementary function each
    "exp": 1, "exp2": 1, "expm1": 1, "log": 1, "log2": 1, "log10": 1, "log1p": 1,
    "sqrt": 1, "rsqrt": 1, "reciprocal": 1, "square": 1, "float_power": 1,
    # trigonometric and hyperbolic (tanh is in the activation table)
    "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1, "arcsin": 1, "arccos": 1, "arctan": 1,
    "sinh": 1, "cosh": 1, "asinh": 1, "acosh": 1, "atanh": 1, "arcsinh": 1, "arccosh": 1, "arctanh": 1,
    "atan2": 1, "arctan2": 1, "hypot": 1, "deg2rad": 1, "rad2deg": 1, "sinc": 1,
    # special functions
    "erf": 1, "erfc": 1, "erfinv": 1, "lgamma": 1, "digamma": 1, "polygamma": 1, "i0": 1, "igamma": 1,
    "igammac": 1, "ndtr": 1, "ndtri": 1, "log_ndtr": 1, "i0e": 1, "i1": 1, "i1e": 1, "entr": 1,
    "erfcx": 1, "psi": 1, "gammaln": 1, "multigammaln": 1, "mvlgamma": 1,
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


def pointwise(cost: int, name: str, module: str = __name__) -> Any:
    """A rule counting ``cost`` FLOPs per output element (0 when the result is not a tensor)."""

    def rule(call: Call) -> int:
        return cost * out_numel(call)

    return named(rule, module, name, f"{name}: {cost}·N, N = numel(out).")


def _scaled(base: int, name: str) -> Any:
    """A rule for ops with a scale keyword (addcmul's ``value``): base·N, + N when the scale is not 1."""

    def rule(call: Call) -> int:
        n = out_numel(call)
        return base * n + (n if call.kwargs.get("value", 1) != 1 else 0)

    return named(rule, __name__, name, f"{name}: {base}·N, + N when value ≠ 1; N = numel(out).")


def clamp(call: Call) -> int:
    """clamp/clip: N per bound given (min, max), N = numel(out)."""
    bounds = (call.arg(1, "min") is not None) + (call.arg(2, "max") is not None)
    return bounds * out_numel(call)


def where(call: Call) -> int:
    """where(cond, a, b): N selects, N = numel(out); where(cond) alone finds the nonzeros: numel(cond) compares."""
    if len(call.args) + len(call.kwargs) == 1:
        return numel(call.arg(0, "condition"))
    return out_numel(call)


def isclose_reduce(call: Call) -> int:
    """allclose: isclose's 5 per element of the broadcast inputs, + numel − 1 ANDs."""
    a, b = call.arg(0, "input"), call.arg(1, "other")
    n = torch.broadcast_shapes(a.shape, b.shape).numel()
    return 5 * n + n - 1


def equal(call: Call) -> int:
    """torch.equal: numel(a) compares + numel(a) − 1 ANDs (0 when the shapes differ)."""
    a, b = call.arg(0, "input"), call.arg(1, "other")
    return 2 * a.numel() - 1 if a.shape == b.shape and a.numel() else 0


_SPECIAL = {"addcmul", "addcdiv", "where"}


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for name, cost in POINTWISE_COSTS.items():
        if name not in _SPECIAL:
            claim(variants(name), pointwise(cost, name))
    for name in ("addcmul", "addcdiv"):
        registry.function(*variants(name))(_scaled(POINTWISE_COSTS[name], name))
    registry.function(*ops("torch.where", "Tensor.where"))(where)
    registry.function(*variants("clamp", "clip"))(clamp)
    registry.function(*variants("clamp_min", "clamp_max"))(pointwise(1, "clamp_bound"))
    registry.function(*ops("torch.allclose", "Tensor.allclose"))(isclose_reduce)
    registry.function(*ops("torch.equal", "Tensor.equal"))(equal)
