//! Reference-matching analysis: a track's [`Profile`] (loudness, peaks,
//! dynamics, stereo width and the long-term average spectra of mid and
//! side), the [`MatchCurves`] that turn one profile's tonal balance into
//! another's, and [`third_octave_error_db`], the tonal-distance metric the
//! matching is judged by.
//!
//! # How a profile is measured
//! * Loudness, true peak and loudness range come from
//!   [`LoudnessMeter`]. A mono track is measured as dual mono (weight 2: as
//!   if played on both loudspeakers), so it profiles exactly like the same
//!   audio on two identical channels.
//! * **The loud part.** Every 100 ms segment takes the momentary (400 ms)
//!   loudness of the window centred on it; segments within [`LOUD_PART_LU`]
//!   of the track's loud level (the 90th percentile of the momentary
//!   loudness above -70 LUFS) form the loud part. Quiet intros, breaks and
//!   fades (more than 10 LU down) are left out of the spectra, the width
//!   and the crest factor, however long they are, while every passage of
//!   the body of a song counts; a percentile rather than the maximum, so
//!   that one loud hit does not shrink the loud part.
//! * **Spectra.** Welch averaging of the mid `(L + R) / 2` and side
//!   `(L - R) / 2` signals over the loud part: periodic Hann frames of
//!   [`fft_size`] samples (a power of two with bins of 5 to 10 Hz at any
//!   rate), 50 % overlap, power summed over frames. Each grid point reads the
//!   mean power density over a band [`BAND_OCTAVES`] wide centred on it (the
//!   density is interpolated linearly between bins, so a band narrower than
//!   a bin reads the interpolated density rather than one bin).
//! * **Grid.** [`GRID_POINTS_PER_OCTAVE`] points per octave from
//!   [`GRID_START_HZ`] up to `min(20 kHz, 0.45 fs)`
//!   ([`grid_frequencies`]); the points do not depend on the sample rate,
//!   only how far they reach does.
//! * **Level.** Spectra are in dB of power per octave (power density times
//!   `f ln 2`: pink noise reads flat) relative to the loudness of the loud
//!   part ([`Profile::loud_part_lufs`]), so a profile does not change with
//!   gain, nor with what the gate left out, and two profiles compare
//!   tonally as if loudness-matched. Bands with no power read
//!   [`FLOOR_DB`].
//!
//! # Matching
//! [`Profile::match_curves`] takes the difference of the two profiles'
//! spectra, weights out the bands that are unreliable (below 25 Hz, the
//! top sixth of an octave of the grid, bands near silence in either
//! profile, and bands whose difference is far from the typical one, i.e.
//! content only one track has, such as a lossy master's missing top or the
//! window's leakage beside a steep filter edge), smooths it with a Gaussian-weighted local linear fit on the
//! log-frequency axis (unbiased for tilts and at the ends of the range,
//! unlike a plain moving average), tapers the unreliable bands back to
//! 0 dB (but the top sixth of an octave, which holds the gain below it),
//! scales by the strength and clamps. The side curve is offset so
//! that it leaves the width alone; [`Profile::width_gain`] and
//! the dynamics readings ([`Profile::crest_db`], [`Profile::plr_db`]) serve
//! the width and dynamics stages.

use std::vec;
use std::vec::Vec;

use rayon::prelude::*;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

use crate::analysis::{ChannelRole, LoudnessMeter};
use crate::error::{Error, check_range};
use crate::math::{PI, cos, power_to_db};

/// The profile format version this library writes (and the newest it reads).
pub const PROFILE_VERSION: u32 = 1;
/// First grid frequency, Hz.
pub const GRID_START_HZ: f64 = 20.0;
/// Grid points per octave.
pub const GRID_POINTS_PER_OCTAVE: usize = 24;
/// Highest grid frequency at any rate, Hz (below it, `0.45 fs` limits).
pub const GRID_TOP_HZ: f64 = 20_000.0;
/// Upper end of the band the width is measured in, Hz.
pub const WIDTH_TOP_HZ: f64 = 16_000.0;
/// Width of the band each grid point averages, in octaves.
pub const BAND_OCTAVES: f64 = 1.0 / 6.0;
/// Segments more than this far (LU) below the track's loud level (90th
/// percentile of the momentary loudness) are not part of the loud part.
pub const LOUD_PART_LU: f64 = 10.0;
/// Spectrum level of a band with no power, dB.
pub const FLOOR_DB: f64 = -200.0;
/// Largest side gain [`Profile::width_gain`] returns (+6 dB).
pub const MAX_WIDTH_GAIN: f64 = 2.0;
/// Largest `max_boost_db` [`Profile::match_curves`] accepts, dB.
pub const MAX_MATCH_DB: f64 = 24.0;

