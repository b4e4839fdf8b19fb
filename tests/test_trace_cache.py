"""Counting a model again reuses its trace only while nothing the trace depends on has changed."""

from __future__ import annotations

import torch
from torch import nn

from torch_flops_core import count_flops


class Toggle(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(5, 4)
        self.add_one = False

    def forward(self, x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        x = self.layer(x) * scale
        if self.add_one:
            x = x + torch.tensor(1.0)  # a tensor constant: FX stores it on the model while tracing
        return x


def linear_then_scale(rows: int) -> int:
    n = rows * 4
    return (2 * 5 - 1) * n + n + n


def test_a_second_count_reuses_the_graph_and_counts_new_sizes_right() -> None:
    model = Toggle()
    first = count_flops(model, torch.randn(1, 5), engine="fx")
    again = count_flops(model, torch.randn(7, 5), engine="fx")  # a sweep over sizes: same graph
    assert again.graph is first.graph
    assert (first.total, again.total) == (linear_then_scale(1), linear_then_scale(7))


def test_a_changed_flag_a_new_constant_input_or_another_plugin_set_retraces() -> None:
    model = Toggle()
    base = count_flops(model, torch.randn(1, 5), engine="fx")
    model.add_one = True
    flagged = count_flops(model, torch.randn(1, 5), engine="fx")
    assert flagged.graph is not base.graph and flagged.total == base.total + 4
    names = set(model.__dict__)
    reused = count_flops(model, torch.randn(1, 5), engine="fx")  # its tensor constant is put back
    assert reused.graph is flagged.graph and reused.total == flagged.total
    assert set(model.__dict__) == names  # ... and removed again

    scaled = count_flops(model, torch.randn(1, 5), engine="fx", scale=2.0)
    assert scaled.graph is not flagged.graph
    other_plugins = count_flops(model, torch.randn(1, 5), engine="fx", disable=["nn"])
    assert other_plugins.graph is not flagged.graph
    kinds = [r.kind for r in other_plugins.ops if r.module_path == "layer"]
    assert "call_function" in kinds and "call_module" not in kinds  # Linear traced into F.linear


def test_a_replaced_submodule_retraces() -> None:
    model = Toggle()
    count_flops(model, torch.randn(1, 5), engine="fx")
    model.layer = nn.Linear(5, 4, bias=False)
    assert count_flops(model, torch.randn(1, 5), engine="fx").total == linear_then_scale(1) - 4
