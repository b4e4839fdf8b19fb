"""Operator-backed element-wise ops: arithmetic, comparisons and bitwise ops, and their in-place forms.

Each op is registered once, by its ``operator`` spelling (and ``operator.iadd`` ... for the in-place
twin); core's alias groups add ``torch.add``, ``Tensor.add``, ``Tensor.__add__``, ``__radd__``,
``Tensor.add_`` and the rest. The count is the element count of the broadcast output, so scalar
operands and broadcasting need no special case, and integer and bool tensors count the same way.
Floor division (``//``, ``floor_divide``) is one of them: N on tensors, 0 on Python numbers (shape arithmetic).
"""

from __future__ import annotations

import builtins
import math
import operator

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import elementwise as elementwise_count
from torch_flops_core.formulas import scalar_divided

from . import shape

__all__ = ["division", "elementwise"]


def elementwise(call: Call) -> int:
    """Element-wise op: N = numel(out), + N when add/sub scale by alpha ≠ 1; 0 when the result is not a tensor."""
    out = call.output
    if not isinstance(out, torch.Tensor):
        return 0  # shape arithmetic on Python numbers
    return elementwise_count(1 + (call.kwargs.get("alpha", 1) != 1), out.numel())


def division(call: Call) -> int:
    """Division (/, div, true_divide): N = numel(out); a number divided by a tensor (``2 / x``) runs
    ``x.reciprocal() * 2`` (``Tensor.__rdiv__``): numel(x) + N; 0 when the result is not a tensor."""
    out = call.output
    if not isinstance(out, torch.Tensor):
        return 0  # shape arithmetic on Python numbers
    dividend, divisor = call.arg(0, "input"), call.arg(1, "other")
    if isinstance(divisor, torch.Tensor) and not isinstance(dividend, torch.Tensor):
        return scalar_divided(divisor.numel(), out.numel())
    return out.numel()


def register(registry: Registry) -> None:
    # One spelling per op; core's alias groups add the others (torch.add, Tensor.add, __radd__ ...).
    registry.function(
        operator.add, operator.sub, operator.mul, operator.pow, operator.mod, operator.floordiv,
        operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
        operator.and_, operator.or_, operator.xor, operator.lshift, operator.rshift,
        operator.neg, operator.abs, operator.invert,
        operator.iadd, operator.isub, operator.imul, operator.itruediv, operator.ipow, operator.imod,
        operator.ifloordiv,
        operator.iand, operator.ior, operator.ixor, operator.ilshift, operator.irshift,
        torch.Tensor.eq_, torch.Tensor.ne_, torch.Tensor.lt_, torch.Tensor.le_, torch.Tensor.gt_, torch.Tensor.ge_,
        torch.Tensor.neg_, torch.Tensor.abs_, torch.Tensor.bitwise_not_,
    )(elementwise)  # fmt: skip
    registry.function(operator.truediv)(division)
    # FX records these when shape arithmetic rounds a traced size (math.ceil(H / p)): 0 on Python numbers
    registry.function(math.ceil, math.floor, math.trunc, builtins.round)(elementwise)
    registry.function(operator.pos)(shape.zero)  # +x returns x
