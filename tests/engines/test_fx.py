"""The FX engine: seed figures, inputs, leaves, module paths, strictness, ignores, rule errors."""

from __future__ import annotations

import operator
from typing import Any

import pytest
import torch
from opaque_ops import opaque
from torch import nn

from torch_flops_core import (
    NOT_RECOGNIZED,
    Call,
    Count,
    InputError,
    Registry,
    RuleError,
    TracingError,
    UnrecognizedOpsError,
    count_flops,
    hookimpl,
)

OPAQUE = "torch.ops.torch_flops_tests.opaque.default"


class SimpleModel(nn.Module):
    """The seed's compare.py model."""

    def __init__(self, add_one: bool = False, bias: bool = True) -> None:
        super().__init__()
        self.layer = nn.Linear(5, 4, bias=bias)
        self.add_one = add_one

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer(x)
        if self.add_one:
            x += 1.0
        return x


@pytest.mark.parametrize(
    ("add_one", "bias", "expected"),
    [(False, True, 40), (True, True, 44), (False, False, 36)],
)
def test_seed_compare_py_figures(add_one: bool, bias: bool, expected: int) -> None:
    """The seed's README: 40 FLOPs, 44 with ``x += 1.``, and 36 without bias."""
    assert count_flops(SimpleModel(add_one, bias), torch.randn(1, 5)).total == expected


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x).softmax(-1) * 2


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.Sequential(Block(), Block())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x) + x


