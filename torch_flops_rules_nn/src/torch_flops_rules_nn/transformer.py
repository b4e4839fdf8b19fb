"""The Transformer family: Transformer, TransformerEncoder/Decoder and their layers.

FX cannot trace these modules (their fast-path checks branch on tensors), so each has a rule, and
each rule is the sum of its parts: every submodule is counted by this pack's own rule for it, on
``meta`` tensors of the shapes it sees, plus one add per element for each residual connection.
A part without a rule here (a custom layer or activation function) makes the whole module
``NOT_RECOGNIZED``. The fast paths (fused kernels, nested tensors that skip padding) compute the
same dense arithmetic or less; the count is the dense one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from torch_flops_core import NOT_RECOGNIZED, Call, Count, NotRecognizedType, Registry
from torch_flops_core.registry import RuleEntry, RuleTable

from ._count import total
from .activation import cost_of

__all__ = ["register", "transformer", "transformer_decoder", "transformer_encoder", "transformer_layer"]

Part = Count | NotRecognizedType

_ACTIVATION_FUNCTIONS: dict[Callable[..., Any], type[nn.Module]] = {F.relu: nn.ReLU, F.gelu: nn.GELU}


@functools.cache
def _own_rules() -> RuleTable:
    """This pack's rules alone, to count the parts of a module."""
    from .plugin import FAMILIES

    claims: list[RuleEntry] = []
    registry = Registry("nn", "trylast", claims, [])
    for family in FAMILIES:
        family.register(registry)
    return RuleTable(claims)


def _part(module: nn.Module, args: tuple[Any, ...], output: Any, **kwargs: Any) -> Part:
    """What this pack's rule counts for ``module`` called with ``args`` and ``kwargs``, returning ``output``."""
    entry = _own_rules().module_rule(type(module))
    if entry is None:
        return NOT_RECOGNIZED
    value = entry.rule(Call("call_module", "", args, kwargs, output, module))
    if value is NOT_RECOGNIZED or isinstance(value, Count):
        return value
    return Count(flops=int(value))


def _sum(*parts: Part | int) -> Part:
    counted = [part for part in parts if isinstance(part, (int, Count))]
    return total(*counted) if len(counted) == len(parts) else NOT_RECOGNIZED


def _like(shape: torch.Size | tuple[int, ...]) -> torch.Tensor:
    return torch.empty(shape, device="meta")


def _activation(activation: Any, x: torch.Tensor) -> Part:
    if isinstance(activation, nn.Module):
        return _part(activation, (x,), x)
    cls = _ACTIVATION_FUNCTIONS.get(activation)
    return NOT_RECOGNIZED if cls is None else Count(flops=cost_of(cls) * x.numel())


def _add_norm(norm: nn.Module, x: torch.Tensor) -> Part:
    """A residual connection (one add per element) and the norm that follows or precedes it."""
    return _sum(x.numel(), _part(norm, (x,), x))


def _feed_forward(layer: nn.TransformerEncoderLayer | nn.TransformerDecoderLayer, x: torch.Tensor) -> Part:
    """linear1, activation, dropout, linear2, dropout."""
    h = _like((*x.shape[:-1], layer.linear1.out_features))
    return _sum(
        _part(layer.linear1, (x,), h),
        _activation(layer.activation, h),
        _part(layer.dropout, (h,), h),
        _part(layer.linear2, (h,), x),
    )


def _encoder_layer(layer: nn.TransformerEncoderLayer, x: torch.Tensor, mask: Any, padding_mask: Any) -> Part:
    attention = _part(
        layer.self_attn, (x, x, x), (x, None), attn_mask=mask, key_padding_mask=padding_mask, need_weights=False
    )
    return _sum(
        attention,
        _part(layer.dropout1, (x,), x),
        _add_norm(layer.norm1, x),
        _feed_forward(layer, x),
        _part(layer.dropout2, (x,), x),
        _add_norm(layer.norm2, x),
    )


