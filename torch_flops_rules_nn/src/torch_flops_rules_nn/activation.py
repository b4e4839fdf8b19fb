"""Activations: one per-element cost table for the element-wise ones, the softmax family, GLU.

Each scalar add, multiply, divide, compare, ``exp``, ``log``, ``tanh`` or ``erf`` is one FLOP; picking
one of two values after a compare and flipping a sign inside a formula are free (Softmin's negation
runs as an op of its own and counts N). Why each cost: docs/conventions.md.
"""

from __future__ import annotations

from typing import Final

import torch
from torch import nn

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.formulas import ACTIVATION_COSTS
from torch_flops_core.shapes import out_numel

__all__ = ["PER_ELEMENT", "cost_of", "elementwise", "glu", "log_softmax", "register", "softmax"]

ACTIVATION_NAMES: Final[dict[type[nn.Module], str]] = {
    nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Hardtanh: "hardtanh", nn.Threshold: "threshold",
    nn.LeakyReLU: "leaky_relu", nn.PReLU: "prelu", nn.RReLU: "rrelu", nn.GELU: "gelu", nn.ELU: "elu",
    nn.CELU: "celu", nn.SELU: "selu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.SiLU: "silu", nn.Mish: "mish",
    nn.Softplus: "softplus", nn.Softsign: "softsign", nn.Softshrink: "softshrink", nn.Hardshrink: "hardshrink",
    nn.Tanhshrink: "tanhshrink", nn.LogSigmoid: "logsigmoid", nn.Hardsigmoid: "hardsigmoid",
    nn.Hardswish: "hardswish",
}  # fmt: skip
"""The function each element-wise activation module computes (``nn.SiLU`` is ``silu``)."""

PER_ELEMENT: Final[dict[type[nn.Module], int]] = {cls: ACTIVATION_COSTS[name] for cls, name in ACTIVATION_NAMES.items()}
"""FLOPs per output element of each element-wise activation, found along a module's MRO."""


def cost_of(cls: type) -> int:
    """The per-element cost of an activation class (or of the nearest base class in PER_ELEMENT)."""
    return next(PER_ELEMENT[base] for base in cls.__mro__ if base in PER_ELEMENT)


def elementwise(call: Call) -> int:
    """Element-wise activation: c·N, N = numel(out), c = PER_ELEMENT[class] (e.g. ReLU 1, Sigmoid 3)."""
    return formulas.elementwise(cost_of(type(call.module_as(nn.Module))), out_numel(call))


def _size(module: nn.Module, x: torch.Tensor) -> int:
    """S, the size of the softmax dim: the module's dim, or the one torch picks when it is None (0 for 0-, 1-, 3-d
    inputs, else 1); Softmax2d's is the channels (dim −3); 1 for a 0-d input."""
    if not x.dim():
        return 1
    if isinstance(module, nn.Softmax2d):
        return x.shape[-3]
    dim = getattr(module, "dim", None)
    if dim is None:
        dim = 0 if x.dim() in (0, 1, 3) else 1
    return x.shape[int(dim)]


def softmax(call: Call) -> int:
    """Softmax, Softmax2d: 2N + (S − 1)·N/S; S = size of dim (Softmax2d: the channels); Softmin: + N (softmax(−x):
    the negation runs as an op of its own, as for F.softmin)."""
    module = call.module_as(nn.Module)
    size = _size(module, call.arguments()["input"])
    if isinstance(module, nn.Softmin):
        return formulas.softmin(out_numel(call), size)
    return formulas.softmax(out_numel(call), size)


def log_softmax(call: Call) -> int:
    """LogSoftmax: 3N = N exps + (S − 1)·N/S adds + N/S logs + N subtracts."""
    module = call.module_as(nn.LogSoftmax)
    return formulas.log_softmax(out_numel(call), _size(module, call.arguments()["input"]))


def glu(call: Call) -> int:
    """GLU: 4·N = a·sigmoid(b): sigmoid 3·N, multiply N; N = numel(out) = numel(in)/2."""
    return formulas.activation("glu", out_numel(call))


def register(registry: Registry) -> None:
    registry.module(*PER_ELEMENT)(elementwise)
    registry.module(nn.Softmax, nn.Softmin, nn.Softmax2d)(softmax)
    registry.module(nn.LogSoftmax)(log_softmax)
    registry.module(nn.GLU)(glu)
