"""The public model zoo the tests count: timm and torchvision models built on meta at their default sizes.

Each model is built on the meta device (no weights, no compute), batch 1, at its default input
size: timm's ``pretrained_cfg["input_size"]``, torchvision's default weights' evaluation crop.
"""

from __future__ import annotations

import pytest
import timm
import torch
import torchvision

__all__ = ["FX_CANNOT_TRACE_THE_ROOT", "MODELS", "TIMM", "TORCHVISION", "timm_model", "torchvision_model"]

TIMM = [
    "resnet18", "vit_small_patch16_224", "convnext_atto", "efficientnet_b1", "mobilenetv2_100", "regnetx_002",
    "deit3_small_patch16_224", "mixer_s16_224", "repvgg_a0", "ese_vovnet19b_dw", "twins_pcpvt_small",
    "visformer_tiny", "gcvit_xxtiny", "tresnet_m", "dpn68", "selecsls42b", "res2net50_14w_8s", "efficientformer_l1",
    "mobileone_s0", "hgnet_tiny", "convmixer_768_32",
    # subclasses of torch.nn layers with a forward of their own (BatchNormAct2d, StdConv2d, LayerNorm2d ...)
    "efficientnet_b0", "mobilenetv3_large_100", "rexnet_100", "mobilevit_s", "nfnet_l0", "densenet121",
    "regnety_016", "coatnet_0_rw_224", "maxvit_tiny_tf_224", "inception_v3",
    # Python fx cannot trace inside submodules (tiny_vit, nest) or in the model's own forward (crossvit)
    "tiny_vit_5m_224", "nest_tiny", "crossvit_tiny_240",
]  # fmt: skip
TORCHVISION = [
    "resnet34", "mobilenet_v3_small", "vgg11", "wide_resnet50_2", "resnext50_32x4d", "efficientnet_v2_s", "maxvit_t",
    "swin_v2_t", "vit_b_32", "mobilenet_v3_large", "shufflenet_v2_x0_5", "squeezenet1_1",
]  # fmt: skip
FX_CANNOT_TRACE_THE_ROOT = {"crossvit_tiny_240"}  # data-dependent Python in CrossVit.forward itself


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


MODELS = [pytest.param(timm_model, name, id=f"timm-{name}") for name in TIMM] + [
    pytest.param(torchvision_model, name, id=f"torchvision-{name}") for name in TORCHVISION
]
