"""A catalogue of bad and unusual inputs. Each case asserts a correct count or a clear error, and
every case leaves the model exactly as it was (parameters, buffers, state_dict keys, hooks and
training flags).

Expected counts are written from the formulas of docs/conventions.md: Linear(k → m) on r rows is
(2k − 1)·r·m + r·m with bias; element-wise ops cost numel(out); matmul (2K − 1)·numel(out).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import torch
from helpers import assert_unchanged, snapshot
from opaque_ops import opaque
from torch import nn

from torch_flops_core import (
    NOT_RECOGNIZED,
    Call,
    InputError,
    ModelChangedWarning,
    PluginLoadWarning,
    Registry,
    RuleConflictWarning,
    RuleError,
    TracingError,
    UnrecognizedOpsError,
    count_flops,
    hookimpl,
)


def linear(k: int, m: int, rows: int, bias: bool = True) -> int:
    return (2 * k - 1) * rows * m + (rows * m if bias else 0)


@dataclass
class Ctx:
    make_dist: Callable[..., Path]
    monkeypatch: pytest.MonkeyPatch


Check = Callable[[nn.Module, Ctx], None]
CASES: list[Callable[[], tuple[nn.Module, Check]]] = []


def case(fn: Callable[[], tuple[nn.Module, Check]]) -> Callable[[], tuple[nn.Module, Check]]:
    CASES.append(fn)
    return fn


class Lin(nn.Module):
    """Linear(4, 3): the workhorse of the catalogue."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def rule_plugin(rule: Callable[[Call], Any], target: type[nn.Module] = nn.Linear, name: str = "bad") -> object:
    class Plugin:
        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(target)(rule)

    plugin = Plugin()
    plugin.name = name  # type: ignore[attr-defined]
    return plugin


# --- inputs and outputs ----------------------------------------------------------------------


@case
def dict_input() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
            return self.fc(batch["x"]) + batch["bias"]

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            r = count_flops(m, {"x": torch.randn(2, 4), "bias": torch.randn(3)}, engine=engine)
            assert r.total == linear(4, 3, 2) + 6 and r.unrecognized == []

    return M(), check


@case
def list_and_tuple_inputs() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, xs: list[torch.Tensor], pair: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
            return xs[0] * xs[1] + pair[0] @ pair[1]

    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, [torch.randn(2, 2), torch.randn(2, 2)], (torch.randn(2, 5), torch.randn(5, 2)))
        assert r.total == 4 + (2 * 5 - 1) * 4 + 4

    return M(), check


@case
def nested_outputs() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> dict[str, Any]:
            y = self.fc(x)
            return {"y": y, "extra": [y * 2, (y + 1, None)], "n": 3}

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            assert count_flops(m, torch.randn(2, 4), engine=engine).total == linear(4, 3, 2) + 6 + 6

    return M(), check


@case
def namedtuple_output() -> tuple[nn.Module, Check]:
    class Out(NamedTuple):
        logits: torch.Tensor
        scale: float

    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> Out:
            return Out(self.fc(x), 0.5)

    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(m, torch.randn(1, 4), engine="eager").total == linear(4, 3, 1)

    return M(), check


@case
def keyword_only_forward() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, *, x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
            return self.fc(x) * scale

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            assert count_flops(m, x=torch.randn(2, 4), scale=3.0, engine=engine).total == linear(4, 3, 2) + 6

    return M(), check


@case
def non_tensor_arguments_and_none() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor, mask: torch.Tensor | None, repeat: int, tag: str) -> torch.Tensor:
            for _ in range(repeat):
                x = x + 1
            y = self.fc(x)
            return y if mask is None else y * mask

    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(m, torch.randn(2, 4), None, 3, "a").total == 3 * 8 + linear(4, 3, 2)
        assert count_flops(m, torch.randn(2, 4), torch.ones(2, 3), 0, "b").total == linear(4, 3, 2) + 6

    return M(), check


@case
def unhashable_constant_argument() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, x: torch.Tensor, dims: list[int]) -> torch.Tensor:
            return x.sum(dims)

    def check(m: nn.Module, ctx: Ctx) -> None:
        x = torch.randn(2, 3, 4)
        assert count_flops(m, x, [1, 2]).total == 24 - 2
        assert count_flops(m, x, [0]).total == 24 - 12  # a different list: traced again, not reused

    return M(), check


@case
def zero_size_tensor() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, torch.randn(0, 4))
        assert r.total == 0 and r.unrecognized == []

    return Lin(), check


