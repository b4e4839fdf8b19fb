"""FFTs and what ``stft``/``istft`` run around them: ``_fft_c2c``, ``_fft_r2c``, ``_fft_c2r``, the overlap-add
``unfold_backward``, conjugation (``_conj`` a view, ``_conj_physical`` one op per element), the ``equal`` of
istft's window check, and the spectral factories (``fft_fftfreq``, ``hann_window`` ...: 0).

The formulas are :mod:`torch_flops_core.formulas.spectral`, the functional pack's too: a complex FFT of n
elements over dims of sizes L_d ⌈5·n·log2 Π L_d⌉, a real one ⌈2.5·n·log2 Π L_d⌉ (n = numel of the real
signal), + 2n (complex) or n (real) multiplies when ``normalization`` (1: 1/√P, 2: 1/P) applies a scale.
"""

from __future__ import annotations

from torch_flops_core import Call, Registry
from torch_flops_core.formulas import pointwise
from torch_flops_core.formulas import spectral as formulas
from torch_flops_core.shapes import out_numel, rows

from ._ops import aten

__all__ = ["FACTORIES", "conj_physical", "equal", "fft_complex", "fft_real", "free", "register", "unfold_backward"]

FACTORIES = (
    "fft_fftfreq", "fft_rfftfreq", "hann_window", "hamming_window", "blackman_window", "bartlett_window",
    "kaiser_window",
)  # fmt: skip
"""Spectral factories: frequencies and windows (0, as every factory)."""


def fft_complex(call: Call) -> int:
    """_fft_c2c(self, dim, normalization, forward): ⌈5·n·log2 Π L_d⌉ + [scaled]·2n, n = numel(self)."""
    named = call.arguments()
    x = named["self"]
    lengths = [x.shape[d % x.dim()] for d in named["dim"]]
    return formulas.fft_c2c(x.numel(), lengths, named["normalization"])


def fft_real(call: Call) -> int:
    """_fft_r2c(self, dim, normalization, onesided) / _fft_c2r(self, dim, normalization, last_dim_size):
    ⌈2.5·n·log2 Π L_d⌉ + [scaled]·n, n = numel of the real signal (the r2c input, the c2r output)."""
    named = call.arguments()
    x = named["self"]
    real = x if not x.is_complex() else call.output
    lengths = [real.shape[d % real.dim()] for d in named["dim"]]
    return formulas.fft_real(real.numel(), lengths, named["normalization"])


def unfold_backward(call: Call) -> int:
    """unfold_backward(grad_in, input_sizes, dim, size, step): overlap-add, rows·(frames·size − covered) adds."""
    named = call.arguments()
    grad, sizes, dim = named["grad_in"], list(named["input_sizes"]), named["dim"]
    dim %= len(sizes) if sizes else 1
    length = sizes[dim] if sizes else 1
    frames = grad.shape[dim] if grad.dim() > dim else 1
    return formulas.overlap_add(rows(out_numel(call), length), frames, named["size"], named["step"], length)


def conj_physical(call: Call) -> int:
    """_conj_physical(self): POINTWISE_COSTS['conj_physical']·N (the functional pack's torch.conj_physical)."""
    return pointwise("conj_physical", out_numel(call))


def equal(call: Call) -> int:
    """equal(self, other): 2n − 1 (n compares, n − 1 ANDs; 0 when the shapes differ), as torch.equal."""
    named = call.arguments()
    a, b = named["self"], named["other"]
    return formulas.tensor_equal(a.numel()) if a.shape == b.shape else 0


def free(call: Call) -> int:
    """_conj (a lazy view), fft_fftfreq / fft_rfftfreq and the window factories: 0."""
    return 0


def register(registry: Registry) -> None:
    registry.function(*aten("_fft_c2c"))(fft_complex)
    registry.function(*aten("_fft_r2c", "_fft_c2r"))(fft_real)
    registry.function(*aten("unfold_backward"))(unfold_backward)
    registry.function(*aten("_conj_physical"))(conj_physical)
    registry.function(*aten("equal"))(equal)
    registry.function(*aten("_conj", *FACTORIES))(free)
