"""Modules that only route or reshape data: 0 FLOPs."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry


def zero(call: Call) -> int:
    """Identity, Flatten, Unflatten: 0 (no arithmetic)."""
    return 0


def register(registry: Registry) -> None:
    registry.module(nn.Identity, nn.Flatten, nn.Unflatten)(zero)
