"""Pooling: average, max, power-average and adaptive pools over their windows."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "adaptive_pool", "adaptive_windows", "avg_pool", "lp_pool", "max_pool", "pool_window",
]  # fmt: skip


def adaptive_windows(in_sizes: Sequence[int], out_sizes: Sequence[int]) -> int:
    """Σ over the output positions of an adaptive pool of its window's size (start ⌊i·in/out⌋, end ⌈(i + 1)·in/out⌉,
    per dimension; the product over the dimensions)."""
    result = 1
    for size_in, size_out in zip(in_sizes, out_sizes, strict=True):
        result *= sum(-(-((i + 1) * size_in) // size_out) - (i * size_in) // size_out for i in range(size_out))
    return result


def avg_pool(k: int, n: int) -> int:
    """Average pooling of n outputs over windows of k elements: k − 1 adds and a divide per output: k·n."""
    return k * n


def max_pool(k: int, n: int) -> int:
    """Max pooling of n outputs over windows of k elements: k − 1 compares per output: (k − 1)·n."""
    return (k - 1) * n


def lp_pool(n_in: int, k: int, n: int) -> int:
    """Power-average pooling of n_in inputs to n outputs over windows of k: x^p of every input, k − 1 adds and a root
    per output: n_in + k·n."""
    return n_in + k * n


def adaptive_pool(in_shape: Sequence[int], out_shape: Sequence[int], dims: int, maximum: bool = False) -> int:
    """An adaptive pool (or 'area' resampling) over the last ``dims`` dims: Σ over its outputs of their window's size
    w (w − 1 adds and a divide each), Σ (w − 1) with ``maximum`` (w − 1 compares each): the leading (batch, channel)
    elements × :func:`adaptive_windows`, − numel(out) for max."""
    leading = math.prod(out_shape[: len(out_shape) - dims])
    windows = leading * adaptive_windows(in_shape[len(in_shape) - dims :], out_shape[len(out_shape) - dims :])
    return windows - math.prod(out_shape) if maximum else windows


def pool_window(kernel: int | Sequence[int], dims: int) -> int:
    """Elements of a pooling window over ``dims`` dims: Π kernel_size; an int kernel_size (one size for every dim)
    k^dims."""
    return kernel**dims if isinstance(kernel, int) else math.prod(kernel)
