//! `measure` and its `QaReport` (or a streaming `QaMeter`), delivery
//! `Target`s and `TargetCheck`s.
//!
//! Reports are plain read-only objects with unit-suffixed fields, numpy
//! arrays for per-channel values and time series, and `to_dict()` for JSON:
//! its keys are the attribute names, arrays become lists, and non-finite
//! values (-inf for silence, +inf for a mono fold that cancels) become
//! `None`, so `json.dumps(report.to_dict(), allow_nan=False)` works.

use dsp_core::analysis::{self, QaReport as CoreReport, Target as CoreTarget};
use numpy::PyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::audio::{read_audio_ref, value_error};
use crate::progress::with_progress;

/// A float for JSON: `None` when not finite.
pub(crate) fn json_float(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// A list of floats for JSON, non-finite entries as `None`.
fn json_floats(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|&x| json_float(x)).collect()
}

/// A loudness delivery target: a platform preset (`Target.by_name("spotify")`,
/// `masterlib.targets()`) or your own.
#[pyclass(module = "masterlib", name = "Target", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    inner: CoreTarget,
}

#[pymethods]
impl Target {
    /// A target of your own: loudness -60 to 0 LUFS, true-peak ceiling -30
    /// to +3 dBTP, tolerance 0 to 10 LU either way; `turns_up`: whether the
    /// platform raises quiet tracks (within the true-peak headroom).
    #[new]
    #[pyo3(signature = (name, integrated_lufs, true_peak_dbtp, tolerance_lu = 1.0, turns_up = false))]
    fn new(
        name: &str,
        integrated_lufs: f64,
        true_peak_dbtp: f64,
        tolerance_lu: f64,
        turns_up: bool,
    ) -> PyResult<Self> {
        CoreTarget::custom(name, integrated_lufs, tolerance_lu, true_peak_dbtp, turns_up)
            .map(|inner| Self { inner })
            .map_err(value_error)
    }

    /// The built-in target called `name` (case-insensitive): one of
    /// `masterlib.targets()`.
    #[staticmethod]
    fn by_name(name: &str) -> PyResult<Self> {
        CoreTarget::by_name(name).map(|inner| Self { inner }).map_err(|_| {
            PyValueError::new_err(format!(
                "{}, or a masterlib.Target(...)",
                CoreTarget::unknown_name_message(name)
            ))
        })
    }

    /// Lookup name (`spotify`, `ebu_r128`...).
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Human-readable name (`Spotify`, `EBU R 128`...).
    #[getter]
    fn label(&self) -> &str {
        &self.inner.label
    }

    /// Target integrated loudness, LUFS.
    #[getter]
    fn integrated_lufs(&self) -> f64 {
        self.inner.integrated_lufs
    }

    /// Highest allowed true peak, dBTP.
    #[getter]
    fn true_peak_dbtp(&self) -> f64 {
        self.inner.true_peak_dbtp
    }

    /// Allowed loudness deviation either way, LU.
    #[getter]
    fn tolerance_lu(&self) -> f64 {
        self.inner.tolerance_lu
    }

    /// Whether the platform raises quiet tracks.
    #[getter]
    fn turns_up(&self) -> bool {
        self.inner.turns_up
    }

    /// The fields as a dict (JSON-serialisable).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.inner;
        let d = PyDict::new(py);
        d.set_item("name", &t.name)?;
        d.set_item("label", &t.label)?;
        d.set_item("integrated_lufs", t.integrated_lufs)?;
        d.set_item("true_peak_dbtp", t.true_peak_dbtp)?;
        d.set_item("tolerance_lu", t.tolerance_lu)?;
        d.set_item("turns_up", t.turns_up)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let t = &self.inner;
        format!(
            "Target(name='{}', integrated_lufs={:?}, true_peak_dbtp={:?}, tolerance_lu={:?}, \
             turns_up={})",
            t.name,
            t.integrated_lufs,
            t.true_peak_dbtp,
            t.tolerance_lu,
            if t.turns_up { "True" } else { "False" }
        )
    }
}

/// Every built-in delivery target, in a fixed order.
#[pyfunction]
pub fn targets() -> Vec<Target> {
    CoreTarget::all().into_iter().map(|inner| Target { inner }).collect()
}

/// The result of `QaReport.check(target)`.
#[pyclass(module = "masterlib", frozen)]
#[derive(Debug)]
pub struct TargetCheck {
    target: Target,
    check: analysis::TargetCheck,
}

#[pymethods]
impl TargetCheck {
    /// The target checked against.
    #[getter]
    fn target(&self) -> Target {
        self.target.clone()
    }

    /// True peak within the ceiling and loudness within the tolerance.
    #[getter]
    fn passed(&self) -> bool {
        self.check.pass
    }

