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
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import importlib
import importlib.util
import io
import json
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import torch
from tabulate import tabulate

from .api import count_flops
from .errors import (
    InputError,
    PluginLoadWarning,
    RuleConflictWarning,
    TorchFlopsError,
    TracingError,
)
from .plugins import get_plugins, load_plugins
from .registry import RuleEntry, RuleTable
from .report import (
    format_flops,
    format_macs,
    module_rows,
    render_csv,
    render_module_csv,
    render_module_table,
    render_table,
    result_to_dict,
)
from .results import FlopsResult
from .tracer import graph_module

__all__ = [
    "EXIT_OK",
    "EXIT_STRICT",
    "EXIT_USAGE",
    "InputPoint",
    "ModelSource",
    "UsageError",
    "build_parser",
    "main",
    "parse_int_list",
    "parse_shape",
    "resolve_spec",
    "sweep_points",
]

PROG = "torch-flops"
EXIT_OK, EXIT_STRICT, EXIT_USAGE = 0, 1, 2
FORMATS = ("table", "json", "csv", "markdown")
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
}
DEFAULT_SEQ_LEN = 512
"""``hf:`` language models without ``--seq-len``: 512 tokens, or the model's maximum if smaller."""
DEFAULT_IMAGE_SIZE = 224
"""``torchvision:`` models whose weights name no crop size."""
DEFAULT_MODULE_DEPTH, DEFAULT_PLOT_TOP = 1, 15
CPU_FALLBACK_LIMIT = 2 * 1024**3
"""Largest model (bytes of weights) rebuilt on cpu when its forward cannot run on meta."""
TRACEBACK_FRAMES = 3

SPEC_HELP = (
    "SPEC is timm:NAME, torchvision:NAME, hf:PATH (a local config.json or its folder), "
    "package.module:factory or path/to/file.py:factory"
)
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")


class UsageError(Exception):
    """Bad usage: printed as ``torch-flops: error: <message>``; the command exits with status 2."""


# --------------------------------------------------------------------------------------------
# Shapes and sweeps
# --------------------------------------------------------------------------------------------

Dim = int | tuple[int, ...]
"""One dimension of a shape as written: a size, or a brace list of sizes (a sweep)."""


def _positive(text: str, what: str, example: str) -> int:
    text = text.strip()
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"malformed {what}: {text!r} is not a positive integer; {example}")
    return int(text)


_SHAPE_EXAMPLE = "expected comma-separated positive integers such as 1,3,224,224 (a sweep: 1,3,{224,384,512})"


def parse_shape(text: str) -> list[Dim]:
    """``"1,3,{224,384},{224,384}"`` → ``[1, 3, (224, 384), (224, 384)]``.

    Dimensions are positive integers separated by commas; a dimension in braces is a list of sizes
    to sweep over. Anything else raises :class:`UsageError`.
    """
    where = f"--input-shape {text!r}"
    parts: list[str] = []
    depth, current = 0, ""
    for ch in text:
        if ch == "{":
            if depth:
                raise UsageError(f"malformed {where}: nested braces; {_SHAPE_EXAMPLE}")
            depth = 1
        elif ch == "}":
            if not depth:
                raise UsageError(f"malformed {where}: unbalanced '}}'; {_SHAPE_EXAMPLE}")
            depth = 0
        elif ch == "," and not depth:
            parts.append(current)
            current = ""
            continue
        current += ch
    if depth:
        raise UsageError(f"malformed {where}: unbalanced '{{'; {_SHAPE_EXAMPLE}")
    parts.append(current)
    dims: list[Dim] = []
    for part in parts:
        part = part.strip()
        if part.startswith("{") and part.endswith("}"):
            values = tuple(_positive(v, where, _SHAPE_EXAMPLE) for v in part[1:-1].split(","))
            dims.append(values[0] if len(values) == 1 else values)
        elif "{" in part or "}" in part:
            raise UsageError(f"malformed {where}: {part!r} mixes a size and a brace list; {_SHAPE_EXAMPLE}")
        else:
            dims.append(_positive(part, where, _SHAPE_EXAMPLE))
    return dims


def parse_int_list(text: str, option: str) -> list[int]:
    """``"512,1024,2048"`` (or ``"{512,1024,2048}"``) → ``[512, 1024, 2048]``."""
    inner = text.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    return [
        _positive(v, f"{option} {text!r}", "expected a positive integer or a comma list such as 512,1024")
        for v in inner.split(",")
    ]


