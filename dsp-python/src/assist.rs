//! The mastering assistant from Python: `assist`, `TonalTarget`,
//! `TonalBalance` and `AssistReport`, over dsp-core's `master::assist` and
//! `master::tonal`.

use dsp_core::master::{
    self as core, AssistOptions, AssistReport as CoreAssist, Decision as CoreDecision,
    Profile as CoreProfile, TonalBalance as CoreBalance, TonalTarget as CoreTarget,
};
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::audio::{read_audio_ref, value_error};
use crate::master::{MasteringChain, Profile, planar, reference_profiles};
use crate::progress::with_progress;

/// A tonal-balance target: a mean curve with a tolerance per 1/3-octave
/// band (dB of power per octave; only its shape matters). Built in:
/// `TonalTarget("balanced")`, `"warm"`, `"bright"`; learned from reference
/// masters with `masterlib.learn_target`. Saved with `to_json`.
#[pyclass(module = "masterlib", name = "TonalTarget", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub struct TonalTarget {
    pub(crate) inner: CoreTarget,
}

#[pymethods]
impl TonalTarget {
    /// A built-in character: `balanced`, `warm` or `bright`.
    #[new]
    #[pyo3(signature = (character = "balanced"))]
    fn new(character: &str) -> PyResult<Self> {
        CoreTarget::character(character)
            .map(|inner| Self { inner })
            .map_err(|_| PyValueError::new_err(CoreTarget::unknown_character_message(character)))
    }

    /// The target learned from the profiles of reference masters: per band
    /// their mean curve, the tolerance from their spread (at least the
    /// `balanced` target's).
    #[staticmethod]
    fn learn(profiles: Vec<PyRef<'_, Profile>>) -> PyResult<Self> {
        let all: Vec<CoreProfile> = profiles.iter().map(|p| p.inner.clone()).collect();
        CoreTarget::learn(&all).map(|inner| Self { inner }).map_err(value_error)
    }

    /// A target from its JSON text (checked).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner: CoreTarget = serde_json::from_str(text)
            .map_err(|e| PyValueError::new_err(format!("TonalTarget: {e}")))?;
        inner.check().map_err(value_error)?;
        Ok(Self { inner })
    }

    /// The target as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| PyValueError::new_err(format!("TonalTarget: {e}")))
    }

    /// The target's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Band centres, Hz.
    #[getter]
    fn frequencies_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.inner.bands.iter().map(|b| b.hz))
    }

    /// Mean level per band, dB.
    #[getter]
    fn mean_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.inner.bands.iter().map(|b| b.mean_db))
    }

    /// Tolerance per band (either way), dB.
    #[getter]
    fn tolerance_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_iter(py, self.inner.bands.iter().map(|b| b.tolerance_db))
    }

    fn __repr__(&self) -> String {
        format!("TonalTarget({:?}, bands={})", self.inner.name, self.inner.bands.len())
    }
}

/// `character` as a target: a `TonalTarget` or a character's name.
fn tonal_target(character: &Bound<'_, PyAny>) -> PyResult<CoreTarget> {
    if let Ok(t) = character.cast::<TonalTarget>() {
        return Ok(t.get().inner.clone());
    }
    let name: String = character.extract().map_err(|_| {
        PyValueError::new_err("character must be a name (balanced, warm, bright) or a TonalTarget")
    })?;
    Ok(TonalTarget::new(&name)?.inner)
}

/// A mix's tonal balance against a target, as arrays for plots: per
/// 1/3-octave band `frequencies_hz`, the mix's mid level `mix_db` aligned to
/// the target (NaN: no content), `side_db` on the same scale, and the band:
/// `target_db`, `low_db`, `high_db`. `inside_fraction` is the share of bands
/// from 40 Hz to 16 kHz inside the band. `plot()` draws it (matplotlib).
#[pyclass(module = "masterlib", name = "TonalBalance", frozen)]
#[derive(Debug, Clone)]
pub struct TonalBalance {
    inner: CoreBalance,
}

