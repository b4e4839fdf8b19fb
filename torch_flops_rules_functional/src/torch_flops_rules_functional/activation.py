"""Activation functions and the softmax family.

``ACTIVATION_COSTS`` is the single source of the per-element cost of every activation: the
``torch.nn`` module of an activation (``nn.SiLU``) must count what its function (``F.silu``) counts.
The convention: an elementary function (``exp``, ``log``, ``tanh``, ``erf``) or a scalar add,
multiply, divide, compare or select is 1 FLOP; a composite activation costs the ops of its formula
(a sign flip inside a formula is free); ReLU = 1, GELU = 1 and LeakyReLU = 4 are the seed's values.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel

from ._common import Claimer, variants
from .pointwise import pointwise

__all__ = ["ACTIVATION_COSTS", "log_softmax", "softmax"]

ACTIVATION_COSTS: Mapping[str, int] = {
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
"""Per-element FLOPs of each activation (N = numel(out) elements), shared by its module and function forms."""


def _softmax_dim(x: torch.Tensor, dim: int | None) -> int:
    if dim is None:  # deprecated implicit dim: torch picks 0 for 0-, 1- and 3-d inputs, else 1
        dim = 0 if x.dim() in (0, 1, 3) else 1
    return x.shape[dim] if x.dim() else 1


def softmax(call: Call) -> int:
    """softmax over dim d of size S: N (exp) + (S − 1)·N/S (sums) + N (divisions), N = numel(out)."""
    n = out_numel(call)
    size = _softmax_dim(call.arg(0, "input"), call.arg(1, "dim"))
    rows = n // size if size else 0
    return 2 * n + (size - 1) * rows


def log_softmax(call: Call) -> int:
    """log_softmax: x − log(Σ exp x): N (exp) + (S − 1)·N/S (sums) + N/S (log) + N (subtract) = 3N."""
    n = out_numel(call)
    size = _softmax_dim(call.arg(0, "input"), call.arg(1, "dim"))
    rows = n // size if size else 0
    return 2 * n + size * rows


def gumbel_softmax(call: Call) -> int:
    """gumbel_softmax: −log(−log u) noise (2N), add (N), divide by τ (N), softmax over dim; N = numel(out)."""
    n = out_numel(call)
    logits = call.arg(0, "logits")
    dim = call.arg(4, "dim", -1)
    size = logits.shape[dim] if logits.dim() else 1
    return 4 * n + 2 * n + (size - 1) * (n // size if size else 0)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for name, cost in ACTIVATION_COSTS.items():
        claim(variants(name), pointwise(cost, name, __name__))
    claim(variants("softmax", "softmin", inplace=False), softmax)  # softmin's sign flip is free
    claim(variants("log_softmax", inplace=False), log_softmax)
    claim(variants("gumbel_softmax", inplace=False), gumbel_softmax)
