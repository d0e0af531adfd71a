"""Chain: list behaviour, order, shared members, latency and errors."""

from __future__ import annotations

import numpy as np
import pytest

import masterlib as ml
from helpers import SR, db, noise, rms, sine


def test_list_behaviour():
    g, p, w = ml.Gain(-3.0), ml.Pan(0.2), ml.StereoWidth(0.5)
    c = ml.Chain([g, p])
    assert len(c) == 2 and c[0] is g and c[-1] is p and list(c) == [g, p]
    c.append(w)
    assert c[2] is w
    c.insert(0, ml.Gain(1.0))
    assert len(c) == 4 and c[1] is g
    del c[0]
    assert list(c) == [g, p, w]
    c[1] = ml.Gain(2.0)
    assert c[1] is not p and c[1].gain_db == 2.0
    with pytest.raises(IndexError):
        c[3]
    with pytest.raises(IndexError):
        del c[-4]
    assert len(ml.Chain()) == 0
    assert ml.Chain(x for x in [g]).__len__() == 1
    assert repr(ml.Chain([ml.Gain(-1.0)])) == "Chain([Gain(gain_db=-1.0, invert=False)])"


def test_members_stay_the_same_objects():
    g = ml.Gain(0.0)
    c = ml.Chain([g, ml.Gain(0.0)])
    x = sine(1000.0, 4800)
    g.gain_db = -12.0
    assert db(rms(c(x, SR)) / rms(x)) == pytest.approx(-12.0, abs=1e-4)
    c[1].gain_db = 6.0
    assert db(rms(c(x, SR)) / rms(x)) == pytest.approx(-6.0, abs=1e-4)


def test_members_run_in_order_and_channels_follow():
    x = sine(440.0, 4800)
    y = ml.Chain([ml.Gain(-6.0), ml.Pan(-1.0), ml.StereoWidth(0.0)])(x, SR)
    assert y.shape == (2, 4800)  # mono panned to stereo, then width 0
    np.testing.assert_allclose(y[0], y[1])
    np.testing.assert_allclose(y[0], 0.5 * 10 ** (-6 / 20) * x, atol=1e-6)
    with pytest.raises(ValueError, match="StereoWidth: needs stereo"):
        ml.Chain([ml.StereoWidth(0.0), ml.Pan(0.0)])(x, SR)


def test_same_member_twice_applies_twice():
    g = ml.Gain(-3.0)
    x = noise(2, 2000)
    assert db(rms(ml.Chain([g, g])(x, SR)) / rms(x)) == pytest.approx(-6.0, abs=1e-4)


def test_nested_chains_flatten():
    x = noise(2, 2000)
    inner = ml.Chain([ml.Gain(-2.0), ml.StereoWidth(0.5)])
    outer = ml.Chain([ml.Gain(-1.0), inner, ml.Gain(-3.0)])
    flat = ml.Chain([ml.Gain(-1.0), ml.Gain(-2.0), ml.StereoWidth(0.5), ml.Gain(-3.0)])
    np.testing.assert_array_equal(outer(x, SR), flat(x, SR))
    assert outer.latency_samples == sum(p.latency_samples for p in flat)


def test_a_chain_cannot_contain_itself():
    a = ml.Chain([ml.Gain(0.0)])
    with pytest.raises(ValueError, match="cannot contain itself"):
        a.append(a)
    b = ml.Chain([a])
    with pytest.raises(ValueError, match="cannot contain itself"):
        a.append(b)
    with pytest.raises(ValueError, match="cannot contain itself"):
        a[0] = b
    with pytest.raises(ValueError, match="cannot contain itself"):
        a.insert(0, b)
    assert len(a) == 1


def test_members_must_be_processors():
    with pytest.raises(TypeError, match="masterlib processors.*got int"):
        ml.Chain([ml.Gain(0.0), 3])
    with pytest.raises(TypeError, match="got LevelMeter"):
        ml.Chain().append(ml.LevelMeter())
    with pytest.raises(TypeError):
        ml.Chain(5)


def test_empty_chain_is_identity_and_counts_nonfinite():
    x = noise(2, 100)
    c = ml.Chain()
    np.testing.assert_array_equal(c(x, SR), x)
    x[1, 5] = np.nan
    y = c(x, SR)
    assert y[1, 5] == 0.0 and c.nonfinite_count == 1


def test_reset_resets_every_member():
    g = ml.Gain(0.0)
    c = ml.Chain([g])
    x = np.ones(2000, np.float32)
    c(x, SR)
    g.gain_db = -20.0  # starts a ramp
    c.reset()  # jumps to the target
    np.testing.assert_allclose(c.process(x, SR, reset=False), 0.1, rtol=1e-5)


def test_chain_takes_a_sidechain_and_returns_its_members_gain_reduction():
    """Defect: a Chain refused sidechain= and return_gain_reduction= even when
    a member could use them."""
    rng = np.random.default_rng(3)
    x = (0.1 * rng.standard_normal((2, 9600))).astype(np.float32)
    key = np.zeros_like(x)
    key[:, 4800:] = 0.9  # the key opens the compressor's reduction halfway
    hp = dict(cutoff_hz=80.0)
    comp = dict(threshold_db=-20.0, ratio=8.0, attack_ms=1.0, release_ms=50.0)
    chain = ml.Chain([ml.HighPass(**hp), ml.Compressor(**comp), ml.Gain(-3.0), ml.Limiter(ceiling_db=-30.0)])
    y, gr = chain(x, SR, sidechain=key, return_gain_reduction=True)
    # The same by hand: the compressor keyed, the limiter keyed by its input.
    a = ml.HighPass(**hp)(x, SR)
    b, gr_comp = ml.Compressor(**comp)(a, SR, sidechain=key, return_gain_reduction=True)
    c = ml.Gain(-3.0)(b, SR)
    want, gr_lim = ml.Limiter(ceiling_db=-30.0)(c, SR, return_gain_reduction=True)
    np.testing.assert_array_equal(y, want)
    # One row per member that reports it, each aligned with the output.
    assert gr.shape == (2, x.shape[1])
    np.testing.assert_array_equal(gr[0], gr_comp)
    np.testing.assert_array_equal(gr[1], gr_lim)
    assert gr[0][:4000].max() < 0.5 and gr[0][-1000:].min() > 10.0


def test_chain_without_a_capable_member_refuses_sidechain_and_gain_reduction():
    chain = ml.Chain([ml.Gain(-3.0), ml.HighPass(80.0)])
    x = np.zeros((2, 100), np.float32)
    with pytest.raises(TypeError, match="sidechain"):
        chain(x, SR, sidechain=x)
    with pytest.raises(TypeError, match="gain reduction"):
        chain(x, SR, return_gain_reduction=True)
