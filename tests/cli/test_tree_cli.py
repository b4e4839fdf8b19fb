"""``torch-flops count SPEC --tree [--depth N]``: the model as a tree on the command line, its JSON and CSV, the
params column and summary of the module table, and the usage errors of the two options."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import timm
import torch

from torch_flops_core import count_flops
from torch_flops_core.cli import main

TINY = (
    "import torch\n\n"
    "def build():\n    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))\n"
)
PARAMS = (4 * 8 + 8) + (8 * 2 + 2)


@pytest.fixture
def tiny(tmp_path: Path) -> str:
    (tmp_path / "tiny.py").write_text(TINY)
    return f"{tmp_path / 'tiny.py'}:build"


def test_tree_as_a_table_and_the_params_in_the_total_line(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", tiny, "--input-shape", "1,4", "--tree"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:6] == ["module", "FLOPs", "share", "MACs", "params", "own"]
    assert [line.split()[0] for line in lines[3:7]] == ["Sequential", "├─", "├─", "└─"]
    assert lines[4].startswith("├─ 0 (Linear)") and lines[6].startswith("└─ 2 (Linear)")
    assert lines[-1].startswith("total: ") and lines[-1].endswith(f"; params: {PARAMS}")


def test_tree_json_is_nested_and_csv_one_row_per_module(tiny: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", tiny, "--input-shape", "1,4", "--tree", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = count_flops(
        torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)), torch.randn(1, 4)
    )
    assert data["tree"]["flops"] == expected.total == data["total"]
    assert [child["path"] for child in data["tree"]["children"]] == ["0", "1", "2"]
    assert data["tree"]["children"][0]["params"] == {"total": 40, "trainable": 40, "frozen": 0, "buffers": 0}
    assert data["params"]["total"] == PARAMS
    assert main(["count", tiny, "--input-shape", "1,4", "--tree", "--depth", "0", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and rows[1].startswith(",Sequential,0,")
    assert main(["count", tiny, "--input-shape", "1,4", "--format", "json", "--by-module", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tree"] is None
    assert {m["module"]: m["params"]["total"] for m in data["by_module"]["modules"]} == {"0": 40, "1": 0, "2": 18}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--depth", "1"], "--depth N cuts the tree: add --tree"),
        (["--tree", "--by-module", "1"], "--tree and --by-module are two views"),
        (["--tree", "--top", "3"], "not --top"),
        (["--tree", "--input-shape", "{1,2},4"], "--tree applies to one count"),
    ],
)
def test_usage_errors(tiny: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    shape = [] if "--input-shape" in extra else ["--input-shape", "1,4"]
    assert main(["count", tiny, *shape, *extra]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_the_console_script_prints_resnet18_s_tree_to_depth_2() -> None:
    """As users run it: in a subprocess, through the installed console script (or ``-m`` without one)."""
    script = shutil.which("torch-flops")
    command = [script] if script else [sys.executable, "-m", "torch_flops_core"]
    done = subprocess.run(
        [*command, "count", "timm:resnet18", "--tree", "--depth", "2"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    model = timm.create_model("resnet18", pretrained=False)
    assert lines[3].startswith("ResNet ")
    labels = [line.split(" (")[0].lstrip("│├└─ ") for line in lines[4:] if line[:1] in "│├└"]
    # depth 2 of ResNet-18: layer1's two BasicBlocks are identical (one line, 0-1 ×2); in the other stages the
    # first block downsamples, so they differ
    names = [name for name, _ in model.named_modules() if name and name.count(".") < 2]
    names[names.index("layer1.0") : names.index("layer1.1") + 1] = ["layer1.0-1"]
    assert labels == [name.rsplit(".", 1)[-1] for name in names]
    assert "└─ 0-1 (BasicBlock) ×2" in done.stdout
    assert "layer1 (Sequential)" in done.stdout and "11.7 M" in done.stdout
    assert lines[-1].startswith("total: ") and "; params: 11,689,512 (11.7 M)" in lines[-1]
