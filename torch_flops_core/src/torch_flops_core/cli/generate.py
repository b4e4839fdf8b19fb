"""``count --generate N``: an ``hf:`` language model's ``generate`` counted, N new tokens by greedy decoding from the
input as prompt, and reported as its prefill and decode steps (:class:`~torch_flops_core.generation.Generation`).

The prompt is the SPEC's input (``--seq-len``, the default length); exactly N tokens are generated
(``min_new_tokens = max_new_tokens = N``, end-of-sequence and padding set to one token, so no attention mask is
inferred from the prompt). Generation reads the tokens it produces, which the meta device has no values for: it
runs on cpu unless ``--device`` says otherwise.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from ..results import FlopsResult
from .shapes import InputPoint
from .usage import UsageError

__all__ = ["check_generate", "check_generating", "generate_call", "generation_report"]


def check_generate(args: argparse.Namespace, points: Sequence[InputPoint] | None) -> None:
    """The usage errors of ``--generate`` found before anything is built."""
    if not getattr(args, "generate", None):
        return
    if not args.spec.startswith("hf:"):
        raise UsageError("--generate counts the generate() of a transformers language model: give an hf: SPEC")
    flags = {"--backward": getattr(args, "backward", False), "--symbolic": getattr(args, "symbolic", None),
             "--engine fx": args.engine == "fx"}  # fmt: skip
    clashes = [flag for flag, given in flags.items() if given]
    if clashes:
        raise UsageError(f"--generate does not combine with {' or '.join(clashes)}: it counts an eager forward run")
    if points is not None and len(points) > 1:
        raise UsageError("--generate counts one prompt: give one --seq-len, not a sweep")
    if args.device == "meta":
        raise UsageError("--generate reads the tokens it produces, which meta tensors do not hold: use --device cpu")


def check_generating(model: Any, points: Sequence[InputPoint], new_tokens: int | None) -> None:
    """The usage errors of ``--generate`` once the model is built: a model that cannot generate, a prompt that leaves
    no room for the new tokens in the positions the model was configured for."""
    if not new_tokens:
        return
    can_generate = getattr(model, "can_generate", None)
    if not callable(can_generate) or not can_generate():
        raise UsageError(
            f"--generate: {type(model).__name__} cannot generate (it is not a causal or sequence-to-sequence language "
            "model in transformers)"
        )
    config = getattr(model, "config", None)
    limits = [getattr(config, name, None) for name in ("max_position_embeddings", "n_positions")]
    limit = next((value for value in limits if isinstance(value, int) and value > 0), None)
    prompt = points[0].seq_len
    if limit is not None and prompt is not None and prompt + new_tokens > limit:
        raise UsageError(
            f"--generate {new_tokens}: a prompt of {prompt} tokens and {new_tokens} new ones exceed the {limit} "
            f"positions {type(model).__name__} was configured for: give --seq-len {max(limit - new_tokens, 1)} or less"
        )


def _special_token(model: Any) -> int:
    """The config's end-of-sequence token (its first, when it lists several) if the vocabulary holds it, else 0."""
    config = getattr(model, "config", None)
    eos = getattr(config, "eos_token_id", None)
    if isinstance(eos, list | tuple):
        eos = eos[0] if eos else None
    vocab = getattr(config, "vocab_size", None)
    if isinstance(eos, int) and eos >= 0 and (not isinstance(vocab, int) or eos < vocab):
        return eos
    return 0


def generate_call(
    model: Any, new_tokens: int, xs: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """(``model.generate``, its arguments) for ``new_tokens`` greedy tokens from the inputs' ``input_ids``."""
    from transformers import GenerationConfig

    token = _special_token(model)
    config = GenerationConfig(
        max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, num_beams=1, eos_token_id=token,
        pad_token_id=token,
    )  # fmt: skip
    rest = dict(kwargs)
    prompt = rest.pop("input_ids", None)
    args = (prompt, *xs) if prompt is not None else xs
    return model.generate, args, {**rest, "generation_config": config}


def generation_report(result: FlopsResult, tablefmt: str) -> str | None:
    """The prefill and decode steps of a generation's count as a table (``None``: the count is no generation)."""
    if result.generation is None:
        return None
    return result.generation.summary(tablefmt=tablefmt)
