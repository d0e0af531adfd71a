//! Filters and equalisers: the biquad kernel, the modulation-safe TPT
//! one-pole, the designs (RBJ cookbook,
//! Butterworth, Vicanek matched), and the processors built on them:
//! [`Filter`] (one registry kind per shape: [`PEAK_FILTER_KIND`],
//! [`LOW_PASS_KIND`]...), [`Equalizer`] and [`DcBlocker`].
//!
//! ```
//! use dsp_core::filters::{BandParams, Filter, FilterKind};
//! use dsp_core::{ProcessSpec, Processor};
//! use std::f32::consts::TAU;
//!
//! // A 1 kHz tone of amplitude 0.25 on a DC offset of 0.5.
//! let mut x: Vec<f32> =
//!     (0..48_000).map(|i| 0.5 + 0.25 * (TAU * (i % 48) as f32 / 48.0).sin()).collect();
//! // A 4th-order Butterworth high-pass at 20 Hz (24 dB/octave).
//! let mut hp = Filter::new(BandParams::new(FilterKind::HighPass, 20.0).with_order(4))?;
//! hp.prepare(&ProcessSpec::new(48_000.0, 512, 1))?;
//! x.chunks_mut(512).for_each(|block| hp.process_mono(block));
//! let settled = &x[24_000..];
//! let mean = settled.iter().sum::<f32>() / settled.len() as f32;
//! let peak = settled.iter().fold(0.0f32, |m, v| m.max(v.abs()));
//! assert!(mean.abs() < 1e-3); // the DC is gone
//! assert!((peak - 0.25).abs() < 0.005); // the tone passes
//!
//! // A design knows its response: a 6 dB bell reads 6 dB at its centre.
//! let bell = BandParams::new(FilterKind::Peak, 1000.0).with_gain_db(6.0);
//! assert!((bell.magnitude_db(1000.0, 48_000.0) - 6.0).abs() < 0.01);
//! # Ok::<(), dsp_core::Error>(())
//! ```

mod band;
pub mod biquad;
mod dc_blocker;
pub mod design;
#[cfg(feature = "alloc")]
mod equalizer;
mod filter;
pub mod one_pole;
mod params;
pub(crate) mod section;

pub use biquad::{Biquad, Coefs};
pub use dc_blocker::{DC_BLOCKER_KIND, DEFAULT_DC_CUTOFF_HZ, DcBlocker};
pub use design::{Design, FilterKind, shelf_q_from_slope};
#[cfg(feature = "alloc")]
pub use equalizer::{EQUALIZER_KIND, Equalizer};
pub use filter::Filter;
#[cfg(feature = "alloc")]
pub(crate) use filter::{
    ALL_PASS_ENTRY, BAND_PASS_ENTRY, HIGH_PASS_ENTRY, HIGH_SHELF_ENTRY, LOW_PASS_ENTRY,
    LOW_SHELF_ENTRY, NOTCH_ENTRY, PEAK_FILTER_ENTRY,
};
pub use one_pole::{TptOnePole, tpt_coef};
pub use params::{
    ALL_PASS_KIND, BAND_PASS_KIND, BandParams, HIGH_PASS_KIND, HIGH_SHELF_KIND, LOW_PASS_KIND,
    LOW_SHELF_KIND, MAX_GAIN_DB, MAX_ORDER, MAX_Q, MIN_Q, NOTCH_KIND, PEAK_FILTER_KIND,
};
