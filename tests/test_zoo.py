"""Model zoos count with nothing left unrecognized, and the fx and eager engines agree on every model.

Each model is built on the meta device (no weights, no compute), batch 1, at its default input
size: timm's ``pretrained_cfg["input_size"]``, torchvision's default weights' evaluation crop.
"""

from __future__ import annotations

import math

import pytest
import timm
import torch
import torchvision
from timm.models.vision_transformer import Block

from torch_flops_core import FlopsResult, count_flops

TIMM = [
    "resnet18", "vit_small_patch16_224", "convnext_atto", "efficientnet_b1", "mobilenetv2_100", "regnetx_002",
    "deit3_small_patch16_224", "mixer_s16_224", "repvgg_a0", "ese_vovnet19b_dw", "twins_pcpvt_small",
    "visformer_tiny", "gcvit_xxtiny", "tresnet_m", "dpn68", "selecsls42b", "res2net50_14w_8s", "efficientformer_l1",
    "mobileone_s0", "hgnet_tiny", "convmixer_768_32",
]  # fmt: skip
TORCHVISION = [
    "resnet34", "mobilenet_v3_small", "vgg11", "wide_resnet50_2", "resnext50_32x4d", "efficientnet_v2_s", "maxvit_t",
    "swin_v2_t", "vit_b_32", "mobilenet_v3_large", "shufflenet_v2_x0_5", "squeezenet1_1",
]  # fmt: skip
UNTRACEABLE_TIMM = ["crossvit_tiny_240", "tiny_vit_5m_224", "nest_tiny"]  # data-dependent Python: eager only


def timm_model(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False).eval()
        x = torch.randn(1, *model.pretrained_cfg["input_size"])
    return model, x


def torchvision_model(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    crop = torchvision.models.get_model_weights(name).DEFAULT.transforms().crop_size[0]  # 224; 384, 256 for some
    with torch.device("meta"):
        model = torchvision.models.get_model(name, weights=None).eval()
        x = torch.randn(1, 3, crop, crop)
    return model, x


def both_engines(model: torch.nn.Module, x: torch.Tensor) -> tuple[FlopsResult, FlopsResult]:
    fx = count_flops(model, x, engine="fx", measure_time=False)
    eager = count_flops(model, x, engine="eager", measure_time=False)
    return fx, eager


MODELS = [pytest.param(timm_model, name, id=f"timm-{name}") for name in TIMM] + [
    pytest.param(torchvision_model, name, id=f"torchvision-{name}") for name in TORCHVISION
]


@pytest.mark.parametrize(("build", "name"), MODELS)
def test_zoo_model_counts_every_op_and_both_engines_agree(build: object, name: str) -> None:
    model, x = build(name)  # type: ignore[operator]
    fx, eager = both_engines(model, x)
    assert fx.engine == "fx"
    assert fx.unrecognized_targets() == {}
    assert eager.unrecognized_targets() == {}
    assert fx.total > 0
    assert (eager.total, eager.total_macs) == (fx.total, fx.total_macs)


@pytest.mark.parametrize("name", UNTRACEABLE_TIMM)
def test_untraceable_zoo_models_count_every_op_eagerly(name: str) -> None:
    model, x = timm_model(name)
    result = count_flops(model, x, engine="eager", measure_time=False)
    assert result.unrecognized_targets() == {}
    assert result.total > 0


def test_the_seeds_attention_block_counts_every_node() -> None:
    """The seed's Example 2: timm's ViT Block(768, num_heads=2, qkv_bias=True), unfused attention, 1×197×768."""
    block = Block(768, num_heads=2, qkv_bias=True)
    block.attn.fused_attn = False
    block.eval()
    x = torch.randn(1, 197, 768)
    fx, eager = both_engines(block, x)
    assert fx.unrecognized == [] and eager.unrecognized == []
    assert all(r.recognized for r in fx.ops)
    assert (eager.total, eager.total_macs) == (fx.total, fx.total_macs)
    tokens, c, heads = 197, 768, 2
    d, hidden, n = c // heads, 4 * c, tokens * c

    def linear(k: int, out: int) -> int:  # with bias: (2K − 1)·N + N
        return 2 * k * tokens * out

    attention = (
        4 * n  # norm1: LayerNorm with weight and bias
        + linear(c, 3 * c)  # qkv
        + n  # q * scale
        + (2 * d - 1) * heads * tokens * tokens  # q @ kᵀ
        + 2 * heads * tokens * tokens
        + (tokens - 1) * heads * tokens  # softmax over the last dim
        + (2 * tokens - 1) * heads * tokens * d  # attn @ v
        + linear(c, c)  # proj
        + n  # residual
    )
    mlp = 4 * n + linear(c, hidden) + tokens * hidden + linear(hidden, c) + n  # norm2, fc1, GELU, fc2, residual
    assert fx.total == attention + mlp
    assert math.isclose(fx.total, 2 * fx.total_macs, rel_tol=0.02)  # dominated by contractions