@dataclass(frozen=True)
class InputPoint:
    """The inputs of one count: positional float tensors of ``shapes``, and ``input_ids`` when ``seq_len``."""

    shapes: tuple[tuple[int, ...], ...] = ()
    seq_len: int | None = None
    batch_size: int = 1
    size: int | None = None
    """The swept value of this point (a sweep's x axis); ``None`` outside sweeps."""

    def describe(self) -> str:
        parts = ["×".join(map(str, shape)) for shape in self.shapes]
        if self.seq_len is not None:
            parts.append(f"input_ids {self.batch_size}×{self.seq_len}")
        return ", ".join(parts) or "no inputs"

    def to_json(self, dtype: torch.dtype) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = [
            {"keyword": None, "shape": list(shape), "dtype": _dtype_name(dtype)} for shape in self.shapes
        ]
        if self.seq_len is not None:
            items.append({"keyword": "input_ids", "shape": [self.batch_size, self.seq_len], "dtype": "int64"})
        return items


def sweep_points(shape_args: Sequence[str]) -> list[InputPoint]:
    """Expand ``--input-shape`` values into one :class:`InputPoint` per sweep size.

    Brace lists are zipped, not crossed: ``1,3,{224,384},{224,384}`` gives 1×3×224×224 and
    1×3×384×384, so every brace list in a command must have the same length.
    """
    parsed = [parse_shape(text) for text in shape_args]
    groups = [d for dims in parsed for d in dims if isinstance(d, tuple)]
    lengths = {len(g) for g in groups}
    if len(lengths) > 1:
        raise UsageError(
            f"the brace lists in --input-shape have different lengths ({', '.join(map(str, sorted(lengths)))}); "
            "they are zipped, one size from each per count, so give them equally many sizes"
        )
    if not groups:
        return [InputPoint(shapes=tuple(tuple(d for d in dims if isinstance(d, int)) for dims in parsed))]
    points = []
    for i in range(lengths.pop()):
        shapes = tuple(tuple(d[i] if isinstance(d, tuple) else d for d in dims) for dims in parsed)
        points.append(InputPoint(shapes=shapes, size=groups[0][i]))
    return points


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


# --------------------------------------------------------------------------------------------
# SPEC resolution: one function per scheme
# --------------------------------------------------------------------------------------------


@dataclass
class ModelSource:
    """What a SPEC resolved to: how to build the model, and its default inputs where known."""

    spec: str
    scheme: str
    """``timm``, ``torchvision``, ``hf``, ``module`` or ``file``."""
    build: Callable[[], Any]
    """Builds the model; called inside ``with torch.device(device):``."""
    default_input: Callable[[Any, int], InputPoint | None] = field(default=lambda model, batch: None)
    """The default inputs for a built model and a batch size, or ``None`` when unknown."""
    what: str = "building the model"
    """How to name ``build`` in an error message (``factory 'models.py:make'``)."""
    max_seq_len: Callable[[Any], int | None] = field(default=lambda model: None)


def _traceback_tail(exc: BaseException) -> str:
    """The last frames of ``exc``'s traceback (not this module's own), and the exception itself."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    te = traceback.TracebackException(type(exc), exc, tb)
    frames = te.stack.format()[-TRACEBACK_FRAMES:]
    lines = ["Traceback (most recent call last):\n", *frames, *te.format_exception_only()]
    return "".join(lines).rstrip()


def _raised(what: str, exc: BaseException) -> UsageError:
    message = str(exc).strip().splitlines()
    first = f": {message[0]}" if message else ""
    return UsageError(f"{what} raised {type(exc).__name__}{first}\n{_traceback_tail(exc)}")


def _require(module: str, needed_for: str, install: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UsageError(
            f"{needed_for} needs the optional dependency {module.split('.')[0]!r}, which is not installed "
            f"({exc}): pip install {install}"
        ) from None


def _not_found(what: str, name: str, candidates: Sequence[str]) -> UsageError:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return UsageError(f"model not found: {what} has no model {name!r}{hint}")


def timm_source(spec: str, name: str) -> ModelSource:
    """``timm:NAME``: ``timm.create_model(NAME, pretrained=False)``; input from ``pretrained_cfg``."""
    timm = _require("timm", spec, "timm")
    if not timm.is_model(name):
        raise _not_found("timm", name, timm.list_models())

    def default_input(model: Any, batch: int) -> InputPoint | None:
        cfg = getattr(model, "pretrained_cfg", None) or getattr(model, "default_cfg", None) or {}
        size = cfg.get("input_size")
        return InputPoint(shapes=((batch, *size),), batch_size=batch) if size else None

    return ModelSource(spec, "timm", lambda: timm.create_model(name, pretrained=False), default_input)


def _torchvision_size(models: ModuleType, name: str) -> int:
    """The crop size of the model's first weights (``IMAGENET1K_V1``: 224; Inception v3: 299), else 224."""
    try:
        weights = next(iter(models.get_model_weights(name)))
        crop = getattr(weights.transforms(), "crop_size", None)
    except Exception:  # no weights enum, or transforms that need arguments
        return DEFAULT_IMAGE_SIZE
    if isinstance(crop, list | tuple) and crop:
        return int(crop[0])
    return int(crop) if isinstance(crop, int) else DEFAULT_IMAGE_SIZE


