"""Model sources: a ``count`` SPEC (``timm:NAME``, ``torchvision:NAME``, ``hf:PATH``,
``package.module:factory``, ``path/to/file.py:factory``, ``path/to/program.pt2``: :mod:`.programs`) resolved
by :func:`resolve_spec`, one function per scheme, to a :class:`ModelSource` that builds the model and knows its
default inputs; an unknown scheme, a model not found, a missing optional dependency or a factory that raised is
a :class:`~torch_flops_core.cli.usage.UsageError` (a factory's with the last frames of its own traceback).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

from .model_source import ModelSource  # re-exported, as the program functions: the path users know
from .options import DEFAULT_SEQ_LEN, SPEC_HELP  # re-exported: the parser reads them from options, torch-free
from .programs import program_point, program_source
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

DEFAULT_IMAGE_SIZE = 224
"""``torchvision:`` models whose weights name no crop size."""
TRACEBACK_FRAMES = 3
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")
_PACKAGE_DIR = os.path.dirname(__file__)
"""The ``cli`` package's folder: its frames are left out of a traceback's tail."""


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
    """``module`` imported; a :class:`UsageError` naming the package that is missing: ``module``'s own, or
    one that ``module`` imports (timm installed without torchvision names torchvision)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        root = module.split(".")[0]
        missing = (exc.name or root).split(".")[0]
        if missing == root:
            raise UsageError(
                f"{needed_for} needs the optional dependency {root!r}, which is not installed ({exc}): "
                f"pip install {install}"
            ) from None
        raise UsageError(
            f"{needed_for} needs {missing!r}, which {root!r} imports and is not installed ({exc}): "
            f"pip install {missing}"
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
