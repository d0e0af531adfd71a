"""Signals, measurements and processor factories shared by the tests."""

from __future__ import annotations

from typing import Callable

import numpy as np

import masterlib as ml

SR = 48_000


def sine(freq_hz: float, n: int = SR, amp: float = 0.5, sr: float = SR) -> np.ndarray:
    t = np.arange(n) / sr
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def noise(channels: int = 2, n: int = 10_000, seed: int = 0, amp: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amp * rng.standard_normal((channels, n))).astype(np.float32)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def db(ratio: float) -> float:
    return float(20 * np.log10(ratio))


# Every processor class, configured away from identity, with the channel
# count it takes (Pan and StereoWidth need stereo). New classes join here and
# the generic convention tests cover them.
FACTORIES: list[tuple[str, Callable[[], ml.Processor], int]] = [
    ("Gain", lambda: ml.Gain(-3.0, invert=True), 2),
    ("Pan", lambda: ml.Pan(0.4, law="compromise"), 2),
    ("StereoWidth", lambda: ml.StereoWidth(1.5, mid_gain_db=-1.0, side_gain_db=2.0), 2),
    ("ChannelTool", lambda: ml.ChannelTool("mid_side_encode", invert_left=True), 2),
    ("Chain", lambda: ml.Chain([ml.Gain(-2.0), ml.StereoWidth(0.5)]), 2),
    ("Chain1", lambda: ml.Chain([ml.Gain(-2.0), ml.Gain(1.0, invert=True)]), 1),
    ("LowPass", lambda: ml.LowPass(3000.0, order=5), 2),
    ("PeakFilter", lambda: ml.PeakFilter(1000.0, gain_db=6.0, q=2.0, design="matched"), 1),
    ("HighShelf", lambda: ml.HighShelf(5000.0, gain_db=-4.0), 3),
    ("AllPass", lambda: ml.AllPass(500.0), 2),
    ("DcBlocker", lambda: ml.DcBlocker(20.0), 2),
    (
        "Equalizer",
        lambda: ml.Equalizer([ml.LowShelf(100.0, 3.0), ml.Notch(2000.0, 4.0), ml.HighPass(40.0)]),
        2,
    ),
    ("FilterChain", lambda: ml.Chain([ml.HighPass(50.0), ml.Pan(0.3), ml.LowPass(8000.0)]), 2),
    (
        "Compressor",
        lambda: ml.Compressor(-30.0, 4.0, 6.0, 2.0, 50.0, 3.0, link=0.5, mix=0.8, detector="rms"),
        2,
    ),
    ("Expander", lambda: ml.Expander(-20.0, 3.0, 30.0, hysteresis_db=3.0, hold_ms=5.0), 2),
    ("NoiseGate", lambda: ml.NoiseGate(-15.0, sidechain_hpf_hz=100.0), 1),
    ("DeEsser", lambda: ml.DeEsser(4000.0, -40.0), 2),
    ("MultibandCompressor", lambda: ml.MultibandCompressor([300.0, 3000.0]), 2),
    ("DynamicBand", lambda: ml.DynamicBand("bell", 800.0, 2.0, -40.0, 3.0, -9.0), 2),
    (
        "DynamicEq",
        lambda: ml.DynamicEq(
            [ml.DynamicBand("high_shelf", 5000.0, threshold_db=-50.0), ml.DynamicBand(gain_db=2.0)]
        ),
        2,
    ),
    ("Limiter", lambda: ml.Limiter(-12.0, lookahead_ms=2.0, release_ms=20.0), 2),
    ("LimiterTruePeak", lambda: ml.Limiter(-9.0, true_peak=True, auto_release=True), 3),
    ("DynamicsChain", lambda: ml.Chain([ml.Compressor(-30.0), ml.Limiter(-6.0)]), 2),
    ("Dither", lambda: ml.Dither(12, shaping="e_weighted"), 2),
]
FACTORY_IDS = [f[0] for f in FACTORIES]


def swelling(seconds: float, sr: int, seed: int, tilt_db: float = 0.0, bass_db: float = 0.0) -> np.ndarray:
    """Stereo music whose loudness swells by about 14 LU over 20 s: a
    pink-ish bed (its noise peaks a crest factor of about 12 dB above its
    level) tilted by `tilt_db` per decade around 1 kHz with a bass shelf of
    `bass_db` below 150 Hz, a kick every half second and hats between."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    f = np.fft.rfftfreq(n, 1 / sr)
    fc = np.maximum(f, 1.0)
    shape = (f > 20) / np.sqrt(fc) * 10 ** ((tilt_db * np.log10(fc / 1000) + bass_db / (1 + (fc / 150) ** 2)) / 20)
    a, b = (np.fft.irfft(shape * np.exp(2j * np.pi * rng.random(len(f))), n) for _ in range(2))
    bed = np.stack([a + 0.35 * b, a - 0.35 * b])
    bed *= 0.1 / np.sqrt(np.mean(bed**2))
    t = np.arange(n) / sr
    since = t % 0.5
    kick = np.exp(-since * 14) * np.sin(2 * np.pi * 52 * since * (1 + np.exp(-since * 40)))
    hat = np.diff(rng.standard_normal(n + 1)) * np.exp(-((t + 0.25) % 0.5) * 50)
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * 0.05 * t)
    drums = 0.25 * kick + 0.05 * hat
    return ((bed * swell + drums) * 0.8).astype(np.float32)