/// Welch frames per task on the thread pool.
const FRAMES_PER_TASK: usize = 64;
/// Standard deviation of the mid curve's smoothing kernel, octaves (its
/// half-power width is about 0.4 octave).
const MID_SMOOTHING_OCT: f64 = 1.0 / 6.0;
/// Standard deviation of the side curve's smoothing kernel, octaves.
const SIDE_SMOOTHING_OCT: f64 = 1.0 / 4.0;
/// The side curve is clamped to this fraction of `max_boost_db`.
const SIDE_LIMIT: f64 = 0.5;
/// Matching fades in from this frequency (Hz) over half an octave.
const MATCH_LOW_HZ: f64 = 25.0;
/// Matching fades out over this many octaves below the top of the grid.
const MATCH_TOP_OCTAVES: f64 = 1.0 / 6.0;
/// A band this far below its spectrum's loudest band (dB) counts as silent;
/// it is fully trusted 10 dB higher.
const SILENT_BELOW_MAX_DB: f64 = 60.0;
/// A band whose difference departs this far (dB) from the typical
/// difference (the median) has content in one track only (a band-limited
/// master, or leakage beside a steep filter edge): it is left alone. Fully
/// trusted up to 10 dB closer.
const ONE_SIDED_DB: f64 = 25.0;
/// A side band this far below its mid band (dB) is treated as mono there (a
/// boost would raise noise and phase artefacts); fully trusted 10 dB higher.
const MONO_SIDE_BELOW_MID_DB: f64 = 40.0;
/// ISO 1/3-octave centres of [`third_octave_error_db`]: `1000 * 10^(k/10)`
/// for k = -14 (40 Hz) to 12 (16 kHz).
const THIRD_OCTAVE_BANDS: core::ops::RangeInclusive<i32> = -14..=12;

/// What a track sounds like, as far as matching goes (see the module docs
/// for how each reading is measured).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Profile {
    /// Format version ([`PROFILE_VERSION`] when written).
    #[cfg_attr(feature = "serde", serde(default = "first_version"))]
    pub version: u32,
    /// Sample rate of the analysed audio, Hz (sets how far the grid reaches).
    pub sample_rate: f64,
    /// Integrated loudness (BS.1770), LUFS.
    pub integrated_lufs: f64,
    /// Loudness of the loud part (power mean of its segments' momentary
    /// loudness), LUFS: the level the spectra are relative to.
    pub loud_part_lufs: f64,
    /// True peak over all channels, dBTP.
    pub true_peak_dbtp: f64,
    /// Peak-to-loudness ratio: true peak minus integrated loudness, dB.
    pub plr_db: f64,
    /// Crest factor: true peak minus the RMS level of the loud part
    /// (mean square over its samples and channels), dB; a sine reads
    /// 3.01 dB.
    pub crest_db: f64,
    /// Loudness range (EBU Tech 3342), LU.
    pub loudness_range_lu: f64,
    /// Stereo width: side energy over mid energy in the loud part, from
    /// 20 Hz to 16 kHz (or the top of the grid if lower), dB (0 dB: as much side as mid; `-inf`
    /// for mono or identical channels). Scaling the side signal by `g` adds
    /// `20 log10(g)`.
    #[cfg_attr(feature = "serde", serde(with = "neg_inf_as_null"))]
    pub width_db: f64,
    /// Mid spectrum on the grid ([`Profile::frequencies`]): power per octave
    /// of the loud part relative to its loudness
    /// ([`loud_part_lufs`](Self::loud_part_lufs)), dB.
    pub mid_db: Vec<f64>,
    /// Side spectrum on the same grid and scale; empty for mono,
    /// [`FLOOR_DB`] throughout for identical channels.
    pub side_db: Vec<f64>,
}

/// Equalisation curves from [`Profile::match_curves`]: `(Hz, dB)` on the
/// profile grid, for a linear-phase EQ of mid and of side that interpolates
/// linearly in dB over log frequency. Both start at 0 dB; over the top
/// 1/6 octave of the grid they hold the gain of the band below it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchCurves {
    /// Gain for the mid signal.
    pub mid: Vec<(f64, f64)>,
    /// Gain for the side signal (all 0 dB when either track is mono).
    pub side: Vec<(f64, f64)>,
}

#[cfg(feature = "serde")]
fn first_version() -> u32 {
    1
}

