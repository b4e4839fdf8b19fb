"""Embedding lookups."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Registry
from torch_flops_core.shapes import numel, out_numel

from ._common import Claimer, ops
from .reduction import norm_cost

__all__ = ["embedding", "embedding_bag", "f_embedding"]


def embedding(call: Call) -> int:
    """torch.embedding, F.one_hot: 0 (a table lookup)."""
    return 0


def f_embedding(call: Call) -> int:
    """F.embedding: 0; with max_norm, numel(indices)·(p-norm of a row + 1 compare), as nn.Embedding."""
    if call.arg(3, "max_norm") is None:
        return 0
    indices, weight = call.arg(0, "input"), call.arg(1, "weight")
    return numel(indices) * (norm_cost(call.arg(4, "norm_type", 2.0), weight.shape[-1], 1) + 1)


def embedding_bag(call: Call) -> int:
    """F.embedding_bag over I looked-up rows of D: sum I·D − N, mean I·D, max I·D − N; + I·D with per_sample_weights."""
    indices, weight = call.arg(0, "input"), call.arg(1, "weight")
    mode = call.arg(6, "mode", "mean")
    gathered = numel(indices) * weight.shape[-1]
    n = out_numel(call)
    flops = gathered if mode == "mean" else max(gathered - n, 0)
    if isinstance(call.arg(8, "per_sample_weights"), torch.Tensor):
        flops += gathered
    return flops


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([F.embedding], f_embedding)
    claim([F.one_hot, *ops("torch.embedding")], embedding)
    claim([F.embedding_bag], embedding_bag)
