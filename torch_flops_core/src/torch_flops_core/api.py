"""``count_flops``: the entry point that picks plugins, an engine, and returns a result."""

from __future__ import annotations

import gc
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, Literal

import torch
import torch.fx as fx

from .aten import AtenCounter, run_aten
from .backward import count_training_step, cut_inputs
from .decompose import decomposed_note
from .eager import EagerCounter, run_eager
from .errors import InputError, PluginLoadWarning, UnrecognizedOpsError
from .guard import preserve_model
from .hookspecs import DISABLE_ENV
from .ignore import IgnoreMarker, IgnoreSpec
from .inputs import bind, check_flags, check_output, checked_loss, model_keywords, without_inference_tensors
from .interpreter import FlopsInterpreter
from .job import Job, Ran
from .module_events import outer_counts_paused, torch_functions_off
from .plugins import get_plugins
from .recorder import NodeOwners, Recorder, tensor_devices
from .registry import RuleTable
from .results import FlopsResult, OpRecord
from .tracer import Traced, trace

__all__ = ["ENGINES", "Engine", "count_flops", "run_count"]

Engine = Literal["auto", "fx", "eager", "aten"]
OPTIONS: tuple[str, ...] = (
    "engine", "ignore_ops", "plugins", "disable", "strict", "measure_time", "count_bytes", "model_kwargs",
    "backward", "loss",
)  # fmt: skip
"""``count_flops``'s own keywords: a loose keyword close to one of them is refused as a misspelling."""

