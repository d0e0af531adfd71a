"""Loudness metering, QA reports and delivery targets through Python.

EBU Tech 3341 / 3342 signals are synthesised at 48 kHz from their published
descriptions (stereo 1 kHz sine, level = peak per channel in dBFS).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import masterlib as ml
from helpers import SR


def tone(segments: list[tuple[float, float]], freq_hz: float = 1000.0) -> np.ndarray:
    """Stereo sine, phase-continuous, from (seconds, peak dBFS) segments."""
    lengths = [round(s * SR) for s, _ in segments]
    amp = np.concatenate([np.full(n, 10 ** (db / 20)) for n, (_, db) in zip(lengths, segments)])
    t = np.arange(amp.size) / SR
    x = (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.stack([x, x])


def quarter_rate_sine(phase_deg: float, amp: float = 0.5, seconds: float = 1.0) -> np.ndarray:
    """EBU 3341 15/16: fs/4 sine with 10 ms fades, stereo."""
    n = round(seconds * SR)
    x = amp * np.sin(2 * np.pi * 0.25 * np.arange(n) + np.deg2rad(phase_deg))
    fade = round(0.01 * SR)
    ramp = np.linspace(0.0, 1.0, fade)
    x[:fade] *= ramp
    x[-fade:] *= ramp[::-1]
    return np.stack([x, x]).astype(np.float32)


# --- EBU Tech 3341 minimum requirements -----------------------------------------


@pytest.mark.parametrize(
    ("case", "segments"),
    [
        (1, [(20.0, -23.0)]),
        (2, [(20.0, -33.0)]),
        (3, [(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)]),
        (5, [(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)]),
    ],
)
def test_ebu_3341_integrated(case, segments):
    # Case 1 through measure(); the long ones through a meter without true
    # peak (faster in debug builds; the loudness path is the same).
    if case == 1:
        r = ml.measure(tone(segments), SR)
    else:
        r = ml.LoudnessMeter(SR, 2, true_peak=False)
        r.add(tone(segments))
    expected = -33.0 if case == 2 else -23.0
    assert r.integrated_lufs == pytest.approx(expected, abs=0.1)
    if case in (1, 2):
        assert r.max_momentary_lufs == pytest.approx(expected, abs=0.1)
        assert r.max_short_term_lufs == pytest.approx(expected, abs=0.1)
        assert r.momentary_series_lufs[-1] == pytest.approx(expected, abs=0.1)
        assert r.short_term_series_lufs[-1] == pytest.approx(expected, abs=0.1)


def test_ebu_3341_case_9_short_term_constant_after_3_s():
    m = ml.LoudnessMeter(SR, 2, true_peak=False)
    m.add(tone([(1.34, -20.0), (1.66, -30.0)] * 5))
    settled = m.short_term_series_lufs[29:]  # entries from 3.0 s on
    assert settled.size > 100
    np.testing.assert_allclose(settled, -23.0, atol=0.1)


def test_ebu_3342_case_1_loudness_range():
    m = ml.LoudnessMeter(SR, 2, true_peak=False)
    m.add(tone([(20.0, -20.0), (20.0, -30.0)]))
    assert m.loudness_range_lu == pytest.approx(10.0, abs=1.0)


@pytest.mark.parametrize("phase_deg", [0.0, 45.0])
def test_ebu_3341_cases_15_16_true_peak(phase_deg):
    r = ml.measure(quarter_rate_sine(phase_deg), SR)
    assert -6.4 <= r.true_peak_dbtp <= -5.8
    if phase_deg == 45.0:
        assert r.sample_peak_dbfs == pytest.approx(-9.03, abs=0.01)


# --- LoudnessMeter: streaming equals one-shot -----------------------------------


@settings(max_examples=8, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=round(3.4 * SR)), max_size=12))
def test_streaming_add_in_random_chunks_equals_measure(cuts):
    # Splits change only the order of energy sums: equal to ~1e-12 LU.
    x = tone([(1.4, -20.0), (2.0, -30.0)])
    x[1] *= 0.5
    meter = ml.LoudnessMeter(SR, 2)
    for block in np.split(x, sorted(cuts), axis=1):
        meter.add(block)
    r = ml.measure(x, SR)
    close = {"rel": 0, "abs": 1e-9}
    assert meter.integrated_lufs == pytest.approx(r.integrated_lufs, **close)
    assert meter.loudness_range_lu == pytest.approx(r.loudness_range_lu, **close)
    assert meter.loudness_range_lu > 0.0  # one short-term window passed the gates
    assert meter.true_peak_dbtp == r.true_peak_dbtp  # per-sample: exact
    assert meter.sample_peak_dbfs == r.sample_peak_dbfs
    assert meter.max_momentary_lufs == pytest.approx(r.max_momentary_lufs, **close)
    assert meter.max_short_term_lufs == pytest.approx(r.max_short_term_lufs, **close)
    np.testing.assert_allclose(meter.momentary_series_lufs, r.momentary_series_lufs, 0, 1e-9)
    np.testing.assert_allclose(meter.short_term_series_lufs, r.short_term_series_lufs, 0, 1e-9)
    assert meter.duration_s == pytest.approx(3.4)


def test_album_loudness_pools_the_gating_blocks():
    # Two tracks: 10 s at -20 dBFS and 20 s at -40 dBFS. The album reading
    # gates their blocks together, like one meter over both (the quiet
    # track falls under the -10 LU relative gate), not the mean of the two.
    loud, quiet = tone([(10.0, -20.0)]), tone([(20.0, -40.0)])
    meters = []
    for track in (loud, quiet):
        m = ml.LoudnessMeter(SR, 2, true_peak=False)
        m.add(track)
        meters.append(m)
    whole = ml.LoudnessMeter(SR, 2, true_peak=False)
    whole.add(np.concatenate([loud, quiet], axis=1))
    album = ml.LoudnessMeter.album_integrated_lufs(meters)
    # One meter over the joined audio also has blocks that straddle the join.
    assert album == pytest.approx(whole.integrated_lufs, abs=0.1)
    assert album == pytest.approx(meters[0].integrated_lufs, abs=0.01)
    assert album > 0.5 * (meters[0].integrated_lufs + meters[1].integrated_lufs) + 5
    with pytest.raises(ValueError, match="at least one meter"):
        ml.LoudnessMeter.album_integrated_lufs([])
    with pytest.raises(TypeError):
        ml.LoudnessMeter.album_integrated_lufs([loud])


def test_meter_properties_reset_and_weights():
    m = ml.LoudnessMeter(SR, 2)
    assert (m.sample_rate, m.channels) == (SR, 2)
    assert m.integrated_lufs == -math.inf and m.true_peak_dbtp == -math.inf
    assert m.loudness_range_lu == 0.0
    m.add(tone([(1.0, -23.0)]))
    assert m.momentary_lufs == pytest.approx(-23.0, abs=0.1)
    assert m.short_term_lufs < m.momentary_lufs  # 1 s of a 3 s window
    assert m.channel_true_peak_dbtp.shape == (2,)
    assert isinstance(m.momentary_series_lufs, np.ndarray) and m.momentary_series_lufs.size == 10
    m.reset()
    assert m.duration_s == 0.0 and m.integrated_lufs == -math.inf
    # Left only, weight 0 on the right: 3 dB below both channels.
    m.channel_weights = [1.0, 0.0]
    np.testing.assert_array_equal(m.channel_weights, [1.0, 0.0])
    m.add(tone([(2.0, -23.0)]))
    assert m.integrated_lufs == pytest.approx(-26.01, abs=0.1)
    with pytest.raises(ValueError, match="weight"):
        m.channel_weights = [1.0, -1.0]
    with pytest.raises(ValueError, match="2 weight"):
        m.channel_weights = [1.0]
    assert ml.LoudnessMeter(SR, 6).channel_weights[3] == 0.0  # LFE
    assert "LoudnessMeter(sample_rate=48000.0, channels=2)" == repr(ml.LoudnessMeter(SR, 2))


def test_true_peak_options():
    x = quarter_rate_sine(45.0)
    off = ml.LoudnessMeter(SR, 2, true_peak=False)
    high = ml.LoudnessMeter(SR, 2, true_peak_precision="high")
    off.add(x)
    high.add(x)
    assert off.true_peak_dbtp == pytest.approx(-9.03, abs=0.01)
    assert high.true_peak_dbtp == pytest.approx(-6.02, abs=0.05)
    with pytest.raises(ValueError, match="standard"):
        ml.LoudnessMeter(SR, 2, true_peak_precision="ultra")


def test_meter_input_errors():
    m = ml.LoudnessMeter(SR, 2)
    with pytest.raises(ValueError, match=r"x\.T"):
        m.add(np.zeros((1000, 2), np.float32))
    with pytest.raises(ValueError, match="2 channel"):
        m.add(np.zeros(1000, np.float32))
    bad = np.zeros((2, 1000), np.float32)
    bad[1, 321] = np.nan
    with pytest.raises(ValueError, match="channel 1, index 321"):
        m.add(bad)
    assert m.duration_s == 0.0  # refused blocks leave the meter unchanged
    m.add(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="sample rate"):
        ml.LoudnessMeter(0.0, 2)
    with pytest.raises(ValueError, match="channel"):
        ml.LoudnessMeter(SR, 0)
    mono = ml.LoudnessMeter(SR, 1)
    mono.add(np.zeros(100))
    assert mono.duration_s == pytest.approx(100 / SR)


# --- measure() and its report ---------------------------------------------------


def test_report_fields_units_and_arrays():
    x = tone([(5.0, -20.0)])
    x[1] *= 0.5  # right 6 dB down
    r = ml.measure(x, SR)
    assert r.sample_rate == SR and r.channels == 2 and r.duration_s == pytest.approx(5.0)
    assert r.plr_db == pytest.approx(r.true_peak_dbtp - r.integrated_lufs)
    assert r.balance_db == pytest.approx(6.02, abs=0.05)
    assert r.correlation == pytest.approx(1.0)
    assert r.clipped_samples == 0
    assert r.dc_offset.shape == (2,)
    assert r.octave_band_hz.shape == r.octave_band_db.shape == (10,)
    assert r.octave_band_db[np.argmax(r.octave_band_db)] > -30.0
    assert r.octave_band_hz[np.argmax(r.octave_band_db)] == 1000.0
    for series in (r.momentary_series_lufs, r.short_term_series_lufs, r.series_time_s):
        assert isinstance(series, np.ndarray) and series.dtype == np.float64
        assert series.shape == (50,)  # 10 Hz
    np.testing.assert_allclose(r.series_time_s[:3], [0.1, 0.2, 0.3])
    assert "QaReport(integrated_lufs=" in repr(r)


def test_measure_accepts_mono_and_rejects_bad_input():
    mono = ml.measure(tone([(1.0, -20.0)])[0].astype(np.float64), SR)
    assert mono.channels == 1 and mono.correlation == 1.0
    with pytest.raises(ValueError, match=r"x\.T"):
        ml.measure(np.zeros((SR, 2)), SR)
    x = np.zeros((2, 1000))
    x[0, 17] = np.inf
    with pytest.raises(ValueError, match=r"channel 0, index 17"):
        ml.measure(x, SR)
    with pytest.raises(ValueError, match="empty"):
        ml.measure(np.zeros((2, 0)), SR)
    with pytest.raises(ValueError, match="sample rate"):
        ml.measure(np.zeros(100), 1e9)
    with pytest.raises(TypeError, match="32768"):
        ml.measure(np.zeros(100, np.int16), SR)


def test_silence_and_very_short_input_are_defined():
    silent = ml.measure(np.zeros((2, SR)), SR)
    assert silent.integrated_lufs == -math.inf
    assert silent.true_peak_dbtp == -math.inf and silent.sample_peak_dbfs == -math.inf
    assert silent.max_momentary_lufs == -math.inf
    assert silent.loudness_range_lu == 0.0 and silent.plr_db == 0.0
    short = ml.measure(tone([(0.2, -20.0)]), SR)  # < 400 ms: no gating block
    assert short.integrated_lufs == -math.inf
    assert short.true_peak_dbtp == pytest.approx(-20.0, abs=0.1)
    assert short.momentary_series_lufs.shape == (2,)
    assert not short.check("spotify").passed


# --- targets ---------------------------------------------------------------------


def test_targets_list_and_lookup():
    names = [t.name for t in ml.targets()]
    assert names == [
        "spotify", "apple", "youtube", "amazon", "tidal", "deezer",
        "ebu_r128", "atsc_a85", "aes_td1008",
    ]  # fmt: skip
    spotify = ml.Target.by_name("Spotify")
    assert spotify == ml.targets()[0]
    assert (spotify.integrated_lufs, spotify.true_peak_dbtp, spotify.tolerance_lu) == (
        -14.0,
        -1.0,
        1.0,
    )
    assert spotify.label == "Spotify" and spotify.turns_up
    assert repr(spotify).startswith("Target(name='spotify', integrated_lufs=-14.0")


def test_check_spotify_too_loud_and_compliant():
    loud = ml.measure(tone([(3.0, -0.5)]), SR)  # about -0.5 LUFS, -0.5 dBTP
    c = loud.check("spotify")
    assert not c.passed
    assert c.gain_change_db == pytest.approx(-14.0 - loud.integrated_lufs)
    assert c.gain_change_db == pytest.approx(-13.5, abs=0.1)
    assert c.message.startswith("FAIL: true peak -0.5 dBTP exceeds -1.0; integrated -0.5 LUFS")
    assert c.description == "Spotify will turn it down 13.5 dB"
    assert c.message.endswith(". Spotify will turn it down 13.5 dB")
    assert len(c.reasons) == 2 and "above -14.0" in c.reasons[1]
    assert c.failures == c.reasons  # both criteria fail
    assert c.to_dict()["failures"] == c.failures
    assert c.target.name == "spotify"

    ok = ml.measure(tone([(3.0, -14.0)]), SR)
    c = ok.check()  # spotify by default
    assert c.passed, c.message
    assert c.failures == []
    assert abs(c.gain_change_db) < 0.1
    assert c.message.startswith("PASS: ")
    assert ok.check(target="apple").gain_change_db == pytest.approx(-2.0, abs=0.1)
    assert "TargetCheck('spotify': PASS" in repr(c)


def test_custom_target():
    r = ml.measure(tone([(3.0, -10.0)]), SR)
    club = ml.Target(name="club", integrated_lufs=-9.0, true_peak_dbtp=-0.5, tolerance_lu=1.5)
    c = r.check(target=club)
    assert c.passed and c.target == club and c.target.label == "club"
    assert "club will leave it as is" in c.message
    strict = ml.Target("strict", -9.0, -0.5, tolerance_lu=0.5, turns_up=True)
    c = r.check(strict)
    assert not c.passed and c.gain_change_db == pytest.approx(1.0, abs=0.1)
    with pytest.raises(ValueError, match="integrated_lufs"):
        ml.Target("bad", 5.0, -1.0)
    with pytest.raises(ValueError, match="tolerance_lu"):
        ml.Target("bad", -14.0, -1.0, tolerance_lu=-1.0)


def test_unknown_target_lists_valid_names():
    r = ml.measure(tone([(1.0, -20.0)]), SR)
    with pytest.raises(ValueError, match="unknown loudness target") as e:
        r.check("myspace")
    for name in ("spotify", "apple", "youtube", "ebu_r128", "atsc_a85", "aes_td1008"):
        assert name in str(e.value)
    with pytest.raises(ValueError, match="spotify"):
        ml.Target.by_name("nope")
    with pytest.raises(TypeError, match="Target"):
        r.check(42)


# --- JSON ------------------------------------------------------------------------


def test_to_dict_is_strict_json_with_none_for_infinities():
    r = ml.measure(tone([(4.0, -20.0)]), SR)
    d = r.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["integrated_lufs"] == pytest.approx(r.integrated_lufs)
    assert back["loudness_range_lu"] == r.loudness_range_lu
    assert len(back["momentary_series_lufs"]) == 40
    assert back["octave_band_hz"][0] == 31.5
    for key in ("true_peak_dbtp", "sample_peak_dbfs", "max_momentary_lufs",
                "max_short_term_lufs", "plr_db", "correlation", "mono_loudness_drop_lu",
                "balance_db", "dc_offset", "clipped_samples", "series_time_s"):  # fmt: skip
        assert key in d
    # Every key is an attribute of the report with the same value.
    for key, value in d.items():
        attr = getattr(r, key)
        if isinstance(attr, np.ndarray):
            assert len(attr) == len(value)
        elif value is not None:
            assert attr == value
    # -inf (silence, and the first short-term entries) becomes None.
    silent = ml.measure(np.zeros((2, SR)), SR).to_dict()
    json.dumps(silent, allow_nan=False)
    assert silent["integrated_lufs"] is None and silent["true_peak_dbtp"] is None
    assert silent["momentary_series_lufs"][0] is None
    check = r.check("apple").to_dict()
    assert json.loads(json.dumps(check, allow_nan=False))["target"]["name"] == "apple"
    assert json.dumps(ml.targets()[0].to_dict())
