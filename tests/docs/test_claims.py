"""Figures in the docs' prose that the code can produce, checked against it: each claim is (page, a regex whose
group is what the page says, a function computing what the code says). A change that makes a page false fails
here; fix the page (or the claim's function, when the page is right)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from docs.doc_blocks import ROOT

from torch_flops_core import count_flops
from torch_flops_core.cli import main


def _plugins() -> list[dict[str, object]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["plugins", "--format", "json"]) == 0
    rows: list[dict[str, object]] = json.loads(out.getvalue())
    return rows


def builtin_pack_names() -> str:
    return ", ".join(f"`{row['name']}`" for row in _plugins())


def builtin_pack_count() -> str:
    return {4: "four", 5: "five", 3: "three"}.get(len(_plugins()), str(len(_plugins())))


def zoo_size() -> str:
    import zoo_models

    return str(len(zoo_models.MODELS))


def engine_count() -> str:
    from torch_flops_core.engines.run import ENGINES

    engines = set(ENGINES) - {"auto"}  # auto is a name for the default engine, not an engine of its own
    return {3: "three", 4: "four"}.get(len(engines), str(len(engines)))


CLAIMS: list[tuple[str, str, Callable[[], str]]] = [
    ("README.md", r"`torch-flops plugins` lists the (\w+) built-in rule packs", builtin_pack_count),
    ("README.md", r"`torch-flops plugins` lists the \w+ built-in rule packs \(([^)]*)\)", builtin_pack_names),
    ("docs/conventions.md", r"every rule in the (\w+) built-in\s+packs", builtin_pack_count),
    ("docs/conventions.md", r"\((\d+) models on meta\)", zoo_size),
    ("docs/which-number.md", r"on the (\d+) models of the test zoo", zoo_size),
    ("docs/engines.md", r"has (\w+) engines", engine_count),
]


@pytest.mark.parametrize(("page", "pattern", "compute"), CLAIMS, ids=[f"{c[0]}:{c[2].__name__}" for c in CLAIMS])
def test_claim(page: str, pattern: str, compute: Callable[[], str]) -> None:
    match = re.search(pattern, (ROOT / page).read_text(encoding="utf-8"))
    assert match is not None, f"{page}: the claim {pattern!r} is gone: remove it from CLAIMS, or put it back"
    assert match[1] == compute(), f"{page} says {match[1]!r}, the code {compute()!r}"


def test_plugins_table_in_cli_md() -> None:
    """The plugins and rule counts docs/cli.md shows are what `torch-flops plugins` finds."""
    text = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    shown = text.split("$ torch-flops plugins\n", 1)[1].split("```", 1)[0].splitlines()[2:]
    rows = {line.split()[0]: int(line.split()[5]) for line in shown if line.strip()}
    assert rows == {str(row["name"]): row["rules"] for row in _plugins()}


def _doc_table_keys(text: str, heading: str) -> list[str]:
    """The backticked keys in the first column of the first table after ``heading``."""
    table = text.split(heading, 1)[1].split("\n\n| key |", 1)[1].split("\n\n", 1)[0]
    keys = []
    for line in table.splitlines()[1:]:
        keys += re.findall(r"`(\w+)`", line.split("|")[1])
    return keys


def test_json_keys_in_cli_md(tmp_path: Path) -> None:
    """docs/cli.md's JSON tables name every key a count's JSON holds, and no other."""
    text = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    (tmp_path / "tiny.py").write_text("import torch\n\ndef build():\n    return torch.nn.Linear(4, 2)\n")
    out = io.StringIO()
    argv = ["count", f"{tmp_path / 'tiny.py'}:build", "--input-shape", "1,4", "--format", "json", "--by-module", "1"]
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    cli = json.loads(out.getvalue())
    api = json.loads(count_flops(torch.nn.Linear(4, 2), torch.randn(1, 4)).to_json())
    top = _doc_table_keys(text, "### JSON schema")
    assert top == list(cli), "the top-level keys, in order"
    assert top[: len(api)] == list(api), "result.to_json()'s keys come first"
    assert _doc_table_keys(text, "An op object:") == list(cli["ops"][0])
    assert re.findall(r'"(\w+)":', text.split("A module object:", 1)[1].split("—", 1)[0]) == list(
        cli["by_module"]["modules"][0]
    )
