//! Python bindings for masterlib: the native module `masterlib._masterlib`,
//! re-exported by the typed Python package `masterlib`.
//!
//! Layout: `audio` converts and validates numpy arrays, `processor` holds the
//! generic glue every processor class shares (the `masterlib.Processor` base
//! class), and one module per family defines thin classes over dsp-core.

use pyo3::prelude::*;

mod audio;
mod chain;
mod dynamics;
mod filters;
mod loudness;
mod meter;
mod mix;
mod processor;
mod qa;

#[pymodule]
fn _masterlib(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<processor::PyProcessor>()?;
    m.add_class::<mix::Gain>()?;
    m.add_class::<mix::Pan>()?;
    m.add_class::<mix::StereoWidth>()?;
    m.add_class::<chain::Chain>()?;
    m.add_class::<meter::LevelMeter>()?;
    m.add_class::<loudness::LoudnessMeter>()?;
    m.add_class::<qa::QaReport>()?;
    m.add_class::<qa::Target>()?;
    m.add_class::<qa::TargetCheck>()?;
    m.add_function(wrap_pyfunction!(qa::measure, m)?)?;
    m.add_function(wrap_pyfunction!(qa::targets, m)?)?;
    m.add_class::<filters::Filter>()?;
    m.add_class::<filters::PeakFilter>()?;
    m.add_class::<filters::LowShelf>()?;
    m.add_class::<filters::HighShelf>()?;
    m.add_class::<filters::LowPass>()?;
    m.add_class::<filters::HighPass>()?;
    m.add_class::<filters::BandPass>()?;
    m.add_class::<filters::Notch>()?;
    m.add_class::<filters::AllPass>()?;
    m.add_class::<filters::DcBlocker>()?;
    m.add_class::<filters::Equalizer>()?;
    m.add_class::<dynamics::PyDynamics>()?;
    m.add_class::<dynamics::Compressor>()?;
    m.add_class::<dynamics::Expander>()?;
    m.add_class::<dynamics::NoiseGate>()?;
    m.add_class::<dynamics::DeEsser>()?;
    m.add_class::<dynamics::MultibandCompressor>()?;
    m.add_class::<dynamics::Limiter>()?;
    Ok(())
}
