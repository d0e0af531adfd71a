//! `Mixer`: the multitrack mixing session over dsp-core's mixer.
//!
//! The Python objects hold the session's description: each track's audio
//! (the caller's array, borrowed when rendering, never copied whole), its
//! strip settings (read and written through the strip's parameter table),
//! its inserts (a `Chain`), sends and automation; each bus's settings and
//! inserts. `render` turns them into the core's `Session`, builds the core
//! mixer from it and renders with the GIL released, reading every track
//! block by block. `to_json` writes the same `Session`; `from_json` reads it
//! back, given the audio per track name.

use std::collections::BTreeMap;

use dsp_core::Error;
use dsp_core::mixer::{
    BusData, BusStrip, LaneData, Mixer as CoreMixer, SESSION_VERSION, SendData, Session, TrackData,
    TrackSource, TrackStrip,
};
use dsp_core::params::{DynProcessor, KindInfo, Params};
use dsp_core::preset::{self, Preset};
use numpy::{PyArray2, PyUntypedArray};
use numpy::{PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::audio::value_error;
use crate::audio::{Samples, Shape, View, audio_shape, float_array};
use crate::chain::Chain;
use crate::params::{from_py, to_py};
use crate::processor::{BLOCK, PyProcessor};
use crate::progress::with_progress;

fn core_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Reads a strip attribute through the strip's table.
fn get_param<'py>(
    py: Python<'py>,
    p: &dyn DynProcessor,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = p.kind();
    let i = kind
        .index_of(name)
        .map_err(|e| pyo3::exceptions::PyAttributeError::new_err(e.to_string()))?;
    to_py(py, &kind.params[i], p.param(i).unwrap_or(f64::NAN))
}

/// Writes a strip attribute through the strip's table (checked).
fn set_param(
    class: &str,
    p: &mut dyn DynProcessor,
    name: &str,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let kind: &'static KindInfo = p.kind();
    let i = kind
        .index_of(name)
        .map_err(|e| pyo3::exceptions::PyAttributeError::new_err(e.to_string()))?;
    let v = from_py(&|| class.to_string(), &kind.params[i], value)?;
    p.set_param(i, v).map_err(core_error)
}

/// A new empty `Chain`, or `inserts` checked to be processors.
fn new_chain(py: Python<'_>, inserts: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    let chain = py.get_type::<Chain>();
    Ok(match inserts {
        Some(x) if x.is_instance_of::<Chain>() => x.clone().unbind(),
        Some(x) => chain.call1((x,))?.unbind(),
        None => chain.call0()?.unbind(),
    })
}

/// The members of a chain object as presets.
fn chain_members(py: Python<'_>, chain: &Py<PyAny>) -> PyResult<Vec<Preset>> {
    Ok(crate::preset::save(chain.bind(py).cast::<PyProcessor>()?)?.members)
}

/// A `Chain` object made from presets.
fn chain_from(py: Python<'_>, members: &[Preset]) -> PyResult<Py<PyAny>> {
    let p = Preset { members: members.to_vec(), ..preset::save(&dsp_core::Chain::new()) };
    let text = serde_json::to_string(&p).map_err(core_error)?;
    Ok(crate::preset::from_json(&py.get_type::<Chain>(), &text)?.unbind())
}

fn lanes(list: &[(String, Vec<f64>, Vec<f64>)]) -> Vec<LaneData> {
    list.iter()
        .map(|(p, t, v)| LaneData { parameter: p.clone(), times_s: t.clone(), values: v.clone() })
        .collect()
}

/// Checks breakpoints: as many times as values, finite.
fn automation(times_s: Vec<f64>, values: Vec<f64>) -> PyResult<(Vec<f64>, Vec<f64>)> {
    if times_s.len() != values.len() || times_s.is_empty() {
        return Err(PyValueError::new_err(format!(
            "automation needs as many times_s as values, at least one (got {} and {})",
            times_s.len(),
            values.len()
        )));
    }
    Ok((times_s, values))
}

