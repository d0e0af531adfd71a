//! `dither(x, ...)`: word-length reduction of a whole array in one call,
//! through dsp-core's `Dither`.

use dsp_core::buffer::find_nonfinite;
use dsp_core::master::{Dither, Shaping};
use dsp_core::params::ParamValue;
use dsp_core::processor::process_in_blocks;
use dsp_core::{ProcessSpec, Processor};
use pyo3::prelude::*;

use crate::audio::{read_audio, to_numpy, value_error};
use crate::processor::BLOCK;

/// Quantizes audio to `bits` (8 to 24) with dither and returns a new
/// float32 array of the same shape whose samples are multiples of
/// 2^-(bits-1) within full scale. `shaping`: `none` (rounding, no dither),
/// `tpdf`, `highpass`, `lipshitz`, `f_weighted` or `e_weighted`; the last
/// three are noise-shaping filters designed for 44.1/48 kHz, used within
/// 5 % of those rates and replaced by `highpass` at others, so
/// `sample_rate` matters. With `auto_blank`, digital silence (leading, or
/// after 64 zero samples on every channel) stays exact zeros. The dither
/// is seeded: equal input gives equal output. Raises `ValueError` for bits
/// out of range, an unknown shaping, a bad sample rate, a bad shape, or a
/// NaN or infinite sample (named by channel and index).
#[pyfunction]
#[pyo3(signature = (x, bits = 16, shaping = "tpdf", sample_rate = 48_000.0, auto_blank = true))]
pub fn dither<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    bits: i64,
    shaping: &str,
    sample_rate: f64,
    auto_blank: bool,
) -> PyResult<Bound<'py, PyAny>> {
    // Through the declaration: the errors name the parameter and its range.
    let bits = Dither::BITS.check(bits as f64).map_err(value_error)? as u8;
    let shaping = Dither::SHAPING.choice_value(shaping).map_err(value_error)?;
    let mut d = Dither::new(bits, Shaping::from_param(shaping)).map_err(value_error)?;
    d.set_auto_blank(auto_blank);
    let (shape, mut data) = read_audio(x)?;
    let samples = shape.samples.max(1);
    if let Some((channel, index)) = find_nonfinite(&data.chunks(samples).collect::<Vec<_>>()) {
        return Err(value_error(dsp_core::Error::NonFinite { channel, index }));
    }
    d.prepare(&ProcessSpec::new(sample_rate, BLOCK, shape.channels)).map_err(value_error)?;
    py.detach(|| {
        let mut views: Vec<&mut [f32]> = data.chunks_mut(samples).collect();
        process_in_blocks(&mut d, &mut views, BLOCK);
    });
    to_numpy(py, data, shape.channels, shape.samples, shape.one_d)
}
