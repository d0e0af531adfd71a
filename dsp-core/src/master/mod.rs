//! Mastering: the stages that turn a mix into a release (linear-phase EQ,
//! loudness normalization, dither, reference matching) and the chain and
//! one-call [`master`](self) entry points built from them. FFT-based parts
//! need `std`.

mod dither;

pub use dither::{BLANK_RUN, DITHER_KIND, Dither, Shaping};
