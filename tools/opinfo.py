"""The OpInfo sweep: torch's own OpInfo database as the oracle for torch-flops' coverage.

For every OpInfo of ``torch.testing._internal.common_methods_invocations.op_db`` with float32 samples on
cpu, the first N samples (default 3) are run, each on a fresh copy of its tensors, from the same seed:

- plainly first (under ``torch.no_grad()``): an exception there is the op's own, and the sample is skipped;
- forward with the default engine (``count_flops(fn)``) and with ``engine="aten"``: fully recognized when
  ``result.unrecognized`` is empty; FLOPs, MACs and the unrecognized targets are kept. An exception from
  ``count_flops`` on a sample that ran plainly is a *crash* of torch-flops;
- backward (``op.supports_autograd`` and a floating output that requires grad; complex outputs count
  through their real part): ``count_flops(fn, backward=True, loss=...)``, the loss summing every such output
  (after the sample's ``output_process_fn_grad``); fully recognized when no record of phase ``backward``
  or ``recompute`` is unrecognized. The plain forward + loss + ``autograd.grad`` runs first, as above;
- agreement: default and aten MACs (and FLOPs) equal, on the samples where both are fully recognized;
- ``torch.utils.flop_counter.FlopCounterMode``: where torch has a formula for an op that ran (its total is
  > 0, or an aten op that ran is in its ``flop_registry``), its total against 2 x the aten engine's MACs
  of those ops (the ones in its registry: MACs torch-flops gives a factorization are its own);
- "computes but counts 0": an input of more than one element, a non-empty floating output, an aten op
  that is not one of the aten pack's free ops (views, copies, factories), and 0 FLOPs on both engines
  (fully recognized) on every sample.

Samples come from the OpInfo's ``sample_inputs_func``, the generator ``op.sample_inputs()`` wraps: the
wrapper crawls the call stack with ``inspect.stack()`` at each call to find a unittest method, seconds
per op under pytest. The caller's random states (torch cpu, ``random``, numpy) are put back afterwards.

Run ``python tools/opinfo.py [--samples 3] [--json out.json] [--ops name,name] [--gaps]``; import it and
call :func:`sweep` for the data (``tests/models/test_opinfo.py`` does). ``torch.testing._internal`` imports
``expecttest`` (torch's test-only dependency, in ``requirements-dev.txt``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import random
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch
from torch.utils import _pytree as pytree
from torch.utils.flop_counter import FlopCounterMode, flop_registry

from torch_flops_core import count_flops, get_plugins
from torch_flops_core.engines.autograd_graph import graph_leaves

__all__ = [
    "ENGINES",
    "EngineRun",
    "OpResult",
    "SampleResult",
    "Sweep",
    "family",
    "known_tables",
    "load_op_db",
    "main",
    "op_key",
    "report",
    "sweep",
    "sweep_op",
]

ENGINES: tuple[str, ...] = ("default", "aten", "backward")
"""The engines/phases a gap is reported for: the default engine's forward, the aten engine's forward, and
the backward pass (aten rules, phases ``backward`` and ``recompute``)."""

FAMILIES: tuple[str, ...] = ("linalg.", "fft.", "special.", "nn.functional.", "sparse.", "masked.", "signal.")


def family(name: str) -> str:
    """An op's family by its name's prefix (``linalg``, ``fft``, ``special``, ``nn.functional``, ``sparse``,
    ``masked``, ``signal``), else ``torch``."""
    for prefix in FAMILIES:
        if name.startswith(prefix):
            return prefix[:-1]
    return "torch"


def load_op_db() -> list[Any]:
    """torch's OpInfo database (``op_db``; ``torch.testing._internal`` needs ``expecttest``, a dev requirement)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_methods_invocations import op_db
    return list(op_db)


def _free_aten() -> frozenset[str]:
    """The aten packets the aten pack counts 0 as having no arithmetic (its ``zero`` family: views, copies,
    factories, queries), by their names."""
    from torch_flops_core import get_plugins

    return frozenset(
        getattr(getattr(entry.target, "overloadpacket", entry.target), "__name__", "")
        for entry in get_plugins().table.entries
        if entry.name.startswith("torch_flops_rules_aten.zero.")
    )


FREE_ATEN = _free_aten()
FLOP_COUNTER_OPS = frozenset(packet.__name__ for packet in flop_registry)
"""The aten packets ``FlopCounterMode`` has a formula for."""


