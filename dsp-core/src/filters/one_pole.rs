//! The trapezoidal ("topology-preserving", TPT) one-pole: a trapezoidal
//! integrator in a loop solved without a unit delay (Zavalishin, *The Art
//! of VA Filter Design*). Its one state is the integrator's, which means
//! the same thing whatever the cutoff, so the cutoff may move every sample
//! without the transients a direct-form section shows: the first-order
//! counterpart of the state-variable filter of the standards sheet, §4.2.
//! Its responses equal the bilinear designs pre-warped at the cutoff.

use crate::math::{PI, flush_denormal, tan};

/// The coefficient `G = g / (1 + g)`, `g = tan(π·cutoff_hz / sample_rate)`,
/// of a one-pole at `cutoff_hz` (below Nyquist).
pub fn tpt_coef(cutoff_hz: f64, sample_rate: f64) -> f64 {
    let g = tan(PI * cutoff_hz / sample_rate);
    g / (1.0 + g)
}

/// One TPT one-pole in f32 state; the coefficient (from [`tpt_coef`]) is
/// given with every sample, so it can be modulated per sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TptOnePole {
    s: f32,
}

impl TptOnePole {
    /// Low-pass output for `x` with coefficient `g`; advances the state.
    #[inline(always)]
    pub fn low_pass(&mut self, x: f32, g: f32) -> f32 {
        let v = (x - self.s) * g;
        let y = v + self.s;
        self.s = y + v;
        y
    }

    /// High-pass output (`x` minus the low pass); advances the state.
    #[inline(always)]
    pub fn high_pass(&mut self, x: f32, g: f32) -> f32 {
        x - self.low_pass(x, g)
    }

    /// All-pass output (low pass minus high pass: unit gain, phase from 0
    /// at DC through -90° at the cutoff to -180° at Nyquist); advances the
    /// state.
    #[inline(always)]
    pub fn all_pass(&mut self, x: f32, g: f32) -> f32 {
        2.0 * self.low_pass(x, g) - x
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.s = 0.0;
    }

    /// Flushes a denormal-sized state to zero.
    pub fn flush(&mut self) {
        self.s = flush_denormal(self.s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::Biquad;
    use crate::filters::design::{FilterKind, first_order};
    use crate::test_util::*;
    use num_complex::Complex;

    /// The TPT low pass and high pass equal the bilinear first-order
    /// designs of `design::first_order` sample for sample (to rounding).
    #[test]
    fn equals_the_bilinear_first_order_designs() {
        let fs = 48_000.0;
        let x = noise(4000, 1.0, 9);
        for fc in [50.0, 1000.0, 15_000.0] {
            let g = tpt_coef(fc, fs) as f32;
            for kind in [FilterKind::LowPass, FilterKind::HighPass] {
                let mut b = Biquad::new(first_order(kind, fc, fs));
                let mut t = TptOnePole::default();
                for &v in &x {
                    let want = b.tick(v);
                    let got = if kind == FilterKind::LowPass {
                        t.low_pass(v, g)
                    } else {
                        t.high_pass(v, g)
                    };
                    assert!((got - want).abs() < 2e-5, "{fc} {kind:?}: {got} vs {want}");
                }
            }
        }
    }

    /// The all-pass keeps the magnitude and turns the phase by
    /// `-2·atan(tan(πf/fs) / tan(πfc/fs))`, measured on its impulse response.
    #[test]
    fn all_pass_response() {
        let fs = 48_000.0;
        let fc = 700.0;
        let g = tpt_coef(fc, fs) as f32;
        let mut t = TptOnePole::default();
        let h: std::vec::Vec<f32> =
            (0..4096).map(|n| t.all_pass(if n == 0 { 1.0 } else { 0.0 }, g)).collect();
        for f in [50.0, 700.0, 5000.0, 20_000.0] {
            let w = 2.0 * PI * f / fs;
            let dft: Complex<f64> = h
                .iter()
                .enumerate()
                .map(|(n, &v)| Complex::from_polar(v as f64, -w * n as f64))
                .sum();
            let want = -2.0 * libm::atan(tan(PI * f / fs) / tan(PI * fc / fs));
            assert!((dft.norm() - 1.0).abs() < 1e-5, "{f}: |H| = {}", dft.norm());
            assert!((dft.arg() - want).abs() < 1e-5, "{f}: {} vs {want}", dft.arg());
        }
    }

    /// Sweeping the cutoff every sample over four decades, on a loud tone,
    /// leaves the low-pass output bounded by the input (no transient gain).
    #[test]
    fn modulation_is_transient_free() {
        let fs = 48_000.0;
        let x = sine(3000.0, fs, 48_000, 1.0);
        let mut t = TptOnePole::default();
        let mut peak = 0.0f32;
        for (n, &v) in x.iter().enumerate() {
            let fc = 20.0 * libm::pow(1000.0, 0.5 + 0.5 * libm::sin(n as f64 * 0.01));
            peak = peak.max(t.low_pass(v, tpt_coef(fc, fs) as f32).abs());
        }
        assert!(peak <= 1.0 + 1e-4, "{peak}");
    }
}
