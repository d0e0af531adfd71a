//! Tests of the reference-matching analysis, on synthetic "music": noise
//! with a pink-ish line spectrum, shaped by the crate's biquads.

extern crate std;

use std::println;
use std::vec;
use std::vec::Vec;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

use super::*;
use crate::filters::design::rbj;
use crate::filters::{Biquad, Coefs, FilterKind};

/// Random-phase lines every `1 / seconds` Hz from 10 Hz up to 20 kHz
/// (below 0.49 fs),
/// amplitude falling 3 dB per octave (pink) times `10^(shape_db(f) / 20)`:
/// the same continuous signal at every sample rate (the phases depend only
/// on the seed and the line), RMS about 0.1.
fn synth(fs: f64, seconds: f64, seed: u64, shape_db: impl Fn(f64) -> f64) -> Vec<f32> {
    let n = (seconds * fs) as usize;
    let mut spec = vec![Complex::new(0.0f64, 0.0); n];
    let top = (20_000.0f64.min(0.49 * fs) * seconds) as usize;
    let mut total = 0.0;
    for k in (10.0 * seconds) as usize..=top {
        let f = k as f64 / seconds;
        let a = libm::exp10(shape_db(f) / 20.0) / libm::sqrt(f);
        let mut h = (seed << 32) ^ k as u64;
        for _ in 0..3 {
            h = (h ^ (h >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ 0x9E37_79B9;
        }
        let phase = (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 * core::f64::consts::PI;
        spec[k] = Complex::from_polar(0.5 * a, phase);
        spec[n - k] = spec[k].conj();
        total += 0.5 * a * a;
    }
    FftPlanner::new().plan_fft_inverse(n).process(&mut spec);
    let scale = 0.1 / libm::sqrt(total);
    spec.iter().map(|c| (c.re * scale) as f32).collect()
}

/// Stereo music: partly correlated channels, the side 6 dB below the mid
/// and a little darker.
pub(crate) fn music(fs: f64, seconds: f64, seed: u64) -> [Vec<f32>; 2] {
    let a = synth(fs, seconds, seed, |_| 0.0);
    let b = synth(fs, seconds, seed + 1000, |f| -libm::log2(f / 1000.0));
    let l = a.iter().zip(&b).map(|(x, y)| x + 0.5 * y).collect();
    let r = a.iter().zip(&b).map(|(x, y)| x - 0.5 * y).collect();
    [l, r]
}

/// `x` through a cascade of biquads.
fn filtered(x: &[f32], sections: &[Coefs]) -> Vec<f32> {
    let mut y = x.to_vec();
    for &c in sections {
        Biquad::new(c).process(&mut y);
    }
    y
}

/// The cascade's magnitude response at `f`, dB.
fn response_db(sections: &[Coefs], f: f64, fs: f64) -> f64 {
    sections.iter().map(|c| c.magnitude_db(f, fs)).sum()
}

/// `x` with its whole spectrum multiplied by `gain_db(f)` (circular).
fn fft_gain(x: &[f32], fs: f64, gain_db: impl Fn(f64) -> f64) -> Vec<f32> {
    let n = x.len();
    let mut spec: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(f64::from(v), 0.0)).collect();
    let mut planner = FftPlanner::new();
    planner.plan_fft_forward(n).process(&mut spec);
    for k in 0..=n / 2 {
        let g = libm::exp10(gain_db(k as f64 * fs / n as f64) / 20.0);
        spec[k] *= g;
        if k != 0 && k != n - k {
            spec[n - k] *= g;
        }
    }
    planner.plan_fft_inverse(n).process(&mut spec);
    spec.iter().map(|c| (c.re / n as f64) as f32).collect()
}

/// A curve read as the FIR EQ will: linear in dB over log frequency,
/// constant beyond its ends.
fn interpolate(curve: &[(f64, f64)], f: f64) -> f64 {
    match curve.iter().position(|&(hz, _)| hz >= f) {
        Some(0) => curve[0].1,
        None => curve[curve.len() - 1].1,
        Some(i) => {
            let ((f0, g0), (f1, g1)) = (curve[i - 1], curve[i]);
            let t = libm::log(f / f0) / libm::log(f1 / f0);
            g0 + t * (g1 - g0)
        }
    }
}

/// The curves applied to stereo audio (mid and side), test-only.
fn apply(curves: &MatchCurves, [l, r]: &[Vec<f32>; 2], fs: f64, side_gain: f32) -> [Vec<f32>; 2] {
    let mid: Vec<f32> = l.iter().zip(r).map(|(a, b)| 0.5 * (a + b)).collect();
    let side: Vec<f32> = l.iter().zip(r).map(|(a, b)| 0.5 * (a - b)).collect();
    let mid = fft_gain(&mid, fs, |f| interpolate(&curves.mid, f));
    let side = fft_gain(&side, fs, |f| interpolate(&curves.side, f));
    let side: Vec<f32> = side.iter().map(|s| s * side_gain).collect();
    [
        mid.iter().zip(&side).map(|(m, s)| m + s).collect(),
        mid.iter().zip(&side).map(|(m, s)| m - s).collect(),
    ]
}

fn refs(x: &[Vec<f32>; 2]) -> [&[f32]; 2] {
    [&x[0], &x[1]]
}

fn shelf(kind: FilterKind, f0: f64, gain_db: f64, fs: f64) -> Coefs {
    rbj(kind, f0, core::f64::consts::FRAC_1_SQRT_2, gain_db, fs)
}

/// The target's EQ and the reference's in the matching tests.
fn eq_pair(fs: f64) -> (Vec<Coefs>, Vec<Coefs>) {
    let target = vec![
        shelf(FilterKind::LowShelf, 150.0, 5.0, fs),
        rbj(FilterKind::Peak, 1500.0, 1.0, 3.0, fs),
        shelf(FilterKind::HighShelf, 5000.0, -6.0, fs),
    ];
    let reference = vec![
        shelf(FilterKind::LowShelf, 80.0, -3.0, fs),
        shelf(FilterKind::HighShelf, 3000.0, 4.0, fs),
    ];
    (target, reference)
}

#[test]
fn gain_changes_only_the_loudness_readings() {
    let fs = 48_000.0;
    let x = music(fs, 10.0, 1);
    let loud = x.clone().map(|c| c.iter().map(|v| 2.0 * v).collect::<Vec<f32>>());
    let (a, b) =
        (Profile::analyze(&refs(&x), fs).unwrap(), Profile::analyze(&refs(&loud), fs).unwrap());
    let gain = 20.0 * libm::log10(2.0);
    assert!((b.integrated_lufs - a.integrated_lufs - gain).abs() < 0.01);
    assert!((b.true_peak_dbtp - a.true_peak_dbtp - gain).abs() < 0.01);
    for (p, q) in [(a.plr_db, b.plr_db), (a.crest_db, b.crest_db), (a.width_db, b.width_db)] {
        assert!((p - q).abs() < 0.01, "{p} {q}");
    }
    assert!((a.loudness_range_lu - b.loudness_range_lu).abs() < 0.1);
    let worst = a
        .mid_db
        .iter()
        .zip(&b.mid_db)
        .chain(a.side_db.iter().zip(&b.side_db))
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.1, "{worst}");
    assert_eq!(a.mid_db.len(), 240);
    assert_eq!(a.frequencies()[0], 20.0);
    assert!((19_800.0..20_000.0).contains(&a.frequencies()[239]));
    assert!(a.width_db < 0.0 && a.width_db > -20.0, "{}", a.width_db);
}

/// A sine's crest factor is 3.01 dB; mono profiles like the same audio on
/// two identical channels, with no side.
#[test]
fn dynamics_and_mono_readings() {
    let fs = 44_100.0;
    let x = crate::test_util::sine(997.0, fs, 5 * 44_100, 0.5);
    let mono = Profile::analyze(&[&x], fs).unwrap();
    assert!((mono.crest_db - 3.01).abs() < 0.05, "{}", mono.crest_db);
    assert!((mono.plr_db - (mono.true_peak_dbtp - mono.integrated_lufs)).abs() < 1e-12);
    assert!(mono.side_db.is_empty() && mono.width_db == f64::NEG_INFINITY);
    let dual = Profile::analyze(&[&x, &x], fs).unwrap();
    assert!((dual.integrated_lufs - mono.integrated_lufs).abs() < 1e-9);
    assert_eq!(dual.mid_db, mono.mid_db);
    assert_eq!(dual.width_db, f64::NEG_INFINITY);
    assert!(dual.side_db.iter().all(|&v| v == FLOOR_DB));
    // A mono track gets a flat side curve and keeps its (absent) width.
    let stereo = Profile::analyze(&refs(&music(fs, 5.0, 3)), fs).unwrap();
    let c = mono.match_curves(&stereo, 1.0, 12.0).unwrap();
    assert!(c.side.iter().all(|&(_, g)| g == 0.0));
    assert_eq!(mono.width_gain(&stereo, 1.0), 1.0);
    assert_eq!(stereo.width_gain(&mono, 1.0), 0.0);
    assert_eq!(stereo.width_gain(&mono, 0.0), 1.0);
}

/// The curves recover the difference of two EQs (up to an overall gain,
/// which loudness normalisation takes) within 0.5 dB from 60 Hz to 12 kHz,
/// at 44.1, 48 and 96 kHz.
#[test]
fn match_curves_recover_a_known_eq() {
    for fs in [44_100.0, 48_000.0, 96_000.0] {
        let (target_eq, reference_eq) = eq_pair(fs);
        let target = music(fs, 20.0, 10).map(|c| filtered(&c, &target_eq));
        let reference = music(fs, 20.0, 20).map(|c| filtered(&c, &reference_eq));
        let t = Profile::analyze(&refs(&target), fs).unwrap();
        let r = Profile::analyze(&refs(&reference), fs).unwrap();
        let curves = t.match_curves(&r, 1.0, 24.0).unwrap();
        for (name, curve) in [("mid", &curves.mid), ("side", &curves.side)] {
            let errors: Vec<f64> = curve
                .iter()
                .filter(|&&(f, _)| (60.0..=12_000.0).contains(&f))
                .map(|&(f, g)| {
                    g - (response_db(&reference_eq, f, fs) - response_db(&target_eq, f, fs))
                })
                .collect();
            let offset = errors.iter().sum::<f64>() / errors.len() as f64;
            let worst = errors.iter().map(|e| (e - offset).abs()).fold(0.0, f64::max);
            println!("{fs} Hz {name}: worst {worst:.3} dB (offset {offset:.3} dB)");
            assert!(worst < 0.5, "{fs} Hz {name}: {worst}");
        }
        assert_eq!(curves.mid.first().unwrap().1, 0.0);
        // The top 1/6 octave holds the gain below it.
        let top = curves.mid.last().unwrap().0;
        let below = curves.mid.iter().rev().find(|&&(f, _)| f <= top / 2f64.powf(1.0 / 6.0));
        assert_eq!(curves.mid.last().unwrap().1, below.unwrap().1);
    }
}

/// Applying the curves brings the 1/3-octave error against the reference
/// well under Matchering's 0.8 dB; the width gain matches the width.
#[test]
fn applied_curves_match_the_reference() {
    for fs in [44_100.0, 48_000.0] {
        let (target_eq, reference_eq) = eq_pair(fs);
        let target = music(fs, 20.0, 30).map(|c| filtered(&c, &target_eq));
        let mut reference = music(fs, 20.0, 40).map(|c| filtered(&c, &reference_eq));
        // A narrower reference.
        let [l, r] = &mut reference;
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            let (m, s) = (0.5 * (*a + *b), 0.35 * (*a - *b));
            (*a, *b) = (m + s, m - s);
        }
        let t = Profile::analyze(&refs(&target), fs).unwrap();
        let r = Profile::analyze(&refs(&reference), fs).unwrap();
        // Side clamped at 12 dB: the side's EQ difference reaches 10 dB.
        let curves = t.match_curves(&r, 1.0, 24.0).unwrap();
        let gain = t.width_gain(&r, 1.0);
        let matched = apply(&curves, &target, fs, gain as f32);
        let before = third_octave_error_db(&refs(&target), &refs(&reference), fs).unwrap();
        let after = third_octave_error_db(&refs(&matched), &refs(&reference), fs).unwrap();
        let m = Profile::analyze(&refs(&matched), fs).unwrap();
        println!(
            "{fs} Hz: 1/3-octave error {before:.3} -> {after:.3} dB; width {:.2} -> {:.2} (ref {:.2}) dB",
            t.width_db, m.width_db, r.width_db
        );
        assert!(before > 2.0 && after < 0.4, "{before} {after}");
        assert!((m.width_db - r.width_db).abs() < 0.3);
        // The matched side's tone follows the reference's too.
        let side_error = m.side_db[24..220]
            .iter()
            .zip(&r.side_db[24..220])
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / 196.0;
        println!("  side spectrum error after matching {side_error:.3} dB");
        assert!(side_error < 0.5, "{side_error}");
    }
}

