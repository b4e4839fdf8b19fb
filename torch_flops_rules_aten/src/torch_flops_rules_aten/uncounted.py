"""The aten ops this pack gives no rule, on purpose, and why: the ``uncounted`` status of
``torch_flops_core.coverage.op_statuses`` (docs/aten-coverage.md).

Keys are regular expressions matched in full against ``name.overload`` (no namespace). An op listed here
that runs is still shown as ``not recognized`` (never a silent 0); the reason says why no rule counts it
and whether one is planned. ``tests/test_op_status.py`` fails on an overload that has neither a rule nor a
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
    r"_philox_.*": "counter-based random sampling (a random op, as the other samplers: planned as 0 with them)",
}
