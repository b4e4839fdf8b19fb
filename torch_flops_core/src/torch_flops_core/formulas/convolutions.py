"""Convolutions: direct (``convolution``, ``conv_tbc``), transposed (``conv_transpose``, with the output positions
a transposed window reaches: ``covered``, ``covered_outputs``) and col2im (``fold``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..rules import Count
from ..shapes import at_least, at_most
from .products import contraction

__all__ = [
    "conv_tbc", "conv_transpose", "convolution", "covered", "covered_outputs", "fold",
]  # fmt: skip


def covered(size_in: int, size_out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output positions of one dimension that receive at least one product of a transposed window.

    Input position i and kernel tap j land on output position i·stride − padding + j·dilation;
    positions outside [0, size_out) are cropped (padding), and some inside may receive nothing
    (stride larger than the window, output_padding).
    """
    if dilation == 1 and stride <= kernel:  # the landing positions form one unbroken run
        first, last = -padding, (size_in - 1) * stride - padding + kernel - 1
        return at_least(at_most(last, size_out - 1) - max(first, 0) + 1, 0)
    if dilation == 1 and padding >= 0:  # runs of `kernel` every `stride`: m = o + padding with m mod stride < kernel
        end = at_most(size_out + padding, size_in * stride)  # m < size_in·stride: landed by some input position
        return at_least(_in_runs(end, stride, kernel) - _in_runs(padding, stride, kernel), 0)
    hits = {i * stride - padding + j * dilation for i in range(size_in) for j in range(kernel)}
    return sum(1 for o in hits if 0 <= o < size_out)


def _in_runs(m: int, stride: int, kernel: int) -> int:
    """How many of 0 … m − 1 lie in the first ``kernel`` of each ``stride``: ⌊m/stride⌋·kernel + min(m mod stride,
    kernel); decides nothing on a symbolic m."""
    return (m // stride) * kernel + at_most(m % stride, kernel)


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


def conv_transpose(
    in_shape: Sequence[int],
    out_shape: Sequence[int],
    out_channels_per_group: int,
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    bias: bool,
) -> Count:
    """A transposed convolution: 2·MACs − N_cov, + N with bias; MACs = numel(in)·(C_out/groups)·k, N_cov the
    output elements that receive a product (:func:`covered_outputs`).

    Every product is a multiply, and an add unless it is the first of its output element; products that land
    in the cropped padding count like the padding taps of a direct convolution.
    """
    dims = len(kernel)
    macs = math.prod(in_shape) * out_channels_per_group * math.prod(kernel)
    n_cov = covered_outputs(out_shape, in_shape[len(in_shape) - dims :], kernel, stride, padding, dilation)
    return Count(flops=2 * macs - n_cov + (math.prod(out_shape) if bias else 0), macs=macs)


def fold(n_in: int, covered: int) -> int:
    """col2im (fold) of n_in block values onto an output of which ``covered`` elements receive at least one: an add
    for every value but the first of its element: n_in − covered."""
    return n_in - covered


def convolution(n: int, weight_shape: Sequence[int], bias: bool) -> Count:
    """A direct convolution of n outputs with a weight [C_out, C_in/g, *k]: n dot products of K = (C_in/g)·Πk,
    :func:`contraction` (n, K, bias): (2K − 1)·n [+ n]; MACs K·n."""
    return contraction(n, weight_shape[1] * math.prod(weight_shape[2:]), bias)


def conv_tbc(n: int, weight_shape: Sequence[int], bias: bool) -> Count:
    """torch.conv_tbc of n outputs with a weight [k, C_in, C_out]: n dot products of K = k·C_in, :func:`contraction`
    (n, K, bias): (2K − 1)·n [+ n]; MACs K·n."""
    return contraction(n, weight_shape[0] * weight_shape[1], bias)
