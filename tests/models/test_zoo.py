"""Model zoos count with nothing left unrecognized, and three independent counts agree on every model.

Each model is built on the meta device (no weights, no compute), batch 1, at its default input
size: timm's ``pretrained_cfg["input_size"]``, torchvision's default weights' evaluation crop.
"""

from __future__ import annotations

import math

import pytest
import torch
from helpers import flop_counter_mode
from timm.models.vision_transformer import Block
from zoo_models import FX_CANNOT_TRACE_THE_ROOT, MODELS

from torch_flops_core import FlopsResult, TracingError, count_flops


def both_engines(model: torch.nn.Module, x: torch.Tensor) -> tuple[FlopsResult, FlopsResult]:
    fx = count_flops(model, x, engine="fx", measure_time=False)
    eager = count_flops(model, x, engine="eager", measure_time=False)
    return fx, eager


def nonzero_modules(result: FlopsResult) -> dict[str, int]:
    """FLOPs per module at full depth, without the modules that did no arithmetic: the nn pack
    records an ``nn.Identity`` as an op of 0 FLOPs, while without it an Identity runs no torch call."""
    return {path: flops for path, flops in result.by_module(depth=99).items() if flops}


@pytest.mark.slow
@pytest.mark.parametrize(("build", "name"), MODELS)
def test_zoo_model_counts_agree_three_ways(build: object, name: str) -> None:
    """Three independent counts of one model must agree:

    1. module rules vs function rules: the default count equals the count with the nn pack disabled
       (every module traced into and counted by the functional pack), in total and per module;
    2. 2·MACs equals torch's FlopCounterMode on meta;
    3. the fx engine equals the default (eager) engine wherever fx can trace the model, in total and per
       module to depth 3; where it cannot trace the model's own forward, it says which class.
    """
    model, x = build(name)  # type: ignore[operator]
    default = count_flops(model, x, measure_time=False)
    functions_only = count_flops(model, x, measure_time=False, disable=["nn"])
    assert default.engine == "eager"
    assert default.unrecognized_targets() == {} and functions_only.unrecognized_targets() == {}
    assert default.total > 0
    assert (functions_only.total, functions_only.total_macs) == (default.total, default.total_macs)
    assert nonzero_modules(functions_only) == nonzero_modules(default)

    assert 2 * default.total_macs == flop_counter_mode(model, x)

    if name in FX_CANNOT_TRACE_THE_ROOT:
        with pytest.raises(TracingError, match=f"could not trace {type(model).__name__}"):
            count_flops(model, x, engine="fx", measure_time=False)
        return
    fx = count_flops(model, x, engine="fx", measure_time=False)
    assert fx.unrecognized_targets() == {}
    assert (fx.total, fx.total_macs) == (default.total, default.total_macs)
    assert fx.by_module(3) == default.by_module(3)


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
