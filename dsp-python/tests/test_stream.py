"""normalize_file and master_file: whole files normalized and mastered in
bounded memory, equal to the in-memory calls followed by save."""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
import soundfile as sf

import masterlib as ml
from helpers import noise

SR = 44_100


def music_like(seconds: float, level: float, seed: int = 0, sr: int = SR) -> np.ndarray:
    """A stereo test mix (kick, bass, swelling chord, hi-hat noise, quiet
    first second) peaking near ``level``."""
    n = int(sr * seconds)
    i = np.arange(n)
    t = i / sr
    hiss = np.random.default_rng(seed).uniform(-1, 1, n + 1)
    beat = int(0.5 * sr)
    since = (i % beat) / sr
    kick = np.exp(-since * 18) * np.sin(2 * np.pi * 55 * since * (1 + np.exp(-since * 40)))
    notes = np.array([55.0, 73.4, 65.4, 49.0])[(t // 2).astype(int) % 4]
    bass = 0.5 * np.sin(2 * np.pi * notes * t)
    swell = 0.5 + 0.5 * np.sin(2 * np.pi * 0.11 * t)
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6, 440.0)) * 0.12 * swell
    hat = 0.35 * np.exp(-((i + beat // 2) % (beat // 2)) / sr * 60) * np.diff(hiss)
    intro = np.where(t < 1.0, 0.1, 1.0)
    left = intro * (0.6 * kick + 0.4 * bass + 1.2 * chord + 0.6 * hat)
    right = intro * (0.6 * kick + 0.4 * bass + 0.8 * chord + 1.4 * hat)
    return (level * 0.5 * np.stack([left, right])).astype(np.float32)


@pytest.fixture(scope="module")
def mix(tmp_path_factory):
    """Six seconds of the test mix in a 32-bit float WAV, and its audio."""
    path = tmp_path_factory.mktemp("mix") / "mix.wav"
    x = music_like(6.0, 0.1)
    ml.save(path, x, SR, 32)
    return path, x


# spotify needs a second pass on this mix, apple a trim after the limiter,
# ebu_r128 neither.
@pytest.mark.parametrize(
    "target, passes, trimmed", [("spotify", 2, False), ("apple", 1, True), ("ebu_r128", 1, False)]
)
@pytest.mark.parametrize("bits", [32, 24])
def test_normalize_file_equals_normalize_then_save(tmp_path, mix, target, passes, trimmed, bits):
    src, x = mix
    got = ml.normalize_file(src, tmp_path / "f.wav", target, bit_depth=bits, block_s=0.07)
    y, want = ml.normalize(x, SR, target)
    ml.save(tmp_path / "m.wav", y, SR, bits)
    assert (got.passes, got.trim_db != 0.0) == (passes, trimmed)
    assert got.to_dict() == want.to_dict()
    # The dither is one seeded stream in both: equal at 24-bit too.
    np.testing.assert_array_equal(ml.load(tmp_path / "f.wav")[0], ml.load(tmp_path / "m.wav")[0])


@pytest.mark.parametrize("preset", ["streaming", "broadcast"])
@pytest.mark.parametrize("bits", [32, 24])
def test_master_file_equals_master_then_save(tmp_path, mix, preset, bits):
    """The chain's own dither runs as in `master`, then the file's as in
    `save`: the same samples and the same report."""
    src, x = mix
    got = ml.master_file(src, tmp_path / "f.wav", preset=preset, bit_depth=bits, block_s=0.1)
    y, want = ml.master(x, SR, preset=preset)
    ml.save(tmp_path / "m.wav", y, SR, bits)
    assert got.to_json() == want.to_json()
    np.testing.assert_array_equal(ml.load(tmp_path / "f.wav")[0], ml.load(tmp_path / "m.wav")[0])
    assert sorted(os.listdir(tmp_path)) == ["f.wav", "m.wav"]  # no scratch file left


def test_master_file_takes_a_chain_and_a_target(tmp_path, mix):
    src, x = mix
    chain = ml.MasteringChain("gentle")
    mono = tmp_path / "mono.flac"
    ml.save(mono, x[0], SR, 24)
    got = ml.master_file(mono, tmp_path / "f.wav", "apple", chain=chain, bit_depth=32)
    y, want = ml.master(ml.load(mono)[0], SR, "apple", chain=chain)
    assert got.to_json() == want.to_json() and got.target == "apple"
    np.testing.assert_array_equal(ml.load(tmp_path / "f.wav")[0], y.reshape(1, -1))


def test_progress_rises_and_cancelling_leaves_no_output(tmp_path, mix):
    src, _ = mix
    for run in (ml.normalize_file, ml.master_file):
        seen: list[float] = []
        run(src, tmp_path / "ok.wav", block_s=0.1, progress=seen.append)
        assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 20
        os.unlink(tmp_path / "ok.wav")
        last = []

        def stop(f: float) -> bool:
            last.append(f)
            return f < 0.6

        with pytest.raises(ml.Cancelled):
            run(src, tmp_path / "c.wav", progress=stop)
        assert 0.6 <= last[-1] < 0.65
        with pytest.raises(ZeroDivisionError):
            run(src, tmp_path / "c.wav", progress=lambda f: 1 / 0)
        assert os.listdir(tmp_path) == []


def test_bad_files_and_arguments_are_refused(tmp_path, mix):
    src, _ = mix
    out = tmp_path / "o.wav"
    for run in (ml.normalize_file, ml.master_file):
        with pytest.raises(FileNotFoundError, match="no such audio file"):
            run(tmp_path / "missing.wav", out)
        with pytest.raises(ValueError, match="input file"):
            run(src, src, overwrite=True)
        with pytest.raises(ValueError, match="block_s"):
            run(src, out, block_s=0.0)
        ml.save(out, np.zeros((2, 10), np.float32), SR)
        with pytest.raises(FileExistsError, match="overwrite"):
            run(src, out)
        run(src, out, overwrite=True)
        assert sf.info(out).frames == 6 * SR
        os.unlink(out)
    # Cut short: the header says more than the file holds.
    cut = tmp_path / "cut.wav"
    cut.write_bytes(src.read_bytes()[: 100_000])
    for run in (ml.normalize_file, ml.master_file):
        with pytest.raises(ValueError, match="truncated"):
            run(cut, out)
    with pytest.raises(ValueError, match="unknown loudness target"):
        ml.normalize_file(src, out, "loudest")
    with pytest.raises(ValueError, match="mastering preset"):
        ml.master_file(src, out, preset="shiny")
    with pytest.raises(ValueError, match="whole track"):
        ml.master_file(src, out, reference=src)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole track"):
        ml.master_file(src, out, assistant=True)
    three = tmp_path / "three.wav"
    ml.save(three, noise(3, 20_000), SR)
    with pytest.raises(ValueError, match="channel"):
        ml.master_file(three, out)
    silent = tmp_path / "silent.wav"
    ml.save(silent, np.zeros((2, SR), np.float32), SR, 32)
    r = ml.normalize_file(silent, out, bit_depth=32)
    assert r.passes == 0 and not ml.load(out)[0].any()
    assert sorted(os.listdir(tmp_path)) == ["cut.wav", "o.wav", "silent.wav", "three.wav"]


@pytest.mark.parametrize("run", [ml.normalize_file, ml.master_file])
def test_memory_follows_the_block_not_the_file(tmp_path, run):
    """Three minutes of stereo (63 MB as float32) in 1 s blocks: the
    Python-side peak stays a few blocks' worth."""
    src = tmp_path / "long.wav"
    with sf.SoundFile(src, "w", SR, 2, "PCM_16") as f:
        for i in range(180):
            f.write(music_like(1.0, 0.3, seed=i).T)
    tracemalloc.start()
    run(src, tmp_path / "o.wav", block_s=1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2 * SR * 4, f"{peak / 1e6:.1f} MB"
    assert sf.info(tmp_path / "o.wav").frames == 180 * SR