def torchvision_source(spec: str, name: str) -> ModelSource:
    """``torchvision:NAME``: ``torchvision.models.get_model(NAME, weights=None)``; input 3×S×S."""
    models = _require("torchvision.models", spec, "torchvision")
    available = models.list_models()
    if name not in available:
        raise _not_found("torchvision", name, available)

    def default_input(model: Any, batch: int) -> InputPoint:
        size = _torchvision_size(models, name)
        return InputPoint(shapes=((batch, 3, size, size),), batch_size=batch)

    return ModelSource(spec, "torchvision", lambda: models.get_model(name, weights=None), default_input)


def hf_source(spec: str, path: str) -> ModelSource:
    """``hf:PATH``: a local transformers ``config.json`` (or its folder), never the hub.

    ``AutoModelForCausalLM.from_config`` (``AutoModel`` for configurations it does not cover);
    language models get ``input_ids``, image models ``pixel_values`` from the config's image size.
    """
    location = Path(path).expanduser()
    if not location.exists():
        raise UsageError(
            f"model not found: {path!r} does not exist (hf:PATH takes a local config.json, or a folder holding "
            "one; nothing is downloaded from the hub)"
        )
    if location.is_dir() and not (location / "config.json").is_file():
        raise UsageError(f"model not found: the folder {path!r} holds no config.json")
    os.environ["HF_HUB_OFFLINE"] = "1"  # never the hub, whatever the config names
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    transformers = _require("transformers", spec, "transformers")
    try:
        config = transformers.AutoConfig.from_pretrained(str(location), local_files_only=True)
    except Exception as exc:
        raise UsageError(f"could not read the transformers config {path!r}: {type(exc).__name__}: {exc}") from None

    def build() -> Any:
        auto = transformers.AutoModelForCausalLM
        mapping = getattr(auto, "_model_mapping", None)
        with contextlib.suppress(Exception):
            if mapping is not None and type(config) not in mapping:
                auto = transformers.AutoModel
        return auto.from_config(config)

    def max_seq_len(model: Any) -> int | None:
        for attr in ("max_position_embeddings", "n_positions"):
            value = getattr(config, attr, None)
            if isinstance(value, int) and value > 0:
                return value
        return None

    def default_input(model: Any, batch: int) -> InputPoint | None:
        if getattr(model, "main_input_name", "input_ids") == "input_ids":
            limit = max_seq_len(model)
            seq = min(DEFAULT_SEQ_LEN, limit) if limit else DEFAULT_SEQ_LEN
            return InputPoint(seq_len=seq, batch_size=batch)
        size, channels = getattr(config, "image_size", None), getattr(config, "num_channels", 3)
        if isinstance(size, int):
            return InputPoint(shapes=((batch, channels, size, size),), batch_size=batch)
        return None

    return ModelSource(spec, "hf", build, default_input, f"building {spec}", max_seq_len)


def _factory_attr(module: ModuleType, factory: str, spec: str) -> Callable[..., Any]:
    obj: Any = module
    for part in factory.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"model not found: {module.__name__!r} has no {factory!r} (SPEC {spec!r})")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"{spec!r}: {factory!r} is a {type(obj).__name__}, not a function or class to call")
    return obj


