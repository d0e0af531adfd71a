//! `MlProcessor`, the one opaque handle for every processor kind, and its
//! generic functions (prepare, process, reset, latency, free).
//!
//! A handle is shared by two kinds of caller: the processing thread (prepare,
//! process, reset, structural changes, free), one call at a time, and any
//! number of threads that read and set parameters while it runs. The
//! parameter side is [`SharedParams`] (one atomic per parameter, no lock)
//! plus atomics for the poison flag and the gain-reduction reading; the
//! processing state sits in an [`UnsafeCell`] that only the processing
//! thread enters (`MlProcessor::with_state`). Every export reaches the
//! handle through a shared reference (`guard::with_shared`), never `&mut`.

use std::any::Any;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

use dsp_core::buffer::process_interleaved;
use dsp_core::params::KindInfo;
use dsp_core::processor::for_each_block;
use dsp_core::shared_params::SharedParams;
use dsp_core::{DynProcessor, Error, ProcessSpec};

use crate::audio::{INTERLEAVED_PIECE, check_channels, interleaved_mut, planar_mut};
use crate::gain_reduction::GainReduction;
use crate::guard::{Handle, Outcome, free_handle, get_shared, new_handle, with_shared};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_WRONG_KIND, Message, MlStatus};

/// Opaque handle to any processor (gain, pan, filter, equalizer, chain...).
///
/// Create it by kind name (`ml_processor_new_kind`) or from a preset
/// (`ml_processor_load_json`), prepare it with `ml_processor_prepare`,
/// process with `ml_processor_process_planar` or
/// `ml_processor_process_interleaved`, free it with `ml_processor_free`.
/// Parameters may be read and set from any thread while one thread
/// processes; see the thread rules in the header's introduction.
pub struct MlProcessor {
    kind: &'static KindInfo,
    params: SharedParams,
    /// Gain reduction after the last processed block (dynamics kinds).
    gain_reduction: GainReduction,
    poisoned: AtomicBool,
    /// Set when a chain takes the handle: the chain processes it from then on.
    in_chain: AtomicBool,
    state: UnsafeCell<State>,
}

/// What only the processing thread touches.
pub(crate) struct State {
    pub(crate) inner: Box<dyn DynProcessor>,
    spec: Option<ProcessSpec>,
    scratch: Vec<f32>,
}

impl std::fmt::Debug for MlProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlProcessor")
            .field("kind", &self.kind.name)
            .field("poisoned", &self.is_poisoned())
            .finish_non_exhaustive()
    }
}

impl Handle for MlProcessor {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

impl MlProcessor {
    /// A handle for `inner`, its parameter targets holding its values.
    pub(crate) fn new(mut inner: Box<dyn DynProcessor>) -> Self {
        let gain_reduction = GainReduction::default();
        if inner.kind().caps.gain_reduction {
            gain_reduction.store(&mut *inner);
        }
        Self {
            kind: inner.kind(),
            params: SharedParams::new(&*inner),
            gain_reduction,
            poisoned: AtomicBool::new(false),
            in_chain: AtomicBool::new(false),
            state: UnsafeCell::new(State { inner, spec: None, scratch: Vec::new() }),
        }
    }

    /// The processor's kind (fixed for the handle's life).
    pub(crate) fn kind(&self) -> &'static KindInfo {
        self.kind
    }

    /// Marks the handle as a chain's member (see `ml_chain_push`).
    pub(crate) fn enter_chain(&self) {
        self.in_chain.store(true, Ordering::Release);
    }

    /// Whether a chain owns the handle.
    pub(crate) fn is_in_chain(&self) -> bool {
        self.in_chain.load(Ordering::Acquire)
    }

    /// `Ok` unless a chain owns the handle: a member is prepared, processed
    /// and reset by its chain only.
    pub(crate) fn free_standing(&self) -> Result<(), Fail> {
        if self.is_in_chain() {
            let lacks = "belongs to a chain: prepare, process and reset the chain instead";
            return Err(Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                Message::KindLacks { kind: self.kind.name, lacks },
            ));
        }
        Ok(())
    }

    /// The processing state, for a chain running its member (processing
    /// thread only, as [`Self::with_state`]; the caller applies the targets).
    ///
    /// # Safety
    /// As [`Self::with_state`], and no other borrow of the state is alive.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn state_mut(&self) -> &mut State {
        unsafe { &mut *self.state.get() }
    }

    /// The parameter targets, which any thread may read and set.
    pub(crate) fn params(&self) -> &SharedParams {
        &self.params
    }

    /// Runs `f` on the processing state after handing it the parameter
    /// targets set since the last call.
    ///
    /// # Safety
    /// Only the processing thread calls this, never while another call on
    /// the same handle is inside it (the header's thread rules).
    pub(crate) unsafe fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        // SAFETY: the caller guarantees exclusive access to the state.
        let state = unsafe { &mut *self.state.get() };
        self.params.apply(&mut *state.inner);
        f(state)
    }

    /// Records the processor's gain reduction for any thread to read.
    pub(crate) fn store_gain_reduction(&self, inner: &mut dyn DynProcessor) {
        if self.kind.caps.gain_reduction {
            self.gain_reduction.store(inner);
        }
    }

    /// The gain-reduction readings, for kinds that report them.
    pub(crate) fn gain_reduction(&self) -> Result<&GainReduction, Fail> {
        if !self.kind.caps.gain_reduction {
            let lacks = "does not report gain reduction";
            return Err(Fail::new(
                ML_STATUS_WRONG_KIND,
                Message::KindLacks { kind: self.kind.name, lacks },
            ));
        }
        Ok(&self.gain_reduction)
    }
}

