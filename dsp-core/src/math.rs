//! One shim over `libm` for the float math the library needs, plus the
//! decibel conversions every processor uses.

/// Smallest magnitude treated as signal; state below it is flushed to zero
/// so that decaying filters never reach denormal numbers.
pub const DENORMAL_THRESHOLD: f32 = 1.0e-20;

/// Decibels to linear gain: `10^(db/20)`.
#[inline]
pub fn db_to_gain(db: f64) -> f64 {
    libm::pow(10.0, db / 20.0)
}

/// Linear gain (magnitude) to decibels; 0 gives `-inf`.
#[inline]
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * libm::log10(libm::fabs(gain))
}

/// Power (mean square) to decibels; 0 gives `-inf`.
#[inline]
pub fn power_to_db(power: f64) -> f64 {
    10.0 * libm::log10(power)
}

/// Flushes values too small to matter to exact zero (denormal protection).
#[inline]
pub fn flush_denormal(x: f32) -> f32 {
    if libm::fabsf(x) < DENORMAL_THRESHOLD { 0.0 } else { x }
}

/// Flushes f64 values too small to matter to exact zero.
#[inline]
pub fn flush_denormal_f64(x: f64) -> f64 {
    if libm::fabs(x) < DENORMAL_THRESHOLD as f64 { 0.0 } else { x }
}

pub use libm::{
    atan, cos, cosh, exp, expf, fabs, fabsf, floor, log, log10, log10f, pow, round, sin, sinh,
    sqrt, sqrtf, tan,
};

/// π in f64.
pub const PI: f64 = core::f64::consts::PI;

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn db_round_trip() {
        assert_relative_eq!(db_to_gain(-6.0206), 0.5, epsilon = 1e-4);
        assert_relative_eq!(gain_to_db(db_to_gain(3.5)), 3.5, epsilon = 1e-12);
        assert!(gain_to_db(0.0).is_infinite());
    }

    #[test]
    fn flushes_tiny_values() {
        assert_eq!(flush_denormal(1e-30), 0.0);
        assert_eq!(flush_denormal(1e-3), 1e-3);
    }
}
