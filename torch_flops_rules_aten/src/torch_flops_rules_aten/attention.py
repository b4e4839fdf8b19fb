"""Scaled dot-product attention kernels: the math path decomposes into matmuls and softmax (counted by
their rules); the fused kernels (flash for cpu and cuda, efficient, cudnn) are counted with the shared
sdpa formula (``torch_flops_core.formulas.attention``), the functional pack's count of
``F.scaled_dot_product_attention``."""

from __future__ import annotations

import math

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import attention, attention_backward

from ._ops import arguments, aten

__all__ = ["fused_attention", "fused_attention_backward", "register"]


def fused_attention(call: Call) -> Count:
    """_scaled_dot_product_*_attention(q, k, v, ...): (2d−1)·S + S (scale) [+ S mask] + softmax + (2Lk−1)·B·Lq·dv;
    S = B·Lq·Lk, B = batch·heads, masked when a mask or is_causal is given."""
    q, k, v = call.args[0], call.args[1], call.args[2]
    causal = bool(call.kwargs.get("is_causal", False)) or any(a is True for a in call.args[3:6])
    masked = causal or call.kwargs.get("attn_mask") is not None or any(hasattr(a, "shape") for a in call.args[3:5])
    dropout = call.kwargs.get("dropout_p", 0.0)
    b = math.prod(q.shape[:-2])
    return attention(b, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1], masked, bool(dropout))


def fused_attention_backward(call: Call) -> Count:
    """_scaled_dot_product_*_attention_backward(dO, q, k, v, ...): formulas.attention_backward, 2× the forward's MACs;
    the gradients grad_input_mask asks for (efficient kernel), else dQ, dK and dV."""
    q, k, v = call.args[1], call.args[2], call.args[3]
    named = arguments(call)
    mask = named.get("grad_input_mask")
    grads = (True, True, True)
    if isinstance(mask, list | tuple) and len(mask) >= 3:
        grads = (bool(mask[0]), bool(mask[1]), bool(mask[2]))
    b = math.prod(q.shape[:-2])
    return attention_backward(
        b, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1], bool(named.get("dropout_p") or 0.0), grads
    )


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "_scaled_dot_product_flash_attention_for_cpu_backward", "_scaled_dot_product_flash_attention_backward",
            "_scaled_dot_product_efficient_attention_backward", "_scaled_dot_product_cudnn_attention_backward",
        )
    )(fused_attention_backward)  # fmt: skip
    registry.function(
        *aten(
            "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
            "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
        )
    )(fused_attention)  # fmt: skip
