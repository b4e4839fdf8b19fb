"""Reductions."""

from __future__ import annotations

import torch

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import numel


def sum_(call: Call) -> int:
    """sum: numel(in) − numel(out), i.e. numel(out)·(numel(reduced dims) − 1) additions."""
    return max(numel(call.arg(0, "input")) - numel(call.output), 0)


def register(registry: Registry) -> None:
    registry.function(torch.sum)(sum_)
