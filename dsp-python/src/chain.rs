//! `Chain`: a list of processors run in order.
//!
//! Members stay the Python objects they were: changing a member's parameter
//! changes the chain. Latency and tails add up and are compensated once.

use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList};

use crate::processor::{Body, PyProcessor};

/// Processors applied in order; list-like (len, indexing, append, insert,
/// deletion, iteration).
#[pyclass(extends = PyProcessor, module = "masterlib", sequence)]
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
    let members: Vec<Py<PyProcessor>> = match &from.try_borrow()?.body {
        Body::Chain { members, .. } => members.iter().map(|m| m.clone_ref(from.py())).collect(),
        Body::Node(_) => return Ok(false),
    };
    for m in &members {
        if reaches(m.bind(from.py()), target)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn members_mut<'a>(slf: &'a mut PyRefMut<'_, Chain>) -> &'a mut Vec<Py<PyProcessor>> {
    match &mut slf.as_super().body {
        Body::Chain { members, .. } => members,
        Body::Node(_) => unreachable!("a Chain holds members"),
    }
}

fn members(slf: &Bound<'_, Chain>) -> Vec<Py<PyProcessor>> {
    let this = slf.borrow();
    match &this.as_super().body {
        Body::Chain { members, .. } => members.iter().map(|m| m.clone_ref(slf.py())).collect(),
        Body::Node(_) => unreachable!("a Chain holds members"),
    }
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
    #[pyo3(signature = (processors = None))]
    fn new(processors: Option<&Bound<'_, PyAny>>) -> PyResult<PyClassInitializer<Self>> {
        let mut members = Vec::new();
        if let Some(items) = processors {
            for item in items.try_iter()? {
                members.push(member(None, &item?)?);
            }
        }
        let base = PyProcessor { body: Body::Chain { members, nonfinite: 0 } };
        Ok(PyClassInitializer::from(base).add_subclass(Self))
    }

    fn __len__(slf: &Bound<'_, Self>) -> usize {
        members(slf).len()
    }

    fn __getitem__(slf: &Bound<'_, Self>, index: isize) -> PyResult<Py<PyProcessor>> {
        let mut m = members(slf);
        let i = position(index, m.len())?;
        Ok(m.swap_remove(i))
    }

    fn __setitem__(slf: &Bound<'_, Self>, index: isize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = member(Some(slf.as_any()), value)?;
        let mut this = slf.borrow_mut();
        let members = members_mut(&mut this);
        let i = position(index, members.len())?;
        members[i] = value;
        Ok(())
    }

    fn __delitem__(slf: &Bound<'_, Self>, index: isize) -> PyResult<()> {
        let mut this = slf.borrow_mut();
        let members = members_mut(&mut this);
        let i = position(index, members.len())?;
        members.remove(i);
        Ok(())
    }

    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyIterator>> {
        PyList::new(slf.py(), members(slf))?.try_iter()
    }

    /// Appends a processor.
    fn append(slf: &Bound<'_, Self>, processor: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = member(Some(slf.as_any()), processor)?;
        members_mut(&mut slf.borrow_mut()).push(value);
        Ok(())
    }

    /// Inserts a processor before `index` (as `list.insert`).
    fn insert(slf: &Bound<'_, Self>, index: isize, processor: &Bound<'_, PyAny>) -> PyResult<()> {
        let value = member(Some(slf.as_any()), processor)?;
        let mut this = slf.borrow_mut();
        let members = members_mut(&mut this);
        let len = members.len() as isize;
        let i = if index < 0 { (index + len).max(0) } else { index.min(len) };
        members.insert(i as usize, value);
        Ok(())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let reprs = members(slf)
            .iter()
            .map(|m| Ok(m.bind(slf.py()).repr()?.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(format!("Chain([{}])", reprs.join(", ")))
    }
}
