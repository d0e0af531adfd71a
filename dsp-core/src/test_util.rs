//! Shared test helpers: signals, measurements, an allocation counter and the
//! invariants every processor must satisfy.
#![allow(dead_code)]

extern crate std;

use std::vec::Vec;

use crate::processor::Processor;
use crate::spec::ProcessSpec;

pub use crate::test_alloc::count_allocs;

/// A sine of `freq` Hz, `len` samples at `fs`, peak `amp`.
pub fn sine(freq: f64, fs: f64, len: usize, amp: f64) -> Vec<f32> {
    (0..len)
        .map(|i| (amp * libm::sin(2.0 * core::f64::consts::PI * freq * i as f64 / fs)) as f32)
        .collect()
}

/// A sine of `freq` Hz at `fs`, peak `amp`, starting at `phase_deg`, `len`
/// samples long, with raised-cosine fades of `fade` samples at both ends
/// (the EBU Tech 3341 true-peak tones).
pub fn faded_sine(
    freq: f64,
    fs: f64,
    amp: f64,
    phase_deg: f64,
    len: usize,
    fade: usize,
) -> Vec<f32> {
    let pi = core::f64::consts::PI;
    (0..len)
        .map(|i| {
            let edge = (i.min(len - 1 - i) as f64 / fade.max(1) as f64).min(1.0);
            let g = 0.5 - 0.5 * libm::cos(pi * edge);
            (g * amp * libm::sin(2.0 * pi * freq * i as f64 / fs + phase_deg.to_radians())) as f32
        })
        .collect()
}

/// EBU Tech 3341 cases 15 to 19: (frequency as a fraction of the sample
/// rate, peak, phase in degrees, expected true peak in dBTP).
pub const TECH3341_TRUE_PEAK_CASES: [(f64, f64, f64, f64); 5] = [
    (4.0, 0.5, 0.0, -6.0),
    (4.0, 0.5, 45.0, -6.0),
    (6.0, 0.5, 60.0, -6.0),
    (8.0, 0.5, 67.5, -6.0),
    (4.0, 1.41, 45.0, 3.0),
];

/// The 1 s tone of a [`TECH3341_TRUE_PEAK_CASES`] entry at `fs` (10 ms fades).
pub fn tech3341_tone(fs: f64, (div, amp, phase, _): (f64, f64, f64, f64)) -> Vec<f32> {
    faded_sine(fs / div, fs, amp, phase, fs as usize, (0.01 * fs) as usize)
}

/// Deterministic white noise in [-amp, amp] (xorshift).
pub fn noise(len: usize, amp: f32, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            amp * ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0)
        })
        .collect()
}

/// Root mean square.
pub fn rms(x: &[f32]) -> f64 {
    libm::sqrt(x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len().max(1) as f64)
}

/// Largest absolute sample-to-sample difference.
pub fn max_step(x: &[f32]) -> f32 {
    x.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max)
}

/// Magnitude in dB of the DFT of the impulse response `h` at `freq` (Hz),
/// sample rate `fs`.
pub fn dft_db(h: &[f32], freq: f64, fs: f64) -> f64 {
    let w = 2.0 * core::f64::consts::PI * freq / fs;
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &v) in h.iter().enumerate() {
        re += v as f64 * libm::cos(w * n as f64);
        im -= v as f64 * libm::sin(w * n as f64);
    }
    10.0 * libm::log10(re * re + im * im)
}

/// Measured gain in dB of `p` (prepared mono) for a sine at `freq`:
/// ratio of output to input RMS after a settling period.
pub fn measured_gain_db<P: Processor>(p: &mut P, freq: f64, fs: f64) -> f64 {
    let len = (fs as usize).max(16_384);
    let x = sine(freq, fs, len, 0.5);
    let mut y = x.clone();
    p.reset();
    crate::processor::process_in_blocks(p, &mut [&mut y], 4096);
    let skip = len / 2;
    20.0 * libm::log10(rms(&y[skip..]) / rms(&x[skip..]))
}

