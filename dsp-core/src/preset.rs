//! Serialization: a processor as its kind name, parameter values and
//! members (chain members, equalizer bands), with a format version. With
//! feature `serde` a [`Preset`] is serde-serializable (JSON in the
//! bindings).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::params::{DynProcessor, KindInfo, ParamInfo, ParamType};
use crate::registry;

/// The preset format version this library writes (and the newest it reads).
pub const PRESET_VERSION: u32 = 1;

/// A processor's settings: kind, parameter values, bypass flag (for chain
/// members) and members.
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
    /// Whether the processor is bypassed where it is a chain member.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub bypass: bool,
    /// Members of a structured processor, in order.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "Vec::is_empty"))]
    pub members: Vec<Preset>,
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

    fn within(self, place: &str) -> Self {
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

/// How parameter `info` stores `v`: a number, a switch, a choice's name,
/// or `"inf"` / `"-inf"` for an infinite float (JSON has no infinity).
pub fn value_of(info: &ParamInfo, v: f64) -> Value {
    match info.ty {
        ParamType::Float | ParamType::Int if v.is_infinite() => {
            Value::Name(if v > 0.0 { "inf" } else { "-inf" }.to_string())
        }
        ParamType::Float | ParamType::Int => Value::Number(v),
        ParamType::Bool => Value::Bool(v != 0.0),
        ParamType::Choice(_) => Value::Name(info.choice_name(v).unwrap_or("").to_string()),
    }
}

/// The number a stored `value` stands for in parameter `info` (not yet
/// range-checked).
pub fn number_of(info: &'static ParamInfo, value: &Value) -> Result<f64, PresetError> {
    match (value, info.ty) {
        (Value::Number(v), _) => Ok(*v),
        (Value::Bool(b), ParamType::Bool) => Ok(f64::from(u8::from(*b))),
        (Value::Name(name), ParamType::Choice(_)) => Ok(info.choice_value(name)?),
        (Value::Name(name), ParamType::Float) if name == "inf" => Ok(f64::INFINITY),
        (Value::Name(name), ParamType::Float) if name == "-inf" => Ok(f64::NEG_INFINITY),
        (other, _) => Err(PresetError::new(format!(
            "{}: {other:?} is not a value of this parameter",
            info.id
        ))),
    }
}

/// A preset of `kind` with parameter values `value(i)` (the default where
/// `None`) and `members`.
pub fn save_values(
    kind: &'static KindInfo,
    value: impl Fn(usize) -> Option<f64>,
    members: Vec<Preset>,
) -> Preset {
    let params = kind
        .params
        .iter()
        .enumerate()
        .map(|(i, info)| (info.id.to_string(), value_of(info, value(i).unwrap_or(info.default))))
        .collect();
    Preset { version: PRESET_VERSION, kind: kind.name.to_string(), params, bypass: false, members }
}

/// The settings of `p`: its kind, every declared parameter and its members.
pub fn save(p: &dyn DynProcessor) -> Preset {
    save_values(p.kind(), |i| p.param(i), p.save_members())
}

/// A new processor made from `preset`.
pub fn load(preset: &Preset) -> Result<Box<dyn DynProcessor>, PresetError> {
    let mut p = registry::create(&preset.kind)
        .map_err(|e| PresetError::new(format!("{:?}: {e}", preset.kind)))?;
    restore(&mut *p, preset)?;
    Ok(p)
}

/// Sets `p` (of the preset's kind) from `preset`: every declared parameter
/// (its default where the preset has none), then the members.
pub fn restore(p: &mut dyn DynProcessor, preset: &Preset) -> Result<(), PresetError> {
    let kind = p.kind();
    let at = |e: PresetError| e.within(kind.name);
    if preset.version > PRESET_VERSION {
        return Err(PresetError::new(format!(
            "preset format version {} is newer than this library reads ({PRESET_VERSION})",
            preset.version
        )));
    }
    if preset.kind != kind.name {
        return Err(PresetError::new(format!(
            "a preset of kind {:?} cannot set a {}",
            preset.kind, kind.name
        )));
    }
    if let Some(id) = preset.params.keys().find(|id| kind.index_of(id).is_err()) {
        let e = kind.index_of(id).unwrap_err();
        return Err(at(PresetError::new(format!("{id:?}: {e}"))));
    }
    for (i, info) in kind.params.iter().enumerate() {
        let value = match preset.params.get(info.id) {
            None => info.default,
            Some(v) => number_of(info, v).map_err(at)?,
        };
        p.set_param(i, value).map_err(|e| at(e.into()))?;
    }
    p.load_members(&preset.members).map_err(at)
}
