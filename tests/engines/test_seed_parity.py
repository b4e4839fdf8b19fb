"""The seed's published figures, reproduced exactly by the built-in packs."""

from __future__ import annotations

import pytest
import timm
import torch

from torch_flops_core import count_flops

RESNET50_SEED_FLOPS = 8_227_340_288  # torch_flops README, Example 1, timm resnet50 at 1×3×224×224


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_timm_resnet50_counts_the_seed_figure(device: str) -> None:
    with torch.device(device):
        model = timm.create_model("resnet50", pretrained=False).eval()
        x = torch.randn(1, 3, 224, 224)
    result = count_flops(model, x)
    assert result.unrecognized == []
    assert result.total == RESNET50_SEED_FLOPS
