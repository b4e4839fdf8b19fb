"""``torch-flops count hf:CONFIG --tp N [--fsdp M] [--rank R]``: one rank of a Llama config under the standard plan,
its figures equal to the Python API's, its collectives in the table and in JSON, and the options' usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from transformers import LlamaConfig, LlamaForCausalLM

from torch_flops_core.cli import main
from torch_flops_core.communication import comm_totals
from torch_flops_core.distributed import parallel_count

CONFIG = {
    "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 8,
    "num_key_value_heads": 8, "vocab_size": 100,
}  # fmt: skip
T = 16


@pytest.fixture
def llama(tmp_path: Path) -> str:
    LlamaConfig(**CONFIG, architectures=["LlamaForCausalLM"]).save_pretrained(tmp_path / "llama")  # type: ignore[arg-type]
    return f"hf:{tmp_path / 'llama'}"


def _rank(**options: int) -> object:
    def build() -> LlamaForCausalLM:
        with torch.device("meta"):
            return LlamaForCausalLM(LlamaConfig(**CONFIG))  # type: ignore[arg-type]

    return parallel_count(build, torch.zeros(1, T, dtype=torch.long, device="meta"), **options)  # type: ignore[arg-type]


def test_tp_prints_the_rank_s_table_and_its_collectives(llama: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", llama, "--seq-len", str(T), "--tp", "4", "--rank", "2", "--top", "3"]) == 0
    out = capsys.readouterr().out
    expected = _rank(tp=4, rank=2)
    assert f"total: {expected.total:,} FLOPs" in out  # type: ignore[attr-defined]
    assert "rank 2 of 4: 4 collectives" in out
    assert any(line.split()[:3] == ["forward", "all_reduce", "4"] for line in out.splitlines())
    assert not dist.is_initialized()


def test_tp_and_fsdp_in_json(llama: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", llama, "--seq-len", str(T), "--tp", "2", "--fsdp", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = _rank(tp=2, fsdp=2)
    assert data["total_macs"] == expected.total_macs  # type: ignore[attr-defined]
    parallel = data["parallel"]
    assert (parallel["world_size"], parallel["rank"]) == (4, 0)
    kinds = {c["kind"] for c in parallel["collectives"]}
    assert kinds == set(comm_totals(expected.collectives)) == {"all_gather", "all_reduce"}  # type: ignore[attr-defined]


def test_a_plain_count_has_no_parallel_key(llama: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", llama, "--seq-len", str(T), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["parallel"] is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--rank", "1"], "--rank R picks a rank of --tp N or --fsdp M"),
        (["--tp", "2", "--rank", "2"], "the ranks of --tp 2 × --fsdp 1 are 0 to 1"),
        (["--tp", "2", "--engine", "eager"], "not with --engine fx or eager"),
        (["--tp", "2", "--seq-len", "8,16"], "give one --seq-len, not a sweep"),
        (["--tp", "3"], "--tp/--fsdp: self_attn.q_proj has 8 heads, which do not split over 3"),
    ],
)
def test_usage_errors(llama: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", llama, *extra]) == 2
    assert message in capsys.readouterr().err
    assert not dist.is_initialized()


def test_only_hf_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "tiny.py").write_text("import torch\n\ndef build():\n    return torch.nn.Linear(4, 4)\n")
    assert main(["count", f"{tmp_path / 'tiny.py'}:build", "--input-shape", "1,4", "--tp", "2"]) == 2
    assert "an hf: SPEC" in capsys.readouterr().err
