"""The command line's own error: bad usage, printed as one message (``torch-flops: error: <message>``).

Library code never raises it: it raises :class:`~torch_flops_core.errors.TorchFlopsError` subclasses (a
:class:`~torch_flops_core.errors.PlotError` for a chart, an ``InputError`` for inputs ...), and the commands
translate those into a ``UsageError`` that names the command-line flag involved.
"""

from __future__ import annotations

__all__ = ["PROG", "UsageError"]

PROG = "torch-flops"
"""The command line's name, as its messages begin (``torch-flops: error: ...``, ``torch-flops: note: ...``)."""


class UsageError(Exception):
    """Bad usage: printed as ``torch-flops: error: <message>``; the command exits with status 2."""
