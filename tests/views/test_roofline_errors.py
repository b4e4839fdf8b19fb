"""Rooflines refuse what means nothing, measure peaks robustly and leave torch's random streams alone
(issue 22, items 5 and 12).

A roof is a positive finite number: 0, a negative number, NaN, ∞ or a string is a ``PlotError`` (a library
error, a ``ValueError``; never the command line's ``UsageError`` and never a ``ZeroDivisionError``), raised
before anything is measured or drawn; so is a file whose folder does not exist.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
import torch
from helpers import run_python
from torch import nn

from torch_flops_core import FlopsResult, count_flops
from torch_flops_core.cli import UsageError
from torch_flops_core.errors import PlotError
from torch_flops_core.results import module_rows
from torch_flops_core.views.plot import plot_modules, plot_sweep
from torch_flops_core.views.roofline import (
    SPREAD_NOTE,
    Peaks,
    measure_peaks,
    plot_roofline,
    roofline_points,
    spread_note,
)

MEASURING_TAKES = 0.5  # s: measure_peaks' default (a warm-up and five repeats of 0.05 s, for the matmul and the copy)


@pytest.fixture(scope="module")
def on_cpu() -> FlopsResult:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8))
    return count_flops(model, torch.randn(16, 64))


@pytest.mark.parametrize("value", [0, 0.0, -1e12, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("which", ["peak_flops", "peak_bandwidth"])
def test_a_roof_that_is_not_a_positive_finite_number_is_refused(
    on_cpu: FlopsResult, which: str, value: float, tmp_path: Path
) -> None:
    path = tmp_path / "r.png"
    flops, bandwidth = (value, 2e10) if which == "peak_flops" else (1e11, value)
    with pytest.raises(PlotError, match=rf"^{which} must be a positive finite number") as raised:
        on_cpu.roofline(path, peak_flops=flops, peak_bandwidth=bandwidth)
    assert isinstance(raised.value, ValueError) and not isinstance(raised.value, UsageError)
    assert not path.exists()


@pytest.mark.parametrize("value", ["1e12", True, [1e12]])
def test_a_roof_that_is_not_a_number_is_refused(on_cpu: FlopsResult, value: object) -> None:
    with pytest.raises(PlotError, match="peak_flops must be a number of FLOP/s"):
        on_cpu.roofline(peak_flops=value, peak_bandwidth=2e10)  # type: ignore[arg-type]


def test_a_zero_bandwidth_roof_is_refused_before_measuring(on_cpu: FlopsResult) -> None:
    start = time.perf_counter()
    with pytest.raises(PlotError, match="peak_bandwidth must be a positive finite number"):
        on_cpu.roofline(peak_bandwidth=0)  # the FLOP/s roof is to be measured: it is not
    assert time.perf_counter() - start < MEASURING_TAKES


def test_a_missing_folder_is_a_library_error_raised_before_measuring(on_cpu: FlopsResult, tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "roofline.png"
    start = time.perf_counter()
    with pytest.raises(PlotError, match=r"the folder .* does not exist") as raised:
        on_cpu.roofline(path)
    assert time.perf_counter() - start < MEASURING_TAKES
    assert "--plot" not in str(raised.value) and str(path) in str(raised.value)
    with pytest.raises(PlotError, match="it is a folder"):
        on_cpu.roofline(tmp_path, peak_flops=1e11, peak_bandwidth=2e10)


def test_the_other_charts_raise_the_library_error_too(on_cpu: FlopsResult, tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "chart.png"
    with pytest.raises(PlotError, match="does not exist"):
        plot_modules(module_rows(on_cpu, 1), missing, title="t", total=on_cpu.total)
    with pytest.raises(PlotError, match="does not exist"):
        plot_sweep([1, 2], [10, 20], missing, title="t", xlabel="size")


@pytest.mark.slow  # writes an svg
def test_a_point_without_a_finite_place_is_left_out(tmp_path: Path) -> None:
    torch.manual_seed(0)
    result = count_flops(nn.Sequential(nn.Linear(32, 32), nn.Linear(32, 32)), torch.randn(8, 32))
    first = next(r for r in result.ops if r.kind == "call_module")
    first.time_ms = math.nan  # a broken timer: NaN FLOP/s must not reach matplotlib
    points, left_out = roofline_points(result)
    assert [p.label for p in points] == ["1"] and left_out == 1
    path = tmp_path / "r.svg"
    result.roofline(path, peak_flops=1e11, peak_bandwidth=2e10)
    assert path.read_text().lstrip().startswith("<?xml")


@pytest.mark.slow  # a fresh interpreter
def test_matplotlib_missing_is_a_library_error() -> None:
    done = run_python(
        """
        import sys
        sys.modules["matplotlib"] = None  # as if matplotlib were not installed
        import torch
        from torch_flops_core import count_flops
        from torch_flops_core.errors import PlotError
        result = count_flops(torch.nn.Linear(4, 4), torch.randn(2, 4))
        try:
            result.roofline(peak_flops=1e11, peak_bandwidth=2e10)
        except PlotError as exc:
            print("PlotError:", exc)
        """
    )
    assert "PlotError: drawing a chart needs matplotlib" in done.stdout, done.stdout + done.stderr
    assert "pip install 'torch-flops-core[plot]'" in done.stdout


# -- measuring ---------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::torch_flops_core.errors.PeaksWarning")  # a busy machine: a note, no error
def test_peaks_are_the_best_of_timed_repeats_after_a_warm_up() -> None:
    peaks = measure_peaks("cpu", seconds=0.1, repeats=4)
    assert len(peaks.flops_runs) == 4 and len(peaks.bandwidth_runs) == 4
    assert peaks.flops == max(peaks.flops_runs) and peaks.bandwidth == max(peaks.bandwidth_runs)
    assert peaks.flops_spread == 1 - min(peaks.flops_runs) / max(peaks.flops_runs)
    assert "best of 4, spread" in peaks.flops_source and "best of 4, spread" in peaks.bandwidth_source
    with pytest.raises(PlotError, match="repeats must be a positive int"):
        measure_peaks("cpu", repeats=0)
    with pytest.raises(PlotError, match="seconds must be a positive finite number"):
        measure_peaks("cpu", seconds=math.nan)


def test_repeats_that_disagree_make_a_note() -> None:
    fast, slow = 100e9, 100e9 * (1 - SPREAD_NOTE) * 0.99  # the slowest more than SPREAD_NOTE below the fastest
    note = spread_note("matmul", [fast, slow, fast], "FLOP/s")
    assert note is not None and note.startswith("the 3 repeats of the matmul disagree") and "100 G" in note
    assert spread_note("matmul", [fast, fast * 0.9], "FLOP/s") is None


def test_notes_of_the_peaks_are_drawn_on_the_chart(on_cpu: FlopsResult) -> None:
    peaks = Peaks(1e11, 2e10, "measured", "measured", (1e11, 4e10), (2e10, 2e10), ("the machine was busy",))
    figure = plot_roofline(on_cpu, peaks=peaks)
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert "note: the machine was busy" in texts
    with pytest.raises(PlotError, match=r"peaks\.flops must be a positive finite number"):
        plot_roofline(on_cpu, peaks=Peaks(0.0, 2e10, "given", "given"))


# -- torch's random streams ----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::torch_flops_core.errors.PeaksWarning")
def test_measuring_peaks_leaves_the_global_random_stream_as_it_was() -> None:
    torch.manual_seed(1234)
    expected = torch.randn(5)
    torch.manual_seed(1234)
    measure_peaks("cpu", seconds=0.05, repeats=2)
    assert torch.equal(torch.randn(5), expected)  # the same draws as if nothing had been measured


@pytest.mark.slow  # measures the peaks (half a second) and draws
@pytest.mark.filterwarnings("ignore::torch_flops_core.errors.PeaksWarning")
def test_a_roofline_with_measured_peaks_leaves_the_random_stream_as_it_was(on_cpu: FlopsResult) -> None:
    torch.manual_seed(99)
    expected = torch.rand(3)
    torch.manual_seed(99)
    on_cpu.roofline()
    assert torch.equal(torch.rand(3), expected)
