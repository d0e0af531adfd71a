//! Dynamics: the base class `Dynamics` of the kinds with a gain-reduction
//! output (`Compressor`, `Expander`, `NoiseGate`, `DeEsser`, `Limiter`,
//! `DynamicBand`, made from the registry), and the hand-written
//! `MultibandCompressor`, whose bands are `Compressor` objects, and
//! `DynamicEq`, whose bands are `DynamicBand` objects.

use dsp_core::Error;
use dsp_core::bypass::Bypassable;
use dsp_core::dynamics;
use dsp_core::params::Params;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::params::{bypass_repr, class_error};
use crate::processor::{LinkMode, PyProcessor, Unit};

/// Base class of the dynamics processors, which report their gain
/// reduction (`process(..., return_gain_reduction=True)`); compressors,
/// expanders and gates also take a `sidechain`. Not constructible itself.
#[pyclass(extends = PyProcessor, frozen, subclass, module = "masterlib", name = "Dynamics")]
#[derive(Debug)]
pub struct PyDynamics;

#[pymethods]
impl PyDynamics {
    #[new]
    #[classmethod]
    #[pyo3(signature = (*args, **kwargs))]
    fn new(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        Ok(PyClassInitializer::from(PyProcessor::construct(cls, args, kwargs)?).add_subclass(Self))
    }

    /// Gain reduction in dB (positive = reduction) after the last processed
    /// sample: largest over channels (and bands), excluding make-up and mix.
    #[getter]
    fn gain_reduction_db(slf: &Bound<'_, Self>) -> f32 {
        slf.as_super().get().with_unit(slf.py(), |u| {
            let Some(d) = u.node.dynamics() else { return 0.0 };
            (0..d.gain_reduction_rows()).map(|r| d.row_gain_reduction_db(r)).fold(0.0, f32::max)
        })
    }
}

