"""Counts in several threads are independent, and never change another thread's plain forward.

The eager engine's module hooks are process-wide but dispatch to the counting thread's own counter
(torch keeps the function mode per thread), so a thread that is not counting sees no hook of ours
do anything, and every count's state is its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from torch_flops_core import count_flops

WIDTH, ROWS, DEPTH = 32, 4, 6


def make_model() -> nn.Module:
    layers: list[nn.Module] = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.ReLU()]
    return nn.Sequential(*layers).eval()


EXPECTED = DEPTH * ((2 * WIDTH - 1) * ROWS * WIDTH + ROWS * WIDTH + ROWS * WIDTH)  # Linear with bias, ReLU


def run_threads(target: Callable[[int], None], n: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # collected, and asserted on by the caller
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_many_threads_counting_one_model_all_get_the_right_total() -> None:
    model, x = make_model(), torch.randn(ROWS, WIDTH)
    totals: list[tuple[int, int, int]] = []

    def work(i: int) -> None:
        for _ in range(10):
            r = count_flops(model, x, engine="auto" if i % 2 else "eager")
            totals.append((r.total, len(r.ops), len({op.module_path for op in r.ops})))

    assert run_threads(work, 8) == []
    assert set(totals) == {(EXPECTED, 2 * DEPTH, 2 * DEPTH)}
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert not torch.nn.modules.module._global_forward_hooks


def test_threads_counting_different_models_get_their_own_totals() -> None:
    def work(i: int) -> None:
        width = 8 * (i + 1)
        model = nn.Sequential(nn.Linear(width, width), nn.ReLU())
        for _ in range(10):
            assert count_flops(model, torch.randn(2, width)).total == (2 * width - 1) * 2 * width + 4 * width

    assert run_threads(work, 6) == []


def test_counting_never_changes_what_another_threads_forward_computes() -> None:
    model = make_model()
    x = torch.randn(ROWS, WIDTH)
    with torch.no_grad():
        reference = model(x)
    stop = threading.Event()
    seen: list[Any] = []

    def infer(_: int) -> None:
        with torch.no_grad():
            while not stop.is_set():
                out = model(x)
                seen.append(torch.equal(out, reference))

    def count(_: int) -> None:
        try:
            for _ in range(20):
                assert count_flops(model, x).total == EXPECTED
        finally:
            stop.set()

    errors: list[BaseException] = []
    workers = [threading.Thread(target=lambda: errors.extend(run_threads(infer, 1)))]
    workers[0].start()
    errors += run_threads(count, 1)
    workers[0].join()
    assert errors == []
    assert seen and all(seen)
