"""What ``count_flops`` hands the model and what it gets back: keywords, binding, lazy outputs.

``count_flops(model, *args, **keywords)`` shares one keyword namespace between its own options and
the model's keyword inputs. A keyword that is not an option goes to the model, unless it looks like a
misspelt option and the model would not name it (its ``forward`` gathers ``**kwargs``): then it is an
error, so ``strickt=True`` never silently counts without ``strict``. ``model_kwargs={...}`` passes
model keywords explicitly, a keyword named like an option included.
"""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
import torch.fx as fx

from .errors import InputError, LazyOutputError

__all__ = ["bind", "check_output", "model_keywords", "name_of"]


def name_of(model: Any) -> str:
    """How errors name the counted callable: ``Model.forward``, or a function's qualified name."""
    if isinstance(model, torch.nn.Module):
        return f"{type(model).__name__}.forward"
    return getattr(model, "__qualname__", None) or getattr(model, "__name__", None) or type(model).__name__


def _signature(model: Any) -> inspect.Signature | None:
    forward: Callable[..., Any] = model.forward if isinstance(model, torch.nn.Module) else model
    try:
        return inspect.signature(forward)
    except (TypeError, ValueError):  # a builtin without a signature: let the call say
        return None


def model_keywords(
    model: Any, keywords: dict[str, Any], explicit: Mapping[str, Any] | None, options: tuple[str, ...]
) -> dict[str, Any]:
    """The keyword inputs of the model: ``explicit`` (``model_kwargs=``) and the loose ``keywords``.

    A loose keyword that the model's ``forward`` does not name, while it takes ``**kwargs``, and that
    is close to one of ``options``, is a misspelt option: :class:`InputError` names the option.
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
    misspelt = {
        key: close[0]
        for key in keywords
        if key not in named and gathers and (close := difflib.get_close_matches(key, options, n=1, cutoff=0.75))
    }
    if misspelt:
        listed = ", ".join(f"{key}= (did you mean {option}=?)" for key, option in misspelt.items())
        raise InputError(
            f"count_flops() got {listed}: close to counting options, and {name_of(model)} does not name them "
            "(it takes **kwargs, so it would swallow them silently). Spell the option right, or pass a "
            "keyword input of the model explicitly: model_kwargs={...}."
        )
    merged = dict(explicit or {})
    both = sorted(set(merged) & set(keywords))
    if both:
        raise InputError(f"model keyword(s) {', '.join(both)} given both in model_kwargs and as keywords")
    merged.update(keywords)
    return merged


def bind(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise :class:`InputError` before anything runs when the inputs cannot fit the callable."""
    signature = _signature(model)
    if signature is None:
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise InputError(f"the inputs do not fit {name_of(model)}: {exc}") from exc


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
