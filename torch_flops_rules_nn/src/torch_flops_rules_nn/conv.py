"""Convolutions."""

from __future__ import annotations

import math

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.shapes import out_numel


def conv(call: Call) -> Count:
    """ConvNd: N·(2·Cg·k − 1), plus N with bias; Cg = in_channels/groups, k = numel(kernel); MACs N·Cg·k."""
    module = call.module
    assert isinstance(module, nn.modules.conv._ConvNd)
    n = out_numel(call)
    cg_k = module.in_channels // module.groups * math.prod(module.kernel_size)
    return Count(flops=n * (2 * cg_k - 1) + (n if module.bias is not None else 0), macs=n * cg_k)


def register(registry: Registry) -> None:
    registry.module(nn.Conv1d, nn.Conv2d, nn.Conv3d)(conv)
