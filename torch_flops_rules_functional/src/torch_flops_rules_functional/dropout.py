"""Dropout: 0 FLOPs, in training mode too, as the ``torch.nn`` dropout modules."""

from __future__ import annotations

from torch_flops_core import Call, Registry

from ._common import Claimer, variants

__all__ = ["dropout"]


def dropout(call: Call) -> int:
    """Dropout of any kind: 0 (identity at inference; the random mask is not counted in training either)."""
    return 0


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim(
        variants("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
                 "feature_dropout", "native_dropout"),
        dropout,
    )  # fmt: skip
