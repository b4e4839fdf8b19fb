"""Convolutions: aten.convolution (direct and transposed), and col2im (``F.fold``, and ``F.unfold``'s backward):
as the nn and functional packs count them."""

from __future__ import annotations

from collections.abc import Sequence

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import conv_transpose as conv_transpose_count
from torch_flops_core.formulas import convolution as convolution_count
from torch_flops_core.formulas import covered_outputs, fold
from torch_flops_core.shapes import numel

from ._ops import aten

__all__ = ["col2im", "convolution", "register"]


def convolution(call: Call) -> Count:
    """convolution(input, weight, bias, stride, padding, dilation, transposed, ...): N·(2·Cg·k − 1) + N·[bias];
    transposed: 2·MACs − N_cov + N·[bias] (docs/conventions.md)."""
    named = call.arguments()
    x, weight, out = named["input"], named["weight"], call.output
    bias = named["bias"] is not None
    kernel = tuple(weight.shape[2:])
    if named["transposed"]:
        return conv_transpose_count(
            x.shape, out.shape, weight.shape[1], kernel, named["stride"], named["padding"], named["dilation"], bias
        )
    return convolution_count(out.numel(), weight.shape, bias)


def _pair(value: int | Sequence[int]) -> tuple[int, ...]:
    return (value, value) if isinstance(value, int) else tuple(value)


def col2im(call: Call) -> int:
    """col2im(self [N, C·k, L], output_size, kernel_size, dilation, padding, stride): numel(self) − N_cov adds
    (overlapping block values summed); L = Π_d blocks_d, blocks_d = ⌊(o + 2p − d·(k − 1) − 1)/s⌋ + 1, N_cov the
    output elements that receive a value (formulas.covered_outputs), as nn.Fold and F.fold."""
    named = call.arguments()
    kernel, dilation = _pair(named["kernel_size"]), _pair(named["dilation"])
    padding, stride = _pair(named["padding"]), _pair(named["stride"])
    out = call.output
    blocks = [  # shape: the sliding blocks per spatial dim (a convolution's output size)
        (o + 2 * p - d * (k - 1) - 1) // s + 1
        for o, p, d, k, s in zip(out.shape[-2:], padding, dilation, kernel, stride, strict=True)
    ]
    return fold(numel(named["self"]), covered_outputs(out.shape, blocks, kernel, stride, padding, dilation))


def register(registry: Registry) -> None:
    registry.function(*aten("convolution", "_convolution"))(convolution)
    registry.function(*aten("col2im"))(col2im)
