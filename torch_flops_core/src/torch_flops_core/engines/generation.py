"""Where each forward of a generation begins and ends in a count's records.

Counting a callable that is not a module (``model.generate``, a function looping over ``model(...)``), the first
module it reaches (:func:`~torch_flops_core.engines.guard.modules_of`: a bound method's ``__self__``, the module a
function holds) gets a forward pre-hook and a forward hook for the count's duration. At each top-level call of its
forward (not one it makes of itself) they note the index in the recorder's records where the call began and where
it ended, and, before it runs, how many tokens it is given and how long the cache already is: one
:class:`~torch_flops_core.generation.Span` per forward, from which the result's
:class:`~torch_flops_core.generation.Generation` is made. Nothing else is kept; the hooks are removed when the count
ends (and the guard puts the module's hook dicts back in any case). A count of a module itself calls its forward
once: it gets no hook and no generation.

Only the counting thread's calls are noted (another thread's forward of the same module is not part of the count),
and the hooks read shapes only, with torch functions off, so they add no op to the count.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from ..generation import Generation, Span
from ..records import OpRecord
from .guard import modules_of
from .module_events import torch_functions_off

__all__ = ["ForwardSpans", "context_of", "forward_spans", "generation_of"]

_TOKEN_NAMES = ("input_ids", "inputs_embeds", "x", "input", "tokens", "idx")
_CACHE_NAMES = ("past_key_values", "cache", "past_key_value", "past", "kv_cache")


class ForwardSpans:
    """The spans of the top-level forwards of one module, noted by its hooks, in the counting thread."""

    __slots__ = ("depth", "open", "records", "spans", "thread")

    def __init__(self, records: list[OpRecord]) -> None:
        self.records = records
        self.spans: list[Span] = []
        self.depth = 0
        self.open: tuple[int, int | None, int | None] = (0, None, None)
        self.thread = threading.get_ident()

    def started(self, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The forward pre-hook: a top-level call opens a span (its first record, tokens and past length)."""
        if threading.get_ident() != self.thread:
            return
        self.depth += 1
        if self.depth == 1:
            with torch_functions_off():
                tokens, past = context_of(args, kwargs)
            self.open = (len(self.records), tokens, past)

    def finished(self, module: torch.nn.Module, args: tuple[Any, ...], *rest: Any) -> None:
        """The forward hook (also called when forward raises): a top-level call closes its span."""
        if threading.get_ident() != self.thread or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            start, tokens, past = self.open
            context = None if tokens is None or past is None else past + tokens
            self.spans.append(Span(start, len(self.records), tokens, context))


def context_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int | None, int | None]:
    """(tokens given, tokens already cached) of a forward's inputs, ``None`` where they do not say.

    Tokens: the sequence axis (1, else 0 for a 1-d input) of ``input_ids`` (or ``inputs_embeds`` ...), else of the
    first tensor argument. Cached: a cache object's ``get_seq_length()`` (transformers' ``Cache``), a legacy tuple
    of (key, value) pairs' key length (axis -2), 0 without a cache argument or with ``None`` for it.
    """
    first = next((kwargs[name] for name in _TOKEN_NAMES if isinstance(kwargs.get(name), torch.Tensor)), None)
    if first is None:
        first = next((a for a in args if isinstance(a, torch.Tensor)), None)
    tokens = None if first is None or first.dim() == 0 else _size(first.shape[1 if first.dim() > 1 else 0])
    cache = next((kwargs[name] for name in _CACHE_NAMES if kwargs.get(name) is not None), None)
    if cache is None:
        cache = next((a for a in args if callable(getattr(a, "get_seq_length", None))), None)
    return tokens, _cached(cache)


def _size(value: Any) -> int | None:
    """A size as an int; ``None`` for a symbolic one (reading it as a number would fix it)."""
    return value if type(value) is int else None


def _cached(cache: Any) -> int | None:
    if cache is None:
        return 0
    length = getattr(cache, "get_seq_length", None)
    if callable(length):
        return _size(length())
    if isinstance(cache, tuple | list):
        if not cache:
            return 0
        key = cache[0][0] if isinstance(cache[0], tuple | list) and cache[0] else cache[0]
        if isinstance(key, torch.Tensor) and key.dim() >= 2:
            return _size(key.shape[-2])
    return None


@contextmanager
def forward_spans(model: Any, records: list[OpRecord]) -> Iterator[ForwardSpans | None]:
    """While the block runs, note the spans of the top-level forwards of the first module ``model`` reaches (``None``:
    ``model`` is a module, whose forward the count calls once, or reaches none)."""
    roots = [] if isinstance(model, torch.nn.Module) else modules_of(model)
    if not roots:
        yield None
        return
    spans = ForwardSpans(records)
    handles = [
        roots[0].register_forward_pre_hook(spans.started, with_kwargs=True),
        roots[0].register_forward_hook(spans.finished, always_call=True),
    ]
    try:
        yield spans
    finally:
        for handle in handles:
            handle.remove()


def generation_of(spans: ForwardSpans | None, records: Sequence[OpRecord]) -> Generation | None:
    """The generation the noted spans make of ``records`` (``None`` when no forward of the module ran)."""
    if spans is None or not spans.spans:
        return None
    return Generation.of(spans.spans, records)
