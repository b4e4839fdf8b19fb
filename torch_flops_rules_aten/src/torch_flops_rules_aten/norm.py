"""Normalisations: native_layer_norm, native_batch_norm, _native_batch_norm_legit* (its ``no_stats`` overload and
the ``_functional`` form an exported training graph runs), native_group_norm.

(2 + [weight] + [bias])·n in training and eval alike; statistics are not counted (the one norm rule of
docs/conventions.md). Every one of these names its operands ``input``, ``weight`` and ``bias``
(``native_layer_norm`` puts ``normalized_shape`` between them: read by name, never by position).

``_fused_rms_norm`` (cuda's RMS norm kernel; cpu and meta run ``rms_norm``'s composite, pow, mean, add, rsqrt,
mul) counts what that composite counts, ``formulas.rms_norm``, so ``F.rms_norm`` counts the same on every device.
"""

from __future__ import annotations

import math

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import norm as norm_cost
from torch_flops_core.formulas import rms_norm, weight_norm
from torch_flops_core.shapes import numel, rows

from ._ops import aten

__all__ = ["fused_rms_norm", "norm", "register"]


def norm(call: Call) -> int:
    """native_*_norm(input, ..., weight, bias, ...): (2 + [weight] + [bias])·numel(input)."""
    named = call.arguments()
    return norm_cost(numel(named["input"]), named["weight"] is not None, named["bias"] is not None)


def fused_rms_norm(call: Call) -> int:
    """_fused_rms_norm(input, normalized_shape, weight, eps): (3 + [weight])·n + 2R over R rows (formulas.rms_norm)."""
    named = call.arguments()
    x = named["input"]
    size = math.prod(named["normalized_shape"])
    return rms_norm(x.numel(), rows(x.numel(), size), named["weight"] is not None)


def weight_norm_interface(call: Call) -> int:
    """_weight_norm_interface(v, g, dim) (what torch._weight_norm runs): formulas.weight_norm, 3·numel(v) + numel(g)."""
    named = call.arguments()
    return weight_norm(numel(named["v"]), numel(named["g"]))


def register(registry: Registry) -> None:
    registry.function(*aten("_weight_norm_interface"))(weight_norm_interface)
    registry.function(
        *aten(
            "native_layer_norm", "native_batch_norm", "_native_batch_norm_legit",
            "_native_batch_norm_legit_no_training", "_native_batch_norm_legit_functional", "native_group_norm",
        )
    )(norm)  # fmt: skip
    registry.function(*aten("_fused_rms_norm"))(fused_rms_norm)