#[test]
fn strength_scales_and_limits_clamp() {
    let fs = 48_000.0;
    let (target_eq, reference_eq) = eq_pair(fs);
    let t = Profile::analyze(&refs(&music(fs, 10.0, 5).map(|c| filtered(&c, &target_eq))), fs);
    let r = Profile::analyze(&refs(&music(fs, 10.0, 6).map(|c| filtered(&c, &reference_eq))), fs);
    let (t, r) = (t.unwrap(), r.unwrap());
    let full = t.match_curves(&r, 1.0, 24.0).unwrap();
    let none = t.match_curves(&r, 0.0, 24.0).unwrap();
    assert!(none.mid.iter().chain(&none.side).all(|&(_, g)| g == 0.0));
    let half = t.match_curves(&r, 0.5, 24.0).unwrap();
    for (h, f) in half.mid.iter().zip(&full.mid) {
        assert!((h.1 - 0.5 * f.1).abs() < 1e-12);
    }
    // The side's offset (keeping the width) is found for each strength:
    // the shape halves.
    let offsets: Vec<f64> = half
        .side
        .iter()
        .zip(&full.side)
        .filter(|(h, _)| (60.0..12_000.0).contains(&h.0))
        .map(|(h, f)| h.1 - 0.5 * f.1)
        .collect();
    let spread = offsets.iter().copied().fold(f64::MIN, f64::max)
        - offsets.iter().copied().fold(f64::MAX, f64::min);
    assert!(spread < 0.01, "{spread}");
    assert!(full.mid.iter().any(|&(_, g)| g.abs() > 4.0));
    let clamped = t.match_curves(&r, 1.0, 2.0).unwrap();
    assert!(clamped.mid.iter().all(|&(_, g)| g.abs() <= 2.0));
    assert!(clamped.side.iter().all(|&(_, g)| g.abs() <= 1.0));
    assert!(clamped.mid.iter().any(|&(_, g)| g.abs() == 2.0));
    for (s, m) in [(-0.1, 6.0), (1.1, 6.0), (f64::NAN, 6.0), (1.0, -1.0), (1.0, 25.0)] {
        assert!(matches!(t.match_curves(&r, s, m), Err(Error::InvalidParameter { .. })));
    }
    // Width: the side scaled by 0.7 asks for 1/0.7, strength in dB steps.
    let x = music(fs, 10.0, 7);
    let narrow = [0.85f32, 0.15]
        .map(|k| x[0].iter().zip(&x[1]).map(|(a, b)| k * a + (1.0 - k) * b).collect::<Vec<f32>>());
    // (L, R) -> mid unchanged, side scaled by 0.85 - 0.15 = 0.7.
    let wide = Profile::analyze(&refs(&x), fs).unwrap();
    let narrow = Profile::analyze(&refs(&narrow), fs).unwrap();
    assert!((narrow.width_gain(&wide, 1.0) - 1.0 / 0.7).abs() < 0.01);
    assert!((narrow.width_gain(&wide, 0.5) - libm::sqrt(1.0 / 0.7)).abs() < 0.01);
    assert!((wide.width_gain(&narrow, 1.0) - 0.7).abs() < 0.01);
}

