"""A module rule covers a subclass only while the subclass keeps its base's ``forward``.

A subclass that overrides ``forward`` does more than its base (timm's ``BatchNormAct2d`` is a
``BatchNorm2d`` that also applies an activation): it is traced into and counted by what it runs.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from timm.layers import BatchNormAct2d, StdConv2d
from torch import nn

from torch_flops_core import Call, Registry, TracingError, count_flops, get_plugins, hookimpl

ENGINES = ["auto", "fx", "eager"]
N = 1 * 8 * 4 * 4  # numel of the 1×8×4×4 input


class MyBN(nn.BatchNorm2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).exp() * 3


class PlainBN(nn.BatchNorm2d):
    """A subclass that keeps BatchNorm2d's forward: the nn rule still counts it whole."""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_subclass_that_overrides_forward_counts_what_its_forward_adds(engine: Any) -> None:
    # In a container: fx cannot trace into BatchNorm's input checks, so it runs MyBN eagerly, as a leaf.
    result = count_flops(nn.Sequential(MyBN(8)).eval(), torch.randn(1, 8, 4, 4), engine=engine)
    assert result.total == 4 * N + N + N  # batch norm in eval (normalise 2, weight, bias), exp, × 3
    assert not [r for r in result.ops if r.kind == "call_module"]
    assert {r.plugin for r in result.ops if r.kind.startswith("call_")} == {"functional"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_subclass_that_keeps_forward_is_counted_by_its_bases_rule(engine: Any) -> None:
    result = count_flops(PlainBN(8).eval(), torch.randn(1, 8, 4, 4), engine=engine)
    (op,) = [r for r in result.ops if r.kind.startswith("call_")]
    assert (op.kind, op.module_type, op.plugin, op.flops) == ("call_module", "PlainBN", "nn", 4 * N)


@pytest.mark.parametrize("engine", ENGINES)
def test_timm_batchnormact_counts_its_activation_like_batchnorm_then_silu(engine: Any) -> None:
    x = torch.randn(1, 8, 4, 4)
    fused = count_flops(BatchNormAct2d(8, act_layer=nn.SiLU).eval(), x, engine=engine)
    separate = count_flops(nn.Sequential(nn.BatchNorm2d(8), nn.SiLU()).eval(), x, engine=engine)
    assert fused.total == separate.total == 4 * N + 4 * N  # BatchNorm 4 per element, SiLU 4 (x·sigmoid(x))


def test_timm_stdconv2d_counts_its_weight_standardisation() -> None:
    conv = StdConv2d(4, 8, 3).eval()  # padding 1
    x = torch.randn(1, 4, 6, 6)
    out = 1 * 8 * 6 * 6
    for engine in ENGINES:
        result = count_flops(conv, x, engine=engine)
        # F.batch_norm standardises the 8×36 weight (subtract the mean, divide by the std: 2 per element,
        # no affine), then the convolution without bias: (2·Cin·k² − 1)·N.
        assert result.total == 2 * 8 * 36 + (2 * 4 * 9 - 1) * out
        assert result.total_macs == 4 * 9 * out


def test_a_forward_assigned_on_the_instance_is_run_not_ruled() -> None:
    layer = nn.Linear(4, 3)
    layer.forward = lambda x: nn.Linear.forward(layer, x) * 2  # type: ignore[method-assign]
    expected = (2 * 4 - 1) * 6 + 6 + 6  # F.linear with bias, then × 2
    assert count_flops(layer, torch.randn(2, 4)).total == expected
    wrapper = nn.Sequential(layer)  # as a submodule, fx traces the instance's forward too
    assert count_flops(wrapper, torch.randn(2, 4), engine="fx").total == expected
    with pytest.raises(TracingError, match="forward assigned on the instance"):
        count_flops(layer, torch.randn(2, 4), engine="fx")  # torch.fx traces a root by its class


def test_a_plugin_can_claim_the_subclass_itself() -> None:
    class Claims:
        name = "mine"

        @hookimpl
        def torch_flops_register_rules(self, registry: Registry) -> None:
            @registry.module(MyBN)
            def my_bn(call: Call) -> int:
                """Six per element: normalise (2), weight, bias, exp, × 3."""
                return 6 * call.output.numel()

    for engine in ENGINES:
        result = count_flops(MyBN(8).eval(), torch.randn(1, 8, 4, 4), engine=engine, plugins=[Claims()])
        (op,) = [r for r in result.ops if r.kind.startswith("call_")]
        assert (op.kind, op.plugin, op.flops) == ("call_module", "mine", 6 * N)


def test_the_table_lists_the_classes_a_module_rule_covers() -> None:
    table = get_plugins().table
    entry = table.module_rule(nn.BatchNorm2d)
    assert entry is not None and entry.plugin == "nn"
    covered = table.covered_classes(entry)
    assert nn.BatchNorm2d in covered and PlainBN in covered
    assert MyBN not in covered and BatchNormAct2d not in covered
    assert table.module_rule(MyBN) is None and table.module_rule(BatchNormAct2d) is None


def test_torch_flops_rules_shows_the_subclasses_a_module_rule_covers() -> None:
    from torch_flops_core.cli import rule_rows

    rows = {(r["plugin"], r["target"]): r for r in rule_rows(get_plugins().table)}
    batch_norm = rows[("nn", "torch.nn.modules.batchnorm.BatchNorm2d")]
    assert f"{__name__}.PlainBN" in batch_norm["subclasses"]
    assert f"{__name__}.MyBN" not in batch_norm["subclasses"]
    assert "timm.layers.norm_act.BatchNormAct2d" not in batch_norm["subclasses"]
    linear = rows[("nn", "torch.nn.modules.linear.Linear")]
    assert linear["also_covers"] == "LazyLinear, NonDynamicallyQuantizableLinear"
    assert rows[("functional", "operator.matmul")]["subclasses"] == []
