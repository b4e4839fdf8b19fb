"""FFTs, stft/istft and the spectral factories, in the functional and the aten packs.

The convention (docs/conventions.md): a radix-2 complex FFT of length L costs 5·L·log2 L real FLOPs; a signal
of n elements transformed over dims of sizes L_d costs 5·n·Σ log2 L_d = 5·n·log2 Π L_d; a real input or output
halves it (n = numel of the real signal); the sum is rounded up once. A normalisation that scales (1/P or 1/√P)
adds one multiply per real number: 2n for n complex elements, n for n real ones. Every expected value below is
written out from that; each function is also counted by both engines, which must agree.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from helpers import agree, both, calls

from torch_flops_core import count_flops


def complex_fft(n: int, *lengths: int) -> int:
    """5·n·log2 Π L, rounded up (the convention, written here by hand)."""
    return math.ceil(5 * n * math.log2(math.prod(lengths)))


def real_fft(n: int, *lengths: int) -> int:
    """2.5·n·log2 Π L, rounded up."""
    return math.ceil(2.5 * n * math.log2(math.prod(lengths)))


XR = (4, 6, 16)  # n = 384
N = 384


def real() -> torch.Tensor:
    return torch.randn(XR)


def cplx() -> torch.Tensor:
    return torch.randn(XR, dtype=torch.complex64)


# ---------------------------------------------------------------------------------------------
# The aten ops, by hand
# ---------------------------------------------------------------------------------------------


def test_fft_c2c_by_hand() -> None:
    x = cplx()
    aten = torch.ops.aten._fft_c2c
    assert count_flops(lambda x: aten(x, [2], 0, True), x, engine="aten").total == 5 * N * 4  # log2 16 = 4
    assert count_flops(lambda x: aten(x, [1, 2], 0, True), x, engine="aten").total == complex_fft(N, 6, 16)
    # normalization 1 (1/√P) or 2 (1/P): a complex times a real factor is 2 real multiplies
    for mode in (1, 2):
        scaled = functools.partial(aten, dim=[2], normalization=mode, forward=False)
        assert count_flops(scaled, x, engine="aten").total == 5 * N * 4 + 2 * N


def test_fft_r2c_and_c2r_by_hand() -> None:
    x = real()
    r2c, c2r = torch.ops.aten._fft_r2c, torch.ops.aten._fft_c2r
    assert count_flops(lambda x: r2c(x, [2], 0, True), x, engine="aten").total == 2.5 * N * 4
    assert count_flops(lambda x: r2c(x, [2], 0, False), x, engine="aten").total == 2.5 * N * 4  # full spectrum
    assert count_flops(lambda x: r2c(x, [2], 1, True), x, engine="aten").total == 2.5 * N * 4 + N
    half = torch.randn(4, 6, 9, dtype=torch.complex64)
    # c2r: the real output of 4·6·16 is the signal
    assert count_flops(lambda h: c2r(h, [2], 2, 16), half, engine="aten").total == 2.5 * N * 4 + N
    assert count_flops(lambda h: c2r(h, [1, 2], 0, 16), half, engine="aten").total == real_fft(N, 6, 16)


def test_lengths_that_are_not_powers_of_two_keep_the_real_valued_log() -> None:
    x = torch.randn(2, 12)
    # ⌈2.5·24·log2 12⌉ = ⌈215.09...⌉ = 216: rounded up once, at the end
    assert agree(torch.fft.rfft, x) == 216
    y = torch.randn(6, 10, dtype=torch.complex64)
    # over two dims the logs add: ⌈5·60·(log2 6 + log2 10)⌉ = ⌈5·60·log2 60⌉ = ⌈1772.1⌉ = 1773
    assert agree(torch.fft.fft2, y) == math.ceil(5 * 60 * (math.log2(6) + math.log2(10))) == 1773


def test_a_transform_of_length_one_is_the_identity() -> None:
    assert agree(lambda x: torch.fft.fft(x, dim=0), torch.randn(1, 5, dtype=torch.complex64)) == 0
    assert agree(lambda x: torch.fft.ifft(x, dim=0), torch.randn(1, 5, dtype=torch.complex64)) == 0  # scale 1/1


# ---------------------------------------------------------------------------------------------
# torch.fft functions, by hand
# ---------------------------------------------------------------------------------------------


def test_fft_of_real_and_complex_inputs() -> None:
    # fft of a real input runs r2c (the other half of the spectrum filled by symmetry): halved
    assert agree(torch.fft.fft, real()) == 2.5 * N * 4
    assert agree(torch.fft.fft, cplx()) == 5 * N * 4
    # ifft scales by 1/L by default; norm="forward" moves the scale to the forward transform
    assert agree(torch.fft.ifft, cplx()) == 5 * N * 4 + 2 * N
    assert agree(lambda x: torch.fft.ifft(x, norm="forward"), cplx()) == 5 * N * 4
    assert agree(lambda x: torch.fft.fft(x, norm="forward"), cplx()) == 5 * N * 4 + 2 * N
    assert agree(lambda x: torch.fft.fft(x, norm="ortho"), real()) == 2.5 * N * 4 + N
    assert agree(torch.fft.ifft, real()) == 2.5 * N * 4 + N  # r2c, conjugated (a view)


def test_fft2_and_fftn_of_a_real_input_run_a_complex_fft() -> None:
    # ATen makes the input complex and runs c2c: the full 5·n·log2 P
    assert agree(torch.fft.fft2, real()) == complex_fft(N, 6, 16)
    assert agree(torch.fft.fftn, real()) == complex_fft(N, 4, 6, 16)
    assert agree(lambda x: torch.fft.ifftn(x, dim=(0, 2)), cplx()) == complex_fft(N, 4, 16) + 2 * N


def test_n_and_s_pad_or_trim_the_signal() -> None:
    x = real()
    # rfft(n=20): the signal is 4·6·20 = 480 reals
    assert agree(lambda x: torch.fft.rfft(x, n=20), x) == real_fft(480, 20)
    # fft(n=7, dim=0) of a real input: a real signal of 7·6·16 = 672
    assert agree(lambda x: torch.fft.fft(x, n=7, dim=0), x) == real_fft(672, 7)
    # fftn(s=(5, 9)) over the last two dims: 4·5·9 = 180 complex elements
    assert agree(lambda x: torch.fft.fftn(x, s=(5, 9)), x) == complex_fft(180, 5, 9)
    # rfftn(s=(5, 9)): a real signal of 180, transformed over (5, 9)
    assert agree(lambda x: torch.fft.rfftn(x, s=(5, 9)), x) == real_fft(180, 5, 9)


def test_irfft_counts_its_real_output() -> None:
    # irfft of 16 complex bins: 2·(16 − 1) = 30 real outputs per row, 720 in all, scaled by 1/30 by default
    assert agree(torch.fft.irfft, cplx()) == real_fft(720, 30) + 720
    assert agree(lambda x: torch.fft.irfft2(x, norm="forward"), cplx()) == real_fft(720, 6, 30)
    assert agree(lambda x: torch.fft.irfftn(x, s=(5, 9)), cplx()) == real_fft(180, 5, 9) + 180


def test_rfft2_halves_the_last_of_the_given_dims() -> None:
    x = real()
    assert agree(lambda x: torch.fft.rfft2(x, dim=(-1, -2)), x) == real_fft(N, 16, 6)


def test_hfft2_is_a_complex_fft_of_the_leading_dims_then_a_real_one() -> None:
    x = cplx()  # a half spectrum: the output has 2·(16 − 1) = 30 per row
    c2c = complex_fft(N, 6)  # over dim 1 of the 4·6·16 complex input
    c2r = real_fft(720, 30)  # over the last dim, 4·6·30 real outputs
    assert agree(torch.fft.hfft2, x) == c2c + c2r
    # norm="forward" scales both: 2 per complex element, 1 per real one
    assert agree(lambda x: torch.fft.hfft2(x, norm="forward"), x) == c2c + 2 * N + c2r + 720
    assert agree(torch.fft.hfft, x) == c2r  # 1-d: the c2r alone


def test_ihfft2_is_a_real_fft_a_conjugate_then_a_complex_fft() -> None:
    x = real()
    half = 4 * 6 * 9  # 16 reals → 9 bins per row
    r2c = real_fft(N, 16) + N  # scaled by 1/16 (an inverse transform)
    conj = half  # conj_physical: one op per element (POINTWISE_COSTS)
    c2c = complex_fft(half, 6) + 2 * half
    assert agree(torch.fft.ihfft2, x) == r2c + conj + c2c
    assert agree(torch.fft.ihfft, x) == r2c  # 1-d: conjugated as a view


def test_shifts_frequencies_and_windows_are_free() -> None:
    x = real()
    fns = [
        lambda x: torch.fft.fftshift(x),
        lambda x: torch.fft.ifftshift(x, dim=(0, 1)),
        lambda x: torch.fft.fftfreq(8),
        lambda x: torch.fft.rfftfreq(8, d=0.5),
        lambda x: torch.hann_window(8),
        lambda x: torch.hamming_window(8, periodic=False),
        lambda x: torch.blackman_window(8),
        lambda x: torch.bartlett_window(8),
        lambda x: torch.kaiser_window(8, True, 5.0),
    ]
    for fn in fns:
        assert agree(fn, x) == 0
        assert both(fn, x).total == 0


# ---------------------------------------------------------------------------------------------
# Every torch.fft function, every norm, real and complex input: both engines agree
# ---------------------------------------------------------------------------------------------

REAL_ONLY = {"rfft", "rfft2", "rfftn", "ihfft", "ihfft2", "ihfftn"}
FUNCTIONS = [
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
    "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn",
]  # fmt: skip


@pytest.mark.parametrize("norm", [None, "backward", "forward", "ortho"])
@pytest.mark.parametrize(
    ("name", "dtype"),
    [(f, d) for f in FUNCTIONS for d in (torch.float32, torch.complex64) if not (f in REAL_ONLY and d.is_complex)],
)
def test_every_fft_function_agrees_with_the_aten_count(name: str, dtype: torch.dtype, norm: str | None) -> None:
    fn = getattr(torch.fft, name)
    x = torch.randn(3, 5, 8, dtype=dtype)
    total = agree(lambda x: fn(x, norm=norm), x)
    assert total > 0
    assert both(lambda x: fn(x, norm=norm), x).total == total  # fx and eager


@pytest.mark.parametrize(
    "fn",
    [
        pytest.param(lambda x: torch.fft.fft(x, n=5, dim=1), id="fft-n"),
        pytest.param(lambda x: torch.fft.ifft2(x, s=(3, 10), dim=(0, 2)), id="ifft2-s-dim"),
        pytest.param(lambda x: torch.fft.hfftn(x, s=(2, 4, 9)), id="hfftn-s"),
        pytest.param(lambda x: torch.fft.hfftn(x, dim=-1), id="hfftn-one-dim"),
        pytest.param(lambda x: torch.fft.ihfftn(x.real, s=(4, 7), norm="ortho"), id="ihfftn-s"),
        pytest.param(lambda x: torch.fft.ihfft2(x.real, dim=(-1, -2)), id="ihfft2-reversed"),
        pytest.param(lambda x: torch.fft.irfftn(x, dim=(0, 2), norm="forward"), id="irfftn-dim"),
        pytest.param(lambda x: torch.fft.rfftn(x.real, s=(-1, 12)), id="rfftn-s-minus-one"),
    ],
)
def test_sizes_and_dims_agree_with_the_aten_count(fn: Callable[[torch.Tensor], Any]) -> None:
    assert agree(fn, torch.randn(3, 5, 8, dtype=torch.complex64)) > 0


def test_fft_on_meta_agrees() -> None:
    x = torch.randn(4, 6, 16, device="meta")
    assert agree(lambda x: torch.fft.rfft2(x, norm="ortho"), x) == real_fft(N, 6, 16) + N
    assert agree(torch.fft.ihfftn, x) > 0


def test_the_backward_of_an_fft_is_counted() -> None:
    x = torch.randn(4, 16, requires_grad=True)
    result = count_flops(lambda x: torch.fft.rfft(x, norm="ortho").abs().sum(), x, backward=True)
    assert result.unrecognized == []
    ffts = [r for r in calls(result) if r.phase == "backward" and "_fft_" in r.target_name]
    # rfft's gradient: a complex FFT of the zero-padded full spectrum, 4·16 complex elements, scaled by 1/√16
    assert [r.flops for r in ffts] == [5 * 64 * 4 + 2 * 64]


# ---------------------------------------------------------------------------------------------
# stft and istft
# ---------------------------------------------------------------------------------------------


def test_stft_by_hand() -> None:
    x = torch.randn(3, 40)
    window = torch.hann_window(8)
    # center pads 4 on each side: 48 samples, hop 2 → F = 1 + (48 − 8)/2 = 21 frames of 8, 3 signals
    frames = 3 * 21
    expected = frames * 8 + real_fft(frames * 8, 8)  # window multiply, then a real FFT of each frame
    fn = lambda x: torch.stft(x, 8, hop_length=2, window=window, return_complex=True)  # noqa: E731
    assert agree(fn, x) == expected
    # normalized: scaled by 1/√8, one multiply per real sample; no window: no multiply
    fn = lambda x: torch.stft(x, 8, hop_length=2, return_complex=True, normalized=True)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns about the rectangular window
        assert agree(fn, x) == real_fft(frames * 8, 8) + frames * 8


def test_stft_of_a_complex_signal_runs_a_complex_fft() -> None:
    x = torch.randn(40, dtype=torch.complex64)
    window = torch.hann_window(8)
    frames = 1 + (48 - 8) // 2  # centre padding 4 + 4, hop n_fft // 4 = 2
    expected = frames * 8 + complex_fft(frames * 8, 8)
    assert agree(lambda x: torch.stft(x, 8, window=window, return_complex=True), x) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"hop_length": 3, "win_length": 6, "pad_mode": "constant", "onesided": False}, id="win6-hop3"),
        pytest.param({"center": False, "normalized": True}, id="no-center-normalized"),
        pytest.param({"return_complex": False}, id="real-view"),
        pytest.param({"window_dtype": torch.complex64}, id="complex-window"),
    ],
)
def test_stft_agrees_with_the_aten_count(kwargs: dict[str, Any]) -> None:
    kwargs = dict(kwargs)
    win_length = kwargs.get("win_length", 8)
    window = torch.hann_window(win_length).to(kwargs.pop("window_dtype", torch.float32))
    fn = lambda x: torch.stft(x, 8, window=window, **{"return_complex": True, **kwargs})  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # return_complex=False is deprecated
        assert agree(fn, torch.randn(2, 50)) > 0
        assert agree(lambda x: x.stft(8, window=window, **{"return_complex": True, **kwargs}), torch.randn(50)) > 0


def test_istft_by_hand() -> None:
    window = torch.hann_window(8)
    spec = torch.stft(torch.randn(3, 40), 8, hop_length=2, window=window, return_complex=True)  # 3 × 5 bins × 21
    batch, frames, n_fft, hop = 3, 21, 8, 2
    values = batch * frames * n_fft  # 504 frame samples
    expected_len = n_fft + hop * (frames - 1)  # 48 samples before trimming the centre padding
    kept = expected_len - 2 * (n_fft // 2)  # 40
    expected = (
        real_fft(values, n_fft) + values  # inverse real FFT of each frame, scaled by 1/8
        + values  # window multiply
        + (values - batch * expected_len)  # overlap-add: each position sums its contributions
        + n_fft  # window²
        + (frames * n_fft - expected_len)  # overlap-add of the envelope
        + kept + (kept - 1) + 1 + 1  # the envelope check: |e|, its min, < 1e-11, the truth value (equal)
        + batch * kept  # divide by the envelope
    )  # fmt: skip
    assert agree(lambda s: torch.istft(s, 8, hop_length=2, window=window), spec) == expected


@pytest.mark.parametrize(
    ("stft_kwargs", "istft_kwargs"),
    [
        pytest.param({}, {"length": 60}, id="length-past-the-end"),
        pytest.param({"center": False}, {"center": False, "length": 10}, id="no-center-short"),
        pytest.param({"onesided": False, "normalized": True}, {"onesided": False, "normalized": True}, id="full"),
        pytest.param({"onesided": False}, {"onesided": False, "return_complex": True}, id="complex"),
        pytest.param({"hop_length": 4}, {"hop_length": 4, "window": None}, id="no-window"),
    ],
)
def test_istft_agrees_with_the_aten_count(stft_kwargs: dict[str, Any], istft_kwargs: dict[str, Any]) -> None:
    window = torch.hamming_window(8)  # nonzero at its ends: the envelope passes the check without centring
    stft_kwargs = {"hop_length": 2, "window": window, "return_complex": True, **stft_kwargs}
    istft_kwargs = {"hop_length": 2, "window": window, **istft_kwargs}
    if istft_kwargs["window"] is None:
        stft_kwargs["window"] = torch.ones(8)
    for signal in (torch.randn(3, 40), torch.randn(40)):
        spec = torch.stft(signal, 8, **stft_kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            assert agree(lambda s: torch.istft(s, 8, **istft_kwargs), spec) > 0
            assert agree(lambda s: s.istft(8, **istft_kwargs), spec) > 0


def test_unfold_backward_is_an_overlap_add() -> None:
    # frames of 4 every 3 into 11 positions: frames start at 0, 3, 6 and reach 0..9 (10 covered), 2 rows
    grad = torch.randn(2, 3, 4)
    op = torch.ops.aten.unfold_backward
    assert count_flops(lambda g: op(g, [2, 11], 1, 4, 3), grad, engine="aten").total == 2 * (3 * 4 - 10)
    # frames of 2 every 3: gaps, nothing overlaps, no add
    assert count_flops(lambda g: op(g, [2, 9], 1, 2, 3), torch.randn(2, 3, 2), engine="aten").total == 0