FX_NOTE = (
    "counted from the torch.fx graph: work fx ran while tracing (on buffers, parameters and constant tensors, "
    "or on anything that does not depend on the inputs) is not counted, and branches on an input's Python type "
    "took the tracing path; engine='eager' counts what runs (see docs/engines.md)"
)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a count runs, as ``timeit`` does.

    A count allocates a few small objects per op; on a model of thousands of ops that sets off
    collections which walk every object of the process (all of torch's), and one of them landing in
    a count can double its time. Reference counting still frees everything a count drops; the
    collector is switched back on afterwards, unless it was off before (or another thread's count
    still runs: then that one switches it back).
    """
    with _gc_lock:
        global _gc_pausers
        if _gc_pausers == 0:
            _gc_state[0] = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_state[0]:
                gc.enable()


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_state = [True]


_meta_ready = False


def warm_up_meta() -> None:
    """Load torch's Python meta kernels once per process, before any op is timed.

    The first op on the meta device that has a Python meta kernel (``layer_norm``, ...) imports them,
    several hundred modules and about half a second: without this, that one-off cost lands in one
    op's ``time_ms``.
    """
    global _meta_ready
    if not _meta_ready:
        with torch.no_grad():
            torch.nn.functional.layer_norm(torch.empty(1, 2, device="meta"), (2,))
        _meta_ready = True


def count_flops(
    model: torch.nn.Module | Callable[..., Any],
    *args: Any,
    engine: Engine = "auto",
    ignore_ops: Iterable[Any] = (),
    plugins: Sequence[Any] = (),
    disable: Iterable[str] = (),
    strict: bool = False,
    measure_time: bool = True,
    count_bytes: bool = True,
    model_kwargs: Mapping[str, Any] | None = None,
    backward: bool = False,
    loss: Callable[[Any], torch.Tensor] | None = None,
    **keywords: Any,
) -> FlopsResult:
    """Count the exact FLOPs of ``model(*args, **keywords)``, op by op.

    :param engine: ``"auto"`` (default) and ``"eager"`` run the model as it is and record each torch
        call and each module a rule counts whole: what is counted is what runs (the branch taken, work
        on buffers and constants). ``"fx"`` traces the model with ``torch.fx`` and counts one op per
        graph node, the seed's view; fx cannot see work done at trace time (``result.notes`` says
        so). ``"aten"`` runs the model under a ``TorchDispatchMode`` and counts every aten op the
        dispatcher runs with the aten rules (the ``torch-flops-rules-aten`` pack); an aten-level
        ``GraphModule`` (``ep.module()``, ``make_fx``) with ``engine="aten"`` and a
        ``torch.export.ExportedProgram`` (decomposed to Core ATen) are counted node by node; a program
        given no inputs is counted on its own example inputs (``ep.example_inputs``). Passing a
        ``torch.fx.GraphModule`` with ``engine="fx"`` counts its graph without tracing again.
        ``result.engine`` tells which ran.
    :param ignore_ops: ops to count as 0 and show as ``ignored``: module classes, functions/ops
        (any alias spelling), or names (``"Linear"``, ``"matmul"``, ``"softmax"``, ``"aten.mm"``) as in the
        seed. Honoured by every engine and in the backward: at the aten level every aten op inside an
        ignored module or an ignored function's call is ignored, and so is the backward of an ignored
        module or call (see :mod:`torch_flops_core.ignore`). A name that names nothing is a ``ValueError``.
    :param plugins: objects with ``torch_flops_register_rules`` hookimpls, registered after the
        installed plugins (so a plain or ``tryfirst`` impl among them overrides the built-in rules).
    :param disable: names of installed plugins not to use (like ``TORCH_FLOPS_DISABLE_PLUGINS``); a name
        no plugin has is a ``ValueError`` listing the plugins.
    :param strict: raise :class:`UnrecognizedOpsError` listing every unrecognized target. This flag and
        the three others (``measure_time``, ``count_bytes``, ``backward``) take ``True`` or ``False`` only.
    :param measure_time: record each op's wall time (synchronising on CUDA).
    :param count_bytes: work out the bytes each op reads and writes (``OpRecord.bytes``, unfused traffic;
        see docs/conventions.md), for arithmetic intensity and rooflines. ``False``: every bytes figure of
        the result is unknown (``result.total_bytes is None``), never 0.
    :param model_kwargs: keyword inputs of the model, passed explicitly (also one named like an
        option: ``model_kwargs={"strict": True}``). Other keywords go to the model too when its
        ``forward`` names them as parameters (``input_ids=``); one it would only take through
        ``**kwargs`` (``loss_fn=``, a misspelt ``strickt=``) is an :class:`InputError`, never silently
        swallowed: pass such model keywords in ``model_kwargs``.
    :param backward: also count a training step's backward pass: after the forward (counted by the
        chosen engine), ``loss(output)`` is computed and its gradient taken, and every aten op autograd
        runs is counted with the aten rules and attributed to the module whose forward created its
        autograd node. Each record has a ``phase`` (``forward``, ``loss``, ``backward``, ``recompute``);
        ``result.total_by_phase`` sums them. No ``.grad`` is written (see docs/training-flops.md). Inputs
        made under ``torch.inference_mode()`` are counted through plain copies (autograd cannot save them).
    :param loss: with ``backward=True``, the function of the model's output to differentiate. Default:
        the output's ``.loss`` if it has one, else the sum of every floating-point output tensor. A loss
        that does not depend on the output (a leaf, a tensor computed without it) is an :class:`InputError`.

    The model is run once, under ``torch.no_grad()`` (with grad enabled for the count when
    ``backward=True``), on whatever device its tensors are on (``meta`` included), and left exactly
    as it was (see :func:`~torch_flops_core.guard.preserve_model`).
    Nothing is cached between calls: each count sees the model as it is now. Counts in several
    threads at once are independent, and never change what another thread's forward computes.
    """
    model_kwargs = model_keywords(model, keywords, model_kwargs, OPTIONS)
    if isinstance(model, torch.export.ExportedProgram) and not args and not model_kwargs and model.example_inputs:
        args, model_kwargs = tuple(model.example_inputs[0]), dict(model.example_inputs[1])  # what it was exported with
    check_flags(strict=strict, measure_time=measure_time, count_bytes=count_bytes, backward=backward)
    _check_request(model, engine, backward, loss)
    if backward:
        loss = checked_loss(loss)
        args, model_kwargs = without_inference_tensors(args, model_kwargs)
        args, model_kwargs = cut_inputs(args, model_kwargs)  # the backward stops at the inputs' graphs
    notes: list[str] = []
    if isinstance(model, torch.export.ExportedProgram):
        model = aten_graph(model)
        notes.append("counted the exported program's graph, decomposed to Core ATen, with the aten rules")
        engine = "aten"
    model, compiled = _uncompiled(model)
    if compiled:
        notes.append(f"counted the {compiled} that torch.compile wraps, eagerly: compiling does not change its FLOPs")
    plugin_set = get_plugins(disable=disable, plugins=plugins)
    if not plugin_set.table.entries:
        notes.append(_no_rules(plugin_set.infos))
        warnings.warn(f"torch-flops: {notes[-1]}.", PluginLoadWarning, stacklevel=2)
    result, _ = run_count(
        model, args, model_kwargs, plugin_set.table, IgnoreSpec(ignore_ops, plugin_set.table), engine,
        measure_time=measure_time, count_bytes=count_bytes, backward=backward, loss=loss, notes=notes,
    )  # fmt: skip
    if strict and result.unrecognized:
        raise unrecognized_error(result)
    return result


def _check_request(model: Any, engine: str, backward: bool, loss: Any) -> None:
    """Refuse what cannot be counted, saying why: an unknown engine, a model that is not callable, TorchScript, a
    ``loss=`` without ``backward=True`` or that is not a function."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    if not callable(model) and not isinstance(model, torch.export.ExportedProgram):
        raise TypeError(f"count_flops() counts an nn.Module or a callable, got {type(model).__name__}")
    if isinstance(model, torch.jit.ScriptFunction | torch._C.ScriptMethod):
        raise InputError(
            f"count_flops() got a TorchScript {type(model).__name__}: its ops run in TorchScript's interpreter, "
            "where no engine can see them. Count the Python module or function it was scripted from."
        )
    if loss is not None and not backward:
        raise InputError("loss= is the function differentiated by the backward pass: pass backward=True with it")
    if loss is not None and not callable(loss):
        raise TypeError(f"loss= takes a function of the model's output, got {type(loss).__name__}")


