"""The ops the OpInfo sweep found unrecognized (issue 21): each counted by the aten pack, at the function level where
the default engine sees the call, and in the backward.

Every expected value is written out here from the formula (docs/conventions.md, the rule's docstring), from the
shapes of the test; the default and the aten engines must agree wherever both see the op. The last section needs
the functional pack's new ``masked_index`` family wired in and three changes to its ``shape``, ``reduction`` and
``statistics`` families (/work/sections/aten_gaps_functional.patch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from torch_flops_core import FlopsResult, count_flops


def agree(fn: Callable[..., Any], *inputs: Any) -> tuple[int, int]:
    """(FLOPs, MACs) of ``fn(*inputs)``: the same on the default and the aten engine, nothing unrecognized."""
    default, aten = (count_flops(fn, *inputs, engine=engine) for engine in ("auto", "aten"))
    for result in (default, aten):
        assert result.unrecognized == [], [r.target_name for r in result.unrecognized]
    assert (default.total, default.total_macs) == (aten.total, aten.total_macs)
    return default.total, default.total_macs


def aten_count(fn: Callable[..., Any], *inputs: Any) -> tuple[int, int]:
    """(FLOPs, MACs) with the aten engine, nothing unrecognized."""
    result = count_flops(fn, *inputs, engine="aten")
    assert result.unrecognized == [], [r.target_name for r in result.unrecognized]
    return result.total, result.total_macs


def backward(fn: Callable[..., Any], *inputs: Any, engine: str = "auto") -> FlopsResult:
    """A count with ``backward=True``; nothing unrecognized in any phase."""
    result = count_flops(fn, *inputs, backward=True, engine=engine)
    assert result.unrecognized == [], [(r.target_name, r.phase) for r in result.unrecognized]
    return result


def counted(result: FlopsResult, packet: str, phase: str = "backward") -> list[tuple[int, int]]:
    """Sorted (FLOPs, MACs) of the records of ``torch.ops.aten.<packet>`` in ``phase``."""
    return sorted(
        (r.flops, r.macs)
        for r in result.ops
        if r.phase == phase and getattr(getattr(r.target, "overloadpacket", None), "__name__", None) == packet
    )


def rand(*shape: int, grad: bool = False) -> torch.Tensor:
    x = torch.randn(shape, generator=torch.Generator().manual_seed(sum(shape)))
    return x.requires_grad_() if grad else x


# -- contractions: addbmm (and the in-place addmm_ ...), F.bilinear's _trilinear ------------------------------


def test_addbmm_sums_its_batch_of_products() -> None:
    # out [3, 4] = Σ_b batch1[b] @ batch2[b], b = 2, m = 5: every output one dot of K = b·m = 10, + the input
    m, b1, b2 = rand(3, 4), rand(2, 3, 5), rand(2, 5, 4)
    assert agree(torch.addbmm, m, b1, b2) == ((2 * 10 - 1) * 12 + 12, 10 * 12)
    # beta ∉ {0, 1}, alpha ≠ 1: the input scaled, the product scaled, then added: 3 more per output
    assert agree(lambda m, x, y: torch.addbmm(m, x, y, beta=0.5, alpha=2), m, b1, b2) == (19 * 12 + 3 * 12, 120)


def test_inplace_addmm_counts_as_addmm() -> None:
    a, b = rand(3, 5), rand(5, 4)
    assert aten_count(lambda c: c.addmm_(a, b), rand(3, 4)) == ((2 * 5 - 1) * 12 + 12, 5 * 12)
    assert aten_count(lambda c: c.baddbmm_(rand(2, 3, 5), rand(2, 5, 4), alpha=2), rand(2, 3, 4)) == (
        9 * 24 + 2 * 24,
        5 * 24,
    )


def test_bilinear_is_two_contractions() -> None:
    # x1 [8, 3], x2 [8, 4], W [5, 3, 4]: N = 8·5 outputs; x1 with W: N·I2 dots of I1 = 3, then with x2: N dots of
    # I2 = 4, then the bias (the aten level adds it with add.Tensor)
    x1, x2, w, bias = rand(8, 3), rand(8, 4), rand(5, 3, 4), rand(5)
    n = 40
    expected = ((2 * 3 - 1) * n * 4 + (2 * 4 - 1) * n + n, n * 4 * 3 + n * 4)
    assert expected == (1120, 640)
    assert agree(lambda a, c: F.bilinear(a, c, w, bias), x1, x2) == expected


def test_bilinear_backward_runs_trilinear_three_times() -> None:
    x1, x2, w = rand(8, 3, grad=True), rand(8, 4, grad=True), rand(5, 3, 4, grad=True)
    result = backward(lambda a, c, v: F.bilinear(a, c, v), x1, x2, w)
    b, o, i1, i2 = 8, 5, 3, 4
    # dx1[b, i] = Σ_{o, j} g[b, o]·W[o, i, j]·x2[b, j]: g·W per (o, b, i, j) (b·o·i1·i2 products), then b·i1 dots
    # over (o, j)
    dx1 = (b * o * i1 * i2 + (2 * o * i2 - 1) * b * i1, b * o * i1 * i2 + b * i1 * o * i2)
    # dW[o, i, j] = Σ_b x1[b, i]·g[b, o]·x2[b, j]: x1·g per (b, o, i), then o·i1·i2 dots over b
    dw = (b * o * i1 + (2 * b - 1) * o * i1 * i2, b * o * i1 + o * i1 * i2 * b)
    # dx2[b, j] = Σ_{o, i} x1[b, i]·W[o, i, j]·g[b, o]: per o, x1·W summed over i (b·i2 dots of i1), then b·i2 dots
    # over o of those times g
    dx2 = (o * b * i2 * (2 * i1 - 1) + (2 * o - 1) * b * i2, o * b * i2 * i1 + b * i2 * o)
    assert counted(result, "_trilinear") == sorted([dx1, dw, dx2]) == [(1020, 600), (1088, 640), (1416, 960)]


# -- element-wise and reductions: allclose, var_mean, std_mean, dist --------------------------------------------


def test_allclose_is_isclose_then_all() -> None:
    # n = 20 broadcast elements, b of 5: isclose as torch composes it, a == b (n), atol + |rtol·b| (3·5), |a − b|
    # (2n), isfinite of it (4n), ≤, AND, OR (3n); then all(): 19 ANDs
    n = 20
    assert agree(torch.allclose, rand(4, 5), rand(5)) == (n + 3 * 5 + 2 * n + 4 * n + 3 * n + 19, 0)
    # rtol = atol = 0: only a == b
    assert agree(lambda a, b: torch.allclose(a, b, rtol=0, atol=0), rand(4, 5), rand(5)) == (n + 19, 0)


def test_var_mean_and_std_mean() -> None:
    x = rand(4, 6)
    # var: mean (n), deviations (n), squares (n), sums and divides (n): 4n, the mean comes with it
    assert agree(lambda t: torch.var_mean(t, dim=1), x) == (4 * 24, 0)
    assert agree(lambda t: torch.var_mean(t, unbiased=False), x) == (4 * 24, 0)
    # std_mean: var_mean, then R = 4 square roots (the aten level runs var_mean and sqrt)
    assert agree(lambda t: torch.std_mean(t, dim=1), x) == (4 * 24 + 4, 0)


@pytest.mark.parametrize(("p", "norm"), [(2, 2 * 12), (1, 2 * 12 - 1), (math.inf, 2 * 12 - 1), (3, 3 * 12)])
def test_dist_is_differences_then_a_norm(p: float, norm: int) -> None:
    # n = 12 broadcast differences, then the p-norm of 12: 2: squares, adds, root; 1, ∞: |·|, 11 adds/compares; 3: 3n
    assert agree(lambda a, b: torch.dist(a, b, p), rand(3, 4), rand(4)) == (12 + norm, 0)


# -- scatters and masked indexing -------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_is_one_op_per_source_element(reduce: str) -> None:
    x, index, source = rand(5, 3), torch.tensor([0, 2, 2, 4]), rand(4, 3)
    assert agree(lambda t, s: t.index_reduce(0, index, s, reduce), x, source) == (12, 0)


@pytest.mark.filterwarnings("ignore:index_reduce")
def test_inplace_scatter_reductions() -> None:
    index = torch.tensor([[0, 1, 2], [2, 1, 0]])
    assert aten_count(lambda t: t.scatter_add_(0, index, torch.ones(2, 3)), rand(3, 3)) == (6, 0)
    assert aten_count(lambda t: t.index_reduce_(0, torch.tensor([1, 1]), rand(2, 3), "prod"), rand(3, 3)) == (6, 0)


def test_unsafe_masked_index_ops_on_the_aten_engine() -> None:
    mask = torch.tensor([[True, False, True, True], [False, True, True, False], [True, True, False, True]])
    indices = [torch.tensor([[0], [2], [4]]), torch.tensor([[1, 2, 3, 4]])]
    # where(mask, x[indices], fill): one select per output element, 3·4
    assert aten_count(lambda x: torch._unsafe_masked_index(x, mask, indices, 0.0), rand(5, 5)) == (12, 0)
    # values masked (a select each), then added into x: 2 per value
    accumulate = torch._unsafe_masked_index_put_accumulate
    assert aten_count(lambda x: accumulate(x, mask, indices, torch.ones(3, 4)), rand(5, 5)) == (24, 0)


def test_masked_scatter_backward_moves_data() -> None:
    x, source = rand(3, 4, grad=True), rand(12, grad=True)
    mask = torch.tensor([True, False, True, False]).expand(3, 4)
    result = backward(lambda a, s: a.masked_scatter(mask, s), x, source)
    assert counted(result, "masked_scatter_backward") == [(0, 0)]


# -- norms, pooling, grid sampling ------------------------------------------------------------------------------


def _batch_norm_inputs() -> tuple[torch.Tensor, ...]:
    return rand(4, 3, 5, grad=True), rand(3, grad=True), rand(3, grad=True), torch.zeros(3), torch.ones(3)


def test_batch_norm_with_update_is_the_norm_rule() -> None:
    # n = 60: subtract the mean, divide by the std, weight, bias: 4n; the default engine sees the packet, the aten
    # engine its overload: one rule for both
    x, w, b, mean, var = (t.detach() for t in _batch_norm_inputs())
    assert agree(lambda t: torch.ops.aten._batch_norm_with_update(t, w, b, mean, var, 0.1, 1e-5)[0], x) == (240, 0)
    assert agree(lambda t: torch.ops.aten._batch_norm_no_update(t, w, b, mean, var, 0.1, 1e-5)[0], x) == (240, 0)


def test_batch_norm_backward() -> None:
    x, w, b, mean, var = _batch_norm_inputs()
    n, c = 60, 3
    train = backward(lambda t, v, u: torch.ops.aten._batch_norm_with_update(t, v, u, mean, var, 0.1, 1e-5)[0], x, w, b)
    # in training dx (10 + [w])·n − 2C, dw 2n − C, db n − C
    assert counted(train, "batch_norm_backward") == [(11 * n - 2 * c + 2 * n - c + n - c, 0)]
    x, w, b, mean, var = _batch_norm_inputs()
    frozen = backward(lambda t, v, u: torch.ops.aten._batch_norm_no_update(t, v, u, mean, var, 0.1, 1e-5)[0], x, w, b)
    # with the running statistics dx = dy·w·invstd: (1 + [w])·n
    assert counted(frozen, "batch_norm_backward") == [(2 * n + 2 * n - c + n - c, 0)]


def test_fractional_max_pool() -> None:
    # a 3 × 3 window (the full window: 8 compares) per output, 2·4·4 outputs; the backward adds each gradient at its
    # maximum
    x = rand(1, 2, 9, 9, grad=True)
    pool2 = lambda t: F.fractional_max_pool2d(t, 3, output_size=4)  # noqa: E731
    assert agree(pool2, x.detach()) == (8 * 32, 0)
    assert counted(backward(pool2, x), "fractional_max_pool2d_backward") == [(32, 0)]
    x3 = rand(1, 2, 7, 7, 7, grad=True)
    pool3 = lambda t: F.fractional_max_pool3d(t, 2, output_size=(3, 3, 3))  # noqa: E731
    assert agree(pool3, x3.detach()) == (7 * 54, 0)
    assert counted(backward(pool3, x3), "fractional_max_pool3d_backward") == [(54, 0)]


GRID_2D = [("bilinear", 4, 7), ("bicubic", 16, 31), ("nearest", 1, 0)]


@pytest.mark.parametrize(("mode", "taps", "cost"), GRID_2D)
def test_grid_sample_2d_forward_and_backward(mode: str, taps: int, cost: int) -> None:
    x, grid = rand(2, 3, 5, 5, grad=True), (torch.rand(2, 4, 6, 2) * 2 - 1).requires_grad_()
    n = 2 * 3 * 4 * 6  # elements of the output (and of dy)
    sample = lambda t, g: F.grid_sample(t, g, mode=mode, align_corners=False)  # noqa: E731
    assert agree(sample, x.detach(), grid.detach()) == (cost * n, 0)  # a weighted sum of m taps: 2m − 1
    # dx: each tap's weight times dy, added into its pixel (2m; nearest: the add); d_grid: each tap's value times dy,
    # then times each of the 2 axes' weight derivative and added (m·(1 + 2·2); nearest: no gradient)
    d_input = n if mode == "nearest" else 2 * taps * n
    d_grid = 0 if mode == "nearest" else taps * 5 * n
    assert counted(backward(sample, x, grid), "grid_sampler_2d_backward") == [(d_input + d_grid, 0)]
    # only the grid requires grad: the kernel skips dx, d_grid is always computed
    assert counted(backward(sample, x.detach(), grid), "grid_sampler_2d_backward") == [(d_grid, 0)]


def test_grid_sample_3d_forward_and_backward() -> None:
    x, grid = rand(1, 2, 4, 4, 4, grad=True), (torch.rand(1, 2, 3, 3, 3) * 2 - 1).requires_grad_()
    n = 2 * 2 * 3 * 3
    sample = lambda t, g: F.grid_sample(t, g, mode="bilinear", align_corners=True)  # noqa: E731
    assert agree(sample, x.detach(), grid.detach()) == (15 * n, 0)  # trilinear: 8 taps, 2·8 − 1
    # dx 2·8, d_grid 8·(1 + 2·3)
    assert counted(backward(sample, x, grid), "grid_sampler_3d_backward") == [((16 + 56) * n, 0)]
    assert aten_count(lambda t, g: torch.grid_sampler_3d(t, g, 1, 0, False), x.detach(), grid.detach()) == (0, 0)


# -- distances' backward -----------------------------------------------------------------------------------------

# per (pair, feature): the difference recomputed (1) and the derivative of the kernel's expression
DISTANCE = [(1.0, 2), (1.5, 8), (3.0, 7), (math.inf, 5)]


@pytest.mark.parametrize(("p", "derivative"), [*DISTANCE, (2.0, 3)])
def test_cdist_backward(p: float, derivative: int) -> None:
    x1, x2 = rand(2, 3, 4, grad=True), rand(2, 5, 4, grad=True)
    result = backward(lambda a, b: torch.cdist(a, b, p, compute_mode="donot_use_mm_for_euclid_dist"), x1, x2)
    terms = 2 * 3 * 5 * 4  # pairs × features, for either input's gradient
    # each input gradient element sums its terms: T − numel(grad) adds
    expected = sorted(
        [(terms * (1 + derivative) + terms - 2 * 3 * 4, 0), (terms * (1 + derivative) + terms - 2 * 5 * 4, 0)]
    )
    assert counted(result, "_cdist_backward") == expected


def test_cdist_backward_of_the_zero_norm_is_zero() -> None:
    result = backward(lambda a, b: torch.cdist(a, b, 0.0), rand(3, 4, grad=True), rand(5, 4, grad=True))
    assert counted(result, "_cdist_backward") == [(0, 0), (0, 0)]


@pytest.mark.parametrize(("p", "derivative"), [*DISTANCE, (2.0, 3)])
def test_pdist_backward(p: float, derivative: int) -> None:
    # n = 5 rows of M = 4: 10 pairs; each term added into one row and subtracted from the other, each of the n·M
    # gradients sums n − 1 = 4 terms: 2·pairs·M − n·M adds
    result = backward(lambda a: F.pdist(a, p), rand(5, 4, grad=True))
    terms = 10 * 4
    assert counted(result, "_pdist_backward") == [(terms * (1 + derivative) + 2 * terms - 20, 0)]


# -- activations' backward ---------------------------------------------------------------------------------------


def test_shrink_and_rrelu_backward() -> None:
    x = rand(3, 4, grad=True)
    # −λ ≤ x ≤ λ ? 0 : dy: two compares per element
    assert counted(backward(F.hardshrink, x), "hardshrink_backward") == [(2 * 12, 0)]
    assert counted(backward(F.softshrink, x), "softshrink_backward") == [(2 * 12, 0)]
    # training: dy times the drawn slopes (1 where x ≥ 0); eval: leaky_relu's backward with the mean slope, 3
    rrelu = backward(lambda t: F.rrelu(t, training=True), x)
    assert counted(rrelu, "rrelu_with_noise_backward") == [(12, 0)]
    assert counted(backward(lambda t: F.rrelu(t, training=False), x), "rrelu_with_noise_backward") == [(3 * 12, 0)]


# -- sparse products ---------------------------------------------------------------------------------------------


def _csr() -> torch.Tensor:
    dense = torch.tensor([[1.0, 0, 2, 0, 0], [0, 3, 0, 0, 4], [0, 0, 0, 5, 0], [6, 0, 0, 0, 7]])
    return dense.to_sparse_csr()  # nnz = 7


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state")
def test_sparse_sampled_addmm_on_the_aten_engine() -> None:
    # beta·C + alpha·(A @ B) at C's 4 stored positions: a dot of K = 3 each, + the add of C (beta ≠ 0), the scaling
    # by alpha ≠ 1 and by beta ∉ {0, 1}
    c, a, b = torch.eye(4).to_sparse_csr(), rand(4, 3), rand(3, 4)
    assert aten_count(lambda c, a, b: torch.sparse.sampled_addmm(c, a, b), c, a, b) == (5 * 4 + 4, 3 * 4)
    scaled = lambda c, a, b: torch.sparse.sampled_addmm(c, a, b, beta=0.5, alpha=2.0)  # noqa: E731
    assert aten_count(scaled, c, a, b) == (5 * 4 + 3 * 4, 3 * 4)


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state")
@pytest.mark.parametrize(
    ("reduce", "expected"), [("sum", (35 + 42, 42)), ("mean", (35 + 7 + 42 + 7, 42)), ("amax", (48, 0))]
)
def test_sparse_mm_reduce_backward(reduce: str, expected: tuple[int, int]) -> None:
    # S [4, 5] with nnz = 7 stored values, W [5, 3], dy [4, 3]. sum: d_S a dot of K = 3 per stored value (7·5 FLOPs,
    # 21 MACs), d_W = Sᵀ·dy (2·7·3, 21 MACs); mean: + 7 divides each; amax: a multiply and an add per element of dy
    # for each gradient (2·12·2)
    s, w = _csr().requires_grad_(), rand(5, 3, grad=True)
    result = backward(lambda a, b: torch.sparse.mm(a, b, reduce), s, w, engine="aten")
    assert counted(result, "_sparse_mm_reduce_impl_backward") == [expected]


# -- the chunked linear_cross_entropy ----------------------------------------------------------------------------


def _chunked(reduction: str = "mean") -> Callable[..., torch.Tensor]:
    from torch.nn.modules.linear_cross_entropy_options import LinearCrossEntropyOptions

    options = LinearCrossEntropyOptions(batch_chunk_size=2)
    target = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3])
    return lambda x, w: F.linear_cross_entropy(x, w, target, reduction=reduction, options=options)


def test_linear_cross_entropy_chunked_forward() -> None:
    # rows = 8, C = 4, K = 3: the linear to M = 32 logits ((2K − 1)·M, MACs K·M), log_softmax 3M, the mean of 8
    x, w = rand(8, 3), rand(4, 3)
    assert agree(_chunked(), x, w) == (5 * 32 + 3 * 32 + 8, 3 * 32)
    assert agree(_chunked("none"), x, w) == (5 * 32 + 3 * 32, 3 * 32)


def test_linear_cross_entropy_chunked_precomputes_the_gradients() -> None:
    # on the grad path the chunked op computes the gradients in its forward: dlogits (softmax·w: M + rows), d_input
    # = dlogits @ W (rows·K dots of C) and d_weight = dlogitsᵀ @ x (C·K dots of rows), each with the target rows'
    # correction (a multiply and an add per row and feature); its backward only scales them by dy
    rows, c, k = 8, 4, 3
    result = backward(_chunked(), rand(8, 3, grad=True), rand(4, 3, grad=True), engine="aten")
    loss = 5 * 32 + 3 * 32 + 8
    d_logits = 32 + rows
    d_input = (2 * c - 1) * rows * k + 2 * rows * k
    d_weight = (2 * rows - 1) * c * k + 2 * rows * k
    (op,) = [r for r in result.ops if r.phase == "forward" and "linear_cross_entropy" in r.target_name]
    assert (op.flops, op.macs) == (loss + d_logits + d_input + d_weight, 3 * 32 * 3)
    assert sum(r.flops for r in result.ops if r.phase == "backward") == rows * k + c * k  # gi·dy, gw·dy


# -- the default engine: needs the functional patch (see the module docstring) -----------------------------------


def test_unsafe_masked_index_agrees() -> None:
    mask = torch.tensor([[True, False, True, True], [False, True, True, False], [True, True, False, True]])
    indices = [torch.tensor([[0], [2], [4]]), torch.tensor([[1, 2, 3, 4]])]
    assert agree(lambda x: torch._unsafe_masked_index(x, mask, indices, 0.0), rand(5, 5)) == (12, 0)
    accumulate = torch._unsafe_masked_index_put_accumulate
    assert agree(lambda x: accumulate(x, mask, indices, torch.ones(3, 4)), rand(5, 5)) == (24, 0)


def test_chunk_cat_moves_data() -> None:
    assert agree(lambda a, b: torch._chunk_cat([a, b], 0, 2), rand(4, 3), rand(6, 3)) == (0, 0)


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta state")
def test_sparse_sampled_addmm_agrees() -> None:
    c, a, b = torch.eye(4).to_sparse_csr(), rand(4, 3), rand(3, 4)
    assert agree(lambda c, a, b: torch.sparse.sampled_addmm(c, a, b), c, a, b) == (5 * 4 + 4, 3 * 4)


def test_nuclear_norm_counts_the_singular_values_and_their_sum() -> None:
    # torch.norm(A, 'nuc') = Σ σ: the aten level runs _linalg_svd and a sum; off the grad path the default engine
    # counts the values only (as linalg.svdvals: the one documented disagreement of the linear algebra family)
    x = rand(2, 6, 4)
    values = count_flops(lambda t: torch.linalg.svdvals(t), x)
    nuc = count_flops(lambda t: torch.norm(t, "nuc", dim=(1, 2)), x)
    assert nuc.unrecognized == []
    assert (nuc.total, nuc.total_macs) == (values.total + 2 * 3, values.total_macs)  # 2 matrices, 4 values each
    svd = count_flops(lambda t: torch.linalg.svdvals(t), x, engine="aten")
    assert aten_count(lambda t: torch.norm(t, "nuc", dim=(1, 2)), x) == (svd.total + 2 * 3, svd.total_macs)
