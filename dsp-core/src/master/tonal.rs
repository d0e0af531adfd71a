//! Tonal balance against a target band: a mix's long-term spectrum in
//! 1/3-octave bands ([`TonalBalance`]) beside a [`TonalTarget`], a mean
//! curve with a tolerance per band. The built-in targets (`balanced`,
//! `warm`, `bright`) are the data table `dsp-core/data/tonal_targets.csv`,
//! written by `scripts/tonal_targets.py` (which names its sources); others
//! are learned from reference masters with [`TonalTarget::learn`].
//!
//! Levels are in dB of power per octave (pink noise reads flat). A target
//! fixes only the curve's shape: a mix is compared with it after the
//! median difference over the bands with content from 40 Hz to 16 kHz is
//! taken out ([`TonalBalance::offset_db`]), so loudness does not matter.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::profile::{FLOOR_DB, Profile};
use crate::error::Error;

/// The built-in targets: `character,hz,mean_db,tolerance_db` rows.
const TARGETS_CSV: &str = include_str!("../../data/tonal_targets.csv");
/// Bands this far below the loudest band of a curve (dB) have no content:
/// they are left out of the alignment and never boosted.
pub const NO_CONTENT_DB: f64 = 50.0;
/// The range the alignment and the in-band figures cover, Hz.
pub const JUDGED_HZ: (f64, f64) = (39.0, 16_500.0);
/// Narrowest tolerance of a learned target, dB.
const MIN_LEARNED_TOLERANCE_DB: f64 = 2.0;
/// Half the width of a 1/3-octave band, in octaves.
const HALF_BAND_OCTAVES: f64 = 1.0 / 6.0;

/// One band of a target: its centre, mean level and tolerance (either way).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TargetBand {
    /// Band centre, Hz.
    pub hz: f64,
    /// Mean level, dB per octave (only differences between bands matter).
    pub mean_db: f64,
    /// How far either way from the mean still counts as on target, dB.
    pub tolerance_db: f64,
}

/// A tonal-balance target: a named mean curve with a tolerance per
/// 1/3-octave band, ascending in frequency.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TonalTarget {
    /// `balanced`, `warm`, `bright`, or `learned` (or your own name).
    pub name: String,
    /// The bands, ascending.
    pub bands: Vec<TargetBand>,
}

