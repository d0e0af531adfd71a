//! Filters and the equalizer.
//!
//! `Filter` is the base class of the band filters (`PeakFilter`,
//! `LowShelf`, `HighShelf`, `LowPass`, `HighPass`, `BandPass`, `Notch`,
//! `AllPass`), which are processors on their own and the band specs of an
//! `Equalizer`. The equalizer keeps the band objects themselves and copies
//! their parameters before it processes, so changing a band changes the EQ.

// Default q values are written as literals (1/√2) so that Python signatures
// show them; pyo3 renders a named constant as `...`.
#![allow(clippy::approx_constant)]

use std::any::Any;

use dsp_core::Error;
use dsp_core::filters::{self, BandParams, Design, FilterKind};
use numpy::ndarray::ArrayD;
use numpy::{IntoPyArray, PyArrayDyn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::audio::{read_freqs, value_error};
use crate::processor::{Node, PyProcessor};
use crate::run::sync_links;

impl Node for filters::Filter {
    fn snapshot(&self) -> Option<Box<dyn Any + Send + Sync>> {
        Some(Box::new(*self.params()))
    }
}

impl Node for filters::DcBlocker {}

impl Node for filters::Equalizer {
    fn sync(&mut self, linked: &[Box<dyn Any + Send + Sync>]) -> Result<bool, Error> {
        let bands: Vec<BandParams> =
            linked.iter().filter_map(|b| b.downcast_ref().copied()).collect();
        let mut stale = false;
        for (i, &p) in bands.iter().enumerate() {
            if self.band(i) != Some(&p) {
                match self.set_band(i, p) {
                    Ok(()) => {}
                    // Valid, but above Nyquist at the prepared rate: prepare
                    // again at the next call, which checks the rate in use.
                    Err(Error::AboveNyquist { .. }) => stale = true,
                    Err(e) => return Err(e),
                }
            }
        }
        if stale {
            *self = filters::Equalizer::new(&bands)?;
        }
        Ok(stale)
    }
}

fn params_of(py: Python<'_>, base: &PyProcessor) -> BandParams {
    base.with_unit(py, |u| *u.get_mut::<filters::Filter>().params())
}

/// The base part of a band filter class.
fn band_base<'a, C: pyo3::PyClass<BaseType = Filter>>(slf: &'a Bound<'_, C>) -> &'a PyProcessor {
    slf.as_super().as_super().get()
}

fn design(name: &str) -> PyResult<Design> {
    Design::from_name(name).map_err(value_error)
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

/// Applies `change` to a band filter's parameters. Parameters that are
/// valid but above Nyquist at the rate the filter was prepared for are
/// accepted: the filter is rebuilt and checked at the next processing call.
fn update(
    py: Python<'_>,
    base: &PyProcessor,
    change: impl FnOnce(BandParams) -> BandParams + Send,
) -> PyResult<()> {
    base.with_unit(py, |u| {
        let params = change(*u.get_mut::<filters::Filter>().params());
        match u.get_mut::<filters::Filter>().set_params(params) {
            Ok(()) => Ok(()),
            Err(Error::AboveNyquist { .. }) => {
                u.replace(filters::Filter::new(params).map_err(value_error)?, Vec::new());
                Ok(())
            }
            Err(e) => Err(value_error(e)),
        }
    })
}

fn new_band(params: BandParams) -> PyResult<PyClassInitializer<Filter>> {
    let node = filters::Filter::new(params).map_err(value_error)?;
    Ok(PyClassInitializer::from(PyProcessor::legacy(node, Vec::new())).add_subclass(Filter))
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
        params_of(slf.py(), slf.as_super().get()).kind.name()
    }

    /// Cutoff (pass filters, shelves) or centre frequency in Hz.
    #[getter]
    fn cutoff_hz(slf: &Bound<'_, Self>) -> f64 {
        params_of(slf.py(), slf.as_super().get()).cutoff_hz
    }

    #[setter]
    fn set_cutoff_hz(slf: &Bound<'_, Self>, value: f64) -> PyResult<()> {
        update(slf.py(), slf.as_super().get(), move |p| BandParams { cutoff_hz: value, ..p })
    }

    /// Quality factor, 0.01 to 100.
    #[getter]
    fn q(slf: &Bound<'_, Self>) -> f64 {
        params_of(slf.py(), slf.as_super().get()).q
    }

    #[setter]
    fn set_q(slf: &Bound<'_, Self>, value: f64) -> PyResult<()> {
        update(slf.py(), slf.as_super().get(), move |p| p.with_q(value))
    }

    /// Whether the filter is applied (changes fade over 20 ms).
    #[getter]
    fn enabled(slf: &Bound<'_, Self>) -> bool {
        params_of(slf.py(), slf.as_super().get()).enabled
    }

    #[setter]
    fn set_enabled(slf: &Bound<'_, Self>, value: bool) -> PyResult<()> {
        update(slf.py(), slf.as_super().get(), move |p| p.with_enabled(value))
    }

    /// "cookbook" (bilinear RBJ designs) or "matched" (follows the analog
    /// response up to Nyquist).
    #[getter]
    fn design(slf: &Bound<'_, Self>) -> &'static str {
        params_of(slf.py(), slf.as_super().get()).design.name()
    }

    #[setter]
    fn set_design(slf: &Bound<'_, Self>, value: &str) -> PyResult<()> {
        let d = design(value)?;
        update(slf.py(), slf.as_super().get(), move |p| p.with_design(d))
    }

    /// Designed magnitude response in dB at `freqs` (Hz, any shape) for
    /// `sample_rate`; 0 dB everywhere while disabled.
    fn magnitude_db<'py>(
        slf: &Bound<'py, Self>,
        freqs: &Bound<'py, PyAny>,
        sample_rate: f64,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let p = params_of(slf.py(), slf.as_super().get());
        magnitude(freqs, |f, out| p.add_magnitude_response(f, sample_rate, out))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = slf.get_type().name()?;
        let p = params_of(slf.py(), slf.as_super().get());
        let shape = match p.kind {
            FilterKind::Peak | FilterKind::LowShelf | FilterKind::HighShelf => {
                format!("gain_db={:?}, ", p.gain_db)
            }
            FilterKind::LowPass | FilterKind::HighPass => format!("order={}, ", p.order),
            _ => String::new(),
        };
        let enabled = if p.enabled { "True" } else { "False" };
        Ok(format!(
            "{name}(cutoff_hz={:?}, {shape}q={:?}, design='{}', enabled={enabled})",
            p.cutoff_hz,
            p.q,
            p.design.name(),
        ))
    }
}

/// Defines a band filter class made by `(cutoff_hz, <args>, *, design,
/// enabled)`: `build` turns the `BandParams` of `cutoff_hz` (bound to `$p`)
/// into the band; `extra` items (its own properties) join the methods.
macro_rules! band_class {
    (
        $(#[$doc:meta])* $name:ident, $kind:ident,
        ($($arg:ident: $ty:ident = $default:tt),*) => |$p:ident| $build:expr;
        $($extra:tt)*
    ) => {
        $(#[$doc])*
        #[pyclass(extends = Filter, frozen, module = "masterlib")]
        #[derive(Debug)]
        pub struct $name;

        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (cutoff_hz, $($arg = $default,)* *, design = "cookbook", enabled = true))]
            fn new(
                cutoff_hz: f64,
                $($arg: $ty,)*
                design: &str,
                enabled: bool,
            ) -> PyResult<PyClassInitializer<Self>> {
                let $p = BandParams::new(FilterKind::$kind, cutoff_hz);
                let params = $build.with_design(self::design(design)?).with_enabled(enabled);
                Ok(new_band(params)?.add_subclass(Self))
            }

            $($extra)*
        }
    };
}

