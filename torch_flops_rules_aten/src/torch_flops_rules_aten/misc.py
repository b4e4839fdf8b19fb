"""The rest of the Core ATen opset with arithmetic: distances, embedding bags, grid sampling,
scatter-reductions, sorts."""

from __future__ import annotations

import math

import torch

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import vector_norm
from torch_flops_core.shapes import numel, out_numel
from torch_flops_core.traffic import lookup_bytes

from ._ops import aten

__all__ = [
    "cdist", "embedding", "embedding_bag", "grid_sampler", "pdist", "register", "scatter_reduce", "sort",
]  # fmt: skip


def cdist(call: Call) -> int:
    """_cdist_forward(x1 [.., P, M], x2 [.., R, M], p): per output, M subtractions + the p-norm of M elements."""
    named = call.arguments()
    m = named["x1"].shape[-1]
    return out_numel(call) * (m + vector_norm(named["p"], m, 1))


def pdist(call: Call) -> int:
    """_pdist_forward(self [N, M], p=2): N(N − 1)/2 outputs, each M subtractions + the p-norm of M elements."""
    named = call.arguments()
    m = named["self"].shape[-1]
    return out_numel(call) * (m + vector_norm(named["p"], m, 1))


def embedding(call: Call) -> Count:
    """embedding(weight, indices): 0 (a lookup); bytes: the rows looked up (traffic.lookup_bytes)."""
    named = call.arguments()
    return Count(0, bytes=lookup_bytes(named["indices"], named["weight"], call.output))


def embedding_bag(call: Call) -> Count:
    """_embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse, per_sample_weights, ...): I·D
    gathered values reduced to N outputs: sum and max I·D − N, mean I·D; + I·D with per_sample_weights. Bytes: the
    rows looked up."""
    named = call.arguments()
    weight, indices, per_sample = named["weight"], named["indices"], named["per_sample_weights"]
    gathered = numel(indices) * weight.shape[-1]
    n = out_numel(call)
    flops = gathered if named["mode"] == 1 else max(gathered - n, 0)
    moved = lookup_bytes(indices, weight, call.output, named["offsets"], per_sample)
    return Count(flops + (gathered if isinstance(per_sample, torch.Tensor) else 0), bytes=moved)


_GRID_MODES = {0: 7, 1: 0, 2: 31}  # bilinear (4 neighbours: 2·4 − 1), nearest, bicubic (16: 2·16 − 1)


def grid_sampler(call: Call) -> int:
    """grid_sampler_2d(input, grid, interpolation_mode, ...): bilinear 7·N, nearest 0, bicubic 31·N; N = numel(out)."""
    return _GRID_MODES.get(call.arguments()["interpolation_mode"], 0) * out_numel(call)


def scatter_reduce(call: Call) -> int:
    """scatter_add / scatter_reduce(self, dim, index, src, ...): one op per source element, numel(src)."""
    return numel(call.arguments()["src"])


def sort(call: Call) -> int:
    """sort(self, dim=−1) / topk(self, k, dim=−1): n·⌈log2 S⌉ comparisons; n = numel(self), S = size of dim."""
    named = call.arguments()
    x = named["self"]
    size = x.shape[named["dim"]] if x.dim() else 1
    return x.numel() * math.ceil(math.log2(size)) if size > 1 else 0


def register(registry: Registry) -> None:
    registry.function(*aten("_cdist_forward"))(cdist)
    registry.function(*aten("_pdist_forward"))(pdist)
    registry.function(*aten("_embedding_bag", "_embedding_bag_forward_only"))(embedding_bag)
    registry.function(*aten("embedding"))(embedding)
    registry.function(*aten("grid_sampler_2d"))(grid_sampler)
    registry.function(*aten("scatter_add", "scatter_reduce"))(scatter_reduce)
    registry.function(*aten("sort", "topk"))(sort)
