//! Filters and equalisers: the biquad kernel, the modulation-safe TPT
//! one-pole, the designs (RBJ cookbook,
//! Butterworth, Vicanek matched), and the processors built on them:
//! [`Filter`] (one registry kind per shape: [`PEAK_FILTER_KIND`],
//! [`LOW_PASS_KIND`]...), [`Equalizer`] and [`DcBlocker`].

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
