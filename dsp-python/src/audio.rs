//! numpy <-> planar audio: shape and dtype validation, copies, output arrays.
//!
//! Audio is `(channels, samples)` or 1-D mono. Reading accepts any real
//! floating-point array (or array-like) and converts it to `f32`; in-place
//! processing borrows a writable C-contiguous `float32` array without copying.

use dsp_core::Error;
use dsp_core::spec::MAX_CHANNELS;
use numpy::ndarray::{ArrayView2, ArrayViewD, Axis, Ix1, Ix2, s};
use numpy::prelude::*;
use numpy::{
    BorrowError, PyArray1, PyArrayDyn, PyReadonlyArrayDyn, PyReadwriteArrayDyn, PyUntypedArray,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use std::ops::Deref;

/// Maps a library error to the Python exception the conventions ask for.
pub(crate) fn value_error(e: Error) -> PyErr {
    match e {
        Error::Cancelled => crate::progress::Cancelled::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Channel count and length of an audio array, and whether it was 1-D.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Planar channels.
    pub channels: usize,
    /// Samples per channel.
    pub samples: usize,
    /// The array was 1-D (mono); mono output is returned 1-D too.
    pub one_d: bool,
}

fn fmt_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// `(channels, samples)` of an audio array's `shape`, checked as every
/// call checks audio (the file functions' shape check).
#[pyfunction]
pub(crate) fn _audio_shape(shape: Vec<usize>) -> PyResult<(usize, usize)> {
    audio_shape(&shape).map(|s| (s.channels, s.samples))
}

/// Validates an array shape as audio: 1-D mono or 2-D `(channels, samples)`.
pub(crate) fn audio_shape(shape: &[usize]) -> PyResult<Shape> {
    let s = fmt_shape(shape);
    match *shape {
        [samples] => Ok(Shape { channels: 1, samples, one_d: true }),
        [0, _] => Err(PyValueError::new_err(format!(
            "audio has no channels (shape {s}): pass (channels, samples) with at least one channel"
        ))),
        // Many rows over one or two columns (more than 7.1 surround's
        // eight) is a (samples, channels) block of mono or stereo, not
        // channels of a sample or two.
        [channels, samples]
            if channels <= MAX_CHANNELS && (samples > 2 || samples == 0 || channels <= 8) =>
        {
            Ok(Shape { channels, samples, one_d: false })
        }
        [_, samples] if samples <= MAX_CHANNELS => Err(PyValueError::new_err(format!(
            "got shape {s}: looks like (samples, channels); audio is (channels, samples), pass x.T"
        ))),
        [_, _] => Err(PyValueError::new_err(format!(
            "got shape {s}: audio is (channels, samples) with at most {MAX_CHANNELS} channels"
        ))),
        [] => Err(PyValueError::new_err(
            "got a 0-d array (a scalar): audio is 1-D mono or 2-D (channels, samples)",
        )),
        _ => Err(PyValueError::new_err(format!(
            "got a {}-D array of shape {s}: audio is 1-D mono or 2-D (channels, samples); \
             process a batch item by item (e.g. x[i])",
            shape.len()
        ))),
    }
}

/// The fix to suggest for a dtype that is not real floating point.
fn dtype_fix(kind: u8, itemsize: usize, name: &str) -> String {
    match kind {
        b'i' => {
            let full_scale = 1u128 << (8 * itemsize - 1);
            format!(
                "integer audio (dtype {name}) is not scaled implicitly: convert it to float, \
                 e.g. x.astype(np.float32) / {full_scale}"
            )
        }
        b'u' => {
            let half = 1u128 << (8 * itemsize - 1);
            format!(
                "unsigned integer audio (dtype {name}) is not scaled implicitly: convert it to \
                 float, e.g. (x.astype(np.float32) - {half}) / {half}"
            )
        }
        b'c' => {
            format!("complex arrays (dtype {name}) are not audio: pass a real array such as x.real")
        }
        _ => format!("expected a real floating-point array (float32 or float64), got dtype {name}"),
    }
}

/// Converts `x` to a numpy array (`numpy.asarray` for array-likes) and checks
/// that its dtype is real floating point; raises `TypeError` naming the fix.
pub(crate) fn float_array<'py>(x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    let array = match x.cast::<PyUntypedArray>() {
        Ok(a) => a.clone(),
        Err(_) => {
            let np = x.py().import("numpy")?;
            np.call_method1("asarray", (x,))?.cast_into::<PyUntypedArray>()?
        }
    };
    let dtype = array.dtype();
    if dtype.kind() != b'f' {
        let name = dtype.str()?.to_string();
        return Err(PyTypeError::new_err(dtype_fix(dtype.kind(), dtype.itemsize(), &name)));
    }
    Ok(array)
}

