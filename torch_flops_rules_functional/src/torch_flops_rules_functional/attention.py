"""Attention."""

from __future__ import annotations

import math

import torch.nn.functional as F

from torch_flops_core import Call, Count, Registry


def scaled_dot_product_attention(call: Call) -> Count:
    """sdpa: (2d−1)·S (QKᵀ) + S (scale) [+ S mask] + softmax [+ S dropout] + (2Lk−1)·B·Lq·dv (AV), S = B·Lq·Lk."""
    q, k, v = call.arg(0, "query"), call.arg(1, "key"), call.arg(2, "value")
    mask = call.arg(3, "attn_mask")
    dropout_p = call.arg(4, "dropout_p", 0.0)
    is_causal = call.arg(5, "is_causal", False)
    lq, d = q.shape[-2], q.shape[-1]
    lk, dv = k.shape[-2], v.shape[-1]
    b = math.prod(q.shape[:-2])
    scores = b * lq * lk
    flops = (2 * d - 1) * scores + scores  # QKᵀ, then scaling
    if mask is not None or is_causal:
        flops += scores
    flops += scores + b * lq * (lk - 1) + scores  # softmax: exp, row sums, divisions
    if dropout_p > 0:
        flops += scores
    flops += (2 * lk - 1) * b * lq * dv  # attention weights times V
    return Count(flops=flops, macs=scores * d + b * lq * lk * dv)


def register(registry: Registry) -> None:
    registry.function(F.scaled_dot_product_attention)(scaled_dot_product_attention)
