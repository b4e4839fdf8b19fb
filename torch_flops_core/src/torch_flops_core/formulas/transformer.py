"""Attention blocks as whole layers: ``nn.MultiheadAttention`` and the fused kernels that run it.

The nn pack counts ``nn.MultiheadAttention`` with :func:`multihead_attention`, and the aten pack counts
torch's fused inference kernels (``aten._native_multi_head_attention``, ``aten._transformer_encoder_layer_fwd``,
what eval-mode attention runs on cpu and cuda) with the same function, so both levels agree.
"""

from __future__ import annotations

from ..rules import Count
from . import contraction, softmax, total

__all__ = ["multihead_attention"]


def multihead_attention(
    batch: int,
    length: int,
    source: int,
    embed: int,
    heads: int,
    kdim: int,
    vdim: int,
    *,
    extra_keys: int = 0,
    in_bias: bool = True,
    out_bias: bool = True,
    need_weights: bool = True,
    average: bool = True,
    masks: int = 0,
    dropout: bool = False,
) -> Count:
    """In-projections + QKᵀ + scale + masks + softmax + dropout + AV + average + out-projection.

    With L = ``length`` query and S = ``source`` key positions (S' = S + ``extra_keys``: bias_k and
    add_zero_attn), B = ``batch``, h = ``heads`` of size d = E/h and A = B·h·L·S' scores: projections
    (2E − 1)·L·B·E, (2·kdim − 1)·S·B·E, (2·vdim − 1)·S·B·E (+ L·B·E + 2·S·B·E with in_bias); QKᵀ (2d − 1)·A;
    scale L·B·E when need_weights (torch scales q), else A (scaled_dot_product_attention scales the
    scores); A per mask (``masks``: attn_mask and key_padding_mask, merged when both); softmax 2A +
    B·h·L·(S' − 1); 2A for dropout (the mask's scale and the multiply:
    ``formulas.dropout``); AV (2S' − 1)·B·h·L·d; A to average the weights over heads;
    out-projection (2E − 1)·L·B·E (+ L·B·E with out_bias). MACs: the five contractions'.
    """
    d = embed // heads
    keys = source + extra_keys
    scores = batch * heads * length * keys
    return total(
        contraction(length * batch * embed, embed, in_bias),
        contraction(source * batch * embed, kdim, in_bias),
        contraction(source * batch * embed, vdim, in_bias),
        contraction(scores, d),
        length * batch * embed if need_weights else scores,
        scores * masks,
        softmax(scores, keys),
        2 * scores if dropout else 0,
        contraction(batch * heads * length * d, keys),
        scores if need_weights and average else 0,
        contraction(length * batch * embed, embed, out_bias),
    )