/// Properties of a strip's parameters, read and written through its table.
macro_rules! strip_properties {
    ($ty:ident, $class:literal, { $($rest:tt)* } $($get:ident, $set:ident, $id:literal;)*) => {
        #[pymethods]
        impl $ty {
            /// The insert chain (a `Chain`; edit it in place or assign a new one).
            #[getter]
            fn inserts(&self, py: Python<'_>) -> Py<PyAny> {
                self.inserts.clone_ref(py)
            }

            #[setter]
            fn set_inserts(&mut self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
                self.inserts = new_chain(py, Some(value))?;
                Ok(())
            }

            $($rest)*
            $(
                #[doc = concat!("The strip's `", $id, "` (see `parameters` of the strip's table).")]
                #[getter]
                fn $get<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    get_param(py, &self.strip, $id)
                }

                #[setter]
                fn $set(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
                    set_param($class, &mut self.strip, $id, value)
                }
            )*
        }
    };
}

/// A mixer track: its audio, strip settings (`gain_db`, `pan`, `pan_law`,
/// `width`, `mute`, `solo`, `invert_polarity`), `inserts` (a `Chain`),
/// sends and automation. Made by `Mixer.add_track`.
#[pyclass(module = "masterlib", name = "MixerTrack")]
#[derive(Debug)]
pub struct Track {
    #[pyo3(get)]
    name: String,
    audio: Py<PyUntypedArray>,
    shape: Shape,
    strip: TrackStrip,
    inserts: Py<PyAny>,
    sends: Vec<SendData>,
    output: Option<String>,
    automation: Vec<(String, Vec<f64>, Vec<f64>)>,
}

/// The name of a `MixerBus` or a bus name.
fn bus_name(what: &str, bus: &Bound<'_, PyAny>) -> PyResult<String> {
    match bus.cast::<Bus>() {
        Ok(b) => Ok(b.borrow().name.clone()),
        Err(_) => bus.extract::<String>().map_err(|_| {
            PyTypeError::new_err(format!("{what}: bus must be a MixerBus or a bus name"))
        }),
    }
}

strip_properties!(Track, "MixerTrack", {
    /// Input channels (1 or 2).
    #[getter]
    fn channels(&self) -> usize {
        self.shape.channels
    }

    /// Sends this track to `bus` (a `MixerBus` or its name) at `level_db`,
    /// after the fader or (`pre_fader=True`) before it; replaces an earlier
    /// send to the same bus.
    #[pyo3(signature = (bus, level_db, pre_fader = false))]
    fn send(&mut self, bus: &Bound<'_, PyAny>, level_db: f64, pre_fader: bool) -> PyResult<()> {
        let name = bus_name("send", bus)?;
        dsp_core::mixer::SEND_LEVEL_DB.check(level_db).map_err(core_error)?;
        self.sends.retain(|s| s.bus != name);
        self.sends.push(SendData { bus: name, level_db, pre_fader });
        Ok(())
    }

    /// Routes this track's output to `bus` (a `MixerBus` or its name; a
    /// group bus) at unity after the fader, instead of to the master; `None`
    /// (or `"master"`) routes it back. The bus is checked at render.
    fn route(&mut self, bus: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.output = match bus {
            None => None,
            Some(b) => Some(bus_name("route", b)?).filter(|n| n != "master"),
        };
        Ok(())
    }

    /// The name of the bus the track is routed to, or None for the master.
    #[getter]
    fn output(&self) -> Option<String> {
        self.output.clone()
    }

    /// Automates `parameter` (a strip parameter such as `"gain_db"`, an
    /// insert's as `"inserts.0.cutoff_hz"`, a send level as
    /// `"sends.<bus>.level_db"`) through breakpoints `times_s` (seconds,
    /// non-decreasing) and `values`: straight lines between them, held
    /// before the first and after the last. Checked fully at render.
    fn automate(&mut self, parameter: String, times_s: Vec<f64>, values: Vec<f64>) -> PyResult<()> {
        let (t, v) = automation(times_s, values)?;
        self.automation.retain(|(p, ..)| *p != parameter);
        self.automation.push((parameter, t, v));
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "MixerTrack({:?}, channels={}, gain_db={}, pan={})",
            self.name,
            self.shape.channels,
            self.strip.gain_db(),
            self.strip.pan()
        )
    }
}
    gain_db, set_gain_db, "gain_db";
    pan, set_pan, "pan";
    pan_law, set_pan_law, "pan_law";
    width, set_width, "width";
    mute, set_mute, "mute";
    solo, set_solo, "solo";
    invert_polarity, set_invert_polarity, "invert_polarity";
);

