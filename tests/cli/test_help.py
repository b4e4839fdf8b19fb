"""``torch-flops --help`` and usage errors answer without importing torch (issue 25): the parser is built from
literals (:mod:`torch_flops_core.cli.options`), checked here against the tables they stand for. A behaviour
test, not a timed one: ``benchmarks/cli_help.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from torch_flops_core.cli import options

# Each argv, run by ``main`` in one child process: its exit status and whether torch was imported by then.
ARGVS = [
    ["--help"],
    ["--version"],
    ["count", "--help"],
    ["rules", "--help"],
    ["plugins", "--help"],
    [],  # no command
    ["count"],  # no SPEC
    ["count", "timm:resnet50", "--engine", "nope"],
    ["count", "timm:resnet50", "--top", "0"],
    ["count", "timm:resnet50", "--input-shape", "1,3,224", "384"],  # a brace sweep the shell expanded
    ["frobnicate"],
]

CHILD = """
import contextlib, io, json, sys
from torch_flops_core.cli import main
rows = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    rows.append({"code": code, "torch": "torch" in sys.modules, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps(rows))
"""


@pytest.fixture(scope="module")
def answers() -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(ARGVS)], capture_output=True, text=True, check=True, timeout=120
    )
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


@pytest.mark.parametrize("index", range(len(ARGVS)), ids=[" ".join(a) or "(none)" for a in ARGVS])
def test_help_and_usage_errors_do_not_import_torch(answers: list[dict[str, object]], index: int) -> None:
    row = answers[index]
    assert row["torch"] is False, f"{ARGVS[index]} imported torch"
    help_or_version = ARGVS[index][-1:] in (["--help"], ["--version"])
    assert row["code"] == (0 if help_or_version else options.EXIT_USAGE)
    assert "torch-flops" in str(row["out"] if help_or_version else row["err"])


def test_count_help_still_lists_every_choice(answers: list[dict[str, object]]) -> None:
    text = str(answers[ARGVS.index(["count", "--help"])]["out"])
    for choice in (*options.ENGINE_NAMES, *options.DTYPE_NAMES, *options.DEVICES, *options.FORMATS):
        assert choice in text


def test_a_usage_error_says_what_is_wrong(answers: list[dict[str, object]]) -> None:
    assert "invalid choice: 'nope'" in str(answers[ARGVS.index(["count", "timm:resnet50", "--engine", "nope"])]["err"])
    assert "quote it" in str(answers[ARGVS.index(["count", "timm:resnet50", "--input-shape", "1,3,224", "384"])]["err"])


def test_python_m_answers_help_without_torch() -> None:
    """``python -m torch_flops_core --help``: the package itself imports nothing heavy."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "torch_flops_core", "--help"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
    assert "torch" not in imported and "pluggy" not in imported
    assert done.stdout.startswith("usage: torch-flops")


def test_the_literal_choices_are_the_real_tables() -> None:
    import torch

    from torch_flops_core.cli.run import DTYPES
    from torch_flops_core.engines import ENGINES

    assert set(options.ENGINE_NAMES) == set(ENGINES), "--engine's choices are not the engines: update cli/options.py"
    assert all(isinstance(DTYPES[name], torch.dtype) for name in options.DTYPE_NAMES)
    assert options.DEVICES == ("cpu", "cuda", "meta")


def test_the_package_exports_its_names_on_first_use() -> None:
    import torch_flops_core

    for name in torch_flops_core.__all__:
        assert getattr(torch_flops_core, name) is not None
    assert torch_flops_core.plugins.get_plugins is torch_flops_core.get_plugins
    assert set(torch_flops_core.__all__) <= set(dir(torch_flops_core))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = torch_flops_core.nope