@dataclasses.dataclass
class EngineRun:
    """One sample counted with one engine (or the backward)."""

    flops: int = 0
    macs: int = 0
    unrecognized: list[str] = dataclasses.field(default_factory=list)
    """The unrecognized targets (of the phase that matters: forward, or backward/recompute)."""
    crash: str | None = None
    """The first line of an exception ``count_flops`` raised where the plain run did not."""
    aten_ops: list[str] = dataclasses.field(default_factory=list)
    """The aten packets that ran (aten engine only)."""
    flop_counter_macs: int = 0
    """The MACs of the ops FlopCounterMode has a formula for (aten engine only)."""

    @property
    def recognized(self) -> bool:
        return self.crash is None and not self.unrecognized


@dataclasses.dataclass
class SampleResult:
    """One sample of an op: its plain run and what each engine counted."""

    index: int
    skipped: str | None = None
    """Why the forward was not counted: the op itself raised (first line)."""
    default: EngineRun | None = None
    aten: EngineRun | None = None
    backward: EngineRun | None = None
    backward_skipped: str | None = None
    """Why the backward was not counted (no autograd, no floating output, the plain backward raised)."""
    float_output: bool = False
    """The output holds a non-empty floating tensor."""
    input_numel: int = 0
    """The most elements of any input tensor (a sample of scalars only, ``sum`` of one element, may count 0)."""
    flop_counter: int | None = None
    """FlopCounterMode's total, where torch has a formula for an op that ran, else ``None``."""

    @property
    def comparable(self) -> bool:
        """Both forward engines counted every op: their numbers can be compared."""
        return self.default is not None and self.aten is not None and self.default.recognized and self.aten.recognized

    @property
    def macs_agree(self) -> bool:
        return self.comparable and self.default.macs == self.aten.macs  # type: ignore[union-attr]

    @property
    def flops_agree(self) -> bool:
        return self.comparable and self.default.flops == self.aten.flops  # type: ignore[union-attr]

    @property
    def flop_counter_match(self) -> bool | None:
        """FlopCounterMode's total equals 2 x the aten MACs of the ops it has a formula for (``None``: no
        formula ran, or aten gaps). Only those ops: a factorization's MACs are torch-flops' own."""
        if self.flop_counter is None or self.aten is None or not self.aten.recognized:
            return None
        return self.flop_counter == 2 * self.aten.flop_counter_macs

    @property
    def counts_zero(self) -> bool:
        """A non-empty floating output, an input of more than one element, both engines fully recognized at
        0 FLOPs, and an aten op with arithmetic (not one of the aten pack's free ops) ran."""
        if not (self.float_output and self.input_numel > 1 and self.comparable):
            return False
        assert self.default is not None and self.aten is not None
        computing = [name for name in self.aten.aten_ops if name not in FREE_ATEN]
        return self.default.flops == 0 and self.aten.flops == 0 and bool(computing)