/// A band the target does not have is never boosted, at either end.
#[test]
fn silent_bands_are_not_boosted() {
    let fs = 48_000.0;
    let x = music(fs, 10.0, 8);
    let band_limited = x
        .clone()
        .map(|c| fft_gain(&c, fs, |f| if (50.0..8000.0).contains(&f) { 0.0 } else { -300.0 }));
    let t = Profile::analyze(&refs(&band_limited), fs).unwrap();
    let r = Profile::analyze(&refs(&x), fs).unwrap();
    let c = t.match_curves(&r, 1.0, 12.0).unwrap();
    for curve in [&c.mid, &c.side] {
        // Where both have content the curve is flat (at the loudness offset
        // of the lost bands, which loudness normalisation takes).
        let inside = |f: f64| (100.0..6000.0).contains(&f);
        let at_1k = curve.iter().find(|p| p.0 >= 1000.0).unwrap().1;
        for &(f, g) in curve {
            // Within two bins (12 Hz) of the 50 Hz edge the window's main
            // lobe shows content.
            if f >= 9000.0 || f <= 37.0 {
                assert_eq!(g, 0.0, "{f} Hz");
            }
            assert!(!inside(f) || (g - at_1k).abs() < 0.3, "{f} Hz: {g} ({at_1k} at 1 kHz)");
        }
    }
}

