"""Speed and memory of simulate_study.

Run: python benchmarks/bench_simulate.py [N ...]   (default sizes 1,000  10,000  100,000)

Each size runs in a fresh Python process, so the peak resident memory reported is that of the
simulation alone (plus the interpreter with numpy and pandas, about 100 MB).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
import numpy as np
from cartkit.simulate import simulate_study
n = {n}
start = time.perf_counter()
study = simulate_study(n, seed=0)
seconds = time.perf_counter() - start
rows = {{name: len(df) for name, df in study.tables.items()}}
# shallow size: object columns hold references to shared strings (ids, test names, levels)
table_mb = sum(df.memory_usage(index=False, deep=False).sum() for df in study.tables.values())
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"n": n, "seconds": seconds, "rows": rows, "table_mb": table_mb / 2**20,
                   "peak_mb": peak_mb}}))
"""


def run(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(src=SRC, n=n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    print(f"{'patients':>9} {'seconds':>8} {'rows':>11} {'tables MB':>10} {'peak RSS MB':>12}")
    for n in sizes:
        r = run(n)
        total = sum(r["rows"].values())
        print(
            f"{n:>9,} {r['seconds']:>8.2f} {total:>11,} {r['table_mb']:>10,.0f} "
            f"{r['peak_mb']:>12,.0f}"
        )
    print("rows per table at the largest size:", json.dumps(r["rows"]))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
