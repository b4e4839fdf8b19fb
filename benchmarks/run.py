"""Counting cost, measured side by side with what it is compared to, in one run.

    python benchmarks/run.py                        # every case, 5 repeats each
    python benchmarks/run.py --cases resnet50 llama2_70b --repeats 3 --json results.json

Cases (model, device, input):
  resnet50, vit_b16     timm, cpu, 1×3×224×224
  chain4000             4,000 tiny ops on cpu: [Linear(8, 8), +1, ×2, softmax] × 1,000
  vit_giant             timm vit_giant_patch14_224 on meta
  llama2_70b            Llama-2-70B's configuration (transformers, from a config) on meta, 1×2048 tokens
  gpt2_dims         GPT-2 small (from a config) on meta, 1×1024 tokens: ``meta`` against ``symbolic``
                        (``dims={"input_ids": {1: "T"}}``, issue 24's target: at most 3× ``meta``) and
                        ``fake_forward`` (the plain forward on the fake tensors a symbolic count runs on, T a
                        symbol, nothing counted: the floor under ``symbolic``)

Methods: ``forward`` (the plain eager forward, no_grad), ``default`` (``count_flops`` as a user calls
it: the default engine, per-op times on), ``fx``, ``eager`` and ``aten`` (that engine), ``meta`` (the default
engine on the same model built on meta), ``flop_counter`` (torch's FlopCounterMode around a forward),
``no_bytes`` (the default engine with ``count_bytes=False``).
Training methods (issue 14) count a forward and its backward: ``train_forward`` (a plain forward with grad
and ``torch.autograd.grad`` of the outputs' sum over the parameters), ``train_default`` and ``train_aten``
(``count_flops(..., backward=True)``), ``train_flop_counter`` (FlopCounterMode around the same forward and
backward); their ratios are taken against ``train_forward`` and ``train_flop_counter``.
Each (case, method) runs in its own process, so its peak RSS is its own: the first call is reported on
its own (``first ms``: one-time initialisation, the rule table, lazy imports), then the median of
``--repeats`` calls and their interquartile range (IQR: the middle half of the repeats). Every call is a
fresh count: nothing is reused across calls (counts keep no cache). Ratios are taken against ``forward``
and ``flop_counter`` of the same run, of the medians; where the two IQRs overlap the difference is smaller
than the run's own noise and the table says "within noise" instead (``spread.py``). The bytes' cost is
timed by ``no_bytes``' process alternating the two calls (a busy moment hits both); a run on a busy
machine (load above the CPU count) says so. A line per (case,
method) goes to stderr as it finishes. The header names the machine, torch, the thread count and the date:
docs/benchmarks.md holds one recorded run, and the docs quote it.
Targets (issue 11): resnet50/vit_b16 default ≤ 1.15× forward; chain4000 default ≤ 0.25× flop_counter;
(issues 5, 8) vit_giant < 1 s; llama2_70b < 2 s and < 1 GB; (issue 13) aten ≤ 1× flop_counter on each case;
(issue 14) train_default ≤ 1.3× train_forward on resnet50/vit_b16, ≤ 1× train_flop_counter and < 1 GB on
llama2_70b; (issue 16) the bytes per op (``default`` against ``no_bytes``: ``count_bytes=False``) cost < 5%
of a count.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import torch
from spread import Spread, compare

TRAINING = ("train_forward", "train_default", "train_aten", "train_flop_counter")
CASES: dict[str, tuple[str, ...]] = {
    "resnet50": ("forward", "default", "no_bytes", "fx", "aten", "meta", "flop_counter", *TRAINING),
    "vit_b16": ("forward", "default", "no_bytes", "fx", "aten", "meta", "flop_counter", *TRAINING),
    "chain4000": ("forward", "default", "no_bytes", "fx", "aten", "flop_counter"),
    "vit_giant": ("default", "fx", "aten", "flop_counter"),
    "llama2_70b": ("default", "aten", "flop_counter", "train_default", "train_aten", "train_flop_counter"),
    "gpt2_dims": ("meta", "symbolic", "fake_forward"),
}


class Chain(torch.nn.Module):
    """4,000 tiny ops: the per-op overhead of a counter, with almost no arithmetic to hide it."""

    def __init__(self, blocks: int = 1000) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(8, 8) for _ in range(blocks))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = ((layer(x) + 1) * 2).softmax(-1)
        return x


def build(case: str, meta: bool = False) -> tuple[torch.nn.Module, tuple[Any, ...], dict[str, Any]]:
    """The model and its inputs (on meta for the meta cases, or when ``meta``)."""
    if case in ("resnet50", "vit_b16", "vit_giant"):
        import timm

        name = {"resnet50": "resnet50", "vit_b16": "vit_base_patch16_224", "vit_giant": "vit_giant_patch14_224"}[case]
        device = "meta" if case == "vit_giant" or meta else "cpu"
        with torch.device(device):
            return timm.create_model(name, pretrained=False).eval(), (torch.randn(1, 3, 224, 224),), {}
    if case == "chain4000":
        return Chain().eval(), (torch.randn(1, 8),), {}
    if case == "gpt2_dims":  # issue 24: a symbolic count (dims=) against a concrete one, both on meta
        from transformers import GPT2Config, GPT2LMHeadModel

        with torch.device("meta"):
            return GPT2LMHeadModel(GPT2Config()).eval(), (), {"input_ids": torch.zeros(1, 1024, dtype=torch.long)}
    if case == "llama2_70b":
        from transformers import LlamaConfig, LlamaForCausalLM

        config = LlamaConfig(
            hidden_size=8192, intermediate_size=28672, num_hidden_layers=80, num_attention_heads=64,
            num_key_value_heads=8, vocab_size=32000, max_position_embeddings=4096,
        )  # fmt: skip
        with torch.device("meta"):
            return LlamaForCausalLM(config).eval(), (), {"input_ids": torch.zeros(1, 2048, dtype=torch.long)}
    raise ValueError(f"unknown case {case!r}; choose from {', '.join(CASES)}")


def _train_step(model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A plain forward with grad and the gradient of its output's sum over the parameters (no .grad written)."""
    with torch.enable_grad():
        out = model(*args, **kwargs)
        out = getattr(out, "logits", out)
        params = [p for p in model.parameters() if p.requires_grad]
        return torch.autograd.grad(out.sum(), params)