/// A quiet intro of very different colour does not move the profile,
/// while a plain average of the whole track would.
#[test]
fn quiet_intro_does_not_skew_the_spectrum() {
    let fs = 44_100.0;
    let body = music(fs, 15.0, 9);
    // 30 s of bright noise 15 LU down, then the body.
    let bright = synth(fs, 30.0, 99, |f| if f > 3000.0 { 10.0 } else { -40.0 });
    let with_intro = body
        .clone()
        .map(|c| bright.iter().map(|v| 0.1 * v).chain(c.iter().copied()).collect::<Vec<f32>>());
    let a = Profile::analyze(&refs(&body), fs).unwrap();
    let b = Profile::analyze(&refs(&with_intro), fs).unwrap();
    let spectra = |p: &Profile| p.mid_db.iter().chain(&p.side_db).copied().collect::<Vec<f64>>();
    let worst = spectra(&a).iter().zip(spectra(&b)).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
    let ungated = third_octave_error_db(&refs(&body), &refs(&with_intro), fs).unwrap();
    println!(
        "quiet intro: profile moves {worst:.3} dB; whole-track 1/3-octave error {ungated:.3} dB"
    );
    assert!(worst < 0.1, "{worst}");
    assert!(ungated > 1.0, "{ungated}");
    assert!((a.loud_part_lufs - b.loud_part_lufs).abs() < 0.05);
    assert!((a.crest_db - b.crest_db).abs() < 0.05 && (a.width_db - b.width_db).abs() < 0.05);
}

