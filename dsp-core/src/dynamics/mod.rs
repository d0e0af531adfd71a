//! Dynamics processors: compressor, expander and gate, de-esser, multiband
//! compressor, lookahead limiter, and the kernels they share.
//!
//! The kernels (gain curves, ballistics, fast dB) need no heap; the
//! multichannel processors need feature `alloc`.

pub mod ballistics;
#[cfg(feature = "alloc")]
mod compressor;
pub mod crossover;
pub mod curve;
#[cfg(feature = "alloc")]
mod deesser;
#[cfg(feature = "alloc")]
mod delegate;
#[cfg(feature = "alloc")]
mod detector;
#[cfg(feature = "alloc")]
mod engine;
#[cfg(feature = "alloc")]
mod expander;
pub mod fast_db;
#[cfg(feature = "alloc")]
pub mod limiter;
#[cfg(feature = "alloc")]
mod multiband;
#[cfg(feature = "alloc")]
mod params;

pub use ballistics::Ballistics;
#[cfg(feature = "alloc")]
pub use compressor::Compressor;
pub use crossover::Crossover;
pub use curve::GainComputer;
#[cfg(feature = "alloc")]
pub use deesser::DeEsser;
#[cfg(feature = "alloc")]
pub use detector::Detector;
#[cfg(feature = "alloc")]
pub use expander::{Expander, NoiseGate};
#[cfg(feature = "alloc")]
pub use limiter::Limiter;
#[cfg(feature = "alloc")]
pub use multiband::MultibandCompressor;
