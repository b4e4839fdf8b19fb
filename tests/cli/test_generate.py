"""``torch-flops count hf:CONFIG --generate N``: generate() counted from the SPEC's input as prompt, reported as its
prefill and decode steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import GPT2Config, ViTConfig

from torch_flops_core.cli import main

LAYERS, WIDTH, VOCAB, PROMPT = 2, 64, 100, 6


@pytest.fixture
def gpt2_folder(tmp_path: Path) -> Path:
    config = GPT2Config(n_layer=LAYERS, n_embd=WIDTH, n_head=4, vocab_size=VOCAB, n_positions=64, eos_token_id=99)
    config.save_pretrained(tmp_path)
    return tmp_path


def decode_macs(context: int) -> int:
    """GPT-2, one token: 12·d² weights per layer (c_attn 3d², c_proj d², the MLP 8d²), 2·L·d attention per layer,
    the LM head d·V."""
    return LAYERS * (12 * WIDTH * WIDTH + 2 * context * WIDTH) + WIDTH * VOCAB


def test_generate_counts_the_prefill_and_each_decode_step_as_json(
    gpt2_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = f"hf:{gpt2_folder}"
    assert main(["count", spec, "--seq-len", str(PROMPT), "--generate", "3", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["unrecognized"] == {}
    steps = data["generation"]["steps"]
    assert [(s["phase"], s["tokens"], s["context"]) for s in steps] == [
        ("prefill", PROMPT, PROMPT), ("decode", 1, PROMPT + 1), ("decode", 1, PROMPT + 2),
    ]  # fmt: skip
    assert [s["macs"] for s in steps[1:]] == [decode_macs(PROMPT + 1), decode_macs(PROMPT + 2)]
    assert all(s["unrecognized"] == 0 for s in steps)
    assert data["generation"]["totals"]["total"] == {"flops": data["total"], "macs": data["total_macs"]}


def test_generate_prints_a_table_of_the_steps(gpt2_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", f"hf:{gpt2_folder}", "--seq-len", str(PROMPT), "--generate", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "device cpu" in lines[0]  # generation reads its tokens: not on meta
    assert lines[1].split()[:3] == ["step", "tokens", "context"]
    labels = [line.split("  ")[0].strip() for line in lines[3:]]
    assert labels == ["prefill", "decode 1", "decode 2", "decode (2 steps)", "generation loop", "total"]
    assert f"{decode_macs(PROMPT + 2) / 1e3:.0f} KMACs" in lines[5]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--device", "meta"], "use --device cpu"),
        (["--backward"], "does not combine with --backward"),
        (["--engine", "fx"], "does not combine with --engine fx"),
        (["--seq-len", "4,8"], "give one --seq-len, not a sweep"),
    ],
)
def test_generate_refuses_what_it_cannot_count(
    gpt2_folder: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["count", f"hf:{gpt2_folder}", "--generate", "2", *extra]) == 2
    assert message in capsys.readouterr().err


def test_generate_needs_an_hf_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", "timm:resnet18", "--generate", "2"]) == 2
    assert "give an hf: SPEC" in capsys.readouterr().err


def test_generate_refuses_a_prompt_without_room_and_a_model_that_cannot_generate(
    gpt2_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["count", f"hf:{gpt2_folder}", "--seq-len", "63", "--generate", "2"]) == 2
    assert "exceed the 64 positions GPT2LMHeadModel was configured for: give --seq-len 62 or less" in (
        capsys.readouterr().err
    )
    vit = tmp_path / "vit"
    ViTConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37, image_size=32, patch_size=8
    ).save_pretrained(vit)
    assert main(["count", f"hf:{vit}", "--generate", "2"]) == 2
    assert "ViTModel cannot generate" in capsys.readouterr().err
