"""Plots render headless with the expected axes and lines; the HTML report
parses, holds every reading and embeds its plot."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import numpy as np
import pytest

import masterlib as ml
from helpers import noise

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from masterlib import plot  # noqa: E402

SR = 48_000


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def audio():
    x = noise(2, 8 * SR, seed=7, amp=0.1)
    x[1] = 0.7 * x[0] + 0.3 * x[1]  # partly correlated
    return x


def test_loudness_plot_shows_both_series_the_target_and_the_peak(audio):
    report = ml.measure(audio, SR)
    fig = plot.loudness(report, target="spotify")
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["momentary", "short-term"]
    assert any("Spotify -14.0 LUFS" in label for label in labels)
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), report.short_term_series_lufs)
    assert f"{report.true_peak_dbtp:.1f} dBTP" in ax.get_title()
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "loudness (LUFS)"


def test_spectrum_finds_a_tone_in_its_band(audio):
    tone = np.sin(2 * np.pi * 1000 * np.arange(2 * SR) / SR).astype(np.float32)
    f, db = plot.third_octave_bands(tone, SR)
    assert f[np.argmax(db)] == pytest.approx(1000.0, rel=0.01)
    fig = plot.spectrum(audio, SR, reference=tone, tolerance_db=3.0)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2 and ax.get_xscale() == "log" and len(ax.collections) == 1


def test_responses_follow_the_design_and_the_measured_chain():
    eq = ml.Equalizer([ml.PeakFilter(1000.0, gain_db=6.0, q=1.0)])
    fig = plot.response(eq, SR, freqs=[100.0, 1000.0, 10_000.0])
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(),
                               eq.magnitude_db([100.0, 1000.0, 10_000.0], SR))
    chain = ml.Chain([ml.PeakFilter(1000.0, gain_db=6.0, q=1.0), ml.Gain(-3.0)])
    line = plot.response(chain, SR, freqs=[1000.0]).axes[0].get_lines()[0]
    assert line.get_ydata()[0] == pytest.approx(3.0, abs=0.1)


def test_gain_reduction_and_correlation_over_time(audio):
    fig = plot.gain_reduction(ml.Compressor(threshold_db=-30.0), audio, SR)
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert len(y) == audio.shape[1] and y.min() < -3.0 and y.max() <= 0.0
    mb = ml.MultibandCompressor([500.0, 4000.0])
    assert len(plot.gain_reduction(mb, audio, SR).axes[0].get_lines()) == 3
    rho = plot.correlation(audio, SR).axes[0].get_lines()[0].get_ydata()
    want = np.corrcoef(audio[0], audio[1])[0, 1]
    assert np.all(np.abs(rho - want) < 0.1)
    with pytest.raises(ValueError, match="stereo"):
        plot.correlation(audio[0], SR)


def test_report_plot_draws_the_overview(audio):
    fig = ml.measure(audio, SR).plot("apple")
    assert len(fig.axes) == 2 and fig.axes[1].get_title() == "Octave-band balance"


class Page(HTMLParser):
    """Text, images and table rows of an HTML page."""

    def __init__(self):
        super().__init__()
        self.text, self.images, self.rows = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        self.rows += tag == "tr"

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_is_self_contained_and_holds_every_reading(audio, tmp_path):
    report = ml.measure(audio, SR)
    report.to_html(tmp_path / "qa.html", targets=["spotify", "ebu_r128"], title="Client <mix>")
    page = Page()
    page.feed((tmp_path / "qa.html").read_text())
    text = " ".join(page.text)
    assert "Client <mix>" in text
    for value in (f"{report.integrated_lufs:.1f}", f"{report.true_peak_dbtp:.2f}",
                  f"{report.loudness_range_lu:.1f}", f"{report.correlation:.2f}"):
        assert value in text
    spotify, ebu = report.check("spotify"), report.check("ebu_r128")
    assert ("PASS" if spotify.passed else "FAIL") in text and "EBU R128" in text
    for failure in ebu.failures:
        assert failure in text
    (img,) = page.images
    assert img.startswith("data:image/png;base64,")
    assert base64.b64decode(img.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http" not in (tmp_path / "qa.html").read_text().replace("http://www.w3.org", "")
    assert "<table" in report._repr_html_() and page.rows >= 16
