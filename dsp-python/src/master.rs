//! Mastering from Python: `MasteringChain`, `master`, `master_album`,
//! `normalize`, `match_reference`, `Profile`, and their reports, over dsp-core's `master` module.

use dsp_core::analysis::Target;
use dsp_core::master::{
    self as core, AlbumReport as CoreAlbum, MasterReport as CoreReport,
    MasteringChain as CoreChain, Matching, NormalizeReport as CoreNormalize,
    Profile as CoreProfile,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::audio::{read_audio_ref, to_numpy, value_error};
use crate::progress::with_progress;
use crate::qa::{QaReport, json_float};

/// A mastering chain: named stages (registered processors), the loudness
/// target, the limiter and the dither, stored as JSON. Start from a preset
/// (`streaming`, `broadcast`, `loud`, `gentle`), change the target, save it
/// with `to_json` and load it with `MasteringChain.from_json`: the same
/// chain renders bit-identical output.
#[pyclass(module = "masterlib", name = "MasteringChain", eq)]
#[derive(Debug, Clone, PartialEq)]
pub struct MasteringChain {
    pub(crate) inner: CoreChain,
}

fn chain_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("MasteringChain: {e}"))
}

#[pymethods]
impl MasteringChain {
    /// The built-in preset `preset` (see `MasteringChain.presets`), with
    /// `target` (a name from `masterlib.targets()`) replacing its own if
    /// given.
    #[new]
    #[pyo3(signature = (preset = "streaming", target = None))]
    fn new(preset: &str, target: Option<&str>) -> PyResult<Self> {
        let inner = CoreChain::preset(preset).map_err(|_| {
            PyValueError::new_err(format!(
                "unknown mastering preset {preset:?}: use one of {}",
                CoreChain::PRESETS.join(", ")
            ))
        })?;
        let mut c = Self { inner };
        if let Some(t) = target {
            c.set_target(t)?;
        }
        Ok(c)
    }

