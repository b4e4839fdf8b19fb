"""Dropout family: 0 FLOPs (identity at inference)."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry


def dropout(call: Call) -> int:
    """Dropout: 0."""
    return 0


def register(registry: Registry) -> None:
    registry.module(nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)(
        dropout
    )