impl TonalTarget {
    /// Names of the built-in characters.
    pub const CHARACTERS: [&'static str; 3] = ["balanced", "warm", "bright"];

    /// A built-in character by name (case-insensitive): `balanced` (the
    /// mean of commercial popular music), `warm` (1 dB per octave more low
    /// end and less top about 1 kHz) or `bright` (the opposite tilt).
    pub fn character(name: &str) -> Result<Self, Error> {
        let key = name.trim().to_ascii_lowercase();
        let bands: Vec<TargetBand> = TARGETS_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split(',');
                if f.next()? != key {
                    return None;
                }
                let mut num = || f.next()?.trim().parse::<f64>().ok();
                Some(TargetBand { hz: num()?, mean_db: num()?, tolerance_db: num()? })
            })
            .collect();
        if bands.is_empty() {
            return Err(Error::UnknownName { kind: "tonal character" });
        }
        Ok(Self { name: key, bands })
    }

    /// The message for an unknown character.
    pub fn unknown_character_message(name: &str) -> String {
        format!("unknown character {name:?}: use one of {}", Self::CHARACTERS.join(", "))
    }

    /// A target learned from the profiles of reference masters: per band
    /// the mean of their curves (each aligned to the first by its median
    /// difference), and a tolerance of twice their spread but at least the
    /// `balanced` target's (and 2 dB). Bands some reference has no content
    /// in are left out.
    pub fn learn(references: &[Profile]) -> Result<Self, Error> {
        if references.is_empty() {
            return Err(Error::EmptyInput);
        }
        let base = Self::character("balanced")?;
        let curves: Vec<Vec<Option<f64>>> =
            references.iter().map(|p| base.bands_of(&p.mid_db, p)).collect();
        let aligned: Vec<Vec<Option<f64>>> = curves
            .iter()
            .map(|c| {
                let offset = median_difference(c, &curves[0], &base.bands);
                c.iter().map(|v| v.map(|v| v - offset)).collect()
            })
            .collect();
        let mut bands = Vec::new();
        for (k, b) in base.bands.iter().enumerate() {
            let values: Option<Vec<f64>> = aligned.iter().map(|c| c[k]).collect();
            let Some(values) = values else { continue };
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let spread =
                libm::sqrt(values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n);
            bands.push(TargetBand {
                hz: b.hz,
                mean_db: mean,
                tolerance_db: (2.0 * spread).max(b.tolerance_db).max(MIN_LEARNED_TOLERANCE_DB),
            });
        }
        if bands.len() < 3 {
            return Err(Error::InvalidParameter {
                name: "references",
                reason: "have too few bands with content to learn a target from",
            });
        }
        Ok(Self { name: "learned".to_string(), bands })
    }

    /// Checks a target read from JSON: at least 3 bands, ascending positive
    /// centres, finite means and positive finite tolerances.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |reason| Err(Error::InvalidParameter { name: "tonal target", reason });
        if self.bands.len() < 3 {
            return bad("needs at least 3 bands");
        }
        let mut last = 0.0;
        for b in &self.bands {
            if !(b.hz.is_finite() && b.hz > last) {
                return bad("band centres must be positive and ascending");
            }
            if !(b.mean_db.is_finite() && b.tolerance_db.is_finite() && b.tolerance_db > 0.0) {
                return bad("means must be finite and tolerances positive");
            }
            last = b.hz;
        }
        Ok(())
    }

    /// The 1/3-octave band levels of a profile curve (`mid_db` or
    /// `side_db`) at this target's centres: the power mean of the grid
    /// points within a sixth of an octave of each centre; `None` where the
    /// band reaches past the grid or has no content.
    fn bands_of(&self, curve: &[f64], profile: &Profile) -> Vec<Option<f64>> {
        let grid = profile.frequencies();
        let loudest = curve.iter().copied().fold(FLOOR_DB, f64::max);
        let top = grid.last().copied().unwrap_or(0.0);
        self.bands
            .iter()
            .map(|b| {
                let (lo, hi) =
                    (b.hz * libm::exp2(-HALF_BAND_OCTAVES), b.hz * libm::exp2(HALF_BAND_OCTAVES));
                if hi > top * 1.0001 || curve.is_empty() {
                    return None;
                }
                let (sum, n) = grid
                    .iter()
                    .zip(curve)
                    .filter(|(f, _)| **f >= lo * 0.9999 && **f <= hi * 1.0001)
                    .fold((0.0, 0usize), |(s, n), (_, &db)| (s + libm::exp10(db / 10.0), n + 1));
                let db = 10.0 * libm::log10(sum / n.max(1) as f64);
                (n > 0 && db > loudest - NO_CONTENT_DB).then_some(db)
            })
            .collect()
    }
}

/// The median of `a - b` over the bands both have, within [`JUDGED_HZ`]
/// (0 if none).
fn median_difference(a: &[Option<f64>], b: &[Option<f64>], bands: &[TargetBand]) -> f64 {
    let mut d: Vec<f64> = bands
        .iter()
        .zip(a.iter().zip(b))
        .filter(|(band, _)| band.hz >= JUDGED_HZ.0 && band.hz <= JUDGED_HZ.1)
        .filter_map(|(_, (x, y))| Some((*x)? - (*y)?))
        .collect();
    if d.is_empty() {
        return 0.0;
    }
    d.sort_unstable_by(f64::total_cmp);
    let m = d.len() / 2;
    if d.len() % 2 == 1 { d[m] } else { 0.5 * (d[m - 1] + d[m]) }
}

