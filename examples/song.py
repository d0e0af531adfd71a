"""A short multitrack demo song generated in code (no files needed).

`make_stems(sample_rate, seconds)` returns a dict of mono float32 stems:
drums, bass, chords (a stereo pad, shape (2, n)) and lead.
"""

from __future__ import annotations

import numpy as np

BPM = 120.0
# A minor, F, C, G: one chord per bar (root MIDI note, minor third?)
PROGRESSION = [(57, False), (53, True), (48, True), (55, True)]
MELODY = [76, 74, 72, 74, 76, 76, 76, None, 74, 74, 74, None, 76, 79, 79, None]


def midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


def _envelope(n: int, sample_rate: int, attack_s: float, decay_s: float) -> np.ndarray:
    t = np.arange(n) / sample_rate
    env = np.exp(-t / decay_s)
    a = max(1, int(attack_s * sample_rate))
    env[:a] *= np.linspace(0.0, 1.0, a)
    return env


def _place(track: np.ndarray, sound: np.ndarray, start: int) -> None:
    end = min(len(track), start + len(sound))
    if start < end:
        track[start:end] += sound[: end - start]


def _drums(n: int, sr: int, beat: int, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(n)
    k = int(0.35 * sr)
    t = np.arange(k) / sr
    kick = np.sin(2 * np.pi * (45 * t + 90 * 0.04 * (1 - np.exp(-t / 0.04)))) * np.exp(-t / 0.12)
    s = int(0.2 * sr)
    snare = (rng.standard_normal(s) * 0.5 + np.sin(2 * np.pi * 190 * np.arange(s) / sr)) * np.exp(
        -np.arange(s) / sr / 0.05
    )
    h = int(0.05 * sr)
    hat = np.diff(rng.standard_normal(h + 1)) * 0.25 * np.exp(-np.arange(h) / sr / 0.012)
    for i in range(n // beat + 1):
        if i % 4 in (0, 2) or i % 8 == 7:
            _place(out, kick, i * beat)
        if i % 4 in (1, 3):
            _place(out, 0.6 * snare, i * beat)
        _place(out, hat, i * beat)
        _place(out, 0.6 * hat, i * beat + beat // 2)
    return out


def _chord_notes(bar: int) -> list[int]:
    root, major = PROGRESSION[bar % len(PROGRESSION)]
    return [root, root + (4 if major else 3), root + 7]


def _bass(n: int, sr: int, beat: int) -> np.ndarray:
    out = np.zeros(n)
    for i in range(n // (beat // 2) + 1):
        bar = i // 8
        note = _chord_notes(bar)[0] - 24 + (12 if i % 4 == 3 else 0)
        m = beat // 2
        t = np.arange(m) / sr
        f = midi_hz(note)
        tone = sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, 7))
        _place(out, tone * _envelope(m, sr, 0.005, 0.18), i * m)
    return out


def _chords(n: int, sr: int, beat: int) -> np.ndarray:
    out = np.zeros((2, n))
    bar_len = 4 * beat
    for bar in range(n // bar_len + 1):
        t = np.arange(bar_len) / sr
        env = _envelope(bar_len, sr, 0.08, 1.6)
        for j, note in enumerate(_chord_notes(bar)):
            for side, detune in enumerate((-0.08, 0.08)):
                f = midi_hz(note + detune)
                tone = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * 2 * f * t + j)
                _place(out[side], tone * env, bar * bar_len)
    return out / 3


def _lead(n: int, sr: int, beat: int) -> np.ndarray:
    out = np.zeros(n)
    step = beat // 2
    for i in range(n // step + 1):
        note = MELODY[i % len(MELODY)]
        if note is None or (i // len(MELODY)) % 2 == 0:
            continue  # the lead plays every other phrase
        t = np.arange(step * 2) / sr
        f = midi_hz(note) * (1 + 0.004 * np.sin(2 * np.pi * 5.5 * t))
        phase = 2 * np.pi * np.cumsum(f) / sr
        tone = np.sin(phase) + 0.3 * np.sin(3 * phase) + 0.15 * np.sin(5 * phase)
        _place(out, tone * _envelope(len(t), sr, 0.01, 0.35), i * step)
    return out


def make_stems(sample_rate: int = 48_000, seconds: float = 30.0, seed: int = 7) -> dict[str, np.ndarray]:
    """Generates the demo song's stems, each peak-normalised to -6 dBFS."""
    n = int(seconds * sample_rate)
    beat = int(round(60.0 / BPM * sample_rate))
    rng = np.random.default_rng(seed)
    stems = {
        "drums": _drums(n, sample_rate, beat, rng),
        "bass": _bass(n, sample_rate, beat),
        "chords": _chords(n, sample_rate, beat),
        "lead": _lead(n, sample_rate, beat),
    }
    return {k: (0.5 * v / np.max(np.abs(v))).astype(np.float32) for k, v in stems.items()}