#[pymethods]
impl TonalBalance {
    /// Analyses audio (1-D mono or `(channels, samples)`) at `sample_rate`
    /// against `target` (a character's name or a `TonalTarget`).
    #[new]
    #[pyo3(signature = (x, sample_rate, target = None))]
    fn new(
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        sample_rate: f64,
        target: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let t = match target {
            Some(t) => tonal_target(t)?,
            None => CoreTarget::character("balanced").map_err(value_error)?,
        };
        let (shape, data) = read_audio_ref(x)?;
        let views = planar(&data, shape.samples, shape.channels);
        let inner = py
            .detach(|| {
                CoreProfile::analyze(&views, sample_rate).and_then(|p| CoreBalance::analyze(&p, &t))
            })
            .map_err(value_error)?;
        Ok(Self { inner })
    }

    /// The target's name.
    #[getter]
    fn target(&self) -> &str {
        &self.inner.target
    }

    /// Band centres, Hz.
    #[getter]
    fn frequencies_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.frequencies_hz)
    }

    /// The mix's mid level per band, aligned to the target, dB.
    #[getter]
    fn mix_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.mix_db)
    }

    /// The mix's side level per band on the same scale, dB (empty: mono).
    #[getter]
    fn side_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.side_db)
    }

    /// The target's mean per band, dB.
    #[getter]
    fn target_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.target_db)
    }

    /// Lower edge of the target band, dB.
    #[getter]
    fn low_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.low_db)
    }

    /// Upper edge of the target band, dB.
    #[getter]
    fn high_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.high_db)
    }

    /// What was subtracted from the mix's levels to align them, dB.
    #[getter]
    fn offset_db(&self) -> f64 {
        self.inner.offset_db
    }

    /// Share of the bands with content from 40 Hz to 16 kHz inside the band.
    #[getter]
    fn inside_fraction(&self) -> f64 {
        self.inner.inside_fraction()
    }

    /// Draws the mix against the target band with matplotlib; returns the
    /// figure.
    #[pyo3(signature = (ax = None))]
    fn plot<'py>(
        slf: &Bound<'py, Self>,
        ax: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py().import("masterlib.plot")?.call_method1("tonal_balance", (slf, ax))
    }

    fn __repr__(&self) -> String {
        format!(
            "TonalBalance(target={:?}, inside_fraction={:.2})",
            self.inner.target,
            self.inner.inside_fraction()
        )
    }
}

/// One decision of the assistant: the `stage`, the `measurement` behind it
/// and the `action` taken; `str()` joins them.
#[pyclass(module = "masterlib", name = "Decision", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct Decision {
    /// The stage it concerns.
    stage: String,
    /// What was measured.
    measurement: String,
    /// What was done.
    action: String,
}

impl From<&CoreDecision> for Decision {
    fn from(d: &CoreDecision) -> Self {
        Self {
            stage: d.stage.clone(),
            measurement: d.measurement.clone(),
            action: d.action.clone(),
        }
    }
}

#[pymethods]
impl Decision {
    fn __str__(&self) -> String {
        format!("{}: {}: {}", self.stage, self.measurement, self.action)
    }

    fn __repr__(&self) -> String {
        format!("Decision({:?})", self.__str__())
    }
}

/// What `assist` found and did: the targets, the mix's readings (`mix`:
/// loudness, true peak, PLR, crest factor, loudness range, width), the
/// mix's `tonal` balance, the previewed master's (`preview`), and every
/// `decisions` with the measurement behind it. `str()` lists them.
#[pyclass(module = "masterlib", name = "AssistReport", frozen)]
#[derive(Debug, Clone)]
pub struct AssistReport {
    pub(crate) r: CoreAssist,
}

#[pymethods]
impl AssistReport {
    /// The loudness target's name.
    #[getter]
    fn target(&self) -> &str {
        &self.r.target.name
    }

