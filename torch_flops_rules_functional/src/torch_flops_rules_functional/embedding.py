"""Embedding lookups."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from torch_flops_core import Call, Count, Registry, formulas
from torch_flops_core.rulekit import Claimer
from torch_flops_core.shapes import numel, out_numel
from torch_flops_core.traffic import lookup_bytes

from ._common import ops

__all__ = ["embedding", "embedding_bag", "f_embedding", "one_hot"]


def one_hot(call: Call) -> int:
    """F.one_hot: 0 (a scatter of ones)."""
    return 0


def embedding(call: Call) -> Count:
    """torch.embedding(weight, indices): 0 (a table lookup); bytes: the rows looked up."""
    weight, indices = call.arg(0, "weight"), call.arg(1, "indices")
    return Count(0, bytes=lookup_bytes(indices, weight, call.output))


def f_embedding(call: Call) -> Count:
    """F.embedding: 0; with max_norm, numel(indices)·(p-norm of a row + 1 compare), as nn.Embedding.
    Bytes: the rows looked up."""
    args = call.arguments()
    indices, weight = args["input"], args["weight"]
    moved = lookup_bytes(indices, weight, call.output)
    if args["max_norm"] is None:
        return Count(0, bytes=moved)
    flops = formulas.embedding_renorm(numel(indices), args["norm_type"], weight.shape[-1])
    return Count(flops, bytes=moved)


def embedding_bag(call: Call) -> Count:
    """F.embedding_bag over I looked-up rows of D: sum I·D − N, mean I·D, max I·D − N; + I·D with per_sample_weights.
    Bytes: the rows looked up, indices, offsets, weights and the output."""
    args = call.arguments()
    indices, weight, per_sample_weights = args["input"], args["weight"], args["per_sample_weights"]
    moved = lookup_bytes(indices, weight, call.output, args["offsets"], per_sample_weights)
    mode = args["mode"]
    looked_up = numel(indices) * weight.shape[-1]  # shape: I·D, the row values looked up
    weighted = isinstance(per_sample_weights, torch.Tensor)
    return Count(formulas.embedding_bag(looked_up, out_numel(call), mode, weighted), bytes=moved)


def register(registry: Registry) -> None:
    claim = Claimer(registry)
    claim([F.embedding], f_embedding)
    claim([F.one_hot], one_hot)
    claim(ops("torch.embedding"), embedding)
    claim([F.embedding_bag], embedding_bag)
