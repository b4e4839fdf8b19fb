"""Element-wise arithmetic and comparisons, as operators, functions and methods."""

from __future__ import annotations

import operator

import torch

from torch_flops_core import Call, Registry


def elementwise(call: Call) -> int:
    """Element-wise op: N = numel(out); 0 when the result is not a tensor (shape arithmetic)."""
    out = call.output
    return out.numel() if isinstance(out, torch.Tensor) else 0


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