@case
def zero_dim_tensor() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return a * b + 1

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            assert count_flops(m, torch.tensor(2.0), torch.tensor(3.0), engine=engine).total == 2

    return M(), check


@case
def integer_and_bool_tensors() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, i: torch.Tensor, flags: torch.Tensor) -> torch.Tensor:
            return (i * 3 + 1) * flags

    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, torch.arange(6).reshape(2, 3), torch.ones(2, 3, dtype=torch.bool))
        assert r.total == 3 * 6  # integer arithmetic counts like float arithmetic

    return M(), check


def _dtype_case(dtype: torch.dtype) -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(m, torch.randn(2, 4, dtype=dtype)).total == linear(4, 3, 2)

    return Lin().to(dtype), check


for _dtype in (torch.float16, torch.bfloat16, torch.float64):
    CASES.append(lambda d=_dtype: _dtype_case(d))
    CASES[-1].__name__ = f"dtype_{str(_dtype).split('.')[-1]}"


@case
def complex_tensors() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return a @ b + a[:, :2]

    def check(m: nn.Module, ctx: Ctx) -> None:
        a, b = torch.randn(3, 4, dtype=torch.complex64), torch.randn(4, 2, dtype=torch.complex64)
        assert count_flops(m, a, b).total == (2 * 4 - 1) * 6 + 6  # shapes only, whatever the dtype

    return M(), check


@case
def channels_last() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        x = torch.randn(1, 3, 6, 6).to(memory_format=torch.channels_last)
        n = 4 * 4 * 4
        assert count_flops(m, x).total == n * (2 * 3 * 9 - 1) + n

    return nn.Conv2d(3, 4, 3).to(memory_format=torch.channels_last), check


@case
def training_mode_with_dropout_and_batchnorm() -> tuple[nn.Module, Check]:
    model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5), nn.BatchNorm1d(3)).train()

    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, torch.randn(5, 4))
        assert r.unrecognized == [] and r.total >= linear(4, 3, 5)
        assert m.training and m[2].num_batches_tracked.item() == 0

    return model, check


@case
def requires_grad_inputs() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        x = torch.randn(2, 4, requires_grad=True)
        assert count_flops(m, x).total == linear(4, 3, 2)
        assert x.grad is None and torch.is_grad_enabled()

    return Lin(), check


@case
def no_parameters() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x * x).softmax(-1)

    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(m, torch.randn(2, 5)).total == 10 + 2 * 10 + 4 * 2

    return M(), check


@case
def module_called_twice() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.fc(x))

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            assert count_flops(m, torch.randn(1, 3), engine=engine).total == 2 * linear(3, 3, 1)

    return M(), check


@case
def shared_submodule() -> tuple[nn.Module, Check]:
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            assert count_flops(m, torch.randn(2, 3), engine=engine).total == 2 * linear(3, 3, 2) + 6

    return model, check


@case
def under_no_grad_and_inference_mode() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        with torch.no_grad():
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)
        with torch.inference_mode():
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)
            assert count_flops(m, torch.randn(2, 4), engine="eager").total == linear(4, 3, 2)

    return Lin(), check


@case
def a_plain_function_and_a_lambda() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(lambda a, b: a @ b, torch.randn(2, 3), torch.randn(3, 4)).total == 5 * 8
        assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)

    return Lin(), check


@case
def subclass_with_its_own_forward_is_counted_by_what_it_runs() -> tuple[nn.Module, Check]:
    class Scaled(nn.Linear):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return super().forward(x) * 2

    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            result = count_flops(m, torch.randn(2, 4), engine=engine)
            assert not [r for r in result.ops if r.kind == "call_module"]  # Linear's rule does not cover it
            assert result.total == linear(4, 3, 2) + 2 * 3  # F.linear, then × 2

    return Scaled(4, 3), check


