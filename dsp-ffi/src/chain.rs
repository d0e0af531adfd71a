//! Chains: processors in series, each of which can be bypassed. A chain is
//! the processor kind `chain` (`ml_processor_new_kind("chain", &p)`); these
//! are its structural calls, which have no parameter equivalent.
//!
//! A chain is an `MlProcessor`: prepare, process, reset and free it with the
//! `ml_processor_*` functions. Its latency and tail are the sums over the
//! members that are not bypassed.

use dsp_core::Chain;

use crate::guard::{Handle, non_null};
use crate::processor::{MlProcessor, get_kind, get_state, with_kind, with_processor};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_POISONED, MlStatus};

/// Appends `member` to the end of `chain`.
///
/// On success the chain owns `member`: the caller must neither use nor free
/// it again (configure members before pushing them). On failure the caller
/// still owns it. The chain must be prepared again afterwards
/// (`ML_STATUS_NOT_PREPARED` until then).
///
/// Parameters set on `member` before the push are kept; afterwards they are
/// reached through the chain's preset (`ml_processor_save_json`).
///
/// Fails with `ML_STATUS_WRONG_KIND` if `chain` is not a chain,
/// `ML_STATUS_INVALID_ARGUMENT` if `member` is `chain` itself, and
/// `ML_STATUS_POISONED` if `member` is poisoned.
///
/// Thread rule: the processing thread of `chain` only, and no other call on
/// `member` may run or follow (it is consumed).
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
            if std::ptr::eq(chain, member) {
                return Err(Fail::new(ML_STATUS_INVALID_ARGUMENT, "a chain cannot contain itself"));
            }
            if non_null(member)?.is_poisoned() {
                return Err(Fail::new(ML_STATUS_POISONED, "member poisoned by an earlier panic"));
            }
            let c = st.kind_mut::<Chain>()?;
            c.push(Box::from_raw(member).into_processor());
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
pub unsafe extern "C" fn ml_chain_len(chain: *mut MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_kind(chain, out, Chain::len) }
}

/// Bypasses (or re-enables) member `index` (0 is the first pushed).
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such member.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `chain` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_chain_set_bypassed(
    chain: *mut MlProcessor,
    index: usize,
    bypassed: bool,
) -> MlStatus {
    unsafe { with_kind(chain, |c: &mut Chain| c.set_bypassed(index, bypassed)) }
}

/// Writes whether member `index` is bypassed to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such member.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `chain` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_chain_get_bypassed(
    chain: *mut MlProcessor,
    index: usize,
    out: *mut bool,
) -> MlStatus {
    unsafe {
        get_state(chain, out, |st| {
            st.kind_mut::<Chain>()?.is_bypassed(index).ok_or_else(|| {
                Fail::new(ML_STATUS_INVALID_ARGUMENT, "no chain member at this index")
            })
        })
    }
}
