//! One shim over `libm` for the float math the library needs, plus the
//! decibel conversions every processor uses, and branch-free minima and
//! maxima (single values and vectorising folds over slices).

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

/// The smaller of two non-NaN values: a compare and select (`minss`),
/// without the NaN handling of `f32::min` that lengthens hot loops.
#[inline(always)]
pub(crate) fn lesser(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// The larger of two non-NaN values (see [`lesser`]).
#[inline(always)]
pub(crate) fn greater(a: f32, b: f32) -> f32 {
    if b > a { b } else { a }
}

/// The larger of two non-NaN values as one instruction where the target
/// has one (x86-64): unlike a comparison and select, which the compiler
/// may turn into a branch, it cannot mispredict on a recursion.
#[inline(always)]
pub(crate) fn max_branchless(a: f32, b: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_cvtss_f32, _mm_max_ss, _mm_set_ss};
        // SAFETY: SSE is part of the x86-64 baseline (the intrinsics are
        // safe functions on toolchains that know it).
        #[allow(unused_unsafe)]
        unsafe {
            _mm_cvtss_f32(_mm_max_ss(_mm_set_ss(a), _mm_set_ss(b)))
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    greater(a, b)
}

/// Folds `map` of each value of `x` into `init` with `f` (associative and
/// commutative, like [`lesser`] and [`greater`]) through eight independent
/// accumulators, so that the loop vectorises instead of waiting on one
/// serial chain.
#[inline(always)]
fn fold_lanes(init: f32, x: &[f32], map: impl Fn(f32) -> f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [init; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = f(*a, map(v));
        }
    }
    rest.iter().map(|&v| map(v)).chain(acc).fold(init, f)
}

/// The largest of `init` and the (non-NaN) values of `x`.
pub(crate) fn max_of(init: f32, x: &[f32]) -> f32 {
    fold_lanes(init, x, |v| v, greater)
}

/// The smallest of `init` and the (non-NaN) values of `x`.
pub(crate) fn min_of(init: f32, x: &[f32]) -> f32 {
    fold_lanes(init, x, |v| v, lesser)
}

/// The largest of `init` and the magnitudes of the (non-NaN) values of `x`.
pub(crate) fn max_abs_of(init: f32, x: &[f32]) -> f32 {
    fold_lanes(init, x, f32::abs, greater)
}

/// Largest magnitude let into detectors, envelopes and filter state
/// (+360 dBFS): far above any audio, and its square (and a sum of a few
/// hundred squares) is still finite in f32.
pub const MAX_LEVEL: f32 = 1.0e18;

/// Largest magnitude written into a feedback loop (delay lines, reverb
/// tanks) or a slow envelope, +80 dBFS: a loop holding it decays below
/// audio within its tail (or release) plus a few seconds.
pub const MAX_LOOP_LEVEL: f32 = 1.0e4;

/// `x` limited to `[-bound, bound]`, branch-free; ±Inf become ±`bound`.
#[inline(always)]
pub fn clamp_level(x: f32, bound: f32) -> f32 {
    lesser(greater(x, -bound), bound)
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
    fn clamps_levels() {
        assert_eq!(clamp_level(2e20, MAX_LEVEL), MAX_LEVEL);
        assert_eq!(clamp_level(-0.25, MAX_LEVEL), -0.25);
        assert_eq!(clamp_level(f32::INFINITY, MAX_LOOP_LEVEL), MAX_LOOP_LEVEL);
    }

    #[test]
    fn flushes_tiny_values() {
        assert_eq!(flush_denormal(1e-30), 0.0);
        assert_eq!(flush_denormal(1e-3), 1e-3);
    }
}
