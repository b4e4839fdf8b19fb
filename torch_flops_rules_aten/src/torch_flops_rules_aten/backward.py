"""Backward kernels: each counted by what it computes (the gradients ``output_mask`` asks for).

Convolution: the input gradient is the transposed convolution of the output gradient (2·MACs − N_cov,
as any transposed convolution); the weight gradient is numel(weight) dot products over the batch and
the output positions (2·MACs − numel(weight)); the bias gradient a sum (numel(grad_out) − C_out).
Groups are honoured (torch's own counter over-counts a grouped convolution's weight gradient).
"""

from __future__ import annotations

import math
from typing import Any

from torch_flops_core import Call, Count, Registry, RuleFn, rulekit
from torch_flops_core.formulas import contraction, elementwise, summed_into
from torch_flops_core.formulas import gradients as grads
from torch_flops_core.formulas.gradients import ACTIVATION_BACKWARD, distance_backward_cost
from torch_flops_core.shapes import numel, out_numel, rows

from ._ops import aten
from .pooling import window
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
    return grads.convolution_backward(
        dy.shape, x.shape, w.shape, named["stride"], named["padding"], named["dilation"], named["groups"],
        named["transposed"], named["output_mask"],
    )  # fmt: skip


def norm_backward(call: Call) -> int:
    """native_layer/group_norm_backward: dx (10 + [w])·n − 2R, dw 2n − D, db n − D; R rows, D = numel(weight)."""
    named = call.arguments()
    x, weight = named["input"], named["weight"]
    n = x.numel()
    if "normalized_shape" in named:  # native_layer_norm_backward: a row per normalized_shape-sized slice
        groups = rows(n, math.prod(named["normalized_shape"]))
    else:  # native_group_norm_backward(grad_out, input, mean, rstd, weight, N, C, HxW, group, output_mask)
        groups = named["N"] * named["group"]
    return grads.norm_backward(n, groups, numel(weight), weight is not None, named["output_mask"])


def max_pool_backward(call: Call) -> int:
    """max_pool*_with_indices_backward, fractional_max_pool*_backward, adaptive_max_pool*_backward: numel(dy) adds,
    each gradient into its argmax."""
    return numel(call.arguments()["grad_output"])


def avg_pool_backward(call: Call) -> int:
    """avg_pool*_backward(grad_output, self, kernel_size, ...): (k + 1)·numel(dy): a divide by the window, then k
    adds into the inputs."""
    return grads.avg_pool_backward(window(call), numel(call.arguments()["grad_output"]))


def adaptive_avg_pool_backward(call: Call) -> int:
    """_adaptive_avg_pool*_backward(grad_output, self): Σ windows adds + numel(dy) divides."""
    named = call.arguments()
    dy, x = named["grad_output"], named["self"]
    dims = dy.dim() - 2 if dy.dim() > 2 else dy.dim() - 1  # shape: the pooled dims, after (batch,) channels
    return grads.adaptive_avg_pool_backward(x.shape, dy.shape, dims)


def upsample_backward(cost: int, name: str) -> RuleFn:
    """The adjoint of an upsampling of ``cost`` FLOPs per output (m weights: m multiplies, m − 1 adds)."""

    def rule(call: Call) -> int:
        return grads.upsample_backward(cost, numel(call.arguments()["grad_output"]), numel(call.output))

    doc = f"aten.{name}: numel(dy) − numel(dx) adds (nearest)" if cost == 0 else f"aten.{name}: {cost + 1}·numel(dy)"
    return rulekit.named(rule, name, doc)


def embedding_bag_backward(call: Call) -> int:
    """_embedding_bag*_backward(dy [N, D], indices [I], ..., mode): sum I·D adds (+ I·D multiplies by
    per_sample_weights); mean N·D divides + I·D adds; max N·D, each bag's gradient into its argmax rows."""
    args = call.arguments()
    dy, weighted = args["grad"], args.get("per_sample_weights") is not None
    return grads.embedding_bag_backward(dy.numel(), numel(args["indices"]), dy.shape[-1], args.get("mode", 0), weighted)


def embedding_bag_weights_backward(call: Call) -> Count:
    """_embedding_bag_per_sample_weights_backward(dy [N, D], weight, indices [I], ...): I dot products of D."""
    named = call.arguments()
    return contraction(named["indices"].numel(), named["grad"].shape[-1])


def embedding_dense_backward(call: Call) -> int:
    """embedding_dense_backward(grad_output, indices, ...): numel(dy) adds, each looked-up row's gradient into its
    weight row."""
    return numel(call.arguments()["grad_output"])


def _grad_output(named: dict[str, Any]) -> Any:
    """The incoming gradient, ``grad_output`` (``grad_out`` in a few schemas: hardshrink_backward)."""
    return named["grad_output"] if "grad_output" in named else named["grad_out"]


