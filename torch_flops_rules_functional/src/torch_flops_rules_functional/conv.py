"""Convolution functions."""

from __future__ import annotations

import math

import torch

from torch_flops_core import Call, Count, Registry
from torch_flops_core.shapes import out_numel


def conv(call: Call) -> Count:
    """F.convNd: N·(2·Cg·k − 1), plus N with bias; Cg = weight.shape[1], k = numel(weight.shape[2:]); MACs N·Cg·k."""
    weight = call.arg(1, "weight")
    bias = call.arg(2, "bias")
    n = out_numel(call)
    cg_k = weight.shape[1] * math.prod(weight.shape[2:])
    return Count(flops=n * (2 * cg_k - 1) + (n if bias is not None else 0), macs=n * cg_k)


def register(registry: Registry) -> None:
    registry.function(torch.conv1d, torch.conv2d, torch.conv3d)(conv)
