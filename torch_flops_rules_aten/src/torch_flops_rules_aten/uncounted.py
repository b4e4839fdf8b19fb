"""The aten ops this pack gives no rule, on purpose, and why: the ``uncounted`` status of
``torch_flops_core.coverage.op_statuses`` (docs/aten-coverage.md).

Keys are regular expressions matched in full against ``name.overload`` (no namespace). An op listed here
that runs is still shown as ``not recognized`` (never a silent 0); the reason says why no rule counts it
and whether one is planned. ``tests/core/test_op_status.py`` fails on an overload that has neither a rule nor a
reason, so a torch upgrade names every new op.
"""

from __future__ import annotations

__all__ = ["UNCOUNTED"]

_BACKEND = (
    r"cudnn_.*|_cudnn_.*|miopen_.*|mkldnn_.*|_mkldnn_.*|to_mkldnn.*|mps_.*|_mps_.*|_lstm_mps.*|lstm_mps_backward.*"
    r"|_nnpack_.*|_triton_.*|_flash_attention_.*|_efficient_attention_.*|_fill_mem_eff_dropout_mask_"
    r"|_scaled_dot_product_attention_math_for_mps|slow_conv.*|_slow_conv2d_.*|_conv_depthwise2d.*|conv_depthwise3d.*"
    r"|convolution_overrideable.*|convolution_backward_overrideable.*|_grid_sampler_2d_cpu_fallback.*|_fused_sdp_choice"
    r"|_thnn_fused_.*|_transform_bias_rescale_qkv.*|_masked_softmax.*|_fused_dropout.*|_masked_scale.*"
    r"|batch_norm_stats.*|batch_norm_elemt.*|batch_norm_gather_stats.*|batch_norm_backward_reduce.*"
    r"|batch_norm_backward_elemt.*|batch_norm_update_stats.*"
)
_QUANTIZED = (
    r"quantize_.*|quantized_.*|dequantize.*|_fake_quantize.*|fake_quantize.*|q_.*|int_repr.*|_make_per_.*"
    r"|_empty_.*quantized.*|empty_quantized.*|_fused_moving_avg_obs_fq_helper.*|_dyn_quant.*|_convert_weight_to_int4pack.*"
    r"|_weight_int[48]pack.*|_int_mm.*|_mixed_dtypes_linear|_scaled_mm.*|_scaled_grouped_mm.*|_cslt_.*"
    r"|_sparse_semi_structured_.*|_to_sparse_semi_structured"
)
_SPARSE = (
    r"_sparse_.*|_coalesce.*|_coalesced.*|_convert_indices_from_.*|_validate_compressed_sparse_indices|sparse_mask.*"
    r"|hspmm.*|sspaddmm.*|_spdiags.*|_spsolve"
)

UNCOUNTED: dict[str, str] = {
    r"_test_.*|_foobar.*": "torch's own test ops",
    _BACKEND: (
        "backend kernels (cuDNN, MIOpen, oneDNN, MPS, NNPACK, Triton, fused CUDA cells, SyncBatchNorm's CUDA "
        "statistics, the fast paths' helpers) that run inside an op the engines count, below the dispatcher; "
        "a rule is planned where a CUDA count shows one reaching a mode"
    ),
    _QUANTIZED: (
        "quantized, int4/int8/fp8-scaled and 2:4-sparse kernels: the convention covers floating-point dense "
        "arithmetic; their scaling conventions are not decided yet (planned)"
    ),
    _SPARSE: (
        "sparse-layout kernels other than sparse × dense products (coalescing, sparse softmax and sums, sparse × "
        "sparse): no formula from shapes, the work depends on the indices (planned with nnz-based formulas)"
    ),
    r"_nested_.*|_jagged_to_padded_dense_forward|_padded_dense_to_jagged_forward": (
        "nested and jagged tensor internals: nested tensors are counted where they run as dense ops; the nested "
        "layout's own kernels are not counted yet"
    ),
    r"_fused_adam.*|_fused_adamw.*|_fused_sgd.*|_fused_adagrad.*|_amp_foreach_non_finite_check_and_unscale.*"
    r"|_amp_update_scale.*": (
        "fused optimizer and AMP-scaler kernels (CUDA, fused=True): an optimizer step is counted with foreach=True "
        "or the loop (the same count); a rule for the fused kernels is planned"
    ),
    r"_philox_.*|normal_functional|rrelu_with_noise_functional|_dirichlet_grad.*|_standard_gamma_grad.*": (
        "random sampling kernels of compiled graphs and the reparameterised gradients of random samples: planned "
        "with the other random ops (eager samplers count 0)"
    ),
    r"linear_backward.*|matmul_backward.*|max_pool2d_backward.*|_weight_norm_interface_backward.*"
    r"|adaptive_avg_pool3d_backward.grad_input|_compute_linear_combination.*": (
        "backward and helper kernels only backends call (oneDNN's linear and matmul backward, the legacy "
        "max_pool2d and weight_norm backward, matrix_exp's CUDA helper); autograd on cpu and cuda runs the "
        "kernels that are counted"
    ),
    r"glu_jvp.*|glu_backward_jvp.*": "forward-mode AD (jvp) kernels: forward-mode differentiation is not counted",
    r"_aminmax.*": "the deprecated internal of aminmax (torch runs aminmax, which is counted by its decomposition)",
    r"_upsample_lanczos2d_aa.*|conv_tbc.*|embedding_renorm.*|linalg__powsum|hash_tensor.*": (
        "rare kernels without a rule yet: Lanczos antialiased resampling, fairseq's time-batch-channel "
        "convolution, the max_norm renormalisation of embedding rows, Σ|x|^p, a tensor's hash"
    ),
}
