//! Chains: processors in series. A chain is
//! the processor kind `chain` (`ml_processor_new_kind("chain", &p)`); these
//! are its structural calls, which have no parameter equivalent.
//!
//! A chain is an `MlProcessor`: prepare, process, reset and free it with the
//! `ml_processor_*` functions. Its latency and tail are the sums over the
//! members. A member is bypassed by its own `bypass` parameter (reach it
//! with `ml_chain_member`), as every processor is.

use std::any::Any;
use std::ptr::NonNull;

use dsp_core::params::{Dynamics, KindInfo, MemberLoader};
use dsp_core::preset_format::{Preset, PresetError};
use dsp_core::{Chain, DynProcessor, Error, Params, ProcessSpec, Processor};

use crate::guard::{Handle, Outcome, non_null};
use crate::processor::{MlProcessor, get_kind, get_state, with_processor};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_POISONED, Message, MlStatus};

/// Appends `member` to the end of `chain`, which owns it from then on.
///
/// The `member` handle stays valid while the chain lives: set and read its
/// parameters from any thread and read its gain reduction as before, and
/// make its structural calls (e.g. `ml_equalizer_set_band`) on the chain's
/// processing thread. The chain prepares, processes, resets and frees it:
/// those calls on `member` fail with `ML_STATUS_INVALID_ARGUMENT`, and
/// `ml_processor_free(member)` does nothing. `ml_chain_member` finds it again
/// by index. The chain must be prepared again afterwards
/// (`ML_STATUS_NOT_PREPARED` until then).
///
/// Fails with `ML_STATUS_WRONG_KIND` if `chain` is not a chain,
/// `ML_STATUS_INVALID_ARGUMENT` if `member` is `chain` itself or already in a
/// chain, and `ML_STATUS_POISONED` if `member` is poisoned; the caller then
/// still owns it.
///
/// Thread rule: the processing thread of `chain` only.
///
/// # Safety
/// `chain` and `member` are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_chain_push(
    chain: *mut MlProcessor,
    member: *mut MlProcessor,
) -> MlStatus {
    unsafe {
        with_processor(chain, |_, st| {
            push_member(st.kind_mut::<Chain>()?, chain, member)?;
            st.unprepare();
            Ok(())
        })
    }
}

/// Writes the number of members of `chain` to `*out`.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `chain` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_chain_len(chain: *const MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_kind(chain, out, Chain::len) }
}

/// Writes member `index` (0 is the first pushed) of `chain` to `*out`: a
/// handle the chain owns (see `ml_chain_push`), valid while the chain lives
/// and the member stays in it. Reach a loaded chain's members this way too.
/// May allocate (the first time a loaded member is reached).
///
/// Fails with `ML_STATUS_WRONG_KIND` if `chain` is not a chain and
/// `ML_STATUS_INVALID_ARGUMENT` if there is no such member.
///
/// Thread rule: the processing thread of `chain` only.
///
/// # Safety
/// `chain` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_chain_member(
    chain: *mut MlProcessor,
    index: usize,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe { get_state(chain, out, |st| member_handle(st.kind_mut::<Chain>()?, index)) }
}

/// Appends the handle `member` (checked: live, not poisoned, in no chain)
/// to `chain`, which owns it from then on.
///
/// # Safety
/// `member` is NULL or a live handle from `Box::into_raw`.
pub(crate) unsafe fn push_member(
    chain: &mut Chain,
    this: *const MlProcessor,
    member: *mut MlProcessor,
) -> Outcome {
    let h = unsafe { non_null(member)? };
    if reaches(h, this) {
        return Err(Fail::new(ML_STATUS_INVALID_ARGUMENT, "a chain cannot contain itself"));
    }
    if h.is_poisoned() {
        return Err(Fail::new(ML_STATUS_POISONED, "member poisoned by an earlier panic"));
    }
    if h.is_in_chain() {
        return Err(Fail::new(ML_STATUS_INVALID_ARGUMENT, "member is already in a chain"));
    }
    chain.push(Box::new(Member::new(member)));
    Ok(())
}

