"""Contractions of the functional pack: Count(flops, macs) with exact = 2·MACs − N (+ N per added term).

A dot product of length K over N outputs: (2K − 1)·N exact FLOPs, K·N MACs. FlopCounterMode reports
2·MACs and skips added biases/inputs, so ``exact = FlopCounterMode − N`` (+ N with a bias or input).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from helpers import both, flop_counter_mode
from torch import nn

from torch_flops_core import count_flops


def contraction(k: int, n: int) -> tuple[int, int]:
    """(exact FLOPs, MACs) of N dot products of length K."""
    return (2 * k - 1) * n, k * n


# ---------------------------------------------------------------------------------------------
# Matrix products
# ---------------------------------------------------------------------------------------------

PRODUCTS = [
    # (spelling, a, b, K, out shape, FlopCounterMode counts it)
    pytest.param(torch.mm, (3, 5), (5, 4), 5, (3, 4), True, id="mm"),
    pytest.param(lambda a, b: a.mm(b), (3, 5), (5, 4), 5, (3, 4), True, id="a.mm"),
    pytest.param(torch.bmm, (2, 3, 5), (2, 5, 4), 5, (2, 3, 4), True, id="bmm"),
    pytest.param(lambda a, b: a.bmm(b), (2, 3, 5), (2, 5, 4), 5, (2, 3, 4), True, id="a.bmm"),
    pytest.param(torch.mv, (3, 5), (5,), 5, (3,), False, id="mv"),
    pytest.param(torch.dot, (5,), (5,), 5, (), False, id="dot"),
    pytest.param(torch.vdot, (5,), (5,), 5, (), False, id="vdot"),
    pytest.param(torch.inner, (2, 5), (3, 5), 5, (2, 3), True, id="inner"),
    pytest.param(torch.linalg.matmul, (2, 3, 5), (5, 4), 5, (2, 3, 4), True, id="linalg.matmul"),
    pytest.param(lambda a, b: a @ b, (2, 1, 3, 5), (4, 5, 6), 5, (2, 4, 3, 6), True, id="@ broadcast"),
]


@pytest.mark.parametrize(("fn", "a_shape", "b_shape", "k", "out_shape", "fcm"), PRODUCTS)
def test_matrix_products(
    fn: Callable[..., torch.Tensor], a_shape: tuple, b_shape: tuple, k: int, out_shape: tuple, fcm: bool
) -> None:
    a, b = torch.randn(a_shape), torch.randn(b_shape)
    assert fn(a, b).shape == out_shape
    n = math.prod(out_shape)
    result = both(fn, a, b)
    assert (result.total, result.total_macs) == contraction(k, n)
    if fcm:
        assert flop_counter_mode(fn, a, b) == 2 * result.total_macs == result.total + n


@pytest.mark.parametrize("fn", [torch.outer, torch.ger, lambda a, b: a.outer(b)], ids=["outer", "ger", "a.outer"])
def test_outer_product_is_one_multiply_per_output(fn: Callable[..., torch.Tensor]) -> None:
    # an outer product is element-wise: 3·4 multiplies, no multiply-accumulate (torch runs aten.mul)
    result = both(fn, torch.randn(3), torch.randn(4))
    assert (result.total, result.total_macs) == (3 * 4, 0)


def test_kron_is_one_multiply_per_output() -> None:
    assert both(torch.kron, torch.randn(2, 3), torch.randn(4, 5)).total == 8 * 15


# addmm-like: beta·input + alpha·(a ⊗ b) = (2K − 1)·N + N [beta ≠ 0] + N [alpha ≠ 1] + N [beta ∉ {0, 1}]
ADD_PRODUCTS = [
    # (spelling, input, a, b, K, N)
    pytest.param(torch.addmm, (4,), (3, 5), (5, 4), 5, 12, id="addmm"),
    pytest.param(torch.addmv, (3,), (3, 5), (5,), 5, 3, id="addmv"),
    pytest.param(torch.baddbmm, (2, 3, 4), (2, 3, 5), (2, 5, 4), 5, 24, id="baddbmm"),
    pytest.param(torch.addbmm, (3, 4), (2, 3, 5), (2, 5, 4), 2 * 5, 12, id="addbmm: K = batch·m"),
    pytest.param(torch.addr, (3, 4), (3,), (4,), 1, 12, id="addr: K = 1"),
]


@pytest.mark.parametrize(
    ("alpha", "beta", "extra"),
    [(1, 1, 1), (2, 1, 2), (1, 0, 0), (1, 0.5, 2), (3, 2, 3)],
    ids=["plain", "alpha", "beta=0", "beta", "alpha+beta"],
)
@pytest.mark.parametrize(("fn", "c_shape", "a_shape", "b_shape", "k", "n"), ADD_PRODUCTS)
def test_add_products(
    fn: Callable[..., torch.Tensor], c_shape: tuple, a_shape: tuple, b_shape: tuple, k: int, n: int,
    alpha: float, beta: float, extra: int,
) -> None:  # fmt: skip
    c, a, b = torch.randn(c_shape), torch.randn(a_shape), torch.randn(b_shape)
    result = both(lambda c, a, b: fn(c, a, b, alpha=alpha, beta=beta), c, a, b)
    flops, macs = contraction(k, n)
    if fn is torch.addr:  # the outer product is element-wise (torch runs mul): N multiplies, no MACs
        macs = 0
    assert (result.total, result.total_macs) == (flops + extra * n, macs)
    method = getattr(c.clone(), fn.__name__)
    assert (
        both(lambda c, a, b: getattr(c, fn.__name__)(a, b, alpha=alpha, beta=beta), c, a, b).total == flops + extra * n
    )
    assert method is not None


@pytest.mark.parametrize("fn", [torch.addmm, torch.baddbmm])
def test_add_products_against_flop_counter_mode(fn: Callable[..., torch.Tensor]) -> None:
    if fn is torch.addmm:
        c, a, b = torch.randn(4), torch.randn(3, 5), torch.randn(5, 4)
    else:
        c, a, b = torch.randn(2, 3, 4), torch.randn(2, 3, 5), torch.randn(2, 5, 4)
    result = both(fn, c, a, b)
    assert flop_counter_mode(fn, c, a, b) == 2 * result.total_macs == result.total  # − N + N for the input


def test_in_place_add_product() -> None:
    c, a, b = torch.randn(3, 4), torch.randn(3, 5), torch.randn(5, 4)
    assert both(lambda c, a, b: c.addmm_(a, b), c, a, b).total == contraction(5, 12)[0] + 12


# ---------------------------------------------------------------------------------------------
# einsum: per pairwise step (2K − 1)·M, K = product of the summed label sizes, M of the kept ones
# ---------------------------------------------------------------------------------------------

EINSUMS = [
    # (equation, operand shapes, exact FLOPs, MACs)
    pytest.param("ij,jk->ik", [(3, 5), (5, 4)], *contraction(5, 12), id="matmul"),
    pytest.param("bhqd,bhkd->bhqk", [(2, 3, 4, 8), (2, 3, 6, 8)], *contraction(8, 2 * 3 * 4 * 6), id="attention"),
    pytest.param("ij,jk", [(3, 5), (5, 4)], *contraction(5, 12), id="implicit output"),
    pytest.param("...ij,...jk->...ik", [(2, 3, 5), (5, 4)], *contraction(5, 24), id="ellipsis broadcast"),
    # a step that sums no label is a product (torch runs mul): M multiplies, no MACs
    pytest.param("i,j->ij", [(3,), (4,)], 3 * 4, 0, id="outer"),
    pytest.param("ij,ij->ij", [(3, 4), (3, 4)], 3 * 4, 0, id="element-wise"),
    pytest.param("ij,ij->", [(3, 4), (3, 4)], *contraction(12, 1), id="full contraction"),
    pytest.param("ij,k->i", [(3, 4), (5,)], *contraction(20, 3), id="summed label in one operand"),
    pytest.param("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)], contraction(3, 8)[0] + contraction(4, 10)[0],
                 contraction(3, 8)[1] + contraction(4, 10)[1], id="three operands, left to right"),
    pytest.param("ij->j", [(3, 4)], 12 - 4, 0, id="sum over a label"),
    pytest.param("ij->ji", [(3, 4)], 0, 0, id="transpose"),
    pytest.param("ii->", [(4, 4)], 4 - 1, 0, id="trace"),
    pytest.param("ii->i", [(4, 4)], 0, 0, id="diagonal"),
]  # fmt: skip


@pytest.mark.parametrize(("equation", "shapes", "flops", "macs"), EINSUMS)
def test_einsum(equation: str, shapes: list[tuple[int, ...]], flops: int, macs: int) -> None:
    operands = [torch.randn(s) for s in shapes]
    result = both(lambda *ops: torch.einsum(equation, *ops), *operands)
    assert (result.total, result.total_macs) == (flops, macs)
    as_list = count_flops(lambda *ops: torch.einsum(equation, list(ops)), *operands, engine="eager")
    assert as_list.total == flops


def test_einsum_sublist_format() -> None:
    a, b = torch.randn(3, 5), torch.randn(5, 4)
    result = count_flops(lambda a, b: torch.einsum(a, [0, 1], b, [1, 2], [0, 2]), a, b, engine="eager")
    assert (result.total, result.total_macs) == contraction(5, 12)


@pytest.mark.parametrize("equation", ["ij,jk->ik", "bhqd,bhkd->bhqk", "bij,bjk->bik"])
def test_einsum_against_flop_counter_mode(equation: str) -> None:
    shapes = {"ij,jk->ik": [(3, 5), (5, 4)], "bhqd,bhkd->bhqk": [(2, 3, 4, 8), (2, 3, 6, 8)],
              "bij,bjk->bik": [(2, 3, 5), (2, 5, 4)]}[equation]  # fmt: skip
    operands = [torch.randn(s) for s in shapes]
    result = both(lambda a, b: torch.einsum(equation, a, b), *operands)
    n = torch.einsum(equation, *operands).numel()
    assert flop_counter_mode(lambda a, b: torch.einsum(equation, a, b), *operands) == 2 * result.total_macs
    assert result.total == 2 * result.total_macs - n


@pytest.mark.parametrize(
    ("dims", "k"),
    [(2, 3 * 4), (1, 4), ([[1], [0]], 3), ([[1, 2], [0, 1]], 3 * 4), (0, 1)],
    ids=["dims=2", "dims=1", "pairs", "two pairs", "dims=0 outer"],
)
def test_tensordot(dims: Any, k: int) -> None:
    a = torch.randn(2, 3, 4)
    b = {2: torch.randn(3, 4, 5), 1: torch.randn(4, 5), 0: torch.randn(5)}.get(dims) if isinstance(dims, int) else None
    if b is None:
        b = torch.randn(3, 5) if len(dims[0]) == 1 else torch.randn(3, 4, 5)
    out = torch.tensordot(a, b, dims=dims)
    result = both(lambda a, b: torch.tensordot(a, b, dims=dims), a, b)
    assert (result.total, result.total_macs) == contraction(k, out.numel())


def test_vecdot_and_multi_dot() -> None:
    x, y = torch.randn(2, 3, 5), torch.randn(3, 5)
    result = both(lambda x, y: torch.linalg.vecdot(x, y), x, y)
    assert (result.total, result.total_macs) == contraction(5, 6)
    # [10×100]·[100×5]·[5×50]: (AB)C costs 5000 + 2500 multiplications, A(BC) 25000 + 50000
    a, b, c = torch.randn(10, 100), torch.randn(100, 5), torch.randn(5, 50)
    result = count_flops(lambda a, b, c: torch.linalg.multi_dot([a, b, c]), a, b, c, engine="eager")
    ab, abc = contraction(100, 10 * 5), contraction(5, 10 * 50)
    assert (result.total, result.total_macs) == (ab[0] + abc[0], ab[1] + abc[1])
    fcm = flop_counter_mode(lambda a, b, c: torch.linalg.multi_dot([a, b, c]), a, b, c)
    assert fcm == 2 * result.total_macs


def test_grouped_mm() -> None:
    """Each output element is a dot product over its group's K: Σ (2K_g − 1) = 2·MACs − N."""
    offs = torch.tensor([16, 32, 48, 64], dtype=torch.int32, device="meta")
    a, b = torch.empty(64, 32, device="meta"), torch.empty(4, 32, 16, device="meta")  # rows split in 4 groups
    result = count_flops(lambda a, b: F.grouped_mm(a.bfloat16(), b.bfloat16(), offs=offs), a, b, engine="eager")
    assert (result.total, result.total_macs) == (2 * 32 * 64 * 16 - 64 * 16, 32 * 64 * 16)
    a, b = torch.empty(16, 64, device="meta"), torch.empty(64, 32, device="meta")  # K split in 4 groups of 16
    result = count_flops(lambda a, b: F.grouped_mm(a.bfloat16(), b.bfloat16(), offs=offs), a, b, engine="eager")
    assert (result.total, result.total_macs) == (2 * 16 * 32 * 64 - 4 * 16 * 32, 16 * 32 * 64)