/// JSON has no infinities: `-inf` (no side) is written as `null`.
#[cfg(feature = "serde")]
mod neg_inf_as_null {
    pub fn serialize<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() { s.serialize_some(v) } else { s.serialize_none() }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let v: Option<f64> = serde::Deserialize::deserialize(d)?;
        Ok(v.unwrap_or(f64::NEG_INFINITY))
    }
}

/// FFT size of the spectra at `sample_rate`: the power of two at or above
/// `fs / 10` (bins of 5 to 10 Hz).
pub fn fft_size(sample_rate: f64) -> usize {
    (libm::round(sample_rate / 10.0) as usize).next_power_of_two()
}

/// Number of grid points at `sample_rate`: up to `min(20 kHz, 0.45 fs)`.
fn grid_len(sample_rate: f64) -> usize {
    let top = GRID_TOP_HZ.min(0.45 * sample_rate);
    (libm::floor(GRID_POINTS_PER_OCTAVE as f64 * libm::log2(top / GRID_START_HZ) + 1e-9) as usize)
        + 1
}

/// Grid point `k` in Hz: `20 * 2^(k / 24)`.
fn grid_hz(k: usize) -> f64 {
    GRID_START_HZ * libm::exp2(k as f64 / GRID_POINTS_PER_OCTAVE as f64)
}

/// The profile grid at `sample_rate`, Hz: 1/24-octave points from 20 Hz up
/// to `min(20 kHz, 0.45 fs)`.
pub fn grid_frequencies(sample_rate: f64) -> Vec<f64> {
    (0..grid_len(sample_rate)).map(grid_hz).collect()
}

impl Profile {
    /// Analyses planar audio (one or two channels of equal length, at
    /// 8 kHz to 768 kHz). Errors: no channel or more than two
    /// ([`Error::InvalidChannelCount`]), no samples ([`Error::EmptyInput`]),
    /// unequal lengths, NaN or infinite samples, a bad rate, and audio
    /// without integrated loudness (silent, or shorter than 400 ms).
    pub fn analyze(channels: &[&[f32]], sample_rate: f64) -> Result<Profile, Error> {
        let track = Track::measure(channels, sample_rate)?;
        let len = channels[0].len();
        let hop = libm::round(sample_rate / 10.0) as usize;
        // Segment j's level: the momentary window ending at (j + 2) hops.
        let series = track.meter.momentary_series();
        let level = |sample: usize| series[(sample / hop + 1).min(series.len() - 1)];
        let mut levels: Vec<f64> = series.iter().copied().filter(|&v| v > -70.0).collect();
        levels.sort_unstable_by(f64::total_cmp);
        let loudest = levels.get(levels.len() * 9 / 10).copied().unwrap_or(track.lufs);
        let loud = |sample: usize| level(sample) >= loudest - LOUD_PART_LU;
        // Over the loud part, beside the spectra: mean square over samples
        // and channels, side energy (exactly 0 for identical channels) and
        // mean momentary power.
        let sums = || {
            let (mut sum_sq, mut side_sq, mut count) = (0.0f64, 0.0f64, 0usize);
            let (mut momentary, mut segments) = (0.0, 0usize);
            for start in (0..len).step_by(hop).filter(|&s| loud(s)) {
                let end = (start + hop).min(len);
                match channels {
                    [l, r] => {
                        for (&a, &b) in l[start..end].iter().zip(&r[start..end]) {
                            let (a, b) = (f64::from(a), f64::from(b));
                            sum_sq += 0.5 * (a * a + b * b);
                            side_sq += 0.25 * (a - b) * (a - b);
                        }
                    }
                    _ => {
                        sum_sq += channels[0][start..end]
                            .iter()
                            .map(|&v| f64::from(v) * f64::from(v))
                            .sum::<f64>()
                    }
                }
                count += end - start;
                momentary += libm::exp10(level(start) / 10.0);
                segments += 1;
            }
            (sum_sq / count.max(1) as f64, side_sq, momentary / segments.max(1) as f64)
        };
        let ([mid, side], (mean_sq, side_sq, momentary)) =
            rayon::join(|| welch(channels, sample_rate, loud), sums);
        let loud_lufs = power_to_db(momentary);
        let true_peak = track.meter.true_peak_dbtp();
        let n = grid_len(sample_rate);
        let spectrum = |s: &Psd| -> Vec<f64> {
            (0..n)
                .map(|k| {
                    let f = grid_hz(k);
                    let half = libm::exp2(BAND_OCTAVES / 2.0);
                    let per_octave = s.mean(f / half, f * half) * f * core::f64::consts::LN_2;
                    (power_to_db(per_octave) - loud_lufs).max(FLOOR_DB)
                })
                .collect()
        };
        let stereo = channels.len() == 2 && side_sq > 0.0;
        let top = WIDTH_TOP_HZ.min(grid_hz(n - 1));
        Ok(Profile {
            version: PROFILE_VERSION,
            sample_rate,
            integrated_lufs: track.lufs,
            loud_part_lufs: loud_lufs,
            true_peak_dbtp: true_peak,
            plr_db: true_peak - track.lufs,
            crest_db: true_peak - power_to_db(mean_sq),
            loudness_range_lu: track.meter.loudness_range_lu(),
            width_db: if stereo {
                power_to_db(side.integral(GRID_START_HZ, top) / mid.integral(GRID_START_HZ, top))
            } else {
                f64::NEG_INFINITY
            },
            mid_db: spectrum(&mid),
            side_db: match channels.len() {
                1 => Vec::new(),
                _ if stereo => spectrum(&side),
                _ => vec![FLOOR_DB; n],
            },
        })
    }

