"""Attention: scaled dot-product attention and multi-head attention."""

from __future__ import annotations

import math

import torch.nn.functional as F

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import attention, contraction, total

__all__ = ["attention_count", "multi_head_attention_forward", "scaled_dot_product_attention"]


attention_count = attention
"""The shared sdpa formula (``torch_flops_core.formulas.attention``), under this pack's former name."""


def scaled_dot_product_attention(call: Call) -> Count:
    """sdpa: (2d−1)·S (QKᵀ) + S (scale) [+ S mask] + softmax [+ 2S dropout] + (2Lk−1)·B·Lq·dv (AV), S = B·Lq·Lk."""
    q, k, v = call.arg(0, "query"), call.arg(1, "key"), call.arg(2, "value")
    mask = call.arg(3, "attn_mask")
    dropout_p = call.arg(4, "dropout_p", 0.0)
    is_causal = call.arg(5, "is_causal", False)
    # B counts query heads: with enable_gqa, groups of query heads share one key/value head
    b = math.prod(q.shape[:-2])
    return attention_count(b, q.shape[-2], k.shape[-2], q.shape[-1], v.shape[-1], mask is not None or is_causal,
                           dropout_p > 0)  # fmt: skip


def _projection(rows: int, k: int, e: int, bias: bool) -> Count:
    """Projecting ``rows`` vectors of length k to length e: rows·e dot products of length k."""
    return contraction(rows * e, k, bias)


def multi_head_attention_forward(call: Call) -> Count:
    """F.multi_head_attention_forward: projections, QKᵀ, scale, masks, softmax, dropout, AV, head mean, out-projection.

    L query and S key positions (S' = S + [bias_k] + [add_zero_attn]), batch B, h heads of d = E/h,
    A = B·h·L·S' scores: projections (2E − 1)·L·B·E, (2·kdim − 1)·S·B·E, (2·vdim − 1)·S·B·E
    (+ L·B·E + 2·S·B·E with in_proj_bias); QKᵀ (2d − 1)·A; scale L·B·E with need_weights (torch
    scales q), else A; A per mask given (attn_mask, key_padding_mask: the second is merged into the
    first); softmax 2A + B·h·L·(S' − 1); 2A for dropout in training (the mask's scale and the
    multiply, as ``formulas.dropout``); AV (2S' − 1)·B·h·L·d; A to
    average the weights over heads; out-projection (2E − 1)·L·B·E (+ L·B·E with bias).
    The same count as the nn pack's ``nn.MultiheadAttention`` rule.
    """
    args = call.arguments()
    query, key, value = args["query"], args["key"], args["value"]
    heads = args["num_heads"]
    in_bias = args["in_proj_bias"] is not None
    bias_k = args["bias_k"]
    add_zero_attn = args["add_zero_attn"]
    dropout_p = args["dropout_p"]
    out_bias = args["out_proj_bias"] is not None
    training = args["training"]
    key_padding_mask = args["key_padding_mask"]
    need_weights = args["need_weights"]
    attn_mask = args["attn_mask"]
    static_k, static_v = args["static_k"], args["static_v"]
    average = args["average_attn_weights"]

    lq, e = query.shape[0], query.shape[-1]
    batch = query.shape[1] if query.dim() == 3 else 1
    lk = key.shape[0]
    projections = [(lq, e)]  # (positions, input features) of the q, k, v projections computed
    if static_k is None:
        projections.append((lk, key.shape[-1]))
    if static_v is None:
        projections.append((lk, value.shape[-1]))
    if static_k is not None:
        lk = static_k.shape[1]
    lk += (bias_k is not None) + bool(add_zero_attn)
    d = e // heads
    scores = batch * heads * lq * lk
    return total(
        *(_projection(rows * batch, k, e, in_bias) for rows, k in projections),
        contraction(scores, d),  # QKᵀ
        lq * batch * e if need_weights else scores,  # scale
        scores * ((attn_mask is not None) + (key_padding_mask is not None)),
        2 * scores + batch * heads * lq * (lk - 1),  # softmax
        2 * scores if training and dropout_p > 0 else 0,  # dropout: the mask's scale, the multiply
        contraction(batch * heads * lq * d, lk),  # AV
        scores if need_weights and average else 0,  # mean over heads
        _projection(lq * batch, e, e, out_bias),
    )


def register(registry: Registry) -> None:
    registry.function(F.scaled_dot_product_attention)(scaled_dot_product_attention)
    registry.function(F.multi_head_attention_forward)(multi_head_attention_forward)
