//! One-pass quality report of a whole track: loudness, peaks, DC, clipping,
//! stereo image and spectral balance, how the track translates (mono
//! fold-down, a small loudspeaker), and checks against delivery targets.
//!
//! The small loudspeaker (a phone, a laptop, a kitchen radio) is modelled as
//! a band-pass: a 4th-order Linkwitz-Riley high-pass at
//! [`SMALL_SPEAKER_HIGH_PASS_HZ`] and low-pass at
//! [`SMALL_SPEAKER_LOW_PASS_HZ`] (each two identical 2nd-order Butterworth
//! sections: -6 dB at the corner, 24 dB per octave beyond it), see
//! [`small_speaker_response`].

use std::vec;
use std::vec::Vec;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

use super::loudness::{ChannelRole, LoudnessMeter};
use super::targets::{Target, TargetCheck};
use crate::error::Error;
use crate::filters::Coefs;
use crate::filters::design::{FilterKind, rbj};
use crate::filters::section::{Planar, Section, SectionState, run_series};
use crate::math::{PI, cos, gain_to_db, power_to_db};
use crate::progress::Progress;

/// Magnitude from which a sample counts as full scale (the largest 16-bit
/// value, 32767/32768).
pub const CLIP_LEVEL: f32 = 32_767.0 / 32_768.0;
/// Shortest run of consecutive full-scale samples counted as clipping.
pub const CLIP_RUN: usize = 2;
/// Octave band centres of the spectral summary, in Hz.
pub const OCTAVE_CENTRES_HZ: [f64; 10] =
    [31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0];
/// Windows whose channels are both below this mean square (-70 dBFS) are
/// left out of the worst-window correlation.
const SILENT_MEAN_SQUARE: f64 = 1e-7;
/// Independent partial sums in the summing loops.
const LANES: usize = 8;
/// Samples folded to mono at a time for the mono loudness reading.
const FOLD_BLOCK: usize = 4096;

/// Samples per channel fed to the loudness meter between progress reports.
const MEASURE_CHUNK: usize = 1 << 16;
/// Corner of the small loudspeaker's high-pass, Hz.
pub const SMALL_SPEAKER_HIGH_PASS_HZ: f64 = 150.0;
/// Corner of the small loudspeaker's low-pass, Hz (left out at sample rates
/// where it would sit above 0.45 times the rate: from 8 kHz up to 17.7 kHz,
/// where Nyquist already band-limits the audio).
pub const SMALL_SPEAKER_LOW_PASS_HZ: f64 = 8000.0;

/// The small loudspeaker's response at `sample_rate` as four biquads in
/// series: two 2nd-order Butterworth high-pass sections at
/// [`SMALL_SPEAKER_HIGH_PASS_HZ`] and two low-pass sections at
/// [`SMALL_SPEAKER_LOW_PASS_HZ`] (RBJ designs, Q = 1/sqrt 2; the low-pass
/// sections are pass-through where the corner is above 0.45 fs).
pub fn small_speaker_response(sample_rate: f64) -> [Coefs; 4] {
    let q = core::f64::consts::FRAC_1_SQRT_2;
    let hp = rbj(FilterKind::HighPass, SMALL_SPEAKER_HIGH_PASS_HZ, q, 0.0, sample_rate);
    let lp = if SMALL_SPEAKER_LOW_PASS_HZ < 0.45 * sample_rate {
        rbj(FilterKind::LowPass, SMALL_SPEAKER_LOW_PASS_HZ, q, 0.0, sample_rate)
    } else {
        Coefs::IDENTITY
    };
    [hp, hp, lp, lp]
}

