"""Scaled dot-product attention kernels: the math path decomposes into matmuls and softmax (counted by
their rules); the fused kernels (flash for cpu and cuda, efficient, cudnn) are counted with the shared
sdpa formula (``torch_flops_core.formulas.attention``), the functional pack's count of
``F.scaled_dot_product_attention``."""

from __future__ import annotations

import math

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import attention

from ._ops import aten

__all__ = ["fused_attention", "register"]


def fused_attention(call: Call) -> Count:
    """_scaled_dot_product_*_attention(q, k, v, ...): (2d−1)·S + S (scale) [+ S mask] + softmax + (2Lk−1)·B·Lq·dv;
    S = B·Lq·Lk, B = batch·heads, masked when a mask or is_causal is given."""
    q, k, v = call.args[0], call.args[1], call.args[2]
    causal = bool(call.kwargs.get("is_causal", False)) or any(a is True for a in call.args[3:6])
    masked = causal or call.kwargs.get("attn_mask") is not None or any(hasattr(a, "shape") for a in call.args[3:5])
    dropout = call.kwargs.get("dropout_p", 0.0)
    b = math.prod(q.shape[:-2])
    return attention(b, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1], masked, bool(dropout))


def register(registry: Registry) -> None:
    registry.function(
        *aten(
            "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_flash_attention",
            "_scaled_dot_product_efficient_attention", "_scaled_dot_product_cudnn_attention",
        )
    )(fused_attention)  # fmt: skip
