"""Distances between vectors: PairwiseDistance, CosineSimilarity.

The cosine is ``torch_flops_core.formulas.cosine_similarity`` and the distance ``formulas.pairwise_distance`` (its
p-norm ``formulas.vector_norm``), the functional and aten packs' too (they disagreed for p = −1 and −∞ until both
used it); the triplet losses reuse the distance.
"""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.shapes import broadcast_shape, out_numel

__all__ = ["cosine_similarity", "pairwise_distance", "register"]


def pairwise_distance(call: Call) -> int:
    """PairwiseDistance: R·(2D + norm_p(D)); R = numel(out) rows, D = the last (broadcast) dim."""
    module = call.module_as(nn.PairwiseDistance)
    args = call.arguments()
    d = broadcast_shape(args["x1"], args["x2"])[-1]
    return formulas.elementwise(formulas.pairwise_distance(module.norm, d), out_numel(call))


def cosine_similarity(call: Call) -> int:
    """CosineSimilarity: R·(8D + 1); R = numel(out) rows, D = size of dim (broadcast) (formulas.cosine_similarity)."""
    module = call.module_as(nn.CosineSimilarity)
    args = call.arguments()
    d = broadcast_shape(args["x1"], args["x2"])[module.dim]
    return formulas.elementwise(formulas.cosine_similarity(d), out_numel(call))


def register(registry: Registry) -> None:
    registry.module(nn.PairwiseDistance)(pairwise_distance)
    registry.module(nn.CosineSimilarity)(cosine_similarity)
