//! The processor classes, made at module init from the registry: one class
//! per kind, with a keyword constructor taking the declared defaults
//! (positional arguments in declaration order), a property per declared
//! parameter, `parameters`, and a docstring built from the declarations.
//!
//! A kind that needs methods of its own (`Chain`'s list behaviour) has a
//! hand-written native class; it gets the same table-driven attributes.
//! Everything else (processing, `repr`, presets, pickling, copies) is
//! inherited from `masterlib.Processor`.

use std::ffi::CString;

use dsp_core::params::{KindInfo, ParamInfo, ParamType};
use dsp_core::registry;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyList, PyModule, PyTuple, PyType};

use crate::dynamics::PyDynamics;
use crate::filters::{self, Filter};
use crate::params::{Parameter, Range, from_py, to_py, visible};
use crate::processor::{PyProcessor, class_name};

/// The parameter targets of `obj` if it is a processor of `kind`.
fn processor_of<'a>(
    obj: &'a Bound<'_, PyAny>,
    kind: &'static KindInfo,
) -> PyResult<&'a PyProcessor> {
    let p = obj.cast::<PyProcessor>()?.get();
    if !std::ptr::eq(p.kind(), kind) {
        return Err(PyTypeError::new_err(format!(
            "a {} parameter cannot be used on a {}",
            kind.class,
            class_name(obj)?
        )));
    }
    Ok(p)
}

/// The doc of a parameter's property: its line, range (unless the line
/// names every choice) and default.
fn param_doc(py: Python<'_>, info: &'static ParamInfo) -> PyResult<String> {
    let default = to_py(py, info, info.default)?.repr()?;
    let range = match info.ty {
        ParamType::Float | ParamType::Int => format!("{}; ", Range(info)),
        ParamType::Choice(names) if !names.iter().all(|n| info.doc.contains(n)) => {
            format!("{}; ", Range(info))
        }
        _ => String::new(),
    };
    Ok(format!("{} ({range}default {default}).", info.doc))
}

/// The property of parameter `index` of `kind`: reads its target, sets it
/// through the declaration's checks.
fn property<'py>(
    py: Python<'py>,
    kind: &'static KindInfo,
    index: usize,
    info: &'static ParamInfo,
) -> PyResult<Bound<'py, PyAny>> {
    let name = CString::new(info.id)?;
    let name: &'static std::ffi::CStr = Box::leak(name.into_boxed_c_str());
    let get =
        PyCFunction::new_closure(py, Some(name), None, move |args, _| -> PyResult<Py<PyAny>> {
            let obj = args.get_item(0)?;
            let shared = processor_of(&obj, kind)?.shared();
            Ok(to_py(args.py(), info, shared.get(index).unwrap_or(info.default))?.unbind())
        })?;
    let set = PyCFunction::new_closure(py, Some(name), None, move |args, _| -> PyResult<()> {
        let (obj, value) = (args.get_item(0)?, args.get_item(1)?);
        let p = processor_of(&obj, kind)?;
        let class = || class_name(&obj).unwrap_or_else(|_| kind.class.to_string());
        let v = from_py(&class, info, &value)?;
        p.set_param(&class, index, v)
    })?;
    let property = py.import("builtins")?.getattr("property")?;
    property.call1((get, set, py.None(), param_doc(py, info)?))
}

/// The constructor's text signature, `Gain(gain_db=0.0, invert=False)`:
/// every shown parameter with its default.
fn text_signature(py: Python<'_>, kind: &'static KindInfo) -> PyResult<String> {
    let mut params = Vec::new();
    for (_, info) in visible(kind) {
        params.push(format!("{}={}", info.id, to_py(py, info, info.default)?.repr()?));
    }
    Ok(format!("{}({})", kind.class, params.join(", ")))
}

/// The class docstring: the kind's doc and one line per parameter.
fn class_doc(py: Python<'_>, kind: &'static KindInfo) -> PyResult<String> {
    let mut doc = kind.doc.to_string();
    let mut shown = visible(kind).peekable();
    if shown.peek().is_some() {
        doc.push_str("\n\nParameters:\n");
        for (_, info) in shown {
            doc.push_str(&format!("    {}: {}\n", info.id, param_doc(py, info)?));
        }
    }
    Ok(doc)
}

/// The base class of a kind's class.
fn base_of<'py>(py: Python<'py>, kind: &'static KindInfo) -> Bound<'py, PyType> {
    if kind.caps.gain_reduction {
        py.get_type::<PyDynamics>()
    } else if filters::is_band(kind) {
        py.get_type::<Filter>()
    } else {
        py.get_type::<PyProcessor>()
    }
}

/// Makes (or completes, for hand-written ones) the class of every
/// registered kind and adds it to `m`.
pub(crate) fn generate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    py.get_type::<PyProcessor>().setattr("parameters", PyList::empty(py))?;
    for kind in registry::kinds() {
        let existing = m.getattr(kind.class).ok();
        let cls = match &existing {
            Some(cls) => cls.cast::<PyType>()?.clone(),
            None => {
                let ns = PyDict::new(py);
                ns.set_item("__module__", "masterlib")?;
                ns.set_item("__slots__", PyTuple::empty(py))?;
                // The type's internal doc starts with the text signature
                // (`inspect.signature` reads it, as for built-in classes);
                // `__doc__` itself is replaced by the plain doc below.
                let doc = format!("{}\n--\n\n", text_signature(py, kind)?);
                ns.set_item("__doc__", doc)?;
                let bases = PyTuple::new(py, [base_of(py, kind)])?;
                py.get_type::<PyType>().call1((kind.class, bases, ns))?.cast_into::<PyType>()?
            }
        };
        if existing.is_none() {
            cls.setattr("__doc__", class_doc(py, kind)?)?;
        }
        cls.setattr("_kind", kind.name)?;
        let parameters: Vec<Parameter> = visible(kind).map(|(_, p)| Parameter::new(p)).collect();
        cls.setattr("parameters", PyList::new(py, parameters)?)?;
        for (i, info) in visible(kind) {
            cls.setattr(info.id, property(py, kind, i, info)?)?;
        }
        if existing.is_none() {
            m.add(kind.class, cls)?;
        }
    }
    Ok(())
}

/// Registered kind names and their classes (for tests and the stub
/// generator).
#[pyfunction]
pub(crate) fn _kinds(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let module = py.import("masterlib._masterlib")?;
    let d = PyDict::new(py);
    for kind in registry::kinds() {
        d.set_item(kind.name, module.getattr(kind.class)?)?;
    }
    Ok(d)
}
