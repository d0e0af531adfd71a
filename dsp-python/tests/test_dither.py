"""Dither: the registered class and the ``dither`` function, measured on output."""

from __future__ import annotations

import numpy as np
import pytest

import masterlib as ml
from helpers import SR, noise, sine

LSB16 = 2.0**-15


def test_output_lies_on_the_16_bit_grid_and_keeps_the_shape():
    x = noise(2, 20_000, amp=0.1)
    x[0, 5] = 3.0  # clipped to full scale
    y = ml.dither(x, bits=16)
    assert y.dtype == np.float32 and y.shape == x.shape
    k = y.astype(np.float64) * 2**15
    np.testing.assert_array_equal(k, np.round(k))
    assert k.min() >= -(2**15) and k.max() <= 2**15 - 1
    assert y[0, 5] == np.float32((2**15 - 1) / 2**15)
    # The error is TPDF plus rounding: mean 0, variance 1/4 LSB^2.
    e = (y.astype(np.float64) - x)[:, 10:] / LSB16
    assert abs(e.mean()) < 0.02 and e.var() == pytest.approx(0.25, rel=0.03)
    # Seeded: equal input, equal output; the class does the same.
    np.testing.assert_array_equal(ml.dither(x, bits=16), y)
    np.testing.assert_array_equal(ml.Dither(bits=16)(x, SR), y)
    mono = ml.dither(x[0])
    assert mono.ndim == 1


def _spectrum(y: np.ndarray, frame: int) -> np.ndarray:
    """Averaged Hann power spectrum of `y`, frames of `frame`, half overlap."""
    w = np.hanning(frame)
    starts = range(0, len(y) - frame + 1, frame // 2)
    frames = np.stack([y[s : s + frame] * w for s in starts])
    return np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0) / np.sum(w * w)


def test_tpdf_keeps_a_minus_100_dbfs_sine_without_harmonics():
    frame = 4800  # 10 Hz bins: 1 kHz is bin 100
    x = sine(1000.0, 48 * frame, amp=10 ** (-100 / 20))
    assert not ml.dither(x, shaping="none").any()  # rounding loses the tone
    s = _spectrum(ml.dither(x).astype(np.float64), frame)
    floor = np.median(s[20:2000])
    assert 10 * np.log10(s[100] / floor) > 20
    for h in range(2, 6):
        assert 10 * np.log10(s[100 * h] / floor) < 3, h


def test_e_weighted_error_follows_its_noise_transfer_function():
    c = np.array([2.847, -4.685, 6.214, -7.184, 6.639, -5.032, 3.263, -1.632, 0.4191])
    frame = 2048
    x = noise(1, 400_000, seed=3, amp=20 * LSB16)[0]
    e = (ml.dither(x, shaping="e_weighted").astype(np.float64) - x) / LSB16
    s = _spectrum(e, frame)
    w = np.pi * np.arange(frame // 2 + 1) / (frame // 2)
    ntf = 1 - sum(cj * np.exp(-1j * w * (j + 1)) for j, cj in enumerate(c))
    expected = 0.25 * np.abs(ntf) ** 2
    edges = np.round(200 * 1.26 ** np.arange(30) / (SR / frame)).astype(int)
    edges = edges[edges < frame // 2 - 20]
    worst = max(
        abs(10 * np.log10(s[a:b].sum() / expected[a:b].sum()))
        for a, b in zip(edges[:-1], edges[1:])
        if b > a
    )
    assert worst < 1.5
    # At 96 kHz the filter does not apply: the high-pass dither does.
    np.testing.assert_array_equal(
        ml.dither(x, shaping="e_weighted", sample_rate=96_000.0),
        ml.dither(x, shaping="highpass", sample_rate=96_000.0),
    )


def test_digital_silence_stays_exact_zero():
    x = noise(2, 6000, amp=0.01)
    x[:, 1000:4000] = 0.0
    y = ml.dither(x)
    assert not y[:, 1100:4000].any()
    assert y[:, 4000:].std() > 0
    assert ml.dither(x, auto_blank=False)[:, 1100:4000].any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bits": 7}, "bits.*8 to 24"),
        ({"bits": 25}, "bits.*8 to 24"),
        ({"shaping": "triangular"}, "shaping.*tpdf"),
        ({"sample_rate": 0.0}, "sample rate"),
    ],
)
def test_bad_settings_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ml.dither(np.zeros((2, 100), np.float32), **kwargs)


def test_bad_audio_raises_value_error():
    bad = np.zeros((2, 100))
    bad[1, 42] = np.nan
    with pytest.raises(ValueError, match="channel 1, index 42"):
        ml.dither(bad)
    with pytest.raises(ValueError, match=r"x\.T"):
        ml.dither(np.zeros((1000, 2), np.float32))
    with pytest.raises(ValueError, match="3-D"):
        ml.dither(np.zeros((1, 2, 100), np.float32))
