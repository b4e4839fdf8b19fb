"""Models a user may hand over that are not plain eager modules: compiled, scripted, counting inside a count."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from torch_flops_core import NOT_RECOGNIZED, InputError, count_flops

LINEAR = (2 * 8 - 1) * 16 + 16  # Linear(8, 8) with bias on 2 rows


def test_a_compiled_module_counts_as_the_module_it_wraps() -> None:
    layer = nn.Linear(8, 8)
    compiled = torch.compile(layer)
    result = count_flops(compiled, torch.randn(2, 8))
    assert result.total == LINEAR
    assert any("torch.compile" in note for note in result.notes)


def test_a_compiled_submodule_runs_eagerly_while_counting() -> None:
    model = nn.Sequential(nn.ReLU())
    model.add_module("fc", torch.compile(nn.Linear(8, 8)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that global hooks fire for an OptimizedModule too
        result = count_flops(model, torch.randn(2, 8))
    assert result.total == 16 + LINEAR


def test_a_scripted_submodule_is_one_op_not_recognized_never_a_silent_zero() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit.script is deprecated
        scripted = torch.jit.script(nn.Linear(8, 8))
    result = count_flops(nn.Sequential(scripted, nn.ReLU()), torch.randn(2, 8))
    (op,) = [r for r in result.ops if r.module_type == "RecursiveScriptModule"]
    assert op.kind == "call_module" and op.flops is NOT_RECOGNIZED
    assert result.total == 16  # the ReLU
    with pytest.raises(InputError, match="TorchScript"):
        count_flops(scripted.forward, torch.randn(2, 8))


def test_a_count_inside_a_counted_forward_is_not_part_of_the_outer_count() -> None:
    class Nested(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Linear(8, 8)
            self.seen = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.seen = count_flops(self.inner, x).total
            return self.inner(x) * 2

    result = count_flops(Nested(), torch.randn(2, 8))
    assert [r.name for r in result.ops] == ["inner", "mul"]
    assert result.total == LINEAR + 16
