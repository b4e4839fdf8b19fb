"""MultiheadAttention and the Transformer family (docs/conventions.md).

MultiheadAttention, with L query and S key positions (S' = S + [add_bias_kv] + [add_zero_attn]),
batch B, h heads of size d = E/h and A = B·h·L·S' scores:

    in-projections   (2E − 1)·L·B·E + (2·kdim − 1)·S·B·E + (2·vdim − 1)·S·B·E  (+ (L + 2S)·B·E bias)
    QKᵀ              (2d − 1)·A
    scale            L·B·E with need_weights (torch scales q), else A (sdpa scales the scores)
    masks            A with attn_mask or key_padding_mask, 2A with both (merged first)
    softmax          2A + B·h·L·(S' − 1)
    dropout          A in training with dropout > 0
    AV               (2S' − 1)·B·h·L·d
    average weights  A with need_weights and average_attn_weights
    out-projection   (2E − 1)·L·B·E (+ L·B·E bias)

MACs: the five contractions'. FlopCounterMode sees them as addmm/bmm (with the fast path and
fused CPU attention kernels off, which it has no formula for): 2·MACs.

The Transformer modules cannot be traced by FX; their rules equal the sum of their parts, checked
here by counting each part on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls, flop_counter_mode
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from torch_flops_core import NOT_RECOGNIZED, OpRecord, count_flops

pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")


def count(module: nn.Module, *args: Any, **kwargs: Any) -> OpRecord:
    """Count a module that has a rule: one call_module op of the nn pack."""
    result = count_flops(module, *args, **kwargs)
    assert result.unrecognized == []
    (op,) = calls(result)
    assert (op.kind, op.plugin, op.module_type) == ("call_module", "nn", type(module).__name__)
    return op


@contextmanager
def plain_kernels() -> Iterator[None]:
    """Attention as addmm/bmm, which FlopCounterMode counts (no fused fast path, no fused CPU sdpa)."""
    enabled = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with sdpa_kernel(SDPBackend.MATH):
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(enabled)


def plain_flop_counter_mode(module: nn.Module, *args: Any, **kwargs: Any) -> int:
    """:func:`helpers.flop_counter_mode` with attention run as addmm/bmm (:func:`plain_kernels`)."""
    with plain_kernels():
        return flop_counter_mode(module, *args, **kwargs)


def dense(n: int, k: int, bias: bool = False) -> int:
    return (2 * k - 1) * n + (n if bias else 0)


def mha_expected(
    m: nn.MultiheadAttention, lq: int, s: int, b: int, *, need_weights: bool = True, average: bool = True,
    masks: int = 0,
) -> tuple[int, int]:  # fmt: skip
    e, h, d = m.embed_dim, m.num_heads, m.embed_dim // m.num_heads
    s_ext = s + (m.bias_k is not None) + m.add_zero_attn
    a = b * h * lq * s_ext
    bias = m.in_proj_bias is not None
    flops = dense(lq * b * e, e, bias) + dense(s * b * e, m.kdim, bias) + dense(s * b * e, m.vdim, bias)
    flops += dense(a, d)  # QKᵀ
    flops += lq * b * e if need_weights else a  # scale
    flops += a * masks
    flops += 2 * a + b * h * lq * (s_ext - 1)  # softmax
    flops += a if m.training and m.dropout > 0 else 0
    flops += dense(b * h * lq * d, s_ext)  # AV
    flops += a if need_weights and average else 0
    flops += dense(lq * b * e, e, m.out_proj.bias is not None)
    macs = lq * b * e * e + s * b * e * m.kdim + s * b * e * m.vdim + a * d + b * h * lq * d * s_ext + lq * b * e * e
    return flops, macs


MHA_CASES = [
    # (constructor arguments, L, S, B, batch_first or unbatched layout)
    pytest.param({"embed_dim": 8, "num_heads": 2}, 5, 5, 2, "seq-first", id="self"),
    pytest.param({"embed_dim": 8, "num_heads": 2}, 5, 7, 2, "seq-first", id="cross"),
    pytest.param({"embed_dim": 12, "num_heads": 3, "batch_first": True}, 4, 6, 3, "batch-first", id="batch-first"),
    pytest.param({"embed_dim": 8, "num_heads": 4}, 5, 3, 1, "unbatched", id="unbatched"),
    pytest.param({"embed_dim": 8, "num_heads": 2, "kdim": 5, "vdim": 3}, 4, 6, 2, "seq-first", id="kdim-vdim"),
    pytest.param({"embed_dim": 8, "num_heads": 2, "bias": False}, 5, 6, 2, "seq-first", id="no-bias"),
    pytest.param({"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, 5, 6, 2, "seq-first", id="bias-kv"),
    pytest.param({"embed_dim": 8, "num_heads": 2, "add_zero_attn": True}, 5, 6, 2, "seq-first", id="zero-attn"),
    pytest.param(
        {"embed_dim": 8, "num_heads": 1, "add_bias_kv": True, "add_zero_attn": True},
        3,
        4,
        2,
        "seq-first",
        id="one-head",
    ),
]


def mha_inputs(m: nn.MultiheadAttention, lq: int, s: int, b: int, layout: str) -> tuple[torch.Tensor, ...]:
    def shape(length: int, dim: int) -> tuple[int, ...]:
        if layout == "unbatched":
            return (length, dim)
        return (b, length, dim) if layout == "batch-first" else (length, b, dim)

    return torch.randn(shape(lq, m.embed_dim)), torch.randn(shape(s, m.kdim)), torch.randn(shape(s, m.vdim))


VARIANTS = [
    # (need_weights, average_attn_weights, attn_mask, key_padding_mask)
    pytest.param(True, True, False, False, id="weights-averaged"),
    pytest.param(True, False, True, False, id="weights-per-head-attn-mask"),
    pytest.param(False, True, False, True, id="no-weights-padding-mask"),
    pytest.param(True, True, True, True, id="weights-both-masks"),
    pytest.param(False, True, True, True, id="no-weights-both-masks"),
]


@pytest.mark.parametrize(("need_weights", "average", "attn_mask", "padding_mask"), VARIANTS)
@pytest.mark.parametrize(("kwargs", "lq", "s", "b", "layout"), MHA_CASES)
def test_multihead_attention(
    kwargs: dict[str, Any], lq: int, s: int, b: int, layout: str, need_weights: bool, average: bool,
    attn_mask: bool, padding_mask: bool,
) -> None:  # fmt: skip
    m = nn.MultiheadAttention(**kwargs).eval()
    q, k, v = mha_inputs(m, lq, s, b, layout)
    masks = {}
    if attn_mask:
        masks["attn_mask"] = torch.zeros(lq, s, dtype=torch.bool)
    if padding_mask:
        masks["key_padding_mask"] = torch.zeros((s,) if layout == "unbatched" else (b, s), dtype=torch.bool)
    op = count(m, q, k, v, need_weights=need_weights, average_attn_weights=average, **masks)
    flops, macs = mha_expected(m, lq, s, b, need_weights=need_weights, average=average, masks=len(masks))
    assert (op.flops, op.macs) == (flops, macs)
    assert op.rule == "torch_flops_rules_nn.attention.multihead_attention"
    assert (
        plain_flop_counter_mode(m, q, k, v, need_weights=need_weights, average_attn_weights=average, **masks)
        == 2 * macs
    )


def test_multihead_attention_worked_example() -> None:
    # self-attention, E = 8, 2 heads (d = 4), L = S = 5, B = 2: A = 2·2·5·5 = 100 scores, L·B·E = 80
    m = nn.MultiheadAttention(8, 2).eval()
    x = torch.randn(5, 2, 8)
    op = count(m, x, x, x)
    projections = 4 * (15 * 80 + 80)  # q, k, v and out: 80 dots of length 8, + bias
    attention = 7 * 100 + 80 + (200 + 20 * 4) + 9 * 80 + 100  # QKᵀ, scale q, softmax, AV (80 dots of 5), average
    assert op.flops == projections + attention == 7000
    assert op.macs == 4 * 80 * 8 + 100 * 4 + 80 * 5 == 3360


def test_multihead_attention_dropout_counts_in_training_only() -> None:
    m = nn.MultiheadAttention(8, 2, dropout=0.1)
    x = torch.randn(5, 2, 8)
    trained, evaluated = count(m.train(), x, x, x), count(m.eval(), x, x, x)
    # A = B·h·L·S = 2·2·5·5 attention weights: the mask scaled by 1/(1 − p) and the weights times it, 2A
    assert trained.flops - evaluated.flops == 2 * (2 * 2 * 5 * 5)
    assert m.training is False


def test_multihead_attention_causal_hint_counts_its_mask() -> None:
    m = nn.MultiheadAttention(8, 2).eval()
    x = torch.randn(5, 2, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    op = count(m, x, x, x, attn_mask=mask, need_weights=False, is_causal=True)
    assert (op.flops, op.macs) == mha_expected(m, 5, 5, 2, need_weights=False, masks=1)


# ---------------------------------------------------------------------------------------------
# The Transformer family: each rule is the sum of its parts, each part counted on its own
# ---------------------------------------------------------------------------------------------


def ffn(layer: nn.Module, x: torch.Tensor) -> tuple[int, int]:
    h = torch.randn(*x.shape[:-1], layer.linear1.out_features)
    first, second = count(layer.linear1, x), count(layer.linear2, h)
    # a module activation counts by its rule; F.relu and F.gelu (the "relu"/"gelu" options) cost 1 per element
    act = count(layer.activation, h).flops if isinstance(layer.activation, nn.Module) else 1 * h.numel()
    return first.flops + act + second.flops, first.macs + second.macs


def attention_part(m: nn.MultiheadAttention, q: torch.Tensor, kv: torch.Tensor, **masks: Any) -> tuple[int, int]:
    op = count(m, q, kv, kv, need_weights=False, **{k: v for k, v in masks.items() if v is not None})
    return op.flops, op.macs


def encoder_layer_parts(layer: nn.TransformerEncoderLayer, x: torch.Tensor, **masks: Any) -> tuple[int, int]:
    attn = attention_part(layer.self_attn, x, x, attn_mask=masks.get("src_mask"),
                          key_padding_mask=masks.get("src_key_padding_mask"))  # fmt: skip
    feed = ffn(layer, x)
    norms = count(layer.norm1, x).flops + count(layer.norm2, x).flops
    residuals = 2 * x.numel()
    # in training each dropout scales its mask and multiplies (2 per element): after the FFN's activation (its
    # hidden size), after the attention and after the FFN (x's size)
    hidden = x.numel() // x.shape[-1] * layer.linear1.out_features
    dropouts = 2 * (hidden + 2 * x.numel()) if layer.training else 0
    return attn[0] + feed[0] + norms + residuals + dropouts, attn[1] + feed[1]


def decoder_layer_parts(
    layer: nn.TransformerDecoderLayer, x: torch.Tensor, memory: torch.Tensor, **masks: Any
) -> tuple[int, int]:
    self_attn = attention_part(layer.self_attn, x, x, attn_mask=masks.get("tgt_mask"),
                               key_padding_mask=masks.get("tgt_key_padding_mask"))  # fmt: skip
    cross = attention_part(layer.multihead_attn, x, memory, attn_mask=masks.get("memory_mask"),
                           key_padding_mask=masks.get("memory_key_padding_mask"))  # fmt: skip
    feed = ffn(layer, x)
    norms = sum(count(norm, x).flops for norm in (layer.norm1, layer.norm2, layer.norm3))
    residuals = 3 * x.numel()
    return self_attn[0] + cross[0] + feed[0] + norms + residuals, self_attn[1] + cross[1] + feed[1]


LAYER_OPTIONS = [
    pytest.param({}, id="default"),
    pytest.param({"activation": "gelu", "norm_first": True}, id="gelu-norm-first"),
    pytest.param({"activation": nn.GELU(approximate="tanh"), "bias": False}, id="gelu-module-no-bias"),
    pytest.param({"batch_first": True, "layer_norm_eps": 1e-6}, id="batch-first"),
]


def layout(options: dict[str, Any], length: int, batch: int, e: int) -> torch.Tensor:
    return torch.randn(batch, length, e) if options.get("batch_first") else torch.randn(length, batch, e)


@pytest.mark.parametrize("with_masks", [False, True], ids=["no-masks", "masks"])
@pytest.mark.parametrize("training", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("options", LAYER_OPTIONS)
def test_encoder_layer_is_the_sum_of_its_parts(options: dict[str, Any], training: bool, with_masks: bool) -> None:
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, **options).train(training)
    x = layout(options, 5, 3, 8)
    masks = {
        "src_mask": torch.zeros(5, 5, dtype=torch.bool),
        "src_key_padding_mask": torch.zeros(3, 5, dtype=torch.bool),
    }
    masks = masks if with_masks else {}
    op = count(layer, x, **masks)
    assert (op.flops, op.macs) == encoder_layer_parts(layer, x, **masks)
    assert op.rule == "torch_flops_rules_nn.transformer.transformer_layer"
    assert layer.training is training
    assert plain_flop_counter_mode(layer, x, **masks) == 2 * op.macs


@pytest.mark.parametrize("with_masks", [False, True], ids=["no-masks", "masks"])
@pytest.mark.parametrize("options", LAYER_OPTIONS)
def test_decoder_layer_is_the_sum_of_its_parts(options: dict[str, Any], with_masks: bool) -> None:
    layer = nn.TransformerDecoderLayer(8, 2, 16, **options).eval()
    x, memory = layout(options, 4, 2, 8), layout(options, 6, 2, 8)
    masks = {
        "tgt_mask": nn.Transformer.generate_square_subsequent_mask(4),
        "memory_mask": torch.zeros(4, 6),
        "tgt_key_padding_mask": torch.zeros(2, 4),
        "memory_key_padding_mask": torch.zeros(2, 6),
    }
    masks = masks if with_masks else {}
    op = count(layer, x, memory, **masks)
    assert (op.flops, op.macs) == decoder_layer_parts(layer, x, memory, **masks)
    assert plain_flop_counter_mode(layer, x, memory, **masks) == 2 * op.macs


def test_encoder_layer_worked_example() -> None:
    # E = 8, 2 heads, FFN 16, 5 positions × 3 sequences = 15 tokens, n = 120 elements, no masks
    layer = nn.TransformerEncoderLayer(8, 2, 16).eval()
    a = 3 * 2 * 5 * 5  # 150 scores
    attention = 4 * (15 * 120 + 120) + 7 * a + a + (2 * a + 30 * 4) + 9 * 120  # need_weights=False: scores scaled
    ffn_flops = (15 * 240 + 240) + 240 + (31 * 120 + 120)  # linear1, relu, linear2
    norms, residuals = 2 * 4 * 120, 2 * 120
    assert count(layer, torch.randn(5, 3, 8)).flops == attention + ffn_flops + norms + residuals


@pytest.mark.parametrize("final_norm", [False, True], ids=["no-norm", "norm"])
def test_encoder_is_the_sum_of_its_layers(final_norm: bool) -> None:
    encoder = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16),
        3,
        norm=nn.LayerNorm(8) if final_norm else None,
        enable_nested_tensor=False,
    ).eval()
    x = torch.randn(5, 2, 8)
    padding = torch.zeros(2, 5, dtype=torch.bool)
    op = count(encoder, x, src_key_padding_mask=padding)
    layer = encoder_layer_parts(encoder.layers[0], x, src_key_padding_mask=padding)
    norm = count(encoder.norm, x).flops if final_norm else 0
    assert (op.flops, op.macs) == (3 * layer[0] + norm, 3 * layer[1])
    assert plain_flop_counter_mode(encoder, x, src_key_padding_mask=padding) == 2 * op.macs


def test_decoder_is_the_sum_of_its_layers() -> None:
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)).eval()
    x, memory = torch.randn(4, 2, 8), torch.randn(6, 2, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    op = count(decoder, x, memory, tgt_mask=mask)
    layer = decoder_layer_parts(decoder.layers[0], x, memory, tgt_mask=mask)
    assert (op.flops, op.macs) == (2 * layer[0] + count(decoder.norm, x).flops, 2 * layer[1])


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_is_encoder_plus_decoder(batch_first: bool) -> None:
    model = nn.Transformer(8, 2, 2, 1, 16, batch_first=batch_first).eval()
    src = torch.randn(2, 6, 8) if batch_first else torch.randn(6, 2, 8)
    tgt = torch.randn(2, 4, 8) if batch_first else torch.randn(4, 2, 8)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
    op = count(model, src, tgt, tgt_mask=tgt_mask)
    encoder = count(model.encoder, src)
    decoder = count(model.decoder, tgt, src, tgt_mask=tgt_mask)
    assert (op.flops, op.macs) == (encoder.flops + decoder.flops, encoder.macs + decoder.macs)
    assert plain_flop_counter_mode(model, src, tgt, tgt_mask=tgt_mask) == 2 * op.macs


def test_transformer_counts_the_same_with_the_eager_engine_and_on_meta() -> None:
    model = nn.Transformer(8, 2, 1, 1, 16).eval()
    src, tgt = torch.randn(6, 2, 8), torch.randn(4, 2, 8)
    fx = count_flops(model, src, tgt)
    eager = count_flops(model, src, tgt, engine="eager")
    with torch.device("meta"):
        meta_model = nn.Transformer(8, 2, 1, 1, 16).eval()
    meta = count_flops(meta_model, src.to("meta"), tgt.to("meta"))
    assert fx.total == eager.total == meta.total > 0
    assert fx.unrecognized == eager.unrecognized == meta.unrecognized == []


def test_transformer_in_a_model_is_one_op() -> None:
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(3, 8)
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False)
            self.head = nn.Linear(8, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.encoder(self.embed(x)))

    result = count_flops(Model().eval(), torch.randn(5, 2, 3))
    assert result.unrecognized == []
    assert [r.module_type for r in calls(result)] == ["Linear", "TransformerEncoder", "Linear"]


def test_a_custom_activation_function_is_not_recognized() -> None:
    layer = nn.TransformerEncoderLayer(8, 2, 16, activation=lambda t: t * torch.sigmoid(t)).eval()
    result = count_flops(layer, torch.randn(5, 2, 8))
    (op,) = calls(result)
    assert op.flops is NOT_RECOGNIZED
    assert result.unrecognized == [op]


def test_activation_functions_cost_as_their_modules() -> None:
    x = torch.randn(5, 2, 8)
    relu = count(nn.TransformerEncoderLayer(8, 2, 16, activation=F.relu).eval(), x)
    relu_module = count(nn.TransformerEncoderLayer(8, 2, 16, activation=nn.ReLU()).eval(), x)
    assert relu.flops == relu_module.flops


def test_parts_of_a_transformer_layer_are_counted_by_the_live_rules() -> None:
    """A Transformer layer is the sum of its parts, each asked of the running count (Call.count): a
    plugin's override of nn.Linear and ignore_ops reach the layer's linear1/linear2 and norms."""
    from torch_flops_core import Call, Registry, hookimpl

    class OneFlopLinear:
        name = "one"

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            @registry.module(nn.Linear)
            def one(call: Call) -> int:
                """One FLOP per call, to be seen."""
                return 1

    layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32, batch_first=True).eval()
    x = torch.randn(1, 5, 16)
    tokens = 5
    linear1 = (2 * 16 - 1) * tokens * 32 + tokens * 32  # with bias
    linear2 = (2 * 32 - 1) * tokens * 16 + tokens * 16
    norm = 4 * tokens * 16
    base = count_flops(layer, x).total
    assert count_flops(layer, x, plugins=[OneFlopLinear()]).total == base - linear1 - linear2 + 2
    assert count_flops(layer, x, ignore_ops=[nn.Linear]).total == base - linear1 - linear2
    assert count_flops(layer, x, ignore_ops=["LayerNorm"]).total == base - 2 * norm
