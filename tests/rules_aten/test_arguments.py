"""The aten pack reads every argument by name (``call.arguments()``: bound by the op's schema, defaults filled in).

Reading by position miscounted or crashed wherever the dispatcher omits a trailing default (``_pdist_forward``
at p = 2), an fx graph passes an argument by keyword (``max_pool2d_with_indices(x, kernel_size=[2, 2])``), or
two kernels of one family order their parameters differently (the fused attention kernels; ``native_layer_norm``
puts ``normalized_shape`` before ``weight``). Each test below failed before; every expected value is written
out from the formula of docs/conventions.md.
"""

from __future__ import annotations

import operator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import calls
from torch import fx, nn

from torch_flops_core import Call, count_flops, get_plugins

A = torch.ops.aten


def graph_of(target: Any, args: tuple[Any, ...], kwargs: dict[str, Any], first: bool = False) -> fx.GraphModule:
    """An aten-level graph of one node ``target(x, *args, **kwargs)`` (``[0]`` of it with ``first``), written
    as fx lets a graph write it (any argument by keyword)."""
    graph = fx.Graph()
    x = graph.placeholder("x")
    node = graph.call_function(target, (x, *args), kwargs)
    graph.output(graph.call_function(operator.getitem, (node, 0)) if first else node)
    return fx.GraphModule(nn.Module(), graph)


def op_records(result: Any, name: str) -> list[Any]:
    return [r for r in calls(result) if r.target_name.split(".")[-2:-1] == [name]]


