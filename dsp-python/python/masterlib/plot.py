"""Plots of reports, spectra, responses and dynamics (matplotlib, an
optional extra: ``pip install masterlib[plot]``).

Every function draws into ``ax`` (a matplotlib ``Axes``) when given, else
into a new figure, and returns the figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import numpy as np

from ._masterlib import Processor, QaReport, Target, TonalBalance

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TargetLike = Union[str, Target, None]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("masterlib's plots need matplotlib: pip install masterlib[plot]") from None
    return plt


def _axes(ax: Optional["Axes"]) -> tuple["Figure", "Axes"]:
    if ax is not None:
        return ax.get_figure(), ax  # type: ignore[return-value]
    fig, new = _pyplot().subplots(figsize=(8, 3.5), layout="constrained")
    return fig, new


def _target(target: TargetLike) -> Optional[Target]:
    return Target.by_name(target) if isinstance(target, str) else target


def _planar(audio: Any) -> np.ndarray:
    a = np.asarray(audio, dtype=np.float64)
    return a.reshape(1, -1) if a.ndim == 1 else a


def loudness(report: QaReport, target: TargetLike = None, ax: Optional["Axes"] = None) -> "Figure":
    """Momentary and short-term loudness over time, the integrated
    loudness, the target's loudness (if given) and the true-peak maximum."""
    fig, ax = _axes(ax)
    t = report.series_time_s
    ax.plot(t, report.momentary_series_lufs, lw=0.8, alpha=0.6, label="momentary")
    ax.plot(t, report.short_term_series_lufs, lw=1.5, label="short-term")
    ax.axhline(report.integrated_lufs, color="k", ls="--", lw=1,
               label=f"integrated {report.integrated_lufs:.1f} LUFS")
    tgt = _target(target)
    if tgt is not None:
        ax.axhline(tgt.integrated_lufs, color="tab:red", lw=1,
                   label=f"{tgt.label} {tgt.integrated_lufs:.1f} LUFS")
        ax.axhspan(tgt.integrated_lufs - tgt.tolerance_lu, tgt.integrated_lufs + tgt.tolerance_lu,
                   color="tab:red", alpha=0.08)
    ax.set(xlabel="time (s)", ylabel="loudness (LUFS)",
           title=f"Loudness: true peak {report.true_peak_dbtp:.1f} dBTP, "
                 f"LRA {report.loudness_range_lu:.1f} LU")
    finite = np.concatenate([report.momentary_series_lufs, report.short_term_series_lufs])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        ax.set_ylim(max(finite.min(), report.integrated_lufs - 30) - 2, finite.max() + 3)
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def third_octave_bands(audio: Any, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre frequencies (25 Hz to 20 kHz, below Nyquist) and power levels
    in dB of the 1/3-octave bands of the channels' mean."""
    x = _planar(audio).mean(axis=0)
    n = min(len(x), 1 << 15)
    if n < 64:
        raise ValueError("audio too short for a spectrum")
    window, starts = np.hanning(n), range(0, len(x) - n + 1, n // 2)
    power = np.zeros(n // 2 + 1)
    for i in starts:
        power += np.abs(np.fft.rfft(x[i : i + n] * window)) ** 2
    power /= len(starts)
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    centres = 1000.0 * 2.0 ** (np.arange(-16, 14) / 3.0)
    centres = centres[centres * 2 ** (1 / 6) < sample_rate / 2]
    levels = []
    for c in centres:
        band = (f >= c * 2 ** (-1 / 6)) & (f < c * 2 ** (1 / 6))
        levels.append(10 * np.log10(power[band].sum() / n**2 + 1e-20))
    return centres, np.array(levels)


def spectrum(
    audio: Any,
    sample_rate: float,
    reference: Any = None,
    tolerance_db: Optional[float] = None,
    ax: Optional["Axes"] = None,
) -> "Figure":
    """The 1/3-octave spectrum, against a `reference` (another recording,
    level-matched at 1 kHz and around) with an optional band of
    +/- `tolerance_db` about it."""
    fig, ax = _axes(ax)
    f, db = third_octave_bands(audio, sample_rate)
    ax.semilogx(f, db, marker="o", ms=3, label="audio")
    if reference is not None:
        fr, ref = third_octave_bands(reference, sample_rate)
        ref = ref + np.median(db - ref)
        ax.semilogx(fr, ref, marker="o", ms=3, label="reference (level-matched)")
        if tolerance_db is not None:
            ax.fill_between(fr, ref - tolerance_db, ref + tolerance_db, alpha=0.15,
                            label=f"+/- {tolerance_db:g} dB")
    ax.set(xlabel="frequency (Hz)", ylabel="band level (dB)", title="1/3-octave spectrum")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def response(
    processor: Processor,
    sample_rate: float,
    freqs: Optional[Sequence[float]] = None,
    ax: Optional["Axes"] = None,
) -> "Figure":
    """Magnitude response in dB: a filter's or equalizer's design, or (for
    a chain or any other processor) measured from its impulse response."""
    fig, ax = _axes(ax)
    f = np.geomspace(20.0, min(20_000.0, 0.45 * sample_rate), 400) if freqs is None else np.asarray(freqs)
    design = getattr(processor, "magnitude_db", None)
    if design is not None:
        db = np.asarray(design(f, sample_rate))
    else:
        n = 1 << int(np.ceil(np.log2(max(sample_rate, processor.tail_samples + 1024))))
        impulse = np.zeros(n, dtype=np.float32)
        impulse[0] = 1.0
        h = np.asarray(processor.process(impulse, sample_rate), dtype=np.float64).reshape(-1, n)[0]
        spectrum_db = 20 * np.log10(np.abs(np.fft.rfft(h)) + 1e-12)
        db = np.interp(f, np.fft.rfftfreq(n, 1.0 / sample_rate), spectrum_db)
    ax.semilogx(f, db)
    ax.set(xlabel="frequency (Hz)", ylabel="gain (dB)", title=f"{type(processor).__name__} response")
    ax.grid(alpha=0.3, which="both")
    return fig


def gain_reduction(
    processor: Processor, audio: Any, sample_rate: float, ax: Optional["Axes"] = None
) -> "Figure":
    """A dynamics processor's gain reduction over time on `audio` (one
    line per band for a multiband compressor)."""
    fig, ax = _axes(ax)
    _, gr = processor.process(audio, sample_rate, return_gain_reduction=True)
    rows = np.atleast_2d(gr)
    t = np.arange(rows.shape[1]) / sample_rate
    for i, row in enumerate(rows):
        ax.plot(t, -row, lw=1, label=f"band {i + 1}" if len(rows) > 1 else None)
    ax.set(xlabel="time (s)", ylabel="gain (dB)", title=f"{type(processor).__name__} gain reduction")
    if len(rows) > 1:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def correlation(
    audio: Any, sample_rate: float, window_s: float = 0.4, ax: Optional["Axes"] = None
) -> "Figure":
    """Stereo correlation of left and right over time, per window of
    `window_s` seconds (+1 mono, 0 unrelated, -1 out of phase)."""
    x = _planar(audio)
    if x.shape[0] != 2:
        raise ValueError(f"correlation needs stereo audio, got {x.shape[0]} channel(s)")
    fig, ax = _axes(ax)
    w = max(1, int(window_s * sample_rate))
    count = x.shape[1] // w
    l, r = x[0, : count * w].reshape(count, w), x[1, : count * w].reshape(count, w)
    energy = np.sqrt((l * l).sum(axis=1) * (r * r).sum(axis=1))
    rho = np.where(energy > 0, (l * r).sum(axis=1) / np.maximum(energy, 1e-30), 1.0)
    ax.plot((np.arange(count) + 0.5) * window_s, rho)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set(xlabel="time (s)", ylabel="correlation", ylim=(-1.05, 1.05), title="Stereo correlation")
    ax.grid(alpha=0.3)
    return fig


def tonal_balance(balance: TonalBalance, ax: Optional["Axes"] = None) -> "Figure":
    """A mix's 1/3-octave curve (mid, and side if stereo) against the target
    band (mean and tolerance), on a log frequency axis."""
    fig, ax = _axes(ax)
    f = balance.frequencies_hz
    ax.fill_between(f, balance.low_db, balance.high_db, color="tab:green", alpha=0.2,
                    label=f"{balance.target} band")
    ax.plot(f, balance.target_db, color="tab:green", lw=1)
    ax.plot(f, balance.mix_db, marker="o", ms=3, label=f"mid ({100 * balance.inside_fraction:.0f} % inside)")
    if len(balance.side_db):
        ax.plot(f, balance.side_db, lw=1, alpha=0.6, label="side")
    ax.set_xscale("log")
    ax.set_xlabel("Hz")
    ax.set_ylabel("dB per octave (aligned)")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def overview(report: QaReport, target: TargetLike = None, fig: Optional["Figure"] = None) -> "Figure":
    """A report at a glance: loudness over time and the octave-band
    balance (with each band's level folded to mono, for stereo), in `fig`
    (a new pyplot figure if None)."""
    if fig is None:
        fig = _pyplot().figure(figsize=(8, 6), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    loudness(report, target, ax=top)
    bands = range(len(report.octave_band_hz))
    bottom.bar(bands, report.octave_band_db, color="tab:blue", label="stereo")
    if report.channels >= 2:
        folded = report.octave_band_db + report.mono_band_change_db
        bottom.plot(bands, folded, "o", color="tab:orange", label="folded to mono")
        bottom.legend(loc="best", fontsize="small", framealpha=0.6)
    bottom.set_xticks(bands, [f"{f:g}" if f < 1000 else f"{f / 1000:g}k" for f in report.octave_band_hz])
    bottom.set(xlabel="octave band (Hz)", ylabel="level (dB)", title="Octave-band balance")
    bottom.grid(alpha=0.3, axis="y")
    return fig
