"""``torch.fft``, ``torch.stft``/``torch.istft`` and the window functions.

Each ``torch.fft`` function counts the ATen FFTs it runs (``_fft_c2c``, ``_fft_r2c``, ``_fft_c2r``), with
:mod:`torch_flops_core.formulas.spectral` (the aten pack's formulas): a complex FFT ⌈5·n·log2 P⌉, a real one
⌈2.5·n·log2 P⌉ (P = product of the transformed lengths after ``n``/``s`` padded or trimmed the input), + one
multiply per real number when ``norm`` applies a scale. Which FFTs run:

- ``fft``, ``ifft``: real input → r2c (the full spectrum filled by symmetry), complex → c2c;
- ``fft2``, ``ifft2``, ``fftn``, ``ifftn``: c2c (a real input is made complex first);
- ``rfft*`` and ``irfft*``: one r2c / c2r over all dims; ``hfft``: c2r;
- ``hfft2``, ``hfftn``: c2c over the leading dims, then c2r over the last one;
- ``ihfft``: r2c; ``ihfft2``, ``ihfftn``: r2c over the last dim, a physical conjugate (``conj_physical``), c2c
  over the leading dims.

``fftshift``/``ifftshift`` (a roll), ``fftfreq``/``rfftfreq`` and the window functions (``hann_window`` ...)
are 0: data movement and factories.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from torch_flops_core import Call, Registry, RuleFn
from torch_flops_core.formulas.spectral import fft_c2c, fft_real, hfftn, ihfftn, istft, norm_mode, stft
from torch_flops_core.rulekit import named

from ._common import ops

__all__ = ["FFT_FUNCTIONS", "WINDOWS", "free", "istft_rule", "register", "stft_rule"]

FFT_FUNCTIONS: dict[str, tuple[str, bool, str]] = {
    # name: (what runs, forward, signature: "1" (n, dim), "2" (s, dim=(-2, -1)), "n" (s, dim=None))
    "fft": ("c2c", True, "1"), "ifft": ("c2c", False, "1"),
    "fft2": ("c2c", True, "2"), "ifft2": ("c2c", False, "2"),
    "fftn": ("c2c", True, "n"), "ifftn": ("c2c", False, "n"),
    "rfft": ("r2c", True, "1"), "rfft2": ("r2c", True, "2"), "rfftn": ("r2c", True, "n"),
    "irfft": ("c2r", False, "1"), "irfft2": ("c2r", False, "2"), "irfftn": ("c2r", False, "n"),
    "hfft": ("hermitian", True, "1"), "hfft2": ("hermitian", True, "2"), "hfftn": ("hermitian", True, "n"),
    "ihfft": ("ihermitian", False, "1"), "ihfft2": ("ihermitian", False, "2"), "ihfftn": ("ihermitian", False, "n"),
}  # fmt: skip
"""The ``torch.fft`` transforms: which ATen FFTs each runs, its direction (for ``norm``), its signature."""

WINDOWS = ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window")
"""Window factories (``torch.hann_window`` ...): 0, as every factory."""


def _dims(call: Call, ndim: int, signature: str) -> list[int]:
    """The transformed dims, in the caller's order (the last one is the halved one of a real transform)."""
    if signature == "1":
        dims: Any = [call.arg(2, "dim", -1)]
    else:
        dims = call.arg(2, "dim", (-2, -1) if signature == "2" else None)
        if dims is None:
            s = call.arg(1, "s")
            dims = range(ndim) if s is None else range(ndim - len(s), ndim)
        elif isinstance(dims, int):
            dims = [dims]
    return [d % ndim for d in dims]


def _real_length(call: Call, x: torch.Tensor, last: int, signature: str) -> int:
    """The length of the last transformed dim of a real signal: ``n`` / ``s[-1]`` when given, else the input's."""
    if signature == "1":
        size = call.arg(1, "n")
    else:
        s = call.arg(1, "s")
        size = s[-1] if s is not None else None
    return int(size) if size is not None and size != -1 else x.shape[last]


