//! Parameter smoothing: setters move a target, the audio path glides to it.
//!
//! Smoothing advances on a per-sample clock, so splitting a stream into
//! blocks differently never changes the output.

/// Default smoothing time for parameter changes, in milliseconds.
pub const DEFAULT_SMOOTHING_MS: f64 = 20.0;

/// Linear ramp from the current value to a target over a fixed number of
/// samples. Setting a new target mid-ramp starts a fresh ramp from the
/// current value. Each value is computed from the ramp's start and the
/// samples taken (`start + k·step`), so skipping ahead costs nothing and
/// gives the value stepping would.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearSmoother {
    current: f64,
    target: f64,
    start: f64,
    step: f64,
    /// Length of the ramp in progress.
    len: u32,
    remaining: u32,
    ramp_samples: u32,
}

impl LinearSmoother {
    /// A smoother resting at `value`.
    pub const fn new(value: f64) -> Self {
        Self {
            current: value,
            target: value,
            start: value,
            step: 0.0,
            len: 0,
            remaining: 0,
            ramp_samples: 0,
        }
    }

    /// Sets the ramp length from a time and sample rate.
    pub fn set_ramp_ms(&mut self, ms: f64, sample_rate: f64) {
        self.ramp_samples = libm::round(ms * 1e-3 * sample_rate).max(0.0) as u32;
    }

    /// Ramp length in samples (0 means jumps are immediate).
    pub fn ramp_samples(&self) -> u32 {
        self.ramp_samples
    }

    /// Starts a ramp towards `target`.
    pub fn set_target(&mut self, target: f64) {
        self.target = target;
        if self.ramp_samples == 0 || target == self.current {
            self.snap();
        } else {
            self.start = self.current;
            self.len = self.ramp_samples;
            self.remaining = self.ramp_samples;
            self.step = (target - self.current) / self.ramp_samples as f64;
        }
    }

    /// Jumps to the target immediately.
    pub fn snap(&mut self) {
        self.current = self.target;
        self.remaining = 0;
        self.step = 0.0;
    }

    /// Jumps to `value` (new target and current value).
    pub fn snap_to(&mut self, value: f64) {
        self.target = value;
        self.snap();
    }

    /// Whether a ramp is in progress.
    #[inline]
    pub fn is_smoothing(&self) -> bool {
        self.remaining > 0
    }

    /// The value the smoother is heading to.
    pub fn target(&self) -> f64 {
        self.target
    }

    /// The current value (the one the last `next` returned).
    #[inline]
    pub fn current(&self) -> f64 {
        self.current
    }

    /// Advances one sample and returns the new value.
    #[allow(clippy::should_implement_trait)] // a smoother never ends; an Iterator would mislead
    #[inline]
    pub fn next(&mut self) -> f64 {
        self.advance(1)
    }

    /// Advances `n` samples at once and returns the value reached; gives
    /// the same value as `n` calls to [`next`](Self::next).
    #[inline]
    pub fn advance(&mut self, n: usize) -> f64 {
        if self.remaining > 0 {
            if n as u64 >= self.remaining as u64 {
                self.snap();
            } else {
                self.remaining -= n as u32;
                self.current = self.start + (self.len - self.remaining) as f64 * self.step;
            }
        }
        self.current
    }

    /// Samples left in the current ramp.
    pub fn remaining(&self) -> usize {
        self.remaining as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_target_after_ramp() {
        let mut s = LinearSmoother::new(0.0);
        s.set_ramp_ms(1.0, 48_000.0);
        assert_eq!(s.ramp_samples(), 48);
        s.set_target(1.0);
        let mut last = 0.0;
        for _ in 0..47 {
            let v = s.next();
            assert!(v > last && v < 1.0);
            last = v;
        }
        assert_eq!(s.next(), 1.0);
        assert!(!s.is_smoothing());
    }

    #[test]
    fn advance_matches_next() {
        let mut a = LinearSmoother::new(2.0);
        a.set_ramp_ms(2.0, 10_000.0);
        let mut b = a;
        a.set_target(-1.0);
        b.set_target(-1.0);
        for n in [1usize, 3, 7, 2] {
            let va = a.advance(n);
            let mut vb = 0.0;
            for _ in 0..n {
                vb = b.next();
            }
            assert_eq!(va, vb);
        }
    }
}
