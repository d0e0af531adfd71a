//! The parameter table as Python sees it: `masterlib.Parameter` (one
//! declared parameter), values converted between Python objects and the
//! `f64` every parameter travels as, and the messages of their checks.

use std::fmt;

use dsp_core::Error;
use dsp_core::bypass::BYPASS;
use dsp_core::params::{KindInfo, ParamInfo, ParamType};
use dsp_core::shared_params::SharedParams;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// Parameters that Python derives instead of showing them as keywords or
/// properties (presets keep them): `Pan.source` follows the input's
/// channel count, and a multiband compressor's band count is the number of
/// its band compressors.
const DERIVED: &[(&str, &str)] = &[("pan", "source"), ("multiband_compressor", "bands")];

/// `id=value` for every shown parameter of `shared`, as a constructor
/// takes it; `bypass` only when set.
pub(crate) fn param_reprs(py: Python<'_>, shared: &SharedParams) -> PyResult<Vec<String>> {
    let mut parts = Vec::new();
    for (i, info) in visible(shared.kind()) {
        let v = shared.get(i).unwrap_or(info.default);
        if info.id != BYPASS.id || v != BYPASS.default {
            parts.push(format!("{}={}", info.id, to_py(py, info, v)?.repr()?));
        }
    }
    Ok(parts)
}

/// The `bypass=True` of a structured processor's repr, if it is set.
pub(crate) fn bypass_repr(shared: &SharedParams) -> Option<String> {
    let i = shared.kind().params.len().checked_sub(1)?;
    (shared.get(i) == Some(1.0)).then(|| "bypass=True".to_string())
}

/// The parameters of `kind` that Python shows, with their table indices.
pub(crate) fn visible(
    kind: &'static KindInfo,
) -> impl Iterator<Item = (usize, &'static ParamInfo)> + Clone {
    kind.params.iter().enumerate().filter(move |(_, p)| !DERIVED.contains(&(kind.name, p.id)))
}

/// The valid values of a parameter, as error messages show them (a
/// switch in Python's words).
pub(crate) struct Range(pub &'static ParamInfo);

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.ty {
            ParamType::Bool => f.write_str("True or False"),
            _ => self.0.describe_range(f),
        }
    }
}

/// A library error about `class` as a `ValueError` prefixed with its name.
pub(crate) fn class_error(class: &str, e: Error) -> PyErr {
    PyValueError::new_err(format!("{class}: {e}"))
}

/// `value` of parameter `info` as a Python object: float, int, bool, or a
/// choice's name.
pub(crate) fn to_py<'py>(
    py: Python<'py>,
    info: &ParamInfo,
    value: f64,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match info.ty {
        ParamType::Float => value.into_pyobject(py)?.into_any(),
        ParamType::Int => (value as i64).into_pyobject(py)?.into_any(),
        ParamType::Bool => (value != 0.0).into_pyobject(py)?.to_owned().into_any(),
        ParamType::Choice(_) => PyString::new(py, info.choice_name(value).unwrap_or("")).into_any(),
    })
}

/// The Python type a parameter takes, for messages and stubs.
fn type_name(info: &ParamInfo) -> &'static str {
    match info.ty {
        ParamType::Float => "float",
        ParamType::Int => "int",
        ParamType::Bool => "bool",
        ParamType::Choice(_) => "choice",
    }
}