@dataclasses.dataclass
class OpResult:
    """Every sample of one OpInfo, and what they say about the op."""

    name: str
    family: str
    supports_autograd: bool
    samples: list[SampleResult] = dataclasses.field(default_factory=list)
    error: str | None = None
    """Why the op was not swept at all (no float32 on cpu, no sample, sample generation raised)."""
    seconds: float = 0.0

    def runs(self, engine: str) -> list[EngineRun]:
        """The counts of ``engine`` (``default``, ``aten``, ``backward``) over the samples."""
        found = (getattr(s, engine) for s in self.samples)
        return [r for r in found if r is not None]

    def ran(self, engine: str) -> bool:
        """At least one sample was counted with ``engine`` without a crash."""
        return any(r.crash is None for r in self.runs(engine))

    def recognized(self, engine: str) -> bool | None:
        """Every counted sample of ``engine`` fully recognized (``None``: no sample counted)."""
        if not self.ran(engine):
            return None
        return all(not r.unrecognized for r in self.runs(engine) if r.crash is None)

    @property
    def gaps(self) -> frozenset[str]:
        """The engines/phases where some sample has an unrecognized op."""
        return frozenset(e for e in ENGINES if self.recognized(e) is False)

    def unrecognized(self, engine: str) -> list[str]:
        """The unrecognized targets of ``engine``, over the samples, most frequent first."""
        seen = Counter(t for r in self.runs(engine) for t in r.unrecognized)
        return [t for t, _ in seen.most_common()]

    @property
    def crashes(self) -> list[tuple[str, str]]:
        """(engine, error first line), once each."""
        found: dict[tuple[str, str], None] = {}
        for engine in ENGINES:
            for r in self.runs(engine):
                if r.crash is not None:
                    found[(engine, r.crash)] = None
        return list(found)

    def _agree(self, attr: str) -> bool | None:
        compared = [s for s in self.samples if s.comparable]
        return all(getattr(s, attr) for s in compared) if compared else None

    @property
    def macs_agree(self) -> bool | None:
        """Default and aten MACs equal on every comparable sample (``None``: none comparable)."""
        return self._agree("macs_agree")

    @property
    def flops_agree(self) -> bool | None:
        return self._agree("flops_agree")

    @property
    def flop_counter(self) -> bool | None:
        """FlopCounterMode matches 2 x aten MACs on every sample it has a formula for (``None``: none)."""
        found = [s.flop_counter_match for s in self.samples if s.flop_counter_match is not None]
        return all(found) if found else None

    @property
    def counts_zero(self) -> bool:
        """Some sample computes (:attr:`SampleResult.counts_zero`) and every comparable sample counts 0 on both
        engines (a sample that is all but empty, a sum of one element, may count 0 rightly)."""
        compared = [s for s in self.samples if s.comparable]
        zero = all(s.default.flops == 0 and s.aten.flops == 0 for s in compared)  # type: ignore[union-attr]
        return zero and any(s.counts_zero for s in compared)

    def to_dict(self) -> dict[str, Any]:
        """Everything about the op, JSON-ready."""
        return {
            "name": self.name,
            "family": self.family,
            "supports_autograd": self.supports_autograd,
            "error": self.error,
            "seconds": round(self.seconds, 4),
            "recognized": {e: self.recognized(e) for e in ENGINES},
            "gaps": sorted(self.gaps),
            "unrecognized": {e: self.unrecognized(e) for e in ENGINES},
            "crashes": [list(c) for c in self.crashes],
            "macs_agree": self.macs_agree,
            "flops_agree": self.flops_agree,
            "flop_counter_match": self.flop_counter,
            "counts_zero": self.counts_zero,
            "samples": [
                {
                    **dataclasses.asdict(s),
                    "macs_agree": s.macs_agree if s.comparable else None,
                    "flops_agree": s.flops_agree if s.comparable else None,
                    "flop_counter_match": s.flop_counter_match,
                    "counts_zero": s.counts_zero,
                }
                for s in self.samples
            ],
        }


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def _clone(value: Any) -> Any:
    """A fresh copy of a sample's tensors (leaves keeping ``requires_grad``), so no run sees another's
    in-place writes or autograd graph."""

    def copy(x: Any) -> Any:
        if not isinstance(x, torch.Tensor):
            return x
        with torch.no_grad():
            fresh = x.detach().clone()
        return fresh.requires_grad_(x.requires_grad) if fresh.is_leaf else fresh

    return pytree.tree_map(copy, value)


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    for leaf in pytree.tree_leaves(value):
        if isinstance(leaf, torch.Tensor):
            yield leaf


def _float_output(output: Any) -> bool:
    return any(t.is_floating_point() and t.numel() > 0 for t in _tensors(output))


def _loss(process: Callable[[Any], Any]) -> Callable[[Any], torch.Tensor]:
    """The loss of an output: the sum of every floating (complex: real part) tensor that requires grad
    (``None`` where there is none: the plain run finds that out, and the backward is not counted)."""

    def loss(output: Any) -> Any:
        parts = [t for t in _tensors(process(output)) if (t.is_floating_point() or t.is_complex()) and t.requires_grad]
        total: torch.Tensor | None = None
        for t in parts:
            term = (t.real if t.is_complex() else t).sum()
            total = term if total is None else total + term
        return total

    return loss


def _forward(op: Any, sample: Any) -> Callable[[], Any]:
    """A function of no argument applying the op to a fresh copy of the sample."""
    args, kwargs = _clone(((sample.input, *sample.args), dict(sample.kwargs)))

    def apply() -> Any:
        return op.op(*args, **kwargs)

    return apply


def _seed() -> None:
    """The same random numbers for every run of a sample (cpu only: ``torch.manual_seed`` also queues a
    lazy CUDA seeding that formats the call stack, a cost per call that grows with the stack)."""
    torch.default_generator.manual_seed(0)
    random.seed(0)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(0)


