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

/// The sidechain input and gain-reduction output of a dynamics processor,
/// as the bindings drive them without knowing the kind.
pub trait Dynamics {
    /// Rows of the gain-reduction series: 1, or one per band.
    fn gain_reduction_rows(&self) -> usize {
        1
    }

    /// Gain reduction in dB (>= 0) of `row` after the last processed sample.
    fn row_gain_reduction_db(&self, row: usize) -> f32;

    /// Processes one block, keyed by `side` when given (kinds without a
    /// sidechain ignore it), writing each sample's reduction (dB) into the
    /// `gr` rows (none when not asked for). Never allocates.
    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    );
}

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
