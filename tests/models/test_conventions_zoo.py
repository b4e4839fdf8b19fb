"""``convention="2mac"``: the total tables use is what torch's ``FlopCounterMode`` reports, model by model (issue 23).

The reference is independent of the code under test: ``FlopCounterMode`` on the same meta model and input. A fast
subset (a CNN, a ViT, GPT-2 small at 1024 tokens) runs always; the whole zoo of ``tests/models/test_zoo.py`` is slow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from helpers import flop_counter_mode
from transformers import GPT2Config, GPT2LMHeadModel
from zoo_models import MODELS, timm_model

from torch_flops_core import count_flops


def gpt2_small() -> tuple[torch.nn.Module, dict[str, Any]]:
    """GPT-2 small (``GPT2Config()``'s defaults: 12 layers, 768 wide, 50,257 tokens) on 1,024 tokens, on meta."""
    with torch.device("meta"):
        model = GPT2LMHeadModel(GPT2Config()).eval()
        input_ids = torch.zeros(1, 1024, dtype=torch.long)
    return model, {"input_ids": input_ids}


def timm_case(name: str) -> Callable[[], tuple[torch.nn.Module, dict[str, Any]]]:
    def build() -> tuple[torch.nn.Module, dict[str, Any]]:
        model, x = timm_model(name)
        return model, {"x": x}

    return build


FAST = {"timm-resnet18": timm_case("resnet18"), "timm-vit_small_patch16_224": timm_case("vit_small_patch16_224"),
        "gpt2-small-1024": gpt2_small}  # fmt: skip


def two_mac_total(model: torch.nn.Module, inputs: dict[str, Any]) -> tuple[int, int]:
    """The count's total in the 2mac convention (checked against its MACs) and FlopCounterMode's total."""
    args = (inputs["x"],) if "x" in inputs else ()
    keywords = {k: v for k, v in inputs.items() if k != "x"}
    result = count_flops(model, *args, convention="2mac", measure_time=False, **keywords)
    assert result.unrecognized_targets() == {}
    assert result.figure() == 2 * result.total_macs == result.to_dict()["total_2mac"]
    assert result.figure() != result.total  # exact FLOPs differ: biases, activations, norms
    return result.figure(), flop_counter_mode(model, *args, **keywords)


@pytest.mark.parametrize("name", list(FAST))
def test_2mac_total_is_flop_counter_modes(name: str) -> None:
    model, inputs = FAST[name]()
    ours, torch_says = two_mac_total(model, inputs)
    assert ours == torch_says > 0


@pytest.mark.slow
@pytest.mark.parametrize(("build", "name"), MODELS)
def test_2mac_total_is_flop_counter_modes_on_the_whole_zoo(build: Any, name: str) -> None:
    model, x = build(name)
    ours, torch_says = two_mac_total(model, {"x": x})
    assert ours == torch_says > 0