@contextlib.contextmanager
def _rng_kept() -> Iterator[None]:
    """The caller's random states (torch cpu, ``random``, numpy) as they were after the sweep."""
    state = random.getstate()
    numpy = sys.modules.get("numpy")
    numpy_state = numpy.random.get_state() if numpy is not None else None
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        random.setstate(state)
        if numpy is not None:
            numpy.random.set_state(numpy_state)


def _count_forward(op: Any, sample: Any, engine: str) -> EngineRun:
    _seed()
    try:
        result = count_flops(_forward(op, sample), engine="aten" if engine == "aten" else "auto")
    except Exception as error:
        return EngineRun(crash=_first_line(error))
    run = EngineRun(result.total, result.total_macs, [r.target_name for r in result.unrecognized])
    if engine == "aten":
        run.aten_ops = sorted({_packet(r.target) for r in result.ops})
        run.flop_counter_macs = sum(r.macs for r in result.ops if _packet(r.target) in FLOP_COUNTER_OPS)
    return run


def _packet(target: Any) -> str:
    return str(getattr(getattr(target, "overloadpacket", target), "__name__", target))


def _flop_counter(op: Any, sample: Any, aten_ops: Sequence[str]) -> int | None:
    """FlopCounterMode's total for the sample, where it has a formula for an op that ran, else ``None``."""
    _seed()
    fn = _forward(op, sample)
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as mode:
            fn()
    except Exception:
        return None
    total = int(mode.get_total_flops())
    return total if total > 0 or FLOP_COUNTER_OPS.intersection(aten_ops) else None


def _count_backward(op: Any, sample: Any, result: SampleResult) -> None:
    loss = _loss(getattr(sample, "output_process_fn_grad", None) or (lambda out: out))
    _seed()
    try:  # the plain forward, loss and gradient: what the op itself raises is no crash of ours
        with torch.enable_grad():
            value = loss(_forward(op, sample)())
            if value is None:
                result.backward_skipped = "no floating output requires grad"
                return
            leaves, _ = graph_leaves(value)
            if not leaves:
                result.backward_skipped = "the loss depends on no leaf"
                return
            torch.autograd.grad(value, leaves, allow_unused=True)
    except Exception as error:
        result.backward_skipped = "plain backward raised " + _first_line(error)
        return
    _seed()
    try:
        counted = count_flops(_forward(op, sample), backward=True, loss=loss)
    except Exception as error:
        result.backward = EngineRun(crash=_first_line(error))
        return
    phase = [r for r in counted.ops if r.phase in ("backward", "recompute")]
    result.backward = EngineRun(
        sum(r.flops for r in phase if type(r.flops) is int),
        sum(r.macs for r in phase),
        [r.target_name for r in phase if not r.recognized],
    )


def _sample(op: Any, sample: Any, index: int, backward: bool) -> SampleResult:
    result = SampleResult(index)
    _seed()
    try:
        with torch.no_grad():
            output = _forward(op, sample)()
    except Exception as error:
        result.skipped = _first_line(error)
        return result
    result.float_output = _float_output(output)
    result.input_numel = max((t.numel() for t in _tensors((sample.input, sample.args, sample.kwargs))), default=0)
    del output
    result.default = _count_forward(op, sample, "default")
    result.aten = _count_forward(op, sample, "aten")
    result.flop_counter = _flop_counter(op, sample, result.aten.aten_ops)
    if not backward:
        result.backward_skipped = "the op does not support autograd"
    else:
        _count_backward(op, sample, result)
    return result


def op_key(op: Any) -> str:
    """An OpInfo's name in the sweep: ``name``, or ``name.variant`` for a variant."""
    return f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name


def sweep_op(op: Any, samples: int = 3) -> OpResult:
    """Sweep one OpInfo's first ``samples`` float32 cpu samples; errors are recorded, never raised."""
    start = time.perf_counter()
    name = op_key(op)
    result = OpResult(name, family(name), bool(op.supports_autograd))
    try:
        if torch.float32 not in op.supported_dtypes("cpu"):
            result.error = "no float32 on cpu"
            return result
        _seed()
        generated = op.sample_inputs_func(op, "cpu", torch.float32, bool(op.supports_autograd))
        chosen = list(itertools.islice(iter(generated), samples))
        if not chosen:
            result.error = "no sample"
            return result
        for index, sample in enumerate(chosen):
            result.samples.append(_sample(op, sample, index, bool(op.supports_autograd)))
    except Exception as error:
        result.error = "sweep raised " + _first_line(error)
    finally:
        result.seconds = time.perf_counter() - start
    return result


