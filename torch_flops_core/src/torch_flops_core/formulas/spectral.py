"""Formulas of the spectral family: FFTs, their normalisation, short-time Fourier transforms, overlap-add.

A radix-2 complex FFT of length L costs 5·L·log2 L real FLOPs (L/2·log2 L butterflies, each a complex
multiply, 6, and two complex adds, 4). Over the transformed dims of sizes L_d of a signal of n elements
(batch dims included) that is Σ_d 5·n·log2 L_d = 5·n·log2 P, P = Π L_d; a real input or output halves it,
2.5·n·log2 P with n the numel of the real signal. A length that is not a power of two keeps the formula,
with the real-valued log2; the sum is rounded up once, at the end. ``docs/conventions.md`` states each formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from ..shapes import at_least, at_most
from .convolutions import covered
from .costs import POINTWISE_COSTS

__all__ = [
    "FFT_COMPLEX", "FFT_REAL", "NORM_BY_N", "NORM_BY_ROOT_N", "NORM_NONE", "fft_c2c", "fft_real", "hfftn",
    "ihfftn", "istft", "nola_check", "norm_mode", "overlap_add", "stft", "tensor_equal",
]  # fmt: skip

FFT_COMPLEX: Final = 5.0
"""FLOPs per element and per log2 of the length of a complex FFT (radix-2: 5·n·log2 L)."""
FFT_REAL: Final = 2.5
"""FLOPs per real element and per log2 of the length of an FFT with real input or output (half the complex one)."""

NORM_NONE: Final = 0
NORM_BY_ROOT_N: Final = 1
NORM_BY_N: Final = 2
"""ATen's ``fft_norm_mode``, the ``normalization`` argument of ``_fft_c2c``/``_fft_r2c``/``_fft_c2r``."""


def norm_mode(norm: str | None, forward: bool) -> int:
    """ATen's normalisation of a ``torch.fft`` call: ``"ortho"`` 1/√P; ``"forward"`` 1/P forward, none inverse;
    ``"backward"``/``None`` none forward, 1/P inverse (0 none, 1 by √P, 2 by P)."""
    if norm == "ortho":
        return NORM_BY_ROOT_N
    if norm == "forward":
        return NORM_BY_N if forward else NORM_NONE
    return NORM_NONE if forward else NORM_BY_N


def _transform(per_element: float, n: int, lengths: Sequence[int]) -> int:
    size = math.prod(lengths)
    if n <= 0 or size <= 1:
        return 0
    return math.ceil(per_element * n * math.log2(size))


def fft_c2c(n: int, lengths: Sequence[int], normalization: int = NORM_NONE) -> int:
    """A complex FFT of n complex elements over dims of sizes L_d: ⌈5·n·log2 Π L_d⌉, + 2n real multiplies when a
    scale ≠ 1 is applied (normalization 1 or 2 and Π L_d > 1: a complex number times a real factor is 2)."""
    scaled = normalization != NORM_NONE and n > 0 and math.prod(lengths) > 1
    return _transform(FFT_COMPLEX, n, lengths) + (2 * n if scaled else 0)


def fft_real(n: int, lengths: Sequence[int], normalization: int = NORM_NONE) -> int:
    """An FFT with real input (r2c) or output (c2r) of n real elements over dims of sizes L_d: ⌈2.5·n·log2 Π L_d⌉,
    + n multiplies when a scale ≠ 1 is applied (normalization 1 or 2 and Π L_d > 1: one per real number)."""
    scaled = normalization != NORM_NONE and n > 0 and math.prod(lengths) > 1
    return _transform(FFT_REAL, n, lengths) + (n if scaled else 0)


def hfftn(out_shape: Sequence[int], dims: Sequence[int], normalization: int = NORM_NONE) -> int:
    """hfft2/hfftn of a real output of ``out_shape``: c2c over ``dims[:-1]`` of the half spectrum (L//2 + 1 along
    the last dim of length L), then c2r over ``dims[-1]`` (:func:`fft_c2c` + :func:`fft_real`, each scaled)."""
    last = dims[-1]
    half = list(out_shape)
    half[last] = out_shape[last] // 2 + 1
    leading = fft_c2c(math.prod(half), [half[d] for d in dims[:-1]], normalization) if len(dims) > 1 else 0
    return leading + fft_real(math.prod(out_shape), [out_shape[last]], normalization)


