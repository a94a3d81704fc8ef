"""Speed and memory of reading, validating and writing a study's files.

Run: python benchmarks/bench_io.py [N]   (default 10,000 patients)

Simulates N patients, writes them as csv, then times in fresh processes: writing the tables as
csv (the vectorised writer, and the cell-by-cell formatting it replaced, for comparison),
reading the folder as read (no interpretation), and validating it. Peak memory is that of each
step's process (the interpreter with numpy and pandas is about 100 MB).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
import pandas as pd
import cartkit as ck
from cartkit.io.readers import read_raw_study
from cartkit.io.writers import _format_cell, frame_to_csv_text
folder = {folder!r}
step = {step!r}
if step in ("write", "write_cell_by_cell"):
    tables = ck.read_study(folder).tables
start = time.perf_counter()
if step == "write":
    for df in tables.values():
        frame_to_csv_text(df)
elif step == "write_cell_by_cell":
    for df in tables.values():
        cells = pd.DataFrame({{c: [_format_cell(v) for v in df[c]] for c in df.columns}})
        cells.to_csv(index=False, lineterminator="\\n")
elif step == "read":
    read_raw_study(folder)
else:
    ck.validate_study(folder)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"step": step, "seconds": seconds, "peak_mb": peak_mb}}))
"""


def run(folder: str, step: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(src=SRC, folder=folder, step=step)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n: int = 10_000) -> None:
    sys.path.insert(0, SRC)
    import cartkit as ck

    with tempfile.TemporaryDirectory() as tmp:
        folder = str(Path(tmp) / "study")
        study = ck.simulate_study(n, seed=0)
        study.write(folder, "csv")
        cells = sum(df.size for df in study.tables.values())
        print(f"{n:,} patients, {cells:,} cells")
        for step in ("write", "write_cell_by_cell", "read", "validate"):
            r = run(folder, step)
            print(f"  {step:<20} {r['seconds']:7.1f} s   peak {r['peak_mb']:7.0f} MB")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
