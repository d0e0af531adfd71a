//! The Python methods of the base class `masterlib.Processor`:
//! construction, processing, latency, `repr`, presets, pickling and
//! copies, as calls into `processor`, `run` and `preset`.
//!
//! They sit apart from the class's data types (`processor`), so that the
//! base layer imports neither the processing nor the preset code above it.

use std::sync::atomic::Ordering;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::params::param_reprs;
use crate::processor::{Body, PyProcessor, class_name};
use crate::{preset, run};

#[pymethods]
impl PyProcessor {
    #[new]
    #[classmethod]
    #[pyo3(signature = (*args, **kwargs))]
    fn __new__(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        Self::construct(cls, args, kwargs)
    }

    /// Processes `x`: same as `process`.
    #[pyo3(signature = (x, sample_rate, reset = true, tail = false, *, sidechain = None, return_gain_reduction = false))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        tail: bool,
        sidechain: Option<&Bound<'py, PyAny>>,
        return_gain_reduction: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        run::process(slf, x, sample_rate, reset, tail, sidechain, return_gain_reduction)
    }

    /// Processes `x` (1-D mono or `(channels, samples)`, real floating
    /// point) and returns a new float32 array. With `reset` the processor
    /// starts from silence and the output is latency compensated; `tail`
    /// appends `tail_samples` of output. With `reset=False` it continues a
    /// stream and the output is delayed by `latency_samples`.
    ///
    /// Dynamics processors take a `sidechain` (audio as long as `x`; as
    /// many channels as `x` keys channel by channel, any other count is
    /// averaged) that replaces the input as the detector's key; with
    /// `return_gain_reduction` they return `(y, gr)`, `gr` holding each
    /// output sample's gain reduction in dB (1-D, or `(bands, samples)`).
    /// A `Chain` keys its members that have a sidechain and returns one row
    /// per row of its members that report gain reduction, in order.
    ///
    /// The GIL is released for the whole call; parameters set from another
    /// thread meanwhile apply from the next block (4096 samples).
    #[pyo3(signature = (x, sample_rate, reset = true, tail = false, *, sidechain = None, return_gain_reduction = false))]
    fn process<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        tail: bool,
        sidechain: Option<&Bound<'py, PyAny>>,
        return_gain_reduction: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        run::process(slf, x, sample_rate, reset, tail, sidechain, return_gain_reduction)
    }

    /// Processes a writable C-contiguous float32 array in place (never
    /// copies). Not latency compensated; `reset=False` continues a stream.
    /// Returns the gain-reduction series (as from `process`) if
    /// `return_gain_reduction`, else None.
    #[pyo3(signature = (x, sample_rate, reset = false, *, sidechain = None, return_gain_reduction = false))]
    fn process_inplace<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        sidechain: Option<&Bound<'py, PyAny>>,
        return_gain_reduction: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        run::process_inplace(slf, x, sample_rate, reset, sidechain, return_gain_reduction)
    }

    /// Clears all signal state (filter memories, smoothing, delay lines)
    /// and `nonfinite_count`; the next call starts a new stream (any sample
    /// rate or channel count).
    fn reset(slf: &Bound<'_, Self>) -> PyResult<()> {
        run::reset(slf)
    }

    /// Delay in samples that processing adds (as prepared by the last call).
    #[getter]
    fn latency_samples(slf: &Bound<'_, Self>) -> PyResult<usize> {
        run::sum_over_leaves(slf, |n| n.latency())
    }

    /// Samples of output that may follow the input (`tail=True` appends them).
    #[getter]
    fn tail_samples(slf: &Bound<'_, Self>) -> PyResult<usize> {
        run::sum_over_leaves(slf, |n| n.tail())
    }

    /// Non-finite input samples (NaN, Inf) replaced by silence since the
    /// last reset (`reset()` or a call with `reset=True`). A chain counts
    /// its input; its first active member counts the same samples.
    #[getter]
    fn nonfinite_count(&self, py: Python<'_>) -> u64 {
        match &self.body {
            Body::Leaf(_) => self.with_unit(py, |u| u.node.nonfinite_count()),
            Body::Chain { nonfinite, .. } => nonfinite.load(Ordering::Relaxed),
        }
    }

    /// The class name and every parameter's value (`bypass` only when
    /// set), as a constructor call.
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let parts = param_reprs(slf.py(), slf.get().shared())?;
        Ok(format!("{}({})", class_name(slf.as_any())?, parts.join(", ")))
    }

    /// The settings as a preset dict: `{"version": 2, "kind": ..., "params":
    /// {...}}`, with `"members"` for structured processors (chain members,
    /// equalizer and multiband bands).
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        preset::to_dict(slf)
    }

    /// The preset (see `to_dict`) as JSON text; an infinite value is null.
    fn to_json(slf: &Bound<'_, Self>) -> PyResult<String> {
        preset::to_json(slf)
    }

    /// A new processor from a preset dict (see `to_dict`). Called on a
    /// class, the preset must be of its kind; on `Processor`, any kind.
    #[classmethod]
    fn from_dict<'py>(
        cls: &Bound<'py, PyType>,
        d: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        preset::from_dict(cls, d)
    }

    /// A new processor from preset JSON (see `to_json` and `from_dict`).
    #[classmethod]
    fn from_json<'py>(cls: &Bound<'py, PyType>, text: &str) -> PyResult<Bound<'py, PyAny>> {
        preset::from_json(cls, text)
    }

    /// Pickles through the preset dict: parameters, not signal state.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let from_dict = slf.get_type().getattr("from_dict")?;
        let args = PyTuple::new(slf.py(), [preset::to_dict(slf)?])?;
        PyTuple::new(slf.py(), [from_dict, args.into_any()])
    }

    /// A copy with the same parameters, sharing the member objects (a
    /// chain's members, an equalizer's bands), without signal state.
    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        preset::copy(slf, false)
    }

    /// A copy with the same parameters (and copies of the members),
    /// without signal state.
    fn __deepcopy__<'py>(
        slf: &Bound<'py, Self>,
        _memo: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        preset::copy(slf, true)
    }
}