    /// The grid frequencies of [`mid_db`](Self::mid_db), Hz.
    pub fn frequencies(&self) -> Vec<f64> {
        (0..self.mid_db.len()).map(grid_hz).collect()
    }

    /// Whether the profile has a side spectrum (was stereo).
    pub fn is_stereo(&self) -> bool {
        !self.side_db.is_empty()
    }

    /// Checks a profile read from elsewhere (e.g. JSON): a known version,
    /// a valid sample rate, finite readings and spectra of the grid's
    /// length for its rate.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |reason| Err(Error::InvalidParameter { name: "profile", reason });
        if self.version == 0 || self.version > PROFILE_VERSION {
            return bad("unknown version: written by a newer library");
        }
        LoudnessMeter::new(self.sample_rate, 1)?;
        let readings = [
            self.integrated_lufs,
            self.loud_part_lufs,
            self.true_peak_dbtp,
            self.plr_db,
            self.crest_db,
            self.loudness_range_lu,
        ];
        let spectra = self.mid_db.iter().chain(&self.side_db);
        if !readings.iter().chain(spectra).all(|v| v.is_finite()) || self.width_db.is_nan() {
            return bad("readings and spectra must be finite");
        }
        let n = grid_len(self.sample_rate);
        if self.mid_db.len() != n || !(self.side_db.is_empty() || self.side_db.len() == n) {
            return bad("spectra must have one value per grid point of the sample rate");
        }
        Ok(())
    }

    /// The profile of several references taken together: spectra and width
    /// power-averaged (each already relative to its own loudness, so every
    /// reference weighs the same whatever its level; a mono reference adds
    /// no side), loudness, peaks, crest and range averaged in dB. The grid
    /// is the shortest of theirs (the lowest sample rate). Empty input gives
    /// [`Error::EmptyInput`].
    pub fn average(profiles: &[Profile]) -> Result<Profile, Error> {
        let count = profiles.len() as f64;
        let n = profiles.iter().map(|p| p.mid_db.len()).min().ok_or(Error::EmptyInput)?;
        let mean = |f: fn(&Profile) -> f64| profiles.iter().map(f).sum::<f64>() / count;
        let power_mean = |values: &mut dyn Iterator<Item = f64>| {
            (power_to_db(values.map(|v| libm::exp10(v / 10.0)).sum::<f64>() / count)).max(FLOOR_DB)
        };
        let stereo = profiles.iter().any(Profile::is_stereo);
        let spectrum = |side: bool| -> Vec<f64> {
            let pick = |p: &Profile, k: usize| {
                let s = if side { &p.side_db } else { &p.mid_db };
                s.get(k).copied().unwrap_or(f64::NEG_INFINITY)
            };
            (0..n).map(|k| power_mean(&mut profiles.iter().map(|p| pick(p, k)))).collect()
        };
        let width = power_to_db(
            profiles.iter().map(|p| libm::exp10(p.width_db / 10.0)).sum::<f64>() / count,
        );
        let (lufs, peak) = (mean(|p| p.integrated_lufs), mean(|p| p.true_peak_dbtp));
        Ok(Profile {
            version: PROFILE_VERSION,
            sample_rate: profiles.iter().map(|p| p.sample_rate).fold(f64::INFINITY, f64::min),
            integrated_lufs: lufs,
            loud_part_lufs: mean(|p| p.loud_part_lufs),
            true_peak_dbtp: peak,
            plr_db: peak - lufs,
            crest_db: mean(|p| p.crest_db),
            loudness_range_lu: mean(|p| p.loudness_range_lu),
            width_db: width,
            mid_db: spectrum(false),
            side_db: if stereo { spectrum(true) } else { Vec::new() },
        })
    }

    /// EQ curves that move this track's tonal balance towards
    /// `reference`'s: the reference-over-this spectral ratio in dB,
    /// smoothed (Gaussian-weighted local linear fit, sigma 1/6 octave for
    /// mid and 1/4 for side), faded to 0 dB where unreliable (below 25 Hz,
    /// bands more than 60 dB below their spectrum's loudest in either
    /// profile, bands whose difference is more than 25 dB from the median
    /// difference, as content that only one track has, and for side, bands
    /// more than 40 dB below mid), held at the gain below the top 1/6 octave
    /// of the common grid over it (its measurement is not trusted, its
    /// band still needs the gain), scaled by `strength` (0 to 1) and
    /// clamped to `±max_boost_db` (0 to 24 dB; side to half that).
    ///
    /// Both profiles are relative to their loudness, so the curves carry no
    /// overall gain worth speaking of: follow the EQ with loudness
    /// normalisation. The side curve carries the side's tone, not the
    /// width: it is offset so that it changes the side's energy by as much
    /// as the mid curve changes the mid's (the width stays where it was),
    /// and [`width_gain`](Self::width_gain) then sets the width; apply both
    /// for a full match of the side. The side curve is flat when either
    /// profile is mono or has no side.
    pub fn match_curves(
        &self,
        reference: &Profile,
        strength: f64,
        max_boost_db: f64,
    ) -> Result<MatchCurves, Error> {
        let strength = check_range("strength", strength, 0.0, 1.0, "must be from 0 to 1")?;
        let limit = check_range(
            "max_boost_db",
            max_boost_db,
            0.0,
            MAX_MATCH_DB,
            "must be from 0 to 24 dB",
        )?;
        let n = self.mid_db.len().min(reference.mid_db.len());
        let band = band_weights(n);
        let (mine, theirs) = (&self.mid_db[..n], &reference.mid_db[..n]);
        let (audible_mine, audible_theirs) = (audible(mine), audible(theirs));
        let mut weight: Vec<f64> =
            (0..n).map(|k| band[k] * audible_mine[k] * audible_theirs[k]).collect();
        let diff: Vec<f64> = (0..n).map(|k| theirs[k] - mine[k]).collect();
        drop_one_sided(&diff, &mut weight);
        let fit = smooth(&diff, &weight, MID_SMOOTHING_OCT);
        let mid = finish(&fit, &weight, strength, limit, 0.0);

        let stereo = self.side_db.len() >= n
            && reference.side_db.len() >= n
            && self.width_db.is_finite()
            && reference.width_db.is_finite();
        let side = if stereo {
            let usable = |p: &Profile| -> Vec<f64> {
                let audible = audible(&p.side_db[..n]);
                (0..n)
                    .map(|k| {
                        audible[k] * ramp(p.side_db[k] - p.mid_db[k], -MONO_SIDE_BELOW_MID_DB, 10.0)
                    })
                    .collect()
            };
            let (usable_mine, usable_theirs) = (usable(self), usable(reference));
            let mut weight: Vec<f64> =
                (0..n).map(|k| band[k] * usable_mine[k] * usable_theirs[k]).collect();
            let diff: Vec<f64> = (0..n).map(|k| reference.side_db[k] - self.side_db[k]).collect();
            drop_one_sided(&diff, &mut weight);
            let fit = smooth(&diff, &weight, SIDE_SMOOTHING_OCT);
            let side_limit = SIDE_LIMIT * limit;
            // The offset at which the side's energy changes as the mid's
            // does (bisection: the side's gain falls as the offset grows).
            let wanted = energy_gain(mine, &mid);
            let (mut lo, mut hi) = (-100.0, 100.0);
            for _ in 0..60 {
                let offset = 0.5 * (lo + hi);
                let curve = finish(&fit, &weight, strength, side_limit, offset);
                if energy_gain(&self.side_db[..n], &curve) > wanted {
                    lo = offset;
                } else {
                    hi = offset;
                }
            }
            finish(&fit, &weight, strength, side_limit, 0.5 * (lo + hi))
        } else {
            vec![0.0; n]
        };
        let points =
            |c: Vec<f64>| c.into_iter().enumerate().map(|(k, g)| (grid_hz(k), g)).collect();
        Ok(MatchCurves { mid: points(mid), side: points(side) })
    }

    /// Gain for this track's side signal that moves its width towards
    /// `reference`'s by `strength` (0 to 1, clamped): `10^(strength *
    /// (reference.width_db - width_db) / 20)`, clamped to 0 ..
    /// [`MAX_WIDTH_GAIN`]. 1 when this track has no side (width cannot be
    /// made from nothing) or `strength` is 0 or NaN; 0 for a mono
    /// reference at full strength.
    pub fn width_gain(&self, reference: &Profile, strength: f64) -> f64 {
        let strength = if strength.is_nan() { 0.0 } else { strength.clamp(0.0, 1.0) };
        if !self.width_db.is_finite() || strength == 0.0 {
            return 1.0;
        }
        let db = strength * (reference.width_db - self.width_db);
        libm::exp10(db / 20.0).clamp(0.0, MAX_WIDTH_GAIN)
    }
}

