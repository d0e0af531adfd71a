//! `LinearPhaseEq`: the registry's linear-phase equalizer with a
//! constructor and methods for its curves, which are tables rather than
//! parameters (presets, copies and pickles carry them as tables).

use dsp_core::master;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::params::class_error;
use crate::processor::PyProcessor;

const CLASS: &str = "LinearPhaseEq";

/// Curve points from a sequence of `(hz, db)` pairs (tuples, lists or rows
/// of a `(n, 2)` array); None is flat.
fn read_points(points: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(f64, f64)>> {
    let Some(points) = points.filter(|p| !p.is_none()) else { return Ok(Vec::new()) };
    let rows: Vec<Vec<f64>> = points.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "{CLASS}: a curve is a sequence of (hz, db) pairs, e.g. [(100.0, 3.0), (1000.0, 0.0)]"
        ))
    })?;
    rows.iter()
        .map(|r| match r[..] {
            [hz, db] => Ok((hz, db)),
            _ => Err(PyTypeError::new_err(format!(
                "{CLASS}: a curve point is a (hz, db) pair, got {} numbers",
                r.len()
            ))),
        })
        .collect()
}

/// Runs `f` on the object's equalizer, its parameter targets applied.
fn with_eq<R: Send>(
    obj: &Bound<'_, LinearPhaseEq>,
    f: impl FnOnce(&mut master::LinearPhaseEq) -> R + Send,
) -> R {
    let this = obj.as_super().get();
    let shared = this.shared();
    this.with_unit(obj.py(), |u| {
        u.apply(shared);
        f(u.get_mut::<master::LinearPhaseEq>())
    })
}

/// Linear-phase equalizer of an arbitrary magnitude curve: `curve` points
/// `(hz, db)` (frequencies ascending above 0, gains within ±24 dB) joined
/// by straight lines in dB over log frequency and held flat beyond the end
/// points, applied by a long FIR (8192 taps at 44.1 and 48 kHz, 16384 at
/// 96 kHz). `phase="linear"` is symmetric with a latency of half the filter
/// plus 128 samples (compensated by `process`); `"minimum"` has the same
/// magnitude without pre-ringing. With `mid_side=True` on stereo input the
/// curve applies to mid and `side_curve` to side. A curve set while
/// streaming fades in without a click.
#[pyclass(extends = PyProcessor, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct LinearPhaseEq;

#[pymethods]
impl LinearPhaseEq {
    #[new]
    #[classmethod]
    #[pyo3(
        signature = (curve = None, side_curve = None, **params),
        text_signature = "(curve=None, side_curve=None, *, phase='linear', mid_side=False, gain_db=0.0)"
    )]
    fn new(
        cls: &Bound<'_, PyType>,
        curve: Option<&Bound<'_, PyAny>>,
        side_curve: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let base = PyProcessor::construct(cls, &PyTuple::empty(cls.py()), params)?;
        let (curve, side) = (read_points(curve)?, read_points(side_curve)?);
        base.with_unit(cls.py(), |u| {
            let eq = u.get_mut::<master::LinearPhaseEq>();
            eq.set_curve(&curve)?;
            eq.set_side_curve(&side)
        })
        .map_err(|e| class_error(CLASS, e))?;
        Ok(PyClassInitializer::from(base).add_subclass(Self))
    }

    /// The curve's points as a list of `(hz, db)` tuples (empty: flat).
    #[getter]
    fn curve(slf: &Bound<'_, Self>) -> Vec<(f64, f64)> {
        with_eq(slf, |eq| eq.curve().to_vec())
    }

    /// The side curve's points as a list of `(hz, db)` tuples.
    #[getter]
    fn side_curve(slf: &Bound<'_, Self>) -> Vec<(f64, f64)> {
        with_eq(slf, |eq| eq.side_curve().to_vec())
    }

    /// Sets the curve (points as for the constructor; None or [] is flat).
    /// Designs the filter; while streaming, the new one fades in.
    #[pyo3(signature = (points))]
    fn set_curve(slf: &Bound<'_, Self>, points: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let points = read_points(points)?;
        with_eq(slf, |eq| eq.set_curve(&points)).map_err(|e| class_error(CLASS, e))
    }

    /// Sets the side curve (applies to side with `mid_side=True`).
    #[pyo3(signature = (points))]
    fn set_side_curve(slf: &Bound<'_, Self>, points: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let points = read_points(points)?;
        with_eq(slf, |eq| eq.set_side_curve(&points)).map_err(|e| class_error(CLASS, e))
    }

    /// The curve's gain in dB at each frequency of `freqs` (what is asked
    /// for; the filter follows it within about 0.25 dB from 40 Hz to 16
    /// kHz).
    fn magnitude_db(slf: &Bound<'_, Self>, freqs: Vec<f64>) -> Vec<f64> {
        with_eq(slf, |eq| freqs.iter().map(|&f| eq.magnitude_db(f)).collect())
    }

    /// The latency in samples at `sample_rate` for the current phase
    /// (what `latency_samples` reads once processed at that rate).
    fn latency_at(slf: &Bound<'_, Self>, sample_rate: f64) -> PyResult<usize> {
        with_eq(slf, |eq| eq.latency_at(sample_rate)).map_err(|e| class_error(CLASS, e))
    }
}
