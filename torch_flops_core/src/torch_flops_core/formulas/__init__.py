"""The counting convention's formulas, as pure functions of shapes and flags: one home for every pack.

Every rule pack (nn, functional, aten) and any third-party plugin counts a family of ops with these,
so ``nn.Linear``, ``F.linear`` and ``aten.addmm`` cannot drift apart. They are the convention's
vocabulary, not rules: core still claims no op. ``docs/conventions.md`` states each formula; exact
FLOPs count a multiply and an add separately (a dot product of length K is 2K − 1 FLOPs).

Each name below is importable from here; it lives in one topic module: ``costs`` (the per-element tables),
``products`` (contractions, sums of counts), ``convolutions``, ``per_element`` (activations, math, comparisons,
dropout), ``reductions`` (tabled reductions, p-norms, softmax), ``norms``, ``distances``, ``pooling``,
``resampling``, ``embeddings``, ``losses``, ``recurrent``, ``transformer`` (attention). Families with their own
namespace are imported as modules: ``linalg`` (with ``lapack``), ``spectral``, ``special``, ``statistics``,
``gradients`` (backward kernels).
"""

from __future__ import annotations

from .convolutions import conv_tbc, conv_transpose, convolution, covered, covered_outputs, fold
from .costs import ACTIVATION_COSTS, LOSS_COSTS, POINTWISE_COSTS, REDUCTION_COSTS
from .distances import cosine_embedding, cosine_similarity, distance, pairwise_distance
from .embeddings import embedding_bag, embedding_renorm
from .losses import (
    CTC_STATE,
    binary_cross_entropy_with_logits,
    cross_entropy,
    ctc,
    ctc_reduction,
    gaussian_nll,
    linear_cross_entropy_grads,
    loss_reduction,
    multi_margin,
    multilabel_margin,
    multilabel_soft_margin,
    poisson_nll,
    triplet_margin,
)
from .norms import local_response_norm, norm, normalize, rms_norm, running_stats_average, weight_norm
from .per_element import (
    activation,
    allclose,
    diff,
    dropout,
    elementwise,
    feature_mask,
    index_put_accumulate,
    isclose,
    isfinite,
    pointwise,
    scalar_divided,
)
from .pooling import adaptive_pool, adaptive_windows, avg_pool, lp_pool, max_pool, pool_window
from .products import contraction, grouped_mm, scaled_add, summed_into, total, trilinear
from .recurrent import RNN_GATE_ARITHMETIC, RNN_GATES, rnn, rnn_step, rnn_step_backward
from .reductions import log_softmax, reduction, softmax, softmin, vector_norm
from .resampling import GRID_TAPS, INTERPOLATION_COSTS, grid_sampler, grid_taps
from .transformer import attention, attention_backward

__all__ = [
    "ACTIVATION_COSTS", "CTC_STATE", "GRID_TAPS", "INTERPOLATION_COSTS", "LOSS_COSTS", "POINTWISE_COSTS",
    "REDUCTION_COSTS", "RNN_GATES", "RNN_GATE_ARITHMETIC", "activation", "adaptive_pool", "adaptive_windows",
    "allclose", "attention", "attention_backward", "avg_pool", "binary_cross_entropy_with_logits", "contraction",
    "conv_tbc", "conv_transpose", "convolution", "cosine_embedding", "cosine_similarity", "covered", "covered_outputs",
    "cross_entropy", "ctc", "ctc_reduction", "diff", "distance", "dropout", "elementwise", "embedding_bag",
    "embedding_renorm", "feature_mask", "fold", "gaussian_nll", "grid_sampler", "grid_taps", "grouped_mm",
    "index_put_accumulate", "isclose", "isfinite", "linear_cross_entropy_grads", "local_response_norm", "log_softmax",
    "loss_reduction", "lp_pool", "max_pool", "multi_margin", "multilabel_margin", "multilabel_soft_margin", "norm",
    "normalize", "pairwise_distance", "pointwise", "poisson_nll", "pool_window", "reduction", "rms_norm", "rnn",
    "rnn_step", "rnn_step_backward", "running_stats_average", "scalar_divided", "scaled_add", "softmax", "softmin",
    "summed_into", "total", "trilinear", "triplet_margin", "vector_norm", "weight_norm",
]  # fmt: skip
