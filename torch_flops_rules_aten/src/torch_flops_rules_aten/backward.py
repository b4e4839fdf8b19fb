"""Backward kernels: each counted by what it computes (the gradients ``output_mask`` asks for).

Convolution: the input gradient is the transposed convolution of the output gradient (2·MACs − N_cov,
as any transposed convolution); the weight gradient is numel(weight) dot products over the batch and
the output positions (2·MACs − numel(weight)); the bias gradient a sum (numel(grad_out) − C_out).
Groups are honoured (torch's own counter over-counts a grouped convolution's weight gradient).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import contraction, conv_transpose, total
from torch_flops_core.shapes import numel, out_numel

from ._ops import aten
from .misc import grid_taps
from .pooling import _adaptive_windows, _window
from .resample import UPSAMPLE_COSTS

__all__ = [
    "ACTIVATION_BACKWARD",
    "activation_backward",
    "adaptive_avg_pool_backward",
    "avg_pool_backward",
    "batch_norm_backward",
    "cdist_backward",
    "convolution_backward",
    "distance_backward_cost",
    "dropout_backward",
    "embedding_bag_backward",
    "embedding_bag_weights_backward",
    "embedding_dense_backward",
    "free_backward",
    "grid_sampler_backward",
    "log_softmax_backward",
    "max_pool_backward",
    "norm_backward",
    "pad_backward",
    "pdist_backward",
    "register",
    "rrelu_backward",
    "softmax_backward",
    "upsample_backward",
]  # fmt: skip


def convolution_backward(call: Call) -> Count:
    """convolution_backward(dy, x, w, bias_sizes, stride, padding, dilation, transposed, out_pad, groups, mask):
    dx: the transposed convolution of dy (direct for a transposed conv); dw: 2·MACs − numel(w); db: numel(dy) − C."""
    named = call.arguments()
    dy, x, w = named["grad_output"], named["input"], named["weight"]
    stride, padding, dilation = named["stride"], named["padding"], named["dilation"]
    groups, mask = named["groups"], named["output_mask"]
    kernel = tuple(w.shape[2:])
    k = math.prod(kernel)
    if named["transposed"]:  # forward: x [N, Cin] -> dy [N, Cout]; w [Cin, Cout/g, k]
        macs = x.numel() * w.shape[1] * k
        grad_input = contraction(x.numel(), w.shape[1] * k)  # a direct convolution of dy
        out_channels = w.shape[1] * groups
    else:  # forward: x [N, Cin] -> dy [N, Cout]; w [Cout, Cin/g, k]
        macs = dy.numel() * w.shape[1] * k
        grad_input = conv_transpose(dy.shape, x.shape, w.shape[1], kernel, stride, padding, dilation, False)
        out_channels = w.shape[0]
    parts: list[int | Count] = []
    if mask[0]:
        parts.append(grad_input)
    if mask[1]:
        parts.append(Count(flops=max(2 * macs - w.numel(), 0), macs=macs))
    if mask[2]:
        parts.append(max(dy.numel() - out_channels, 0))
    return total(*parts)


def norm_backward(call: Call) -> int:
    """native_layer/group_norm_backward: dx (10 + [w])·n − 2R, dw 2n − D, db n − D; R rows, D = numel(weight)."""
    named = call.arguments()
    x, weight, mask = named["input"], named["weight"], named["output_mask"]
    n = x.numel()
    if "normalized_shape" in named:  # native_layer_norm_backward: a row per normalized_shape-sized slice
        rows = n // math.prod(named["normalized_shape"]) if n else 0
    else:  # native_group_norm_backward(grad_out, input, mean, rstd, weight, N, C, HxW, group, output_mask)
        rows = named["N"] * named["group"]
    d = numel(weight)
    flops = 0
    if mask[0]:  # x̂ (2n), dy·w, Σdy·w and Σdy·w·x̂ (n + 2(n − R)), (rstd/D)·(D·g − Σg − x̂·Σgx̂) (5n)
        flops += (10 + (weight is not None)) * n - 2 * rows
    if mask[1]:
        flops += max(2 * n - d, 0)  # Σ dy·x̂ over the rows
    if len(mask) > 2 and mask[2]:
        flops += max(n - d, 0)  # Σ dy over the rows
    return flops


def max_pool_backward(call: Call) -> int:
    """max_pool*_with_indices_backward, fractional_max_pool*_backward, adaptive_max_pool*_backward: numel(dy) adds,
    each gradient into its argmax."""
    return numel(call.arguments()["grad_output"])


def avg_pool_backward(call: Call) -> int:
    """avg_pool*_backward(grad_output, self, kernel_size, ...): (k + 1)·numel(dy): a divide by the window, then k
    adds into the inputs."""
    return (_window(call) + 1) * numel(call.arguments()["grad_output"])


def adaptive_avg_pool_backward(call: Call) -> int:
    """_adaptive_avg_pool*_backward(grad_output, self): Σ windows adds + numel(dy) divides."""
    named = call.arguments()
    dy, x = named["grad_output"], named["self"]
    dims = dy.dim() - 2 if dy.dim() > 2 else dy.dim() - 1
    channels = math.prod(dy.shape[: dy.dim() - dims])
    return channels * _adaptive_windows(x.shape[x.dim() - dims :], dy.shape[dy.dim() - dims :]) + dy.numel()


def upsample_backward(cost: int, name: str) -> Callable[[Call], int]:
    """The adjoint of an upsampling of ``cost`` FLOPs per output (m weights: m multiplies, m − 1 adds)."""

    def rule(call: Call) -> int:
        dy, dx = call.arguments()["grad_output"], call.output
        if cost == 0:  # nearest: each input's gradient is the sum of its copies
            return max(dy.numel() - dx.numel(), 0)
        return (cost + 1) * dy.numel()  # each dy scattered with the same m weights: m multiplies, m adds

    rule.__name__ = rule.__qualname__ = name
    rule.__doc__ = (
        f"aten.{name}: numel(dy) − numel(dx) adds (nearest)" if cost == 0 else f"aten.{name}: {cost + 1}·numel(dy)"
    )
    return rule


def embedding_bag_backward(call: Call) -> int:
    """_embedding_bag*_backward(dy [N, D], indices [I], ..., mode): sum I·D adds (+ I·D multiplies by
    per_sample_weights); mean N·D divides + I·D adds; max N·D, each bag's gradient into its argmax rows."""
    named = call.arguments()
    dy, indices = named["grad"], named["indices"]
    n_d, i_d = dy.numel(), indices.numel() * dy.shape[-1]
    mode = named.get("mode", 0)
    if mode == 2:
        return n_d
    if mode == 1:
        return n_d + i_d
    return i_d * (2 if named.get("per_sample_weights") is not None else 1)