/// An aux bus or the master: strip settings (`gain_db`, `mute`, `solo`,
/// `solo_safe`), `inserts` and automation. Made by `Mixer.add_bus`; the
/// master is `Mixer.master`.
#[pyclass(module = "masterlib", name = "MixerBus")]
#[derive(Debug)]
pub struct Bus {
    #[pyo3(get)]
    name: String,
    strip: BusStrip,
    inserts: Py<PyAny>,
    automation: Vec<(String, Vec<f64>, Vec<f64>)>,
}

strip_properties!(Bus, "MixerBus", {
    /// Automates `parameter` (as `MixerTrack.automate`, without sends).
    fn automate(&mut self, parameter: String, times_s: Vec<f64>, values: Vec<f64>) -> PyResult<()> {
        let (t, v) = automation(times_s, values)?;
        self.automation.retain(|(p, ..)| *p != parameter);
        self.automation.push((parameter, t, v));
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!("MixerBus({:?}, gain_db={})", self.name, self.strip.gain_db())
    }
}
    gain_db, set_gain_db, "gain_db";
    mute, set_mute, "mute";
    solo, set_solo, "solo";
    solo_safe, set_solo_safe, "solo_safe";
);

impl Bus {
    fn new(py: Python<'_>, name: &str, inserts: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Ok(Self {
            name: name.into(),
            strip: BusStrip::default(),
            inserts: new_chain(py, inserts)?,
            automation: Vec::new(),
        })
    }

    fn data(&self, py: Python<'_>) -> PyResult<BusData> {
        Ok(BusData {
            name: self.name.clone(),
            params: preset::save(&self.strip).params,
            inserts: chain_members(py, &self.inserts)?,
            automation: lanes(&self.automation),
        })
    }

    fn from_data(py: Python<'_>, d: &BusData) -> PyResult<Self> {
        let mut strip = BusStrip::default();
        restore(&mut strip, &d.params)?;
        Ok(Self {
            name: d.name.clone(),
            strip,
            inserts: chain_from(py, &d.inserts)?,
            automation: d
                .automation
                .iter()
                .map(|l| (l.parameter.clone(), l.times_s.clone(), l.values.clone()))
                .collect(),
        })
    }
}

fn restore(p: &mut dyn DynProcessor, params: &BTreeMap<String, preset::Value>) -> PyResult<()> {
    let mut saved = preset::save(p);
    saved.params = params.clone();
    preset::restore(p, &saved).map_err(core_error)
}

/// Why a render into a Python sink stopped.
enum SinkError {
    Core(Error),
    Py(PyErr),
}

impl From<Error> for SinkError {
    fn from(e: Error) -> Self {
        Self::Core(e)
    }
}

impl From<PyErr> for SinkError {
    fn from(e: PyErr) -> Self {
        Self::Py(e)
    }
}

/// The tracks' audio, read block by block with the GIL released.
struct Views<'a>(Vec<View<'a>>);

impl TrackSource for Views<'_> {
    fn read(&self, track: usize, start: usize, out: &mut [&mut [f32]]) {
        if let [mono] = out {
            // One channel: straight into the track's buffer.
            let n = mono.len();
            self.0[track].copy_block(start, n, mono, n);
            return;
        }
        let n = out.first().map_or(0, |c| c.len());
        let mut buf = [0.0f32; 2 * BLOCK];
        for piece in (0..n).step_by(BLOCK) {
            let m = BLOCK.min(n - piece);
            self.0[track].copy_block(start + piece, m, &mut buf, BLOCK);
            for (c, o) in out.iter_mut().enumerate() {
                o[piece..piece + m].copy_from_slice(&buf[c * BLOCK..c * BLOCK + m]);
            }
        }
    }
}

/// A multitrack mixing session: tracks (mono or stereo audio, inserts,
/// fader, pan, width, mute, solo, polarity, sends), aux buses with their
/// own inserts (a shared reverb, a delay) returning into the master bus,
/// automatic latency compensation, automation, meters, JSON.
#[pyclass(module = "masterlib", name = "Mixer")]
#[derive(Debug)]
pub struct Mixer {
    #[pyo3(get)]
    sample_rate: f64,
    tracks: Vec<Py<Track>>,
    buses: Vec<Py<Bus>>,
    master: Py<Bus>,
    meters: Option<Py<PyDict>>,
}

