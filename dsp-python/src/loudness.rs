//! `LoudnessMeter`: streaming BS.1770 / EBU R 128 loudness, fed with `add`.

use dsp_core::analysis::{self, TruePeakPrecision};
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::audio::{read_audio_ref, value_error};

/// Streaming loudness meter: integrated, momentary and short-term loudness,
/// loudness range, sample and true peak, and 10 Hz loudness series.
#[pyclass(module = "masterlib")]
#[derive(Debug)]
pub struct LoudnessMeter {
    meter: analysis::LoudnessMeter,
}

#[pymethods]
impl LoudnessMeter {
    /// A meter for `channels` channels at `sample_rate` Hz (8 kHz to
    /// 768 kHz). `true_peak=False` skips true-peak measurement (it then
    /// reads as the sample peak); `true_peak_precision="high"` uses the
    /// 8x interpolator.
    #[new]
    #[pyo3(signature = (sample_rate, channels, true_peak = true, true_peak_precision = "standard"))]
    fn new(
        sample_rate: f64,
        channels: usize,
        true_peak: bool,
        true_peak_precision: &str,
    ) -> PyResult<Self> {
        let precision = TruePeakPrecision::from_name(true_peak_precision).map_err(value_error)?;
        let mut meter = analysis::LoudnessMeter::new(sample_rate, channels).map_err(value_error)?;
        meter.set_true_peak_precision(precision);
        meter.set_true_peak_enabled(true_peak);
        Ok(Self { meter })
    }

    /// Feeds audio: 1-D (mono meter) or `(channels, samples)`, any length.
    /// A NaN or infinite sample raises `ValueError` naming its (channel,
    /// index) in `x`, and the meter is left unchanged.
    fn add(&mut self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<()> {
        let (shape, data) = read_audio_ref(x)?;
        let expected = self.meter.channels();
        if shape.channels != expected {
            return Err(PyValueError::new_err(format!(
                "the meter measures {expected} channel(s), got {}: pass (channels, samples) \
                 audio with {expected} channel(s)",
                shape.channels
            )));
        }
        if shape.samples == 0 {
            return Ok(());
        }
        let channels: Vec<&[f32]> = data.chunks(shape.samples).collect();
        let meter = &mut self.meter;
        py.detach(|| meter.add_planar(&channels)).map_err(value_error)
    }

    /// Clears every reading and the series; the configuration stays.
    fn reset(&mut self) {
        self.meter.reset();
    }

    /// Sample rate in Hz.
    #[getter]
    fn sample_rate(&self) -> f64 {
        self.meter.sample_rate()
    }

    /// Channel count.
    #[getter]
    fn channels(&self) -> usize {
        self.meter.channels()
    }

    /// BS.1770 weight per channel (5 channels: L R C Ls Rs; 6: L R C LFE Ls
    /// Rs with LFE 0 and surrounds 1.41; otherwise 1). Settable with a
    /// sequence of one weight (0 to 10) per channel, for audio added later.
    #[getter]
    fn channel_weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.meter.channel_weights())
    }

    #[setter]
    fn set_channel_weights(&mut self, weights: Vec<f64>) -> PyResult<()> {
        if weights.len() != self.meter.channels() {
            return Err(PyValueError::new_err(format!(
                "channel_weights needs {} weight(s), got {}",
                self.meter.channels(),
                weights.len()
            )));
        }
        let mut meter = self.meter.clone();
        for (c, &w) in weights.iter().enumerate() {
            meter.set_channel_weight(c, w).map_err(value_error)?;
        }
        self.meter = meter;
        Ok(())
    }

    /// Seconds of audio added since the start or `reset()`.
    #[getter]
    fn duration_s(&self) -> f64 {
        self.meter.duration_s()
    }

    /// Integrated loudness (gated), LUFS; -inf before 400 ms of audio or
    /// for silence.
    #[getter]
    fn integrated_lufs(&self) -> f64 {
        self.meter.integrated_lufs()
    }

    /// Album loudness: the integrated loudness (LUFS) of several meters'
    /// programmes taken as one, their gating blocks pooled and gated
    /// together (not the mean of their readings).
    #[staticmethod]
    fn album_integrated_lufs(meters: Vec<PyRef<'_, LoudnessMeter>>) -> PyResult<f64> {
        if meters.is_empty() {
            return Err(PyValueError::new_err("album loudness needs at least one meter"));
        }
        let pooled: Vec<&analysis::LoudnessMeter> = meters.iter().map(|m| &m.meter).collect();
        Ok(analysis::LoudnessMeter::combined_integrated_lufs(&pooled))
    }

    /// Momentary loudness (last 400 ms), LUFS.
    #[getter]
    fn momentary_lufs(&self) -> f64 {
        self.meter.momentary_lufs()
    }

    /// Short-term loudness (last 3 s), LUFS.
    #[getter]
    fn short_term_lufs(&self) -> f64 {
        self.meter.short_term_lufs()
    }

    /// Largest momentary loudness so far, LUFS.
    #[getter]
    fn max_momentary_lufs(&self) -> f64 {
        self.meter.max_momentary_lufs()
    }

    /// Largest short-term loudness so far, LUFS.
    #[getter]
    fn max_short_term_lufs(&self) -> f64 {
        self.meter.max_short_term_lufs()
    }

    /// Loudness range (EBU Tech 3342), LU; 0 before a 3 s window passes the gates.
    #[getter]
    fn loudness_range_lu(&self) -> f64 {
        self.meter.loudness_range_lu()
    }

    /// True peak over all channels, dBTP (-inf for silence).
    #[getter]
    fn true_peak_dbtp(&self) -> f64 {
        self.meter.true_peak_dbtp()
    }

    /// Sample peak over all channels, dBFS (-inf for silence).
    #[getter]
    fn sample_peak_dbfs(&self) -> f64 {
        self.meter.sample_peak_dbfs()
    }

    /// True peak per channel, dBTP.
    #[getter]
    fn channel_true_peak_dbtp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        let m = &self.meter;
        PyArray1::from_iter(py, (0..m.channels()).filter_map(|c| m.channel_true_peak_dbtp(c)))
    }

    /// Momentary loudness every 100 ms (entry `k` at `(k + 1) * 0.1` s), LUFS.
    #[getter]
    fn momentary_series_lufs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.meter.momentary_series())
    }

    /// Short-term loudness every 100 ms, aligned with `momentary_series_lufs`, LUFS.
    #[getter]
    fn short_term_series_lufs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.meter.short_term_series())
    }

    fn __repr__(&self) -> String {
        format!(
            "LoudnessMeter(sample_rate={:?}, channels={})",
            self.meter.sample_rate(),
            self.meter.channels()
        )
    }
}
