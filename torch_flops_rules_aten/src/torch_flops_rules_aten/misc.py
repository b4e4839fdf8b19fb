"""The rest of the Core ATen opset with arithmetic: distances, embedding bags, grid sampling,
scatter-reductions, masked indexing, sorts; and the kernels of a few composite functions that run as one op:
``_batch_norm_with_update`` (a batch norm in exported training graphs), the chunked ``linear_cross_entropy`` ops."""

from __future__ import annotations

from typing import Any

import torch

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import (
    GRID_TAPS,
    contraction,
    cross_entropy,
    distance,
    grid_taps,
    index_put_accumulate,
    linear_cross_entropy_grads,
    pointwise,
    total,
)
from torch_flops_core.formulas import embedding_bag as embedding_bag_cost
from torch_flops_core.formulas import grid_sampler as grid_sampler_cost
from torch_flops_core.formulas import norm as norm_cost
from torch_flops_core.formulas.statistics import sort as sort_cost
from torch_flops_core.shapes import broadcast_numel, numel, out_numel, rows
from torch_flops_core.traffic import lookup_bytes

from ._ops import aten, with_inplace

__all__ = [
    "EMBEDDING_BAG_MODES", "GRID_TAPS", "batch_norm_update", "cdist", "dist", "embedding", "embedding_bag",
    "grid_sampler", "grid_taps", "linear_cross_entropy_chunked", "masked_index", "masked_index_put_accumulate", "pdist",
    "register", "scatter_reduce", "sort",
]  # fmt: skip


EMBEDDING_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}
"""The ``mode`` ints of aten's embedding bag kernels."""


def cdist(call: Call) -> int:
    """_cdist_forward(x1 [.., P, M], x2 [.., R, M], p): per output, M subtractions + the p-norm of M elements."""
    args = call.arguments()
    return distance(args["p"], args["x1"].shape[-1], out_numel(call))


def pdist(call: Call) -> int:
    """_pdist_forward(self [N, M], p=2): N(N − 1)/2 outputs, each M subtractions + the p-norm of M elements."""
    args = call.arguments()
    return distance(args["p"], args["self"].shape[-1], out_numel(call))


def dist(call: Call) -> int:
    """dist(self, other, p=2): n subtractions + the p-norm of n elements (formulas.vector_norm), n = numel of the
    broadcast inputs; as the functional pack's torch.dist."""
    args = call.arguments()
    return distance(args["p"], broadcast_numel(args["self"], args["other"]))


def embedding(call: Call) -> Count:
    """embedding(weight, indices): 0 (a lookup); bytes: the rows looked up (traffic.lookup_bytes)."""
    named = call.arguments()
    return Count(0, bytes=lookup_bytes(named["indices"], named["weight"], call.output))


def embedding_bag(call: Call) -> Count:
    """_embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse, per_sample_weights, ...): I·D
    gathered values reduced to N outputs: sum and max I·D − N, mean I·D; + I·D with per_sample_weights. Bytes: the
    rows looked up."""
    args = call.arguments()
    weight, indices, per_sample = args["weight"], args["indices"], args["per_sample_weights"]
    looked_up = numel(indices) * weight.shape[-1]  # shape: the I×D values looked up
    mode = EMBEDDING_BAG_MODES.get(args["mode"], "sum")
    flops = embedding_bag_cost(looked_up, out_numel(call), mode, isinstance(per_sample, torch.Tensor))
    return Count(flops, bytes=lookup_bytes(indices, weight, call.output, args["offsets"], per_sample))


def grid_sampler(call: Call) -> int:
    """grid_sampler_2d/3d(input, grid, interpolation_mode, ...): (2m − 1)·N, a weighted sum of m taps (bilinear 7,
    trilinear 15, bicubic 31), nearest 0 (a copy); N = numel(out); the weights depend on the position only."""
    args = call.arguments()
    dims = args["input"].dim() - 2  # shape: the spatial dims, after batch and channels
    return grid_sampler_cost(args["interpolation_mode"], dims, out_numel(call))


def scatter_reduce(call: Call) -> int:
    """scatter_add, scatter_reduce(self, dim, index, src, ...), index_reduce(self, dim, index, source, reduce, ...):
    one op per source element, numel(src) (as the functional pack; 'mean' divides are not counted there either)."""
    named = call.arguments()
    return numel(named["src"] if "src" in named else named["source"])