/// The same music at 44.1 and 48 kHz profiles alike on the common grid.
#[test]
fn profiles_do_not_depend_on_the_sample_rate() {
    // The EQ as a shape of the lines, so that both rates carry the same
    // music (a biquad's response would differ near Nyquist).
    let eq = eq_pair(192_000.0).0;
    let profile = |fs: f64| {
        let shape = |f| response_db(&eq, f, 192_000.0);
        let (a, b) = (synth(fs, 30.0, 11, shape), synth(fs, 30.0, 12, |f| shape(f) - 6.0));
        let l: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        let r: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        Profile::analyze(&[&l, &r], fs).unwrap()
    };
    let (a, b) = (profile(44_100.0), profile(48_000.0));
    let n = a.mid_db.len().min(b.mid_db.len());
    assert_eq!(n, 239);
    let diffs: Vec<f64> = (0..n)
        .chain(0..n)
        .enumerate()
        .map(|(i, k)| if i < n { a.mid_db[k] - b.mid_db[k] } else { a.side_db[k] - b.side_db[k] })
        .map(f64::abs)
        .collect();
    let worst = diffs.iter().copied().fold(0.0, f64::max);
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    println!("44.1 vs 48 kHz: worst {worst:.3} dB, mean {mean:.3} dB");
    assert!(worst < 0.3 && mean < 0.1, "{worst} {mean}");
    assert!((a.integrated_lufs - b.integrated_lufs).abs() < 0.05);
    assert!((a.width_db - b.width_db).abs() < 0.1);
}

