"""Filters, DcBlocker and Equalizer measured through Python."""

from __future__ import annotations

import numpy as np
import pytest

import masterlib as ml
from helpers import SR, db, noise, rms, sine

FREQS = [100.0, 250.0, 1000.0, 3000.0, 8000.0, 15000.0]  # whole cycles in 0.5 s


def measured_db(p: ml.Processor, freq_hz: float, sr: int = SR) -> float:
    """Steady-state gain for a sine: the second half of one second."""
    x = sine(freq_hz, sr, 0.5, sr)
    y = p(x, sr)
    return db(rms(y[sr // 2 :]) / rms(x[sr // 2 :]))


BANDS = [
    lambda d: ml.PeakFilter(1000.0, gain_db=6.0, q=1.4, design=d),
    lambda d: ml.PeakFilter(6000.0, gain_db=-9.0, q=0.7, design=d),
    lambda d: ml.LowShelf(300.0, gain_db=-4.0, q=0.7, design=d),
    lambda d: ml.HighShelf(4000.0, gain_db=5.0, q=0.7, design=d),
    lambda d: ml.LowPass(2000.0, design=d),
    lambda d: ml.LowPass(2000.0, order=5, design=d),
    lambda d: ml.HighPass(500.0, order=4, design=d),
    lambda d: ml.HighPass(500.0, order=1, design=d),
    lambda d: ml.BandPass(1000.0, q=2.0, design=d),
    lambda d: ml.Notch(3000.0, q=1.0, design=d),
    lambda d: ml.AllPass(1000.0, q=0.7, design=d),
]


@pytest.mark.parametrize("design", ["cookbook", "matched"])
@pytest.mark.parametrize("make", BANDS)
def test_magnitude_db_matches_measured_sine_response(make, design):
    f = make(design)
    predicted = f.magnitude_db(np.array(FREQS), SR)
    assert predicted.shape == (len(FREQS),) and predicted.dtype == np.float64
    for freq, want in zip(FREQS, predicted):
        got = measured_db(f, freq)
        if want < -80.0:  # a notch's centre: float32 rounding is the floor
            assert got < -80.0, (freq, design)
        else:
            assert got == pytest.approx(want, abs=0.05 + 0.002 * abs(want)), (freq, design)


@pytest.mark.parametrize("order", range(1, 9))
def test_butterworth_is_3db_down_at_cutoff_and_falls_6db_per_order(order):
    lp = ml.LowPass(500.0, order=order)
    assert lp.magnitude_db(500.0, SR) == pytest.approx(-3.0103, abs=0.02)
    assert measured_db(lp, 500.0) == pytest.approx(-3.0103, abs=0.05)
    low = ml.LowPass(100.0, order=order)  # far below Nyquist, where warping is small
    slope = low.magnitude_db(1600.0, SR) - low.magnitude_db(3200.0, SR)
    assert slope == pytest.approx(6.02 * order, abs=0.15 * order)
    hp = ml.HighPass(4000.0, order=order)
    assert measured_db(hp, 4000.0) == pytest.approx(-3.0103, abs=0.05)


def test_peak_and_shelf_gains():
    assert measured_db(ml.PeakFilter(1000.0, gain_db=9.0, q=2.0), 1000.0) == pytest.approx(9.0, abs=0.05)
    assert measured_db(ml.LowShelf(2000.0, gain_db=-6.0), 100.0) == pytest.approx(-6.0, abs=0.05)
    assert measured_db(ml.HighShelf(500.0, gain_db=4.0), 15000.0) == pytest.approx(4.0, abs=0.05)
    assert measured_db(ml.Notch(1000.0, q=1.0), 1000.0) < -40.0
    assert measured_db(ml.BandPass(1000.0, q=1.0), 1000.0) == pytest.approx(0.0, abs=0.05)


def test_all_pass_keeps_every_level():
    x = noise(2, SR)
    y = ml.AllPass(1000.0, q=0.5)(x, SR)
    assert db(rms(y) / rms(x)) == pytest.approx(0.0, abs=0.1)
    assert not np.allclose(x, y, atol=1e-3)  # but the phase moved


def test_matched_design_follows_the_analog_response_near_nyquist():
    cook = ml.PeakFilter(16000.0, gain_db=12.0, q=2.0)
    matched = ml.PeakFilter(16000.0, gain_db=12.0, q=2.0, design="matched")
    # The bilinear peak is cramped towards Nyquist; matched stays close to the analog bell.
    assert matched.magnitude_db(20000.0, SR) > cook.magnitude_db(20000.0, SR) + 1.0
    assert measured_db(matched, 20000.0) == pytest.approx(matched.magnitude_db(20000.0, SR), abs=0.1)


def test_bypassed_filter_passes_audio_and_reads_0_db():
    x = noise(2, 4800)
    f = ml.PeakFilter(1000.0, gain_db=12.0, bypass=True)
    np.testing.assert_allclose(f(x, SR), x, atol=1e-6)
    np.testing.assert_array_equal(f.magnitude_db([100.0, 1000.0], SR), [0.0, 0.0])
    f.bypass = False
    assert f.magnitude_db(1000.0, SR) == pytest.approx(12.0, abs=1e-6)


def test_magnitude_db_shapes_and_inputs():
    f = ml.LowPass(1000.0)
    assert f.magnitude_db(1000.0, SR).shape == ()
    assert f.magnitude_db([[10, 100], [1000, 10000]], SR).shape == (2, 2)
    assert f.magnitude_db(np.arange(5, dtype=np.int32), SR).shape == (5,)
    assert f.magnitude_db([], SR).shape == (0,)
    with pytest.raises(ValueError, match="finite and non-negative"):
        f.magnitude_db([100.0, float("nan")], SR)
    with pytest.raises(ValueError, match="finite and non-negative"):
        f.magnitude_db(-1.0, SR)
    with pytest.raises(TypeError, match="real numbers"):
        f.magnitude_db(np.array([1j]), SR)
    with pytest.raises(ValueError, match="sample rate"):
        f.magnitude_db(100.0, 0)
    with pytest.raises(ValueError, match="Nyquist"):
        ml.LowPass(30_000.0).magnitude_db(100.0, SR)


def test_cutoff_at_or_above_nyquist_raises_when_processing():
    f = ml.LowPass(24_000.0)  # fine to construct: the rate is not known yet
    with pytest.raises(ValueError, match="LowPass: cutoff_hz = 24000 Hz must be below the Nyquist"):
        f(noise(2, 100), SR)
    assert f(noise(2, 100), 96_000).shape == (2, 100)
    f.cutoff_hz = 30_000.0  # prepared at 96 kHz: fine
    f(noise(2, 100), 96_000)
    f.cutoff_hz = 40_000.0  # above Nyquist at 48 kHz is accepted until processing there
    with pytest.raises(ValueError, match="Nyquist"):
        f(noise(2, 100), SR)
    with pytest.raises(ValueError, match="Nyquist"):
        ml.Chain([ml.Gain(0.0), ml.HighShelf(30_000.0)])(noise(2, 100), SR)
    with pytest.raises(ValueError, match="Nyquist"):
        ml.DcBlocker(25_000.0)(noise(2, 100), SR)


@pytest.mark.parametrize(
    ("make", "name", "value"),
    [
        (lambda: ml.LowPass(1000.0), "cutoff_hz", float("nan")),
        (lambda: ml.LowPass(1000.0), "cutoff_hz", 0.0),
        (lambda: ml.LowPass(1000.0), "cutoff_hz", -5.0),
        (lambda: ml.LowPass(1000.0), "q", 0.0),
        (lambda: ml.LowPass(1000.0), "q", float("inf")),
        (lambda: ml.LowPass(1000.0), "order", 9),
        (lambda: ml.LowPass(1000.0), "order", 0),
        (lambda: ml.LowPass(1000.0), "order", 1000),
        (lambda: ml.PeakFilter(1000.0), "gain_db", 49.0),
        (lambda: ml.PeakFilter(1000.0), "gain_db", float("nan")),
        (lambda: ml.DcBlocker(), "cutoff_hz", float("nan")),
    ],
)
def test_bad_parameters_raise_value_error_naming_them(make, name, value):
    f = make()
    before = getattr(f, name)
    with pytest.raises(ValueError, match=name):
        setattr(f, name, value)
    assert getattr(f, name) == before
    kwargs = {"cutoff_hz": 1000.0, name: value}
    with pytest.raises(ValueError, match=name):
        type(f)(**kwargs)


def test_design_names():
    f = ml.PeakFilter(1000.0)
    assert (f.design, f.kind) == ("cookbook", "peak")
    f.design = "matched"
    assert f.design == "matched"
    with pytest.raises(ValueError, match="filter design"):
        f.design = "butter"
    with pytest.raises(ValueError, match="filter design"):
        ml.LowPass(1000.0, design="fir")


def test_reprs_round_trip():
    for f in [
        ml.PeakFilter(1000.0, gain_db=3.0, q=1.5),
        ml.LowShelf(100.0, -2.0),
        ml.HighShelf(8000.0, 1.5, design="matched"),
        ml.LowPass(5000.0, order=4),
        ml.HighPass(30.0, order=1, bypass=True),
        ml.BandPass(700.0, 3.0),
        ml.Notch(60.0, q=10.0),
        ml.AllPass(1200.0),
        ml.DcBlocker(7.5),
    ]:
        again = eval(repr(f), {"True": True, "False": False, **vars(ml)})
        assert type(again) is type(f) and repr(again) == repr(f)
    assert repr(ml.LowPass(5000.0, order=4)) == (
        "LowPass(cutoff_hz=5000.0, order=4, q=0.7071067811865476, design='cookbook')"
    )


def test_dc_blocker_removes_dc():
    x = sine(1000.0, SR, 0.3) + 0.4
    y = ml.DcBlocker()(x, SR)
    assert abs(float(np.mean(y[SR // 2 :]))) < 1e-3
    assert db(rms(y[SR // 2 :]) / rms(sine(1000.0, SR, 0.3)[SR // 2 :])) == pytest.approx(0.0, abs=0.01)
    assert measured_db(ml.DcBlocker(100.0), 100.0) == pytest.approx(-3.0103, abs=0.05)
    assert ml.DcBlocker().cutoff_hz == 5.0


def test_equalizer_response_is_the_sum_of_its_bands():
    bands = [
        ml.LowShelf(120.0, gain_db=3.0),
        ml.PeakFilter(1000.0, gain_db=-5.0, q=1.2),
        ml.HighShelf(9000.0, gain_db=2.0, design="matched"),
        ml.HighPass(40.0, order=2),
    ]
    eq = ml.Equalizer(bands=bands)
    freqs = np.array(FREQS)
    total = sum(b.magnitude_db(freqs, SR) for b in bands)
    np.testing.assert_allclose(eq.magnitude_db(freqs, SR), total, atol=1e-9)
    for f, want in zip(FREQS, total):
        assert measured_db(eq, f) == pytest.approx(want, abs=0.06)


def test_equalizer_bands_are_live_objects():
    peak = ml.PeakFilter(1000.0, gain_db=6.0)
    eq = ml.Equalizer([peak])
    assert eq.bands[0] is peak and len(eq) == 1
    assert measured_db(eq, 1000.0) == pytest.approx(6.0, abs=0.05)
    peak.gain_db = -3.0
    assert eq.magnitude_db(1000.0, SR) == pytest.approx(-3.0, abs=1e-9)
    assert measured_db(eq, 1000.0) == pytest.approx(-3.0, abs=0.05)
    peak.bypass = True
    assert measured_db(eq, 1000.0) == pytest.approx(0.0, abs=0.01)
    shelf = ml.LowShelf(200.0, gain_db=4.0)
    eq.bands = [peak, shelf]
    assert eq.bands == [peak, shelf]
    assert measured_db(eq, 100.0) == pytest.approx(shelf.magnitude_db(100.0, SR), abs=0.05)
    shelf.cutoff_hz = 30_000.0  # checked when processing at 48 kHz
    with pytest.raises(ValueError, match="Nyquist"):
        eq(noise(2, 100), SR)
    eq(noise(2, 100), 96_000)
    assert repr(ml.Equalizer([ml.Notch(50.0, 5.0)])) == (
        "Equalizer(bands=[Notch(cutoff_hz=50.0, q=5.0, design='cookbook')])"
    )


def test_equalizer_streaming_follows_band_changes_smoothly():
    peak = ml.PeakFilter(1000.0, gain_db=0.0)
    eq = ml.Equalizer([peak])
    x = sine(1000.0, SR, 0.5)
    first = eq.process(x[: SR // 2], SR, reset=True)
    peak.gain_db = 12.0
    second = eq.process(x[SR // 2 :], SR, reset=False)
    y = np.concatenate([first, second])
    assert np.max(np.abs(np.diff(y))) < 2.0 * np.max(np.abs(np.diff(x))) * 10 ** (12 / 20)
    assert db(rms(second[SR // 4 :]) / rms(x[SR // 2 + SR // 4 :])) == pytest.approx(12.0, abs=0.05)


def test_equalizer_band_errors_and_empty():
    with pytest.raises(TypeError, match="band filters"):
        ml.Equalizer([ml.Gain(0.0)])
    with pytest.raises(TypeError, match="band filters"):
        ml.Equalizer([ml.DcBlocker()])
    with pytest.raises(TypeError, match="band filters"):
        ml.Equalizer(bands=[1000.0])
    x = noise(2, 1000)
    flat = ml.Equalizer()
    np.testing.assert_array_equal(flat(x, SR), x)
    np.testing.assert_array_equal(flat.magnitude_db([10.0, 1000.0], SR), [0.0, 0.0])


def test_filters_in_a_chain_and_as_bands_at_once():
    hp = ml.HighPass(80.0)
    eq = ml.Equalizer([ml.PeakFilter(2000.0, gain_db=3.0)])
    chain = ml.Chain([hp, eq, ml.Gain(-1.0)])
    x = noise(2, 6000)
    y = chain(x, SR)
    np.testing.assert_allclose(y, ml.Gain(-1.0)(eq(hp(x, SR), SR), SR), atol=1e-6)
    assert isinstance(hp, ml.Filter) and isinstance(hp, ml.Processor)
    with pytest.raises(TypeError):
        ml.Filter()


def test_tail_holds_the_ringing():
    f = ml.PeakFilter(100.0, gain_db=12.0, q=8.0)
    x = np.zeros(10, np.float32)
    x[-1] = 1.0
    y = f(x, SR, tail=True)
    assert f.tail_samples > SR // 10  # a narrow 100 Hz bell rings for a while
    assert y.size == 10 + f.tail_samples
    assert np.max(np.abs(y[-100:])) < 1e-3 * np.max(np.abs(y))
    lp = ml.LowPass(1000.0)
    chain = ml.Chain([f, lp])
    chain(x, SR)  # tails are known once prepared for a sample rate
    assert chain.tail_samples == f.tail_samples + lp.tail_samples > f.tail_samples