def softmax_exact(n: int, size: int) -> int:
    return 2 * n + (size - 1) * (n // size)


def test_records_carry_module_path_type_plugin_and_rule() -> None:
    result = count_flops(Net(), torch.randn(2, 8), engine="fx")
    ops = {r.name: r for r in result.ops}
    fc = ops["blocks_0_fc"]
    assert (fc.kind, fc.target, fc.module_path) == ("call_module", "blocks.0.fc", "blocks.0.fc")
    assert fc.module_type == "Linear"
    assert (fc.plugin, fc.rule) == ("nn", "torch_flops_rules_nn.linear.linear")
    softmax = ops["softmax_1"]
    assert (softmax.kind, softmax.target, softmax.module_path, softmax.module_type) == (
        "call_method",
        "softmax",
        "blocks.1",
        "Block",
    )
    add = ops["add"]
    assert (add.kind, add.target, add.module_path) == ("call_function", operator.add, "")
    n = 2 * 8
    expected = 2 * ((2 * 8 - 1) * n + n + softmax_exact(n, 8) + n) + n
    assert result.total == expected
    assert result.total_macs == 2 * (8 * n)
    # Sequential and Block have no rule: never a call_module op of their own.
    assert {r.module_type for r in result.ops if r.kind == "call_module"} == {"Linear"}


def test_placeholders_and_output_are_listed_with_zero() -> None:
    result = count_flops(Net(), torch.randn(2, 8), engine="fx")
    kinds = [r.kind for r in result.ops]
    assert kinds[0] == "placeholder" and kinds[-1] == "output"
    assert result.ops[0].flops == 0 and result.ops[-1].flops == 0


def test_each_call_is_timed_and_memory_is_absent_off_cuda() -> None:
    result = count_flops(Net(), torch.randn(2, 8))
    for r in result.ops:
        if r.kind.startswith("call_"):
            assert isinstance(r.time_ms, float) and r.time_ms >= 0.0
        assert (r.mem_before, r.mem_after, r.mem_delta) == (None, None, None)
    untimed = count_flops(Net(), torch.randn(2, 8), measure_time=False)
    assert all(r.time_ms is None for r in untimed.ops)


def test_meta_counts_what_cpu_counts() -> None:
    torch.manual_seed(0)
    cpu = count_flops(Net(), torch.randn(3, 8))
    with torch.device("meta"):
        model, x = Net(), torch.randn(3, 8)
    meta = count_flops(model, x)
    assert meta.total == cpu.total
    assert [r.flops for r in meta.ops] == [r.flops for r in cpu.ops]


def test_a_model_without_parameters() -> None:
    class Arith(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return (a @ b) * 3 - 1

    result = count_flops(Arith(), torch.randn(4, 6), torch.randn(6, 5))
    n = 4 * 5
    assert result.total == (2 * 6 - 1) * n + n + n
    assert result.total_macs == 6 * n


def test_a_plain_function_counts() -> None:
    def attention_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        return (q @ k.transpose(-2, -1)).softmax(-1)

    result = count_flops(attention_scores, torch.randn(2, 7, 16), torch.randn(2, 9, 16))
    n = 2 * 7 * 9
    assert result.total == (2 * 16 - 1) * n + softmax_exact(n, 9)


class Flagged(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, *, double: bool = False) -> torch.Tensor:
        y = self.fc(x)
        if mask is not None:
            y = y * mask
        if double:
            y = y + y
        return y


@pytest.mark.parametrize("engine", ["fx", "eager"])
def test_keyword_inputs_pass_through_and_python_flags_choose_the_branch(engine: Any) -> None:
    x = torch.randn(3, 4)
    base = (2 * 4 - 1) * 12 + 12
    assert count_flops(Flagged(), x, engine=engine).total == base
    assert count_flops(Flagged(), x, engine=engine, double=True).total == base + 12
    assert count_flops(Flagged(), x, engine=engine, mask=torch.ones(3, 4)).total == base + 12
    result = count_flops(Flagged(), x, engine=engine, mask=torch.ones(3, 4), double=True)
    assert result.total == base + 24
    if engine == "fx":  # constants are traced as such: FX's guards on them are not ops of the model
        assert [r.target_name for r in result.ops if r.kind == "call_function"] == ["operator.mul", "operator.add"]


def test_forward_with_var_keyword_arguments_is_refused_clearly() -> None:
    class Kw(nn.Module):
        def forward(self, x: torch.Tensor, **extra: Any) -> torch.Tensor:
            return x + 1

    with pytest.raises(TracingError, match=r"forward takes \*\*extra"):
        count_flops(Kw(), torch.randn(2), engine="fx", model_kwargs={"scale": torch.ones(2)})


def test_untraceable_model_raises_a_tracing_error_naming_the_model() -> None:
    class DataDependent(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.sum() > 0:
                return x * 2
            return x

    with pytest.raises(TracingError, match=r"could not trace DataDependent: TraceError") as info:
        count_flops(DataDependent(), torch.randn(3), engine="fx")
    assert "eager engine" in str(info.value)


def test_wrong_inputs_are_reported_before_tracing() -> None:
    with pytest.raises(InputError, match=r"do not fit SimpleModel\.forward"):
        count_flops(SimpleModel(), torch.randn(1, 5), torch.randn(1, 5))


class WithOpaque(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return opaque(self.fc(x)) + opaque(x)


def test_unrecognized_ops_are_listed_and_excluded_from_the_total() -> None:
    result = count_flops(WithOpaque(), torch.randn(2, 4))
    assert [r.name for r in result.unrecognized] == ["opaque_default", "opaque_default_1"]
    assert all(r.flops is NOT_RECOGNIZED and r.status == "not recognized" for r in result.unrecognized)
    assert result.unrecognized_targets() == {OPAQUE: 2}
    assert result.total == (2 * 4 - 1) * 8 + 8 + 8


def test_strict_raises_listing_every_unrecognized_target() -> None:
    with pytest.raises(UnrecognizedOpsError) as info:
        count_flops(WithOpaque(), torch.randn(2, 4), strict=True)
    assert info.value.targets == {OPAQUE: ["opaque_default", "opaque_default_1"]}
    assert "2 ops have no rule" in str(info.value) and "ignore_ops" in str(info.value)
    assert count_flops(Net(), torch.randn(2, 8), strict=True).total > 0


@pytest.mark.parametrize("spec", [nn.Linear, "Linear"])
def test_ignore_ops_by_module_class_or_name(spec: Any) -> None:
    result = count_flops(Net(), torch.randn(2, 8), ignore_ops=[spec])
    fcs = [r for r in result.ops if r.module_type == "Linear"]
    assert len(fcs) == 2
    assert all(r.ignored and r.flops == 0 and r.status == "ignored" and r.plugin is None for r in fcs)
    n = 16
    assert result.total == 2 * (softmax_exact(n, 8) + n) + n


@pytest.mark.parametrize("spec", [torch.matmul, operator.matmul, "matmul"])
def test_ignore_ops_by_function_covers_every_spelling(spec: Any) -> None:
    def f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a @ b) + torch.matmul(a, b)

    for engine in ("fx", "eager"):
        result = count_flops(f, torch.randn(3, 3), torch.randn(3, 3), ignore_ops=[spec], engine=engine)
        assert [r.status for r in result.ops if r.kind.startswith("call_")] == ["ignored", "ignored", "counted"]
        assert result.total == 9


def test_ignore_ops_by_method_name() -> None:
    result = count_flops(Net(), torch.randn(2, 8), ignore_ops="softmax")
    assert [r.name for r in result.ignored] == ["softmax", "softmax_1"]


def _plugin_with(rule: Any, *, target: type[nn.Module] = nn.Linear) -> object:
    class Override:
        name = "override"

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(target)(rule)

    return Override()


def test_a_rule_that_raises_names_op_node_module_plugin_and_rule() -> None:
    def exploding(call: Call) -> int:
        raise ValueError("cannot count this")

    with pytest.raises(RuleError) as info:
        count_flops(Net(), torch.randn(2, 8), plugins=[_plugin_with(exploding)])
    err = info.value
    assert (err.op, err.node, err.module_path, err.plugin) == ("Linear", "blocks_0_fc", "blocks.0.fc", "override")
    assert err.rule.endswith("exploding")
    message = str(err)
    for part in ("ValueError: cannot count this", "Linear", "'blocks_0_fc'", "'blocks.0.fc'", "'override'"):
        assert part in message
    assert "TORCH_FLOPS_DISABLE_PLUGINS=override" in message
    assert isinstance(err.__cause__, ValueError)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2.5, "2.5 of type float"), (-3, "negative count (-3)"), (None, "None of type NoneType"),
     (torch.tensor(3), "of type Tensor"), (True, "True of type bool"), ("7", "'7' of type str")],
)  # fmt: skip
def test_a_rule_returning_a_non_count_is_rejected(value: Any, shown: str) -> None:
    with pytest.raises(RuleError, match="returned") as info:
        count_flops(Net(), torch.randn(2, 8), plugins=[_plugin_with(lambda call: value)])
    assert shown in str(info.value)
    assert "non-negative int, Count(flops, macs, bytes) or NOT_RECOGNIZED" in str(info.value)


