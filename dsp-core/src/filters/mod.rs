//! Filters and equalisers: the biquad kernel, the designs (RBJ cookbook,
//! Butterworth, Vicanek matched), and the processors built on them:
//! [`Filter`], [`Equalizer`] and [`DcBlocker`].

mod band;
pub mod biquad;
mod dc_blocker;
pub mod design;
#[cfg(feature = "alloc")]
mod equalizer;
mod filter;
mod params;
pub(crate) mod section;

pub use biquad::{Biquad, Coefs};
pub use dc_blocker::{DEFAULT_DC_CUTOFF_HZ, DcBlocker};
pub use design::{Design, FilterKind, shelf_q_from_slope};
#[cfg(feature = "alloc")]
pub use equalizer::Equalizer;
pub use filter::Filter;
pub use params::{BandParams, MAX_GAIN_DB, MAX_ORDER, MAX_Q, MIN_Q};