def run_count(
    model: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    table: RuleTable,
    ignore: IgnoreSpec,
    engine: str = "auto",
    *,
    measure_time: bool = True,
    count_bytes: bool = True,
    backward: bool = False,
    loss: Callable[[Any], torch.Tensor] | None = None,
    notes: list[str] | None = None,
    memory: Callable[[], int] | None = None,
    prepare: Callable[[torch.nn.Module], Any] | None = None,
) -> tuple[FlopsResult, Any]:
    """Count ``model(*args, **kwargs)`` with ``engine`` (a key of :data:`ENGINES`) and the rules of ``table``: the
    one path of every count (``count_flops``, ``TorchFLOPsByFX``). The model is guarded (left as it was), the
    garbage collector and outer counts paused, the meta kernels loaded before any op is timed; with ``backward``, the
    loss and backward are counted after the forward. ``memory``: the CUDA memory function read around each op
    (default ``torch.cuda.memory_allocated``); ``prepare``: called on the guarded model before it runs (its changes
    are undone with the rest). Returns the result and the model's output (``None`` with ``backward``: the output
    and its autograd graph are dropped once the backward is counted)."""
    notes = list(notes or ())
    ignore_functions = bool(ignore.functions) and (engine == "aten" or backward)
    # ignored functions at the aten level, and the backward of ignored calls: see torch_flops_core.ignore
    marker = IgnoreMarker(ignore) if ignore_functions else None
    with (
        _gc_paused(),
        outer_counts_paused(),
        preserve_model(model) as guarded,
        _eager_stance(guarded),
        _grad_mode(backward),
        marker if marker is not None else nullcontext(),
    ):
        devices = tensor_devices(args, kwargs)
        meta = guarded.meta or "meta" in devices
        cuda = guarded.cuda or "cuda" in devices
        owners = NodeOwners() if backward else None
        recorder = Recorder(measure_time=measure_time, cuda=cuda, memory=memory, owners=owners, count_bytes=count_bytes)
        if meta:
            with torch_functions_off():  # an outer count (this one nested in a forward) must not see it
                warm_up_meta()
        if prepare is not None:
            prepare(model)
        job = Job(model, args, kwargs, table, ignore, recorder, guarded, marker, notes)
        ran = ENGINES[engine](job)
        check_output(model, ran.output)
        output = ran.output
        if backward:
            ignored = ran.ignored_paths | ignored_modules(recorder.records)
            job.notes += count_training_step(job, output, loss, ignored)
            output = ran.output = None  # the autograd graph goes with it
        device = "meta" if meta else "cuda" if cuda else "cpu"
        result = FlopsResult(recorder.records, ran.engine, ran.graph, job.notes, device, bytes_counted=count_bytes)
        return result, output


def run_fx(job: Job) -> Ran:
    """The fx engine: trace the model (a ``GraphModule`` is counted as it is) and count its graph node by node."""
    traced, values = trace(job.model, job.args, job.kwargs, job.table)
    output = FlopsInterpreter(traced.root, traced.graph, job.table, job.ignore, job.recorder).run(*values)
    job.notes += fx_notes(traced)
    return Ran(output, "fx", traced.graph)


def run_aten_engine(job: Job) -> Ran:
    """The aten engine: every aten op the dispatcher runs; an aten-level ``GraphModule`` (an exported program's,
    ``make_fx``'s) is counted node by node."""
    if isinstance(job.model, fx.GraphModule):  # an aten graph: its nodes are the ops
        traced, values = trace(job.model, job.args, job.kwargs, job.table)
        interpreter = FlopsInterpreter(traced.root, traced.graph, job.table, job.ignore, job.recorder)
        output = interpreter.run(*values)
        job.notes += decomposed_note(Counter(interpreter.decomposed.values()))
        return Ran(output, "aten", traced.graph)
    bind(job.model, job.args, job.kwargs)
    counter = AtenCounter(job.table, job.ignore, job.recorder, paths=job.guarded.paths, marker=job.marker)
    output = run_aten(job.model, job.args, job.kwargs, counter)
    job.notes += decomposed_note(counter.decomposed)
    return Ran(output, "aten", None, counter.ignored_modules)


