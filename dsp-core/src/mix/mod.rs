//! Mixing basics: gain, panning and stereo width.

mod gain;
mod pan;
mod width;

pub use gain::Gain;
pub use pan::{Pan, PanLaw, PanSource};
pub use width::StereoWidth;