/// Mean absolute difference (dB) of the 1/3-octave band levels of two
/// tracks after aligning them by integrated loudness: the tonal-balance
/// error of a match.
///
/// For each track (one or two channels, at least 400 ms, not silent, both
/// at `sample_rate`): the mid signal (`(L + R) / 2`, or the mono channel)
/// is Welch-averaged over the whole track (Hann frames of [`fft_size`],
/// 50 % overlap, no loudness gating); the power of each ISO band with
/// centre `fc = 1000 * 10^(k/10)` Hz from 40 Hz to 16 kHz, between
/// `fc * 10^(±1/20)`, is the integral of the density (interpolated linearly
/// between bins); its level in dB minus the track's integrated loudness
/// (dual mono for one channel) is the band level. The error is the mean of
/// `|level_a - level_b|` over the bands whose upper edge is at most
/// `0.45 fs`. Band powers are floored at 1e-20 (-200 dB).
pub fn third_octave_error_db(a: &[&[f32]], b: &[&[f32]], sample_rate: f64) -> Result<f64, Error> {
    let levels = |channels: &[&[f32]]| -> Result<Vec<f64>, Error> {
        let track = Track::measure(channels, sample_rate)?;
        let [mid, _] = welch(channels, sample_rate, |_| true);
        Ok(THIRD_OCTAVE_BANDS
            .map(|k| libm::exp10(3.0 + f64::from(k) / 10.0))
            .filter(|fc| fc * libm::exp10(0.05) <= 0.45 * sample_rate)
            .map(|fc| {
                let (lo, hi) = (fc * libm::exp10(-0.05), fc * libm::exp10(0.05));
                power_to_db(mid.integral(lo, hi).max(1e-20)) - track.lufs
            })
            .collect())
    };
    let (la, lb) = (levels(a)?, levels(b)?);
    Ok(la.iter().zip(&lb).map(|(x, y)| (x - y).abs()).sum::<f64>() / la.len().max(1) as f64)
}