/// A mix's tonal balance against a target: per 1/3-octave band of the
/// target that the mix's sample rate reaches, the mix's mid level aligned
/// to the target (`NaN` where the band has no content), the side level on
/// the same scale, and the band.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TonalBalance {
    /// The target's name.
    pub target: String,
    /// Band centres, Hz.
    pub frequencies_hz: Vec<f64>,
    /// The mix's mid level, aligned: dB per octave minus
    /// [`offset_db`](Self::offset_db) (`NaN`: no content).
    pub mix_db: Vec<f64>,
    /// The mix's side level on the same scale (`NaN`: no side content;
    /// empty for mono).
    pub side_db: Vec<f64>,
    /// The target's mean per band.
    pub target_db: Vec<f64>,
    /// Lower edge of the target band (mean minus tolerance).
    pub low_db: Vec<f64>,
    /// Upper edge of the target band (mean plus tolerance).
    pub high_db: Vec<f64>,
    /// What was subtracted from the mix's levels to align it: the median
    /// difference from the target from 40 Hz to 16 kHz, dB.
    pub offset_db: f64,
}

impl TonalBalance {
    /// The tonal balance of a profiled mix against `target`.
    pub fn analyze(profile: &Profile, target: &TonalTarget) -> Result<Self, Error> {
        target.check()?;
        let mid = target.bands_of(&profile.mid_db, profile);
        let means: Vec<Option<f64>> = target.bands.iter().map(|b| Some(b.mean_db)).collect();
        let offset = median_difference(&mid, &means, &target.bands);
        let reached = mid.len().min(
            target
                .bands
                .iter()
                .take_while(|b| {
                    b.hz * libm::exp2(HALF_BAND_OCTAVES)
                        <= profile.frequencies().last().copied().unwrap_or(0.0) * 1.0001
                })
                .count(),
        );
        let align = |v: &[Option<f64>]| -> Vec<f64> {
            v[..reached].iter().map(|x| x.map_or(f64::NAN, |x| x - offset)).collect()
        };
        let bands = &target.bands[..reached];
        Ok(Self {
            target: target.name.clone(),
            frequencies_hz: bands.iter().map(|b| b.hz).collect(),
            mix_db: align(&mid),
            side_db: if profile.is_stereo() {
                align(&target.bands_of(&profile.side_db, profile))
            } else {
                Vec::new()
            },
            target_db: bands.iter().map(|b| b.mean_db).collect(),
            low_db: bands.iter().map(|b| b.mean_db - b.tolerance_db).collect(),
            high_db: bands.iter().map(|b| b.mean_db + b.tolerance_db).collect(),
            offset_db: offset,
        })
    }

    /// How far band `k` lies outside the target band, dB: positive above
    /// the upper edge, negative below the lower one, 0 inside (and for a
    /// band without content).
    pub fn outside_db(&self, k: usize) -> f64 {
        let v = self.mix_db[k];
        if v.is_nan() {
            0.0
        } else if v > self.high_db[k] {
            v - self.high_db[k]
        } else if v < self.low_db[k] {
            v - self.low_db[k]
        } else {
            0.0
        }
    }

    /// The mix's deviation from the target's mean in band `k`, dB (`NaN`
    /// without content).
    pub fn deviation_db(&self, k: usize) -> f64 {
        self.mix_db[k] - self.target_db[k]
    }

