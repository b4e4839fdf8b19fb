"""Formulas of backward kernels (``convolution_backward``, ``native_layer_norm_backward``, ``*_backward`` of
activations, losses, pools, distances ...): what each computes for the gradients it is asked for.

Pure functions of sizes and flags, as the forward formulas; the aten pack counts autograd's kernels with them.
A gradient is counted by the math that produces it (a transposed convolution, a sum over the batch, the
derivative of an element-wise op times the incoming gradient), never by the forward's count times a factor.
``docs/conventions.md`` states each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from ..rules import Count
from ..shapes import at_least, rows
from .convolutions import conv_transpose
from .losses import CTC_STATE
from .pooling import adaptive_pool
from .products import contraction, summed_into, total
from .resampling import GRID_TAPS
from .statistics import sparse_reduce_product

__all__ = [
    "ACTIVATION_BACKWARD", "LOSS_BACKWARD", "adaptive_avg_pool_backward", "avg_pool_backward", "cdist_backward",
    "convolution_backward", "ctc_backward", "distance_backward_cost", "embedding_bag_backward", "grid_sampler_backward",
    "log_softmax_backward", "multilabel_margin_backward", "norm_backward", "pdist_backward", "softmax_backward",
    "sparse_mm_reduce_backward", "upsample_backward",
]  # fmt: skip

ACTIVATION_BACKWARD: Final[Mapping[str, int]] = {
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
"""FLOPs per element of each activation's backward kernel (from dy and the saved input or output)."""

LOSS_BACKWARD: Final[Mapping[str, int]] = {
    "nll_loss": 1,  # −g·w/Σw written at each target position (+ [weight])
    "mse_loss": 3,  # 2·(x − y)·g: subtract, two multiplies
    "huber_loss": 4,  # d = x − y, |d| < δ ? d : δ·sign(d), × g
    "smooth_l1_loss": 4,  # d = x − y, |d| < β ? d/β : sign(d), × g
    "soft_margin_loss": 5,  # −y·g/(1 + exp(y·x)): multiply, exp, add, divide, multiply
    # g·(x − y)/max(x·(1 − x), ε): two subtracts, multiply, max, divide, multiply (+ [weight])
    "binary_cross_entropy": 6,
    # per class: margin − x_y + x_i > 0 ? ±g/C : 0, and the target column's sum (+ [p = 2], [weight])
    "multi_margin_loss": 3,
}
"""FLOPs per element of each loss's backward kernel (from the saved inputs and the incoming gradient)."""


def convolution_backward(
    dy_shape: Sequence[int],
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    transposed: bool,
    mask: Sequence[bool],
) -> Count:
    """The gradients of a convolution (weight [C_out, C_in/g, *k], or [C_in, C_out/g, *k] transposed) that ``mask``
    asks for: dx the transposed convolution of dy (:func:`conv_transpose`; a direct one for a transposed conv),
    dw 2·MACs − numel(w) (numel(w) dot products over the batch and positions), db numel(dy) − C_out adds."""
    kernel = tuple(w_shape[2:])
    k = math.prod(kernel)
    if transposed:  # forward: x [N, Cin] -> dy [N, Cout]; w [Cin, Cout/g, k]
        macs = math.prod(x_shape) * w_shape[1] * k
        grad_input: Count = contraction(math.prod(x_shape), w_shape[1] * k)  # a direct convolution of dy
        out_channels = w_shape[1] * groups
    else:  # forward: x [N, Cin] -> dy [N, Cout]; w [Cout, Cin/g, k]
        macs = math.prod(dy_shape) * w_shape[1] * k
        grad_input = conv_transpose(dy_shape, x_shape, w_shape[1], kernel, stride, padding, dilation, False)
        out_channels = w_shape[0]
    parts: list[int | Count] = []
    if mask[0]:
        parts.append(grad_input)
    if mask[1]:
        parts.append(Count(flops=at_least(2 * macs - math.prod(w_shape), 0), macs=macs))
    if mask[2]:
        parts.append(summed_into(math.prod(dy_shape), out_channels))
    return total(*parts)


def norm_backward(n: int, rows: int, params: int, weight: bool, mask: Sequence[bool], train: bool = True) -> int:
    """A normalisation's gradients over n elements in R = ``rows`` groups, P = ``params`` affine elements: dx
    (10 + [w])·n − 2R in training (x̂ 2n, dy·w, Σ dy·w and Σ dy·w·x̂ n + 2(n − R), (rstd/D)·(D·g − Σg − x̂·Σgx̂) 5n),
    (1 + [w])·n in eval (dy·w·invstd); dw 2n − P (Σ dy·x̂); db n − P (Σ dy); each when ``mask`` asks for it."""
    flops = 0
    if mask[0]:
        flops += (10 + weight) * n - 2 * rows if train else (1 + weight) * n
    if mask[1]:
        flops += at_least(2 * n - params, 0)
    if len(mask) > 2 and mask[2]:
        flops += summed_into(n, params)
    return flops


def avg_pool_backward(k: int, n: int) -> int:
    """An average pool's gradient from n output gradients over windows of k: a divide by the window, then k adds
    into the inputs: (k + 1)·n."""
    return (k + 1) * n


