//! `MlProcessor`, the one opaque handle for every processor, and its generic
//! functions. Processor kinds live in their own files and only add typed
//! constructors and setters through `new_processor`, `with_kind` and
//! `get_kind`.

use std::any::Any;

use dsp_core::buffer::process_interleaved;
use dsp_core::processor::process_in_blocks;
use dsp_core::{Error, ProcessSpec, Processor};

use crate::audio::{INTERLEAVED_PIECE, check_channels, interleaved_mut, planar_mut};
use crate::guard::{Handle, free_handle, get_from, new_handle, update_handle, with_handle};
use crate::status::{Fail, ML_STATUS_WRONG_KIND, MlStatus};

/// A processor that can be downcast to its concrete kind.
pub(crate) trait AnyProcessor: Processor + Any {}

impl<T: Processor + Any> AnyProcessor for T {}

/// Opaque handle to any processor (gain, pan, filter, equalizer, chain...).
///
/// Create it with a typed constructor (`ml_gain_new`...), prepare it with
/// `ml_processor_prepare`, process with `ml_processor_process_planar` or
/// `ml_processor_process_interleaved`, free it with `ml_processor_free`.
/// A handle may be used from any thread, but not from two at once.
pub struct MlProcessor {
    inner: Box<dyn AnyProcessor>,
    spec: Option<ProcessSpec>,
    scratch: Vec<f32>,
    poisoned: bool,
}

impl std::fmt::Debug for MlProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlProcessor")
            .field("spec", &self.spec)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl Handle for MlProcessor {
    fn poison_flag(&mut self) -> &mut bool {
        &mut self.poisoned
    }
}

impl MlProcessor {
    /// The processor as its concrete kind, if it is one (never allocates).
    pub(crate) fn try_kind<T: Any>(&mut self) -> Option<&mut T> {
        let any: &mut dyn Any = &mut *self.inner;
        any.downcast_mut::<T>()
    }

    /// The processor as its concrete kind, or `ML_STATUS_WRONG_KIND`.
    pub(crate) fn kind_mut<T: Any>(&mut self) -> Result<&mut T, Fail> {
        self.try_kind::<T>().ok_or_else(|| {
            let name = std::any::type_name::<T>().rsplit("::").next().unwrap_or("other");
            Fail::new(ML_STATUS_WRONG_KIND, format!("this function needs a {name} processor"))
        })
    }

    /// Marks the handle as needing `ml_processor_prepare` again.
    pub(crate) fn unprepare(&mut self) {
        self.spec = None;
    }

    /// Takes the processor out of the handle (for a chain to own).
    pub(crate) fn into_processor(self) -> Box<dyn Processor> {
        self.inner
    }

    /// Whether the handle is poisoned.
    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    pub(crate) fn prepared_spec(&self) -> Result<ProcessSpec, Fail> {
        self.spec.ok_or_else(|| Error::NotPrepared.into())
    }
}

/// Creates a handle for the processor `make` returns and writes it to `out`.
///
/// # Safety
/// `out` is NULL or valid for a write of a pointer.
pub(crate) unsafe fn new_processor<T: Processor + Any, E: Into<Fail>>(
    out: *mut *mut MlProcessor,
    make: impl FnOnce() -> Result<T, E>,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let inner = Box::new(make().map_err(Into::into)?);
            Ok(MlProcessor { inner, spec: None, scratch: Vec::new(), poisoned: false })
        })
    }
}

/// Runs a typed setter on `p` if it is a `T`, else `ML_STATUS_WRONG_KIND`.
///
/// # Safety
/// `p` is NULL or a live handle not used elsewhere during the call.
pub(crate) unsafe fn with_kind<T: Any, E: Into<Fail>>(
    p: *mut MlProcessor,
    set: impl FnOnce(&mut T) -> Result<(), E>,
) -> MlStatus {
    unsafe { with_handle(p, |h| set(h.kind_mut::<T>()?).map_err(Into::into)) }
}

/// Runs an infallible typed setter on `p` if it is a `T`, else
/// `ML_STATUS_WRONG_KIND`.
///
/// # Safety
/// `p` is NULL or a live handle not used elsewhere during the call.
pub(crate) unsafe fn update_kind<T: Any>(
    p: *mut MlProcessor,
    set: impl FnOnce(&mut T),
) -> MlStatus {
    unsafe {
        with_kind(p, |t: &mut T| {
            set(t);
            Ok::<_, Fail>(())
        })
    }
}

/// Writes a typed getter's value to `out` if `p` is a `T`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write of `V`.
pub(crate) unsafe fn get_kind<T: Any, V>(
    p: *mut MlProcessor,
    out: *mut V,
    get: impl FnOnce(&T) -> V,
) -> MlStatus {
    unsafe { get_from(p, out, |h| Ok(get(h.kind_mut::<T>()?))) }
}

