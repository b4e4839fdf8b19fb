"""``run_count``: the one path of every count, and the engines it runs by name (:data:`ENGINES`).

``count_flops`` (:mod:`torch_flops_core.api`) checks the request and picks the plugins; ``TorchFLOPsByFX``
(:mod:`torch_flops_core.compat`) counts a model the seed's way; both hand the model, its inputs, the rule table and
the ignore spec to :func:`run_count`, which guards the model, sets the conditions of a count
(:mod:`~torch_flops_core.engines.session`), runs one engine on a :class:`~torch_flops_core.engines.job.Job`, and
with ``backward`` counts the loss and the backward after the forward.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

import torch
import torch.fx as fx

from ..decompose import decomposed_note
from ..parameters import model_structure
from ..registry import RuleTable
from ..results import FlopsResult, OpRecord
from ..wording import agree
from .aten import AtenCounter, run_aten
from .backward import count_training_step
from .eager import EagerCounter, run_eager
from .generation import forward_spans, generation_of
from .guard import preserve_model
from .ignore import IgnoreMarker, IgnoreSpec
from .inputs import bind, check_output
from .interpreter import FlopsInterpreter
from .job import Job, Ran
from .module_events import outer_counts_paused, torch_functions_off
from .recorder import NodeOwners, Recorder, tensor_devices
from .session import eager_stance, gc_paused, grad_mode, warm_up_meta
from .symbolic import Symbols
from .tracer import Traced, trace

__all__ = ["ENGINES", "FX_NOTE", "aten_graph", "fx_notes", "ignored_modules", "run_count"]

FX_NOTE = (
    "counted from the torch.fx graph: work fx ran while tracing (on buffers, parameters and constant tensors, "
    "or on anything that does not depend on the inputs) is not counted, and branches on an input's Python type "
    "took the tracing path; engine='eager' counts what runs (see docs/engines.md)"
)


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
    symbols: Symbols | None = None,
) -> tuple[FlopsResult, Any]:
    """Count ``model(*args, **kwargs)`` with ``engine`` (a key of :data:`ENGINES`) and the rules of ``table``: the
    one path of every count (``count_flops``, ``TorchFLOPsByFX``). The model is guarded (left as it was), the
    garbage collector and outer counts paused, the meta kernels loaded before any op is timed; with ``backward``, the
    loss and backward are counted after the forward. ``memory``: the CUDA memory function read around each op
    (default ``torch.cuda.memory_allocated``); ``prepare``: called on the guarded model before it runs (its changes
    are undone with the rest); ``symbols``: count with symbolic sizes (:mod:`~torch_flops_core.engines.symbolic`): the
    inputs it names become fake tensors, the model runs under its fake mode, and every figure is an expression.
    Returns the result and the model's output (``None`` with ``backward``: the output
    and its autograd graph are dropped once the backward is counted)."""
    notes = list(notes or ())
    ignore_functions = bool(ignore.functions) and (engine == "aten" or backward)
    # ignored functions at the aten level, and the backward of ignored calls: see torch_flops_core.engines.ignore
    marker = IgnoreMarker(ignore) if ignore_functions else None
    with (
        gc_paused(),
        outer_counts_paused(),
        preserve_model(model) as guarded,
        eager_stance(guarded),
        grad_mode(backward),
        marker if marker is not None else nullcontext(),
    ):
        if symbols is not None:
            args, kwargs = symbols.inputs(model, args, kwargs)
            measure_time = False  # fake tensors run no kernel
        devices = tensor_devices(args, kwargs)
        meta = guarded.meta or "meta" in devices
        cuda = guarded.cuda or "cuda" in devices
        owners = NodeOwners() if backward else None
        recorder = Recorder(
            measure_time=measure_time, cuda=cuda, memory=memory, owners=owners, count_bytes=count_bytes, symbols=symbols
        )
        if meta:
            with torch_functions_off():  # an outer count (this one nested in a forward) must not see it
                warm_up_meta()
        if prepare is not None:
            prepare(model)
        job = Job(model, args, kwargs, table, ignore, recorder, guarded, marker, notes)
        running = symbols.running() if symbols is not None else nullcontext()
        with running, forward_spans(model, recorder.records) as spans:  # generation steps: engines/generation.py
            ran = ENGINES[engine](job)
            check_output(model, ran.output)
            output = ran.output
            if backward:
                ignored = ran.ignored_paths | ignored_modules(recorder.records)
                job.notes += count_training_step(job, output, loss, ignored)
                output = ran.output = None  # the autograd graph goes with it
        device = "meta" if meta else "cuda" if cuda else "cpu"
        result = FlopsResult(recorder.records, ran.engine, ran.graph, job.notes, device, bytes_counted=count_bytes)
        result.structure = model_structure(model)  # after the run: a lazy module's parameters are made by then
        result.generation = None if backward else generation_of(spans, result.ops)  # engines/generation.py
        if symbols is not None:
            symbols.check_not_fixed("the model, after its last recorded op")
            result.sizes, result.guards, result.ranges = dict(symbols.hints), symbols.guards(), symbols.ranges()
            result.notes.append(symbols.validity(result.ranges, result.guards))
            result.unknowns = symbols.unknowns(value for r in result.ops for value in (r.flops, r.macs, r.bytes))
            output = None  # fake tensors: nothing to hand back
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
"""The engines ``count_flops(engine=...)`` takes, by name: each runs a :class:`~torch_flops_core.engines.job.Job`."""


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


def fx_notes(traced: Traced) -> list[str]:
    """What an fx count cannot see, in general and, where the graph shows it, for this model."""
    constants = [
        str(n.target) for n in traced.graph.nodes if n.op == "get_attr" and str(n.target).startswith("_tensor_constant")
    ]
    notes = [FX_NOTE]
    if constants:
        notes.append(
            f"{agree(len(constants), 'tensor was', 'tensors were')} computed while tracing and "
            f"{'is a constant' if len(constants) == 1 else 'are constants'} of the graph "
            f"({', '.join(constants[:3])}{' ...' if len(constants) > 3 else ''}): "
            f"the work that built {'it' if len(constants) == 1 else 'them'} is not counted"
        )
    return notes
