"""Reductions: the tabled reductions (``REDUCTION_COSTS``), p-norms, softmax and its relatives."""

from __future__ import annotations

import math

from .. import shapes
from ..shapes import at_least
from .costs import REDUCTION_COSTS

__all__ = [
    "log_softmax", "reduction", "softmax", "softmin", "vector_norm",
]  # fmt: skip


def reduction(name: str, n: int, r: int) -> int:
    """A reduction of n elements to r: ``a·n + b·r`` from :data:`REDUCTION_COSTS` (never below 0)."""
    a, b, _ = REDUCTION_COSTS[name]
    return at_least(a * n + b * r, 0)


def vector_norm(p: object, n: int, r: int) -> int:
    """A p-norm reducing n elements to r: p = 2 or 'fro': 2n; p = 1, ∞, −∞, 0: 2n − r; other p (−1 too): 3n.

    p = 1: n abs, n − r adds; ±∞: n abs, n − r compares (max or min |x|); 0: n compares, n − r adds;
    2: n squares, n − r adds, r roots; any other p (−1: (Σ |x|⁻¹)⁻¹): n abs, n powers, n − r adds, r roots.
    """
    if p in (1, math.inf, -math.inf, 0):  # |x| (or x ≠ 0) per element, then n − R adds/compares
        return at_least(2 * n - r, 0)  # an empty input (n = 0): nothing to reduce; else r ≤ n
    if p in (2, "fro", None):  # squares, n − R additions, R square roots
        return 2 * n
    return 3 * n  # |x|^p as abs and pow, n − R additions, R roots


def softmax(n: int, size: int) -> int:
    """Softmax over rows of ``size`` of n elements: n exps, (size − 1)·n/size adds, n divides."""
    rows = shapes.rows(n, size)
    return 2 * n + (size - 1) * rows


def log_softmax(n: int, size: int) -> int:
    """x − log Σ exp x over rows of ``size``: n exps, (size − 1)·n/size adds, n/size logs, n subtracts = 3n."""
    rows = shapes.rows(n, size)
    return 2 * n + size * rows


def softmin(n: int, size: int) -> int:
    """softmin = softmax(−x) over rows of ``size`` of n elements: the negation torch runs first (n), then
    :func:`softmax`."""
    return n + softmax(n, size)