def masked_index(call: Call) -> int:
    """_unsafe_masked_index(self, mask, indices, fill): where(mask, self[indices], fill), one select per output
    element: N (POINTWISE_COSTS['where']); gathering is data movement, the indices' clamps of the eager fallback
    are index bookkeeping."""
    return pointwise("where", out_numel(call))


def masked_index_put_accumulate(call: Call) -> int:
    """_unsafe_masked_index_put_accumulate(self, mask, indices, values): the values masked (a select each,
    POINTWISE_COSTS['masked_fill']) and added into self: 2·numel(values)."""
    return index_put_accumulate(numel(call.arguments()["values"]))


def batch_norm_update(call: Call) -> int:
    """_batch_norm_with_update / _batch_norm_no_update(input, weight, bias, ...): (2 + [weight] + [bias])·n, the one
    norm rule (formulas.norm; statistics and the running-buffer update not counted)."""
    named = call.arguments()
    return norm_cost(numel(named["input"]), named["weight"] is not None, named["bias"] is not None)


def linear_cross_entropy_chunked(call: Call) -> Count:
    """torch_nn._linear_cross_entropy_batch_chunked(_no_reduction)(input, linear_weight [C, K], target, ...): the
    linear to M = rows·C logits + cross entropy (as the functional pack's F.linear_cross_entropy), + the gradients
    the compute_*_grad flags precompute: dlogits M + rows, d_input contraction(rows·K, C) + 2·rows·K, d_weight
    contraction(C·K, rows) + 2·rows·K, d_bias M − C + rows."""
    named = call.arguments()
    x, weight, target = named["input"], named["linear_weight"], named["target"]
    k, classes = weight.shape[-1], weight.shape[0]
    n_rows = rows(x.numel(), k)
    m = n_rows * classes  # shape: the logits [rows, C]
    smoothing = named.get("label_smoothing", 0.0) > 0
    class_weight = isinstance(named["weight"], torch.Tensor)
    loss = cross_entropy(
        m, classes, target.is_floating_point(), class_weight, smoothing, named.get("reduction", "none")
    )
    wanted = [named.get(f"compute_{g}_grad", False) for g in ("input", "linear_weight", "linear_bias")]
    grads = linear_cross_entropy_grads(n_rows, k, classes, wanted)
    return total(contraction(m, k, named["linear_bias"] is not None), loss, grads)


def _torch_nn_ops(*names: str) -> list[Any]:
    """The ``torch.ops.torch_nn`` packets ``names`` (defined by torch.nn.modules.linear_cross_entropy, imported
    lazily by F.linear_cross_entropy); none where this torch lacks them."""
    try:
        import torch.nn.modules.linear_cross_entropy  # defines the ops
    except ImportError:
        return []
    return [op for name in names if (op := getattr(torch.ops.torch_nn, name, None)) is not None]


def sort(call: Call) -> int:
    """sort(self, dim=−1) / topk(self, k, dim=−1): n·⌈log2 S⌉ comparisons; n = numel(self), S = size of dim."""
    args = call.arguments()
    x = args["self"]
    return sort_cost(x.numel(), x.shape[args["dim"]] if x.dim() else 1)


def register(registry: Registry) -> None:
    registry.function(*aten("_cdist_forward"))(cdist)
    registry.function(*aten("_pdist_forward"))(pdist)
    registry.function(*aten("_embedding_bag", "_embedding_bag_forward_only"))(embedding_bag)
    registry.function(*aten("embedding"))(embedding)
    registry.function(*aten("dist"))(dist)
    registry.function(*aten("grid_sampler_2d", "grid_sampler_3d"))(grid_sampler)
    registry.function(*with_inplace("scatter_add", "scatter_reduce", "index_reduce"))(scatter_reduce)
    registry.function(*aten("_unsafe_masked_index"))(masked_index)
    registry.function(*aten("_unsafe_masked_index_put_accumulate"))(masked_index_put_accumulate)
    registry.function(*aten("_batch_norm_with_update", "_batch_norm_with_update_functional", "_batch_norm_no_update"))(
        batch_norm_update
    )
    chunked = _torch_nn_ops("_linear_cross_entropy_batch_chunked", "_linear_cross_entropy_batch_chunked_no_reduction")
    if chunked:
        registry.function(*chunked)(linear_cross_entropy_chunked)
    registry.function(*aten("sort", "topk"))(sort)
