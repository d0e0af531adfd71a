//! Compliance and accuracy tests of the loudness meter: every EBU Tech 3341
//! case its text defines (1-6, 9-19) and Tech 3342 cases 1-4, synthesized
//! here and checked at 44.1, 48 and 96 kHz, plus a comparison against a
//! plain f64 reference implementation of BS.1770 written below.

use std::vec;
use std::vec::Vec;

use super::loudness::{ChannelRole, LoudnessMeter};
use super::true_peak::TruePeakPrecision;
use crate::error::Error;
use crate::math::PI;
use crate::test_util::{TECH3341_TRUE_PEAK_CASES, count_allocs, noise, tech3341_tone};

const RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];

/// A 1 kHz sine made of `(seconds, peak dBFS)` segments (`-inf` = silence),
/// phase continuous.
fn tone_segments(fs: f64, segments: &[(f64, f64)]) -> Vec<f32> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for &(secs, db) in segments {
        let amp = if db.is_finite() { libm::pow(10.0, db / 20.0) } else { 0.0 };
        let len = libm::round(secs * fs) as usize;
        out.extend(
            (n..n + len).map(|i| (amp * libm::sin(2.0 * PI * 1000.0 * i as f64 / fs)) as f32),
        );
        n += len;
    }
    out
}

/// Feeds `chans` in uneven blocks (a deterministic pattern of lengths).
fn feed(m: &mut LoudnessMeter, chans: &[Vec<f32>]) {
    let len = chans[0].len();
    let mut start = 0;
    for block in [1usize, 4096, 777, 12_000, 31, 2048].iter().cycle() {
        let end = (start + block).min(len);
        let refs: Vec<&[f32]> = chans.iter().map(|c| &c[start..end]).collect();
        m.add_planar(&refs).unwrap();
        start = end;
        if start == len {
            break;
        }
    }
}

/// A meter fed with `chans`; true peak off (it is tested on its own, and
/// is slow in debug builds) unless `true_peak`.
fn meter_tp(fs: f64, chans: &[Vec<f32>], true_peak: bool) -> LoudnessMeter {
    let mut m = LoudnessMeter::new(fs, chans.len()).unwrap();
    m.set_true_peak_enabled(true_peak);
    feed(&mut m, chans);
    m
}

fn meter(fs: f64, chans: &[Vec<f32>]) -> LoudnessMeter {
    meter_tp(fs, chans, false)
}

fn stereo(x: Vec<f32>) -> Vec<Vec<f32>> {
    vec![x.clone(), x]
}

fn assert_near(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} +/- {tol}");
}

#[test]
fn tech3341_cases_1_to_5_integrated_momentary_short_term() {
    type Case<'a> = (&'a str, &'a [(f64, f64)], f64);
    let cases: [Case; 5] = [
        ("1", &[(20.0, -23.0)], -23.0),
        ("2", &[(20.0, -33.0)], -33.0),
        ("3", &[(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)], -23.0),
        ("4", &[(10.0, -72.0), (10.0, -36.0), (60.0, -23.0), (10.0, -36.0), (10.0, -72.0)], -23.0),
        ("5", &[(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)], -23.0),
    ];
    for fs in RATES {
        for (name, segments, want) in cases {
            let m = meter(fs, &stereo(tone_segments(fs, segments)));
            let what = std::format!("3341-{name} at {fs}");
            assert_near(m.integrated_lufs(), want, 0.1, &what);
            if segments.len() == 1 {
                assert_near(m.momentary_lufs(), want, 0.1, &what);
                assert_near(m.short_term_lufs(), want, 0.1, &what);
            }
        }
    }
}

#[test]
fn tech3341_case_6_surround() {
    for fs in RATES {
        let ch = |db| tone_segments(fs, &[(20.0, db)]);
        let five = vec![ch(-28.0), ch(-28.0), ch(-24.0), ch(-30.0), ch(-30.0)];
        assert_near(meter(fs, &five).integrated_lufs(), -23.0, 0.1, "3341-6 5.0");
        let mut six = five.clone();
        six.insert(3, vec![0.0; six[0].len()]);
        assert_near(meter(fs, &six).integrated_lufs(), -23.0, 0.1, "3341-6 5.1");
        // The LFE is excluded: loud content there changes nothing.
        six[3] = ch(-6.0);
        assert_near(meter(fs, &six).integrated_lufs(), -23.0, 0.1, "3341-6 LFE");
    }
}

