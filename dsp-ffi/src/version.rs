//! The library's version: `MASTERLIB_VERSION_*` macros in the header (the
//! version a program was compiled against) and `ml_version()` /
//! `ml_version_string()` (the version of the library it runs with).
//!
//! The constants are literals so that cbindgen can write them as macros; a
//! compile-time check ties them to the package version in `Cargo.toml`.

use std::ffi::c_char;

/// Major version: the shared library's SONAME is `libmasterlib.so.<major>`.
pub const MASTERLIB_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const MASTERLIB_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const MASTERLIB_VERSION_PATCH: u32 = 0;
/// The three numbers in one, `major * 1000000 + minor * 1000 + patch`,
/// comparable with `ml_version()`.
pub const MASTERLIB_VERSION: u32 =
    MASTERLIB_VERSION_MAJOR * 1000000 + MASTERLIB_VERSION_MINOR * 1000 + MASTERLIB_VERSION_PATCH;

/// The leading decimal number of `s`, at compile time.
const fn leading_number(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

const _: () = assert!(
    MASTERLIB_VERSION_MAJOR == leading_number(env!("CARGO_PKG_VERSION_MAJOR"))
        && MASTERLIB_VERSION_MINOR == leading_number(env!("CARGO_PKG_VERSION_MINOR"))
        && MASTERLIB_VERSION_PATCH == leading_number(env!("CARGO_PKG_VERSION_PATCH")),
    "MASTERLIB_VERSION_* must match the package version in Cargo.toml"
);

/// The package version with a NUL, for `ml_version_string`.
const VERSION_STRING: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// Version of the library at run time, encoded as `MASTERLIB_VERSION` is
/// (`major * 1000000 + minor * 1000 + patch`). A program can compare it with
/// the macros it was compiled with: the major versions must be equal.
///
/// Thread rule: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn ml_version() -> u32 {
    MASTERLIB_VERSION
}

/// Version of the library at run time as a static NUL-terminated string,
/// e.g. `"0.1.0"`. Never NULL; must not be freed.
///
/// Thread rule: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn ml_version_string() -> *const c_char {
    VERSION_STRING.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_matches_the_package() {
        // SAFETY: the string is static and NUL-terminated.
        let s = unsafe { CStr::from_ptr(ml_version_string()) };
        assert_eq!(s.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let expected = format!(
            "{}.{}.{}",
            ml_version() / 1000000,
            ml_version() / 1000 % 1000,
            ml_version() % 1000
        );
        assert!(env!("CARGO_PKG_VERSION").starts_with(&expected), "{expected}");
    }
}