def method_fn(method: str, model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[], Any]:
    if method == "train_forward":
        return lambda: _train_step(model, args, kwargs)
    if method == "train_flop_counter":
        from torch.utils.flop_counter import FlopCounterMode

        def train_flop_counter() -> Any:
            with FlopCounterMode(display=False) as counter:
                _train_step(model, args, kwargs)
            return counter.get_total_flops()

        return train_flop_counter
    if method == "forward":

        def forward() -> Any:
            with torch.no_grad():
                return model(*args, **kwargs)

        return forward
    if method == "fake_forward":
        return lambda: _fake_forward(model, args, kwargs)
    if method == "flop_counter":
        from torch.utils.flop_counter import FlopCounterMode

        def flop_counter() -> Any:
            with torch.no_grad(), FlopCounterMode(display=False) as counter:
                model(*args, **kwargs)
            return counter.get_total_flops()

        return flop_counter
    from torch_flops_core import count_flops
    from torch_flops_core.testing import only_plugins

    disable = only_plugins(["nn", "functional", "aten"])  # the built-in packs alone, whatever else is installed
    if method in ("default", "meta"):  # "meta": the default engine, on a model built on meta
        return lambda: count_flops(model, *args, disable=disable, **kwargs)
    if method == "symbolic":  # one count with the sequence length a symbol: every figure a formula in T
        return lambda: count_flops(model, *args, dims={"input_ids": {1: "T"}}, disable=disable, **kwargs)
    if method == "no_bytes":  # the default engine without the bytes per op (issue 16's columns)
        return lambda: count_flops(model, *args, count_bytes=False, disable=disable, **kwargs)
    if method.startswith("train_"):
        engine = "auto" if method == "train_default" else method.removeprefix("train_")
        return lambda: count_flops(model, *args, engine=engine, backward=True, disable=disable, **kwargs)  # type: ignore[arg-type]
    return lambda: count_flops(model, *args, engine=method, disable=disable, **kwargs)  # type: ignore[arg-type]