#[test]
fn tech3341_case_9_short_term_constant_after_3_s() {
    for fs in RATES {
        let period: Vec<(f64, f64)> = [(1.34, -20.0), (1.66, -30.0)].repeat(5);
        let m = meter(fs, &stereo(tone_segments(fs, &period)));
        // Series entry k is at (k + 1) * 100 ms.
        for &s in &m.short_term_series()[29..] {
            assert_near(s, -23.0, 0.1, &std::format!("3341-9 at {fs}"));
        }
    }
}

#[test]
fn tech3341_case_12_momentary_constant_after_1_s() {
    for fs in RATES {
        let period: Vec<(f64, f64)> = [(0.18, -20.0), (0.22, -30.0)].repeat(25);
        let m = meter(fs, &stereo(tone_segments(fs, &period)));
        for &s in &m.momentary_series()[9..] {
            assert_near(s, -23.0, 0.1, &std::format!("3341-12 at {fs}"));
        }
    }
}

#[test]
fn tech3341_cases_10_and_13_file_maxima() {
    for fs in RATES {
        for i in 0..20 {
            let x = tone_segments(
                fs,
                &[(i as f64 * 0.15, f64::NEG_INFINITY), (3.0, -23.0), (1.0, f64::NEG_INFINITY)],
            );
            let m = meter(fs, &stereo(x));
            assert_near(m.max_short_term_lufs(), -23.0, 0.1, &std::format!("3341-10-{i} at {fs}"));
            let x = tone_segments(
                fs,
                &[(i as f64 * 0.02, f64::NEG_INFINITY), (0.4, -23.0), (1.0, f64::NEG_INFINITY)],
            );
            let m = meter(fs, &stereo(x));
            assert_near(m.max_momentary_lufs(), -23.0, 0.1, &std::format!("3341-13-{i} at {fs}"));
        }
    }
}

/// Feeds segments one after another in 1 ms blocks and returns, per
/// segment, the largest reading of `read` seen while it played.
fn live_maxima(fs: f64, segments: &[Vec<(f64, f64)>], read: fn(&LoudnessMeter) -> f64) -> Vec<f64> {
    let mut m = LoudnessMeter::new(fs, 2).unwrap();
    m.set_true_peak_enabled(false);
    let block = (fs / 1000.0) as usize;
    segments
        .iter()
        .map(|seg| {
            let x = tone_segments(fs, seg);
            let mut best = f64::NEG_INFINITY;
            for b in x.chunks(block) {
                m.add_planar(&[b, b]).unwrap();
                best = best.max(read(&m));
            }
            best
        })
        .collect()
}

#[test]
fn tech3341_cases_11_and_14_live_maxima() {
    let silence = f64::NEG_INFINITY;
    for fs in RATES {
        let segs: Vec<Vec<(f64, f64)>> = (0..20)
            .map(|i| {
                let i = i as f64;
                vec![(i * 0.15, silence), (3.0, -38.0 + i), (3.0 - i * 0.15, silence)]
            })
            .collect();
        for (i, s) in live_maxima(fs, &segs, LoudnessMeter::short_term_lufs).iter().enumerate() {
            assert_near(*s, -38.0 + i as f64, 0.1, &std::format!("3341-11 segment {i} at {fs}"));
        }
        let segs: Vec<Vec<(f64, f64)>> = (0..20)
            .map(|i| {
                let i = i as f64;
                vec![(i * 0.02, silence), (0.4, -38.0 + i), (0.4 - i * 0.02, silence)]
            })
            .collect();
        for (i, s) in live_maxima(fs, &segs, LoudnessMeter::momentary_lufs).iter().enumerate() {
            assert_near(*s, -38.0 + i as f64, 0.1, &std::format!("3341-14 segment {i} at {fs}"));
        }
    }
}

