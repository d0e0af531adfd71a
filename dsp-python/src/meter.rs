//! `LevelMeter`: windowed peak and RMS per channel, plus maxima.
//!
//! A meter is not a processor: it is fed audio with `add` and queried. Its
//! stream format (sample rate, channels) is fixed by the constructor or the
//! first `add`, like `LoudnessMeter(sample_rate, channels)`.

use dsp_core::ProcessSpec;
use dsp_core::analysis;
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::audio::{read_audio_ref, value_error};
use crate::processor::BLOCK;

/// Peak and RMS levels over a sliding window, per channel.
#[pyclass(module = "masterlib")]
#[derive(Debug)]
pub struct LevelMeter {
    meter: analysis::LevelMeter,
    format: Option<(f64, usize)>,
}

impl LevelMeter {
    fn prepare(&mut self, sample_rate: f64, channels: usize) -> PyResult<()> {
        let spec = ProcessSpec::new(sample_rate, BLOCK, channels);
        self.meter.prepare(&spec).map_err(value_error)?;
        self.format = Some((sample_rate, channels));
        Ok(())
    }

    fn readings<'py>(
        &self,
        py: Python<'py>,
        f: impl Fn(&analysis::LevelMeter, usize) -> Option<f64>,
    ) -> Bound<'py, PyArray1<f64>> {
        let values: Vec<f64> = (0..self.meter.channels())
            .map(|c| f(&self.meter, c).unwrap_or(f64::NEG_INFINITY))
            .collect();
        PyArray1::from_vec(py, values)
    }
}

#[pymethods]
impl LevelMeter {
    /// A meter with a `window_ms` sliding window. Give `sample_rate` and
    /// `channels` to fix the stream format now; otherwise the first `add`
    /// fixes it.
    #[new]
    #[pyo3(signature = (window_ms = 300.0, sample_rate = None, channels = None))]
    fn new(window_ms: f64, sample_rate: Option<f64>, channels: Option<usize>) -> PyResult<Self> {
        let meter = analysis::LevelMeter::new(window_ms).map_err(value_error)?;
        let mut m = Self { meter, format: None };
        match (sample_rate, channels) {
            (Some(sr), Some(ch)) => m.prepare(sr, ch)?,
            (None, None) => {}
            _ => {
                return Err(PyValueError::new_err(
                    "give both sample_rate and channels, or neither (the first add() sets them)",
                ));
            }
        }
        Ok(m)
    }

    /// Feeds audio (1-D mono or `(channels, samples)`, real floating point).
    /// `sample_rate` may be omitted once the meter knows it. Non-finite
    /// samples count as silence and are counted in `nonfinite_count`.
    #[pyo3(signature = (x, sample_rate = None))]
    fn add(
        &mut self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        sample_rate: Option<f64>,
    ) -> PyResult<()> {
        let (shape, data) = read_audio_ref(x)?;
        match (self.format, sample_rate) {
            (None, None) => {
                return Err(PyValueError::new_err(
                    "the meter does not know the sample rate yet: pass add(x, sample_rate)",
                ));
            }
            (None, Some(sr)) => self.prepare(sr, shape.channels)?,
            (Some((sr, ch)), given) => {
                if given.is_some_and(|g| g != sr) || ch != shape.channels {
                    return Err(PyValueError::new_err(format!(
                        "the meter measures {ch} channel(s) at {sr} Hz, got {} channel(s) at \
                         {} Hz: use a new LevelMeter for a different stream",
                        shape.channels,
                        given.unwrap_or(sr)
                    )));
                }
            }
        }
        if shape.samples == 0 {
            return Ok(());
        }
        let channels: Vec<&[f32]> = data.chunks(shape.samples).collect();
        let meter = &mut self.meter;
        py.detach(|| meter.add(&channels)).map_err(value_error)
    }

    /// Clears readings and maxima; the stream format stays.
    fn reset(&mut self) {
        self.meter.reset();
    }

    /// Window length in ms.
    #[getter]
    fn window_ms(&self) -> f64 {
        self.meter.window_ms()
    }

    /// Sample rate in Hz, once known.
    #[getter]
    fn sample_rate(&self) -> Option<f64> {
        self.format.map(|f| f.0)
    }

    /// Channel count, once known.
    #[getter]
    fn channels(&self) -> Option<usize> {
        self.format.map(|f| f.1)
    }

    /// Peak level over the window, dBFS per channel (-inf for silence).
    #[getter]
    fn peak_dbfs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.readings(py, |m, c| m.peak_dbfs(c))
    }

    /// RMS level over the window, dBFS per channel.
    #[getter]
    fn rms_dbfs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.readings(py, |m, c| m.rms_dbfs(c))
    }

    /// Highest sample peak since the start or `reset()`, dBFS per channel.
    #[getter]
    fn max_peak_dbfs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.readings(py, |m, c| m.max_peak_dbfs(c))
    }

    /// Highest full-window RMS since the start or `reset()`, dBFS per channel.
    #[getter]
    fn max_rms_dbfs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.readings(py, |m, c| m.max_rms_dbfs(c))
    }

    /// Non-finite samples (NaN, Inf) seen and measured as silence.
    #[getter]
    fn nonfinite_count(&self) -> u64 {
        self.meter.nonfinite_count()
    }

    fn __repr__(&self) -> String {
        format!("LevelMeter(window_ms={:?})", self.meter.window_ms())
    }
}
