//! Mastering: the stages that turn a mix into a release (linear-phase EQ,
//! loudness normalization, dither, reference matching) and the chain and
//! one-call [`master`](self) entry points built from them. FFT-based parts
//! need `std`.
//!
//! ```
//! use dsp_core::master::{MasteringChain, master};
//! use std::f32::consts::TAU;
//!
//! // Five seconds of a quiet stereo "mix": two tones with a slow swell.
//! let mix: Vec<Vec<f32>> = (0..2)
//!     .map(|c| (0..5 * 48_000).map(|i| {
//!         let t = i as f32 / 48_000.0;
//!         let swell = 0.1 * (1.0 + 0.5 * (TAU * 0.5 * t).sin());
//!         swell * ((TAU * 110.0 * t).sin() + 0.5 * (TAU * (660.0 + c as f32) * t).sin())
//!     }).collect())
//!     .collect();
//! // Spotify's target: -14 LUFS integrated, true peaks at or under -1 dBTP.
//! let chain = MasteringChain::preset("streaming")?;
//! let (out, report) = master(&mix, 48_000.0, &chain)?;
//! assert_eq!(out[0].len(), mix[0].len()); // aligned with the mix, latency removed
//! assert!((report.after.integrated_lufs + 14.0).abs() < 0.1);
//! assert!(report.after.true_peak_dbtp <= -1.0);
//! # Ok::<(), dsp_core::Error>(())
//! ```

mod normalize;
pub mod offline;
pub mod tape;

pub use tape::{MemTape, Sink, SliceTape, Tape};

pub use normalize::{
    Envelope, EnvelopeBuilder, LimiterModel, MAX_PASSES, MIN_SLOPE, NormalizeReport, TOLERANCE_LU,
    normalize, normalize_analyzed, normalize_preview, normalize_tape,
};
mod chain;
pub use chain::{CHAIN_VERSION, MasteringChain, Matching, Stage, WORKING_LUFS, mastering_limiter};
#[cfg(feature = "std")]
mod mastering;
#[cfg(feature = "std")]
pub use mastering::{
    AlbumReport, Audio, MasterReport, StageReport, master, master_album, master_tape,
    master_to_reference, master_with, match_reference,
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
mod assist;
#[cfg(feature = "std")]
pub use assist::{
    ASSIST_STAGES, AssistOptions, AssistReport, CLIP_FROM_DB, Decision, GLUE_FROM_PLR_DB,
    MixReadings, assist, master_assisted,
};
#[cfg(feature = "std")]
mod tonal;
#[cfg(feature = "std")]
pub use tonal::{JUDGED_HZ, NO_CONTENT_DB, TargetBand, TonalBalance, TonalTarget};
#[cfg(feature = "std")]
mod matching;
#[cfg(feature = "std")]
pub use matching::{
    CLIP_MARGIN_DB, DENSITY_STAGE, MAX_TONAL_DB, TONAL_STAGE, match_chain, match_density,
    refine_tonal, refine_width,
};
