"""QA reports as HTML: the table Jupyter shows (``QaReport._repr_html_``)
and a self-contained file to send to a client (``QaReport.to_html``)."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path
from typing import Iterable, Optional, Union

from ._masterlib import QaReport, Target
from .files import temp_beside

TargetLike = Union[str, Target]
DEFAULT_TARGETS = ("spotify", "apple", "youtube", "ebu_r128")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table.masterlib { border-collapse: collapse; margin: 0.5em 0 1em; }
table.masterlib td, table.masterlib th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd;
  text-align: left; }
table.masterlib td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #137333; font-weight: bold; }
.fail { color: #b3261e; font-weight: bold; }
img { max-width: 100%; }
"""

# Readings: label, report attribute, format, unit.
_READINGS = (
    ("Integrated loudness", "integrated_lufs", "{:.1f}", "LUFS"),
    ("Loudness range", "loudness_range_lu", "{:.1f}", "LU"),
    ("Max momentary", "max_momentary_lufs", "{:.1f}", "LUFS"),
    ("Max short-term", "max_short_term_lufs", "{:.1f}", "LUFS"),
    ("True peak", "true_peak_dbtp", "{:.2f}", "dBTP"),
    ("Sample peak", "sample_peak_dbfs", "{:.2f}", "dBFS"),
    ("Peak to loudness (PLR)", "plr_db", "{:.1f}", "dB"),
    ("Clipped samples", "clipped_samples", "{}", ""),
    ("Stereo correlation", "correlation", "{:.2f}", ""),
    ("Worst correlation", "worst_correlation", "{:.2f}", ""),
    ("Mono loudness drop", "mono_loudness_drop_lu", "{:.1f}", "LU"),
    ("Small-speaker loudness", "small_speaker_lufs", "{:.1f}", "LUFS"),
    ("Small-speaker loudness drop", "small_speaker_drop_lu", "{:.1f}", "LU"),
    ("Balance L-R", "balance_db", "{:.1f}", "dB"),
    ("Duration", "duration_s", "{:.1f}", "s"),
    ("Sample rate", "sample_rate", "{:.0f}", "Hz"),
)


def _band_label(hz: float) -> str:
    return f"{hz:g}" if hz < 1000 else f"{hz / 1000:g}k"


def translation_table(report: QaReport) -> str:
    """How the track translates, per octave band: its level, the change
    when folded to mono, and its share of what a small loudspeaker (150 Hz
    to 8 kHz) plays, as an HTML table."""
    rows = "".join(
        f"<tr><td>{_band_label(hz)}</td><td class='num'>{level:.1f}</td>"
        f"<td class='num'>{mono:+.1f}</td><td class='num'>{share:.1f}</td></tr>"
        for hz, level, mono, share in zip(
            report.octave_band_hz,
            report.octave_band_db,
            report.mono_band_change_db,
            report.small_speaker_bands_db,
        )
    )
    return (
        "<table class='masterlib'><tr><th>Octave band (Hz)</th><th>Level (dB)</th>"
        "<th>Mono fold change (dB)</th><th>Small-speaker share (dB)</th></tr>"
        f"{rows}</table>"
    )


def html_table(report: QaReport, targets: Iterable[TargetLike] = DEFAULT_TARGETS) -> str:
    """The readings, a PASS/FAIL verdict per target (with only the failed
    conditions under FAIL) and the per-band translation readings as HTML
    tables."""
    rows = "".join(
        f"<tr><td>{label}</td><td class='num'>{fmt.format(getattr(report, attr))}</td>"
        f"<td>{unit}</td></tr>"
        for label, attr, fmt, unit in _READINGS
    )
    verdicts = []
    for t in targets:
        check = report.check(t)
        verdict = "<span class='pass'>PASS</span>" if check.passed else "<span class='fail'>FAIL</span>"
        why = check.failures if not check.passed else check.reasons
        verdicts.append(
            f"<tr><td>{html.escape(check.target.label)}</td><td>{verdict}</td>"
            f"<td>{html.escape('; '.join(why))}<br><small>{html.escape(check.description)}</small>"
            "</td></tr>"
        )
    return (
        f"<table class='masterlib'><tr><th>Reading</th><th>Value</th><th></th></tr>{rows}</table>"
        "<table class='masterlib'><tr><th>Target</th><th>Verdict</th><th>Why</th></tr>"
        f"{''.join(verdicts)}</table>{translation_table(report)}"
    )


def _overview_png(report: QaReport, target: Optional[TargetLike]) -> Optional[str]:
    """The overview plot as base64 PNG, or None without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    from . import plot

    # A figure outside pyplot: no window, no backend change in a notebook.
    fig = plot.overview(report, target, fig=Figure(figsize=(8, 6), layout="constrained"))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def section(
    report: QaReport, targets: Optional[Iterable[TargetLike]] = None, heading: Optional[str] = None
) -> str:
    """One report's part of a page: heading, tables and the overview plot
    (embedded, with matplotlib installed)."""
    chosen = list(DEFAULT_TARGETS if targets is None else targets)
    png = _overview_png(report, chosen[0] if chosen else None)
    figure = (
        f"<img alt='loudness over time and octave-band balance' src='data:image/png;base64,{png}'>"
        if png is not None
        else "<p><small>Plots need matplotlib: pip install masterlib[plot]</small></p>"
    )
    title = f"<h2>{html.escape(heading)}</h2>" if heading else ""
    return f"<section>{title}{html_table(report, chosen)}{figure}</section>"


def write_page(path: Union[str, "os.PathLike[str]"], title: str, sections: Iterable[str]) -> None:
    """Writes a self-contained HTML page (no network) of `sections` to a
    temporary file beside `path`, then renames it into place."""
    name = html.escape(title)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{name}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{name}</h1>{''.join(sections)}"
        "<p><small>Measured with masterlib (ITU-R BS.1770 / EBU R128).</small></p></body></html>\n"
    )
    target = Path(path)
    tmp = temp_beside(target)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def write_html(
    report: QaReport,
    path: Union[str, "os.PathLike[str]"],
    targets: Optional[Iterable[TargetLike]] = None,
    title: Optional[str] = None,
) -> None:
    """Writes one report as a self-contained HTML file (``QaReport.to_html``)."""
    write_page(path, title or "QA report", [section(report, targets)])
