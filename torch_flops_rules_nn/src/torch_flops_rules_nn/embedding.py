"""Embedding lookups: Embedding, EmbeddingBag (sum, mean, max)."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Count, Registry, formulas
from torch_flops_core.formulas import embedding_renorm
from torch_flops_core.shapes import numel, out_numel
from torch_flops_core.traffic import lookup_bytes


def _renorm(module: nn.Embedding | nn.EmbeddingBag, indices: int) -> int:
    """max_norm: per looked-up index, the norm of its row and one compare (formulas.embedding_renorm)."""
    if module.max_norm is None:
        return 0
    return embedding_renorm(indices, module.norm_type, module.embedding_dim)


def embedding(call: Call) -> Count:
    """Embedding: 0 (a lookup); with max_norm, numel(indices)·(norm_p(D) + 1). Bytes: the rows looked up."""
    module = call.module_as(nn.Embedding)
    indices = call.arguments()["input"]
    return Count(_renorm(module, numel(indices)), bytes=lookup_bytes(indices, module.weight, call.output))


def embedding_bag(call: Call) -> Count:
    """EmbeddingBag: R − N (sum, max), R (mean), + R with per_sample_weights; R = numel(indices)·D, N = numel(out).
    Bytes: the rows looked up, indices, offsets, weights and the output."""
    module = call.module_as(nn.EmbeddingBag)
    args = call.arguments()
    indices, offsets, weights = args["input"], args["offsets"], args["per_sample_weights"]
    moved = lookup_bytes(indices, module.weight, call.output, offsets, weights)
    looked_up = numel(indices) * module.embedding_dim  # shape: the elements of the rows looked up
    flops = formulas.embedding_bag(looked_up, out_numel(call), module.mode, weights is not None)
    renorm = _renorm(module, numel(indices))
    return Count(flops + renorm, bytes=moved)


def register(registry: Registry) -> None:
    registry.module(nn.Embedding)(embedding)
    registry.module(nn.EmbeddingBag)(embedding_bag)
