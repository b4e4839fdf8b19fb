"""Distances and similarities between vectors: p-norm distances, ``pairwise_distance``, cosine similarity and
the cosine embedding loss's per-row term.
"""

from __future__ import annotations

from .reductions import vector_norm

__all__ = [
    "cosine_embedding", "cosine_similarity", "distance", "pairwise_distance",
]  # fmt: skip


def cosine_similarity(d: int) -> int:
    """(x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps)) summed over d elements, as torch computes it: 8d + 1.

    Two 2-norms (2d each), two clamps at eps (1 each), two divides (d each), the product (d), its sum (d − 1).
    """
    return 8 * d + 1


def cosine_embedding(d: int) -> int:
    """cosine_embedding_loss per row of d, before the reduction: 6d + 10.

    The cosine as the loss computes it: x1·x2, (x1·x1 + ε), (x2·x2 + ε) (2d − 1 each, + 2 eps adds), the product
    of the two, its square root and the divide (6d + 2); then 1 − cos, cos − margin and its clamp at 0, the
    compares y = 1 and y = −1 and their two selects, the sum of the two (8).
    """
    return 6 * d + 10


def pairwise_distance(p: object, d: int) -> int:
    """‖x1 − x2 + eps‖_p of d elements (one output): d subtracts, d adds of eps, the p-norm (:func:`vector_norm`):
    2d + norm_p(d)."""
    return 2 * d + vector_norm(p, d, 1)


def distance(p: object, d: int, n: int = 1) -> int:
    """n distances ‖x1 − x2‖_p over d elements each: d subtracts and the p-norm (:func:`vector_norm`) per distance:
    n·(d + norm_p(d))."""
    return n * (d + vector_norm(p, d, 1))
