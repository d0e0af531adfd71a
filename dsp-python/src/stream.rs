//! Files normalized and mastered block by block: Python objects that read
//! and write a track (the file helpers in `masterlib.files`) driven as
//! dsp-core tapes and sinks, so memory follows the block, not the file.

use dsp_core::Error;
use dsp_core::analysis::Target;
use dsp_core::master::{self as core, Envelope, Sink, Tape};
use numpy::PyReadonlyArray2;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::audio::{to_numpy, value_error};
use crate::master::{MasterReport, MasteringChain, NormalizeReport, resolve_chain};
use crate::progress::with_progress;

/// A Python object used as a tape (`channels` and `frames` attributes,
/// `read(frames)` giving float32 `(channels, n)` with n at most `frames`,
/// 0 at the end; `rewind()`) and as a sink (`write(block)`, `restart()`). An exception it raises stops
/// the job and is raised again once it has stopped.
struct PyTrack {
    obj: Py<PyAny>,
    channels: usize,
    frames: usize,
    error: Option<PyErr>,
}

impl PyTrack {
    /// The tape `obj` (its `channels` and `frames` read now).
    fn tape(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let channels = obj.getattr("channels")?.extract()?;
        let frames = obj.getattr("frames")?.extract()?;
        Ok(Self { obj: obj.clone().unbind(), channels, frames, error: None })
    }

    /// The empty sink `obj` for `channels`.
    fn sink(obj: &Bound<'_, PyAny>, channels: usize) -> Self {
        Self { obj: obj.clone().unbind(), channels, frames: 0, error: None }
    }

    /// Runs `f` on the object with the GIL taken; its exception is kept and
    /// the job stopped.
    fn call<R>(&mut self, f: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<R>) -> Result<R, Error> {
        let obj = &self.obj;
        Python::attach(|py| f(obj.bind(py))).map_err(|e| {
            self.error = Some(e);
            Error::Cancelled
        })
    }

    /// The exception raised inside, if one stopped the job.
    fn raised(&mut self) -> PyResult<()> {
        self.error.take().map_or(Ok(()), Err)
    }
}

impl Tape for PyTrack {
    fn channels(&self) -> usize {
        self.channels
    }

    fn frames(&self) -> usize {
        self.frames
    }

    fn rewind(&mut self) -> Result<(), Error> {
        self.call(|o| o.call_method0("rewind").map(drop))
    }

    fn read(&mut self, out: &mut [&mut [f32]]) -> Result<usize, Error> {
        let want = out.first().map_or(0, |o| o.len());
        let channels = self.channels;
        self.call(|o| {
            let block = o.call_method1("read", (want,))?;
            let a: PyReadonlyArray2<'_, f32> = block.extract()?;
            let a = a.as_array();
            let (c, n) = a.dim();
            if c != channels || n > want {
                return Err(PyValueError::new_err(format!(
                    "read({want}) gave a block of shape ({c}, {n}), not ({channels}, <={want})"
                )));
            }
            for (o, row) in out.iter_mut().zip(a.rows()) {
                o[..n].iter_mut().zip(row).for_each(|(o, v)| *o = *v);
            }
            Ok(n)
        })
    }
}

impl Sink for PyTrack {
    fn restart(&mut self) -> Result<(), Error> {
        self.frames = 0;
        self.call(|o| o.call_method0("restart").map(drop))
    }

    fn write(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        let n = block.first().map_or(0, |b| b.len());
        self.frames += n;
        self.call(|o| {
            let a = to_numpy(o.py(), block.concat(), block.len(), n, false)?;
            o.call_method1("write", (a,)).map(drop)
        })
    }
}

/// Normalizes the tape `tape` (at `sample_rate`) into
/// the sink `sink` to `target`: one pass analyses it, then the passes of
/// `normalize` run from it (see `masterlib.normalize_file`).
#[pyfunction]
#[pyo3(signature = (tape, sink, sample_rate, target, progress = None))]
pub fn _normalize_tape(
    py: Python<'_>,
    tape: &Bound<'_, PyAny>,
    sink: &Bound<'_, PyAny>,
    sample_rate: f64,
    target: &str,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<NormalizeReport> {
    let t = Target::by_name(target)
        .map_err(|_| PyValueError::new_err(Target::unknown_name_message(target)))?;
    let limiter = core::mastering_limiter();
    let mut input = PyTrack::tape(tape)?;
    let mut out = PyTrack::sink(sink, input.channels);
    let result = with_progress(py, progress, |p| {
        let envelope = p.phase(0.0, 0.2, |p| Envelope::analyze_tape(&mut input, sample_rate, p))?;
        let (lufs, ceiling) = (t.integrated_lufs, t.true_peak_dbtp);
        p.phase(0.2, 1.0, |p| {
            core::normalize_tape(&mut input, &mut out, &envelope, lufs, ceiling, &limiter, p)
        })
    })?;
    input.raised()?;
    out.raised()?;
    Ok(result.map_err(value_error)?.into())
}

/// Masters the tape `tape` into the sink `sink` through a scratch track
/// `scratch` (a tape and a sink) with the chain `chain` or the `preset`,
/// to `target` (see `masterlib.master_file`).
#[pyfunction]
#[pyo3(signature = (tape, scratch, sink, sample_rate, target = None, preset = "streaming", chain = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn _master_tape(
    py: Python<'_>,
    tape: &Bound<'_, PyAny>,
    scratch: &Bound<'_, PyAny>,
    sink: &Bound<'_, PyAny>,
    sample_rate: f64,
    target: Option<&str>,
    preset: &str,
    chain: Option<&MasteringChain>,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<MasterReport> {
    let c = resolve_chain(preset, target, chain)?;
    let mut input = PyTrack::tape(tape)?;
    let channels = input.channels;
    let mut processed = PyTrack::sink(scratch, channels);
    let mut out = PyTrack::sink(sink, channels);
    let result = with_progress(py, progress, |p| {
        core::master_tape(&mut input, &mut processed, &mut out, sample_rate, &c, p)
    })?;
    input.raised()?;
    processed.raised()?;
    out.raised()?;
    Ok(MasterReport { r: result.map_err(value_error)? })
}
