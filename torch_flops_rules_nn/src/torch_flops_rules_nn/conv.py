"""Convolutions, direct and transposed (their Lazy variants derive from them)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.shapes import numel, out_numel

from ._count import contraction

__all__ = ["conv", "conv_transpose", "covered", "covered_outputs", "register"]


def conv(call: Call) -> Count:
    """ConvNd: N·(2·Cg·k − 1), plus N with bias; Cg = in_channels/groups, k = numel(kernel); MACs N·Cg·k."""
    module = call.module
    assert isinstance(module, nn.modules.conv._ConvNd)
    cg_k = module.in_channels // module.groups * math.prod(module.kernel_size)
    return contraction(out_numel(call), cg_k, module.bias is not None)


def covered(size_in: int, size_out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output positions of one dimension that receive at least one product of a transposed window.

    Input position i and kernel tap j land on output position i·stride − padding + j·dilation;
    positions outside [0, size_out) are cropped (padding), and some inside may receive nothing
    (stride larger than the window, output_padding).
    """
    if dilation == 1 and stride <= kernel:  # the landing positions form one unbroken run
        first, last = -padding, (size_in - 1) * stride - padding + kernel - 1
        return max(0, min(last, size_out - 1) - max(first, 0) + 1)
    hits = {i * stride - padding + j * dilation for i in range(size_in) for j in range(kernel)}
    return sum(1 for o in hits if 0 <= o < size_out)


def covered_outputs(
    out_shape: Sequence[int],
    in_spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
) -> int:
    """Elements of an output (leading dims, then one spatial dim per kernel dim) that receive a product."""
    dims = len(kernel)
    spatial_out = out_shape[len(out_shape) - dims :]
    positions = math.prod(
        covered(*sizes) for sizes in zip(in_spatial, spatial_out, kernel, stride, padding, dilation, strict=True)
    )
    return math.prod(out_shape[: len(out_shape) - dims]) * positions


def conv_transpose(call: Call) -> Count:
    """ConvTransposeNd: 2·MACs − N_cov, plus N with bias; MACs = numel(in)·(C_out/groups)·k; N_cov: see covered()."""
    module = call.module
    assert isinstance(module, nn.modules.conv._ConvTransposeNd)
    x = call.arg(0, "input")
    out = call.output
    k = math.prod(module.kernel_size)
    macs = numel(x) * (module.out_channels // module.groups) * k
    dims = len(module.kernel_size)
    n_cov = covered_outputs(
        out.shape, x.shape[x.dim() - dims :], module.kernel_size, module.stride,
        module.padding, module.dilation,  # type: ignore[arg-type]
    )  # fmt: skip
    # Every product is a multiply, and an add unless it is the first of its output element; products that
    # land in the cropped padding count like the padding taps of a direct convolution.
    return Count(flops=2 * macs - n_cov + (numel(out) if module.bias is not None else 0), macs=macs)


def register(registry: Registry) -> None:
    registry.module(nn.Conv1d, nn.Conv2d, nn.Conv3d)(conv)
    registry.module(nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)(conv_transpose)
