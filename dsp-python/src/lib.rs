//! Python bindings for masterlib: the native module `masterlib._masterlib`,
//! re-exported by the typed Python package `masterlib`.
//!
//! Layout: `audio` converts and validates numpy arrays; `processor` is the
//! base class `masterlib.Processor` every processor class extends, and
//! `run` processes audio through one; `params`, `classes` and `preset`
//! read dsp-core's parameter table: the classes of the registered kinds
//! are made from it at module init, with their properties, `repr`,
//! presets and pickling. `chain` (and, until their kinds are registered,
//! `dynamics` and `filters`) hold hand-written classes.

use pyo3::prelude::*;

mod audio;
mod chain;
mod classes;
mod dynamics;
mod filters;
mod loudness;
mod meter;
mod params;
mod preset;
mod processor;
mod qa;
mod run;

#[pymodule]
fn _masterlib(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<processor::PyProcessor>()?;
    m.add_class::<params::Parameter>()?;
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
    classes::generate(m)?;
    // Private (not in `__all__`): the registered kinds and their classes.
    m.setattr("_kinds", wrap_pyfunction!(classes::_kinds, m)?)?;
    Ok(())
}
