"""Audio files: load, save (dithered, atomic, no silent overwrite) and
process_file (streamed, bit-identical to processing in memory)."""

from __future__ import annotations

import os
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import masterlib as ml
from helpers import noise

SR = 48_000
LSB16 = 2.0**-15
LSB24 = 2.0**-23


def test_version_is_the_crates():
    cargo = (Path(__file__).parents[2] / "Cargo.toml").read_text()
    assert ml.__version__ == re.search(r'^version = "(.+)"', cargo, re.M).group(1)


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".aiff"])
@pytest.mark.parametrize("bits", [16, 24, 32])
def test_round_trips_within_the_word_length(tmp_path, suffix, bits):
    if suffix == ".flac" and bits == 32:
        with pytest.raises(ValueError, match="FLAC"):
            ml.save(tmp_path / "x.flac", noise(2, 100), SR, 32)
        return
    x = noise(2, 20_000, seed=1, amp=0.1)  # peaks well below full scale
    path = tmp_path / f"x{suffix}"
    ml.save(path, x, SR, bits)
    y, rate = ml.load(path)
    assert rate == SR and y.dtype == np.float32 and y.shape == x.shape and y.flags.c_contiguous
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as any new file, not owner-only
    err = np.abs(y.astype(np.float64) - x)
    if bits == 32:
        assert err.max() == 0.0
    else:
        lsb = LSB16 if bits == 16 else LSB24
        # Rounding (half an LSB) plus TPDF dither (up to one LSB).
        assert err.max() <= 1.5 * lsb + 1e-12
        assert np.all(np.abs(y * 2.0 ** (bits - 1) - np.round(y * 2.0 ** (bits - 1))) < 1e-3)


