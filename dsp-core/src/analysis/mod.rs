//! Meters: fed blocks of audio and queried for readings.

#[cfg(feature = "alloc")]
mod level;

#[cfg(feature = "alloc")]
pub use level::LevelMeter;
