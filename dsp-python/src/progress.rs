//! Progress and cancellation of long calls from Python: a callable told the
//! fraction done; returning False cancels with `masterlib.Cancelled`.

use dsp_core::progress::Progress;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBool;

pyo3::create_exception!(
    masterlib,
    Cancelled,
    PyException,
    "A long call stopped because its progress callback returned False; it left no output."
);

/// Runs `job` with the GIL released, its progress told to the callable
/// `progress` (with the GIL taken) when there is one. The callback's own
/// exception, if it raises one, cancels the job and is raised instead.
pub(crate) fn with_progress<R: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    job: impl FnOnce(&mut Progress) -> R + Send,
) -> PyResult<R> {
    let Some(callback) = progress else {
        return Ok(py.detach(|| job(&mut Progress::none())));
    };
    let callback = callback.clone().unbind();
    let mut raised: Option<PyErr> = None;
    let result = py.detach(|| {
        let mut tell = |fraction: f64| {
            Python::attach(|py| match callback.call1(py, (fraction,)) {
                Ok(answer) => !answer.bind(py).is(PyBool::new(py, false)),
                Err(e) => {
                    raised = Some(e);
                    false
                }
            })
        };
        job(&mut Progress::new(&mut tell))
    });
    match raised {
        Some(e) => Err(e),
        None => Ok(result),
    }
}
