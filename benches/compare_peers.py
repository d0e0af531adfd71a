"""Times masterlib against peer libraries from PyPI on the same signal, in one run.

Run by hand (not in CI), after ./scripts/setup.sh:

    . .venv/bin/activate
    pip install pedalboard pyebur128 pyloudnorm
    python benches/compare_peers.py            # 60 s stereo 48 kHz, every section
    python benches/compare_peers.py --section loudness   # or processors, dynamics, effects

Prints, per processor, each library's speed as a multiple of real time and
the ratio masterlib / peer (above 1 means masterlib is faster). Both run
single-threaded on the same float32 array; the best of several repeats is
kept, so a busy machine inflates both sides alike.

The loudness section measures integrated loudness, loudness range and true
peak of one signal (the processor signal with its level stepped between 0
and -12 dB every 5 s, so the range is not trivial) with masterlib's
`LoudnessMeter`, libebur128 (through pyebur128, modes I | LRA | TRUE_PEAK)
and pyloudnorm (integrated and LRA; it has no true peak), and prints the
readings side by side. `measure()` (the full QA report: also octave bands,
correlation, mono fold) is timed as an extra row.

The dynamics section runs on the same material 12 dB hotter and also prints
each limiter's output sample peak and true peak (pyebur128, libebur128's
true-peak meter).

The effects section times Delay, Reverb, PlateReverb, ConvolutionReverb (a 3 s
stereo impulse response), Chorus, Phaser, Flanger, Saturation and
TransientShaper against pedalboard's nearest plugin with
comparable settings (see `effects_cases`). Neither side returns tails: our
processors only append the delay/reverb tail when called with `tail=True`, and
pedalboard's Reverb and Delay drop theirs unless flushed (`reset=False` and
further calls), so both produce exactly the input's length and the work timed
is the same.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np

import masterlib as ml

SR = 48_000


def import_pedalboard():
    """The pedalboard module, or None when it is not installed (its column then shows '-')."""
    try:
        import pedalboard
    except ImportError:
        return None
    return pedalboard


def best_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up (and prepare)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def paired_calls(
    ours: dict[str, object], theirs: dict[str, object], x: np.ndarray
) -> list[tuple[str, Callable[[], object], Callable[[], object] | None]]:
    """(name, masterlib call, peer call or None) for each of our processors on `x`."""
    return [
        (
            name,
            lambda p=proc: p(x, SR),
            (lambda b=theirs[name]: b(x, SR, reset=True)) if name in theirs else None,
        )
        for name, proc in ours.items()
    ]


def signal(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * SR)) / SR
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    return (np.stack([tone, np.roll(tone, 100)]) + 0.1 * rng.standard_normal((2, t.size))).astype(np.float32)


def impulse_response(seconds: float = 3.0) -> np.ndarray:
    """A stereo impulse response: noise decaying by 60 dB over `seconds`, different per side."""
    rng = np.random.default_rng(2)
    n = int(seconds * SR)
    env = 10 ** (-3 * np.arange(n) / n)
    return (0.05 * rng.standard_normal((2, n)) * env).astype(np.float32)


def eq_bands(n: int) -> list:
    freqs = np.geomspace(60, 12_000, n)
    return [ml.PeakFilter(cutoff_hz=float(f), gain_db=2.0 if i % 2 else -2.0, q=1.0) for i, f in enumerate(freqs)]


def pedalboard_cases(x: np.ndarray) -> list[tuple[str, Callable[[], object], Callable[[], object] | None]]:
    pb = import_pedalboard()
    four = [
        ml.HighPass(cutoff_hz=40.0, order=2),
        ml.LowShelf(cutoff_hz=120.0, gain_db=2.0, q=0.7071),
        ml.PeakFilter(cutoff_hz=1000.0, gain_db=-3.0, q=1.0),
        ml.HighShelf(cutoff_hz=8000.0, gain_db=1.5, q=0.7071),
    ]
    ours = {
        "Gain": ml.Gain(gain_db=-3.0),
        "HighpassFilter": ml.HighPass(cutoff_hz=40.0, order=1),
        "LowShelfFilter": ml.LowShelf(cutoff_hz=120.0, gain_db=2.0, q=0.7071),
        "PeakFilter": ml.PeakFilter(cutoff_hz=1000.0, gain_db=-3.0, q=1.0),
        "HighShelfFilter": ml.HighShelf(cutoff_hz=8000.0, gain_db=1.5, q=0.7071),
        "4-band chain": ml.Chain(four),
        "8-band EQ": ml.Equalizer(bands=eq_bands(8)),
    }
    theirs: dict[str, object] = {}
    if pb is not None:
        theirs = {
            "Gain": pb.Pedalboard([pb.Gain(gain_db=-3.0)]),
            "HighpassFilter": pb.Pedalboard([pb.HighpassFilter(cutoff_frequency_hz=40.0)]),
            "LowShelfFilter": pb.Pedalboard([pb.LowShelfFilter(cutoff_frequency_hz=120.0, gain_db=2.0, q=0.7071)]),
            "PeakFilter": pb.Pedalboard([pb.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=-3.0, q=1.0)]),
            "HighShelfFilter": pb.Pedalboard([pb.HighShelfFilter(cutoff_frequency_hz=8000.0, gain_db=1.5, q=0.7071)]),
            "4-band chain": pb.Pedalboard(
                [
                    pb.HighpassFilter(cutoff_frequency_hz=40.0),
                    pb.LowShelfFilter(cutoff_frequency_hz=120.0, gain_db=2.0, q=0.7071),
                    pb.PeakFilter(cutoff_frequency_hz=1000.0, gain_db=-3.0, q=1.0),
                    pb.HighShelfFilter(cutoff_frequency_hz=8000.0, gain_db=1.5, q=0.7071),
                ]
            ),
        }
    return paired_calls(ours, theirs, x)


def stepped(x: np.ndarray) -> np.ndarray:
    """`x` with its level stepped through 0, -6, -12, -3, -9 dB, 5 s each, repeating."""
    steps_db = np.array([0.0, -6.0, -12.0, -3.0, -9.0])
    segment = np.arange(x.shape[1]) // (5 * SR)
    gain = 10 ** (steps_db[segment % steps_db.size] / 20)
    return (x * gain).astype(np.float32)


def loudness_cases(x: np.ndarray) -> list[tuple[str, Callable[[], tuple[float, float, float | None]]]]:
    """(name, run) pairs; run() measures x and returns (integrated LUFS, LRA LU, true peak dBTP)."""

    def masterlib_meter() -> tuple[float, float, float | None]:
        m = ml.LoudnessMeter(SR, 2)
        m.add(x)
        return m.integrated_lufs, m.loudness_range_lu, m.true_peak_dbtp

    def masterlib_measure() -> tuple[float, float, float | None]:
        r = ml.measure(x, SR)
        return r.integrated_lufs, r.loudness_range_lu, r.true_peak_dbtp

    cases = [
        ("masterlib LoudnessMeter", masterlib_meter),
        ("masterlib measure() (full QA)", masterlib_measure),
    ]
    try:
        import pyebur128 as eb

        interleaved = np.ascontiguousarray(x.T).ravel()  # libebur128's input layout

        def libebur128() -> tuple[float, float, float | None]:
            mode = eb.MeasurementMode
            state = eb.R128State(2, SR, mode.MODE_I | mode.MODE_LRA | mode.MODE_TRUE_PEAK)
            state.add_frames(interleaved, x.shape[1])
            peak = max(eb.get_true_peak(state, c) for c in range(2))
            return eb.get_loudness_global(state), eb.get_loudness_range(state), 20 * np.log10(peak)

        cases.append(("libebur128 (pyebur128)", libebur128))
    except ImportError:
        print("pyebur128 not installed: pip install pyebur128")
    try:
        import pyloudnorm as pyln

        frames = x.T.astype(np.float64)  # pyloudnorm's input layout: (samples, channels)

        def pyloudnorm() -> tuple[float, float, float | None]:
            meter = pyln.Meter(SR)
            lra = meter.loudness_range(frames) if hasattr(meter, "loudness_range") else float("nan")
            return meter.integrated_loudness(frames), lra, None

        cases.append(("pyloudnorm", pyloudnorm))
    except ImportError:
        print("pyloudnorm not installed: pip install pyloudnorm")
    return cases


def run_loudness(x: np.ndarray, seconds: float, repeats: int) -> None:
    x = stepped(x)
    print(f"\nloudness: integrated + LRA + true peak of {seconds:.0f} s stereo, level stepped every 5 s")
    print(f"{'library':<31}{'x real time':>12}{'ratio':>8}{'I LUFS':>9}{'LRA LU':>8}{'TP dBTP':>9}")
    t_ours = None
    for name, run in loudness_cases(x):
        t = best_time(run, repeats)
        integrated, lra, tp = run()
        t_ours = t if t_ours is None else t_ours
        tp_text = f"{tp:>9.2f}" if tp is not None else f"{'-':>9}"
        print(f"{name:<31}{seconds / t:>11.0f}x{t / t_ours:>7.2f}x{integrated:>9.2f}{lra:>8.2f}{tp_text}")
    print("ratio: that row's time / masterlib LoudnessMeter's (above 1: masterlib is faster)")


def dynamics_cases(
    hot: np.ndarray,
) -> tuple[list[tuple[str, Callable[[], object], Callable[[], object] | None]], list[tuple[str, Callable[[], np.ndarray]]]]:
    """Speed cases for the dynamics processors, and the limiters to meter."""
    pb = import_pedalboard()
    ours = {
        "Compressor": ml.Compressor(threshold_db=-20.0, ratio=4.0, knee_db=0.0, attack_ms=10.0, release_ms=100.0),
        "NoiseGate": ml.NoiseGate(threshold_db=-40.0, range_db=80.0, attack_ms=1.0, release_ms=100.0),
        "Limiter/pb.Limiter": ml.Limiter(ceiling_db=-1.0, release_ms=100.0),
        "Brickwall": ml.Limiter(ceiling_db=-1.0, lookahead_ms=5.0, release_ms=100.0),
        "Brickwall TP": ml.Limiter(ceiling_db=-1.0, true_peak=True, lookahead_ms=5.0, release_ms=100.0),
    }
    theirs: dict[str, object] = {}
    if pb is not None:
        theirs = {
            "Compressor": pb.Compressor(threshold_db=-20.0, ratio=4.0, attack_ms=10.0, release_ms=100.0),
            "NoiseGate": pb.NoiseGate(threshold_db=-40.0, ratio=10.0, attack_ms=1.0, release_ms=100.0),
            "Limiter/pb.Limiter": pb.Limiter(threshold_db=-1.0, release_ms=100.0),
        }
        if hasattr(pb, "BrickwallLimiter"):  # pedalboard >= 0.9.2x
            theirs["Brickwall"] = pb.BrickwallLimiter(ceiling_db=-1.0, release_ms=100.0, lookahead_ms=5.0)
            theirs["Brickwall TP"] = pb.BrickwallLimiter(
                ceiling_db=-1.0, release_ms=100.0, lookahead_ms=5.0, true_peak=True
            )
    speed = paired_calls(ours, theirs, hot)
    meter = [("masterlib Limiter", lambda: ours["Brickwall"](hot, SR))]
    meter.append(("masterlib Limiter true_peak", lambda: ours["Brickwall TP"](hot, SR)))
    for name, label in [
        ("Limiter/pb.Limiter", "pedalboard Limiter"),
        ("Brickwall", "pedalboard BrickwallLimiter"),
        ("Brickwall TP", "pedalboard BrickwallLimiter true_peak"),
    ]:
        if name in theirs:
            meter.append((label, lambda b=theirs[name]: b(hot, SR, reset=True)))
    return speed, meter


def peaks_db(y: np.ndarray) -> tuple[float, float]:
    """Sample peak (dBFS) and true peak (dBTP, pyebur128; NaN without it)."""
    sample = 20 * np.log10(np.abs(y).max())
    try:
        import pyebur128
    except ImportError:
        return sample, float("nan")
    state = pyebur128.R128State(y.shape[0], SR, pyebur128.MeasurementMode.MODE_TRUE_PEAK)
    state.add_frames(np.ascontiguousarray(y.T, dtype=np.float64).ravel(), y.shape[1])
    tp = max(pyebur128.get_true_peak(state, c) for c in range(y.shape[0]))
    return sample, 20 * np.log10(tp)


def print_speed(cases, seconds: float, repeats: int) -> None:
    print(f"{'processor':<18}{'masterlib':>12}{'peer':>12}{'ratio':>9}")
    for name, ours, theirs in cases:
        t_ours = best_time(ours, repeats)
        rt_ours = seconds / t_ours
        if theirs is None:
            print(f"{name:<18}{rt_ours:>11.0f}x{'-':>12}{'-':>9}")
            continue
        t_theirs = best_time(theirs, repeats)
        rt_theirs = seconds / t_theirs
        print(f"{name:<18}{rt_ours:>11.0f}x{rt_theirs:>11.0f}x{t_theirs / t_ours:>8.2f}x")


def run_dynamics(x: np.ndarray, seconds: float, repeats: int) -> None:
    hot = (x * 10 ** (12 / 20)).astype(np.float32)
    speed, meter = dynamics_cases(hot)
    print(f"\ndynamics (input 12 dB hotter, sample peak {20 * np.log10(np.abs(hot).max()):+.2f} dBFS)")
    print_speed(speed, seconds, repeats)
    print("\nlimiter output, ceiling -1 dB: sample peak dBFS, true peak dBTP (pyebur128)")
    for label, run in meter:
        y = np.asarray(run(), dtype=np.float32)
        sample, tp = peaks_db(y)
        rms = 10 * np.log10(np.mean(np.square(y, dtype=np.float64)))
        print(f"{label:<40}{sample:>8.2f}{tp:>8.2f}   (rms {rms:.2f} dBFS)")


def effects_cases(x: np.ndarray) -> list[tuple[str, Callable[[], object], Callable[[], object] | None]]:
    """Speed cases for the effects, each against pedalboard's nearest plugin (settings matched by hand)."""
    pb = import_pedalboard()
    ir = impulse_response()
    ours = {
        "Delay": ml.Delay(delay_ms=250.0, feedback=0.3, mix=0.5),
        "Reverb": ml.Reverb(decay_s=2.0, mix=0.3),
        "PlateReverb": ml.PlateReverb(decay_s=2.0, mix=0.3),
        "Convolution 3s": ml.ConvolutionReverb(ir, SR),
        "Chorus": ml.Chorus(rate_hz=1.0, depth_ms=2.5, delay_ms=7.0, feedback=0.0, mix=0.5, stereo_phase_deg=0.0),
        "Phaser": ml.Phaser(rate_hz=0.5, depth=0.5, centre_hz=1300.0, stages=6, feedback=0.3, mix=0.5),
        "Flanger/pb.Chorus": ml.Flanger(rate_hz=0.25, depth_ms=1.0, delay_ms=2.0, feedback=0.5, mix=0.5),
        # Ours runs the curve oversampled (4x by default) between half-band filters; pedalboard's
        # Distortion is a plain tanh at the sample rate, so it does less work (and aliases):
        # our 1x is the like-for-like comparison.
        "Saturation 1x": ml.Saturation(drive_db=12.0, mode="tanh", oversampling="1x"),
        "Saturation 4x": ml.Saturation(drive_db=12.0, mode="tanh"),
        "Saturation 2x": ml.Saturation(drive_db=12.0, mode="tanh", oversampling="2x"),
        "TransientShaper": ml.TransientShaper(attack_db=6.0, sustain_db=-3.0),  # no pedalboard peer
    }
    theirs: dict[str, object] = {}
    if pb is not None:
        # Freeverb (JUCE): room_size 0.7 at the default damping 0.5 measures RT60 ~2.0 s in the 1 kHz
        # octave at 48 kHz (ours: decay_s=2.0 is the mid-band RT60). JUCE scales wet by 3 and dry by
        # 2, so wet 0.1 / dry 0.35 is our mix=0.3 (0.3 wet, 0.7 dry). Also the peer of PlateReverb.
        reverb = pb.Reverb(room_size=0.7, damping=0.5, wet_level=0.1, dry_level=0.35)
        distortion = pb.Distortion(drive_db=12.0)
        theirs = {
            "Delay": pb.Delay(delay_seconds=0.25, feedback=0.3, mix=0.5),
            "Reverb": reverb,
            "PlateReverb": reverb,
            # JUCE's convolution (uniform partitions after a head, the response normalised by
            # default: the level differs, the work does not), fully wet like ours.
            "Convolution 3s": pb.Convolution(ir, mix=1.0, sample_rate=SR),
            # JUCE's chorus swings its delay +-10 * depth ms around centre_delay_ms, LFO shared by
            # both channels (hence our stereo_phase_deg=0).
            "Chorus": pb.Chorus(rate_hz=1.0, depth=0.25, centre_delay_ms=7.0, feedback=0.0, mix=0.5),
            "Phaser": pb.Phaser(rate_hz=0.5, depth=0.5, centre_frequency_hz=1300.0, feedback=0.3, mix=0.5),
            # pedalboard has no Flanger: its Chorus with a short centre delay and feedback is one
            # (its own docs say so); 2 +- 1 ms stays above the 1 ms floor of JUCE's chorus delay.
            "Flanger/pb.Chorus": pb.Chorus(rate_hz=0.25, depth=0.1, centre_delay_ms=2.0, feedback=0.5, mix=0.5),
            "Saturation 1x": distortion,
            "Saturation 4x": distortion,
            "Saturation 2x": distortion,
        }
    return paired_calls(ours, theirs, x)


def run_effects(x: np.ndarray, seconds: float, repeats: int) -> None:
    print("\neffects vs pedalboard (no tails on either side: output as long as the input)")
    print_speed(effects_cases(x), seconds, repeats)
    print("peers: Delay, Reverb (Freeverb, also for PlateReverb), Convolution, Chorus, Phaser (6 stages),")
    print("Chorus as a flanger, Distortion (tanh, not oversampled); TransientShaper has none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--section", choices=["all", "processors", "loudness", "dynamics", "effects"], default="all")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    x = signal(args.seconds)
    if args.section in ("all", "processors"):
        run_processors(x, args.seconds, args.repeats)
    if args.section in ("all", "loudness"):
        run_loudness(x, args.seconds, args.repeats)
    if args.section in ("all", "dynamics"):
        run_dynamics(x, args.seconds, args.repeats)
    if args.section in ("all", "effects"):
        run_effects(x, args.seconds, args.repeats)


def run_processors(x: np.ndarray, seconds: float, repeats: int) -> None:
    print(f"signal: {seconds:.0f} s stereo {SR} Hz float32; x real time (higher is faster)")
    print_speed(pedalboard_cases(x), seconds, repeats)


if __name__ == "__main__":
    main()
