//! Mastering: the stages that turn a mix into a release (linear-phase EQ,
//! loudness normalization, dither, reference matching) and the chain and
//! one-call [`master`](self) entry points built from them. FFT-based parts
//! need `std`.

#[cfg(feature = "std")]
mod linear_eq;

#[cfg(feature = "std")]
pub use linear_eq::{
    EqPhase, LINEAR_PHASE_EQ_KIND, LinearPhaseEq, MAX_CURVE_DB, MAX_CURVE_POINTS, curve_db,
    taps_for,
};