#[test]
fn tech3341_cases_15_to_19_true_peak() {
    for fs in RATES {
        for case in TECH3341_TRUE_PEAK_CASES {
            let (div, _, phase, want) = case;
            let x = tech3341_tone(fs, case);
            for p in [TruePeakPrecision::Standard, TruePeakPrecision::High] {
                let mut m = LoudnessMeter::new(fs, 2).unwrap();
                m.set_true_peak_precision(p);
                feed(&mut m, &stereo(x.clone()));
                let err = m.true_peak_dbtp() - want;
                assert!((-0.4..=0.2).contains(&err), "fs/{div} {phase} at {fs} {p:?}: {err}");
                assert!(m.true_peak_dbtp() >= m.sample_peak_dbfs());
            }
        }
    }
}

#[test]
fn tech3342_cases_1_to_4_loudness_range() {
    let cases: [(&[f64], f64); 4] = [
        (&[-20.0, -30.0], 10.0),
        (&[-20.0, -15.0], 5.0),
        (&[-40.0, -20.0], 20.0),
        (&[-50.0, -35.0, -20.0, -35.0, -50.0], 15.0),
    ];
    for fs in RATES {
        for (levels, want) in cases {
            let segments: Vec<(f64, f64)> = levels.iter().map(|&db| (20.0, db)).collect();
            let m = meter(fs, &stereo(tone_segments(fs, &segments)));
            assert_near(m.loudness_range_lu(), want, 1.0, &std::format!("3342 {levels:?} at {fs}"));
            // Nearest-rank percentiles on these signals land on the plateaus.
            assert_near(m.loudness_range_lu(), want, 0.05, "3342 exact plateau");
        }
    }
}

/// Straightforward f64 BS.1770: direct-form-I biquads, explicit block list,
/// two gating passes. `chans` is one programme; several are pooled (album).
fn reference_integrated(fs: f64, programmes: &[&[Vec<f32>]], weights: &[f64]) -> f64 {
    let [shelf, hp] = super::kweight::k_weighting(fs);
    let hop = libm::round(fs / 10.0) as usize;
    let mut blocks = Vec::new();
    for chans in programmes {
        let len = chans[0].len();
        let filtered: Vec<Vec<f64>> = chans
            .iter()
            .map(|x| {
                let mut y = Vec::with_capacity(len);
                let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
                let (mut u1, mut u2, mut v1, mut v2) = (0.0, 0.0, 0.0, 0.0);
                for &s in x.iter() {
                    let s = f64::from(s);
                    let u = shelf.b0 * s + shelf.b1 * x1 + shelf.b2 * x2
                        - shelf.a1 * y1
                        - shelf.a2 * y2;
                    (x2, x1, y2, y1) = (x1, s, y1, u);
                    let v = hp.b0 * u + hp.b1 * u1 + hp.b2 * u2 - hp.a1 * v1 - hp.a2 * v2;
                    (u2, u1, v2, v1) = (u1, u, v1, v);
                    y.push(v);
                }
                y
            })
            .collect();
        let mut start = 0;
        while start + 4 * hop <= len {
            let z: f64 = filtered
                .iter()
                .zip(weights)
                .map(|(y, w)| {
                    w * y[start..start + 4 * hop].iter().map(|v| v * v).sum::<f64>()
                        / (4 * hop) as f64
                })
                .sum();
            blocks.push(z);
            start += hop;
        }
    }
    let l = |z: f64| -0.691 + 10.0 * libm::log10(z);
    let abs: Vec<f64> = blocks.into_iter().filter(|&z| l(z) > -70.0).collect();
    let mean = abs.iter().sum::<f64>() / abs.len() as f64;
    let rel: Vec<f64> = abs.into_iter().filter(|&z| l(z) > l(mean) - 10.0).collect();
    l(rel.iter().sum::<f64>() / rel.len() as f64)
}

