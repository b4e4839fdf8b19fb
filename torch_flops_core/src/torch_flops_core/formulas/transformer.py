"""Attention: scaled dot-product attention and its backward, and attention blocks as whole layers.

:func:`attention` and :func:`attention_backward` count softmax(Q·Kᵀ·scale)·V and its gradients
(``F.scaled_dot_product_attention`` and its kernels). The nn pack counts ``nn.MultiheadAttention`` with
:func:`multihead_attention`, and the aten pack counts torch's fused inference kernels
(``aten._native_multi_head_attention``, ``aten._transformer_encoder_layer_fwd``, what eval-mode attention runs
on cpu and cuda) with the same function, so both levels agree.
"""

from __future__ import annotations

from ..rules import Count
from ..shapes import at_least
from .products import contraction, total
from .reductions import softmax

__all__ = ["attention", "attention_backward", "multihead_attention"]


def attention(b: int, lq: int, lk: int, d: int, dv: int, masked: bool, dropout: bool) -> Count:
    """softmax(Q·Kᵀ·scale [+ mask])·V for B = b heads-times-batches: the seed's sdpa formula, S = b·Lq·Lk.

    (2d − 1)·S (QKᵀ) + S (scale) [+ S mask] + S + b·Lq·(Lk − 1) + S (softmax) [+ 2S dropout: the mask scaled by
    1/(1 − p) and the weights times it, :func:`dropout`] + (2Lk − 1)·b·Lq·dv (weights × V); MACs S·d + S·dv.
    """
    scores = b * lq * lk
    flops = at_least(2 * d - 1, 0) * scores + scores  # QKᵀ, then scaling
    if masked:
        flops += scores
    flops += scores + b * lq * (lk - 1) + scores  # softmax: exp, row sums, divisions
    if dropout:
        flops += 2 * scores
    flops += at_least(2 * lk - 1, 0) * b * lq * dv  # attention weights times V
    return Count(flops=flops, macs=scores * d + scores * dv)


def attention_backward(
    b: int, lq: int, lk: int, d: int, dv: int, dropout: bool, grads: tuple[bool, bool, bool] = (True, True, True)
) -> Count:
    """The gradients of softmax(Q·Kᵀ·scale)·V (:func:`attention`) for B = b, S = b·Lq·Lk, as the math computes them.

    dV = Pᵀ·dO (2Lq − 1)·b·Lk·dv; dP = dO·Vᵀ (2dv − 1)·S [+ S dropout]; dS = P·(dP − Σ dP·P) 4S − b·Lq;
    scale S; dQ = dS·K (2Lk − 1)·b·Lq·d; dK = dSᵀ·Q (2Lq − 1)·b·Lk·d. MACs 2·S·(d + dv), twice the forward's.
    ``grads`` says which of dQ, dK, dV are computed (dP and dS only for dQ or dK). A fused kernel that
    recomputes P from Q and K (flash attention) does that work again; it is not counted (model FLOPs).
    """
    scores = b * lq * lk
    flops = macs = 0
    if grads[2]:  # dV
        flops += at_least(2 * lq - 1, 0) * b * lk * dv
        macs += scores * dv
    if grads[0] or grads[1]:  # dP, dropout, softmax backward, scale
        flops += at_least(2 * dv - 1, 0) * scores + (scores if dropout else 0) + 4 * scores - b * lq + scores
        macs += scores * dv
    if grads[0]:  # dQ
        flops += at_least(2 * lk - 1, 0) * b * lq * d
        macs += scores * d
    if grads[1]:  # dK
        flops += at_least(2 * lq - 1, 0) * b * lk * d
        macs += scores * d
    return Count(flops=flops, macs=macs)


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
