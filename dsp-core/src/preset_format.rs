//! The preset format: a processor as its kind name, parameter values and
//! members, with a format version. With feature `serde` a [`Preset`] is
//! serde-serializable (JSON in the bindings). Saving and loading live in
//! [`preset`](crate::preset); this module is only the data.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// The preset format version this library writes (and the newest it reads).
pub const PRESET_VERSION: u32 = 2;

/// A processor's settings: kind, parameter values, members and tables.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Preset {
    /// Format version ([`PRESET_VERSION`] when written).
    #[cfg_attr(feature = "serde", serde(default = "first_version"))]
    pub version: u32,
    /// Registry kind name.
    pub kind: String,
    /// Parameter values by id; a missing parameter takes its default.
    #[cfg_attr(feature = "serde", serde(default))]
    pub params: BTreeMap<String, Value>,
    /// Read, never written: version 1 marked a bypassed chain member here;
    /// it is read as the member's `bypass` parameter.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub bypass: bool,
    /// Members of a structured processor, in order.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub members: Vec<Preset>,
    /// Named tables of numbers (an equalizer's curve) by name; a missing
    /// table takes its default (empty).
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "BTreeMap::is_empty"))]
    pub tables: BTreeMap<String, Vec<f64>>,
}

#[cfg(feature = "serde")]
fn first_version() -> u32 {
    1
}

#[cfg(feature = "serde")]
fn is_false(b: &bool) -> bool {
    !*b
}

/// A parameter value as stored: a number, a switch, or a choice's name.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum Value {
    /// A switch.
    Bool(bool),
    /// A number (floats; also accepted for switches and choice indices).
    Number(f64),
    /// A choice's name.
    Name(String),
}

/// Why a preset could not be loaded; the message names the kind, the
/// parameter or the member at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetError {
    message: String,
}

impl PresetError {
    /// An error with `message`.
    pub fn new(message: String) -> Self {
        Self { message }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error, located: `place: message`.
    pub fn within(self, place: &str) -> Self {
        Self { message: format!("{place}: {}", self.message) }
    }
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for PresetError {}

impl From<crate::error::Error> for PresetError {
    fn from(e: crate::error::Error) -> Self {
        Self::new(e.to_string())
    }
}
