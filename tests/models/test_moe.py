"""Mixture-of-experts language models (transformers' Mixtral and DeepSeek-V3, built from small configs).

The experts' work is checked against the routing formula: every token goes to k experts, each a gated MLP
of three H×F matrices, so the experts cost T·k·3·H·F MACs per layer, whatever the router chose; the
backward of a matrix product costs two products of the same size, so the experts' backward is twice that.
The default engine (function rules) and the aten engine (aten rules) must agree on every MAC.
"""

from __future__ import annotations

import pytest
import torch
from transformers import DeepseekV3Config, DeepseekV3ForCausalLM, MixtralConfig, MixtralForCausalLM

from torch_flops_core import FlopsResult, count_flops

pytestmark = pytest.mark.slow

T, H, F, LAYERS, K = 8, 32, 48, 2, 2  # tokens, hidden size, expert size, layers, experts per token


def _mixtral() -> MixtralForCausalLM:
    config = MixtralConfig(
        vocab_size=64, hidden_size=H, intermediate_size=F, num_hidden_layers=LAYERS, num_attention_heads=4,
        num_key_value_heads=2, num_local_experts=4, num_experts_per_tok=K, max_position_embeddings=64,
    )  # fmt: skip
    torch.manual_seed(0)
    return MixtralForCausalLM(config).eval()


def _expert_macs(result: FlopsResult, phase: str = "forward") -> int:
    return sum(r.macs for r in result.ops if r.phase == phase and ".experts" in r.module_path)


@pytest.fixture(scope="module")
def ids() -> torch.Tensor:
    return torch.randint(0, 64, (1, T), generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("engine", ["auto", "aten"])
def test_mixtral_experts_cost_the_routing_formula_on_both_engines(engine: str, ids: torch.Tensor) -> None:
    result = count_flops(_mixtral(), input_ids=ids, engine=engine)
    assert result.unrecognized == []
    assert _expert_macs(result) == LAYERS * T * K * 3 * H * F  # 147,456


def test_mixtral_engines_agree_on_every_mac(ids: torch.Tensor) -> None:
    model = _mixtral()
    default, aten = (count_flops(model, input_ids=ids, engine=engine) for engine in ("auto", "aten"))
    assert default.total_macs == aten.total_macs


def test_mixtral_experts_backward_is_twice_their_forward(ids: torch.Tensor) -> None:
    result = count_flops(_mixtral().train(), input_ids=ids, backward=True)
    assert result.unrecognized == []
    forward = _expert_macs(result)
    assert forward == LAYERS * T * K * 3 * H * F
    assert _expert_macs(result, "backward") == 2 * forward


def test_deepseek_v3_engines_agree_on_every_mac(ids: torch.Tensor) -> None:
    config = DeepseekV3Config(
        vocab_size=64, hidden_size=H, intermediate_size=F, moe_intermediate_size=16, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, n_routed_experts=4, num_experts_per_tok=K, n_shared_experts=1,
        first_k_dense_replace=1, q_lora_rank=16, kv_lora_rank=16, qk_rope_head_dim=8, qk_nope_head_dim=8,
        v_head_dim=8, n_group=2, topk_group=1, max_position_embeddings=64,
    )  # fmt: skip
    torch.manual_seed(0)
    model = DeepseekV3ForCausalLM(config).eval()
    default, aten = (count_flops(model, input_ids=ids, engine=engine) for engine in ("auto", "aten"))
    assert default.unrecognized == [] and aten.unrecognized == []
    assert default.total_macs == aten.total_macs
    # one MoE layer (the first is dense): T·k routed experts of three 32×16 matrices
    routed = sum(r.macs for r in default.ops if ".mlp.experts" in r.module_path)
    assert routed == T * K * 3 * H * 16
