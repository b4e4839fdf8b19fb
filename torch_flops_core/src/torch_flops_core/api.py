"""``count_flops``: the entry point that checks the request, picks plugins and an engine, and returns a result.

The count itself is :func:`~torch_flops_core.engines.run_count` (:mod:`torch_flops_core.engines`): the engines
(``ENGINES``) and the conditions every count runs under live there.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import torch

from .conventions import Convention, checked_convention
from .engines.autograd_graph import cut_inputs
from .engines.distributed import per_rank
from .engines.ignore import IgnoreSpec
from .engines.inputs import check_flags, checked_loss, model_keywords, without_inference_tensors
from .engines.run import ENGINES, FX_NOTE, aten_graph, run_count
from .engines.symbolic import Symbols
from .errors import InputError, PluginLoadWarning, UnrecognizedOpsError
from .hookspecs import DISABLE_ENV
from .plugins import get_plugins
from .results import FlopsResult
from .wording import agree

__all__ = ["ENGINES", "FX_NOTE", "OPTIONS", "Engine", "count_flops", "run_count", "unrecognized_error"]

Engine = Literal["auto", "fx", "eager", "aten"]
OPTIONS: tuple[str, ...] = (
    "engine", "ignore_ops", "plugins", "disable", "strict", "measure_time", "count_bytes", "model_kwargs",
    "backward", "loss", "dims", "convention",
)  # fmt: skip
"""``count_flops``'s own keywords: a loose keyword close to one of them is refused as a misspelling."""


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
    dims: Mapping[str, Mapping[int, str]] | None = None,
    convention: Convention = "exact",
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
        module or call (see :mod:`torch_flops_core.engines.ignore`). A name that names nothing is a ``ValueError``.
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
    :param dims: count with symbolic sizes: for each input (a positional one by its parameter's name, a keyword one by
        its keyword), the dimensions to name, ``dims={"x": {0: "B", 1: "T"}}``. The model runs once on fake tensors
        whose named sizes are symbols (as ``torch.export`` does), and every figure of the result is an exact
        expression in those names (``result.formula()``, ``result.evaluate(B=8, T=4096)``); ``result.guards`` says
        where it holds. The example inputs give the sizes branches are decided at (each at least 2).
    :param convention: the figure tables sort, cut (``top=K``) and plot by, and their headers name
        (``result.convention``, ``result.figure()``): ``"exact"`` (default: ``result.total``, 2K − 1 per dot product
        plus every element-wise op) or ``"2mac"`` (2 × ``result.total_macs``, as papers and ``FlopCounterMode``
        count). Every summary shows both and the MACs; see docs/which-number.md.

    The model is run once, under ``torch.no_grad()`` (with grad enabled for the count when
    ``backward=True``), on whatever device its tensors are on (``meta`` included), and left exactly
    as it was (see :func:`~torch_flops_core.engines.guard.preserve_model`).
    Nothing is cached between calls: each count sees the model as it is now. Counts in several
    threads at once are independent, and never change what another thread's forward computes.
    """
    model_kwargs = model_keywords(model, keywords, model_kwargs, OPTIONS)
    if isinstance(model, torch.export.ExportedProgram) and not args and not model_kwargs and model.example_inputs:
        args, model_kwargs = tuple(model.example_inputs[0]), dict(model.example_inputs[1])  # what it was exported with
    check_flags(strict=strict, measure_time=measure_time, count_bytes=count_bytes, backward=backward)
    convention = checked_convention(convention)
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
    symbols = Symbols(dims) if dims else None
    with per_rank(model, engine, symbols is not None) as ranks:  # a parallelized model: per rank (engines/distributed)
        result, _ = run_count(
            model, args, model_kwargs, plugin_set.table, IgnoreSpec(ignore_ops, plugin_set.table),
            ranks.engine if ranks else engine, measure_time=measure_time, count_bytes=count_bytes, backward=backward,
            loss=loss, notes=notes, symbols=symbols,
        )  # fmt: skip
    if ranks:
        ranks.finish(result)
    result.convention = convention
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


def _uncompiled(model: Any) -> tuple[Any, str | None]:
    """The module or function a ``torch.compile`` wrapper holds (counted eagerly: the same math)."""
    original = getattr(model, "_orig_mod", None)
    if isinstance(model, torch.nn.Module) and isinstance(original, torch.nn.Module):
        return original, f"module {type(original).__name__}"
    original = getattr(model, "_torchdynamo_orig_callable", None)
    if original is not None and callable(original):
        return original, f"function {getattr(original, '__qualname__', 'function')}"
    return model, None


def _no_rules(infos: Sequence[Any]) -> str:
    seen = ", ".join(f"{info.name} ({info.status})" for info in infos) or "none found"
    return (
        f"no rule is loaded (plugins: {seen}), so every op is not recognized: install torch-flops-rules-nn and "
        f"torch-flops-rules-functional (their entry points make them found), or check {DISABLE_ENV} and disable="
    )


def unrecognized_error(result: FlopsResult) -> UnrecognizedOpsError:
    """The error ``strict=True`` raises: every unrecognized target and the records that ran it."""
    targets: dict[str, list[str]] = {}
    for r in result.unrecognized:
        name = r.module_type if r.kind == "call_module" else r.target_name
        targets.setdefault(name, []).append(r.name)
    listed = "; ".join(f"{t} (nodes {', '.join(nodes)})" for t, nodes in targets.items())
    return UnrecognizedOpsError(
        f"{agree(len(result.unrecognized), 'op has', 'ops have')} no rule: {listed}. Install or write a plugin "
        "with rules for them, or count them as 0 with ignore_ops=[...].",
        targets,
    )
