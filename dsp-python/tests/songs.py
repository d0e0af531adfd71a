"""Generated multitrack test songs at several balances (for the assistant's
tests): kick, a saw bass line, a chord of harmonic-rich voices spread left
and right, snare and hi-hat noise bursts and a quiet noise bed, mixed and
then given a balance problem."""

from __future__ import annotations

import numpy as np
from scipy import signal  # type: ignore[import-untyped]

SR = 48_000


def _saw(freq: np.ndarray, t: np.ndarray, top: float = 8000.0) -> np.ndarray:
    """A band-limited saw-like voice (harmonics 1/n^1.1 up to `top`) with a
    piecewise-constant frequency."""
    out = np.zeros_like(t)
    phase = 2 * np.pi * np.cumsum(freq) / SR
    for k in range(1, 41):
        alive = (k * freq) < top
        out += alive * np.sin(k * phase) / k**1.1
    return out


def stems(seconds: float = 20.0, seed: int = 0) -> dict[str, np.ndarray]:
    """The song's stems, each (2, n) float64."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    beat = SR // 2
    since = (np.arange(n) % beat) / SR
    bar = (t / 2.0).astype(int) % 4
    kick = np.exp(-since * 14) * np.sin(2 * np.pi * 50 * since * (1 + 2 * np.exp(-since * 35)))
    bass = 0.35 * _saw(np.array([55.0, 73.4, 65.4, 49.0])[bar], t) * (0.6 + 0.4 * np.exp(-since * 4))
    root = np.array([220.0, 293.7, 261.6, 196.0])[bar]
    left = (_saw(root, t) + _saw(root * 1.5, t)) * 0.07
    right = (_saw(root * 1.26 * 1.002, t) + _saw(root * 2.0 * 1.002, t)) * 0.07
    hiss = rng.standard_normal((2, n + 1)) * 0.5
    on_two = ((np.arange(n) // beat) % 2) == 1
    snare_noise = signal.lfilter([0.3], [1, -0.7], hiss[0, :n])
    snare = on_two * np.exp(-since * 25) * (0.5 * snare_noise + 0.25 * np.sin(2 * np.pi * 190 * since))
    hat_env = np.exp(-((np.arange(n) + beat // 4) % (beat // 2)) / SR * 50)
    hat = 0.3 * hat_env * np.diff(hiss[1])
    bed = signal.lfilter([0.02], [1, -0.995], hiss[:, :n], axis=1) * 0.2
    both = lambda x, gl=1.0, gr=1.0: np.stack([gl * x, gr * x])  # noqa: E731
    return {
        "kick": both(0.5 * kick),
        "bass": both(bass),
        "chords": np.stack([left, right]),
        "snare": both(snare),
        "hats": both(hat, 0.6, 1.0),
        "bed": bed,
    }


BALANCES = ("dull", "bright", "boomy", "quiet", "loud")


def mix(balance: str = "plain", seconds: float = 20.0, seed: int = 0) -> np.ndarray:
    """The song mixed (about -20 LUFS), then `balance`: `dull` (-10 dB shelf
    above 3 kHz), `bright` (+8 dB shelf above 3 kHz), `boomy`
    (+9 dB below 150 Hz), `quiet` (-30 dB) or `loud` (pushed 14 dB into a
    clipper, as an over-loud mix); `plain` as mixed. float32 (2, n)."""
    x = sum(stems(seconds, seed).values()) * 0.12
    if balance == "dull":
        b, a = signal.butter(2, 3000, "high", fs=SR)
        x = x - 0.68 * signal.lfilter(b, a, x, axis=1)
    elif balance == "bright":
        b, a = signal.butter(2, 3000, "high", fs=SR)
        x = x + 1.5 * signal.lfilter(b, a, x, axis=1)
    elif balance == "boomy":
        b, a = signal.butter(2, 150, fs=SR)
        x = x + 1.8 * signal.lfilter(b, a, x, axis=1)
    elif balance == "quiet":
        x = x * 10 ** (-30 / 20)
    elif balance == "loud":
        x = np.tanh(x * 10 ** (14 / 20)) * 0.95
    elif balance != "plain":
        raise ValueError(balance)
    return np.ascontiguousarray(x, dtype=np.float32)
