//! Mid/side stereo width.

use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::db_to_gain;
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

crate::declare_params! {
    StereoWidth, STEREO_WIDTH_KIND = "stereo_width", "StereoWidth", Caps::PLAIN.channels(Channels::Stereo),
        "Mid/side stereo width: 0 is mono, 1 unchanged, 2 doubles the side signal.";
    WIDTH = ParamInfo::float("width", 0.0, 2.0, 1.0, "", "Side scale from 0 (mono) to 2")
        .smoothed(DEFAULT_SMOOTHING_MS) => width, set_width;
    MID_GAIN_DB = ParamInfo::float("mid_gain_db", -150.0, 60.0, 0.0, "dB", "Mid gain in dB")
        .smoothed(DEFAULT_SMOOTHING_MS) => mid_gain_db, set_mid_gain_db;
    SIDE_GAIN_DB = ParamInfo::float("side_gain_db", -150.0, 60.0, 0.0, "dB", "Side gain in dB")
        .smoothed(DEFAULT_SMOOTHING_MS) => side_gain_db, set_side_gain_db;
}

/// Stereo width through mid/side: `M = (L+R)/2`, `S = (L-R)/2`, then
/// `L' = m·M + w·s·S`, `R' = m·M − w·s·S` with width `w` (0 mono, 1
/// unchanged, 2 twice the side level) and mid/side gains `m`, `s`.
#[derive(Debug, Clone)]
pub struct StereoWidth {
    width: f64,
    mid_gain_db: f64,
    side_gain_db: f64,
    mid: LinearSmoother,
    side: LinearSmoother,
    nonfinite: u64,
}

impl StereoWidth {
    /// A width stage with the given width and mid/side gains in dB.
    pub fn new(width: f64, mid_gain_db: f64, side_gain_db: f64) -> Result<Self, Error> {
        let mut w = Self {
            width: 1.0,
            mid_gain_db: 0.0,
            side_gain_db: 0.0,
            mid: LinearSmoother::new(1.0),
            side: LinearSmoother::new(1.0),
            nonfinite: 0,
        };
        w.set_width(width)?;
        w.set_mid_gain_db(mid_gain_db)?;
        w.set_side_gain_db(side_gain_db)?;
        w.reset();
        Ok(w)
    }

    /// Width: 0 (mono) to 2.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// Sets the width, from 0 (mono) to 2.
    pub fn set_width(&mut self, width: f64) -> Result<(), Error> {
        self.width = Self::WIDTH.check(width)?;
        self.update();
        Ok(())
    }

    /// Mid gain in dB.
    pub fn mid_gain_db(&self) -> f64 {
        self.mid_gain_db
    }

    /// Sets the mid gain in dB.
    pub fn set_mid_gain_db(&mut self, db: f64) -> Result<(), Error> {
        self.mid_gain_db = Self::MID_GAIN_DB.check(db)?;
        self.update();
        Ok(())
    }

    /// Side gain in dB.
    pub fn side_gain_db(&self) -> f64 {
        self.side_gain_db
    }

    /// Sets the side gain in dB.
    pub fn set_side_gain_db(&mut self, db: f64) -> Result<(), Error> {
        self.side_gain_db = Self::SIDE_GAIN_DB.check(db)?;
        self.update();
        Ok(())
    }

    fn update(&mut self) {
        self.mid.set_target(db_to_gain(self.mid_gain_db));
        self.side.set_target(self.width * db_to_gain(self.side_gain_db));
    }
}

impl Default for StereoWidth {
    /// Width 1, no mid or side gain: unchanged.
    fn default() -> Self {
        Self::new(1.0, 0.0, 0.0).expect("valid defaults")
    }
}

impl Processor for StereoWidth {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        self.mid.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.side.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.mid.snap();
        self.side.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let [l, r] = channels else { return };
        if self.mid.is_smoothing() || self.side.is_smoothing() {
            let (mid, side) = (&mut self.mid, &mut self.side);
            apply(l, r, || (mid.next() as f32, side.next() as f32));
        } else {
            let gains = (self.mid.current() as f32, self.side.current() as f32);
            apply(l, r, || gains);
        }
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

/// Applies per-sample mid/side `gains`; monomorphised so that constant
/// gains vectorise.
#[inline(always)]
fn apply(l: &mut [f32], r: &mut [f32], mut gains: impl FnMut() -> (f32, f32)) {
    for (a, b) in l.iter_mut().zip(r.iter_mut()) {
        let (gm, gs) = gains();
        let m = 0.5 * (*a + *b) * gm;
        let s = 0.5 * (*a - *b) * gs;
        (*a, *b) = (m + s, m - s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use approx::assert_abs_diff_eq;

    fn run(w: &mut StereoWidth, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        w.prepare(&ProcessSpec::new(48_000.0, 4096, 2)).unwrap();
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        w.process_stereo(&mut a, &mut b);
        (a, b)
    }

    #[test]
    fn width_zero_is_exact_mono() {
        let l = sine(440.0, 48_000.0, 4096, 0.7);
        let r = sine(660.0, 48_000.0, 4096, 0.3);
        let (a, b) = run(&mut StereoWidth::new(0.0, 0.0, 0.0).unwrap(), &l, &r);
        assert_eq!(a, b);
        for i in 0..l.len() {
            assert_abs_diff_eq!(a[i], 0.5 * (l[i] + r[i]), epsilon = 1e-7);
        }
    }

    #[test]
    fn width_one_is_identity_and_two_doubles_side() {
        let l = sine(440.0, 48_000.0, 4096, 0.7);
        let r = sine(660.0, 48_000.0, 4096, 0.3);
        let (a, b) = run(&mut StereoWidth::new(1.0, 0.0, 0.0).unwrap(), &l, &r);
        for i in 0..l.len() {
            assert_abs_diff_eq!(a[i], l[i], epsilon = 1e-6);
            assert_abs_diff_eq!(b[i], r[i], epsilon = 1e-6);
        }
        let (a, b) = run(&mut StereoWidth::new(2.0, 0.0, 0.0).unwrap(), &l, &r);
        let side_in: Vec<f32> = l.iter().zip(&r).map(|(x, y)| x - y).collect();
        let side_out: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        assert_abs_diff_eq!(rms(&side_out) / rms(&side_in), 2.0, epsilon = 1e-5);
    }

    #[test]
    fn rejects_bad_values() {
        assert!(StereoWidth::new(-0.1, 0.0, 0.0).is_err());
        assert!(StereoWidth::new(2.5, 0.0, 0.0).is_err());
        assert!(StereoWidth::new(1.0, f64::NAN, 0.0).is_err());
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || StereoWidth::new(1.5, -1.0, 2.0).unwrap(),
            2,
            |p| {
                p.set_width(0.2).unwrap();
            },
        );
    }
}
