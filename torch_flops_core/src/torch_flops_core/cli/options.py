"""The parser's fixed vocabulary: output formats, dtype and engine names, the SPEC help, exit statuses.

Torch-free on purpose: the parser is built from these, so ``torch-flops --help`` and usage errors answer
without importing torch. The names are literals; ``tests/cli/test_help.py`` checks them against the tables
they stand for (:data:`torch_flops_core.engines.ENGINES`, :data:`torch_flops_core.cli.run.DTYPES`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = [
    "CONVENTION_NAMES",
    "DEFAULT_SEQ_LEN",
    "DEVICES",
    "DTYPE_NAMES",
    "ENGINE_NAMES",
    "EXIT_OK",
    "EXIT_STRICT",
    "EXIT_USAGE",
    "FORMATS",
    "SPEC_HELP",
    "int_at_least",
    "positive_float",
]

EXIT_OK, EXIT_STRICT, EXIT_USAGE = 0, 1, 2
FORMATS = ("table", "json", "csv", "markdown")
DTYPE_NAMES = ("float32", "float16", "bfloat16", "float64")
"""``--dtype`` choices: names of ``torch`` attributes (``torch.float32`` ...)."""
ENGINE_NAMES = ("auto", "fx", "eager", "aten")
"""``--engine`` choices: the keys of :data:`torch_flops_core.engines.ENGINES`."""
DEVICES = ("cpu", "cuda", "meta")
CONVENTION_NAMES = ("exact", "2mac")
"""``--convention`` choices: :data:`torch_flops_core.conventions.CONVENTIONS`, the default first."""
DEFAULT_SEQ_LEN = 512
"""``hf:`` language models without ``--seq-len``: 512 tokens, or the model's maximum if smaller."""
SPEC_HELP = (
    "SPEC is timm:NAME, torchvision:NAME, hf:PATH (a local config.json or its folder), "
    "package.module:factory, path/to/file.py:factory or path/to/program.pt2 (saved with torch.export.save)"
)


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer not below ``minimum``."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return convert


def positive_float(text: str) -> float:
    """An argparse ``type``: a positive number (``1.2e12``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (write 1.2e12 for 1.2 TFLOP/s)") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not positive")
    return value
