"""Normalisations: batch, layer, group and instance norms (``norm``), RMS norm, weight norm, ``F.normalize``,
local response norm, and the running statistics an instance norm updates in training.
"""

from __future__ import annotations

from .reductions import vector_norm

__all__ = [
    "local_response_norm", "norm", "normalize", "rms_norm", "running_stats_average", "weight_norm",
]  # fmt: skip


def weight_norm(v: int, g: int) -> int:
    """w = g·v/‖v‖ (torch._weight_norm), v of v elements in g rows: the row norms 2v (v squares, v − g adds, g
    roots), g divides g/‖v‖, v multiplies: 3v + g."""
    return 3 * v + g


def norm(n: int, weight: bool, bias: bool, base: int = 2) -> int:
    """A normalisation of n elements: ``base`` per element (subtract the mean, divide by the std: 2; RMS
    norm 1) + n per affine parameter present. Statistics are not counted (docs/conventions.md)."""
    return (base + weight + bias) * n


def normalize(p: object, n: int, r: int) -> int:
    """F.normalize of n elements in r vectors: the p-norms (:func:`vector_norm`), their clamp at eps (r), n divides."""
    return vector_norm(p, n, r) + r + n


def rms_norm(n: int, r: int, weight: bool) -> int:
    """RMS norm of n elements in r rows, as torch runs it: x² (n), the mean (n), + eps (r), rsqrt (r), x·rsqrt (n),
    [·weight (n)]: (3 + [weight])·n + 2r."""
    return (3 + weight) * n + 2 * r


def local_response_norm(size: int, n: int) -> int:
    """Local response norm of n elements over windows of ``size`` channels: (size + 5)·n: the square, the window's
    average (size), ·alpha, + k, ^beta, the divide."""
    return (size + 5) * n


def running_stats_average(batch: int, channels: int, stats: int) -> int:
    """An instance norm updating ``stats`` running statistics in training: torch averages each per-instance statistic
    over the batch, one mean of B·C values per statistic: stats·B·C."""
    return stats * batch * channels
