"""Catalog runs (`masterlib.batch`): rows equal to measuring file by file,
the same rows whatever the engine, error rows for bad files and dead
workers, resuming after an interruption without doing a file twice, and
never writing over an input."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import soundfile as sf

import masterlib as ml
from catalog import BROKEN, make_catalog, music
from masterlib import batch

@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """200 short files in every format, then one broken file of each kind."""
    folder = tmp_path_factory.mktemp("catalog")
    return make_catalog(folder, 200, seconds=0.5)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c, distributed.Client(c) as client:
        yield client


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def manifest(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_rows_equal_measuring_each_file(catalog):
    rows = batch.analyze_catalog(catalog, ["spotify", "apple"], jobs=2)
    assert [r["path"] for r in rows] == [str(p) for p in catalog]
    for p, row in zip(catalog, rows):
        if p.parent.name == "bad":
            continue
        audio, rate = ml.load(p)
        report = ml.measure(audio, rate)
        info = sf.info(p)
        assert row["error"] is None
        assert row["size_bytes"] == p.stat().st_size
        assert (row["sample_rate"], row["channels"]) == (info.samplerate, info.channels)
        assert row["duration_s"] == info.frames / info.samplerate
        readings = batch.readings(report)
        assert {k: row[k] for k in readings} == readings
        for t in ("spotify", "apple"):
            check = report.check(t)
            assert row[f"{t}_passed"] == check.passed
            assert row[f"{t}_failures"] == "; ".join(check.failures)
        # One column per octave band and per channel's DC offset.
        assert row["octave_1000hz_db"] == report.octave_band_db[list(report.octave_band_hz).index(1000.0)]
        assert f"dc_offset_ch{info.channels - 1}" in row


def test_bad_files_become_error_rows(catalog):
    rows = batch.analyze_catalog(catalog, jobs=2)
    errors = {Path(r["path"]).stem: r["error"] for r in rows if r["error"] is not None}
    assert sorted(errors) == sorted(BROKEN)
    assert "truncated" in errors["truncated"]
    assert "cannot read" in errors["not_audio"]
    assert "non-finite" in errors["nan"]
    assert "no audio" in errors["empty"]
    for r in rows:
        if r["error"] is not None:
            assert r["integrated_lufs"] is None if "integrated_lufs" in r else True
            assert r["size_bytes"] == os.path.getsize(r["path"])


def test_same_rows_for_every_engine(catalog, cluster, tmp_path):
    one = batch.analyze_catalog(catalog, ["spotify"], jobs=1)
    assert batch.analyze_catalog(catalog, ["spotify"], jobs=2) == one
    assert batch.analyze_catalog(catalog, ["spotify"], jobs=2, batch_size=5) == one
    assert batch.analyze_catalog(catalog, ["spotify"], engine="dask", client=cluster) == one
    # Written outputs too: the same rows (but for the folder) and the same bytes.
    runs = {}
    for name, options in {"one": dict(jobs=1), "two": dict(jobs=2),
                          "dask": dict(engine="dask", client=cluster)}.items():
        (tmp_path / name).mkdir()
        runs[name] = batch.normalize_catalog(catalog[:8], tmp_path / name, "ebu_r128", **options)
    for name, rows in runs.items():
        for r, first in zip(rows, runs["one"]):
            assert {**r, "output": None} == {**first, "output": None}
            assert r["output"] == str(tmp_path / name / Path(first["output"]).relative_to(tmp_path / "one"))
            assert sha256(r["output"]) == r["output_sha256"]


def test_normalize_and_master_reach_the_target(catalog, tmp_path):
    good = [p for p in catalog if p.parent.name != "bad"][:8]
    (tmp_path / "n").mkdir()
    rows = batch.normalize_catalog(good, tmp_path / "n", "apple", bit_depth=16, jobs=2)
    for p, r in zip(good, rows):
        assert r["error"] is None
        out = Path(r["output"])
        # Same name below the common folder; a container we cannot write becomes WAV.
        rel = p.relative_to(p.parent.parent)
        assert out == tmp_path / "n" / (rel if p.suffix != ".ogg" else rel.with_suffix(".wav"))
        assert sf.info(out).subtype == "PCM_16" and sf.info(out).samplerate == r["sample_rate"]
        y, rate = ml.load(out)
        after = ml.measure(y, rate)
        assert r["after_integrated_lufs"] == after.integrated_lufs
        assert after.integrated_lufs == pytest.approx(-16.0, abs=0.2)
        assert after.true_peak_dbtp <= -1.0 + 0.05
        assert r["after_apple_passed"] and r["before_integrated_lufs"] != r["after_integrated_lufs"]
    (tmp_path / "m").mkdir()
    chain = ml.MasteringChain("gentle", target="apple")
    rows = batch.master_catalog(good[:4], tmp_path / "m", chain=chain, jobs=2)
    for p, r in zip(good, rows):
        audio, rate = ml.load(p)
        expected, report = ml.master(audio, rate, chain=chain)
        y, _ = ml.load(r["output"])
        assert r["gain_db"] == report.input_gain_db
        # The written file is the in-memory master, 24-bit dithered.
        assert np.max(np.abs(y - expected)) < 4 / 2**23
        assert r["after_apple_passed"]


def test_a_stopped_run_resumes_without_doing_a_file_twice(tmp_path):
    paths = make_catalog(tmp_path / "in", 18, seconds=0.5, broken=False)
    out = tmp_path / "out"
    out.mkdir()

    def stop_after(n):
        return lambda p: p.files_done < n

    with pytest.raises(ml.Cancelled):
        batch.normalize_catalog(paths, out, jobs=2, progress=stop_after(5))
    first = manifest(out / "masterlib-manifest.jsonl")
    # What was under way when it stopped finished and is in the manifest.
    assert 5 <= len(first) < len(paths)
    seen = []
    rows = batch.normalize_catalog(paths, out, jobs=2, progress=lambda p: seen.append(p.skipped))
    records = manifest(out / "masterlib-manifest.jsonl")
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in paths)
    assert seen[-1] == len(first)
    for r in rows:
        assert r["error"] is None and sha256(r["output"]) == r["output_sha256"]
    # A third run does nothing and gives the same rows; so does analyze's manifest.
    assert batch.normalize_catalog(paths, out, jobs=2) == rows
    assert len(manifest(out / "masterlib-manifest.jsonl")) == len(paths)
    # An input that changed is done again.
    sf.write(paths[0], music(44_100, 2, 0.5, 1234), 44_100, subtype="PCM_16")
    again = batch.normalize_catalog(paths, out, jobs=2)
    assert again[0] != rows[0] and again[1:] == rows[1:]
    assert len(manifest(out / "masterlib-manifest.jsonl")) == len(paths) + 1


def test_a_killed_worker_costs_nothing(tmp_path):
    paths = make_catalog(tmp_path / "in", 16, seconds=2.0, broken=False)
    out = tmp_path / "out"
    out.mkdir()
    killed = []

    def kill_a_worker(p):
        children = psutil.Process().children(recursive=True)
        if p.files_done == 4 and children:
            children[-1].kill()
            killed.append(children[-1].pid)

    rows = batch.normalize_catalog(paths, out, jobs=2, progress=kill_a_worker)
    assert killed
    assert [r["error"] for r in rows] == [None] * len(paths)
    records = manifest(out / "masterlib-manifest.jsonl")
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in paths)
    for r in rows:
        assert sha256(r["output"]) == r["output_sha256"]
    assert not list(out.rglob(".*.wav")) and not list(out.rglob(".*.flac"))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_file_that_kills_its_worker_is_an_error_row(tmp_path, engine):
    # A watchdog kills every worker that opens the poisoned file (a sparse
    # file of zeros, so that hashing it keeps it open for a while). Dask
    # gives a task one more try on another worker here (allowed-failures).
    paths = make_catalog(tmp_path / "in", 6, seconds=0.5, broken=False)
    poison = tmp_path / "in" / "poison.wav"
    with open(poison, "wb") as f:
        f.truncate(400_000_000)
    paths.insert(3, poison)
    out = tmp_path / "out"
    out.mkdir()
    done = threading.Event()
    kills = []

    def watchdog():
        while not done.is_set():
            for child in psutil.Process().children(recursive=True):
                try:
                    if any(f.path == str(poison) for f in child.open_files()):
                        child.kill()
                        kills.append(child.pid)
                except psutil.Error:
                    pass
            time.sleep(0.002)

    watcher = threading.Thread(target=watchdog)
    watcher.start()
    try:
        if engine == "local":
            rows = batch.normalize_catalog(paths, out, jobs=2)
        else:
            dask = pytest.importorskip("dask")
            distributed = pytest.importorskip("distributed")
            with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
                    distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                             dashboard_address=":0") as c, distributed.Client(c) as client:
                rows = batch.normalize_catalog(paths, out, engine="dask", client=client)
    finally:
        done.set()
        watcher.join()
    assert len(kills) >= 2  # in the pool, then alone
    assert [r["error"] is None for r in rows] == [p != poison for p in paths]
    assert "worker process died" in rows[3]["error"]
    records = manifest(out / "masterlib-manifest.jsonl")
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in paths)


def test_outputs_never_go_over_inputs(catalog, tmp_path):
    good = [p for p in catalog if p.parent.name != "bad"]
    before = {p: sha256(p) for p in good}
    with pytest.raises(ValueError, match="over an input"):
        batch.normalize_catalog(good, good[0].parent.parent)
    with pytest.raises(ValueError, match="same output"):
        batch.output_paths([good[0], good[0]], tmp_path)
    # An existing file that the manifest does not know is kept.
    (tmp_path / "album0").mkdir()
    (tmp_path / "album0" / good[0].name).write_bytes(b"mine")
    rows = batch.normalize_catalog(good[:3], tmp_path, jobs=1)
    assert "exists" in rows[0]["error"] and rows[1]["error"] is None
    assert (tmp_path / "album0" / good[0].name).read_bytes() == b"mine"
    rows = batch.normalize_catalog(good[:3], tmp_path, jobs=1, overwrite=True)
    assert rows[0]["error"] is None
    assert {p: sha256(p) for p in good} == before


def test_rows_write_as_csv_and_parquet(catalog, tmp_path):
    rows = batch.analyze_catalog(catalog, ["spotify"], jobs=2)
    batch.write_csv(rows, tmp_path / "rows.csv")
    with open(tmp_path / "rows.csv", newline="") as f:
        back = list(csv.DictReader(f))
    assert [r["path"] for r in back] == [r["path"] for r in rows]
    assert float(back[0]["integrated_lufs"]) == rows[0]["integrated_lufs"]
    assert back[-1]["error"] == rows[-1]["error"] and back[-1]["integrated_lufs"] == ""
    pq = pytest.importorskip("pyarrow.parquet")
    batch.write_parquet(rows, tmp_path / "rows.parquet")
    table = pq.read_table(tmp_path / "rows.parquet").to_pylist()
    assert [{k: v for k, v in t.items() if k in r} for t, r in zip(table, rows)] == rows


def test_progress_counts_files_hours_and_errors(catalog):
    seen = []
    rows = batch.analyze_catalog(catalog, jobs=2, progress=seen.append)
    last = seen[-1]
    assert [p.files_done for p in seen] == list(range(1, len(catalog) + 1))
    assert last.files_total == len(catalog) and last.errors == len(BROKEN)
    assert last.audio_s == pytest.approx(sum(r["duration_s"] for r in rows if r["error"] is None))
    assert last.audio_hours == last.audio_s / 3600 and last.realtime_factor > 0


def test_bad_arguments_are_refused(catalog, tmp_path):
    with pytest.raises(ValueError, match="unknown loudness target"):
        batch.analyze_catalog(catalog, ["radio9"])
    with pytest.raises(ValueError, match="engine"):
        batch.analyze_catalog(catalog, engine="spark")
    with pytest.raises(ValueError, match="jobs"):
        batch.analyze_catalog(catalog, jobs=0)
    with pytest.raises(ValueError, match="scheduler"):
        batch.analyze_catalog(catalog, engine="dask")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        batch.normalize_catalog(catalog, tmp_path / "nowhere")
    with pytest.raises(ValueError, match="chain or preset"):
        batch.master_catalog(catalog, tmp_path, chain=ml.MasteringChain(), preset="loud")
    assert batch.analyze_catalog([]) == []