def embedding_bag_weights_backward(call: Call) -> Count:
    """_embedding_bag_per_sample_weights_backward(dy [N, D], weight, indices [I], ...): I dot products of D."""
    named = call.arguments()
    return contraction(named["indices"].numel(), named["grad"].shape[-1])


def embedding_dense_backward(call: Call) -> int:
    """embedding_dense_backward(grad_output, indices, ...): numel(dy) adds, each looked-up row's gradient into its
    weight row."""
    return numel(call.arguments()["grad_output"])


ACTIVATION_BACKWARD = {
    "threshold_backward": 1,  # ReLU's: x > t ? dy : 0, one compare-select
    "sigmoid_backward": 3,  # dy·y·(1 − y)
    "tanh_backward": 3,  # dy·(1 − y²)
    "silu_backward": 8,  # s = sigmoid(x) (3), dy·s·(1 + x·(1 − s)) (5)
    "gelu_backward": 11,  # Φ(x) (4), φ(x) = c·exp(−x²/2) (4), dy·(Φ + x·φ) (3); the tanh form likewise
    "hardsigmoid_backward": 3,  # −3 < x < 3 ? dy/6 : 0: two compares, a multiply
    "hardswish_backward": 6,  # x < −3 ? 0 : x > 3 ? dy : dy·(2x + 3)/6: two compares, four ops
    "hardtanh_backward": 2,  # lo < x < hi ? dy : 0: two compares
    "leaky_relu_backward": 3,  # x > 0 ? dy : slope·dy: compare, multiply, select
    "elu_backward": 4,  # x > 0 ? dy : dy·(y + α) (or α·exp(x)): compare, add, multiply, select
    "softplus_backward": 5,  # dy·sigmoid(β·x): multiply, sigmoid (3), multiply
    "mish_backward": 9,  # tanh(softplus(x)) and its derivative recomputed: the forward's 5 + 4
    "log_sigmoid_backward": 3,  # dy/(1 + exp(x)): exp, add, divide
    "hardshrink_backward": 2,  # −λ ≤ x ≤ λ ? 0 : dy: two compares
    "softshrink_backward": 2,  # −λ ≤ x ≤ λ ? 0 : dy: two compares (as hardshrink's: the shift has no derivative)
}
"""FLOPs per element of each activation's backward (from dy and the saved input or output)."""


def _grad_output(named: dict[str, Any]) -> Any:
    """The incoming gradient, ``grad_output`` (``grad_out`` in a few schemas: hardshrink_backward)."""
    return named["grad_output"] if "grad_output" in named else named["grad_out"]


