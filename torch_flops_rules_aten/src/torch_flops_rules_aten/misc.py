"""The rest of the Core ATen opset with arithmetic: FFTs, distances, embedding bags, grid sampling,
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
    "cdist", "embedding", "embedding_bag", "fft_real", "grid_sampler", "pdist", "register", "scatter_reduce", "sort",
]  # fmt: skip


def fft_real(call: Call) -> int:
    """_fft_r2c / _fft_c2r over dims D of sizes L: Σ_d ⌈2.5·n·log2 L_d⌉, n = numel of the real signal (a
    radix-2 complex FFT's 5·n·log2 n, halved for real input or output)."""
    real = call.args[0] if call.args[0].is_floating_point() else call.output
    dims = call.args[1]
    n = real.numel()
    return sum(math.ceil(2.5 * n * math.log2(real.shape[d])) for d in dims if real.shape[d] > 1)


def cdist(call: Call) -> int:
    """_cdist_forward(x1 [.., P, M], x2 [.., R, M], p): per output, M subtractions + the p-norm of M elements."""
    m = call.args[0].shape[-1]
    return out_numel(call) * (m + vector_norm(call.args[2], m, 1))


def pdist(call: Call) -> int:
    """_pdist_forward(x [N, M], p): N(N − 1)/2 outputs, each M subtractions + the p-norm of M elements."""
    m = call.args[0].shape[-1]
    return out_numel(call) * (m + vector_norm(call.args[1], m, 1))


def embedding(call: Call) -> Count:
    """embedding(weight, indices): 0 (a lookup); bytes: the rows looked up (traffic.lookup_bytes)."""
    return Count(0, bytes=lookup_bytes(call.args[1], call.args[0], call.output))


def embedding_bag(call: Call) -> Count:
    """_embedding_bag(w, indices, offsets, _, mode, ...): I·D gathered values reduced to N outputs:
    sum and max I·D − N, mean I·D; + I·D with per_sample_weights. Bytes: the rows looked up."""
    weight, indices, mode = call.args[0], call.args[1], call.args[4] if len(call.args) > 4 else 0
    gathered = numel(indices) * weight.shape[-1]
    n = out_numel(call)
    flops = gathered if mode == 1 else max(gathered - n, 0)
    per_sample = call.args[6] if len(call.args) > 6 else call.kwargs.get("per_sample_weights")
    moved = lookup_bytes(indices, weight, call.output, call.args[2] if len(call.args) > 2 else None, per_sample)
    return Count(flops + (gathered if isinstance(per_sample, torch.Tensor) else 0), bytes=moved)


_GRID_MODES = {0: 7, 1: 0, 2: 31}  # bilinear (4 neighbours: 2·4 − 1), nearest, bicubic (16: 2·16 − 1)


def grid_sampler(call: Call) -> int:
    """grid_sampler_2d(x, grid, mode, ...): bilinear 7·N, nearest 0, bicubic 31·N; N = numel(out)."""
    return _GRID_MODES.get(call.args[2], 0) * out_numel(call)


def scatter_reduce(call: Call) -> int:
    """scatter_add / scatter_reduce(self, dim, index, src, ...): one op per source element, numel(src)."""
    return numel(call.args[3])


def sort(call: Call) -> int:
    """sort(x, dim) / topk(x, k, dim): n·⌈log2 S⌉ comparisons; n = numel(x), S = size of dim (default −1)."""
    x = call.args[0]
    packet = getattr(call.target, "overloadpacket", call.target).__name__
    index = 2 if packet == "topk" else 1
    dim = call.args[index] if len(call.args) > index else call.kwargs.get("dim", -1)
    size = x.shape[dim] if x.dim() else 1
    return x.numel() * math.ceil(math.log2(size)) if size > 1 else 0


def register(registry: Registry) -> None:
    registry.function(*aten("_fft_r2c", "_fft_c2r"))(fft_real)
    registry.function(*aten("_cdist_forward"))(cdist)
    registry.function(*aten("_pdist_forward"))(pdist)
    registry.function(*aten("_embedding_bag", "_embedding_bag_forward_only"))(embedding_bag)
    registry.function(*aten("embedding"))(embedding)
    registry.function(*aten("grid_sampler_2d"))(grid_sampler)
    registry.function(*aten("scatter_add", "scatter_reduce"))(scatter_reduce)
    registry.function(*aten("sort", "topk"))(sort)
