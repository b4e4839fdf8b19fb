"""pytest fixtures for plugin authors, loaded automatically wherever torch-flops-core is installed.

``torch_flops`` gives the helpers of :mod:`torch_flops_core.testing` with a clean plugin state:
``TORCH_FLOPS_DISABLE_PLUGINS`` unset and the plugin cache cleared, before and after the test::

    def test_my_rule(torch_flops):
        torch_flops.assert_op_counts(MyLayer(), x, expected=..., only=["mypack"])
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from . import testing
from .plugins import DISABLE_ENV, clear_plugin_cache


@pytest.fixture
def torch_flops(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """``count_with``, ``assert_op_counts`` and ``only_plugins``, with no plugin disabled by the environment."""
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    clear_plugin_cache()
    yield SimpleNamespace(
        count_with=testing.count_with,
        assert_op_counts=testing.assert_op_counts,
        only_plugins=testing.only_plugins,
        installed_plugin_names=testing.installed_plugin_names,
    )
    clear_plugin_cache()
