"""The eager engine: same rules and totals as fx, Python control flow, nothing left behind."""

from __future__ import annotations

import operator
import warnings

import pytest
import timm
import torch
import torch.nn.functional as F
from helpers import calls
from opaque_ops import opaque
from timm.models.vision_transformer import Block
from torch import nn

from torch_flops_core import (
    Call,
    Registry,
    RuleError,
    TracingError,
    count_flops,
    hookimpl,
)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
        self.register_buffer("proj", torch.ones(4, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn(self.conv(x)))
        y = y.sum((2, 3)) / (y.shape[2] * y.shape[3])
        return (self.fc(y) + 1).softmax(-1) @ self.proj


def test_eager_counts_what_fx_counts_op_by_op() -> None:
    x = torch.randn(2, 3, 6, 6)
    fx, eager = count_flops(Net().eval(), x, engine="fx"), count_flops(Net().eval(), x, engine="eager")
    assert (fx.engine, eager.engine) == ("fx", "eager")
    assert eager.total == fx.total and eager.total_macs == fx.total_macs
    assert eager.unrecognized_targets() == fx.unrecognized_targets()
    # the same ops in the same order; an operator may be spelled as its method (Tensor.add) in eager
    counted = [(r.module_path, r.flops, r.macs) for r in calls(eager) if r.flops]
    assert counted == [(r.module_path, r.flops, r.macs) for r in calls(fx) if r.flops]


def test_modules_with_a_rule_are_counted_once_and_records_carry_paths_in_call_order() -> None:
    result = count_flops(Net().eval(), torch.randn(1, 3, 6, 6), engine="eager")
    modules = [(r.name, r.module_path, r.module_type) for r in result.ops if r.kind == "call_module"]
    assert modules == [("conv", "conv", "Conv2d"), ("bn", "bn", "BatchNorm2d"), ("fc", "fc", "Linear")]
    # what runs inside conv/bn/fc (F.conv2d, F.batch_norm, F.linear) is not counted again
    assert not any(r.target_name in ("torch.conv2d", "torch.nn.functional.linear") for r in result.ops)
    kinds = [(r.kind, r.target_name) for r in calls(result)]
    assert kinds[:4] == [
        ("call_module", "conv"),
        ("call_module", "bn"),
        ("call_function", "torch.nn.functional.relu"),
        ("call_method", "sum"),
    ]


def test_spellings_match_the_fx_engine() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        return (1 - x) * 2 + x[0] + x.shape[0]

    result = count_flops(f, torch.randn(3, 4), engine="eager")
    spelled = [(r.kind, r.target) for r in calls(result)]
    assert ("call_function", operator.sub) in spelled  # Tensor.__rsub__, operands in source order
    assert ("call_function", operator.getitem) in spelled  # Tensor.__getitem__
    assert ("call_function", getattr) in spelled  # x.shape
    sub = next(r for r in calls(result) if r.target is operator.sub)
    assert sub.flops == 12


def test_data_dependent_control_flow_counts_the_branch_taken() -> None:
    class Gate(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.sum() > 0:
                return torch.exp(x) * 2
            return x - 1

    with pytest.raises(TracingError):
        count_flops(Gate(), torch.ones(5), engine="fx")
    positive = count_flops(Gate(), torch.ones(5), engine="eager")
    negative = count_flops(Gate(), -torch.ones(5), engine="eager")
    # sum (4 adds) and gt (1 compare) first; then exp + mul (5 + 5) or sub (5)
    assert positive.total - negative.total == 5
    # x * 2 reaches the engine as Tensor.mul: eager records the method, fx records operator.mul
    assert {r.target_name for r in calls(positive)} >= {"torch.exp", "mul"}
    assert "sub" in {r.target_name for r in calls(negative)}


def test_the_default_engine_runs_the_model_and_says_nothing() -> None:
    class Gate(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.sum() > 0 else x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = count_flops(Gate(), torch.ones(3))
        traceable = count_flops(Net(), torch.randn(1, 3, 6, 6))
    assert result.engine == traceable.engine == "eager"
    assert result.notes == [] and result.total == 2 + 1 + 3  # sum, > 0, mul: the branch taken


@pytest.mark.parametrize("name", ["resnet18", "vit_tiny_patch16_224"])
def test_timm_models_count_the_same_in_both_engines_on_meta(name: str) -> None:
    with torch.device("meta"):
        model = timm.create_model(name, pretrained=False).eval()
        x = torch.randn(1, 3, 224, 224)
    fx, eager = count_flops(model, x, engine="fx"), count_flops(model, x, engine="eager")
    assert fx.unrecognized == [] and eager.unrecognized == []
    assert eager.total == fx.total > 0


def test_cpu_and_meta_count_the_same_eagerly() -> None:
    cpu = count_flops(Net().eval(), torch.randn(1, 3, 6, 6), engine="eager")
    with torch.device("meta"):
        model, x = Net().eval(), torch.randn(1, 3, 6, 6)
    assert count_flops(model, x, engine="eager").total == cpu.total


def test_fx_counts_library_helpers_it_cannot_enter_by_their_torch_calls() -> None:
    """timm wraps helpers with torch.fx.wrap; without a rule they are run and counted eagerly."""
    block = Block(64, num_heads=2, qkv_bias=True).eval()
    block.attn.fused_attn = False
    x = torch.randn(1, 5, 64)
    fx = count_flops(block, x, engine="fx")
    assert fx.unrecognized == []
    helpers = [r for r in fx.ops if r.name.startswith(("maybe_add_mask", "resolve_self_attn_mask"))]
    assert helpers and all(r.flops == 0 for r in helpers)  # no mask given: no torch call inside
    assert count_flops(block, x, engine="eager").total == fx.total


def test_hooks_and_mode_are_removed_even_when_the_forward_raises() -> None:
    class Boom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise RuntimeError("user code failed")

    model = Boom()
    with pytest.raises(RuntimeError, match="user code failed"):
        count_flops(model, torch.randn(1, 3), engine="eager")
    for m in model.modules():
        assert not m._forward_hooks and not m._forward_pre_hooks
    assert not torch.overrides._get_current_function_mode_stack()
    assert torch.is_grad_enabled()


def test_rule_errors_name_the_module_path_in_eager() -> None:
    class Exploding:
        name = "exploding"

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            @registry.module(nn.Linear)
            def explode(call: Call) -> int:
                raise ValueError("nope")

    with pytest.raises(RuleError) as info:
        count_flops(Net(), torch.randn(1, 3, 6, 6), engine="eager", plugins=[Exploding()])
    assert (info.value.op, info.value.module_path, info.value.plugin) == ("Linear", "fc", "exploding")
    assert "ValueError: nope" in str(info.value)


def test_ignore_ops_and_unrecognized_ops_in_eager() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        return opaque(x) @ x.T

    result = count_flops(f, torch.randn(3, 3), engine="eager", ignore_ops=[torch.matmul])
    assert [r.target_name for r in result.unrecognized] == ["torch.ops.torch_flops_tests.opaque.default"]
    assert [r.status for r in calls(result) if r.target_name == "matmul"] == ["ignored"]
    assert result.total == 0


def test_a_module_called_twice_and_a_shared_module_are_counted_each_time() -> None:
    shared = nn.Linear(4, 4)

    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = shared, shared

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(self.a(x))

    result = count_flops(Twice(), torch.randn(1, 4), engine="eager")
    linears = [r for r in result.ops if r.kind == "call_module"]
    assert len(linears) == 2 and all(r.module_path == "a" for r in linears)  # first path, as FX names it
    assert result.total == 2 * ((2 * 4 - 1) * 4 + 4)