@case
def forward_replaces_and_registers_buffers() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("steps", torch.zeros(2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.steps = self.steps + 1
            self.register_buffer("last", x.detach())
            return x * 2

    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(m, torch.randn(2), engine="eager").total == 2 + 2  # steps + 1, x * 2

    return M(), check


# --- errors ------------------------------------------------------------------------------------


@case
def inputs_that_do_not_fit_forward() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        with pytest.raises(InputError, match=r"the inputs do not fit Lin\.forward: too many positional"):
            count_flops(m, torch.randn(2, 4), torch.randn(2, 4))
        with pytest.raises(InputError, match="missing a required argument: 'x'"):
            count_flops(m)

    return Lin(), check


@case
def forward_raises() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.fc(x)
            raise ValueError(f"bad shape {tuple(y.shape)}")

    def check(m: nn.Module, ctx: Ctx) -> None:
        with pytest.raises(ValueError, match="bad shape"):
            count_flops(m, torch.randn(2, 4), engine="eager")
        assert not torch.overrides._get_current_function_mode_stack()

    return M(), check


@case
def data_dependent_branch_in_fx_and_auto() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 if x.max() > 0 else x

    def check(m: nn.Module, ctx: Ctx) -> None:
        with pytest.raises(TracingError, match=r"could not trace M: TraceError"):
            count_flops(m, torch.ones(3), engine="fx")
        r = count_flops(m, torch.ones(3))  # the default counts what runs, with no tracing
        assert r.engine == "eager" and r.total == 2 + 1 + 3  # max (2 compares), gt, mul

    return M(), check


@case
def strict_with_an_unknown_op() -> tuple[nn.Module, Check]:
    class M(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return opaque(x) + 1

    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, torch.randn(3))
        assert r.total == 3 and [o.flops for o in r.unrecognized] == [NOT_RECOGNIZED]
        with pytest.raises(UnrecognizedOpsError, match=r"torch_flops_tests\.opaque"):
            count_flops(m, torch.randn(3), strict=True)

    return M(), check


@case
def ignore_ops_naming_nothing_present() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, torch.randn(2, 4), ignore_ops=["fft_fft", torch.fft.fft])  # real ops, not run here
        assert r.total == linear(4, 3, 2) and r.ignored == []
        with pytest.raises(ValueError, match="NoSuchLayer"):  # a name that matches no op nor rule is a mistake
            count_flops(m, torch.randn(2, 4), ignore_ops=["NoSuchLayer"])

    return Lin(), check


def _rule_raises(call: Call) -> int:
    raise ZeroDivisionError("division by zero in my rule")


@case
def a_rule_that_raises() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        for engine in ("fx", "eager"):
            with pytest.raises(RuleError) as info:
                count_flops(m, torch.randn(2, 4), engine=engine, plugins=[rule_plugin(_rule_raises)])
            e = info.value
            assert (e.op, e.module_path, e.plugin) == ("Linear", "fc", "bad")
            assert e.rule.endswith("_rule_raises") and e.node.startswith("fc")
            assert "ZeroDivisionError: division by zero in my rule" in str(e)
            assert "TORCH_FLOPS_DISABLE_PLUGINS=bad" in str(e)

    return Lin(), check


def _returns(value: Any) -> Callable[[], tuple[nn.Module, Check]]:
    def build() -> tuple[nn.Module, Check]:
        def check(m: nn.Module, ctx: Ctx) -> None:
            for engine in ("fx", "eager"):
                with pytest.raises(RuleError, match="returned") as info:
                    count_flops(m, torch.randn(2, 4), engine=engine, plugins=[rule_plugin(lambda call: value)])
                assert info.value.plugin == "bad" and info.value.module_path == "fc"

        return Lin(), check

    build.__name__ = f"a_rule_returning_{type(value).__name__}"
    return build


for _value in (2.5, -1, None, torch.tensor(4), True, "10", [3]):
    CASES.append(_returns(_value))
CASES[-6].__name__ = "a_rule_returning_a_negative_int"


@case
def a_rule_returning_not_recognized() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        r = count_flops(m, torch.randn(2, 4), plugins=[rule_plugin(lambda call: NOT_RECOGNIZED)])
        assert [(o.name, o.plugin) for o in r.unrecognized] == [("fc", "bad")] and r.total == 0

    return Lin(), check


# --- plugins ---------------------------------------------------------------------------------


@case
def a_plugin_that_fails_to_import() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        ctx.make_dist("sdk-flops", {"sdk": "sdk_flops"}, {"sdk_flops": "import not_installed_sdk\n"})
        with pytest.warns(PluginLoadWarning, match="'sdk'.*sdk-flops.*No module named 'not_installed_sdk'"):
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)

    return Lin(), check


@case
def an_entry_point_naming_a_missing_object() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        ctx.make_dist("gone-flops", {"gone": "gone_flops:rules"}, {"gone_flops": "x = 1\n"})
        with pytest.warns(PluginLoadWarning, match="'gone'.*gone-flops.*AttributeError"):
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)

    return Lin(), check