    /// The preset names.
    #[classattr]
    fn presets() -> Vec<&'static str> {
        CoreChain::PRESETS.to_vec()
    }

    /// A chain from its JSON text; raises `ValueError` if it does not parse
    /// or a part does not load (the message names the part).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner: CoreChain = serde_json::from_str(text).map_err(chain_error)?;
        inner.validate().map_err(|e| chain_error(e.message()))?;
        Ok(Self { inner })
    }

    /// The chain as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(&self.inner).map_err(chain_error)
    }

    /// The chain as a dict (the JSON's structure).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?.call_method1("loads", (self.to_json()?,))
    }

    /// Pickles through the JSON text (for worker processes).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let from_json = slf.get_type().getattr("from_json")?;
        let args = PyTuple::new(slf.py(), [slf.borrow().to_json()?])?;
        PyTuple::new(slf.py(), [from_json, args.into_any()])
    }

    /// The preset the chain started from.
    #[getter]
    fn preset(&self) -> &str {
        &self.inner.preset
    }

    /// The loudness target's name.
    #[getter]
    fn target(&self) -> &str {
        &self.inner.target
    }

    #[setter]
    fn set_target(&mut self, name: &str) -> PyResult<()> {
        Target::by_name(name)
            .map_err(|_| PyValueError::new_err(Target::unknown_name_message(name)))?;
        self.inner.target = name.to_string();
        Ok(())
    }

    /// Integrated loudness replacing the target's, LUFS (None: the target's).
    #[getter]
    fn target_lufs(&self) -> Option<f64> {
        self.inner.target_lufs
    }

    #[setter]
    fn set_target_lufs(&mut self, lufs: Option<f64>) -> PyResult<()> {
        let mut c = self.inner.clone();
        c.target_lufs = lufs;
        c.resolved_target().map_err(value_error)?;
        self.inner = c;
        Ok(())
    }

    /// True-peak ceiling replacing the target's, dBTP (None: the target's).
    #[getter]
    fn ceiling_dbtp(&self) -> Option<f64> {
        self.inner.ceiling_dbtp
    }

    #[setter]
    fn set_ceiling_dbtp(&mut self, dbtp: Option<f64>) -> PyResult<()> {
        let mut c = self.inner.clone();
        c.ceiling_dbtp = dbtp;
        c.resolved_target().map_err(value_error)?;
        self.inner = c;
        Ok(())
    }

    /// The stage names, in order.
    #[getter]
    fn stages(&self) -> Vec<String> {
        self.inner.stages.iter().map(|s| s.name.clone()).collect()
    }

    /// Puts the stage called `stage` on mid and side (or back on left and
    /// right with `on=False`): EQ or compressor stages then work on mid
    /// (L+R)/2 and side (L-R)/2. Needs stereo audio.
    #[pyo3(signature = (stage, on = true))]
    fn set_mid_side(&mut self, stage: &str, on: bool) -> PyResult<()> {
        self.inner.set_mid_side(stage, on).map_err(|_| {
            PyValueError::new_err(format!("no stage {stage:?}: the stages are {:?}", self.stages()))
        })
    }

    /// Whether the stage called `stage` works on mid and side.
    fn is_mid_side(&self, stage: &str) -> PyResult<bool> {
        self.inner.is_mid_side(stage).ok_or_else(|| {
            PyValueError::new_err(format!("no stage {stage:?}: the stages are {:?}", self.stages()))
        })
    }

    /// The strengths of reference matching used by `master(...,
    /// reference=...)`, as a dict (`tonal`, `loudness`, `width`,
    /// `dynamics`, each 0 to 1).
    #[getter]
    fn matching<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = self.inner.matching;
        let d = PyDict::new(py);
        for (k, v) in [
            ("tonal", m.tonal),
            ("loudness", m.loudness),
            ("width", m.width),
            ("dynamics", m.dynamics),
        ] {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// Sets the strengths of reference matching (each 0 to 1; the others
    /// keep theirs).
    #[pyo3(signature = (tonal = None, loudness = None, width = None, dynamics = None))]
    fn set_matching(
        &mut self,
        tonal: Option<f64>,
        loudness: Option<f64>,
        width: Option<f64>,
        dynamics: Option<f64>,
    ) -> PyResult<()> {
        let mut m = self.inner.matching;
        m.tonal = tonal.unwrap_or(m.tonal);
        m.loudness = loudness.unwrap_or(m.loudness);
        m.width = width.unwrap_or(m.width);
        m.dynamics = dynamics.unwrap_or(m.dynamics);
        m.validate().map_err(value_error)?;
        self.inner.matching = m;
        Ok(())
    }

    /// Dither word length (None: no dither).
    #[getter]
    fn dither_bits(&self) -> Option<f64> {
        let d = self.inner.dither.as_ref()?;
        match d.params.get(dsp_core::master::Dither::BITS.id) {
            Some(dsp_core::preset_format::Value::Number(n)) => Some(*n),
            _ => None,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "MasteringChain(preset={:?}, target={:?}, stages={:?})",
            self.inner.preset,
            self.inner.target,
            self.stages()
        )
    }
}

/// What `normalize` did: the gain, the limiter and the verified readings.
#[pyclass(module = "masterlib", name = "NormalizeReport", frozen, get_all)]
#[derive(Debug, Clone)]
pub struct NormalizeReport {
    /// Target integrated loudness, LUFS.
    pub target_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Integrated loudness of the input, LUFS.
    pub input_lufs: f64,
    /// Gain the analysis predicted, dB.
    pub predicted_gain_db: f64,
    /// Gain applied before the limiter, dB.
    pub gain_db: f64,
    /// Gain applied after the limiter to trim a small miss exactly, dB.
    pub trim_db: f64,
    /// Largest limiter gain reduction, dB.
    pub limiter_max_gr_db: f64,
    /// Mean limiter gain reduction, dB.
    pub limiter_mean_gr_db: f64,
    /// Integrated loudness of the output, LUFS.
    pub output_lufs: f64,
    /// True peak of the output, dBTP.
    pub output_true_peak_dbtp: f64,
    /// Passes of gain, limiter and meter over the audio.
    pub passes: u32,
}

