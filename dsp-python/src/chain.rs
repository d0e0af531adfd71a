//! `Chain`: a list of processors run in order.
//!
//! Members stay the Python objects they were: changing a member's parameter
//! changes the chain. Latency and tails add up and are compensated once.

use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList};

use crate::params::bypass_repr;
use crate::processor::{Member, PyProcessor};

/// Processors applied in order; list-like (len, indexing, append, insert,
/// deletion, iteration). Members are bypassed by their own `bypass`; a
/// bypassed chain skips its members.
#[pyclass(extends = PyProcessor, frozen, module = "masterlib", sequence)]
#[derive(Debug)]
pub struct Chain;

/// Checks that `item` is a processor that does not contain `chain`.
fn member<'py>(
    chain: Option<&Bound<'py, PyAny>>,
    item: &Bound<'py, PyAny>,
) -> PyResult<Py<PyProcessor>> {
    let Ok(p) = item.cast::<PyProcessor>() else {
        let name = item.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "Chain members must be masterlib processors (Gain, Pan, LowPass, Chain, ...), \
             got {name}"
        )));
    };
    if let Some(chain) = chain
        && reaches(p, chain)?
    {
        return Err(PyValueError::new_err("a Chain cannot contain itself"));
    }
    Ok(p.clone().unbind())
}

/// Whether `target` is `from` or one of the chains/members under it.
fn reaches(from: &Bound<'_, PyProcessor>, target: &Bound<'_, PyAny>) -> PyResult<bool> {
    if from.is(target) {
        return Ok(true);
    }
    for m in from.get().members(from.py()) {
        if reaches(m.bind(from.py()), target)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Runs `f` on the member list of `slf`.
fn edit<R>(slf: &Bound<'_, Chain>, f: impl FnOnce(&mut Vec<Member>) -> PyResult<R>) -> PyResult<R> {
    slf.as_super().get().with_members(f).expect("a Chain holds members")
}

/// Resolves a (possibly negative) index into `0..len`.
fn position(index: isize, len: usize) -> PyResult<usize> {
    let i = if index < 0 { index + len as isize } else { index };
    if (0..len as isize).contains(&i) {
        Ok(i as usize)
    } else {
        Err(PyIndexError::new_err("Chain index out of range"))
    }
}

#[pymethods]
impl Chain {
    #[new]
    #[pyo3(signature = (processors = None, *, bypass = false))]
    fn new(
        processors: Option<&Bound<'_, PyAny>>,
        bypass: bool,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut members = Vec::new();
        if let Some(items) = processors {
            for item in items.try_iter()? {
                members.push(member(None, &item?)?);
            }
        }
        Ok(PyClassInitializer::from(PyProcessor::chain(members).with_bypass(bypass)?)
            .add_subclass(Self))
    }

    fn __len__(slf: &Bound<'_, Self>) -> PyResult<usize> {
        edit(slf, |m| Ok(m.len()))
    }

    fn __getitem__(slf: &Bound<'_, Self>, index: isize) -> PyResult<Py<PyProcessor>> {
        let py = slf.py();
        edit(slf, |m| Ok(m[position(index, m.len())?].clone_ref(py)))
    }

    fn __setitem__(slf: &Bound<'_, Self>, index: isize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let obj = member(Some(slf.as_any()), value)?;
        let old = edit(slf, |m| {
            let i = position(index, m.len())?;
            Ok(std::mem::replace(&mut m[i], obj))
        })?;
        drop(old);
        Ok(())
    }

    fn __delitem__(slf: &Bound<'_, Self>, index: isize) -> PyResult<()> {
        let removed = edit(slf, |m| Ok(m.remove(position(index, m.len())?)))?;
        drop(removed);
        Ok(())
    }

    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyIterator>> {
        let members = slf.as_super().get().members(slf.py());
        PyList::new(slf.py(), members)?.try_iter()
    }

    /// Appends a processor.
    fn append(slf: &Bound<'_, Self>, processor: &Bound<'_, PyAny>) -> PyResult<()> {
        let obj = member(Some(slf.as_any()), processor)?;
        edit(slf, |m| {
            m.push(obj);
            Ok(())
        })
    }

    /// Inserts a processor before `index` (as `list.insert`).
    fn insert(slf: &Bound<'_, Self>, index: isize, processor: &Bound<'_, PyAny>) -> PyResult<()> {
        let obj = member(Some(slf.as_any()), processor)?;
        edit(slf, |m| {
            let len = m.len() as isize;
            let i = if index < 0 { (index + len).max(0) } else { index.min(len) };
            m.insert(i as usize, obj);
            Ok(())
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let reprs = slf
            .as_super()
            .get()
            .members(py)
            .iter()
            .map(|m| Ok(m.bind(py).repr()?.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        let mut parts = vec![format!("[{}]", reprs.join(", "))];
        parts.extend(bypass_repr(slf.as_super().get().shared()));
        Ok(format!("Chain({})", parts.join(", ")))
    }
}
