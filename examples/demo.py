"""masterlib's built-in demo: mix a generated multitrack song, master it, into out/.

Run it through `./scripts/demo.sh` (which sets everything up first), or
directly with `python examples/demo.py --out out` once masterlib is
installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

import masterlib as ml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from song import make_stems  # noqa: E402

SAMPLE_RATE = 48_000


def mix(stems: dict[str, np.ndarray], sr: int) -> np.ndarray:
    """Mixes the stems to stereo through an ml.Mixer: per-track EQ, faders
    and pans, a shared reverb bus, a delay send on the lead, and a gentle
    mix-bus EQ and limiter on the master."""
    mixer = ml.Mixer(sr)
    drums = mixer.add_track(
        "drums",
        stems["drums"],
        gain_db=-2.0,
        inserts=[
            ml.HighPass(cutoff_hz=30.0, order=2),
            ml.PeakFilter(cutoff_hz=400.0, gain_db=-3.0, q=1.0),
            ml.HighShelf(cutoff_hz=8000.0, gain_db=2.0, q=0.7),
        ],
    )
    mixer.add_track(
        "bass",
        stems["bass"],
        gain_db=-4.0,
        inserts=[ml.HighPass(cutoff_hz=35.0, order=4), ml.LowPass(cutoff_hz=2500.0, order=2)],
    )
    lead = mixer.add_track(
        "lead",
        stems["lead"],
        gain_db=-7.0,
        pan=0.25,
        inserts=[
            ml.HighPass(cutoff_hz=200.0, order=2),
            ml.PeakFilter(cutoff_hz=3000.0, gain_db=2.5, q=0.8, design="matched"),
        ],
    )
    chords = mixer.add_track(
        "chords",
        stems["chords"],
        gain_db=-9.0,
        width=1.4,
        inserts=[
            ml.HighPass(cutoff_hz=150.0, order=2),
            ml.Equalizer(bands=[ml.PeakFilter(cutoff_hz=800.0, gain_db=-2.0, q=1.2)]),
        ],
    )
    # A shared reverb bus (fed after the faders) and a delay on the lead.
    reverb = mixer.add_bus(
        "reverb", inserts=[ml.HighPass(cutoff_hz=250.0, order=2), ml.Reverb(decay_s=1.8, predelay_ms=20.0, mix=1.0)]
    )
    delay = mixer.add_bus("delay", inserts=[ml.Delay(delay_ms=375.0, feedback=0.3, mix=1.0), ml.LowPass(cutoff_hz=5000.0)])
    lead.send(reverb, -12.0)
    chords.send(reverb, -14.0)
    drums.send(reverb, -22.0)
    lead.send(delay, -16.0)
    mixer.master.inserts = [
        ml.Equalizer(
            bands=[
                ml.LowShelf(cutoff_hz=100.0, gain_db=1.0, q=0.7),
                ml.HighShelf(cutoff_hz=10_000.0, gain_db=1.5, q=0.7),
            ]
        ),
        ml.Gain(gain_db=2.5),
    ]
    return mixer.render()


def fmt(value: float, unit: str) -> str:
    """A reading with one decimal, or '-' for -inf/inf (silence, cancelling fold)."""
    return f"{value:6.1f} {unit}" if np.isfinite(value) else f"{'-':>6} {unit}"


def print_report(title: str, report: ml.QaReport, targets: list[str]) -> None:
    """A QA report as a compact table, then its target checks."""
    rows = [
        ("integrated", fmt(report.integrated_lufs, "LUFS"), "loudness range", fmt(report.loudness_range_lu, "LU")),
        ("true peak", fmt(report.true_peak_dbtp, "dBTP"), "sample peak", fmt(report.sample_peak_dbfs, "dBFS")),
        ("max momentary", fmt(report.max_momentary_lufs, "LUFS"), "max short-term", fmt(report.max_short_term_lufs, "LUFS")),
        ("PLR", fmt(report.plr_db, "dB"), "balance L-R", fmt(report.balance_db, "dB")),
        ("correlation", f"{report.correlation:6.2f}", "mono drop", fmt(report.mono_loudness_drop_lu, "LU")),
    ]
    print(title)
    for a, va, b, vb in rows:
        print(f"  {a:<15}{va:<13}{b:<16}{vb}")
    for name in targets:
        check = report.check(name)
        verdict = "PASS" if check.passed else "FAIL"
        why = check.reasons if check.passed else check.failures
        print(f"  {check.target.label:<13}{verdict}  {'; '.join(why)}")
        print(f"  {'':<13}      -> {check.description}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder")
    parser.add_argument("--seconds", type=float, default=30.0, help="song length")
    args = parser.parse_args()

    stems = make_stems(SAMPLE_RATE, args.seconds)
    (args.out / "stems").mkdir(parents=True, exist_ok=True)
    for name, audio in stems.items():
        sf.write(args.out / "stems" / f"{name}.wav", audio.T, SAMPLE_RATE, subtype="PCM_24")

    mixed = mix(stems, SAMPLE_RATE)
    mix_path = args.out / "demo_mix.wav"
    sf.write(mix_path, mixed.T, SAMPLE_RATE, subtype="FLOAT")

    meter = ml.LevelMeter(window_ms=300.0)
    meter.add(mixed, SAMPLE_RATE)
    print(
        f"mix: {mixed.shape[1] / SAMPLE_RATE:.1f} s stereo, "
        f"peak {np.max(meter.max_peak_dbfs):.1f} dBFS, "
        f"max RMS (300 ms) {np.max(meter.max_rms_dbfs):.1f} dBFS -> {mix_path}"
    )

    report = ml.measure(mixed, SAMPLE_RATE)
    print_report("QA report of the mix", report, ["spotify", "apple"])
    report_path = args.out / "demo_mix_report.json"
    report_path.write_text(json.dumps(report.to_dict(), indent=1, allow_nan=False))
    print(f"full report (with the 10 Hz loudness series) -> {report_path}")

    mastered, master_report = ml.master(mixed, SAMPLE_RATE, target="spotify", assistant=True)
    master_path = args.out / "demo_master.wav"
    sf.write(master_path, mastered.T, SAMPLE_RATE, subtype="PCM_24")
    n = master_report.normalization
    print(
        f"\nmastered by the assistant "
        f"({', '.join(master_report.chain.stages) or 'no stages'}, limiter, dither): "
        f"gain {n.gain_db:+.1f} dB, limiter max {n.limiter_max_gr_db:.1f} dB -> {master_path}"
    )
    assert master_report.assistant is not None
    for decision in master_report.assistant.decisions:
        print(f"  {decision}")
    print_report("QA report of the master", master_report.after, ["spotify", "apple"])
    master_report_path = args.out / "demo_master_report.json"
    master_report_path.write_text(json.dumps(master_report.to_dict(), indent=1, allow_nan=False))
    print(f"mastering report (before/after, chain, stages) -> {master_report_path}")


if __name__ == "__main__":
    main()
