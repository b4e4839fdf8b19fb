"""Building the model and counting it: :func:`run_count` resolves the SPEC, builds the model (on meta by
default, on cpu when meta fails; :mod:`.models`), makes the inputs of each point of a sweep and counts them into
a :class:`CountRun`; meanwhile torch-flops' own warnings become ``torch-flops: note:`` lines on stderr
(:mod:`.notes`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..engines.ignore import OBJECTS, IgnoreSpec
from ..engines.inputs import InputMismatchError
from ..engines.tracer import graph_module
from ..errors import InputError, TorchFlopsError, TracingError
from ..plugins import get_plugins
from ..results import FlopsResult
from .generate import check_generate, check_generating, generate_call
from .model_source import ModelSource
from .models import build_model, device_of, float_dtype, make_inputs, weight_bytes  # build_model, make_inputs,
from .notes import note, warnings_as_notes  # these two and PROG: re-exported, their path before the split
from .options import DTYPE_NAMES
from .parallel import check_parallel, counting
from .shapes import InputPoint, parse_int_list, sweep_points
from .sources import program_point, raised_as_usage, resolve_spec
from .tree import check_tree
from .usage import PROG, UsageError

__all__ = [
    "CPU_FALLBACK_LIMIT",
    "DTYPES",
    "PROG",
    "CountRun",
    "build_model",
    "check_counting_options",
    "make_inputs",
    "note",
    "plugin_set",
    "run_count",
    "warnings_as_notes",
]

DTYPES: dict[str, torch.dtype] = {name: getattr(torch, name) for name in DTYPE_NAMES}
CPU_FALLBACK_LIMIT = 2 * 1024**3
"""Largest model (bytes of weights) rebuilt on cpu when its forward cannot run on meta."""


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
    options: dict[str, Any] = {
        "ignore_ops": list(args.ignore_op),
        "disable": list(args.disable_plugin),
        "backward": bool(getattr(args, "backward", False)),
        "convention": getattr(args, "convention", "exact"),
    }
    results = []
    counted: Any = model
    for i, point in enumerate(points):
        xs, kwargs = make_inputs(point, device, dtype)
        if getattr(args, "generate", None):  # model.generate of N tokens from this prompt (cli/generate.py)
            counted, xs, kwargs = generate_call(model, args.generate, xs, kwargs)
        if i == 0 and args.engine == "fx" and len(points) > 1 and isinstance(model, torch.nn.Module):
            counted = graph_module(model, xs, kwargs, get_plugins(disable=options["disable"]).table)
        if getattr(args, "symbolic", None):
            options["dims"] = symbolic_dims(args.symbolic, model, xs, kwargs)
        results.append(counting(args)(counted, *xs, engine=args.engine, **options, **kwargs))  # --tp: cli/parallel.py
    return results


def symbolic_dims(names: str, model: Any, xs: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, dict[int, str]]:
    """``--symbolic B,T`` as ``dims=``: the names, in order, of the first input's batch and sequence axes (a token
    input, 2-d) or batch, height and width (an image, 4-d: channels stay fixed); ``_`` leaves an axis a number."""
    from ..engines.inputs import parameter_names

    wanted = [name.strip() for name in names.split(",")]
    named = [*zip(parameter_names(model, len(xs)), xs, strict=True), *kwargs.items()]
    if not named or not isinstance(named[0][1], torch.Tensor):
        raise UsageError("--symbolic names sizes of the first input, which is not a tensor")
    key, first = named[0]
    axes = [0, *range(2, first.dim())] if first.dim() == 4 else list(range(first.dim()))
    if len(wanted) > len(axes) or not all(name == "_" or name.isidentifier() for name in wanted):
        raise UsageError(
            f"--symbolic {names}: give up to {len(axes)} names (identifiers, or _ to keep an axis) for the axes "
            f"{axes} of the input {key!r} of shape {tuple(first.shape)}"
        )
    dims = {axis: name for axis, name in zip(axes, wanted, strict=False) if name != "_"}
    small = {name: int(first.shape[axis]) for axis, name in dims.items() if first.shape[axis] < 2}
    if small:
        listed = ", ".join(f"{name} is {size}" for name, size in small.items())
        raise UsageError(
            f"--symbolic {names}: in the example input {listed}; a symbolic size needs at least 2 there (torch "
            "specialises 0 and 1): give --batch-size 2 (or a larger --input-shape); the formula does not depend on it"
        )
    return {key: dims}


def plugin_set(disable: Sequence[str]) -> Any:
    """The plugin set without the ``--disable-plugin`` names; a name no plugin has is a usage error."""
    try:
        return get_plugins(disable=list(disable))
    except ValueError as exc:
        raise UsageError(str(exc).replace("disable:", "--disable-plugin:", 1)) from None


def check_counting_options(args: argparse.Namespace) -> None:
    """``--disable-plugin`` and ``--ignore-op`` names checked before the model runs: each must name something
    (call it once the SPEC's module is imported: an op it defines is a name then)."""
    table = plugin_set(args.disable_plugin).table
    try:
        IgnoreSpec(list(args.ignore_op), table)
    except ValueError as exc:
        message = str(exc).replace("ignore_ops:", "--ignore-op:", 1)
        raise UsageError(message.replace(OBJECTS, "")) from None


def _count_failed(spec: str, point: InputPoint, backward: bool, exc: InputError) -> UsageError:
    """The usage error for an :class:`InputError` of a count: inputs that do not fit the model are said to;
    anything else (nothing to differentiate with --backward) is said as it is."""
    if isinstance(exc, InputMismatchError):
        return UsageError(f"the inputs ({point.describe()}) do not fit {spec}: {exc}")
    text = str(exc)
    if backward:
        text = text.replace("backward=True", "--backward", 1).replace(
            "pass loss=, a function of the output returning the tensor whose gradient to take",
            "--backward differentiates the sum of the floating-point outputs; count other losses from Python "
            "with count_flops(..., backward=True, loss=...)",
        )
    return UsageError(f"counting {spec} failed: {text}")


def run_count(args: argparse.Namespace) -> CountRun:
    """Resolve the SPEC, build the model (meta by default, cpu when meta fails) and count each input point."""
    points = _points(args)  # malformed shapes fail before anything is built
    plugin_set(args.disable_plugin)
    dtype = DTYPES[args.dtype] if args.dtype else None
    _check_usage(args, points, dtype)
    source = resolve_spec(args.spec)
    devices = [args.device] if args.device else ["cpu"] if getattr(args, "generate", None) else ["meta", "cpu"]
    for i, device in enumerate(devices):
        then = devices[i + 1] if i + 1 < len(devices) else None  # where to go on when the model fails on meta
        model = _built(source, device, dtype, args.spec, then)
        if model is None:
            continue
        chosen = _chosen_points(source, model, points, args)
        check_generating(model, chosen, getattr(args, "generate", None))
        check_counting_options(args)  # the model is built: an op its module defines has a name now
        on = device_of(model, device)
        in_dtype = dtype or float_dtype(model)
        results = _counted(model, chosen, on, in_dtype, args, device, then)
        if results is None:
            continue
        name = type(model).__name__ if isinstance(model, torch.nn.Module) else getattr(model, "__name__", "model")
        return CountRun(
            args.spec, name, on.type, in_dtype, chosen, results, sweep=any(p.size is not None for p in chosen)
        )
    raise AssertionError("unreachable")  # pragma: no cover


def _check_usage(args: argparse.Namespace, points: list[InputPoint] | None, dtype: torch.dtype | None) -> None:
    """The usage errors found before anything is built: ``--by-module`` on a sweep, ``--dtype`` or
    ``--batch-size`` alone with a .pt2 program, ``--device cuda`` without CUDA."""
    if points is not None and len(points) > 1 and args.by_module is not None:
        raise UsageError("--by-module applies to one count, not to a sweep")
    if points is not None and len(points) > 1 and getattr(args, "symbolic", None):
        raise UsageError("--symbolic gives one formula for every size: count one input, not a sweep")
    if args.spec.endswith(".pt2"):
        if dtype is not None:
            raise UsageError(
                "--dtype does not apply to a .pt2 program: its dtypes were fixed when it was exported (export the "
                "model in the dtype to count)"
            )
        if points is None and args.batch_size is not None:
            raise UsageError(
                "--batch-size: a .pt2 program is counted on its example inputs; give --input-shape (the batch in "
                "the shape) or --seq-len with it"
            )
    check_generate(args, points)
    check_tree(args, points)
    check_parallel(args, points)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available here")


def _built(source: ModelSource, device: str, dtype: torch.dtype | None, spec: str, then: str | None) -> Any:
    """The model built on ``device``; ``None`` (after a note) when it failed there as on meta and ``then`` is
    the device to build it on next."""
    try:
        return build_model(source, device, dtype)
    except UsageError as exc:
        cause = exc.__cause__
        if then is None or cause is None or not _meta_failure(cause):
            raise
        why = f"{type(cause).__name__}: {_first_line(cause)}"
        note(f"building {spec} on {device} failed ({why}); building it on {then}")
        return None


def _chosen_points(
    source: ModelSource, model: Any, points: list[InputPoint] | None, args: argparse.Namespace
) -> list[InputPoint]:
    """The points asked for, else the model's default input (a usage error when none is known); those of an
    exported program in its own terms."""
    chosen = points
    if chosen is None:
        default = source.default_input(model, args.batch_size or 1)
        if default is None:
            raise UsageError(
                f"no default input is known for {args.spec}: give --input-shape (e.g. 1,3,224,224), or --seq-len "
                "for a model that takes input_ids"
            )
        chosen = [default]
    if isinstance(model, torch.export.ExportedProgram):
        chosen = [program_point(model, p, args.spec, args.batch_size) for p in chosen]
    _check_seq_len(source, model, chosen)
    return chosen


def _counted(
    model: Any,
    points: list[InputPoint],
    on: torch.device,
    dtype: torch.dtype,
    args: argparse.Namespace,
    device: str,
    then: str | None,
) -> list[FlopsResult] | None:
    """The counts of ``points``; a library error as a usage error; ``None`` (after a note) when the model
    failed as on meta and ``then`` is the device to count it on next (a model of weights up to
    :data:`CPU_FALLBACK_LIMIT`); else what it raised as a usage error with its traceback's tail."""
    try:
        return _count_points(model, points, on, dtype, args)
    except UsageError:
        raise  # the command line's own (--symbolic on an axis of size 1): said as it is
    except InputError as exc:
        raise _count_failed(args.spec, points[0], bool(getattr(args, "backward", False)), exc) from None
    except TracingError as exc:
        raise UsageError(f"{exc} (--engine auto or eager counts models fx cannot trace)") from None
    except TorchFlopsError as exc:
        raise UsageError(f"counting {args.spec} failed: {exc}") from None
    except Exception as exc:
        if then is None or not _meta_failure(exc) or weight_bytes(model) > CPU_FALLBACK_LIMIT:
            raise raised_as_usage(f"running {args.spec} on {on.type} with inputs {points[0].describe()}", exc) from None
        why = f"{type(exc).__name__}: {_first_line(exc)}"
        note(f"running {args.spec} on {device} failed ({why}); counting it on {then}")
        return None


def _check_seq_len(source: ModelSource, model: Any, points: Sequence[InputPoint]) -> None:
    limit = source.max_seq_len(model)
    longest = max((p.seq_len for p in points if p.seq_len is not None), default=None)
    if limit is not None and longest is not None and longest > limit:
        note(f"--seq-len {longest} is longer than the {limit} positions {source.spec} was configured for")


def _meta_failure(exc: BaseException) -> bool:
    """Whether ``exc`` looks like the meta device's fault (reading values, an op without a meta kernel)."""
    return isinstance(exc, NotImplementedError) or "meta" in str(exc).lower()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""
