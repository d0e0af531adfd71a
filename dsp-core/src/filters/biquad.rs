//! The second-order section: f64 coefficients, f32 state, transposed
//! direct form II.

use num_complex::Complex;

use crate::math::{PI, flush_denormal};

/// Normalised biquad coefficients (`a0 = 1`):
/// `H(z) = (b0 + b1 z⁻¹ + b2 z⁻²) / (1 + a1 z⁻¹ + a2 z⁻²)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefs {
    /// Feed-forward coefficient for z⁰.
    pub b0: f64,
    /// Feed-forward coefficient for z⁻¹.
    pub b1: f64,
    /// Feed-forward coefficient for z⁻².
    pub b2: f64,
    /// Feedback coefficient for z⁻¹.
    pub a1: f64,
    /// Feedback coefficient for z⁻².
    pub a2: f64,
}

impl Coefs {
    /// The pass-through section.
    pub const IDENTITY: Coefs = Coefs { b0: 1.0, b1: 0.0, b2: 0.0, a1: 0.0, a2: 0.0 };

    /// Normalises raw coefficients by `a0`.
    pub fn from_raw(b0: f64, b1: f64, b2: f64, a0: f64, a1: f64, a2: f64) -> Self {
        Coefs { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 }
    }

    /// Complex frequency response at `freq_hz` for sample rate `sample_rate`.
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> Complex<f64> {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let z1 = Complex::new(libm::cos(w), -libm::sin(w));
        let z2 = z1 * z1;
        let num = z1 * self.b1 + z2 * self.b2 + self.b0;
        let den = z1 * self.a1 + z2 * self.a2 + 1.0;
        num / den
    }

    /// Magnitude response in dB at `freq_hz`.
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        10.0 * libm::log10(self.response(freq_hz, sample_rate).norm_sqr())
    }
}

/// One biquad section running in f32 state.
#[derive(Debug, Clone, Copy)]
pub struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    s1: f32,
    s2: f32,
}

impl Default for Biquad {
    fn default() -> Self {
        Self::new(Coefs::IDENTITY)
    }
}

impl Biquad {
    /// A section with coefficients `c` and cleared state.
    pub fn new(c: Coefs) -> Self {
        let mut b = Biquad { b0: 0.0, b1: 0.0, b2: 0.0, a1: 0.0, a2: 0.0, s1: 0.0, s2: 0.0 };
        b.set_coefs(c);
        b
    }

    /// Replaces the coefficients, keeping the state (for smooth changes).
    #[inline]
    pub fn set_coefs(&mut self, c: Coefs) {
        self.b0 = c.b0 as f32;
        self.b1 = c.b1 as f32;
        self.b2 = c.b2 as f32;
        self.a1 = c.a1 as f32;
        self.a2 = c.a2 as f32;
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }

    /// Processes one sample.
    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        let y = self.b0 * x + self.s1;
        self.s1 = self.b1 * x - self.a1 * y + self.s2;
        self.s2 = self.b2 * x - self.a2 * y;
        y
    }

    /// Processes a slice in place; identical to calling [`tick`](Self::tick)
    /// per sample. State is flushed of denormals once per call.
    pub fn process(&mut self, x: &mut [f32]) {
        for v in x.iter_mut() {
            *v = self.tick(*v);
        }
        self.flush();
    }

    /// Flushes denormal-sized state to zero.
    pub fn flush(&mut self) {
        self.s1 = flush_denormal(self.s1);
        self.s2 = flush_denormal(self.s2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn tick_equals_block() {
        let c = Coefs::from_raw(0.2, 0.4, 0.2, 1.0, -0.5, 0.25);
        let x = noise(1000, 1.0, 3);
        let mut a = Biquad::new(c);
        let mut b = Biquad::new(c);
        let ticked: std::vec::Vec<f32> = x.iter().map(|&v| a.tick(v)).collect();
        let mut blocked = x.clone();
        b.process(&mut blocked);
        assert_eq!(ticked, blocked);
    }

    #[test]
    fn measured_response_matches_formula() {
        let c = Coefs::from_raw(0.2, 0.4, 0.2, 1.0, -0.5, 0.25);
        let mut b = Biquad::new(c);
        for f in [100.0, 1000.0, 5000.0, 15_000.0] {
            let got = measured_gain_db(&mut MonoSection(&mut b), f, 48_000.0);
            assert!((got - c.magnitude_db(f, 48_000.0)).abs() < 0.01, "{f} Hz: {got}");
        }
    }

    /// Adapts a bare section to the processor trait for measurement.
    struct MonoSection<'a>(&'a mut Biquad);
    impl crate::processor::Processor for MonoSection<'_> {
        fn prepare(&mut self, _: &crate::spec::ProcessSpec) -> Result<(), crate::Error> {
            Ok(())
        }
        fn reset(&mut self) {
            self.0.reset();
        }
        fn process(&mut self, ch: &mut [&mut [f32]]) {
            self.0.process(ch[0]);
        }
        fn nonfinite_count(&self) -> u64 {
            0
        }
    }
}
