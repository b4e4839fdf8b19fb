"""Models with code torch.fx cannot trace: the default engine counts them as they run, and fx counts
the parts it cannot trace into by running them eagerly, so both agree wherever the root traces."""

from __future__ import annotations

import pytest
import timm
import torch

from torch_flops_core import TracingError, count_flops


def build(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False).eval()
        x = torch.randn(1, *model.pretrained_cfg["input_size"])
    return model, x


def test_a_model_whose_own_forward_defeats_fx_counts_by_default() -> None:
    model, x = build("crossvit_tiny_240")  # data-dependent Python in CrossVit.forward itself
    with pytest.raises(TracingError, match="could not trace CrossVit"):
        count_flops(model, x, engine="fx")
    result = count_flops(model, x, measure_time=False)
    assert result.engine == "eager"
    assert result.unrecognized_targets() == {}
    assert result.total > 0


@pytest.mark.parametrize("name", ["tiny_vit_5m_224", "nest_tiny"])
def test_submodules_fx_cannot_trace_into_are_counted_as_they_run(name: str) -> None:
    model, x = build(name)
    eager = count_flops(model, x, measure_time=False)
    fx = count_flops(model, x, engine="fx", measure_time=False)
    assert eager.unrecognized_targets() == {} and fx.unrecognized_targets() == {}
    assert (fx.total, fx.total_macs) == (eager.total, eager.total_macs)
    assert fx.by_module(3) == eager.by_module(3)
