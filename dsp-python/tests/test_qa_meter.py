"""QaMeter: the QA report of a track fed block by block equals measure()."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import masterlib as ml
from helpers import SR


def track(channels: int, n: int, sr: float, seed: int) -> np.ndarray:
    """Noise and a tone per channel, some DC, and a few full-scale runs."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    x = np.stack([
        0.2 * rng.standard_normal(n) + 0.3 * np.sin(2 * np.pi * 110.0 * (c + 1) * t) + 0.01 * c
        for c in range(channels)
    ]).astype(np.float32)
    for start in (n // 5, n // 4, max(n - 3, 0)):
        x[:, start:start + 3] = 1.0
    return x


def feed(meter: ml.QaMeter, x: np.ndarray, sizes: list[int]) -> None:
    start, k = 0, 0
    while start < x.shape[-1]:
        end = start + sizes[k % len(sizes)]
        meter.add(x[..., start:end])
        start, k = end, k + 1


@settings(max_examples=30, deadline=None)
@given(
    channels=st.integers(1, 3),
    sr=st.sampled_from([44_100.0, 48_000.0]),
    n=st.one_of(st.integers(1, 8191), st.integers(8192, 40_000)),
    sizes=st.lists(st.integers(1, 7000), min_size=1, max_size=5),
    seed=st.integers(0, 1000),
    mono_1d=st.booleans(),
)
def test_blocks_give_the_measured_report(channels, sr, n, sizes, seed, mono_1d):
    x = track(channels, n, sr, seed)
    if channels == 1 and mono_1d:
        x = x[0]
    meter = ml.QaMeter(sr, channels)
    feed(meter, x, sizes)
    assert meter.duration_s == n / sr
    assert meter.report().to_dict() == ml.measure(x, sr).to_dict()


def test_report_midway_reset_and_properties():
    x = track(2, 30_000, SR, 1)
    meter = ml.QaMeter(SR, 2)
    assert (meter.sample_rate, meter.channels, meter.duration_s) == (SR, 2, 0.0)
    assert repr(meter) == "QaMeter(sample_rate=48000.0, channels=2)"
    meter.add(x[:, :10_000])
    assert meter.report().to_dict() == ml.measure(x[:, :10_000], SR).to_dict()
    meter.add(x[:, 10_000:])
    assert meter.report().to_dict() == ml.measure(x, SR).to_dict()
    meter.reset()
    assert meter.duration_s == 0.0
    with pytest.raises(ValueError, match="empty"):
        meter.report()


def test_bad_input_is_refused_and_changes_nothing():
    x = track(2, 12_000, SR, 2)
    meter = ml.QaMeter(SR, 2)
    with pytest.raises(ValueError, match="empty"):
        meter.report()
    meter.add(np.zeros((2, 0), np.float32))
    with pytest.raises(ValueError, match="empty"):
        meter.report()
    meter.add(x)
    bad = x[:, :1000].copy()
    bad[1, 321] = np.nan
    with pytest.raises(ValueError, match="channel 1, index 321"):
        meter.add(bad)
    bad[1, 321] = np.inf
    with pytest.raises(ValueError, match="channel 1, index 321"):
        meter.add(bad)
    with pytest.raises(ValueError, match=r"x\.T"):
        meter.add(np.zeros((1000, 2), np.float32))
    with pytest.raises(ValueError, match="2 channel"):
        meter.add(np.zeros(1000, np.float32))
    with pytest.raises(TypeError, match="32768"):
        meter.add(np.zeros((2, 100), np.int16))
    assert meter.duration_s == 12_000 / SR
    assert meter.report().to_dict() == ml.measure(x, SR).to_dict()
    with pytest.raises(ValueError, match="sample rate"):
        ml.QaMeter(0.0, 2)
    with pytest.raises(ValueError, match="channel"):
        ml.QaMeter(SR, 0)