/// A real floating-point audio array borrowed for reading, in its own
/// float type (other float types are converted to `f64` first).
pub(crate) enum Samples<'py> {
    F32(PyReadonlyArrayDyn<'py, f32>),
    F64(PyReadonlyArrayDyn<'py, f64>),
}

impl<'py> Samples<'py> {
    /// Borrows `array` (already checked to be real floating point).
    pub(crate) fn new(array: &Bound<'py, PyUntypedArray>) -> PyResult<Self> {
        if let Ok(a) = array.cast::<PyArrayDyn<f32>>() {
            return Ok(Self::F32(a.try_readonly().map_err(borrow_error)?));
        }
        if let Ok(a) = array.cast::<PyArrayDyn<f64>>() {
            return Ok(Self::F64(a.try_readonly().map_err(borrow_error)?));
        }
        // float16, long double, non-native byte order: let numpy convert.
        let converted = array.call_method1("astype", ("=f8",))?;
        Ok(Self::F64(converted.cast::<PyArrayDyn<f64>>()?.try_readonly().map_err(borrow_error)?))
    }

    /// The samples as `(channels, samples)` views that may be read with
    /// the GIL released (they are `Send`).
    pub(crate) fn view(&self, shape: Shape) -> PyResult<View<'_>> {
        fn two_d<T>(a: ArrayViewD<'_, T>, shape: Shape) -> PyResult<ArrayView2<'_, T>> {
            if shape.one_d {
                a.into_dimensionality::<Ix1>().map(|v| v.insert_axis(Axis(0)))
            } else {
                a.into_dimensionality::<Ix2>()
            }
            .map_err(|e| PyValueError::new_err(format!("not an audio array: {e}")))
        }
        Ok(match self {
            Self::F32(a) => View::F32(two_d(a.as_array(), shape)?),
            Self::F64(a) => View::F64(two_d(a.as_array(), shape)?),
        })
    }

    /// Copies samples `start..start + n` of every channel of audio `shape`
    /// as `f32` into `dst` (see [`View::copy_block`]).
    pub(crate) fn copy_block(
        &self,
        shape: Shape,
        start: usize,
        n: usize,
        dst: &mut [f32],
        stride: usize,
    ) -> PyResult<()> {
        self.view(shape)?.copy_block(start, n, dst, stride);
        Ok(())
    }
}

/// Audio `(channels, samples)` in its own float type, readable without the
/// GIL.
#[derive(Debug)]
pub(crate) enum View<'a> {
    F32(ArrayView2<'a, f32>),
    F64(ArrayView2<'a, f64>),
}

impl View<'_> {
    /// Channels of the audio.
    pub(crate) fn channels(&self) -> usize {
        match self {
            Self::F32(a) => a.nrows(),
            Self::F64(a) => a.nrows(),
        }
    }

    /// Copies samples `start..start + n` of every channel as `f32` into
    /// `dst`, channel `c` from `c * stride`; samples past the end of the
    /// audio read as zeros.
    pub(crate) fn copy_block(&self, start: usize, n: usize, dst: &mut [f32], stride: usize) {
        match self {
            Self::F32(a) => copy_rows(a, start, n, dst, stride, |v| v),
            Self::F64(a) => copy_rows(a, start, n, dst, stride, |v| v as f32),
        }
    }
}

fn copy_rows<T: Copy>(
    view: &ArrayView2<'_, T>,
    start: usize,
    n: usize,
    dst: &mut [f32],
    stride: usize,
    convert: impl Fn(T) -> f32,
) {
    if n == 0 {
        return;
    }
    let samples = view.ncols();
    let (from, to) = (start.min(samples), (start + n).min(samples));
    for (row, out) in view.outer_iter().zip(dst.chunks_mut(stride)) {
        let (head, zeros) = out[..n].split_at_mut(to - from);
        let row = row.slice_move(s![from..to]);
        // Contiguous rows (the usual case) convert as slices, which vectorises.
        match row.as_slice() {
            Some(row) => head.iter_mut().zip(row).for_each(|(o, &v)| *o = convert(v)),
            None => head.iter_mut().zip(row.iter()).for_each(|(o, &v)| *o = convert(v)),
        }
        zeros.fill(0.0);
    }
}

/// Copies a real floating-point array of `shape` into `dst` as `f32`,
/// channel `c` starting at `c * stride` (zeros after its samples).
pub(crate) fn copy_planar(
    array: &Bound<'_, PyUntypedArray>,
    shape: Shape,
    dst: &mut [f32],
    stride: usize,
) -> PyResult<()> {
    Samples::new(array)?.copy_block(shape, 0, stride, dst, stride)
}

/// Reads `x` as planar `f32` audio: `(shape, samples)` with channel `c`
/// at `c * samples`.
pub(crate) fn read_audio(x: &Bound<'_, PyAny>) -> PyResult<(Shape, Vec<f32>)> {
    let array = float_array(x)?;
    let shape = audio_shape(array.shape())?;
    let mut data = vec![0.0; shape.channels * shape.samples];
    copy_planar(&array, shape, &mut data, shape.samples)?;
    Ok((shape, data))
}

/// Planar `f32` samples (channel `c` at `c * samples`) read from an array:
/// borrowed from a C-contiguous `float32` array, copied from any other.
pub(crate) enum PlanarData<'py> {
    Borrowed(PyReadonlyArrayDyn<'py, f32>),
    Owned(Vec<f32>),
}

impl Deref for PlanarData<'_> {
    type Target = [f32];

    fn deref(&self) -> &[f32] {
        match self {
            // Only C-contiguous arrays are borrowed.
            Self::Borrowed(a) => a.as_slice().unwrap_or(&[]),
            Self::Owned(v) => v,
        }
    }
}

