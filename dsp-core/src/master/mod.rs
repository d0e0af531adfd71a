//! Mastering: the stages that turn a mix into a release (linear-phase EQ,
//! loudness normalization, dither, reference matching) and the chain and
//! one-call [`master`](self) entry points built from them. FFT-based parts
//! need `std`.

#[cfg(feature = "std")]
pub mod profile;

#[cfg(feature = "std")]
pub use profile::{MatchCurves, Profile, third_octave_error_db};
