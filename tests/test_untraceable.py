"""Models torch.fx cannot trace count through engine='auto' (the eager engine), every op recognized."""

from __future__ import annotations

import pytest
import timm
import torch

from torch_flops_core import EngineFallbackWarning, count_flops


@pytest.mark.parametrize("name", ["crossvit_tiny_240", "tiny_vit_5m_224", "nest_tiny"])
def test_timm_models_fx_cannot_trace(name: str) -> None:
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False).eval()
        x = torch.randn(1, *model.pretrained_cfg["input_size"])
    with pytest.warns(EngineFallbackWarning, match="fx could not trace"):
        result = count_flops(model, x)
    assert result.engine == "eager"
    assert result.unrecognized_targets() == {}
    assert result.total > 0