def adaptive_avg_pool_backward(in_shape: Sequence[int], dy_shape: Sequence[int], dims: int) -> int:
    """An adaptive average pool's gradient: numel(dy) divides, then Σ windows adds (:func:`adaptive_pool`)."""
    return adaptive_pool(in_shape, dy_shape, dims) + math.prod(dy_shape)


def upsample_backward(cost: int, dy: int, dx: int) -> int:
    """The adjoint of an upsampling of ``cost`` FLOPs per output (m weights: m multiplies, m − 1 adds), dy and dx
    elements: nearest (cost 0) dy − dx adds (each input's gradient the sum of its copies); else (cost + 1)·dy (each
    dy scattered with the same m weights: m multiplies, m adds)."""
    if cost == 0:
        return summed_into(dy, dx)
    return (cost + 1) * dy


def embedding_bag_backward(bags: int, indices: int, dim: int, mode: int, weighted: bool) -> int:
    """An embedding bag's weight gradient, dy [N, D] (``bags`` = N·D elements), I = ``indices``: sum I·D adds
    (+ I·D multiplies by per_sample_weights); mean N·D divides + I·D adds; max N·D, each bag's gradient into its
    argmax rows (``mode`` 0 sum, 1 mean, 2 max)."""
    if mode == 2:
        return bags
    if mode == 1:
        return bags + indices * dim
    return indices * dim * (2 if weighted else 1)


def softmax_backward(n: int, size: int) -> int:
    """y·(dy − Σ dy·y) over n elements in rows of ``size``: 4n − n/size (multiply, row sum, subtract, multiply)."""
    return 4 * n - rows(n, size)


def log_softmax_backward(n: int, size: int) -> int:
    """dy − exp(y)·Σ dy over n elements in rows of ``size``: 3n − n/size (exp, row sum, multiply-subtract)."""
    return 3 * n - rows(n, size)


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


def cdist_backward(p: float, pairs: int, features: int, n: int) -> int:
    """cdist's gradient for x1 (n elements), ``pairs`` = numel(dy), M = ``features``: per pair and feature the
    difference recomputed (1) and its gradient (c = :func:`distance_backward_cost`), then each of the n gradients
    sums its terms: T·(2 + c) − n, T = pairs·M; 0 for p = 0."""
    cost = distance_backward_cost(p)
    return at_least(pairs * features * (2 + cost) - n, 0) if cost else 0


def pdist_backward(p: float, pairs: int, features: int, n: int) -> int:
    """pdist's gradient for x [rows, M] (n elements), ``pairs`` = numel(dy): per pair and feature the difference (1)
    and its gradient (c), added into one row and subtracted from the other: T·(3 + c) − n, T = pairs·M; 0 for p = 0."""
    cost = distance_backward_cost(p)
    return at_least(pairs * features * (3 + cost) - n, 0) if cost else 0


def grid_sampler_backward(mode: int, dims: int, n: int, grad_input: bool) -> int:
    """A grid sampling's gradients from n elements of dy, m = GRID_TAPS[mode]^dims taps: d_input 2m·n (each tap's
    weight times dy, added into its pixel; nearest n) when asked; d_grid m·(1 + 2·dims)·n (each tap's value times dy,
    then times each axis' weight derivative and added; nearest 0)."""
    taps = GRID_TAPS.get(mode, 1) ** dims
    d_input = ((1 if mode == 1 else 2 * taps) * n) if grad_input else 0
    d_grid = 0 if mode == 1 else taps * (1 + 2 * dims) * n
    return d_input + d_grid


def ctc_backward(steps: int, targets: int, batch: int, log_probs: int) -> int:
    """CTC's backward recursion over T steps and 2·numel(targets) + N states: CTC_STATE per (step, state) as the
    forward's, + 3 per (step, state) to combine α and β, + 4 per log-probability (exp, subtract, exp, × g)."""
    states = 2 * targets + batch
    return CTC_STATE * steps * states + 3 * steps * states + 4 * log_probs


def multilabel_margin_backward(rows: int, classes: int) -> int:
    """multilabel_margin_loss's gradient: 3 per (target, other) pair, ⌊C²/4⌋ pairs per row at most (compare, two
    adds): rows·3·⌊C²/4⌋."""
    return rows * 3 * (classes * classes // 4)


def sparse_mm_reduce_backward(nnz: int, k: int, dy: int, reduce: str, mask: Sequence[bool], weight: int) -> Count:
    """The gradients of a sparse (CSR, nnz stored values) × dense [·, K] reduce-product, dy elements: 'amax'/'amin'
    a multiply and an add per element of dy for each gradient asked; 'sum'/'mean' d_self one dot of K per stored
    value, contraction(nnz, K), d_weight selfᵀ @ dy (:func:`statistics.sparse_reduce_product`), 'mean' + nnz divides
    each."""
    if reduce in ("amax", "amin", "max", "min"):  # the dy at each argmax times the other factor, scatter-added
        return total(*(2 * dy for wanted in mask[:2] if wanted))
    mean = nnz if reduce == "mean" else 0  # dot products divided by the row counts; values normalised
    parts: list[int | Count] = []
    if mask[0]:
        parts += [contraction(nnz, k), mean]
    if mask[1]:
        parts += [sparse_reduce_product(nnz, k, weight, "sum"), mean]
    return total(*parts)
