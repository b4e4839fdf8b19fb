"""Generation FLOPs: ``count_flops(model.generate, ...)`` and a hand-written decoding loop split into the prefill and
each decode step (``result.generation``), checked against counts of single forwards and against the decode-step
formula written here from the config.

A decode step at context length L (the cache's L − 1 tokens and the new one) costs, in MACs, every weight matrix once
for one token (the sum over the linear layers of in·out, and the LM head), plus 2·L·d per layer: the scores q·kᵀ
(L·d) and the weighted values (L·d), d = attention heads × head size (grouped-query attention repeats the shared
keys and values: d counts the query heads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from helpers import assert_unchanged, snapshot
from transformers import DynamicCache, GenerationConfig, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from torch_flops_core import count_flops
from torch_flops_core.generation import Generation

VOCAB, PROMPT, NEW = 100, 5, 4
ENGINES = ("eager", "aten")


def gpt2_config() -> GPT2Config:
    return GPT2Config(
        n_layer=2, n_embd=64, n_head=4, vocab_size=VOCAB, n_positions=64, use_cache=True, bos_token_id=0,
        eos_token_id=0,
    )  # fmt: skip


def llama_config() -> LlamaConfig:
    """Grouped-query attention: 4 query heads share 2 key/value heads."""
    return LlamaConfig(
        hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=VOCAB, max_position_embeddings=64, bos_token_id=0, eos_token_id=0, pad_token_id=0,
    )  # fmt: skip


def gpt2_decode_macs(config: GPT2Config, context: int) -> int:
    """Per layer c_attn d·3d, attention c_proj d·d, c_fc d·inner, mlp c_proj inner·d, attention 2·L·d; LM head d·V."""
    d = config.n_embd
    inner = config.n_inner or 4 * d
    weights = config.n_layer * (d * 3 * d + d * d + d * inner + inner * d) + d * config.vocab_size
    return weights + config.n_layer * 2 * context * d


def llama_decode_macs(config: LlamaConfig, context: int) -> int:
    """Per layer q d·H·h, k and v d·KV·h each, o H·h·d, gate and up d·I each, down I·d, attention 2·L·(H·h);
    LM head d·V (h: head size, H query heads, KV key/value heads)."""
    d, heads, kv = config.hidden_size, config.num_attention_heads, config.num_key_value_heads
    head = d // heads
    inner = config.intermediate_size
    per_layer = d * heads * head + 2 * d * kv * head + heads * head * d + 3 * d * inner
    weights = config.num_hidden_layers * per_layer + d * config.vocab_size
    return weights + config.num_hidden_layers * 2 * context * heads * head


MODELS: dict[str, tuple[Callable[[], Any], type, Callable[[Any, int], int]]] = {
    "gpt2": (gpt2_config, GPT2LMHeadModel, gpt2_decode_macs),
    "llama": (llama_config, LlamaForCausalLM, llama_decode_macs),
}


def build(name: str) -> tuple[Any, torch.nn.Module]:
    torch.manual_seed(0)
    make_config, cls, _ = MODELS[name]
    config = make_config()
    return config, cls(config).eval()


def greedy(new_tokens: int = NEW) -> GenerationConfig:
    """Exactly ``new_tokens`` tokens, greedily: end-of-sequence is not allowed before then."""
    return GenerationConfig(
        max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, eos_token_id=0, pad_token_id=0
    )


def prompt() -> torch.Tensor:
    return torch.randint(1, VOCAB, (1, PROMPT), generator=torch.Generator().manual_seed(1))


def one_forward(config: Any, model: torch.nn.Module, tokens: torch.Tensor, done: torch.Tensor, engine: str) -> Any:
    """A plain forward of ``tokens`` counted alone, with a cache already holding ``done`` (run uncounted), given what
    ``generate`` gives its forwards (positions, the cache, logits of the last token only)."""
    cache = DynamicCache(config=config)
    if done.shape[1]:
        with torch.no_grad():
            model(done, cache=cache, use_cache=True)
    positions = torch.arange(done.shape[1], done.shape[1] + tokens.shape[1])[None]
    inputs = {"cache": cache, "position_ids": positions, "use_cache": True, "logits_to_keep": 1}
    return count_flops(model, tokens, engine=engine, model_kwargs=inputs)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(MODELS))
def test_generate_splits_into_a_prefill_and_decode_steps_that_match_single_forwards(name: str, engine: str) -> None:
    config, model = build(name)
    ids = prompt()
    before = snapshot(model)
    result = count_flops(model.generate, ids, generation_config=greedy(), engine=engine)
    assert_unchanged(model, before)  # the hooks that noted the forwards are gone
    assert result.unrecognized_targets() == {}
    generation = result.generation
    assert isinstance(generation, Generation)
    assert len(generation.steps) == NEW  # the prefill's logits give the first token, each decode step one more
    assert [s.phase for s in generation.steps] == ["prefill"] + ["decode"] * (NEW - 1)
    assert [s.tokens for s in generation.steps] == [PROMPT] + [1] * (NEW - 1)
    assert [s.context for s in generation.steps] == [PROMPT + k for k in range(NEW)]

    produced = model.generate(ids, generation_config=greedy())
    assert produced.shape == (1, PROMPT + NEW)
    prefill = one_forward(config, model, ids, ids[:, :0], engine)
    assert (generation.prefill.flops, generation.prefill.macs) == (prefill.total, prefill.total_macs)
    decode_macs = MODELS[name][2]
    for step in generation.decode:
        length = step.context
        assert step.macs == decode_macs(config, length)
        alone = one_forward(config, model, produced[:, length - 1 : length], produced[:, : length - 1], engine)
        assert (step.flops, step.macs) == (alone.total, alone.total_macs)

    steps_flops = sum(s.flops for s in generation.steps)
    assert steps_flops + generation.loop_flops == result.total
    assert generation.totals["total"] == (result.total, result.total_macs)
    assert generation.loop_macs == 0  # argmax, isin, the stopping criteria: no multiply-accumulate
    assert generation.loop_ops > 0


@pytest.mark.parametrize("name", list(MODELS))
def test_a_hand_written_decoding_loop_is_split_like_generate(name: str) -> None:
    config, model = build(name)

    def decode(ids: torch.Tensor) -> torch.Tensor:
        cache = DynamicCache(config=config)
        logits = model(ids, cache=cache, use_cache=True, logits_to_keep=1).logits
        for _ in range(NEW - 1):
            token = logits[:, -1].argmax(-1, keepdim=True)
            logits = model(token, cache=cache, use_cache=True, logits_to_keep=1).logits
        return logits

    before = snapshot(model)
    loop = count_flops(decode, prompt()).generation
    assert_unchanged(model, before)
    generated = count_flops(model.generate, prompt(), generation_config=greedy()).generation
    assert loop is not None and generated is not None
    assert [(s.tokens, s.context, s.macs) for s in loop.steps] == [
        (s.tokens, s.context, s.macs) for s in generated.steps
    ]
    assert [s.macs for s in loop.decode] == [MODELS[name][2](config, PROMPT + k) for k in range(1, NEW)]


def test_a_count_of_one_forward_has_no_generation() -> None:
    _, model = build("gpt2")
    assert count_flops(model, prompt()).generation is None
    assert count_flops(lambda x: x * 2, torch.ones(3)).generation is None  # no module reached


def test_forwards_a_module_makes_of_itself_are_one_step() -> None:
    """Only top-level calls of the root's forward are steps: one that calls itself (a recursion) is one step."""

    class Recursive(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(4, 4)

        def forward(self, x: torch.Tensor, depth: int = 2) -> torch.Tensor:
            x = self.linear(x)
            return self(x, depth - 1) if depth > 1 else x

    model = Recursive()

    def twice(x: torch.Tensor) -> torch.Tensor:
        return model(model(x))

    generation = count_flops(twice, torch.ones(1, 4)).generation
    assert generation is not None
    assert [s.macs for s in generation.steps] == [2 * 16, 2 * 16]
    assert [(s.tokens, s.context) for s in generation.steps] == [(4, 4), (4, 4)]  # no cache: the tokens themselves


def test_the_hooks_are_removed_when_a_forward_raises() -> None:
    model = torch.nn.Linear(4, 4)

    def broken(x: torch.Tensor) -> torch.Tensor:
        model(x)
        return model(x[:, :2])  # the wrong width: forward raises

    before = snapshot(model)
    with pytest.raises(RuntimeError):
        count_flops(broken, torch.ones(1, 4))
    assert_unchanged(model, before)
    assert not model._forward_hooks and not model._forward_pre_hooks


def test_the_summary_shows_each_step_and_the_totals() -> None:
    _, model = build("gpt2")
    generation = count_flops(model.generate, prompt(), generation_config=greedy()).generation
    assert generation is not None
    text = generation.summary()
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["step", "tokens", "context"]
    rows = {line.split("  ")[0].strip(): line for line in lines[2:]}
    assert list(rows) == ["prefill", "decode 1", "decode 2", "decode 3", "decode (3 steps)", "generation loop", "total"]
    assert f"{generation.prefill.flops:,}" in rows["prefill"]
    assert f"{generation.totals['total'][0]:,}" in rows["total"]
    assert str(generation) == text
    assert "| prefill" in generation.summary(tablefmt="github")
    data = generation.to_dict()
    assert [s["context"] for s in data["steps"]] == [PROMPT + k for k in range(NEW)]
    assert data["totals"]["decode"] == {"flops": generation.decode_flops, "macs": generation.decode_macs}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_loop_over_a_module_a_rule_counts_whole_is_split_and_counted_the_same(engine: str) -> None:
    """The hooks add no op: three calls of an ``nn.Linear`` (one op each on the default engine) are three steps of
    in·out MACs per row, and the loop's own op (the ``sum``) stays apart."""
    linear = torch.nn.Linear(8, 8)
    x = torch.ones(2, 8)

    def three(x: torch.Tensor) -> torch.Tensor:
        return linear(linear(linear(x))).sum()

    result = count_flops(three, x, engine=engine)
    generation = result.generation
    assert generation is not None
    alone = count_flops(linear, x, engine=engine)
    assert [(s.flops, s.macs) for s in generation.steps] == [(alone.total, alone.total_macs)] * 3
    assert alone.total_macs == 2 * 8 * 8
    assert generation.loop_ops == 1 and generation.loop_flops == 2 * 8 - 1
    assert result.total == 3 * alone.total + generation.loop_flops