#[test]
fn averages_of_references() {
    let fs = 48_000.0;
    let (eq_a, eq_b) = eq_pair(fs);
    let a = Profile::analyze(&refs(&music(fs, 8.0, 12).map(|c| filtered(&c, &eq_a))), fs).unwrap();
    let b = Profile::analyze(&refs(&music(fs, 8.0, 13).map(|c| filtered(&c, &eq_b))), fs).unwrap();
    let same = Profile::average(core::slice::from_ref(&a)).unwrap();
    let spectra = |p: &Profile| p.mid_db.iter().chain(&p.side_db).copied().collect::<Vec<f64>>();
    assert!(spectra(&same).iter().zip(spectra(&a)).all(|(x, y)| (x - y).abs() < 1e-9));
    assert!((same.width_db - a.width_db).abs() < 1e-9 && same.crest_db == a.crest_db);
    let avg = Profile::average(&[a.clone(), b.clone()]).unwrap();
    let power =
        |x: f64, y: f64| 10.0 * libm::log10(0.5 * (libm::exp10(x / 10.0) + libm::exp10(y / 10.0)));
    for k in 0..a.mid_db.len() {
        assert!((avg.mid_db[k] - power(a.mid_db[k], b.mid_db[k])).abs() < 1e-9);
    }
    assert!((avg.integrated_lufs - 0.5 * (a.integrated_lufs + b.integrated_lufs)).abs() < 1e-9);
    assert!((avg.width_db - power(a.width_db, b.width_db)).abs() < 1e-9);
    // A mono reference adds no side: the width drops by 3 dB.
    let x = synth(44_100.0, 8.0, 14, |_| 0.0);
    let mono = Profile::analyze(&[&x], 44_100.0).unwrap();
    let mixed = Profile::average(&[a.clone(), mono]).unwrap();
    assert!((mixed.width_db - (a.width_db - 3.01)).abs() < 0.01);
    assert_eq!((mixed.mid_db.len(), mixed.side_db.len(), mixed.sample_rate), (239, 239, 44_100.0));
    assert_eq!(Profile::average(&[]), Err(Error::EmptyInput));
    assert!(avg.check().is_ok() && mixed.check().is_ok());
}

