"""Model sources: a ``count`` SPEC (``timm:NAME``, ``torchvision:NAME``, ``hf:PATH``,
``package.module:factory``, ``path/to/file.py:factory``) resolved by :func:`resolve_spec`, one function per
scheme, to a :class:`ModelSource` that builds the model and knows its default inputs; an unknown scheme, a model
not found, a missing optional dependency or a factory that raised is a
:class:`~torch_flops_core.errors.UsageError` (a factory's with the last frames of its own traceback).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import torch

from .shapes import InputPoint
from .usage import UsageError

__all__ = [
    "DEFAULT_IMAGE_SIZE",
    "DEFAULT_SEQ_LEN",
    "SPEC_HELP",
    "TRACEBACK_FRAMES",
    "ModelSource",
    "file_source",
    "hf_source",
    "module_source",
    "program_point",
    "program_source",
    "raised_as_usage",
    "resolve_spec",
    "timm_source",
    "torchvision_source",
]

DEFAULT_SEQ_LEN = 512
"""``hf:`` language models without ``--seq-len``: 512 tokens, or the model's maximum if smaller."""
DEFAULT_IMAGE_SIZE = 224
"""``torchvision:`` models whose weights name no crop size."""
TRACEBACK_FRAMES = 3

SPEC_HELP = (
    "SPEC is timm:NAME, torchvision:NAME, hf:PATH (a local config.json or its folder), "
    "package.module:factory, path/to/file.py:factory or path/to/program.pt2 (saved with torch.export.save)"
)
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")
_PACKAGE_DIR = os.path.dirname(__file__)
"""The ``cli`` package's folder: its frames are left out of a traceback's tail."""


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
    """The last frames of ``exc``'s traceback (not this package's own), and the exception itself."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and os.path.dirname(tb.tb_frame.f_code.co_filename) == _PACKAGE_DIR:
        tb = tb.tb_next
    te = traceback.TracebackException(type(exc), exc, tb)
    frames = te.stack.format()[-TRACEBACK_FRAMES:]
    lines = ["Traceback (most recent call last):\n", *frames, *te.format_exception_only()]
    return "".join(lines).rstrip()


def raised_as_usage(what: str, exc: BaseException) -> UsageError:
    """The :class:`UsageError` saying that ``what`` (the user's code) raised ``exc``, with its traceback's tail."""
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
        raise raised_as_usage(f"importing {module_name!r}", exc) from None
    except Exception as exc:
        raise raised_as_usage(f"importing {module_name!r}", exc) from None
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
        raise raised_as_usage(f"importing {file!r}", exc) from None
    fn = _factory_attr(module, factory, spec)
    return ModelSource(spec, "file", fn, what=f"factory {spec!r}")


def program_source(spec: str) -> ModelSource:
    """``path/to/program.pt2``: a program saved with ``torch.export.save``, counted node by node with the
    aten rules; its example inputs (their shapes, dtypes and keywords) are the default inputs. It is
    loaded on cpu and moved, parameters, buffers and constants, to the device it is built on (meta by
    default), see :func:`program_point` for ``--input-shape`` and ``--seq-len``."""
    path = Path(spec).expanduser()
    if not path.is_file():
        raise UsageError(f"model not found: no file {spec!r}")

    def build() -> Any:
        import torch.export

        device = torch.get_default_device() if hasattr(torch, "get_default_device") else torch.device("cpu")
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # torch.export logs a traceback of its own before raising
        try:
            with torch.device("cpu"):  # a program's tensors are loaded where they were saved from
                program = torch.export.load(str(path))
        except Exception as exc:
            raise UsageError(
                f"cannot load {spec!r} as an exported program ({type(exc).__name__}: {_first(exc)}); a .pt2 SPEC "
                "is a file written by torch.export.save(torch.export.export(model, inputs), path)"
            ) from None
        finally:
            logging.disable(previous)
        return _moved(program, device)

    def default_input(program: Any, batch: int) -> InputPoint | None:
        leaves = _example_leaves(program)
        if leaves is None:
            return None
        return InputPoint(
            shapes=tuple(tuple(t.shape) for _, _, t in leaves),
            dtypes=tuple(t.dtype for _, _, t in leaves),
            names=tuple(keyword for _, keyword, _ in leaves),
        )

    return ModelSource(spec, "program", build, default_input, what=f"loading {spec!r}")


def _moved(program: Any, device: torch.device) -> Any:
    """``program`` with its parameters, buffers, constants and example inputs on ``device`` (the graph's
    own device arguments too): an op mixing a cpu weight and a meta input (batch norm) fails otherwise."""
    tensors = [*program.state_dict.values(), *program.constants.values()]
    if all(not isinstance(t, torch.Tensor) or t.device == device for t in tensors):
        return program
    try:
        from torch.export.passes import move_to_device_pass
    except ImportError:  # torch < 2.6
        raise NotImplementedError(
            f"this torch has no torch.export.passes.move_to_device_pass to move the program to {device.type}; "
            "count it with --device cpu"
        ) from None
    return move_to_device_pass(program, device)


def _example_leaves(program: Any) -> list[tuple[str, str | None, torch.Tensor]] | None:
    """The example inputs of ``program`` as (name in the graph, keyword or ``None``, tensor), ``None`` when
    it has none or one is not a tensor."""
    inputs = getattr(program, "example_inputs", None)
    if not inputs:
        return None
    args, kwargs = inputs
    values = [(None, a) for a in args] + [(k, v) for k, v in kwargs.items()]
    if not all(isinstance(v, torch.Tensor) for _, v in values):
        return None
    graph_names = list(program.graph_signature.user_inputs)
    if len(graph_names) != len(values):
        graph_names = [keyword or f"input {i}" for i, (keyword, _) in enumerate(values)]
    return [(str(g), keyword, v) for g, (keyword, v) in zip(graph_names, values, strict=True)]


def _token_like(t: torch.Tensor) -> bool:
    return t.dim() == 2 and not t.is_floating_point() and not t.is_complex()


def program_point(program: Any, point: InputPoint, spec: str, batch: int | None = None) -> InputPoint:
    """The command line's inputs for an exported program, in its own terms: ``--input-shape`` shapes take
    the dtypes and keywords of the program's example inputs (when as many are given); ``--seq-len N``
    resizes its token inputs (the integer or bool tensors of 2 dimensions shaped like the first of them)
    to ``batch × N`` (``batch``: ``--batch-size``, or the example's) and keeps the others as exported.
    A size a program exported with static shapes cannot take is a :class:`UsageError` saying how to
    export it."""
    leaves = _example_leaves(program)
    if point.seq_len is not None:
        tokens = [i for i, (_, _, t) in enumerate(leaves or []) if _token_like(t)]
        if leaves is None or not tokens:
            raise UsageError(
                f"--seq-len: {spec} takes no token input (an integer tensor of batch × sequence); its example "
                f"inputs are {_describe(leaves)}: give --input-shape"
            )
        like = leaves[tokens[0]][2].shape
        resized = {i for i in tokens if leaves[i][2].shape == like}
        batch = like[0] if batch is None else batch
        shapes = tuple((batch, point.seq_len) if i in resized else tuple(t.shape) for i, (_, _, t) in enumerate(leaves))
        point = replace(point, shapes=shapes, batch_size=batch, seq_name=None)
    elif leaves is None or len(point.shapes) != len(leaves):
        return point
    point = replace(point, dtypes=tuple(t.dtype for _, _, t in leaves), names=tuple(k for _, k, _ in leaves))
    _check_static(program, point, leaves, spec)
    return point


def _check_static(
    program: Any, point: InputPoint, leaves: list[tuple[str, str | None, torch.Tensor]], spec: str
) -> None:
    """A :class:`UsageError` for a size the program's graph fixed when it was exported (its placeholders'
    sizes are plain integers, not symbols): its views and expands would not fit any other."""
    placeholders = {n.name: n for n in program.graph.nodes if n.op == "placeholder"}
    for (name, _, _), shape in zip(leaves, point.shapes, strict=True):
        node = placeholders.get(name)
        value = node.meta.get("val") if node is not None else None
        if not isinstance(value, torch.Tensor):
            continue
        exported = tuple(value.shape)
        if len(exported) != len(shape) or any(
            isinstance(d, int) and d != s for d, s in zip(exported, shape, strict=True)
        ):
            raise UsageError(
                f"{spec} was exported with {name} of shape {_shape(exported)}, not {_shape(shape)}: export it with "
                "dynamic_shapes (torch.export.Dim) for the sizes to vary, or count it on its example inputs"
            )


def _shape(shape: Sequence[Any]) -> str:
    return "×".join(map(str, shape)) or "scalar"


def _describe(leaves: list[tuple[str, str | None, torch.Tensor]] | None) -> str:
    if not leaves:
        return "unknown"
    return ", ".join(f"{name} {_shape(tuple(t.shape))} {str(t.dtype).removeprefix('torch.')}" for name, _, t in leaves)


def _first(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""


def resolve_spec(spec: str) -> ModelSource:
    """Resolve a SPEC to a :class:`ModelSource`; :class:`UsageError` for unknown schemes and models."""
    if spec.endswith(".pt2"):
        return program_source(spec)
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
