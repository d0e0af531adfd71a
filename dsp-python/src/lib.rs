//! Python bindings for masterlib: the native module `masterlib._masterlib`,
//! re-exported by the typed Python package `masterlib`.
//!
//! Layout: `audio` converts and validates numpy arrays, `processor` holds the
//! generic glue every processor class shares (the `masterlib.Processor` base
//! class), and one module per family defines thin classes over dsp-core.

use pyo3::prelude::*;

mod audio;
mod chain;
mod meter;
mod mix;
mod processor;

#[pymodule]
fn _masterlib(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<processor::PyProcessor>()?;
    m.add_class::<mix::Gain>()?;
    m.add_class::<mix::Pan>()?;
    m.add_class::<mix::StereoWidth>()?;
    m.add_class::<chain::Chain>()?;
    m.add_class::<meter::LevelMeter>()?;
    Ok(())
}