/// Hands the targets of the band object `link` to `member`. With
/// [`LinkMode::Prepare`], a value above the prepared rate's Nyquist
/// frequency waits (sets `stale`) for the next preparation; with
/// [`LinkMode::Run`] a refused value is left for the next call.
fn sync_member(
    link: &PyProcessor,
    member: &mut dyn Params,
    mode: LinkMode,
    stale: &mut bool,
) -> Result<(), Error> {
    let shared = link.shared();
    for i in 0..shared.kind().params.len() {
        let v = shared.get(i).unwrap_or(f64::NAN);
        if member.param(i) == Some(v) {
            continue;
        }
        match member.set_param(i, v) {
            Ok(()) => {}
            Err(_) if mode == LinkMode::Run => {}
            Err(Error::AboveNyquist { .. }) if mode == LinkMode::Prepare => *stale = true,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Hands the band objects' targets to the band compressors of a multiband
/// compressor (`unit`), as [`sync_member`] does.
pub(crate) fn sync_bands(unit: &mut Unit, mode: LinkMode) -> Result<bool, Error> {
    let Unit { node, links, .. } = unit;
    let m: &mut dynamics::MultibandCompressor =
        node.as_any_mut().downcast_mut().expect("a multiband compressor");
    let mut stale = false;
    for (b, link) in links.iter().enumerate() {
        let Some(band) = m.band_mut(b) else { break };
        sync_member(link.get(), band, mode, &mut stale)?;
    }
    Ok(stale)
}

/// The band objects for `crossovers` (given, or new default compressors).
fn band_objects(
    py: Python<'_>,
    crossovers: usize,
    bands: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Py<PyProcessor>>> {
    let compressor = py.import("masterlib._masterlib")?.getattr("Compressor")?;
    let Some(bands) = bands else {
        return (0..=crossovers)
            .map(|_| Ok(compressor.call0()?.cast_into::<PyProcessor>()?.unbind()))
            .collect();
    };
    let mut links = Vec::new();
    for item in bands.try_iter()? {
        let item = item?;
        if !item.is_instance(&compressor)? {
            let name = item.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "MultibandCompressor bands must be Compressor objects, got {name}"
            )));
        }
        links.push(item.cast_into::<PyProcessor>()?.unbind());
    }
    if links.len() != crossovers + 1 {
        return Err(PyValueError::new_err(format!(
            "{} crossover(s) make {} bands, but {} band compressor(s) were given",
            crossovers,
            crossovers + 1,
            links.len()
        )));
    }
    Ok(links)
}

/// Multiband compressor: 2 to 5 bands split by Linkwitz-Riley crossovers
/// (all-pass compensated: unity bands sum flat), each band a `Compressor`.
/// The band compressors are live objects: changing one changes this.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct MultibandCompressor;

/// The base part of a multiband compressor.
fn base<'a>(slf: &'a Bound<'_, MultibandCompressor>) -> &'a PyProcessor {
    slf.as_super().as_super().get()
}

/// The band objects of a multiband compressor.
fn links(slf: &Bound<'_, MultibandCompressor>) -> Vec<Py<PyProcessor>> {
    let py = slf.py();
    let links = base(slf).with_unit(py, |u| u.links.clone());
    links.iter().map(|l| l.clone_ref(py)).collect()
}

/// The table index of crossover `c` (0-based): `crossover_{c + 1}_hz`.
fn crossover_index(c: usize) -> PyResult<usize> {
    let kind = &dynamics::MULTIBAND_COMPRESSOR_KIND;
    kind.index_of(&format!("crossover_{}_hz", c + 1)).map_err(|e| class_error(kind.class, e))
}

/// Runs `f` on the core multiband compressor.
fn with_core<R: Send>(
    slf: &Bound<'_, MultibandCompressor>,
    f: impl FnOnce(&mut dynamics::MultibandCompressor) -> R + Send,
) -> R {
    let this = base(slf);
    let shared = this.shared();
    this.with_unit(slf.py(), |u| {
        u.apply(shared);
        f(u.get_mut())
    })
}

#[pymethods]
impl MultibandCompressor {
    #[new]
    #[pyo3(text_signature = "(crossovers_hz=(200.0, 2000.0), bands=None, *, bypass=False)")]
    #[pyo3(signature = (crossovers_hz = vec![200.0, 2000.0], bands = None, *, bypass = false))]
    fn new(
        py: Python<'_>,
        crossovers_hz: Vec<f64>,
        bands: Option<&Bound<'_, PyAny>>,
        bypass: bool,
    ) -> PyResult<PyClassInitializer<Self>> {
        let what = "MultibandCompressor";
        let core =
            dynamics::MultibandCompressor::new(&crossovers_hz).map_err(|e| class_error(what, e))?;
        let links = band_objects(py, crossovers_hz.len(), bands)?;
        let base = PyProcessor::from_core(Box::new(Bypassable::new(core)), links, Some(sync_bands));
        base.with_unit(py, |u| sync_bands(u, LinkMode::Strict))
            .map_err(|e| class_error(what, e))?;
        let base = base.with_bypass(bypass)?;
        Ok(PyClassInitializer::from(base).add_subclass(PyDynamics).add_subclass(Self))
    }

    /// Crossover frequencies in Hz (one fewer than the bands): the
    /// parameters `crossover_1_hz`, `crossover_2_hz`... of the bands in
    /// use. They must ascend when processing starts.
    #[getter]
    fn crossovers_hz(slf: &Bound<'_, Self>) -> PyResult<Vec<f64>> {
        let shared = base(slf).shared();
        let count = links(slf).len() - 1;
        (0..count).map(|c| Ok(shared.get(crossover_index(c)?).unwrap_or(f64::NAN))).collect()
    }

    #[setter]
    fn set_crossovers_hz(slf: &Bound<'_, Self>, value: Vec<f64>) -> PyResult<()> {
        let count = links(slf).len() - 1;
        if value.len() != count {
            return Err(PyValueError::new_err(format!(
                "crossovers_hz needs {count} frequencies (the band count is fixed)"
            )));
        }
        for (c, hz) in value.into_iter().enumerate() {
            base(slf).set_param(&|| "MultibandCompressor".into(), crossover_index(c)?, hz)?;
        }
        Ok(())
    }

    /// The band compressors (the same objects, lowest band first).
    #[getter]
    fn bands<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(slf.py(), links(slf))
    }

    /// Solo state per band: while any band is soloed only soloed bands are
    /// heard (crossfades over 20 ms).
    #[getter]
    fn solo(slf: &Bound<'_, Self>) -> Vec<bool> {
        with_core(slf, |m| (0..m.bands()).map(|b| m.band_solo(b)).collect())
    }

    #[setter]
    fn set_solo(slf: &Bound<'_, Self>, value: Vec<bool>) -> PyResult<()> {
        with_core(slf, |m| {
            if value.len() != m.bands() {
                return Err(PyValueError::new_err(format!(
                    "solo needs one bool per band ({}), got {}",
                    m.bands(),
                    value.len()
                )));
            }
            for (b, s) in value.into_iter().enumerate() {
                m.set_band_solo(b, s).map_err(|e| class_error("MultibandCompressor", e))?;
            }
            Ok(())
        })
    }

    fn __len__(slf: &Bound<'_, Self>) -> usize {
        links(slf).len()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let bands = links(slf)
            .iter()
            .map(|l| Ok(l.bind(py).repr()?.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        let crossovers = Self::crossovers_hz(slf)?;
        let mut parts =
            vec![format!("crossovers_hz={crossovers:?}"), format!("bands=[{}]", bands.join(", "))];
        parts.extend(bypass_repr(base(slf).shared()));
        Ok(format!("MultibandCompressor({})", parts.join(", ")))
    }
}

/// Hands the band objects' targets to the bands of a dynamic EQ (`unit`),
/// as [`sync_member`] does.
pub(crate) fn sync_dynamic_bands(unit: &mut Unit, mode: LinkMode) -> Result<bool, Error> {
    let Unit { node, links, .. } = unit;
    let eq: &mut dynamics::DynamicEq = node.as_any_mut().downcast_mut().expect("a dynamic EQ");
    let mut stale = false;
    for (b, link) in links.iter().enumerate() {
        let Some(band) = eq.band_mut(b) else { break };
        sync_member(link.get(), band, mode, &mut stale)?;
    }
    Ok(stale)
}

/// The band objects of a dynamic EQ, checking every item is a `DynamicBand`.
fn dynamic_band_objects(
    py: Python<'_>,
    bands: &Bound<'_, PyAny>,
) -> PyResult<Vec<Py<PyProcessor>>> {
    let class = py.import("masterlib._masterlib")?.getattr("DynamicBand")?;
    let mut links = Vec::new();
    for item in bands.try_iter()? {
        let item = item?;
        if !item.is_instance(&class)? {
            let name = item.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "DynamicEq bands must be DynamicBand objects, got {name}"
            )));
        }
        links.push(item.cast_into::<PyProcessor>()?.unbind());
    }
    Ok(links)
}

