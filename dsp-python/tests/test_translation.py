"""Translation readings: the mono fold per octave band and the small
loudspeaker in ``QaReport``, and ``codec_check`` (MP3, Vorbis, Opus through
libsndfile)."""

import json

import numpy as np
import pytest
import soundfile as sf

import masterlib as ml

SR = 48_000


def sine(freq, seconds=3.0, amp=0.5, rate=SR):
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def band(report, values, hz):
    return values[list(report.octave_band_hz).index(hz)]


def test_mono_fold_change_per_band():
    # 200 Hz in phase, 3 kHz in anti-phase: only the 3 kHz part cancels.
    low, high = sine(200.0, amp=0.3), sine(3000.0, amp=0.3)
    r = ml.measure(np.stack([low + high, low - high]), SR)
    change = r.mono_band_change_db
    assert len(change) == len(r.octave_band_hz) == len(r.small_speaker_bands_db)
    assert band(r, change, 4000.0) <= -20.0
    assert band(r, change, 250.0) == pytest.approx(0.0, abs=0.1)
    assert np.all(ml.measure(low, SR).mono_band_change_db == 0.0)


def test_small_speaker_drop_bass_against_midrange():
    mid = ml.measure(np.stack([sine(1000.0)] * 2), SR)
    assert mid.small_speaker_drop_lu == pytest.approx(0.0, abs=0.5)
    assert mid.small_speaker_lufs == pytest.approx(mid.integrated_lufs, abs=0.5)
    assert band(mid, mid.small_speaker_bands_db, 1000.0) == pytest.approx(0.0, abs=0.05)
    bass = ml.measure(np.stack([sine(50.0) + sine(1000.0, amp=0.02)] * 2), SR)
    assert bass.small_speaker_drop_lu > 10.0
    shares = bass.small_speaker_bands_db
    assert band(bass, shares, 1000.0) > band(bass, shares, 63.0)


def test_translation_readings_in_json_and_html(tmp_path):
    r = ml.measure(np.stack([sine(1000.0)] * 2), SR)
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    for key in ("mono_band_change_db", "small_speaker_lufs", "small_speaker_drop_lu",
                "small_speaker_bands_db"):  # fmt: skip
        value = getattr(r, key)
        if isinstance(value, np.ndarray):
            assert len(d[key]) == len(value)
        else:
            assert d[key] == pytest.approx(value)
    silent = ml.measure(np.zeros((2, SR), dtype=np.float32), SR)
    s = json.loads(json.dumps(silent.to_dict(), allow_nan=False))
    assert s["small_speaker_lufs"] is None and s["small_speaker_drop_lu"] == 0.0
    assert all(v is None for v in s["small_speaker_bands_db"])
    assert all(v == 0.0 for v in s["mono_band_change_db"])
    page = r._repr_html_()
    assert "Small-speaker loudness drop" in page and "Mono fold change" in page


# --- codec_check ------------------------------------------------------------------


def writable(codec):
    container, subtype = {"mp3": ("MP3", "MPEG_LAYER_III"), "vorbis": ("OGG", "VORBIS"),
                          "opus": ("OGG", "OPUS")}[codec]  # fmt: skip
    return subtype in sf.available_subtypes(container)


needs_codecs = pytest.mark.skipif(
    not (writable("mp3") or writable("vorbis")),
    reason=f"this libsndfile ({sf.__libsndfile_version__}) writes neither MP3 nor Vorbis",
)


@pytest.fixture(scope="module")
def hot():
    """A dense master limited to -0.1 dBFS sample peak (noise over a bass
    tone), stereo, 3 s."""
    rng = np.random.default_rng(3)
    t = np.arange(3 * SR) / SR
    x = rng.standard_normal((2, t.size)) * 0.5 + 0.6 * np.sin(2 * np.pi * 60.0 * t)
    return ml.Limiter(ceiling_db=-0.1)(x.astype(np.float32), SR)


@needs_codecs
def test_codec_check_finds_decoded_overs_of_a_hot_master(hot):
    peak = ml.measure(hot, SR).sample_peak_dbfs
    assert peak == pytest.approx(-0.1, abs=0.01)
    reports = ml.codec_check(hot, SR)
    assert [(c.codec, c.setting) for c in reports] == [
        ("mp3", 128.0), ("mp3", 320.0), ("vorbis", 0.5), ("opus", 128.0)]  # fmt: skip
    measured = [c for c in reports if c.skipped is None]
    assert measured
    for c in reports:
        if c.skipped is not None:
            assert not writable(c.codec), c
            continue
        assert c.true_peak_dbtp > peak, c
        assert c.headroom_db > 0.0 and c.headroom_db == pytest.approx(c.sample_peak_dbfs), c
        assert abs(c.loudness_change_lu) < 3.0, c
        lo, hi = (0.5, 2.0) if c.codec != "vorbis" else (0.3, 3.0)
        if c.codec != "vorbis":
            assert lo * c.setting < c.bitrate_kbps < hi * c.setting, c
        json.dumps(c.to_dict(), allow_nan=False)


@needs_codecs
def test_codec_check_quiet_master_needs_no_headroom(hot):
    for c in ml.codec_check(0.1 * hot, SR):
        assert c.skipped is not None or (c.headroom_db == 0.0 and c.sample_peak_dbfs < -15.0), c


@needs_codecs
def test_codec_check_skips_what_does_not_fit():
    x = sine(1000.0, seconds=1.0, rate=44_100)
    (opus,) = ml.codec_check(x, 44_100, codecs=[("opus", 96)])
    assert opus.skipped is not None and "48 kHz" in opus.skipped and opus.headroom_db is None
    assert opus.to_dict()["true_peak_dbtp"] is None
    (mp3,) = ml.codec_check(np.zeros((3, 4800), dtype=np.float32), SR, codecs=[("mp3", 128)])
    assert mp3.skipped is not None and "channels" in mp3.skipped


def test_codec_check_rejects_bad_arguments():
    x = sine(1000.0, seconds=0.5)
    with pytest.raises(ValueError, match="unknown codec 'aac'"):
        ml.codec_check(x, SR, codecs=[("aac", 128)])
    with pytest.raises(ValueError, match="quality must be from 0 to 1"):
        ml.codec_check(x, SR, codecs=[("vorbis", 5)])
    with pytest.raises(ValueError, match="positive"):
        ml.codec_check(x, SR, codecs=[("mp3", -1)])
    with pytest.raises(ValueError, match="whole number"):
        ml.codec_check(x, 44_100.5)
    bad = x.copy()
    bad[10] = np.nan
    with pytest.raises(ValueError):
        ml.codec_check(bad, SR)
    with pytest.raises(ValueError):
        ml.codec_check(np.zeros(0, dtype=np.float32), SR)