impl State {
    /// The prepared spec, or `ML_STATUS_NOT_PREPARED`.
    pub(crate) fn prepared_spec(&self) -> Result<ProcessSpec, Fail> {
        self.spec.ok_or_else(|| Error::NotPrepared.into())
    }

    /// Marks the handle as needing `ml_processor_prepare` again.
    pub(crate) fn unprepare(&mut self) {
        self.spec = None;
    }

    /// The processor as its concrete kind, if it is one (never allocates).
    pub(crate) fn try_kind<T: Any>(&mut self) -> Option<&mut T> {
        self.inner.as_any_mut().downcast_mut::<T>()
    }

    /// The processor as its concrete kind, or `ML_STATUS_WRONG_KIND`.
    pub(crate) fn kind_mut<T: Any>(&mut self) -> Result<&mut T, Fail> {
        let name = self.inner.kind().name;
        self.try_kind::<T>().ok_or_else(|| {
            let want = std::any::type_name::<T>().rsplit("::").next().unwrap_or("other");
            Fail::new(ML_STATUS_WRONG_KIND, Message::NeedsKind { want, got: name })
        })
    }
}

/// Creates a handle for the processor `make` returns and writes it to `out`.
///
/// # Safety
/// `out` is NULL or valid for a write of a pointer.
pub(crate) unsafe fn new_processor(
    out: *mut *mut MlProcessor,
    make: impl FnOnce() -> Result<Box<dyn DynProcessor>, Fail>,
) -> MlStatus {
    unsafe { new_handle(out, || Ok(MlProcessor::new(make()?))) }
}

/// Runs `body` on the handle and its processing state (the processing
/// thread's entry: prepare, process, reset, structural changes).
///
/// # Safety
/// `p` is NULL or a live handle; no other processing-thread call on it runs
/// at the same time.
pub(crate) unsafe fn with_processor(
    p: *mut MlProcessor,
    body: impl FnOnce(&MlProcessor, &mut State) -> Outcome,
) -> MlStatus {
    unsafe { with_shared(p, |h| h.with_state(|st| body(h, st))) }
}

/// Writes `get(handle, state)` to `out` (a processing-thread query).
///
/// # Safety
/// As [`with_processor`]; `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn get_state<T>(
    p: *const MlProcessor,
    out: *mut T,
    get: impl FnOnce(&mut State) -> Result<T, Fail>,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| h.with_state(get)) }
}

/// Runs `set` on the processor if it is a `T`, else `ML_STATUS_WRONG_KIND`
/// (processing thread).
///
/// # Safety
/// As [`with_processor`].
pub(crate) unsafe fn with_kind<T: Any, E: Into<Fail>>(
    p: *mut MlProcessor,
    set: impl FnOnce(&mut T) -> Result<(), E>,
) -> MlStatus {
    unsafe { with_processor(p, |_, st| set(st.kind_mut::<T>()?).map_err(Into::into)) }
}

/// Writes `get(processor)` to `out` if the processor is a `T` (processing
/// thread).
///
/// # Safety
/// As [`with_processor`]; `out` is NULL or valid for a write of `V`.
pub(crate) unsafe fn get_kind<T: Any, V>(
    p: *const MlProcessor,
    out: *mut V,
    get: impl FnOnce(&T) -> V,
) -> MlStatus {
    unsafe { get_state(p, out, |st| Ok(get(st.kind_mut::<T>()?))) }
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
/// Thread rule: the processing thread only (not concurrently with another
/// call on the same handle except the parameter and info calls).
///
/// @param p the processor
/// @param sample_rate sample rate in Hz
/// @param max_block largest block (samples per channel) one low-level process
///        call will see; longer buffers are split automatically
/// @param channels number of planar channels
///
/// # Safety
/// `p` is NULL or a live handle; see the thread rule.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_prepare(
    p: *mut MlProcessor,
    sample_rate: f64,
    max_block: usize,
    channels: usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |h, st| {
            h.free_standing()?;
            st.spec = None;
            let spec = ProcessSpec::new(sample_rate, max_block, channels);
            spec.validate()?;
            st.inner.prepare(&spec)?;
            st.scratch = vec![0.0; channels * max_block.min(INTERLEAVED_PIECE)];
            st.spec = Some(spec);
            h.store_gain_reduction(&mut *st.inner);
            Ok(())
        })
    }
}

