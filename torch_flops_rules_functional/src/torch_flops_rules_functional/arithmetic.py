"""Element-wise arithmetic and comparisons, as operators, functions and methods."""

from __future__ import annotations

import operator
from numbers import Number

import torch

from torch_flops_core import Call, Registry


def elementwise(call: Call) -> int:
    """Element-wise op: N = numel(out); 1 when the result is a Python number; 0 for other values."""
    out = call.output
    if isinstance(out, torch.Tensor):
        return out.numel()
    if isinstance(out, Number):  # arithmetic on sizes and scalars, as the seed counted it
        return 1
    return 0  # e.g. tuple concatenation of shapes: no arithmetic


def free(call: Call) -> int:
    """Floor division: 0, as in the seed (it appears in shape arithmetic)."""
    return 0


_T = torch.Tensor


def register(registry: Registry) -> None:
    # One spelling per op; core's alias groups add the others (torch.add, Tensor.add, __radd__ ...).
    registry.function(
        operator.add, operator.sub, operator.mul, operator.truediv, operator.eq, operator.pow,
        operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ipow,
        torch.exp, _T.exp_,
    )(elementwise)  # fmt: skip
    registry.function(operator.floordiv, operator.ifloordiv)(free)
