"""The Python Mixer: latency compensation, sends, solo/mute, automation,
JSON round trip, threads, block sink, errors."""

import json

import numpy as np
import pytest

import masterlib as ml

SR = 48_000


def noise(n, amp=0.1, seed=0, channels=None):
    rng = np.random.default_rng(seed)
    shape = (n,) if channels is None else (channels, n)
    return (amp * rng.standard_normal(shape)).astype(np.float32)


def test_lookahead_paths_null_against_a_dry_path():
    x = noise(24_000)
    mx = ml.Mixer(SR)
    mx.add_track("look", x, inserts=[ml.Limiter(lookahead_ms=5.0)])
    mx.add_track("dry", x, invert_polarity=True)
    assert mx.latency_samples == 240
    y = mx.render()
    assert y.shape == (2, x.size) and y.dtype == np.float32
    assert 20 * np.log10(np.abs(y).max() + 1e-30) <= -120


def test_sends_pre_and_post_fader():
    x = np.sin(2 * np.pi * 997 * np.arange(96_000) / SR).astype(np.float32) * 0.5
    mx = ml.Mixer(SR)
    t = mx.add_track("t", x, gain_db=-20.0)
    post = mx.add_bus("post")
    pre = mx.add_bus("pre")
    t.send(post, -3.0)
    t.send("pre", -3.0, pre_fader=True)
    mx.render()
    m = mx.meters()
    direct = m["tracks"]["t"]["integrated_lufs"]
    assert m["buses"]["post"]["integrated_lufs"] == pytest.approx(direct - 3.0, abs=0.01)
    assert m["buses"]["pre"]["integrated_lufs"] == pytest.approx(direct + 17.0, abs=0.01)
    # Without meters the mix is the same and there is nothing to read.
    y = mx.render()
    np.testing.assert_array_equal(mx.render(meters=False), y)
    with pytest.raises(ValueError, match="meters=True"):
        mx.meters()


def test_solo_and_mute():
    a = noise(20_000, seed=1)
    b = noise(20_000, seed=2)
    mx = ml.Mixer(SR)
    ta = mx.add_track("a", a)
    tb = mx.add_track("b", b)
    only_a = ml.Mixer(SR)
    only_a.add_track("a", a)
    ref = only_a.render()
    ta.solo = True
    np.testing.assert_array_equal(mx.render(), ref)
    ta.mute = True
    assert np.abs(mx.render()).max() == 0.0
    ta.solo = False
    ta.mute = False
    tb.mute = True
    np.testing.assert_array_equal(mx.render(), ref)


def test_routed_track_passes_through_its_group_bus():
    x = noise(24_000, seed=9)
    mx = ml.Mixer(SR)
    t = mx.add_track("a", x, inserts=[ml.Limiter(lookahead_ms=1.0)])
    group = mx.add_bus("group", inserts=[ml.HighPass(cutoff_hz=200.0), ml.Limiter(lookahead_ms=3.0)])
    mx.add_track("b", x, invert_polarity=True, inserts=[ml.Limiter(lookahead_ms=1.0), ml.HighPass(cutoff_hz=200.0), ml.Limiter(lookahead_ms=3.0)])
    assert t.output is None
    t.route(group)
    assert t.output == "group"
    assert mx.latency_samples == 192
    assert 20 * np.log10(np.abs(mx.render()).max() + 1e-30) <= -120
    # JSON keeps the routing; a session written without it routes to the master.
    text = mx.to_json()
    assert json.loads(text)["tracks"][0]["output"] == "group"
    copy = ml.Mixer.from_json(text, audio={"a": x, "b": x})
    assert copy.tracks[0].output == "group"
    np.testing.assert_array_equal(copy.render(), mx.render())
    old = json.loads(text)
    del old["tracks"][0]["output"]
    assert ml.Mixer.from_json(json.dumps(old), audio={"a": x, "b": x}).tracks[0].output is None
    t.route(None)
    assert t.output is None and "output" not in json.loads(mx.to_json())["tracks"][0]
    assert 20 * np.log10(np.abs(mx.render()).max()) > -40
    t.route("nowhere")
    with pytest.raises(ValueError, match="nowhere"):
        mx.render()
    with pytest.raises(TypeError, match="route"):
        t.route(3)


