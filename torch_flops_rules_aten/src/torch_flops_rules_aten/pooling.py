"""Pooling: max_pool*_with_indices, fractional_max_pool*, avg_pool*, _adaptive_avg_pool*, adaptive_max_pool*.

The window is the full kernel (k = prod(kernel_size)): at the aten level an int ``kernel_size`` has
been expanded to one size per dimension, so the seed's reading of ``MaxPool2d(3)`` as k = 3 (kept by
the nn and functional packs for its published figures) cannot apply; docs/conventions.md lists this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import out_numel

from ._ops import aten

__all__ = ["adaptive_avg_pool", "adaptive_max_pool", "avg_pool", "max_pool", "register"]


def _window(call: Call) -> int:
    """k = prod(kernel_size); an int ``kernel_size`` (an fx graph may pass one for ``int[2]``) is k per dimension."""
    kernel: int | Sequence[int] = call.arguments()["kernel_size"]
    if isinstance(kernel, int):
        name = getattr(call.target, "overloadpacket", call.target).__name__
        return kernel ** next((int(d) for d in "123" if f"{d}d" in name), 1)
    return math.prod(kernel)


def max_pool(call: Call) -> int:
    """max_pool*_with_indices, fractional_max_pool*(self, kernel_size, ...): (k − 1)·N compares; N = numel(out),
    k = prod(kernel_size) (a fractional pool's windows are placed at random, their size is fixed)."""
    return (_window(call) - 1) * out_numel(call)


def avg_pool(call: Call) -> int:
    """avg_pool*(self, kernel_size, ...): k·N (k − 1 adds and a divide per output); k = prod(kernel_size)."""
    return _window(call) * out_numel(call)


def _adaptive_windows(in_sizes: Sequence[int], out_sizes: Sequence[int]) -> int:
    """Σ over output positions of the window size (start ⌊i·in/out⌋, end ⌈(i + 1)·in/out⌉), per dimension."""
    total = 1
    for size_in, size_out in zip(in_sizes, out_sizes, strict=True):
        total *= sum(-(-((i + 1) * size_in) // size_out) - (i * size_in) // size_out for i in range(size_out))
    return total


def adaptive_avg_pool(call: Call) -> int:
    """_adaptive_avg_pool*(self, output_size): Σ windows (adds and a divide per output: w per window)."""
    named = call.arguments()
    x, out = named["self"], call.output
    dims = len(named["output_size"])
    channels = math.prod(out.shape[: out.dim() - dims])
    return channels * _adaptive_windows(x.shape[x.dim() - dims :], out.shape[out.dim() - dims :])


def adaptive_max_pool(call: Call) -> int:
    """adaptive_max_pool*(self, output_size): Σ (window − 1) compares."""
    named = call.arguments()
    x, out = named["self"], call.output[0] if isinstance(call.output, tuple) else call.output
    dims = len(named["output_size"])
    channels = math.prod(out.shape[: out.dim() - dims])
    windows = _adaptive_windows(x.shape[x.dim() - dims :], out.shape[out.dim() - dims :])
    return channels * windows - out.numel()


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices", "fractional_max_pool2d",
            "fractional_max_pool3d",
        )
    )(max_pool)  # fmt: skip
    registry.function(*aten("avg_pool1d", "avg_pool2d", "avg_pool3d"))(avg_pool)
    registry.function(*aten("_adaptive_avg_pool2d", "_adaptive_avg_pool3d", "adaptive_avg_pool1d"))(adaptive_avg_pool)
    registry.function(*aten("adaptive_max_pool2d", "adaptive_max_pool3d"))(adaptive_max_pool)