    /// Gain the platform will apply on playback, dB (negative: turned down).
    #[getter]
    fn gain_change_db(&self) -> f64 {
        self.check.gain_change_db
    }

    /// One sentence per criterion (true peak, loudness).
    #[getter]
    fn reasons(&self) -> Vec<String> {
        self.check.reasons.clone()
    }

    /// The reasons of the criteria that failed (empty when it passes).
    #[getter]
    fn failures(&self) -> Vec<String> {
        self.check.failures.clone()
    }

    /// What the platform will do, e.g. "Spotify will turn it down 3.2 dB".
    #[getter]
    fn description(&self) -> &str {
        &self.check.description
    }

    /// One line: PASS and every reason, or FAIL and the failed criteria;
    /// then the description.
    #[getter]
    fn message(&self) -> String {
        self.check.message()
    }

    /// The fields as a dict (JSON-serialisable).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("target", self.target.to_dict(py)?)?;
        d.set_item("passed", self.check.pass)?;
        d.set_item("gain_change_db", self.check.gain_change_db)?;
        d.set_item("reasons", &self.check.reasons)?;
        d.set_item("failures", &self.check.failures)?;
        d.set_item("description", &self.check.description)?;
        d.set_item("message", self.message())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("TargetCheck('{}': {})", self.target.inner.name, self.message())
    }
}

/// Quality report of a whole track, returned by `masterlib.measure`.
///
/// Stereo readings (correlation, mono drop, balance) use channels 0 and 1;
/// for mono they read as for identical channels.
#[pyclass(module = "masterlib", name = "QaReport", frozen)]
#[derive(Debug)]
pub struct QaReport {
    pub(crate) r: CoreReport,
}

/// Seconds at which the 10 Hz series entries are measured.
fn series_times(r: &CoreReport) -> Vec<f64> {
    let hop = (r.sample_rate / 10.0).round();
    (1..=r.momentary_series_lufs.len()).map(|k| k as f64 * hop / r.sample_rate).collect()
}

#[pymethods]
impl QaReport {
    /// Sample rate, Hz.
    #[getter]
    fn sample_rate(&self) -> f64 {
        self.r.sample_rate
    }

    /// Length, seconds.
    #[getter]
    fn duration_s(&self) -> f64 {
        self.r.duration_s
    }

    /// Channels measured.
    #[getter]
    fn channels(&self) -> usize {
        self.r.dc_offset.len()
    }

    /// Integrated loudness (BS.1770 gating), LUFS; -inf if silent or
    /// shorter than 400 ms.
    #[getter]
    fn integrated_lufs(&self) -> f64 {
        self.r.integrated_lufs
    }

    /// Loudness range (EBU Tech 3342), LU.
    #[getter]
    fn loudness_range_lu(&self) -> f64 {
        self.r.loudness_range_lu
    }

    /// Largest momentary (400 ms) loudness, LUFS.
    #[getter]
    fn max_momentary_lufs(&self) -> f64 {
        self.r.max_momentary_lufs
    }

    /// Largest short-term (3 s) loudness, LUFS.
    #[getter]
    fn max_short_term_lufs(&self) -> f64 {
        self.r.max_short_term_lufs
    }

    /// True peak over all channels, dBTP.
    #[getter]
    fn true_peak_dbtp(&self) -> f64 {
        self.r.true_peak_dbtp
    }

    /// Sample peak over all channels, dBFS.
    #[getter]
    fn sample_peak_dbfs(&self) -> f64 {
        self.r.sample_peak_dbfs
    }

    /// Peak-to-loudness ratio (true peak minus integrated loudness), dB; 0
    /// without an integrated loudness.
    #[getter]
    fn plr_db(&self) -> f64 {
        self.r.plr_db
    }

