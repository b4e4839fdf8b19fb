"""What a forward returns: containers cost nothing on every engine; lazy outputs are refused clearly."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
import torch
from torch import nn

from torch_flops_core import LazyOutputError, count_flops


class Pair(NamedTuple):
    doubled: torch.Tensor
    summed: torch.Tensor


@dataclasses.dataclass
class Output:
    doubled: torch.Tensor
    summed: torch.Tensor


class Returns(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def forward(self, x: torch.Tensor) -> Any:
        doubled, summed = x * 2, x.sum()
        if self.kind == "namedtuple":
            return Pair(doubled, summed)
        if self.kind == "dataclass":
            return Output(doubled, summed)
        if self.kind == "dict":
            return {"doubled": doubled, "summed": summed}
        return doubled, summed


@pytest.mark.parametrize("engine", ["auto", "fx", "eager"])
@pytest.mark.parametrize("kind", ["namedtuple", "dataclass", "dict", "tuple"])
def test_output_containers_are_free_and_recognized(engine: Any, kind: str) -> None:
    result = count_flops(Returns(kind), torch.randn(10), engine=engine, strict=True)
    assert result.total == 10 + 9  # × 2, and a sum of 10 elements
    assert result.unrecognized == []


def test_a_transformers_model_output_is_free_under_fx() -> None:
    from transformers.modeling_outputs import BaseModelOutput

    class HF(nn.Module):
        def forward(self, x: torch.Tensor) -> BaseModelOutput:
            return BaseModelOutput(last_hidden_state=x * 2)

    result = count_flops(HF(), torch.randn(6), engine="fx", strict=True)
    assert result.total == 6


class Generates(nn.Module):
    def forward(self, x: torch.Tensor) -> Iterator[torch.Tensor]:
        for row in x:
            yield row * 2


@pytest.mark.parametrize("engine", ["auto", "eager"])
def test_a_generator_forward_is_an_error_naming_it_and_the_way_out(engine: Any) -> None:
    with pytest.raises(LazyOutputError, match=r"Generates\.forward returned a generator.*consumes it"):
        count_flops(Generates(), torch.randn(3, 4), engine=engine)
    model = Generates()
    assert count_flops(lambda x: list(model(x)), torch.randn(3, 4)).total == 12


def test_an_iterator_returned_by_a_function_is_refused_too() -> None:
    with pytest.raises(LazyOutputError, match="returned a map"):
        count_flops(lambda x: map(torch.exp, x), torch.randn(3, 4))
