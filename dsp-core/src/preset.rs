//! Saving and loading presets: a processor's kind, parameter values and
//! members to a [`Preset`] and back, checked against the declarations.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::params::{DynProcessor, KindInfo, ParamInfo, ParamType};
pub use crate::preset_format::{PRESET_VERSION, Preset, PresetError, Value};
use crate::registry;

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
    Preset {
        version: PRESET_VERSION,
        kind: kind.name.to_string(),
        params,
        bypass: false,
        members,
        tables: Default::default(),
    }
}

/// The settings of `p`: its kind, every declared parameter, its members
/// and its non-empty tables.
pub fn save(p: &dyn DynProcessor) -> Preset {
    let mut preset = save_values(p.kind(), |i| p.param(i), p.save_members(&save));
    preset.tables = tables_of(p);
    preset
}

/// The non-empty tables of `p`, by name.
pub fn tables_of(p: &dyn DynProcessor) -> BTreeMap<String, Vec<f64>> {
    p.tables().into_iter().filter(|(_, t)| !t.is_empty()).map(|(n, t)| (n.to_string(), t)).collect()
}

/// The preset's parameters in today's spelling: version 1 called a
/// filter's bypass `enabled` (the other way round) and kept a chain
/// member's bypass beside its parameters; both are read as `bypass`.
fn upgraded(preset: &Preset) -> BTreeMap<String, Value> {
    let mut params = preset.params.clone();
    if preset.version < 2
        && let Some(enabled) = params.remove("enabled")
    {
        let on = matches!(enabled, Value::Bool(false)) || enabled == Value::Number(0.0);
        params.insert("bypass".to_string(), Value::Bool(on));
    }
    if preset.bypass {
        params.insert("bypass".to_string(), Value::Bool(true));
    }
    params
}

/// A new processor made from `preset`.
pub fn load(preset: &Preset) -> Result<Box<dyn DynProcessor>, PresetError> {
    let mut p = registry::create(&preset.kind)
        .map_err(|e| PresetError::new(format!("{:?}: {e}", preset.kind)))?;
    restore(&mut *p, preset)?;
    Ok(p)
}

/// Sets `p` (of the preset's kind) from `preset`: every declared parameter
/// (its default where the preset has none), its tables (empty where the
/// preset has none), then the members.
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
    let params = upgraded(preset);
    if let Some(id) = params.keys().find(|id| kind.index_of(id).is_err()) {
        let e = kind.index_of(id).unwrap_err();
        return Err(at(PresetError::new(format!("{id:?}: {e}"))));
    }
    for (i, info) in kind.params.iter().enumerate() {
        let value = match params.get(info.id) {
            None => info.default,
            Some(v) => number_of(info, v).map_err(at)?,
        };
        p.set_param(i, value).map_err(|e| at(e.into()))?;
    }
    for (name, values) in &preset.tables {
        p.set_table(name, values).map_err(|e| at(PresetError::from(e).within(name)))?;
    }
    for (name, _) in p.tables() {
        if !preset.tables.contains_key(name) {
            p.set_table(name, &[]).map_err(|e| at(e.into()))?;
        }
    }
    p.load_members(&preset.members, &load).map_err(at)
}
