//! The parametric equaliser: any number of bands in series.

use alloc::vec::Vec;

use super::band::{Band, process_bands};
use super::params::BandParams;
use crate::buffer::sanitize;
use crate::error::Error;
use crate::processor::Processor;
use crate::spec::ProcessSpec;

/// A parametric EQ: bands in series, each enabled or bypassed, each
/// smoothed like a [`Filter`](super::Filter).
#[derive(Debug, Clone)]
pub struct Equalizer {
    bands: Vec<Band>,
    sample_rate: Option<f64>,
    clock: u64,
    nonfinite: u64,
}

fn bad_index() -> Error {
    Error::InvalidParameter { name: "band", reason: "index out of range" }
}

impl Equalizer {
    /// An EQ with `bands` (each validated).
    pub fn new(bands: &[BandParams]) -> Result<Self, Error> {
        let bands = bands.iter().map(|&p| Band::new(p)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { bands, sample_rate: None, clock: 0, nonfinite: 0 })
    }

    /// Number of bands.
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// Whether the EQ has no bands.
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Target parameters of band `index`.
    pub fn band(&self, index: usize) -> Option<&BandParams> {
        self.bands.get(index).map(Band::params)
    }

    /// Sets band `index` (real-time safe; changes glide or cross-fade).
    pub fn set_band(&mut self, index: usize, params: BandParams) -> Result<(), Error> {
        self.bands.get_mut(index).ok_or_else(bad_index)?.set_params(params)
    }

    /// Appends a band, which fades in if the EQ is running. May allocate:
    /// not for the audio thread.
    pub fn push_band(&mut self, params: BandParams) -> Result<(), Error> {
        let mut band = Band::new(params.with_enabled(false))?;
        if let Some(fs) = self.sample_rate {
            band.prepare(fs)?;
        }
        band.set_params(params)?;
        self.bands.push(band);
        Ok(())
    }

    /// Removes band `index` at once (disable it first and wait 20 ms to
    /// avoid a click).
    pub fn remove_band(&mut self, index: usize) -> Result<(), Error> {
        if index >= self.bands.len() {
            return Err(bad_index());
        }
        self.bands.remove(index);
        Ok(())
    }

    /// Designed magnitude response in dB at `freq_hz`: the sum of the
    /// enabled bands' responses (for plots).
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.bands.iter().map(|b| b.params().magnitude_db(freq_hz, sample_rate)).sum()
    }
}

impl Processor for Equalizer {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        for b in &self.bands {
            b.params().check_sample_rate(spec.sample_rate)?;
        }
        for b in &mut self.bands {
            b.prepare(spec.sample_rate)?;
        }
        self.sample_rate = Some(spec.sample_rate);
        self.clock = 0;
        Ok(())
    }

    fn reset(&mut self) {
        self.bands.iter_mut().for_each(Band::reset);
        self.clock = 0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        process_bands(&mut self.bands, &mut self.clock, channels);
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}
