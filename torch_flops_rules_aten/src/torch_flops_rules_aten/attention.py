"""Scaled dot-product attention kernels: the math path decomposes into matmuls and softmax (counted by
their rules); the fused kernels (flash for cpu and cuda, efficient, cudnn, the overrideable one of other
backends) are counted with the shared sdpa formula (``torch_flops_core.formulas.attention``), the functional
pack's count of ``F.scaled_dot_product_attention``.

Their schemas differ (the efficient and cudnn kernels take ``attn_bias`` and ``compute_log_sumexp`` before
``dropout_p`` and ``is_causal``; the cpu flash kernel takes ``attn_mask`` by keyword only; the quantized flash
overload puts three descales in between): every argument is read by name.
"""

from __future__ import annotations

import math
from typing import Any

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import attention, attention_backward

from ._ops import aten

__all__ = ["fused_attention", "fused_attention_backward", "register"]


def _mask(named: dict[str, Any]) -> Any:
    """The kernel's additive mask or bias, whatever its schema calls it (``None`` without one)."""
    return named.get("attn_mask", named.get("attn_bias"))


def fused_attention(call: Call) -> Count:
    """_scaled_dot_product_*_attention(query, key, value, ...): (2d−1)·S + S (scale) [+ S mask] + softmax
    [+ S dropout] + (2Lk−1)·B·Lq·dv; S = B·Lq·Lk, B = batch·heads; masked with attn_mask/attn_bias or is_causal,
    dropout with dropout_p > 0."""
    named = call.arguments()
    q, k, v = named["query"], named["key"], named["value"]
    masked = bool(named.get("is_causal")) or _mask(named) is not None
    b = math.prod(q.shape[:-2])
    return attention(b, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1], masked, bool(named.get("dropout_p")))


def fused_attention_backward(call: Call) -> Count:
    """_scaled_dot_product_*_attention_backward(grad_out, query, key, value, ...): formulas.attention_backward, 2×
    the forward's MACs; the gradients grad_input_mask asks for (efficient, overrideable), else dQ, dK and dV."""
    named = call.arguments()
    q, k, v = named["query"], named["key"], named["value"]
    mask = named.get("grad_input_mask")
    grads = (True, True, True)
    if isinstance(mask, list | tuple) and len(mask) >= 3:
        grads = (bool(mask[0]), bool(mask[1]), bool(mask[2]))
    b = math.prod(q.shape[:-2])
    return attention_backward(
        b, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1], bool(named.get("dropout_p")), grads
    )


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "_scaled_dot_product_flash_attention_for_cpu_backward", "_scaled_dot_product_flash_attention_backward",
            "_scaled_dot_product_efficient_attention_backward", "_scaled_dot_product_cudnn_attention_backward",
            "_scaled_dot_product_fused_attention_overrideable_backward",
        )
    )(fused_attention_backward)  # fmt: skip
    registry.function(
        *aten(
            "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
            "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
            "_scaled_dot_product_fused_attention_overrideable",
        )
    )(fused_attention)  # fmt: skip