def ihfftn(signal_shape: Sequence[int], dims: Sequence[int], normalization: int = NORM_NONE) -> int:
    """ihfft2/ihfftn of a real signal of ``signal_shape``: r2c over ``dims[-1]``; with more dims, a physical
    conjugate of the half spectrum (``POINTWISE_COSTS['conj_physical']`` per element) and c2c over the others."""
    last = dims[-1]
    flops = fft_real(math.prod(signal_shape), [signal_shape[last]], normalization)
    if len(dims) > 1:
        half = list(signal_shape)
        half[last] = signal_shape[last] // 2 + 1
        m = math.prod(half)
        flops += POINTWISE_COSTS["conj_physical"] * m + fft_c2c(m, [half[d] for d in dims[:-1]], normalization)
    return flops


def overlap_add(rows: int, frames: int, size: int, step: int, length: int) -> int:
    """Overlap-add (``unfold_backward``) of ``frames`` frames of ``size`` every ``step`` into ``length`` positions,
    for ``rows`` rows: rows·(frames·size − covered) adds, covered = the positions a frame reaches (each position
    sums its contributions; the first one is a copy)."""
    reached = covered(frames, length, size, step, 0, 1)
    return at_least(rows * (frames * size - reached), 0)


def tensor_equal(n: int) -> int:
    """``equal(a, b)`` of n elements each: n compares + n − 1 ANDs = 2n − 1 (0 when empty)."""
    return at_least(2 * n - 1, 0)


def nola_check(length: int) -> int:
    """istft's check that the window envelope of ``length`` is nonzero: |e| (length), min (length − 1), ``< 1e-11``
    (1), its truth value (``equal`` of one element, 1) = 2·length + 1."""
    return length + at_least(length - 1, 0) + 1 + tensor_equal(1)


def stft(frames: int, n_fft: int, windowed: bool, complex_signal: bool, normalized: bool) -> int:
    """``frames`` frames (batch × frames per signal) of n_fft: the window multiply frames·n_fft (with a window),
    then an FFT of length n_fft of each: complex ``fft_c2c`` or real ``fft_real``, scaled by 1/√n_fft when
    ``normalized``."""
    n = frames * n_fft
    mode = NORM_BY_ROOT_N if normalized else NORM_NONE
    transform = fft_c2c(n, [n_fft], mode) if complex_signal else fft_real(n, [n_fft], mode)
    return (n if windowed else 0) + transform


def istft(
    batch: int, frames: int, n_fft: int, hop: int, out_len: int, center: bool, complex_output: bool, normalized: bool
) -> int:
    """The inverse STFT of ``batch`` signals of ``frames`` frames, as ATen runs it (its op sequence):

    inverse FFT of each frame, B·F·n_fft values (complex ``fft_c2c`` with ``return_complex``, else ``fft_real``;
    scaled by 1/n_fft, or 1/√n_fft when ``normalized``); the window multiply B·F·n_fft; overlap-add of the frames
    into E = n_fft + hop·(F − 1) positions; the squared window n_fft and its overlap-add (the envelope); then on the
    U = min(out_len, E − start) kept positions (start = n_fft//2 when ``center``): the envelope check
    (:func:`nola_check`) and the divide B·U. Padding past E (``length`` > E − start) is free.
    """
    n = batch * frames * n_fft
    mode = NORM_BY_ROOT_N if normalized else NORM_BY_N
    transform = fft_c2c(n, [n_fft], mode) if complex_output else fft_real(n, [n_fft], mode)
    expected = n_fft + hop * (frames - 1)
    start = n_fft // 2 if center else 0
    kept = at_least(at_most(out_len, expected - start), 0)
    return (
        transform
        + n
        + overlap_add(batch, frames, n_fft, hop, expected)
        + n_fft
        + overlap_add(1, frames, n_fft, hop, expected)
        + nola_check(kept)
        + batch * kept
    )