def _sizes(shape: Sequence[int], dims: Sequence[int]) -> list[int]:
    return [shape[d] for d in dims]


def fft_function(name: str, runs: str, forward: bool, signature: str) -> RuleFn:
    """The rule of one ``torch.fft`` transform: the ATen FFTs it runs (module docstring)."""

    def rule(call: Call) -> int:
        x, out = call.arg(0, "input"), call.output
        dims = _dims(call, out.dim(), signature)
        mode = norm_mode(call.arg(3, "norm"), forward)
        last = dims[-1]
        if runs == "c2c":
            if signature == "1" and not x.is_complex():
                return fft_real(out.numel(), _sizes(out.shape, dims), mode)
            return fft_c2c(out.numel(), _sizes(out.shape, dims), mode)
        if runs == "c2r":
            return fft_real(out.numel(), _sizes(out.shape, dims), mode)
        if runs == "hermitian":
            return hfftn(out.shape, dims, mode)
        signal = list(out.shape)  # r2c and ihermitian: the real signal, after padding or trimming
        signal[last] = _real_length(call, x, last, signature)
        if runs == "r2c":
            return fft_real(math.prod(signal), _sizes(signal, dims), mode)
        return ihfftn(signal, dims, mode)

    doc = {
        "c2c": "c2c ⌈5·n·log2 P⌉ (1-d of a real input: r2c ⌈2.5·n·log2 P⌉)",
        "r2c": "r2c ⌈2.5·n·log2 P⌉, n = numel of the padded real signal",
        "c2r": "c2r ⌈2.5·n·log2 P⌉, n = numel(out)",
        "hermitian": "c2c over the leading dims of the half spectrum + c2r ⌈2.5·n·log2 L⌉ over the last",
        "ihermitian": "r2c over the last dim + conj_physical + c2c over the leading dims of the half spectrum",
    }[runs]
    return named(rule, name, f"torch.fft.{name}: {doc}; + a multiply per real number when norm scales.", __name__)


def stft_rule(call: Call) -> int:
    """stft: B·F frames of n_fft: window multiply B·F·n_fft (with a window) + their FFTs (formulas.spectral.stft)."""
    x, window = call.arg(0, "input"), call.arg(4, "window")
    out = call.output
    frames = out.shape[-1] if out.is_complex() else out.shape[-2]  # return_complex=False adds a dim of 2
    batch = x.shape[0] if x.dim() == 2 else 1
    windowed = isinstance(window, torch.Tensor)
    complex_signal = x.is_complex() or (windowed and window.is_complex())
    return stft(batch * frames, call.arg(1, "n_fft"), windowed, complex_signal, bool(call.arg(7, "normalized", False)))


def istft_rule(call: Call) -> int:
    """istft: inverse FFTs, window multiply, overlap-adds, envelope check and divide (formulas.spectral.istft)."""
    x, out = call.arg(0, "input"), call.output
    n_fft = call.arg(1, "n_fft")
    hop = call.arg(2, "hop_length") or n_fft // 4
    batch = x.shape[0] if x.dim() == 3 else 1
    return istft(
        batch,
        x.shape[-1],
        n_fft,
        hop,
        out.shape[-1],
        bool(call.arg(5, "center", True)),
        bool(call.arg(9, "return_complex", False)),
        bool(call.arg(6, "normalized", False)),
    )


def free(call: Call) -> int:
    """fftshift/ifftshift (a roll), fftfreq/rfftfreq and window factories: 0 (no arithmetic on the model's values)."""
    return 0


def register(registry: Registry) -> None:
    for name, (runs, forward, signature) in FFT_FUNCTIONS.items():
        registry.function(*ops(f"torch.fft.{name}"))(fft_function(name, runs, forward, signature))
    registry.function(*ops("torch.stft"))(stft_rule)
    registry.function(*ops("torch.istft"))(istft_rule)
    spellings = ("fft.fftshift", "fft.ifftshift", "fft.fftfreq", "fft.rfftfreq", *WINDOWS)
    registry.function(*ops(*(f"torch.{name}" for name in spellings)))(free)