/// [`read_audio`] for reading only: a C-contiguous `float32` array (the
/// usual case) is borrowed, not copied.
pub(crate) fn read_audio_ref<'py>(x: &Bound<'py, PyAny>) -> PyResult<(Shape, PlanarData<'py>)> {
    if let Ok(a) = x.cast::<PyArrayDyn<f32>>()
        && a.is_c_contiguous()
    {
        let shape = audio_shape(a.shape())?;
        if let Ok(ro) = a.try_readonly() {
            return Ok((shape, PlanarData::Borrowed(ro)));
        }
    }
    let (shape, data) = read_audio(x)?;
    Ok((shape, PlanarData::Owned(data)))
}

fn borrow_error(e: BorrowError) -> PyErr {
    match e {
        BorrowError::NotWriteable => PyTypeError::new_err(
            "the array is read-only: process_inplace needs a writable array \
             (pass a copy, x = x.copy(), or use process(), which returns a new array)",
        ),
        _ => PyTypeError::new_err(format!("the array cannot be borrowed: {e}")),
    }
}

/// Borrows `x` for in-place processing: a writable, C-contiguous `float32`
/// numpy array of audio shape. Never copies; raises `TypeError` otherwise.
pub(crate) fn writable_audio<'py>(
    x: &Bound<'py, PyAny>,
) -> PyResult<(Shape, PyReadwriteArrayDyn<'py, f32>)> {
    const FIX: &str = "x = np.ascontiguousarray(x, dtype=np.float32)";
    let Ok(array) = x.cast::<PyUntypedArray>() else {
        let name = x.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "process_inplace needs a numpy float32 array, got {name}: convert it first \
             ({FIX}) or use process(), which returns a new array"
        )));
    };
    let Ok(array) = array.cast::<PyArrayDyn<f32>>() else {
        let name = array.dtype().str()?.to_string();
        return Err(PyTypeError::new_err(format!(
            "process_inplace needs dtype float32, got {name}; it never copies silently: \
             convert first ({FIX}) or use process(), which returns a new array"
        )));
    };
    let shape = audio_shape(array.shape())?;
    if !array.is_c_contiguous() {
        return Err(PyTypeError::new_err(format!(
            "process_inplace needs a C-contiguous array (a transposed or sliced view is not); \
             make a contiguous copy first ({FIX}) or use process()"
        )));
    }
    let rw = array.try_readwrite().map_err(borrow_error)?;
    Ok((shape, rw))
}

/// Wraps planar data (`channels * samples`, channel-major) in a new numpy
/// array without copying: 1-D when `one_d`, else `(channels, samples)`.
pub(crate) fn to_numpy(
    py: Python<'_>,
    data: Vec<f32>,
    channels: usize,
    samples: usize,
    one_d: bool,
) -> PyResult<Bound<'_, PyAny>> {
    debug_assert_eq!(data.len(), channels * samples);
    let flat = PyArray1::from_vec(py, data);
    if one_d { Ok(flat.into_any()) } else { Ok(flat.reshape([channels, samples])?.into_any()) }
}

/// Reads frequencies in Hz (any real array-like, integers too) as `f64`,
/// keeping the shape.
pub(crate) fn read_freqs<'py>(x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArrayDyn<'py, f64>> {
    let np = x.py().import("numpy")?;
    let array = np.call_method1("asarray", (x,))?.cast_into::<PyUntypedArray>()?;
    if !matches!(array.dtype().kind(), b'f' | b'i' | b'u') {
        let name = array.dtype().str()?.to_string();
        return Err(PyTypeError::new_err(format!(
            "frequencies must be real numbers in Hz, got dtype {name}"
        )));
    }
    let array = array.call_method1("astype", ("=f8",))?.cast_into::<PyArrayDyn<f64>>()?;
    array.try_readonly().map_err(borrow_error)
}
