"""A misspelt counting option is an error, never a keyword silently handed to the model."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import torch
from torch import nn
from transformers import GPT2Config, GPT2LMHeadModel

from torch_flops_core import InputError, count_flops
from torch_flops_core.api import OPTIONS


def gpt2() -> tuple[nn.Module, torch.Tensor]:
    config = GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64, n_positions=16)
    return GPT2LMHeadModel(config).eval(), torch.zeros(1, 8, dtype=torch.long)


def misspell(option: str) -> str:
    """A typo: two neighbouring letters swapped (strict -> sritct), or the last letter doubled."""
    i = len(option) // 2
    swapped = option[: i - 1] + option[i] + option[i - 1] + option[i + 1 :]
    return swapped if swapped != option else option + option[-1]


class TakesKwargs(nn.Module):
    def forward(self, x: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        y = x * 2
        for value in kwargs.values():
            y = y + value
        return y


def test_the_gpt2_call_with_three_typos_names_each_option() -> None:
    model, ids = gpt2()
    with pytest.raises(InputError) as info:
        count_flops(model, ids, strickt=True, egnine="fx", ignore_op=["softmax"])
    message = str(info.value)
    for typo, option in (("strickt", "strict"), ("egnine", "engine"), ("ignore_op", "ignore_ops")):
        assert f"{typo}= (did you mean {option}=?)" in message
    assert "model_kwargs" in message


def test_plain_model_keywords_still_reach_the_model() -> None:
    model, ids = gpt2()
    by_keyword = count_flops(model, input_ids=ids)
    assert by_keyword.total == count_flops(model, ids).total > 0
    assert count_flops(model, model_kwargs={"input_ids": ids}).total == by_keyword.total


def test_every_option_is_checked() -> None:
    keyword_only = [p.name for p in inspect.signature(count_flops).parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert set(OPTIONS) == set(keyword_only)  # an option added later is checked by the tests below


@pytest.mark.parametrize("option", OPTIONS)
def test_a_misspelt_option_is_refused_before_anything_runs(option: str) -> None:
    typo = misspell(option)
    assert typo != option
    with pytest.raises(InputError, match=rf"{typo}= \(did you mean {option}=\?\)"):
        count_flops(TakesKwargs(), torch.randn(3), **{typo: True})


def test_a_model_keyword_named_like_an_option_goes_through_model_kwargs() -> None:
    x = torch.randn(3)
    result = count_flops(TakesKwargs(), x, model_kwargs={"strict": torch.ones(3)}, strict=True)
    assert result.total == 3 + 3  # × 2, + the keyword the model received
    with pytest.raises(InputError, match="both in model_kwargs and as keywords"):
        count_flops(TakesKwargs(), x, model_kwargs={"y": 1}, y=2)


def test_a_keyword_the_model_cannot_take_is_refused_before_anything_runs() -> None:
    calls: list[int] = []

    class Plain(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            calls.append(1)
            return x

    for engine in ("auto", "fx"):
        with pytest.raises(InputError, match=r"do not fit Plain\.forward.*unexpected keyword argument 'scale'"):
            count_flops(Plain(), torch.randn(3), engine=engine, scale=2)
    assert calls == []


def test_the_command_line_rejects_a_misspelt_option_itself(capsys: pytest.CaptureFixture[str]) -> None:
    from torch_flops_core.cli import main

    assert main(["count", "timm:resnet18", "--strickt"]) == 2  # argparse: a usage error, nothing counted
    assert "unrecognized arguments: --strickt" in capsys.readouterr().err
