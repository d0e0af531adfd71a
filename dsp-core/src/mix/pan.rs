//! Stereo panning with the common pan laws.

use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::{PI, cos, sin, sqrt};
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// How the level of a panned source changes across positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanLaw {
    /// -6 dB at centre; left + right amplitude constant (flat for correlated mono sums).
    Linear,
    /// -3 dB at centre; left² + right² constant (constant power).
    #[default]
    ConstantPower,
    /// -4.5 dB at centre: the geometric mean of the linear and constant-power laws.
    Compromise,
}

crate::named_choices!(PanLaw, "pan law" {
    Linear = "linear",
    ConstantPower = "constant_power",
    Compromise = "compromise",
});

impl PanLaw {
    /// Left and right gains for a mono source at `pan` (-1 left … +1 right).
    pub fn gains(self, pan: f64) -> (f64, f64) {
        let u = 0.5 * (pan.clamp(-1.0, 1.0) + 1.0);
        let theta = 0.5 * PI * u;
        match self {
            Self::Linear => (1.0 - u, u),
            Self::ConstantPower => (cos(theta), sin(theta)),
            Self::Compromise => (sqrt((1.0 - u) * cos(theta)), sqrt(u * sin(theta))),
        }
    }

    /// Left and right gains for a stereo source at `pan` (balance): the law
    /// normalised to unity at centre, the near side never boosted.
    pub fn balance_gains(self, pan: f64) -> (f64, f64) {
        let (l, r) = self.gains(pan);
        let (c, _) = self.gains(0.0);
        ((l / c).min(1.0), (r / c).min(1.0))
    }
}

/// Whether the stereo buffer given to [`Pan`] carries a mono source (placed
/// in both channels) or a stereo source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanSource {
    /// Both channels hold the same mono signal: the pan law applies.
    Mono,
    /// A stereo signal: the law's balance form applies.
    #[default]
    Stereo,
}

crate::named_choices!(PanSource, "pan source" { Mono = "mono", Stereo = "stereo" });

crate::declare_params! {
    Pan, PAN_KIND = "pan", "Pan", Caps::PLAIN.channels(Channels::ToStereo),
        "Pan position from -1 (left) to +1 (right). Mono input becomes stereo through the pan \
         law; stereo input is balanced (the near side keeps unity gain, the far side is \
         attenuated as the law's ratio to its centre).",
        dyn {
            fn route(&mut self, input: usize) -> Result<usize, Error> {
                match input {
                    1 => self.set_source(PanSource::Mono),
                    2 => self.set_source(PanSource::Stereo),
                    _ => return Err(Error::InvalidChannelCount { channels: input }),
                }
                Ok(2)
            }
        };
    PAN = ParamInfo::float("pan", -1.0, 1.0, 0.0, "", "Position from -1 (left) through 0 (centre) to +1 (right)")
        .smoothed(DEFAULT_SMOOTHING_MS) => pan, set_pan;
    LAW = ParamInfo::choice("law", PanLaw::CHOICES, 1, "Pan law: linear, constant_power or compromise (-4.5 dB centre)")
        => law, set_law;
    SOURCE = ParamInfo::choice("source", PanSource::CHOICES, 1, "Whether the two channels carry a mono source (placed by the law) or a stereo one (balanced)")
        => source, set_source;
}

/// Places a source in the stereo field. Works on two channels.
#[derive(Debug, Clone)]
pub struct Pan {
    pan: f64,
    law: PanLaw,
    source: PanSource,
    left: LinearSmoother,
    right: LinearSmoother,
    nonfinite: u64,
}

impl Pan {
    /// A panner at `pan` (-1 left, 0 centre, +1 right) with `law`.
    pub fn new(pan: f64, law: PanLaw) -> Result<Self, Error> {
        let mut p = Self {
            pan: 0.0,
            law,
            source: PanSource::Stereo,
            left: LinearSmoother::new(1.0),
            right: LinearSmoother::new(1.0),
            nonfinite: 0,
        };
        p.set_pan(pan)?;
        p.reset();
        Ok(p)
    }

    /// Pan position.
    pub fn pan(&self) -> f64 {
        self.pan
    }

    /// Sets the pan position, from -1 (left) to +1 (right).
    pub fn set_pan(&mut self, pan: f64) -> Result<(), Error> {
        self.pan = Self::PAN.check(pan)?;
        self.update();
        Ok(())
    }

    /// Pan law.
    pub fn law(&self) -> PanLaw {
        self.law
    }

    /// Sets the pan law.
    pub fn set_law(&mut self, law: PanLaw) {
        self.law = law;
        self.update();
    }

    /// What the input buffer carries.
    pub fn source(&self) -> PanSource {
        self.source
    }

    /// Declares whether the input is a mono source in both channels or stereo.
    pub fn set_source(&mut self, source: PanSource) {
        self.source = source;
        self.update();
    }