def module_source(spec: str, module_name: str, factory: str) -> ModelSource:
    """``package.module:factory``: import the module, call ``factory()`` for the model."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            hint = "" if "." in module_name else f" ({module_name!r} is not a SPEC scheme either; {SPEC_HELP})"
            raise UsageError(
                f"model not found: no module named {exc.name!r} on the Python path (SPEC {spec!r}){hint}"
            ) from None
        raise _raised(f"importing {module_name!r}", exc) from None
    except Exception as exc:
        raise _raised(f"importing {module_name!r}", exc) from None
    fn = _factory_attr(module, factory, spec)
    return ModelSource(spec, "module", fn, what=f"factory {spec!r}")


def file_source(spec: str, file: str, factory: str) -> ModelSource:
    """``path/to/file.py:factory``: load the file as a module (its folder on ``sys.path``), call ``factory()``."""
    path = Path(file).expanduser()
    if not path.is_file():
        raise UsageError(f"model not found: no file {file!r} (SPEC {spec!r})")
    stem = re.sub(r"\W", "_", path.stem)
    name = f"_torch_flops_spec_{stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise UsageError(f"cannot load {file!r} as a Python module")
    module = importlib.util.module_from_spec(loader_spec)
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # so the file can import its neighbours
    sys.modules[name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise _raised(f"importing {file!r}", exc) from None
    fn = _factory_attr(module, factory, spec)
    return ModelSource(spec, "file", fn, what=f"factory {spec!r}")


def resolve_spec(spec: str) -> ModelSource:
    """Resolve a SPEC to a :class:`ModelSource`; :class:`UsageError` for unknown schemes and models."""
    scheme, sep, rest = spec.partition(":")
    if not sep:
        if spec.endswith(".py"):
            raise UsageError(f"SPEC {spec!r} names no factory: use {spec}:FUNCTION; {SPEC_HELP}")
        raise UsageError(f"SPEC {spec!r} has no scheme; {SPEC_HELP}")
    if not rest:
        raise UsageError(f"SPEC {spec!r} names no model after {scheme}:; {SPEC_HELP}")
    if scheme == "timm":
        return timm_source(spec, rest)
    if scheme == "torchvision":
        return torchvision_source(spec, rest)
    if scheme == "hf":
        return hf_source(spec, rest)
    target, _, factory = spec.rpartition(":")
    if target.endswith(".py") and _DOTTED.match(factory):
        return file_source(spec, target, factory)
    if _DOTTED.match(target) and _DOTTED.match(factory):
        return module_source(spec, target, factory)
    raise UsageError(f"unknown SPEC scheme {scheme!r} in {spec!r}; {SPEC_HELP}")


# --------------------------------------------------------------------------------------------
# Building and counting
# --------------------------------------------------------------------------------------------


def _note(message: str) -> None:
    print(f"{PROG}: note: {message}", file=sys.stderr)


_OWN_WARNINGS = (PluginLoadWarning, RuleConflictWarning)


@contextlib.contextmanager
def _warnings_as_notes(verbose: bool) -> Iterator[None]:
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
                    _note(text.removeprefix(f"{PROG}: ").rstrip("."))
                else:
                    print(f"{PROG}: warning: {w.category.__name__}: {text}", file=sys.stderr)


def _device_of(model: Any, fallback: str) -> torch.device:
    if isinstance(model, torch.nn.Module):
        for t in (*model.parameters(), *model.buffers()):
            return t.device
    return torch.device(fallback)


def _weight_bytes(model: Any) -> int:
    if not isinstance(model, torch.nn.Module):
        return 0
    return sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))


def build_model(source: ModelSource, device: str, dtype: torch.dtype | None) -> Any:
    """``source.build()`` under ``torch.device(device)``, in eval mode and ``dtype``."""
    try:
        with torch.device(device):
            model = source.build()
    except UsageError:
        raise
    except Exception as exc:
        raise _raised(f"{source.what} on {device}", exc) from exc
    if isinstance(model, torch.nn.Module):
        model.eval()
        if dtype is not None:
            model.to(dtype)
    elif not callable(model):
        raise UsageError(f"{source.what} returned a {type(model).__name__}, not an nn.Module")
    return model


def make_inputs(point: InputPoint, device: torch.device, dtype: torch.dtype) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Random float inputs of ``point.shapes`` (zeros on meta cost nothing either way), and ``input_ids``."""
    args = tuple(torch.randn(shape, dtype=dtype, device=device) for shape in point.shapes)
    kwargs: dict[str, Any] = {}
    if point.seq_len is not None:
        kwargs["input_ids"] = torch.zeros(point.batch_size, point.seq_len, dtype=torch.long, device=device)
    return args, kwargs


