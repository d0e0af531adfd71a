"""LevelMeter measured through Python."""

from __future__ import annotations

import numpy as np
import pytest

import masterlib as ml
from helpers import SR, sine


def test_sine_levels_per_channel():
    m = ml.LevelMeter(window_ms=300)
    x = np.stack([sine(1000.0, SR, 0.5), np.zeros(SR, np.float32)])
    for block in np.array_split(x, 7, axis=1):
        m.add(block, SR)
    assert (m.sample_rate, m.channels, m.window_ms) == (SR, 2, 300.0)
    for arr in (m.peak_dbfs, m.rms_dbfs, m.max_peak_dbfs, m.max_rms_dbfs):
        assert isinstance(arr, np.ndarray) and arr.shape == (2,) and arr.dtype == np.float64
    assert m.peak_dbfs[0] == pytest.approx(-6.0206, abs=1e-3)
    assert m.rms_dbfs[0] == pytest.approx(-9.031, abs=1e-2)
    assert m.max_rms_dbfs[0] == pytest.approx(-9.031, abs=1e-2)
    assert m.max_peak_dbfs[0] == pytest.approx(-6.0206, abs=1e-3)
    assert m.peak_dbfs[1] == -np.inf and m.rms_dbfs[1] == -np.inf


def test_window_forgets_but_maxima_remain():
    m = ml.LevelMeter(window_ms=100, sample_rate=SR, channels=1)
    m.add(np.ones(10))
    m.add(np.full(9600, 0.1))
    assert m.peak_dbfs[0] == pytest.approx(-20.0, abs=1e-4)
    assert m.max_peak_dbfs[0] == pytest.approx(0.0, abs=1e-9)
    m.reset()
    assert m.max_peak_dbfs[0] == -np.inf
    assert m.channels == 1


def test_format_is_fixed_and_checked():
    m = ml.LevelMeter()
    assert m.peak_dbfs.shape == (0,) and m.sample_rate is None
    with pytest.raises(ValueError, match="sample rate"):
        m.add(np.zeros(10))
    m.add(np.zeros((2, 10)), SR)
    m.add(np.zeros((2, 10)))
    m.add(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="2 channel"):
        m.add(np.zeros(10), SR)
    with pytest.raises(ValueError, match="44100"):
        m.add(np.zeros((2, 10)), 44_100)
    with pytest.raises(ValueError, match="both"):
        ml.LevelMeter(sample_rate=SR)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window_ms": 0.0}, "window_ms"),
        ({"window_ms": float("nan")}, "window_ms"),
        ({"sample_rate": 0.0, "channels": 1}, "sample rate"),
        ({"sample_rate": SR, "channels": 0}, "channel"),
    ],
)
def test_bad_configuration(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ml.LevelMeter(**kwargs)


def test_input_errors_and_nonfinite():
    m = ml.LevelMeter(sample_rate=SR, channels=1)
    with pytest.raises(TypeError, match="32768"):
        m.add(np.zeros(10, np.int16))
    with pytest.raises(ValueError, match="x.T"):
        ml.LevelMeter().add(np.zeros((1000, 2)), SR)
    m.add(np.array([np.nan, 0.5, np.inf]))
    assert m.nonfinite_count == 2
    assert m.max_peak_dbfs[0] == pytest.approx(-6.0206, abs=1e-3)
