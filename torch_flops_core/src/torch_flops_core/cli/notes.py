"""What the command line says on stderr besides its output: ``torch-flops: note: ...`` lines, torch-flops' own
warnings turned into such notes while a model is counted, other libraries' warnings only with ``--verbose``.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator

from ..errors import PluginLoadWarning, RuleConflictWarning
from .usage import PROG

__all__ = ["note", "warnings_as_notes"]


def note(message: str) -> None:
    """``torch-flops: note: <message>`` on stderr."""
    print(f"{PROG}: note: {message}", file=sys.stderr)


_OWN_WARNINGS = (PluginLoadWarning, RuleConflictWarning)


@contextlib.contextmanager
def warnings_as_notes(verbose: bool) -> Iterator[None]:
    """torch-flops' own warnings become one ``note:`` line each; other libraries' only with ``--verbose``."""
    with warnings.catch_warnings(record=True) as caught:
        for category in _OWN_WARNINGS:
            warnings.simplefilter("always", category)
        try:
            yield
        finally:
            seen: set[str] = set()
            for w in caught:
                text = str(w.message)
                own = issubclass(w.category, _OWN_WARNINGS) or text.startswith(f"{PROG}:")
                if text in seen or not (own or verbose):
                    continue
                seen.add(text)
                if own:
                    note(text.removeprefix(f"{PROG}: ").rstrip("."))
                else:
                    print(f"{PROG}: warning: {w.category.__name__}: {text}", file=sys.stderr)
