"""The ``torch-flops`` argument parser: its commands (``count``, ``rules``, ``plugins``) and their options, grouped
as ``--help`` shows them. Torch-free, as ``--help`` and usage errors must be (``tests/cli/test_help.py``); each
command's handler is imported when it runs (:func:`build_parser` sets it as ``args.handler``)."""

from __future__ import annotations

import argparse
import importlib.metadata
from collections.abc import Callable

from .options import (
    CONVENTION_NAMES,
    DEFAULT_SEQ_LEN,
    DEVICES,
    DTYPE_NAMES,
    ENGINE_NAMES,
    FORMATS,
    SPEC_HELP,
    int_at_least,
    positive_float,
)
from .parallel import parallel_arguments
from .tree import tree_arguments
from .usage import PROG

__all__ = ["COUNT_EXAMPLES", "build_parser"]


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler of command ``name``: :mod:`.commands`' ``cmd_<name>``, imported only when the command runs."""

    def handler(args: argparse.Namespace) -> int:
        from . import commands

        run: Callable[[argparse.Namespace], int] = getattr(commands, f"cmd_{name}")
        return run(args)

    handler.__name__ = handler.__qualname__ = f"cmd_{name}"
    return handler


def _version() -> str:
    try:
        return importlib.metadata.version("torch-flops-core")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


COUNT_EXAMPLES = """examples:
  torch-flops count timm:resnet50
  torch-flops count timm:resnet50 --by-module 1 --top 5 --plot modules.png
  torch-flops count torchvision:vit_b_16 --format json --output vit.json
  torch-flops count hf:./llama-config --seq-len 512,1024,2048 --plot sweep.png
  torch-flops count hf:./llama-config --seq-len 2048 --backward --by-module 1
  torch-flops count hf:./llama-config --seq-len 512 --generate 64
  torch-flops count timm:resnet50 --device cpu --roofline --plot roofline.png
  torch-flops count my_models.py:build --input-shape '1,3,{224,384,512},{224,384,512}'

exit status: 0 done, 1 --strict found ops without a rule, 2 usage error (see docs/cli.md)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Exact FLOPs of every op in a PyTorch model's forward, counted by rule plugins.",
        epilog="Exit status: 0 done, 1 --strict found ops without a rule, 2 usage error. See docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    count = commands.add_parser(
        "count",
        help="count the FLOPs of a model",
        description="Count the exact FLOPs of a model, op by op, on the meta device unless told otherwise.",
        epilog=COUNT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    count.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    _input_arguments(count)
    _counting_arguments(count)
    _output_arguments(count)
    count.set_defaults(handler=_command("count"))
    rules = commands.add_parser(
        "rules",
        help="list every rule, its plugin and what it overrides",
        description="List every rule claim, in dispatch order.",
    )
    _rules_arguments(rules)
    plugins = commands.add_parser(
        "plugins", help="list discovered plugins and their status", description="List every discovered plugin."
    )
    _plugins_arguments(plugins)
    return parser


def _input_arguments(count: argparse.ArgumentParser) -> None:
    """``count``'s inputs: ``--input-shape``, ``--seq-len``, ``--batch-size``, ``--dtype``, ``--device``."""
    inputs = count.add_argument_group("inputs")
    inputs.add_argument(
        "--input-shape",
        action="append",
        default=[],
        metavar="SHAPE",
        help="shape of a positional float input, e.g. 1,3,224,224; repeat for several inputs; a brace list sweeps "
        "over sizes: 1,3,{224,384,512}. Default: the timm/torchvision config (1×3×224×224 for most)",
    )
    inputs.add_argument(
        "--seq-len",
        metavar="N[,N...]",
        help=f"language models: input_ids of batch × N tokens; a comma list sweeps. Default for hf: {DEFAULT_SEQ_LEN} "
        "(or the model's maximum if smaller)",
    )
    inputs.add_argument(
        "--batch-size", type=int_at_least(1), metavar="B", help="batch of the default inputs and --seq-len (default 1)"
    )
    inputs.add_argument(
        "--dtype", choices=list(DTYPE_NAMES), help="model and float inputs in this dtype (default: the model's)"
    )
    inputs.add_argument(
        "--device",
        choices=list(DEVICES),
        help="where the model is built and run (default meta: no weight memory; cpu where meta fails)",
    )


