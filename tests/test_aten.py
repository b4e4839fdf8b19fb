"""The aten engine and the aten pack: every aten op the dispatcher runs, counted with the same convention.

Two independent counts must agree: the default engine (module and function rules) and the aten engine
(aten rules, below the Python API, after composite functions decomposed). MACs agree exactly; FLOPs
differ only where the conventions say why (docs/conventions.md, "aten pack").
"""

from __future__ import annotations

import math

import pytest
import torch
from helpers import flop_counter_mode
from torch import nn
from zoo_models import MODELS

from torch_flops_core import count_flops
from torch_flops_core.module_events import _local


def test_linear_5_to_4_is_the_seeds_40_at_the_aten_level() -> None:
    result = count_flops(nn.Linear(5, 4), torch.randn(1, 5), engine="aten")
    assert result.engine == "aten"
    assert [(r.target_name, r.flops) for r in result.ops] == [
        ("torch.ops.aten.t.default", 0),
        ("torch.ops.aten.addmm.default", 40),  # (2·5 − 1)·4 + 4
    ]
    assert {r.module_path for r in result.ops} == {""} and result.total_macs == 20


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(torch.relu(self.fc(x))).softmax(-1)


def test_records_carry_the_innermost_module_and_the_model_is_left_as_it_was() -> None:
    model = nn.Sequential(Block()).train()
    result = count_flops(model, torch.randn(2, 8), engine="aten")
    by_op = {r.target_name.split(".")[-2]: r for r in result.ops}
    assert (by_op["addmm"].module_path, by_op["addmm"].module_type) == ("0.fc", "Linear")
    assert (by_op["native_layer_norm"].module_path, by_op["native_layer_norm"].flops) == ("0.norm", 4 * 16)
    assert (by_op["relu"].module_path, by_op["_softmax"].module_path) == ("0", "0")
    n = 16
    assert result.total == (2 * 8 - 1) * n + n + n + 4 * n + (2 * n + 7 * 2)  # addmm, relu, norm, softmax
    assert model.training and result.unrecognized == []


def test_the_mode_is_popped_and_the_model_restored_when_forward_raises() -> None:
    class Boom(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.seen = (x * 2).sum()
            raise RuntimeError("boom")

    model = Boom()
    with pytest.raises(RuntimeError, match="boom"):
        count_flops(model, torch.randn(3), engine="aten")
    assert "seen" not in model.__dict__
    assert not getattr(_local, "stack", [])
    assert torch.randn(2) * 2 is not None  # no mode left: plain ops run


@pytest.mark.parametrize(
    ("fn", "args", "bias"),
    [
        pytest.param(torch.mm, ((7, 5), (5, 3)), False, id="mm"),
        pytest.param(lambda a, b, c: torch.addmm(c, a, b), ((7, 5), (5, 3), (3,)), True, id="addmm"),
        pytest.param(torch.bmm, ((2, 7, 5), (2, 5, 3)), False, id="bmm"),
        pytest.param(lambda a, b, c: torch.baddbmm(c, a, b), ((2, 7, 5), (2, 5, 3), (2, 7, 3)), True, id="baddbmm"),
        pytest.param(nn.Conv2d(4, 6, 3), ((1, 4, 9, 9),), True, id="conv"),
        pytest.param(nn.Conv2d(4, 6, 3, bias=False), ((1, 4, 9, 9),), False, id="conv-no-bias"),
    ],
)
def test_contractions_agree_with_flop_counter_mode_where_it_is_right(fn: object, args: tuple, bias: bool) -> None:
    """Independent check: exact FLOPs = FlopCounterMode's 2·MACs − numel(out) (+ numel(out) with a bias)."""
    inputs = [torch.randn(shape) for shape in args]
    result = count_flops(fn, *inputs, engine="aten")  # type: ignore[arg-type]
    with torch.no_grad():
        out = fn(*inputs)  # type: ignore[operator]
    assert result.total == flop_counter_mode(fn, *inputs) - out.numel() + (out.numel() if bias else 0)
    assert 2 * result.total_macs == flop_counter_mode(fn, *inputs)


def test_a_transposed_and_a_grouped_convolution_count_as_the_module_rules() -> None:
    for module, shape in (
        (nn.ConvTranspose2d(4, 6, 3, stride=2), (1, 4, 5, 5)),
        (nn.Conv2d(8, 8, 3, groups=8), (1, 8, 7, 7)),
    ):
        x = torch.randn(shape)
        aten, default = count_flops(module, x, engine="aten"), count_flops(module, x)
        assert (aten.total, aten.total_macs) == (default.total, default.total_macs)


@pytest.mark.slow
@pytest.mark.parametrize(("build", "name"), MODELS)
def test_zoo_model_aten_count_agrees_with_the_default_count(build: object, name: str) -> None:
    model, x = build(name)  # type: ignore[operator]
    default = count_flops(model, x, measure_time=False)
    aten = count_flops(model, x, engine="aten", measure_time=False)
    assert aten.unrecognized_targets() == {}
    assert aten.total_macs == default.total_macs
    assert math.isclose(aten.total, default.total, rel_tol=0.01)  # differences: docs/conventions.md, aten pack
