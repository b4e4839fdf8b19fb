"""Collectives as records of a count (issue 26): c10d's and the functional ones, 0 FLOPs, each noted with its payload
and its ring bytes on the wire; the ring model's formulas, written here from NCCL's bus-bandwidth factors."""

from __future__ import annotations

from typing import Literal

import pytest
import torch
import torch.distributed as dist
import torch.distributed._functional_collectives as funcol

from torch_flops_core import count_flops
from torch_flops_core.communication import comm_rows
from torch_flops_core.distributed import fake_world
from torch_flops_core.formulas.communication import wire_bytes

N, ELEMENTS = 4, 64
S = ELEMENTS * 4  # bytes of the float32 tensor each collective starts from


class Collectives(torch.nn.Module):
    """Every kind of collective, through c10d (``dist.*``) and through the functional collectives."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        world = dist.group.WORLD
        assert world is not None
        dist.all_reduce(x)
        dist.all_gather_into_tensor(torch.empty(N * ELEMENTS), x)
        dist.reduce_scatter_tensor(torch.empty(ELEMENTS // N), x)
        dist.all_to_all_single(torch.empty_like(x), x)
        dist.broadcast(x, src=0)
        pair = dist.new_group([0, 1])  # a group of 2
        assert isinstance(pair, dist.ProcessGroup)
        dist.all_reduce(x, group=pair)
        parts = (
            funcol.all_reduce(x, "sum", world), funcol.all_gather_tensor(x, 0, world),
            funcol.reduce_scatter_tensor(x, "sum", 0, world), funcol.all_to_all_single(x, None, None, world),
        )  # fmt: skip
        return torch.stack([torch.ops._c10d_functional.wait_tensor(p).sum() for p in parts])


EXPECTED = [  # (kind, group size, payload S, ring bytes): S of an all-gather is the gathered output, N · 256
    ("all_reduce", N, S, 2 * (N - 1) * S // N), ("all_gather", N, N * S, (N - 1) * S),
    ("reduce_scatter", N, S, (N - 1) * S // N), ("all_to_all", N, S, (N - 1) * S // N), ("broadcast", N, S, S),
    ("all_reduce", 2, S, S), ("all_reduce", N, S, 2 * (N - 1) * S // N), ("all_gather", N, N * S, (N - 1) * S),
    ("reduce_scatter", N, S, (N - 1) * S // N), ("all_to_all", N, S, (N - 1) * S // N),
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::FutureWarning")  # dist.all_gather_into_tensor's new name is not in every torch
@pytest.mark.parametrize("engine", ["aten", "eager"])
def test_each_collective_is_a_record_of_zero_flops_with_its_payload_and_ring_bytes(
    engine: Literal["aten", "eager"],
) -> None:
    with fake_world(N, rank=1):
        result = count_flops(Collectives(), torch.ones(ELEMENTS), engine=engine)
    assert [(c.kind, c.ranks, c.payload, c.wire) for c in result.collectives] == EXPECTED
    assert not result.unrecognized
    records = {r.name: r for r in result.ops}
    assert all(records[c.name].flops == 0 and records[c.name].plugin == "aten" for c in result.collectives)
    row = comm_rows(result, depth=0)[0]
    assert (row.collectives, row.payload, row.wire) == (10, sum(e[2] for e in EXPECTED), sum(e[3] for e in EXPECTED))
    assert (result.world_size, result.rank) == (N, 1)


def test_the_ring_model_s_bytes_on_the_wire() -> None:
    assert wire_bytes("all_reduce", 800, 8) == 1400  # 2 (N − 1) / N · S
    assert wire_bytes("all_gather", 800, 8) == wire_bytes("reduce_scatter", 800, 8) == 700  # (N − 1) / N · S
    assert wire_bytes("all_to_all", 800, 8) == 700
    assert wire_bytes("broadcast", 800, 8) == wire_bytes("send", 800, 8) == wire_bytes("recv", 800, 2) == 800
    assert all(wire_bytes(kind, 800, 1) == 0 for kind in ("all_reduce", "all_gather", "reduce_scatter", "broadcast"))


def test_comm_time_over_compute_time_at_given_peaks() -> None:
    with fake_world(2):
        result = count_flops(torch.nn.Linear(ELEMENTS, ELEMENTS), torch.ones(8, ELEMENTS), engine="aten")
        with_reduce = count_flops(_Reduced(), torch.ones(8, ELEMENTS), engine="aten")
    assert result.collectives == []
    row = comm_rows(with_reduce, depth=0)[0]
    wire = 2 * (2 - 1) * 8 * ELEMENTS * 4 // 2
    assert row.wire == wire and row.flops == with_reduce.total
    assert row.comm_ratio(peak_flops=1e12, link_bandwidth=1e9) == pytest.approx((wire / 1e9) / (row.flops / 1e12))


class _Reduced(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(ELEMENTS, ELEMENTS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x)
        dist.all_reduce(y)
        return y


def test_a_symbolic_count_of_a_plain_model_inside_a_world_counts_every_op() -> None:
    model, x = torch.nn.Linear(ELEMENTS, ELEMENTS), torch.ones(8, ELEMENTS)
    alone = count_flops(model, x, engine="aten", dims={"input": {0: "B"}})
    with fake_world(2):
        inside = count_flops(model, x, engine="aten", dims={"input": {0: "B"}})
    assert inside.total == alone.total and inside.total != 0
    assert (inside.world_size, inside.collectives) == (2, [])