#[pymethods]
impl Mixer {
    #[new]
    fn new(py: Python<'_>, sample_rate: f64) -> PyResult<Self> {
        CoreMixer::new(sample_rate, BLOCK).map_err(core_error)?;
        Ok(Self {
            sample_rate,
            tracks: Vec::new(),
            buses: Vec::new(),
            master: Py::new(py, Bus::new(py, "master", None)?)?,
            meters: None,
        })
    }

    /// Adds a track playing `audio` (`(samples,)` mono, or `(2, samples)`
    /// stereo, float32 or float64; every track as long as the first) and
    /// returns it. Keyword arguments set its strip and inserts.
    #[pyo3(signature = (name, audio, gain_db = 0.0, pan = 0.0, *, pan_law = "constant_power",
                        width = 1.0, mute = false, solo = false, invert_polarity = false, inserts = None))]
    #[allow(clippy::too_many_arguments)]
    fn add_track(
        &mut self,
        py: Python<'_>,
        name: &str,
        audio: &Bound<'_, PyAny>,
        gain_db: f64,
        pan: f64,
        pan_law: &str,
        width: f64,
        mute: bool,
        solo: bool,
        invert_polarity: bool,
        inserts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<Track>> {
        if self.tracks.iter().any(|t| t.borrow(py).name == name) {
            return Err(PyValueError::new_err(format!("a track called {name:?} exists")));
        }
        let array = float_array(audio)?;
        let shape = audio_shape(array.shape())?;
        if shape.channels > 2 {
            return Err(PyValueError::new_err(format!(
                "track {name:?}: audio has {} channels; a track is mono (samples,) or stereo (2, samples)",
                shape.channels
            )));
        }
        if let Some(first) = self.tracks.first() {
            let want = first.borrow(py).shape.samples;
            if want != shape.samples {
                return Err(PyValueError::new_err(format!(
                    "track {name:?} has {} samples, the session's tracks have {want}: pad or trim the stems to one length",
                    shape.samples
                )));
            }
        }
        check_finite(name, &array, shape)?;
        let mut strip = TrackStrip::new(shape.channels).map_err(core_error)?;
        let class = || "MixerTrack".to_string();
        for (id, v) in [
            ("gain_db", gain_db.into_pyobject(py)?.into_any()),
            ("pan", pan.into_pyobject(py)?.into_any()),
            ("pan_law", PyString::new(py, pan_law).into_any()),
            ("width", width.into_pyobject(py)?.into_any()),
            ("mute", mute.into_pyobject(py)?.to_owned().into_any()),
            ("solo", solo.into_pyobject(py)?.to_owned().into_any()),
            ("invert_polarity", invert_polarity.into_pyobject(py)?.to_owned().into_any()),
        ] {
            let i = <TrackStrip as dsp_core::params::Declared>::KIND
                .index_of(id)
                .map_err(core_error)?;
            let value =
                from_py(&class, &<TrackStrip as dsp_core::params::Declared>::KIND.params[i], &v)?;
            strip.set_param(i, value).map_err(core_error)?;
        }
        let track = Track {
            name: name.into(),
            audio: array.unbind(),
            shape,
            strip,
            inserts: new_chain(py, inserts)?,
            sends: Vec::new(),
            output: None,
            automation: Vec::new(),
        };
        let t = Py::new(py, track)?;
        self.tracks.push(t.clone_ref(py));
        Ok(t)
    }

    /// Adds a stereo aux bus with `inserts` (processors or a `Chain`) and
    /// returns it.
    #[pyo3(signature = (name, inserts = None))]
    fn add_bus(
        &mut self,
        py: Python<'_>,
        name: &str,
        inserts: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<Bus>> {
        if self.buses.iter().any(|b| b.borrow(py).name == name) || name == "master" {
            return Err(PyValueError::new_err(format!("a bus called {name:?} exists")));
        }
        let b = Py::new(py, Bus::new(py, name, inserts)?)?;
        self.buses.push(b.clone_ref(py));
        Ok(b)
    }

    /// The tracks, in order.
    #[getter]
    fn tracks(&self, py: Python<'_>) -> Vec<Py<Track>> {
        self.tracks.iter().map(|t| t.clone_ref(py)).collect()
    }

    /// The aux buses, in order.
    #[getter]
    fn buses(&self, py: Python<'_>) -> Vec<Py<Bus>> {
        self.buses.iter().map(|b| b.clone_ref(py)).collect()
    }

    /// The master bus (its `inserts` are the mix bus chain).
    #[getter]
    fn master(&self, py: Python<'_>) -> Py<Bus> {
        self.master.clone_ref(py)
    }

    /// Total latency of the session in samples (compensated by `render`).
    #[getter]
    fn latency_samples(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.core(py)?.latency())
    }

    /// Renders the mix: `(2, samples)` float32, aligned with the tracks
    /// (latency removed), plus the reverb and delay tails if `tail=True`.
    /// With `sink` (a callable), each block of at most 32768 samples is handed
    /// to it as a `(2, n)` float32 array instead, and None is returned: long
    /// sessions then never hold the whole mix. Tracks render on `threads`
    /// threads (default: the CPU count); the output does not depend on it.
    /// Meters are read afterwards with `meters()`; `meters=False` skips
    /// them (faster: each track and bus meter K-weights its output).
    /// `progress(fraction)` is told the fraction rendered; returning False
    /// cancels with `masterlib.Cancelled`.
    #[pyo3(signature = (tail = false, sink = None, threads = None, meters = true, *, progress = None))]
    fn render<'py>(
        &mut self,
        py: Python<'py>,
        tail: bool,
        sink: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
        meters: bool,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.tracks.is_empty() {
            return Err(PyValueError::new_err("the mixer has no tracks: add_track first"));
        }
        self.meters = None;
        let mut mx = self.core(py)?;
        if !meters {
            mx.set_metering(false);
            mx.prepare().map_err(core_error)?;
        }
        let threads =
            threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        mx.set_threads(threads.clamp(1, self.tracks.len().max(1))).map_err(core_error)?;
        let arrays: Vec<Bound<'py, PyUntypedArray>> =
            self.tracks.iter().map(|t| t.borrow(py).audio.bind(py).clone()).collect();
        let samples: Vec<Samples<'py>> =
            arrays.iter().map(Samples::new).collect::<PyResult<_>>()?;
        let shapes: Vec<Shape> = self.tracks.iter().map(|t| t.borrow(py).shape).collect();
        let views =
            Views(samples.iter().zip(&shapes).map(|(s, sh)| s.view(*sh)).collect::<PyResult<_>>()?);
        let len = shapes[0].samples;
        let total = mx.render_length(len, tail);
        let result = match sink {
            None => {
                // A NumPy array from the start: its allocator asks for huge
                // pages, so the first touch of a long mix costs little.
                let array = PyArray2::<f32>::zeros(py, [2, total], false);
                let mut guard = array.readwrite();
                let out = guard.as_slice_mut()?;
                let mut at = 0;
                with_progress(py, progress, |p| {
                    mx.render(&views, len, tail, |b: &[&[f32]]| {
                        let n = b[0].len();
                        out[at..at + n].copy_from_slice(b[0]);
                        out[total + at..total + at + n].copy_from_slice(b[1]);
                        at += n;
                        p.report(at as f64 / total as f64)
                    })
                })?
                .map_err(value_error)?;
                drop(guard);
                Some(array.into_any())
            }
            Some(sink) => {
                let sink = sink.clone().unbind();
                let mut at = 0;
                with_progress(py, progress, |p| {
                    mx.render(&views, len, tail, |b: &[&[f32]]| {
                        Python::attach(|py| {
                            let block = PyArray2::from_vec2(py, &[b[0].to_vec(), b[1].to_vec()])
                                .map_err(|e| SinkError::Py(PyValueError::new_err(e.to_string())))?;
                            sink.call1(py, (block,))?;
                            Ok::<(), SinkError>(())
                        })?;
                        at += b[0].len();
                        p.report(at as f64 / total as f64).map_err(SinkError::Core)
                    })
                })?
                .map_err(|e| match e {
                    SinkError::Core(e) => value_error(e),
                    SinkError::Py(e) => e,
                })?;
                None
            }
        };
        if meters {
            self.meters = Some(meter_readings(py, &mx, &self.tracks, &self.buses)?.unbind());
        }
        Ok(result)
    }

    /// The meters of the last render: `{"tracks": {name: m}, "buses":
    /// {name: m}, "master": m}` with `m` a dict of `sample_peak_dbfs`,
    /// `integrated_lufs`, `max_momentary_lufs`, `max_short_term_lufs`
    /// (post-fader).
    fn meters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        match &self.meters {
            Some(m) => Ok(m.bind(py).clone()),
            None => Err(PyValueError::new_err("no meters: render first (with meters=True)")),
        }
    }

    /// Sets the track faders so that each track sits at `reference_lufs`
    /// plus its offset (LU, from `offsets_lu`, a dict by track name; 0 for
    /// tracks not named), measured after its inserts: a starting balance.
    /// Returns the faders set, by track name.
    #[pyo3(signature = (offsets_lu = None, reference_lufs = -23.0))]
    fn balance<'py>(
        &mut self,
        py: Python<'py>,
        offsets_lu: Option<BTreeMap<String, f64>>,
        reference_lufs: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let offsets_lu = offsets_lu.unwrap_or_default();
        let names: Vec<String> = self.tracks.iter().map(|t| t.borrow(py).name.clone()).collect();
        if let Some(bad) = offsets_lu.keys().find(|k| !names.contains(k)) {
            return Err(PyValueError::new_err(format!("balance: no track called {bad:?}")));
        }
        let offsets: Vec<f64> =
            names.iter().map(|n| offsets_lu.get(n).copied().unwrap_or(0.0)).collect();
        let mut mx = self.core(py)?;
        let arrays: Vec<Bound<'py, PyUntypedArray>> =
            self.tracks.iter().map(|t| t.borrow(py).audio.bind(py).clone()).collect();
        let samples: Vec<Samples<'py>> =
            arrays.iter().map(Samples::new).collect::<PyResult<_>>()?;
        let shapes: Vec<Shape> = self.tracks.iter().map(|t| t.borrow(py).shape).collect();
        let views =
            Views(samples.iter().zip(&shapes).map(|(s, sh)| s.view(*sh)).collect::<PyResult<_>>()?);
        let len = shapes.first().map_or(0, |s| s.samples);
        let faders =
            py.detach(|| mx.balance(&views, len, &offsets, reference_lufs)).map_err(core_error)?;
        let out = PyDict::new(py);
        for ((t, name), g) in self.tracks.iter().zip(&names).zip(faders) {
            t.borrow_mut(py).strip.set_gain_db(g).map_err(core_error)?;
            out.set_item(name, g)?;
        }
        Ok(out)
    }

    /// The session as JSON (tracks with strips, inserts, sends and
    /// automation; buses; master). Audio is not included.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string_pretty(&self.session(py)?).map_err(core_error)
    }

    /// A mixer from `to_json` text, with each track's audio from `audio`
    /// (a dict by track name).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str, audio: &Bound<'_, PyDict>) -> PyResult<Self> {
        let session: Session = serde_json::from_str(text)
            .map_err(|e| PyValueError::new_err(format!("invalid mixer JSON: {e}")))?;
        // The core checks everything (kinds, parameters, buses, paths).
        CoreMixer::from_session(&session, BLOCK).map_err(core_error)?;
        let mut mx = Mixer::new(py, session.sample_rate)?;
        for b in &session.buses {
            mx.buses.push(Py::new(py, Bus::from_data(py, b)?)?);
        }
        mx.master = Py::new(py, Bus::from_data(py, &session.master)?)?;
        for t in &session.tracks {
            let x = audio.get_item(&t.name)?.ok_or_else(|| {
                PyValueError::new_err(format!("from_json: no audio given for track {:?}", t.name))
            })?;
            let track = mx.add_track(
                py,
                &t.name,
                &x,
                0.0,
                0.0,
                "constant_power",
                1.0,
                false,
                false,
                false,
                None,
            )?;
            let mut tr = track.borrow_mut(py);
            if tr.shape.channels != t.channels {
                return Err(PyValueError::new_err(format!(
                    "from_json: track {:?} is {}-channel in the session, its audio has {}",
                    t.name, t.channels, tr.shape.channels
                )));
            }
            restore(&mut tr.strip, &t.params)?;
            tr.inserts = chain_from(py, &t.inserts)?;
            tr.sends = t.sends.clone();
            tr.output = t.output.clone();
            tr.automation = t
                .automation
                .iter()
                .map(|l| (l.parameter.clone(), l.times_s.clone(), l.values.clone()))
                .collect();
        }
        Ok(mx)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let names: Vec<String> =
            self.tracks.iter().map(|t| format!("{:?}", t.borrow(py).name)).collect();
        format!(
            "Mixer({}, tracks=[{}], buses={})",
            self.sample_rate,
            names.join(", "),
            self.buses.len()
        )
    }
}