/// Test signal for `channels` channels: noise plus a sine, different per channel.
pub fn test_signal(channels: usize, len: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            let n = noise(len, 0.3, c as u64 + 1);
            let s = sine(110.0 * (c + 1) as f64, 48_000.0, len, 0.5);
            n.iter().zip(&s).map(|(a, b)| a + b).collect()
        })
        .collect()
}

/// Runs `p` over `signal` in blocks of the given lengths (cycled), calling
/// `change` once when the stream reaches sample `change_at`.
pub fn run_blocks<P: Processor>(
    p: &mut P,
    signal: &[Vec<f32>],
    blocks: &[usize],
    change_at: usize,
    change: &dyn Fn(&mut P),
) -> Vec<Vec<f32>> {
    let mut out: Vec<Vec<f32>> = signal.to_vec();
    let len = signal[0].len();
    let mut pos = 0;
    let mut k = 0;
    while pos < len {
        let mut n = blocks[k % blocks.len()].min(len - pos);
        k += 1;
        if pos < change_at && pos + n > change_at {
            n = change_at - pos;
        }
        if pos == change_at {
            change(p);
        }
        let mut views: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[pos..pos + n]).collect();
        p.process(&mut views);
        pos += n;
    }
    out
}

/// Checks the invariants every processor must hold:
/// block-size invariance (with a parameter change mid-stream), bit-identical
/// output after `reset`, no allocation in `process`/`reset`, finite output,
/// and the non-finite policy (bad samples count and act as silence).
pub fn check_processor_invariants<P: Processor + Clone>(
    make: impl Fn() -> P,
    channels: usize,
    change: impl Fn(&mut P),
) {
    check_processor_invariants_at(make, ProcessSpec::new(48_000.0, 1024, channels), change);
}

/// [`check_processor_invariants`] for processors prepared with `spec`.
pub fn check_processor_invariants_at<P: Processor + Clone>(
    make: impl Fn() -> P,
    spec: ProcessSpec,
    change: impl Fn(&mut P),
) {
    let channels = spec.channels;
    let len = 24_000;
    let change_at = 9_000;
    let signal = test_signal(channels, len);

    let mut reference = make();
    reference.prepare(&spec).unwrap();
    let expected = run_blocks(&mut reference, &signal, &[256], change_at, &change);
    assert!(expected.iter().flatten().all(|v| v.is_finite()), "output not finite");

    // Block-size invariance: irregular splits give bit-identical output.
    for splits in [&[1usize, 7, 1024, 33][..], &[1000, 3, 517], &[64]] {
        let mut p = make();
        p.prepare(&spec).unwrap();
        let got = run_blocks(&mut p, &signal, splits, change_at, &change);
        assert!(got == expected, "block splits {splits:?} changed the output");
    }

    // Reset is deterministic and allocation-free; so is process.
    let mut p = make();
    p.prepare(&spec).unwrap();
    let first = run_blocks(&mut p, &signal, &[512], usize::MAX, &|_| {});
    let ((), allocs) = count_allocs(|| p.reset());
    assert_eq!(allocs, 0, "reset allocated");
    let mut again = signal.clone();
    let mut views: Vec<&mut [f32]> = again.iter_mut().map(|c| &mut c[..]).collect();
    let ((), allocs) =
        count_allocs(|| crate::processor::process_in_blocks(&mut p, &mut views, 1024));
    assert_eq!(allocs, 0, "process allocated");
    drop(views);
    assert!(again == first, "output after reset differs");

    // Non-finite samples: counted, output finite, and identical to silence.
    let mut bad = signal.clone();
    let mut silent = signal.clone();
    let spots = [
        (0usize, 100usize, f32::NAN),
        (channels - 1, 5_000, f32::INFINITY),
        (0, 12_000, f32::NEG_INFINITY),
    ];
    for &(c, i, v) in &spots {
        bad[c][i] = v;
        silent[c][i] = 0.0;
    }
    let mut p = make();
    p.prepare(&spec).unwrap();
    let got = run_blocks(&mut p, &bad, &[300], usize::MAX, &|_| {});
    assert_eq!(p.nonfinite_count(), spots.len() as u64);
    assert!(got.iter().flatten().all(|v| v.is_finite()), "non-finite input leaked");
    let mut q = make();
    q.prepare(&spec).unwrap();
    let want = run_blocks(&mut q, &silent, &[300], usize::MAX, &|_| {});
    assert!(got == want, "non-finite samples did not act as silence");
}