/// A core dynamic EQ with one band per link, holding the links' values.
fn dynamic_eq_core(unit: &mut Unit, links: Vec<Py<PyProcessor>>) -> Result<(), Error> {
    let bands = vec![dynamics::DynamicBand::default(); links.len()];
    unit.replace(Box::new(dynamics::DynamicEq::new(&bands)), links);
    sync_dynamic_bands(unit, LinkMode::Strict).map(|_| ())
}

/// Dynamic equalizer: its `DynamicBand`s applied in series, each keyed by
/// its own band of the input or (where its `sidechain` is on) by the
/// `sidechain` given to `process`. The bands are live objects: changing
/// one changes this. One gain-reduction row per band.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct DynamicEq;

/// The base part of a dynamic EQ.
fn eq_base<'a>(slf: &'a Bound<'_, DynamicEq>) -> &'a PyProcessor {
    slf.as_super().as_super().get()
}

/// The band objects of a dynamic EQ.
fn eq_links(slf: &Bound<'_, DynamicEq>) -> Vec<Py<PyProcessor>> {
    let py = slf.py();
    let links = eq_base(slf).with_unit(py, |u| u.links.clone());
    links.iter().map(|l| l.clone_ref(py)).collect()
}

#[pymethods]
impl DynamicEq {
    #[new]
    #[pyo3(signature = (bands = None, *, bypass = false))]
    fn new(
        py: Python<'_>,
        bands: Option<&Bound<'_, PyAny>>,
        bypass: bool,
    ) -> PyResult<PyClassInitializer<Self>> {
        let links = match bands {
            Some(b) => dynamic_band_objects(py, b)?,
            None => Vec::new(),
        };
        let core = Box::new(dynamics::DynamicEq::default());
        let base = PyProcessor::from_core(core, Vec::new(), Some(sync_dynamic_bands));
        base.with_unit(py, |u| dynamic_eq_core(u, links))
            .map_err(|e| class_error("DynamicEq", e))?;
        let base = base.with_bypass(bypass)?;
        Ok(PyClassInitializer::from(base).add_subclass(PyDynamics).add_subclass(Self))
    }

    /// The dynamic bands (the same objects, in order).
    #[getter]
    fn bands<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(slf.py(), eq_links(slf))
    }

    #[setter]
    fn set_bands(slf: &Bound<'_, Self>, bands: &Bound<'_, PyAny>) -> PyResult<()> {
        let links = dynamic_band_objects(slf.py(), bands)?;
        let base = eq_base(slf);
        let shared = base.shared();
        base.with_unit(slf.py(), |u| {
            dynamic_eq_core(u, links)?;
            // The new core takes the EQ's own parameters (its bypass).
            (0..shared.kind().params.len())
                .try_for_each(|i| u.node.set_param(i, shared.get(i).unwrap_or(f64::NAN)))
        })
        .map_err(|e| class_error("DynamicEq", e))
    }

    fn __len__(slf: &Bound<'_, Self>) -> usize {
        eq_links(slf).len()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let bands = eq_links(slf)
            .iter()
            .map(|l| Ok(l.bind(py).repr()?.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        let mut parts = vec![format!("bands=[{}]", bands.join(", "))];
        parts.extend(bypass_repr(eq_base(slf).shared()));
        Ok(format!("DynamicEq({})", parts.join(", ")))
    }
}