def test_automation_lands_on_its_sample():
    x = np.full(SR, 0.5, np.float32)
    mx = ml.Mixer(SR)
    t = mx.add_track("t", x)
    t.automate("gain_db", [0.25, 0.25], [0.0, -20.0])
    y = mx.render()[0]
    assert y[11_999] == y[0] and y[12_000] < y[11_999]
    assert 20 * np.log10(y[-1] / y[0]) == pytest.approx(-20.0, abs=1e-3)


def _session():
    mx = ml.Mixer(SR)
    v = mx.add_track("vox", noise(30_000, 0.2, 3), pan=0.2, inserts=[ml.HighPass(cutoff_hz=120.0), ml.Compressor(threshold_db=-20.0)])
    g = mx.add_track("gtr", noise(30_000, 0.2, 4, channels=2), gain_db=-4.0, width=1.3)
    verb = mx.add_bus("verb", inserts=[ml.Reverb(decay_s=1.5, mix=1.0)])
    dly = mx.add_bus("delay", inserts=[ml.Delay(delay_ms=200.0, mix=1.0)])
    v.send(verb, -10.0)
    v.send(dly, -14.0, pre_fader=True)
    g.send(verb, -16.0)
    v.automate("inserts.0.cutoff_hz", [0.0, 0.5], [120.0, 300.0])
    mx.master.inserts.append(ml.Limiter(ceiling_db=-1.0))
    mx.master.automate("gain_db", [0.1, 0.4], [0.0, -3.0])
    return mx


def test_json_round_trip_renders_bit_identically():
    mx = _session()
    text = mx.to_json()
    assert json.loads(text)["tracks"][0]["name"] == "vox"
    audio = {t.name: np.asarray(t_audio) for t, t_audio in zip(mx.tracks, [noise(30_000, 0.2, 3), noise(30_000, 0.2, 4, channels=2)])}
    copy = ml.Mixer.from_json(text, audio=audio)
    assert copy.to_json() == text
    np.testing.assert_array_equal(copy.render(tail=True), mx.render(tail=True))
    with pytest.raises(ValueError, match="no audio"):
        ml.Mixer.from_json(text, audio={"vox": audio["vox"]})


def test_threads_and_sink_give_the_same_output():
    mx = _session()
    one = mx.render(threads=1)
    np.testing.assert_array_equal(mx.render(threads=2), one)
    blocks = []
    assert mx.render(sink=blocks.append) is None
    assert all(b.shape[0] == 2 and b.shape[1] <= 32768 for b in blocks)
    np.testing.assert_array_equal(np.concatenate(blocks, axis=1), one)


def test_balance_sets_relative_loudness():
    mx = ml.Mixer(SR)
    mx.add_track("a", noise(96_000, 0.05, 5))
    mx.add_track("b", noise(96_000, 0.4, 6))
    faders = mx.balance({"b": -6.0}, reference_lufs=-20.0)
    assert set(faders) == {"a", "b"}
    mx.render()
    m = mx.meters()["tracks"]
    assert m["a"]["integrated_lufs"] == pytest.approx(-20.0, abs=0.05)
    assert m["b"]["integrated_lufs"] == pytest.approx(-26.0, abs=0.05)


def test_bad_input_gets_clear_errors():
    mx = ml.Mixer(SR)
    with pytest.raises(ValueError, match="x.T"):
        mx.add_track("t", np.zeros((1000, 2), np.float32))
    with pytest.raises(TypeError):
        mx.add_track("t", np.zeros(10, np.int16))
    bad = np.zeros(100, np.float32)
    bad[7] = np.nan
    with pytest.raises(ValueError, match="index 7"):
        mx.add_track("t", bad)
    t = mx.add_track("t", np.zeros(100, np.float32))
    with pytest.raises(ValueError, match="have 100"):
        mx.add_track("u", np.zeros(99, np.float32))
    with pytest.raises(ValueError, match="pan"):
        t.pan = 3.0
    t.send("nowhere", -6.0)
    with pytest.raises(ValueError, match="nowhere"):
        mx.render()
    with pytest.raises(ValueError):
        ml.Mixer(0.0)
