//! Progress and cancellation of the long offline calls (`ml_master`,
//! `ml_master_album`, `ml_master_to_reference`, `ml_match_reference`,
//! `ml_mixer_render`, `ml_measure`).

use std::ffi::c_void;

use dsp_core::progress::Progress;

/// A progress callback for a long call: `callback(fraction, user_data)` is
/// told the fraction done (0 to 1, rising; at most about 500 calls), on the
/// calling thread. Returning false cancels: the call stops, fails with
/// `ML_STATUS_CANCELLED` and writes no output. A NULL `MlProgress` pointer
/// or `callback` means no progress.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MlProgress {
    /// Told the fraction done; false cancels.
    pub callback: Option<extern "C" fn(fraction: f64, user_data: *mut c_void) -> bool>,
    /// Passed back to `callback` as it is.
    pub user_data: *mut c_void,
}

/// Runs `f` with the core's progress for `progress` (none if NULL).
///
/// # Safety
/// `progress` is NULL or readable.
pub(crate) unsafe fn with_progress<R>(
    progress: *const MlProgress,
    f: impl FnOnce(&mut Progress) -> R,
) -> R {
    match unsafe { progress.as_ref() }.and_then(|p| p.callback.map(|c| (c, p.user_data))) {
        None => f(&mut Progress::none()),
        Some((callback, user_data)) => {
            let mut tell = |fraction: f64| callback(fraction, user_data);
            f(&mut Progress::new(&mut tell))
        }
    }
}
