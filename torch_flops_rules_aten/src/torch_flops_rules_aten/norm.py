"""Normalisations: native_layer_norm, native_batch_norm, _native_batch_norm_legit* (its ``no_stats`` overload and
the ``_functional`` form an exported training graph runs), native_group_norm.

(2 + [weight] + [bias])·n in training and eval alike; statistics are not counted (the one norm rule of
docs/conventions.md). Every one of these names its operands ``input``, ``weight`` and ``bias``
(``native_layer_norm`` puts ``normalized_shape`` between them: read by name, never by position).
"""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import norm as norm_cost
from torch_flops_core.shapes import numel

from ._ops import aten

__all__ = ["norm", "register"]


def norm(call: Call) -> int:
    """native_*_norm(input, ..., weight, bias, ...): (2 + [weight] + [bias])·numel(input)."""
    named = call.arguments()
    return norm_cost(numel(named["input"]), named["weight"] is not None, named["bias"] is not None)


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "native_layer_norm", "native_batch_norm", "_native_batch_norm_legit",
            "_native_batch_norm_legit_no_training", "_native_batch_norm_legit_functional", "native_group_norm",
        )
    )(norm)  # fmt: skip
