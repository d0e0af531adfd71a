"""The assistant's tools through their Python classes: MultibandImager,
SoftClipper and Exciter, one measured property each."""

from __future__ import annotations

import numpy as np
import pytest

import masterlib as ml
from helpers import SR, db, noise, sine


def test_imager_is_flat_at_width_one_and_mono_at_zero():
    imp = np.zeros((2, 1 << 15), dtype=np.float32)
    imp[0, 0] = 1.0
    y = ml.MultibandImager()(imp, SR)
    mag = 20 * np.log10(np.abs(np.fft.rfft(y[0].astype(np.float64))))
    freqs = np.fft.rfftfreq(imp.shape[1], 1 / SR)
    band = (freqs > 20) & (freqs < 20_000)
    assert np.max(np.abs(mag[band])) < 0.01
    assert np.max(np.abs(np.fft.rfft(y[1].astype(np.float64)))) < 1e-3
    x = noise(2, 8000)
    m = ml.MultibandImager(width_low=0.0, width_mid=0.0, width_high=0.0)(x, SR)
    assert np.array_equal(m[0], m[1])


@pytest.mark.parametrize("over_db", [0.0, 6.0, 20.0])
def test_soft_clipper_holds_its_ceiling_and_reports_it(over_db):
    clip = ml.SoftClipper(ceiling_db=-3.0, knee_db=3.0, oversampling="1x")
    amp = 10 ** ((-3.0 + over_db) / 20)
    x = sine(200.0, SR, amp)
    y, gr = clip.process(x, SR, return_gain_reduction=True)
    peak = float(np.max(np.abs(y)))
    assert peak <= 10 ** (-3.0 / 20) + 1e-7
    measured = db(float(np.max(np.abs(x))) / peak)
    assert gr.shape == x.shape
    assert abs(float(np.max(gr[SR // 2 :])) - measured) < 0.1


def test_exciter_at_mix_zero_is_the_input():
    x = noise(2, 6000, amp=0.5)
    ex = ml.Exciter(freq_hz=1000.0, drive_db=24.0, mix=0.0)
    assert ex.latency_samples == 69
    np.testing.assert_array_equal(ex(x, SR), x)
    # Mixed in, it adds a 2nd harmonic to an 8 kHz tone.
    y = ml.Exciter(harmonics="even", mix=1.0, drive_db=12.0)(sine(8000.0, SR, 0.5), SR)
    spec = np.abs(np.fft.rfft(y[SR // 2 :] * np.hanning(SR // 2)))
    h1, h2 = spec[8000 // 2], spec[16_000 // 2]
    assert db(h2 / h1) > -40