impl From<CoreNormalize> for NormalizeReport {
    fn from(r: CoreNormalize) -> Self {
        Self {
            target_lufs: r.target_lufs,
            ceiling_dbtp: r.ceiling_dbtp,
            input_lufs: r.input_lufs,
            predicted_gain_db: r.predicted_gain_db,
            gain_db: r.gain_db,
            trim_db: r.trim_db,
            limiter_max_gr_db: r.limiter_max_gr_db,
            limiter_mean_gr_db: r.limiter_mean_gr_db,
            output_lufs: r.output_lufs,
            output_true_peak_dbtp: r.output_true_peak_dbtp,
            passes: r.passes,
        }
    }
}

#[pymethods]
impl NormalizeReport {
    /// Every field as a dict (non-finite values become None).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in [
            ("target_lufs", self.target_lufs),
            ("ceiling_dbtp", self.ceiling_dbtp),
            ("input_lufs", self.input_lufs),
            ("predicted_gain_db", self.predicted_gain_db),
            ("gain_db", self.gain_db),
            ("trim_db", self.trim_db),
            ("limiter_max_gr_db", self.limiter_max_gr_db),
            ("limiter_mean_gr_db", self.limiter_mean_gr_db),
            ("output_lufs", self.output_lufs),
            ("output_true_peak_dbtp", self.output_true_peak_dbtp),
        ] {
            d.set_item(k, json_float(v))?;
        }
        d.set_item("passes", self.passes)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "NormalizeReport(gain_db={:.2}, output_lufs={:.2}, output_true_peak_dbtp={:.2}, \
             limiter_max_gr_db={:.2}, passes={})",
            self.gain_db,
            self.output_lufs,
            self.output_true_peak_dbtp,
            self.limiter_max_gr_db,
            self.passes
        )
    }
}

/// What `master` did: `before` and `after` (QaReport of the mix and of the
/// master), the `chain` as used, the target, the input gain, each stage
/// (`stages`: dicts with name, kind, gain reduction and latency) and the
/// loudness stage (`normalization`).
#[pyclass(module = "masterlib", name = "MasterReport", frozen)]
#[derive(Debug)]
pub struct MasterReport {
    pub(crate) r: CoreReport,
}

#[pymethods]
impl MasterReport {
    /// Quality report of the mix.
    #[getter]
    fn before(&self) -> QaReport {
        QaReport { r: self.r.before.clone() }
    }

    /// Quality report of the master.
    #[getter]
    fn after(&self) -> QaReport {
        QaReport { r: self.r.after.clone() }
    }

    /// The chain as used.
    #[getter]
    fn chain(&self) -> MasteringChain {
        MasteringChain { inner: self.r.chain.clone() }
    }

    /// The loudness target's name.
    #[getter]
    fn target(&self) -> &str {
        &self.r.target.name
    }

    /// Target integrated loudness, LUFS.
    #[getter]
    fn target_lufs(&self) -> f64 {
        self.r.target.integrated_lufs
    }

    /// True-peak ceiling, dBTP.
    #[getter]
    fn ceiling_dbtp(&self) -> f64 {
        self.r.target.true_peak_dbtp
    }

    /// Gain that brought the mix to the stages' working level, dB.
    #[getter]
    fn input_gain_db(&self) -> f64 {
        self.r.input_gain_db
    }

