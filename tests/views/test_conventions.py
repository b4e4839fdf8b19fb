"""Which number is "the FLOPs" (issue 23, part 3): every summary shows exact FLOPs, MACs and 2×MACs;
``convention=`` picks the figure tables show, sort by, cut at and plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from torch_flops_core import FlopsResult, count_flops
from torch_flops_core.cli.options import CONVENTION_NAMES
from torch_flops_core.conventions import CONVENTIONS, checked_convention, label
from torch_flops_core.views.export import top_records
from torch_flops_core.views.report import format_flops, format_macs, summary_line
from torch_flops_core.views.roofline import roofline_points

ROWS, K, N, WIDE = 4, 8, 8, 1000


class Square(nn.Module):
    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return y * y


class Mixed(nn.Module):
    """A small matmul and a big element-wise op: exact FLOPs rank the square first, 2×MACs the matmul."""

    def __init__(self) -> None:
        super().__init__()
        self.small = nn.Linear(K, N, bias=False)
        self.big = Square()

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.small(x), self.big(y)


# the linear: (2K − 1) per output, K MACs per output; the square: one FLOP per element, no MAC
LINEAR_EXACT, LINEAR_MACS, SQUARE_EXACT = (2 * K - 1) * ROWS * N, K * ROWS * N, WIDE


def count(convention: str = "exact", **options: object) -> FlopsResult:
    return count_flops(Mixed(), torch.randn(ROWS, K), torch.randn(WIDE), convention=convention, **options)  # type: ignore[arg-type]


def test_the_example_ranks_the_two_ops_differently() -> None:
    assert SQUARE_EXACT > LINEAR_EXACT and 2 * LINEAR_MACS > 0  # the square first by exact, last by 2×MACs


def test_the_default_is_exact_and_the_figures_follow_the_convention() -> None:
    exact, by_macs = count(), count("2mac")
    assert exact.convention == "exact" and by_macs.convention == "2mac"
    assert (
        (exact.total, exact.total_macs)
        == (by_macs.total, by_macs.total_macs)
        == (
            LINEAR_EXACT + SQUARE_EXACT,
            LINEAR_MACS,
        )
    )
    assert exact.figure() == LINEAR_EXACT + SQUARE_EXACT and by_macs.figure() == 2 * LINEAR_MACS
    square = next(r for r in by_macs.ops if r.module_path == "big" and r.kind.startswith("call_"))
    assert exact.figure(square) == SQUARE_EXACT and by_macs.figure(square) == 0
    assert [row.path for row in exact.module_table()] == ["big", "small"]
    assert [row.path for row in by_macs.module_table()] == ["small", "big"]
    small = by_macs.module_table()[0]
    assert by_macs.figure(small) == 2 * LINEAR_MACS and small.share == 1.0
    assert exact.module_table()[1].share == pytest.approx(LINEAR_EXACT / (LINEAR_EXACT + SQUARE_EXACT))


def test_op_tables_sort_and_cut_by_the_chosen_figure() -> None:
    exact, by_macs = count(), count("2mac")
    assert top_records(exact, 1)[0].module_path == "big"
    assert top_records(by_macs, 1)[0].module_path == "small"
    table = by_macs.table(top=1).splitlines()
    assert "flops (2×MACs)" in table[0] and "flops (2×MACs)" not in exact.table().splitlines()[0]
    assert "small" in table[2] and f"{2 * LINEAR_MACS:,}" in table[2]
    assert table[3].startswith("top 1 of 2 ops; the other 1: 0 FLOPs (0.0%)")
    assert exact.table(top=1).splitlines()[3].startswith(f"top 1 of 2 ops; the other 1: {LINEAR_EXACT} FLOPs")


def test_module_tables_name_the_chosen_figure_in_their_header() -> None:
    report = count("2mac").module_report(1, top=1).splitlines()
    assert report[0].split()[:4] == ["module", "FLOPs", "(2×MACs)", "share"]
    assert report[2].split()[:4] == ["small", *format_flops(2 * LINEAR_MACS).split(), "100.0%"]
    assert report[3].startswith("top 1 of 2 modules at depth 1; the other 1: 0 FLOPs (0.0%)")
    assert count().module_report(1).splitlines()[0].split()[:3] == ["module", "FLOPs", "share"]


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_every_summary_shows_the_three_figures(convention: str) -> None:
    r = count(convention)
    exact, macs, two = LINEAR_EXACT + SQUARE_EXACT, LINEAR_MACS, 2 * LINEAR_MACS
    line = summary_line(r)
    assert f"{exact:,} FLOPs ({format_flops(exact)})" in line and f"{macs:,} MACs" in line
    assert f"2×MACs: {two:,} FLOPs" in line
    assert r.table().splitlines()[-1] == line == r.module_report().splitlines()[-1]
    html = r._repr_html_()
    assert f"{exact:,} FLOPs" in html and f"{macs:,} MACs ({format_macs(macs)})" in html
    assert f"2×MACs: {two:,} FLOPs" in html and (f"by {label(convention)}</p>" in html)
    assert repr(r).startswith(f"FlopsResult(total={exact:,}, total_macs={macs:,}, 2×MACs={two:,}, ")
    assert repr(r).endswith(f"convention={convention!r})")
    data = json.loads(r.to_json())
    assert (data["total"], data["total_macs"], data["total_2mac"], data["convention"]) == (exact, macs, two, convention)


def test_the_html_tables_follow_the_convention() -> None:
    html = count("2mac")._repr_html_()
    assert html.count("FLOPs (2×MACs)</th>") == 2  # the op table and the module table
    ops = html.split("<tbody>", 1)[1]
    assert ops.index("small") < ops.index("big")


@pytest.mark.parametrize("bad", ["2macs", "EXACT", "mac", "", None, 2])
def test_an_unknown_convention_is_refused_naming_the_valid_ones(bad: object) -> None:
    with pytest.raises(ValueError, match=r"convention must be one of 'exact', '2mac', got") as info:
        count(bad)  # type: ignore[arg-type]
    assert "FlopCounterMode" in str(info.value) and "element-wise" in str(info.value)
    assert checked_convention("2mac") == "2mac"


def test_the_command_line_offers_the_same_conventions() -> None:
    assert CONVENTION_NAMES == CONVENTIONS


def test_a_symbolic_count_keeps_its_convention() -> None:
    r = count_flops(nn.Linear(K, N), torch.randn(3, K), dims={"input": {0: "B"}}, convention="2mac")
    assert str(r.figure()) == str(2 * r.total_macs)  # an expression in B
    at = r.evaluate(B=5)
    assert at.convention == "2mac" and at.figure() == 2 * 5 * K * N
    assert "2×MACs: " in summary_line(r)


def test_rooflines_place_the_chosen_figure(tmp_path: Path) -> None:
    """On cpu (times measured): with 2×MACs, an op's height is 2·MACs over its time, and ops without MACs drop out."""
    exact, by_macs = count(), count("2mac")
    assert {p.label for p in roofline_points(exact)[0]} >= {r.name for r in exact.ops if r.module_path == "big"}
    points, _ = roofline_points(by_macs)
    linear = next(r for r in by_macs.ops if r.module_path == "small" and r.kind == "call_module")
    assert [p.label for p in points] == [linear.name]
    assert points[0].intensity == pytest.approx(2 * LINEAR_MACS / linear.bytes)  # type: ignore[operator]
    assert points[0].flop_s == pytest.approx(2 * LINEAR_MACS / (linear.time_ms / 1e3))  # type: ignore[operator]
    figure = by_macs.roofline(tmp_path / "r.svg", peak_flops=1e11, peak_bandwidth=1e10)
    assert figure.axes[0].get_ylabel() == "achieved FLOP/s (2×MACs)"
    assert "2×MACs" in by_macs.table(roofline=True).splitlines()[0]


def test_module_bars_plot_the_chosen_figure(tmp_path: Path) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    from torch_flops_core.views.plot import plot_modules

    r = count("2mac")
    path = tmp_path / "modules.svg"
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text kept as text
        plot_modules(r.module_table(1), path, title="t", total=r.figure(), convention=r.convention)
    svg = path.read_text()
    assert "FLOPs (2×MACs)" in svg and f"{format_flops(2 * LINEAR_MACS)} (100.0%)" in svg