    /// Mean per channel (DC offset), fraction of full scale.
    #[getter]
    fn dc_offset<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.r.dc_offset)
    }

    /// Samples in runs of 2 or more consecutive full-scale samples.
    #[getter]
    fn clipped_samples(&self) -> u64 {
        self.r.clipped_samples
    }

    /// Phase correlation of left and right over the track (-1 to 1).
    #[getter]
    fn correlation(&self) -> f64 {
        self.r.correlation
    }

    /// Lowest correlation over non-silent 400 ms windows.
    #[getter]
    fn worst_correlation(&self) -> f64 {
        self.r.worst_correlation
    }

    /// Integrated loudness lost by folding to mono, LU (inf if it cancels).
    #[getter]
    fn mono_loudness_drop_lu(&self) -> f64 {
        self.r.mono_loudness_drop_lu
    }

    /// Left minus right loudness, dB (positive: left louder).
    #[getter]
    fn balance_db(&self) -> f64 {
        self.r.balance_db
    }

    /// Octave band centres, Hz (bands past Nyquist left out).
    #[getter]
    fn octave_band_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.r.octave_bands.iter().map(|b| b.0))
    }

    /// Mean-square level per octave band, dB re full scale (a full-scale
    /// sine reads -3 dB), averaged over channels.
    #[getter]
    fn octave_band_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.r.octave_bands.iter().map(|b| b.1))
    }

    /// Level change per octave band (at `octave_band_hz`) when left and
    /// right fold to mono ((L + R) / 2) against their mean power, dB: 0 for
    /// identical channels, -3 uncorrelated, -inf where the fold cancels
    /// (L = -R); 0 for an empty band and for mono input.
    #[getter]
    fn mono_band_change_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.r.mono_band_change_db.iter().map(|b| b.1))
    }

    /// Integrated loudness through a small loudspeaker (4th-order
    /// Linkwitz-Riley high-pass at 150 Hz and low-pass at 8 kHz), LUFS.
    #[getter]
    fn small_speaker_lufs(&self) -> f64 {
        self.r.small_speaker_lufs
    }

    /// Integrated loudness lost through the small loudspeaker
    /// (`integrated_lufs - small_speaker_lufs`), LU; 0 without an
    /// integrated loudness, inf if nothing gets through.
    #[getter]
    fn small_speaker_drop_lu(&self) -> f64 {
        self.r.small_speaker_drop_lu
    }

    /// Tonal balance through the small loudspeaker: each octave band's (at
    /// `octave_band_hz`) share of the energy it passes, dB (-10: a tenth);
    /// -inf for silence.
    #[getter]
    fn small_speaker_bands_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.r.small_speaker_bands_db.iter().map(|b| b.1))
    }

    /// Momentary loudness every 100 ms, LUFS (at `series_time_s`).
    #[getter]
    fn momentary_series_lufs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.r.momentary_series_lufs)
    }

    /// Short-term loudness every 100 ms, LUFS (at `series_time_s`).
    #[getter]
    fn short_term_series_lufs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.r.short_term_series_lufs)
    }

    /// Time of each series entry (end of its window), seconds.
    #[getter]
    fn series_time_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, series_times(&self.r))
    }

    /// Checks against a delivery target: a name from `masterlib.targets()`
    /// (default "spotify") or a `masterlib.Target`.
    #[pyo3(signature = (target = None), text_signature = "($self, target='spotify')")]
    fn check(&self, target: Option<&Bound<'_, PyAny>>) -> PyResult<TargetCheck> {
        let target = match target {
            None => Target::by_name("spotify")?,
            Some(t) => {
                if let Ok(t) = t.cast::<Target>() {
                    t.get().clone()
                } else if let Ok(name) = t.extract::<String>() {
                    Target::by_name(&name)?
                } else {
                    let kind = t.get_type().name()?;
                    return Err(PyTypeError::new_err(format!(
                        "target must be a name (str) or a masterlib.Target, got {kind}"
                    )));
                }
            }
        };
        let check = self.r.check(&target.inner);
        Ok(TargetCheck { target, check })
    }

    /// The readings and a verdict per target as an HTML table (Jupyter
    /// shows a report this way).
    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        slf.py().import("masterlib.report")?.call_method1("html_table", (slf,))?.extract()
    }

    /// Writes one self-contained HTML file (no network) to send to a
    /// client: the readings, the verdict for each of `targets` (default
    /// spotify, apple, youtube, ebu_r128) and the overview plot as an
    /// embedded image (with matplotlib installed).
    #[pyo3(signature = (path, targets = None, title = None))]
    fn to_html(
        slf: &Bound<'_, Self>,
        path: &Bound<'_, PyAny>,
        targets: Option<&Bound<'_, PyAny>>,
        title: Option<&str>,
    ) -> PyResult<()> {
        let report = slf.py().import("masterlib.report")?;
        report.call_method1("write_html", (slf, path, targets, title))?;
        Ok(())
    }

    /// Draws the report's overview (loudness over time against `target`,
    /// octave-band balance) with matplotlib and returns the figure.
    #[pyo3(signature = (target = None))]
    fn plot<'py>(
        slf: &Bound<'py, Self>,
        target: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("masterlib.plot")?.call_method1("overview", (slf, target))
    }

    /// Every field as a dict for JSON: keys are the attribute names, arrays
    /// become lists, non-finite values become None.
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.r;
        let d = PyDict::new(py);
        d.set_item("sample_rate", r.sample_rate)?;
        d.set_item("duration_s", r.duration_s)?;
        d.set_item("channels", r.dc_offset.len())?;
        for (key, value) in [
            ("integrated_lufs", r.integrated_lufs),
            ("loudness_range_lu", r.loudness_range_lu),
            ("max_momentary_lufs", r.max_momentary_lufs),
            ("max_short_term_lufs", r.max_short_term_lufs),
            ("true_peak_dbtp", r.true_peak_dbtp),
            ("sample_peak_dbfs", r.sample_peak_dbfs),
            ("plr_db", r.plr_db),
        ] {
            d.set_item(key, json_float(value))?;
        }
        d.set_item("dc_offset", json_floats(&r.dc_offset))?;
        d.set_item("clipped_samples", r.clipped_samples)?;
        for (key, value) in [
            ("correlation", r.correlation),
            ("worst_correlation", r.worst_correlation),
            ("mono_loudness_drop_lu", r.mono_loudness_drop_lu),
            ("balance_db", r.balance_db),
        ] {
            d.set_item(key, json_float(value))?;
        }
        let (hz, db): (Vec<f64>, Vec<f64>) = r.octave_bands.iter().copied().unzip();
        d.set_item("octave_band_hz", hz)?;
        d.set_item("octave_band_db", json_floats(&db))?;
        let values =
            |bands: &[(f64, f64)]| json_floats(&bands.iter().map(|b| b.1).collect::<Vec<_>>());
        d.set_item("mono_band_change_db", values(&r.mono_band_change_db))?;
        d.set_item("small_speaker_lufs", json_float(r.small_speaker_lufs))?;
        d.set_item("small_speaker_drop_lu", json_float(r.small_speaker_drop_lu))?;
        d.set_item("small_speaker_bands_db", values(&r.small_speaker_bands_db))?;
        d.set_item("momentary_series_lufs", json_floats(&r.momentary_series_lufs))?;
        d.set_item("short_term_series_lufs", json_floats(&r.short_term_series_lufs))?;
        d.set_item("series_time_s", series_times(r))?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let r = &self.r;
        format!(
            "QaReport(integrated_lufs={:.2}, loudness_range_lu={:.2}, true_peak_dbtp={:.2}, \
             duration_s={:.2})",
            r.integrated_lufs, r.loudness_range_lu, r.true_peak_dbtp, r.duration_s
        )
    }
}