def by_rule(op: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> tuple[Any, int]:
    """(FLOPs, MACs) the aten pack's rule gives for a call built by hand (a kernel no device here runs)."""
    entry = get_plugins().table.function_rule(op)
    assert entry is not None and entry.plugin == "aten"
    flops, macs, _ = entry.apply(Call("call_function", op, args, kwargs, output), "")
    return flops, macs


# -- 1. crashes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["auto", "aten"])
def test_margin_losses_of_a_0d_score_count_one_row_of_one_class(engine: str) -> None:
    """OpInfo's first samples of nn.functional.multi_margin_loss and multilabel_margin_loss are 0-d (an IndexError
    in the functional rules): one row of one class, M = 1, then the 'mean' of one row (1)."""
    x, target = torch.randn(()), torch.zeros((), dtype=torch.long)
    multi = count_flops(lambda a, t: F.multi_margin_loss(a, t), x, target, engine=engine)
    assert multi.total == 4 * 1 + 1  # (4 + [p = 2] + [weight])·M + mean over 1 row
    multilabel = count_flops(lambda a, t: F.multilabel_margin_loss(a, t), x, target, engine=engine)
    assert multilabel.total == 4 * (1 * 1 // 4) + 1  # 4·⌊C²/4⌋ per row (C = 1) + mean over 1 row
    assert multi.unrecognized == [] and multilabel.unrecognized == []


def test_pdist_at_its_default_p_which_the_dispatcher_omits() -> None:
    x = torch.randn(5, 4)
    pairs, m = 5 * 4 // 2, 4
    result = count_flops(F.pdist, x, engine="aten")
    assert result.total == pairs * (m + 2 * m)  # per pair M subtractions + the 2-norm of M (2M)
    assert result.total == count_flops(F.pdist, x).total


def test_safe_softmax_with_its_dim_by_keyword() -> None:
    x = torch.randn(3, 4)
    n, s = 12, 4
    expected = 2 * n + (s - 1) * (n // s)  # N exps, S − 1 adds per row, N divides
    eager = count_flops(lambda t: A._safe_softmax.default(t, dim=-1), x)
    graph = count_flops(graph_of(A._safe_softmax.default, (), {"dim": -1}), x, engine="aten")
    assert eager.total == graph.total == expected


# -- 2. an empty output counts 0 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "shapes"),
    [
        pytest.param(torch.mm, ((0, 5), (5, 10)), id="mm-no-rows"),
        pytest.param(torch.mm, ((3, 5), (5, 0)), id="mm-no-columns"),
        pytest.param(torch.bmm, ((0, 2, 5), (0, 5, 3)), id="bmm-no-batch"),
        pytest.param(torch.mv, ((0, 5), (5,)), id="mv"),
        pytest.param(lambda c, a, b: torch.addmm(c, a, b), ((10,), (0, 5), (5, 10)), id="addmm"),
    ],
)
def test_a_contraction_with_an_empty_output_counts_nothing(fn: Any, shapes: tuple[tuple[int, ...], ...]) -> None:
    result = count_flops(fn, *(torch.randn(s) for s in shapes), engine="aten")
    assert (result.total, result.total_macs) == (0, 0)


# -- 3. fused attention: is_causal and dropout_p wherever the schema puts them -------------------

B, LQ, D = 2, 8, 4  # batch·heads, length, head size: q, k, v of [1, 2, 8, 4]
S = B * LQ * LQ
PLAIN = (2 * D - 1) * S + S + (S + B * LQ * (LQ - 1) + S) + (2 * LQ - 1) * B * LQ * D  # QKᵀ, scale, softmax, ·V
MACS = S * D + S * D


@pytest.mark.parametrize(
    ("call", "extra"),
    [
        pytest.param(lambda q: A._scaled_dot_product_efficient_attention(q, q, q, None, False), 0, id="efficient"),
        pytest.param(lambda q: A._scaled_dot_product_efficient_attention(q, q, q, None, True), 0, id="efficient-lse"),
        pytest.param(
            lambda q: A._scaled_dot_product_efficient_attention(q, q, q, None, True, 0.0, True),
            S,
            id="efficient-causal",
        ),
        pytest.param(
            lambda q: A._scaled_dot_product_efficient_attention(q, q, q, None, False, is_causal=True),
            S,
            id="efficient-causal-keyword",
        ),
        # dropout: the mask scaled by 1/(1 − p) and the weights times it, 2S
        pytest.param(
            lambda q: A._scaled_dot_product_efficient_attention(q, q, q, None, False, 0.3), 2 * S, id="eff-drop"
        ),
        pytest.param(
            lambda q: A._scaled_dot_product_efficient_attention(q, q, q, torch.zeros_like(q[..., :1]), False),
            S,
            id="efficient-bias",
        ),
        pytest.param(lambda q: A._scaled_dot_product_flash_attention(q, q, q), 0, id="flash"),
        pytest.param(lambda q: A._scaled_dot_product_flash_attention(q, q, q, 0.0, True), S, id="flash-causal"),
        pytest.param(lambda q: A._scaled_dot_product_flash_attention(q, q, q, 0.3), 2 * S, id="flash-dropout"),
        pytest.param(lambda q: A._scaled_dot_product_cudnn_attention(q, q, q, None, False), 0, id="cudnn"),
        pytest.param(
            lambda q: A._scaled_dot_product_cudnn_attention(q, q, q, None, False, 0.0, True), S, id="cudnn-causal"
        ),
        pytest.param(
            lambda q: A._scaled_dot_product_cudnn_attention(q, q, q, None, False, 0.3), 2 * S, id="cudnn-drop"
        ),
        pytest.param(lambda q: A._scaled_dot_product_flash_attention_for_cpu(q, q, q, 0.0, True), S, id="cpu-causal"),
        pytest.param(
            lambda q: A._scaled_dot_product_flash_attention_for_cpu(
                q, q, q, attn_mask=torch.zeros(8, 8, device="meta")
            ),
            S,
            id="cpu-mask",
        ),
    ],
)
def test_fused_attention_kernels_read_causal_mask_and_dropout_by_name(call: Any, extra: int) -> None:
    """The cuda kernels' meta kernels run here; a mask or is_causal adds S = B·Lq·Lk, dropout_p > 0 2S."""
    result = count_flops(call, torch.empty(1, 2, LQ, D, device="meta"), engine="aten")
    assert (result.total, result.total_macs) == (PLAIN + extra, MACS)  # 2,352 plain; 2,480 masked; 2,608 dropped


def test_a_fused_attention_backward_with_dropout_by_position() -> None:
    q = torch.empty(1, 2, LQ, D, device="meta")
    lse, seed = torch.empty(1, 2, LQ, device="meta"), torch.empty((), dtype=torch.long, device="meta")

    def flash_backward(do: torch.Tensor, q: torch.Tensor) -> Any:
        return A._scaled_dot_product_flash_attention_backward(do, q, q, q, q, lse, q, q, LQ, LQ, 0.3, True, seed, seed)

    result = count_flops(flash_backward, q, q, engine="aten")
    dv = (2 * LQ - 1) * B * LQ * D  # dV = Pᵀ·dO
    dp = (2 * D - 1) * S + S  # dP = dO·Vᵀ, then the dropout mask
    ds = 4 * S - B * LQ + S  # softmax backward, scale
    dq = dk = (2 * LQ - 1) * B * LQ * D
    assert (result.total, result.total_macs) == (dv + dp + ds + dq + dk, 2 * MACS)


# -- 4. keywords in an fx graph -----------------------------------------------------------------


def test_max_pool_with_kernel_size_by_keyword_in_an_aten_graph() -> None:
    graph = graph_of(A.max_pool2d_with_indices.default, (), {"kernel_size": [2, 2]}, first=True)
    result = count_flops(graph, torch.randn(1, 2, 6, 6), engine="aten")
    assert result.total == (2 * 2 - 1) * (2 * 3 * 3)  # (k − 1)·N compares


def test_avg_pool_with_an_int_kernel_size_in_an_aten_graph_is_the_full_window() -> None:
    graph = graph_of(A.avg_pool2d.default, (2,), {})
    result = count_flops(graph, torch.randn(1, 2, 6, 6), engine="aten")
    assert result.total == (2 * 2) * (2 * 3 * 3)  # k·N, k = 2·2: an int kernel_size is one size per dim


@pytest.mark.parametrize(
    ("norm", "cost"),
    [
        pytest.param(nn.LayerNorm(8), 4, id="affine"),
        pytest.param(nn.LayerNorm(8, bias=False), 3, id="no-bias"),
        pytest.param(nn.LayerNorm(8, elementwise_affine=False), 2, id="no-affine"),
    ],
)
def test_native_layer_norm_reads_weight_and_bias_past_normalized_shape(norm: nn.Module, cost: int) -> None:
    """native_layer_norm(input, normalized_shape, weight, bias, eps): weight is the third argument, not the second."""
    x = torch.randn(3, 8)
    aten = count_flops(norm, x, engine="aten")
    assert aten.total == cost * 24 == count_flops(norm, x).total  # (2 + [weight] + [bias])·n


def test_addmm_counts_its_beta_and_alpha_as_the_function_does() -> None:
    c, a, b = torch.randn(3), torch.randn(4, 5), torch.randn(5, 3)
    n, k = 12, 5
    for (beta, alpha), extra in (((1, 1), 1), ((0.5, 2), 3), ((0, 1), 0), ((0, 2), 1)):
        fn = lambda c, a, b, beta=beta, alpha=alpha: torch.addmm(c, a, b, beta=beta, alpha=alpha)  # noqa: E731
        aten = count_flops(fn, c, a, b, engine="aten")
        # (2K − 1)·N + N [beta ≠ 0] + N [alpha ≠ 1] + N [beta ∉ {0, 1}]
        assert (aten.total, aten.total_macs) == ((2 * k - 1) * n + extra * n, k * n), (beta, alpha)
        default = count_flops(fn, c, a, b)
        assert (default.total, default.total_macs) == (aten.total, aten.total_macs)


# -- 5. new rules: grouped matmul, floor_divide, batch norm in exported training graphs -----------


def test_grouped_mm_in_its_four_forms_counts_each_groups_products() -> None:
    """groups of m_g = 4, 4, 8 rows (offs = cumulative ends 4, 8, 16); K = 8, N = 8 (fp32 runs on cpu)."""
    offs = torch.tensor([4, 8, 16], dtype=torch.int32)
    m_g, k, n = (4, 4, 8), 8, 8
    cases = [  # (mat_a, mat_b, offs, FLOPs, MACs)
        ((16, 8), (3, 8, 8), offs, sum((2 * k - 1) * m * n for m in m_g), sum(m * k * n for m in m_g)),  # 2-d × 3-d
        ((3, 8, 8), (8, 16), offs, sum((2 * k - 1) * 8 * c for c in m_g), sum(8 * k * c for c in m_g)),  # N split
        ((3, 8, 8), (3, 8, 8), None, 3 * (2 * k - 1) * 8 * n, 3 * 8 * k * n),  # a batch of 3
        ((8, 16), (16, 8), offs, sum((2 * kg - 1) * 8 * n for kg in m_g), sum(8 * kg * n for kg in m_g)),  # K split
    ]
    for a, b, groups, flops, macs in cases:
        fn = lambda a, b, groups=groups: torch._grouped_mm(a, b, offs=groups)  # noqa: E731
        aten = count_flops(fn, torch.randn(a), torch.randn(b), engine="aten")
        assert (aten.total, aten.total_macs) == (flops, macs), (a, b)
        default = count_flops(fn, torch.randn(a), torch.randn(b))
        assert (default.total, default.total_macs) == (flops, macs), (a, b)


def test_grouped_mm_with_a_bias_adds_one_per_output() -> None:
    """No kernel here takes a bias yet (cpu and meta refuse it): the rule applied to a call built by hand."""
    a, b, offs = (torch.empty(s, device="meta") for s in ((16, 8), (3, 8, 8), (3,)))
    out = torch.empty(16, 8, device="meta")
    bias = torch.empty(3, 8, device="meta")
    flops, macs = by_rule(A._grouped_mm.default, (a, b), {"offs": offs, "bias": bias}, out)
    assert (flops, macs) == ((2 * 8 - 1) * 16 * 8 + 16 * 8, 16 * 8 * 8)


def test_grouped_mm_forward_and_backward_in_a_training_count() -> None:
    """dA is a 2-d × 3-d grouped product (as the forward), dB a 2-d × 2-d one with the groups splitting K = 16."""
    offs = torch.tensor([4, 8, 16], dtype=torch.int32)
    a, b, w = torch.randn(16, 8, requires_grad=True), torch.randn(3, 8, 8, requires_grad=True), torch.randn(16, 8)
    result = count_flops(
        lambda a, b: torch._grouped_mm(a, b, offs=offs),
        a,
        b,
        engine="aten",
        backward=True,
        loss=lambda y: (y * w).sum(),
    )
    grouped = [(r.phase, r.flops, r.macs) for r in op_records(result, "_grouped_mm")]
    forward = ((2 * 8 - 1) * 16 * 8, 16 * 8 * 8)
    d_b = (sum((2 * kg - 1) * 8 * 8 for kg in (4, 4, 8)), 8 * 16 * 8)
    assert sorted(grouped) == sorted([("forward", *forward), ("backward", *forward), ("backward", *d_b)])


def test_floor_divide_is_one_flop_per_element() -> None:
    a, b = torch.randn(3, 4), torch.randn(4)
    result = count_flops(torch.floor_divide, a, b, engine="aten")
    assert [(r.target_name, r.flops) for r in calls(result)] == [("torch.ops.aten.floor_divide.default", 12)]
    graph = count_flops(graph_of(A.floor_divide.Scalar, (2,), {}), a, engine="aten")
    assert graph.total == 12


@pytest.mark.slow
def test_an_exported_batch_norm_in_training_counts_its_normalisation() -> None:
    """torch.export of a BatchNorm in training runs _native_batch_norm_legit_functional (and .no_stats without
    running statistics): (2 + [weight] + [bias])·n, as the module (num_batches_tracked += 1 is bookkeeping, 0)."""
    x = torch.randn(2, 4, 3, 3)
    n = x.numel()
    for bn, op, cost in (
        (nn.BatchNorm2d(4), "_native_batch_norm_legit_functional", 4),
        (nn.BatchNorm2d(4, affine=False), "_native_batch_norm_legit_functional", 2),
        (nn.BatchNorm2d(4, track_running_stats=False), "_native_batch_norm_legit", 4),
    ):
        result = count_flops(torch.export.export(bn.train(), (x,)), x)
        assert result.unrecognized == []
        assert [r.flops for r in op_records(result, op)] == [cost * n]
        assert result.total == cost * n == count_flops(bn, x, engine="aten").total == count_flops(bn, x).total


# -- 6. what the engines disagreed on -------------------------------------------------------------


def test_fold_counts_its_overlapping_adds_at_the_aten_level() -> None:
    """F.fold runs aten.col2im (counted 0 before): 9 blocks of 2×2 per channel fill a 4×4 plane, 36 values into
    16 outputs: 20 adds per channel; and nn.Unfold's backward is a col2im too."""
    x = torch.randn(2, 3 * 4, 9)
    fold = nn.Fold((4, 4), 2)
    assert count_flops(fold, x, engine="aten").total == 2 * 3 * (36 - 16) == count_flops(fold, x).total
    x = torch.randn(1, 2, 5, 5, requires_grad=True)
    result = count_flops(nn.Unfold(2), x, backward=True)
    (col2im,) = op_records(result, "col2im")
    assert col2im.flops == 2 * 4 * 16 - 2 * 25  # 16 blocks of 4 values per channel summed into 25 inputs


def test_dropout_in_training_counts_the_mask_scale_and_multiply_at_the_aten_level() -> None:
    """cpu runs bernoulli_, div_ (the mask scaled by 1/(1 − p)) and mul: 2N; cuda's native_dropout, and an exported
    training graph's, is x·mask·scale: 2N too; p = 1 is x·0: N; eval: 0; native_dropout_backward dy·mask·scale: N
    (the scaled mask, as the cpu backward's single mul)."""
    x = torch.randn(4, 4)
    n = 16
    assert count_flops(nn.Dropout(0.5).train(), x, engine="aten").total == 2 * n
    assert count_flops(nn.Dropout(0.5).eval(), x, engine="aten").total == 0
    assert count_flops(lambda t: F.dropout(t, 1.0, training=True), x, engine="aten").total == n
    native = count_flops(lambda t: A.native_dropout(t, 0.5, True)[0], x, engine="aten")
    assert native.total == 2 * n
    graph = count_flops(graph_of(A.dropout.default, (0.5,), {"train": True}), x, engine="aten")
    assert graph.total == 2 * n
    mask = torch.ones(4, 4, dtype=torch.bool)
    backward = count_flops(lambda dy: A.native_dropout_backward(dy, mask, 2.0), x, engine="aten")
    assert backward.total == n


def test_dropout_in_training_counts_the_same_on_both_engines() -> None:
    x = torch.randn(2, 3, 4, 4)
    for fn in (nn.Dropout(0.5).train(), lambda t: F.dropout(t, 0.5, training=True)):
        assert count_flops(fn, x).total == count_flops(fn, x, engine="aten").total == 2 * x.numel()


def test_gru_at_the_aten_level_updates_h_as_torch_computes_it() -> None:
    """cpu's GRU decomposes per step: addmm (input, hidden, each with its bias), then r and z (add, sigmoid 3 each),
    n = tanh(i_n + r·h_n) (mul, add, tanh), h' = n + z·(h − n) (sub, mul, add): 14 per hidden unit."""
    rows, i, h = 5 * 2, 8, 16
    g = 3 * h
    result = count_flops(nn.GRU(i, h), torch.randn(5, 2, i), engine="aten")
    per_row = (2 * i - 1) * g + g + (2 * h - 1) * g + g + 14 * h
    assert (result.total, result.total_macs) == (rows * per_row, rows * (i + h) * g)


def test_gru_counts_the_same_on_both_engines() -> None:
    gru, x = nn.GRU(8, 16, bidirectional=True), torch.randn(5, 2, 8)
    default, aten = count_flops(gru, x), count_flops(gru, x, engine="aten")
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs)


def test_outer_and_addr_are_element_wise_products_at_the_aten_level() -> None:
    """torch.outer runs aten.mul (FlopCounterMode counts no contraction in it): N products, no MACs;
    addr adds beta·self: N + N [beta ≠ 0] + N [alpha ≠ 1] + N [beta ∉ {0, 1}]."""
    a, b, m = torch.randn(5), torch.randn(10), torch.randn(5, 10)
    outer = count_flops(torch.outer, a, b, engine="aten")
    assert (outer.total, outer.total_macs) == (50, 0)
    addr = count_flops(lambda m, a, b: torch.addr(m, a, b, beta=2), m, a, b, engine="aten")
    assert (addr.total, addr.total_macs) == (50 + 2 * 50, 0)


def test_outer_counts_the_same_on_both_engines() -> None:
    a, b = torch.randn(5), torch.randn(10)
    default, aten = count_flops(torch.outer, a, b), count_flops(torch.outer, a, b, engine="aten")
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs)