def test_a_rule_may_return_count_or_not_recognized() -> None:
    result = count_flops(Net(), torch.randn(2, 8), plugins=[_plugin_with(lambda call: Count(flops=7, macs=3))])
    fcs = [r for r in result.ops if r.module_type == "Linear"]
    assert [(r.flops, r.macs, r.plugin) for r in fcs] == [(7, 3, "override")] * 2
    assert result.total_macs == 6

    result = count_flops(Net(), torch.randn(2, 8), plugins=[_plugin_with(lambda call: NOT_RECOGNIZED)])
    unrecognized = [(r.name, r.plugin) for r in result.unrecognized]
    assert unrecognized == [("blocks_0_fc", "override"), ("blocks_1_fc", "override")]


def test_count_rejects_bad_fields() -> None:
    with pytest.raises(TypeError, match=r"Count\.flops must be a non-negative int"):
        Count(flops=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Count\.macs must be a non-negative int"):
        Count(flops=1, macs=-1)


def test_a_module_with_a_rule_is_a_leaf_even_as_the_root() -> None:
    result = count_flops(nn.Conv2d(3, 4, 3), torch.randn(1, 3, 6, 6))
    (op,) = [r for r in result.ops if r.kind.startswith("call_")]
    assert (op.kind, op.module_type, op.module_path) == ("call_module", "Conv2d", "")
    n = 4 * 4 * 4
    assert op.flops == n * (2 * 3 * 9 - 1) + n


def test_a_module_called_twice_is_counted_twice() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.fc(x))

    result = count_flops(Twice(), torch.randn(1, 4))
    assert [r.name for r in result.ops if r.kind == "call_module"] == ["fc", "fc_1"]
    assert result.total == 2 * ((2 * 4 - 1) * 4 + 4)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="engine must be"):
        count_flops(Net(), torch.randn(2, 8), engine="jit")  # type: ignore[arg-type]


def test_a_submodule_fx_cannot_trace_into_is_run_eagerly_as_one_node() -> None:
    class DataDependent(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.sum() > 0 else x

    model = nn.Sequential(nn.ReLU(), DataDependent())
    x = torch.ones(3)
    fx = count_flops(model, x, engine="fx")
    assert fx.total == count_flops(model, x).total == 3 + 2 + 1 + 3  # relu, sum, > 0, × 2: the branch taken
    inner = [r for r in fx.ops if r.module_path == "1"]
    assert [r.name for r in inner] == ["_1.sum", "_1.gt", "_1.__bool__", "_1.mul"] and fx.unrecognized == []
    with pytest.raises(TracingError, match="could not trace DataDependent"):
        count_flops(DataDependent(), x, engine="fx")  # the root's own forward must trace
