//! Mixing basics: gain, panning, stereo width, a multiband imager and a
//! channel utility.
//!
//! ```
//! use dsp_core::mix::{Gain, Pan, PanLaw, PanSource};
//! use dsp_core::{ProcessSpec, Processor};
//! use std::f32::consts::TAU;
//!
//! let sine: Vec<f32> = (0..4_800).map(|i| (TAU * (i % 48) as f32 / 48.0).sin()).collect();
//! let peak = |x: &[f32]| x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
//! let spec = ProcessSpec::new(48_000.0, 4_800, 2);
//!
//! // -6 dB is a factor of 10^(-6/20) = 0.501 in amplitude.
//! let mut gain = Gain::new(-6.0, false)?;
//! gain.prepare(&spec)?;
//! let (mut l, mut r) = (sine.clone(), sine.clone());
//! gain.process_stereo(&mut l, &mut r);
//! assert!((peak(&l) - 0.501).abs() < 1e-3);
//!
//! // A mono source panned to the centre by the constant-power law: -3 dB a side.
//! let mut pan = Pan::new(0.0, PanLaw::ConstantPower)?;
//! pan.set_source(PanSource::Mono);
//! pan.prepare(&spec)?;
//! let (mut l, mut r) = (sine.clone(), sine);
//! pan.process_stereo(&mut l, &mut r);
//! assert!((peak(&l) - 0.7071).abs() < 1e-3 && (peak(&r) - 0.7071).abs() < 1e-3);
//! # Ok::<(), dsp_core::Error>(())
//! ```

mod channel_tool;
mod gain;
mod imager;
mod pan;
mod width;

pub use channel_tool::{CHANNEL_TOOL_KIND, ChannelMode, ChannelTool};
pub use gain::{GAIN_KIND, Gain};
pub use imager::{MIN_MONO_BELOW_HZ, MULTIBAND_IMAGER_KIND, MultibandImager};
pub use pan::{PAN_KIND, Pan, PanLaw, PanSource};
pub use width::{STEREO_WIDTH_KIND, StereoWidth};

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::processor::Processor;
    use crate::spec::ProcessSpec;
    use crate::test_util::*;
    use proptest::prelude::*;

    type Maker = Box<dyn Fn() -> Box<dyn Processor>>;

    fn run_split<P: Processor>(mut p: P, input: &[Vec<f32>], splits: &[usize]) -> Vec<Vec<f32>> {
        p.prepare(&ProcessSpec::new(44_100.0, 512, 2)).unwrap();
        run_blocks(&mut p, input, splits, usize::MAX, &|_| {})
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any valid settings: output finite, bounded by the gains, and
        /// independent of how the stream is split into blocks.
        #[test]
        fn mix_processors_are_split_invariant_and_finite(
            gain_db in -150.0f64..24.0,
            pan in -1.0f64..=1.0,
            width in 0.0f64..=2.0,
            side_db in -40.0f64..12.0,
            splits in proptest::collection::vec(1usize..512, 1..6),
        ) {
            let input = test_signal(2, 3_000);
            let cases: [(Maker, f64); 3] = [
                (Box::new(move || Box::new(Gain::new(gain_db, false).unwrap())), crate::math::db_to_gain(gain_db)),
                (Box::new(move || Box::new(Pan::new(pan, PanLaw::Compromise).unwrap())), 1.0),
                (Box::new(move || Box::new(StereoWidth::new(width, 0.0, side_db).unwrap())), 1.0 + width * crate::math::db_to_gain(side_db)),
            ];
            let peak_in = input.iter().flatten().fold(0.0f32, |a, v| a.max(v.abs())) as f64;
            for (make, max_gain) in &cases {
                let whole = run_split(make(), &input, &[512]);
                let split = run_split(make(), &input, &splits);
                prop_assert!(whole == split);
                let peak = whole.iter().flatten().fold(0.0f32, |a, v| a.max(v.abs())) as f64;
                prop_assert!(peak.is_finite() && peak <= peak_in * max_gain * 1.0001 + 1e-9);
            }
        }
    }
}