impl Mixer {
    fn session(&self, py: Python<'_>) -> PyResult<Session> {
        let tracks = self
            .tracks
            .iter()
            .map(|t| {
                let t = t.borrow(py);
                Ok(TrackData {
                    name: t.name.clone(),
                    channels: t.shape.channels,
                    params: preset::save(&t.strip).params,
                    inserts: chain_members(py, &t.inserts)?,
                    sends: t.sends.clone(),
                    output: t.output.clone(),
                    automation: lanes(&t.automation),
                })
            })
            .collect::<PyResult<_>>()?;
        Ok(Session {
            version: SESSION_VERSION,
            sample_rate: self.sample_rate,
            tracks,
            buses: self.buses.iter().map(|b| b.borrow(py).data(py)).collect::<PyResult<_>>()?,
            master: self.master.borrow(py).data(py)?,
        })
    }

    /// The core mixer of the current settings, prepared.
    fn core(&self, py: Python<'_>) -> PyResult<CoreMixer> {
        CoreMixer::from_session(&self.session(py)?, BLOCK).map_err(core_error)
    }
}

/// Refuses NaN or infinite samples, naming the first.
fn check_finite(name: &str, array: &Bound<'_, PyUntypedArray>, shape: Shape) -> PyResult<()> {
    let samples = Samples::new(array)?;
    let view = samples.view(shape)?;
    let mut buf = vec![0.0f32; 2 * BLOCK];
    let mut start = 0;
    while start < shape.samples {
        let n = BLOCK.min(shape.samples - start);
        view.copy_block(start, n, &mut buf, BLOCK);
        for c in 0..shape.channels {
            if let Some(i) = buf[c * BLOCK..c * BLOCK + n].iter().position(|v| !v.is_finite()) {
                return Err(PyValueError::new_err(format!(
                    "track {name:?}: non-finite sample (NaN or Inf) at channel {c}, index {}",
                    start + i
                )));
            }
        }
        start += n;
    }
    Ok(())
}

