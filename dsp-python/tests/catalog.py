"""Generated catalogs of short audio files for the batch tests and the
batch benchmark: several containers, bit depths, sample rates and channel
counts, plus broken files (truncated, not audio, NaN samples, empty)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

# (suffix, soundfile subtype, rate, channels) cycled over the good files.
FORMATS = [
    (".wav", "PCM_16", 44_100, 2),
    (".flac", "PCM_24", 48_000, 2),
    (".wav", "FLOAT", 48_000, 1),
    (".aiff", "PCM_24", 32_000, 2),
    (".ogg", "VORBIS", 44_100, 2),
    (".wav", "PCM_24", 96_000, 1),
]
BROKEN = ["truncated", "not_audio", "nan", "empty"]


def music(rate: int, channels: int, seconds: float, seed: int) -> np.ndarray:
    """A few seconds of something music-like: a chord with a beat and
    noise, at a level that differs from file to file; frames x channels."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
    tone = sum(np.sin(2 * np.pi * root * r * t + rng.uniform(0, 6)) for r in (1, 1.25, 1.5, 2))
    beat = np.exp(-((t * 2) % 1.0) * 12)
    x = 0.2 * tone * (0.5 + beat) + 0.05 * rng.standard_normal(n) * beat
    level = 10 ** (rng.uniform(-20, -2) / 20)
    pan = rng.uniform(0.6, 1.0)
    cols = [x, pan * x + 0.02 * rng.standard_normal(n)][:channels]
    return (level * np.stack(cols, axis=1) / np.max(np.abs(x))).astype(np.float32)


def make_catalog(folder: Path, count: int, seconds: float = 1.0, broken: bool = True) -> list[Path]:
    """Writes `count` good files (in sub-folders, two of them sharing a
    name) and, with `broken`, one broken file of each kind; returns all
    the paths in a fixed order."""
    paths = []
    for i in range(count):
        suffix, subtype, rate, channels = FORMATS[i % len(FORMATS)]
        sub = folder / f"album{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        p = sub / f"track{i // 3:03d}{suffix}"
        sf.write(p, music(rate, channels, seconds * (1 + 0.1 * (i % 4)), i), rate, subtype=subtype)
        paths.append(p)
    if broken:
        bad = folder / "bad"
        bad.mkdir(exist_ok=True)
        good = music(48_000, 2, seconds, 99)
        sf.write(bad / "truncated.wav", good, 48_000, subtype="PCM_16")
        data = (bad / "truncated.wav").read_bytes()
        (bad / "truncated.wav").write_bytes(data[: len(data) // 2])
        (bad / "not_audio.wav").write_text("this is not a wave file\n")
        nan = good.copy()
        nan[len(nan) // 2, 0] = np.nan
        sf.write(bad / "nan.wav", nan, 48_000, subtype="FLOAT")
        sf.write(bad / "empty.wav", np.zeros((0, 2), dtype=np.float32), 48_000)
        paths += [bad / f"{name}.wav" for name in BROKEN]
    return paths