@dataclass
class CountRun:
    """Everything a report of one ``count`` command needs."""

    spec: str
    model_name: str
    device: str
    dtype: torch.dtype
    points: list[InputPoint]
    results: list[FlopsResult]
    sweep: bool


def _points(args: argparse.Namespace) -> list[InputPoint] | None:
    """The inputs asked for on the command line (``None``: the model's defaults)."""
    if args.input_shape and args.seq_len:
        raise UsageError("give --input-shape or --seq-len, not both")
    if args.input_shape:
        if args.batch_size is not None:
            raise UsageError(
                "--batch-size applies to default inputs and --seq-len; with --input-shape, put the batch in the shape"
            )
        return sweep_points(args.input_shape)
    if args.seq_len:
        batch = args.batch_size or 1
        lengths = parse_int_list(args.seq_len, "--seq-len")
        sweep = len(lengths) > 1
        return [InputPoint(seq_len=n, batch_size=batch, size=n if sweep else None) for n in lengths]
    return None


def _count_points(
    model: Any, points: Sequence[InputPoint], device: torch.device, dtype: torch.dtype, args: argparse.Namespace
) -> list[FlopsResult]:
    """One count per input point. A sweep with ``--engine fx`` traces once (this command owns the model,
    and an fx graph does not depend on input sizes) and counts every size from that graph."""
    options: dict[str, Any] = {"ignore_ops": list(args.ignore_op), "disable": list(args.disable_plugin)}
    results = []
    counted: Any = model
    for i, point in enumerate(points):
        xs, kwargs = make_inputs(point, device, dtype)
        if i == 0 and args.engine == "fx" and len(points) > 1 and isinstance(model, torch.nn.Module):
            counted = graph_module(model, xs, kwargs, get_plugins(disable=options["disable"]).table)
        results.append(count_flops(counted, *xs, engine=args.engine, **options, **kwargs))
    return results


def run_count(args: argparse.Namespace) -> CountRun:
    """Resolve the SPEC, build the model (meta by default, cpu when meta fails) and count each input point."""
    points = _points(args)  # malformed shapes fail before anything is built
    if points is not None and len(points) > 1 and args.by_module is not None:
        raise UsageError("--by-module applies to one count, not to a sweep")
    dtype = DTYPES[args.dtype] if args.dtype else None
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available here")
    source = resolve_spec(args.spec)
    devices = [args.device] if args.device else ["meta", "cpu"]
    for i, device in enumerate(devices):
        last = i == len(devices) - 1
        try:
            model = build_model(source, device, dtype)
        except UsageError as exc:
            cause = exc.__cause__
            if last or cause is None or not _meta_failure(cause):
                raise
            why = f"{type(cause).__name__}: {_first_line(cause)}"
            _note(f"building {args.spec} on {device} failed ({why}); building it on {devices[i + 1]}")
            continue
        batch = args.batch_size or 1
        chosen = points
        if chosen is None:
            default = source.default_input(model, batch)
            if default is None:
                raise UsageError(
                    f"no default input is known for {args.spec}: give --input-shape (e.g. 1,3,224,224), or --seq-len "
                    "for a model that takes input_ids"
                )
            chosen = [default]
        _check_seq_len(source, model, chosen)
        on = _device_of(model, device)
        in_dtype = dtype or _float_dtype(model)
        try:
            results = _count_points(model, chosen, on, in_dtype, args)
        except InputError as exc:
            raise UsageError(f"the inputs ({chosen[0].describe()}) do not fit {args.spec}: {exc}") from None
        except TracingError as exc:
            raise UsageError(f"{exc} (--engine auto or eager counts models fx cannot trace)") from None
        except TorchFlopsError as exc:
            raise UsageError(f"counting {args.spec} failed: {exc}") from None
        except Exception as exc:
            if last or not _meta_failure(exc) or _weight_bytes(model) > CPU_FALLBACK_LIMIT:
                raise _raised(f"running {args.spec} on {on.type} with inputs {chosen[0].describe()}", exc) from None
            why = f"{type(exc).__name__}: {_first_line(exc)}"
            _note(f"running {args.spec} on {device} failed ({why}); counting it on {devices[i + 1]}")
            continue
        name = type(model).__name__ if isinstance(model, torch.nn.Module) else getattr(model, "__name__", "model")
        return CountRun(
            args.spec, name, on.type, in_dtype, chosen, results, sweep=any(p.size is not None for p in chosen)
        )
    raise AssertionError("unreachable")  # pragma: no cover


