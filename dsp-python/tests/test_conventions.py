"""The conventions every processor shares: shapes, dtypes, copies, streaming,
latency, non-finite samples, errors and GIL release."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import masterlib as ml
from helpers import FACTORIES, FACTORY_IDS, SR, noise


@pytest.fixture(params=FACTORIES, ids=FACTORY_IDS)
def case(request):
    _, make, channels = request.param
    return make, channels


def test_returns_new_float32_array_of_same_shape(case):
    make, channels = case
    x = noise(channels, 5000).astype(np.float64)
    before = x.copy()
    y = make()(x, SR)
    assert isinstance(y, np.ndarray)
    assert y.dtype == np.float32
    assert y.shape == x.shape
    assert y.flags.c_contiguous and y.flags.writeable
    np.testing.assert_array_equal(x, before)  # input untouched


def test_call_equals_process_with_reset(case):
    make, channels = case
    x = noise(channels, 3000)
    p = make()
    a = p(x, SR)
    p.process(x[:, :100], SR, reset=False)  # leave state behind
    b = p.process(x, SR, reset=True)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["<f4", ">f4", "<f8", ">f8", "f2"])
def test_real_float_dtypes_are_converted(dtype):
    x = noise(2, 1000).astype(dtype)
    y = ml.Gain(0.0)(x, SR)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, x.astype(np.float32), rtol=1e-6)


def test_array_likes_are_accepted():
    y = ml.Gain(0.0)([[0.5, -0.25], [0.125, 0.0]], SR)
    np.testing.assert_array_equal(y, np.array([[0.5, -0.25], [0.125, 0.0]], np.float32))


def test_transposed_and_strided_views_are_read_correctly():
    x = noise(2, 2000)
    view = np.asfortranarray(x)[:, ::2]
    np.testing.assert_array_equal(ml.Gain(0.0)(view, SR), x[:, ::2])
    np.testing.assert_array_equal(ml.Gain(0.0)(x.T.T, SR), x)


def test_one_d_is_mono_and_stays_one_d():
    x = noise(1, 1000)[0]
    y = ml.Gain(-6.0)(x, SR)
    assert y.shape == x.shape
    y2 = ml.Gain(-6.0)(x[np.newaxis, :], SR)
    assert y2.shape == (1, 1000)
    np.testing.assert_array_equal(y, y2[0])


@pytest.mark.parametrize(
    ("dtype", "fix"),
    [
        (np.int16, "/ 32768"),
        (np.int32, "/ 2147483648"),
        (np.uint8, "- 128) / 128"),
        (np.complex64, "x.real"),
        (np.bool_, "float32 or float64"),
        (object, "float32 or float64"),
        (np.str_, "float32 or float64"),
    ],
)
def test_non_float_dtypes_raise_type_error_naming_the_fix(dtype, fix):
    x = np.zeros((2, 8), dtype=dtype)
    with pytest.raises(TypeError) as e:
        ml.Gain(0.0)(x, SR)
    assert fix in str(e.value)


def test_samples_channels_layout_suggests_transpose():
    x = np.zeros((48_000, 2), np.float32)
    with pytest.raises(ValueError, match=r"got shape \(48000, 2\).*pass x\.T"):
        ml.Gain(0.0)(x, SR)
    with pytest.raises(ValueError, match=r"pass x\.T"):
        ml.Gain(0.0).process_inplace(x, SR)


@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ((), "0-d"),
        ((2, 3, 100), "3-D"),
        ((1, 2, 3, 4), "4-D"),
        ((0, 100), "no channels"),
        ((100, 100), "at most 64 channels"),
    ],
)
def test_bad_shapes_raise_value_error(shape, match):
    with pytest.raises(ValueError, match=match):
        ml.Gain(0.0)(np.zeros(shape, np.float32), SR)


@pytest.mark.parametrize("shape", [(0,), (1, 0), (2, 0), (5, 0)])
def test_empty_audio_returns_empty_array_of_the_same_shape(shape):
    x = np.zeros(shape, np.float32)
    y = ml.Gain(-6.0)(x, SR)
    assert y.shape == shape and y.dtype == np.float32
    ml.Gain(-6.0).process_inplace(x, SR)  # no error, nothing to do
    assert ml.Chain([])(x, SR).shape == shape


def test_empty_mono_through_pan_is_empty_stereo():
    assert ml.Pan(0.0)(np.zeros(0, np.float32), SR).shape == (2, 0)


def test_empty_audio_still_checks_the_sample_rate():
    with pytest.raises(ValueError, match="sample rate"):
        ml.Gain(0.0)(np.zeros((2, 0), np.float32), 0)


@pytest.mark.parametrize("sr", [0, -48_000, float("nan"), float("inf"), 1e9, 10.0])
def test_bad_sample_rates_raise_value_error(sr):
    x = noise(2, 100)
    for p in (ml.Gain(0.0), ml.Pan(0.0), ml.Chain([ml.Gain(0.0)]), ml.Chain([])):
        with pytest.raises(ValueError, match="sample rate"):
            p(x, sr)
        with pytest.raises(ValueError, match="sample rate"):
            p.process_inplace(x.copy(), sr)


def test_sample_rate_of_wrong_type_is_type_error():
    with pytest.raises(TypeError):
        ml.Gain(0.0)(noise(2, 10), "48000")


def test_process_inplace_matches_process(case):
    make, channels = case
    x = noise(channels, 40_000)  # several passes of `process` (16384 frames each)
    p = make()
    expected = p(x, SR)
    y = x.copy()
    assert p.process_inplace(y, SR, reset=True) is None
    lat = p.latency_samples
    np.testing.assert_array_equal(y[:, lat:], expected[:, : x.shape[1] - lat])


def test_latency_longer_than_a_pass_is_compensated():
    # Two 20 ms lookahead limiters at 768 kHz delay by more than one pass
    # of `process` (16384 frames).
    sr = 768_000
    chain = ml.Chain([ml.Limiter(-6.0, lookahead_ms=20.0), ml.Limiter(-6.0, lookahead_ms=20.0)])
    x = noise(2, 20_000)
    y = chain(x, sr, tail=True)
    lat = chain.latency_samples
    assert lat > 16_384
    z = np.pad(x, ((0, 0), (0, lat + chain.tail_samples)))
    chain.process_inplace(z, sr, reset=True)
    np.testing.assert_array_equal(y, z[:, lat:])


def test_process_inplace_writes_through_the_given_buffer():
    x = np.ones((2, 16), np.float32)
    ml.Gain(-6.0206).process_inplace(x, SR, reset=True)
    np.testing.assert_allclose(x, 0.5, rtol=1e-4)
    y = np.ones(16, np.float32)
    ml.Gain(0.0, invert=True).process_inplace(y, SR, reset=True)
    np.testing.assert_array_equal(y, -1.0)


def test_process_inplace_never_copies_silently():
    fix = r"np\.ascontiguousarray\(x, dtype=np\.float32\)"
    g = ml.Gain(0.0)
    with pytest.raises(TypeError, match=fix):
        g.process_inplace(np.zeros((2, 8), np.float64), SR)
    with pytest.raises(TypeError, match=fix):
        g.process_inplace(np.zeros((8, 2), np.float32).T, SR)  # Fortran-ordered view
    with pytest.raises(TypeError, match=fix):
        g.process_inplace(np.zeros((2, 16), np.float32)[:, ::2], SR)
    with pytest.raises(TypeError, match=fix):
        g.process_inplace([[0.0, 0.0]], SR)
    ro = np.zeros((2, 8), np.float32)
    ro.flags.writeable = False
    with pytest.raises(TypeError, match="read-only"):
        g.process_inplace(ro, SR)
    with pytest.raises(ValueError, match="3-D"):
        g.process_inplace(np.zeros((1, 2, 8), np.float32), SR)


def test_tail_needs_reset():
    with pytest.raises(ValueError, match="tail=True needs reset=True"):
        ml.Gain(0.0).process(noise(2, 10), SR, reset=False, tail=True)


def test_tail_appends_tail_samples(case):
    make, channels = case
    p = make()
    x = noise(channels, 1000)
    y = p(x, SR, tail=True)
    tail = p.tail_samples
    assert y.shape == (x.shape[0], 1000 + tail)
    np.testing.assert_array_equal(y[:, :1000], p(x, SR))
    # the tail is what follows when silence is fed after the input
    np.testing.assert_array_equal(y, p(np.pad(x, ((0, 0), (0, tail))), SR))


def streamed(p: ml.Processor, x: np.ndarray, cuts: list[int]) -> np.ndarray:
    p.reset()
    bounds = [0, *sorted(cuts), x.shape[-1]]
    parts = [p.process(x[..., a:b], SR, reset=False) for a, b in zip(bounds, bounds[1:])]
    return np.concatenate(parts, axis=-1)


@settings(max_examples=25, deadline=None)
@given(
    index=st.integers(0, len(FACTORIES) - 1),
    n=st.integers(0, 9000),
    cuts=st.lists(st.integers(0, 9000), max_size=6),
)
def test_streaming_equals_one_shot_delayed_by_latency(index, n, cuts):
    _, make, channels = FACTORIES[index]
    x = noise(channels, n, seed=n)
    p = make()
    one_shot = p(x, SR)
    lat = p.latency_samples
    stream = streamed(p, x, [c for c in cuts if c <= n])
    np.testing.assert_array_equal(stream[:, lat:], one_shot[:, : max(n - lat, 0)])


def test_latency_is_compensated_for_an_impulse(case):
    make, channels = case
    x = np.zeros((channels, 512), np.float32)
    x[:, 100] = 1.0
    y = make()(x, SR)
    assert not y[:, :100].any()  # nothing before the impulse (causal, aligned)
    assert y[:, 100].any()  # the response starts at the impulse, not later


def test_nonfinite_samples_become_silence_and_are_counted(case):
    make, channels = case
    x = noise(channels, 2000)
    bad = x.copy()
    bad[0, 10] = np.nan
    bad[-1, 20] = np.inf
    bad[0, 30] = -np.inf
    clean = x.copy()
    clean[0, 10] = clean[-1, 20] = clean[0, 30] = 0.0
    p = make()
    y = p(bad, SR)
    assert np.isfinite(y).all()
    assert p.nonfinite_count == 3
    np.testing.assert_array_equal(y, make()(clean, SR))
    p.process_inplace(bad.copy(), SR, reset=True)  # a new stream, a new count
    assert p.nonfinite_count == 3
    p.process_inplace(bad, SR, reset=False)
    assert p.nonfinite_count == 6


def test_reset_restores_initial_state(case):
    make, channels = case
    x = noise(channels, 3000)
    p = make()
    first = p.process(x, SR, reset=False)
    p.reset()
    np.testing.assert_array_equal(p.process(x, SR, reset=False), first)


def test_sample_rate_change_reprepares():
    g = ml.Gain(0.0)
    x = np.ones(4800, np.float32)
    g(x, SR)
    g.gain_db = -20.0  # smoothed over 20 ms: 960 samples at 48 kHz, 441 at 22.05 kHz
    y48 = g.process(x, SR, reset=False)
    g.gain_db = 0.0
    g.reset()
    g(x, 22_050)
    g.gain_db = -20.0
    y22 = g.process(x, 22_050, reset=False)
    settle = lambda y: int(np.argmax(np.abs(y - 0.1) < 1e-6))  # noqa: E731
    assert settle(y48) == pytest.approx(960, abs=2)
    assert settle(y22) == pytest.approx(441, abs=2)


def test_processors_are_not_constructible_from_the_base_class():
    with pytest.raises(TypeError):
        ml.Processor()


def test_gil_is_released_during_processing():
    # An 8-band EQ: the DSP dominates the array copies made with the GIL held.
    x = np.random.default_rng(0).standard_normal((2, 4_000_000)).astype(np.float32)
    p = ml.Equalizer(bands=[ml.PeakFilter(100.0 * 2**i, 3.0, 1.0) for i in range(8)])
    start = time.perf_counter()
    p(x, SR)
    alone = time.perf_counter() - start
    done = threading.Event()
    thread = threading.Thread(target=lambda: (p(x, SR), done.set()))
    gaps = []
    last = time.perf_counter()
    thread.start()
    while not done.is_set():
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        time.sleep(0.001)
    thread.join()
    # With the GIL held through the DSP, this loop would stall for most of it.
    assert max(gaps) < 0.5 * alone, (max(gaps), alone)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: ml.Chain([ml.HighPass(80.0), ml.Compressor(), ml.PeakFilter(1000.0, 2.0), ml.Limiter()])(x, SR),
        lambda x: ml.Compressor()(x, SR),
        lambda x: ml.Compressor().process_inplace(x.copy(), SR),
        lambda x: ml.measure(x, SR),
    ],
    ids=["chain", "compressor", "inplace", "measure"],
)
def test_gil_is_taken_back_once_per_call_beside_a_busy_thread(call):
    """Defect: the GIL was re-taken once per 16384-frame pass, so a busy
    pure-Python thread beside a call made it 25-46x slower (each re-take waits
    for the other thread's switch interval)."""
    x = np.random.default_rng(1).standard_normal((2, 20 * SR)).astype(np.float32) * 0.3
    call(x)
    start = time.perf_counter()
    call(x)
    alone = time.perf_counter() - start
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.02)  # a re-take per pass would wait up to 20 ms each time: 1.2 s over 59 passes
    busy = threading.Thread(target=spin)
    busy.start()
    try:
        start = time.perf_counter()
        call(x)
        beside = time.perf_counter() - start
    finally:
        stop.set()
        busy.join()
        sys.setswitchinterval(interval)
    assert beside < 2.0 * alone + 0.3, (beside, alone)


