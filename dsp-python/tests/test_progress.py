"""Progress callbacks of the long calls: rising fractions up to 1, the same
output as without them; False cancels with masterlib.Cancelled; an
exception in the callback stops the call and is raised as it is."""

from __future__ import annotations

import numpy as np
import pytest

import masterlib as ml
from helpers import noise

SR = 48_000


@pytest.fixture(scope="module")
def mix():
    return noise(2, 8 * SR, seed=11, amp=0.1)


def calls(mix):
    """Each long call, given a progress callback, and its result's audio."""
    mixer = ml.Mixer(SR)
    mixer.add_track("a", mix[0], inserts=[ml.Compressor()])
    mixer.add_track("b", mix[1], pan=0.4)
    return {
        "master": lambda p: ml.master(mix, SR, progress=p)[0],
        "master reference": lambda p: ml.master(mix, SR, reference=0.5 * mix, progress=p)[0],
        "match_reference": lambda p: ml.match_reference(mix, 2 * mix, SR, progress=p)[0],
        "master_album": lambda p: ml.master_album([mix, 0.5 * mix], SR, progress=p)[0][1],
        "measure": lambda p: ml.measure(mix, SR, progress=p).short_term_series_lufs,
        "Mixer.render": lambda p: mixer.render(progress=p),
    }


@pytest.mark.parametrize("name", list(calls(np.zeros((2, 10), np.float32))))
def test_progress_rises_to_one_and_false_cancels(mix, name):
    call = calls(mix)[name]
    seen = []
    with_progress = call(seen.append)
    assert seen == sorted(set(seen)) and seen[-1] == 1.0 and len(seen) >= 5
    np.testing.assert_array_equal(with_progress, call(None))
    told = []
    with pytest.raises(ml.Cancelled, match="cancelled"):
        call(lambda f: told.append(f) or f < 0.5)
    assert 0.5 <= told[-1] < 0.6

    def broken(fraction):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        call(broken)