/// Defines a band filter class with a boost/cut: `(cutoff_hz, gain_db, q)`.
macro_rules! gain_band {
    ($(#[$doc:meta])* $name:ident, $kind:ident, q = $q:tt) => {
        band_class! {
            $(#[$doc])* $name, $kind,
            (gain_db: f64 = 0.0, q: f64 = $q) => |p| p.with_gain_db(gain_db).with_q(q);

            /// Boost (positive) or cut in dB, -48 to +48.
            #[getter]
            fn gain_db(slf: &Bound<'_, Self>) -> f64 {
                params_of(slf.py(), band_base(slf)).gain_db
            }

            #[setter]
            fn set_gain_db(slf: &Bound<'_, Self>, value: f64) -> PyResult<()> {
                update(slf.py(), band_base(slf), move |p| p.with_gain_db(value))
            }
        }
    };
}

/// Defines a Butterworth pass filter class: `(cutoff_hz, order, q)`.
macro_rules! pass_band {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        band_class! {
            $(#[$doc])* $name, $kind,
            (order: i64 = 2, q: f64 = 0.7071067811865476) =>
                |p| p.with_order(order_u8(order)).with_q(q);

            /// Butterworth order, 1 to 8 (6 dB/oct per order); `q` shapes
            /// order 2 only.
            #[getter]
            fn order(slf: &Bound<'_, Self>) -> u8 {
                params_of(slf.py(), band_base(slf)).order
            }

            #[setter]
            fn set_order(slf: &Bound<'_, Self>, value: i64) -> PyResult<()> {
                update(slf.py(), band_base(slf), move |p| p.with_order(order_u8(value)))
            }
        }
    };
}

/// Defines a band filter class shaped by `(cutoff_hz, q)` alone.
macro_rules! plain_band {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        band_class! {
            $(#[$doc])* $name, $kind, (q: f64 = 0.7071067811865476) => |p| p.with_q(q);
        }
    };
}

/// An out-of-range order maps to 0, which validation rejects by name.
fn order_u8(order: i64) -> u8 {
    u8::try_from(order).unwrap_or(0)
}

gain_band!(
    /// Peaking (bell) filter: `gain_db` at `cutoff_hz`, bandwidth set by `q`.
    PeakFilter, Peak, q = 1.0
);
gain_band!(
    /// Low shelf: `gain_db` below `cutoff_hz`.
    LowShelf, LowShelf, q = 0.7071067811865476
);
gain_band!(
    /// High shelf: `gain_db` above `cutoff_hz`.
    HighShelf, HighShelf, q = 0.7071067811865476
);
pass_band!(
    /// Butterworth low pass, order 1 to 8.
    LowPass, LowPass
);
pass_band!(
    /// Butterworth high pass, order 1 to 8.
    HighPass, HighPass
);
plain_band!(
    /// Band pass (0 dB peak at `cutoff_hz`).
    BandPass, BandPass
);
plain_band!(
    /// Notch (band reject) at `cutoff_hz`.
    Notch, Notch
);
plain_band!(
    /// All pass: flat magnitude, phase turning through `cutoff_hz`.
    AllPass, AllPass
);

/// Removes DC with a first-order high pass at `cutoff_hz` (default 5 Hz).
#[pyclass(extends = PyProcessor, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct DcBlocker;

#[pymethods]
impl DcBlocker {
    #[new]
    #[pyo3(signature = (cutoff_hz = 5.0))]
    fn new(cutoff_hz: f64) -> PyResult<PyClassInitializer<Self>> {
        let node = filters::DcBlocker::new(cutoff_hz).map_err(value_error)?;
        Ok(PyClassInitializer::from(PyProcessor::legacy(node, Vec::new())).add_subclass(Self))
    }

    /// The -3 dB point in Hz.
    #[getter]
    fn cutoff_hz(slf: &Bound<'_, Self>) -> f64 {
        slf.as_super().get().with_unit(slf.py(), |u| u.get_mut::<filters::DcBlocker>().cutoff_hz())
    }

    #[setter]
    fn set_cutoff_hz(slf: &Bound<'_, Self>, value: f64) -> PyResult<()> {
        slf.as_super().get().with_unit(slf.py(), |u| {
            match u.get_mut::<filters::DcBlocker>().set_cutoff_hz(value) {
                Ok(()) => Ok(()),
                Err(Error::AboveNyquist { .. }) => {
                    u.replace(filters::DcBlocker::new(value).map_err(value_error)?, Vec::new());
                    Ok(())
                }
                Err(e) => Err(value_error(e)),
            }
        })
    }

    fn __repr__(slf: &Bound<'_, Self>) -> String {
        format!("DcBlocker(cutoff_hz={:?})", Self::cutoff_hz(slf))
    }
}

/// The band objects and their parameters, checking every item is a filter.
fn bands_of(bands: &Bound<'_, PyAny>) -> PyResult<(Vec<Py<PyProcessor>>, Vec<BandParams>)> {
    let mut links = Vec::new();
    let mut params = Vec::new();
    for item in bands.try_iter()? {
        let item = item?;
        if !item.is_instance_of::<Filter>() {
            let name = item.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "Equalizer bands must be band filters (PeakFilter, LowShelf, HighShelf, \
                 LowPass, HighPass, BandPass, Notch, AllPass), got {name}"
            )));
        }
        let band = item.cast_into::<PyProcessor>()?;
        params.push(params_of(band.py(), band.get()));
        links.push(band.unbind());
    }
    Ok((links, params))
}

