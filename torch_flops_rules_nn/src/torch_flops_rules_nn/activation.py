"""Activations."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel


def elementwise(call: Call) -> int:
    """ReLU, GELU: N = numel(out), one FLOP per element."""
    return out_numel(call)


def leaky_relu(call: Call) -> int:
    """LeakyReLU: 4·N (compare, multiply, select, as in the seed)."""
    return 4 * out_numel(call)


def register(registry: Registry) -> None:
    registry.module(nn.ReLU, nn.GELU)(elementwise)
    registry.module(nn.LeakyReLU)(leaky_relu)
