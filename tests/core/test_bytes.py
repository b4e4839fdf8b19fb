"""Bytes per op (issue 16): what each op reads and writes, against figures computed by hand here.

fp32 is 4 bytes an element. The definition (docs/conventions.md): distinct tensor inputs + outputs;
0 for views and for ops that return an input; in-place ops read and write; lookups read their rows.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls
from torch import nn

from torch_flops_core import Count, FlopsResult, count_flops, hookimpl

M, K, N = 4, 5, 6
ENGINES = ("auto", "fx", "aten")


def only_op(result: FlopsResult, *, name: str | None = None) -> Any:
    ops = [r for r in calls(result) if name is None or name in r.target_name or name in r.module_type]
    assert len(ops) == 1, [(r.target_name, r.bytes) for r in calls(result)]
    return ops[0]


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_a_contraction_reads_its_operands_and_writes_its_result(device: str) -> None:
    a, b = torch.randn(M, K, device=device), torch.randn(K, N, device=device)
    for engine in ENGINES:
        result = count_flops(lambda x, y: x @ y, a, b, engine=engine)
        assert result.total_bytes == 4 * (M * K + K * N + M * N), engine
    layer = nn.Linear(K, N, device=device)
    x = torch.randn(M, K, device=device)
    expected = 4 * (M * K + N * K + N + M * N)  # input, weight, bias, output
    for engine in ENGINES:  # aten: addmm(bias, x, weightᵀ) after the free transpose: the same bytes
        assert count_flops(layer, x, engine=engine).total_bytes == expected, engine


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_element_wise_ops_by_hand(device: str) -> None:
    x, y = torch.randn(M, N, device=device), torch.randn(M, N, device=device)
    n = M * N
    assert count_flops(lambda a, b: a + b, x, y).total_bytes == 3 * 4 * n
    assert count_flops(lambda a: a + 1, x).total_bytes == 2 * 4 * n  # a Python scalar moves nothing
    assert count_flops(lambda a: a * a, x).total_bytes == 2 * 4 * n  # one tensor read once
    assert count_flops(lambda a: a.half() * 2, x).total_bytes == (4 * n + 2 * n) + (2 * n + 2 * n)
    for engine in ENGINES:
        assert count_flops(lambda a: a.clone().relu_(), x, engine=engine).total_bytes == (4 * n * 2) + (4 * n * 2)
    assert count_flops(nn.ReLU(inplace=True), x.clone()).total_bytes == 2 * 4 * n
    assert count_flops(nn.ReLU(), x).total_bytes == 2 * 4 * n


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_views_and_unchanged_returns_move_nothing(device: str) -> None:
    x = torch.randn(M, N, device=device)

    def views(a: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return a.view(-1), a.t(), a[0], a.transpose(0, 1).unsqueeze(0), a.contiguous(), a.float(), a.chunk(2)[0]

    for engine in ENGINES:
        result = count_flops(views, x, engine=engine)
        assert result.total_bytes == 0, [(r.target_name, r.bytes) for r in calls(result) if r.bytes]
    assert count_flops(lambda a: a.size(0) + a.dim(), x).total_bytes == 0  # queries: no tensor comes out
    for engine in ENGINES:  # shares its input's storage without being a view of it; sets a flag
        assert count_flops(lambda a: a.detach().requires_grad_(), x, engine=engine).total_bytes == 0, engine


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_a_lookup_reads_the_rows_it_looks_up_not_the_table(device: str) -> None:
    table = nn.Embedding(1000, 64, device=device)
    ids = torch.randint(0, 1000, (4, 7), device=device)
    looked_up = 4 * 7
    expected = 8 * looked_up + 4 * 64 * looked_up + 4 * 64 * looked_up  # int64 indices, rows read, output
    for engine in ENGINES:
        assert count_flops(table, ids, engine=engine).total_bytes == expected, engine
    assert count_flops(lambda i: F.embedding(i, table.weight), ids).total_bytes == expected
    bag = nn.EmbeddingBag(1000, 64, mode="sum", device=device)
    offsets = torch.tensor([0, 10], device=device)
    flat = ids.flatten()
    expected_bag = 8 * 28 + 4 * 64 * 28 + 8 * 2 + 4 * 64 * 2  # indices, rows, offsets, 2 bags out
    assert count_flops(bag, flat, offsets).total_bytes == expected_bag


@pytest.mark.parametrize("device", ["cpu", "meta"])
def test_a_reduction_reads_its_input_and_writes_its_result(device: str) -> None:
    x = torch.randn(M, N, device=device)
    for engine in ENGINES:
        assert count_flops(lambda a: a.sum(-1), x, engine=engine).total_bytes == 4 * (M * N + M), engine
        assert count_flops(lambda a: a.softmax(-1), x, engine=engine).total_bytes == 4 * 2 * M * N, engine


def test_cpu_and_meta_count_the_same_bytes_op_by_op() -> None:
    import timm

    torch.manual_seed(0)
    model = timm.create_model("resnet18", pretrained=False).eval()
    x = torch.randn(1, 3, 64, 64)
    on_cpu = count_flops(model, x)
    on_meta = count_flops(model.to("meta"), x.to("meta"))
    assert [(r.name, r.bytes) for r in on_cpu.ops] == [(r.name, r.bytes) for r in on_meta.ops]
    assert on_cpu.total_bytes == on_meta.total_bytes > 0
    assert (on_cpu.device, on_meta.device) == ("cpu", "meta")


def test_derived_columns_follow_their_definitions() -> None:
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 8))
    result = count_flops(model, torch.randn(32, 64))
    for r in calls(result):
        assert r.intensity == pytest.approx(r.flops / r.bytes)
        flop_s, byte_s = result.achieved(r)
        assert flop_s == pytest.approx(r.flops / (r.time_ms / 1e3))
        assert byte_s == pytest.approx(r.bytes / (r.time_ms / 1e3))
    assert result.intensity == pytest.approx(result.total / result.total_bytes)
    rows = {row.path: row for row in result.module_table(1)}
    for path, row in rows.items():
        ops = [r for r in calls(result) if r.module_path == path]
        assert row.bytes == sum(r.bytes for r in ops)
        assert row.time_ms == pytest.approx(sum(r.time_ms for r in ops))
        assert row.intensity == pytest.approx(row.flops / row.bytes)
    on_meta = count_flops(model.to("meta"), torch.randn(32, 64, device="meta"))
    assert all(on_meta.achieved(r) == (None, None) for r in calls(on_meta))  # no kernel ran: no rate


def test_counting_bytes_can_be_turned_off_and_a_rule_can_give_its_own() -> None:
    x = torch.randn(M, N)
    off = count_flops(lambda a: a + a, x, count_bytes=False)
    assert all(r.bytes is None for r in off.ops) and off.total_bytes is None and off.intensity is None

    class Gate(nn.Module):
        def forward(self, a: torch.Tensor) -> torch.Tensor:
            return a * torch.sigmoid(a)

    class Rules:
        @hookimpl
        def torch_flops_register_rules(self, registry: Any) -> None:
            registry.module(Gate)(lambda call: Count(4 * call.output.numel(), bytes=123))

    result = count_flops(Gate(), x, plugins=[Rules()])
    assert only_op(result).bytes == 123
    with pytest.raises(TypeError, match=r"Count\.bytes must be a non-negative int"):
        Count(1, bytes=-1)


def test_the_report_formats_carry_bytes() -> None:
    result = count_flops(nn.Linear(K, N), torch.randn(M, K))
    data = result.to_dict()
    assert data["total_bytes"] == 4 * (M * K + N * K + N + M * N) and data["device"] == "cpu"
    (op,) = [o for o in data["ops"] if o["kind"] == "call_module"]
    assert op["bytes"] == data["total_bytes"] and op["intensity"] == pytest.approx(op["flops"] / op["bytes"])
    assert op["flop_s"] == pytest.approx(op["flops"] / (op["time_ms"] / 1e3))
    header = result.to_csv().splitlines()[0].split(",")
    assert header[-4:] == ["bytes", "intensity", "flop_s", "byte_s"]
    table = result.table(roofline=True)
    assert table.splitlines()[0].split()[-4:] == ["bytes", "FLOP/B", "FLOP/s", "B/s"]
    assert f"bytes: {data['total_bytes']:,}" in table.splitlines()[-1]
    assert "bytes" not in result.table().splitlines()[0]
    assert result.module_report(1, roofline=True).splitlines()[0].split()[-3:] == ["bytes", "FLOP/B", "FLOP/s"]


@pytest.mark.filterwarnings("ignore:Sparse:UserWarning")  # torch's notes on sparse invariants and CSR's beta state
def test_a_sparse_tensor_counts_what_it_stores() -> None:
    """A sparse tensor has no nbytes: its indices and values are what it reads (and counting never fails on it)."""
    sparse = torch.sparse_coo_tensor(
        torch.tensor([[0, 1], [1, 0]]), torch.tensor([3.0, 4.0]), (2, 2), check_invariants=True
    )
    dense = torch.randn(2, 3)
    for engine in ("auto", "fx"):
        result = count_flops(lambda a, b: torch.sparse.mm(a, b), sparse, dense, engine=engine)
        assert result.total_bytes == 2 * 2 * 8 + 2 * 4 + 6 * 4 + 6 * 4, engine  # indices, values, dense, out
    assert count_flops(lambda a: a.to_sparse_csr(), torch.randn(3, 3), engine="aten").total_bytes > 0
