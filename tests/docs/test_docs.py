"""The docs as tests: every python and shell block of README.md and docs/*.md runs (or is marked illustrative),
and what a page shows as its output is what it prints. The markers are described in ``doc_blocks`` and in
docs/contributing.md. The fast tests check the markers; running the pages is ``slow``."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from docs.doc_blocks import (
    COMMANDS,
    PAGES,
    ROOT,
    SHELL_LANGS,
    Block,
    blocks,
    console_pairs,
    expected_output,
    normalise,
)

PAGE_IDS = [str(page.relative_to(ROOT)) for page in PAGES]
RUNNABLE_PAGES = [page for page in PAGES if any(block.runs for block in blocks(page))]
TIMEOUT_S = 600


def test_pages_found() -> None:
    assert (ROOT / "README.md") in PAGES and len(PAGES) > 5


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_block_runs_or_is_marked(page: Path) -> None:
    """A new python or shell block fails here until it runs as written or says why it is illustrative."""
    problems = []
    page_blocks = blocks(page)
    for i, block in enumerate(page_blocks):
        if block.marker == "illustrative" and not block.marker_text:
            problems.append(f"{block.where}: say why it is illustrative: <!-- illustrative: WHY -->")
        if block.lang in SHELL_LANGS and block.runs:
            odd = [line for line in block.commands() if not line.startswith(COMMANDS)]
            if odd:
                problems.append(f"{block.where}: {odd[0]!r} is not a torch-flops or python command: "
                                "mark the block <!-- illustrative: WHY --> or split it")  # fmt: skip
        if block.lang == "console" and block.runs and not console_pairs(block):
            problems.append(f"{block.where}: a console block holds `$ command` lines")
        if block.marker == "output" and (i == 0 or not page_blocks[i - 1].runs or block.lang):
            problems.append(f"{block.where}: <!-- output --> marks an untagged block right after a runnable one")
        previous = page_blocks[i - 1] if i else None
        if not block.lang and block.after_fence and previous is not None and previous.runs and block.marker is None:
            problems.append(f"{block.where}: the output of {previous.where}? mark it <!-- output --> (compared) "
                            "or <!-- illustrative: WHY -->")  # fmt: skip
    assert not problems, "\n".join(problems)


DRIVER = textwrap.dedent(
    """
    import json, sys, traceback
    namespace = {"__name__": "__main__"}
    for where, code in json.load(open(sys.argv[1])):
        print(f"\\n@@block {where}@@", flush=True)
        try:
            exec(compile(code, where, "exec"), namespace)
        except BaseException:
            traceback.print_exc()
            print(f"docs test: the block at {where} raised", file=sys.stderr)
            sys.exit(1)
        sys.stdout.flush()
    """
)


def _environment(page_blocks: list[Block], folder: Path) -> dict[str, str]:
    """Write the page's ``file:`` blocks, install the distributions they make; the environment to run in."""
    env = dict(os.environ)
    env.pop("TORCH_FLOPS_DISABLE_PLUGINS", None)
    for block in page_blocks:
        if block.marker == "file":
            path = folder / block.marker_text
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.text, encoding="utf-8")
    projects = sorted(path.parent for path in folder.glob("*/pyproject.toml"))
    if projects:
        site = folder / "site"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-build-isolation",
             "--target", str(site), *map(str, projects)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _argv(command: str) -> list[str]:
    words = shlex.split(command)
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    script = shutil.which("torch-flops")
    return [script, *words[1:]] if script else [sys.executable, "-m", "torch_flops_core", *words[1:]]


def _run(command: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_argv(command), cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)


def _compare(shown: str, printed: str, where: str) -> None:
    assert normalise(printed) == normalise(shown), f"{where}: the output shown is not what it prints"


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE_PAGES, ids=[str(page.relative_to(ROOT)) for page in RUNNABLE_PAGES])
def test_page_runs(page: Path, tmp_path: Path) -> None:
    """Every runnable block of the page runs as written; every output shown next to one is what it prints."""
    page_blocks = blocks(page)
    env = _environment(page_blocks, tmp_path)
    python = [(i, block) for i, block in enumerate(page_blocks) if block.runs and block.lang == "python"]
    if python:
        script = [(block.where, "\n".join([*block.setup, block.text])) for _, block in python]
        (tmp_path / "_blocks.json").write_text(json.dumps(script), encoding="utf-8")
        (tmp_path / "_driver.py").write_text(DRIVER, encoding="utf-8")
        done = _run("python _driver.py _blocks.json", tmp_path, env)
        assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
        printed = dict(part.split("@@\n", 1) for part in done.stdout.split("\n@@block ")[1:])
        for i, block in python:
            shown = expected_output(page_blocks, i)
            if shown is not None:
                _compare(shown.text, printed[block.where], shown.where)
    for i, block in enumerate(page_blocks):
        if not block.runs or block.lang == "python":
            continue
        if block.lang == "console":
            for command, shown_text in console_pairs(block):
                done = _run(command, tmp_path, env)
                _compare(shown_text, done.stdout + done.stderr, f"{block.where} ($ {command})")
            continue
        for command in block.commands():
            done = _run(command, tmp_path, env)
            assert done.returncode == 0, f"{block.where}: {command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        shown = expected_output(page_blocks, i)
        if shown is not None:
            _compare(shown.text, done.stdout, shown.where)
