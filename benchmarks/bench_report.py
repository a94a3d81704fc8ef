"""Speed of the full report: ``cartkit report`` on a simulated cohort, phase by phase.

Run: python benchmarks/bench_report.py [N ...]   (default sizes 50 and 10,000)

Targets (issue 8): the 50-patient demo in under 15 s, a 10,000-patient report in under
3 minutes on this 2-core machine. Each size runs in a fresh Python process (so imports are
counted, as a user's command counts them) and reports the time of each phase and the peak
resident memory. The comparator is reading and validating the same study, the floor every
report pays: the report's time is also given as a ratio to it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

CHILD = """
import json, resource, sys, tempfile, time, warnings
sys.path.insert(0, {src!r})
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import cartkit as ck
from cartkit.report.write import write_report
n = {n}
tmp = tempfile.mkdtemp()
ck.simulate_study(n, seed=0).write(tmp + "/study", "csv")
times = {{}}
t = time.perf_counter()
study = ck.read_study(tmp + "/study")
times["read_validate"] = time.perf_counter() - t
t = time.perf_counter()
analysis = ck.analyze(study)
times["analyze"] = time.perf_counter() - t
t = time.perf_counter()
write_report(analysis, tmp + "/out", inputs=list(study.metadata["files"]))
times["write"] = time.perf_counter() - t
times["report_total"] = times["read_validate"] + times["analyze"] + times["write"]
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"n": n, "times": times, "tables": len(analysis.tables),
                   "figures": len(analysis.figures), "peak_mb": peak_mb}}))
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
    for n in sizes:
        r = run(n)
        t = r["times"]
        ratio = t["report_total"] / t["read_validate"]
        print(
            f"n={n:>6}: read+validate {t['read_validate']:6.2f} s, analyze {t['analyze']:6.2f} s, "
            f"write {t['write']:6.2f} s, total {t['report_total']:6.2f} s "
            f"({ratio:.1f}x read+validate); {r['tables']} tables, {r['figures']} figures, "
            f"peak {r['peak_mb']:.0f} MiB"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [50, 10_000])