/// "Music-like" stereo: tones with decaying notes, a bass line, noise
/// bursts and sections from loud to very quiet (some near the gates).
fn music_like(fs: f64, secs: f64, seed: u64) -> Vec<Vec<f32>> {
    let n = (secs * fs) as usize;
    let hiss = noise(n, 1.0, seed);
    let hiss2 = noise(n, 1.0, seed + 1);
    let (mut l, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let t = i as f64 / fs;
        let section = [0.5, 0.25, 0.05, 0.8, 0.01, 0.3, 0.002, 0.6][(t / 2.5) as usize % 8];
        let note_t = t % 0.5;
        let pitch = [220.0, 277.2, 329.6, 440.0, 392.0][(t / 0.5) as usize % 5];
        let note = libm::exp(-6.0 * note_t)
            * (libm::sin(2.0 * PI * pitch * t) + 0.3 * libm::sin(2.0 * PI * 3.0 * pitch * t));
        let bass = 0.6 * libm::sin(2.0 * PI * 55.0 * t);
        let burst = if note_t < 0.05 { f64::from(hiss[i]) } else { 0.1 * f64::from(hiss2[i]) };
        let common = section * (note + bass);
        l.push((common + section * 0.3 * burst) as f32);
        r.push((0.8 * common + section * 0.3 * f64::from(hiss2[i])) as f32);
    }
    vec![l, r]
}

#[test]
fn integrated_matches_f64_reference_within_0_02_lu() {
    for fs in [44_100.0, 48_000.0] {
        let white = vec![noise((25.0 * fs) as usize, 0.3, 7), noise((25.0 * fs) as usize, 0.1, 8)];
        for (name, chans) in [("noise", white), ("music", music_like(fs, 40.0, 3))] {
            let m = meter(fs, &chans);
            let want = reference_integrated(fs, &[&chans], &[1.0, 1.0]);
            assert_near(m.integrated_lufs(), want, 0.02, &std::format!("{name} at {fs}"));
        }
    }
}

#[test]
fn album_loudness_pools_the_blocks() {
    let fs = 48_000.0;
    let a = music_like(fs, 12.0, 11);
    let b: Vec<Vec<f32>> =
        music_like(fs, 9.0, 12).into_iter().map(|c| c.iter().map(|v| v * 0.2).collect()).collect();
    let (ma, mb) = (meter(fs, &a), meter(fs, &b));
    let album = LoudnessMeter::combined_integrated_lufs(&[&ma, &mb]);
    assert_near(album, reference_integrated(fs, &[&a, &b], &[1.0, 1.0]), 0.02, "album");
    assert!(album < ma.integrated_lufs() && album > mb.integrated_lufs());
    assert_eq!(LoudnessMeter::combined_integrated_lufs(&[&ma]), ma.integrated_lufs());
    assert_eq!(LoudnessMeter::combined_integrated_lufs(&[]), f64::NEG_INFINITY);
}

#[test]
fn any_sample_rate_from_8_to_384_khz() {
    for fs in [8_000.0, 11_025.0, 22_050.0, 32_000.0, 88_200.0, 176_400.0, 192_000.0, 384_000.0] {
        let m = meter(fs, &stereo(tone_segments(fs, &[(5.0, -23.0)])));
        assert_near(m.integrated_lufs(), -23.0, 0.1, &std::format!("{fs}"));
        assert_near(m.max_momentary_lufs(), -23.0, 0.1, &std::format!("{fs}"));
    }
    assert!(matches!(LoudnessMeter::new(4_000.0, 2), Err(Error::InvalidSampleRate { .. })));
    // The message states the meter's own limits, not the processors'.
    let text = LoudnessMeter::new(4_000.0, 2).err().unwrap().to_string();
    assert!(text.contains("between 8000 and 768000 Hz"), "{text}");
    let text = LoudnessMeter::new(1e300, 2).err().unwrap().to_string();
    assert!(text.len() < 120 && text.contains("1e300"), "{text}");
    assert!(matches!(LoudnessMeter::new(48_000.0, 0), Err(Error::InvalidChannelCount { .. })));
}