/// A stereo test "mix" of `seconds` at `fs`, peaking near `level`: kick
/// (decaying 55 Hz bursts every 0.5 s), bass line, a slowly swelling chord,
/// and hi-hat noise bursts (differenced noise) panned apart, with a quiet
/// first second. Deterministic for a `seed`.
pub fn music_like(fs: f64, seconds: f64, level: f32, seed: u64) -> Vec<Vec<f32>> {
    let len = (fs * seconds) as usize;
    let hiss = noise(len + 1, 1.0, seed);
    let beat = (0.5 * fs) as usize;
    let tau = core::f64::consts::TAU;
    let mut out = std::vec![std::vec![0.0f32; len]; 2];
    for i in 0..len {
        let t = i as f64 / fs;
        let since = (i % beat) as f64 / fs;
        let kick = libm::exp(-since * 18.0)
            * libm::sin(tau * 55.0 * since * (1.0 + libm::exp(-since * 40.0)));
        let bass_f = [55.0, 73.4, 65.4, 49.0][(t / 2.0) as usize % 4];
        let bass = 0.5 * libm::sin(tau * bass_f * t);
        let swell = 0.5 + 0.5 * libm::sin(tau * 0.11 * t);
        let chord: f64 =
            [220.0, 277.2, 329.6, 440.0].iter().map(|f| libm::sin(tau * f * t)).sum::<f64>()
                * 0.12
                * swell;
        let hat_env = libm::exp(-(((i + beat / 2) % (beat / 2)) as f64) / fs * 60.0);
        let hat = 0.35 * hat_env * (hiss[i + 1] - hiss[i]) as f64;
        let intro = if t < 1.0 { 0.1 } else { 1.0 };
        let l = intro * (0.6 * kick + 0.4 * bass + chord * 1.2 + hat * 0.6);
        let r = intro * (0.6 * kick + 0.4 * bass + chord * 0.8 + hat * 1.4);
        out[0][i] = level * 0.5 * l as f32;
        out[1][i] = level * 0.5 * r as f32;
    }
    out
}

