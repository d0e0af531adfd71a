//! Filters: the base class `Filter` of the band filters (the registry's
//! filter shapes: `PeakFilter`, `LowShelf`, ... `AllPass`), and the
//! hand-written `Equalizer`, whose bands are filter objects.
//!
//! The equalizer keeps the band objects themselves and hands their
//! parameter targets to its core bands before each block, so changing a
//! band changes the EQ (gliding, as the band would).

use dsp_core::filters::{self, BandParams};
use dsp_core::params::KindInfo;
use dsp_core::{DynProcessor, Error, registry};
use numpy::ndarray::ArrayD;
use numpy::{IntoPyArray, PyArrayDyn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::audio::{read_freqs, value_error};
use crate::params::{bypass_repr, class_error};
use crate::processor::{LinkMode, PyProcessor, Unit};

/// Whether `kind` is a band filter (a shape of the core `Filter`).
pub(crate) fn is_band(kind: &KindInfo) -> bool {
    filters::Filter::shape_named(kind.name).is_some()
}

/// The band parameters of a core filter.
fn band_of(node: &dyn DynProcessor) -> BandParams {
    let filter: &filters::Filter = node.as_any().downcast_ref().expect("a band filter");
    *filter.params()
}

/// The band parameters a filter object's targets describe.
fn band_params(py: Python<'_>, obj: &PyProcessor) -> BandParams {
    let shared = obj.shared();
    obj.with_unit(py, |u| {
        u.apply(shared);
        band_of(&*u.node)
    })
}

/// Magnitude response in dB at `freqs` (Hz, any shape, as an array of the
/// same shape) from `response`, which checks and fills a flat buffer.
fn magnitude<'py>(
    freqs: &Bound<'py, PyAny>,
    response: impl FnOnce(&[f64], &mut [f64]) -> Result<(), Error>,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let array = read_freqs(freqs)?;
    let view = array.as_array();
    let flat: Vec<f64> = view.iter().copied().collect();
    let mut out = vec![0.0; flat.len()];
    response(&flat, &mut out).map_err(value_error)?;
    let out = ArrayD::from_shape_vec(view.raw_dim(), out)
        .map_err(|e| PyValueError::new_err(format!("freqs: {e}")))?;
    Ok(out.into_pyarray(freqs.py()))
}

/// Base class of the band filters: a biquad cascade with smoothed
/// parameters, usable alone or as an `Equalizer` band. Not constructible
/// itself.
#[pyclass(extends = PyProcessor, frozen, subclass, module = "masterlib")]
#[derive(Debug)]
pub struct Filter;

#[pymethods]
impl Filter {
    #[new]
    #[classmethod]
    #[pyo3(signature = (*args, **kwargs))]
    fn __new__(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        Ok(PyClassInitializer::from(PyProcessor::construct(cls, args, kwargs)?).add_subclass(Self))
    }

    /// Response shape: "peak", "low_shelf", "high_shelf", "low_pass",
    /// "high_pass", "band_pass", "notch" or "all_pass".
    #[getter]
    fn kind(slf: &Bound<'_, Self>) -> &'static str {
        let shape = filters::Filter::shape_named(slf.as_super().get().kind().name);
        shape.expect("a filter's kind is a shape").name()
    }

    /// Designed magnitude response in dB at `freqs` (Hz, any shape) for
    /// `sample_rate`; 0 dB everywhere while disabled.
    fn magnitude_db<'py>(
        slf: &Bound<'py, Self>,
        freqs: &Bound<'py, PyAny>,
        sample_rate: f64,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let p = band_params(slf.py(), slf.as_super().get());
        magnitude(freqs, |f, out| p.add_magnitude_response(f, sample_rate, out))
    }
}

/// Hands the band objects' targets to the bands of an equalizer (`unit`):
/// each band's copy keeps the values last handed over, and a band whose
/// targets moved glides to them. New band objects replace every band.
pub(crate) fn sync_bands(unit: &mut Unit, mode: LinkMode) -> Result<bool, Error> {
    let Unit { node, links, copies, .. } = unit;
    let eq: &mut filters::Equalizer = node.as_any_mut().downcast_mut().expect("an equalizer");
    if copies.len() != links.len() {
        if mode == LinkMode::Run {
            return Ok(false);
        }
        let mut fresh = Vec::with_capacity(links.len());
        for link in links.iter() {
            let kind = link.get().kind();
            let mut copy = registry::create(kind.name)?;
            take_targets(link.get(), &mut *copy)?;
            fresh.push(copy);
        }
        *copies = fresh;
        let bands: Vec<BandParams> = copies.iter().map(|c| band_of(&**c)).collect();
        return match eq.set_bands(&bands) {
            Ok(()) => Ok(false),
            Err(Error::AboveNyquist { .. }) => {
                *eq = filters::Equalizer::new(&bands)?;
                Ok(true)
            }
            Err(e) => Err(e),
        };
    }
    let mut stale = false;
    for (b, (link, copy)) in links.iter().zip(copies.iter_mut()).enumerate() {
        if !take_targets(link.get(), &mut **copy)? {
            continue;
        }
        match eq.set_band(b, band_of(&**copy)) {
            Ok(()) => {}
            // Mid-run the band keeps its old values; the next call hands
            // all bands over again and reports the refusal.
            Err(_) if mode == LinkMode::Run => {
                copies.clear();
                return Ok(false);
            }
            // Above the prepared rate's Nyquist frequency: checked against
            // the rate in use when the EQ is prepared again.
            Err(Error::AboveNyquist { .. }) if mode == LinkMode::Prepare => stale = true,
            Err(e) => return Err(e),
        }
    }
    if stale {
        let bands: Vec<BandParams> = copies.iter().map(|c| band_of(&**c)).collect();
        *eq = filters::Equalizer::new(&bands)?;
    }
    Ok(stale)
}