    /// Each stage: name, kind, gain_reduction_max_db, gain_reduction_mean_db
    /// (None where the stage does not reduce gain), latency, active (False
    /// for a stereo stage left out of a mono master).
    #[getter]
    fn stages<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for s in &self.r.stages {
            let d = PyDict::new(py);
            d.set_item("name", &s.name)?;
            d.set_item("kind", &s.kind)?;
            d.set_item("gain_reduction_max_db", s.gain_reduction_max_db)?;
            d.set_item("gain_reduction_mean_db", s.gain_reduction_mean_db)?;
            d.set_item("latency", s.latency)?;
            d.set_item("active", s.active)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The loudness stage.
    #[getter]
    fn normalization(&self) -> NormalizeReport {
        self.r.normalization.into()
    }

    /// What reference matching changed, in sentences.
    #[getter]
    fn matching(&self) -> Vec<String> {
        self.r.matching.clone()
    }

    /// What the assistant found and did (`master(..., assistant=True)`),
    /// else None.
    #[getter]
    fn assistant(&self) -> Option<crate::assist::AssistReport> {
        self.r.assistant.clone().map(|r| crate::assist::AssistReport { r })
    }

    /// Everything as a dict for JSON.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("before", self.before().to_dict(py)?)?;
        d.set_item("after", self.after().to_dict(py)?)?;
        d.set_item("chain", self.chain().to_dict(py)?)?;
        d.set_item("target", self.target())?;
        d.set_item("target_lufs", self.target_lufs())?;
        d.set_item("ceiling_dbtp", self.ceiling_dbtp())?;
        d.set_item("input_gain_db", self.input_gain_db())?;
        d.set_item("stages", self.stages(py)?)?;
        d.set_item("normalization", self.normalization().to_dict(py)?)?;
        d.set_item("matching", self.matching())?;
        let assistant = self.assistant().map(|a| a.to_dict(py)).transpose()?;
        d.set_item("assistant", assistant)?;
        Ok(d)
    }

    /// The whole report as JSON text: the document C's `ml_report_json`
    /// gives (infinite readings as null).
    fn to_json(&self) -> PyResult<String> {
        report_json(serde_json::to_string(&self.r))
    }

    fn __repr__(&self) -> String {
        format!(
            "MasterReport(target={:?}, before_lufs={:.2}, after_lufs={:.2}, after_true_peak_dbtp={:.2})",
            self.r.target.name,
            self.r.before.integrated_lufs,
            self.r.after.integrated_lufs,
            self.r.after.true_peak_dbtp
        )
    }
}

/// A report's JSON text, or the error as `ValueError`.
fn report_json(json: serde_json::Result<String>) -> PyResult<String> {
    json.map_err(|e| PyValueError::new_err(e.to_string()))
}

/// What `master_album` did: album loudness before and after, the album
/// gain, and each track's `MasterReport`.
#[pyclass(module = "masterlib", name = "AlbumReport", frozen)]
#[derive(Debug)]
pub struct AlbumReport {
    r: CoreAlbum,
}

#[pymethods]
impl AlbumReport {
    /// Album loudness of the mixes (all tracks as one programme), LUFS.
    #[getter]
    fn album_lufs_before(&self) -> f64 {
        self.r.album_lufs_before
    }

    /// Album loudness of the masters, LUFS.
    #[getter]
    fn album_lufs_after(&self) -> f64 {
        self.r.album_lufs_after
    }

    /// Loudness change every track received, dB.
    #[getter]
    fn album_gain_db(&self) -> f64 {
        self.r.album_gain_db
    }

    /// Each track's report, in order.
    #[getter]
    fn tracks(&self) -> Vec<MasterReport> {
        self.r.tracks.iter().map(|r| MasterReport { r: r.clone() }).collect()
    }

    /// The whole report as JSON text, every track's included (as C's
    /// `ml_report_json`).
    fn to_json(&self) -> PyResult<String> {
        report_json(serde_json::to_string(&self.r))
    }

    fn __repr__(&self) -> String {
        format!(
            "AlbumReport(tracks={}, album_lufs_before={:.2}, album_lufs_after={:.2}, album_gain_db={:.2})",
            self.r.tracks.len(),
            self.r.album_lufs_before,
            self.r.album_lufs_after,
            self.r.album_gain_db
        )
    }
}

/// The chain to use: `chain` if given, else the preset; then `target`.
pub(crate) fn resolve_chain(
    preset: &str,
    target: Option<&str>,
    chain: Option<&MasteringChain>,
) -> PyResult<CoreChain> {
    let mut c = match chain {
        Some(c) => c.clone(),
        None => MasteringChain::new(preset, None)?,
    };
    if let Some(t) = target {
        c.set_target(t)?;
    }
    Ok(c.inner)
}

