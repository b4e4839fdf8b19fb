"""Shared fixtures: the README's environment, and real installed distributions for discovery tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

pytest.register_assert_rewrite("helpers")  # its asserts explain a failure as a test's own do

from helpers import EXTRA_PLUGINS, ROOT  # noqa: E402 (after the rewrite hook)

from torch_flops_core import clear_plugin_cache  # noqa: E402
from torch_flops_core.plugins import DISABLE_ENV  # noqa: E402


@pytest.fixture(autouse=True)
def _no_disabled_plugins_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the environment the README's set-up makes: a developer's own variable does not leak in."""
    monkeypatch.delenv(DISABLE_ENV, raising=False)


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding acme-flops and flops-example, installed from their sources as a user would
    (``pip install --target``: real wheels, real ``dist-info`` and entry points). Put it on
    ``PYTHONPATH`` of a subprocess (``helpers.run_python``) to count with those plugins installed."""
    site = tmp_path_factory.mktemp("plugin_site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-build-isolation",
         "--target", str(site), *map(str, EXTRA_PLUGINS.values())],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return site


MakeDist = Callable[..., Path]

ISOLATED_ENV = "TORCH_FLOPS_TESTS_ISOLATED"
IN_CHILD = os.environ.get(ISOLATED_ENV) == "1"
"""Whether this pytest is the child process that runs the tests marked ``isolated``."""


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A test marked ``isolated`` runs in a child pytest process (all of them in one), never in this one:
    here it passes or fails as it did there."""
    if IN_CHILD or pyfuncitem.get_closest_marker("isolated") is None:
        return None
    outcome = _isolated_outcomes(pyfuncitem.session).get(pyfuncitem.nodeid, "did not run in the child process")
    if outcome != "passed":
        raise AssertionError(f"in its own process: {outcome}")
    return True


def _isolated_outcomes(session: pytest.Session) -> dict[str, str]:
    """Run every collected test marked ``isolated`` in one child pytest; their outcomes by node id."""
    cached: dict[str, str] | None = getattr(session, "_isolated_outcomes", None)
    if cached is not None:
        return cached
    nodeids = [item.nodeid for item in session.items if item.get_closest_marker("isolated") is not None]
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        environ = {k: v for k, v in os.environ.items() if k != DISABLE_ENV} | {ISOLATED_ENV: "1"}
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=--strict-markers",
             f"--import-mode={session.config.getoption('importmode')}", f"--junitxml={report}", *nodeids],
            cwd=ROOT, env=environ, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        outcomes: dict[str, str] = {}
        if report.exists():
            for case in ElementTree.parse(report).getroot().iter("testcase"):
                nodeid = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
                problem = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
                outcomes[nodeid] = (
                    "passed" if problem is None else f"{problem.tag}: {problem.get('message')}\n{problem.text or ''}"
                )
    session._isolated_outcomes = outcomes  # type: ignore[attr-defined]
    return outcomes


def _refuse(*args: object, **kwargs: object) -> Path:
    raise RuntimeError(
        "make_dist puts a distribution on sys.path: use it only in tests marked @pytest.mark.isolated, which run in "
        "a child process, so the environment of the test run stays the README's"
    )


@pytest.fixture
def make_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeDist]:
    """Write a real distribution (a ``dist-info`` and its modules) into a folder put on ``sys.path``.

    ``make_dist("acme-extra", {"extra": "acme_extra"}, {"acme_extra": "source"})`` makes
    ``importlib.metadata`` see distribution ``acme-extra`` 1.0 declaring the ``torch_flops`` entry
    point ``extra = acme_extra``, whose module has the given source. Only in a test marked
    ``isolated``: it runs in a child process (``pytest_pyfunc_call``), so nothing of it reaches this one.
    """
    if not IN_CHILD:
        yield _refuse
        return
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
