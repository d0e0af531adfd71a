//! # dsp-core
//!
//! The real-time core of masterlib: mixing and mastering processors that work
//! in place on planar `f32` buffers.
//!
//! ```
//! use dsp_core::dynamics::Limiter;
//! use dsp_core::filters::{BandParams, Filter, FilterKind};
//! use dsp_core::{Chain, ProcessSpec, Processor};
//! use std::f32::consts::TAU;
//!
//! // One second of a loud 440 Hz tone on a DC offset, in both channels.
//! let tone: Vec<f32> =
//!     (0..48_000).map(|i| 0.3 + 1.5 * (TAU * 440.0 * i as f32 / 48_000.0).sin()).collect();
//! let (mut left, mut right) = (tone.clone(), tone);
//!
//! let mut chain = Chain::new();
//! chain.push(Box::new(Filter::new(BandParams::new(FilterKind::HighPass, 30.0))?));
//! chain.push(Box::new(Limiter::new(-1.0, false, 5.0, 100.0)?)); // ceiling -1 dBFS
//! chain.prepare(&ProcessSpec::new(48_000.0, 512, 2))?; // may allocate, checks the settings
//! for (l, r) in left.chunks_mut(512).zip(right.chunks_mut(512)) {
//!     chain.process_stereo(l, r); // never allocates, locks or fails
//! }
//! let peak = left.iter().chain(&right).fold(0.0f32, |m, v| m.max(v.abs()));
//! assert!(peak <= 10f32.powf(-1.0 / 20.0) + 1e-5); // held under the ceiling
//! assert!(left[24_000..].iter().sum::<f32>().abs() / 24_000.0 < 1e-3); // DC removed
//! # Ok::<(), dsp_core::Error>(())
//! ```
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
