"""Distances and similarities between vectors."""

from __future__ import annotations

import torch.nn.functional as F

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import broadcast_numel, out_numel

from ._common import ops

__all__ = ["cdist", "cosine_similarity", "pairwise_cost", "pairwise_distance", "pdist"]


pairwise_cost = formulas.pairwise_distance
"""‖x1 − x2 + eps‖_p over d elements: d subtractions, d additions of eps, then the p-norm
(``formulas.pairwise_distance``, as the nn pack's ``PairwiseDistance``)."""


def cosine_similarity(call: Call) -> int:
    """cosine_similarity over D: (6D + 2) per output (as nn.CosineSimilarity)."""
    n = out_numel(call)
    d = broadcast_numel(call.arg(0, "x1"), call.arg(1, "x2")) // n if n else 0  # shape: D, the elements per output
    return formulas.elementwise(formulas.cosine_similarity(d), n) if d else 0


def pairwise_distance(call: Call) -> int:
    """pairwise_distance ‖x1 − x2 + eps‖_p over the last dim D: (2D + the p-norm of D) per output."""
    n = max(out_numel(call), 1)
    d = broadcast_numel(call.arg(0, "x1"), call.arg(1, "x2")) // n  # shape: D, the elements per output
    return formulas.elementwise(formulas.pairwise_distance(call.arg(2, "p", 2.0), d), n)


def pdist(call: Call) -> int:
    """pdist of input [N, M]: N(N − 1)/2 outputs, each M subtractions + the p-norm of M elements."""
    return formulas.distance(call.arg(1, "p", 2.0), call.arg(0, "input").shape[-1], out_numel(call))


def cdist(call: Call) -> int:
    """cdist of [.., P, M] and [.., R, M]: per output, M subtractions + the p-norm of M elements."""
    args = call.arguments()
    return formulas.distance(args["p"], args["x1"].shape[-1], out_numel(call))


def dist(call: Call) -> int:
    """torch.dist(a, b, p): n subtractions + the p-norm of n elements, n = numel of the broadcast inputs."""
    return formulas.distance(call.arg(2, "p", 2), broadcast_numel(call.arg(0, "input"), call.arg(1, "other")))


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([F.cosine_similarity], cosine_similarity)
    claim([F.pairwise_distance], pairwise_distance)
    claim([F.pdist], pdist)
    claim(ops("torch.cdist"), cdist)
    claim(ops("torch.dist", "Tensor.dist"), dist)