# ---------------------------------------------------------------------------------------------
# bilinear, conv_transpose, conv_tbc, convolution, affine_grid
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(bias: bool) -> None:
    x1, x2 = torch.randn(2, 3, 4), torch.randn(2, 3, 5)
    weight, b = torch.randn(6, 4, 5), torch.randn(6) if bias else None
    n = 2 * 3 * 6
    # per output: t_j = Σ_i x1_i W_ij (I2 dot products of length I1), then Σ_j t_j x2_j (length I2)
    flops = n * (5 * (2 * 4 - 1) + (2 * 5 - 1)) + (n if bias else 0)
    result = both(lambda x1, x2: F.bilinear(x1, x2, weight, b), x1, x2)
    assert (result.total, result.total_macs) == (flops, n * (4 * 5 + 5))


TRANSPOSED = [
    # (dims, in channels, out channels, kernel, groups, kwargs, input shape)
    pytest.param(1, 4, 6, (3,), 1, {"stride": 2}, (2, 4, 5), id="1d-s2"),
    pytest.param(2, 4, 6, (3, 3), 2, {"stride": 2, "padding": 1, "output_padding": 1}, (1, 4, 5, 5), id="2d-g2"),
    pytest.param(2, 3, 3, (2, 2), 3, {"stride": 2}, (1, 3, 4, 4), id="2d-depthwise"),
    pytest.param(3, 2, 4, (2, 3, 3), 1, {}, (1, 2, 3, 4, 4), id="3d"),
]
CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize(("dims", "cin", "cout", "kernel", "groups", "kw", "shape"), TRANSPOSED)
def test_conv_transpose(
    dims: int, cin: int, cout: int, kernel: tuple, groups: int, kw: dict, shape: tuple, bias: bool
) -> None:
    weight = torch.randn(cin, cout // groups, *kernel)
    b = torch.randn(cout) if bias else None
    fn = CONV_TRANSPOSE[dims]
    x = torch.randn(shape)
    n = fn(x, weight, b, groups=groups, **kw).numel()
    macs = x.numel() * (cout // groups) * math.prod(kernel)  # each input element meets Cout/g·k weights
    result = both(lambda x: fn(x, weight, b, groups=groups, **kw), x)
    assert (result.total, result.total_macs) == (2 * macs - n + (n if bias else 0), macs)
    assert flop_counter_mode(lambda x: fn(x, weight, b, groups=groups, **kw), x) == 2 * macs


def test_conv_transpose_outputs_that_receive_no_product_cost_no_add() -> None:
    x, weight = torch.randn(1, 1, 4), torch.randn(1, 1, 1)
    # stride 3, kernel 1: 10 outputs, 4 of them receive a product (N_cov = 4): 4 multiplies, no add
    result = both(lambda x: F.conv_transpose1d(x, weight, stride=3), x)
    assert (result.total, result.total_macs) == (2 * 4 - 4, 4)
    assert flop_counter_mode(lambda x: F.conv_transpose1d(x, weight, stride=3), x) == 2 * 4


def test_conv_tbc_and_convolution() -> None:
    x = torch.randn(7, 2, 4)  # time, batch, channels
    weight, bias = torch.randn(3, 4, 5), torch.randn(5)
    n = 5 * 2 * 5  # time 7 − 3 + 1 = 5
    result = both(lambda x: F.conv_tbc(x, weight, bias), x)
    assert (result.total, result.total_macs) == (n * (2 * 4 * 3 - 1) + n, n * 4 * 3)
    x, w = torch.randn(1, 3, 6, 6), torch.randn(8, 3, 3, 3)
    n = 8 * 4 * 4
    result = both(lambda x: torch.convolution(x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1), x)
    assert (result.total, result.total_macs) == contraction(3 * 9, n)


def test_affine_grid() -> None:
    theta = torch.randn(2, 2, 3)
    result = both(lambda t: F.affine_grid(t, [2, 1, 4, 5], align_corners=False), theta)
    n = 2 * 4 * 5 * 2  # every (x, y) of every grid point is a dot product with [u, v, 1]
    assert (result.total, result.total_macs) == contraction(3, n)


# ---------------------------------------------------------------------------------------------
# Attention: sdpa with grouped-query heads; F.multi_head_attention_forward equals the nn module
# ---------------------------------------------------------------------------------------------


def sdpa_flops(b: int, lq: int, lk: int, d: int, dv: int, masked: bool) -> int:
    s = b * lq * lk
    return (2 * d - 1) * s + s + (s if masked else 0) + (s + b * lq * (lk - 1) + s) + (2 * lk - 1) * b * lq * dv


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_with_grouped_query_heads_counts_every_query_head(causal: bool) -> None:
    q, k, v = torch.randn(1, 8, 5, 16), torch.randn(1, 2, 5, 16), torch.randn(1, 2, 5, 16)
    result = both(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True), q, k, v)
    assert result.total == sdpa_flops(8, 5, 5, 16, 16, causal)
    assert result.total_macs == 8 * 5 * 5 * 16 * 2


class MHA(nn.Module):
    def __init__(self, mha: nn.MultiheadAttention, **call: Any) -> None:
        super().__init__()
        self.mha, self.call = mha, call

    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return self.mha(q, k, v, **self.call)[0]


MHA_CASES = [
    pytest.param(dict(embed_dim=16, num_heads=4), {}, id="plain"),
    pytest.param(dict(embed_dim=16, num_heads=4), {"need_weights": False}, id="no weights"),
    pytest.param(dict(embed_dim=16, num_heads=2, bias=False, kdim=8, vdim=6), {}, id="kdim-vdim-no-bias"),
    pytest.param(dict(embed_dim=16, num_heads=4, add_bias_kv=True, add_zero_attn=True), {}, id="bias_kv-zero_attn"),
    pytest.param(dict(embed_dim=16, num_heads=4), {"attn_mask": torch.zeros(5, 7)}, id="attn_mask"),
    pytest.param(dict(embed_dim=16, num_heads=4, batch_first=True),
                 {"key_padding_mask": torch.zeros(2, 7, dtype=torch.bool), "average_attn_weights": False},
                 id="padding-mask-batch-first"),
]  # fmt: skip


@pytest.mark.parametrize(("options", "call"), MHA_CASES)
def test_multi_head_attention_forward_counts_what_the_module_counts(options: dict, call: dict) -> None:
    model = MHA(nn.MultiheadAttention(**options), **call).eval()
    mha = model.mha
    batch_first = options.get("batch_first", False)

    def seq(length: int, features: int) -> torch.Tensor:
        return torch.randn(2, length, features) if batch_first else torch.randn(length, 2, features)

    q, k, v = seq(5, 16), seq(7, mha.kdim), seq(7, mha.vdim)
    counted = count_flops(model, q, k, v, engine="eager", disable=["nn"])  # F.multi_head_attention_forward
    assert counted.unrecognized == []
    (function,) = [r for r in counted.ops if r.target is F.multi_head_attention_forward]
    module = count_flops(model, q, k, v)  # the nn pack's module rule
    assert (function.flops, function.macs) == (module.total, module.total_macs)
    # the formula, for the plain case: projections, QKᵀ, scale q, softmax, AV, head mean, out-projection
    if not call and options == {"embed_dim": 16, "num_heads": 4}:
        lq, lk, b, e, h, d = 5, 7, 2, 16, 4, 4
        a = b * h * lq * lk
        proj = contraction(e, lq * b * e)[0] + lq * b * e + 2 * (contraction(e, lk * b * e)[0] + lk * b * e)
        core = (2 * d - 1) * a + lq * b * e + 2 * a + b * h * lq * (lk - 1) + (2 * lk - 1) * b * h * lq * d + a
        out = contraction(e, lq * b * e)[0] + lq * b * e
        assert function.flops == proj + core + out