/// Measures a whole track: 1-D mono or `(channels, samples)` audio, at least
/// one sample. Raises `ValueError` naming the first NaN or infinite sample
/// (channel, index), for empty audio, or for a bad sample rate.
/// `progress(fraction)` is told the fraction done; returning False cancels
/// with `masterlib.Cancelled`.
#[pyfunction]
#[pyo3(signature = (x, sample_rate, *, progress = None))]
pub fn measure(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    sample_rate: f64,
    progress: Option<&Bound<'_, PyAny>>,
) -> PyResult<QaReport> {
    let (shape, data) = read_audio_ref(x)?;
    let channels: Vec<&[f32]> = if shape.samples == 0 {
        vec![&[]; shape.channels]
    } else {
        data.chunks(shape.samples).collect()
    };
    let r = with_progress(py, progress, |p| CoreReport::measure_with(&channels, sample_rate, p))?
        .map_err(value_error)?;
    Ok(QaReport { r })
}

/// Streaming quality meter: the `QaReport` of a track fed block by block
/// with `add`, in memory that does not grow with the track (beyond the
/// 10 Hz loudness series). `report()` equals `measure(x, sample_rate)` of
/// all the audio added since the start or `reset()`, exactly, however it
/// was cut into blocks.
#[pyclass(module = "masterlib")]
#[derive(Debug)]
pub struct QaMeter {
    meter: analysis::QaMeter,
}

#[pymethods]
impl QaMeter {
    /// A meter for `channels` channels (1 to 64) at `sample_rate` Hz (8 kHz
    /// to 768 kHz).
    #[new]
    fn new(sample_rate: f64, channels: usize) -> PyResult<Self> {
        analysis::QaMeter::new(sample_rate, channels)
            .map(|meter| Self { meter })
            .map_err(value_error)
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
        py.detach(|| meter.add(&channels)).map_err(value_error)
    }

    /// The report of all the audio added so far (more may follow). Raises
    /// `ValueError` if none was added.
    fn report(&self, py: Python<'_>) -> PyResult<QaReport> {
        let meter = &self.meter;
        py.detach(|| meter.report()).map(|r| QaReport { r }).map_err(value_error)
    }

    /// Forgets all the audio added.
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

    /// Seconds of audio added since the start or `reset()`.
    #[getter]
    fn duration_s(&self) -> f64 {
        self.meter.duration_s()
    }

    fn __repr__(&self) -> String {
        format!(
            "QaMeter(sample_rate={:?}, channels={})",
            self.meter.sample_rate(),
            self.meter.channels()
        )
    }
}
