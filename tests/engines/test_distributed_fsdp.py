"""Per-rank counts of FSDP2 (``fully_shard``) in one process over torch's fake process group (issue 26).

FSDP2 refuses parameters on meta, so these small models are real (cpu). Expected figures: a rank computes the
global model on its local batch (the unsharded model's count, the independent reference); each FSDP unit's
all-gather and reduce-scatter move the unit's parameters (sum of their numel × 4 bytes of float32), and one rank
sends (N − 1)/N of them on a ring.
"""

from __future__ import annotations

import copy

import pytest
import torch
import torch.distributed as dist
from transformers import LlamaConfig, LlamaForCausalLM

from torch_flops_core import count_flops
from torch_flops_core.communication import comm_totals
from torch_flops_core.distributed import fake_world, parallel_count, parallelize_llama

B, T = 2, 8
CONFIG = LlamaConfig(
    num_hidden_layers=2, hidden_size=64, intermediate_size=128, num_attention_heads=8, num_key_value_heads=8,
    vocab_size=128,
)  # fmt: skip


def _params(module: torch.nn.Module, recurse: bool = True) -> int:
    return sum(p.numel() for p in module.parameters(recurse=recurse))


@pytest.mark.parametrize("n", [2, pytest.param(4, marks=pytest.mark.slow)])
def test_fsdp_computes_the_global_model_on_the_local_batch_and_gathers_each_unit(n: int) -> None:
    torch.manual_seed(0)
    reference = LlamaForCausalLM(CONFIG)
    model = copy.deepcopy(reference)
    tokens = torch.randint(0, 128, (B, T))
    layer = 4 * _params(reference.model.layers[0])  # bytes of one unit's float32 parameters
    root = 4 * (_params(reference) - len(reference.model.layers) * _params(reference.model.layers[0]))
    with fake_world(n, rank=1):
        from torch.distributed.device_mesh import init_device_mesh

        parallelize_llama(model, init_device_mesh("cpu", (n,)), tp=False, fsdp=True)
        result = count_flops(model, tokens, backward=True)
        expected = count_flops(reference, tokens, backward=True, engine="aten")
        assert result.total_by_phase == expected.total_by_phase
        assert result.total_macs_by_phase == expected.total_macs_by_phase
        assert not result.unrecognized
        layers = len(reference.model.layers)
        assert comm_totals(result.collectives, "forward") == {
            "all_gather": (1 + layers, root + layers * layer, (n - 1) * (root + layers * layer) // n)
        }
        backward = comm_totals(result.collectives, "backward")
        # the layers resharded after the forward are gathered again; every unit's gradients are reduce-scattered
        assert backward["all_gather"] == (layers, layers * layer, layers * (n - 1) * layer // n)
        assert backward["reduce_scatter"] == (1 + layers, root + layers * layer, (n - 1) * (root + layers * layer) // n)
        sharded = [p for p in model.parameters()]
        assert all(p.grad is None for p in sharded)  # the count left no gradient
        model(tokens).logits.sum().backward()  # the model still trains: FSDP's state is consistent
        assert all(p.grad is not None for p in model.parameters())
    assert not dist.is_initialized()


def test_tensor_and_fully_sharded_parallel_on_meta_count_through_fake_tensors() -> None:
    def build() -> LlamaForCausalLM:
        with torch.device("meta"):
            return LlamaForCausalLM(CONFIG)

    tokens = torch.zeros(1, T, dtype=torch.long, device="meta")
    result = parallel_count(build, tokens, tp=2, fsdp=2, rank=3)
    alone = parallel_count(build, tokens, tp=2)
    assert (result.world_size, result.rank) == (4, 3)
    assert result.total_macs == alone.total_macs  # FSDP adds communication, not compute
    assert any("fake tensors" in note for note in result.notes)
    totals = comm_totals(result.collectives)
    assert totals["all_reduce"] == comm_totals(alone.collectives)["all_reduce"]
    assert {c.ranks for c in result.collectives if c.kind == "all_gather"} == {2}  # over the fsdp dimension
    assert not dist.is_initialized()
