//! Meters: fed blocks of audio and queried for readings.

#[cfg(feature = "alloc")]
mod level;
pub mod true_peak;

#[cfg(feature = "alloc")]
pub use level::LevelMeter;
pub use true_peak::{TruePeakInterpolator, TruePeakPrecision};
