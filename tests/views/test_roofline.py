"""Rooflines, notebooks and the command line's roofline view (issue 16)."""

from __future__ import annotations

import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import run_python
from opaque_ops import opaque
from torch import nn

from torch_flops_core import FlopsResult, count_flops
from torch_flops_core.cli import main
from torch_flops_core.views.roofline import measure_peaks, roofline_points


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def resnet50_on_cpu() -> FlopsResult:
    import timm

    torch.manual_seed(0)
    model = timm.create_model("resnet50", pretrained=False).eval()
    return count_flops(model, torch.randn(1, 3, 224, 224))


def test_a_resnet50_roofline_on_cpu_is_an_800_by_500_png(resnet50_on_cpu: FlopsResult, tmp_path: Path) -> None:
    path = tmp_path / "roofline.png"
    figure = resnet50_on_cpu.roofline(path)  # peaks measured on the spot
    assert png_size(path) == (800, 500)
    texts = " ".join(t.get_text() for ax in figure.axes for t in ax.texts)
    assert "measured: 1024×1024 float32 matmul" in texts and "MiB copy" in texts
    points, left_out = roofline_points(resnet50_on_cpu)
    assert len(points) + left_out == sum(1 for r in resnet50_on_cpu.ops if r.kind.startswith("call_"))
    convs = [p for p in points if p.contraction]
    assert len(convs) == 54  # 53 convolutions and the classifier
    svg = tmp_path / "modules.svg"
    resnet50_on_cpu.roofline(svg, by="module", depth=2, peak_flops=1e11, peak_bandwidth=2e10)
    assert svg.read_text().lstrip().startswith("<?xml")


def test_peaks_are_measured_or_given() -> None:
    peaks = measure_peaks("cpu", seconds=0.05)
    assert peaks.flops > 1e8 and peaks.bandwidth > 1e8
    with pytest.raises(ValueError, match="nothing runs there"):
        measure_peaks("meta")


def test_a_roofline_needs_measured_times_and_a_known_view() -> None:
    on_meta = count_flops(nn.Linear(8, 8).to("meta"), torch.randn(2, 8, device="meta"))
    with pytest.raises(ValueError, match="count the model on cpu or cuda"):
        on_meta.roofline()
    on_cpu = count_flops(nn.Linear(8, 8), torch.randn(2, 8))
    with pytest.raises(ValueError, match="by must be 'op' or 'module'"):
        on_cpu.roofline(by="layer")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.highlighted: list[str] = []
        self._in_highlight = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr" and any(k == "style" and "background" in (v or "") for k, v in attrs):
            self._in_highlight += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._in_highlight:
            self._in_highlight -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_highlight:
            self.highlighted.append(data)


class WithOpaque(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return opaque(self.fc(x)).relu()


def test_a_result_renders_itself_as_html_in_a_notebook() -> None:
    result = count_flops(WithOpaque(), torch.randn(4, 16))
    parser = _Collect()
    parser.feed(result._repr_html_())
    text = " ".join(parser.text)
    assert f"{result.total:,} FLOPs" in text
    top = max((r for r in result.ops if r.kind.startswith("call_")), key=lambda r: r.flops if r.recognized else -1)
    assert top.name in text and top.name == "fc"
    assert "torch_flops_tests.opaque" in " ".join(parser.highlighted)  # the unknown op, in a highlighted row
    assert "not recognized" in text


def test_to_pandas_has_one_row_per_op() -> None:
    result = count_flops(WithOpaque(), torch.randn(4, 16))
    frame = result.to_pandas()
    assert len(frame) == len(result.ops)
    assert {"flops", "macs", "bytes", "intensity", "phase", "module_path"} <= set(frame.columns)
    assert frame["flops"].sum() == result.total and frame["bytes"].sum() == result.total_bytes
    assert frame["flops"].isna().sum() == 1  # the op no rule knows


def test_to_pandas_without_pandas_says_what_to_install() -> None:
    done = run_python(
        """
        import sys
        sys.modules["pandas"] = None  # as if pandas were not installed
        import torch
        from torch_flops_core import count_flops
        try:
            count_flops(torch.nn.Linear(2, 2), torch.randn(1, 2)).to_pandas()
        except ImportError as exc:
            print(exc)
        """
    )
    assert "pip install 'torch-flops-core[pandas]'" in done.stdout, done.stdout + done.stderr


def test_the_command_line_draws_a_roofline_and_refuses_one_on_meta(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "roofline.png"
    args = ["count", "torchvision:resnet18", "--device", "cpu", "--roofline", "--plot", str(path)]
    assert main([*args, "--peak-flops", "1e11", "--peak-bandwidth", "2e10", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert png_size(path) == (800, 500)
    assert out.splitlines()[1].split()[-4:] == ["bytes", "FLOP/B", "FLOP/s", "B/s"]
    assert out.splitlines()[-1].startswith("bytes: ")
    assert main(["count", "torchvision:resnet18", "--roofline", "--plot", str(tmp_path / "x.png")]) == 2
    assert "add --device cpu" in capsys.readouterr().err
    assert main(["count", "torchvision:resnet18", "--peak-flops", "1e12"]) == 2
    assert "add --roofline --plot" in capsys.readouterr().err
    assert main(["count", "torchvision:resnet18", "--roofline", "--plot", "r.png", "--peak-flops", "-1"]) == 2


def test_json_and_module_rows_carry_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["count", "torchvision:resnet18", "--format", "json", "--by-module", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "torch-flops/4" and data["total_bytes"] == sum(op["bytes"] or 0 for op in data["ops"])
    modules: list[dict[str, Any]] = data["by_module"]["modules"]
    assert sum(m["bytes"] for m in modules) == data["total_bytes"]
    assert all(op["flop_s"] is None for op in data["ops"])  # on meta: no rates