def _counting_arguments(count: argparse.ArgumentParser) -> None:
    """How ``count`` counts: ``--engine``, ``--disable-plugin``, ``--ignore-op``, ``--strict``, ``--backward``."""
    counting = count.add_argument_group("counting")
    counting.add_argument(
        "--engine",
        choices=list(ENGINE_NAMES),
        default="auto",
        help="auto (default) and eager count the model as it runs; fx counts its torch.fx graph (the seed's view)",
    )
    counting.add_argument(
        "--disable-plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="leave an installed plugin out (repeatable)",
    )
    counting.add_argument(
        "--ignore-op",
        action="append",
        default=[],
        metavar="NAME",
        help="count an op as 0 and show it as ignored: a module class name (Dropout) or op name (softmax); repeatable",
    )
    counting.add_argument("--strict", action="store_true", help="exit 1 when any op is not recognized")
    counting.add_argument(
        "--symbolic",
        metavar="NAMES",
        help="count once with symbolic sizes: names for the input's batch and sequence (tokens: B,T) or batch, height "
        "and width (images: B,H,W; _ keeps an axis a number); every figure is then a formula (docs/symbolic.md)",
    )
    counting.add_argument(
        "--backward",
        action="store_true",
        help="also count the backward pass of the outputs' sum (training FLOPs): totals per phase, a phase column; "
        "per token for language models",
    )
    counting.add_argument(
        "--generate",
        type=int_at_least(1),
        metavar="N",
        help="hf: language models: count generate() of N new tokens (greedy) from the input as prompt, on cpu; "
        "prints the prefill and each decode step with its context length (docs/generation.md)",
    )
    parallel_arguments(counting)  # --tp, --fsdp, --rank (cli/parallel.py)


def _output_arguments(count: argparse.ArgumentParser) -> None:
    """What ``count`` writes: ``--format``, ``--by-module``, ``--top``, ``--output``, ``--plot``, ``--roofline``
    and its peaks, ``--verbose``."""
    output = count.add_argument_group("output")
    output.add_argument("--format", choices=FORMATS, default="table", help="default table")
    output.add_argument(
        "--convention",
        choices=CONVENTION_NAMES,
        default=CONVENTION_NAMES[0],
        help="the figure tables sort, cut (--top) and plot by: exact (default: 2K-1 per dot product plus every "
        "element-wise op) or 2mac (2×MACs, as papers and FlopCounterMode); the total line gives both and the MACs",
    )
    output.add_argument(
        "--by-module", type=int_at_least(0), metavar="DEPTH", help="totals per module path cut to DEPTH, largest first"
    )
    output.add_argument("--top", type=int_at_least(1), metavar="K", help="only the K largest ops (or modules)")
    output.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    output.add_argument(
        "--plot",
        metavar="FILE",
        help="write a chart (.png or .svg): the top modules, or FLOPs versus size for a sweep; "
        "needs torch-flops-core[plot]",
    )
    output.add_argument(
        "--roofline",
        action="store_true",
        help="add each op's (or module's) bytes, FLOPs per byte and achieved FLOP/s and B/s to the report; with "
        "--plot, draw a roofline instead of module bars (needs --device cpu or cuda: times are measured there)",
    )
    output.add_argument(
        "--peak-flops",
        type=positive_float,
        metavar="FLOP/S",
        help="the roofline's compute roof, e.g. 1.2e12 (default: measured by a matmul)",
    )
    output.add_argument(
        "--peak-bandwidth",
        type=positive_float,
        metavar="B/S",
        help="the roofline's memory roof in bytes/s, e.g. 5e10 (default: measured by a copy)",
    )
    tree_arguments(output)  # --tree, --depth (cli/tree.py)
    output.add_argument("--verbose", "-v", action="store_true", help="also show other libraries' warnings")


def _rules_arguments(rules: argparse.ArgumentParser) -> None:
    """``rules``' filters (``--plugin``, ``--kind``, ``--shadowed``), plugins left out and output."""
    rules.add_argument("--plugin", metavar="NAME", help="only this plugin's rules")
    rules.add_argument("--kind", choices=["module", "function", "method"], help="only rules of this kind")
    rules.add_argument("--shadowed", action="store_true", help="only rules that override or are shadowed by another")
    rules.add_argument(
        "--doc", action="store_true", help="the rule catalogue as markdown: each rule's formula line and what it covers"
    )
    rules.add_argument("--disable-plugin", action="append", default=[], metavar="NAME", help="leave a plugin out")
    rules.add_argument("--format", choices=FORMATS, default="table")
    rules.add_argument("--output", "-o", metavar="FILE")
    rules.set_defaults(handler=_command("rules"))


def _plugins_arguments(plugins: argparse.ArgumentParser) -> None:
    """``plugins``' plugins left out and output."""
    plugins.add_argument("--disable-plugin", action="append", default=[], metavar="NAME", help="leave a plugin out")
    plugins.add_argument("--format", choices=FORMATS, default="table")
    plugins.add_argument("--output", "-o", metavar="FILE")
    plugins.set_defaults(handler=_command("plugins"))
