//! Meters: fed blocks of audio and queried for readings.
//!
//! ```
//! use dsp_core::analysis::LoudnessMeter;
//! use std::f32::consts::TAU;
//!
//! // EBU Tech 3341's calibration: a 1 kHz sine in both channels, peaking at
//! // -20 dBFS, reads -20 LUFS (BS.1770 K-weighting is 0 dB at 1 kHz).
//! let amp = 10f32.powf(-20.0 / 20.0);
//! let sine: Vec<f32> =
//!     (0..3 * 48_000).map(|i| amp * (TAU * (i % 48) as f32 / 48.0).sin()).collect();
//! let mut meter = LoudnessMeter::new(48_000.0, 2)?;
//! meter.add_planar(&[&sine, &sine])?; // any block size, in as many calls as needed
//! assert!((meter.integrated_lufs() + 20.0).abs() < 0.1);
//! assert!((meter.momentary_lufs() + 20.0).abs() < 0.1);
//! assert!((meter.true_peak_dbtp() + 20.0).abs() < 0.1);
//! # Ok::<(), dsp_core::Error>(())
//! ```

#[cfg(feature = "alloc")]
pub(crate) mod gate;
#[cfg(feature = "alloc")]
pub(crate) mod kweight;
#[cfg(feature = "alloc")]
mod level;
#[cfg(feature = "alloc")]
pub mod loudness;
#[cfg(test)]
mod loudness_tests;
#[cfg(feature = "std")]
pub mod qa;
#[cfg(feature = "std")]
mod qa_meter;
#[cfg(feature = "alloc")]
pub mod targets;
pub mod true_peak;

#[cfg(feature = "alloc")]
pub use level::LevelMeter;
#[cfg(feature = "alloc")]
pub use loudness::{ChannelRole, LoudnessMeter};
#[cfg(feature = "std")]
pub use qa::QaReport;
#[cfg(feature = "std")]
pub use qa_meter::QaMeter;
#[cfg(feature = "alloc")]
pub use targets::{Target, TargetCheck};
pub use true_peak::{TruePeakInterpolator, TruePeakPrecision};
