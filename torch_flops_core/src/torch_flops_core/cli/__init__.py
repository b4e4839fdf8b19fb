"""The ``torch-flops`` command line: count a model in one command, list rules and plugins.

    torch-flops count timm:resnet50
    torch-flops count timm:resnet50 --by-module 1 --top 5 --plot modules.png
    torch-flops count hf:./llama-config --seq-len 512,1024,2048 --format json
    torch-flops count my_models.py:build --input-shape 1,3,{224,384,512}
    torch-flops rules --shadowed
    torch-flops plugins

:func:`main` returns the exit status: 0 done, 1 ``--strict`` found ops no rule knows, 2 bad usage
(unknown SPEC scheme, model not found, malformed shape, a factory that raised, a missing optional
dependency, a model that cannot run on the inputs). Usage errors print one
``torch-flops: error: ...`` message, never a Python traceback; a factory that raised shows the last
frames of its own traceback. ``docs/cli.md`` documents every command, option and the JSON schema.

The package: ``options`` (the parser's vocabulary, torch-free: ``--help`` and usage errors never import
torch; this module imports the rest on first use), ``shapes`` (``--input-shape`` and ``--seq-len``, sweeps),
``sources`` (SPEC schemes), ``run`` (building and counting), ``render`` (the formats), ``commands``
(``count``, ``rules``, ``plugins``), ``parser`` (the argument parser) and, here, :func:`main`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .model_source import ModelSource
from .options import EXIT_OK, EXIT_STRICT, EXIT_USAGE
from .options import FORMATS as FORMATS
from .parser import build_parser
from .shapes import InputPoint, parse_int_list, parse_shape, sweep_points
from .usage import PROG, UsageError

if TYPE_CHECKING:  # imported on first use (``__getattr__``): the parser and --help never import torch
    from .commands import rule_rows
    from .sources import resolve_spec, torchvision_source

__all__ = [
    "EXIT_OK", "EXIT_STRICT", "EXIT_USAGE", "InputPoint", "ModelSource", "UsageError", "build_parser", "main",
    "parse_int_list", "parse_shape", "resolve_spec", "rule_rows", "sweep_points", "torchvision_source",
]  # fmt: skip

_LAZY = {"rule_rows": "commands", "resolve_spec": "sources", "torchvision_source": "sources"}


def __getattr__(name: str) -> Any:
    """The names of :data:`_LAZY`, imported from their module on first use (that module imports torch)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            if any(re.fullmatch(r"[\d,]+", arg) for arg in extra):
                raise UsageError(
                    f"unexpected arguments {' '.join(extra)}: the shell expanded a brace sweep; quote it, as in "
                    "--input-shape '1,3,{224,384,512}'"
                )
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help, --version (0) or argparse's own usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `torch-flops count ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
