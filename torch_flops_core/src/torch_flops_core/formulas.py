"""The counting convention's formulas, as pure functions of shapes and flags: one home for every pack.

Every rule pack (nn, functional, aten) and any third-party plugin counts a family of ops with these,
so ``nn.Linear``, ``F.linear`` and ``aten.addmm`` cannot drift apart. They are the convention's
vocabulary, not rules: core still claims no op. ``docs/conventions.md`` states each formula; exact
FLOPs count a multiply and an add separately (a dot product of length K is 2K − 1 FLOPs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .rules import Count

__all__ = [
    "ACTIVATION_COSTS", "activation", "contraction", "log_softmax", "norm", "softmax", "total",
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
