//! Mixing basics: `Gain`, `Pan`, `StereoWidth`.

use dsp_core::mix::{self, PanLaw, PanSource};
use pyo3::prelude::*;

use crate::audio::value_error;
use crate::processor::{Node, PyProcessor};

/// Python's spelling of a bool, for `__repr__`.
pub(crate) fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

impl Node for mix::Gain {}

impl Node for mix::Pan {
    fn route(&mut self, input: usize) -> Result<usize, String> {
        match input {
            1 => self.set_source(PanSource::Mono),
            2 => self.set_source(PanSource::Stereo),
            n => {
                return Err(format!(
                    "needs mono (1-D or (1, samples)) or stereo ((2, samples)) audio, \
                     got {n} channels"
                ));
            }
        }
        Ok(2)
    }
}

impl Node for mix::StereoWidth {
    fn route(&mut self, input: usize) -> Result<usize, String> {
        if input == 2 {
            Ok(2)
        } else {
            Err(format!("needs stereo audio of shape (2, samples), got {input} channel(s)"))
        }
    }
}

/// Gain in dB, optionally with inverted polarity; changes are smoothed.
#[pyclass(extends = PyProcessor, module = "masterlib")]
#[derive(Debug)]
pub struct Gain;

#[pymethods]
impl Gain {
    #[new]
    #[pyo3(signature = (gain_db = 0.0, invert = false))]
    fn new(gain_db: f64, invert: bool) -> PyResult<PyClassInitializer<Self>> {
        let node = mix::Gain::new(gain_db, invert).map_err(value_error)?;
        Ok(PyProcessor::node(node).add_subclass(Self))
    }

    /// Gain in dB, from -150 to +60.
    #[getter]
    fn gain_db(slf: PyRef<'_, Self>) -> f64 {
        slf.as_super().get::<mix::Gain>().gain_db()
    }

    #[setter]
    fn set_gain_db(mut slf: PyRefMut<'_, Self>, value: f64) -> PyResult<()> {
        slf.as_super().get_mut::<mix::Gain>().set_gain_db(value).map_err(value_error)
    }

    /// Polarity inversion.
    #[getter]
    fn invert(slf: PyRef<'_, Self>) -> bool {
        slf.as_super().get::<mix::Gain>().invert()
    }

    #[setter]
    fn set_invert(mut slf: PyRefMut<'_, Self>, value: bool) {
        slf.as_super().get_mut::<mix::Gain>().set_invert(value);
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        let g = slf.as_super().get::<mix::Gain>();
        format!("Gain(gain_db={:?}, invert={})", g.gain_db(), py_bool(g.invert()))
    }
}

/// Pan position from -1 (left) to +1 (right). Mono input becomes stereo
/// through the pan law; stereo input is balanced (the near side keeps unity
/// gain, the far side is attenuated as the law's ratio to its centre).
#[pyclass(extends = PyProcessor, module = "masterlib")]
#[derive(Debug)]
pub struct Pan;

fn law(name: &str) -> PyResult<PanLaw> {
    PanLaw::from_name(name).map_err(value_error)
}

#[pymethods]
impl Pan {
    #[new]
    #[pyo3(signature = (pan = 0.0, law = "constant_power"))]
    fn new(pan: f64, law: &str) -> PyResult<PyClassInitializer<Self>> {
        let node = mix::Pan::new(pan, self::law(law)?).map_err(value_error)?;
        Ok(PyProcessor::node(node).add_subclass(Self))
    }

    /// Position from -1 (left) through 0 (centre) to +1 (right).
    #[getter]
    fn pan(slf: PyRef<'_, Self>) -> f64 {
        slf.as_super().get::<mix::Pan>().pan()
    }

    #[setter]
    fn set_pan(mut slf: PyRefMut<'_, Self>, value: f64) -> PyResult<()> {
        slf.as_super().get_mut::<mix::Pan>().set_pan(value).map_err(value_error)
    }

    /// Pan law: "linear", "constant_power" or "compromise" (-4.5 dB centre).
    #[getter]
    fn law(slf: PyRef<'_, Self>) -> &'static str {
        slf.as_super().get::<mix::Pan>().law().name()
    }

    #[setter]
    fn set_law(mut slf: PyRefMut<'_, Self>, value: &str) -> PyResult<()> {
        let law = self::law(value)?;
        slf.as_super().get_mut::<mix::Pan>().set_law(law);
        Ok(())
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        let p = slf.as_super().get::<mix::Pan>();
        format!("Pan(pan={:?}, law='{}')", p.pan(), p.law().name())
    }
}

/// Mid/side stereo width: 0 is mono, 1 unchanged, 2 doubles the side signal.
#[pyclass(extends = PyProcessor, module = "masterlib")]
#[derive(Debug)]
pub struct StereoWidth;

#[pymethods]
impl StereoWidth {
    #[new]
    #[pyo3(signature = (width = 1.0, mid_gain_db = 0.0, side_gain_db = 0.0))]
    fn new(width: f64, mid_gain_db: f64, side_gain_db: f64) -> PyResult<PyClassInitializer<Self>> {
        let node = mix::StereoWidth::new(width, mid_gain_db, side_gain_db).map_err(value_error)?;
        Ok(PyProcessor::node(node).add_subclass(Self))
    }

    /// Side scale from 0 (mono) to 2.
    #[getter]
    fn width(slf: PyRef<'_, Self>) -> f64 {
        slf.as_super().get::<mix::StereoWidth>().width()
    }

    #[setter]
    fn set_width(mut slf: PyRefMut<'_, Self>, value: f64) -> PyResult<()> {
        slf.as_super().get_mut::<mix::StereoWidth>().set_width(value).map_err(value_error)
    }

    /// Mid gain in dB.
    #[getter]
    fn mid_gain_db(slf: PyRef<'_, Self>) -> f64 {
        slf.as_super().get::<mix::StereoWidth>().mid_gain_db()
    }

    #[setter]
    fn set_mid_gain_db(mut slf: PyRefMut<'_, Self>, value: f64) -> PyResult<()> {
        slf.as_super().get_mut::<mix::StereoWidth>().set_mid_gain_db(value).map_err(value_error)
    }

    /// Side gain in dB.
    #[getter]
    fn side_gain_db(slf: PyRef<'_, Self>) -> f64 {
        slf.as_super().get::<mix::StereoWidth>().side_gain_db()
    }

    #[setter]
    fn set_side_gain_db(mut slf: PyRefMut<'_, Self>, value: f64) -> PyResult<()> {
        slf.as_super().get_mut::<mix::StereoWidth>().set_side_gain_db(value).map_err(value_error)
    }

    fn __repr__(slf: PyRef<'_, Self>) -> String {
        let w = slf.as_super().get::<mix::StereoWidth>();
        format!(
            "StereoWidth(width={:?}, mid_gain_db={:?}, side_gain_db={:?})",
            w.width(),
            w.mid_gain_db(),
            w.side_gain_db()
        )
    }
}