def test_floor_division_of_tensors_counts_the_same_on_both_engines() -> None:
    a, b = torch.randn(3, 4), torch.randn(4)
    assert count_flops(operator.floordiv, a, b).total == count_flops(operator.floordiv, a, b, engine="aten").total


@pytest.mark.parametrize("engine", ["auto", "fx"])
def test_an_aten_packet_called_from_python_binds_by_its_overload(engine: str) -> None:
    """torch.ops.aten.mm(a, b) (a packet, not an overload: what eager and fx record) is counted by the aten rule."""
    a, b = torch.randn(3, 4), torch.randn(4, 5)
    result = count_flops(lambda a, b: torch.ops.aten.mm(a, b), a, b, engine=engine)
    assert (result.total, result.total_macs) == ((2 * 4 - 1) * 15, 4 * 15)
    pooled = count_flops(lambda x: A.max_pool2d_with_indices(x, [2, 2])[0], torch.randn(1, 2, 6, 6), engine=engine)
    assert pooled.total == (2 * 2 - 1) * 18
    assert count_flops(lambda x: A.add(x, x, alpha=2), a, engine=engine).total == 2 * 12


def _graph(op: Any, inputs: int, args: tuple[Any, ...], keywords: int, first: bool) -> fx.GraphModule:
    """One node ``op(*args)`` over ``inputs`` placeholders (an argument ``"$i"`` is the placeholder i), its last
    ``keywords`` arguments passed by keyword (their schema names), as an fx graph may."""
    graph = fx.Graph()
    placeholders = [graph.placeholder(f"x{i}") for i in range(inputs)]
    values = [placeholders[int(a[1:])] if isinstance(a, str) and a.startswith("$") else a for a in args]
    names = [argument.name for argument in op._schema.arguments]
    positional = sum(not argument.kwarg_only for argument in op._schema.arguments)
    split = min(len(values) - keywords, positional)  # keyword-only arguments (add's alpha) always by keyword
    node = graph.call_function(op, tuple(values[:split]), dict(zip(names[split:], values[split:], strict=False)))
    graph.output(graph.call_function(operator.getitem, (node, 0)) if first else node)
    return fx.GraphModule(nn.Module(), graph)


