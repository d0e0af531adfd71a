"""Tonal targets learned from your own references, for the assistant."""

from __future__ import annotations

import os
from typing import Iterable, Optional, Union

import numpy as np

from ._masterlib import Profile, TonalTarget
from .files import load

Reference = Union[str, "os.PathLike[str]", np.ndarray, Profile]


def learn_target(references: Iterable[Reference], sample_rate: Optional[float] = None) -> TonalTarget:
    """A tonal target learned from reference masters: audio files (any format
    ``load`` reads), arrays at ``sample_rate`` (1-D mono or ``(channels,
    samples)``), or ``Profile``s. Per 1/3-octave band the target is the
    references' mean curve, with a tolerance of twice their spread (at least
    the ``balanced`` target's). Use it as ``assist(x, sr, character=target)``.
    """
    profiles = []
    for ref in references:
        if isinstance(ref, Profile):
            profiles.append(ref)
        elif isinstance(ref, (str, os.PathLike)):
            audio, rate = load(ref)
            profiles.append(Profile.analyze(audio, rate))
        else:
            if sample_rate is None:
                raise ValueError("learn_target: arrays need sample_rate")
            profiles.append(Profile.analyze(ref, sample_rate))
    if not profiles:
        raise ValueError("learn_target: no references")
    return TonalTarget.learn(profiles)
