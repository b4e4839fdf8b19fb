"""Padding layers: 0 FLOPs."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry


def pad(call: Call) -> int:
    """Constant, Zero, Reflection, Replication and Circular padding: 0 (copies values, no arithmetic)."""
    return 0


def register(registry: Registry) -> None:
    registry.module(
        nn.ConstantPad1d, nn.ConstantPad2d, nn.ConstantPad3d,
        nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d,
        nn.ReflectionPad1d, nn.ReflectionPad2d, nn.ReflectionPad3d,
        nn.ReplicationPad1d, nn.ReplicationPad2d, nn.ReplicationPad3d,
        nn.CircularPad1d, nn.CircularPad2d, nn.CircularPad3d,
    )(pad)  # fmt: skip