def _check_seq_len(source: ModelSource, model: Any, points: Sequence[InputPoint]) -> None:
    limit = source.max_seq_len(model)
    longest = max((p.seq_len for p in points if p.seq_len is not None), default=None)
    if limit is not None and longest is not None and longest > limit:
        _note(f"--seq-len {longest} is longer than the {limit} positions {source.spec} was configured for")


def _meta_failure(exc: BaseException) -> bool:
    """Whether ``exc`` looks like the meta device's fault (reading values, an op without a meta kernel)."""
    return isinstance(exc, NotImplementedError) or "meta" in str(exc).lower()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


def _float_dtype(model: Any) -> torch.dtype:
    if isinstance(model, torch.nn.Module):
        for p in model.parameters():
            if p.is_floating_point():
                return p.dtype
    return torch.float32


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def render_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, right: Sequence[str] = ()) -> str:
    """Plain rows in any output format (JSON keeps every key; the others show ``columns``, ``right`` aligned right)."""
    if fmt == "json":
        return json.dumps(list(rows), indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
        return out.getvalue().rstrip("\n")
    table = [[("" if row.get(c) is None else row.get(c)) for c in columns] for row in rows]
    align = tuple("right" if c in right else "left" for c in columns)
    tablefmt = "github" if fmt == "markdown" else "simple"
    return tabulate(table, list(columns), tablefmt=tablefmt, disable_numparse=True, colalign=align)


def _header(run: CountRun) -> str:
    point = run.points[0]
    dtype = f" {_dtype_name(run.dtype)}" if point.shapes else ""
    return f"{run.spec} ({run.model_name}) · inputs {point.describe()}{dtype} · device {run.device}"


def render_count(run: CountRun, args: argparse.Namespace) -> str:
    """One count in the chosen format: per-op table, or per-module view with ``--by-module``."""
    result, fmt, depth, top = run.results[0], args.format, args.by_module, args.top
    if fmt == "json":
        data = result_to_dict(result)
        data["model"] = run.spec
        data["device"] = run.device
        data["inputs"] = run.points[0].to_json(run.dtype)
        data["by_module"] = None
        if depth is not None:
            data["by_module"] = {
                "depth": depth,
                "modules": [
                    {"module": r.path, "flops": r.flops, "macs": r.macs, "share": r.share, "ops": r.ops}
                    for r in module_rows(result, depth, top)
                ],
            }
        return json.dumps(data, indent=2)
    if fmt == "csv":
        text = render_module_csv(result, depth, top) if depth is not None else render_csv(result, top=top)
        return text.rstrip("\n")
    tablefmt = "github" if fmt == "markdown" else "simple"
    if depth is not None:
        body = render_module_table(result, depth, top, tablefmt=tablefmt)
    else:
        body = render_table(result, tablefmt=tablefmt, top=top)
    header = f"**{_header(run)}**" if fmt == "markdown" else _header(run)
    return header + ("\n\n" if fmt == "markdown" else "\n") + body


SWEEP_COLUMNS = ("size", "inputs", "FLOPs", "MACs", "exact FLOPs", "not recognized", "engine")


def sweep_rows(run: CountRun) -> list[dict[str, Any]]:
    """One JSON-ready row per sweep point (exact integers)."""
    return [
        {
            "size": point.size,
            "inputs": point.to_json(run.dtype),
            "total": result.total,
            "total_macs": result.total_macs,
            "unrecognized": len(result.unrecognized),
            "engine": result.engine,
        }
        for point, result in zip(run.points, run.results, strict=True)
    ]


def render_sweep(run: CountRun, fmt: str) -> str:
    rows = sweep_rows(run)
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        flat = [{**row, "inputs": point.describe()} for row, point in zip(rows, run.points, strict=True)]
        return render_rows(flat, ("size", "inputs", "total", "total_macs", "unrecognized", "engine"), "csv")
    shown = [
        {
            "size": point.size,
            "inputs": point.describe(),
            "FLOPs": format_flops(result.total),
            "MACs": format_macs(result.total_macs),
            "exact FLOPs": f"{result.total:,}",
            "not recognized": len(result.unrecognized),
            "engine": result.engine,
        }
        for point, result in zip(run.points, run.results, strict=True)
    ]
    header = f"{run.spec} ({run.model_name}) · sweep of {len(rows)} sizes · device {run.device}"
    body = render_rows(shown, SWEEP_COLUMNS, fmt, right=SWEEP_COLUMNS[:1] + SWEEP_COLUMNS[2:6])
    return f"**{header}**\n\n{body}" if fmt == "markdown" else f"{header}\n{body}"


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text + "\n")
        return
    try:
        Path(output).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write --output {output!r}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _plot_path(value: str) -> Path:
    path = Path(value)
    if path.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--plot {value!r}: the file must end in .png or .svg")
    return path


