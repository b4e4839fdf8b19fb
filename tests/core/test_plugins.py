"""Plugin discovery, disabling, priorities and failures, with real installed distributions."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from helpers import run_python
from torch import nn

from torch_flops_core import (
    NOT_RECOGNIZED,
    Call,
    PluginLoadWarning,
    Registry,
    RuleConflictWarning,
    count_flops,
    get_plugins,
    hookimpl,
    load_plugins,
)
from torch_flops_core.plugins import DISABLE_ENV

MakeDist = Callable[..., Path]
BUILTIN = {
    "nn": "torch-flops-rules-nn",
    "functional": "torch-flops-rules-functional",
    "aten": "torch-flops-rules-aten",
    "torchvision": "torch-flops-rules-torchvision",
}

TWO_LAYERS = """
import json, torch
from torch import nn
from acme_flops import AcmeGate
from torch_flops_core import count_flops, get_plugins

class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 4)
        self.gate = AcmeGate()

    def forward(self, x):
        return self.gate(self.fc(x))

result = count_flops(TwoLayers(), torch.randn(3, 5), engine="fx")
"""


def linear_exact(k: int, n: int, bias: bool = True) -> int:
    return (2 * k - 1) * n + (n if bias else 0)


def test_the_readme_environment_has_the_builtin_packs_only() -> None:
    """After ``pip install -r requirements-dev.txt`` no plugin but the built-in packs is installed."""
    plugins = load_plugins()
    assert plugins.names == ["aten", "functional", "nn", "torchvision"]
    for name, dist in BUILTIN.items():
        info = next(i for i in plugins.infos if i.name == name)
        assert (info.status, info.distribution, info.version) == ("loaded", dist, "0.1.0")
        assert info.source == f"torch_flops_rules_{name}.plugin"


@pytest.mark.slow
def test_an_installed_third_party_distribution_is_found_and_loaded_in_sorted_order(plugin_site: Path) -> None:
    out = run_python(
        """
        import json
        from torch_flops_core import load_plugins
        plugins = load_plugins()
        print(json.dumps([[i.name, i.distribution, i.version, i.status] for i in plugins.infos]))
        """,
        plugin_site,
    )
    infos = json.loads(out.stdout)
    assert infos == [
        ["acme", "acme-flops", "0.1.0", "loaded"],
        ["aten", "torch-flops-rules-aten", "0.1.0", "loaded"],
        ["example", "flops-example", "0.1.0", "loaded"],
        ["functional", "torch-flops-rules-functional", "0.1.0", "loaded"],
        ["nn", "torch-flops-rules-nn", "0.1.0", "loaded"],
        ["torchvision", "torch-flops-rules-torchvision", "0.1.0", "loaded"],
    ]  # sorted by entry-point name, never in filesystem order


def test_environment_variable_and_argument_disable_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_ENV, " nn , functional, aten,torchvision")
    plugins = load_plugins()
    status = {info.name: info.status for info in plugins.infos}
    assert status == {"aten": "disabled", "functional": "disabled", "nn": "disabled", "torchvision": "disabled"}
    assert plugins.names == []
    monkeypatch.setenv(DISABLE_ENV, "nn,aten")
    status = {info.name: info.status for info in load_plugins(disable=["functional", "torchvision"]).infos}
    assert set(status.values()) == {"disabled"}


@pytest.mark.slow
def test_no_plugin_manager_exists_after_import() -> None:
    code = (
        "import gc, pluggy, torch_flops_core, torch_flops_rules_nn.plugin, torch_flops_rules_functional.plugin\n"
        "print(sum(isinstance(o, pluggy.PluginManager) for o in gc.get_objects()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_rule_table_is_built_once_per_plugin_set() -> None:
    plugins = get_plugins()
    assert get_plugins() is plugins
    assert plugins.table is plugins.table
    assert get_plugins(disable=["nn"]) is not plugins


@pytest.mark.slow
def test_acme_overrides_linear_with_tryfirst_and_makes_its_layer_a_leaf(plugin_site: Path) -> None:
    code = (
        TWO_LAYERS
        + """
table = get_plugins().table
winner = table.module_rule(nn.Linear)
print(json.dumps({
    "calls": [[r.module_type, r.plugin, r.rule, r.flops] for r in result.ops if r.kind == "call_module"],
    "unrecognized": len(result.unrecognized),
    "winner": [winner.plugin, winner.priority],
    "shadowed": [[e.plugin, e.name] for e in table.shadowed_by(winner)],
}))
"""
    )
    out = json.loads(run_python(code, plugin_site).stdout)
    assert out["calls"] == [
        ["Linear", "acme", "acme_flops.linear_override", linear_exact(5, 3 * 4)],
        ["AcmeGate", "acme", "acme_flops.acme_gate", 4 * 3 * 4],
    ]
    assert out["unrecognized"] == 0
    assert out["winner"] == ["acme", "tryfirst"]
    assert out["shadowed"] == [["nn", "torch_flops_rules_nn.linear.linear"]]


@pytest.mark.slow
def test_acme_disappears_when_disabled_by_the_environment(plugin_site: Path) -> None:
    code = (
        TWO_LAYERS
        + """
