"""Alias groups: every spelling of an op finds the rule declared for one of them."""

from __future__ import annotations

import operator
from typing import Any

import pytest
import torch
import torch.fx
import torch.nn.functional as F

from torch_flops_core import Call, Registry, RuleConflictWarning, count_flops, hookimpl, load_plugins
from torch_flops_core.aliases import MethodKey, default_alias_table, op_name
from torch_flops_core.registry import RuleEntry, RuleTable

T = torch.Tensor


def acme_double(x: torch.Tensor) -> torch.Tensor:
    return x * 2


def acme_twice(x: torch.Tensor) -> torch.Tensor:
    return x + x


torch.fx.wrap("acme_double")
torch.fx.wrap("acme_twice")


@pytest.mark.parametrize(
    "group",
    [
        [operator.add, torch.add, T.add, T.__add__, T.__radd__],
        [operator.iadd, T.add_, T.__iadd__],
        [operator.sub, torch.sub, torch.subtract, T.sub, T.__sub__, T.__rsub__, torch.rsub],
        [operator.mul, torch.mul, torch.multiply, T.mul, T.__mul__, T.__rmul__],
        [operator.truediv, torch.div, torch.true_divide, T.div, T.__truediv__, T.__rtruediv__],
        [operator.matmul, torch.matmul, T.matmul, T.__matmul__, T.__rmatmul__],
        [operator.pow, torch.pow, T.pow, T.__pow__, T.__rpow__],
        [operator.getitem, T.__getitem__],
        [torch.softmax, T.softmax, F.softmax],
        [torch.cat, torch.concat, torch.concatenate],
        [torch.relu, T.relu, F.relu],
    ],
)
def test_spellings_of_one_op_share_a_key(group: list[Any]) -> None:
    table = default_alias_table()
    assert len({table.canonical(s) for s in group}) == 1


def test_in_place_twins_and_different_ops_are_separate() -> None:
    table = default_alias_table()
    assert table.canonical(operator.add) != table.canonical(operator.iadd)
    assert table.canonical(operator.add) != table.canonical(operator.sub)
    # F.batch_norm and torch.batch_norm take their arguments in different orders: not aliased.
    assert table.canonical(F.batch_norm) != table.canonical(torch.batch_norm)


def test_reflected_spellings_are_marked() -> None:
    reflected = default_alias_table().reflected
    assert {T.__rsub__, T.__rtruediv__, T.__rmatmul__, T.__rpow__} <= reflected
    assert T.__sub__ not in reflected


def test_method_names_resolve_to_the_tensor_attribute() -> None:
    table = default_alias_table()
    assert table.method_key("softmax") == table.canonical(torch.softmax)
    assert table.method_key("add") == table.canonical(operator.add)
    assert table.method_key("acme_reduce") == MethodKey("acme_reduce")


def test_op_names_are_readable() -> None:
    shown = [op_name(t) for t in (operator.add, torch.add, T.softmax, F.softmax, F.linear, torch.ops.aten.mm.default)]
    assert shown == [
        "operator.add",
        "torch.add",
        "Tensor.softmax",
        "torch.nn.functional.softmax",
        "torch.nn.functional.linear",
        "torch.ops.aten.mm.default",
    ]


def seven(call: Call) -> int:
    return 7


class AddIsSeven:
    name = "seven"

    @hookimpl(tryfirst=True)
    def torch_flops_register_rules(self, registry: Registry) -> None:
        registry.function(torch.add)(seven)  # one spelling declared ...


def test_a_rule_for_one_spelling_counts_all_of_them() -> None:
    def f(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a + b) + torch.add(a, b) + a.add(b) + 1 + a.__radd__(b)

    result = count_flops(f, torch.randn(3), torch.randn(3), plugins=[AddIsSeven()])
    adds = [r for r in result.ops if r.kind.startswith("call_")]
    assert len(adds) == 8  # four adds of the operands, three adds of the partial sums, one __radd__
    assert all((r.flops, r.plugin) == (7, "seven") for r in adds)  # ... every spelling counted by it