def cmd_count(args: argparse.Namespace) -> int:
    plot_path = _plot_path(args.plot) if args.plot else None
    if plot_path is not None:
        from . import plot

        plot.require_matplotlib()  # before the model is built: fail fast
    with _warnings_as_notes(args.verbose):
        run = run_count(args)
    text = render_sweep(run, args.format) if run.sweep else render_count(run, args)
    _write(text, args.output)
    if plot_path is not None:
        from . import plot

        if run.sweep:
            sizes = [p.size or 0 for p in run.points]
            xlabel = "sequence length" if run.points[0].seq_len is not None else "input size"
            plot.plot_sweep(
                sizes, [r.total for r in run.results], plot_path, title=f"{run.spec}: FLOPs by {xlabel}", xlabel=xlabel
            )
        else:
            result = run.results[0]
            depth = args.by_module if args.by_module is not None else DEFAULT_MODULE_DEPTH
            rows = module_rows(result, depth, args.top or DEFAULT_PLOT_TOP)
            title = f"{run.spec} · {run.points[0].describe()} · total {format_flops(result.total)}"
            plot.plot_modules(rows, plot_path, title=title, total=result.total, depth=depth)
        _note(f"wrote {plot_path}")
    if args.strict:
        missing: dict[str, int] = {}
        for result in run.results:
            for target, n in result.unrecognized_targets().items():
                missing[target] = missing.get(target, 0) + n
        if missing:
            listed = ", ".join(f"{t} ×{n}" for t, n in missing.items())
            print(
                f"{PROG}: error: --strict: {sum(missing.values())} ops have no rule: {listed}. Install or write a "
                f"plugin with rules for them, or count them as 0 with --ignore-op {next(iter(missing))}",
                file=sys.stderr,
            )
            return EXIT_STRICT
    return EXIT_OK


def _rule_ref(entry: RuleEntry) -> str:
    return f"{entry.plugin}:{getattr(entry.rule, '__qualname__', None) or entry.name}"


def rule_rows(table: RuleTable) -> list[dict[str, Any]]:
    """Every claim of ``table`` in call order, with what it overrides or what shadows it."""
    rows = []
    for entry in table.entries:
        key = table.key_of(entry)
        winners: dict[Any, RuleEntry] = table.modules if entry.kind == "module" else table.ops
        winner = winners.get(key)
        overrides: list[str] = []
        shadowed_by: str | None = None
        if winner is entry:
            overrides = [_rule_ref(e) for e in table.shadowed_by(entry)]
            status = "active" + (f"; overrides {', '.join(overrides)}" if overrides else "")
        elif winner is not None and winner.rule is entry.rule and winner.plugin == entry.plugin:
            status = f"active (same op as {winner.target_name})"
        else:
            shadowed_by = _rule_ref(winner) if winner is not None else None
            status = f"shadowed by {shadowed_by}"
        subclasses = [c for c in table.covered_classes(entry) if c is not entry.target]
        rows.append(
            {
                "kind": entry.kind,
                "target": entry.target_name,
                "plugin": entry.plugin,
                "rule": entry.name,
                "priority": entry.priority,
                "status": status,
                "overrides": overrides,
                "shadowed_by": shadowed_by,
                "subclasses": [f"{c.__module__}.{c.__qualname__}" for c in subclasses],
                "also_covers": _short_list([c.__name__ for c in subclasses]),
            }
        )
    return rows