@dataclasses.dataclass
class Sweep:
    """The sweep's per-op results, with the summary numbers."""

    ops: list[OpResult]
    samples: int
    seconds: float
    load_seconds: float = 0.0

    @property
    def swept(self) -> list[OpResult]:
        """The ops with at least one sample counted."""
        return [o for o in self.ops if o.ran("default") or o.ran("aten") or o.crashes]

    def percent(self, metric: str, ops: Iterable[OpResult] | None = None) -> tuple[float, int, int]:
        """(percent, hits, denominator) of ``metric``: an engine (fully recognized), ``macs_agree`` or
        ``flops_agree`` (among ops with a comparable sample), ``flop_counter`` (among ops it has a formula for)."""
        chosen = list(self.swept if ops is None else ops)
        values = [o.recognized(metric) if metric in ENGINES else getattr(o, metric) for o in chosen]
        counted = [v for v in values if v is not None]
        hits = sum(1 for v in counted if v)
        return (100.0 * hits / len(counted) if counted else 100.0), hits, len(counted)

    @property
    def crashes(self) -> list[tuple[str, str, str]]:
        """(op, engine, error first line) of every crash of torch-flops."""
        return [(o.name, engine, error) for o in self.ops for engine, error in o.crashes]

    def gaps(self, engine: str) -> set[str]:
        """The ops not fully recognized by ``engine``."""
        return {o.name for o in self.ops if engine in o.gaps}

    def summary(self) -> dict[str, Any]:
        """The summary numbers, JSON-ready."""
        metrics = (*ENGINES, "macs_agree", "flops_agree", "flop_counter")
        unswept = [o for o in self.ops if o not in self.swept]
        families: dict[str, dict[str, Any]] = {}
        for name in sorted({o.family for o in self.swept}):
            members = [o for o in self.swept if o.family == name]
            families[name] = {"ops": len(members)} | {m: self.percent(m, members) for m in ENGINES}
        return {
            "torch": torch.__version__,
            "samples_per_op": self.samples,
            "ops_in_db": len(self.ops),
            "ops_swept": len(self.swept),
            "not_swept": dict(Counter((o.error or "no sample ran").split(" raised ")[0] for o in unswept)),
            "percent": {m: self.percent(m) for m in metrics},
            "counts_zero": sorted(o.name for o in self.ops if o.counts_zero),
            "crashes": [list(c) for c in self.crashes],
            "families": families,
            "seconds": round(self.seconds, 1),
            "load_seconds": round(self.load_seconds, 1),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "ops": [o.to_dict() for o in self.ops]}


