"""Rules whose formulas go beyond + − · // stay symbolic: sorts and searches (⌈log2 N⌉), losses that broadcast their
inputs, and losses over a data-dependent number of elements. Each formula is checked against one written here and
against concrete counts at sizes that were not used to build it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from torch_flops_core import count_flops
from torch_flops_core.expressions import polynomial, readable, size_symbol
from torch_flops_core.shapes import ceil_log2

N, B = size_symbol("N"), size_symbol("B")
LENGTHS = [3, 8, 9, 17, 1000]


def _ceil_log2(n: int) -> int:
    """⌈log2 n⌉ by doubling: the test's own, no bit tricks."""
    k, power = 0, 1
    while power < n:
        k, power = k + 1, power * 2
    return k


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 1023, 1024, 1025, 2**53 + 1])
def test_ceil_log2_is_exact_on_ints(n: int) -> None:
    assert ceil_log2(n) == _ceil_log2(n)  # 2**53 + 1: math.log2 rounds it to 53, the answer is 54


SORTS: dict[str, Callable[[torch.Tensor], object]] = {
    "sort": lambda x: torch.sort(x, -1)[0],
    "argsort": lambda x: torch.argsort(x, -1),
    "median": lambda x: torch.median(x, -1)[0],
    "topk": lambda x: torch.topk(x, 3, -1)[0],
}


@pytest.mark.parametrize("engine", ["eager", "aten"])
@pytest.mark.parametrize("op", list(SORTS))
def test_a_sort_of_rows_of_n_is_rows_times_n_times_ceil_log2_n(op: str, engine: str) -> None:
    fn = SORTS[op]
    result = count_flops(fn, torch.randn(4, 10), dims={"x": {1: "N"}}, engine=engine)
    assert not result.unrecognized
    assert "⌈log2 N⌉" in result.formula()
    for n in LENGTHS:
        concrete = count_flops(fn, torch.randn(4, n), engine=engine)
        assert result.evaluate(N=n).total == concrete.total, n
    if op in ("sort", "argsort") and engine == "eager":
        assert result.evaluate(N=1000).total == 4 * 1000 * _ceil_log2(1000)  # n·⌈log2 S⌉, written here


def test_a_loss_that_broadcasts_its_inputs_keeps_the_batch_symbolic() -> None:
    result = count_flops(
        F.mse_loss, torch.randn(4, 10), torch.randn(4, 10), dims={"input": {0: "B"}, "target": {0: "B"}}
    )
    # (x − y)², two FLOPs an element, and the mean over the 10·B elements: 10·B
    assert result.total == 2 * 10 * B + 10 * B
    for b in (2, 7, 33):
        assert result.evaluate(B=b).total == count_flops(F.mse_loss, torch.randn(b, 10), torch.randn(b, 10)).total


def test_a_loss_over_a_mask_counts_with_the_unknown_number_of_rows() -> None:
    def masked(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        keep = y > 0
        return F.nll_loss(x[keep], y[keep])

    x, y = torch.randn(6, 10), torch.tensor([0, 3, 0, 4, 5, 0])
    result = count_flops(masked, x, y, dims={"x": {0: "B"}, "y": {0: "B"}})
    assert set(result.unknowns) == {"getitem"}  # the rows x[keep] (and y[keep], the same mask): data-dependent
    concrete = count_flops(masked, x, y)
    assert result.evaluate(B=6, getitem=3).total == concrete.total


def test_readable_writes_floors_logs_and_relations_as_people_do() -> None:
    import sympy
    from torch.utils._sympy.functions import FloorDiv, PythonMod

    H = size_symbol("H")
    assert readable(sympy.Ne(FloorDiv(H - 1, 2) + 1, 1)) == "⌊(H − 1)/2⌋ + 1 ≠ 1"
    assert readable(sympy.Eq(PythonMod(H, 32), 0)) == "H mod 32 = 0"
    assert readable(sympy.Le(64 * FloorDiv(H - 1, 4), 100)) == "64·⌊(H − 1)/4⌋ ≤ 100"
    assert polynomial(3 * N * ceil_log2_of(N) + 2 * N) == "3·⌈log2 N⌉·N + 2·N"


def ceil_log2_of(n: object) -> object:
    from torch_flops_core.expressions import ceil_log2_function

    return ceil_log2_function()(n)


def _landed(size_in: int, size_out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output positions of a transposed window that receive a product, by listing them (the test's own)."""
    return len(
        {i * stride - padding + j * dilation for i in range(size_in) for j in range(kernel)} & set(range(size_out))
    )


def test_covered_positions_in_closed_form_are_the_positions_listed() -> None:
    from torch_flops_core.formulas import covered

    for size_in in range(1, 12):
        for kernel in range(1, 5):
            for stride in range(1, 6):
                for padding in range(0, 4):
                    for size_out in range(1, size_in * stride + kernel + 2):
                        expected = _landed(size_in, size_out, kernel, stride, padding, 1)
                        assert covered(size_in, size_out, kernel, stride, padding, 1) == expected, (
                            size_in, size_out, kernel, stride, padding,
                        )  # fmt: skip


@pytest.mark.slow
def test_a_strided_1x1_convolution_s_backward_stays_symbolic() -> None:
    """ResNet's downsample (1×1, stride 2): the input gradient lands on every other position, ⌈H/2⌉·⌈W/2⌉ of them,
    which the count kept exact in H and W (it was fixed at the example's size, and wrong elsewhere)."""
    conv = torch.nn.Conv2d(8, 16, 1, stride=2, bias=False)
    result = count_flops(conv, torch.randn(2, 8, 16, 16), dims={"input": {2: "H", 3: "W"}}, backward=True)
    assert not any("=" in g and "≠" not in g and "≤" not in g and "≥" not in g for g in result.guards)
    for h, w in [(16, 16), (17, 9), (33, 64), (5, 7), (100, 31)]:
        concrete = count_flops(conv, torch.randn(2, 8, h, w), backward=True)
        assert result.evaluate(H=h, W=w).total == concrete.total, (h, w)
        assert result.evaluate(H=h, W=w).total_by_phase == concrete.total_by_phase, (h, w)


@pytest.mark.parametrize("module", [torch.nn.PairwiseDistance(), torch.nn.CosineSimilarity(dim=1)], ids=type)
def test_distances_between_broadcast_inputs_keep_the_batch_symbolic(module: torch.nn.Module) -> None:
    result = count_flops(module, torch.randn(4, 10), torch.randn(4, 10), dims={"x1": {0: "B"}, "x2": {0: "B"}})
    for b in (2, 7, 31):
        assert result.evaluate(B=b).total == count_flops(module, torch.randn(b, 10), torch.randn(b, 10)).total


def test_broadcast_sizes_are_torch_s_on_ints() -> None:
    from torch_flops_core.shapes import broadcast_sizes

    for a, b in [((3, 1), (1, 4)), ((5,), (2, 1, 5)), ((0, 1), (1, 3)), ((), (2, 3)), ((1, 1), (1,)), ((4, 0), (1, 0))]:
        assert broadcast_sizes(a, b) == list(torch.broadcast_shapes(a, b)), (a, b)
