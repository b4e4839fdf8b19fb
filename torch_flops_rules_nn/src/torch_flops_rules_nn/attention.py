"""MultiheadAttention (a leaf: its forward cannot be symbolically traced)."""

from __future__ import annotations

from torch import nn

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas.transformer import multihead_attention as multihead_attention_formula

__all__ = ["multihead_attention", "register"]


def multihead_attention(call: Call) -> Count:
    """MultiheadAttention: formulas.transformer.multihead_attention (projections, QKᵀ, softmax, AV, out-projection)."""
    module = call.module_as(nn.MultiheadAttention)
    args = call.arguments()
    query, key = args["query"], args["key"]
    padding_mask, attn_mask = args["key_padding_mask"], args["attn_mask"]
    need_weights, average = args["need_weights"], args["average_attn_weights"]
    if query.dim() == 3:
        seq = 1 if module.batch_first else 0
        batch, length, source = query.shape[1 - seq], query.shape[seq], key.shape[seq]
    else:
        batch, length, source = 1, query.shape[0], key.shape[0]
    return multihead_attention_formula(
        batch, length, source, module.embed_dim, module.num_heads, module.kdim, module.vdim,
        extra_keys=(module.bias_k is not None) + bool(module.add_zero_attn),
        in_bias=module.in_proj_bias is not None,
        out_bias=module.out_proj.bias is not None,
        need_weights=bool(need_weights),
        average=bool(average),
        masks=(attn_mask is not None) + (padding_mask is not None),
        dropout=module.training and module.dropout > 0,
    )  # fmt: skip


def register(registry: Registry) -> None:
    registry.module(nn.MultiheadAttention)(multihead_attention)