/// Sets `copy` (unprepared, of `obj`'s kind) to the targets of `obj`;
/// returns whether any differed.
fn take_targets(obj: &PyProcessor, copy: &mut dyn DynProcessor) -> Result<bool, Error> {
    let shared = obj.shared();
    let mut changed = false;
    for i in 0..shared.kind().params.len() {
        let v = shared.get(i).unwrap_or(f64::NAN);
        if copy.param(i) != Some(v) {
            copy.set_param(i, v)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// The band objects, checking every item is a band filter.
fn bands_of(bands: &Bound<'_, PyAny>) -> PyResult<Vec<Py<PyProcessor>>> {
    let mut links = Vec::new();
    for item in bands.try_iter()? {
        let item = item?;
        if !item.is_instance_of::<Filter>() {
            let name = item.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "Equalizer bands must be band filters (PeakFilter, LowShelf, HighShelf, \
                 LowPass, HighPass, BandPass, Notch, AllPass), got {name}"
            )));
        }
        links.push(item.cast_into::<PyProcessor>()?.unbind());
    }
    Ok(links)
}

/// A parametric equalizer: its band filters applied in series. The bands
/// are the filter objects given; changing one changes the equalizer.
#[pyclass(extends = PyProcessor, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct Equalizer;

fn new_equalizer() -> PyResult<Box<dyn DynProcessor>> {
    registry::create("equalizer").map_err(|e| class_error("Equalizer", e))
}

/// The band objects of an equalizer.
fn eq_bands(slf: &Bound<'_, Equalizer>) -> Vec<Py<PyProcessor>> {
    let py = slf.py();
    let links = slf.as_super().get().with_unit(py, |u| u.links.clone());
    links.iter().map(|l| l.clone_ref(py)).collect()
}

#[pymethods]
impl Equalizer {
    #[new]
    #[pyo3(signature = (bands = None, *, bypass = false))]
    fn new(bands: Option<&Bound<'_, PyAny>>, bypass: bool) -> PyResult<PyClassInitializer<Self>> {
        let links = match bands {
            Some(b) => bands_of(b)?,
            None => Vec::new(),
        };
        let base = PyProcessor::from_core(new_equalizer()?, links, Some(sync_bands));
        Ok(PyClassInitializer::from(base.with_bypass(bypass)?).add_subclass(Self))
    }

    /// The band filters (the same objects, in order).
    #[getter]
    fn bands<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(slf.py(), eq_bands(slf))
    }

    #[setter]
    fn set_bands(slf: &Bound<'_, Self>, bands: &Bound<'_, PyAny>) -> PyResult<()> {
        let links = bands_of(bands)?;
        let node = new_equalizer()?;
        slf.as_super().get().with_unit(slf.py(), move |u| u.replace(node, links));
        Ok(())
    }

    fn __len__(slf: &Bound<'_, Self>) -> usize {
        eq_bands(slf).len()
    }

    /// Designed magnitude response in dB at `freqs` (Hz, any shape) for
    /// `sample_rate`: the sum of the enabled bands' responses.
    fn magnitude_db<'py>(
        slf: &Bound<'py, Self>,
        freqs: &Bound<'py, PyAny>,
        sample_rate: f64,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let py = slf.py();
        let base = slf.as_super().get();
        magnitude(freqs, |f, out| {
            base.with_unit(py, |u| {
                if u.sync_links(LinkMode::Prepare)? {
                    u.prepared = None;
                }
                u.get_mut::<filters::Equalizer>().magnitude_response(f, sample_rate, out)
            })
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let reprs = eq_bands(slf)
            .iter()
            .map(|l| Ok(l.bind(py).repr()?.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        let mut parts = vec![format!("bands=[{}]", reprs.join(", "))];
        parts.extend(bypass_repr(slf.as_super().get().shared()));
        Ok(format!("Equalizer({})", parts.join(", ")))
    }
}
