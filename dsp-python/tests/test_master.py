"""Mastering: master(), normalize(), master_album() and MasteringChain,
measured with an independent BS.1770 meter (libebur128 via pyebur128)."""

from __future__ import annotations

import json

import numpy as np
import pyebur128
import pytest

import masterlib as ml
from helpers import swelling


def ebur128(y: np.ndarray, sr: int) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by libebur128."""
    y = np.atleast_2d(y)
    mode = pyebur128.MeasurementMode.MODE_I | pyebur128.MeasurementMode.MODE_TRUE_PEAK
    state = pyebur128.R128State(y.shape[0], sr, mode)
    state.add_frames(np.ascontiguousarray(y.T, dtype=np.float64).ravel(), y.shape[1])
    peak = max(pyebur128.get_true_peak(state, c) for c in range(y.shape[0]))
    return pyebur128.get_loudness_global(state), 20 * np.log10(max(peak, 1e-12))


def song(kind: str, sr: int = 48_000, seconds: float = 10.0, seed: int = 0) -> np.ndarray:
    """Stereo test material: `bright` (hats and cymbal noise over a thin
    chord), `bass` (sub and kick heavy) or `transient` (sharp clicks and
    snare bursts over silence-ish pads), with a quiet intro."""
    rng = np.random.default_rng(seed)
    n = int(sr * seconds)
    t = np.arange(n) / sr
    beat = (t % 0.5) / 0.5
    if kind == "bright":
        hiss = np.diff(rng.standard_normal(n + 1))
        sig = 0.25 * hiss * np.exp(-beat * 8) + 0.1 * np.sin(2 * np.pi * 2_500 * t)
        sig += 0.08 * np.sin(2 * np.pi * 7_000 * t)
    elif kind == "bass":
        kick = np.exp(-(t % 0.5) * 12) * np.sin(2 * np.pi * 50 * (t % 0.5))
        sig = 0.6 * kick + 0.4 * np.sin(2 * np.pi * 41 * t) + 0.05 * np.sin(2 * np.pi * 440 * t)
    else:
        clicks = np.zeros(n)
        clicks[:: int(sr * 0.25)] = 1.0
        snare = rng.standard_normal(n) * np.exp(-((t + 0.25) % 0.5) * 30)
        sig = 0.9 * clicks + 0.3 * snare + 0.02 * np.sin(2 * np.pi * 220 * t)
    sig[: sr // 2] *= 0.1
    width = rng.standard_normal(n) * 0.01
    return np.stack([sig + width, sig - width]).astype(np.float32) * 0.5


@pytest.mark.parametrize("kind", ["bright", "bass", "transient"])
def test_master_meets_the_target_by_an_independent_meter(kind):
    x = song(kind)
    y, report = ml.master(x, 48_000, target="spotify")
    lufs, tp = ebur128(y, 48_000)
    assert tp <= -0.9, (kind, tp)
    assert abs(lufs - (-14.0)) <= 0.3, (kind, lufs, report.normalization)
    assert y.shape == x.shape and y.dtype == np.float32
    assert report.after.integrated_lufs == pytest.approx(lufs, abs=0.1)
    assert report.before.integrated_lufs == pytest.approx(ebur128(x, 48_000)[0], abs=0.1)


@pytest.mark.parametrize("sr", [44_100, 48_000, 96_000])
def test_master_keeps_the_sample_rate(sr):
    x = song("bass", sr=sr, seconds=6.0)
    y, report = ml.master(x, sr, preset="gentle")
    assert y.shape == x.shape
    assert report.after.sample_rate == sr
    lufs, tp = ebur128(y, sr)
    assert abs(lufs - report.target_lufs) <= 0.3 and tp <= -0.9


def test_presets_and_their_targets():
    assert ml.MasteringChain.presets == ["streaming", "broadcast", "loud", "gentle"]
    x = song("bright", seconds=6.0)
    y, report = ml.master(x, 48_000, preset="broadcast")
    assert report.target == "ebu_r128"
    assert abs(ebur128(y, 48_000)[0] - (-23.0)) <= 0.3
    assert [s["name"] for s in report.stages] == ["corrective_eq", "glue", "width"]
    glue = report.stages[1]
    assert glue["gain_reduction_max_db"] > 0


def test_a_chain_through_json_renders_bit_identical_output():
    chain = ml.MasteringChain("loud", target="apple")
    chain.target_lufs = -12.0
    back = ml.MasteringChain.from_json(chain.to_json())
    assert back == chain
    x = song("transient", seconds=5.0)
    a, _ = ml.master(x, 48_000, chain=chain)
    b, report = ml.master(x, 48_000, chain=back)
    assert np.array_equal(a, b)
    assert report.target_lufs == -12.0
    assert report.chain == chain


def test_the_dither_leaves_samples_on_the_grid():
    chain = ml.MasteringChain("loud")  # 16-bit, noise shaped
    assert chain.dither_bits == 16
    y, _ = ml.master(song("bass", seconds=4.0), 48_000, chain=chain)
    k = y.astype(np.float64) * 32_768
    assert np.array_equal(k, np.round(k))


def test_normalize_lands_within_0_1_lu_below_the_ceiling():
    for target, lufs_target, ceiling in [("spotify", -14, -1), ("ebu_r128", -23, -1), ("atsc_a85", -24, -2)]:
        x = song("transient", seconds=8.0) * 0.3
        y, r = ml.normalize(x, 48_000, target=target)
        lufs, tp = ebur128(y, 48_000)
        assert abs(lufs - lufs_target) <= 0.1, (target, lufs, r)
        assert tp <= ceiling + 0.1
        assert r.passes >= 1 and y.shape == x.shape
        assert abs(r.trim_db) <= 0.5
        assert r.to_dict()["output_lufs"] == pytest.approx(r.output_lufs)


def test_a_target_out_of_reach_does_not_drive_the_limiter_into_the_ground():
    # -3 LUFS under a -1 dBTP ceiling is beyond a clean limiter: the gain
    # stops where more of it no longer adds loudness, in one pass.
    x = song("transient", seconds=8.0) * 0.3
    chain = ml.MasteringChain("streaming")
    chain.target_lufs = -3.0
    y, r = ml.master(x, 48_000, chain=chain)
    lufs, tp = ebur128(y, 48_000)
    assert tp <= -0.9 and lufs < -4.0
    assert r.normalization.passes == 1, r.normalization
    n = r.normalization
    assert n.gain_db < n.target_lufs - n.input_lufs + 20.0, n.to_dict()


def test_album_keeps_relative_loudness():
    tracks = [song("bass", seed=1) * 0.8, song("bright", seed=2) * 0.2, song("transient", seed=3) * 0.5]
    masters, report = ml.master_album(tracks, 48_000, target="spotify")
    before = [ebur128(t, 48_000)[0] for t in tracks]
    after = [ebur128(m, 48_000)[0] for m in masters]
    for b, a in zip(before[1:], after[1:]):
        assert abs((a - after[0]) - (b - before[0])) <= 0.1
    assert abs(report.album_lufs_after - (-14.0)) <= 0.3
    assert all(ebur128(m, 48_000)[1] <= -0.9 for m in masters)
    assert len(report.tracks) == 3


def test_bad_input_gets_a_clear_error():
    x = song("bass", seconds=1.0)
    with pytest.raises(ValueError, match="unknown mastering preset"):
        ml.master(x, 48_000, preset="shiny")
    with pytest.raises(ValueError, match="unknown loudness target"):
        ml.master(x, 48_000, target="nowhere")
    with pytest.raises(ValueError, match="channel"):
        ml.master(np.zeros((3, 1000), np.float32), 48_000)
    bad = x.copy()
    bad[1, 10] = np.nan
    with pytest.raises(ValueError, match="index 10"):
        ml.master(bad, 48_000)
    with pytest.raises(ValueError):
        ml.normalize(np.zeros((2, 0), np.float32), 48_000)
    with pytest.raises(ValueError, match="MasteringChain"):
        ml.MasteringChain.from_json('{"version": 1}')
    chain = ml.MasteringChain()
    with pytest.raises(ValueError):
        chain.target_lufs = 5.0
    with pytest.raises(ValueError):
        ml.master(x, 10.0)


def test_a_stage_on_mid_and_side():
    chain = ml.MasteringChain("streaming")
    chain.set_mid_side("glue")
    assert chain.is_mid_side("glue") and not chain.is_mid_side("width")
    back = ml.MasteringChain.from_json(chain.to_json())
    assert back.is_mid_side("glue")
    mono = song("bass", seconds=4.0)
    mono[1] = mono[0]  # no side: the master stays mono
    y, _ = ml.master(mono, 48_000, chain=chain)
    assert np.max(np.abs(y[0] - y[1])) <= 2 ** -23 * 4
    with pytest.raises(ValueError, match="no stage"):
        chain.set_mid_side("reverb")


def broadband(seed: int, seconds: float = 10.0, sr: int = 48_000, tilt_db: float = 0.0) -> np.ndarray:
    """Stereo pink-ish noise music with drums, tilted by `tilt_db` per decade
    around 1 kHz."""
    rng = np.random.default_rng(seed)
    n = int(sr * seconds)
    f = np.fft.rfftfreq(n, 1 / sr)
    shape = np.where(f > 20, 1 / np.sqrt(np.maximum(f, 1)) * 10 ** (tilt_db * np.log10(np.maximum(f, 1) / 1000) / 20), 0)
    chans = [np.fft.irfft(shape * np.exp(2j * np.pi * rng.random(len(f))), n) for _ in range(2)]
    bed = np.stack([chans[0] + 0.3 * chans[1], chans[0] - 0.3 * chans[1]])
    bed *= 0.1 / np.sqrt(np.mean(bed**2))
    return (bed + song("bass", sr, seconds, seed) * 0.5).astype(np.float32)


def test_match_reference_meets_tonal_balance_loudness_and_ceiling():
    x = broadband(1, tilt_db=-3.0)
    reference, _ = ml.normalize(broadband(2, tilt_db=2.0), 48_000, target="spotify")
    reference = reference * 1.0
    ref_lufs = ebur128(reference, 48_000)[0]
    before = ml.third_octave_error_db(x, reference, 48_000)
    y, report = ml.match_reference(x, reference, 48_000)
    after = ml.third_octave_error_db(y, reference, 48_000)
    lufs, tp = ebur128(y, 48_000)
    assert after < 0.8 and after < before / 3, (before, after)
    assert abs(lufs - ref_lufs) <= 0.3 and tp <= -0.9
    assert report.chain.stages[0] == "tonal_balance"
    assert any(m.startswith("tonal balance") for m in report.matching)
    # Strength 0 everywhere but loudness: the tonal balance stays.
    y0, _ = ml.match_reference(x, reference, 48_000, tonal=0.0, width=0.0, dynamics=0.0)
    assert ml.third_octave_error_db(y0, reference, 48_000) == pytest.approx(before, abs=0.3)


@pytest.mark.parametrize("full_chain", [False, True])
def test_a_brickwall_loud_reference_is_matched_in_loudness_under_the_ceiling(full_chain):
    # The reference: other music mastered brickwall-loud by the "loud"
    # preset (-9 LUFS at -1 dBTP, a PLR of 8 dB). A clean true-peak limiter
    # cannot bring the dark, dynamic mix there (it stops where more gain
    # only flattens the audio); the dynamics match adds a soft clipper so
    # that the master lands on the reference's loudness by libebur128, its
    # true peak still under the ceiling.
    reference, _ = ml.normalize(swelling(20.0, 48_000, 20, tilt_db=2.0), 48_000, target="spotify")
    reference, _ = ml.master(reference, 48_000, chain=ml.MasteringChain("loud"))
    ref_lufs, ref_tp = ebur128(reference, 48_000)
    assert abs(ref_lufs + 9.0) <= 0.1 and ref_tp <= -0.9
    x = swelling(20.0, 48_000, 10, tilt_db=-3.0) * 0.3
    if full_chain:
        y, report = ml.master(x, 48_000, reference=reference)
    else:
        y, report = ml.match_reference(x, reference, 48_000)
    lufs, tp = ebur128(y, 48_000)
    assert abs(lufs - ref_lufs) <= 0.3, (lufs, ref_lufs, report.matching)
    assert tp <= -0.9, tp
    assert "density" in report.chain.stages
    assert any("soft clipper" in m for m in report.matching), report.matching
    # The limiter works hard, and the preview's miss has corrected the
    # predicted gain: one pass lands within the tolerance.
    n = report.normalization
    assert n.limiter_mean_gr_db > 1.0, n
    assert n.passes == 1 and abs(n.output_lufs - n.target_lufs) <= 0.05, n
    if not full_chain:
        # Without the dynamics match: no clipper, and the limiter alone
        # stops short of the reference's loudness.
        y0, plain = ml.match_reference(x, reference, 48_000, dynamics=0.0)
        assert "density" not in plain.chain.stages
        assert ebur128(y0, 48_000)[0] < ref_lufs - 0.3


def test_a_saved_profile_masters_other_tracks_like_the_reference():
    reference = broadband(3, tilt_db=1.5)
    profile = ml.Profile.analyze(reference, 48_000)
    back = ml.Profile.from_json(profile.to_json())
    assert back == profile
    assert len(profile.frequencies) == len(profile.mid_db) == len(profile.side_db)
    two = ml.Profile.average([profile, ml.Profile.analyze(broadband(4, tilt_db=1.5), 48_000)])
    chain = ml.MasteringChain("gentle")
    chain.set_matching(loudness=0.0)
    assert chain.matching == {"tonal": 1.0, "loudness": 0.0, "width": 0.5, "dynamics": 0.5}
    y, report = ml.master(broadband(5, seconds=6.0), 48_000, reference=profile, chain=chain)
    assert abs(ebur128(y, 48_000)[0] - (-16.0)) <= 0.3  # gentle's own target kept
    with pytest.raises(ValueError, match="width"):
        chain.set_matching(width=2.0)
    for sr in (44_100, 96_000):
        x = broadband(5, sr=sr, seconds=6.0, tilt_db=-2.0)
        y, report = ml.master(x, sr, reference=two if sr == 44_100 else back)
        assert y.shape == x.shape
        lufs, tp = ebur128(y, sr)
        assert tp <= -0.9 and abs(lufs - profile.integrated_lufs) <= 0.3
        assert report.matching


def test_matching_errors():
    x = broadband(6, seconds=2.0)
    with pytest.raises(ValueError, match="tonal"):
        ml.match_reference(x, x, 48_000, tonal=1.5)
    with pytest.raises(ValueError, match="Profile"):
        ml.Profile.from_json("{}")
    with pytest.raises(ValueError):
        ml.match_reference(x, np.zeros((2, 0), np.float32), 48_000)


def test_the_report_as_json_holds_every_reading():
    x = song("bass", seconds=4.0)
    _, report = ml.master(x, 48_000, target="apple")
    d = json.loads(report.to_json())
    assert d["after"]["integrated_lufs"] == pytest.approx(report.after.integrated_lufs)
    assert d["after"]["true_peak_dbtp"] == pytest.approx(report.after.true_peak_dbtp)
    assert d["normalization"]["passes"] == report.normalization.passes
    assert [s["name"] for s in d["stages"]] == [s["name"] for s in report.stages]
    assert d["target"]["name"] == "apple" and d["chain"]["target"] == report.chain.target
    # Silence has no loudness: JSON null, not an invalid -Infinity.
    _, album = ml.master_album([x, np.zeros_like(x)], 48_000)
    tracks = json.loads(album.to_json())["tracks"]
    assert tracks[1]["before"]["integrated_lufs"] is None
    assert tracks[0]["after"]["integrated_lufs"] == pytest.approx(album.tracks[0].after.integrated_lufs)
