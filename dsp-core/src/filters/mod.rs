//! Filters and equalisers: biquad kernels, their designs, and the
//! processors built on them.

pub mod biquad;
pub mod design;

pub use biquad::{Biquad, Coefs};
pub use design::FilterKind;
