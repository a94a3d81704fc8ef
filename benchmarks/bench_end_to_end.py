"""The goal table of issue 16, row by row: the commands as a user runs them, and their goals.

Run: python benchmarks/bench_end_to_end.py [--100k] [--runs 3] [--only WORD]

Each row runs its command in a fresh process (``python -m cartkit.cli ...`` from this
checkout's src/) ``--runs`` times (3: the best counts, as the issue says) and prints one line:
the best and median wall time, the CPU time of the best run (the command and its figure
workers; on a shared machine the wall time depends on the load, the CPU time much less), the
peak memory of the command's process and of its largest worker, and the goal beside them. The
100,000-patient rows run once, and only with ``--100k`` (they take minutes and gigabytes).
The studies the reports read are simulated first, untimed. The load average is printed with
every row: compare rows measured under similar load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

# runs the command line in this process and reports what it used (stderr, last line)
WRAPPER = """
import json, resource, sys
sys.path.insert(0, {src!r})
from cartkit.cli import main
code = main(sys.argv[1:])
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{
    "code": code,
    "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    "peak_mb": me.ru_maxrss / 1024,
    "worker_peak_mb": kids.ru_maxrss / 1024,
}}), file=sys.stderr)
"""

GIB = 1024.0


@dataclass(frozen=True)
class Row:
    name: str
    args: list[str]
    max_seconds: float
    max_mb: float | None = None
    big: bool = False  # a 100,000-patient row: once, with --100k


def run_once(args: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER.format(src=SRC), *args],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    used = json.loads(proc.stderr.strip().splitlines()[-1])
    if used["code"] != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return {"wall": wall, **used}


def measure(row: Row, runs: int, work: Path) -> str:
    results = []
    for _ in range(1 if row.big else runs):
        out = tempfile.mkdtemp(dir=work)  # a new folder each run: nothing to replace
        args = [a.replace("{out}", str(Path(out) / "out")) for a in row.args]
        results.append(run_once(args))
    best = min(results, key=lambda r: r["wall"])
    walls = [r["wall"] for r in results]
    peak = max(r["peak_mb"] for r in results)
    worker = max(r["worker_peak_mb"] for r in results)
    ok = best["wall"] < row.max_seconds and (row.max_mb is None or peak < row.max_mb)
    goal = f"< {row.max_seconds:g} s" + (
        f", < {row.max_mb / GIB:g} GiB" if row.max_mb is not None else ""
    )
    load = os.getloadavg()[0]
    return (
        f"{row.name:<44} best {best['wall']:7.1f} s  median {statistics.median(walls):7.1f} s"
        f"  cpu {best['cpu']:7.1f} s  peak {peak:7.0f} MB (workers {worker:4.0f} MB)"
        f"  goal {goal:<18} {'ok' if ok else 'MISSED'}  (load {load:.1f}, {len(walls)} run(s))"
    )


def setup(work: Path, big: bool) -> dict[str, Path]:
    """The studies the report rows read, simulated once (untimed)."""
    studies = {"10k": work / "study_10k"}
    run_once(["simulate", "--patients", "10000", "--out", str(studies["10k"])])
    if big:
        studies["100k"] = work / "study_100k"
        simulate = ["simulate", "--patients", "100000", "--format", "parquet"]
        run_once([*simulate, "--out", str(studies["100k"])])
    return studies


def rows(studies: dict[str, Path]) -> list[Row]:
    out = [
        Row("cartkit --help", ["--help"], 1.0),
        Row("cartkit validate --help", ["validate", "--help"], 1.0),
        Row("cartkit demo (50 patients)", ["demo", "--out", "{out}"], 10.0),
        Row("cartkit demo --svg (50 patients)", ["demo", "--svg", "--out", "{out}"], 10.0),
        Row(
            "cartkit report, 10,000 patients (csv)",
            ["report", str(studies["10k"]), "--out", "{out}"],
            40.0,
            2 * GIB,
        ),
        Row(
            "cartkit simulate 20,000 (csv; memory flat)",
            ["simulate", "--patients", "20000", "--out", "{out}"],
            120.0,
        ),
        Row(
            "cartkit simulate 100,000 --format parquet",
            ["simulate", "--patients", "100000", "--format", "parquet", "--out", "{out}"],
            60.0,
            4 * GIB,
            big=True,
        ),
        Row(
            "cartkit simulate 100,000 (csv)",
            ["simulate", "--patients", "100000", "--out", "{out}"],
            120.0,
            big=True,
        ),
    ]
    if "100k" in studies:
        out.append(
            Row(
                "cartkit report --large, 100,000 (parquet)",
                ["report", str(studies["100k"]), "--large", "--out", "{out}"],
                600.0,
                8 * GIB,
                big=True,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--100k", dest="big", action="store_true", help="the 100,000 rows too")
    parser.add_argument("--runs", type=int, default=3, help="runs of each row (best counts)")
    parser.add_argument("--only", default=None, help="only rows whose name holds this text")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cartkit_e2e_") as tmp:
        work = Path(tmp)
        studies = setup(work, options.big)
        print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} before the rows")
        for row in rows(studies):
            if row.big and not options.big:
                continue
            if options.only and options.only not in row.name:
                continue
            print(measure(row, options.runs, work), flush=True)


if __name__ == "__main__":
    main()
