"""Helpers the rule families share: the count of a contraction, and the sum of several counts."""

from __future__ import annotations

from torch_flops_core import Count

__all__ = ["contraction", "total"]


def contraction(n: int, k: int, bias: bool = False) -> Count:
    """N dot products of length K: (2K − 1)·N FLOPs, + N with a bias; K·N MACs."""
    return Count(flops=max(2 * k - 1, 0) * n + (n if bias else 0), macs=k * n)


def total(*parts: int | Count) -> Count:
    """The sum of several counts; an int part is FLOPs without MACs."""
    flops = macs = 0
    for part in parts:
        if isinstance(part, Count):
            flops += part.flops
            macs += part.macs
        else:
            flops += part
    return Count(flops=flops, macs=macs)