fn meter_dict<'py>(
    py: Python<'py>,
    m: Option<&dsp_core::analysis::LoudnessMeter>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    if let Some(m) = m {
        d.set_item("sample_peak_dbfs", m.sample_peak_dbfs())?;
        d.set_item("integrated_lufs", m.integrated_lufs())?;
        d.set_item("max_momentary_lufs", m.max_momentary_lufs())?;
        d.set_item("max_short_term_lufs", m.max_short_term_lufs())?;
    }
    Ok(d)
}

fn meter_readings<'py>(
    py: Python<'py>,
    mx: &CoreMixer,
    tracks: &[Py<Track>],
    buses: &[Py<Bus>],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let t = PyDict::new(py);
    for (i, tr) in tracks.iter().enumerate() {
        t.set_item(&tr.borrow(py).name, meter_dict(py, mx.track(i).and_then(|x| x.meter()))?)?;
    }
    let b = PyDict::new(py);
    for (i, bus) in buses.iter().enumerate() {
        b.set_item(&bus.borrow(py).name, meter_dict(py, mx.bus(i).and_then(|x| x.meter()))?)?;
    }
    out.set_item("tracks", t)?;
    out.set_item("buses", b)?;
    out.set_item("master", meter_dict(py, mx.master().meter())?)?;
    Ok(out)
}