    /// The fraction of the bands with content from 40 Hz to 16 kHz that lie
    /// inside the target band (1 when there are none).
    pub fn inside_fraction(&self) -> f64 {
        let judged: Vec<usize> = (0..self.mix_db.len())
            .filter(|&k| {
                let f = self.frequencies_hz[k];
                f >= JUDGED_HZ.0 && f <= JUDGED_HZ.1 && !self.mix_db[k].is_nan()
            })
            .collect();
        if judged.is_empty() {
            return 1.0;
        }
        judged.iter().filter(|&&k| self.outside_db(k) == 0.0).count() as f64 / judged.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pink-ish noise: white noise through a -3 dB/octave filter (Kellet's
    /// economy filter), so its per-octave power is flat.
    fn pink(n: usize, seed: u64) -> Vec<f32> {
        let (mut b0, mut b1, mut b2) = (0.0f32, 0.0f32, 0.0f32);
        crate::test_util::noise(n, 0.5, seed)
            .into_iter()
            .map(|w| {
                b0 = 0.99765 * b0 + w * 0.0990460;
                b1 = 0.96300 * b1 + w * 0.2965164;
                b2 = 0.57000 * b2 + w * 1.0526913;
                0.1 * (b0 + b1 + b2 + w * 0.1848)
            })
            .collect()
    }

    #[test]
    fn the_built_in_characters_load_and_tilt() {
        let b = TonalTarget::character("Balanced").unwrap();
        let w = TonalTarget::character("warm").unwrap();
        let br = TonalTarget::character("bright").unwrap();
        b.check().unwrap();
        assert_eq!(b.bands.len(), 29);
        let at = |t: &TonalTarget, hz: f64| {
            t.bands.iter().find(|x| (x.hz / hz - 1.0).abs() < 0.03).unwrap().mean_db
        };
        assert!(at(&w, 100.0) - at(&b, 100.0) > 2.5 && at(&w, 10_000.0) < at(&b, 10_000.0));
        assert!(at(&br, 100.0) < at(&b, 100.0) && at(&br, 10_000.0) - at(&b, 10_000.0) > 2.5);
        assert!(matches!(TonalTarget::character("dark"), Err(Error::UnknownName { .. })));
    }

    #[test]
    fn pink_noise_reads_flat_and_a_learned_target_recovers_it() {
        let sr = 48_000.0;
        let x = pink(10 * 48_000, 1);
        let p = Profile::analyze(&[&x], sr).unwrap();
        let flat = TonalTarget {
            name: "flat".into(),
            bands: TonalTarget::character("balanced")
                .unwrap()
                .bands
                .iter()
                .map(|b| TargetBand { mean_db: 0.0, tolerance_db: 1.5, ..*b })
                .collect(),
        };
        let tb = TonalBalance::analyze(&p, &flat).unwrap();
        for (k, f) in tb.frequencies_hz.iter().enumerate() {
            if *f >= 40.0 && *f <= 16_000.0 {
                assert!(tb.mix_db[k].abs() < 1.5, "{f} Hz: {:.2} dB", tb.mix_db[k]);
            }
        }
        assert_eq!(tb.inside_fraction(), 1.0);
        // Against the balanced target pink noise is too bright at the top.
        let tb = TonalBalance::analyze(&p, &TonalTarget::character("balanced").unwrap()).unwrap();
        let k16 =
            tb.frequencies_hz.iter().position(|f| (*f / 16_000.0 - 1.0).abs() < 0.03).unwrap();
        assert!(tb.outside_db(k16) > 3.0, "{}", tb.outside_db(k16));
        // Learned from two pink references: flat within 0.5 dB.
        let q = Profile::analyze(&[&pink(10 * 48_000, 2)], sr).unwrap();
        let learned = TonalTarget::learn(&[p.clone(), q]).unwrap();
        let m0 = learned.bands.iter().find(|b| (b.hz / 1000.0 - 1.0).abs() < 0.03).unwrap().mean_db;
        for b in learned.bands.iter().filter(|b| b.hz >= 40.0 && b.hz <= 16_000.0) {
            assert!((b.mean_db - m0).abs() < 1.5, "{} Hz: {:.2}", b.hz, b.mean_db - m0);
            assert!(b.tolerance_db >= 2.0);
        }
        assert!(TonalTarget::learn(&[]).is_err());
    }
}
