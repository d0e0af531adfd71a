//! Meters: fed blocks of audio and queried for readings.

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
#[cfg(feature = "alloc")]
pub mod targets;
pub mod true_peak;

#[cfg(feature = "alloc")]
pub use level::LevelMeter;
#[cfg(feature = "alloc")]
pub use loudness::{ChannelRole, LoudnessMeter};
#[cfg(feature = "std")]
pub use qa::QaReport;
#[cfg(feature = "alloc")]
pub use targets::{Target, TargetCheck};
pub use true_peak::{TruePeakInterpolator, TruePeakPrecision};
