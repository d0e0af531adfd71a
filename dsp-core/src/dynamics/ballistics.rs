//! Attack/release smoothing of gain reduction (log domain, smooth branching).

use crate::math::{greater, max_branchless};
use crate::simd::mul_add;

/// One-pole coefficient for time constant `ms` at `sample_rate`:
/// `exp(-1 / (τ fs))`, so that a step is followed to `1 - 1/e` (63.2 %) of
/// its size after exactly `ms` milliseconds. 0 ms gives 0 (no smoothing).
pub fn time_coef(ms: f64, sample_rate: f64) -> f32 {
    if ms <= 0.0 { 0.0 } else { libm::exp(-1.0 / (ms * 1e-3 * sample_rate)) as f32 }
}

/// Smooth-branching follower of a gain reduction in dB: one time constant
/// while the reduction grows, another while it shrinks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ballistics {
    /// Coefficient used while the target is above the state.
    pub rise: f32,
    /// Coefficient used while the target is at or below the state.
    pub fall: f32,
}

impl Ballistics {
    /// Ballistics with rise and fall time constants in ms.
    pub fn new(rise_ms: f64, fall_ms: f64, sample_rate: f64) -> Self {
        Self { rise: time_coef(rise_ms, sample_rate), fall: time_coef(fall_ms, sample_rate) }
    }

    /// Moves `state` one sample towards `target`.
    #[inline(always)]
    pub fn next(&self, state: f32, target: f32) -> f32 {
        self.next_with::<false>(state, target)
    }

    /// [`next`](Self::next), with the multiply-adds fused when `WIDE`.
    #[inline(always)]
    pub(crate) fn next_with<const WIDE: bool>(&self, state: f32, target: f32) -> f32 {
        // `a state + (1 - a) target` for both coefficients: the
        // loop-carried chain is a multiply-add and a maximum, not a compare,
        // a coefficient lookup, a subtraction, a multiply and an add. As
        // `rise − fall = (a_rise − a_fall)(state − target)`, the one to take
        // (rise while the target is above the state) is the larger one when
        // `a_rise <= a_fall` (attack faster than release), else the smaller.
        let rise = mul_add::<WIDE, f32>(self.rise, state, (1.0 - self.rise) * target);
        let fall = mul_add::<WIDE, f32>(self.fall, state, (1.0 - self.fall) * target);
        let y = if self.rise <= self.fall {
            max_branchless(rise, fall)
        } else {
            -max_branchless(-rise, -fall)
        };
        // Once state and target are both below a micro-decibel the reduction
        // is exactly none; testing them (not `y`) keeps the test off the chain.
        if greater(state, target) < 1e-6 { 0.0 } else { y }
    }

    /// Follows a block of targets from `state`, replacing each target by the
    /// smoothed value; returns the last one.
    pub fn follow(&self, state: f32, targets: &mut [f32]) -> f32 {
        self.follow_with::<false>(state, targets)
    }

    /// [`follow`](Self::follow), with the multiply-adds fused when `WIDE`.
    #[inline(always)]
    pub(crate) fn follow_with<const WIDE: bool>(&self, mut state: f32, targets: &mut [f32]) -> f32 {
        // At rest with nothing to follow the output is zeros already, as
        // the recurrence would leave them (its snap to zero).
        if state == 0.0 && targets.iter().all(|&t| t == 0.0) {
            return 0.0;
        }
        for t in targets.iter_mut() {
            state = self.next_with::<WIDE>(state, *t);
            *t = state;
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_reaches_63_percent_after_the_time_constant() {
        let fs = 48_000.0;
        let b = Ballistics::new(10.0, 100.0, fs);
        let mut s = 0.0;
        let mut n = 0;
        while s < 10.0 * (1.0 - (-1.0f32).exp()) {
            s = b.next(s, 10.0);
            n += 1;
        }
        assert!((n as f64 - 480.0).abs() <= 1.0, "{n}");
        let mut n = 0;
        while s > 10.0 * (-1.0f32).exp() {
            s = b.next(s, 0.0);
            n += 1;
        }
        // Falls from ~6.3 dB: reaching 10/e takes τ·ln(6.32/3.68) more.
        assert!(n > 0);
        assert_eq!(time_coef(0.0, fs), 0.0);
    }
}