/// A stereo test song of `seconds` at `fs` with content over the whole
/// spectrum: kick, a saw-like bass line, a chord of harmonic-rich voices
/// spread left and right, snare and hi-hat noise bursts, and a quiet
/// pink-ish noise bed; integrated loudness about -20 LUFS. Deterministic
/// for a `seed`.
pub fn song(fs: f64, seconds: f64, seed: u64) -> Vec<Vec<f32>> {
    let len = (fs * seconds) as usize;
    let tau = core::f64::consts::TAU;
    let hiss = [noise(len + 1, 1.0, seed), noise(len + 1, 1.0, seed + 1)];
    let beat = (0.5 * fs) as usize;
    // Band-limited saw: harmonics up to 8 kHz, amplitude 1/n^1.1.
    let saw = |f: f64, t: f64| -> f64 {
        let n = ((8000.0 / f) as usize).clamp(1, 40);
        (1..=n).map(|k| libm::sin(tau * f * k as f64 * t) / libm::pow(k as f64, 1.1)).sum()
    };
    let (mut bed, mut snare_lp) = ([0.0f64; 2], 0.0f64);
    let mut out = std::vec![std::vec![0.0f32; len]; 2];
    for i in 0..len {
        let t = i as f64 / fs;
        let since = (i % beat) as f64 / fs;
        let bar = (t / 2.0) as usize % 4;
        let kick = libm::exp(-since * 14.0)
            * libm::sin(tau * 50.0 * since * (1.0 + 2.0 * libm::exp(-since * 35.0)));
        let bass =
            0.35 * saw([55.0, 73.4, 65.4, 49.0][bar], t) * (0.6 + 0.4 * libm::exp(-since * 4.0));
        let root = [220.0, 293.7, 261.6, 196.0][bar];
        let voices = [root, root * 1.26, root * 1.5, root * 2.0];
        let chord_l: f64 = voices.iter().step_by(2).map(|f| saw(*f, t)).sum::<f64>() * 0.07;
        let chord_r: f64 =
            voices.iter().skip(1).step_by(2).map(|f| saw(*f * 1.002, t)).sum::<f64>() * 0.07;
        let on_two = (i / beat) % 2 == 1;
        let hit = if on_two { libm::exp(-since * 25.0) } else { 0.0 };
        snare_lp += 0.3 * (hiss[0][i] as f64 - snare_lp);
        let snare = hit * (0.5 * snare_lp + 0.25 * libm::sin(tau * 190.0 * since));
        let hat_env = libm::exp(-(((i + beat / 4) % (beat / 2)) as f64) / fs * 50.0);
        let hat = 0.3 * hat_env * (hiss[1][i + 1] - hiss[1][i]) as f64;
        for (c, b) in bed.iter_mut().enumerate() {
            *b = 0.995 * *b + 0.02 * hiss[c][i] as f64;
        }
        let l = 0.5 * kick + bass + chord_l + snare + 0.6 * hat + 0.2 * bed[0];
        let r = 0.5 * kick + bass + chord_r + snare + 1.0 * hat + 0.2 * bed[1];
        out[0][i] = (0.12 * l) as f32;
        out[1][i] = (0.12 * r) as f32;
    }
    out
}

/// Amplitude spectrum of `x` (a power-of-two length) in dBFS, bins 0 to
/// `len / 2`: 4-term Blackman-Harris window (sidelobes below -92 dB),
/// scaled so that a sine of peak 1 on a bin reads 0 dB.
#[cfg(feature = "std")]
pub fn spectrum_dbfs(x: &[f32]) -> Vec<f64> {
    use rustfft::num_complex::Complex;
    let n = x.len();
    let tau = core::f64::consts::TAU;
    let w: Vec<f64> = (0..n)
        .map(|i| {
            let t = tau * i as f64 / n as f64;
            0.35875 - 0.48829 * libm::cos(t) + 0.14128 * libm::cos(2.0 * t)
                - 0.01168 * libm::cos(3.0 * t)
        })
        .collect();
    let gain = 2.0 / w.iter().sum::<f64>();
    let mut buf: Vec<Complex<f64>> =
        x.iter().zip(&w).map(|(&v, &w)| Complex::new(v as f64 * w, 0.0)).collect();
    rustfft::FftPlanner::new().plan_fft_forward(n).process(&mut buf);
    buf[..=n / 2].iter().map(|c| 20.0 * libm::log10(c.norm() * gain + 1e-300)).collect()
}

/// Largest component of `x` below `max_hz` (dBFS, see [`spectrum_dbfs`])
/// that is not DC or a harmonic of `f0` (8 bins either side left out): the
/// aliases a nonlinearity folded back.
#[cfg(feature = "std")]
pub fn worst_inharmonic_db(x: &[f32], f0: f64, fs: f64, max_hz: f64) -> f64 {
    let spec = spectrum_dbfs(x);
    let bin_hz = fs / x.len() as f64;
    let guard = 8.0;
    spec.iter()
        .enumerate()
        .filter(|&(b, _)| {
            let f = b as f64 * bin_hz;
            let k = libm::round(f / f0);
            f < max_hz && (f - k * f0).abs() > guard * bin_hz
        })
        .map(|(_, &db)| db)
        .fold(f64::NEG_INFINITY, f64::max)
}
