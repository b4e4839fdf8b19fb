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

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.formulas import POINTWISE_COSTS
from torch_flops_core.formulas.spectral import tensor_equal
from torch_flops_core.rulekit import Claimer, named, per_element
from torch_flops_core.shapes import broadcast_numel, numel, out_numel

from ._common import ops, variants

__all__ = ["POINTWISE_COSTS", "conj_physical", "isclose", "isfinite", "isreal"]


def _scaled(base: int, name: str) -> Any:
    """A rule for ops with a scale keyword (addcmul's ``value``): base·N, + N when the scale is not 1."""

    def rule(call: Call) -> int:
        return formulas.elementwise(base + (call.kwargs.get("value", 1) != 1), out_numel(call))

    return named(rule, name, f"{name}: {base}·N, + N when value ≠ 1; N = numel(out).", __name__)


def clamp(call: Call) -> int:
    """clamp/clip: N per bound given (min, max), N = numel(out)."""
    bounds = (call.arg(1, "min") is not None) + (call.arg(2, "max") is not None)
    return formulas.elementwise(bounds, out_numel(call))


def where(call: Call) -> int:
    """where(cond, a, b): N selects, N = numel(out); where(cond) alone finds the nonzeros: numel(cond) compares."""
    if len(call.args) + len(call.kwargs) == 1:
        return numel(call.arg(0, "condition"))
    return out_numel(call)


def _isclose(call: Call) -> tuple[int, int, int, bool, bool, bool]:
    """The arguments of formulas.isclose/allclose for a call of isclose or allclose(input, other, rtol, atol,
    equal_nan): (n, numel(a), numel(b), tolerance, equal_nan, bools)."""
    a, b = call.arg(0, "input"), call.arg(1, "other")
    rtol, atol = call.arg(2, "rtol", 1e-05), call.arg(3, "atol", 1e-08)
    floating = a.is_floating_point() or a.is_complex()
    equal_nan = bool(call.arg(4, "equal_nan", False)) and floating
    zero_d = a.dim() == 0 and b.dim() == 0  # bool ops on a 0-d result are integer bookkeeping (0)
    return broadcast_numel(a, b), a.numel(), b.numel(), not (rtol == 0 and atol == 0), equal_nan, not zero_d


def isclose(call: Call) -> int:
    """isclose: a == b (N), then unless rtol = atol = 0: atol + |rtol·b| (3·numel(b)), |a − b| (2N), isfinite (4N),
    ≤, AND, OR (3N): 10N + 3·numel(b); equal_nan on floats: + isnan of both inputs and 2N (formulas.isclose)."""
    return formulas.isclose(*_isclose(call))


def isclose_reduce(call: Call) -> int:
    """allclose: isclose (formulas.isclose), then all() of its N results: N − 1 ANDs."""
    return formulas.allclose(*_isclose(call))


def isfinite(call: Call) -> int:
    """isfinite: floating (x == x)·(|x| ≠ ∞): 4N; complex: both parts and their AND, 9N; integer and bool: 0 (torch
    returns ones). On a 0-d input the AND of bools is integer bookkeeping (0)."""
    x = call.arg(0, "input")
    if x.is_complex() or x.is_floating_point():
        return formulas.isfinite(numel(x), x.is_complex(), x.dim() != 0)
    return 0


def isreal(call: Call) -> int:
    """isreal: complex imag(x) == 0, N; a real tensor is real everywhere (torch returns ones): 0."""
    x = call.arg(0, "input")
    return numel(x) if x.is_complex() else 0


def conj_physical(call: Call) -> int:
    """conj_physical: a complex tensor's sign flips, N; a real tensor is returned as it is: 0."""
    x = call.arg(0, "input")
    return out_numel(call) if isinstance(x, torch.Tensor) and x.is_complex() else 0


def equal(call: Call) -> int:
    """torch.equal: numel(a) compares + numel(a) − 1 ANDs (0 when the shapes differ)."""
    a, b = call.arg(0, "input"), call.arg(1, "other")
    return tensor_equal(a.numel()) if a.shape == b.shape else 0


_SPECIAL = {"addcmul", "addcdiv", "where", "isclose", "isfinite", "isreal", "conj_physical"}


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    for name, cost in POINTWISE_COSTS.items():
        if name not in _SPECIAL:
            claim(variants(name), per_element(cost, name, __name__))
    for name in ("addcmul", "addcdiv"):
        registry.function(*variants(name))(_scaled(POINTWISE_COSTS[name], name))
    registry.function(*ops("torch.where", "Tensor.where"))(where)
    registry.function(*variants("clamp", "clip"))(clamp)
    registry.function(*variants("clamp_min", "clamp_max"))(per_element(1, "clamp_bound", __name__))
    registry.function(*ops("torch.allclose", "Tensor.allclose"))(isclose_reduce)
    registry.function(*variants("isclose", inplace=False))(isclose)
    registry.function(*variants("isfinite", inplace=False))(isfinite)
    registry.function(*variants("isreal", inplace=False))(isreal)
    registry.function(*variants("conj_physical"))(conj_physical)
    registry.function(*ops("torch.equal", "Tensor.equal"))(equal)
