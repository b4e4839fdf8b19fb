"""The status of every aten overload this torch registers: the table docs/aten-coverage.md shows.

    python tools/op_status.py              # summary, then every op that is `unknown`
    python tools/op_status.py --markdown   # the block between the markers of
                                                                  # docs/aten-coverage.md (tests compare them)
    python tools/op_status.py --all        # one line per overload

Statuses (``torch_flops_core.coverage``): ``rule`` (by the pack module that holds it), ``composite``
(torch's CompositeImplicitAutograd kernel: counted by its parts), ``decomposed`` (torch's Core ATen
decomposition, run under the counter), ``uncounted`` (no rule, for the reason
``torch_flops_rules_aten.uncounted.UNCOUNTED`` gives), ``unknown`` (a gap: the test fails on any).
"""

from __future__ import annotations

import argparse
from collections import Counter

import torch

from torch_flops_core import get_plugins
from torch_flops_core.coverage import OpStatus, op_statuses
from torch_flops_rules_aten.uncounted import UNCOUNTED

BEGIN, END = "<!-- op-status:begin -->", "<!-- op-status:end -->"


def statuses() -> list[OpStatus]:
    """Every aten overload's status under the installed plugins and the aten pack's reasons."""
    return op_statuses(get_plugins().table, UNCOUNTED)


def _family(status: OpStatus) -> str:
    if status.status == "rule":
        module = status.detail.split(".")[-2]  # package.module.rule
        return f"`{status.plugin}` pack, `{module}`"
    return status.detail


def markdown(found: list[OpStatus]) -> str:
    """The generated block of docs/aten-coverage.md: totals per status, rules per module, reasons."""
    by_status = Counter(s.status for s in found)
    by_rule = Counter(_family(s) for s in found if s.status == "rule")
    by_reason = Counter(s.detail for s in found if s.status == "uncounted")
    order = ("rule", "composite", "decomposed", "uncounted", "unknown")
    lines = [
        f"torch {torch.__version__.split('+')[0]}: {len(found)} aten overloads.",
        "",
        "| status | overloads |",
        "|---|---:|",
        *(f"| {status} | {by_status[status]} |" for status in order),
        "",
        "| counted by | overloads |",
        "|---|---:|",
        *(f"| {family} | {n} |" for family, n in sorted(by_rule.items())),
        "",
        "| uncounted because | overloads |",
        "|---|---:|",
        *(f"| {why} | {n} |" for why, n in sorted(by_reason.items())),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the docs block")
    parser.add_argument("--all", action="store_true", help="one line per overload")
    options = parser.parse_args()
    found = statuses()
    if options.markdown:
        print(BEGIN, markdown(found), END, sep="\n")
        return
    if options.all:
        for s in found:
            print(f"{s.op:60} {s.status:11} {s.detail}")
        return
    print(Counter(s.status for s in found))
    for s in found:
        if s.status == "unknown":
            print("unknown:", s.op)


if __name__ == "__main__":
    main()