print(json.dumps({
    "names": get_plugins().names,
    "fc": [[r.plugin for r in result.ops if r.name == "fc"]],
    "gate_leaf": any(r.module_type == "AcmeGate" and r.kind == "call_module" for r in result.ops),
    "inner": sorted({r.target_name for r in result.ops if r.module_path == "gate"}),
}))
"""
    )
    out = json.loads(run_python(code, plugin_site, **{DISABLE_ENV: "acme"}).stdout)
    assert "acme" not in out["names"]
    assert out["fc"] == [["nn"]]
    # Without its rule, AcmeGate is no longer a leaf: its forward is traced into.
    assert out["gate_leaf"] is False
    assert out["inner"] == ["operator.mul", "torch.sigmoid"]


@pytest.mark.filterwarnings("ignore:torch-flops. no rule is loaded:torch_flops_core.PluginLoadWarning")
def test_core_alone_recognizes_nothing() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.bn = nn.BatchNorm2d(4)
            self.fc = nn.Linear(4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.bn(self.conv(x)))
            return (self.fc(y.mean((2, 3))) + 1).softmax(-1)

    eager = count_flops(Net().eval(), torch.randn(1, 3, 8, 8), disable=["nn", "functional"])
    assert eager.total == 0 and eager.unrecognized == eager.ops
    assert {"torch.conv2d", "torch.nn.functional.batch_norm", "torch.nn.functional.linear"} <= set(
        eager.unrecognized_targets()
    )
    result = count_flops(Net().eval(), torch.randn(1, 3, 8, 8), disable=["nn", "functional"], engine="fx")
    calls = [r for r in result.ops if r.kind.startswith("call_")]
    assert calls, "the model must have been traced into ops"
    assert all(r.flops is NOT_RECOGNIZED for r in calls)
    assert result.unrecognized == calls
    assert result.total == 0
    # Without module rules, modules are traced into: Conv2d into torch.conv2d, Linear into F.linear.
    assert {"torch.conv2d", "torch.nn.functional.linear"} <= set(result.unrecognized_targets())
    # BatchNorm2d checks its input's rank in Python, which tracing cannot follow: it is run eagerly.
    assert not [r for r in calls if r.kind == "call_module"]
    assert [r.name for r in calls if r.module_path == "bn"] == ["bn.dim", "bn.batch_norm"]


def test_without_the_nn_pack_linear_is_traced_into_f_linear_and_still_counts_40() -> None:
    result = count_flops(nn.Linear(5, 4), torch.randn(1, 5), disable=["nn"])
    (op,) = [r for r in result.ops if r.kind.startswith("call_")]
    assert (op.kind, op.target_name, op.plugin) == ("call_function", "torch.nn.functional.linear", "functional")
    assert result.total == 40


@pytest.mark.isolated
def test_a_plugin_whose_import_raises_is_reported_and_the_rest_still_load(make_dist: MakeDist) -> None:
    make_dist("broken-flops", {"broken": "broken_flops"}, {"broken_flops": "raise ImportError('no acme SDK')\n"})
    with pytest.warns(PluginLoadWarning) as caught:
        plugins = load_plugins()
    (message,) = [str(w.message) for w in caught]
    assert "'broken'" in message and "broken-flops" in message and "ImportError: no acme SDK" in message
    assert f"{DISABLE_ENV}=broken" in message
    info = next(i for i in plugins.infos if i.name == "broken")
    assert info.status == "failed" and "no acme SDK" in (info.error or "")
    assert {"nn", "functional"} <= set(plugins.names)

    with pytest.warns(PluginLoadWarning):
        result = count_flops(nn.Linear(5, 4), torch.randn(1, 5))
    assert result.total == 40


@pytest.mark.isolated
def test_an_entry_point_naming_a_missing_object_is_reported(make_dist: MakeDist) -> None:
    make_dist("ghost-flops", {"ghost": "ghost_flops:nothing_here"}, {"ghost_flops": "x = 1\n"})
    with pytest.warns(PluginLoadWarning, match="'ghost'.*ghost-flops.*AttributeError"):
        plugins = load_plugins()
    assert next(i for i in plugins.infos if i.name == "ghost").status == "failed"


@pytest.mark.isolated
def test_a_plugin_whose_hook_raises_is_reported_and_its_rules_dropped(make_dist: MakeDist) -> None:
    source = """
        import torch
        from torch_flops_core import hookimpl

        @hookimpl(tryfirst=True)
        def torch_flops_register_rules(registry):
            registry.module(torch.nn.Linear)(lambda call: 1)
            raise RuntimeError("half-registered")
        """
    make_dist("halfway-flops", {"halfway": "halfway_flops"}, {"halfway_flops": source})
    with pytest.warns(PluginLoadWarning, match="'halfway' failed while registering its rules.*half-registered"):
        result = count_flops(nn.Linear(5, 4), torch.randn(1, 5))
    assert result.total == 40  # its Linear claim, made before it raised, is not used
    with pytest.warns(PluginLoadWarning):
        info = next(i for i in load_plugins().infos if i.name == "halfway")
    assert info.status == "failed"  # not "loaded" with 0 rules
    assert info.error == "torch_flops_register_rules raised RuntimeError: half-registered"


@pytest.mark.isolated
@pytest.mark.parametrize("where", ["import", "hook"])
def test_a_plugin_that_calls_sys_exit_is_failed_not_the_end_of_the_caller(make_dist: MakeDist, where: str) -> None:
    source = {
        "import": "import sys\nsys.exit(3)\n",
        "hook": (
            "import sys\nfrom torch_flops_core import hookimpl\n\n"
            "@hookimpl\ndef torch_flops_register_rules(registry):\n    sys.exit(3)\n"
        ),
    }[where]
    make_dist("quitter-flops", {"quitter": "quitter_flops"}, {"quitter_flops": source})
    with pytest.warns(PluginLoadWarning, match="'quitter'.*SystemExit: 3"):
        result = count_flops(nn.Linear(5, 4), torch.randn(1, 5))
    assert result.total == 40
    with pytest.warns(PluginLoadWarning):
        info = next(i for i in load_plugins().infos if i.name == "quitter")
    assert info.status == "failed" and "SystemExit: 3" in (info.error or "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"disable": [5]}, "disable takes plugin names"),
        ({"ignore_ops": [nn.Linear(4, 4)]}, "not instances: got a Linear object"),
        ({"ignore_ops": [5]}, "ignore_ops takes nn.Module classes"),
        ({"ignore_ops": [None]}, "ignore_ops takes nn.Module classes"),
        ({"ignore_ops": [b"Linear"]}, "ignore_ops takes nn.Module classes"),
        ({"ignore_ops": 5}, "ignore_ops takes a list of ops"),
        ({"plugins": [object()]}, "plugins takes objects with a @hookimpl torch_flops_register_rules"),
        ({"plugins": [5]}, "plugins takes objects with a @hookimpl"),
        ({"plugins": [None]}, "plugins takes objects with a @hookimpl"),
        ({"plugins": ["nn"]}, "got the name 'nn'"),
        ({"plugins": "nn"}, "plugins takes a list of plugin objects"),
    ],
    ids=str,
)
def test_bad_counting_options_are_type_errors_saying_what_is_expected(options: dict, message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        count_flops(nn.Linear(4, 4), torch.randn(2, 4), **options)


def test_disable_as_one_string_is_one_name() -> None:
    result = count_flops(nn.Linear(4, 4), torch.randn(2, 4), disable="functional")
    assert [r.plugin for r in result.ops] == ["nn"]
    result = count_flops(nn.Linear(4, 4), torch.randn(2, 4), disable="nn")
    assert [r.plugin for r in result.ops] == ["functional"]  # F.linear: the string was not split into letters


@pytest.mark.isolated
def test_a_hookimpl_with_a_misspelt_hook_is_reported(make_dist: MakeDist) -> None:
    source = """
        from torch_flops_core import hookimpl

        @hookimpl
        def torch_flops_register_rule(registry):
            pass
        """
    make_dist("typo-flops", {"typo": "typo_flops"}, {"typo_flops": source})
    with pytest.warns(PluginLoadWarning, match="'typo'.*torch_flops_register_rule"):
        plugins = load_plugins()
    assert "typo" not in plugins.names


@pytest.mark.isolated
def test_two_distributions_with_one_entry_point_name(make_dist: MakeDist) -> None:
    rule = """
        import torch
        from torch_flops_core import hookimpl

        @hookimpl
        def torch_flops_register_rules(registry):
            registry.module(torch.nn.Linear)(lambda call: {n})
        """
    make_dist("twin-a", {"twin": "twin_a"}, {"twin_a": rule.format(n=1)})
    make_dist("twin-b", {"twin": "twin_b"}, {"twin_b": rule.format(n=2)})
    with pytest.warns(PluginLoadWarning, match="'twin' is declared by distribution 'twin-a' and by 'twin-b'"):
        result = count_flops(nn.Linear(5, 4), torch.randn(1, 5))
    assert result.total == 1  # twin-a, first in sorted order, is the one loaded


def macs_linear(call: Call) -> int:
    """Linear counted as MACs: K·N."""
    assert isinstance(call.module, nn.Linear)
    return call.module.in_features * call.output.numel()


class MacsConvention:
    name = "macs"

    @hookimpl
    def torch_flops_register_rules(self, registry: Registry) -> None:
        registry.module(nn.Linear)(macs_linear)


def test_a_run_time_plugin_overrides_the_builtin_rule() -> None:
    result = count_flops(nn.Linear(5, 4), torch.randn(2, 5), plugins=[MacsConvention()])
    (op,) = [r for r in result.ops if r.kind == "call_module"]
    assert (op.plugin, op.rule, op.flops) == ("macs", f"{__name__}.macs_linear", 5 * 2 * 4)
    assert get_plugins(plugins=[MacsConvention()]).names[-1] == "macs"  # registered last


def test_a_disabled_run_time_plugin_is_not_used() -> None:
    result = count_flops(nn.Linear(5, 4), torch.randn(1, 5), plugins=[MacsConvention()], disable=["macs"])
    assert result.total == 40


def test_same_priority_conflict_warns_naming_both_and_resolves_deterministically() -> None:
    class One:
        name = "one"

        @hookimpl
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(nn.Linear)(lambda call: 1)

    class Two:
        name = "two"

        @hookimpl
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(nn.Linear)(lambda call: 2)

    winners = set()
    for _ in range(3):
        with pytest.warns(RuleConflictWarning, match="plugins 'two' and 'one' claim torch.nn.modules.linear.Linear"):
            winners.add(count_flops(nn.Linear(5, 4), torch.randn(1, 5), plugins=[One(), Two()]).total)
    # pluggy calls plain impls last-registered first: the later run-time plugin wins, every time.
    assert winners == {2}


def test_builtin_packs_do_not_conflict_with_each_other() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = load_plugins().table
    assert table.entries, "the built-in packs registered rules"


def _claims_linear(name: str, **marks: bool) -> object:
    class Plugin:
        @hookimpl(**marks)
        def torch_flops_register_rules(self, registry: Registry) -> None:
            registry.module(nn.Linear)(lambda call: 1)

    plugin = Plugin()
    plugin.name = name  # type: ignore[attr-defined]
    return plugin


def test_rules_are_collected_in_the_order_pluggy_calls_the_hook() -> None:
    plugins = [
        _claims_linear("late", trylast=True),
        _claims_linear("plain-a"),
        _claims_linear("first", tryfirst=True),
        _claims_linear("plain-b"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuleConflictWarning)  # plain-a and plain-b claim Linear at one priority
        plugin_set = load_plugins(plugins=plugins, entry_points=False)
        table = plugin_set.table
    called: list[str] = []
    for impl in plugin_set.manager.hook.torch_flops_register_rules.get_hookimpls():  # each notes itself
        impl.function = (lambda name: lambda registry: called.append(name))(impl.plugin_name)
    plugin_set.manager.hook.torch_flops_register_rules(registry=None)  # pluggy's own call
    assert called == ["first", "plain-b", "plain-a", "late"]
    assert [e.plugin for e in table.entries] == called
    assert table.module_rule(nn.Linear).plugin == "first"  # type: ignore[union-attr]


def test_a_wrapper_hookimpl_is_refused_by_name() -> None:
    class Wrapper:
        name = "wrapping"

        @hookimpl(wrapper=True)
        def torch_flops_register_rules(self, registry: Registry) -> Any:
            return (yield)

    plugin_set = load_plugins(plugins=[Wrapper()])
    with pytest.warns(PluginLoadWarning, match="'wrapping'.*hook wrapper"):
        infos = plugin_set.infos  # the rule table is built, and the wrapper refused, here
    assert next(i for i in infos if i.name == "wrapping").status == "failed"


def test_a_count_with_no_rule_at_all_says_so_once() -> None:
    with pytest.warns(PluginLoadWarning, match="no rule is loaded") as caught:
        result = count_flops(nn.Linear(4, 4), torch.randn(2, 4), disable=["nn", "functional", "aten", "torchvision"])
    assert len([w for w in caught if "no rule is loaded" in str(w.message)]) == 1
    assert result.unrecognized and result.total == 0
    assert any("no rule is loaded" in note for note in result.notes)