def _decoder_layer(
    layer: nn.TransformerDecoderLayer, x: torch.Tensor, memory: torch.Tensor, masks: dict[str, Any]
) -> Part:
    self_attention = _part(
        layer.self_attn, (x, x, x), (x, None),
        attn_mask=masks["tgt_mask"], key_padding_mask=masks["tgt_key_padding_mask"], need_weights=False,
    )  # fmt: skip
    cross_attention = _part(
        layer.multihead_attn, (x, memory, memory), (x, None),
        attn_mask=masks["memory_mask"], key_padding_mask=masks["memory_key_padding_mask"], need_weights=False,
    )  # fmt: skip
    return _sum(
        self_attention,
        _part(layer.dropout1, (x,), x),
        _add_norm(layer.norm1, x),
        cross_attention,
        _part(layer.dropout2, (x,), x),
        _add_norm(layer.norm2, x),
        _feed_forward(layer, x),
        _part(layer.dropout3, (x,), x),
        _add_norm(layer.norm3, x),
    )


_DECODER_MASKS = ("tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask")


def _decoder_masks(call: Call, first: int) -> dict[str, Any]:
    return {name: call.arg(first + i, name) for i, name in enumerate(_DECODER_MASKS)}


def transformer_layer(call: Call) -> Count | NotRecognizedType:
    """TransformerEncoderLayer/DecoderLayer: Σ parts (attention blocks, FFN, norms) + numel(x) per residual add."""
    layer = call.module
    if isinstance(layer, nn.TransformerEncoderLayer):
        return _encoder_layer(layer, call.arg(0, "src"), call.arg(1, "src_mask"), call.arg(2, "src_key_padding_mask"))
    assert isinstance(layer, nn.TransformerDecoderLayer)
    return _decoder_layer(layer, call.arg(0, "tgt"), call.arg(1, "memory"), _decoder_masks(call, 2))


def _final_norm(norm: nn.Module | None, x: torch.Tensor) -> Part | int:
    return 0 if norm is None else _part(norm, (x,), x)


def transformer_encoder(call: Call) -> Count | NotRecognizedType:
    """TransformerEncoder: Σ layers + the final norm (if any)."""
    module = call.module
    assert isinstance(module, nn.TransformerEncoder)
    x, mask, padding_mask = call.arg(0, "src"), call.arg(1, "mask"), call.arg(2, "src_key_padding_mask")
    layers = [_part(layer, (x,), x, src_mask=mask, src_key_padding_mask=padding_mask) for layer in module.layers]
    return _sum(*layers, _final_norm(module.norm, x))


def transformer_decoder(call: Call) -> Count | NotRecognizedType:
    """TransformerDecoder: Σ layers + the final norm (if any)."""
    module = call.module
    assert isinstance(module, nn.TransformerDecoder)
    x, memory, masks = call.arg(0, "tgt"), call.arg(1, "memory"), _decoder_masks(call, 2)
    layers = [_part(layer, (x, memory), x, **masks) for layer in module.layers]
    return _sum(*layers, _final_norm(module.norm, x))


def transformer(call: Call) -> Count | NotRecognizedType:
    """Transformer: encoder(src) + decoder(tgt, memory); memory has src's shape."""
    module = call.module
    assert isinstance(module, nn.Transformer)
    src, tgt = call.arg(0, "src"), call.arg(1, "tgt")
    src_mask, tgt_mask, memory_mask = call.arg(2, "src_mask"), call.arg(3, "tgt_mask"), call.arg(4, "memory_mask")
    src_padding, tgt_padding = call.arg(5, "src_key_padding_mask"), call.arg(6, "tgt_key_padding_mask")
    memory_padding = call.arg(7, "memory_key_padding_mask")
    memory = _like(src.shape)
    encoder = _part(module.encoder, (src,), memory, mask=src_mask, src_key_padding_mask=src_padding)
    decoder = _part(
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
