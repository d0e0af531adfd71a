#!/usr/bin/env python3
"""Writes dsp-core/data/tonal_targets.csv: the assistant's built-in tonal
targets, one row per character and 1/3-octave band.

Each target is a mean curve with a tolerance per band, in dB of power per
octave (pink noise reads flat), relative to the 1 kHz band. Only the shape
matters: the assistant aligns a mix's curve to it by the median difference.

Sources. The `balanced` curve follows the shape that published long-term
average spectrum (LTAS) studies of commercial popular music report:
  - P. D. Pestana, Z. Ma, J. D. Reiss, A. Barbosa, D. A. A. Black,
    "Spectral characteristics of popular commercial recordings 1950-2010",
    AES 135th Convention, 2013, paper 8960;
  - A. Elowsson, A. Friberg, "Long-term average spectrum in popular music
    and its relation to the level of the percussion", AES 142nd
    Convention, 2017, paper 9762.
Both find the per-octave power of recent commercial masters highest around
50-100 Hz, falling gently through the midrange (about 1.5 dB per octave
relative to pink noise, whose per-octave power is flat) and rolling off
faster above about 8-10 kHz. The anchor values below are that shape read
at the band centres and rounded to 0.5 dB; they are not tabulated data from
the papers (which this script does not have), and the tolerances are our
own choice: wider at the ends of the range, where music varies most.
`warm` and `bright` tilt the balanced curve by 1 dB per octave about 1 kHz
(at most +-3 dB at the low end, +-4 dB at the top), the spread the studies
report between darker and brighter genres and decades.

Run: python scripts/tonal_targets.py  (rewrites the CSV; the tests read it).
"""

import math
from pathlib import Path

# (ISO 1/3-octave index k: centre 1000 * 10^(k/10) Hz, balanced dB, tolerance dB)
BALANCED = [
    (-15, 1.0, 5.0),   # 31.5 Hz
    (-14, 3.5, 4.0),   # 40
    (-13, 5.0, 4.0),   # 50
    (-12, 5.5, 3.5),   # 63
    (-11, 5.5, 3.0),   # 80
    (-10, 5.0, 3.0),   # 100
    (-9, 4.5, 3.0),    # 125
    (-8, 4.0, 2.5),    # 160
    (-7, 3.5, 2.5),    # 200
    (-6, 3.0, 2.5),    # 250
    (-5, 2.5, 2.5),    # 315
    (-4, 2.0, 2.5),    # 400
    (-3, 1.5, 2.5),    # 500
    (-2, 1.0, 2.5),    # 630
    (-1, 0.5, 2.5),    # 800
    (0, 0.0, 2.5),     # 1 kHz
    (1, -0.5, 2.5),    # 1.25
    (2, -1.0, 2.5),    # 1.6
    (3, -1.5, 2.5),    # 2
    (4, -2.0, 2.5),    # 2.5
    (5, -2.5, 2.5),    # 3.15
    (6, -3.0, 2.5),    # 4
    (7, -3.5, 2.5),    # 5
    (8, -4.5, 3.0),    # 6.3
    (9, -5.5, 3.0),    # 8
    (10, -7.0, 3.0),   # 10
    (11, -9.0, 3.5),   # 12.5
    (12, -12.0, 4.5),  # 16
    (13, -17.0, 6.0),  # 20
]

TILT_DB_PER_OCTAVE = 1.0


def tilt(k: int, sign: float) -> float:
    """The character tilt at band k: `sign` dB per octave down from 1 kHz
    (warm: +1, more low end and less top), within 3 dB at the low end and
    4 dB at the top."""
    octaves = k / 3.0
    limit = 3.0 if octaves < 0 else 4.0
    return max(-limit, min(limit, -sign * TILT_DB_PER_OCTAVE * octaves))


def main() -> None:
    rows = ["character,hz,mean_db,tolerance_db"]
    for character, sign in (("balanced", 0.0), ("warm", 1.0), ("bright", -1.0)):
        for k, mean, tol in BALANCED:
            hz = 1000.0 * 10 ** (k / 10)
            rows.append(f"{character},{hz:.2f},{mean + tilt(k, sign):.2f},{tol:.2f}")
    out = Path(__file__).resolve().parent.parent / "dsp-core" / "data" / "tonal_targets.csv"
    out.write_text("\n".join(rows) + "\n")
    print(f"wrote {out} ({len(rows) - 1} rows)")


if __name__ == "__main__":
    main()
