"""Repeats and their noise, shared by the benchmark scripts: a measurement is its median and its interquartile
range (IQR, the middle half of the repeats); two measurements whose IQRs overlap differ by less than their own
noise, and the scripts print "within noise" instead of their difference.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

__all__ = ["Spread", "compare"]


class Spread:
    """Median and quartiles of repeated samples (ms)."""

    def __init__(self, samples: Sequence[float]) -> None:
        if not samples:
            raise ValueError("no samples")
        self.samples = list(samples)
        self.median = statistics.median(samples)
        if len(samples) >= 2:
            q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        else:
            q1 = q3 = samples[0]
        self.q1, self.q3 = q1, q3

    def overlaps(self, other: Spread) -> bool:
        """Whether the two IQRs overlap: a difference between them is within noise."""
        return self.q1 <= other.q3 and other.q1 <= self.q3

    def iqr(self) -> str:
        return f"{self.q1:.1f}–{self.q3:.1f}"


def compare(a: Spread, b: Spread) -> tuple[float | None, str]:
    """The ratio of the medians a / b, and how to print it: ``1.23`` or ``within noise`` (``None``)."""
    if a.overlaps(b):
        return None, "within noise"
    ratio = a.median / b.median
    return ratio, f"{ratio:.2f}"
