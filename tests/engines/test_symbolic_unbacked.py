"""Sizes that depend on data in a symbolic count (dims=): ``nonzero``, a boolean mask, MoE routing.

Their sizes are unbacked symbols of the ShapeEnv: no example value. The count keeps them as unknowns, named after the
op that made them and listed in ``result.unknowns``; the formulas never branch on them (a clamp is an exact ``Max``),
and evaluated with the data's values they equal the concrete count of inputs that have those values.
"""

from __future__ import annotations

import pytest
import sympy
import torch
from torch import nn

from torch_flops_core import count_flops
from torch_flops_core.shapes import at_least, at_most, rows


def _nonzero_sum(x: torch.Tensor) -> torch.Tensor:
    idx = torch.nonzero(x > 0)
    return idx.float().sum() * 2


def _with_positives(batch: int, positives: int) -> torch.Tensor:
    """A [batch, 16] input with exactly ``positives`` elements > 0."""
    x = -torch.ones(batch, 16)
    x.view(-1)[torch.randperm(batch * 16)[:positives]] = 1.0
    return x


@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_nonzero_s_row_count_is_an_unknown_of_the_formula(engine: str) -> None:
    result = count_flops(_nonzero_sum, torch.randn(8, 16), dims={"x": {0: "B"}}, engine=engine)
    assert list(result.unknowns) == ["nonzero"]
    assert "depends on the data" in result.unknowns["nonzero"]
    assert {s.name for s in sympy.sympify(result.total).free_symbols} == {"B", "nonzero"}
    for batch, positives in [(8, 5), (3, 0), (5, 1), (4, 64), (2, 31)]:
        concrete = count_flops(_nonzero_sum, _with_positives(batch, positives), engine=engine)
        evaluated = result.evaluate(B=batch, nonzero=positives)
        assert evaluated.total == concrete.total, (batch, positives)
        assert evaluated.total_macs == concrete.total_macs
        assert evaluated.total_bytes == concrete.total_bytes


def test_evaluating_without_an_unknown_is_an_error_naming_it() -> None:
    result = count_flops(_nonzero_sum, torch.randn(8, 16), dims={"x": {0: "B"}})
    with pytest.raises(
        ValueError, match=r"needs a value for nonzero: .*depends on the data.*evaluate\(nonzero=\.\.\.\)"
    ):
        result.evaluate(B=8)
    with pytest.raises(ValueError, match="the sizes are B, nonzero"):
        result.evaluate(B=8, nonzero=3, T=2)
    assert result.by_module() == {"": result.total}  # reports work with the unknown in the figures
    assert "nonzero" in result.table()


def test_a_boolean_mask_s_selection_is_an_unknown() -> None:
    def masked(x: torch.Tensor) -> torch.Tensor:
        return (x[x > 0] * 2).sum()

    result = count_flops(masked, torch.randn(8, 16), dims={"x": {0: "B"}})
    (name,) = result.unknowns
    for batch, positives in [(8, 5), (3, 0), (6, 40)]:
        concrete = count_flops(masked, _with_positives(batch, positives))
        assert result.evaluate(B=batch, **{name: positives}).total == concrete.total


class TopOneMoE(nn.Module):
    """A top-1 router over 2 experts: each expert (a Linear) runs on the tokens routed to it (nonzero, index_select)."""

    def __init__(self, d: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.hidden = hidden
        self.router = nn.Linear(d, 2)
        self.experts = nn.ModuleList([nn.Linear(d, hidden) for _ in range(2)])

    def choice(self, x: torch.Tensor) -> torch.Tensor:
        return self.router(x).topk(1, dim=-1).indices.squeeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        choice = self.choice(x)
        out = x.new_zeros(x.shape[0], self.hidden)
        for e, expert in enumerate(self.experts):
            idx = torch.nonzero(choice == e).squeeze(-1)
            out = out.index_add(0, idx, expert(x.index_select(0, idx)))
        return out


@pytest.mark.parametrize("engine", ["eager", "aten"])
def test_moe_routing_s_tokens_per_expert_are_unknowns_of_the_macs(engine: str) -> None:
    torch.manual_seed(0)
    moe = TopOneMoE().eval()
    result = count_flops(moe, torch.randn(10, 16), dims={"x": {0: "N"}}, engine=engine)
    assert list(result.unknowns) == ["nonzero", "nonzero_1"]  # the tokens of expert 0 and of expert 1
    n, e0, e1 = (sympy.Symbol(name, integer=True) for name in ("N", "nonzero", "nonzero_1"))
    macs = sympy.sympify(str(result.total_macs), locals={"N": n, "nonzero": e0, "nonzero_1": e1})
    assert sympy.expand(macs - (16 * 2 * n + 16 * 32 * (e0 + e1))) == 0  # the router on all, each expert on its own
    assert result.guards == []
    for tokens in (10, 7, 33):
        x = torch.randn(tokens, 16)
        with torch.no_grad():
            choice = moe.choice(x)
        routed = {"nonzero": int((choice == 0).sum()), "nonzero_1": int((choice == 1).sum())}
        concrete = count_flops(moe, x, engine=engine)
        evaluated = result.evaluate(N=tokens, **routed)
        assert evaluated.total == concrete.total, routed
        assert evaluated.total_macs == concrete.total_macs
        assert evaluated.by_module(2) == concrete.by_module(2)
        assert evaluated.total_bytes == concrete.total_bytes


def test_the_guard_free_helpers_are_max_min_and_rows_on_ints() -> None:
    for value in (-3, 0, 5):
        assert at_least(value, 0) == max(value, 0)
        assert at_most(value, 2) == min(value, 2)
    assert (rows(12, 4), rows(0, 0), rows(7, 2)) == (3, 0, 3)
    assert at_least(2.5, 3) == 3 and type(at_least(2.5, 3)) is int  # exactly max's result
