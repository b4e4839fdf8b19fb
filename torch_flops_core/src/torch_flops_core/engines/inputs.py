"""What ``count_flops`` hands the model and what it gets back: keywords, flags, binding, the loss, lazy outputs.

``count_flops(model, *args, **keywords)`` shares one keyword namespace between its own options and
the model's keyword inputs. A loose keyword that is not an option goes to the model only when the
model's ``forward`` names it as a parameter (``input_ids=``, ``attention_mask=``, ``labels=`` of a
transformers model). A keyword ``forward`` would only swallow through ``**kwargs`` (``loss_fn=``,
``criterion=``, ``strickt=``) is an :class:`InputError`: a mistyped or misplaced option never vanishes
into the model. ``model_kwargs={...}`` passes model keywords explicitly, those ``**kwargs`` takes and
one named like an option included.

The flags (``strict``, ``measure_time``, ``count_bytes``, ``backward``) take ``True`` or ``False`` only
(``backward="no"`` would be true). With ``backward=True``, inputs made under ``torch.inference_mode()``
(which autograd cannot save) are replaced by plain copies, and the loss a ``loss=`` function returns is
checked before its backward runs (:func:`checked_loss`).
"""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
import torch.fx as fx
from torch.utils._pytree import tree_flatten, tree_unflatten

from ..errors import InputError, LazyOutputError
from .autograd_graph import autograd_nodes

__all__ = [
    "InputMismatchError",
    "bind",
    "check_flags",
    "check_output",
    "checked_loss",
    "model_keywords",
    "name_of",
    "parameter_names",
    "without_inference_tensors",
]


class InputMismatchError(InputError):
    """The inputs do not fit the counted callable's signature (raised before anything runs)."""


def name_of(model: Any) -> str:
    """How errors name the counted callable: ``Model.forward``, or a function's qualified name."""
    if isinstance(model, torch.nn.Module):
        return f"{type(model).__name__}.forward"
    return getattr(model, "__qualname__", None) or getattr(model, "__name__", None) or type(model).__name__


def _program_signature(program: torch.export.ExportedProgram) -> inspect.Signature | None:
    """What an exported program takes: its positional inputs, and the keywords it was exported with."""
    try:
        kwargs = program.call_spec.in_spec.children()[1].context
    except (AttributeError, IndexError, TypeError):
        return None
    if not isinstance(kwargs, list) or not all(isinstance(k, str) and k.isidentifier() for k in kwargs):
        return None
    return inspect.Signature(
        [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)]
        + [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY) for k in kwargs]
    )


def _signature(model: Any) -> inspect.Signature | None:
    if isinstance(model, torch.export.ExportedProgram):
        return _program_signature(model)
    original = getattr(model, "_orig_mod", None) or getattr(model, "_torchdynamo_orig_callable", None)
    if original is not None and callable(original):  # torch.compile's wrapper: what it runs is what it takes
        model = original
    forward: Callable[..., Any] = model.forward if isinstance(model, torch.nn.Module) else model
    try:
        return inspect.signature(forward)
    except (TypeError, ValueError):  # a builtin without a signature: let the call say
        return None


def model_keywords(
    model: Any, keywords: dict[str, Any], explicit: Mapping[str, Any] | None, options: tuple[str, ...]
) -> dict[str, Any]:
    """The keyword inputs of the model: ``explicit`` (``model_kwargs=``) and the loose ``keywords``.

    A loose keyword that the model's ``forward`` does not name, while it takes ``**kwargs``, is refused
    with :class:`InputError`: it may be a misspelt option (the error names the option it is close to
    in ``options``) or an option of something else (``loss_fn=``); a keyword ``**kwargs`` is meant to
    take goes in ``model_kwargs=``. (Without ``**kwargs``, a keyword ``forward`` does not name is
    refused by :func:`bind`.)
    """
    if explicit is not None and not isinstance(explicit, Mapping):
        raise TypeError(f"model_kwargs takes a dict of the model's keyword inputs, got {explicit!r}")
    signature = _signature(model)
    named: set[str] = set()
    gathers = True
    if signature is not None:
        params = signature.parameters.values()
        named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        gathers = any(p.kind is p.VAR_KEYWORD for p in params)
    merged = dict(explicit or {})
    both = sorted(set(merged) & set(keywords))
    if both:
        raise InputError(f"model keyword(s) {', '.join(both)} given both in model_kwargs and as keywords")
    swallowed = [key for key in keywords if key not in named] if gathers and signature is not None else []
    if swallowed:
        raise InputError(_swallowed_message(model, swallowed, options))
    merged.update(keywords)
    return merged


def _swallowed_message(model: Any, keys: list[str], options: tuple[str, ...]) -> str:
    close = {key: difflib.get_close_matches(key, options, n=1, cutoff=0.75) for key in keys}
    listed = ", ".join(f"{key}= (did you mean {close[key][0]}=?)" if close[key] else f"{key}=" for key in keys)
    kinds = (
        "close to counting options, and "
        if all(close.values())
        else "not counting options (count_flops() takes " + ", ".join(f"{option}=" for option in options) + "), and "
    )
    example = ", ".join(f"{key!r}: ..." for key in keys)
    return (
        f"count_flops() got {listed}: {kinds}{name_of(model)} does not name them as parameters: it takes "
        "**kwargs, so it would swallow them silently (a loss function or an option meant for something else "
        "would vanish). Spell the option right, or, if they are keyword inputs of the model, pass them "
        f"explicitly: model_kwargs={{{example}}}."
    )