    /// The tonal target's name.
    #[getter]
    fn character(&self) -> &str {
        &self.r.character
    }

    /// The intensity it worked at.
    #[getter]
    fn intensity(&self) -> f64 {
        self.r.intensity
    }

    /// The mix's readings as a dict.
    #[getter]
    fn mix<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_dict(py)?.get_item("mix")
    }

    /// The mix against the tonal target.
    #[getter]
    fn tonal(&self) -> TonalBalance {
        TonalBalance { inner: self.r.tonal.clone() }
    }

    /// The previewed master against the tonal target.
    #[getter]
    fn preview(&self) -> TonalBalance {
        TonalBalance { inner: self.r.preview.clone() }
    }

    /// Every decision, in chain order.
    #[getter]
    fn decisions(&self) -> Vec<Decision> {
        self.r.decisions.iter().map(Decision::from).collect()
    }

    /// The report as JSON text (NaN readings as null).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.r).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The report as a dict (the JSON's).
    pub(crate) fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.to_json()?,))
    }

    fn __str__(&self) -> String {
        let lines: Vec<String> = self.r.decisions.iter().map(ToString::to_string).collect();
        lines.join("\n")
    }

    fn __repr__(&self) -> String {
        format!(
            "AssistReport(target={:?}, character={:?}, intensity={}, decisions={})",
            self.r.target.name,
            self.r.character,
            self.r.intensity,
            self.r.decisions.len()
        )
    }
}

/// The assistant's options from the Python arguments: `reference` (audio
/// at `sample_rate`, a list, or `Profile`s) replaces `character` by the
/// target learned from it.
pub(crate) fn assist_options(
    py: Python<'_>,
    target: &str,
    character: Option<&Bound<'_, PyAny>>,
    intensity: f64,
    reference: Option<&Bound<'_, PyAny>>,
    sample_rate: f64,
) -> PyResult<AssistOptions> {
    let tonal = match (reference, character) {
        (Some(r), _) => {
            CoreTarget::learn(&reference_profiles(py, r, sample_rate)?).map_err(value_error)?
        }
        (None, Some(c)) => tonal_target(c)?,
        (None, None) => CoreTarget::character("balanced").map_err(value_error)?,
    };
    let o = AssistOptions { target: target.to_string(), tonal, intensity };
    o.validate().map_err(|e| match e {
        dsp_core::Error::UnknownName { .. } => {
            PyValueError::new_err(dsp_core::analysis::Target::unknown_name_message(target))
        }
        e => value_error(e),
    })?;
    Ok(o)
}

/// Sets up a mastering chain for a mix from its analysis alone: tonal
/// balance against `character` (`balanced`, `warm`, `bright`, or a
/// `TonalTarget`; with a `reference`, the target learned from it), glue
/// compression and soft clipping from the mix's PLR, crest factor and
/// loudness range, width and mono low end from its stereo image, all scaled
/// by `intensity` (0 to 1), for the loudness `target`. Returns
/// `(MasteringChain, AssistReport)`: the chain is editable and runs with
/// `master(x, sample_rate, chain=chain)`; the report explains each decision
/// with the measurement behind it. `progress` as for `master`.
#[pyfunction]
#[pyo3(signature = (x, sample_rate, target = "spotify", character = None, intensity = 0.5, reference = None, *, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn assist<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sample_rate: f64,
    target: &str,
    character: Option<&Bound<'py, PyAny>>,
    intensity: f64,
    reference: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<(MasteringChain, AssistReport)> {
    let o = assist_options(py, target, character, intensity, reference, sample_rate)?;
    let (shape, data) = read_audio_ref(x)?;
    let views = planar(&data, shape.samples, shape.channels);
    let (chain, r) = with_progress(py, progress, |p| core::assist(&views, sample_rate, &o, p))?
        .map_err(value_error)?;
    Ok((MasteringChain { inner: chain }, AssistReport { r }))
}
