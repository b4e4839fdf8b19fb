"""Ops that cost nothing are recognized: data movement, tensor creation, metadata queries, conversions.

The eager engine sees calls the fx engine never does (``torch.zeros`` inside forward, ``x.dim()``,
``len(x)``, ``x.item()``, ``f"{x}"``, ``x.to(...)``): every one is registered as 0, so an eager count
leaves nothing unrecognized either.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from helpers import both, calls

from torch_flops_core import count_flops, get_plugins

DATA_MOVEMENT = [
    pytest.param(lambda x: torch.stack([x, x]), id="stack"),
    pytest.param(lambda x: torch.hstack([x, x]), id="hstack"),
    pytest.param(lambda x: torch.split(x, 1)[0], id="torch.split"),
    pytest.param(lambda x: x.split([1, 2], dim=1)[1], id="x.split"),
    pytest.param(lambda x: torch.chunk(x, 2, -1)[0], id="torch.chunk"),
    pytest.param(lambda x: x.chunk(3, 1)[2], id="x.chunk"),
    pytest.param(lambda x: x.tensor_split(2, dim=2)[0], id="tensor_split"),
    pytest.param(lambda x: x.unbind(0)[1], id="unbind"),
    pytest.param(lambda x: torch.roll(x, 1, 0), id="roll"),
    pytest.param(lambda x: x.roll(shifts=(1, 2), dims=(1, 2)), id="x.roll"),
    pytest.param(lambda x: x.gather(1, torch.zeros(2, 1, 4, dtype=torch.long)), id="gather"),
    pytest.param(lambda x: x.index_select(2, torch.tensor([0, 2])), id="index_select"),
    pytest.param(lambda x: x.narrow(2, 1, 2), id="narrow"),
    pytest.param(lambda x: x.select(1, 0), id="select"),
    pytest.param(lambda x: x[None].squeeze(0), id="squeeze"),
    pytest.param(lambda x: x.unflatten(2, (2, 2)), id="unflatten"),
    pytest.param(lambda x: x.tile((2, 1, 1)), id="tile"),
    pytest.param(lambda x: x.repeat_interleave(2, dim=0), id="repeat_interleave"),
    pytest.param(lambda x: torch.tril(x), id="tril"),
    pytest.param(lambda x: x.triu(1), id="triu"),
    pytest.param(lambda x: torch.diagonal(x, 0, 1, 2), id="diagonal"),
    pytest.param(lambda x: x.movedim(0, -1), id="movedim"),
    pytest.param(lambda x: x.mT, id="mT"),
    pytest.param(lambda x: x.expand_as(torch.empty(3, 2, 3, 4)), id="expand_as"),
    pytest.param(lambda x: torch.broadcast_to(x, (3, 2, 3, 4)), id="broadcast_to"),
    pytest.param(lambda x: x.view_as(x).reshape_as(x), id="view_as"),
    pytest.param(lambda x: x.flip(0).fliplr(), id="flip"),
    pytest.param(lambda x: torch.rot90(x, 1, (1, 2)), id="rot90"),
    pytest.param(lambda x: x.detach().clone().contiguous(), id="detach-clone-contiguous"),
    pytest.param(lambda x: x.index_fill(1, torch.tensor([0]), 1.0), id="index_fill"),
    pytest.param(lambda x: x.index_copy(1, torch.tensor([0]), x[:, :1]), id="index_copy"),
    pytest.param(lambda x: x.scatter(1, torch.zeros(2, 1, 4, dtype=torch.long), 1.0), id="scatter value"),
    pytest.param(lambda x: x.to(torch.float64).float().half().double().type(torch.float32), id="conversions"),
    pytest.param(lambda x: x.cpu().requires_grad_(False), id="cpu"),
    pytest.param(lambda x: x.new_zeros(3) + x.new_ones(3).sum(), id="new_* (and 2 + 3 FLOPs)"),
]


@pytest.mark.parametrize("fn", DATA_MOVEMENT)
def test_data_movement_is_free_in_both_engines(fn: Callable[[torch.Tensor], Any]) -> None:
    result = both(fn, torch.randn(2, 3, 4))
    expected = 3 + 2 if "new_" in str(fn.__code__.co_names) else 0
    assert result.total == expected


def test_take_along_dim_wraps_its_indices() -> None:
    # torch takes each (broadcast) index modulo the size of dim first: a remainder per output element
    x, idx = torch.randn(2, 3, 4), torch.zeros(2, 3, 1, dtype=torch.long)
    result = both(lambda x: x.take_along_dim(idx, 2), x)
    assert result.total == 2 * 3 * 1
    assert count_flops(lambda x: x.take_along_dim(idx, 2), x, engine="aten").total == result.total
    assert both(lambda x: torch.take_along_dim(x, idx.flatten()), x).total == 0  # no dim: a flat gather


def test_in_place_data_ops() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        y = x.clone()
        y[0] = 1.0  # setitem
        y.copy_(x)
        y.fill_(2.0)
        y.zero_()
        y.index_put_((torch.tensor([0]),), torch.tensor(1.0))
        y.normal_()
        y.uniform_()
        return y.squeeze_().unsqueeze_(0).transpose_(0, 1)

    result = count_flops(f, torch.randn(2, 3), engine="eager")  # FX cannot trace y[0] = 1.0 in a function
    assert result.unrecognized == [] and result.total == 0


def test_eager_sees_factories_metadata_and_conversions_and_recognizes_them_all() -> None:
    def forward(x: torch.Tensor) -> torch.Tensor:
        n, d, size, k = len(x), x.dim(), x.size(), x.numel()
        x.is_contiguous(), x.is_floating_point(), x.stride(), x.element_size(), x.get_device(), x.data_ptr()
        x.ndimension(), x.nelement(), x.storage_offset(), x.is_complex(), x.is_signed(), torch.numel(x)
        _ = x.shape, x.T, x.dtype, x.device, x.ndim, x.requires_grad, x.is_cuda  # property reads
        first = x[0, 0]
        first.item(), x.tolist(), int(first), float(first), bool(first > 0), f"{first.item():.2f}", repr(x), str(x)
        for _row in x:  # Tensor.__iter__
            pass
        made = [torch.zeros(3), torch.ones(2, 2), torch.empty(4), torch.full((2,), 3.0), torch.arange(5),
                torch.linspace(0, 1, 5), torch.logspace(0, 1, 3), torch.eye(3), torch.tensor([1.0, 2.0]),
                torch.as_tensor([1.0]), torch.zeros_like(x), torch.ones_like(x), torch.empty_like(x),
                torch.full_like(x, 2.0), torch.rand(2), torch.randn(2), torch.randint(0, 5, (2,)),
                torch.randperm(4), torch.rand_like(x), torch.randn_like(x), x.new_tensor([1.0]),
                x.new_full((2,), 1.0), x.new_empty(2), torch.tril_indices(3, 3),
                torch.bernoulli(torch.rand(3))]  # fmt: skip
        assert len(made) == 25
        y = x.to(torch.float64).float().cpu().detach().contiguous()
        return y.masked_fill(y > 0, 0.0) + n + d + size[0] + k

    x = torch.randn(3, 4)
    result = count_flops(forward, x, engine="eager")
    assert result.unrecognized_targets() == {}
    assert result.total == 1 + 12 + 12 + 12 + 12 + 12 + 12  # first > 0; y > 0, masked_fill, four adds


def test_every_rule_states_its_formula_in_a_docstring() -> None:
    table = get_plugins(disable=["nn"]).table
    entries = [e for e in table.entries if e.plugin == "functional"]
    assert len({e.rule for e in entries}) > 100
    for entry in entries:
        doc = (entry.rule.__doc__ or "").strip()
        assert doc and ":" in doc.splitlines()[0], entry.name


def test_the_pack_claims_each_op_once_and_knows_hundreds_of_spellings() -> None:
    table = get_plugins(disable=["nn"]).table
    functional = [e for e in table.entries if e.plugin == "functional"]
    assert len(functional) > 700  # spellings claimed
    assert not any(table.shadowed_by(e) for e in functional)  # no op claimed twice by the pack


def test_nothing_is_counted_for_python_values_in_fx() -> None:
    def f(x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[0], x.size(1)
        return x.view(b * c // 2, c - 1 + 1 - 4)

    result = both(f, torch.randn(4, 6))
    assert result.total == 0
    assert {r.target_name for r in calls(result)} >= {"getattr", "operator.mul", "operator.floordiv", "size", "view"}
