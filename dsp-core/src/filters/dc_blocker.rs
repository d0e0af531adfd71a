//! DC removal: a first-order high pass at a few hertz.

use super::design::FilterKind;
use super::filter::Filter;
use super::params::{BandParams, check_cutoff};
use crate::error::Error;
use crate::processor::Processor;
use crate::spec::ProcessSpec;

/// Default DC blocker cutoff in Hz.
pub const DEFAULT_DC_CUTOFF_HZ: f64 = 5.0;

/// Removes DC with a first-order Butterworth high pass (zero gain at DC,
/// -3 dB at the cutoff, 6 dB/oct below it); cutoff changes glide.
#[derive(Debug, Clone)]
pub struct DcBlocker(Filter);

impl Default for DcBlocker {
    fn default() -> Self {
        Self(Filter::new(Self::params(DEFAULT_DC_CUTOFF_HZ)).expect("valid default"))
    }
}

impl DcBlocker {
    /// A DC blocker with its -3 dB point at `cutoff_hz`.
    pub fn new(cutoff_hz: f64) -> Result<Self, Error> {
        check_cutoff(cutoff_hz)?;
        Ok(Self(Filter::new(Self::params(cutoff_hz))?))
    }

    fn params(cutoff_hz: f64) -> BandParams {
        BandParams::new(FilterKind::HighPass, cutoff_hz).with_order(1)
    }

    /// The cutoff in Hz.
    pub fn cutoff_hz(&self) -> f64 {
        self.0.params().cutoff_hz
    }

    /// Sets the cutoff in Hz.
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f64) -> Result<(), Error> {
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

    fn nonfinite_count(&self) -> u64 {
        self.0.nonfinite_count()
    }
}