def activation_backward(cost: int, name: str) -> RuleFn:
    """An activation's backward kernel: ``cost`` FLOPs per element of its incoming gradient (ACTIVATION_BACKWARD)."""

    def rule(call: Call) -> int:
        return elementwise(cost, numel(_grad_output(call.arguments())))

    return rulekit.named(rule, name, f"aten.{name}: {cost}·N, N = numel(grad_output).")


def _rows_of(call: Call) -> tuple[Any, int]:
    """(grad_output, S): the gradient and the size of the softmax's dim (1 for a 0-d tensor)."""
    named = call.arguments()
    dy = named["grad_output"]
    return dy, dy.shape[named["dim"]] if dy.dim() else 1


def softmax_backward(call: Call) -> int:
    """_softmax_backward_data(grad_output, output, dim, input_dtype): y·(dy − Σ dy·y): 4N − N/S (multiply, row sum,
    subtract, multiply)."""
    dy, size = _rows_of(call)
    return grads.softmax_backward(dy.numel(), size)


def log_softmax_backward(call: Call) -> int:
    """_log_softmax_backward_data(grad_output, output, dim, input_dtype): dy − exp(y)·Σ dy: 3N − N/S (exp, row sum,
    multiply-subtract)."""
    dy, size = _rows_of(call)
    return grads.log_softmax_backward(dy.numel(), size)


def rrelu_backward(call: Call) -> int:
    """rrelu_with_noise_backward(grad_output, self, noise, lower, upper, training, ...): in training dy·noise (the
    drawn slopes, 1 where x ≥ 0): N; in eval leaky_relu_backward's with the mean slope: 3N."""
    args = call.arguments()
    cost = 1 if args["training"] else ACTIVATION_BACKWARD["leaky_relu_backward"]
    return elementwise(cost, numel(args["grad_output"]))


def batch_norm_backward(call: Call) -> int:
    """native_batch_norm_backward(grad_out, input, weight, ..., train, eps, output_mask), batch_norm_backward(...,
    update, eps, output_mask, reserve): in training (update) dx (10 + [w])·n − 2C as the layer norm's; in eval
    dx = dy·w·invstd (1 + [w])·n; dw 2n − C; db n − C."""
    args = call.arguments()
    x, weight = args["input"], args["weight"]
    train = args["train"] if "train" in args else args["update"]
    channels = x.shape[1] if x.dim() > 1 else 1
    return grads.norm_backward(x.numel(), channels, channels, weight is not None, args["output_mask"], bool(train))


def free_backward(call: Call) -> int:
    """select_backward, slice_backward, masked_scatter_backward ...: 0, the gradient copied into zeros or gathered
    (data movement)."""
    return 0


def cdist_backward(call: Call) -> int:
    """_cdist_backward(grad_output [.., P, R], x1 [.., P, M], x2 [.., R, M], p, cdist): per pair and feature the
    difference recomputed (1) and its gradient (distance_backward_cost(p)), then each of the numel(out) gradients
    sums its R terms: T·(1 + c) + T − numel(out), T = numel(dy)·M; 0 for p = 0."""
    args = call.arguments()
    return grads.cdist_backward(args["p"], numel(args["grad_output"]), args["x1"].shape[-1], out_numel(call))


def pdist_backward(call: Call) -> int:
    """_pdist_backward(grad_output, self [n, M], p, pdist): per pair and feature the difference (1) and its gradient
    (distance_backward_cost(p)), added into one row and subtracted from the other: T·(3 + c) − n·M, T = pairs·M
    (each of the n·M gradients sums n − 1 terms); 0 for p = 0."""
    args = call.arguments()
    x = args["self"]
    return grads.pdist_backward(args["p"], numel(args["grad_output"]), x.shape[-1], x.numel())


def grid_sampler_backward(call: Call) -> int:
    """grid_sampler_2d/3d_backward(grad_output, input, grid, interpolation_mode, ..., output_mask): per element of dy,
    m taps (bilinear 2^d, bicubic 4^d): d_input 2m (each tap's weight times dy, added into its pixel; nearest 1),
    when output_mask[0]; d_grid always, m·(1 + 2d) (each tap's value times dy, then times each axis' weight
    derivative and added; nearest 0). The weights and their derivatives depend on the position only."""
    args = call.arguments()
    dims = args["input"].dim() - 2  # shape: the spatial dims, after batch and channels
    n = numel(args["grad_output"])
    return grads.grid_sampler_backward(args["interpolation_mode"], dims, n, bool(args["output_mask"][0]))


def dropout_backward(call: Call) -> int:
    """native_dropout_backward(grad_output, mask, scale): N, dy times the scaled mask (the mask's scaling is the
    forward's: on cpu the forward stores the scaled mask and its backward is one mul)."""
    return numel(call.arguments()["grad_output"])


def pad_backward(call: Call) -> int:
    """reflection/replication_pad*_backward(grad_output, self, padding): numel(dy) − numel(dx) adds, each padded
    position into its source."""
    args = call.arguments()
    return summed_into(numel(args["grad_output"]), numel(args["self"]))


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
