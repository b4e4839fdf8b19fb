"""Small wording bugs of issue 25: a run-time plugin module is named after its ``__name__`` (not ``module``),
an instance after its class, names kept unique; with timm installed but torchvision missing the error names
torchvision."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from torch_flops_core import get_plugins, hookimpl
from torch_flops_core.cli import UsageError
from torch_flops_core.cli.sources import timm_source


@hookimpl
def torch_flops_register_rules(registry: Any) -> None:
    """No rule: a plugin to be named."""


class Rules:
    @hookimpl
    def torch_flops_register_rules(self, registry: Any) -> None:
        """No rule: a plugin to be named."""


class Named(Rules):
    name = "custom"


def _module(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.torch_flops_register_rules = torch_flops_register_rules  # type: ignore[attr-defined]
    return module


def test_run_time_plugins_are_named_after_their_module_or_class() -> None:
    my_flops, other = _module("my_flops"), _module("pkg.my_flops")
    plugins = get_plugins(plugins=[my_flops, Rules(), Rules(), Named(), other])
    names = [info.name for info in plugins.infos if info.source == "run-time"]
    assert names == ["my_flops", "Rules", "Rules#2", "custom", "pkg.my_flops"]
    assert "module" not in names


def test_one_plugin_object_twice_is_an_error_saying_so() -> None:
    my_flops = _module("my_flops")
    with pytest.raises(ValueError, match="lists <module 'my_flops'> twice"):
        get_plugins(plugins=[my_flops, my_flops])


def test_timm_without_torchvision_names_torchvision(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A timm whose import needs torchvision, with torchvision missing: the error names torchvision."""
    (tmp_path / "timm").mkdir()
    (tmp_path / "timm" / "__init__.py").write_text("import torchvision.transforms\n")
    for name in [m for m in sys.modules if m == "timm" or m.startswith("timm.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torchvision", None)  # import torchvision raises ModuleNotFoundError
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UsageError) as info:
        timm_source("timm:resnet50", "resnet50")
    message = str(info.value)
    assert "needs 'torchvision', which 'timm' imports and is not installed" in message
    assert message.endswith("pip install torchvision")


def test_timm_missing_names_timm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "timm" or m.startswith("timm.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "timm", None)
    with pytest.raises(
        UsageError, match=r"needs the optional dependency 'timm', which is not installed .*pip install timm$"
    ):
        timm_source("timm:resnet50", "resnet50")
