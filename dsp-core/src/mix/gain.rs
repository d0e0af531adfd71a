//! Gain with smoothing and polarity inversion.

use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::db_to_gain;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

crate::declare_params! {
    Gain, GAIN_KIND = "gain", "Gain", Caps::PLAIN,
        "Gain in dB, optionally with inverted polarity; changes are smoothed.";
    GAIN_DB = ParamInfo::float("gain_db", -150.0, 60.0, 0.0, "dB", "Gain in dB")
        .smoothed(DEFAULT_SMOOTHING_MS) => gain_db, set_gain_db;
    INVERT = ParamInfo::toggle("invert", false, "Inverts the polarity") => invert, set_invert;
}

/// A gain stage in dB with optional polarity inversion.
///
/// Changes glide linearly (in linear gain, per sample) over 20 ms, so
/// automation never clicks; a polarity flip glides through zero.
#[derive(Debug, Clone)]
pub struct Gain {
    gain_db: f64,
    invert: bool,
    gain: LinearSmoother,
    nonfinite: u64,
}

impl Gain {
    /// A gain of `gain_db` decibels, polarity inverted if `invert`.
    pub fn new(gain_db: f64, invert: bool) -> Result<Self, Error> {
        let mut g = Self { gain_db: 0.0, invert, gain: LinearSmoother::new(1.0), nonfinite: 0 };
        g.set_gain_db(gain_db)?;
        g.gain.snap();
        Ok(g)
    }

    /// Gain in dB.
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// Sets the gain in dB (from -150 to +60).
    pub fn set_gain_db(&mut self, gain_db: f64) -> Result<(), Error> {
        self.gain_db = Self::GAIN_DB.check(gain_db)?;
        self.gain.set_target(self.target());
        Ok(())
    }

    /// Whether the polarity is inverted.
    pub fn invert(&self) -> bool {
        self.invert
    }

    /// Inverts (or restores) the polarity.
    pub fn set_invert(&mut self, invert: bool) {
        self.invert = invert;
        self.gain.set_target(self.target());
    }

    fn target(&self) -> f64 {
        let g = db_to_gain(self.gain_db);
        if self.invert { -g } else { g }
    }
}

impl Default for Gain {
    /// 0 dB, not inverted.
    fn default() -> Self {
        Self::new(0.0, false).expect("valid defaults")
    }
}

impl Processor for Gain {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.gain.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.gain.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let len = channels.first().map_or(0, |c| c.len());
        if !self.gain.is_smoothing() {
            let g = self.gain.current() as f32;
            // At unity (a polarity left alone) the samples are already right.
            if g != 1.0 {
                for ch in channels.iter_mut() {
                    ch.iter_mut().for_each(|x| *x *= g);
                }
            }
            return;
        }
        // Ramp: per-sample gain, shared by all channels.
        let start = self.gain;
        for ch in channels.iter_mut() {
            let mut s = start;
            for x in ch.iter_mut() {
                *x *= s.next() as f32;
            }
        }
        self.gain.advance(len);
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use approx::assert_relative_eq;

    #[test]
    fn applies_gain_and_inversion() {
        let mut g = Gain::new(-6.0, true).unwrap();
        g.prepare(&ProcessSpec::new(48_000.0, 64, 1)).unwrap();
        let mut x = [1.0f32; 8];
        g.process_mono(&mut x);
        assert_relative_eq!(x[0] as f64, -db_to_gain(-6.0), epsilon = 1e-7);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(Gain::new(f64::NAN, false).is_err());
        assert!(Gain::new(100.0, false).is_err());
        let mut g = Gain::new(0.0, false).unwrap();
        assert!(g.set_gain_db(f64::INFINITY).is_err());
        assert_eq!(g.gain_db(), 0.0);
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || Gain::new(-3.0, false).unwrap(),
            2,
            |p| {
                p.set_gain_db(-12.0).unwrap();
                p.set_invert(true);
            },
        );
    }

    #[test]
    fn jumps_do_not_click() {
        let mut g = Gain::new(0.0, false).unwrap();
        let spec = ProcessSpec::new(48_000.0, 512, 1);
        g.prepare(&spec).unwrap();
        let input = sine(100.0, 48_000.0, 48_000, 0.9);
        let mut y = input.clone();
        for (i, block) in y.chunks_mut(512).enumerate() {
            if i % 8 == 3 {
                g.set_gain_db(if i % 16 == 3 { -20.0 } else { 0.0 }).unwrap();
            }
            if i == 40 {
                g.set_invert(true);
            }
            g.process_mono(block);
        }
        assert!(
            max_step(&y) <= max_step(&input) + 1e-3,
            "{} vs {}",
            max_step(&y),
            max_step(&input)
        );
    }
}
