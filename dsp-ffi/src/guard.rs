//! The one guard around every export: pointer checks, `catch_unwind`, and
//! poisoning of a handle whose call panicked. No panic crosses the ABI.
//!
//! Handles used by one thread at a time (meters) are reached as `&mut H`
//! ([`with_handle`]); a processor handle, which one thread processes while
//! others set its parameters, is only ever reached as `&H`
//! ([`with_shared`]), so no `&mut` to it aliases another thread's borrow.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::status::{
    Fail, ML_STATUS_NULL_POINTER, ML_STATUS_OK, ML_STATUS_PANIC, ML_STATUS_POISONED, MlStatus,
};

/// What an exported call's body returns.
pub(crate) type Outcome = Result<(), Fail>;

/// A handle that can be poisoned by a panic inside a call on it.
pub(crate) trait Handle {
    /// The handle's poison flag (atomic: any thread may set or read it).
    fn poison_flag(&self) -> &AtomicBool;

    /// Whether a call on the handle panicked earlier.
    fn is_poisoned(&self) -> bool {
        self.poison_flag().load(Ordering::Acquire)
    }
}

/// The failure for a call on a poisoned handle.
fn poisoned() -> Fail {
    Fail::new(ML_STATUS_POISONED, "handle poisoned by an earlier panic")
}

/// Runs `body`, turning its failure or panic into a status code (and the
/// thread's last error message).
pub(crate) fn guard(body: impl FnOnce() -> Outcome) -> MlStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ML_STATUS_OK,
        Ok(Err(fail)) => fail.report(),
        Err(payload) => panic_fail(payload).report(),
    }
}

/// Runs `body` on the handle behind `handle`: NULL is `ML_STATUS_NULL_POINTER`,
/// a poisoned handle is `ML_STATUS_POISONED`, and a panic poisons it.
///
/// # Safety
/// `handle` is NULL or points to a live handle not used elsewhere during the call.
pub(crate) unsafe fn with_handle<H: Handle>(
    handle: *mut H,
    body: impl FnOnce(&mut H) -> Outcome,
) -> MlStatus {
    guard(|| {
        let h = unsafe { non_null_mut(handle)? };
        if h.is_poisoned() {
            return Err(poisoned());
        }
        match catch_unwind(AssertUnwindSafe(|| body(h))) {
            Ok(outcome) => outcome,
            Err(payload) => {
                // The borrow handed to `body` ended with the unwind.
                unsafe { &*handle }.poison_flag().store(true, Ordering::Release);
                Err(panic_fail(payload))
            }
        }
    })
}

/// Runs `body` on a shared reference to the handle behind `handle`, for
/// calls that other threads may make at the same time: NULL is
/// `ML_STATUS_NULL_POINTER`, a poisoned handle is `ML_STATUS_POISONED`, and
/// a panic poisons it.
///
/// # Safety
/// `handle` is NULL or points to a live handle that is not freed during the
/// call; whatever `body` does beyond `&H` access carries its own contract.
pub(crate) unsafe fn with_shared<H: Handle>(
    handle: *const H,
    body: impl FnOnce(&H) -> Outcome,
) -> MlStatus {
    guard(|| {
        let h = unsafe { non_null(handle)? };
        if h.is_poisoned() {
            return Err(poisoned());
        }
        catch_unwind(AssertUnwindSafe(|| body(h))).unwrap_or_else(|payload| {
            h.poison_flag().store(true, Ordering::Release);
            Err(panic_fail(payload))
        })
    })
}

/// Like [`with_shared`], and writes `get(handle)` to `out` (checked for NULL).
///
/// # Safety
/// As [`with_shared`]; `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn get_shared<H: Handle, T>(
    handle: *const H,
    out: *mut T,
    get: impl FnOnce(&H) -> Result<T, Fail>,
) -> MlStatus {
    unsafe {
        with_shared(handle, |h| {
            let out = non_null_mut(out)?;
            *out = get(h)?;
            Ok(())
        })
    }
}

/// Like [`with_handle`] for a `body` that cannot fail.
///
/// # Safety
/// As [`with_handle`].
pub(crate) unsafe fn update_handle<H: Handle>(
    handle: *mut H,
    body: impl FnOnce(&mut H),
) -> MlStatus {
    unsafe {
        with_handle(handle, |h| {
            body(h);
            Ok(())
        })
    }
}

/// Like [`with_handle`], and writes `get(handle)` to `out` (checked for NULL).
///
/// # Safety
/// As [`with_handle`]; `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn get_from<H: Handle, T>(
    handle: *mut H,
    out: *mut T,
    get: impl FnOnce(&mut H) -> Result<T, Fail>,
) -> MlStatus {
    unsafe {
        with_handle(handle, |h| {
            let out = non_null_mut(out)?;
            *out = get(h)?;
            Ok(())
        })
    }
}

/// Boxes a new handle made by `make` and writes it to `out` (set to NULL first,
/// and left NULL on failure).
///
/// # Safety
/// `out` is NULL or valid for a write of a pointer.
pub(crate) unsafe fn new_handle<H>(
    out: *mut *mut H,
    make: impl FnOnce() -> Result<H, Fail>,
) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        *out = std::ptr::null_mut();
        *out = Box::into_raw(Box::new(make()?));
        Ok(())
    })
}

/// Frees a handle made by [`new_handle`]; NULL is a no-op.
///
/// # Safety
/// `handle` is NULL or came from [`new_handle`] and is not used afterwards.
pub(crate) unsafe fn free_handle<H>(handle: *mut H) {
    if !handle.is_null() {
        // Dropping may run processor code; a panic there must not unwind into C.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(handle) })));
    }
}

/// `&mut *ptr`, or `ML_STATUS_NULL_POINTER`.
///
/// # Safety
/// `ptr` is NULL or valid and unaliased for `'a`.
pub(crate) unsafe fn non_null_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, Fail> {
    unsafe { ptr.as_mut() }.ok_or_else(null_pointer)
}

/// `&*ptr`, or `ML_STATUS_NULL_POINTER`.
///
/// # Safety
/// `ptr` is NULL or valid for reads for `'a`.
pub(crate) unsafe fn non_null<'a, T>(ptr: *const T) -> Result<&'a T, Fail> {
    unsafe { ptr.as_ref() }.ok_or_else(null_pointer)
}

/// The failure for a NULL argument.
pub(crate) fn null_pointer() -> Fail {
    Fail::new(ML_STATUS_NULL_POINTER, "a required pointer argument is NULL")
}

/// The failure for a caught panic, with the panic message if it has one.
fn panic_fail(payload: Box<dyn Any + Send>) -> Fail {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    let fail = Fail::new(ML_STATUS_PANIC, format!("internal panic caught: {text}"));
    // Dropping a payload can itself panic; never let that unwind.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    fail
}
