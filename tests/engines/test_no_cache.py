"""Every count sees the model as it is now, and no count keeps a model alive.

Nothing is cached across ``count_flops`` calls: the Python state that decides a forward's control
flow (flags, lists, dicts, config objects, class attributes, globals, a replaced ``forward``, hooks)
cannot be captured by any cache key. Reusing a trace is explicit: count a ``GraphModule``.
"""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from torch import nn

from torch_flops_core import count_flops

N = 256
ENGINES = ["auto", "fx"]
SETTINGS = {"deep": False}


class Deep(nn.Module):
    """x × 2, and once more when any of its switches is on: N FLOPs, or 2N."""

    scale_twice = False  # a class attribute

    def __init__(self) -> None:
        super().__init__()
        self.deep = False  # a flag attribute
        self.extra: list[float] = []  # a list changed in place
        self.options = {"deep": False}  # a dict changed in place
        self.config = SimpleNamespace(deep=False)  # a config object changed in place

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * 2
        on = self.deep or self.options["deep"] or self.config.deep or type(self).scale_twice or SETTINGS["deep"]
        if on:
            x = x * 2
        for scale in self.extra:
            x = x * scale
        return x


def switch_flag(m: Deep) -> None:
    m.deep = True


def switch_list(m: Deep) -> None:
    m.extra.append(2.0)


def switch_dict(m: Deep) -> None:
    m.options["deep"] = True


def switch_config(m: Deep) -> None:
    m.config.deep = True


def switch_class_attribute(m: Deep) -> None:
    type(m).scale_twice = True


def switch_global(m: Deep) -> None:
    SETTINGS["deep"] = True


def switch_forward(m: Deep) -> None:
    m.forward = lambda x: Deep.forward(m, x) * 2  # type: ignore[method-assign]


SWITCHES = [switch_flag, switch_list, switch_dict, switch_config, switch_class_attribute, switch_global]


@pytest.fixture(autouse=True)
def _reset_shared_state() -> Any:
    yield
    Deep.scale_twice = False
    SETTINGS["deep"] = False


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("switch", SWITCHES, ids=lambda f: f.__name__)
def test_a_second_count_sees_state_changed_since_the_first(engine: Any, switch: Any) -> None:
    model, x = Deep(), torch.randn(N)
    assert count_flops(model, x, engine=engine).total == N
    switch(model)
    assert count_flops(model, x, engine=engine).total == 2 * N


def test_a_replaced_forward_is_counted() -> None:
    model, x = Deep(), torch.randn(N)
    assert count_flops(model, x).total == N
    switch_forward(model)
    assert count_flops(model, x).total == 2 * N
    assert count_flops(nn.Sequential(model), x, engine="fx").total == 2 * N


def test_a_forward_hook_added_between_counts_is_counted() -> None:
    model, x = Deep(), torch.randn(N)
    assert count_flops(model, x).total == N
    handle = model.register_forward_hook(lambda module, args, output: output + 1)
    assert count_flops(model, x).total == 2 * N
    handle.remove()
    assert count_flops(model, x).total == N


class Accumulates(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.register_buffer("table", torch.ones(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[: self.table.numel()] * self.table


@pytest.mark.parametrize("engine", ENGINES)
def test_a_buffer_replaced_by_a_larger_one_is_counted_at_its_new_size(engine: Any) -> None:
    model, x = Accumulates(4), torch.randn(64)
    assert count_flops(model, x, engine=engine).total == 4
    model.table = torch.ones(32)
    assert model(x).shape == (32,)
    assert count_flops(model, x, engine=engine).total == 32


def test_a_graph_module_is_the_explicit_way_to_reuse_a_trace() -> None:
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU())
    graph_module = torch.fx.symbolic_trace(model)
    for rows in (1, 7):
        result = count_flops(graph_module, torch.randn(rows, 5), engine="fx")
        n = rows * 4
        assert result.total == (2 * 5 - 1) * n + n + n  # Linear with bias, ReLU
        assert result.graph is graph_module.graph  # counted as traced, not traced again
    assert count_flops(graph_module, torch.randn(2, 5)).total == count_flops(model, torch.randn(2, 5)).total


@pytest.mark.parametrize("engine", ["auto", "fx", "eager"])
def test_counting_keeps_no_model_alive(engine: Any) -> None:
    refs = []
    for _ in range(3):
        model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8))
        refs.append(weakref.ref(model))
        result = count_flops(model, torch.randn(2, 64), engine=engine)
        assert result.total > 0
        del model, result
    gc.collect()
    assert [r() for r in refs] == [None, None, None]