KEYWORD_CASES = [
    pytest.param(A.max_pool2d_with_indices.default, ("$0", [2, 2], [2, 2], [0, 0], [1, 1], False), True, id="max_pool"),
    pytest.param(
        A.convolution.default, ("$0", "$1", "$2", [2, 1], [1, 0], [1, 1], False, [0, 0], 1), False, id="convolution"
    ),
    pytest.param(
        A.convolution.default, ("$0", "$3", None, [2, 2], [1, 1], [1, 1], True, [1, 1], 2), False, id="transposed"
    ),
    pytest.param(A.avg_pool2d.default, ("$0", [3, 3], [1, 1], [1, 1]), False, id="avg_pool"),
    pytest.param(A._adaptive_avg_pool2d.default, ("$0", [4, 2]), False, id="adaptive_avg_pool"),
    pytest.param(A._softmax.default, ("$0", 1, False), False, id="softmax"),
    pytest.param(A.native_layer_norm.default, ("$0", [6, 6], None, None, 1e-5), True, id="layer_norm"),
    pytest.param(A.addmm.default, ("$4", "$5", "$6", 2, 3), False, id="addmm"),
    pytest.param(A.sum.dim_IntList, ("$0", [2, 3], True), False, id="sum"),
    pytest.param(A.linalg_vector_norm.default, ("$0", 3, [1], False), False, id="vector_norm"),
    pytest.param(A.add.Tensor, ("$0", "$0", 2), False, id="add_alpha"),
]


@pytest.mark.parametrize(("op", "args", "first"), KEYWORD_CASES)
def test_an_aten_graph_counts_the_same_with_arguments_by_keyword(op: Any, args: tuple[Any, ...], first: bool) -> None:
    """Every aten rule reads through ``call.arguments()``: a node passing any trailing part of its arguments by
    keyword (fx allows it) counts what the positional node counts, FLOPs and MACs."""
    inputs = (
        torch.randn(2, 4, 6, 6), torch.randn(3, 4, 3, 3), torch.randn(3), torch.randn(4, 3, 3, 3), torch.randn(5, 7),
        torch.randn(5, 4), torch.randn(4, 7),
    )  # fmt: skip
    counts = set()
    for keywords in range(len(args)):  # 0 (all positional) .. every argument but the first by keyword
        result = count_flops(_graph(op, len(inputs), args, keywords, first), *inputs, engine="aten")
        assert not result.unrecognized
        counts.add((result.total, result.total_macs))
    assert len(counts) == 1 and next(iter(counts))[0] > 0, counts
