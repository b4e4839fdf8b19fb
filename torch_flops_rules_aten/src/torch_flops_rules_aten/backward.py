"""Backward kernels: each counted by what it computes (the gradients ``output_mask`` asks for).

Convolution: the input gradient is the transposed convolution of the output gradient (2·MACs − N_cov,
as any transposed convolution); the weight gradient is numel(weight) dot products over the batch and
the output positions (2·MACs − numel(weight)); the bias gradient a sum (numel(grad_out) − C_out).
Groups are honoured (torch's own counter over-counts a grouped convolution's weight gradient).
"""

from __future__ import annotations

import math

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction, conv_transpose, total
from torch_flops_core.shapes import numel

from ._ops import aten
from .pooling import _adaptive_windows, _window

__all__ = [
    "adaptive_avg_pool_backward", "avg_pool_backward", "convolution_backward", "embedding_dense_backward",
    "max_pool_backward", "norm_backward", "register",
]  # fmt: skip


def convolution_backward(call: Call) -> Count:
    """convolution_backward(dy, x, w, bias_sizes, stride, padding, dilation, transposed, out_pad, groups, mask):
    dx: the transposed convolution of dy (direct for a transposed conv); dw: 2·MACs − numel(w); db: numel(dy) − C."""
    dy, x, w = call.args[0], call.args[1], call.args[2]
    stride, padding, dilation, transposed = call.args[4], call.args[5], call.args[6], call.args[7]
    groups, mask = call.args[9], call.args[10]
    kernel = tuple(w.shape[2:])
    k = math.prod(kernel)
    if transposed:  # forward: x [N, Cin] -> dy [N, Cout]; w [Cin, Cout/g, k]
        macs = x.numel() * w.shape[1] * k
        grad_input = contraction(x.numel(), w.shape[1] * k)  # a direct convolution of dy
        out_channels = w.shape[1] * groups
    else:  # forward: x [N, Cin] -> dy [N, Cout]; w [Cout, Cin/g, k]
        macs = dy.numel() * w.shape[1] * k
        grad_input = conv_transpose(dy.shape, x.shape, w.shape[1], kernel, stride, padding, dilation, False)
        out_channels = w.shape[0]
    parts: list[int | Count] = []
    if mask[0]:
        parts.append(grad_input)
    if mask[1]:
        parts.append(Count(flops=max(2 * macs - w.numel(), 0), macs=macs))
    if mask[2]:
        parts.append(max(dy.numel() - out_channels, 0))
    return total(*parts)


def norm_backward(call: Call) -> int:
    """native_layer/group_norm_backward: dx (10 + [w])·n − 2R, dw 2n − D, db n − D; R rows, D = numel(weight)."""
    packet = getattr(call.target, "overloadpacket", call.target).__name__
    x = call.args[1]
    n = x.numel()
    if packet == "native_layer_norm_backward":
        weight, mask = call.args[5], call.args[7]
        rows = n // math.prod(call.args[2]) if n else 0
    else:  # native_group_norm_backward(dy, x, mean, rstd, weight, N, C, HxW, group, mask)
        weight, mask = call.args[4], call.args[9]
        rows = call.args[5] * call.args[8]
    d = numel(weight)
    flops = 0
    if mask[0]:  # x̂ (2n), dy·w, Σdy·w and Σdy·w·x̂ (n + 2(n − R)), (rstd/D)·(D·g − Σg − x̂·Σgx̂) (5n)
        flops += (10 + (weight is not None)) * n - 2 * rows
    if mask[1]:
        flops += max(2 * n - d, 0)  # Σ dy·x̂ over the rows
    if len(mask) > 2 and mask[2]:
        flops += max(n - d, 0)  # Σ dy over the rows
    return flops


def max_pool_backward(call: Call) -> int:
    """max_pool*_with_indices_backward: numel(dy) adds, each gradient into its argmax position."""
    return call.args[0].numel()


def avg_pool_backward(call: Call) -> int:
    """avg_pool*_backward: (k + 1)·numel(dy): a divide by the window, then k adds into the inputs."""
    return (_window(call.args[2]) + 1) * call.args[0].numel()


def adaptive_avg_pool_backward(call: Call) -> int:
    """_adaptive_avg_pool*_backward: Σ windows adds + numel(dy) divides."""
    dy, x = call.args[0], call.args[1]
    dims = dy.dim() - 2 if dy.dim() > 2 else dy.dim() - 1
    channels = math.prod(dy.shape[: dy.dim() - dims])
    return channels * _adaptive_windows(x.shape[x.dim() - dims :], dy.shape[dy.dim() - dims :]) + dy.numel()


def embedding_dense_backward(call: Call) -> int:
    """embedding_dense_backward: numel(dy) adds, each looked-up row's gradient into its weight row."""
    return call.args[0].numel()


def register(registry: Registry) -> None:
    registry.function(*aten("convolution_backward"))(convolution_backward)
    registry.function(*aten("native_layer_norm_backward", "native_group_norm_backward"))(norm_backward)
    registry.function(
        *aten("max_pool2d_with_indices_backward", "max_pool3d_with_indices_backward")
    )(max_pool_backward)  # fmt: skip
    registry.function(*aten("avg_pool2d_backward", "avg_pool3d_backward"))(avg_pool_backward)
    registry.function(*aten("_adaptive_avg_pool2d_backward", "_adaptive_avg_pool3d_backward"))(
        adaptive_avg_pool_backward
    )
    registry.function(*aten("embedding_dense_backward"))(embedding_dense_backward)