def parameter_names(model: Any, positional: int) -> list[str]:
    """The parameter names of the first ``positional`` positional inputs of ``model`` (a ``*args`` parameter's
    values are named ``args[0]``, ``args[1]`` ...); ``input0`` ... where the callable has no signature."""
    signature = _signature(model)
    names: list[str] = []
    if signature is not None:
        for param in signature.parameters.values():
            if param.kind is param.VAR_POSITIONAL:
                names += [f"{param.name}[{i}]" for i in range(positional - len(names))]
                break
            if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
                names.append(param.name)
    names += [f"input{i}" for i in range(len(names), positional)]
    return names[:positional]


def bind(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise :class:`InputError` before anything runs when the inputs cannot fit the callable."""
    signature = _signature(model)
    if signature is None:
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise InputMismatchError(f"the inputs do not fit {name_of(model)}: {exc}") from exc


_LAZY = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType, Iterator)


def check_output(model: Any, output: Any) -> None:
    """A generator, coroutine or iterator did none of its work yet: :class:`LazyOutputError`."""
    if isinstance(output, _LAZY) and not isinstance(output, torch.Tensor | fx.Proxy):
        if isinstance(output, types.CoroutineType):
            output.close()  # never awaited: close it so Python does not warn
        raise LazyOutputError(
            f"{name_of(model)} returned a {type(output).__name__}: its work runs only when it is consumed, so "
            "nothing of it was counted. Count a function that consumes it, e.g. "
            "count_flops(lambda *a: list(model(*a)), *inputs)."
        )


FLAGS = ("strict", "measure_time", "count_bytes", "backward")


def check_flags(**flags: Any) -> None:
    """Each of ``count_flops``'s flags is ``True`` or ``False``: anything else (``backward="no"``, which is
    truthy, ``1``, ``None``) is a ``TypeError``."""
    for name, value in flags.items():
        if not isinstance(value, bool) and type(value).__name__ != "bool_":  # numpy's bool is welcome
            raise TypeError(f"{name}= takes True or False, got {value!r} ({type(value).__name__})")


def without_inference_tensors(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The inputs, each tensor made under ``torch.inference_mode()`` replaced by a plain copy (made outside
    the count, so not counted): autograd cannot save an inference tensor for the backward."""
    leaves, spec = tree_flatten((args, kwargs))
    if not any(isinstance(t, torch.Tensor) and t.is_inference() for t in leaves):
        return args, kwargs
    with torch.inference_mode(False):
        copied = [t.clone() if isinstance(t, torch.Tensor) and t.is_inference() else t for t in leaves]
    new_args, new_kwargs = tree_unflatten(copied, spec)
    return tuple(new_args), dict(new_kwargs)


def checked_loss(loss: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """``loss=`` with its result checked: a tensor that depends on the model's output, so that its gradient
    has something to flow through (else :class:`InputError` saying what came back)."""
    if loss is None:
        return None
    user_loss = loss

    def checked(output: Any) -> Any:
        value = user_loss(output)
        if isinstance(value, torch.Tensor) and value.requires_grad and not _reaches(value, output):
            what = "a leaf tensor (one made by no op)" if value.grad_fn is None else "a tensor computed without it"
            raise InputError(
                f"loss= returned {what}: it does not depend on the model's output, so its backward would not run "
                "through the model. Return a tensor computed from the output the function receives "
                "(e.g. loss=lambda out: F.cross_entropy(out, target))"
            )
        return value

    return checked


def _reaches(value: torch.Tensor, output: Any) -> bool:
    """Whether ``value``'s autograd graph reaches a tensor of ``output`` (its node, or the leaf itself)."""
    tensors = [t for t in tree_flatten(output)[0] if isinstance(t, torch.Tensor)]
    tensors += [t for t in _attribute_tensors(output) if all(t is not u for u in tensors)]
    if any(t is value for t in tensors):
        return True
    nodes = {id(t.grad_fn) for t in tensors if t.grad_fn is not None}
    leaves = {id(t) for t in tensors if t.grad_fn is None}
    for node in autograd_nodes(value.grad_fn):
        if id(node) in nodes:
            return True
        variable = getattr(node, "variable", None)
        if isinstance(variable, torch.Tensor) and id(variable) in leaves:
            return True
    return False


def _attribute_tensors(output: Any) -> list[torch.Tensor]:
    """Tensors an output object holds as attributes (a ``ModelOutput``, a dataclass), one level deep."""
    values = getattr(output, "__dict__", None)
    if not isinstance(values, dict):
        return []
    found: list[torch.Tensor] = []
    for value in values.values():
        found += [t for t in tree_flatten(value)[0] if isinstance(t, torch.Tensor)]
    return found
