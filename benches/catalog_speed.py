"""Catalog throughput of `masterlib.batch`: files per second and hours of
audio per second for analyze and normalize over a generated catalog, with
1 and 2 local processes and with Dask on 2 workers (a LocalCluster), and
the per-file overhead of a catalog run against calling the same work file
by file in one process.

Run by hand (not in CI), after ./scripts/setup.sh, on a quiet machine:

    . .venv/bin/activate
    python benches/catalog_speed.py                   # 16 files of 3 minutes
    python benches/catalog_speed.py --files 200 --seconds 10

The catalog is the tests' generator (dsp-python/tests/catalog.py): 16-bit
WAV, 24-bit FLAC, float WAV, AIFF at 32 to 96 kHz, mono and stereo. Each
configuration runs on a fresh output folder (no manifest for analyze),
`--repeats` times; the shortest run counts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ["RAYON_NUM_THREADS"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "dsp-python" / "tests"))

import catalog  # noqa: E402

import masterlib as ml  # noqa: E402
from masterlib import batch  # noqa: E402


def direct(kind: str, paths: list[Path], out: Path, streaming: bool) -> None:
    """The work of a catalog's rows file by file in this process, without
    the catalog (no processes, no manifest, no rows): for analyze the QA
    report and its check; for normalize the input's report, the normalized
    file, its report and both files' hashes. ``streaming``: with the
    block-by-block functions the workers use; else loading whole files."""
    for p in paths:
        if streaming:
            ml.measure_file(p).check("spotify")
        else:
            audio, rate = ml.load(p)
            ml.measure(audio, rate).check("spotify")
        if kind == "normalize":
            dst = out / f"{p.parent.name}-{p.stem}.wav"
            if streaming:
                ml.normalize_file(p, dst, "spotify", overwrite=True)
                ml.measure_file(dst).check("spotify")
            else:
                y, _ = ml.normalize(audio, rate, "spotify")
                ml.save(dst, y, rate, 24, overwrite=True)
                ml.measure(*ml.load(dst)).check("spotify")
            for f in (p, dst):
                hashlib.sha256(f.read_bytes()).hexdigest()


def _timed(run) -> float:
    t = time.perf_counter()
    run()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=180.0)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each; the best counts")
    ap.add_argument("--kinds", nargs="+", default=["analyze", "normalize"],
                    choices=["analyze", "normalize"])
    ap.add_argument("--dask", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    try:
        formats = [f for f in catalog.FORMATS if f[0] != ".ogg"]  # decoding Vorbis is not ours
        catalog.FORMATS[:] = formats
        paths = catalog.make_catalog(root / "in", args.files, args.seconds / 1.3, broken=False)
        hours = sum(ml.load(p)[0].shape[1] / ml.load(p)[1] for p in paths) / 3600
        print(f"{len(paths)} files, {hours * 60:.1f} minutes of audio, "
              f"{sum(p.stat().st_size for p in paths) / 1e6:.0f} MB")
        client = cluster = None
        if args.dask:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0")
            client = Client(cluster)
        # The one-time start of a local run (spawning the worker, importing
        # numpy and masterlib there), timed on a catalog of one short file.
        tiny = root / "tiny.wav"
        ml.save(tiny, catalog.music(48_000, 2, 0.1, 0).T, 48_000, 16)
        start = min(_timed(lambda: batch.analyze_catalog([tiny], jobs=1)) for _ in range(3))
        print(f"one-time start of a local run (one worker process): {start:.2f} s")
        fresh = iter(range(1_000_000))

        def folder() -> Path:
            """A new empty output folder (a re-run would find its manifest)."""
            f = root / f"out{next(fresh)}"
            f.mkdir()
            return f

        def best(run) -> float:
            """The shortest of `--repeats` timed calls of `run`."""
            return min(_timed(run) for _ in range(args.repeats))

        for kind in args.kinds:
            print(f"\n{kind}:")
            for streaming in (False, True):
                base = best(lambda: direct(kind, paths, folder(), streaming))
                how = "streamed" if streaming else "whole files in memory"
                print(f"  file by file in this process, {how}: {base:.2f} s "
                      f"({len(paths) / base:.2f} files/s, {hours / base * 3600:.0f}x real time)")
            runs = {"local, 1 process": dict(jobs=1), "local, 2 processes": dict(jobs=2)}
            if client is not None:
                runs["dask, 2 workers"] = dict(engine="dask", client=client)
            times = {}
            for name, options in runs.items():

                def run() -> None:
                    if kind == "analyze":
                        rows = batch.analyze_catalog(paths, ["spotify"], **options)
                    else:
                        rows = batch.normalize_catalog(paths, folder(), "spotify", **options)
                    assert all(r["error"] is None for r in rows)

                times[name] = dt = best(run)
                print(f"  {name:<20} {dt:7.2f} s  {len(paths) / dt:6.2f} files/s  "
                      f"{hours / dt:7.4f} h of audio/s  ({hours / dt * 3600:.0f}x real time)")
            one = times["local, 1 process"]
            print(f"  per-file overhead of the catalog (1 process, less its start, vs the same "
                  f"streamed work file by file): {100 * (one - start - base) / base:+.1f} %")
            for name in runs:
                if name != "local, 1 process":
                    print(f"  {name}: {one / times[name]:.2f}x one process")
        if client is not None:
            client.close()
            cluster.close()
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