#[test]
fn silence_short_input_and_empty_meter_are_defined() {
    let m = LoudnessMeter::new(48_000.0, 2).unwrap();
    for v in [
        m.integrated_lufs(),
        m.momentary_lufs(),
        m.short_term_lufs(),
        m.max_momentary_lufs(),
        m.sample_peak_dbfs(),
        m.true_peak_dbtp(),
    ] {
        assert_eq!(v, f64::NEG_INFINITY);
    }
    assert_eq!(m.loudness_range_lu(), 0.0);
    let silent = meter(48_000.0, &[vec![0.0; 480_000], vec![0.0; 480_000]]);
    assert_eq!(silent.integrated_lufs(), f64::NEG_INFINITY);
    assert_eq!(silent.max_short_term_lufs(), f64::NEG_INFINITY);
    assert_eq!(silent.loudness_range_lu(), 0.0);
    assert!(silent.momentary_series().iter().all(|&v| v == f64::NEG_INFINITY));
    assert_eq!(silent.momentary_series().len(), 100);
    // 300 ms of tone: no complete 400 ms block, so no integrated loudness;
    // momentary reads the tone with the missing 100 ms as silence.
    let short = meter(48_000.0, &stereo(tone_segments(48_000.0, &[(0.3, -23.0)])));
    assert_eq!(short.integrated_lufs(), f64::NEG_INFINITY);
    assert_near(short.momentary_lufs(), -23.0 + 10.0 * libm::log10(0.75), 0.1, "partial");
    assert_eq!(short.loudness_range_lu(), 0.0);
    assert_near(short.sample_peak_dbfs(), -23.0, 0.01, "peak");
    // Below the absolute gate: -80 LUFS tone is gated out entirely.
    let quiet = meter(48_000.0, &stereo(tone_segments(48_000.0, &[(5.0, -80.0)])));
    assert_eq!(quiet.integrated_lufs(), f64::NEG_INFINITY);
    assert_near(quiet.momentary_lufs(), -80.0, 0.1, "quiet momentary");
}

#[test]
fn nonfinite_input_is_refused_and_leaves_the_meter_unchanged() {
    let x = tone_segments(48_000.0, &[(2.0, -20.0)]);
    let mut m = meter(48_000.0, &stereo(x.clone()));
    let before = (m.integrated_lufs(), m.momentary_lufs(), m.true_peak_dbtp(), m.duration_s());
    let mut bad = x[..1000].to_vec();
    bad[321] = f32::NAN;
    assert_eq!(m.add_planar(&[&x[..1000], &bad]), Err(Error::NonFinite { channel: 1, index: 321 }));
    let mut inter = vec![0.25f32; 200];
    inter[151] = f32::INFINITY;
    assert_eq!(m.add_interleaved(&inter), Err(Error::NonFinite { channel: 1, index: 75 }));
    assert_eq!(
        before,
        (m.integrated_lufs(), m.momentary_lufs(), m.true_peak_dbtp(), m.duration_s())
    );
    assert!(matches!(m.add_planar(&[&x[..10]]), Err(Error::ChannelMismatch { .. })));
    assert!(matches!(m.add_planar(&[&x[..10], &x[..9]]), Err(Error::LengthMismatch { .. })));
    assert!(matches!(m.add_interleaved(&x[..11]), Err(Error::LengthMismatch { .. })));
}

#[test]
fn planar_interleaved_and_block_splits_agree() {
    let fs = 48_000.0;
    let chans = music_like(fs, 6.0, 5);
    let a = meter_tp(fs, &chans, true);
    let mut b = LoudnessMeter::new(fs, 2).unwrap();
    let inter: Vec<f32> = chans[0].iter().zip(&chans[1]).flat_map(|(&l, &r)| [l, r]).collect();
    for block in inter.chunks(2 * 333) {
        b.add_interleaved(block).unwrap();
    }
    let mut c = LoudnessMeter::new(fs, 2).unwrap();
    c.add_planar(&[&chans[0], &chans[1]]).unwrap();
    for m in [&b, &c] {
        assert_near(m.integrated_lufs(), a.integrated_lufs(), 1e-9, "I");
        assert_near(m.max_momentary_lufs(), a.max_momentary_lufs(), 1e-9, "M");
        assert_near(m.loudness_range_lu(), a.loudness_range_lu(), 1e-9, "LRA");
        assert_eq!(m.true_peak_dbtp(), a.true_peak_dbtp());
        assert_eq!(m.sample_peak_dbfs(), a.sample_peak_dbfs());
        assert_eq!(m.momentary_series().len(), 60);
    }
}

