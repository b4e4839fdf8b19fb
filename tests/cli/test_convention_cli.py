"""``torch-flops count --convention {exact,2mac}`` (issue 23): the figure tables show, sort by, cut at and plot."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import flop_counter_mode
from zoo_models import timm_model

from torch_flops_core.cli import main
from torch_flops_core.hookspecs import DISABLE_ENV

MIXED_PY = """
import torch
from torch import nn


class Square(nn.Module):
    def forward(self, y):
        return y * y


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.small = nn.Linear(8, 8, bias=False)
        self.big = Square()

    def forward(self, x, y):
        return self.small(x), self.big(y)


def build():
    return Mixed()
"""
SHAPES = ("--input-shape", "4,8", "--input-shape", "1000")
LINEAR_MACS, SQUARE_EXACT, LINEAR_EXACT = 4 * 8 * 8, 1000, (2 * 8 - 1) * 4 * 8  # per output: K MACs, 2K − 1 FLOPs


@pytest.fixture
def spec(tmp_path: Path) -> str:
    (tmp_path / "mixed_model.py").write_text(textwrap.dedent(MIXED_PY))
    return f"{tmp_path / 'mixed_model.py'}:build"


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_2mac_tables_sort_and_cut_by_2macs(capsys: pytest.CaptureFixture[str], spec: str) -> None:
    code, out, err = run_main(capsys, "count", spec, *SHAPES, "--convention", "2mac", "--top", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert "flops (2×MACs)" in lines[1] and "small" in lines[3] and f"{2 * LINEAR_MACS:,}" in lines[3]
    assert lines[4].startswith("top 1 of 2 ops; the other 1: 0 FLOPs")
    assert f"2×MACs: {2 * LINEAR_MACS:,} FLOPs" in lines[5] and f"{LINEAR_EXACT + SQUARE_EXACT:,} FLOPs" in lines[5]
    code, out, _ = run_main(capsys, "count", spec, *SHAPES, "--top", "1")  # exact: the square is the largest op
    assert code == 0 and "big" in out.splitlines()[3] and "2×MACs" not in out.splitlines()[1]


def test_2mac_module_table_and_json(capsys: pytest.CaptureFixture[str], spec: str) -> None:
    code, out, err = run_main(capsys, "count", spec, *SHAPES, "--convention", "2mac", "--by-module", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].split()[:4] == ["module", "FLOPs", "(2×MACs)", "share"]
    assert [line.split()[0] for line in lines[3:5]] == ["small", "big"]
    code, out, err = run_main(capsys, "count", spec, *SHAPES, "--convention", "2mac", "--by-module", "1", "--format",
                              "json")  # fmt: skip
    data = json.loads(out)
    assert (data["convention"], data["total_2mac"], data["total"]) == ("2mac", 2 * LINEAR_MACS, LINEAR_EXACT + 1000)
    assert [m["module"] for m in data["by_module"]["modules"]] == ["small", "big"]
    assert [m["share"] for m in data["by_module"]["modules"]] == [1.0, 0.0]


def test_an_unknown_convention_is_a_usage_error(capsys: pytest.CaptureFixture[str], spec: str) -> None:
    code, out, err = run_main(capsys, "count", spec, *SHAPES, "--convention", "2macs")
    assert code == 2 and out == ""
    assert re.search(r"--convention: invalid choice: '2macs' \(choose from '?exact'?, '?2mac'?\)", err)


def test_a_sweep_plots_the_chosen_figure(capsys: pytest.CaptureFixture[str], spec: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    code, out, err = run_main(capsys, "count", spec, "--input-shape", "{2,4},8", "--input-shape", "{10,20}",
                              "--convention", "2mac", "--plot", str(tmp_path / "sweep.png"))  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[1].split()[2:5] == ["FLOPs", "2×MACs", "MACs"]
    assert (tmp_path / "sweep.png").stat().st_size > 0


@pytest.mark.slow
def test_the_console_script_counts_resnet18_as_flop_counter_mode_with_2mac(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != DISABLE_ENV}
    command = [sys.executable, "-m", "torch_flops_core", "count", "timm:resnet18", "--convention", "2mac"]
    done = subprocess.run([*command, "--format", "json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    model, x = timm_model("resnet18")
    assert data["total_2mac"] == flop_counter_mode(model, x) == 2 * data["total_macs"]
    assert data["convention"] == "2mac"
    table = subprocess.run([*command, "--by-module", "1"], capture_output=True, text=True, env=env, timeout=300)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "FLOPs (2×MACs)" in lines[1] and f"2×MACs: {data['total_2mac']:,} FLOPs" in lines[-1]
    bad = subprocess.run([*command[:-1], "mac"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and re.search(r"invalid choice: 'mac' \(choose from '?exact'?, '?2mac'?\)", bad.stderr)
