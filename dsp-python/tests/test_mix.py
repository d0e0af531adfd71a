"""Gain, Pan and StereoWidth measured through Python."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import masterlib as ml
from helpers import SR, db, noise, rms, sine


@settings(max_examples=30, deadline=None)
@given(gain_db=st.floats(-60.0, 24.0), invert=st.booleans())
def test_gain_scales_rms_by_the_db_value(gain_db, invert):
    x = noise(2, 4000)
    y = ml.Gain(gain_db, invert=invert)(x, SR)
    assert db(rms(y) / rms(x)) == pytest.approx(gain_db, abs=1e-4)
    sign = -1.0 if invert else 1.0
    np.testing.assert_allclose(y, sign * 10 ** (gain_db / 20) * x, rtol=1e-5, atol=1e-9)


def test_minus_six_db_halves_rms():
    x = sine(1000.0)
    assert rms(ml.Gain(-6.0206)(x, SR)) / rms(x) == pytest.approx(0.5, rel=1e-4)


def test_gain_changes_are_smoothed_without_clicks():
    g = ml.Gain(0.0)
    x = np.ones(4800, np.float32)
    g(x, SR)
    g.gain_db = -40.0
    y = g.process(x, SR, reset=False)
    assert np.max(np.abs(np.diff(y))) < 1.1 / 960  # a 20 ms linear ramp
    assert y[-1] == pytest.approx(0.01, rel=1e-5)


@pytest.mark.parametrize(
    ("law", "centre_db"),
    [("linear", -6.0206), ("constant_power", -3.0103), ("compromise", -4.5)],
)
def test_pan_centre_level_follows_the_law(law, centre_db):
    x = sine(440.0)
    y = ml.Pan(0.0, law=law)(x, SR)
    assert y.shape == (2, x.size)
    for ch in y:
        assert db(rms(ch) / rms(x)) == pytest.approx(centre_db, abs=0.03)


@pytest.mark.parametrize("law", ["linear", "constant_power", "compromise"])
def test_pan_extremes_are_hard_left_and_right(law):
    x = sine(440.0, 4800)
    left = ml.Pan(-1.0, law=law)(x, SR)
    np.testing.assert_allclose(left[0], x, atol=1e-6)
    assert np.max(np.abs(left[1])) < 1e-6
    right = ml.Pan(1.0, law=law)(x[np.newaxis, :], SR)
    np.testing.assert_allclose(right[1], x, atol=1e-6)
    assert np.max(np.abs(right[0])) < 1e-6


@settings(max_examples=20, deadline=None)
@given(pan=st.floats(-1.0, 1.0))
def test_constant_power_keeps_power(pan):
    x = sine(440.0, 4800)
    y = ml.Pan(pan)(x, SR)
    assert rms(y[0]) ** 2 + rms(y[1]) ** 2 == pytest.approx(rms(x) ** 2, rel=1e-4)
    theta = (pan + 1) * math.pi / 4
    assert rms(y[0]) / rms(x) == pytest.approx(math.cos(theta), abs=1e-5)


def test_pan_balances_stereo_input():
    x = noise(2, 4800)
    centre = ml.Pan(0.0)(x, SR)
    np.testing.assert_allclose(centre, x, rtol=1e-6)  # balance: unity at centre
    right = ml.Pan(0.5)(x, SR)
    np.testing.assert_allclose(right[1], x[1], rtol=1e-6)
    # far side: constant-power law's left gain relative to its centre gain
    expected = math.cos(0.75 * math.pi / 2) / math.cos(math.pi / 4)
    assert rms(right[0]) / rms(x[0]) == pytest.approx(expected, rel=1e-5)


def test_pan_channel_errors():
    with pytest.raises(ValueError, match="Pan: needs mono .* or stereo .*got 3 channels"):
        ml.Pan(0.0)(noise(3, 100), SR)
    with pytest.raises(ValueError, match="use process\\(\\)"):
        ml.Pan(0.0).process_inplace(np.zeros(100, np.float32), SR)


def test_width_zero_makes_identical_channels():
    x = np.stack([sine(440.0, 4800, 0.7), sine(660.0, 4800, 0.3)])
    y = ml.StereoWidth(0.0)(x, SR)
    np.testing.assert_array_equal(y[0], y[1])
    np.testing.assert_allclose(y[0], 0.5 * (x[0] + x[1]), atol=1e-6)


@pytest.mark.parametrize("width", [0.5, 1.0, 2.0])
def test_width_scales_side_and_keeps_mid(width):
    x = noise(2, 4800)
    y = ml.StereoWidth(width)(x, SR)
    assert rms(y[0] - y[1]) / rms(x[0] - x[1]) == pytest.approx(width, rel=1e-5)
    np.testing.assert_allclose(y[0] + y[1], x[0] + x[1], atol=1e-5)


def test_width_mid_and_side_gains():
    x = noise(2, 4800)
    y = ml.StereoWidth(1.0, mid_gain_db=-6.0, side_gain_db=3.0)(x, SR)
    assert db(rms(y[0] + y[1]) / rms(x[0] + x[1])) == pytest.approx(-6.0, abs=1e-4)
    assert db(rms(y[0] - y[1]) / rms(x[0] - x[1])) == pytest.approx(3.0, abs=1e-4)


def test_width_needs_stereo():
    with pytest.raises(ValueError, match=r"StereoWidth: needs stereo audio of shape \(2, samples\)"):
        ml.StereoWidth(1.0)(noise(1, 100)[0], SR)


@pytest.mark.parametrize(
    ("make", "name", "bad"),
    [
        (lambda: ml.Gain(0.0), "gain_db", [float("nan"), float("inf"), 61.0, -151.0]),
        (lambda: ml.Pan(0.0), "pan", [float("nan"), 1.01, -2.0]),
        (lambda: ml.StereoWidth(1.0), "width", [float("nan"), -0.1, 2.5]),
        (lambda: ml.StereoWidth(1.0), "mid_gain_db", [float("nan"), 100.0]),
        (lambda: ml.StereoWidth(1.0), "side_gain_db", [float("-inf"), 100.0]),
    ],
)
def test_parameters_are_range_checked_on_set(make, name, bad):
    p = make()
    before = getattr(p, name)
    for value in bad:
        with pytest.raises(ValueError, match=name):
            setattr(p, name, value)
        assert getattr(p, name) == before
        with pytest.raises(ValueError, match=name):
            type(p)(**{name: value})
    with pytest.raises(TypeError):
        setattr(p, name, "loud")


def test_parameters_round_trip_and_repr():
    g = ml.Gain(-6.0, invert=True)
    assert (g.gain_db, g.invert) == (-6.0, True)
    g.gain_db, g.invert = 3.5, False
    assert repr(g) == "Gain(gain_db=3.5, invert=False)"
    p = ml.Pan(pan=-0.25, law="linear")
    p.law = "compromise"
    assert repr(p) == "Pan(pan=-0.25, law='compromise')"
    with pytest.raises(ValueError, match="pan law"):
        p.law = "sine"
    with pytest.raises(ValueError, match="pan law"):
        ml.Pan(0.0, law="nope")
    w = ml.StereoWidth(width=1.25, mid_gain_db=-1.0, side_gain_db=2.0)
    assert repr(w) == "StereoWidth(width=1.25, mid_gain_db=-1.0, side_gain_db=2.0)"
    assert eval(repr(w), {"StereoWidth": ml.StereoWidth}).width == 1.25


def test_defaults():
    assert repr(ml.Gain()) == "Gain(gain_db=0.0, invert=False)"
    assert repr(ml.Pan()) == "Pan(pan=0.0, law='constant_power')"
    assert repr(ml.StereoWidth()) == "StereoWidth(width=1.0, mid_gain_db=0.0, side_gain_db=0.0)"
    for p in (ml.Gain(), ml.Pan(), ml.StereoWidth()):
        assert (p.latency_samples, p.tail_samples, p.nonfinite_count) == (0, 0, 0)