/// A quality report of a whole track, from [`QaReport::measure`].
///
/// Stereo readings (correlation, mono fold, balance) use channels 0 and 1
/// (left and right); for mono they read as for identical channels
/// (correlation 1, no drop, no change per band, balance 0).
///
/// With the `serde` feature it serializes (infinite readings, such as the
/// loudness of silence, as JSON `null`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QaReport {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Length in seconds.
    pub duration_s: f64,
    /// Integrated loudness (BS.1770 gating), LUFS; `-inf` if silent or
    /// shorter than 400 ms.
    pub integrated_lufs: f64,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: f64,
    /// Largest momentary (400 ms) loudness, LUFS.
    pub max_momentary_lufs: f64,
    /// Largest short-term (3 s) loudness, LUFS.
    pub max_short_term_lufs: f64,
    /// True peak over all channels (4x below 96 kHz), dBTP.
    pub true_peak_dbtp: f64,
    /// Sample peak over all channels, dBFS.
    pub sample_peak_dbfs: f64,
    /// Peak-to-loudness ratio: true peak minus integrated loudness, dB (0
    /// when the track has no integrated loudness).
    pub plr_db: f64,
    /// Mean (DC offset) per channel, as a fraction of full scale.
    pub dc_offset: Vec<f64>,
    /// Samples in runs of at least [`CLIP_RUN`] consecutive samples at or
    /// above [`CLIP_LEVEL`], over all channels.
    pub clipped_samples: u64,
    /// Phase correlation of left and right over the whole track (-1 to 1;
    /// 0 if either is silent).
    pub correlation: f64,
    /// Lowest correlation over 400 ms windows (100 ms apart) that are not
    /// silent; equals `correlation` if there is no such window.
    pub worst_correlation: f64,
    /// Integrated loudness lost when left and right are folded to mono
    /// ((L + R) / 2 on both loudspeakers), LU; `inf` if the fold cancels.
    pub mono_loudness_drop_lu: f64,
    /// Left minus right K-weighted (ungated) loudness, dB; positive: left
    /// louder.
    pub balance_db: f64,
    /// Mean-square level per octave band (centre Hz, dB re full-scale
    /// square; a full-scale sine reads -3 dB), averaged over channels;
    /// bands that reach past Nyquist are left out; a band with no FFT bin
    /// (input shorter than a few periods) reads `-inf`.
    pub octave_bands: Vec<(f64, f64)>,
    /// Level change per octave band (the bands of `octave_bands`) when left
    /// and right are folded to mono ((L + R) / 2), against the mean power
    /// of left and right, dB: 0 for identical channels, -3 for
    /// uncorrelated ones, `-inf` where the fold cancels (L = -R); 0 for a
    /// band without energy and for mono input.
    pub mono_band_change_db: Vec<(f64, f64)>,
    /// Integrated loudness through the small loudspeaker
    /// ([`small_speaker_response`] before the K-weighting), LUFS; `-inf`
    /// if nothing above the gates gets through.
    pub small_speaker_lufs: f64,
    /// Integrated loudness lost through the small loudspeaker
    /// (`integrated_lufs - small_speaker_lufs`), LU: about 0 for midrange
    /// material, tens of LU for content that is mostly sub-bass; 0 when
    /// the track has no integrated loudness, `inf` if nothing gets
    /// through.
    pub small_speaker_drop_lu: f64,
    /// Tonal balance through the small loudspeaker: each octave band's
    /// (the bands of `octave_bands`) share of all the energy the
    /// loudspeaker passes, dB (0 would be everything in that band; -10 is
    /// a tenth); `-inf` for silence.
    pub small_speaker_bands_db: Vec<(f64, f64)>,
    /// Momentary loudness every 100 ms, LUFS.
    pub momentary_series_lufs: Vec<f64>,
    /// Short-term loudness every 100 ms, LUFS.
    pub short_term_series_lufs: Vec<f64>,
}

impl QaReport {
    /// Measures planar audio (one slice per channel, equal lengths, at least
    /// one sample). NaN or infinite samples give [`Error::NonFinite`].
    pub fn measure(channels: &[&[f32]], sample_rate: f64) -> Result<QaReport, Error> {
        Self::measure_with(channels, sample_rate, &mut Progress::none())
    }

