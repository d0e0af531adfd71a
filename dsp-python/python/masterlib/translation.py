"""Lossy-codec check: what a master turns into once a listener's player has
decoded it from MP3, Ogg Vorbis or Ogg Opus.

A codec throws away parts of the spectrum and moves the phase of what it
keeps, so the decoded waveform peaks higher than the master, often above
0 dBFS for a master limited to -0.1 dBTP. ``codec_check`` encodes the audio
with libsndfile (through ``soundfile``), decodes it again and measures the
result with masterlib's own meter.

The encoders are driven through libsndfile's one compression knob
(``compression_level``, 0 best to 1 smallest), mapped from the asked
setting as libsndfile maps it back:

- MP3 (LAME), constant bit rate: the level picks the bit rate linearly in
  the range of the MPEG version the sample rate needs (32 to 320 kbps from
  32 kHz up; 8 to 160 kbps from 16 kHz; 8 to 64 kbps below), LAME rounding
  it to the nearest bit rate it offers. 8 to 48 kHz only, one or two
  channels.
- Opus: the level picks the bit rate per channel (6 to 256 kbps); the asked
  bit rate is the total, shared by the channels. Opus runs at 8, 12, 16, 24
  or 48 kHz only; other rates are skipped (resample first).
- Vorbis: variable bit rate at a quality from 0 to 1 (0.5 is about
  160 kbps for stereo at 44.1 kHz).

Each result also gives the bit rate the file came out at (its size over
the duration), which is what a setting means in practice.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass
from typing import Any, Optional, Sequence

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

from ._masterlib import measure

#: The codec settings checked by default: ``(codec, setting)``, the setting
#: being a bit rate in kbps for ``"mp3"`` and ``"opus"`` and a quality from
#: 0 to 1 for ``"vorbis"``.
DEFAULT_CODECS: tuple[tuple[str, float], ...] = (
    ("mp3", 128.0),
    ("mp3", 320.0),
    ("vorbis", 0.5),
    ("opus", 128.0),
)

# libsndfile's container and codec per codec name.
_FORMATS = {"mp3": ("MP3", "MPEG_LAYER_III"), "vorbis": ("OGG", "VORBIS"), "opus": ("OGG", "OPUS")}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


@dataclass(frozen=True)
class CodecReport:
    """The decoded audio of one codec setting, measured.

    Readings are None when the setting was skipped (``skipped`` says why)
    or, for ``loudness_change_lu``, when the input or the decoded audio has
    no integrated loudness.
    """

    #: ``"mp3"``, ``"vorbis"`` or ``"opus"``.
    codec: str
    #: The setting asked for: kbps for MP3 and Opus, quality 0 to 1 for Vorbis.
    setting: float
    #: The setting in words, e.g. ``"128 kbps CBR"``.
    description: str
    #: Average bit rate of the encoded file (its size over the duration), kbps.
    bitrate_kbps: Optional[float]
    #: True peak of the decoded audio, dBTP.
    true_peak_dbtp: Optional[float]
    #: Sample peak of the decoded audio, dBFS.
    sample_peak_dbfs: Optional[float]
    #: How far the input must be turned down so that no decoded sample
    #: goes over full scale, dB: the decoded sample peak above 0 dBFS, 0 if
    #: none (the codecs are close to linear, so turning the input down by
    #: this much turns the decoded peaks down alike).
    headroom_db: Optional[float]
    #: Integrated loudness of the decoded audio minus the input's, LU.
    loudness_change_lu: Optional[float]
    #: Why the setting was not measured (None when it was).
    skipped: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict for JSON (non-finite values as None)."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def codec_check(
    x: Any, sample_rate: int, codecs: Optional[Sequence[tuple[str, float]]] = None
) -> list[CodecReport]:
    """Encodes ``x`` (1-D mono or ``(channels, samples)``) with each codec
    setting in ``codecs`` (default ``DEFAULT_CODECS``: MP3 128 and
    320 kbps, Vorbis quality 0.5, Opus 128 kbps), decodes it and measures
    the decoded audio: true peak, sample peak, the headroom that keeps every
    decoded sample below full scale, and the loudness change.

    Settings this libsndfile cannot write, or that do not fit the audio
    (MP3 above 48 kHz or beyond two channels, Opus at a rate other than
    8/12/16/24/48 kHz), come back with ``skipped`` set. Raises
    ``ValueError`` for an unknown codec, a bad setting, and for audio or a
    sample rate that ``masterlib.measure`` refuses (empty, NaN, ...).
    """
    chosen = list(DEFAULT_CODECS if codecs is None else codecs)
    for codec, setting in chosen:
        _check_setting(codec, setting)
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate:
        raise ValueError(f"sample_rate must be a whole number of Hz, got {sample_rate!r}")
    rate = int(sample_rate)
    audio = np.ascontiguousarray(x, dtype=np.float32)
    before = measure(audio, rate)
    planar = audio.reshape(1, -1) if audio.ndim == 1 else audio
    frames = np.ascontiguousarray(planar.T)
    return [_one(codec, float(setting), frames, rate, before.integrated_lufs) for codec, setting in chosen]


def _check_setting(codec: str, setting: float) -> None:
    if codec not in _FORMATS:
        raise ValueError(f"unknown codec {codec!r}; expected one of {', '.join(_FORMATS)}")
    if isinstance(setting, bool) or not isinstance(setting, (int, float)) or not math.isfinite(setting):
        raise ValueError(f"{codec} setting must be a finite number, got {setting!r}")
    if codec == "vorbis" and not 0.0 <= setting <= 1.0:
        raise ValueError(f"vorbis quality must be from 0 to 1, got {setting}")
    if codec != "vorbis" and not setting > 0.0:
        raise ValueError(f"{codec} bit rate must be positive kbps, got {setting}")


def _mp3_range(rate: int) -> tuple[float, float]:
    """The bit rates (kbps) libsndfile spreads its compression level over."""
    return (32.0, 320.0) if rate >= 32000 else (8.0, 160.0) if rate >= 16000 else (8.0, 64.0)


def _encoder(codec: str, setting: float, rate: int, channels: int) -> tuple[dict[str, Any], str]:
    """``soundfile`` write options and the setting in words."""
    if codec == "mp3":
        lo, hi = _mp3_range(rate)
        level = (hi - min(max(setting, lo), hi)) / (hi - lo)
        return {"compression_level": level, "bitrate_mode": "CONSTANT"}, f"{setting:g} kbps CBR"
    if codec == "opus":
        per_channel = setting * 1000.0 / channels
        level = 1.0 - (per_channel - 6000.0) / 250000.0
        return {"compression_level": min(max(level, 0.0), 1.0)}, f"{setting:g} kbps"
    return {"compression_level": 1.0 - setting}, f"quality {setting:g} (VBR)"


def _unfit(codec: str, rate: int, channels: int) -> Optional[str]:
    """Why this libsndfile cannot encode the audio with `codec`, if so."""
    container, subtype = _FORMATS[codec]
    if subtype not in sf.available_subtypes(container):
        return f"this libsndfile ({sf.__libsndfile_version__}) cannot write {container}/{subtype}"
    if codec == "mp3" and not 8000 <= rate <= 48000:
        return f"MP3 takes sample rates from 8 to 48 kHz, not {rate} Hz"
    if codec == "mp3" and channels > 2:
        return f"MP3 carries one or two channels, not {channels}"
    if codec == "opus" and rate not in _OPUS_RATES:
        return f"Opus runs at 8, 12, 16, 24 or 48 kHz, not {rate} Hz (resample first)"
    return None


def _one(codec: str, setting: float, frames: np.ndarray, rate: int, input_lufs: float) -> CodecReport:
    """Encodes, decodes and measures one codec setting."""
    channels = frames.shape[1]
    options, description = _encoder(codec, setting, rate, channels)
    reason = _unfit(codec, rate, channels)
    if reason is None:
        container, subtype = _FORMATS[codec]
        encoded = io.BytesIO()
        try:
            sf.write(encoded, frames, rate, format=container, subtype=subtype, **options)
            size = encoded.tell()
            encoded.seek(0)
            decoded, _ = sf.read(encoded, dtype="float32", always_2d=True)
            if decoded.shape[0] == 0:
                reason = "the decoder gave back no audio"
        except (sf.LibsndfileError, RuntimeError) as e:
            reason = f"libsndfile failed: {e}"
    if reason is not None:
        return CodecReport(codec, setting, description, None, None, None, None, None, reason)
    after = measure(np.ascontiguousarray(decoded.T), rate)
    change = after.integrated_lufs - input_lufs
    return CodecReport(
        codec=codec,
        setting=setting,
        description=description,
        bitrate_kbps=size * 8.0 / (frames.shape[0] / rate) / 1000.0,
        true_peak_dbtp=after.true_peak_dbtp,
        sample_peak_dbfs=after.sample_peak_dbfs,
        headroom_db=max(0.0, after.sample_peak_dbfs),
        loudness_change_lu=change if math.isfinite(change) else None,
    )
