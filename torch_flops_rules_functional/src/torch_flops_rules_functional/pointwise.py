"""Element-wise math beyond the operators: unary functions, binary functions, selects and blends.

Every rule here counts ``cost · N``, N = numel(out) (of the broadcast output, of the first output of
ops that return several). ``torch_flops_core.formulas.POINTWISE_COSTS`` (shared with the aten pack) is
the per-element cost of each op: one FLOP per
evaluation of an elementary function (``exp``, ``log``, ``sqrt``, ``sin``, ``erf`` ...), as for an
add or a multiply; composite functions cost the elementary ops of their formula. Activation
functions have their own table, :data:`torch_flops_core.formulas.ACTIVATION_COSTS`.
"""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import POINTWISE_COSTS
from torch_flops_core.shapes import numel, out_numel

from ._common import Claimer, named, ops, variants

__all__ = ["POINTWISE_COSTS", "pointwise"]


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
