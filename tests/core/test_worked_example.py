"""The worked example of docs/writing-plugins.md passes its own tests once installed, as its author
would run them (``pip install ./flops_example && pytest``): installed into a temporary folder for the
run, never into the developer's environment, where it would change what the built-in packs count."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import EXTRA_PLUGINS, run_python


@pytest.mark.slow
def test_the_worked_example_passes_its_own_test_suite(plugin_site: Path) -> None:
    tests = EXTRA_PLUGINS["example"] / "tests"
    done = run_python(
        f"""
        import sys, pytest
        sys.exit(pytest.main([{str(tests)!r}, "-q", "-p", "no:cacheprovider"]))
        """,
        plugin_site,
    )
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout
