"""Times masterlib's Mixer against DawDreamer on the same multitrack session.

Run by hand (not in CI), after ./scripts/setup.sh:

    . .venv/bin/activate
    pip install dawdreamer
    python benches/compare_mixer.py                 # 16 mono tracks of 180 s at 44.1 kHz
    python benches/compare_mixer.py --seconds 30    # quicker

The session: 16 mono tracks, each through a high-pass (100 Hz), a
compressor and a pan, summed to stereo, plus one reverb bus fed by a 0.2
send from every track. A second layout adds a 4-band EQ (four shelves) on every track and
two group buses (tracks 0-7 and 8-15) in front of the master.

Each run is its own process, pinned to the cores it may use (`taskset`), so
its peak memory (ru_maxrss) and time belong to it alone. Memory is reported
as the input's size plus the peak growth of the process while it renders
(measured from after the imports and the input's creation), next to the size
of the input plus the output: the issue asks
for a peak of at most 1.2x (input + output). DawDreamer has no latency
compensation and no send level of its own: the send is an add processor with
gains 0.2 ahead of its reverb. DawDreamer meters nothing, so masterlib renders
with `meters=False` unless `--meters` is given (a K-weighted loudness meter
on every track and bus).

Each timed render follows an untimed 1 s render of the same graph in the
same process (both tools), so that it measures the steady state; `--cold`
times the process's first render instead.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

SR = 44_100
TRACKS = 16
EQ_HZ = (120.0, 6000.0, 300.0, 3000.0)  # the 4-band EQ: shelves (DawDreamer has no peak filter)


def stems(seconds: float) -> np.ndarray:
    """(TRACKS, samples) float32: each track a decaying tone pattern plus noise,
    generated one second at a time so that no temporary outgrows the input."""
    n = int(seconds * SR)
    rng = np.random.default_rng(7)
    out = np.empty((TRACKS, n), dtype=np.float32)
    for start in range(0, n, SR):
        t = np.arange(start, min(start + SR, n)) / SR
        for i in range(TRACKS):
            f = 55.0 * 2 ** (i / 4)
            env = np.exp(-((t * (1 + i % 4)) % 1.0) * 6)
            out[i, start : start + len(t)] = 0.3 * env * np.sin(2 * np.pi * f * t) + 0.02 * rng.standard_normal(len(t))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pan_of(i: int) -> float:
    return -0.8 + 1.6 * i / (TRACKS - 1)


def run_masterlib(x: np.ndarray, eq: bool, meters: bool) -> np.ndarray:
    import masterlib as ml

    m = ml.Mixer(SR)
    reverb = m.add_bus("reverb", inserts=[ml.Reverb(decay_s=1.8, mix=1.0)])
    groups = [m.add_bus(f"group{g}") for g in range(2)] if eq else []
    for i in range(TRACKS):
        t = m.add_track(f"t{i}", x[i], gain_db=-6.0, pan=pan_of(i))
        t.inserts.append(ml.HighPass(cutoff_hz=100.0, order=2))
        if eq:
            shelves = [ml.LowShelf, ml.HighShelf] * 2
            t.inserts.append(ml.Equalizer(bands=[s(cutoff_hz=EQ_HZ[b], gain_db=2.0, q=0.7) for b, s in enumerate(shelves)]))
        t.inserts.append(ml.Compressor(threshold_db=-20.0, ratio=3.0))
        t.send(reverb, 20 * np.log10(0.2))
        if eq:
            t.route(groups[i // 8])
    return m.render(meters=meters)


def run_dawdreamer(x: np.ndarray, eq: bool, meters: bool) -> np.ndarray:
    import dawdreamer as dd

    engine = dd.RenderEngine(SR, 512)
    graph = []
    outs = []
    for i in range(TRACKS):
        play = engine.make_playback_processor(f"p{i}", np.stack([x[i], x[i]]))
        hp = engine.make_filter_processor(f"hp{i}", "high", 100.0, 0.7071)
        graph += [(play, []), (hp, [play.get_name()])]
        last = hp.get_name()
        if eq:
            for b in range(4):
                mode = ("low_shelf", "high_shelf")[b % 2]
                pk = engine.make_filter_processor(f"eq{i}_{b}", mode, EQ_HZ[b], 0.7, 10 ** (2.0 / 20))
                graph.append((pk, [last]))
                last = pk.get_name()
        comp = engine.make_compressor_processor(f"c{i}", -20.0, 3.0, 2.0, 50.0)
        pan = engine.make_panner_processor(f"pan{i}", "balanced", pan_of(i))
        graph += [(comp, [last]), (pan, [comp.get_name()])]
        outs.append(pan.get_name())
    send = engine.make_add_processor("send", [0.2 * 0.5] * TRACKS)
    verb = engine.make_reverb_processor("verb", 0.5, 0.5, 1.0, 0.0, 1.0)
    graph += [(send, [f"c{i}" for i in range(TRACKS)]), (verb, ["send"])]
    if eq:
        for g in range(2):
            graph.append((engine.make_add_processor(f"g{g}", [0.5] * 8), outs[8 * g : 8 * g + 8]))
        outs = ["g0", "g1"]
    graph.append((engine.make_add_processor("master", [0.5] * (len(outs) + 1)), outs + ["verb"]))
    engine.load_graph(graph)
    engine.render(x.shape[1] / SR)
    return engine.get_audio()


def child(lib: str, seconds: float, eq: bool, meters: bool, cold: bool) -> None:
    """One measured run, in this process; prints a JSON line. Unless `cold`,
    the same graph first renders 1 s untimed (either tool), so that the
    timed render is the steady state rather than the process's first
    touches of its libraries and threads."""
    run = run_masterlib if lib == "masterlib" else run_dawdreamer
    __import__("masterlib" if lib == "masterlib" else "dawdreamer")
    x = stems(seconds)
    if not cold:
        run(np.ascontiguousarray(x[:, :SR]), eq, meters)
    base = rss_mb()  # after imports and the input: the peak adds the input back below
    t = time.perf_counter()
    y = run(x, eq, meters)
    elapsed = time.perf_counter() - t
    print(
        json.dumps(
            {
                "time": elapsed,
                "peak_mb": rss_mb() - base + x.nbytes / 2**20,
                "io_mb": (x.nbytes + y.nbytes) / 2**20,
                "input_mb": x.nbytes / 2**20,
                "shape": list(y.shape),
            }
        )
    )


def measure(lib: str, seconds: float, eq: bool, cores: str, meters: bool, cold: bool) -> dict:
    env = dict(os.environ, RAYON_NUM_THREADS=str(len(cores.split(","))))
    cmd = ["taskset", "-c", cores, sys.executable, __file__, "--child", lib, "--seconds", str(seconds)]
    for flag, on in (("--eq", eq), ("--meters", meters), ("--cold", cold)):
        if on:
            cmd.append(flag)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", choices=["masterlib", "dawdreamer"])
    parser.add_argument("--eq", action="store_true")
    parser.add_argument("--meters", action="store_true", help="masterlib meters every track and bus")
    parser.add_argument("--cold", action="store_true", help="no 1 s warm-up render before the timed one")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.seconds, args.eq, args.meters, args.cold)
        return
    cpus = os.cpu_count() or 1
    two = "0,1" if cpus >= 2 else "0"
    meters = "with" if args.meters else "without"
    warm = "first render of the process" if args.cold else "after a 1 s warm-up render"
    print(
        f"16 mono tracks, {args.seconds:.0f} s at {SR} Hz; best of {args.repeats}; x = times real time; "
        f"masterlib {meters} meters; {warm}"
    )
    print(f"{'session':<34}{'time s':>8}{'x RT':>9}{'peak MB':>9}{'in+out MB':>11}{'peak/io':>9}")
    for eq in (False, True):
        layout = "+4-band EQ, 2 group buses" if eq else "HP, compressor, pan, reverb send"
        times = {}
        for lib, cores in (("dawdreamer", "0"), ("masterlib", "0"), ("masterlib", two)):
            try:
                runs = [measure(lib, args.seconds, eq, cores, args.meters, args.cold) for _ in range(args.repeats)]
            except subprocess.CalledProcessError as e:
                print(f"{lib}: failed: {e.stderr.strip().splitlines()[-1] if e.stderr else e}")
                continue
            best = min(runs, key=lambda r: r["time"])
            times[lib, cores] = best["time"]
            label = f"{lib} ({len(cores.split(','))} core) {'eq' if eq else 'basic'}"
            print(
                f"{label:<34}{best['time']:8.2f}{args.seconds / best['time']:9.0f}"
                f"{best['peak_mb']:9.0f}{best['io_mb']:11.0f}{best['peak_mb'] / best['io_mb']:9.2f}"
            )
        print(f"  ({layout})")
        if ("masterlib", "0") in times and ("masterlib", two) in times and two != "0":
            print(f"  masterlib on 2 cores: {times['masterlib', '0'] / times['masterlib', two]:.2f}x its speed on 1")


if __name__ == "__main__":
    main()
