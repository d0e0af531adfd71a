//! Static gain curves (gain computers, Giannoulis, Massberg and Reiss 2012).

use super::fast_db::{amp_to_db, db_to_amp};
use crate::math::{lesser, max_of, min_of};

/// A static gain computer: maps a detector level in dB to a gain reduction
/// in dB (never negative).
///
/// Compressor (level `x`, threshold `T`, ratio `R`, knee width `W`):
/// no reduction for `x <= T - W/2`; `(1 - 1/R) (x - T + W/2)² / (2W)` inside
/// the knee; `(1 - 1/R)(x - T)` above it. The expander mirrors it below the
/// threshold with slope `R - 1` and caps the reduction at its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainComputer {
    threshold_db: f32,
    slope: f32,
    knee_db: f32,
    /// `slope / (2 W)` (0 without a knee): the knee's parabola factor.
    knee_scale: f32,
    range_db: f32,
    expand: bool,
    onset_amp: f32,
}

/// `slope / (2 W)`, or 0 for a hard knee.
fn knee_scale(slope: f32, knee_db: f32) -> f32 {
    if knee_db > 0.0 { slope / (2.0 * knee_db) } else { 0.0 }
}

impl GainComputer {
    /// A downward compressor curve; `ratio` may be infinite (limiting).
    pub fn compressor(threshold_db: f32, ratio: f32, knee_db: f32) -> Self {
        let onset = threshold_db - 0.5 * knee_db;
        Self {
            threshold_db,
            slope: 1.0 - 1.0 / ratio,
            knee_db,
            knee_scale: knee_scale(1.0 - 1.0 / ratio, knee_db),
            range_db: f32::INFINITY,
            expand: false,
            onset_amp: db_to_amp(onset),
        }
    }

    /// A downward expander curve (infinite `ratio` makes a gate) whose
    /// reduction never exceeds `range_db`.
    pub fn expander(threshold_db: f32, ratio: f32, knee_db: f32, range_db: f32) -> Self {
        let onset = threshold_db + 0.5 * knee_db;
        Self {
            threshold_db,
            slope: ratio - 1.0,
            knee_db,
            knee_scale: knee_scale(ratio - 1.0, knee_db),
            range_db,
            expand: true,
            onset_amp: db_to_amp(onset),
        }
    }

    /// Gain reduction in dB for a level in dB.
    #[inline]
    pub fn reduction_db(&self, level_db: f32) -> f32 {
        let over =
            if self.expand { self.threshold_db - level_db } else { level_db - self.threshold_db };
        let w = self.knee_db;
        // Branch-free so that block loops vectorise.
        let k = over + 0.5 * w;
        let knee = self.knee_scale * k * k;
        let r = if 2.0 * over <= -w {
            0.0
        } else if 2.0 * over >= w {
            self.slope * over
        } else {
            knee
        };
        lesser(r, self.range_db)
    }

    /// Gain reduction in dB for a linear amplitude.
    #[inline]
    pub fn reduction_amp(&self, amp: f32) -> f32 {
        self.reduction_db(amp_to_db(amp))
    }

    /// Replaces each linear amplitude in `buf` by its gain reduction in dB.
    #[inline(always)]
    pub fn reduce_block(&self, buf: &mut [f32]) {
        // Whole blocks outside the active region need no logarithms.
        let idle = if self.expand {
            min_of(f32::INFINITY, buf) >= self.onset_amp
        } else {
            max_of(0.0, buf) <= self.onset_amp
        };
        if idle {
            buf.fill(0.0);
        } else {
            buf.iter_mut().for_each(|v| *v = self.reduction_amp(*v));
        }
    }

    /// Linear amplitude at the edge of the region without reduction (the
    /// lower knee edge of a compressor, the upper one of an expander).
    #[cfg(feature = "alloc")]
    pub(crate) fn onset_amp(&self) -> f32 {
        self.onset_amp
    }

    /// Output level in dB for a steady input level in dB (the static curve).
    pub fn output_db(&self, level_db: f32) -> f32 {
        level_db - self.reduction_db(level_db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The piecewise formula of Giannoulis et al., written independently.
    fn gmr(x: f64, t: f64, r: f64, w: f64) -> f64 {
        if 2.0 * (x - t) < -w {
            x
        } else if 2.0 * (x - t).abs() <= w {
            x + (1.0 / r - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
        } else {
            t + (x - t) / r
        }
    }

    #[test]
    fn compressor_curve_is_the_formula_and_continuous() {
        for &(t, r, w) in &[(-20.0, 4.0, 6.0), (-10.0, 2.0, 0.0), (-30.0, f64::INFINITY, 12.0)] {
            let c = GainComputer::compressor(t as f32, r as f32, w as f32);
            let mut x = -80.0;
            while x < 20.0 {
                let y = c.output_db(x as f32) as f64;
                assert!((y - gmr(x, t, r, w)).abs() < 1e-4, "{x} {t} {r} {w}");
                assert!(
                    (c.reduction_amp(db_to_amp(x as f32)) - c.reduction_db(x as f32)).abs() < 1e-3
                );
                x += 0.05;
            }
        }
    }

    #[test]
    fn expander_mirrors_and_respects_range() {
        let e = GainComputer::expander(-40.0, 3.0, 4.0, 30.0);
        assert_eq!(e.reduction_db(-30.0), 0.0);
        assert!((e.reduction_db(-50.0) - 20.0).abs() < 1e-4);
        assert_eq!(e.reduction_db(-100.0), 30.0);
        // Knee edges meet the straight parts.
        assert!(e.reduction_db(-38.0).abs() < 1e-6);
        assert!((e.reduction_db(-42.0) - 4.0).abs() < 1e-4);
        let gate = GainComputer::expander(-40.0, f32::INFINITY, 0.0, 80.0);
        assert_eq!(gate.reduction_db(-40.0), 0.0);
        assert_eq!(gate.reduction_db(-40.1), 80.0);
    }
}
