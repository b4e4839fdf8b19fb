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
from torch_flops_core.engines.module_events import thread_listeners


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
    assert not getattr(thread_listeners, "stack", [])
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


def core_aten_opset() -> list[torch._ops.OpOverload]:
    """Every overload of PyTorch's Core ATen opset (tag ``core``), from the dispatcher's list of op names
    (``dir(torch.ops.aten)`` lists only the packets already loaded)."""
    found = []
    for qualified in torch._C._dispatch_get_all_op_names():
        if not qualified.startswith("aten::"):
            continue
        packet, _, overload = qualified.removeprefix("aten::").partition(".")
        try:
            op = getattr(getattr(torch.ops.aten, packet), overload or "default")
        except (AttributeError, RuntimeError):
            continue
        if torch.Tag.core in op.tags:
            found.append(op)
    return found


LEFT_UNRECOGNIZED: dict[str, str] = {}
"""Core ATen ops deliberately without a rule, with the reason (none: every op can be counted)."""


def test_every_core_aten_op_has_a_rule() -> None:
    from torch_flops_core import get_plugins

    table = get_plugins().table
    opset = core_aten_opset()
    assert len(opset) >= 190  # 193 overloads in 164 packets in torch 2.14.1
    missing = [str(op) for op in opset if table.function_rule(op) is None and str(op) not in LEFT_UNRECOGNIZED]
    assert missing == []
    assert {table.function_rule(op).plugin for op in opset} == {"aten"}  # type: ignore[union-attr]


def conv_backward(mask: list[bool], groups: int = 1) -> object:
    def fn(dy: torch.Tensor, x: torch.Tensor, w: torch.Tensor) -> object:
        return torch.ops.aten.convolution_backward(
            dy, x, w, [w.shape[0]], [1, 1], [0, 0], [1, 1], False, [0, 0], groups, mask
        )

    return fn


def test_convolution_backward_counts_the_gradients_asked_for() -> None:
    """An ungrouped 3×3 conv, stride 1, no padding (every input position receives a product):
    exact = FlopCounterMode's 2·MACs per gradient − numel(result), and the bias gradient numel(dy) − C."""
    x, w = torch.randn(2, 4, 9, 9), torch.randn(6, 4, 3, 3)
    dy = torch.randn(2, 6, 7, 7)
    macs = dy.numel() * 4 * 9
    for mask, expected in (
        ([True, False, False], 2 * macs - x.numel()),
        ([False, True, False], 2 * macs - w.numel()),
        ([False, False, True], dy.numel() - 6),
        ([True, True, True], 2 * macs - x.numel() + 2 * macs - w.numel() + dy.numel() - 6),
    ):
        fn = conv_backward(mask)
        result = count_flops(fn, dy, x, w, engine="aten")
        assert result.total == expected, mask
    fcm = flop_counter_mode(conv_backward([True, True, False]), dy, x, w)
    assert count_flops(conv_backward([True, True, False]), dy, x, w, engine="aten").total == fcm - x.numel() - w.numel()


def test_a_depthwise_convolution_backward_is_not_over_counted() -> None:
    """torch's counter ignores groups in the weight gradient (×groups too much); the MACs here are the forward's."""
    x, w = torch.randn(1, 8, 9, 9), torch.randn(8, 1, 3, 3)
    dy = torch.randn(1, 8, 7, 7)
    macs = dy.numel() * 1 * 9  # forward MACs: numel(dy)·(Cin/groups)·k
    result = count_flops(conv_backward([False, True, False], groups=8), dy, x, w, engine="aten")
    assert (result.total, result.total_macs) == (2 * macs - w.numel(), macs)
    assert flop_counter_mode(conv_backward([False, True, False], groups=8), dy, x, w) == 8 * 2 * macs


def test_softmax_and_batch_norm_backward_count_their_formulas() -> None:
    dy, y = torch.randn(3, 4, 5), torch.randn(3, 4, 5)
    n, rows = 60, 12
    softmax = count_flops(
        lambda a, b: torch.ops.aten._softmax_backward_data(a, b, -1, torch.float32), dy, y, engine="aten"
    )
    assert softmax.total == 4 * n - rows  # y·(dy − Σ dy·y)
    x, w = torch.randn(2, 4, 3, 3), torch.randn(4)
    mean, invstd = torch.zeros(4), torch.ones(4)

    def bn_backward(train: bool, mask: list[bool]) -> object:
        return lambda dy, x: torch.ops.aten.native_batch_norm_backward(
            dy, x, w, mean, invstd, mean, invstd, train, 1e-5, mask
        )

    n, c = x.numel(), 4
    cases = (
        (True, [True, False, False], (10 + 1) * n - 2 * c),
        (False, [True, False, False], (1 + 1) * n),
        (True, [False, True, True], 2 * n - c + n - c),
    )
    for train, mask, expected in cases:
        assert count_flops(bn_backward(train, mask), torch.randn_like(x), x, engine="aten").total == expected


@pytest.mark.slow
def test_the_census_of_forward_and_backward_ops_finds_no_op_without_a_rule() -> None:
    """torch_flops_rules_aten/tools/census.py on a few models: every aten op forward + backward runs has a rule."""
    from helpers import ROOT, run_python

    out = run_python(
        f"""
        import runpy, sys
        sys.argv = ["census", "--models", "resnet18", "vit_small_patch16_224", "efficientnet_b0",
                    "mobilenetv3_large_100"]
        runpy.run_path({str(ROOT / "torch_flops_rules_aten" / "tools" / "census.py")!r}, run_name="__main__")
        """
    )
    assert out.stdout.startswith("0 ops without a rule:"), out.stdout[:2000]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet18", "vit_tiny_patch16_224"])
def test_an_exported_program_counts_to_the_modules_macs(name: str) -> None:
    import timm

    model = timm.create_model(name, pretrained=False).eval()
    x = torch.randn(1, 3, 224, 224)
    program = torch.export.export(model, (x,))
    result = count_flops(program, x)
    default = count_flops(model, x)
    assert result.engine == "aten" and result.unrecognized == []
    assert result.total_macs == default.total_macs
    assert math.isclose(result.total, default.total, rel_tol=0.01)
    assert {r.module_path.split(".")[0] for r in result.ops} >= {"", "head" if "vit" in name else "fc"}
    graph_module = program.run_decompositions().module(check_guards=False)  # an aten-level GraphModule
    assert count_flops(graph_module, x, engine="aten").total == result.total


@pytest.mark.slow
def test_the_command_line_counts_a_saved_program_and_refuses_a_bad_file(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    from pathlib import Path

    from torch_flops_core.cli import main

    folder = Path(str(tmp_path))
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5)).eval()
    x = torch.randn(1, 3, 8, 8)
    torch.export.save(torch.export.export(model, (x,)), folder / "tiny.pt2")
    assert main(["count", str(folder / "tiny.pt2"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["engine"] == "aten" and data["total"] == count_flops(model, x).total
    (folder / "bad.pt2").write_text("not a program")
    assert main(["count", str(folder / "bad.pt2")]) == 2
    assert "cannot load" in capsys.readouterr().err