def sweep(
    names: Iterable[str] | None = None, samples: int = 3, progress: bool = True, op_db: Sequence[Any] | None = None
) -> Sweep:
    """Run the sweep over ``op_db`` (every OpInfo, or those named: a name matches ``name.variant`` or
    every variant of ``name``). The caller's RNG state and grad mode are left as they were."""
    start = time.perf_counter()
    ops = list(op_db) if op_db is not None else load_op_db()
    load_seconds = time.perf_counter() - start
    if names is not None:
        wanted = set(names)
        ops = [o for o in ops if op_key(o) in wanted or o.name in wanted]
    get_plugins().table  # noqa: B018  (the rule table is built outside the quiet block: conflicts still warn)
    results = []
    with _rng_kept(), torch.enable_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, op in enumerate(ops):
            results.append(sweep_op(op, samples))
            if progress and (i + 1) % 50 == 0:
                print(f"opinfo: {i + 1}/{len(ops)} ops, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return Sweep(results, samples, time.perf_counter() - start, load_seconds)


# -- the command line ------------------------------------------------------------------------------


def _mark(value: bool | None) -> str:
    return "-" if value is None else "yes" if value else "NO"


def _percent(percent: float, hits: int, n: int) -> str:
    return f"{percent:.1f}% ({hits}/{n})" if n else "-"


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [list(map(str, header)), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(result: Sweep) -> str:
    """The summary and the table of ops not fully counted, as text."""
    summary = result.summary()
    out = [
        f"torch {summary['torch']}: {summary['ops_swept']} of {summary['ops_in_db']} OpInfos swept, "
        f"{result.samples} samples each, {result.seconds:.0f} s (op_db import {result.load_seconds:.0f} s)",
        "not swept: " + ", ".join(f"{k} {v}" for k, v in summary["not_swept"].items()),
        "",
    ]
    labels = {
        "default": "forward, default engine, fully recognized",
        "aten": "forward, aten engine, fully recognized",
        "backward": "backward, fully recognized",
        "macs_agree": "default vs aten MACs agree",
        "flops_agree": "default vs aten FLOPs agree",
        "flop_counter": "FlopCounterMode = 2 x aten MACs (its ops)",
    }
    rows: list[tuple[Any, ...]] = [(labels[m], _percent(p, hits, n)) for m, (p, hits, n) in summary["percent"].items()]
    out += [_table(rows, ("metric", "percent (ops)")), ""]
    rows = [(name, f["ops"], *(_percent(*f[e]) for e in ENGINES)) for name, f in summary["families"].items()]
    out += [_table(rows, ("family", "ops", *ENGINES)), ""]
    out.append(f"crashes ({len(result.crashes)}):")
    out += [f"  {name} [{engine}] {error[:150]}" for name, engine, error in result.crashes] or ["  none"]
    out += ["", f"computes but counts 0 ({len(summary['counts_zero'])}): " + ", ".join(summary["counts_zero"]), ""]
    rows = []
    for o in result.ops:
        bad = o.gaps or o.crashes or o.macs_agree is False or o.flops_agree is False or o.flop_counter is False
        if not bad and not o.counts_zero:
            continue
        missing = sorted({t for e in ENGINES for t in o.unrecognized(e)})
        rows.append(
            (
                o.name,
                o.family,
                *(_mark(o.recognized(e)) for e in ENGINES),
                _mark(o.macs_agree),
                _mark(o.flops_agree),
                _mark(o.flop_counter),
                "yes" if o.counts_zero else "",
                len(o.crashes) or "",
                ", ".join(missing)[:100],
            )
        )
    header = ("op", "family", *ENGINES, "MACs=", "FLOPs=", "FCM", "zero", "crash", "unrecognized")
    out += [f"ops not fully counted ({len(rows)}):", _table(rows, header)]
    return "\n".join(out)


def known_tables(result: Sweep, reason: str = "no rule yet") -> str:
    """``KNOWN_GAPS``, ``KNOWN_CRASHES`` and ``MIN_PERCENT`` of ``tests/models/test_opinfo.py`` for this sweep, as
    Python source (the reasons are to be written; percentages are rounded down to 0.1)."""
    lines = ["KNOWN_GAPS: dict[str, tuple[frozenset[str], str]] = {"]
    for o in sorted(result.ops, key=lambda o: o.name):
        if o.gaps:
            engines = ", ".join(json.dumps(e) for e in ENGINES if e in o.gaps)
            lines.append(f"    {json.dumps(o.name)}: (frozenset({{{engines}}}), {json.dumps(reason)}),")
    lines += ["}", "", "KNOWN_CRASHES: dict[str, tuple[frozenset[str], str]] = {"]
    crashed: dict[str, set[str]] = {}
    for name, engine, _ in result.crashes:
        crashed.setdefault(name, set()).add(engine)
    for name, where in sorted(crashed.items()):
        listed = ", ".join(json.dumps(e) for e in ENGINES if e in where)
        lines.append(f'    {json.dumps(name)}: (frozenset({{{listed}}}), "to fix"),')
    lines += ["}", "", "MIN_PERCENT: dict[str, float] = {"]
    for metric, (percent, _, _) in result.summary()["percent"].items():
        lines.append(f"    {json.dumps(metric)}: {math.floor(percent * 10) / 10},")
    lines.append("}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="torch-flops' coverage against torch's OpInfo database")
    parser.add_argument("--samples", type=int, default=3, help="samples per op (default 3)")
    parser.add_argument("--json", metavar="PATH", help="write every op's results to PATH")
    parser.add_argument("--ops", help="comma-separated op names (name, or name.variant)")
    parser.add_argument(
        "--gaps",
        action="store_true",
        help="also print KNOWN_GAPS, KNOWN_CRASHES and MIN_PERCENT for tests/models/test_opinfo.py",
    )
    options = parser.parse_args(argv)
    names = [n.strip() for n in options.ops.split(",") if n.strip()] if options.ops else None
    result = sweep(names, samples=options.samples)
    print(report(result))
    if options.gaps:
        print()
        print(known_tables(result))
    if options.json:
        with open(options.json, "w") as handle:
            json.dump(result.to_dict(), handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
