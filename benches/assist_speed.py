"""Times the mastering assistant: `assist` plus `master` of a 3-minute
stereo 48 kHz track on one core (the issue's budget: under 3 s), and
`master(..., assistant=True)` in one call.

Run by hand (not in CI), after ./scripts/setup.sh:

    . .venv/bin/activate
    python benches/assist_speed.py            # 3 minutes, 3 runs
    python benches/assist_speed.py --seconds 60 --runs 1

The process pins itself to one core and the thread pool to one thread
before masterlib is imported. The track is the tests' generated song
(dsp-python/tests/songs.py, "boomy" balance), 20 s repeated with a slow
level drift, so every stage of the assistant has work to do.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dsp-python" / "tests"))
import songs  # noqa: E402

import masterlib as ml  # noqa: E402


def track(seconds: float) -> np.ndarray:
    piece = songs.mix("boomy", 20.0)
    reps = int(np.ceil(seconds / 20.0))
    x = np.tile(piece, (1, reps))[:, : int(seconds * songs.SR)]
    drift = 1.0 + 0.3 * np.sin(2 * np.pi * np.arange(x.shape[1]) / (songs.SR * 47.0))
    return np.ascontiguousarray(x * drift, dtype=np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=180.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    x = track(args.seconds)
    print(f"{args.seconds:.0f} s stereo at {songs.SR} Hz, one core, best of {args.runs}")
    best = {"assist": 1e9, "master": 1e9, "both": 1e9, "one call": 1e9}
    for _ in range(args.runs):
        t0 = time.perf_counter()
        chain, report = ml.assist(x, songs.SR)
        t1 = time.perf_counter()
        y, _ = ml.master(x, songs.SR, chain=chain)
        t2 = time.perf_counter()
        z, _ = ml.master(x, songs.SR, assistant=True)
        t3 = time.perf_counter()
        for k, v in (("assist", t1 - t0), ("master", t2 - t1), ("both", t2 - t0), ("one call", t3 - t2)):
            best[k] = min(best[k], v)
    for k, v in best.items():
        print(f"  {k:9s} {v:6.2f} s")
    print("decisions:")
    for d in report.decisions:
        print(f"  {d}")


if __name__ == "__main__":
    main()
