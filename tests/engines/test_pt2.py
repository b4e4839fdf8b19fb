"""Saved exported programs (``torch-flops count file.pt2`` and ``count_flops(ep)``): counted on meta with
their own parameters moved there, on their own example inputs (dtypes and keywords), and ``--seq-len``
resizing their own token inputs.

Expected values are worked out by hand from docs/conventions.md:

- ``Conv2d(3, 8, 3)`` on 1×3×16×16: n = 8·14·14 = 1568 outputs, each a dot product of K = 27
  (2K − 1 FLOPs) plus the bias add: 54·n FLOPs, 27·n MACs; ``BatchNorm2d`` (affine) 4·n; ``ReLU`` n.
- ``Embedding`` is a lookup (0); ``Linear(16, 4)`` on T tokens: 4·T outputs of (2·16 − 1) + 1 = 32 FLOPs
  and 16 MACs each.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

from torch_flops_core import count_flops
from torch_flops_core.cli import main

N_CONV = 8 * 14 * 14
BN_FLOPS, BN_MACS = N_CONV * (54 + 4 + 1), N_CONV * 27


def lm_flops(tokens: int) -> int:
    return tokens * 4 * 32


class Tokens(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(tokens))


def conv_bn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU()).eval()


def save(tmp_path: Path, name: str, program: torch.export.ExportedProgram) -> str:
    path = tmp_path / name
    torch.export.save(program, str(path))
    return str(path)


@pytest.fixture
def bn_file(tmp_path: Path) -> str:
    return save(tmp_path, "bn.pt2", torch.export.export(conv_bn(), (torch.randn(1, 3, 16, 16),)))


@pytest.fixture
def tokens_file(tmp_path: Path) -> str:
    """Exported with static shapes: 2×7 token ids."""
    return save(tmp_path, "tokens.pt2", torch.export.export(Tokens(), (torch.zeros(2, 7, dtype=torch.long),)))


@pytest.fixture
def dynamic_tokens_file(tmp_path: Path) -> str:
    """Exported with a dynamic batch and sequence length, the token ids passed by keyword."""
    tokens = torch.zeros(2, 7, dtype=torch.long)
    shapes = {"tokens": {0: torch.export.Dim("batch", max=64), 1: torch.export.Dim("seq", max=1024)}}
    program = torch.export.export(Tokens(), (), {"tokens": tokens}, dynamic_shapes=shapes)
    return save(tmp_path, "dynamic.pt2", program)


@dataclass
class Done:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Done:
    code = main(list(argv))
    captured = capsys.readouterr()
    return Done(code, captured.out, captured.err)


def test_a_batch_norm_program_counts_on_meta_without_falling_back(
    capsys: pytest.CaptureFixture[str], bn_file: str
) -> None:
    done = run(capsys, "count", bn_file, "--format", "json")
    assert done.code == 0, done.err
    assert "failed" not in done.err
    data = done.json()
    assert (data["device"], data["total"], data["total_macs"]) == ("meta", BN_FLOPS, BN_MACS)
    assert data["inputs"] == [{"keyword": None, "shape": [1, 3, 16, 16], "dtype": "float32"}]


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_device_meta_and_cpu_count_a_program(capsys: pytest.CaptureFixture[str], bn_file: str, device: str) -> None:
    done = run(capsys, "count", bn_file, "--device", device, "--format", "json")
    assert done.code == 0, done.err
    data = done.json()
    assert (data["device"], data["total"], data["total_macs"]) == (device, BN_FLOPS, BN_MACS)


def test_integer_example_inputs_are_used_with_their_dtype(capsys: pytest.CaptureFixture[str], tokens_file: str) -> None:
    done = run(capsys, "count", tokens_file, "--format", "json")
    assert done.code == 0, done.err
    data = done.json()
    assert (data["total"], data["total_macs"]) == (lm_flops(2 * 7), 2 * 7 * 4 * 16)
    assert data["inputs"] == [{"keyword": None, "shape": [2, 7], "dtype": "int64"}]


def test_keyword_example_inputs_are_passed_by_keyword(
    capsys: pytest.CaptureFixture[str], dynamic_tokens_file: str
) -> None:
    done = run(capsys, "count", dynamic_tokens_file, "--format", "json")
    assert done.code == 0, done.err
    assert done.json()["inputs"] == [{"keyword": "tokens", "shape": [2, 7], "dtype": "int64"}]
    assert done.json()["total"] == lm_flops(2 * 7)


def test_seq_len_resizes_the_programs_own_token_input(
    capsys: pytest.CaptureFixture[str], dynamic_tokens_file: str
) -> None:
    done = run(capsys, "count", dynamic_tokens_file, "--seq-len", "5", "--batch-size", "3", "--format", "json")
    assert done.code == 0, done.err
    data = done.json()
    assert data["inputs"] == [{"keyword": "tokens", "shape": [3, 5], "dtype": "int64"}]
    assert data["total"] == lm_flops(3 * 5)
    assert "input_ids" not in done.out


def test_a_seq_len_sweep_keeps_the_examples_batch(capsys: pytest.CaptureFixture[str], dynamic_tokens_file: str) -> None:
    done = run(capsys, "count", dynamic_tokens_file, "--seq-len", "4,9", "--format", "csv")
    assert done.code == 0, done.err
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert [(r["size"], r["inputs"], r["total"]) for r in rows] == [
        ("4", "tokens 2×4 int64", str(lm_flops(2 * 4))),
        ("9", "tokens 2×9 int64", str(lm_flops(2 * 9))),
    ]


def test_input_shape_takes_the_programs_dtype(capsys: pytest.CaptureFixture[str], dynamic_tokens_file: str) -> None:
    done = run(capsys, "count", dynamic_tokens_file, "--input-shape", "3,11", "--format", "json")
    assert done.code == 0, done.err
    assert done.json()["inputs"] == [{"keyword": "tokens", "shape": [3, 11], "dtype": "int64"}]
    assert done.json()["total"] == lm_flops(33)


def test_a_size_a_static_program_cannot_take_is_refused(capsys: pytest.CaptureFixture[str], tokens_file: str) -> None:
    done = run(capsys, "count", tokens_file, "--seq-len", "9")
    assert done.code == 2
    assert "exported with tokens of shape 2×7, not 2×9" in done.err
    assert "dynamic_shapes" in done.err


def test_seq_len_on_a_program_without_tokens_is_refused(capsys: pytest.CaptureFixture[str], bn_file: str) -> None:
    done = run(capsys, "count", bn_file, "--seq-len", "9")
    assert done.code == 2
    assert "takes no token input" in done.err
    assert "input 1×3×16×16 float32" in done.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dtype", "float16"], "--dtype does not apply to a .pt2 program"),
        (["--batch-size", "4"], "--batch-size: a .pt2 program is counted on its example inputs"),
    ],
)
def test_options_a_program_cannot_honour_are_refused(
    capsys: pytest.CaptureFixture[str], bn_file: str, argv: list[str], message: str
) -> None:
    done = run(capsys, "count", bn_file, *argv)
    assert done.code == 2
    assert message in done.err


def test_count_flops_of_a_program_without_inputs_uses_its_example_inputs() -> None:
    program = torch.export.export(conv_bn(), (torch.randn(1, 3, 16, 16),))
    result = count_flops(program)
    assert (result.total, result.total_macs) == (BN_FLOPS, BN_MACS)


def test_count_flops_of_a_keyword_program_uses_its_example_keywords_unless_given() -> None:
    tokens = torch.zeros(2, 7, dtype=torch.long)
    shapes = {"tokens": {1: torch.export.Dim("seq", max=1024)}}
    keyword = torch.export.export(Tokens(), (), {"tokens": tokens}, dynamic_shapes=shapes)
    assert count_flops(keyword).total == lm_flops(2 * 7)
    # inputs given explicitly are counted instead of the example inputs
    assert count_flops(keyword, tokens=torch.zeros(2, 3, dtype=torch.long)).total == lm_flops(2 * 3)
