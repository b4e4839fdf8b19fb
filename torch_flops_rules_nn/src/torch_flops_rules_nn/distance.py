"""Distances between vectors: PairwiseDistance, CosineSimilarity; the p-norm costs the losses reuse.

The cosine is ``torch_flops_core.formulas.cosine_similarity`` and the p-norm ``formulas.vector_norm``,
the functional and aten packs' too (they disagreed for p = −1 and −∞ until both used it).
"""

from __future__ import annotations

import torch
from torch import nn

from torch_flops_core import Call, Registry, formulas
from torch_flops_core.formulas import vector_norm
from torch_flops_core.shapes import out_numel

__all__ = ["pairwise_cost", "register", "vector_norm_cost"]


def vector_norm_cost(p: float, d: int) -> int:
    """A p-norm of d elements: ``formulas.vector_norm`` (2d for p = 2; 2d − 1 for p = 1, ±∞, 0; else 3d)."""
    return vector_norm(p, d, 1)


def pairwise_cost(p: float, d: int) -> int:
    """||x1 − x2 + eps||_p of d elements: d subtracts, d adds of eps, then the p-norm."""
    return 2 * d + vector_norm_cost(p, d)


def pairwise_distance(call: Call) -> int:
    """PairwiseDistance: R·(2D + norm_p(D)); R = numel(out) rows, D = the last (broadcast) dim."""
    module = call.module
    assert isinstance(module, nn.PairwiseDistance)
    d = torch.broadcast_shapes(call.arg(0, "x1").shape, call.arg(1, "x2").shape)[-1]
    return out_numel(call) * pairwise_cost(module.norm, d)


def cosine_similarity(call: Call) -> int:
    """CosineSimilarity: R·(6D + 2); R = numel(out) rows, D = size of dim (broadcast)."""
    module = call.module
    assert isinstance(module, nn.CosineSimilarity)
    d = torch.broadcast_shapes(call.arg(0, "x1").shape, call.arg(1, "x2").shape)[module.dim]
    return out_numel(call) * formulas.cosine_similarity(d)


def register(registry: Registry) -> None:
    registry.module(nn.PairwiseDistance)(pairwise_distance)
    registry.module(nn.CosineSimilarity)(cosine_similarity)