/// A validated track with its loudness measured.
struct Track {
    meter: LoudnessMeter,
    lufs: f64,
}

impl Track {
    fn measure(channels: &[&[f32]], sample_rate: f64) -> Result<Track, Error> {
        if channels.is_empty() || channels.len() > 2 {
            return Err(Error::InvalidChannelCount { channels: channels.len() });
        }
        let mut meter = LoudnessMeter::new(sample_rate, channels.len())?;
        if channels[0].is_empty() {
            return Err(Error::EmptyInput);
        }
        if channels.len() == 1 {
            meter.set_channel_role(0, ChannelRole::DualMono)?;
        }
        meter.add_planar(channels)?;
        let lufs = meter.integrated_lufs();
        if !lufs.is_finite() {
            return Err(Error::InvalidParameter {
                name: "channels",
                reason: "no loudness to analyse: the audio is silent or shorter than 400 ms",
            });
        }
        Ok(Track { meter, lufs })
    }
}

/// A one-sided power spectral density (full scale² per Hz) with its
/// running integral, read as a piecewise-linear function of frequency.
struct Psd {
    bin_hz: f64,
    density: Vec<f64>,
    /// `cumulative[k]`: integral of the density from 0 Hz to bin `k`, in
    /// density × bins.
    cumulative: Vec<f64>,
}

impl Psd {
    fn new(density: Vec<f64>, bin_hz: f64) -> Psd {
        let mut cumulative = Vec::with_capacity(density.len());
        let mut acc = 0.0;
        cumulative.push(0.0);
        for w in density.windows(2) {
            acc += 0.5 * (w[0] + w[1]);
            cumulative.push(acc);
        }
        Psd { bin_hz, density, cumulative }
    }