def test_method_and_function_rules_are_one_op() -> None:
    class SoftmaxIsSeven:
        name = "seven"

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.method("softmax")(seven)

    def f(x: torch.Tensor) -> torch.Tensor:
        return x.softmax(-1) + torch.softmax(x, -1) + F.softmax(x, dim=-1)

    result = count_flops(f, torch.randn(2, 3), plugins=[SoftmaxIsSeven()])
    counted = [r.flops for r in result.ops if r.plugin == "seven"]
    assert counted == [7, 7, 7]


def test_plugins_declare_extra_alias_groups() -> None:
    class Acme:
        name = "acme-ops"

        @hookimpl
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.alias(acme_double, acme_twice)
            registry.function(acme_double)(lambda call: call.output.numel())

    def f(x: torch.Tensor) -> torch.Tensor:
        return acme_twice(acme_double(x))

    # Python helpers are ops only where an engine sees them: fx keeps torch.fx.wrap'd ones whole.
    result = count_flops(f, torch.randn(5), plugins=[Acme()], engine="fx")
    assert [(r.target_name, r.flops) for r in result.ops if r.kind == "call_function"] == [
        (f"{__name__}.acme_double", 5),
        (f"{__name__}.acme_twice", 5),
    ]


def test_registry_rejects_wrong_targets_naming_the_plugin() -> None:
    registry = Registry("acme", "normal", [], [])
    with pytest.raises(TypeError, match=r"plugin 'acme': registry\.module\(\) takes nn\.Module subclasses"):
        registry.module(torch.Tensor)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"use registry\.method\('name'\)"):
        registry.function("softmax")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes method names"):
        registry.method("not a name")


def _entry(target: Any, plugin: str, priority: str = "normal", kind: str = "module") -> RuleEntry:
    def rule(call: Call) -> int:
        return 0

    return RuleEntry(kind, target, rule, plugin, priority, f"{plugin}.rule")  # type: ignore[arg-type]


def test_module_rules_match_along_the_mro_nearest_class_first() -> None:
    class Base(torch.nn.Linear):
        pass

    class Derived(Base):
        pass

    base_rule, linear_rule = _entry(Base, "a"), _entry(torch.nn.Linear, "b")
    table = RuleTable([linear_rule, base_rule])
    assert table.module_rule(Derived) is base_rule
    assert table.module_rule(torch.nn.Linear) is linear_rule
    assert table.module_rule(torch.nn.Conv2d) is None


def test_first_claim_wins_and_the_rest_are_shadowed_in_order() -> None:
    first, second, third = (
        _entry(torch.nn.ReLU, "a", "tryfirst"),
        _entry(torch.nn.ReLU, "b"),
        _entry(torch.nn.ReLU, "c", "trylast"),
    )
    table = RuleTable([first, second, third])
    assert table.module_rule(torch.nn.ReLU) is first
    assert table.shadowed_by(first) == [second, third]
    assert table.shadowed_by(second) == []


def test_one_plugin_claiming_an_op_twice_warns() -> None:
    with pytest.warns(RuleConflictWarning, match="both in plugin 'a' claim"):
        RuleTable([_entry(torch.nn.ReLU, "a"), _entry(torch.nn.ReLU, "a")])


def test_builtin_function_rules_answer_for_every_spelling() -> None:
    table = load_plugins().table
    for spelling in (operator.add, torch.add, T.add, T.__add__, T.__radd__):
        entry = table.function_rule(spelling)
        assert entry is not None and entry.name == "torch_flops_rules_functional.arithmetic.elementwise"
    assert table.method_rule("add") is table.function_rule(operator.add)
    assert table.method_rule("softmax") is table.function_rule(F.softmax)
    pow_rule = table.method_rule("pow")
    assert pow_rule is not None and pow_rule.name.endswith("elementwise")  # the seed counted pow as 0


def test_a_custom_op_object_is_spelled_as_its_op() -> None:
    from opaque_ops import opaque

    assert op_name(opaque) == "torch.ops.torch_flops_tests.opaque"
