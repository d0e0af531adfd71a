//! Effects: the algorithmic reverbs ([`Reverb`], a feedback delay network,
//! and [`PlateReverb`], Dattorro's plate).

mod fdn;
#[cfg(test)]
mod ir_analysis;
mod plate;
mod reverb;
mod ring;

pub use plate::{PLATE_REVERB_KIND, PlateReverb};
pub use reverb::{REVERB_KIND, Reverb};
