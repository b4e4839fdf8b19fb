"""Embedding lookups: Embedding, EmbeddingBag (sum, mean, max)."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.shapes import numel, out_numel
from torch_flops_core.traffic import lookup_bytes

from .distance import vector_norm_cost


def _renorm(module: nn.Embedding | nn.EmbeddingBag, indices: int) -> int:
    """max_norm: per looked-up index, the norm of its row and one compare (rescaling depends on values)."""
    if module.max_norm is None:
        return 0
    return indices * (vector_norm_cost(module.norm_type, module.embedding_dim) + 1)


def embedding(call: Call) -> Count:
    """Embedding: 0 (a lookup); with max_norm, numel(indices)·(norm_p(D) + 1). Bytes: the rows looked up."""
    module = call.module
    assert isinstance(module, nn.Embedding)
    indices = call.arg(0, "input")
    return Count(_renorm(module, numel(indices)), bytes=lookup_bytes(indices, module.weight, call.output))


def embedding_bag(call: Call) -> Count:
    """EmbeddingBag: R − N (sum, max), R (mean), + R with per_sample_weights; R = numel(indices)·D, N = numel(out).
    Bytes: the rows looked up, indices, offsets, weights and the output."""
    module = call.module
    assert isinstance(module, nn.EmbeddingBag)
    moved = lookup_bytes(
        call.arg(0, "input"), module.weight, call.output, call.arg(1, "offsets"), call.arg(2, "per_sample_weights")
    )
    indices = numel(call.arg(0, "input"))
    rows, n = indices * module.embedding_dim, out_numel(call)
    # Each bag of b rows costs (b − 1)·D adds (or compares); 'mean' then divides its D outputs. Bag
    # sizes come from the values of offsets: no bag is taken to be empty.
    flops = rows if module.mode == "mean" else max(rows - n, 0)
    if call.arg(2, "per_sample_weights") is not None:
        flops += rows
    return Count(flops + _renorm(module, indices), bytes=moved)


def register(registry: Registry) -> None:
    registry.module(nn.Embedding)(embedding)
    registry.module(nn.EmbeddingBag)(embedding_bag)
