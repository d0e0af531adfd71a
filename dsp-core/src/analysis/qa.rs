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

use std::vec::Vec;

use super::qa_meter::QaMeter;
use super::targets::{Target, TargetCheck};
use crate::error::Error;
use crate::filters::Coefs;
use crate::filters::design::{FilterKind, rbj};
use crate::progress::Progress;

/// Magnitude from which a sample counts as full scale (the largest 16-bit
/// value, 32767/32768).
pub const CLIP_LEVEL: f32 = 32_767.0 / 32_768.0;
/// Shortest run of consecutive full-scale samples counted as clipping.
pub const CLIP_RUN: usize = 2;
/// Octave band centres of the spectral summary, in Hz.
pub const OCTAVE_CENTRES_HZ: [f64; 10] =
    [31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0];
/// Samples per channel fed to the meter between progress reports.
const MEASURE_CHUNK: usize = 1 << 14;
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

/// A quality report of a whole track, from [`QaReport::measure`] (or a
/// [`QaMeter`] fed the track block by block).
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
    /// with [`Error::Cancelled`] when it cancels). Runs a [`QaMeter`] over
    /// the track, so the two agree bit for bit.
    pub fn measure_with(
        channels: &[&[f32]],
        sample_rate: f64,
        progress: &mut Progress,
    ) -> Result<QaReport, Error> {
        let mut meter = QaMeter::new(sample_rate, channels.len())?;
        let len = channels[0].len();
        progress.phase(0.0, 0.95, |p| {
            for start in (0..len).step_by(MEASURE_CHUNK) {
                let end = (start + MEASURE_CHUNK).min(len);
                let part: Vec<&[f32]> =
                    channels.iter().map(|c| &c[start..end.min(c.len())]).collect();
                meter.add(&part).map_err(|e| match e {
                    // The index within the track, not within the part.
                    Error::NonFinite { channel, index } => {
                        Error::NonFinite { channel, index: start + index }
                    }
                    e => e,
                })?;
                p.report(end as f64 / len as f64)?;
            }
            Ok(())
        })?;
        let report = meter.finish()?;
        progress.report(1.0)?;
        Ok(report)
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