#[test]
fn bounded_meter_never_allocates_after_construction() {
    let fs = 48_000.0;
    let chans = music_like(fs, 4.0, 9);
    let inter: Vec<f32> = chans[0].iter().zip(&chans[1]).flat_map(|(&l, &r)| [l, r]).collect();
    let mut m = LoudnessMeter::new(fs, 2).unwrap().with_max_duration_s(5.0).unwrap();
    let ((), allocs) = count_allocs(|| {
        m.add_planar(&[&chans[0], &chans[1]]).unwrap();
        m.add_interleaved(&inter).unwrap();
        let _ =
            (m.integrated_lufs(), m.loudness_range_lu(), m.true_peak_dbtp(), m.momentary_series());
        m.reset();
        m.add_interleaved(&inter).unwrap();
    });
    assert_eq!(allocs, 0);
    // Past the reserved duration the series stop; readings go on.
    m.add_planar(&[&chans[0], &chans[1]]).unwrap();
    assert!(m.series_truncated());
    assert_eq!(m.momentary_series().len(), 51);
    assert_near(m.duration_s(), 8.0, 1e-9, "duration");
}

#[test]
fn weights_and_roles() {
    let fs = 48_000.0;
    let x = tone_segments(fs, &[(3.0, -23.0)]);
    let z = vec![0.0; x.len()];
    assert_eq!(
        LoudnessMeter::new(fs, 6).unwrap().channel_weights(),
        &[1.0, 1.0, 1.0, 0.0, 1.41, 1.41]
    );
    // A surround channel weighs 1.41 (+1.49 dB); dual mono counts twice.
    let surround = meter(fs, &[z.clone(), z.clone(), z.clone(), x.clone(), z.clone()]);
    let front = meter(fs, &[x.clone(), z.clone(), z.clone(), z.clone(), z.clone()]);
    assert_near(
        surround.integrated_lufs() - front.integrated_lufs(),
        10.0 * libm::log10(1.41),
        1e-6,
        "Ls",
    );
    let mut mono = LoudnessMeter::new(fs, 1).unwrap();
    mono.set_channel_role(0, ChannelRole::DualMono).unwrap();
    mono.add_planar(&[&x]).unwrap();
    let both = meter(fs, &stereo(x.clone()));
    assert_near(mono.integrated_lufs(), both.integrated_lufs(), 1e-9, "dual mono");
    assert!(mono.set_channel_weight(1, 1.0).is_err());
    assert!(mono.set_channel_weight(0, f64::NAN).is_err());
    // A 997 Hz sine at 0 dBFS in one channel reads -3.01 LUFS (BS.1770).
    let mut one = LoudnessMeter::new(fs, 1).unwrap();
    let s = crate::test_util::sine(997.0, fs, 96_000, 1.0);
    one.add_planar(&[&s]).unwrap();
    assert_near(one.integrated_lufs(), -3.01, 0.01, "997 Hz");
    assert_near(one.channel_loudness_lufs(0).unwrap(), -3.01, 0.02, "channel loudness");
}

/// Every reading is the same, to the bit, however the audio is cut into
/// blocks (planar or interleaved).
#[test]
fn readings_do_not_depend_on_block_lengths() {
    let (l, r) = (noise(480_000, 0.3, 11), noise(480_000, 0.2, 12));
    let readings = |m: &LoudnessMeter| {
        [
            m.integrated_lufs(),
            m.loudness_range_lu(),
            m.max_momentary_lufs(),
            m.max_short_term_lufs(),
            m.channel_loudness_lufs(0).unwrap(),
            m.channel_loudness_lufs(1).unwrap(),
        ]
    };
    let mut whole = LoudnessMeter::new(48_000.0, 2).unwrap();
    whole.add_planar(&[&l, &r]).unwrap();
    let want = readings(&whole);
    let mut planar = LoudnessMeter::new(48_000.0, 2).unwrap();
    feed(&mut planar, &[l.clone(), r.clone()]);
    assert_eq!(readings(&planar), want);
    let inter: Vec<f32> = l.iter().zip(&r).flat_map(|(&a, &b)| [a, b]).collect();
    let mut interleaved = LoudnessMeter::new(48_000.0, 2).unwrap();
    for chunk in inter.chunks(2 * 999) {
        interleaved.add_interleaved(chunk).unwrap();
    }
    assert_eq!(readings(&interleaved), want);
}