def _short_list(names: Sequence[str], keep: int = 3) -> str | None:
    if not names:
        return None
    shown = ", ".join(sorted(names)[:keep])
    return shown if len(names) <= keep else f"{shown} (+{len(names) - keep})"


RULE_COLUMNS = ("kind", "target", "plugin", "rule", "priority", "status", "also_covers")


def cmd_rules(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        plugin_set = get_plugins(disable=args.disable_plugin)
        rows = rule_rows(plugin_set.table)
    if args.plugin is not None:
        if args.plugin not in plugin_set.names:
            known = ", ".join(plugin_set.names) or "none"
            raise UsageError(f"--plugin {args.plugin!r}: no such loaded plugin (loaded: {known})")
        rows = [r for r in rows if r["plugin"] == args.plugin]
    if args.kind is not None:
        rows = [r for r in rows if r["kind"] == args.kind]
    if args.shadowed:
        rows = [r for r in rows if r["overrides"] or r["shadowed_by"]]
    text = render_rows(rows, RULE_COLUMNS, args.format)
    if args.format in ("table", "markdown"):
        text += f"\n\n{len(rows)} rules" if args.format == "markdown" else f"\n{len(rows)} rules"
    _write(text, args.output)
    return EXIT_OK


PLUGIN_COLUMNS = ("name", "distribution", "version", "source", "status", "rules", "error")


def cmd_plugins(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        plugin_set = load_plugins(disable=args.disable_plugin)
        entries = plugin_set.table.entries
    rows = [
        {
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "source": info.source,
            "status": info.status,
            "rules": sum(1 for e in entries if e.plugin == info.name) if info.status == "loaded" else None,
            "error": info.error,
        }
        for info in plugin_set.infos
    ]
    _write(render_rows(rows, PLUGIN_COLUMNS, args.format, right=("rules",)), args.output)
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# Argument parsing and main
# --------------------------------------------------------------------------------------------


def _int_arg(minimum: int) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is less than {minimum}")
        return value

    return convert


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
        "--batch-size", type=_int_arg(1), metavar="B", help="batch of the default inputs and --seq-len (default 1)"
    )
    inputs.add_argument(
        "--dtype", choices=list(DTYPES), help="model and float inputs in this dtype (default: the model's)"
    )
    inputs.add_argument(
        "--device",
        choices=["cpu", "cuda", "meta"],
        help="where the model is built and run (default meta: no weight memory; cpu where meta fails)",
    )
    counting = count.add_argument_group("counting")
    counting.add_argument(
        "--engine",
        choices=["auto", "fx", "eager"],
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
    output = count.add_argument_group("output")
    output.add_argument("--format", choices=FORMATS, default="table", help="default table")
    output.add_argument(
        "--by-module", type=_int_arg(0), metavar="DEPTH", help="totals per module path cut to DEPTH, largest first"
    )
    output.add_argument("--top", type=_int_arg(1), metavar="K", help="only the K largest ops (or modules)")
    output.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    output.add_argument(
        "--plot",
        metavar="FILE",
        help="write a chart (.png or .svg): the top modules, or FLOPs versus size for a sweep; "
        "needs torch-flops-core[plot]",
    )
    output.add_argument("--verbose", "-v", action="store_true", help="also show other libraries' warnings")
    count.set_defaults(handler=cmd_count)

    rules = commands.add_parser(
        "rules",
        help="list every rule, its plugin and what it overrides",
        description="List every rule claim, in dispatch order.",
    )
    rules.add_argument("--plugin", metavar="NAME", help="only this plugin's rules")
    rules.add_argument("--kind", choices=["module", "function", "method"], help="only rules of this kind")
    rules.add_argument("--shadowed", action="store_true", help="only rules that override or are shadowed by another")
    rules.add_argument("--disable-plugin", action="append", default=[], metavar="NAME", help="leave a plugin out")
    rules.add_argument("--format", choices=FORMATS, default="table")
    rules.add_argument("--output", "-o", metavar="FILE")
    rules.set_defaults(handler=cmd_rules)

    plugins = commands.add_parser(
        "plugins", help="list discovered plugins and their status", description="List every discovered plugin."
    )
    plugins.add_argument("--disable-plugin", action="append", default=[], metavar="NAME", help="leave a plugin out")
    plugins.add_argument("--format", choices=FORMATS, default="table")
    plugins.add_argument("--output", "-o", metavar="FILE")
    plugins.set_defaults(handler=cmd_plugins)
    return parser


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
