//! `ConvolutionReverb`: the registry's convolution reverb with a
//! constructor that takes the impulse response and its sample rate, which
//! are not parameters. Copies and pickles carry the response; presets
//! (`to_dict`, JSON) hold the parameters only, so `from_dict` gives the
//! default unit-impulse response.

use dsp_core::effects::{self, IrLayout};
use dsp_core::registry;
use numpy::ndarray::Array2;
use numpy::prelude::*;
use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::audio::{Shape, copy_planar, float_array};
use crate::params::{class_error, param_reprs};
use crate::preset;
use crate::processor::PyProcessor;

const CLASS: &str = "ConvolutionReverb";

/// An impulse response as planar channels, from a 1-D (mono) or 2-D
/// `(channels, frames)` real floating-point array.
fn read_ir(ir: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<f32>>> {
    let array = float_array(ir)?;
    let shape = match *array.shape() {
        [frames] => Shape { channels: 1, samples: frames, one_d: true },
        [channels, frames] if channels > 4 && frames <= 4 => {
            return Err(PyValueError::new_err(format!(
                "{CLASS}: got an impulse response of shape ({channels}, {frames}): looks like \
                 (frames, channels); it is (channels, frames), pass ir.T"
            )));
        }
        [channels, frames] => {
            IrLayout::of(channels).map_err(|e| class_error(CLASS, e))?;
            Shape { channels, samples: frames, one_d: false }
        }
        ref other => {
            return Err(PyValueError::new_err(format!(
                "{CLASS}: the impulse response is 1-D (mono) or 2-D (channels, frames), got a \
                 {}-D array",
                other.len()
            )));
        }
    };
    let mut data = vec![0.0; shape.channels * shape.samples];
    copy_planar(&array, shape, &mut data, shape.samples.max(1))?;
    let n = shape.samples;
    Ok((0..shape.channels).map(|c| data[c * n..(c + 1) * n].to_vec()).collect())
}

/// Gives the processor object `obj` a new core with its parameter targets
/// and the response `ir` at `rate`; it is prepared again at the next call.
fn install(obj: &PyProcessor, py: Python<'_>, ir: &[Vec<f32>], rate: f64) -> PyResult<()> {
    let shared = obj.shared();
    let mut fresh = registry::create(effects::CONVOLUTION_REVERB_KIND.name)
        .map_err(|e| class_error(CLASS, e))?;
    for i in 0..shared.kind().params.len() {
        fresh.set_param(i, shared.get(i).unwrap_or(f64::NAN)).map_err(|e| class_error(CLASS, e))?;
    }
    let core: &mut effects::ConvolutionReverb =
        fresh.as_any_mut().downcast_mut().expect("the registry's convolution reverb");
    let views: Vec<&[f32]> = ir.iter().map(Vec::as_slice).collect();
    core.set_ir(&views, rate).map_err(|e| class_error(CLASS, e))?;
    obj.with_unit(py, move |u| {
        u.node = fresh;
        u.prepared = None;
    });
    Ok(())
}

/// The response and its rate (`None` for the default unit impulse).
fn response(obj: &PyProcessor, py: Python<'_>) -> (Vec<Vec<f32>>, Option<f64>) {
    obj.with_unit(py, |u| {
        let core = u.get_mut::<effects::ConvolutionReverb>();
        (core.ir().to_vec(), core.ir_sample_rate())
    })
}

/// Convolution reverb: the input convolved with an impulse response `ir`
/// (1-D mono, or `(channels, frames)`: 1 channel for every input channel, 2
/// for left to left and right to right, 4 for true stereo: left to left,
/// left to right, right to left, right to right) recorded at `sample_rate`
/// Hz, by partitioned FFT convolution (latency 128 samples, compensated by
/// `process`). Output has as many channels as the input; a stereo or
/// true-stereo response needs stereo input. Processing at another rate than
/// the response's is an error. Without a response the output is the input.
///
/// Copies and pickles keep the response; presets (`to_dict`, `to_json`)
/// hold the parameters only.
#[pyclass(extends = PyProcessor, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct ConvolutionReverb;

#[pymethods]
impl ConvolutionReverb {
    #[new]
    #[classmethod]
    #[pyo3(
        signature = (ir = None, sample_rate = None, **params),
        text_signature = "(ir=None, sample_rate=None, *, mix=1.0, wet_db=0.0, predelay_ms=0.0)"
    )]
    fn new(
        cls: &Bound<'_, PyType>,
        ir: Option<&Bound<'_, PyAny>>,
        sample_rate: Option<f64>,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let base = PyProcessor::construct(cls, &PyTuple::empty(cls.py()), params)?;
        match (ir, sample_rate) {
            (Some(ir), Some(rate)) => install(&base, cls.py(), &read_ir(ir)?, rate)?,
            (None, None) => {}
            (Some(_), None) => {
                return Err(PyTypeError::new_err(format!(
                    "{CLASS}() needs the impulse response's sample_rate with ir"
                )));
            }
            (None, Some(_)) => {
                return Err(PyTypeError::new_err(format!(
                    "{CLASS}() got a sample_rate without an impulse response (ir)"
                )));
            }
        }
        Ok(PyClassInitializer::from(base).add_subclass(Self))
    }

    /// The impulse response as a float32 array `(channels, frames)` (a
    /// copy; `[[1.0]]` without one).
    #[getter]
    fn ir<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let (ir, _) = response(slf.as_super().get(), slf.py());
        let frames = ir[0].len();
        let flat: Vec<f32> = ir.concat();
        let a = Array2::from_shape_vec((ir.len(), frames), flat)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(a.into_pyarray(slf.py()))
    }

    /// The impulse response's sample rate in Hz (None without one).
    #[getter]
    fn ir_sample_rate(slf: &Bound<'_, Self>) -> Option<f64> {
        response(slf.as_super().get(), slf.py()).1
    }

    /// Replaces the impulse response (shapes as for the constructor); the
    /// next call starts a new stream.
    fn set_ir(slf: &Bound<'_, Self>, ir: &Bound<'_, PyAny>, sample_rate: f64) -> PyResult<()> {
        install(slf.as_super().get(), slf.py(), &read_ir(ir)?, sample_rate)
    }

    /// Pickles the parameters and the response.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let restore = slf.get_type().getattr("_restore")?;
        let d = preset::to_dict(slf.as_super())?;
        let args = match Self::ir_sample_rate(slf) {
            Some(rate) => (d, Self::ir(slf)?.into_any(), rate.into_pyobject(py)?.into_any()),
            None => (d, py.None().into_bound(py), py.None().into_bound(py)),
        };
        PyTuple::new(py, [restore, args.into_pyobject(py)?.into_any()])
    }

    /// A processor of class `cls` from a preset dict and a response (None
    /// for the default), as pickles store it.
    #[classmethod]
    fn _restore<'py>(
        cls: &Bound<'py, PyType>,
        d: &Bound<'py, PyAny>,
        ir: Option<&Bound<'py, PyAny>>,
        sample_rate: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let obj = preset::from_dict(cls, d)?;
        if let (Some(ir), Some(rate)) = (ir, sample_rate) {
            install(obj.cast::<PyProcessor>()?.get(), cls.py(), &read_ir(ir)?, rate)?;
        }
        Ok(obj)
    }

    /// A copy with the same parameters and response, without signal state.
    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let obj = preset::copy(slf.as_super(), false)?;
        if let (ir, Some(rate)) = response(slf.as_super().get(), py) {
            install(obj.cast::<PyProcessor>()?.get(), py, &ir, rate)?;
        }
        Ok(obj)
    }

    /// As `__copy__` (the response is copied either way).
    fn __deepcopy__<'py>(
        slf: &Bound<'py, Self>,
        _memo: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::__copy__(slf)
    }

    /// The constructor call, with the response's shape and rate.
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let this = slf.as_super().get();
        let (ir, rate) = response(this, py);
        let mut parts = Vec::new();
        if let Some(rate) = rate {
            parts.push(format!("ir=<{} x {} float32>", ir.len(), ir[0].len()));
            parts.push(format!("sample_rate={rate:?}"));
        }
        parts.extend(param_reprs(py, this.shared())?);
        Ok(format!("{CLASS}({})", parts.join(", ")))
    }
}
