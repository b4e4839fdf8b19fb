"""Embeddings: bags of looked-up rows and the renormalisation of ``max_norm``."""

from __future__ import annotations

from ..shapes import at_least
from .reductions import vector_norm

__all__ = [
    "embedding_bag", "embedding_renorm",
]  # fmt: skip


def embedding_bag(looked_up: int, n: int, mode: str, per_sample_weights: bool) -> int:
    """An embedding bag of ``looked_up`` = I·D row values (I indices, rows of D) into n outputs: 'sum' and 'max'
    I·D − n (a bag of b rows: (b − 1)·D adds or compares; no bag is taken to be empty), 'mean' I·D (the divide),
    + I·D with per_sample_weights."""
    flops = looked_up if mode == "mean" else at_least(looked_up - n, 0)
    return flops + (looked_up if per_sample_weights else 0)


def embedding_renorm(indices: int, p: object, d: int) -> int:
    """An embedding lookup's max_norm: per looked-up index, the p-norm of its row of d (:func:`vector_norm`) and one
    compare: indices·(norm_p(d) + 1) (the rescaling depends on values and is not counted)."""
    return indices * (vector_norm(p, d, 1) + 1)
