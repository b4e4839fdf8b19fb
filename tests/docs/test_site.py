"""The docs site: ``mkdocs build --strict`` passes (mkdocs.yml, tools/docs_hooks.py, tools/griffe_roles.py), and
the rule catalogue (``torch-flops rules --doc``, the site's ``reference/rules`` page) lists every rule of the live
table with its formula line.

The build takes about 9 s (a subprocess; the API reference and the catalogue of ~2,200 claims): under the 20 s
above which a docs test is marked slow."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from torch_flops_core import get_plugins
from torch_flops_core.cli import main

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| `(?P<rule>[^`]+)` \| (?P<formula>.*) \| (?P<covers>(?:module|function|method)[/a-z]*: .*) \|$")
CODE_SPAN = re.compile(r"`([^`]+)`")


def catalogue_rows(text: str) -> list[re.Match[str]]:
    """The rule rows of the catalogue's tables (every line that starts a table row, checked to parse)."""
    lines = [line for line in text.splitlines() if line.startswith("| `")]
    rows = [ROW.match(line) for line in lines]
    unparsed = [line for line, row in zip(lines, rows, strict=True) if row is None]
    assert not unparsed, f"catalogue rows that do not parse: {unparsed[:3]}"
    return [row for row in rows if row is not None]


def test_rules_doc_lists_every_rule_of_the_live_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--doc"]) == 0
    out = capsys.readouterr().out
    table = get_plugins().table
    rows = catalogue_rows(out)
    claimed = collections.Counter(
        target
        for row in rows
        for target in CODE_SPAN.findall(row["covers"].split("; subclasses:")[0].split(": ", 1)[1])
    )
    assert sum(claimed.values()) == len(table.entries)
    assert claimed == collections.Counter(entry.target_name for entry in table.entries)
    assert all(row["formula"].strip() for row in rows), [row["rule"] for row in rows if not row["formula"].strip()]
    rules = {(entry.plugin, entry.name) for entry in table.entries}
    assert len(rows) == len(rules)
    plugins = {entry.plugin for entry in table.entries}
    assert f"{len(rules)} rules from {len(plugins)} plugins, {len(table.entries)} claims" in out


def test_rules_doc_refuses_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--doc", "--kind", "module"]) == 2
    assert "--doc prints the whole catalogue: leave out --kind" in capsys.readouterr().err


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert done.returncode == 0, (
        f"mkdocs build --strict failed (pip install -r requirements-dev.txt installs the docs tools):\n{done.stderr}"
    )
    catalogue = (site / "reference" / "rules" / "index.html").read_text()
    assert catalogue.count("<tr>") > len(get_plugins().table.entries) // 10, "the rule catalogue was not filled in"
    assert "<!-- rule-catalogue -->" not in catalogue
    api = (site / "reference" / "api" / "index.html").read_text()
    assert 'id="torch_flops_core.count_flops"' in api
    assert ":func:`" not in api and ":class:`" not in api, "Sphinx roles left raw (tools/griffe_roles.py)"