    /// [`measure`](Self::measure), reporting to `progress` (and stopping
    /// with [`Error::Cancelled`] when it cancels).
    pub fn measure_with(
        channels: &[&[f32]],
        sample_rate: f64,
        progress: &mut Progress,
    ) -> Result<QaReport, Error> {
        let mut meter = LoudnessMeter::new(sample_rate, channels.len())?;
        if channels[0].is_empty() {
            return Err(Error::EmptyInput);
        }
        let len = channels[0].len();
        let stereo = channels.len() >= 2;
        // Mono fold-down: (L + R) / 2 on both loudspeakers.
        let mut mono = LoudnessMeter::new(sample_rate, 1)?;
        mono.set_true_peak_enabled(false);
        mono.set_channel_role(0, ChannelRole::DualMono)?;
        let mut speaker = SmallSpeaker::new(sample_rate, channels.len())?;
        let mut fold = vec![0.0f32; FOLD_BLOCK];
        // One pass: each chunk goes to the meter (which validates it), then
        // in smaller blocks to the mono fold and the small loudspeaker.
        progress.phase(0.0, 0.95, |p| {
            for start in (0..len).step_by(MEASURE_CHUNK) {
                let end = (start + MEASURE_CHUNK).min(len);
                let part: Vec<&[f32]> =
                    channels.iter().map(|c| &c[start..end.min(c.len())]).collect();
                meter.add_planar(&part)?;
                for block in (start..end).step_by(FOLD_BLOCK) {
                    let block_end = (block + FOLD_BLOCK).min(end);
                    let views: Vec<&[f32]> =
                        channels.iter().map(|c| &c[block..block_end]).collect();
                    if stereo {
                        let f = &mut fold[..block_end - block];
                        // Halved before the sum, so that finite samples (up
                        // to f32::MAX) fold to a finite one.
                        f.iter_mut()
                            .zip(views[0].iter().zip(views[1]))
                            .for_each(|(f, (a, b))| *f = 0.5 * a + 0.5 * b);
                        mono.add_planar(&[f])?;
                    }
                    speaker.add(&views)?;
                    p.report(block_end as f64 / len as f64)?;
                }
            }
            Ok(())
        })?;
        let integrated = meter.integrated_lufs();
        let true_peak = meter.true_peak_dbtp();
        let drop_to = |other: f64| if integrated.is_finite() { integrated - other } else { 0.0 };
        let (correlation, worst_correlation, mono_drop, balance) = if stereo {
            let (l, r) = (channels[0], channels[1]);
            let hop = libm::round(sample_rate / 10.0) as usize;
            // Products per 100 ms hop; a 400 ms window sums four hops.
            let hops: Vec<[f64; 3]> =
                l.chunks(hop).zip(r.chunks(hop)).map(|(a, b)| products(a, b)).collect();
            let overall = correlation(hops.iter().fold([0.0; 3], |s, p| add(s, *p)));
            let whole = l.len() / hop;
            let worst = hops[..whole]
                .windows(4)
                .map(|w| w.iter().fold([0.0; 3], |s, p| add(s, *p)))
                .filter(|p| {
                    let loud = |sq: f64| sq / (4 * hop) as f64 >= SILENT_MEAN_SQUARE;
                    loud(p[1]) || loud(p[2])
                })
                .map(correlation)
                .fold(None, |m: Option<f64>, c| Some(m.map_or(c, |m| m.min(c))));
            let balance = match (meter.channel_loudness_lufs(0), meter.channel_loudness_lufs(1)) {
                (Some(a), Some(b)) if a.is_finite() || b.is_finite() => a - b,
                _ => 0.0,
            };
            (overall, worst.unwrap_or(overall), drop_to(mono.integrated_lufs()), balance)
        } else {
            (1.0, 1.0, 0.0, 0.0)
        };
        let speaker_lufs = speaker.meter.integrated_lufs();
        let spectrum = Spectrum::measure(channels, sample_rate);
        progress.report(1.0)?;
        Ok(QaReport {
            sample_rate,
            duration_s: meter.duration_s(),
            integrated_lufs: integrated,
            loudness_range_lu: meter.loudness_range_lu(),
            max_momentary_lufs: meter.max_momentary_lufs(),
            max_short_term_lufs: meter.max_short_term_lufs(),
            true_peak_dbtp: true_peak,
            sample_peak_dbfs: meter.sample_peak_dbfs(),
            plr_db: if integrated.is_finite() { true_peak - integrated } else { 0.0 },
            dc_offset: channels.iter().map(|c| sum(c) / c.len() as f64).collect(),
            // Nothing reaches full scale below it: no need to look for runs.
            clipped_samples: if meter.sample_peak_dbfs() < gain_to_db(f64::from(CLIP_LEVEL)) {
                0
            } else {
                channels.iter().map(|c| clipped(c)).sum()
            },
            correlation,
            worst_correlation,
            mono_loudness_drop_lu: mono_drop,
            balance_db: balance,
            octave_bands: spectrum.octave_bands,
            mono_band_change_db: spectrum.mono_band_change_db,
            small_speaker_lufs: speaker_lufs,
            small_speaker_drop_lu: drop_to(speaker_lufs),
            small_speaker_bands_db: spectrum.small_speaker_bands_db,
            momentary_series_lufs: meter.momentary_series().to_vec(),
            short_term_series_lufs: meter.short_term_series().to_vec(),
        })
    }

