"""MultiheadAttention (a leaf: its forward cannot be symbolically traced)."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import softmax

from ._count import contraction, total

__all__ = ["multihead_attention", "register"]


def multihead_attention(call: Call) -> Count:
    """MultiheadAttention: in-projections + QKᵀ + scale + masks + softmax + dropout + AV + average + out-projection.

    With L query and S key positions (S' = S + [bias_k] + [add_zero_attn]), batch B, h heads of size
    d = E/h and A = B·h·L·S' attention scores: projections (2E − 1)·L·B·E, (2·kdim − 1)·S·B·E,
    (2·vdim − 1)·S·B·E (+ L·B·E + 2·S·B·E with in_proj_bias); QKᵀ (2d − 1)·A; scale L·B·E when
    need_weights (torch scales q), else A (scaled_dot_product_attention scales the scores); A with
    attn_mask or key_padding_mask, A more with both (merged); softmax 2A + B·h·L·(S' − 1); A for
    dropout in training; AV (2S' − 1)·B·h·L·d; A to average the weights over heads; out-projection
    (2E − 1)·L·B·E (+ L·B·E with bias). MACs: the five contractions'.
    """
    module = call.module
    assert isinstance(module, nn.MultiheadAttention)
    query, key = call.arg(0, "query"), call.arg(1, "key")
    padding_mask, attn_mask = call.arg(3, "key_padding_mask"), call.arg(5, "attn_mask")
    need_weights = call.arg(4, "need_weights", True)
    average = call.arg(6, "average_attn_weights", True)
    if query.dim() == 3:
        seq = 1 if module.batch_first else 0
        batch, length, source = query.shape[1 - seq], query.shape[seq], key.shape[seq]
    else:
        batch, length, source = 1, query.shape[0], key.shape[0]
    e, heads, d = module.embed_dim, module.num_heads, module.head_dim
    source_ext = source + (module.bias_k is not None) + bool(module.add_zero_attn)
    scores = batch * heads * length * source_ext
    in_bias = module.in_proj_bias is not None
    masks = (attn_mask is not None) + (padding_mask is not None)
    return total(
        contraction(length * batch * e, e, in_bias),
        contraction(source * batch * e, module.kdim, in_bias),
        contraction(source * batch * e, module.vdim, in_bias),
        contraction(scores, d),
        length * batch * e if need_weights else scores,
        scores * masks,  # the mask added to the scores, and the two masks merged when both are given
        softmax(scores, source_ext),
        scores if module.training and module.dropout > 0 else 0,
        contraction(batch * heads * length * d, source_ext),
        scores if need_weights and average else 0,
        contraction(length * batch * e, e, module.out_proj.bias is not None),
    )


def register(registry: Registry) -> None:
    registry.module(nn.MultiheadAttention)(multihead_attention)
