//! The low-frequency oscillator the modulation effects share.

/// A sine LFO: a phase in cycles advanced per sample, read as
/// `-cos(2π·phase)` so that it starts (after `reset`) at its minimum, -1.
/// Channels read it at a phase offset for stereo spread.
///
/// The phase is a 64-bit fixed-point fraction of a cycle (wrapping at one
/// cycle by integer overflow, exact however it is stepped), so that a
/// step is one integer add and `n` steps equal one advance by `n`.
/// The sine is an odd polynomial on a folded phase (absolute error below
/// 1e-7), so reading it costs a few multiplies rather than a `libm` call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lfo {
    phase: u64,
    inc: u64,
}

/// One cycle in the fixed-point phase, as a float.
const CYCLE: f64 = 18_446_744_073_709_551_616.0; // 2^64

impl Lfo {
    /// Sets the rate (`hz` at most a tenth of `sample_rate`; 0 freezes the
    /// phase).
    pub fn set_rate(&mut self, hz: f64, sample_rate: f64) {
        self.inc = ((hz / sample_rate).clamp(0.0, 0.1) * CYCLE) as u64;
    }

    /// Back to phase 0 (the minimum).
    pub fn reset(&mut self) {
        self.phase = 0;
    }

    /// The phase in cycles, in `[0, 1)`.
    #[inline(always)]
    pub fn phase(&self) -> f64 {
        // The top 53 bits, through a signed conversion (one instruction).
        (self.phase >> 11) as i64 as f64 * (2048.0 / CYCLE)
    }

    /// Advances one sample.
    #[inline(always)]
    pub fn step(&mut self) {
        self.phase = self.phase.wrapping_add(self.inc);
    }

    /// Advances `n` samples at once.
    #[inline]
    pub fn advance(&mut self, n: usize) {
        self.phase = self.phase.wrapping_add(self.inc.wrapping_mul(n as u64));
    }

    /// The value, from -1 to 1, at `offset` cycles (in `[0, 1)`) ahead of
    /// the phase.
    #[inline(always)]
    pub fn value(&self, offset: f64) -> f64 {
        Self::value_at(self.phase(), offset)
    }
}

/// Defines, for one float type, `Lfo::$value_at` (the value an LFO at
/// `phase` gives at `offset` cycles ahead, both in `[0, 1)`) and `$neg_cos`:
/// `-cos(2πu)` for `u` in `[0, 1)`, the triangle `1 - 4|u - 1/2|` (-1 at 0,
/// +1 at 1/2, linear in between like the phase) shaped by `sin(πt/2)`,
/// whose Taylor series to the 11th power is exact to 6e-8 on `[-1, 1]`.
macro_rules! lfo_shape {
    ($value_at:ident, $neg_cos:ident, $t:ident, $doc:literal) => {
        impl Lfo {
            #[doc = $doc]
            #[inline(always)]
            pub fn $value_at(phase: $t, offset: $t) -> $t {
                let u = phase + offset;
                $neg_cos(if u >= 1.0 { u - 1.0 } else { u })
            }
        }

        #[inline(always)]
        #[allow(clippy::excessive_precision)] // f64 digits, rounded for f32
        fn $neg_cos(u: $t) -> $t {
            let t = 1.0 - 4.0 * (u - 0.5).abs();
            let t2 = t * t;
            // Coefficients (π/2)^k / k! with alternating signs, k = 1, 3, ... 11.
            let p = -3.598_843_235_212_084e-6;
            let p = p * t2 + 1.604_411_847_873_597_5e-4;
            let p = p * t2 - 4.681_754_135_318_687e-3;
            let p = p * t2 + 7.969_262_624_616_703e-2;
            let p = p * t2 - 0.645_964_097_506_246_2;
            let p = p * t2 + core::$t::consts::FRAC_PI_2;
            p * t
        }
    };
}

lfo_shape!(
    value_at,
    neg_cos_cycles,
    f64,
    "The value an LFO at `phase` gives at `offset` cycles ahead (both in `[0, 1)`): \
     [`value`](Self::value) for a phase read earlier."
);
lfo_shape!(
    value_at_f32,
    neg_cos_cycles_f32,
    f32,
    "[`value_at`](Self::value_at) in `f32` (absolute error below 3e-7; eight lanes \
     to a vector where `f64` has four)."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_is_minus_cosine() {
        let worst = (0..10_000)
            .map(|i| {
                let u = i as f64 / 10_000.0;
                let want = -libm::cos(2.0 * core::f64::consts::PI * u);
                libm::fabs(neg_cos_cycles(u) - want)
            })
            .fold(0.0, f64::max);
        assert!(worst < 1e-7, "{worst}");
        let worst = (0..10_000)
            .map(|i| {
                let u = i as f64 / 10_000.0;
                let want = -libm::cos(2.0 * core::f64::consts::PI * u);
                libm::fabs(f64::from(neg_cos_cycles_f32(u as f32)) - want)
            })
            .fold(0.0, f64::max);
        assert!(worst < 3e-7, "f32: {worst}");
    }

    #[test]
    fn runs_at_its_rate_and_offsets_wrap() {
        let mut lfo = Lfo::default();
        lfo.set_rate(2.0, 1000.0);
        assert!((lfo.value(0.0) + 1.0).abs() < 1e-7);
        for _ in 0..250 {
            lfo.step();
        }
        // Half a cycle of a 2 Hz LFO at 1 kHz.
        assert!((lfo.phase() - 0.5).abs() < 1e-9);
        assert!((lfo.value(0.0) - 1.0).abs() < 1e-7);
        assert!((lfo.value(0.75) - 0.0).abs() < 1e-7);
        let mut jumped = Lfo::default();
        jumped.set_rate(2.0, 1000.0);
        jumped.advance(750);
        assert!((jumped.phase() - 0.5).abs() < 1e-9);
        let mut stepped = Lfo::default();
        stepped.set_rate(2.0, 1000.0);
        (0..750).for_each(|_| stepped.step());
        assert_eq!(stepped, jumped, "a jump equals its steps exactly");
        lfo.reset();
        assert_eq!(lfo.phase(), 0.0);
    }
}
