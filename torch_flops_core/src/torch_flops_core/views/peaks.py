"""The roofs of a roofline: the peak FLOP/s and the memory bandwidth of a machine, given or measured.

Each roof is a positive finite number (else :class:`~torch_flops_core.errors.PlotError`). Peaks not given are
measured on the spot by :func:`measure_peaks`: a square matmul (2·n³ FLOPs each) and a tensor copy (read and
write: 2 × its bytes) on the count's device, each run for a warm-up and then timed in several repeats, of which
the fastest is the peak (a busy machine only ever makes a run slower). When the repeats disagree by more than
:data:`SPREAD_NOTE`, or the machine's load exceeds its cores, the peaks carry a note (drawn on the chart, and
warned as :class:`~torch_flops_core.errors.PeaksWarning`): such roofs may be far too low. The inputs are drawn
from a generator of their own: measuring never moves torch's global random streams.
"""

from __future__ import annotations

import math
import numbers
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from ..errors import PeaksWarning, PlotError
from .units import format_flops

__all__ = ["SPREAD_NOTE", "Peaks", "measure_peaks", "resolve_peaks", "spread_note"]

SPREAD_NOTE = 0.25
"""Repeats of a peak measurement whose slowest is this fraction or more below the fastest disagree: a note."""


@dataclass(frozen=True)
class Peaks:
    """The roofs: ``flops`` (FLOP/s) and ``bandwidth`` (bytes/s), and how each was obtained.

    Measured peaks also keep each timed repeat's rate (``flops_runs``, ``bandwidth_runs``, in the order
    run; the peak is the fastest) and ``notes`` saying why they may not be trusted (empty when they may).
    """

    flops: float
    bandwidth: float
    flops_source: str
    bandwidth_source: str
    flops_runs: tuple[float, ...] = ()
    bandwidth_runs: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def flops_spread(self) -> float:
        """How far the slowest repeat of the matmul fell below the fastest (0.2: 20% slower); 0 if given."""
        return _spread(self.flops_runs)

    @property
    def bandwidth_spread(self) -> float:
        """How far the slowest repeat of the copy fell below the fastest; 0 if given."""
        return _spread(self.bandwidth_runs)


def _spread(runs: tuple[float, ...]) -> float:
    return 1 - min(runs) / max(runs) if runs else 0.0


def _rates(fn: Callable[[], Any], sync: Callable[[], Any], work: float, seconds: float, repeats: int) -> list[float]:
    """``work`` per second of ``fn``, once per timed repeat: a warm-up of one repeat's length first (thread
    pools, caches, clock speed), then ``repeats`` repeats of about ``seconds / repeats`` each (2 calls at least)."""
    each = seconds / repeats
    rates = []
    for repeat in range(repeats + 1):
        calls, start = 0, time.perf_counter()
        while calls < 2 or time.perf_counter() - start < each:
            fn()
            calls += 1
            if calls % 4 == 0:
                sync()
        sync()
        elapsed = time.perf_counter() - start
        if repeat:  # the first is the warm-up
            rates.append(work * calls / elapsed if elapsed > 0 else math.inf)
    return rates


def _load_note(device: str) -> str | None:
    """A note when the machine's 1-minute load average exceeds its cores (cpu peaks only: a GPU kernel does
    not share the cores), ``None`` otherwise or where no load average exists."""
    if device != "cpu":
        return None
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return None
    cores = os.cpu_count() or 1
    if load <= cores:
        return None
    return (
        f"the machine was busy while the peaks were measured (load average {load:.1f} on {cores} cores): "
        "the roofs may be far too low; give peak_flops= and peak_bandwidth= (--peak-flops, --peak-bandwidth)"
    )


def spread_note(what: str, runs: list[float], unit: str) -> str | None:
    """A note when the repeats of ``what`` disagree by :data:`SPREAD_NOTE` or more."""
    if not runs or 1 - min(runs) / max(runs) < SPREAD_NOTE:
        return None
    return (
        f"the {len(runs)} repeats of the {what} disagree ({format_flops(min(runs), unit)} to "
        f"{format_flops(max(runs), unit)}, the fastest used): the machine was busy or its clock changed; the "
        "roof may be too low"
    )


@contextmanager
def _rng_untouched() -> Iterator[None]:
    """Put torch's global cpu and cuda generator states back after the block, whatever it drew."""
    cpu = torch.get_rng_state()
    cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        torch.set_rng_state(cpu)
        if cuda is not None:
            torch.cuda.set_rng_state_all(cuda)