/// Prepares the processor for a sample rate, a maximum block size (samples per
/// channel) and a channel count. May allocate; call it before processing and
/// again whenever these change. Resets the signal state.
///
/// Fails with `ML_STATUS_INVALID_SAMPLE_RATE` (outside 1 kHz..768 kHz),
/// `ML_STATUS_INVALID_BLOCK_SIZE`, `ML_STATUS_INVALID_CHANNEL_COUNT` (e.g. a
/// pan is stereo only) or `ML_STATUS_ABOVE_NYQUIST` (a cutoff the sample rate
/// cannot represent); the processor is then unprepared.
///
/// @param p the processor
/// @param sample_rate sample rate in Hz
/// @param max_block largest block (samples per channel) one low-level process
///        call will see; longer buffers are split automatically
/// @param channels number of planar channels
///
/// # Safety
/// `p` is NULL or a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_prepare(
    p: *mut MlProcessor,
    sample_rate: f64,
    max_block: usize,
    channels: usize,
) -> MlStatus {
    unsafe {
        with_handle(p, |h| {
            h.spec = None;
            let spec = ProcessSpec::new(sample_rate, max_block, channels);
            spec.validate()?;
            h.inner.prepare(&spec)?;
            h.scratch = vec![0.0; channels * max_block.min(INTERLEAVED_PIECE)];
            h.spec = Some(spec);
            Ok(())
        })
    }
}

/// Clears the signal state (delay lines, filter memories, envelopes) and jumps
/// smoothed parameters to their targets, as at the start of a new stream.
/// Never allocates.
///
/// # Safety
/// `p` is NULL or a live handle not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_reset(p: *mut MlProcessor) -> MlStatus {
    unsafe { update_handle(p, |h| h.inner.reset()) }
}

/// Processes planar audio in place: `channels[c][i]` is sample `i` of channel `c`.
///
/// Any `num_samples` is accepted (longer than `max_block` is split into
/// pieces; 0 is a no-op); `num_channels` must equal the prepared count.
/// Never allocates. Non-finite input samples are processed as silence and
/// counted (`ml_processor_nonfinite_count`).
///
/// Fails with `ML_STATUS_NOT_PREPARED`, `ML_STATUS_CHANNEL_MISMATCH`,
/// `ML_STATUS_NULL_POINTER` (the array or one of its channels), or
/// `ML_STATUS_INVALID_ARGUMENT` if channel buffers overlap.
///
/// # Safety
/// `channels` is NULL or holds `num_channels` pointers, each NULL or valid for
/// reads and writes of `num_samples` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_process_planar(
    p: *mut MlProcessor,
    channels: *const *mut f32,
    num_channels: usize,
    num_samples: usize,
) -> MlStatus {
    unsafe {
        with_handle(p, |h| {
            let spec = h.prepared_spec()?;
            check_channels(spec.channels, num_channels)?;
            let mut views = planar_mut(channels, num_channels, num_samples)?;
            process_in_blocks(&mut *h.inner, &mut views[..num_channels], spec.max_block_size);
            Ok(())
        })
    }
}

/// Processes interleaved audio in place: `interleaved[i * num_channels + c]`
/// is sample `i` of channel `c`.
///
/// Same rules as `ml_processor_process_planar`; the output equals planar
/// processing of the same audio. Deinterleaves through scratch memory sized
/// by `ml_processor_prepare`, so it never allocates.
///
/// # Safety
/// `interleaved` is NULL or valid for reads and writes of
/// `num_channels * num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_process_interleaved(
    p: *mut MlProcessor,
    interleaved: *mut f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        with_handle(p, |h| {
            let spec = h.prepared_spec()?;
            check_channels(spec.channels, num_channels)?;
            let audio = interleaved_mut(interleaved, num_channels, num_frames)?;
            let piece = spec.max_block_size.min(INTERLEAVED_PIECE);
            let inner = &mut h.inner;
            process_interleaved(audio, &mut h.scratch, num_channels, piece, |v| inner.process(v));
            Ok(())
        })
    }
}

/// Writes the delay the processor adds, in samples, to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_latency(p: *mut MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_from(p, out, |h| Ok(h.inner.latency())) }
}

/// Writes the number of output samples that may follow the end of the input
/// (reverb and filter tails) to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_tail(p: *mut MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_from(p, out, |h| Ok(h.inner.tail())) }
}

/// Writes the number of non-finite input samples (NaN, Inf) seen since
/// creation to `*out`; they were processed as silence.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_nonfinite_count(
    p: *mut MlProcessor,
    out: *mut u64,
) -> MlStatus {
    unsafe { get_from(p, out, |h| Ok(h.inner.nonfinite_count())) }
}

/// Frees a processor. NULL is a no-op.
///
/// # Safety
/// `p` is NULL or a handle from a constructor that has not been freed or
/// handed to a chain; it must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_free(p: *mut MlProcessor) {
    unsafe { free_handle(p) }
}