#[test]
fn bad_input_is_refused() {
    let fs = 48_000.0;
    let x = vec![0.1f32; 48_000];
    let short = crate::test_util::noise(10_000, 0.5, 1);
    assert_eq!(Profile::analyze(&[], fs), Err(Error::InvalidChannelCount { channels: 0 }));
    assert_eq!(
        Profile::analyze(&[&x, &x, &x], fs),
        Err(Error::InvalidChannelCount { channels: 3 })
    );
    assert_eq!(Profile::analyze(&[&[]], fs), Err(Error::EmptyInput));
    let mut bad = x.clone();
    bad[7] = f32::NAN;
    assert_eq!(Profile::analyze(&[&x, &bad], fs), Err(Error::NonFinite { channel: 1, index: 7 }));
    assert!(matches!(Profile::analyze(&[&x, &x[1..]], fs), Err(Error::LengthMismatch { .. })));
    for rate in [f64::NAN, 0.0, 1000.0, 1e7] {
        assert!(matches!(Profile::analyze(&[&x], rate), Err(Error::InvalidSampleRate { .. })));
    }
    for silent_or_short in [vec![0.0f32; 48_000], short] {
        let e = Profile::analyze(&[&silent_or_short], fs).unwrap_err();
        assert!(e.to_string().contains("silent or shorter than 400 ms"), "{e}");
        assert!(third_octave_error_db(&[&silent_or_short], &[&x], fs).is_err());
    }
    assert!(third_octave_error_db(&[&x], &[], fs).is_err());
    let mut p = Profile::analyze(&[&crate::test_util::noise(48_000, 0.5, 2)], fs).unwrap();
    assert!(p.check().is_ok());
    p.mid_db.pop();
    assert!(p.check().is_err());
    p.version = 2;
    assert!(p.check().is_err());
}

#[test]
fn third_octave_error_measures_a_tilt() {
    let fs = 48_000.0;
    let x = synth(fs, 10.0, 15, |_| 0.0);
    // Identical up to gain: zero.
    let louder: Vec<f32> = x.iter().map(|v| 0.5 * v).collect();
    assert!(third_octave_error_db(&[&x], &[&louder], fs).unwrap() < 1e-6);
    // A tilt of 1 dB per octave about 1 kHz, over 40 Hz .. 16 kHz (27 bands
    // spanning 8.67 octaves): the mean |tilt| about the loudness-aligned
    // level, close to 2.2 dB.
    let tilted = fft_gain(&x, fs, |f| libm::log2(f.max(1.0) / 1000.0));
    let e = third_octave_error_db(&[&x], &[&tilted], fs).unwrap();
    assert!((1.5..3.0).contains(&e), "{e}");
}

#[cfg(feature = "serde")]
#[test]
fn json_round_trip() {
    let fs = 44_100.0;
    let x = music(fs, 5.0, 16);
    for p in [Profile::analyze(&refs(&x), fs).unwrap(), Profile::analyze(&[&x[0]], fs).unwrap()] {
        let json = serde_json::to_string(&p).unwrap();
        let back: Profile = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        assert!(json.contains("\"version\":1"));
        if !p.is_stereo() {
            assert!(json.contains("\"width_db\":null"), "{json}");
        }
    }
}

/// Analysis speed: 3 minutes of 48 kHz stereo (run in release with
/// `--ignored --nocapture`).
#[test]
#[ignore]
fn analysis_speed() {
    let fs = 48_000.0;
    let n = 180 * 48_000;
    let l = crate::test_util::noise(n, 0.3, 1);
    let r = crate::test_util::noise(n, 0.3, 2);
    let start = std::time::Instant::now();
    let p = Profile::analyze(&[&l, &r], fs).unwrap();
    let took = start.elapsed();
    println!("3 min 48 kHz stereo: {took:?} ({} points)", p.mid_db.len());
    let start = std::time::Instant::now();
    let mut m = LoudnessMeter::new(fs, 2).unwrap();
    m.add_planar(&[&l, &r]).unwrap();
    println!("meter {:?}", start.elapsed());
    let start = std::time::Instant::now();
    welch(&[&l, &r], fs, |_| true);
    println!("welch {:?}", start.elapsed());
}
