//! Python bindings for masterlib: the native module `masterlib._masterlib`,
//! re-exported by the typed Python package `masterlib`.
//!
//! Layout: `audio` converts and validates numpy arrays; `processor` holds
//! the data of the base class `masterlib.Processor` every processor class
//! extends, `run` processes audio through one, and `methods` is the base
//! class's Python methods; `params`, `classes` and `preset` read
//! dsp-core's parameter table: the classes of the registered kinds are
//! made from it at module init, with their properties, `repr`, presets and
//! pickling. `chain`, `dynamics` and `filters` hold the hand-written parts:
//! the structured kinds (`Chain`, `MultibandCompressor`, `DynamicEq`, `Equalizer`), the
//! `ConvolutionReverb` with its impulse response, and
//! the base classes `Dynamics` and `Filter`.
//!
//! The modules import each other in layers, never in a circle: `params`
//! and `audio` at the bottom; `processor` on them; `run` and `preset` on
//! `processor`; `methods` on those, and `chain`, `dynamics` and `filters`
//! on `processor`; `classes` and this root on top.

use pyo3::prelude::*;

mod assist;
mod audio;
mod chain;
mod classes;
mod convolution;
mod dither;
mod dynamics;
mod filters;
mod linear_eq;
mod loudness;
mod master;
mod meter;
mod methods;
mod mixer;
mod params;
mod preset;
mod processor;
mod progress;
mod qa;
mod run;
mod stream;

#[pymodule]
fn _masterlib(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<processor::PyProcessor>()?;
    m.add_class::<params::Parameter>()?;
    m.add_class::<chain::Chain>()?;
    m.add_class::<meter::LevelMeter>()?;
    m.add_class::<loudness::LoudnessMeter>()?;
    m.add_class::<qa::QaReport>()?;
    m.add_class::<qa::QaMeter>()?;
    m.add_class::<qa::Target>()?;
    m.add_class::<qa::TargetCheck>()?;
    m.add_function(wrap_pyfunction!(qa::measure, m)?)?;
    m.add_function(wrap_pyfunction!(qa::targets, m)?)?;
    m.add_function(wrap_pyfunction!(dither::dither, m)?)?;
    m.add_class::<master::MasteringChain>()?;
    m.add_class::<master::MasterReport>()?;
    m.add_class::<master::AlbumReport>()?;
    m.add_class::<master::NormalizeReport>()?;
    m.add_function(wrap_pyfunction!(master::master, m)?)?;
    m.add_function(wrap_pyfunction!(master::master_album, m)?)?;
    m.add_function(wrap_pyfunction!(master::normalize, m)?)?;
    m.add_class::<master::Profile>()?;
    m.add_function(wrap_pyfunction!(master::match_reference, m)?)?;
    m.add_function(wrap_pyfunction!(master::third_octave_error_db, m)?)?;
    m.add_class::<assist::TonalTarget>()?;
    m.add_class::<assist::TonalBalance>()?;
    m.add_class::<assist::Decision>()?;
    m.add_class::<assist::AssistReport>()?;
    m.add_function(wrap_pyfunction!(assist::assist, m)?)?;
    m.add_class::<filters::Filter>()?;
    m.add_class::<filters::Equalizer>()?;
    m.add_class::<dynamics::PyDynamics>()?;
    m.add_class::<dynamics::MultibandCompressor>()?;
    m.add_class::<dynamics::DynamicEq>()?;
    m.add_class::<mixer::Mixer>()?;
    m.add_class::<mixer::Track>()?;
    m.add_class::<mixer::Bus>()?;
    m.add_class::<convolution::ConvolutionReverb>()?;
    m.add_class::<linear_eq::LinearPhaseEq>()?;
    classes::generate(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Cancelled", m.py().get_type::<progress::Cancelled>())?;
    // Private (not in `__all__`): the registered kinds and their classes,
    // and the audio shape check (for the file functions).
    m.setattr("_kinds", wrap_pyfunction!(classes::_kinds, m)?)?;
    m.setattr("_audio_shape", wrap_pyfunction!(audio::_audio_shape, m)?)?;
    m.setattr("_normalize_tape", wrap_pyfunction!(stream::_normalize_tape, m)?)?;
    m.setattr("_master_tape", wrap_pyfunction!(stream::_master_tape, m)?)?;
    Ok(())
}
