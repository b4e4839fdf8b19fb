"""Shared fixtures: plugin isolation and real on-disk distributions for discovery tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from torch_flops_core import clear_plugin_cache
from torch_flops_core.plugins import DISABLE_ENV

# Two non-built-in plugins are installed by requirements-dev.txt: the test-only 'acme'
# (tests/plugins/acme_flops, overrides nn.Linear) and the documentation's worked example 'example'
# (docs/examples/flops_example, overrides nn.GELU). Tests run with both disabled, through the same
# variable a user sets, unless they remove the variable themselves (monkeypatch.delenv).
DEFAULT_DISABLED = "acme,example"


@pytest.fixture(autouse=True)
def _only_builtin_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE_ENV, DEFAULT_DISABLED)


MakeDist = Callable[..., Path]


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDist]:
    """Write a real distribution (a ``dist-info`` and its modules) into a folder put on ``sys.path``.

    ``make_dist("acme-extra", {"extra": "acme_extra"}, {"acme_extra": "source"})`` makes
    ``importlib.metadata`` see distribution ``acme-extra`` 1.0 declaring the ``torch_flops`` entry
    point ``extra = acme_extra``, whose module has the given source.
    """
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))

    def make(name: str, entry_points: dict[str, str], modules: dict[str, str], version: str = "1.0") -> Path:
        dist_info = root / f"{name.replace('-', '_')}-{version}.dist-info"
        dist_info.mkdir()
        (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = "".join(f"{ep} = {value}\n" for ep, value in entry_points.items())
        (dist_info / "entry_points.txt").write_text(f"[torch_flops]\n{lines}")
        for module, source in modules.items():
            (root / f"{module}.py").write_text(textwrap.dedent(source))
        return dist_info

    clear_plugin_cache()
    yield make
    clear_plugin_cache()
