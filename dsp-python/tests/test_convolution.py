"""ConvolutionReverb: output against direct convolution (numpy), latency
compensation, tails, layouts, the response's errors, copies and pickles."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import masterlib as ml
from helpers import SR, noise


def decaying(channels: int, frames: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    env = np.exp(-np.arange(frames) / max(frames / 4, 1))
    return (rng.standard_normal((channels, frames)) * env).astype(np.float32)


def error_db(got: np.ndarray, want: np.ndarray) -> float:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float(10 * np.log10(np.sum((got - want) ** 2) / np.sum(want**2)))


def convolve(x: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Direct convolution per layout, (channels, len(x) + frames - 1)."""
    x, ir = np.asarray(x, np.float64), np.asarray(ir, np.float64)
    if ir.shape[0] == 4:
        (ll, lr, rl, rr), (left, right) = ir, x
        return np.stack([np.convolve(left, ll) + np.convolve(right, rl),
                         np.convolve(left, lr) + np.convolve(right, rr)])
    return np.stack([np.convolve(c, ir[min(i, ir.shape[0] - 1)]) for i, c in enumerate(x)])


@pytest.mark.parametrize("frames", [1, 63, 64, 65, 1000, 3 * SR])
@pytest.mark.parametrize("layout", [1, 2, 4])
def test_tail_output_equals_direct_convolution_within_100_db(frames, layout):
    ir = decaying(layout, frames)
    x = noise(2, 4000, seed=frames)
    conv = ml.ConvolutionReverb(ir, SR)
    y = conv(x, SR, tail=True)
    assert conv.tail_samples == frames - 1 and conv.latency_samples == 128
    assert y.shape == (2, 4000 + frames - 1) and y.dtype == np.float32
    assert error_db(y, convolve(x, ir)) < -100


def test_output_is_aligned_with_the_input_and_mixes_dry():
    ir = decaying(1, 500)[0]  # 1-D: mono
    x = noise(1, 3000, seed=3)[0]
    conv = ml.ConvolutionReverb(ir, SR, mix=0.25, wet_db=-6.0)
    y = conv.process(x, SR)
    assert y.shape == x.shape
    want = 0.75 * x + 0.25 * 10 ** (-6 / 20) * np.convolve(x, ir)[: x.size]
    assert error_db(y, want) < -100
    # Streaming (reset=False) is not compensated: delayed by the latency.
    conv.mix = 1.0
    conv.wet_db = 0.0
    conv.reset()
    s = conv.process(x, SR, reset=False)
    lat = conv.latency_samples
    np.testing.assert_allclose(s[lat:], np.convolve(x, ir)[: x.size - lat], atol=1e-5)


def test_predelay_delays_the_wet_signal():
    x = np.zeros(2000, np.float32)
    x[10] = 1.0
    conv = ml.ConvolutionReverb(np.array([1.0, 0.5]), SR, predelay_ms=10.0)
    y = conv(x, SR)
    assert np.flatnonzero(np.abs(y) > 1e-4).tolist() == [490, 491]
    assert conv.tail_samples == 1 + 480


def test_default_is_the_identity_and_presets_hold_parameters_only():
    x = noise(2, 1000, seed=5)
    conv = ml.ConvolutionReverb()
    np.testing.assert_allclose(conv(x, SR), x, atol=1e-6)
    assert conv.ir.tolist() == [[1.0]] and conv.ir_sample_rate is None
    ir = decaying(2, 700)
    conv = ml.ConvolutionReverb(ir, SR, mix=0.5)
    params = {"mix": 0.5, "wet_db": 0.0, "predelay_ms": 0.0, "bypass": False}
    assert conv.to_dict()["params"] == params
    assert ml.ConvolutionReverb.from_dict(conv.to_dict()).ir.tolist() == [[1.0]]
    assert repr(conv) == (
        "ConvolutionReverb(ir=<2 x 700 float32>, sample_rate=48000.0, mix=0.5, wet_db=0.0, "
        "predelay_ms=0.0)"
    )


def test_copies_and_pickles_keep_the_response():
    ir = decaying(2, 900)
    conv = ml.ConvolutionReverb(ir, SR, wet_db=-3.0)
    x = noise(2, 2000, seed=6)
    want = conv(x, SR)
    for other in [copy.copy(conv), copy.deepcopy(conv), pickle.loads(pickle.dumps(conv))]:
        assert type(other) is ml.ConvolutionReverb and other.wet_db == -3.0
        np.testing.assert_array_equal(other.ir, ir)
        assert other.ir_sample_rate == SR
        np.testing.assert_array_equal(other(x, SR), want)


def test_set_ir_replaces_the_response_and_layout():
    conv = ml.ConvolutionReverb(decaying(2, 100), SR)
    x = noise(2, 1500, seed=7)
    conv(x, SR)
    ir = decaying(4, 300, seed=9)
    conv.set_ir(ir.astype(np.float64), 44_100)
    assert conv.ir.shape == (4, 300)
    assert error_db(conv(x, 44_100, tail=True), convolve(x, ir)) < -100


def test_bad_responses_and_rates_are_refused_clearly():
    good = decaying(2, 100)
    with pytest.raises(ValueError, match="1 \\(mono\\), 2 \\(stereo\\) or 4"):
        ml.ConvolutionReverb(decaying(3, 100), SR)
    with pytest.raises(ValueError, match="1 \\(mono\\), 2 \\(stereo\\) or 4"):
        ml.ConvolutionReverb(decaying(6, 100), SR)
    with pytest.raises(ValueError, match="pass ir.T"):
        ml.ConvolutionReverb(good.T, SR)
    with pytest.raises(ValueError, match="empty"):
        ml.ConvolutionReverb(np.zeros((2, 0), np.float32), SR)
    bad = good.copy()
    bad[1, 7] = np.nan
    with pytest.raises(ValueError, match="channel 1, index 7"):
        ml.ConvolutionReverb(bad, SR)
    with pytest.raises(ValueError, match="3-D"):
        ml.ConvolutionReverb(np.zeros((1, 2, 3), np.float32), SR)
    with pytest.raises(TypeError, match="integer"):
        ml.ConvolutionReverb(np.ones(10, np.int16), SR)
    with pytest.raises(TypeError, match="sample_rate"):
        ml.ConvolutionReverb(good)
    with pytest.raises(TypeError, match="unexpected keyword argument 'decay_s'"):
        ml.ConvolutionReverb(good, SR, decay_s=2.0)
    with pytest.raises(ValueError, match="sample rate"):
        ml.ConvolutionReverb(good, 0.0)
    conv = ml.ConvolutionReverb(good, SR)
    # Another processing rate, and mono input for a stereo response.
    with pytest.raises(ValueError, match="44100 Hz differs from the impulse response's 48000 Hz"):
        conv(noise(2, 100), 44_100)
    with pytest.raises(ValueError, match="needs stereo input"):
        conv(noise(1, 100)[0], SR)