    /// Checks the report against a delivery target (see [`Target::check`]).
    pub fn check(&self, target: &Target) -> TargetCheck {
        target.check(self.integrated_lufs, self.true_peak_dbtp)
    }

    /// Checks against every built-in target.
    pub fn check_all(&self) -> Vec<(Target, TargetCheck)> {
        Target::all()
            .into_iter()
            .map(|t| {
                let c = self.check(&t);
                (t, c)
            })
            .collect()
    }
}

/// `[sum(l r), sum(l^2), sum(r^2)]` in one pass.
fn products(l: &[f32], r: &[f32]) -> [f64; 3] {
    // Eight independent sums per product, so that the loop vectorizes.
    let mut acc = [[0.0f64; LANES]; 3];
    let (lc, rc) = (l.chunks_exact(LANES), r.chunks_exact(LANES));
    let (lt, rt) = (lc.remainder(), rc.remainder());
    for (a, b) in lc.zip(rc) {
        for i in 0..LANES {
            let (a, b) = (f64::from(a[i]), f64::from(b[i]));
            acc[0][i] += a * b;
            acc[1][i] += a * a;
            acc[2][i] += b * b;
        }
    }
    let mut sums = acc.map(|a| a.iter().sum::<f64>());
    for (&a, &b) in lt.iter().zip(rt) {
        let (a, b) = (f64::from(a), f64::from(b));
        sums = add(sums, [a * b, a * a, b * b]);
    }
    sums
}

/// Sum of a channel's samples, in eight independent sums (so that the loop
/// vectorizes).
fn sum(x: &[f32]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v)).sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, &v)| *a += f64::from(v));
    }
    acc.iter().sum::<f64>() + tail
}

/// Element-wise sum of two [`products`].
fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// Phase correlation `sum(l r) / sqrt(sum(l^2) sum(r^2))` from
/// [`products`]; 0 if either is silent.
fn correlation([lr, ll, rr]: [f64; 3]) -> f64 {
    if ll > 0.0 && rr > 0.0 { (lr / libm::sqrt(ll * rr)).clamp(-1.0, 1.0) } else { 0.0 }
}

/// Samples in runs of at least [`CLIP_RUN`] full-scale samples.
fn clipped(x: &[f32]) -> u64 {
    let (mut total, mut run) = (0u64, 0u64);
    for &v in x.iter().chain([0.0f32].iter()) {
        if v.abs() >= CLIP_LEVEL {
            run += 1;
        } else {
            if run >= CLIP_RUN as u64 {
                total += run;
            }
            run = 0;
        }
    }
    total
}

/// The small loudspeaker's filters and the loudness meter after them.
struct SmallSpeaker {
    sections: [Section; 4],
    /// Filter state per pair of channels.
    states: Vec<[SectionState; 4]>,
    /// Filtered audio, one buffer per channel (an even number of them).
    scratch: Vec<Vec<f32>>,
    meter: LoudnessMeter,
}

impl SmallSpeaker {
    fn new(sample_rate: f64, channels: usize) -> Result<Self, Error> {
        let mut meter = LoudnessMeter::new(sample_rate, channels)?;
        meter.set_true_peak_enabled(false);
        let pairs = channels.div_ceil(2);
        Ok(Self {
            sections: small_speaker_response(sample_rate).map(|c| Section::new(&c, 1.0)),
            states: vec![[SectionState::default(); 4]; pairs],
            scratch: vec![vec![0.0; FOLD_BLOCK]; 2 * pairs],
            meter,
        })
    }

