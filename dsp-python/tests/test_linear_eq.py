"""LinearPhaseEq: measured response against the curve, flat unity, latency
compensation, mid/side, curves carried by presets, copies and pickles, and
the errors of bad points."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

import masterlib as ml
from helpers import noise

CURVE = [(30.0, 6.0), (70.0, 6.0), (250.0, 0.0), (1500.0, 0.0), (2000.0, -4.0),
         (3500.0, -4.0), (5000.0, 0.0), (10000.0, 0.0), (16000.0, 3.0)]


def response_db(eq: ml.LinearPhaseEq, sr: int, freqs: np.ndarray) -> np.ndarray:
    """The magnitude at `freqs` of the response to an impulse placed after
    the longest tested filter (so that the latency-compensated output holds
    the pre-ringing half of a linear-phase one)."""
    x = np.zeros(3 * 16384, np.float32)
    x[16384] = 1.0
    h = eq.process(x, sr).astype(np.float64)
    n = np.arange(len(h))
    return np.array([20 * np.log10(abs(np.sum(h * np.exp(-2j * np.pi * f * n / sr))))
                     for f in freqs])


@pytest.mark.parametrize("sr", [44100, 48000, 96000])
@pytest.mark.parametrize("phase, tolerance", [("linear", 0.25), ("minimum", 0.3)])
def test_measured_response_follows_the_curve(sr, phase, tolerance):
    eq = ml.LinearPhaseEq(CURVE, phase=phase)
    freqs = np.geomspace(40, 16000, 60)
    err = np.abs(response_db(eq, sr, freqs) - np.array(eq.magnitude_db(list(freqs))))
    assert err.max() < tolerance, err.max()


def test_flat_curve_gives_the_input_back_aligned():
    x = noise(2, 20000)
    for phase in ["linear", "minimum"]:
        y = ml.LinearPhaseEq(phase=phase).process(x, 48000)
        assert y.shape == x.shape
        err = 10 * np.log10(np.sum((y - x) ** 2.0) / np.sum(x**2.0))
        assert err < -100, err
    freqs = np.geomspace(20, 20000, 80)
    assert np.abs(response_db(ml.LinearPhaseEq(), 48000, freqs)).max() < 0.01


def test_latency_is_constant_and_compensated():
    eq = ml.LinearPhaseEq(CURVE)
    assert eq.latency_at(48000) == 128 + 4096
    assert eq.latency_at(96000) == 128 + 8192
    x = np.zeros(20000, np.float32)
    x[5000] = 1.0
    y = eq.process(x, 48000)
    assert eq.latency_samples == 128 + 4096
    assert int(np.argmax(np.abs(y))) == 5000
    # Linear phase: symmetric about the aligned peak.
    np.testing.assert_allclose(y[5000 + 1:5000 + 4000], y[5000 - 1:5000 - 4000:-1], atol=1e-6)
    eq.phase = "minimum"
    assert eq.latency_at(48000) == 128
    y = eq.process(x, 48000)
    assert eq.latency_samples == 128 and np.sum(y[:5000] ** 2) < 1e-6 * np.sum(y**2)


def test_mid_side_applies_each_curve_to_its_part():
    side = [(200.0, -6.0), (8000.0, 4.0)]
    eq = ml.LinearPhaseEq(CURVE, side_curve=side, mid_side=True)
    x = noise(1, 20000)[0]
    mono = ml.LinearPhaseEq(CURVE).process(x, 48000)
    only_side = ml.LinearPhaseEq(side).process(x, 48000)
    y = eq.process(np.stack([x, x]), 48000)
    np.testing.assert_allclose(y, np.stack([mono, mono]), atol=2e-5)
    y = eq.process(np.stack([x, -x]), 48000)
    np.testing.assert_allclose(y, np.stack([only_side, -only_side]), atol=2e-5)


def test_curves_survive_presets_copies_and_pickles():
    eq = ml.LinearPhaseEq(CURVE, side_curve=[(100.0, 1.5)], mid_side=True, gain_db=-1.0)
    d = eq.to_dict()
    assert d["tables"]["curve"] == [v for p in CURVE for v in p]
    x = noise(2, 12000)
    want = eq.process(x, 48000)
    for other in [ml.LinearPhaseEq.from_json(eq.to_json()), ml.LinearPhaseEq.from_dict(d),
                  pickle.loads(pickle.dumps(eq)), copy.deepcopy(eq), copy.copy(eq)]:
        assert other.curve == CURVE and other.side_curve == [(100.0, 1.5)]
        assert np.array_equal(other.process(x, 48000), want)
    assert json.loads(eq.to_json())["tables"]["side_curve"] == [100.0, 1.5]
    assert "tables" not in ml.LinearPhaseEq().to_dict()
    eq.set_curve(None)
    assert eq.curve == [] and "curve" not in eq.to_dict()["tables"]


@pytest.mark.parametrize("points, error", [
    ([(100.0, float("nan"))], ValueError),
    ([(float("nan"), 1.0)], ValueError),
    ([(200.0, 1.0), (100.0, 1.0)], ValueError),
    ([(0.0, 1.0)], ValueError),
    ([(100.0, 30.0)], ValueError),
    ([(100.0, 1.0, 2.0)], TypeError),
    ("flat", TypeError),
    (3.0, TypeError),
])
def test_bad_points_are_refused(points, error):
    eq = ml.LinearPhaseEq(CURVE)
    with pytest.raises(error, match="LinearPhaseEq"):
        eq.set_curve(points)
    with pytest.raises(error, match="LinearPhaseEq"):
        ml.LinearPhaseEq(side_curve=points)
    assert eq.curve == CURVE


def test_bad_preset_tables_are_refused():
    d = ml.LinearPhaseEq(CURVE).to_dict()
    d["tables"]["curves"] = [100.0, 1.0]
    with pytest.raises(ValueError, match="curves"):
        ml.LinearPhaseEq.from_dict(d)
    d["tables"] = {"curve": [100.0, 1.0, 50.0]}
    with pytest.raises(ValueError, match="pairs"):
        ml.LinearPhaseEq.from_dict(d)
    with pytest.raises(ValueError, match="sample rate"):
        ml.LinearPhaseEq().latency_at(float("nan"))
