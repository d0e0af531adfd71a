//! The processing specification handed to `prepare`.

use crate::error::Error;

/// Lowest supported sample rate in Hz.
pub const MIN_SAMPLE_RATE: f64 = 1_000.0;
/// Highest supported sample rate in Hz.
pub const MAX_SAMPLE_RATE: f64 = 768_000.0;
/// Largest supported block size in samples.
pub const MAX_BLOCK_SIZE: usize = 1 << 20;
/// Largest supported channel count.
pub const MAX_CHANNELS: usize = 64;

/// How a processor will be run: sample rate, longest block, channel count
/// and whether in real time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessSpec {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Longest block (samples per channel) that `process` will be given.
    pub max_block_size: usize,
    /// Number of planar channels.
    pub channels: usize,
    /// Rendering offline (a file, a whole array): a processor may take
    /// more latency for less work per sample (it reports it, as always,
    /// through `latency`). False for real-time use.
    pub offline: bool,
}

impl ProcessSpec {
    /// A real-time spec with the given sample rate, maximum block size and
    /// channel count.
    pub const fn new(sample_rate: f64, max_block_size: usize, channels: usize) -> Self {
        Self { sample_rate, max_block_size, channels, offline: false }
    }

    /// This spec for offline rendering.
    pub const fn rendering(self) -> Self {
        Self { offline: true, ..self }
    }

    /// Checks every field against the supported ranges.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.sample_rate.is_finite()
            && (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&self.sample_rate))
        {
            return Err(Error::InvalidSampleRate {
                sample_rate: self.sample_rate,
                min: MIN_SAMPLE_RATE,
                max: MAX_SAMPLE_RATE,
            });
        }
        if self.max_block_size == 0 || self.max_block_size > MAX_BLOCK_SIZE {
            return Err(Error::InvalidBlockSize {
                block_size: self.max_block_size,
                max: MAX_BLOCK_SIZE,
            });
        }
        if self.channels == 0 || self.channels > MAX_CHANNELS {
            return Err(Error::InvalidChannelCount { channels: self.channels });
        }
        Ok(())
    }

    /// Nyquist frequency in Hz.
    pub fn nyquist(&self) -> f64 {
        0.5 * self.sample_rate
    }

    /// Checks that a frequency parameter lies strictly between 0 and Nyquist.
    pub fn check_below_nyquist(&self, name: &'static str, value_hz: f64) -> Result<(), Error> {
        if value_hz < self.nyquist() {
            Ok(())
        } else {
            Err(Error::AboveNyquist { name, value_hz, nyquist_hz: self.nyquist() })
        }
    }

    /// Converts a duration in milliseconds to a whole number of samples (rounded).
    pub fn ms_to_samples(&self, ms: f64) -> usize {
        libm::round(ms * 1e-3 * self.sample_rate) as usize
    }
}