def test_mono_and_a_part_of_a_file(tmp_path):
    x = noise(1, SR, seed=2)[0]
    ml.save(tmp_path / "m.wav", x, SR, 32)
    y, _ = ml.load(tmp_path / "m.wav", start_s=0.25, duration_s=0.5)
    assert y.shape == (1, SR // 2)
    np.testing.assert_array_equal(y[0], x[SR // 4 : 3 * SR // 4])
    assert ml.load(tmp_path / "m.wav", start_s=5.0)[0].shape == (1, 0)
    with pytest.raises(ValueError, match="non-negative"):
        ml.load(tmp_path / "m.wav", start_s=-1.0)


def harmonic_share(e: np.ndarray, f0: float) -> float:
    """The share of the power of `e` within two bins of the multiples of f0."""
    power = np.abs(np.fft.rfft(e.astype(np.float64) * np.hanning(len(e)))) ** 2
    k = np.arange(len(power)) * SR / len(e)
    near = np.abs(k - f0 * np.round(k / f0)) <= 2 * SR / len(e)
    return float(power[near & (k > f0 / 2)].sum() / power.sum())


def test_16_bit_output_is_tpdf_dithered_not_truncated(tmp_path):
    """A 1 kHz sine of 3 LSB: rounded, its error is harmonic distortion
    (all its power at multiples of 1 kHz); the saved file's error is noise
    of TPDF power (1/4 LSB^2: rounding plus two uniform LSBs) spread evenly
    over the band."""
    x = (3 * LSB16 * np.sin(2 * np.pi * 1000 * np.arange(SR) / SR)).astype(np.float32)
    ml.save(tmp_path / "d.wav", x, SR, 16)
    ml.save(tmp_path / "r.wav", x, SR, 16, dither="none")
    dithered = ml.load(tmp_path / "d.wav")[0][0] - x
    rounded = ml.load(tmp_path / "r.wav")[0][0] - x
    assert np.mean(dithered.astype(np.float64) ** 2) == pytest.approx(LSB16**2 / 4, rel=0.1)
    assert harmonic_share(dithered, 1000.0) < 0.02
    assert harmonic_share(rounded, 1000.0) > 0.9


def test_refuses_to_overwrite_and_writes_atomically(tmp_path, monkeypatch):
    path = tmp_path / "out.wav"
    ml.save(path, noise(2, 1000), SR)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        ml.save(path, noise(2, 1000, seed=3), SR)
    assert path.read_bytes() == before

    def broken_write(self, data):
        raise OSError("disk full")

    monkeypatch.setattr(sf.SoundFile, "write", broken_write)
    with pytest.raises(OSError, match="disk full"):
        ml.save(path, noise(2, 1000, seed=3), SR, overwrite=True)
    with pytest.raises(OSError, match="disk full"):
        ml.save(tmp_path / "new.wav", noise(2, 1000), SR)
    monkeypatch.undo()
    # The old file is whole, the new one never appeared, no temporary is left.
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["out.wav"]
    ml.save(path, noise(2, 1000, seed=3), SR, overwrite=True)
    assert path.read_bytes() != before


def test_bad_arguments_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such audio file"):
        ml.load(tmp_path / "missing.wav")
    (tmp_path / "text.wav").write_text("not audio at all")
    with pytest.raises(ValueError, match="cannot read"):
        ml.load(tmp_path / "text.wav")
    with pytest.raises(ValueError, match="use one of"):
        ml.save(tmp_path / "x.mp4", noise(2, 10), SR)
    with pytest.raises(ValueError, match="16, 24 or 32"):
        ml.save(tmp_path / "x.wav", noise(2, 10), SR, 20)
    with pytest.raises(ValueError, match="pass x.T"):
        ml.save(tmp_path / "x.wav", noise(2, 1000).T, SR)
    with pytest.raises(ValueError, match="NaN|non-finite"):
        ml.save(tmp_path / "x.wav", np.full((2, 10), np.nan, np.float32), SR)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        ml.save(tmp_path / "no" / "x.wav", noise(2, 10), SR)
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".aiff"])
def test_a_truncated_file_is_refused(tmp_path, suffix):
    ml.save(tmp_path / f"t{suffix}", noise(2, 10_000, amp=0.1), SR, 16)
    data = (tmp_path / f"t{suffix}").read_bytes()
    (tmp_path / f"cut{suffix}").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated|cannot read"):
        ml.load(tmp_path / f"cut{suffix}")


PROCESSORS = {
    "limiter": lambda: ml.Limiter(ceiling_db=-6.0),
    "reverb": lambda: ml.Reverb(decay_s=1.0),
    "chain": lambda: ml.Chain([ml.HighPass(80.0), ml.Compressor(), ml.Limiter()]),
    "mono to stereo": lambda: ml.Pan(0.3),
}


@pytest.mark.parametrize("name", PROCESSORS)
def test_process_file_equals_processing_in_memory(tmp_path, name):
    """Streamed in small blocks, with the latency compensated and the tail
    written: the same samples as in memory, also after 24-bit dithering."""
    x = noise(1 if name == "mono to stereo" else 2, 30_000, seed=4, amp=0.3)
    src = tmp_path / "in.wav"
    ml.save(src, x, SR, 32)
    ml.process_file(PROCESSORS[name](), src, tmp_path / "out.wav", bit_depth=32, block_s=0.05)
    got, _ = ml.load(tmp_path / "out.wav")
    want = PROCESSORS[name]().process(x, SR, tail=True)
    np.testing.assert_array_equal(got, want.reshape(got.shape))
    ml.process_file(PROCESSORS[name](), src, tmp_path / "out24.wav", block_s=0.03)
    ml.save(tmp_path / "mem24.wav", want, SR)
    np.testing.assert_array_equal(ml.load(tmp_path / "out24.wav")[0], ml.load(tmp_path / "mem24.wav")[0])


def test_process_file_reports_progress_and_cancels(tmp_path):
    src = tmp_path / "in.wav"
    ml.save(src, noise(2, SR), SR)
    seen = []
    ml.process_file(ml.Gain(-3.0), src, tmp_path / "out.wav", block_s=0.1, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 10
    with pytest.raises(ml.Cancelled):
        ml.process_file(ml.Gain(), src, tmp_path / "c.wav", block_s=0.1, progress=lambda f: f < 0.5)
    assert not (tmp_path / "c.wav").exists()
    assert sorted(os.listdir(tmp_path)) == ["in.wav", "out.wav"]
    with pytest.raises(ValueError, match="input file"):
        ml.process_file(ml.Gain(), src, src, overwrite=True)


def test_process_file_memory_follows_the_block_not_the_file(tmp_path):
    """Three minutes of stereo (69 MB as float32) streamed in 1 s blocks:
    the Python-side peak stays a few blocks' worth, for process_file and for
    measure_file (whose report is measure's of the whole file)."""
    src = tmp_path / "long.wav"
    with sf.SoundFile(src, "w", SR, 2, "PCM_16") as f:
        for i in range(180):
            f.write(noise(2, SR, seed=i, amp=0.1).T)
    tracemalloc.start()
    chain = ml.Chain([ml.HighPass(40.0), ml.Limiter()])
    ml.process_file(chain, src, tmp_path / "o.wav", block_s=1.0, tail=False)
    report = ml.measure_file(src, block_s=1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2 * SR * 4, f"{peak / 1e6:.1f} MB"
    assert sf.info(tmp_path / "o.wav").frames == 180 * SR
    assert report.to_dict() == ml.measure(*ml.load(src)).to_dict()


@pytest.mark.parametrize("block_s", [0.01, 0.37, 5.0])
def test_measure_file_is_measure_of_the_whole_file(tmp_path, block_s):
    for i, (suffix, subtype, rate, x) in enumerate([
        (".wav", "PCM_24", 44_100, noise(2, 50_000, seed=1)),
        (".flac", "PCM_16", 48_000, noise(1, 3_000, seed=2)),
        (".wav", "FLOAT", 96_000, noise(3, 20_000, seed=3)),
    ]):
        src = tmp_path / f"{i}{suffix}"
        sf.write(src, x.T, rate, subtype=subtype)
        seen = []
        report = ml.measure_file(src, block_s=block_s, progress=seen.append)
        assert report.to_dict() == ml.measure(*ml.load(src)).to_dict()
        assert seen[-1] == 1.0 and seen == sorted(seen)
    x = noise(2, 10_000, seed=4)
    x[1, 7_000] = np.inf
    sf.write(tmp_path / "inf.wav", x.T, SR, subtype="FLOAT")
    with pytest.raises(ValueError, match="non-finite sample .* channel 1"):
        ml.measure_file(tmp_path / "inf.wav", block_s=block_s)
    sf.write(tmp_path / "empty.wav", np.zeros((0, 2), dtype=np.float32), SR)
    with pytest.raises(ValueError, match="holds no audio"):
        ml.measure_file(tmp_path / "empty.wav")
    with pytest.raises(ValueError, match="block_s"):
        ml.measure_file(tmp_path / "inf.wav", block_s=0.0)
    with pytest.raises(ml.Cancelled):
        ml.measure_file(tmp_path / "0.wav", block_s=0.1, progress=lambda f: f < 0.5)
