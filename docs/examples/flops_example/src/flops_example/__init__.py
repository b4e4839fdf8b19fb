"""flops-example: rules for this package's own layer and op, and an override of a built-in rule.

Published under the ``torch_flops`` entry-point group (see ``pyproject.toml``)::

    [project.entry-points.torch_flops]
    example = "flops_example"
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from torch_flops_core import Call, Count, Registry, hookimpl

__all__ = ["WindowAttention", "scaled_residual", "torch_flops_register_rules"]


class WindowAttention(nn.Module):
    """Each position attends to the ``window`` positions centred on it (zero-padded at the ends)."""

    def __init__(self, dim: int, window: int) -> None:
        super().__init__()
        if window % 2 == 0:
            raise ValueError("window must be odd")
        self.dim, self.window = dim, window
        self.qkv = nn.Linear(dim, 3 * dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, length, dim]
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        pad = self.window // 2
        k = F.pad(k, (0, 0, pad, pad)).unfold(1, self.window, 1)  # [batch, length, dim, window]
        v = F.pad(v, (0, 0, pad, pad)).unfold(1, self.window, 1)
        scores = (q.unsqueeze(-2) @ k).squeeze(-2) / math.sqrt(self.dim)  # [batch, length, window]
        weights = scores.softmax(dim=-1)
        return (v @ weights.unsqueeze(-1)).squeeze(-1)  # [batch, length, dim]


@torch.library.custom_op("flops_example::scaled_residual", mutates_args=())
def scaled_residual(x: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    """x + alpha · y, as one op."""
    return x + alpha * y


@scaled_residual.register_fake
def _(x: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    return torch.empty_like(x)


def window_attention(call: Call) -> Count:
    """WindowAttention: qkv (2D−1)·3D·P + 3D·P, scores (2D−1)·W·P + W·P, softmax (3W−1)·P, mix (2W−1)·D·P."""
    module = call.module
    assert isinstance(module, WindowAttention)
    x = call.arg(0, "x")
    positions = x.numel() // module.dim  # P = batch · length
    d, w = module.dim, module.window
    qkv = (2 * d - 1) * 3 * d * positions + 3 * d * positions  # Linear(D, 3D) with bias
    scores = (2 * d - 1) * w * positions + w * positions  # q · k over the window, then / sqrt(D)
    softmax = (3 * w - 1) * positions  # W exps, W − 1 adds, W divisions
    mix = (2 * w - 1) * d * positions  # weights · v
    return Count(flops=qkv + scores + softmax + mix, macs=(3 * d * d + w * d + w * d) * positions)


def scaled_residual_rule(call: Call) -> int:
    """scaled_residual: 2 FLOPs per output element (one multiply, one add)."""
    return 2 * call.output.numel()


def gelu_polynomial(call: Call) -> int:
    """GELU: 8 FLOPs per element (erf as our accelerator evaluates it), overriding the built-in 1."""
    return 8 * call.output.numel()


@hookimpl(tryfirst=True)  # tryfirst: our GELU rule wins over the built-in nn pack's
def torch_flops_register_rules(registry: Registry) -> None:
    registry.module(WindowAttention)(window_attention)
    registry.function(scaled_residual)(scaled_residual_rule)
    registry.module(nn.GELU)(gelu_polynomial)
