"""Data movement and metadata: 0 FLOPs, registered so they count as recognized."""

from __future__ import annotations

import builtins
import operator

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Registry


def zero(call: Call) -> int:
    """View, copy, index, concatenate, pad, assert: 0 (no arithmetic)."""
    return 0


def register(registry: Registry) -> None:
    registry.function(
        builtins.getattr, operator.getitem, torch.cat, torch._assert, F.pad, torch.flip, torch.flatten,
        torch.permute, torch.unbind, torch.transpose, torch.unsqueeze, torch.clone, torch.reshape,
    )(zero)  # fmt: skip
    registry.method(
        "view", "size", "type_as", "repeat", "expand", "cuda", "new_empty", "normal_", "contiguous",
    )(zero)  # fmt: skip
