"""The softmax family: _softmax, _safe_softmax, _log_softmax (formulas.softmax / log_softmax).

``_safe_softmax`` (the math attention path's) is softmax with the rows that are masked everywhere (−inf)
set to 0: the same exps, sums and divides, the zeroing a select of a value already computed.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import log_softmax as log_softmax_cost
from torch_flops_core.formulas import softmax as softmax_cost
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["log_softmax", "register", "softmax"]


def _size(call: Call) -> int:
    named = call.arguments()
    x = named["self"]
    return x.shape[named["dim"]] if x.dim() else 1


def softmax(call: Call) -> int:
    """_softmax(self, dim, half_to_float), _safe_softmax(self, dim, dtype): 2N + (S − 1)·N/S; S = size of dim."""
    return softmax_cost(out_numel(call), _size(call))


def log_softmax(call: Call) -> int:
    """_log_softmax(self, dim, half_to_float): 2N + N/S·S = 3N."""
    return log_softmax_cost(out_numel(call), _size(call))


def register(registry: Registry) -> None:
    registry.function(*aten("_softmax", "_safe_softmax"))(softmax)
    registry.function(*aten("_log_softmax"))(log_softmax)
