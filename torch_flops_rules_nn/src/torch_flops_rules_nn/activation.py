"""Activations: one per-element cost table for the element-wise ones, the softmax family, GLU.

Each scalar add, multiply, divide, compare, ``exp``, ``log``, ``tanh`` or ``erf`` is one FLOP; picking
one of two values after a compare and flipping a sign are free. Why each cost: docs/conventions.md.
"""

from __future__ import annotations

from typing import Final

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel

__all__ = ["PER_ELEMENT", "cost_of", "elementwise", "glu", "log_softmax", "register", "softmax", "softmax_cost"]

PER_ELEMENT: Final[dict[type[nn.Module], int]] = {
    nn.ReLU: 1,  # max(x, 0), the seed's
    nn.ReLU6: 2,  # min(max(x, 0), 6)
    nn.Hardtanh: 2,  # clamp: two compares
    nn.Threshold: 1,  # compare, then pick x or value
    nn.LeakyReLU: 4,  # the seed's
    nn.PReLU: 4,  # LeakyReLU with a learned slope
    nn.RReLU: 4,  # LeakyReLU with a drawn (training) or mean (eval) slope; drawing is not counted
    nn.GELU: 1,  # the seed's, both approximations (written out: erf form 5, tanh form 9)
    nn.ELU: 4,  # compare, exp, subtract 1, multiply by alpha
    nn.CELU: 5,  # ELU with x/alpha inside the exp
    nn.SELU: 5,  # ELU, then multiply by scale
    nn.Sigmoid: 3,  # 1/(1 + exp(−x)): exp, add, divide
    nn.Tanh: 1,  # one library function, like exp
    nn.SiLU: 4,  # x·sigmoid(x)
    nn.Mish: 5,  # x·tanh(log(1 + exp(x))): exp, add, log, tanh, multiply
    nn.Softplus: 6,  # log(1 + exp(beta·x))/beta, linear above threshold: multiply, compare, exp, add, log, divide
    nn.Softsign: 3,  # x/(1 + |x|): abs, add, divide
    nn.Softshrink: 3,  # two compares, one add or subtract of lambda
    nn.Hardshrink: 2,  # two compares
    nn.Tanhshrink: 2,  # x − tanh(x)
    nn.LogSigmoid: 3,  # −log(1 + exp(−x)): exp, add, log
    nn.Hardsigmoid: 4,  # relu6(x + 3)/6: add, two compares, divide
    nn.Hardswish: 5,  # x·hardsigmoid(x)
}
"""FLOPs per output element of each element-wise activation, found along a module's MRO."""


def cost_of(cls: type) -> int:
    """The per-element cost of an activation class (or of the nearest base class in PER_ELEMENT)."""
    return next(PER_ELEMENT[base] for base in cls.__mro__ if base in PER_ELEMENT)


def elementwise(call: Call) -> int:
    """Element-wise activation: c·N, N = numel(out), c = PER_ELEMENT[class] (e.g. ReLU 1, Sigmoid 3)."""
    return cost_of(type(call.module)) * out_numel(call)


def _dim(call: Call) -> int:
    """The softmax dim: the module's, or the one torch picks when it is None (0 for 0-, 1-, 3-d inputs, else 1)."""
    if isinstance(call.module, nn.Softmax2d):
        return -3
    dim = getattr(call.module, "dim", None)
    if dim is None:
        return 0 if call.arg(0, "input").dim() in (0, 1, 3) else 1
    return int(dim)


def softmax_cost(n: int, size: int) -> int:
    """Softmax over rows of `size` of n elements: n exps, (size − 1)·n/size adds, n divides."""
    rows = n // size if size else 0
    return 2 * n + (size - 1) * rows


def softmax(call: Call) -> int:
    """Softmax, Softmin, Softmax2d: 2N + (S − 1)·N/S; S = size of dim (Softmax2d: the channels)."""
    x = call.arg(0, "input")
    return softmax_cost(out_numel(call), x.shape[_dim(call)] if x.dim() else 1)


def log_softmax(call: Call) -> int:
    """LogSoftmax: 3N = N exps + (S − 1)·N/S adds + N/S logs + N subtracts."""
    return 3 * out_numel(call)


def glu(call: Call) -> int:
    """GLU: 4·N = a·sigmoid(b): sigmoid 3·N, multiply N; N = numel(out) = numel(in)/2."""
    return (cost_of(nn.Sigmoid) + 1) * out_numel(call)


def register(registry: Registry) -> None:
    registry.module(*PER_ELEMENT)(elementwise)
    registry.module(nn.Softmax, nn.Softmin, nn.Softmax2d)(softmax)
    registry.module(nn.LogSoftmax)(log_softmax)
    registry.module(nn.GLU)(glu)
