//! Presets: a processor object's settings as dsp-core's [`Preset`] (kind,
//! parameter targets, members with their bypass flags, tables), as a Python dict
//! and as JSON, and new objects made from them.
//!
//! Every preset is validated by the core (`preset::load`), so errors name
//! the kind, member and parameter at fault. An infinite value (a ratio) is
//! stored as the name `"inf"`, as the core writes it, and shown in a dict
//! as a float.

use std::collections::BTreeMap;

use dsp_core::params::ParamType;
use dsp_core::preset::{self, PRESET_VERSION, Preset, Value};
use dsp_core::registry;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyType};

use crate::params::to_py;
use crate::processor::{Body, PyProcessor, class_kind};

/// The preset of `obj`: its kind, shown parameters and members.
pub(crate) fn save(obj: &Bound<'_, PyProcessor>) -> PyResult<Preset> {
    let py = obj.py();
    let this = obj.get();
    let kind = this.kind();
    // Every declared parameter, the derived ones too (the core reads a
    // multiband compressor's band count from its preset).
    let shared = this.shared();
    let members = match &this.body {
        Body::Chain { .. } => {
            this.members(py).iter().map(|m| save(m.bind(py))).collect::<PyResult<_>>()?
        }
        // A leaf's linked objects (bands) are its members.
        Body::Leaf(_) => {
            let links = this.with_unit(py, |u| u.links.clone());
            links.iter().map(|l| save(l.bind(py))).collect::<PyResult<_>>()?
        }
    };
    let mut saved = preset::save_values(kind, |i| shared.get(i), members);
    if let Body::Leaf(_) = &this.body {
        saved.tables = this.with_unit(py, |u| preset::tables_of(&*u.node));
    }
    Ok(saved)
}

/// `obj.to_dict()`.
pub(crate) fn to_dict<'py>(obj: &Bound<'py, PyProcessor>) -> PyResult<Bound<'py, PyDict>> {
    preset_to_py(obj.py(), &save(obj)?)
}

/// `obj.to_json()`.
pub(crate) fn to_json(obj: &Bound<'_, PyProcessor>) -> PyResult<String> {
    serde_json::to_string(&save(obj)?)
        .map_err(|e| PyValueError::new_err(format!("preset cannot be written as JSON: {e}")))
}

fn preset_to_py<'py>(py: Python<'py>, p: &Preset) -> PyResult<Bound<'py, PyDict>> {
    let kind = registry::find(&p.kind).ok();
    let params = PyDict::new(py);
    for (id, value) in &p.params {
        let info = kind.and_then(|k| k.index_of(id).ok().map(|i| &k.params[i]));
        let v = match (value, info) {
            (Value::Name(_), Some(info)) if info.ty == ParamType::Float => {
                let v = preset::number_of(info, value)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                to_py(py, info, v)?
            }
            (Value::Number(v), Some(info)) => to_py(py, info, *v)?,
            (Value::Number(v), None) => v.into_pyobject(py)?.into_any(),
            (Value::Bool(b), _) => PyBool::new(py, *b).to_owned().into_any(),
            (Value::Name(n), _) => PyString::new(py, n).into_any(),
        };
        params.set_item(id, v)?;
    }
    let d = PyDict::new(py);
    d.set_item("version", p.version)?;
    d.set_item("kind", &p.kind)?;
    d.set_item("params", params)?;
    if !p.members.is_empty() {
        let members =
            p.members.iter().map(|m| preset_to_py(py, m)).collect::<PyResult<Vec<_>>>()?;
        d.set_item("members", members)?;
    }
    if !p.tables.is_empty() {
        d.set_item("tables", &p.tables)?;
    }
    Ok(d)
}

fn field<'py, T: pyo3::conversion::FromPyObjectOwned<'py>>(
    d: &Bound<'py, PyDict>,
    key: &str,
    what: &str,
) -> PyResult<Option<T>> {
    match d.get_item(key)? {
        None => Ok(None),
        Some(v) => v
            .extract::<T>()
            .map(Some)
            .map_err(|_| PyTypeError::new_err(format!("invalid preset: \"{key}\" must be {what}"))),
    }
}