/// Clears the signal state (delay lines, filter memories, envelopes) and jumps
/// smoothed parameters to their targets, as at the start of a new stream.
/// Never allocates.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; see the thread rule.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_reset(p: *mut MlProcessor) -> MlStatus {
    unsafe {
        with_processor(p, |h, st| {
            h.free_standing()?;
            st.inner.reset();
            h.store_gain_reduction(&mut *st.inner);
            Ok(())
        })
    }
}

/// Processes planar audio in place: `channels[c][i]` is sample `i` of channel `c`.
///
/// Any `num_frames` is accepted (longer than `max_block` is split into
/// pieces; 0 is a no-op); `num_channels` must equal the prepared count.
/// Parameters set from other threads are picked up before each piece.
/// Never allocates. Non-finite input samples are processed as silence and
/// counted (`ml_processor_nonfinite_count`).
///
/// Fails with `ML_STATUS_NOT_PREPARED`, `ML_STATUS_CHANNEL_MISMATCH`,
/// `ML_STATUS_NULL_POINTER` (the array or one of its channels), or
/// `ML_STATUS_INVALID_ARGUMENT` if channel buffers overlap.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `channels` is NULL or holds `num_channels` pointers, each NULL or valid for
/// reads and writes of `num_frames` floats; see the thread rule.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_process_planar(
    p: *mut MlProcessor,
    channels: *const *mut f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |h, st| {
            h.free_standing()?;
            let spec = st.prepared_spec()?;
            check_channels(spec.channels, num_channels)?;
            let mut views = planar_mut(channels, num_channels, num_frames)?;
            let inner = &mut *st.inner;
            let max = spec.max_block_size;
            for_each_block(&mut views[..num_channels], &mut [], &[], max, |c, _, _| {
                h.params.apply(&mut *inner);
                inner.process(c);
            });
            h.store_gain_reduction(inner);
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
/// Thread rule: the processing thread only.
///
/// # Safety
/// `interleaved` is NULL or valid for reads and writes of
/// `num_channels * num_frames` floats; see the thread rule.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_process_interleaved(
    p: *mut MlProcessor,
    interleaved: *mut f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |h, st| {
            h.free_standing()?;
            let spec = st.prepared_spec()?;
            check_channels(spec.channels, num_channels)?;
            let audio = interleaved_mut(interleaved, num_channels, num_frames)?;
            let piece = spec.max_block_size.min(INTERLEAVED_PIECE);
            let inner = &mut *st.inner;
            process_interleaved(audio, &mut st.scratch, num_channels, piece, |v| {
                h.params.apply(&mut *inner);
                inner.process(v);
            });
            h.store_gain_reduction(inner);
            Ok(())
        })
    }
}

/// Writes the delay the processor adds, in samples, to `*out`.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_latency(p: *const MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_state(p, out, |st| Ok(st.inner.latency())) }
}

/// Writes the number of output samples that may follow the end of the input
/// (reverb and filter tails) to `*out`.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_tail(p: *const MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_state(p, out, |st| Ok(st.inner.tail())) }
}

/// Writes the number of non-finite input samples (NaN, Inf) seen since the
/// last `ml_processor_prepare` or `ml_processor_reset` to `*out`; they were
/// processed as silence. A chain counts its input (its first active member
/// counts the same samples).
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_nonfinite_count(
    p: *const MlProcessor,
    out: *mut u64,
) -> MlStatus {
    unsafe { get_state(p, out, |st| Ok(st.inner.nonfinite_count())) }
}

/// Frees a processor. NULL is a no-op, and so is a handle a chain owns
/// (`ml_chain_push`): the chain frees its members.
///
/// Thread rule: no other call on the handle may run or follow.
///
/// # Safety
/// `p` is NULL, a chain's member, or a handle from a constructor that has
/// not been freed; a freed handle must not be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_free(p: *mut MlProcessor) {
    if unsafe { p.as_ref() }.is_some_and(MlProcessor::is_in_chain) {
        return;
    }
    unsafe { free_handle(p) }
}