@pytest.mark.parametrize("shape", [(64, 2), (9, 2), (48, 1), (2048, 2)])
def test_samples_by_channels_blocks_are_refused_at_any_length(shape):
    """Defect: a (64, 2) block was processed as 64 channels of 2 samples."""
    with pytest.raises(ValueError, match=r"pass x\.T"):
        ml.Gain(-6.0)(np.zeros(shape, np.float32), SR)


@pytest.mark.parametrize("shape", [(2, 1), (1, 2), (2, 2), (4, 3), (3, 1), (8, 2)])
def test_short_blocks_of_few_channels_are_still_audio(shape):
    x = np.ones(shape, np.float32)
    np.testing.assert_allclose(ml.Gain(-6.0)(x, SR), x * 10 ** (-6 / 20), rtol=1e-6)


@pytest.mark.parametrize(
    "first,second",
    [((SR, (2, 480)), (44_100, (2, 480))), ((SR, (2, 480)), (SR, (1, 480)))],
    ids=["sample rate", "channels"],
)
def test_a_continued_stream_refuses_a_new_rate_or_layout(first, second):
    """Defect: reset=False with a new rate or channel count silently
    restarted the stream."""
    p = ml.Chain([ml.HighPass(100.0), ml.Compressor()])
    rate, shape = first
    p.process(np.ones(shape, np.float32), rate, reset=False)
    rate2, shape2 = second
    with pytest.raises(ValueError, match="reset=True"):
        p.process(np.ones(shape2, np.float32), rate2, reset=False)
    p.process(np.ones(shape2, np.float32), rate2, reset=True)  # a new stream: fine
    p.reset()
    p.process(np.ones(shape, np.float32), rate, reset=False)  # after reset(): fine


def test_nonfinite_count_is_per_stream_and_a_chain_agrees_with_its_first_member():
    """Defect: nonfinite_count never reset, and a Chain reported 2 while its
    members reported 0."""
    first, second = ml.HighPass(100.0), ml.Gain(-3.0)
    chain = ml.Chain([first, second])
    x = np.zeros((2, 1000), np.float32)
    x[0, 10], x[1, 20] = np.nan, np.inf
    y = chain(x, SR)
    assert np.isfinite(y).all()
    assert (chain.nonfinite_count, first.nonfinite_count, second.nonfinite_count) == (2, 2, 0)
    chain.process(x, SR, reset=False)
    assert (chain.nonfinite_count, first.nonfinite_count) == (4, 4)
    chain(x, SR)  # reset=True starts a new count
    assert (chain.nonfinite_count, first.nonfinite_count) == (2, 2)
    chain.reset()
    assert (chain.nonfinite_count, first.nonfinite_count) == (0, 0)
    empty = ml.Chain([])
    assert np.isfinite(empty(x, SR)).all() and empty.nonfinite_count == 2
