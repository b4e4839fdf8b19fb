"""Convolutions, direct and transposed (their Lazy variants derive from them)."""

from __future__ import annotations

import math

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction, covered, covered_outputs
from torch_flops_core.formulas import conv_transpose as conv_transpose_count
from torch_flops_core.shapes import out_numel

__all__ = ["conv", "conv_transpose", "covered", "covered_outputs", "register"]


def conv(call: Call) -> Count:
    """ConvNd: N·(2·Cg·k − 1), plus N with bias; Cg = in_channels/groups, k = numel(kernel); MACs N·Cg·k."""
    module = call.module_as(nn.modules.conv._ConvNd)
    cg_k = module.in_channels // module.groups * math.prod(module.kernel_size)  # the length of one dot product
    return contraction(out_numel(call), cg_k, module.bias is not None)


def conv_transpose(call: Call) -> Count:
    """ConvTransposeNd: 2·MACs − N_cov, plus N with bias; MACs = numel(in)·(C_out/groups)·k; N_cov: see covered()."""
    module = call.module_as(nn.modules.conv._ConvTransposeNd)
    x = call.arguments()["input"]
    return conv_transpose_count(
        x.shape, call.output.shape, module.out_channels // module.groups, module.kernel_size,
        module.stride, module.padding, module.dilation, module.bias is not None,  # type: ignore[arg-type]
    )  # fmt: skip


def register(registry: Registry) -> None:
    registry.module(nn.Conv1d, nn.Conv2d, nn.Conv3d)(conv)
    registry.module(nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)(conv_transpose)
