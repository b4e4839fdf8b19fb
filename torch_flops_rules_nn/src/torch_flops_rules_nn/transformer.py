"""The Transformer family: Transformer, TransformerEncoder/Decoder and their layers.

In eval mode under ``no_grad`` these modules run fused fast-path kernels, so each has a rule, and
each rule is the sum of its parts: every submodule (and an activation given as a function) is
counted by the running count's rules (``Call.count``: a plugin's override and ``ignore_ops`` apply
inside the layer too), on ``meta`` tensors of the shapes it sees, plus one add per element for each
residual connection. A part no rule knows makes the whole module ``NOT_RECOGNIZED``. The fast paths
(fused kernels, nested tensors that skip padding) compute the same dense arithmetic or less; the
count is the dense one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.formulas import elementwise, total

__all__ = ["register", "transformer", "transformer_decoder", "transformer_encoder", "transformer_layer"]

Part = Count | NotRecognizedType


def _sum(*parts: Part | int) -> Part:
    counted = [part for part in parts if isinstance(part, (int, Count))]
    return total(*counted) if len(counted) == len(parts) else NOT_RECOGNIZED


def _like(shape: torch.Size | tuple[int, ...]) -> torch.Tensor:
    return torch.empty(shape, device="meta")


def _activation(call: Call, activation: Any, x: torch.Tensor) -> Part:
    if isinstance(activation, nn.Module):
        return call.count(activation, (x,), x)
    return call.count_function(activation, (x,), x)


def _add_norm(call: Call, norm: nn.Module, x: torch.Tensor) -> Part:
    """A residual connection (one add per element) and the norm that follows or precedes it."""
    return _sum(elementwise(1, x.numel()), call.count(norm, (x,), x))


def _feed_forward(call: Call, layer: nn.TransformerEncoderLayer | nn.TransformerDecoderLayer, x: torch.Tensor) -> Part:
    """linear1, activation, dropout, linear2, dropout."""
    h = _like((*x.shape[:-1], layer.linear1.out_features))
    return _sum(
        call.count(layer.linear1, (x,), h),
        _activation(call, layer.activation, h),
        call.count(layer.dropout, (h,), h),
        call.count(layer.linear2, (h,), x),
    )


def _encoder_layer(
    call: Call, layer: nn.TransformerEncoderLayer, x: torch.Tensor, mask: Any, padding_mask: Any
) -> Part:
    attention = call.count(
        layer.self_attn, (x, x, x), (x, None), attn_mask=mask, key_padding_mask=padding_mask, need_weights=False
    )
    return _sum(
        attention,
        call.count(layer.dropout1, (x,), x),
        _add_norm(call, layer.norm1, x),
        _feed_forward(call, layer, x),
        call.count(layer.dropout2, (x,), x),
        _add_norm(call, layer.norm2, x),
    )


def _decoder_layer(
    call: Call, layer: nn.TransformerDecoderLayer, x: torch.Tensor, memory: torch.Tensor, masks: dict[str, Any]
) -> Part:
    self_attention = call.count(
        layer.self_attn, (x, x, x), (x, None),
        attn_mask=masks["tgt_mask"], key_padding_mask=masks["tgt_key_padding_mask"], need_weights=False,
    )  # fmt: skip
    cross_attention = call.count(
        layer.multihead_attn, (x, memory, memory), (x, None),
        attn_mask=masks["memory_mask"], key_padding_mask=masks["memory_key_padding_mask"], need_weights=False,
    )  # fmt: skip
    return _sum(
        self_attention,
        call.count(layer.dropout1, (x,), x),
        _add_norm(call, layer.norm1, x),
        cross_attention,
        call.count(layer.dropout2, (x,), x),
        _add_norm(call, layer.norm2, x),
        _feed_forward(call, layer, x),
        call.count(layer.dropout3, (x,), x),
        _add_norm(call, layer.norm3, x),
    )


_DECODER_MASKS = ("tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask")


def _decoder_masks(args: dict[str, Any]) -> dict[str, Any]:
    return {name: args[name] for name in _DECODER_MASKS}


def transformer_layer(call: Call) -> Count | NotRecognizedType:
    """TransformerEncoderLayer/DecoderLayer: Σ parts (attention blocks, FFN, norms) + numel(x) per residual add."""
    args = call.arguments()
    if isinstance(call.module, nn.TransformerEncoderLayer):
        return _encoder_layer(call, call.module, args["src"], args["src_mask"], args["src_key_padding_mask"])
    layer = call.module_as(nn.TransformerDecoderLayer)
    return _decoder_layer(call, layer, args["tgt"], args["memory"], _decoder_masks(args))


def _final_norm(call: Call, norm: nn.Module | None, x: torch.Tensor) -> Part | int:
    return 0 if norm is None else call.count(norm, (x,), x)


def transformer_encoder(call: Call) -> Count | NotRecognizedType:
    """TransformerEncoder: Σ layers + the final norm (if any)."""
    module = call.module_as(nn.TransformerEncoder)
    args = call.arguments()
    x, mask, padding_mask = args["src"], args["mask"], args["src_key_padding_mask"]
    layers = [call.count(layer, (x,), x, src_mask=mask, src_key_padding_mask=padding_mask) for layer in module.layers]
    return _sum(*layers, _final_norm(call, module.norm, x))


def transformer_decoder(call: Call) -> Count | NotRecognizedType:
    """TransformerDecoder: Σ layers + the final norm (if any)."""
    module = call.module_as(nn.TransformerDecoder)
    args = call.arguments()
    x, memory, masks = args["tgt"], args["memory"], _decoder_masks(args)
    layers = [call.count(layer, (x, memory), x, **masks) for layer in module.layers]
    return _sum(*layers, _final_norm(call, module.norm, x))


def transformer(call: Call) -> Count | NotRecognizedType:
    """Transformer: encoder(src) + decoder(tgt, memory); memory has src's shape."""
    module = call.module_as(nn.Transformer)
    args = call.arguments()
    src, tgt = args["src"], args["tgt"]
    src_mask, tgt_mask, memory_mask = args["src_mask"], args["tgt_mask"], args["memory_mask"]
    src_padding, tgt_padding = args["src_key_padding_mask"], args["tgt_key_padding_mask"]
    memory_padding = args["memory_key_padding_mask"]
    memory = _like(src.shape)
    encoder = call.count(module.encoder, (src,), memory, mask=src_mask, src_key_padding_mask=src_padding)
    decoder = call.count(
        module.decoder, (tgt, memory), call.output,
        tgt_mask=tgt_mask, memory_mask=memory_mask,
        tgt_key_padding_mask=tgt_padding, memory_key_padding_mask=memory_padding,
    )  # fmt: skip
    return _sum(encoder, decoder)


def register(registry: Registry) -> None:
    registry.module(nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)(transformer_layer)
    registry.module(nn.TransformerEncoder)(transformer_encoder)
    registry.module(nn.TransformerDecoder)(transformer_decoder)
    registry.module(nn.Transformer)(transformer)
