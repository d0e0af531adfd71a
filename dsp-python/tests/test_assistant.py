"""The mastering assistant: assist(), master(assistant=True), TonalTarget,
TonalBalance and learn_target, measured on generated multitrack songs at
several balances. Loudness and true peak by an independent BS.1770 meter
(libebur128 via pyebur128)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import lru_cache

import numpy as np
import pytest
import songs
from test_master import ebur128

import masterlib as ml

SR = songs.SR
SECONDS = 15.0


@lru_cache(maxsize=None)
def mastered(balance: str) -> tuple[np.ndarray, np.ndarray, ml.MasterReport]:
    """(mix, master, report) of the assistant's master of a test song."""
    x = songs.mix(balance, SECONDS)
    y, report = ml.master(x, SR, target="spotify", assistant=True)
    return x, y, report


def plr(y: np.ndarray) -> float:
    lufs, peak = ebur128(y, SR)
    return peak - lufs


@pytest.mark.parametrize("balance", songs.BALANCES)
def test_the_assistants_master_meets_the_targets(balance: str) -> None:
    x, y, report = mastered(balance)
    lufs, peak = ebur128(y, SR)
    assert peak <= -0.9, f"{balance}: true peak {peak:.2f} dBTP"
    assert abs(lufs + 14.0) <= 0.5, f"{balance}: {lufs:.2f} LUFS"
    if plr(x) >= 8.0:
        assert plr(y) >= 8.0, f"{balance}: PLR {plr(y):.1f} dB (mix {plr(x):.1f})"
    drop_mix = ml.measure(x, SR).mono_loudness_drop_lu
    drop_master = ml.measure(y, SR).mono_loudness_drop_lu
    assert drop_master <= drop_mix + 0.05, f"{balance}: mono drop {drop_master:.2f} > {drop_mix:.2f}"


@pytest.mark.parametrize("balance", songs.BALANCES)
def test_the_tonal_balance_lands_in_the_band(balance: str) -> None:
    x, y, report = mastered(balance)
    before, after = ml.TonalBalance(x, SR), ml.TonalBalance(y, SR)
    assert after.inside_fraction >= 0.8, f"{balance}: {after.inside_fraction:.2f} inside"
    f = before.frequencies_hz
    outside = (before.mix_db > before.high_db) | (before.mix_db < before.low_db)
    judged = outside & (f >= 39) & (f <= 16_500)
    dev_before = np.abs(before.mix_db - before.target_db)[judged]
    dev_after = np.abs(after.mix_db - after.target_db)[judged]
    worse = f[judged][dev_after >= dev_before]
    assert worse.size == 0, f"{balance}: not closer at {worse} Hz"


def test_the_decisions_explain_the_measurements() -> None:
    x, y, report = mastered("boomy")
    a = report.assistant
    assert a is not None and a.target == "spotify" and a.character == "balanced"
    lows = [d for d in a.decisions if d.stage == "tonal_balance" and "above the balanced band" in d.measurement]
    assert lows, [str(d) for d in a.decisions]
    assert lows[0].action.startswith("-") and "dB" in lows[0].action
    assert {d.stage for d in a.decisions} >= {"tonal_balance", "glue", "stereo", "soft_clip"}
    assert str(a).count("\n") == len(a.decisions) - 1
    d = a.to_dict()
    assert d["decisions"][0]["stage"] == "tonal_balance" and d["mix"]["plr_db"] == pytest.approx(a.mix["plr_db"])
    assert json.loads(report.to_json())["assistant"]["character"] == "balanced"
    assert report.to_dict()["assistant"]["target"]["name"] == "spotify"


def test_an_on_target_master_changes_by_less_than_half_a_db_per_band() -> None:
    _, y, _ = mastered("bright")
    z, report = ml.master(y, SR, target="spotify", assistant=True)
    a, b = ml.TonalBalance(y, SR), ml.TonalBalance(z, SR)
    change = (b.mix_db + b.offset_db) - (a.mix_db + a.offset_db)
    judged = (a.frequencies_hz >= 39) & (a.frequencies_hz <= 16_500)
    assert np.nanmax(np.abs(change[judged])) < 0.5, change


def test_the_same_mix_gives_the_same_chain_which_renders_the_same_master() -> None:
    x = songs.mix("quiet", 8.0)
    c1, r1 = ml.assist(x, SR, intensity=0.7)
    c2, r2 = ml.assist(x, SR, intensity=0.7)
    assert c1.to_json() == c2.to_json() and r1.to_json() == r2.to_json()
    y1, _ = ml.master(x, SR, chain=ml.MasteringChain.from_json(c1.to_json()))
    y2, _ = ml.master(x, SR, assistant=True, intensity=0.7)
    assert np.array_equal(y1, y2)
    stages = [s for s in json.loads(c1.to_json())["stages"]]
    assert all(s["name"] in ("tonal_balance", "harshness", "exciter", "glue", "stereo", "soft_clip") for s in stages)