/// Planar views of audio read with `read_audio_ref`.
pub(crate) fn planar(data: &[f32], samples: usize, channels: usize) -> Vec<&[f32]> {
    if samples == 0 { vec![&[]; channels] } else { data.chunks(samples).collect() }
}

/// Masters a mix: 1-D mono or `(channels, samples)` stereo at `sample_rate`
/// through `chain` (or the `preset`), to `target` (a name from
/// `masterlib.targets()`; default: the chain's). Returns `(audio, report)`:
/// the master (float32, same shape and rate, aligned with the input) and a
/// `MasterReport`. The master reads within 0.1 LU of the target where the
/// limiter allows and at or below its true-peak ceiling. Raises
/// `ValueError` for more than 2 channels, empty audio, NaN or infinite
/// samples, or an unknown preset or target. With a `reference` (audio at
/// `sample_rate`, a list of such references, or a `Profile`), the chain is
/// first matched to it (tonal balance, loudness, width, dynamics; the
/// chain's matching strengths) and the report's `matching` says how.
/// `progress(fraction)` is told the fraction done; returning False
/// cancels with `masterlib.Cancelled`. With `assistant=True` the chain is
/// set up from the mix by `assist` (with `character` and `intensity`; a
/// `reference` then gives the tonal target instead of being matched) and
/// the report's `assistant` explains it; `preset` and `chain` are not used
/// then.
#[pyfunction]
#[pyo3(signature = (x, sample_rate, target = None, preset = "streaming", reference = None, chain = None, *, assistant = false, character = None, intensity = 0.5, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn master<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sample_rate: f64,
    target: Option<&str>,
    preset: &str,
    reference: Option<&Bound<'py, PyAny>>,
    chain: Option<&MasteringChain>,
    assistant: bool,
    character: Option<&Bound<'py, PyAny>>,
    intensity: f64,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, MasterReport)> {
    if assistant && chain.is_some() {
        return Err(PyValueError::new_err("master: pass either chain or assistant=True"));
    }
    let assisted = assistant
        .then(|| {
            let t = target.unwrap_or("spotify");
            crate::assist::assist_options(py, t, character, intensity, reference, sample_rate)
        })
        .transpose()?;
    let c = resolve_chain(preset, target, chain)?;
    let reference = match assisted {
        Some(_) => None,
        None => reference.map(|r| reference_profile(py, r, sample_rate)).transpose()?,
    };
    let (shape, data) = read_audio_ref(x)?;
    let views = planar(&data, shape.samples, shape.channels);
    let (out, r) = with_progress(py, progress, |p| match &assisted {
        Some(o) => core::master_assisted(&views, sample_rate, o, p),
        None => core::master_with(&views, sample_rate, &c, reference.as_ref(), p),
    })?
    .map_err(value_error)?;
    drop(data);
    let flat: Vec<f32> = out.concat();
    Ok((to_numpy(py, flat, shape.channels, shape.samples, shape.one_d)?, MasterReport { r }))
}

/// Masters an album: a list of mixes (each 1-D mono or `(channels,
/// samples)`, the same channel count) at `sample_rate` through the same
/// chain, so that the album as one programme sits at the target while the
/// tracks keep their relative loudness. Returns `(masters, AlbumReport)`.
/// `progress` as for `master`.
#[pyfunction]
#[pyo3(signature = (tracks, sample_rate, target = None, preset = "streaming", chain = None, *, progress = None))]
pub fn master_album<'py>(
    py: Python<'py>,
    tracks: Vec<Bound<'py, PyAny>>,
    sample_rate: f64,
    target: Option<&str>,
    preset: &str,
    chain: Option<&MasteringChain>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Vec<Bound<'py, PyAny>>, AlbumReport)> {
    let c = resolve_chain(preset, target, chain)?;
    let read: Vec<_> = tracks.iter().map(read_audio_ref).collect::<PyResult<_>>()?;
    let views: Vec<Vec<&[f32]>> =
        read.iter().map(|(s, d)| planar(d, s.samples, s.channels)).collect();
    let (outs, r) =
        with_progress(py, progress, |p| core::master_album(&views, sample_rate, &c, p))?
            .map_err(value_error)?;
    let arrays = outs
        .into_iter()
        .zip(&read)
        .map(|(o, (s, _))| to_numpy(py, o.concat(), s.channels, s.samples, s.one_d))
        .collect::<PyResult<_>>()?;
    Ok((arrays, AlbumReport { r }))
}