/// A parametric equalizer: its band filters applied in series. The bands
/// are the filter objects given; changing one changes the equalizer.
#[pyclass(extends = PyProcessor, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct Equalizer;

/// The band objects of an equalizer.
fn eq_bands(slf: &Bound<'_, Equalizer>) -> Vec<Py<PyProcessor>> {
    let py = slf.py();
    let links = slf.as_super().get().with_unit(py, |u| u.links.clone());
    links.iter().map(|l| l.clone_ref(py)).collect()
}

#[pymethods]
impl Equalizer {
    #[new]
    #[pyo3(signature = (bands = None))]
    fn new(bands: Option<&Bound<'_, PyAny>>) -> PyResult<PyClassInitializer<Self>> {
        let (links, params) = match bands {
            Some(b) => bands_of(b)?,
            None => (Vec::new(), Vec::new()),
        };
        let node = filters::Equalizer::new(&params).map_err(value_error)?;
        Ok(PyClassInitializer::from(PyProcessor::legacy(node, links)).add_subclass(Self))
    }

    /// The band filters (the same objects, in order).
    #[getter]
    fn bands<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(slf.py(), eq_bands(slf))
    }

    #[setter]
    fn set_bands(slf: &Bound<'_, Self>, bands: &Bound<'_, PyAny>) -> PyResult<()> {
        let (links, params) = bands_of(bands)?;
        let node = filters::Equalizer::new(&params).map_err(value_error)?;
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
        let base = slf.as_super();
        sync_links(base, "Equalizer")?;
        magnitude(freqs, |f, out| {
            base.get().with_unit(py, |u| {
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
        Ok(format!("Equalizer(bands=[{}])", reprs.join(", ")))
    }
}
