"""Times masterlib against peer libraries from PyPI on the same signal, in one run.

Run by hand (not in CI), after ./scripts/setup.sh:

    . .venv/bin/activate
    pip install pedalboard
    python benches/compare_peers.py            # 60 s stereo 48 kHz

Prints, per processor, each library's speed as a multiple of real time and
the ratio masterlib / peer (above 1 means masterlib is faster). Both run
single-threaded on the same float32 array; the best of several repeats is
kept, so a busy machine inflates both sides alike.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np

import masterlib as ml

SR = 48_000


def best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up (and prepare)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def signal(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * SR)) / SR
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    return (np.stack([tone, np.roll(tone, 100)]) + 0.1 * rng.standard_normal((2, t.size))).astype(np.float32)


def eq_bands(n: int) -> list:
    freqs = np.geomspace(60, 12_000, n)
    return [ml.PeakFilter(cutoff_hz=float(f), gain_db=2.0 if i % 2 else -2.0, q=1.0) for i, f in enumerate(freqs)]


def pedalboard_cases(x: np.ndarray) -> list[tuple[str, Callable[[], object], Callable[[], object] | None]]:
    try:
        import pedalboard as pb
    except ImportError:
        pb = None
    four = [
        ml.HighPass(cutoff_hz=40.0, order=2),
        ml.LowShelf(cutoff_hz=120.0, gain_db=2.0, q=0.7071),
        ml.PeakFilter(cutoff_hz=1000.0, gain_db=-3.0, q=1.0),
        ml.HighShelf(cutoff_hz=8000.0, gain_db=1.5, q=0.7071),
    ]
    ours = {
        "Gain": ml.Gain(gain_db=-3.0),
        "HighpassFilter": ml.HighPass(cutoff_hz=40.0, order=2),
        "LowShelfFilter": ml.LowShelf(cutoff_hz=120.0, gain_db=2.0, q=0.7071),
        "PeakFilter": ml.PeakFilter(cutoff_hz=1000.0, gain_db=-3.0, q=1.0),
        "HighShelfFilter": ml.HighShelf(cutoff_hz=8000.0, gain_db=1.5, q=0.7071),
        "4-band chain": ml.Chain(four),
        "8-band EQ": ml.Equalizer(bands=eq_bands(8)),
    }
    theirs: dict[str, object] = {}
    if pb is not None:
        theirs = {
            "Gain": pb.Pedalboard([pb.Gain(gain_db=-3.0)]),
            "HighpassFilter": pb.Pedalboard([pb.HighpassFilter(cutoff_frequency_hz=40.0)]),
            "LowShelfFilter": pb.Pedalboard([pb.LowShelfFilter(cutoff_frequency_hz=120.0, gain_db=2.0, q=0.7071)]),
            "PeakFilter": pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=-3.0, q=1.0)]),
            "HighShelfFilter": pb.Pedalboard([pb.HighShelfFilter(cutoff_frequency_hz=8000.0, gain_db=1.5, q=0.7071)]),
            "4-band chain": pb.Pedalboard(
                [
                    pb.HighpassFilter(cutoff_frequency_hz=40.0),
                    pb.LowShelfFilter(cutoff_frequency_hz=120.0, gain_db=2.0, q=0.7071),
                    pb.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=-3.0, q=1.0),
                    pb.HighShelfFilter(cutoff_frequency_hz=8000.0, gain_db=1.5, q=0.7071),
                ]
            ),
        }
    cases = []
    for name, proc in ours.items():
        peer = theirs.get(name)
        cases.append(
            (
                name,
                lambda p=proc: p(x, SR),
                (lambda b=peer: b(x, SR, reset=True)) if peer is not None else None,
            )
        )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    x = signal(args.seconds)
    print(f"signal: {args.seconds:.0f} s stereo {SR} Hz float32; x real time (higher is faster)")
    print(f"{'processor':<18}{'masterlib':>12}{'peer':>12}{'ratio':>9}")
    for name, ours, theirs in pedalboard_cases(x):
        t_ours = best_time(ours, args.repeats)
        rt_ours = args.seconds / t_ours
        if theirs is None:
            print(f"{name:<18}{rt_ours:>11.0f}x{'-':>12}{'-':>9}")
            continue
        t_theirs = best_time(theirs, args.repeats)
        rt_theirs = args.seconds / t_theirs
        print(f"{name:<18}{rt_ours:>11.0f}x{rt_theirs:>11.0f}x{t_theirs / t_ours:>8.2f}x")


if __name__ == "__main__":
    main()
