"""DynamicBand and DynamicEq measured: the static law at the band centre,
sidechain keying, members, presets and parameter checks."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import masterlib as ml
from helpers import SR, db, noise, rms, sine


def tone(freq_hz: float, rms_db: float, n: int = 24_000) -> np.ndarray:
    """A sine whose RMS level is `rms_db` dBFS."""
    return sine(freq_hz, n, amp=np.sqrt(2.0) * 10 ** (rms_db / 20))


def formula(level: float, t: float, ratio: float, range_db: float) -> float:
    """The dynamic gain the band's static law asks for at a steady level."""
    over = max(level - t, 0.0) * (1.0 - 1.0 / ratio)
    return float(np.sign(range_db) * min(over, abs(range_db)))


def settled_gain_db(x: np.ndarray, y: np.ndarray) -> float:
    """Gain in dB over the last fifth (the steady state)."""
    k = x.shape[-1] * 4 // 5
    return db(rms(y[..., k:]) / rms(x[..., k:]))


@settings(max_examples=25, deadline=None)
@given(
    over=st.floats(-20.0, 30.0),
    ratio=st.floats(1.0, 20.0),
    range_db=st.floats(-24.0, 24.0),
)
def test_static_curve_at_the_centre_is_the_formula(over, ratio, range_db):
    t = -30.0
    band = ml.DynamicBand(
        "bell", 1000.0, threshold_db=t, ratio=ratio, range_db=range_db, attack_ms=2.0,
        release_ms=50.0,
    )
    x = tone(1000.0, t + over)
    got = settled_gain_db(x, band(x, SR))
    assert got == pytest.approx(formula(t + over, t, ratio, range_db), abs=0.2)


def test_the_range_clamps_a_cut_and_a_boost():
    for range_db in (-12.0, 6.0):
        band = ml.DynamicBand(threshold_db=-40.0, ratio=4.0, range_db=range_db)
        x = tone(1000.0, -6.0)
        y, gr = band(x, SR, return_gain_reduction=True)
        assert settled_gain_db(x, y) == pytest.approx(range_db, abs=0.2)
        assert gr[-1] == pytest.approx(-range_db, abs=0.2)
        # The property reads reductions only (a boost reads 0); the series is signed.
        assert band.gain_reduction_db == pytest.approx(max(-range_db, 0.0), abs=0.2)


def test_a_sidechain_keys_the_band():
    t = -30.0
    band = ml.DynamicBand(threshold_db=t, ratio=4.0, range_db=-12.0, sidechain=True)
    quiet = np.stack([tone(1000.0, t - 20.0)] * 2)
    loud = tone(1000.0, t + 10.0)
    y = band(quiet, SR, sidechain=loud)
    assert settled_gain_db(quiet, y) == pytest.approx(formula(t + 10.0, t, 4.0, -12.0), abs=0.2)
    # A silent sidechain leaves a loud input as it is.
    x = np.stack([tone(1000.0, t + 10.0)] * 2)
    np.testing.assert_array_equal(band(x, SR, sidechain=np.zeros_like(loud)), x)


def test_a_band_below_threshold_is_a_null():
    x = noise(2, 20_000, seed=4, amp=0.01)
    eq = ml.DynamicEq([ml.DynamicBand(threshold_db=-10.0), ml.DynamicBand("high_shelf", 4000.0)])
    np.testing.assert_array_equal(eq(x, SR), x)


def test_equalizer_of_bands():
    a = ml.DynamicBand("bell", 2000.0, 2.0, -40.0, 3.0, -9.0)
    b = ml.DynamicBand("low_shelf", 150.0, 0.7, -35.0, 2.0, 4.0, sidechain=True)
    eq = ml.DynamicEq(bands=[a, b])
    assert len(eq) == 2 and eq.bands[0] is a and eq.bands[1] is b
    assert isinstance(eq, ml.Dynamics)
    # The bands are live: changing one changes the EQ.
    x = np.stack([sine(2000.0, 24_000, amp=0.5), sine(150.0, 24_000, amp=0.5)])
    key = sine(150.0, 24_000, amp=0.5)
    y1, gr = eq(x, SR, sidechain=key, return_gain_reduction=True)
    assert gr.shape == (2, 24_000)
    assert gr[0, -1] > 1.0 and gr[1, -1] < -1.0  # a cuts, b boosts
    a.range_db = 0.0
    y2 = eq(x, SR, sidechain=key)
    assert not np.array_equal(y1, y2)
    eq.bands = [b]
    assert len(eq) == 1
    assert "DynamicEq(bands=[DynamicBand(" in repr(eq)
    # Presets, JSON, pickles and copies keep the bands and give the same output.
    eq.bands = [a, b]
    a.range_db = -6.0
    want = eq(x, SR, sidechain=key)
    d = eq.to_dict()
    assert [m["kind"] for m in d["members"]] == ["dynamic_band", "dynamic_band"]
    for other in (
        ml.DynamicEq.from_dict(d),
        ml.DynamicEq.from_json(eq.to_json()),
        pickle.loads(pickle.dumps(eq)),
        copy.deepcopy(eq),
    ):
        assert isinstance(other, ml.DynamicEq) and len(other) == 2
        np.testing.assert_array_equal(other(x, SR, sidechain=key), want)
    bypassed = ml.DynamicEq([a, b], bypass=True)
    np.testing.assert_array_equal(bypassed(x, SR, sidechain=key), x)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="ratio"):
        ml.DynamicBand(ratio=0.5)
    with pytest.raises(ValueError, match="range_db"):
        ml.DynamicBand(range_db=48.0)
    with pytest.raises(ValueError, match="shape"):
        ml.DynamicBand(shape="notch")
    band = ml.DynamicBand()
    with pytest.raises(ValueError, match="freq_hz"):
        band.freq_hz = 0.0
    with pytest.raises(ValueError, match="freq_hz"):
        ml.DynamicBand(freq_hz=30_000.0)(np.zeros(100, np.float32), SR)
    with pytest.raises(TypeError, match="DynamicBand"):
        ml.DynamicEq([ml.Compressor()])
    with pytest.raises(TypeError, match="sidechain"):
        ml.PeakFilter()(np.zeros(100, np.float32), SR, sidechain=np.zeros(100, np.float32))
