"""The result model and its renderings: totals, per-module sums, table, JSON, CSV, Markdown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import torch
from opaque_ops import opaque
from torch import nn

from torch_flops_core import FlopsResult, count_flops


class Head(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return opaque(self.fc(x)) * 2


class Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(4, 6)
        self.head = Head()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stem(x)) + 1


# Model on a 2×4 input, op by op (exact convention):
STEM = (2 * 4 - 1) * 12 + 12  # Linear(4, 6) on 2 rows: N = 12
FC = (2 * 6 - 1) * 6 + 6  # Linear(6, 3) on 2 rows: N = 6
MUL = ADD = 6


def result() -> FlopsResult:
    return count_flops(Model(), torch.randn(2, 4), engine="fx")  # the seed's view: placeholders and output too


def test_totals_exclude_unrecognized_ops() -> None:
    r = result()
    assert r.total == STEM + FC + MUL + ADD
    assert r.total_macs == 4 * 12 + 6 * 6
    assert [op.name for op in r.unrecognized] == ["opaque_default"]
    assert r.engine == "fx"
    assert "total=" in repr(r) and "unrecognized=1" in repr(r)


def test_by_module_sums_at_each_depth() -> None:
    r = result()
    assert r.by_module(0) == {"": STEM + FC + MUL + ADD}
    assert r.by_module(1) == {"stem": STEM, "head": FC + MUL, "": ADD}
    assert r.by_module(2) == {"stem": STEM, "head.fc": FC, "head": MUL, "": ADD}


def test_json_has_exact_integers_and_a_schema() -> None:
    data = json.loads(result().to_json())
    assert data["schema"] == "torch-flops/4"
    assert (data["total"], data["total_macs"], data["engine"]) == (STEM + FC + MUL + ADD, 84, "fx")
    assert data["unrecognized"] == {"torch.ops.torch_flops_tests.opaque.default": 1}
    ops = {op["name"]: op for op in data["ops"]}
    assert ops["stem"]["flops"] == STEM and ops["stem"]["plugin"] == "nn"
    assert ops["opaque_default"]["flops"] is None and ops["opaque_default"]["status"] == "not recognized"
    assert set(ops["stem"]) == {
        "name", "kind", "target", "module_path", "module_type", "status", "flops", "macs",
        "plugin", "rule", "time_ms", "mem_before", "mem_after", "mem_delta", "phase", "bytes", "intensity",
        "flop_s", "byte_s",
    }  # fmt: skip


def test_csv_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "ops.csv"
    text = result().to_csv(path)
    assert path.read_text() == text
    rows = list(csv.DictReader(io.StringIO(text)))
    by_name = {row["name"]: row for row in rows}
    assert int(by_name["head_fc"]["flops"]) == FC
    assert by_name["opaque_default"]["flops"] == "" and by_name["opaque_default"]["status"] == "not recognized"


def test_table_and_markdown_list_each_op_and_the_total() -> None:
    r = result()
    table = r.table()
    assert "stem" in table and "head.fc" in table and "not recognized" in table
    assert f"total: {r.total:,} FLOPs" in table
    assert "1 op not recognized, excluded: torch.ops.torch_flops_tests.opaque.default ×1" in table
    assert "placeholder" not in table and "placeholder" in r.table(all_nodes=True)
    markdown = r.to_markdown()
    assert markdown.splitlines()[1].startswith("|--") or markdown.splitlines()[1].startswith("|:")
