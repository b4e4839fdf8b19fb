"""Per-rank counts of a tensor-parallel Llama (issue 26), in one process over torch's fake process group, on meta.

Expected figures come from the config, written here: Megatron-LM's tensor parallelism splits every matmul of a decoder
layer (q, k, v, o, gate, up, down and the attention's two batched products, by heads) N ways, and leaves the LM head
whole on every rank; its communication is two all-reduces of the B·T·d activations per layer in the forward (after
the attention and after the MLP: ``g``) and two in the backward (the gradients of their inputs: ``f``)
(Shoeybi et al. 2019, "Megatron-LM", section 3, figure 4).
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.distributed as dist
from transformers import LlamaConfig, LlamaForCausalLM

from torch_flops_core import count_flops
from torch_flops_core.communication import comm_rows, comm_totals
from torch_flops_core.distributed import fake_world, parallel_count, parallelize_llama
from torch_flops_core.errors import InputError
from torch_flops_core.formulas.communication import all_reduce_wire

B, T = 2, 16
CONFIG: dict[str, Any] = {
    "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 8,
    "num_key_value_heads": 8, "vocab_size": 100,
}  # fmt: skip


def _build(config: dict[str, Any] = CONFIG) -> LlamaForCausalLM:
    with torch.device("meta"):
        return LlamaForCausalLM(LlamaConfig(**config))


def _tokens() -> torch.Tensor:
    return torch.zeros(B, T, dtype=torch.long, device="meta")


def _macs(config: dict[str, Any], n: int) -> int:
    """One rank's forward MACs under N-way tensor parallelism, from the config: the layers' matmuls / N + the head."""
    d, inner, heads = config["hidden_size"], config["intermediate_size"], config["num_attention_heads"]
    head_dim, kv = d // heads, config["num_key_value_heads"] * (d // heads)
    tokens = B * T
    projections = tokens * d * (d + kv + kv + d)  # q, k, v, o
    mlp = 3 * tokens * d * inner  # gate, up, down
    attention = 2 * B * heads * T * T * head_dim  # scores and the weighted sum
    sharded = config["num_hidden_layers"] * (projections + mlp + attention)
    assert sharded % n == 0
    return sharded // n + tokens * d * config["vocab_size"]  # the LM head, replicated


@pytest.mark.parametrize("n", [2, 4, 8])
def test_tensor_parallel_matmul_macs_are_the_sharded_layers_over_n_plus_the_replicated_head(n: int) -> None:
    result = parallel_count(_build, _tokens(), tp=n, rank=n - 1, backward=True)
    assert result.world_size == n and result.rank == n - 1 and result.engine == "aten"
    assert not result.unrecognized
    assert result.total_macs_by_phase["forward"] == _macs(CONFIG, n)
    assert result.total_macs_by_phase["backward"] == 2 * _macs(CONFIG, n)  # input and weight gradients of each
    assert not dist.is_initialized()  # the fake world is gone


@pytest.mark.parametrize("n", [2, 4, 8])
def test_tensor_parallel_all_reduces_are_megatron_s_two_per_layer_each_way(n: int) -> None:
    result = parallel_count(_build, _tokens(), tp=n, backward=True)
    size = B * T * CONFIG["hidden_size"] * 4  # float32 activations
    layers = CONFIG["num_hidden_layers"]
    for phase in ("forward", "backward"):
        assert comm_totals(result.collectives, phase) == {
            "all_reduce": (2 * layers, 2 * layers * size, 2 * layers * 2 * (n - 1) * size // n)
        }
    assert {c.ranks for c in result.collectives} == {n}
    forward = [c.module_path for c in result.collectives if c.phase == "forward"]
    assert forward == [f"model.layers.{i}.{block}" for i in range(layers) for block in ("self_attn", "mlp")]
    assert all_reduce_wire(size, n) == 2 * (n - 1) * size // n


def test_the_rank_counted_does_not_change_a_symmetric_plan() -> None:
    first, last = (parallel_count(_build, _tokens(), tp=4, rank=r) for r in (0, 3))
    assert (first.total, first.total_macs, len(first.collectives)) == (last.total, last.total_macs, 4)
    assert (first.rank, last.rank) == (0, 3)


def test_a_model_parallelized_by_the_caller_is_counted_per_rank_inside_fake_world() -> None:
    with fake_world(4, rank=2):
        from torch.distributed.device_mesh import init_device_mesh

        model = parallelize_llama(_build(), init_device_mesh("cpu", (4,)))
        result = count_flops(model, _tokens())
        with pytest.raises(InputError, match="engine='aten'"):
            count_flops(model, _tokens(), engine="eager")
        with pytest.raises(InputError, match="concrete sizes"):
            count_flops(model, torch.zeros(B, T, dtype=torch.long), dims={"input_ids": {1: "T"}})
        from torch._subclasses.fake_tensor import FakeTensorMode

        with FakeTensorMode(), pytest.raises(InputError, match="outside any FakeTensorMode"):
            count_flops(model, _tokens())
    assert (result.world_size, result.rank) == (4, 2)
    assert result.total_macs == _macs(CONFIG, 4)
    assert any("rank 2 of 4" in note for note in result.notes)
    rows = {row.path: row for row in comm_rows(result, depth=4)}
    attention = rows["model.layers.0.self_attn"]
    assert attention.collectives == 1 and attention.payload == B * T * CONFIG["hidden_size"] * 4
    assert attention.comm_intensity == attention.flops / attention.wire
    assert rows["lm_head"].collectives == 0 and rows["lm_head"].comm_intensity is None


def test_the_caller_s_process_group_is_kept() -> None:
    with fake_world(2, rank=1):
        result = parallel_count(_build, _tokens(), tp=2, rank=1)
        assert dist.is_initialized() and dist.get_world_size() == 2  # still the caller's
        with pytest.raises(InputError, match="initialised already"):
            parallel_count(_build, _tokens(), tp=4)
    assert not dist.is_initialized()
    assert result.total_macs == _macs(CONFIG, 2)


def test_a_plain_count_outside_any_world_is_unchanged() -> None:
    model = LlamaForCausalLM(LlamaConfig(**CONFIG))
    result = count_flops(model, torch.zeros(B, T, dtype=torch.long), engine="aten")
    assert (result.world_size, result.rank, result.collectives) == (1, 0, [])
    assert result.total_macs == _macs(CONFIG, 1)


def test_a_model_without_llama_layers_is_refused_by_the_standard_plan() -> None:
    with pytest.raises(InputError, match="no Llama-style decoder layer"):
        parallel_count(lambda: torch.nn.Linear(4, 4), torch.zeros(2, 4), tp=2)
    assert not dist.is_initialized()


@pytest.mark.slow
def test_llama_2_70b_at_tp_8_counts_on_meta_within_five_seconds() -> None:
    import time

    config: dict[str, Any] = {
        "num_hidden_layers": 80, "hidden_size": 8192, "intermediate_size": 28672, "num_attention_heads": 64,
        "num_key_value_heads": 8, "vocab_size": 32000,
    }  # fmt: skip
    with fake_world(8):
        from torch.distributed.device_mesh import init_device_mesh

        model = parallelize_llama(_build(config), init_device_mesh("cpu", (8,)))
        times = []
        for _ in range(2):  # the first count of a process also loads the plugins
            start = time.perf_counter()
            result = count_flops(model, _tokens())
            times.append(time.perf_counter() - start)
    assert result.total_macs == _macs(config, 8)
    assert len(result.collectives) == 2 * 80
    assert min(times) < 5.0, times


def test_sequence_parallel_trades_each_all_reduce_for_an_all_gather_and_a_reduce_scatter() -> None:
    """Megatron's sequence parallelism (Korthikanti et al. 2022, section 4.2.2): the norms run on T/N tokens, and each
    forward all-reduce becomes a reduce-scatter and an all-gather of the same B·T·d (here also the embedding's output
    scattered, the final norm's output gathered for the head, and the head's logits gathered)."""
    from torch.distributed.tensor import Replicate, Shard
    from torch.distributed.tensor.parallel import (
        ColwiseParallel,
        PrepareModuleInput,
        RowwiseParallel,
        SequenceParallel,
        parallelize_module,
    )

    n, d, layers = 4, CONFIG["hidden_size"], CONFIG["num_hidden_layers"]
    sharded = {"use_local_output": False}
    with fake_world(n):
        from torch.distributed.device_mesh import init_device_mesh

        mesh, model = init_device_mesh("cpu", (n,)), _build()
        parallelize_module(model, mesh, {
            "model.embed_tokens": RowwiseParallel(input_layouts=Replicate(), output_layouts=Shard(1), **sharded),
            "model.norm": SequenceParallel(**sharded),
            "lm_head": ColwiseParallel(input_layouts=Shard(1), output_layouts=Replicate()),
        })  # fmt: skip
        for layer in model.model.layers:
            parallelize_module(layer, mesh, {
                "input_layernorm": SequenceParallel(**sharded), "post_attention_layernorm": SequenceParallel(**sharded),
                "self_attn": PrepareModuleInput(input_kwarg_layouts={"hidden_states": Shard(1)},
                                                desired_input_kwarg_layouts={"hidden_states": Replicate()}, **sharded),
                **{f"self_attn.{p}_proj": ColwiseParallel() for p in "qkv"},
                "self_attn.o_proj": RowwiseParallel(output_layouts=Shard(1), **sharded),
                "mlp": PrepareModuleInput(input_layouts=(Shard(1),), desired_input_layouts=(Replicate(),), **sharded),
                "mlp.gate_proj": ColwiseParallel(), "mlp.up_proj": ColwiseParallel(),
                "mlp.down_proj": RowwiseParallel(output_layouts=Shard(1), **sharded),
            })  # fmt: skip
        result = count_flops(model, _tokens())
    size, logits = B * T * d * 4, B * T * CONFIG["vocab_size"] * 4
    ring = (n - 1) * size // n
    assert comm_totals(result.collectives) == {
        "reduce_scatter": (2 * layers + 1, (2 * layers + 1) * size, (2 * layers + 1) * ring),
        "all_gather": (
            2 * layers + 2,
            (2 * layers + 1) * size + logits,
            (2 * layers + 1) * ring + (n - 1) * logits // n,
        ),
    }
    head = B * T * d * CONFIG["vocab_size"] // n  # column-parallel here
    assert result.total_macs == _macs(CONFIG, n) - B * T * d * CONFIG["vocab_size"] + head
