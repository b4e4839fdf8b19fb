"""The seed's ``TorchFLOPsByFX`` keeps working as a thin layer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
import torch.fx
from opaque_ops import opaque
from torch import nn

from torch_flops_core import TorchFLOPsByFX


class SimpleModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(5, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer(x)
        x += 1.0
        return x


SEED_HEADER = [
    "node_name", "node_op", "op_target", "nn_module_stack[-1]", "flops",
    "time(ms)", "mem_before_op(B)", "mem_after_op(B)", "mem_delta(B)",
]  # fmt: skip


def test_three_line_usage_counts_the_seed_figure(capsys: pytest.CaptureFixture[str]) -> None:
    flops_counter = TorchFLOPsByFX(SimpleModel())
    flops_counter.propagate(torch.randn(1, 5))
    total_flops = flops_counter.print_total_flops(show=True)
    assert total_flops == 44
    assert capsys.readouterr().out == "total_flops =  44\n"  # the seed pads to width 3: {total:3,}
    assert isinstance(flops_counter.graph_model, torch.fx.GraphModule)


def test_result_table_has_the_seed_columns_and_rows() -> None:
    counter = TorchFLOPsByFX(SimpleModel())
    counter.propagate(torch.randn(1, 5))
    assert counter.result_header == SEED_HEADER
    rows = {row[0]: row for row in counter.result_table}
    assert rows["layer"][1:5] == ["call_module", "layer", "Linear", 40]
    assert rows["add"][1:5] == ["call_function", "<built-in function add>", "", 4]
    assert rows["x"][4] == 0 and rows["output"][4] == 0
    assert counter.print_result_table(show=False) is counter.result_table  # 0.4.1 returns its rows


def test_print_result_table_prints_the_seed_table(capsys: pytest.CaptureFixture[str]) -> None:
    counter = TorchFLOPsByFX(SimpleModel())
    counter.propagate(torch.randn(1, 5))
    result_table = counter.print_result_table()  # the seed README's spelling
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == SEED_HEADER
    assert len(result_table) == len(counter.result_table) == 4  # x, layer, add, output


def test_ignored_and_unrecognized_cells_use_the_seed_words() -> None:

    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(5, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return opaque(self.layer(x))

    counter = TorchFLOPsByFX(M(), ignore_ops=["Linear"])
    counter.propagate(torch.randn(1, 5))
    cells = {row[2]: row[4] for row in counter.result_table}
    assert cells["layer"] == "ignored"
    assert cells["torch_flops_tests.opaque.default"] == "not_recognized"
    assert counter.print_total_flops(show=False) == 0


def test_time_memory_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counter = TorchFLOPsByFX(SimpleModel())
    with pytest.raises(RuntimeError, match="propagate"):
        counter.print_total_flops()
    counter.propagate(torch.randn(1, 5))
    assert counter.print_total_time(show=False) >= 0.0
    assert counter.print_max_memory(show=True) is None  # memory is measured on CUDA only
    assert "CUDA only" in capsys.readouterr().out
    path = tmp_path / "result.csv"
    counter.save_result_to_csv(path)
    counter.save_result_to_csv(path)  # mode "a" appends, as in the seed
    rows = list(csv.reader(path.open()))
    assert rows[0] == SEED_HEADER and len(rows) == 2 * (1 + len(counter.result_table))


def test_it_counts_in_eval_mode_as_0_4_1_and_puts_the_training_flag_back() -> None:
    class Branchy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(5, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.layer(x)
            return x * 2 if self.training else x  # 0.4.1 counts the eval branch

    model = Branchy().train()
    counter = TorchFLOPsByFX(model)
    counter.propagate(torch.randn(1, 5))
    assert counter.print_total_flops(show=False) == 40
    assert model.training and model.layer.training


def test_the_seed_readme_resnet50_figure_from_a_training_mode_timm_model() -> None:
    """The seed's example1.py: timm's resnet50 as create_model returns it (training mode), under no_grad."""
    import timm

    with torch.device("meta"):
        resnet = timm.create_model("resnet50", pretrained=False)
        x = torch.randn(1, 3, 224, 224)
    assert resnet.training
    with torch.no_grad():
        flops_counter = TorchFLOPsByFX(resnet)
        flops_counter.propagate(x)
        total_flops = flops_counter.print_total_flops(show=False)
    assert total_flops == 8_227_340_288
    assert resnet.training and all(m.training for m in resnet.modules())


def test_the_default_memory_function_is_0_4_1s() -> None:
    assert TorchFLOPsByFX(SimpleModel()).mem_func_name == "max_memory_allocated"


def test_bad_memory_function_name_is_refused() -> None:
    with pytest.raises(ValueError, match="mem_func_name"):
        TorchFLOPsByFX(SimpleModel(), mem_func_name="free_memory")


def test_propagate_fills_defaults_of_forward() -> None:
    class WithDefault(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(5, 4)

        def forward(self, x: torch.Tensor, scale: float = 2.0) -> torch.Tensor:
            return self.layer(x) * scale

    counter = TorchFLOPsByFX(WithDefault())
    counter.propagate(torch.randn(1, 5))
    assert counter.print_total_flops(show=False) == 40 + 4
