"""torch's fused inference kernels for whole layers: what eval-mode attention and Transformer encoder layers
run on cpu and cuda (``_native_multi_head_attention``, ``_transformer_encoder_layer_fwd``).

Each counts the dense arithmetic of the layer it replaces, with the formulas the nn pack counts the
module with (``formulas.transformer.multihead_attention``, ``formulas.norm``, ``formulas.contraction``),
so ``engine="aten"`` and the default engine agree on eval-mode ``nn.MultiheadAttention`` and
``nn.TransformerEncoderLayer``.
"""

from __future__ import annotations

import torch

from torch_flops_core import Call, Count, Registry
from torch_flops_core.formulas import activation, contraction, norm, total
from torch_flops_core.formulas.transformer import multihead_attention

from ._ops import aten

__all__ = ["native_multi_head_attention", "register", "transformer_encoder_layer"]


def _batch_length(x: torch.Tensor) -> tuple[int, int]:
    """(batch, length) of a batch-first (B, L, E) or unbatched (L, E) input."""
    return (x.shape[0], x.shape[1]) if x.dim() == 3 else (1, x.shape[0])


def native_multi_head_attention(call: Call) -> Count:
    """_native_multi_head_attention(q, k, v, E, h, ...): formulas.transformer.multihead_attention, one mask at most."""
    a = call.arguments()
    batch, length = _batch_length(a["query"])
    source = _batch_length(a["key"])[1]
    e = a["embed_dim"]
    return multihead_attention(
        batch, length, source, e, a["num_head"], e, e,
        in_bias=a["qkv_bias"] is not None, out_bias=a["proj_bias"] is not None,
        need_weights=bool(a["need_weights"]), average=bool(a["average_attn_weights"]),
        masks=int(a["mask"] is not None),
    )  # fmt: skip


def transformer_encoder_layer(call: Call) -> Count:
    """_transformer_encoder_layer_fwd: self-attention (need_weights off) + 2 residual adds + 2 layer norms +
    linear1 + relu/gelu + linear2, N = B·L·E: MHA + 2N + 2·norm(N) + FFN."""
    a = call.arguments()
    src = a["src"]
    batch, length = _batch_length(src)
    e = a["embed_dim"]
    n = batch * length * e
    hidden = a["ffn_weight_1"].shape[0]
    attention = multihead_attention(
        batch, length, length, e, a["num_heads"], e, e,
        in_bias=a["qkv_bias"] is not None, out_bias=a["proj_bias"] is not None,
        need_weights=False, masks=int(a["mask"] is not None),
    )  # fmt: skip
    norms = [norm(n, a[f"norm_weight_{i}"] is not None, a[f"norm_bias_{i}"] is not None) for i in (1, 2)]
    rows = batch * length
    feed_forward = total(
        contraction(rows * hidden, e, a["ffn_bias_1"] is not None),
        activation("gelu" if a["use_gelu"] else "relu", rows * hidden),
        contraction(n, hidden, a["ffn_bias_2"] is not None),
    )
    return total(attention, 2 * n, *norms, feed_forward)


def register(registry: Registry) -> None:
    registry.function(*aten("_native_multi_head_attention"))(native_multi_head_attention)
    registry.function(*aten("_transformer_encoder_layer_fwd"))(transformer_encoder_layer)