    /// Integral from 0 Hz to `x` bins.
    fn integral_to(&self, x: f64) -> f64 {
        let last = self.density.len() - 1;
        let x = x.clamp(0.0, last as f64);
        let k = (x as usize).min(last.saturating_sub(1));
        let t = x - k as f64;
        let (p0, p1) = (self.density[k], self.density[(k + 1).min(last)]);
        self.cumulative[k] + p0 * t + 0.5 * (p1 - p0) * t * t
    }

    /// Power (full scale²) between `lo` and `hi` Hz.
    fn integral(&self, lo: f64, hi: f64) -> f64 {
        (self.integral_to(hi / self.bin_hz) - self.integral_to(lo / self.bin_hz)) * self.bin_hz
    }

    /// Mean density between `lo` and `hi` Hz.
    fn mean(&self, lo: f64, hi: f64) -> f64 {
        self.integral(lo, hi) / (hi - lo)
    }
}

/// Welch densities of mid and side (side zero for mono) over the frames
/// whose centre sample `keep` accepts (all frames if it accepts none).
/// Mid and side share one complex FFT per frame (mid real, side
/// imaginary), separated by conjugate symmetry; frames are spread over
/// rayon's thread pool.
fn welch(channels: &[&[f32]], sample_rate: f64, keep: impl Fn(usize) -> bool) -> [Psd; 2] {
    let n = fft_size(sample_rate);
    let half = n / 2;
    let len = channels[0].len();
    let window: Vec<f32> =
        (0..n).map(|i| (0.5 - 0.5 * cos(2.0 * PI * i as f64 / n as f64)) as f32).collect();
    let window_power: f64 = window.iter().map(|&w| f64::from(w) * f64::from(w)).sum();
    let all: Vec<usize> = if len >= n { (0..=len - n).step_by(half).collect() } else { Vec::new() };
    let mut starts: Vec<usize> = all.iter().copied().filter(|&s| keep(s + half)).collect();
    if starts.is_empty() {
        starts = all;
    }
    let fft = FftPlanner::<f32>::new().plan_fft_forward(n);
    // Frames in chunks on the thread pool; the chunks' sums are added in
    // order, so the result does not depend on the number of threads.
    let chunks: Vec<[Vec<f64>; 2]> = starts
        .par_chunks(FRAMES_PER_TASK)
        .map(|chunk| {
            let mut scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
            let mut buf = vec![Complex::new(0.0f32, 0.0); n];
            let (mut mid, mut side) = (vec![0.0f64; half + 1], vec![0.0f64; half + 1]);
            for &s in chunk {
                match channels {
                    [l, r] => {
                        let (l, r) = (&l[s..s + n], &r[s..s + n]);
                        for (((b, &w), &a), &c) in buf.iter_mut().zip(&window).zip(l).zip(r) {
                            *b = Complex::new(0.5 * (a + c) * w, 0.5 * (a - c) * w);
                        }
                    }
                    _ => {
                        let x = &channels[0][s..s + n];
                        for ((b, &x), &w) in buf.iter_mut().zip(x).zip(&window) {
                            *b = Complex::new(x * w, 0.0);
                        }
                    }
                }
                fft.process_with_scratch(&mut buf, &mut scratch);
                for k in 0..=half {
                    let (z, zc) = (buf[k], buf[(n - k) % n].conj());
                    mid[k] += f64::from((z + zc).norm_sqr());
                    side[k] += f64::from((z - zc).norm_sqr());
                }
            }
            [mid, side]
        })
        .collect();
    let (mut mid, mut side) = (vec![0.0f64; half + 1], vec![0.0f64; half + 1]);
    for [m, s] in &chunks {
        mid.iter_mut().zip(m).for_each(|(a, b)| *a += b);
        side.iter_mut().zip(s).for_each(|(a, b)| *a += b);
    }
    // |M|² = |z + conj(z')|² / 4; one-sided density: 2 |X|² / (fs Σw²).
    let scale = 2.0 / (4.0 * starts.len().max(1) as f64 * sample_rate * window_power);
    let bin_hz = sample_rate / n as f64;
    [mid, side].map(|p| Psd::new(p.into_iter().map(|v| v * scale).collect(), bin_hz))
}

