//! Mastering: the stages that turn a mix into a release (linear-phase EQ,
//! loudness normalization, dither, reference matching) and the chain and
//! one-call [`master`](self) entry points built from them. FFT-based parts
//! need `std`.

mod normalize;
pub mod offline;

pub use normalize::{
    Envelope, LimiterModel, MAX_PASSES, MIN_SLOPE, NormalizeReport, TOLERANCE_LU, normalize,
    normalize_analyzed, normalize_preview,
};
mod chain;
pub use chain::{CHAIN_VERSION, MasteringChain, Matching, Stage, WORKING_LUFS, mastering_limiter};
#[cfg(feature = "std")]
mod mastering;
#[cfg(feature = "std")]
pub use mastering::{
    AlbumReport, Audio, MasterReport, StageReport, master, master_album, master_to_reference,
    master_with, match_reference,
};
mod dither;

pub use dither::{BLANK_RUN, DITHER_KIND, Dither, Shaping};
#[cfg(feature = "std")]
mod linear_eq;

#[cfg(feature = "std")]
pub use linear_eq::{
    EqPhase, LINEAR_PHASE_EQ_KIND, LinearPhaseEq, MAX_CURVE_DB, MAX_CURVE_POINTS, curve_db,
    taps_for,
};
#[cfg(feature = "std")]
pub mod profile;

#[cfg(feature = "std")]
pub use profile::{MatchCurves, Profile, third_octave_error_db};
#[cfg(feature = "std")]
mod matching;
#[cfg(feature = "std")]
pub use matching::{MAX_TONAL_DB, TONAL_STAGE, match_chain, refine_tonal, refine_width};
