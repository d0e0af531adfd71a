//! Parameter checks shared by the compressor and the expander, and a macro
//! for their getter and checked-setter pairs.

use crate::error::{Error, check_range};

/// Checks a threshold (-120 to +24 dB).
pub(crate) fn threshold_db(db: f64) -> Result<f64, Error> {
    check_range("threshold_db", db, -120.0, 24.0, "must be from -120 to +24 dB")
}

/// Checks a ratio (at least 1; infinity allowed).
pub(crate) fn ratio(ratio: f64) -> Result<f64, Error> {
    if ratio.is_nan() || ratio < 1.0 {
        return Err(Error::InvalidParameter { name: "ratio", reason: "must be at least 1" });
    }
    Ok(ratio)
}

/// Checks a knee width (0 to 48 dB).
pub(crate) fn knee_db(db: f64) -> Result<f64, Error> {
    check_range("knee_db", db, 0.0, 48.0, "must be from 0 to 48 dB")
}

/// Checks an attack time constant (0 to 1000 ms).
pub(crate) fn attack_ms(ms: f64) -> Result<f64, Error> {
    check_range("attack_ms", ms, 0.0, 1000.0, "must be from 0 to 1000 ms")
}

/// Checks a release time constant (0 to 10000 ms).
pub(crate) fn release_ms(ms: f64) -> Result<f64, Error> {
    check_range("release_ms", ms, 0.0, 10_000.0, "must be from 0 to 10000 ms")
}

/// Getter and checked-setter pairs for `f64` fields: the getter returns the
/// field of its name; the setter stores `$check(value)?` there, then calls
/// `self.$update()`.
macro_rules! checked_params {
    ($(
        $(#[$get_doc:meta])* $get:ident;
        $(#[$set_doc:meta])* $set:ident($arg:ident) = $check:expr => $update:ident;
    )*) => {$(
        $(#[$get_doc])*
        pub fn $get(&self) -> f64 {
            self.$get
        }

        $(#[$set_doc])*
        pub fn $set(&mut self, $arg: f64) -> Result<(), $crate::error::Error> {
            self.$get = ($check)($arg)?;
            self.$update();
            Ok(())
        }
    )*};
}
pub(crate) use checked_params;
