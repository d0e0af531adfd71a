"""The `masterlib` command line: what each command writes, its exit
statuses, and one-line errors for every user mistake."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import masterlib as ml
from helpers import noise
from masterlib.cli import main

SR = 48_000


@pytest.fixture
def files(tmp_path):
    """A loud and a quiet stereo file."""
    loud = tmp_path / "loud.wav"
    quiet = tmp_path / "quiet.wav"
    ml.save(loud, ml.normalize(noise(2, 5 * SR, seed=1, amp=0.1), SR, "spotify")[0], SR, 32)
    ml.save(quiet, noise(2, 5 * SR, seed=2, amp=0.01), SR, 32)
    return loud, quiet


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_help_shows_examples_and_the_module_runs():
    result = subprocess.run(
        [sys.executable, "-m", "masterlib", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "examples:" in result.stdout and "analyze" in result.stdout
    version = subprocess.run(
        [sys.executable, "-m", "masterlib", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == f"masterlib {ml.__version__}"


def test_analyze_gates_on_the_target_and_writes_json(capsys, files, tmp_path):
    loud, quiet = files
    status, out, _ = run(capsys, "analyze", loud, "--target", "spotify")
    assert status == 0 and "PASS" in out
    status, out, _ = run(capsys, "analyze", loud, quiet, "--json", tmp_path / "a.json")
    assert status == 1 and "FAIL" in out and "below -14.0" in out
    rows = json.loads((tmp_path / "a.json").read_text())
    assert [r["path"] for r in rows] == [str(loud), str(quiet)]
    assert [r["spotify_passed"] for r in rows] == [True, False]
    assert rows[0]["integrated_lufs"] == pytest.approx(-14.0, abs=0.1)
    status, out, _ = run(capsys, "analyze", loud, quiet, "--json", tmp_path / "b.json", "--jobs", "2", "-q",
                         "--html", tmp_path / "qa.html")
    assert status == 1 and out == ""
    assert (tmp_path / "b.json").read_text() == (tmp_path / "a.json").read_text()
    page = (tmp_path / "qa.html").read_text()
    assert page.count("<section>") == 2 and "loud.wav" in page and "quiet.wav" in page
    assert page.count("data:image/png;base64,") == 2


def test_analyze_codecs_reports_the_decoded_peaks(capsys, files, tmp_path):
    loud, _ = files
    status, out, _ = run(capsys, "analyze", loud, "--codecs", "--json", tmp_path / "c.json")
    assert status == 0 and "loud.wav after lossy coding:" in out
    (entry,) = json.loads((tmp_path / "c.json").read_text())
    codecs = entry["codecs"]
    assert [c["codec"] for c in codecs] == ["mp3", "mp3", "vorbis", "opus"]
    for c in codecs:
        assert (c["skipped"] is None) == (c["headroom_db"] is not None)
        name = f"{c['codec']} {c['description']}"
        assert name in out
        if c["skipped"] is None:
            assert f"decoded true peak {c['true_peak_dbtp']:.2f} dBTP" in out


def test_master_and_normalize_land_on_their_targets(capsys, files, tmp_path):
    loud, quiet = files
    status, out, _ = run(capsys, "master", quiet, "-o", tmp_path / "m.wav", "--target", "apple")
    assert status == 0 and "m.wav" in out
    m, rate = ml.load(tmp_path / "m.wav")
    assert rate == SR and ml.measure(m, SR).check("apple").passed
    status, _, _ = run(capsys, "master", quiet, "-o", tmp_path / "r.wav", "--reference", loud)
    assert status == 0
    assert ml.measure(ml.load(tmp_path / "r.wav")[0], SR).integrated_lufs == pytest.approx(-14.0, abs=1.0)
    (tmp_path / "out").mkdir()
    status, out, _ = run(capsys, "normalize", loud, quiet, "-o", tmp_path / "out", "--target", "ebu_r128",
                         "--bit-depth", "16")
    assert status == 0
    for name in ("loud.wav", "quiet.wav"):
        y, _ = ml.load(tmp_path / "out" / name)
        assert ml.measure(y, SR).integrated_lufs == pytest.approx(-23.0, abs=0.5)


def test_mix_renders_a_saved_session(capsys, tmp_path):
    stems = {"bass": noise(1, 2 * SR, seed=3, amp=0.1)[0], "keys": noise(2, 2 * SR, seed=4, amp=0.05)}
    mixer = ml.Mixer(SR)
    mixer.add_track("bass", stems["bass"], gain_db=-3.0, inserts=[ml.HighPass(40.0)])
    mixer.add_track("keys", stems["keys"], pan=0.3)
    (tmp_path / "session.json").write_text(mixer.to_json())
    for name, audio in stems.items():
        ml.save(tmp_path / f"{name}.wav", audio, SR, 32)
    status, out, _ = run(capsys, "mix", tmp_path / "session.json", "-o", tmp_path / "mix.wav",
                         "--bit-depth", "32")
    assert status == 0 and "LUFS" in out
    np.testing.assert_array_equal(ml.load(tmp_path / "mix.wav")[0], mixer.render())


def test_targets_lists_every_target(capsys):
    status, out, _ = run(capsys, "targets")
    assert status == 0
    for t in ml.targets():
        assert t.name in out and f"{t.integrated_lufs:.1f}" in out


@pytest.mark.parametrize(
    "case",
    ["missing", "not audio", "truncated", "unknown target", "output exists", "no folder", "no stems"],
)
def test_user_errors_are_one_line_with_status_2(capsys, files, tmp_path, case):
    loud, _ = files
    (tmp_path / "text.wav").write_text("not audio")
    data = loud.read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    (tmp_path / "exists.wav").write_bytes(b"")
    session = ml.Mixer(SR)
    session.add_track("drums", noise(1, 100))
    (tmp_path / "s.json").write_text(session.to_json())
    argv, words = {
        "missing": (["analyze", tmp_path / "none.wav"], "no such audio file"),
        "not audio": (["analyze", tmp_path / "text.wav"], "cannot read"),
        "truncated": (["master", tmp_path / "cut.wav", "-o", tmp_path / "o.wav"], "truncated"),
        "unknown target": (["analyze", loud, "--target", "radio9"], "unknown loudness target"),
        "output exists": (["master", loud, "-o", tmp_path / "exists.wav"], "--overwrite"),
        "no folder": (["normalize", loud, "-o", tmp_path / "nowhere"], "no such folder"),
        "no stems": (["mix", tmp_path / "s.json", "-o", tmp_path / "m.wav"], "no audio file for track"),
    }[case]
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"masterlib {argv[0]}: error: ") and words in err
    assert "Traceback" not in err


def test_several_files_run_as_a_catalog(capsys, files, tmp_path):
    loud, quiet = files
    (tmp_path / "text.wav").write_text("not audio")
    status, out, err = run(capsys, "analyze", loud, tmp_path / "text.wav", quiet, "--jobs", "2",
                           "--csv", tmp_path / "qa.csv")
    # The bad file is one error line; the others are measured and written.
    assert status == 2 and err.count("\n") == 1 and "cannot read" in err
    assert "loud.wav" in out and "quiet.wav" in out
    lines = (tmp_path / "qa.csv").read_text().splitlines()
    assert len(lines) == 4 and lines[0].startswith("path,size_bytes,duration_s")
    (tmp_path / "n").mkdir()
    status, out, _ = run(capsys, "normalize", loud, quiet, "-o", tmp_path / "n", "--jobs", "2")
    assert status == 0 and out.count("LUFS") == 2
    assert (tmp_path / "n" / "masterlib-manifest.jsonl").read_text().count("\n") == 2
    # Run again: the manifest shows both done, nothing is redone or refused.
    status, _, _ = run(capsys, "normalize", loud, quiet, "-o", tmp_path / "n")
    assert status == 0 and (tmp_path / "n" / "masterlib-manifest.jsonl").read_text().count("\n") == 2
    (tmp_path / "m").mkdir()
    status, out, _ = run(capsys, "master", loud, quiet, "-o", tmp_path / "m", "--preset", "gentle")
    assert status == 0
    for name in ("loud.wav", "quiet.wav"):
        assert ml.measure(*ml.load(tmp_path / "m" / name)).check("apple").passed
    status, _, err = run(capsys, "master", loud, quiet, "-o", tmp_path / "m", "--assistant")
    assert status == 2 and "one mix at a time" in err


def test_scheduler_runs_on_a_dask_cluster(capsys, files, tmp_path):
    distributed = pytest.importorskip("distributed")
    loud, quiet = files
    status, _, _ = run(capsys, "analyze", loud, quiet, "--json", tmp_path / "local.json", "-q")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        status, _, _ = run(capsys, "analyze", loud, quiet, "--json", tmp_path / "dask.json", "-q",
                           "--scheduler", cluster.scheduler_address)
    assert status == 1
    assert (tmp_path / "dask.json").read_text() == (tmp_path / "local.json").read_text()
