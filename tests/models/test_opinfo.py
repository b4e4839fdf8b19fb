"""torch's OpInfo database as the oracle for torch-flops' coverage (``tools/opinfo.py``).

The sweep runs the first samples of every OpInfo of ``op_db`` (float32, cpu) plainly, then counts them
with the default engine, the aten engine and the backward. This file keeps its findings exact:

- no crash of torch-flops (an exception from ``count_flops`` on a sample the op itself ran) beyond
  ``KNOWN_CRASHES``, and every crash listed there still happens;
- the ops not fully recognized, per engine/phase (``default``, ``aten``, ``backward``), are exactly
  ``KNOWN_GAPS``: a new gap fails, and so does a gap a new rule closes (then delete its entry);
- the summary percentages stay at least ``MIN_PERCENT``, the coverage targets (forward and backward fully counted
  on 99 % of ops, the engines agreeing on MACs for 97 % and on FLOPs for 95 %).

``python tools/opinfo.py --gaps`` prints the three tables for the tree as it is (reasons to be written).
The sweep takes about 1.5 minutes on 2 cores (3 samples per op). ``TORCH_FLOPS_OPINFO_SAMPLES=1`` runs
it with one sample per op (about half the time): then the gaps and crashes must be among the known ones
(fewer samples find fewer), and the percentages are not checked.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

import pytest
import torch
from helpers import ROOT
from opaque_ops import OPAQUE

pytestmark = pytest.mark.slow

SAMPLES = int(os.environ.get("TORCH_FLOPS_OPINFO_SAMPLES", "3"))
EXACT = SAMPLES == 3
"""The tables below were measured with 3 samples per op; with fewer, only inclusion is checked."""


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("opinfo_sweep", ROOT / "tools" / "opinfo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


opinfo = _load_tool()


@pytest.fixture(scope="module")
def swept() -> Any:
    return opinfo.sweep(samples=SAMPLES, progress=False)


def _known(table: dict[str, tuple[frozenset[str], str]], engine: str) -> set[str]:
    return {name for name, (engines, _) in table.items() if engine in engines}


def _differences(found: set[str], known: set[str]) -> str:
    new, closed = sorted(found - known), sorted(known - found) if EXACT else []
    return f"new (add them, with a reason): {new}; closed (delete them): {closed}"


def test_no_new_crash(swept: Any) -> None:
    for engine in opinfo.ENGINES:
        found = {name for name, where, _ in swept.crashes if where == engine}
        known = _known(KNOWN_CRASHES, engine)
        errors = "\n".join(f"  {n} [{w}] {e}" for n, w, e in swept.crashes if w == engine)
        assert found == known if EXACT else found <= known, f"{engine}: {_differences(found, known)}\n{errors}"


@pytest.mark.parametrize("engine", ["default", "aten", "backward"])
def test_gaps_are_the_known_ones(swept: Any, engine: str) -> None:
    found, known = swept.gaps(engine), _known(KNOWN_GAPS, engine)
    missing = {o.name: o.unrecognized(engine)[:4] for o in swept.ops if o.name in found - known}
    assert found == known if EXACT else found <= known, f"{engine}: {_differences(found, known)}\n{missing}"


def test_percentages_do_not_fall(swept: Any) -> None:
    if not EXACT:
        pytest.skip("the percentages were measured with 3 samples per op")
    measured = {metric: percent for metric, (percent, _, _) in swept.summary()["percent"].items()}
    fallen = {m: (round(measured[m], 1), floor) for m, floor in MIN_PERCENT.items() if measured[m] < floor}
    assert not fallen, f"(now, before): {fallen}\n{opinfo.report(swept)}"


def test_the_sweep_covers_the_database(swept: Any) -> None:
    """Nearly every OpInfo is swept: the ones that are not have no float32 on cpu or no sample that runs."""
    summary = swept.summary()
    assert summary["ops_swept"] >= 650, summary["not_swept"]
    assert set(summary["not_swept"]) <= {"no float32 on cpu", "no sample ran"}, summary["not_swept"]


# -- the harness itself, on OpInfos of its own ---------------------------------------------------------


def _opinfo(name: str, fn: Any, *shapes: tuple[int, ...], autograd: bool = False) -> Any:
    from torch.testing._internal.common_dtype import floating_types
    from torch.testing._internal.opinfo.core import OpInfo, SampleInput

    def samples(op: Any, device: str, dtype: torch.dtype, requires_grad: bool, **kwargs: Any) -> Any:
        tensors = [torch.randn(s, dtype=dtype, requires_grad=requires_grad) for s in shapes]
        yield SampleInput(tensors[0], args=tuple(tensors[1:]))

    return OpInfo(name, op=fn, dtypes=floating_types(), sample_inputs_func=samples, supports_autograd=autograd)


def test_mm_is_counted_by_both_engines_and_agrees_with_flop_counter_mode() -> None:
    """torch.mm of [3, 4] by [4, 5]: 15 dot products of length 4, (2·4 − 1)·15 = 105 FLOPs, 60 MACs;
    FlopCounterMode 2·60 = 120; backward: two products of 60 MACs each."""
    result = opinfo.sweep(op_db=[_opinfo("mine.mm", torch.mm, (3, 4), (4, 5), autograd=True)], progress=False)
    (op,) = result.ops
    (sample,) = op.samples
    assert (sample.default.flops, sample.default.macs) == (105, 60)
    assert (sample.aten.flops, sample.aten.macs) == (105, 60)
    assert sample.flop_counter == 120 and sample.flop_counter_match
    assert sample.backward is not None and sample.backward.macs == 120
    assert op.gaps == frozenset() and op.crashes == [] and op.macs_agree and op.flops_agree


def test_an_error_of_the_op_itself_skips_the_sample() -> None:
    def refuses(x: torch.Tensor) -> torch.Tensor:
        raise ValueError("not this input")

    (op,) = opinfo.sweep(op_db=[_opinfo("mine.refuses", refuses, (2,))], progress=False).ops
    assert op.samples[0].skipped == "ValueError: not this input"
    assert op.crashes == [] and op.gaps == frozenset() and not op.ran("default")


def test_an_error_only_while_counting_is_a_crash() -> None:
    """An op that fails under the default engine's torch function mode (as a rule raising would)."""

    def fragile(x: torch.Tensor) -> torch.Tensor:
        if torch._C._len_torch_function_stack() > 0:
            raise RuntimeError("counted")
        return x.exp()

    (op,) = opinfo.sweep(op_db=[_opinfo("mine.fragile", fragile, (2,))], progress=False).ops
    assert op.crashes == [("default", "RuntimeError: counted")]
    assert op.samples[0].aten.flops == 2  # exp of 2 elements: the aten engine sees no torch function mode


def test_a_gap_is_listed_per_engine() -> None:
    """A custom op no plugin has a rule for is a gap of both forward engines, named by its target."""
    (op,) = opinfo.sweep(op_db=[_opinfo("mine.opaque", OPAQUE, (3,))], progress=False).ops
    assert op.gaps == {"default", "aten"}
    assert op.unrecognized("default") == op.unrecognized("aten") == ["torch.ops.torch_flops_tests.opaque.default"]
    assert op.samples[0].backward_skipped == "the op does not support autograd"


# -- the tables: regenerate with `python tools/opinfo.py --gaps`, then write the reasons --------------------

KNOWN_CRASHES: dict[str, tuple[frozenset[str], str]] = {}

KNOWN_GAPS: dict[str, tuple[frozenset[str], str]] = {
    "hash_tensor": (
        frozenset({"default", "aten"}),
        "a tensor's hash (a debugging aid): uncounted on purpose (torch_flops_rules_aten.uncounted)",
    ),
}

MIN_PERCENT: dict[str, float] = {
    "default": 99.0,
    "aten": 99.0,
    "backward": 99.0,
    "macs_agree": 97.0,
    "flops_agree": 95.0,
    "flop_counter": 100.0,
}
