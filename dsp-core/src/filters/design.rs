//! Filter designs: the RBJ Audio EQ Cookbook (bilinear transform, pre-warped
//! at the cutoff).

use super::biquad::Coefs;
use crate::math::{PI, cos, pow, sin, sqrt};

/// The response shapes of a second-order section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Low pass.
    LowPass,
    /// High pass.
    HighPass,
    /// Band pass with 0 dB peak at the centre frequency.
    BandPass,
    /// Band reject.
    Notch,
    /// Peaking (bell) EQ.
    Peak,
    /// Low shelf.
    LowShelf,
    /// High shelf.
    HighShelf,
    /// All pass (phase only).
    AllPass,
}

/// Q that gives shelf slope `slope` (1 = steepest without overshoot) at `gain_db`
/// (RBJ cookbook: `1/Q = sqrt((A + 1/A)(1/S − 1) + 2)`).
pub fn shelf_q_from_slope(slope: f64, gain_db: f64) -> f64 {
    let a = pow(10.0, gain_db / 40.0);
    1.0 / sqrt(((a + 1.0 / a) * (1.0 / slope - 1.0) + 2.0).max(1e-12))
}

/// RBJ cookbook section of `kind` at `f0` Hz with quality `q` and gain
/// `gain_db` (peak and shelves only) for sample rate `fs`.
pub fn rbj(kind: FilterKind, f0: f64, q: f64, gain_db: f64, fs: f64) -> Coefs {
    let a = pow(10.0, gain_db / 40.0);
    let w0 = 2.0 * PI * f0 / fs;
    let (cw, sw) = (cos(w0), sin(w0));
    let alpha = sw / (2.0 * q);
    match kind {
        FilterKind::LowPass => Coefs::from_raw(
            (1.0 - cw) / 2.0,
            1.0 - cw,
            (1.0 - cw) / 2.0,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        FilterKind::HighPass => Coefs::from_raw(
            (1.0 + cw) / 2.0,
            -(1.0 + cw),
            (1.0 + cw) / 2.0,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        FilterKind::BandPass => {
            Coefs::from_raw(alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cw, 1.0 - alpha)
        }
        FilterKind::Notch => {
            Coefs::from_raw(1.0, -2.0 * cw, 1.0, 1.0 + alpha, -2.0 * cw, 1.0 - alpha)
        }
        FilterKind::AllPass => Coefs::from_raw(
            1.0 - alpha,
            -2.0 * cw,
            1.0 + alpha,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        FilterKind::Peak => Coefs::from_raw(
            1.0 + alpha * a,
            -2.0 * cw,
            1.0 - alpha * a,
            1.0 + alpha / a,
            -2.0 * cw,
            1.0 - alpha / a,
        ),
        FilterKind::LowShelf => {
            let k = 2.0 * sqrt(a) * alpha;
            Coefs::from_raw(
                a * ((a + 1.0) - (a - 1.0) * cw + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cw),
                a * ((a + 1.0) - (a - 1.0) * cw - k),
                (a + 1.0) + (a - 1.0) * cw + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * cw),
                (a + 1.0) + (a - 1.0) * cw - k,
            )
        }
        FilterKind::HighShelf => {
            let k = 2.0 * sqrt(a) * alpha;
            Coefs::from_raw(
                a * ((a + 1.0) + (a - 1.0) * cw + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cw),
                a * ((a + 1.0) + (a - 1.0) * cw - k),
                (a + 1.0) - (a - 1.0) * cw + k,
                2.0 * ((a - 1.0) - (a + 1.0) * cw),
                (a + 1.0) - (a - 1.0) * cw - k,
            )
        }
    }
}
