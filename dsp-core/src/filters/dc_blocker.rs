//! DC removal: a first-order high pass at a few hertz.

use super::design::FilterKind;
use super::filter::Filter;
use super::params::BandParams;
use crate::error::Error;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::spec::ProcessSpec;

/// Default DC blocker cutoff in Hz.
pub const DEFAULT_DC_CUTOFF_HZ: f64 = 5.0;

crate::declare_params! {
    DcBlocker, DC_BLOCKER_KIND = "dc_blocker", "DcBlocker", Caps::PLAIN.tail(),
        "Removes DC with a first-order Butterworth high pass (zero gain at DC, -3 dB at the \
         cutoff, 6 dB/oct below it); cutoff changes glide over 20 ms.";
    CUTOFF_HZ = ParamInfo { default: DEFAULT_DC_CUTOFF_HZ, doc: "The -3 dB point", ..BandParams::CUTOFF_HZ }
        => cutoff_hz, set_cutoff_hz;
}

/// Removes DC with a first-order Butterworth high pass (zero gain at DC,
/// -3 dB at the cutoff, 6 dB/oct below it); cutoff changes glide.
#[derive(Debug, Clone)]
pub struct DcBlocker(Filter);

impl Default for DcBlocker {
    /// Cutoff at [`DEFAULT_DC_CUTOFF_HZ`].
    fn default() -> Self {
        Self::new(DEFAULT_DC_CUTOFF_HZ).expect("valid default")
    }
}

impl DcBlocker {
    /// A DC blocker with its -3 dB point at `cutoff_hz` (1 to 200 Hz).
    pub fn new(cutoff_hz: f64) -> Result<Self, Error> {
        let cutoff_hz = Self::CUTOFF_HZ.check(cutoff_hz)?;
        Ok(Self(Filter::new(BandParams::new(FilterKind::HighPass, cutoff_hz).with_order(1))?))
    }

    /// The cutoff in Hz.
    pub fn cutoff_hz(&self) -> f64 {
        self.0.cutoff_hz()
    }

    /// Sets the cutoff in Hz (1 to 200; after `prepare`, below Nyquist).
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f64) -> Result<(), Error> {
        let cutoff_hz = Self::CUTOFF_HZ.check(cutoff_hz)?;
        self.0.set_cutoff_hz(cutoff_hz)
    }
}

impl Processor for DcBlocker {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        self.0.prepare(spec)
    }

    fn reset(&mut self) {
        self.0.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.0.process(channels);
    }

    fn tail(&self) -> usize {
        self.0.tail()
    }

    fn nonfinite_count(&self) -> u64 {
        self.0.nonfinite_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn removes_dc_and_passes_audio() {
        for fs in [44_100.0, 48_000.0, 192_000.0] {
            let mut dc = DcBlocker::default();
            dc.prepare(&ProcessSpec::new(fs, 4096, 1)).unwrap();
            let n = fs as usize * 2;
            let mut x: std::vec::Vec<f32> =
                sine(1000.0, fs, n, 0.25).iter().map(|v| v + 0.5).collect();
            crate::processor::process_in_blocks(&mut dc, &mut [&mut x], 4096);
            let tail = &x[n / 2..];
            let mean = tail.iter().map(|&v| v as f64).sum::<f64>() / tail.len() as f64;
            assert!(20.0 * libm::log10(mean.abs() / 0.5) < -60.0, "{fs}: residual DC {mean}");
            let gain = measured_gain_db(&mut dc, 1000.0, fs);
            assert!(gain.abs() < 0.01, "{fs}: 1 kHz gain {gain}");
            let corner = measured_gain_db(&mut dc, DEFAULT_DC_CUTOFF_HZ, fs);
            assert!((corner + 3.01).abs() < 0.1, "{fs}: corner {corner}");
        }
    }

    #[test]
    fn invariants_mono_and_stereo() {
        for channels in [1, 2] {
            check_processor_invariants(DcBlocker::default, channels, |d| {
                d.set_cutoff_hz(20.0).unwrap()
            });
        }
    }

    #[test]
    fn rejects_bad_cutoff() {
        assert!(DcBlocker::new(f64::NAN).is_err());
        assert!(DcBlocker::new(-1.0).is_err());
        let mut d = DcBlocker::new(10.0).unwrap();
        assert_eq!(d.cutoff_hz(), 10.0);
        assert!(d.set_cutoff_hz(0.0).is_err());
        assert!(matches!(
            d.set_cutoff_hz(200_000.0),
            Err(Error::OutOfRange { param, .. }) if *param == DcBlocker::CUTOFF_HZ
        ));
        assert_eq!(d.cutoff_hz(), 10.0);
    }
}