    /// Filters one block (at most [`FOLD_BLOCK`] finite samples per
    /// channel) and meters it.
    fn add(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        let n = block[0].len();
        for (s, x) in self.scratch.iter_mut().zip(block) {
            s[..n].copy_from_slice(x);
        }
        for (pair, state) in self.scratch.chunks_mut(2).zip(&mut self.states) {
            let (a, b) = pair.split_at_mut(1);
            run_series::<4, false>(
                &self.sections,
                state,
                &mut Planar(&mut a[0][..n], &mut b[0][..n]),
            );
            state.iter_mut().for_each(SectionState::flush);
        }
        // The overshoot of samples near f32::MAX stays finite for the meter.
        let views: Vec<&[f32]> = self.scratch[..block.len()]
            .iter_mut()
            .map(|s| {
                s[..n].iter_mut().for_each(|v| *v = v.clamp(-f32::MAX, f32::MAX));
                &s[..n]
            })
            .collect();
        self.meter.add_planar(&views)
    }
}

/// The spectral readings of a report, from one Welch power spectrum.
struct Spectrum {
    octave_bands: Vec<(f64, f64)>,
    mono_band_change_db: Vec<(f64, f64)>,
    small_speaker_bands_db: Vec<(f64, f64)>,
}

impl Spectrum {
    /// Welch power spectrum (Hann, 50 % overlap, frames of up to 8192
    /// samples, averaged over channels) summed into octave bands; for
    /// stereo also the spectra of the first two channels' mean power and
    /// of their mono fold; and the spectrum weighted by the small
    /// loudspeaker's squared magnitude response.
    fn measure(channels: &[&[f32]], sample_rate: f64) -> Spectrum {
        let len = channels[0].len();
        let n = (1usize << (usize::BITS - 1 - len.max(1).leading_zeros())).min(8192);
        let centres: Vec<f64> = OCTAVE_CENTRES_HZ
            .iter()
            .copied()
            .filter(|&c| c * core::f64::consts::SQRT_2 < sample_rate / 2.0)
            .collect();
        let each = |f: &dyn Fn(f64) -> f64| centres.iter().map(|&c| (c, f(c))).collect();
        if n < 16 {
            return Spectrum {
                octave_bands: each(&|_| f64::NEG_INFINITY),
                mono_band_change_db: each(&|_| 0.0),
                small_speaker_bands_db: each(&|_| f64::NEG_INFINITY),
            };
        }
        let window: Vec<f64> =
            (0..n).map(|i| 0.5 - 0.5 * cos(2.0 * PI * i as f64 / n as f64)).collect();
        let window_power: f64 = window.iter().map(|w| w * w).sum();
        let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
        // Per bin: power summed over channels; mean power of channels 0
        // and 1; power of their fold (L + R) / 2.
        let mut power = vec![0.0f64; n / 2 + 1];
        let mut pair_power = vec![0.0f64; n / 2 + 1];
        let mut fold_power = vec![0.0f64; n / 2 + 1];
        let mut frames = 0usize;
        let mut buf = vec![Complex::new(0.0, 0.0); n];
        // Two channels share one FFT, one as the real and one as the
        // imaginary part: with Z = L + jR, L[k] = (Z[k] + Z*[n - k]) / 2 and
        // R[k] = (Z[k] - Z*[n - k]) / 2j, so |L[k]|^2 + |R[k]|^2 =
        // (|Z[k]|^2 + |Z[n - k]|^2) / 2 and L[k] + R[k] =
        // ((1 - j) Z[k] + (1 + j) Z*[n - k]) / 2.
        for (index, pair) in channels.chunks(2).enumerate() {
            let stereo = index == 0 && pair.len() == 2;
            let mut start = 0;
            while start + n <= len {
                let re = &pair[0][start..start + n];
                let im = pair.get(1).map(|c| &c[start..start + n]);
                for (i, (b, w)) in buf.iter_mut().zip(&window).enumerate() {
                    let y = im.map_or(0.0, |c| f64::from(c[i]));
                    *b = Complex::new(f64::from(re[i]) * w, y * w);
                }
                fft.process(&mut buf);
                for (k, p) in power.iter_mut().enumerate() {
                    let (z, zm) = (buf[k], buf[(n - k) % n]);
                    let both = 0.5 * (z.norm_sqr() + zm.norm_sqr());
                    *p += both;
                    if stereo {
                        pair_power[k] += 0.5 * both;
                        let sum = (z * Complex::new(1.0, -1.0)
                            + zm.conj() * Complex::new(1.0, 1.0))
                            * 0.5;
                        fold_power[k] += 0.25 * sum.norm_sqr();
                    }
                }
                frames += pair.len();
                start += n / 2;
            }
        }
        // One-sided mean-square per bin (Parseval with the window's power).
        let scale = 2.0 / (frames as f64 * n as f64 * window_power);
        let bin_hz = sample_rate / n as f64;
        let band_sum = |v: &[f64], c: f64| -> f64 {
            let (lo, hi) = (c / core::f64::consts::SQRT_2, c * core::f64::consts::SQRT_2);
            v.iter()
                .enumerate()
                .filter(|&(k, _)| (k as f64 * bin_hz) >= lo && (k as f64 * bin_hz) < hi)
                .map(|(_, p)| p)
                .sum()
        };
        let response = small_speaker_response(sample_rate);
        let through: Vec<f64> = power
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let f = k as f64 * bin_hz;
                p * response.iter().map(|c| c.response(f, sample_rate).norm_sqr()).product::<f64>()
            })
            .collect();
        let through_total: f64 = through.iter().sum();
        Spectrum {
            octave_bands: each(&|c| power_to_db(band_sum(&power, c) * scale)),
            mono_band_change_db: each(&|c| {
                let (fold, mean) = (band_sum(&fold_power, c), band_sum(&pair_power, c));
                if mean > 0.0 { power_to_db(fold / mean) } else { 0.0 }
            }),
            small_speaker_bands_db: each(&|c| {
                if through_total > 0.0 {
                    power_to_db(band_sum(&through, c) / through_total)
                } else {
                    f64::NEG_INFINITY
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{noise, sine};

    /// `test_util::noise` with its mean removed exactly.
    fn white(n: usize, amp: f32, seed: u64) -> Vec<f32> {
        let x = noise(n, amp, seed);
        let mean = x.iter().sum::<f32>() / n as f32;
        x.iter().map(|v| v - mean).collect()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn sine_track_report() {
        let fs = 48_000.0;
        let x = sine(1000.0, fs, 10 * 48_000, 0.5);
        let r = QaReport::measure(&[&x, &x], fs).unwrap();
        assert!(close(r.integrated_lufs, -6.02, 0.1), "{}", r.integrated_lufs);
        assert!(close(r.true_peak_dbtp, -6.02, 0.05));
        assert!(close(r.plr_db, r.true_peak_dbtp - r.integrated_lufs, 1e-12));
        assert!(close(r.correlation, 1.0, 1e-9) && close(r.worst_correlation, 1.0, 1e-9));
        assert!(close(r.mono_loudness_drop_lu, 0.0, 1e-6));
        assert!(r.mono_band_change_db.iter().all(|b| close(b.1, 0.0, 1e-9)));
        assert!(close(r.balance_db, 0.0, 1e-9));
        assert!(r.dc_offset.iter().all(|d| d.abs() < 1e-4));
        assert_eq!(r.clipped_samples, 0);
        let band = |hz: f64| r.octave_bands.iter().find(|b| b.0 == hz).unwrap().1;
        assert!(close(band(1000.0), -9.03, 0.1), "{:?}", r.octave_bands);
        assert!(band(125.0) < -60.0);
        assert_eq!(r.octave_bands.len(), 10);
        assert_eq!(r.momentary_series_lufs.len(), 100);
    }

    #[test]
    fn stereo_image_clipping_and_dc() {
        let fs = 44_100.0;
        let n = 5 * 44_100;
        let (l, r) = (white(n, 0.25, 7), white(n, 0.25, 1_234_567));
        let rep = QaReport::measure(&[&l, &r], fs).unwrap();
        assert!(rep.correlation.abs() < 0.02);
        assert!(close(rep.mono_loudness_drop_lu, 3.01, 0.1), "{}", rep.mono_loudness_drop_lu);
        // Uncorrelated: every band loses 3 dB in the fold.
        for &(hz, db) in &rep.mono_band_change_db[2..] {
            assert!(close(db, -3.01, 0.3), "{hz} Hz: {db}");
        }
        // Anti-phase: correlation -1 and the fold cancels.
        let inv: Vec<f32> = l.iter().map(|v| -v).collect();
        let rep = QaReport::measure(&[&l, &inv], fs).unwrap();
        assert!(close(rep.correlation, -1.0, 1e-9));
        assert_eq!(rep.mono_loudness_drop_lu, f64::INFINITY);
        // Left 6 dB louder; a clipped run of 5 samples and a lone full-scale one; DC.
        let quiet: Vec<f32> = l.iter().map(|v| 0.5 * v + 0.01).collect();
        let mut loud = l.clone();
        loud[1000..1005].iter_mut().for_each(|v| *v = 1.0);
        loud[2000] = -1.0;
        let rep = QaReport::measure(&[&loud, &quiet], fs).unwrap();
        assert!(close(rep.balance_db, 6.02, 0.05), "{}", rep.balance_db);
        assert_eq!(rep.clipped_samples, 5);
        assert!(close(rep.dc_offset[1], 0.01, 1e-3));
        assert!(rep.worst_correlation <= rep.correlation);
    }

    #[test]
    fn defined_results_for_edge_inputs() {
        let fs = 48_000.0;
        let silent = vec![0.0f32; 1000];
        let r = QaReport::measure(&[&silent], fs).unwrap();
        assert_eq!(r.integrated_lufs, f64::NEG_INFINITY);
        assert_eq!((r.plr_db, r.correlation, r.mono_loudness_drop_lu), (0.0, 1.0, 0.0));
        assert!(r.octave_bands.iter().all(|b| b.1 == f64::NEG_INFINITY));
        assert_eq!((r.small_speaker_lufs, r.small_speaker_drop_lu), (f64::NEG_INFINITY, 0.0));
        assert!(r.small_speaker_bands_db.iter().all(|b| b.1 == f64::NEG_INFINITY));
        assert!(r.mono_band_change_db.iter().all(|b| b.1 == 0.0));
        let r = QaReport::measure(&[&silent, &silent], fs).unwrap();
        assert_eq!((r.correlation, r.balance_db, r.mono_loudness_drop_lu), (0.0, 0.0, 0.0));
        assert!(r.mono_band_change_db.iter().all(|b| b.1 == 0.0));
        assert_eq!(r.small_speaker_drop_lu, 0.0);
        let long_silence = vec![0.0f32; 48_000];
        let r = QaReport::measure(&[&long_silence, &long_silence], fs).unwrap();
        assert!(r.small_speaker_bands_db.iter().all(|b| b.1 == f64::NEG_INFINITY));
        assert!(r.mono_band_change_db.iter().all(|b| b.1 == 0.0));
        assert!(!r.check(&Target::by_name("spotify").unwrap()).pass);
        assert_eq!(QaReport::measure(&[&[]], fs), Err(Error::EmptyInput));
        let bad = [0.0, f32::NAN];
        assert_eq!(QaReport::measure(&[&bad], fs), Err(Error::NonFinite { channel: 0, index: 1 }));
        assert!(QaReport::measure(&[], fs).is_err());
    }

    #[test]
    fn mono_fold_change_per_band() {
        // 200 Hz in phase, 3 kHz in anti-phase (L = -R): the 3 kHz part
        // vanishes in mono, the 200 Hz part is untouched.
        let fs = 48_000.0;
        let n = 5 * 48_000;
        let (low, high) = (sine(200.0, fs, n, 0.3), sine(3000.0, fs, n, 0.3));
        let l: Vec<f32> = low.iter().zip(&high).map(|(a, b)| a + b).collect();
        let r: Vec<f32> = low.iter().zip(&high).map(|(a, b)| a - b).collect();
        let rep = QaReport::measure(&[&l, &r], fs).unwrap();
        let band = |hz: f64| rep.mono_band_change_db.iter().find(|b| b.0 == hz).unwrap().1;
        assert_eq!(rep.mono_band_change_db.len(), rep.octave_bands.len());
        assert!(band(4000.0) <= -20.0, "{:?}", rep.mono_band_change_db);
        assert!(close(band(250.0), 0.0, 0.1), "{:?}", rep.mono_band_change_db);
        // Mono input: no change anywhere.
        let rep = QaReport::measure(&[&l], fs).unwrap();
        assert!(rep.mono_band_change_db.iter().all(|b| b.1 == 0.0));
    }

    #[test]
    fn small_speaker_loses_the_sub_bass() {
        let fs = 48_000.0;
        let n = 5 * 48_000;
        let mid = sine(1000.0, fs, n, 0.5);
        let rep = QaReport::measure(&[&mid, &mid], fs).unwrap();
        assert!(close(rep.small_speaker_drop_lu, 0.0, 0.5), "{}", rep.small_speaker_drop_lu);
        assert!(close(
            rep.small_speaker_lufs,
            rep.integrated_lufs - rep.small_speaker_drop_lu,
            0.0
        ));
        let share =
            |r: &QaReport, hz: f64| r.small_speaker_bands_db.iter().find(|b| b.0 == hz).unwrap().1;
        assert!(close(share(&rep, 1000.0), 0.0, 0.05), "{:?}", rep.small_speaker_bands_db);
        assert!(share(&rep, 125.0) < -60.0);
        let sub = sine(50.0, fs, n, 0.5);
        let rep = QaReport::measure(&[&sub, &sub], fs).unwrap();
        assert!(rep.small_speaker_drop_lu > 10.0, "{}", rep.small_speaker_drop_lu);
        // A bass line with a little midrange: through the speaker, the
        // midrange carries most of the energy.
        let mix: Vec<f32> = sub.iter().zip(&mid).map(|(a, b)| a + 0.05 * b).collect();
        let rep = QaReport::measure(&[&mix], fs).unwrap();
        assert!(share(&rep, 1000.0) > share(&rep, 63.0), "{:?}", rep.small_speaker_bands_db);
        assert!(rep.small_speaker_drop_lu > 10.0, "{}", rep.small_speaker_drop_lu);
        // Response: -6 dB at both corners (LR4), flat in between; no
        // low-pass where the corner would be near Nyquist.
        let db = |fs: f64, f: f64| {
            small_speaker_response(fs).iter().map(|c| c.magnitude_db(f, fs)).sum::<f64>()
        };
        assert!(
            close(db(48_000.0, 150.0), -6.02, 0.01) && close(db(48_000.0, 8000.0), -6.02, 0.05)
        );
        assert!(close(db(48_000.0, 1000.0), 0.0, 0.02));
        assert!(close(db(16_000.0, 7000.0), 0.0, 0.01));
        let rep = QaReport::measure(&[&sine(1000.0, 16_000.0, 80_000, 0.5)], 16_000.0).unwrap();
        assert!(close(rep.small_speaker_drop_lu, 0.0, 0.5), "{}", rep.small_speaker_drop_lu);
    }

    #[test]
    fn target_checks_from_a_report() {
        let fs = 48_000.0;
        // About -12 LUFS, peaks at -12 dBTP: too loud for Apple and EBU R 128.
        let x = sine(1000.0, fs, 5 * 48_000, 0.25);
        let r = QaReport::measure(&[&x, &x], fs).unwrap();
        let all = r.check_all();
        assert_eq!(all.len(), 9);
        let get = |n: &str| all.iter().find(|(t, _)| t.name == n).unwrap().1.clone();
        assert!(get("ebu_r128").description.starts_with("EBU R 128 will turn it down"));
        assert!(!get("ebu_r128").pass);
        let apple = get("apple");
        assert!(apple.gain_change_db < 0.0 && !apple.pass, "{apple:?}");
    }
}