    /// Left and right gains currently targeted.
    pub fn gains(&self) -> (f64, f64) {
        match self.source {
            PanSource::Mono => self.law.gains(self.pan),
            PanSource::Stereo => self.law.balance_gains(self.pan),
        }
    }

    fn update(&mut self) {
        let (l, r) = self.gains();
        self.left.set_target(l);
        self.right.set_target(r);
    }
}

impl Default for Pan {
    /// Centre, constant-power law, stereo source.
    fn default() -> Self {
        Self::new(0.0, PanLaw::ConstantPower).expect("valid defaults")
    }
}

impl Processor for Pan {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        self.left.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.right.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.left.snap();
        self.right.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let [l, r] = channels else { return };
        let mono = self.source == PanSource::Mono;
        if self.left.is_smoothing() || self.right.is_smoothing() {
            let (left, right) = (&mut self.left, &mut self.right);
            apply(l, r, mono, || (left.next() as f32, right.next() as f32));
        } else {
            let gains = (self.left.current() as f32, self.right.current() as f32);
            apply(l, r, mono, || gains);
        }
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

/// Applies per-sample `gains` to a stereo pair; monomorphised so that
/// constant gains vectorise.
#[inline(always)]
fn apply(l: &mut [f32], r: &mut [f32], mono: bool, mut gains: impl FnMut() -> (f32, f32)) {
    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
        let (gl, gr) = gains();
        let (x, y) = if mono {
            let m = 0.5 * (*a + *b);
            (m, m)
        } else {
            (*a, *b)
        };
        (*a, *b) = (x * gl, y * gr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::gain_to_db;
    use crate::test_util::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn centre_levels_match_the_laws() {
        let centre = |law: PanLaw| gain_to_db(law.gains(0.0).0);
        assert_abs_diff_eq!(centre(PanLaw::Linear), -6.0206, epsilon = 1e-3);
        assert_abs_diff_eq!(centre(PanLaw::ConstantPower), -3.0103, epsilon = 1e-3);
        assert_abs_diff_eq!(centre(PanLaw::Compromise), -4.515, epsilon = 1e-2);
    }

    #[test]
    fn extremes_are_hard_left_and_right() {
        for law in [PanLaw::Linear, PanLaw::ConstantPower, PanLaw::Compromise] {
            let (l, r) = law.gains(-1.0);
            assert_abs_diff_eq!(l, 1.0, epsilon = 1e-12);
            assert_abs_diff_eq!(r, 0.0, epsilon = 1e-7);
            let (l, r) = law.gains(1.0);
            assert_abs_diff_eq!(l, 0.0, epsilon = 1e-7);
            assert_abs_diff_eq!(r, 1.0, epsilon = 1e-12);
            let (bl, br) = law.balance_gains(0.0);
            assert_abs_diff_eq!(bl, 1.0, epsilon = 1e-12);
            assert_abs_diff_eq!(br, 1.0, epsilon = 1e-12);
        }
    }

    #[test]
    fn constant_power_keeps_power() {
        for i in 0..=40 {
            let (l, r) = PanLaw::ConstantPower.gains(-1.0 + i as f64 / 20.0);
            assert_abs_diff_eq!(l * l + r * r, 1.0, epsilon = 1e-12);
        }
    }

    #[test]
    fn measured_output_follows_law() {
        let mut p = Pan::new(0.5, PanLaw::ConstantPower).unwrap();
        p.set_source(PanSource::Mono);
        p.prepare(&ProcessSpec::new(48_000.0, 1024, 2)).unwrap();
        let x = sine(1000.0, 48_000.0, 1024, 0.5);
        let (mut l, mut r) = (x.clone(), x.clone());
        p.process_stereo(&mut l, &mut r);
        let (gl, gr) = PanLaw::ConstantPower.gains(0.5);
        assert_abs_diff_eq!(rms(&l) / rms(&x), gl, epsilon = 1e-6);
        assert_abs_diff_eq!(rms(&r) / rms(&x), gr, epsilon = 1e-6);
        assert_abs_diff_eq!(rms(&l).powi(2) + rms(&r).powi(2), rms(&x).powi(2), epsilon = 1e-6);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(Pan::new(1.5, PanLaw::Linear).is_err());
        assert!(Pan::new(f64::NAN, PanLaw::Linear).is_err());
        assert!(PanLaw::from_name("nope").is_err());
        let mut p = Pan::new(0.0, PanLaw::Linear).unwrap();
        assert!(p.prepare(&ProcessSpec::new(48_000.0, 64, 1)).is_err());
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || Pan::new(-0.3, PanLaw::Compromise).unwrap(),
            2,
            |p| {
                p.set_pan(0.9).unwrap();
            },
        );
    }
}