def activation_backward(cost: int, name: str) -> Callable[[Call], int]:
    def rule(call: Call) -> int:
        return cost * numel(_grad_output(call.arguments()))

    rule.__name__ = rule.__qualname__ = name
    rule.__doc__ = f"aten.{name}: {cost}·N, N = numel(grad_output)."
    return rule


def _rows_of(call: Call) -> tuple[Any, int]:
    """(grad_output, S): the gradient and the size of the softmax's dim (1 for a 0-d tensor)."""
    named = call.arguments()
    dy = named["grad_output"]
    return dy, dy.shape[named["dim"]] if dy.dim() else 1


def softmax_backward(call: Call) -> int:
    """_softmax_backward_data(grad_output, output, dim, input_dtype): y·(dy − Σ dy·y): 4N − N/S (multiply, row sum,
    subtract, multiply)."""
    dy, size = _rows_of(call)
    return 4 * dy.numel() - (dy.numel() // size if size else 0)


def log_softmax_backward(call: Call) -> int:
    """_log_softmax_backward_data(grad_output, output, dim, input_dtype): dy − exp(y)·Σ dy: 3N − N/S (exp, row sum,
    multiply-subtract)."""
    dy, size = _rows_of(call)
    return 3 * dy.numel() - (dy.numel() // size if size else 0)


def rrelu_backward(call: Call) -> int:
    """rrelu_with_noise_backward(grad_output, self, noise, lower, upper, training, ...): in training dy·noise (the
    drawn slopes, 1 where x ≥ 0): N; in eval leaky_relu_backward's with the mean slope: 3N."""
    named = call.arguments()
    return (1 if named["training"] else ACTIVATION_BACKWARD["leaky_relu_backward"]) * numel(named["grad_output"])


def batch_norm_backward(call: Call) -> int:
    """native_batch_norm_backward(grad_out, input, weight, ..., train, eps, output_mask), batch_norm_backward(...,
    update, eps, output_mask, reserve): in training (update) dx (10 + [w])·n − 2C as the layer norm's; in eval
    dx = dy·w·invstd (1 + [w])·n; dw 2n − C; db n − C."""
    named = call.arguments()
    x, weight, mask = named["input"], named["weight"], named["output_mask"]
    train = named["train"] if "train" in named else named["update"]
    n = x.numel()
    channels = x.shape[1] if x.dim() > 1 else 1
    has_weight = weight is not None
    flops = 0
    if mask[0]:
        flops += (10 + has_weight) * n - 2 * channels if train else (1 + has_weight) * n
    if mask[1]:
        flops += max(2 * n - channels, 0)
    if mask[2]:
        flops += max(n - channels, 0)
    return flops


def free_backward(call: Call) -> int:
    """select_backward, slice_backward, masked_scatter_backward ...: 0, the gradient copied into zeros or gathered
    (data movement)."""
    return 0


def distance_backward_cost(p: float) -> int:
    """FLOPs per (pair, feature) of a p-norm distance's gradient from dy, the difference d and the distance r, the
    expressions of torch's kernel (aten/src/ATen/native/cpu/DistanceOpsKernel.cpp): p = 1 dy·sign(d) 2; p < 2
    r = 0 ? 0 : sign(d)·|d|^(p−1)·dy/r^(p−1) 8; p = 2 r = 0 ? 0 : dy·d/r 3; ∞ dy·sign(d)·[|d| = r] 5; other p
    r = 0 ? 0 : d·|d|^(p−2)·dy/r^(p−1) 7; p = 0 no gradient (0)."""
    if p == 0:
        return 0
    if p == 1:
        return 2
    if math.isinf(p):
        return 5
    if p < 2:
        return 8
    return 3 if p == 2 else 7


def cdist_backward(call: Call) -> int:
    """_cdist_backward(grad_output [.., P, R], x1 [.., P, M], x2 [.., R, M], p, cdist): per pair and feature the
    difference recomputed (1) and its gradient (distance_backward_cost(p)), then each of the numel(out) gradients
    sums its R terms: T·(1 + c) + T − numel(out), T = numel(dy)·M; 0 for p = 0."""
    named = call.arguments()
    cost = distance_backward_cost(named["p"])
    terms = numel(named["grad_output"]) * named["x1"].shape[-1]
    return max(terms * (2 + cost) - out_numel(call), 0) if cost else 0


def pdist_backward(call: Call) -> int:
    """_pdist_backward(grad_output, self [n, M], p, pdist): per pair and feature the difference (1) and its gradient
    (distance_backward_cost(p)), added into one row and subtracted from the other: T·(3 + c) − n·M, T = pairs·M
    (each of the n·M gradients sums n − 1 terms); 0 for p = 0."""
    named = call.arguments()
    x = named["self"]
    cost = distance_backward_cost(named["p"])
    terms = numel(named["grad_output"]) * x.shape[-1]
    return max(terms * (3 + cost) - x.numel(), 0) if cost else 0


def grid_sampler_backward(call: Call) -> int:
    """grid_sampler_2d/3d_backward(grad_output, input, grid, interpolation_mode, ..., output_mask): per element of dy,
    m taps (bilinear 2^d, bicubic 4^d): d_input 2m (each tap's weight times dy, added into its pixel; nearest 1),
    when output_mask[0]; d_grid always, m·(1 + 2d) (each tap's value times dy, then times each axis' weight
    derivative and added; nearest 0). The weights and their derivatives depend on the position only."""
    named = call.arguments()
    mode, dims = named["interpolation_mode"], named["input"].dim() - 2
    n = numel(named["grad_output"])
    taps = grid_taps(mode, dims)
    grad_input = (1 if mode == 1 else 2 * taps) * n if named["output_mask"][0] else 0
    grad_grid = 0 if mode == 1 else taps * (1 + 2 * dims) * n
    return grad_input + grad_grid


def dropout_backward(call: Call) -> int:
    """native_dropout_backward(grad_output, mask, scale): N, dy times the scaled mask (the mask's scaling is the
    forward's: on cpu the forward stores the scaled mask and its backward is one mul)."""
    return numel(call.arguments()["grad_output"])


def pad_backward(call: Call) -> int:
    """reflection/replication_pad*_backward(grad_output, self, padding): numel(dy) − numel(dx) adds, each padded
    position into its source."""
    named = call.arguments()
    return max(numel(named["grad_output"]) - numel(named["self"]), 0)


def register(registry: Registry) -> None:
    for name, cost in ACTIVATION_BACKWARD.items():
        ops = aten(name)
        if ops:
            registry.function(*ops)(activation_backward(cost, name))
    registry.function(*aten("_softmax_backward_data"))(softmax_backward)
    registry.function(*aten("_log_softmax_backward_data"))(log_softmax_backward)
    registry.function(*aten("native_batch_norm_backward", "batch_norm_backward"))(batch_norm_backward)
    registry.function(*aten("rrelu_with_noise_backward"))(rrelu_backward)
    registry.function(*aten("_cdist_backward"))(cdist_backward)
    registry.function(*aten("_pdist_backward"))(pdist_backward)
    registry.function(*aten("grid_sampler_2d_backward", "grid_sampler_3d_backward"))(grid_sampler_backward)
    registry.function(*aten("native_dropout_backward"))(dropout_backward)
    registry.function(
        *aten(
            "select_backward", "slice_backward", "index_select_backward", "diagonal_backward", "masked_scatter_backward"
        )
    )(free_backward)
    registry.function(
        *aten(
            "reflection_pad1d_backward", "reflection_pad2d_backward", "reflection_pad3d_backward",
            "replication_pad1d_backward", "replication_pad2d_backward", "replication_pad3d_backward",
        )
    )(pad_backward)  # fmt: skip
    registry.function(*aten("convolution_backward"))(convolution_backward)
    registry.function(*aten("native_layer_norm_backward", "native_group_norm_backward"))(norm_backward)
    registry.function(
        *aten(
            "max_pool2d_with_indices_backward", "max_pool3d_with_indices_backward", "fractional_max_pool2d_backward",
            "fractional_max_pool3d_backward",
        )
    )(max_pool_backward)  # fmt: skip
    registry.function(*aten("avg_pool2d_backward", "avg_pool3d_backward"))(avg_pool_backward)
    registry.function(*aten("_adaptive_avg_pool2d_backward", "_adaptive_avg_pool3d_backward"))(
        adaptive_avg_pool_backward
    )
    registry.function(*aten("embedding_dense_backward"))(embedding_dense_backward)
    registry.function(
        *aten("_embedding_bag_backward", "_embedding_bag_dense_backward", "_embedding_bag_sparse_backward")
    )(embedding_bag_backward)
    registry.function(*aten("_embedding_bag_per_sample_weights_backward"))(embedding_bag_weights_backward)
    registry.function(*aten("adaptive_max_pool2d_backward", "adaptive_max_pool3d_backward"))(max_pool_backward)
    for name, cost in UPSAMPLE_COSTS.items():
        ops = aten(f"{name}_backward")
        if ops:
            registry.function(*ops)(upsample_backward(cost, f"{name}_backward"))
