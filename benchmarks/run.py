"""Counting overhead against the model's own forward pass, measured side by side in one run.

    python benchmarks/run.py                  # ResNet-50 and ViT-B/16 (timm, cpu, batch 1)
    python benchmarks/run.py --repeats 9 --json results.json

For each model: the plain eager forward (eval, no_grad), and ``count_flops`` with the fx engine
(trace + interpret, per-op times on), each the median of ``--repeats`` runs after one warm-up.
The ratio counting/forward is the figure of merit (target ≤ 1.3, issue 8).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import timm
import torch

from torch_flops_core import count_flops

MODELS = {"resnet50": (1, 3, 224, 224), "vit_base_patch16_224": (1, 3, 224, 224)}


def median_seconds(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm-up: first-call allocations, lazy imports, the cached rule table
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench(name: str, shape: tuple[int, ...], repeats: int) -> dict[str, Any]:
    model = timm.create_model(name, pretrained=False).eval()
    x = torch.randn(shape)

    def forward() -> None:
        with torch.no_grad():
            model(x)

    forward_s = median_seconds(forward, repeats)
    count_s = median_seconds(lambda: count_flops(model, x), repeats)
    result = count_flops(model, x)
    return {
        "model": name,
        "input": list(shape),
        "flops": result.total,
        "ops": len(result.ops),
        "unrecognized": len(result.unrecognized),
        "forward_ms": forward_s * 1e3,
        "count_fx_ms": count_s * 1e3,
        "ratio_count_to_forward": count_s / forward_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_grad_enabled(True)
    rows = [bench(name, MODELS[name], args.repeats) for name in args.models]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, median of {args.repeats} runs")
    print(f"{'model':<24}{'FLOPs':>18}{'ops':>6}{'forward ms':>12}{'count ms':>11}{'ratio':>8}")
    for r in rows:
        print(
            f"{r['model']:<24}{r['flops']:>18,}{r['ops']:>6}{r['forward_ms']:>12.1f}"
            f"{r['count_fx_ms']:>11.1f}{r['ratio_count_to_forward']:>8.2f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"torch": torch.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
