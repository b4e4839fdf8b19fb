"""Human units, the per-module view and the top-K views of a result."""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from opaque_ops import opaque
from torch import nn

from torch_flops_core import FlopsResult, count_flops
from torch_flops_core.parameters import ParamCounts
from torch_flops_core.results import ModuleRow, module_rows
from torch_flops_core.views.report import format_flops, format_macs, summary_line, top_records


class Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc(x)) * 2


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Linear(4, 16)
        self.body = nn.Sequential(Block(16), Block(16))
        self.head = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return opaque(self.head(self.body(self.stem(x)))) + 1


def result() -> FlopsResult:
    return count_flops(Net(), torch.randn(3, 4))


# Net on 3 rows, op by op: Linear (2K-1)·N + N; ReLU and ×2 one FLOP per element; +1 at the root.
STEM = (2 * 4 - 1) * 48 + 48
BLOCK = (2 * 16 - 1) * 48 + 48 + 48 + 48
HEAD = (2 * 16 - 1) * 6 + 6
ROOT_ADD = 6
NET = (4 * 16 + 16) + 2 * (16 * 16 + 16) + (16 * 2 + 2)  # parameters: stem, two blocks' Linear, head


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 FLOPs"),
        (999, "999 FLOPs"),
        (1000, "1.00 KFLOPs"),
        (9_994, "9.99 KFLOPs"),
        (9_996, "10.0 KFLOPs"),
        (99_949, "99.9 KFLOPs"),
        (99_950, "100 KFLOPs"),
        (999_499, "999 KFLOPs"),
        (999_500, "1.00 MFLOPs"),
        (8_227_340_288, "8.23 GFLOPs"),
        (1_234_567_890_123, "1.23 TFLOPs"),
        (5 * 10**15, "5.00 PFLOPs"),
    ],
)
def test_format_flops_uses_three_significant_digits_and_si_prefixes(n: int, text: str) -> None:
    assert format_flops(n) == text


def test_format_macs_and_bare_units() -> None:
    assert format_macs(4_089_184_256) == "4.09 GMACs"
    assert format_flops(2_500_000, "") == "2.50 M"


@settings(database=None)  # no .hypothesis folder in the repository
@given(st.integers(min_value=0, max_value=10**20))
def test_format_flops_reads_back_within_rounding(n: int) -> None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?) ([KMGTPE]?)FLOPs", format_flops(n))
    assert match is not None
    assert float(match[1]) < 1000
    value = float(match[1]) * 1000 ** ("KMGTPE".index(match[2]) + 1 if match[2] else 0)
    assert abs(value - n) <= 0.005 * n + 0.5  # three significant digits


def test_module_table_sums_agree_with_by_module_and_are_sorted() -> None:
    r = result()
    rows = r.module_table(1)
    assert [row.path for row in rows] == ["body", "stem", "head", ""]
    assert (
        {row.path: row.flops for row in rows}
        == r.by_module(1)
        == {
            "stem": STEM,
            "body": 2 * BLOCK,
            "head": HEAD,
            "": ROOT_ADD,
        }
    )
    assert sum(row.flops for row in rows) == r.total
    body_bytes = sum(op.bytes or 0 for op in r.ops if op.module_path.startswith("body"))
    expected = ModuleRow("body", 2 * BLOCK, 2 * 16 * 48, 6, 2 * BLOCK / r.total, forward=2 * BLOCK, bytes=body_bytes)
    expected = dataclasses.replace(expected, params=ParamCounts(*[2 * (16 * 16 + 16)] * 2, 0, 0))  # two Linear(16, 16)
    assert dataclasses.replace(rows[0], time_ms=0.0) == expected  # times are measured: not compared
    root = rows[-1]
    assert root.label == "(root)" and root.ops == 2  # opaque (not recognized, still an op) and + 1
    assert r.module_table(2)[0].path in ("body.0", "body.1")
    assert [row.path for row in r.module_table(1, top=2)] == ["body", "stem"]
    calls = sum(1 for op in r.ops if op.kind.startswith("call_"))
    (whole,) = module_rows(r, 0)
    assert dataclasses.replace(whole, time_ms=0.0) == ModuleRow(
        "", r.total, r.total_macs, calls, 1.0, forward=r.total, bytes=r.total_bytes, params=ParamCounts(NET, NET, 0, 0)
    )
    assert whole.time_ms == pytest.approx(r.total_time_ms)


def test_module_table_rejects_bad_depth_and_top() -> None:
    r = result()
    with pytest.raises(ValueError, match="depth"):
        r.module_table(-1)
    with pytest.raises(ValueError, match="top"):
        r.module_table(1, top=0)


def test_module_report_shows_human_units_shares_and_what_top_left_out() -> None:
    r = result()
    text = r.module_report(1, top=2)
    lines = text.splitlines()
    assert lines[0].split() == ["module", "FLOPs", "share", "MACs", "ops", "params"]
    share = f"{100 * 2 * BLOCK / r.total:.1f}%"
    assert lines[2].split()[:4] == ["body", *format_flops(2 * BLOCK).split(), share]
    assert lines[4].startswith("top 2 of 4 modules at depth 1; the other 2: ")
    assert lines[5] == summary_line(r)
    assert "(root)" in r.module_report(1)


def test_summary_line_gives_exact_and_human_totals() -> None:
    r = result()
    line = summary_line(r)
    assert line.startswith(f"total: {r.total:,} FLOPs ({format_flops(r.total)}), {r.total_macs:,} MACs")
    assert "eager engine" in line and "1 op not recognized" in line
    assert r.table().splitlines()[-1] == line


def test_top_ops_are_the_largest_in_descending_order() -> None:
    r = result()
    top = top_records(r, 3)
    assert [op.name for op in top] == ["body_0_fc", "body_1_fc", "stem"]
    table = r.table(top=3)
    assert "top 3 of" in table and "head" not in table.split("top 3 of")[0]
    rows = list(csv.DictReader(io.StringIO(r.to_csv())))
    assert len(rows) == len(r.ops)  # to_csv keeps every op


def test_markdown_keeps_the_total_out_of_the_table() -> None:
    lines = result().to_markdown(top=2).splitlines()
    assert lines[0].startswith("| node") and lines[1].startswith("|--")
    assert lines[4] == "" and lines[5].startswith("top 2 of")
    assert lines[-2] == "" and lines[-1].startswith("total: ")
