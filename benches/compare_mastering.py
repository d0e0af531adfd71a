"""Compares masterlib's reference matching with Matchering on the same
target/reference pairs, and times a full master() of a 3-minute track.

Run by hand (not in CI), after ./scripts/setup.sh:

    . .venv/bin/activate
    pip install matchering
    python benches/compare_mastering.py                  # 60 s pairs at 44.1 kHz
    python benches/compare_mastering.py --seconds 20     # quicker
    python benches/compare_mastering.py --repeats 3      # fastest of 3 runs each

Every run is its own process pinned to one core (`taskset -c 0`), reading
the target and reference WAV files and writing its result as a 24-bit WAV,
so that time and peak memory (growth of the resident high-water mark
past the imports, which covers reading the files) belong to it alone; Matchering's own loader and writer are part of its
time, as soundfile reading and writing are part of masterlib's. The pairs
are synthetic (no downloads): a target mix (pink-ish music with drums, one
spectral tilt, quiet) and a reference master (other music, another tilt
and another balance, brickwall-loud). For each result the script prints
the loudness error against the reference (libebur128 via pyebur128), the
mean absolute 1/3-octave error from 40 Hz to 16 kHz after loudness
alignment (`masterlib.third_octave_error_db`) and the true peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dsp-python" / "tests"))
from helpers import swelling  # noqa: E402

# (name, target tilt dB/decade, target bass boost dB, reference tilt, reference bass boost)
PAIRS = [
    ("dark mix, bright reference", -3.0, 0.0, 2.0, 0.0),
    ("bass-heavy mix, lean reference", 0.0, 8.0, 0.5, -3.0),
    ("bright mix, warm reference", 3.0, -4.0, -2.0, 4.0),
]


def make_pair(folder: Path, seconds: float, sr: int, index: int) -> tuple[Path, Path]:
    import masterlib as ml

    _, t_tilt, t_bass, r_tilt, r_bass = PAIRS[index]
    target = swelling(seconds, sr, 10 + index, t_tilt, t_bass) * 0.3
    reference, _ = ml.normalize(swelling(seconds, sr, 20 + index, r_tilt, r_bass), sr, target="spotify")
    chain = ml.MasteringChain("loud")  # a loud reference master: -9 LUFS
    reference, _ = ml.master(reference, sr, chain=chain)
    paths = folder / f"target{index}.wav", folder / f"reference{index}.wav"
    sf.write(paths[0], target.T, sr, subtype="PCM_24")
    sf.write(paths[1], reference.T, sr, subtype="PCM_24")
    return paths


def rss_mb() -> float:
    """Peak resident memory of this process so far, MB (VmHWM: unlike
    ru_maxrss, it does not carry the parent's peak across exec)."""
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    return kb / 1024.0


def child(lib: str, target: str, reference: str, out: str) -> None:
    """One measured run in this process; prints a JSON line."""
    if lib == "matchering":
        import matchering as mg

        mg.log(lambda *_: None)
        base = rss_mb()
        t, cpu = time.perf_counter(), time.process_time()
        mg.process(target=target, reference=reference, results=[mg.pcm24(out)])
    else:
        import masterlib as ml

        base = rss_mb()
        t, cpu = time.perf_counter(), time.process_time()
        x, sr = sf.read(target, dtype="float32", always_2d=True)
        r, _ = sf.read(reference, dtype="float32", always_2d=True)
        if lib == "masterlib":
            y, _ = ml.match_reference(np.ascontiguousarray(x.T), np.ascontiguousarray(r.T), sr)
        else:  # the full chain towards the reference
            y, _ = ml.master(np.ascontiguousarray(x.T), sr, reference=np.ascontiguousarray(r.T))
        sf.write(out, y.T, sr, subtype="PCM_24")
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(json.dumps({"time": elapsed, "cpu": cpu, "peak_mb": rss_mb() - base}))


def child_master(path: str, out: str) -> None:
    """A full master() of the stereo 48 kHz WAV file at `path`, read and
    written here: peak memory is everything past the imports."""
    import masterlib as ml

    base = rss_mb()
    t = time.perf_counter()
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = np.ascontiguousarray(x.T)
    t_master, cpu = time.perf_counter(), time.process_time()
    y, report = ml.master(x, sr, preset="streaming")
    t_master, cpu = time.perf_counter() - t_master, time.process_time() - cpu
    sf.write(out, y.T, sr, subtype="PCM_24")
    elapsed = time.perf_counter() - t
    print(
        json.dumps(
            {
                "time": elapsed,
                "master": t_master,
                "master_cpu": cpu,
                "peak_mb": rss_mb() - base,
                "passes": report.normalization.passes,
            }
        )
    )


def run(args: list[str]) -> dict:
    """One run of a child, pinned to one core, with its JSON readings."""
    cmd = ["taskset", "-c", "0", sys.executable, __file__, *args]
    env = dict(os.environ, RAYON_NUM_THREADS="1", NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fastest(runs: dict[str, list[str]], repeats: int) -> dict[str, dict | str]:
    """Each named child's fastest of `repeats` runs by CPU time (steady on a
    shared machine where wall time is not), the children taking turns so
    that a busy spell of the machine slows them alike; a child that fails
    gives its last error line instead."""
    best: dict[str, dict | str] = {}
    for _ in range(repeats):
        for name, args in runs.items():
            if isinstance(best.get(name), str):
                continue
            try:
                r = run(args)
            except subprocess.CalledProcessError as e:
                best[name] = "".join((e.stderr or "").strip().splitlines()[-1:])
                continue
            if name not in best or cpu_s(r) < cpu_s(best[name]):
                best[name] = r
    return best


def cpu_s(r: dict) -> float:
    """A run's CPU time, s."""
    return r.get("cpu", r.get("master_cpu", 0.0))


def readings(path: Path, reference: Path) -> tuple[float, float, float]:
    """Loudness error (LU) against the reference, 1/3-octave error (dB) and
    true peak (dBTP) of a result."""
    import masterlib as ml
    import pyebur128

    def meter(y: np.ndarray, sr: int) -> tuple[float, float]:
        mode = pyebur128.MeasurementMode.MODE_I | pyebur128.MeasurementMode.MODE_TRUE_PEAK
        state = pyebur128.R128State(y.shape[0], sr, mode)
        state.add_frames(np.ascontiguousarray(y.T, dtype=np.float64).ravel(), y.shape[1])
        peak = max(pyebur128.get_true_peak(state, c) for c in range(y.shape[0]))
        return pyebur128.get_loudness_global(state), 20 * np.log10(max(peak, 1e-12))

    y, sr = sf.read(path, dtype="float32", always_2d=True)
    r, rsr = sf.read(reference, dtype="float32", always_2d=True)
    y, r = np.ascontiguousarray(y.T), np.ascontiguousarray(r.T)
    lufs, tp = meter(y, sr)
    ref_lufs, _ = meter(r, rsr)
    n = min(y.shape[1], r.shape[1])
    spectral = ml.third_octave_error_db(y[:, :n], r[:, :n], sr) if sr == rsr else float("nan")
    return lufs - ref_lufs, spectral, tp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each pair")
    parser.add_argument("--rate", type=int, default=44_100, help="sample rate of the pairs")
    parser.add_argument("--master-seconds", type=float, default=180.0, help="length of the master() timing")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each tool, the fastest kept")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        if args.child[0] == "master":
            child_master(args.child[1], args.child[2])
        else:
            child(*args.child)
        return
    print(f"pairs of {args.seconds:.0f} s stereo at {args.rate} Hz, one core each run")
    print(
        f"{'pair / tool':<44}{'time s':>8}{'CPU s':>7}{'x RT':>7}{'peak MB':>9}{'LU err':>8}"
        f"{'1/3-oct dB':>11}{'dBTP':>7}"
    )
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, (name, *_) in enumerate(PAIRS):
            target, reference = make_pair(folder, args.seconds, args.rate, i)
            print(name)
            times = {}
            libs = ("matchering", "masterlib", "masterlib-master")
            outs = {lib: folder / f"{lib}{i}.wav" for lib in libs}
            runs = {lib: ["--child", lib, str(target), str(reference), str(outs[lib])] for lib in libs}
            for lib, r in fastest(runs, args.repeats).items():
                out = outs[lib]
                if isinstance(r, str):
                    print(f"  {lib}: failed: {r}")
                    continue
                times[lib] = (r["time"], r["cpu"])
                lu, third, tp = readings(out, reference)
                label = {"masterlib": "masterlib match_reference", "masterlib-master": "masterlib master(reference=)"}.get(lib, lib)
                print(
                    f"  {label:<42}{r['time']:8.2f}{r['cpu']:7.2f}{args.seconds / r['time']:7.0f}{r['peak_mb']:9.0f}"
                    f"{lu:8.2f}{third:11.2f}{tp:7.2f}"
                )
            if "matchering" in times and "masterlib" in times:
                ratios.append([m / o for m, o in zip(times["matchering"], times["masterlib"])])
            _, third_before, _ = readings(target, reference)
            print(f"  {'(target before matching)':<42}{'':>8}{'':>7}{'':>9}{'':>8}{third_before:11.2f}")
    if ratios:
        wall, cpu = (sorted(r[k] for r in ratios) for k in (0, 1))
        print(
            f"masterlib match_reference is {wall[0]:.1f}x to {wall[-1]:.1f}x faster than Matchering "
            f"(CPU time: {cpu[0]:.1f}x to {cpu[-1]:.1f}x)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        track = Path(tmp) / "track.wav"
        x = swelling(args.master_seconds, 48_000, 7, -1.0, 2.0) * 0.4
        sf.write(track, x.T, 48_000, subtype="PCM_24")
        del x
        r = fastest({"master": ["--child", "master", str(track), str(Path(tmp) / "master.wav")]}, args.repeats)["master"]
        if isinstance(r, str):
            sys.exit(f"master() failed: {r}")
    print(
        f"full master() (EQ, 3-band glue, width, limiter and normalization, dither) of "
        f"{args.master_seconds:.0f} s stereo 48 kHz on one core: master() {r['master']:.2f} s "
        f"({r['master_cpu']:.2f} s CPU); "
        f"with the 24-bit WAV read and written {r['time']:.2f} s, peak {r['peak_mb']:.0f} MB past the "
        f"imports, {r['passes']} limiter pass(es)"
    )


if __name__ == "__main__":
    main()
