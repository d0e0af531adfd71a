//! Gain-reduction readings of a dynamics processor, stored by the
//! processing thread after each block and read from any thread.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use dsp_core::DynProcessor;

use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, Message};

/// Most gain-reduction rows (bands) whose readings are kept per processor.
pub const ML_MAX_GAIN_REDUCTION_ROWS: usize = 8;

/// Gain-reduction readings (dB, `f32` bits) that the processing thread
/// stores after each block and any thread reads.
#[derive(Debug, Default)]
pub(crate) struct GainReduction {
    largest: AtomicU32,
    rows: [AtomicU32; ML_MAX_GAIN_REDUCTION_ROWS],
    count: AtomicUsize,
}

impl GainReduction {
    /// Stores the readings of `inner` (no reading for a kind without the
    /// `Dynamics` interface). Never allocates.
    pub(crate) fn store(&self, inner: &mut dyn DynProcessor) {
        let Some(d) = inner.dynamics() else { return };
        let n = d.gain_reduction_rows();
        let mut largest = 0.0f32;
        for r in 0..n {
            let db = d.row_gain_reduction_db(r);
            largest = largest.max(db);
            if let Some(slot) = self.rows.get(r) {
                slot.store(db.to_bits(), Ordering::Relaxed);
            }
        }
        self.count.store(n.min(ML_MAX_GAIN_REDUCTION_ROWS), Ordering::Relaxed);
        self.largest.store(largest.to_bits(), Ordering::Release);
    }

    /// How many rows hold readings.
    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// The largest reduction over the rows.
    pub(crate) fn largest(&self) -> f32 {
        f32::from_bits(self.largest.load(Ordering::Acquire))
    }

    /// Row `row`'s reduction, or `ML_STATUS_INVALID_ARGUMENT`.
    pub(crate) fn row(&self, row: usize) -> Result<f32, Fail> {
        let n = self.count();
        match self.rows.get(row) {
            Some(slot) if row < n => Ok(f32::from_bits(slot.load(Ordering::Relaxed))),
            _ => Err(Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                Message::NoIndex { owner: "", what: "gain-reduction row", index: row, count: n },
            )),
        }
    }
}