def run_eager_engine(job: Job) -> Ran:
    """The eager engine (the default): every top-level torch call and every module a rule counts whole, as it runs."""
    bind(job.model, job.args, job.kwargs)
    counter = EagerCounter(job.table, job.ignore, job.recorder, paths=job.guarded.paths)
    return Ran(run_eager(job.model, job.args, job.kwargs, counter), "eager")


ENGINES: dict[str, Callable[[Job], Ran]] = {
    "auto": run_eager_engine, "fx": run_fx, "eager": run_eager_engine, "aten": run_aten_engine,
}  # fmt: skip
"""The engines ``count_flops(engine=...)`` takes, by name: each runs a :class:`~torch_flops_core.job.Job`."""


def ignored_modules(records: Iterable[OpRecord]) -> set[str]:
    """The paths of the modules a forward counted whole as ignored: the backward ignores their ops too."""
    return {r.module_path for r in records if r.ignored and r.kind == "call_module" and r.phase == "forward"}


def aten_graph(program: torch.export.ExportedProgram) -> fx.GraphModule:
    """The graph module of an exported program, decomposed to the Core ATen opset (what the aten pack
    covers), without the input guards ``ExportedProgram.module()`` adds (they compute nothing)."""
    decomposed = program.run_decompositions()
    try:
        return decomposed.module(check_guards=False)
    except TypeError:  # torch without check_guards: no guard module either
        return decomposed.module()


def _uncompiled(model: Any) -> tuple[Any, str | None]:
    """The module or function a ``torch.compile`` wrapper holds (counted eagerly: the same math)."""
    original = getattr(model, "_orig_mod", None)
    if isinstance(model, torch.nn.Module) and isinstance(original, torch.nn.Module):
        return original, f"module {type(original).__name__}"
    original = getattr(model, "_torchdynamo_orig_callable", None)
    if original is not None and callable(original):
        return original, f"function {getattr(original, '__qualname__', 'function')}"
    return model, None


@contextmanager
def _grad_mode(backward: bool) -> Iterator[None]:
    """Grad off for a forward-only count; on (also inside ``torch.no_grad()`` or ``inference_mode()``
    of the caller) when the backward is counted: autograd must record the forward's graph."""
    if not backward:
        with torch.no_grad():
            yield
        return
    with torch.inference_mode(False), torch.enable_grad():
        yield


@contextmanager
def _eager_stance(guarded: Any) -> Iterator[None]:
    """Run compiled submodules eagerly during the count: dynamo cannot trace under a torch function
    mode, and what is counted is the module's own math either way."""
    compiled = any(hasattr(m, "_orig_mod") and hasattr(m, "dynamo_ctx") for m in guarded.modules)
    if not compiled or not hasattr(torch.compiler, "set_stance"):
        yield
        return
    with torch.compiler.set_stance("force_eager"):
        yield


def _no_rules(infos: Sequence[Any]) -> str:
    seen = ", ".join(f"{info.name} ({info.status})" for info in infos) or "none found"
    return (
        f"no rule is loaded (plugins: {seen}), so every op is not recognized: install torch-flops-rules-nn and "
        f"torch-flops-rules-functional (their entry points make them found), or check {DISABLE_ENV} and disable="
    )


def fx_notes(traced: Traced) -> list[str]:
    """What an fx count cannot see, in general and, where the graph shows it, for this model."""
    constants = [
        str(n.target) for n in traced.graph.nodes if n.op == "get_attr" and str(n.target).startswith("_tensor_constant")
    ]
    notes = [FX_NOTE]
    if constants:
        notes.append(
            f"{len(constants)} tensors were computed while tracing and are constants of the graph "
            f"({', '.join(constants[:3])}{' ...' if len(constants) > 3 else ''}): "
            "the work that built them is not counted"
        )
    return notes


def unrecognized_error(result: FlopsResult) -> UnrecognizedOpsError:
    """The error ``strict=True`` raises: every unrecognized target and the records that ran it."""
    targets: dict[str, list[str]] = {}
    for r in result.unrecognized:
        name = r.module_type if r.kind == "call_module" else r.target_name
        targets.setdefault(name, []).append(r.name)
    listed = "; ".join(f"{t} (nodes {', '.join(nodes)})" for t, nodes in targets.items())
    return UnrecognizedOpsError(
        f"{len(result.unrecognized)} ops have no rule: {listed}. Install or write a plugin with rules for them, "
        "or count them as 0 with ignore_ops=[...].",
        targets,
    )
