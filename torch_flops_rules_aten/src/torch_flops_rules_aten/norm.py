"""Normalisations: native_layer_norm, native_batch_norm, _native_batch_norm_legit*, native_group_norm.

(2 + [weight] + [bias])·n in training and eval alike; statistics are not counted (the one norm rule of
docs/conventions.md). Every one of these takes the input first and its weight and bias second and third.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import norm as norm_cost
from torch_flops_core.shapes import numel

from ._ops import aten

__all__ = ["norm", "register"]


def norm(call: Call) -> int:
    """native_*_norm(x, weight, bias, ...): (2 + [weight] + [bias])·numel(x)."""
    weight = len(call.args) > 1 and call.args[1] is not None
    bias = len(call.args) > 2 and call.args[2] is not None
    return norm_cost(numel(call.args[0]), weight, bias)


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "native_layer_norm", "native_batch_norm", "_native_batch_norm_legit",
            "_native_batch_norm_legit_no_training", "native_group_norm",
        )
    )(norm)  # fmt: skip
