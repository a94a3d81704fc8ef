"""Speed and memory of cartkit's NCA on 1,000,000 CAR-T profiles x 12 samples.

Run: python benchmarks/bench_nca.py [--profiles N] [--repeat R]

Reports, for the array entry point (``nca_arrays``) and the DataFrame entry point (``nca``):
wall time (best of R), peak memory allocated during the call (tracemalloc, measured in a separate
call), and the ratio of the time to a bare numpy pass (row max + trapezoid AUC) over the same
arrays, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cartkit.kinetics import nca, nca_arrays

NOMINAL = np.array([0, 4, 7, 10, 14, 21, 28, 84, 182, 273, 378, 728], dtype=float)


def simulate(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """CAR-T-like profiles: expansion to a peak near day 10, biphasic contraction, noise, BLQ."""
    rng = np.random.default_rng(seed)
    jitter = rng.integers(-1, 2, size=(n, NOMINAL.size)).astype(float)
    jitter[:, NOMINAL > 28] *= 7
    jitter[:, 0] = 0
    t = NOMINAL + jitter
    t[:, 1:] = np.maximum(t[:, 1:], 1)
    cmax = 24000 * np.exp(rng.normal(0, 1.3, n))[:, None]
    tmax = 9.3 * np.exp(rng.normal(0, 0.6, n))[:, None]
    fold = 3900 * np.exp(rng.normal(0, 1.5, n))[:, None]
    alpha = 0.16 * np.exp(rng.normal(0, 0.9, n))[:, None]
    beta = 0.0032 * np.exp(rng.normal(0, 0.9, n))[:, None]
    fb = np.minimum(0.5, 0.0079 * np.exp(rng.normal(0, 0.9, n)))[:, None]
    rise = cmax / fold * np.exp(np.minimum(np.log(fold) / tmax * t, 50.0))
    fall = cmax * ((1 - fb) * np.exp(-alpha * (t - tmax)) + fb * np.exp(-beta * (t - tmax)))
    c = np.where(t < tmax, rise, fall) * np.exp(rng.normal(0, 0.56, t.shape))
    c[:, 0] = 0
    c = np.where(c < 100, 0.0, np.round(c, 1))
    return t, c


def bare_numpy(t: np.ndarray, c: np.ndarray) -> None:
    c.max(axis=1)
    np.trapezoid(c, t, axis=1)


def bare_numpy_chunked(t: np.ndarray, c: np.ndarray, rows: int = 8192) -> None:
    # the same pass in cache-sized blocks, as cartkit works: a stricter baseline at 10^6
    for lo in range(0, t.shape[0], rows):
        c[lo : lo + rows].max(axis=1)
        np.trapezoid(c[lo : lo + rows], t[lo : lo + rows], axis=1)


def best_time(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_mib(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.profiles, args.repeat
    t, c = simulate(n)
    print(f"{n:,} profiles x {t.shape[1]} samples ({t.size:,} samples), numpy {np.__version__}")
    print(f"input arrays: {(t.nbytes + c.nbytes) / 2**20:.0f} MiB")

    base = best_time(lambda: bare_numpy(t, c), repeat)
    print(f"bare numpy pass (row max + trapezoid AUC): {base:.3f} s")
    chunked = best_time(lambda: bare_numpy_chunked(t, c), repeat)
    print(f"bare numpy pass in 8192-row blocks: {chunked:.3f} s")

    arr = best_time(lambda: nca_arrays(t, c, lloq=100.0, window=(0, 28)), repeat)
    arr_mem = peak_mib(lambda: nca_arrays(t, c, lloq=100.0, window=(0, 28)))
    print(
        f"nca_arrays: {arr:.3f} s ({n / arr / 1e6:.2f} M profiles/s), "
        f"{arr / base:.1f}x bare numpy ({arr / chunked:.1f}x the blocked pass), "
        f"peak {arr_mem:.0f} MiB allocated"
    )

    df = pd.DataFrame(
        {
            "patient_id": np.repeat(np.arange(n), t.shape[1]),
            "day": t.reshape(-1),
            "copies_per_ug": c.reshape(-1),
        }
    )
    frame = best_time(lambda: nca(df, lloq=100.0, window=(0, 28)), max(1, repeat - 1))
    frame_mem = peak_mib(lambda: nca(df, lloq=100.0, window=(0, 28)))
    print(
        f"nca (DataFrame, integer ids, {len(df):,} rows): {frame:.3f} s, "
        f"{frame / base:.1f}x bare numpy ({frame / chunked:.1f}x the blocked pass), "
        f"peak {frame_mem:.0f} MiB allocated"
    )
    target = "met" if arr < 10 and arr / base <= 20 else "NOT met"
    print(f"target (array path < 10 s and within 20x of bare numpy): {target}")
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
