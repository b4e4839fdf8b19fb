"""How long ``torch-flops --help`` takes, against an empty Python (issue 25: under 0.5 s, torch never imported).

    python benchmarks/cli_help.py               # 11 alternating runs of each command
    python benchmarks/cli_help.py --repeats 21

Each command runs in a fresh process, the two alternating so that a busy moment hits both; the table shows
each one's median and interquartile range (IQR) in ms, and the difference of the medians against
``python -c pass``, or "within noise" when the two IQRs overlap (``spread.py``).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time

from spread import Spread

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -m torch_flops_core --help": [sys.executable, "-m", "torch_flops_core", "--help"],
    "python -m torch_flops_core count --help": [sys.executable, "-m", "torch_flops_core", "count", "--help"],
}


def wall_ms(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, cmd in COMMANDS.items():
            samples[name].append(wall_ms(cmd))
    base = Spread(samples["python -c pass"])
    print(
        f"{platform.system()} {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{args.repeats} alternating runs of each; ms: median (IQR)"
    )
    for name, times in samples.items():
        mine = Spread(times)
        if name == "python -c pass":
            versus = ""
        elif mine.overlaps(base):
            versus = "  within noise of python -c pass"
        else:
            versus = f"  +{mine.median - base.median:.0f} ms over python -c pass"
        print(f"{name:<42}{mine.median:>8.0f}  ({mine.iqr()}){versus}")


if __name__ == "__main__":
    main()