/// Smooth step from 0 at `x = at` to 1 at `x = at + width`.
fn ramp(x: f64, at: f64, width: f64) -> f64 {
    let t = ((x - at) / width).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Weight of grid point `k` of `n` by frequency: fades in over half an
/// octave from 25 Hz and out over the top 1/6 octave of the grid.
fn band_weights(n: usize) -> Vec<f64> {
    let top = libm::log2(grid_hz(n.saturating_sub(1)));
    (0..n)
        .map(|k| {
            let octave = libm::log2(grid_hz(k));
            ramp(octave, libm::log2(MATCH_LOW_HZ), 0.5) * ramp(top - octave, 0.0, MATCH_TOP_OCTAVES)
        })
        .collect()
}

/// Weights of the bands of `spectrum` by level: 0 when 60 dB or more below
/// the spectrum's loudest band above 25 Hz, 1 from 50 dB below.
fn audible(spectrum: &[f64]) -> Vec<f64> {
    let first = (0..spectrum.len()).find(|&k| grid_hz(k) >= MATCH_LOW_HZ).unwrap_or(0);
    let max = spectrum[first..].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    spectrum.iter().map(|&s| ramp(s - max, -SILENT_BELOW_MAX_DB, 10.0)).collect()
}

/// Fades out the bands whose difference departs from the median difference
/// of the well-weighted bands by more than [`ONE_SIDED_DB`] - 10 dB
/// (weight 0 from [`ONE_SIDED_DB`]).
fn drop_one_sided(diff: &[f64], weight: &mut [f64]) {
    let mut trusted: Vec<f64> =
        diff.iter().zip(weight.iter()).filter(|&(_, &w)| w > 0.5).map(|(&d, _)| d).collect();
    if trusted.is_empty() {
        return;
    }
    let mid = trusted.len() / 2;
    let typical = *trusted.select_nth_unstable_by(mid, f64::total_cmp).1;
    for (w, d) in weight.iter_mut().zip(diff) {
        *w *= ramp(ONE_SIDED_DB - (d - typical).abs(), 0.0, 10.0);
    }
}

/// Energy gain of `curve` (dB per grid point) on a signal with `spectrum`
/// (power per octave on the grid, dB).
fn energy_gain(spectrum: &[f64], curve: &[f64]) -> f64 {
    let (mut before, mut after) = (0.0, 0.0);
    for (&s, &c) in spectrum.iter().zip(curve) {
        let p = libm::exp10(s / 10.0);
        before += p;
        after += p * libm::exp10(c / 10.0);
    }
    after / before
}

/// `diff` smoothed with weights `weight`: at each point with weight, a
/// local linear fit (Gaussian kernel of `sigma` octaves on the grid, times
/// the weights) evaluated there; 0 where the weight is 0.
fn smooth(diff: &[f64], weight: &[f64], sigma: f64) -> Vec<f64> {
    let sigma_points = sigma * GRID_POINTS_PER_OCTAVE as f64;
    let reach = libm::ceil(3.0 * sigma_points) as usize;
    (0..diff.len())
        .map(|k| {
            if weight[k] == 0.0 {
                return 0.0;
            }
            let (mut s0, mut s1, mut s2, mut t0, mut t1) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for j in k.saturating_sub(reach)..(k + reach + 1).min(diff.len()) {
                let u = (j as f64 - k as f64) / sigma_points;
                let g = libm::exp(-0.5 * u * u) * weight[j];
                s0 += g;
                s1 += g * u;
                s2 += g * u * u;
                t0 += g * diff[j];
                t1 += g * u * diff[j];
            }
            let det = s0 * s2 - s1 * s1;
            if det > 1e-9 * s0 * s0 { (s2 * t0 - s1 * t1) / det } else { t0 / s0 }
        })
        .collect()
}

/// The curve from a smoothed difference: `(fit - offset)` faded by the
/// weights, scaled by `strength` and clamped to `±limit`; over the top
/// [`MATCH_TOP_OCTAVES`] of the grid it holds the gain of the band below
/// them. That measurement is left out, not the band: the air above it
/// takes the gain of the highest trusted band as a shelf would, where a
/// fade to 0 dB would leave the top octave unmatched (through the
/// K-weighting's high shelf it weighs in the loudness, so the whole
/// spectrum would then sit off the reference's after loudness alignment).
fn finish(fit: &[f64], weight: &[f64], strength: f64, limit: f64, offset: f64) -> Vec<f64> {
    let mut curve: Vec<f64> = fit
        .iter()
        .zip(weight)
        .map(
            |(&f, &w)| {
                if w == 0.0 { 0.0 } else { (strength * w * (f - offset)).clamp(-limit, limit) }
            },
        )
        .collect();
    let top = libm::log2(grid_hz(curve.len().saturating_sub(1)));
    let held = (0..curve.len()).rfind(|&k| top - libm::log2(grid_hz(k)) >= MATCH_TOP_OCTAVES);
    if let Some(k) = held {
        let gain = curve[k];
        curve[k + 1..].fill(gain);
    }
    curve
}

#[cfg(test)]
#[path = "profile_tests.rs"]
pub(crate) mod tests;
