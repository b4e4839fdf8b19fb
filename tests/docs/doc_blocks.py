"""The fenced code blocks of README.md and docs/*.md, with the markers that say how the docs test treats them.

The convention (docs/contributing.md says the same, for writers):

- A block tagged ``python``, ``bash``, ``shell`` or ``console`` is **run** by ``tests/docs/test_docs.py``.
  Other tags (``toml``, ``text``) and untagged blocks are not run.
- ``<!-- illustrative: WHY -->`` on the line before a fence: the block is not run (or, for an output block,
  not compared); WHY says what it needs that the test does not have.
- ``<!-- output -->`` before an untagged block: it is what the runnable block before it prints (a bash
  block: its last command's stdout; a python block: what it prints), compared after ``normalise``.
- ``<!-- file: PATH -->`` before a block: its text is written to PATH (under the page's temporary folder)
  instead of being run. A folder that gets a ``pyproject.toml`` this way is installed with
  ``pip install --target`` into that folder's ``site/``, which is on ``PYTHONPATH`` for the page's blocks.
- ``<!-- setup: CODE -->`` (a comment over several lines) before a python block: CODE runs first, in the
  same namespace (what the reader is assumed to have, such as ``model`` and ``x``), and is not shown.
- A page's python blocks run in order in one fresh process (later blocks build on earlier ones), in a
  temporary folder; each bash line is one command (``torch-flops ...`` or ``python ...``, a trailing
  ``# comment`` dropped) run in that folder. A ``console`` block holds ``$ command`` lines, each followed
  by its expected output (stdout and stderr), compared after ``normalise``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN_LANGS = frozenset({"python", "bash", "shell", "console"})
SHELL_LANGS = frozenset({"bash", "shell"})
COMMANDS = ("torch-flops", "python")
"""What a bash line may start with to be run; any other line makes its block need ``illustrative``."""

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+)(?P<lang>[\w-]*)[ \t]*$")
MARKER = re.compile(r"<!--\s*(?P<kind>illustrative|output|file|setup)\s*:?(?P<text>.*?)-->", re.DOTALL)


@dataclass
class Block:
    """One fenced block: where it is, its tag, its text (dedented) and its marker (kind, text), if any."""

    page: Path
    line: int
    lang: str
    text: str
    marker: str | None = None
    marker_text: str = ""
    setup: list[str] = field(default_factory=list)
    after_fence: bool = False
    """Whether only blank lines and marker comments separate it from the block before it."""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang in RUN_LANGS and self.marker not in ("illustrative", "file")

    def commands(self) -> list[str]:
        """A bash block's command lines, trailing comments dropped (blank and comment lines skipped)."""
        lines = (re.sub(r"\s+#\s.*$", "", line).strip() for line in self.text.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order, with the marker comment that ends right before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        end = i + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]]
        block = Block(page, i + 1, match["lang"], "\n".join(body) + "\n")
        _attach_markers(block, lines, i)
        found.append(block)
        i = end + 1
    return found


def _attach_markers(block: Block, lines: list[str], fence_index: int) -> None:
    """The comments between the previous non-comment text and the fence: a marker and setup code."""
    j = fence_index - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0 or not lines[j].rstrip().endswith("-->"):
        block.after_fence = j >= 0 and lines[j].strip().startswith("```")
        return
    start = j
    while start >= 0 and "<!--" not in lines[start]:
        start -= 1
    before = start - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    block.after_fence = before >= 0 and lines[before].strip().startswith("```")
    text = "\n".join(lines[start : j + 1])
    for match in MARKER.finditer(text):
        kind, body = match["kind"], match["text"]
        if kind == "setup":
            block.setup.append(body.strip("\n"))
        else:
            block.marker, block.marker_text = kind, body.strip()


NORMALISERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?:/[\w.~-]+)+/"), "<path>/"),  # absolute paths
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:µs|ms|s)\b"), "<time>"),  # times
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:[KMG]i?B)\b"), "<memory>"),  # memory
    (re.compile(r"-{2,}"), "--"),  # table rulers follow the widest cell
    (re.compile(r"[ \t]+"), " "),  # so do the spaces between columns
]
"""What varies from run to run and is not what a page shows: paths, times, memory, column widths."""


def normalise(text: str) -> str:
    """``text`` with ``NORMALISERS`` applied, each line stripped, blank lines at both ends dropped."""
    for pattern, replacement in NORMALISERS:
        text = pattern.sub(replacement, text)
    return "\n".join(line.strip() for line in text.strip().splitlines())


def expected_output(page_blocks: list[Block], index: int) -> Block | None:
    """The ``<!-- output -->`` block right after block ``index`` (an untagged one), if there is one."""
    if index + 1 < len(page_blocks) and page_blocks[index + 1].marker == "output":
        return page_blocks[index + 1]
    return None


def console_pairs(block: Block) -> list[tuple[str, str]]:
    """A console block's ``$ command`` lines, each with the lines up to the next command."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:].strip(), []))
        elif pairs:
            pairs[-1][1].append(line)
    return [(command, "\n".join(out)) for command, out in pairs]


if __name__ == "__main__":  # list every block and what the docs test does with it
    for page in PAGES:
        for block in blocks(page):
            print(f"{block.where:40} {block.lang or '-':8} {block.marker or ('run' if block.runs else '')}")