/// Whether `target` is `h` or a member of it, at any depth (processing
/// thread: it enters chains' states).
fn reaches(h: &MlProcessor, target: *const MlProcessor) -> bool {
    if std::ptr::eq(h, target) {
        return true;
    }
    // SAFETY: the processing thread of the chain being built.
    unsafe {
        h.with_state(|st| {
            let Some(c) = st.try_kind::<Chain>() else { return false };
            (0..c.len()).any(|i| {
                c.get_mut(i)
                    .and_then(|m| m.as_any().downcast_ref::<Member>())
                    .is_some_and(|m| reaches(m.handle(), target))
            })
        })
    }
}

/// The handle of member `index` of `chain`, wrapping a member that has none
/// yet (a loaded one).
pub(crate) fn member_handle(chain: &mut Chain, index: usize) -> Result<*mut MlProcessor, Fail> {
    let count = chain.len();
    if let Some(m) = chain.get_mut(index).and_then(|m| m.as_any().downcast_ref::<Member>()) {
        return Ok(m.handle.as_ptr());
    }
    let wrap = |p| -> Box<dyn DynProcessor> {
        Box::new(Member::new(Box::into_raw(Box::new(MlProcessor::new(p)))))
    };
    let missing = || {
        let message = Message::NoIndex { owner: "", what: "member", index, count };
        Fail::new(ML_STATUS_INVALID_ARGUMENT, message)
    };
    let m = chain.wrap_member(index, wrap).ok_or_else(missing)?;
    Ok(m.as_any().downcast_ref::<Member>().expect("just wrapped").handle.as_ptr())
}

/// A chain's member kept in its own handle, so that the host can still
/// reach its parameters and readings (`ml_chain_member`). The chain's
/// processing thread is the only one to enter the member's state; other
/// threads only touch the handle's atomics, as for any handle.
struct Member {
    handle: NonNull<MlProcessor>,
}

// SAFETY: the handle is only entered by the chain's processing thread (the
// thread that holds the chain); other threads use its atomics only.
unsafe impl Send for Member {}

impl Member {
    /// Takes `handle` (from `Box::into_raw`) into the chain.
    fn new(handle: *mut MlProcessor) -> Self {
        let handle = NonNull::new(handle).expect("checked non-NULL");
        unsafe { handle.as_ref() }.enter_chain();
        Self { handle }
    }

    fn handle(&self) -> &MlProcessor {
        // SAFETY: the member owns a live handle until it is dropped.
        unsafe { self.handle.as_ref() }
    }

    /// Runs `f` on the member's processor with its targets applied.
    fn with<R>(&self, f: impl FnOnce(&mut dyn DynProcessor) -> R) -> R {
        // SAFETY: only the chain's processing thread calls in (see `Member`).
        unsafe { self.handle().with_state(|st| f(&mut *st.inner)) }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // SAFETY: the handle came from `Box::into_raw` and is only freed here.
        drop(unsafe { Box::from_raw(self.handle.as_ptr()) });
    }
}

impl Processor for Member {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        let h = self.handle();
        self.with(|p| {
            p.prepare(spec)?;
            h.store_gain_reduction(p);
            Ok(())
        })
    }

    fn reset(&mut self) {
        let h = self.handle();
        self.with(|p| {
            p.reset();
            h.store_gain_reduction(p);
        });
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let h = self.handle();
        self.with(|p| {
            p.process(channels);
            h.store_gain_reduction(p);
        });
    }

    fn latency(&self) -> usize {
        self.with(|p| p.latency())
    }

    fn tail(&self) -> usize {
        self.with(|p| p.tail())
    }

    fn nonfinite_count(&self) -> u64 {
        self.with(|p| p.nonfinite_count())
    }
}

impl Params for Member {
    fn kind(&self) -> &'static KindInfo {
        self.handle().kind()
    }

    fn param(&self, index: usize) -> Option<f64> {
        self.handle().params().get(index)
    }

    fn set_param(&mut self, index: usize, value: f64) -> Result<(), Error> {
        self.handle().params().set(index, value)
    }
}

impl DynProcessor for Member {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn route(&mut self, input: usize) -> Result<usize, Error> {
        self.with(|p| p.route(input))
    }

    fn dynamics(&mut self) -> Option<&mut dyn Dynamics> {
        let h = self.handle();
        // SAFETY: the chain's processing thread, with `&mut self`: no other
        // borrow of the state is alive.
        let st = unsafe { h.state_mut() };
        h.params().apply(&mut *st.inner);
        st.inner.dynamics()
    }

    fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
        self.with(|p| p.save_members(save))
    }

    fn load_members(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
        self.with(|p| p.load_members(members, load))
    }
}
