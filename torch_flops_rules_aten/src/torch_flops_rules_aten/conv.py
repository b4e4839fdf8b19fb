"""Convolutions: aten.convolution (direct and transposed), as the nn and functional packs count them."""

from __future__ import annotations

import math

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction
from torch_flops_core.formulas import conv_transpose as conv_transpose_count

from ._ops import aten

__all__ = ["convolution", "register"]


def convolution(call: Call) -> Count:
    """convolution(x, w, bias, stride, padding, dilation, transposed, ...): N·(2·Cg·k − 1) + N·[bias];
    transposed: 2·MACs − N_cov + N·[bias] (docs/conventions.md)."""
    x, weight, bias = call.args[0], call.args[1], call.args[2]
    stride, padding, dilation, transposed = call.args[3], call.args[4], call.args[5], call.args[6]
    out = call.output
    kernel = tuple(weight.shape[2:])
    if transposed:
        return conv_transpose_count(
            x.shape, out.shape, weight.shape[1], kernel, stride, padding, dilation, bias is not None
        )
    return contraction(out.numel(), weight.shape[1] * math.prod(kernel), bias is not None)


def register(registry: Registry) -> None:
    registry.function(*aten("convolution", "_convolution"))(convolution)