/// Normalizes audio to a loudness `target` (a name from
/// `masterlib.targets()`): one analysis predicts the gain, then gain and a
/// true-peak limiter at the target's ceiling run while the output is
/// measured (a correction pass follows only if it misses by more than
/// 0.05 LU). The sample rate never changes. Returns `(audio, report)`.
#[pyfunction]
#[pyo3(signature = (x, sample_rate, target = "spotify"))]
pub fn normalize<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    sample_rate: f64,
    target: &str,
) -> PyResult<(Bound<'py, PyAny>, NormalizeReport)> {
    let t = Target::by_name(target)
        .map_err(|_| PyValueError::new_err(Target::unknown_name_message(target)))?;
    let limiter = core::mastering_limiter();
    let (shape, data) = read_audio_ref(x)?;
    let views = planar(&data, shape.samples, shape.channels);
    let (out, r) =
        py.detach(|| core::normalize(&views, sample_rate, &t, &limiter)).map_err(value_error)?;
    drop(data);
    Ok((to_numpy(py, out.concat(), shape.channels, shape.samples, shape.one_d)?, r.into()))
}

/// What a track sounds like, for reference matching: loudness (integrated,
/// of its loud part), true peak, PLR, crest factor, loudness range, stereo
/// width (side to mid energy, dB) and the mid and side spectra on a
/// 1/24-octave grid (`frequencies`, relative to the loud part's loudness).
/// Save it with `to_json` and apply it to other tracks or stems with
/// `master(..., reference=profile)` or `match_reference`.
#[pyclass(module = "masterlib", name = "Profile", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub(crate) inner: CoreProfile,
}

#[pymethods]
impl Profile {
    /// Analyses audio (1-D mono or `(channels, samples)`) at `sample_rate`.
    #[staticmethod]
    fn analyze(py: Python<'_>, x: &Bound<'_, PyAny>, sample_rate: f64) -> PyResult<Self> {
        let (shape, data) = read_audio_ref(x)?;
        let views = planar(&data, shape.samples, shape.channels);
        let inner = py.detach(|| CoreProfile::analyze(&views, sample_rate)).map_err(value_error)?;
        Ok(Self { inner })
    }

    /// The power average of several profiles (several references).
    #[staticmethod]
    fn average(profiles: Vec<PyRef<'_, Profile>>) -> PyResult<Self> {
        let all: Vec<CoreProfile> = profiles.iter().map(|p| p.inner.clone()).collect();
        Ok(Self { inner: CoreProfile::average(&all).map_err(value_error)? })
    }

    /// A profile from its JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner: CoreProfile = serde_json::from_str(text)
            .map_err(|e| PyValueError::new_err(format!("Profile: {e}")))?;
        inner.check().map_err(value_error)?;
        Ok(Self { inner })
    }

    /// The profile as JSON text.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| PyValueError::new_err(format!("Profile: {e}")))
    }

    /// Sample rate of the analysed audio, Hz.
    #[getter]
    fn sample_rate(&self) -> f64 {
        self.inner.sample_rate
    }

    /// Integrated loudness, LUFS.
    #[getter]
    fn integrated_lufs(&self) -> f64 {
        self.inner.integrated_lufs
    }

    /// True peak, dBTP.
    #[getter]
    fn true_peak_dbtp(&self) -> f64 {
        self.inner.true_peak_dbtp
    }

    /// Peak-to-loudness ratio, dB.
    #[getter]
    fn plr_db(&self) -> f64 {
        self.inner.plr_db
    }

    /// Crest factor of the loud part, dB.
    #[getter]
    fn crest_db(&self) -> f64 {
        self.inner.crest_db
    }

    /// Loudness range, LU.
    #[getter]
    fn loudness_range_lu(&self) -> f64 {
        self.inner.loudness_range_lu
    }

    /// Side to mid energy, dB (-inf for mono).
    #[getter]
    fn width_db(&self) -> f64 {
        self.inner.width_db
    }

    /// Grid frequencies of the spectra, Hz.
    #[getter]
    fn frequencies(&self) -> Vec<f64> {
        self.inner.frequencies()
    }

    /// Mid spectrum on the grid, dB.
    #[getter]
    fn mid_db(&self) -> Vec<f64> {
        self.inner.mid_db.clone()
    }

    /// Side spectrum on the grid, dB (empty for mono).
    #[getter]
    fn side_db(&self) -> Vec<f64> {
        self.inner.side_db.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Profile(integrated_lufs={:.2}, plr_db={:.2}, crest_db={:.2}, width_db={:.2})",
            self.inner.integrated_lufs, self.inner.plr_db, self.inner.crest_db, self.inner.width_db
        )
    }
}