/// Reads `value` for parameter `info` and checks it against the
/// declaration: `TypeError` for a value of the wrong type, `ValueError`
/// naming the parameter and its range otherwise (messages name the class
/// `class()` gives).
pub(crate) fn from_py(
    class: &dyn Fn() -> String,
    info: &'static ParamInfo,
    value: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let wrong = |wanted: &str| -> PyResult<PyErr> {
        let got = value.get_type().name()?;
        let class = class();
        Ok(PyTypeError::new_err(format!("{class}.{} must be {wanted}, got {got}", info.id)))
    };
    let v = match info.ty {
        ParamType::Float => match value.extract::<f64>() {
            Ok(v) => v,
            Err(_) => return Err(wrong("a number")?),
        },
        ParamType::Int => match value.extract::<i64>() {
            Ok(v) => v as f64,
            Err(_) => return Err(wrong("a whole number (int)")?),
        },
        ParamType::Bool => match value.extract::<bool>() {
            Ok(v) => f64::from(u8::from(v)),
            Err(_) => return Err(wrong("True or False")?),
        },
        ParamType::Choice(names) => {
            let Ok(name) = value.cast::<PyString>() else {
                return Err(wrong(&format!("a name ({})", Range(info)))?);
            };
            let name = name.to_cow()?;
            match names.iter().position(|n| *n == name) {
                Some(i) => i as f64,
                None => {
                    return Err(PyValueError::new_err(format!(
                        "{}: '{name}' is not a {}: {} must be {}",
                        class(),
                        info.noun,
                        info.id,
                        Range(info)
                    )));
                }
            }
        }
    };
    info.check(v).map_err(|e| class_error(&class(), e))
}

/// One declared parameter of a processor class: its name (with the unit
/// suffix), type, range, default, unit, display scale and doc. Each class
/// lists them in `parameters`, in constructor order.
#[pyclass(frozen, module = "masterlib", name = "Parameter")]
#[derive(Debug)]
pub struct Parameter {
    info: &'static ParamInfo,
}

impl Parameter {
    pub(crate) fn new(info: &'static ParamInfo) -> Self {
        Self { info }
    }

    /// A numeric bound as a Python value (None for switches and choices).
    fn bound<'py>(&self, py: Python<'py>, v: f64) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.info.ty {
            ParamType::Float | ParamType::Int => Ok(Some(to_py(py, self.info, v)?)),
            ParamType::Bool | ParamType::Choice(_) => Ok(None),
        }
    }
}

#[pymethods]
impl Parameter {
    /// Name: the constructor keyword and property, unit-suffixed.
    #[getter]
    fn name(&self) -> &'static str {
        self.info.id
    }

    /// Unit symbol ("dB", "Hz", "ms"), empty when unitless.
    #[getter]
    fn unit(&self) -> &'static str {
        self.info.unit
    }

    /// Value type: "float", "int", "bool" or "choice" (a name string).
    #[getter]
    fn r#type(&self) -> &'static str {
        type_name(self.info)
    }

    /// Smallest value (None for bool and choice parameters).
    #[getter]
    fn min<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.bound(py, self.info.min)
    }

    /// Largest value, possibly inf (None for bool and choice parameters).
    #[getter]
    fn max<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.bound(py, self.info.max)
    }

    /// Value of a new processor.
    #[getter]
    fn default<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.info, self.info.default)
    }

    /// The names a choice parameter takes (None for other types).
    #[getter]
    fn choices(&self) -> Option<Vec<&'static str>> {
        matches!(self.info.ty, ParamType::Choice(_)).then(|| self.info.choices().to_vec())
    }

    /// Display scale: "linear" or "log".
    #[getter]
    fn scale(&self) -> &'static str {
        self.info.scale.name()
    }

    /// Time in ms over which a change glides (0: at once).
    #[getter]
    fn smoothing_ms(&self) -> f64 {
        self.info.smoothing_ms
    }

    /// One-line description.
    #[getter]
    fn doc(&self) -> &'static str {
        self.info.doc
    }

    /// The valid values in words ("a number from -150 to 60 dB").
    #[getter]
    fn range(&self) -> String {
        Range(self.info).to_string()
    }

    /// The fields as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", self.name())?;
        d.set_item("unit", self.unit())?;
        d.set_item("type", self.r#type())?;
        d.set_item("min", self.min(py)?)?;
        d.set_item("max", self.max(py)?)?;
        d.set_item("default", self.default(py)?)?;
        d.set_item("choices", self.choices())?;
        d.set_item("scale", self.scale())?;
        d.set_item("smoothing_ms", self.smoothing_ms())?;
        d.set_item("doc", self.doc())?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = |s: &str| Ok::<_, PyErr>(PyString::new(py, s).repr()?.to_string());
        Ok(format!(
            "Parameter(name={}, type={}, default={}, range={})",
            text(self.name())?,
            text(self.r#type())?,
            self.default(py)?.repr()?,
            text(&self.range())?
        ))
    }
}
