//! # dsp-core
//!
//! The real-time core of masterlib: mixing and mastering processors that work
//! in place on planar `f32` buffers.
//!
//! Every processor implements [`Processor`]: it is configured with setters in
//! musical units (dB, Hz, ms) that validate their input, sized once by
//! [`Processor::prepare`] with a [`ProcessSpec`], and then run by
//! [`Processor::process`], which never allocates, locks, fails or panics.
//! Meters (level, loudness) are not processors: they are fed blocks and
//! queried.
//!
//! Features: `std` (default, implies `alloc`) enables FFT-based analysis
//! and the convolution reverb;
//! `alloc` enables everything that needs heap memory ([`Chain`], the
//! equalizer, lookahead buffers); with neither, the fixed-size processors
//! remain.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod analysis;
pub mod buffer;
pub mod bypass;
#[cfg(feature = "alloc")]
pub mod chain;
pub mod dynamics;
#[cfg(feature = "alloc")]
pub mod effects;
pub mod error;
pub mod filters;
#[cfg(feature = "alloc")]
pub mod master;
pub mod math;
pub mod mix;
#[cfg(feature = "alloc")]
pub mod mixer;
pub mod param_info;
pub mod params;
#[cfg(feature = "alloc")]
pub mod preset;
#[cfg(feature = "alloc")]
pub mod preset_format;
pub mod processor;
pub mod progress;
#[cfg(feature = "alloc")]
pub mod registry;
#[cfg(all(feature = "alloc", target_has_atomic = "64"))]
pub mod shared_params;
mod simd;
pub mod smooth;
pub mod spec;

#[cfg(feature = "alloc")]
pub use chain::Chain;
pub use error::Error;
pub use params::{DynProcessor, ParamInfo, Params};
pub use processor::Processor;
pub use spec::ProcessSpec;

#[cfg(all(test, feature = "std"))]
mod fuzz_tests;
#[cfg(test)]
mod test_alloc;
#[cfg(test)]
mod test_util;
