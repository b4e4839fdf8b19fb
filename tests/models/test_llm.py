"""Language models from transformers, built from small config objects (nothing downloaded)."""

from __future__ import annotations

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from torch_flops_core import FlopsResult, count_flops

VOCAB, SEQ = 128, 24


def gpt2() -> torch.nn.Module:
    config = GPT2Config(
        n_layer=2, n_embd=64, n_head=4, vocab_size=VOCAB, n_positions=64, bos_token_id=0, eos_token_id=0
    )
    return GPT2LMHeadModel(config).eval()


def llama() -> torch.nn.Module:
    """Grouped-query attention (8 heads, 2 KV heads), rotary embeddings, RMSNorm, SiLU MLP."""
    config = LlamaConfig(
        hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
        vocab_size=VOCAB, max_position_embeddings=64, bos_token_id=0, eos_token_id=0,
    )  # fmt: skip
    return LlamaForCausalLM(config).eval()


BUILDERS = {"gpt2": gpt2, "llama": llama}


def count(name: str, device: str) -> FlopsResult:
    with torch.device(device):
        model = BUILDERS[name]()
        input_ids = torch.randint(0, VOCAB, (1, SEQ)) if device == "cpu" else torch.zeros(1, SEQ, dtype=torch.long)
    return count_flops(model, input_ids=input_ids)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_counts_every_op_identically_on_cpu_and_meta(name: str) -> None:
    cpu, meta = count(name, "cpu"), count(name, "meta")
    assert cpu.unrecognized_targets() == {}
    assert meta.unrecognized_targets() == {}
    assert cpu.total == meta.total > 0
    assert cpu.engine == meta.engine == "eager"  # transformers models defeat symbolic tracing


@pytest.mark.parametrize("name", list(BUILDERS))
def test_matmul_share_agrees_with_flop_counter_mode(name: str) -> None:
    """FlopCounterMode counts 2·MACs of every mm/addmm/bmm: our contractions' MACs, doubled.

    On cpu it has no formula for the fused attention kernel and counts it 0, so its reference run
    uses the math backend, whose matmuls it does count.
    """
    torch.manual_seed(0)
    model = BUILDERS[name]()
    input_ids = torch.randint(0, VOCAB, (1, SEQ))
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as fcm:
        model(input_ids=input_ids)
    result = count_flops(model, input_ids=input_ids)
    assert 2 * result.total_macs == fcm.get_total_flops()


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_the_aten_engine_agrees_with_the_default_count(name: str) -> None:
    """Two independent counts of an LLM on meta: MACs exactly, FLOPs within 1% (the math sdpa path on meta
    scales q and k separately; docs/conventions.md, aten pack)."""
    import math

    with torch.device("meta"):
        model = BUILDERS[name]()
        ids = torch.zeros(1, SEQ, dtype=torch.long)
    default = count_flops(model, input_ids=ids, measure_time=False)
    aten = count_flops(model, input_ids=ids, engine="aten", measure_time=False)
    assert aten.unrecognized_targets() == {}
    assert aten.total_macs == default.total_macs
    assert math.isclose(aten.total, default.total, rel_tol=0.01)
