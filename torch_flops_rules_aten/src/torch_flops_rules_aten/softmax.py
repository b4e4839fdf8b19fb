"""The softmax family: _softmax, _safe_softmax, _log_softmax (formulas.softmax / log_softmax)."""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import log_softmax as log_softmax_cost
from torch_flops_core.formulas import softmax as softmax_cost
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["log_softmax", "register", "softmax"]


def _size(call: Call) -> int:
    x, dim = call.args[0], call.args[1]
    return x.shape[dim] if x.dim() else 1


def softmax(call: Call) -> int:
    """_softmax(x, dim, half_to_float): 2N + (S − 1)·N/S; S = size of dim."""
    return softmax_cost(out_numel(call), _size(call))


def log_softmax(call: Call) -> int:
    """_log_softmax(x, dim, half_to_float): 2N + N/S·S = 3N."""
    return log_softmax_cost(out_numel(call), _size(call))


def register(registry: Registry) -> None:
    registry.function(*aten("_softmax", "_safe_softmax"))(softmax)
    registry.function(*aten("_log_softmax"))(log_softmax)