def _fake_forward(model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The forward alone on fake tensors of one ShapeEnv, dimension 1 of ``input_ids`` a symbol (torch's machinery,
    as a symbolic count sets it up; what it costs is the floor of that count)."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv, StatelessSymbolicContext

    mode = FakeTensorMode(shape_env=ShapeEnv(duck_shape=False), allow_non_fake_inputs=True)
    dynamic = [DimDynamic.STATIC, DimDynamic.DYNAMIC]
    ids = mode.from_tensor(kwargs["input_ids"], symbolic_context=StatelessSymbolicContext(dynamic_sizes=dynamic))
    with torch.no_grad(), mode:
        model(*args, **{**kwargs, "input_ids": ids})


def child(case: str, method: str, repeats: int) -> None:
    """Measure one (case, method) in this process and print one JSON line."""
    warnings.filterwarnings("ignore")
    model, args, kwargs = build(case, meta=method == "meta")
    fn = method_fn(method, model, args, kwargs)
    start = time.perf_counter()
    out = fn()  # the first call: lazy initialisation, the rule table
    first = time.perf_counter() - start
    paired = method_fn("default", model, args, kwargs) if method == "no_bytes" else None
    samples, ratios = [], []
    if paired is not None:
        paired()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
        if paired is not None:  # the bytes' cost: default and no_bytes alternated, so load hits both alike
            start = time.perf_counter()
            paired()
            ratios.append((time.perf_counter() - start) / samples[-1])
    row: dict[str, Any] = {
        "case": case,
        "method": method,
        "first_ms": first * 1e3,
        "median_ms": statistics.median(samples) * 1e3,
        "min_ms": min(samples) * 1e3,
        "samples_ms": [s * 1e3 for s in samples],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": os.getloadavg()[0],
    }
    if ratios:
        row["default_over_no_bytes"] = ratios
    if hasattr(out, "total"):
        total = out.total if isinstance(out.total, int) else out.formula()  # a symbolic count's figure: its formula
        row.update(flops=total, ops=len(out.ops), unrecognized=len(out.unrecognized), engine=out.engine)
    elif isinstance(out, int):
        row["flops_2mac"] = out
    print(json.dumps(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write every row to this file")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.repeats)
        return

    rows = measure(args.cases, args.repeats)
    print(report(rows, args.cases, args.repeats))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"machine": machine(), "repeats": args.repeats, "rows": rows}, f, indent=2)


def measure(cases: list[str], repeats: int) -> list[dict[str, Any]]:
    """Every (case, method) in its own process; a progress line on stderr as each finishes."""
    jobs = [(case, method) for case in cases for method in CASES[case]]
    rows, began = [], time.perf_counter()
    for i, (case, method) in enumerate(jobs, 1):
        cmd = [sys.executable, __file__, "--child", case, method, "--repeats", str(repeats)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        elapsed = f"[{i}/{len(jobs)} {time.perf_counter() - began:.0f} s]"
        if done.returncode != 0:
            print(f"{elapsed} {case}/{method} failed:\n{done.stderr[-2000:]}", file=sys.stderr, flush=True)
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        iqr = Spread(row["samples_ms"]).iqr()
        print(f"{elapsed} {case}/{method}: {row['median_ms']:.1f} ms (IQR {iqr})", file=sys.stderr, flush=True)
    return rows


def machine() -> str:
    """The machine, torch and the date, as the report's first line says them."""
    cpu = platform.processor() or platform.machine()
    return (
        f"{platform.system()} {cpu}, {os.cpu_count()} CPUs, {torch.get_num_threads()} threads, torch "
        f"{torch.__version__}, Python {platform.python_version()}, {datetime.date.today().isoformat()}, load "
        f"average {os.getloadavg()[0]:.1f} at the end"
    )


def report(rows: list[dict[str, Any]], cases: list[str], repeats: int) -> str:
    """The table: medians, IQRs, ratios of medians (or "within noise"), RSS, FLOPs; the bytes per op's cost."""
    spreads = {(r["case"], r["method"]): Spread(r["samples_ms"]) for r in rows}
    lines = [machine(), f"median and IQR (ms) of {repeats} calls after a first; ratios of medians, or "
             '"within noise" where the two IQRs overlap']  # fmt: skip
    header = (
        f"{'case':<12}{'method':<20}{'first ms':>10}{'ms':>10}{'IQR':>15}{'× forward':>14}{'× FCM':>14}"
        f"{'peak RSS MB':>13}{'FLOPs':>22}  note"
    )
    lines += [header, "-" * len(header)]
    for r in rows:
        train = "train_" if r["method"].startswith("train_") else ""
        mine = spreads[(r["case"], r["method"])]
        shown_ratios = []
        for against in (f"{train}forward", f"{train}flop_counter"):
            other = spreads.get((r["case"], against))
            ratio, shown = (None, "-") if other is None else (1.0, "1.00") if other is mine else compare(mine, other)
            r[f"x_{against.removeprefix(train)}"] = ratio
            shown_ratios.append(shown)
        flops = r.get("flops", r.get("flops_2mac"))
        shown = "" if flops is None else f"{flops:,}" if isinstance(flops, int) else str(flops)
        note = f"{r['ops']} ops, {r['unrecognized']} unrecognized, {r['engine']}" if "ops" in r else ""
        note = "FlopCounterMode: 2·MACs" if r["method"].endswith("flop_counter") else note
        lines.append(
            f"{r['case']:<12}{r['method']:<20}{r['first_ms']:>10.1f}{r['median_ms']:>10.1f}{mine.iqr():>15}"
            f"{shown_ratios[0]:>14}{shown_ratios[1]:>14}{r['peak_rss_mb']:>13.0f}{shown:>22}  {note}"
        )
    for r in rows:
        if "default_over_no_bytes" in r:
            pairs = Spread(r["default_over_no_bytes"])
            within = pairs.q1 <= 1 <= pairs.q3
            cost = "within noise" if within else f"{100 * (pairs.median - 1):+.1f}% of a count"
            lines.append(
                f"{r['case']}: the bytes per op cost {cost} (default / no_bytes alternated in one process: "
                f"median {pairs.median:.3f}, IQR {pairs.q1:.3f}–{pairs.q3:.3f})"
            )
    medians = {(r["case"], r["method"]): r["median_ms"] for r in rows}
    for method in ("symbolic", "fake_forward"):
        if ("gpt2_dims", method) in medians and ("gpt2_dims", "meta") in medians:
            ratio = medians[("gpt2_dims", method)] / medians[("gpt2_dims", "meta")]
            lines.append(f"gpt2_dims: {method} / meta = {ratio:.2f} (medians)")
    busiest = max((r.get("load", 0.0) for r in rows), default=0.0)
    if busiest > (os.cpu_count() or 1):
        lines.append(
            f"the machine was busy (load average up to {busiest:.1f} on {os.cpu_count()} CPUs): rows measured "
            "in different processes may differ by load, not by code; compare within a row's IQR only"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