@case
def two_distributions_with_one_entry_point_name() -> tuple[nn.Module, Check]:
    source = "from torch_flops_core import hookimpl\n\n@hookimpl\ndef torch_flops_register_rules(registry):\n    pass\n"

    def check(m: nn.Module, ctx: Ctx) -> None:
        ctx.make_dist("dup-a", {"dup": "dup_a"}, {"dup_a": source})
        ctx.make_dist("dup-b", {"dup": "dup_b"}, {"dup_b": source})
        with pytest.warns(PluginLoadWarning, match="'dup' is declared by distribution 'dup-a' and by 'dup-b'"):
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)

    return Lin(), check


@case
def two_plugins_claiming_one_op_at_one_priority() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        one, two = rule_plugin(lambda call: 1, name="one"), rule_plugin(lambda call: 2, name="two")
        with pytest.warns(RuleConflictWarning, match="plugins 'two' and 'one' claim"):
            assert count_flops(m, torch.randn(2, 4), plugins=[one, two]).total == 2

    return Lin(), check


@case
def a_plugin_whose_hook_raises() -> tuple[nn.Module, Check]:
    class Broken:
        name = "broken"

        @hookimpl
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(torch.Tensor)  # type: ignore[arg-type]  # not a module class: TypeError

    def check(m: nn.Module, ctx: Ctx) -> None:
        with pytest.warns(PluginLoadWarning, match="'broken' failed while registering its rules.*nn.Module subclasses"):
            assert count_flops(m, torch.randn(2, 4), plugins=[Broken()]).total == linear(4, 3, 2)

    return Lin(), check


@case
def a_misspelt_hook() -> tuple[nn.Module, Check]:
    source = "from torch_flops_core import hookimpl\n\n@hookimpl\ndef torch_flops_register_rule(registry):\n    pass\n"

    def check(m: nn.Module, ctx: Ctx) -> None:
        ctx.make_dist("typo-flops", {"typo": "typo_flops"}, {"typo_flops": source})
        with pytest.warns(PluginLoadWarning, match="'typo'.*unknown hook 'torch_flops_register_rule'"):
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)

    return Lin(), check


@case
def a_disabled_plugin_is_never_imported() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        ctx.make_dist("loud-flops", {"loud": "loud_flops"}, {"loud_flops": "raise SystemExit('imported!')\n"})
        ctx.monkeypatch.setenv("TORCH_FLOPS_DISABLE_PLUGINS", "acme,example,loud")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert count_flops(m, torch.randn(2, 4)).total == linear(4, 3, 2)

    return Lin(), check


@case
def embedding_with_max_norm_renormalises_nothing_for_good() -> tuple[nn.Module, Check]:
    def check(m: nn.Module, ctx: Ctx) -> None:
        assert count_flops(m, torch.tensor([[1, 2, 3]])).unrecognized == []

    model = nn.Embedding(5, 4, max_norm=0.1)  # every row is longer than 0.1: forward shrinks them
    return model, check


@case
def a_forward_that_writes_its_parameters_is_reported() -> tuple[nn.Module, Check]:
    class Drift(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.ones(3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * self.w

    def check(m: nn.Module, ctx: Ctx) -> None:
        class Writes(nn.Module):
            def __init__(self, inner: nn.Module) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                self.inner.w.add_(0)  # an in-place write (of zero: the values stay as they were)
                return self.inner(x)

        with pytest.warns(ModelChangedWarning, match=r"modified parameters in place \(inner\.w\)"):
            assert count_flops(Writes(m), torch.randn(3), engine="eager").total == 3 + 3

    return Drift(), check


# --- the harness -------------------------------------------------------------------------------


INSTALLING = {
    "a_plugin_that_fails_to_import", "an_entry_point_naming_a_missing_object",
    "two_distributions_with_one_entry_point_name", "a_misspelt_hook", "a_disabled_plugin_is_never_imported",
}  # fmt: skip
"""The cases that install a distribution (make_dist): they run in a child process (the ``isolated`` mark)."""


@pytest.mark.parametrize(
    "build",
    [pytest.param(c, marks=[pytest.mark.isolated] if c.__name__ in INSTALLING else []) for c in CASES],
    ids=[c.__name__ for c in CASES],
)
def test_catalogue(build: Callable[[], tuple[nn.Module, Check]], make_dist: Callable[..., Path],
                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    model, check = build()
    before = snapshot(model)
    check(model, Ctx(make_dist, monkeypatch))
    assert_unchanged(model, before)


def test_the_catalogue_has_at_least_40_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.__name__ for c in CASES}) == len(CASES)
    assert {c.__name__ for c in CASES} >= INSTALLING