def measure_peaks(
    device: str = "cpu", *, dtype: torch.dtype = torch.float32, seconds: float = 0.25, repeats: int = 5
) -> Peaks:
    """Measure the peak FLOP/s (an n×n matmul, 2·n³ FLOPs) and the memory bandwidth (a copy of a tensor
    larger than the caches, its bytes read and written) on ``device``: for each, a warm-up and then
    ``repeats`` timed repeats over about ``seconds`` in all, the fastest taken. Notes (``Peaks.notes``, each
    also warned as :class:`PeaksWarning`) say when the repeats disagree or the machine was busy. torch's
    global random generators are left as they were."""
    return _measure(device, dtype, seconds, repeats, flops=True, bandwidth=True)


def _measure(device: str, dtype: torch.dtype, seconds: float, repeats: int, *, flops: bool, bandwidth: bool) -> Peaks:
    """:func:`measure_peaks` of the roofs asked for (``flops``, ``bandwidth``); one not asked for is NaN."""
    if device == "meta":
        raise PlotError("peaks cannot be measured on meta: nothing runs there; count on cpu or cuda")
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not 0 < float(seconds) < math.inf:
        raise PlotError(f"seconds must be a positive finite number, got {seconds!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise PlotError(f"repeats must be a positive int, got {repeats!r}")
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    n = 4096 if cuda else 1024
    mib = 256 if cuda else 32  # a copy larger than the caches: 256 MiB on a GPU, 32 MiB on a cpu
    matmul: list[float] = []
    copy: list[float] = []
    with torch.no_grad(), _rng_untouched():
        if flops:
            generator = torch.Generator(device=device).manual_seed(0)  # never the global stream
            a = torch.randn(n, n, device=device, dtype=dtype, generator=generator)
            b = torch.randn(n, n, device=device, dtype=dtype, generator=generator)
            out = torch.empty(n, n, device=device, dtype=dtype)
            matmul = _rates(lambda: torch.mm(a, b, out=out), sync, 2 * n**3, seconds, repeats)
            del a, b, out
        if bandwidth:
            src = torch.ones(mib * 2**20 // 4, device=device, dtype=torch.float32)
            dst = torch.empty_like(src)
            copy = _rates(lambda: dst.copy_(src), sync, 2 * src.nbytes, seconds, repeats)
            del src, dst
    name = str(dtype).removeprefix("torch.")
    best = f"best of {repeats}" if repeats > 1 else "1 run"
    notes = [
        note
        for note in (
            spread_note("matmul", matmul, "FLOP/s"),
            spread_note("copy", copy, "B/s"),
            _load_note(torch.device(device).type),
        )
        if note is not None
    ]
    for note in notes:
        warnings.warn(f"measured roofline peaks: {note}", PeaksWarning, stacklevel=3)
    return Peaks(
        flops=max(matmul, default=math.nan),
        bandwidth=max(copy, default=math.nan),
        flops_source=f"measured: {n}×{n} {name} matmul, {best}, spread {100 * _spread(tuple(matmul)):.0f}%"
        if matmul
        else "not measured",
        bandwidth_source=f"measured: {mib} MiB copy, {best}, spread {100 * _spread(tuple(copy)):.0f}%"
        if copy
        else "not measured",
        flops_runs=tuple(matmul),
        bandwidth_runs=tuple(copy),
        notes=tuple(notes),
    )


def resolve_peaks(device: str, flops: float | None, bandwidth: float | None) -> Peaks:
    """The roofs: those given, the others measured on ``device`` (with their runs and notes)."""
    if flops is not None and bandwidth is not None:
        return Peaks(flops, bandwidth, "given", "given")
    measured = _measure(device, torch.float32, 0.25, 5, flops=flops is None, bandwidth=bandwidth is None)
    for name, value in (("FLOP/s", measured.flops), ("bandwidth", measured.bandwidth)):
        if not (value > 0 or math.isnan(value)) or value == math.inf:  # NaN: not measured, as asked
            raise PlotError(f"the measured peak {name} is {value!r}, no roof: give it (peak_flops=, peak_bandwidth=)")
    return Peaks(
        flops=flops if flops is not None else measured.flops,
        bandwidth=bandwidth if bandwidth is not None else measured.bandwidth,
        flops_source="given" if flops is not None else measured.flops_source,
        bandwidth_source="given" if bandwidth is not None else measured.bandwidth_source,
        flops_runs=measured.flops_runs,
        bandwidth_runs=measured.bandwidth_runs,
        notes=measured.notes,
    )
