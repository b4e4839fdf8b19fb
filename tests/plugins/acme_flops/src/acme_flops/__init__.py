"""A third-party rule pack used by torch-flops' own tests, installed through its entry point.

It gives its custom layer :class:`AcmeGate` a rule (which makes the layer an FX leaf) and overrides
the built-in ``nn.Linear`` rule with ``tryfirst=True``. The override counts Linear exactly like
the built-in rule, so installing this package changes who counts Linear, never how much.
"""

from __future__ import annotations

import torch
from torch import nn

from torch_flops_core import Call, Count, Registry, hookimpl


class AcmeGate(nn.Module):
    """x · sigmoid(x)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


def acme_gate(call: Call) -> int:
    """AcmeGate: 4 FLOPs per element (sigmoid as exp, add, divide; then the product)."""
    return 4 * call.output.numel()


def linear_override(call: Call) -> Count:
    """Linear: (2·K − 1)·N, plus N with bias; MACs K·N (same convention as the built-in rule)."""
    module = call.module
    assert isinstance(module, nn.Linear)
    n, k = call.output.numel(), module.in_features
    return Count(flops=(2 * k - 1) * n + (n if module.bias is not None else 0), macs=k * n)


@hookimpl(tryfirst=True)
def torch_flops_register_rules(registry: Registry) -> None:
    registry.module(AcmeGate)(acme_gate)
    registry.module(nn.Linear)(linear_override)