/// A preset read from a dict (as `to_dict` writes).
fn preset_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Preset> {
    const FIELDS: [&str; 6] = ["version", "kind", "params", "bypass", "members", "tables"];
    let Ok(d) = obj.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "a preset is a dict (as to_dict() returns), got {}",
            obj.get_type().name()?
        )));
    };
    for key in d.keys() {
        let key: String = key.extract()?;
        if !FIELDS.contains(&key.as_str()) {
            return Err(PyValueError::new_err(format!(
                "invalid preset: unknown field \"{key}\" (the fields are {})",
                FIELDS.join(", ")
            )));
        }
    }
    let Some(kind) = field::<String>(d, "kind", "a kind name")? else {
        return Err(PyValueError::new_err("invalid preset: \"kind\" is missing"));
    };
    let mut params = BTreeMap::new();
    if let Some(p) = field::<Bound<'_, PyDict>>(d, "params", "a dict")? {
        for (id, v) in p.iter() {
            let id: String = id.extract()?;
            let value = if v.is_instance_of::<PyBool>() {
                Value::Bool(v.extract()?)
            } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
                Value::Number(v.extract()?)
            } else if let Ok(name) = v.cast::<PyString>() {
                Value::Name(name.to_string())
            } else {
                return Err(PyTypeError::new_err(format!(
                    "invalid preset: {kind}: {id}: a value is a number, bool or name, got {}",
                    v.get_type().name()?
                )));
            };
            params.insert(id, value);
        }
    }
    let members = match field::<Bound<'_, PyList>>(d, "members", "a list")? {
        Some(list) => list.iter().map(|m| preset_from_py(&m)).collect::<PyResult<_>>()?,
        None => Vec::new(),
    };
    Ok(Preset {
        version: field(d, "version", "a whole number")?.unwrap_or(PRESET_VERSION),
        tables: field(d, "tables", "a dict of lists of numbers")?.unwrap_or_default(),
        kind,
        params,
        bypass: field(d, "bypass", "True or False")?.unwrap_or(false),
        members,
    })
}

/// A JSON value as the Python object `json.loads` would give.
fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => py.None().into_bound(py),
        J::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        J::Number(n) => match n.as_i64() {
            Some(i) => i.into_pyobject(py)?.into_any(),
            None => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        J::String(s) => PyString::new(py, s).into_any(),
        J::Array(a) => {
            PyList::new(py, a.iter().map(|x| json_to_py(py, x)).collect::<PyResult<Vec<_>>>()?)?
                .into_any()
        }
        J::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// The class that makes `kind` when asked of `cls`: `cls` itself if it
/// makes that kind, else the registered class if it is a `cls`.
fn class_for<'py>(
    cls: &Bound<'py, PyType>,
    kind: &'static dsp_core::params::KindInfo,
) -> PyResult<Bound<'py, PyType>> {
    let module = cls.py().import("masterlib._masterlib")?;
    let registered = module.getattr(kind.class)?.cast_into::<PyType>()?;
    match class_kind(cls)? {
        Some(k) if k.name == kind.name => Ok(cls.clone()),
        Some(_) => Err(PyValueError::new_err(format!(
            "a preset of kind \"{}\" makes a {}, not a {}",
            kind.name,
            kind.class,
            cls.name()?
        ))),
        None if registered.is_subclass(cls)? => Ok(registered),
        None => Err(PyValueError::new_err(format!(
            "a preset of kind \"{}\" makes a {}, which is not a {}",
            kind.name,
            kind.class,
            cls.name()?
        ))),
    }
}

/// A new object of `cls` (or the registered class of the preset's kind,
/// for a base class) from `p`, with member objects made from the preset's
/// members, or `members` if given.
fn build<'py>(
    cls: &Bound<'py, PyType>,
    p: &Preset,
    members: Option<Vec<Bound<'py, PyAny>>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    let loaded =
        preset::load(p).map_err(|e| PyValueError::new_err(format!("invalid preset: {e}")))?;
    let kind = loaded.kind();
    let class = class_for(cls, kind)?;
    let base = py.get_type::<PyProcessor>();
    let members = match members {
        Some(m) => m,
        None => p.members.iter().map(|m| build(&base, m, None)).collect::<PyResult<_>>()?,
    };
    if kind.name == "chain" {
        let chain = class.call1((members,))?;
        chain.cast::<PyProcessor>()?.get().shared().store_all(&*loaded);
        return Ok(chain);
    }
    // A default object of the class, then the loaded processor and the
    // member objects (an equalizer's or multiband compressor's bands).
    let obj = class.call0()?;
    let this = obj.cast::<PyProcessor>()?.get();
    let links: Vec<Py<PyProcessor>> = members
        .into_iter()
        .map(|m| Ok(m.cast_into::<PyProcessor>()?.unbind()))
        .collect::<PyResult<_>>()?;
    this.shared().store_all(&*loaded);
    this.with_unit(py, move |u| u.replace(loaded, links));
    Ok(obj)
}

/// `Kind.from_dict(d)`.
pub(crate) fn from_dict<'py>(
    cls: &Bound<'py, PyType>,
    d: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    build(cls, &preset_from_py(d)?, None)
}

/// `Kind.from_json(text)`.
pub(crate) fn from_json<'py>(cls: &Bound<'py, PyType>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| PyValueError::new_err(format!("invalid preset JSON: {e}")))?;
    from_dict(cls, &json_to_py(cls.py(), &value)?)
}

/// A new object of `obj`'s class with its settings, sharing its member
/// objects, or with copies of them if `deep`.
pub(crate) fn copy<'py>(obj: &Bound<'py, PyProcessor>, deep: bool) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let this = obj.get();
    let members = match &this.body {
        _ if deep => None,
        Body::Chain { .. } => {
            Some(this.members(py).into_iter().map(|m| m.into_bound(py).into_any()).collect())
        }
        Body::Leaf(_) => {
            let links = this.with_unit(py, |u| u.links.clone());
            Some(links.iter().map(|l| l.bind(py).clone().into_any()).collect())
        }
    };
    build(&obj.get_type(), &save(obj)?, members)
}
