//! Per-track and per-bus metering: the library's loudness meter (which
//! also reads the sample peak), sized so that feeding it never allocates.

use alloc::vec::Vec;

use crate::analysis::LoudnessMeter;
use crate::error::Error;

/// A stereo [`LoudnessMeter`] when metering is on (true peak off: the
/// sample peak is read; the 10 Hz series are not kept).
#[derive(Debug, Clone, Default)]
pub(crate) struct Meter(Option<LoudnessMeter>);

impl Meter {
    /// Makes (or drops) the meter.
    pub fn prepare(&mut self, sample_rate: f64, on: bool) -> Result<(), Error> {
        self.0 = if on {
            let mut m = LoudnessMeter::new(sample_rate, 2)?.with_max_duration_s(0.1)?;
            m.set_true_peak_enabled(false);
            Some(m)
        } else {
            None
        };
        Ok(())
    }

    /// The meter, if on.
    pub fn get(&self) -> Option<&LoudnessMeter> {
        self.0.as_ref()
    }

    /// Clears the readings. Never allocates.
    pub fn reset(&mut self) {
        if let Some(m) = &mut self.0 {
            m.reset();
        }
    }

    /// Adds samples `at..at + n` of a stereo pair. Never allocates.
    pub fn add(&mut self, buf: &[Vec<f32>; 2], at: usize, n: usize) {
        if let Some(m) = &mut self.0 {
            // Mixer signals are finite (every chain and strip sanitizes its
            // input), so the meter's scan for NaN is skipped.
            m.add_frames(&[&buf[0][at..at + n], &buf[1][at..at + n]]);
        }
    }
}