def test_characters_and_intensity_move_the_result_the_expected_way() -> None:
    x = songs.mix("plain", 10.0)
    warm, _ = ml.master(x, SR, assistant=True, character="warm")
    bright, _ = ml.master(x, SR, assistant=True, character="bright")
    tb = lambda y: ml.TonalBalance(y, SR)  # noqa: E731
    f = tb(warm).frequencies_hz
    tilt = lambda b: np.nanmean(b.mix_db[(f > 60) & (f < 200)]) - np.nanmean(b.mix_db[(f > 5000) & (f < 12000)])  # noqa: E731
    assert tilt(tb(warm)) > tilt(tb(bright)) + 2.0
    assert ml.TonalBalance(warm, SR, target="warm").inside_fraction >= 0.8
    _, gentle = ml.assist(x, SR, intensity=0.0)
    _, firm = ml.assist(x, SR, intensity=1.0)
    assert firm.intensity == 1.0 and gentle.intensity == 0.0


def test_learn_target_from_arrays_files_and_profiles(tmp_path) -> None:
    ref = songs.mix("bright", 8.0)
    path = tmp_path / "ref.wav"
    ml.save(path, ref, SR)
    from_array = ml.learn_target([ref], sample_rate=SR)
    from_file = ml.learn_target([path])
    from_profile = ml.learn_target([ml.Profile.analyze(ref, SR)])
    assert from_array.name == "learned" and len(from_array.frequencies_hz) > 20
    np.testing.assert_allclose(from_array.mean_db, from_profile.mean_db)
    np.testing.assert_allclose(from_file.mean_db, from_array.mean_db, atol=0.05)
    assert np.all(from_array.tolerance_db >= 2.0)
    back = ml.TonalTarget.from_json(from_array.to_json())
    assert back == from_array
    # The reference itself sits on its own learned target.
    assert ml.TonalBalance(ref, SR, target=from_array).inside_fraction == 1.0
    # A dull mix assisted towards it gets brighter.
    x = songs.mix("dull", 10.0)
    _, report = ml.assist(x, SR, reference=ref)
    assert report.character == "learned"
    with pytest.raises(ValueError, match="sample_rate"):
        ml.learn_target([ref])
    with pytest.raises(ValueError):
        ml.learn_target([])


def test_tonal_balance_arrays_and_plot() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    tb = ml.TonalBalance(songs.mix("plain", 6.0), SR, target="balanced")
    n = len(tb.frequencies_hz)
    assert n >= 27 and all(len(a) == n for a in (tb.mix_db, tb.side_db, tb.target_db, tb.low_db, tb.high_db))
    assert np.all(tb.low_db < tb.target_db) and np.all(tb.target_db < tb.high_db)
    assert 0.0 <= tb.inside_fraction <= 1.0 and "TonalBalance" in repr(tb)
    fig = tb.plot()
    assert fig.axes and fig.axes[0].get_xscale() == "log"
    mono = ml.TonalBalance(songs.mix("plain", 6.0)[0], SR)
    assert len(mono.side_db) == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"intensity": 1.5}, "intensity"),
        ({"intensity": float("nan")}, "intensity"),
        ({"character": "dark"}, "character"),
        ({"target": "nowhere"}, "target"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict, match: str) -> None:
    x = songs.mix("plain", 2.0)
    with pytest.raises(ValueError, match=match):
        ml.assist(x, SR, **kwargs)


def test_bad_audio_is_refused() -> None:
    x = songs.mix("plain", 2.0)
    with pytest.raises(ValueError):
        ml.assist(np.zeros((2, SR), np.float32), SR)
    bad = x.copy()
    bad[1, 100] = np.nan
    with pytest.raises(ValueError, match="NaN|finite"):
        ml.assist(bad, SR)
    with pytest.raises(ValueError):
        ml.assist(np.zeros((3, SR), np.float32) + 0.1, SR)
    with pytest.raises(ValueError):
        ml.assist(np.zeros((2, 0), np.float32), SR)
    with pytest.raises(ValueError, match="chain or assistant"):
        ml.master(x, SR, chain=ml.MasteringChain("streaming"), assistant=True)
    with pytest.raises(ValueError):
        ml.TonalTarget("dark")
    with pytest.raises(ValueError):
        ml.TonalTarget.from_json('{"name": "x", "bands": []}')


def test_the_cli_masters_with_the_assistant_and_says_why(tmp_path) -> None:
    src, out = tmp_path / "mix.wav", tmp_path / "master.wav"
    ml.save(src, songs.mix("boomy", 6.0), SR)
    run = subprocess.run(
        [sys.executable, "-m", "masterlib", "master", str(src), "-o", str(out), "--assistant",
         "--character", "warm", "--intensity", "0.6"],
        capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "tonal_balance:" in run.stdout and "glue:" in run.stdout
    y, rate = ml.load(out)
    lufs, peak = ebur128(y, rate)
    assert abs(lufs + 14.0) < 0.5 and peak <= -0.9
    bad = subprocess.run(
        [sys.executable, "-m", "masterlib", "master", str(src), "-o", str(tmp_path / "x.wav"),
         "--assistant", "--intensity", "3"],
        capture_output=True, text=True, check=False,
    )
    assert bad.returncode == 2 and "intensity" in bad.stderr