/// The profile of a `reference`: a `Profile`, audio, or a list of either
/// (averaged).
fn reference_profile(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    sample_rate: f64,
) -> PyResult<CoreProfile> {
    match reference_profiles(py, reference, sample_rate)?.as_slice() {
        [one] => Ok(one.clone()),
        all => CoreProfile::average(all).map_err(value_error),
    }
}

/// The profiles of `references`: a `Profile`, audio, or a list of either.
pub(crate) fn reference_profiles(
    py: Python<'_>,
    references: &Bound<'_, PyAny>,
    sample_rate: f64,
) -> PyResult<Vec<CoreProfile>> {
    if let Ok(p) = references.cast::<Profile>() {
        return Ok(vec![p.get().inner.clone()]);
    }
    if let Ok(list) = references.cast::<PyList>() {
        return list.iter().map(|r| reference_profile(py, &r, sample_rate)).collect();
    }
    Ok(vec![Profile::analyze(py, references, sample_rate)?.inner])
}

/// Matches a mix to a reference and does nothing else: tonal balance (a
/// linear-phase EQ of mid and side), loudness (the reference's integrated
/// loudness, true-peak limited at -1 dBTP), stereo width and dynamics, each
/// with a strength from 0 to 1. `reference`: audio at `sample_rate`, a list
/// of references (averaged) or a `Profile`. The sample rate never changes.
/// Returns `(audio, MasterReport)`. `progress` as for `master`.
#[pyfunction]
#[pyo3(signature = (x, reference, sample_rate, tonal = 1.0, loudness = 1.0, width = 0.5, dynamics = 0.5, *, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn match_reference<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    reference: &Bound<'py, PyAny>,
    sample_rate: f64,
    tonal: f64,
    loudness: f64,
    width: f64,
    dynamics: f64,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, MasterReport)> {
    let matching = Matching { tonal, loudness, width, dynamics };
    matching.validate().map_err(value_error)?;
    let profile = reference_profile(py, reference, sample_rate)?;
    let (shape, data) = read_audio_ref(x)?;
    let views = planar(&data, shape.samples, shape.channels);
    let (out, r) = with_progress(py, progress, |p| {
        core::match_reference(&views, sample_rate, &profile, matching, p)
    })?
    .map_err(value_error)?;
    drop(data);
    Ok((
        to_numpy(py, out.concat(), shape.channels, shape.samples, shape.one_d)?,
        MasterReport { r },
    ))
}

/// Mean absolute difference of 1/3-octave band levels (40 Hz to 16 kHz) of
/// the mid signals of `a` and `b` after aligning them by integrated
/// loudness, dB: the tonal-balance error of a match.
#[pyfunction]
pub fn third_octave_error_db(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    sample_rate: f64,
) -> PyResult<f64> {
    let (sa, da) = read_audio_ref(a)?;
    let (sb, db) = read_audio_ref(b)?;
    let (va, vb) = (planar(&da, sa.samples, sa.channels), planar(&db, sb.samples, sb.channels));
    py.detach(|| core::third_octave_error_db(&va, &vb, sample_rate)).map_err(value_error)
}
