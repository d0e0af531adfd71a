//! The mastering assistant (dsp-core's `master::assist`): `ml_assist` sets
//! up a mastering chain from a mix's analysis and writes the report that
//! explains each decision; `MlTonalTarget` is the tonal target it aims at
//! (a built-in character, learned from reference profiles, or JSON).
//! Offline calls: they allocate, not for a real-time thread.

use std::ffi::c_char;
use std::sync::atomic::AtomicBool;

use dsp_core::master::{AssistOptions, TonalTarget, assist};

use crate::audio::planar;
use crate::guard::{Handle, free_handle, new_handle, with_shared};
use crate::master::{MlMasteringChain, MlProfile, MlReport, check_channel_count, profile_list};
use crate::params::{from_json_arg, str_arg, write_json};
use crate::progress::{MlProgress, with_progress};
use crate::status::{Fail, ML_STATUS_UNKNOWN_NAME, MlStatus};

/// Opaque handle to a tonal-balance target: a mean curve with a tolerance
/// per 1/3-octave band. Made by `ml_tonal_target_new` (a built-in
/// character), `ml_tonal_target_learn` or `ml_tonal_target_from_json`,
/// freed with `ml_tonal_target_free`. Never changed once made.
#[derive(Debug)]
pub struct MlTonalTarget {
    target: TonalTarget,
    poisoned: AtomicBool,
}

impl Handle for MlTonalTarget {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

impl MlTonalTarget {
    fn new(target: TonalTarget) -> Self {
        Self { target, poisoned: AtomicBool::new(false) }
    }
}

/// Writes the built-in tonal target `character` (`balanced`, `warm` or
/// `bright`) to `*out` (NULL on failure: `ML_STATUS_UNKNOWN_NAME`).
///
/// # Safety
/// `character` is NULL or a NUL-terminated string; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_tonal_target_new(
    character: *const c_char,
    out: *mut *mut MlTonalTarget,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let name = str_arg(character)?;
            TonalTarget::character(name).map(MlTonalTarget::new).map_err(|_| {
                Fail::new(ML_STATUS_UNKNOWN_NAME, TonalTarget::unknown_character_message(name))
            })
        })
    }
}

/// Learns a tonal target from `count` reference profiles (see
/// `ml_profile_analyze`): per band their mean curve, with a tolerance from
/// their spread. Writes it to `*out` (NULL on failure).
///
/// # Safety
/// `profiles` is NULL or holds `count` pointers, each NULL or a live
/// handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_tonal_target_learn(
    profiles: *const *const MlProfile,
    count: usize,
    out: *mut *mut MlTonalTarget,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            Ok(MlTonalTarget::new(TonalTarget::learn(&profile_list(profiles, count)?)?))
        })
    }
}

/// Creates a tonal target from JSON written by `ml_tonal_target_to_json`
/// (or Python's `TonalTarget.to_json`); malformed or inconsistent JSON gives
/// `ML_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `json` is NULL or a NUL-terminated string; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_tonal_target_from_json(
    json: *const c_char,
    out: *mut *mut MlTonalTarget,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let target: TonalTarget = from_json_arg(json, "tonal target")?;
            target.check()?;
            Ok(MlTonalTarget::new(target))
        })
    }
}

/// Writes the target as JSON to `buf`, as `ml_mastering_chain_to_json`
/// does.
///
/// # Safety
/// `target` is NULL or a live handle; `buf` NULL or writable for `capacity`
/// bytes; `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_tonal_target_to_json(
    target: *const MlTonalTarget,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe { with_shared(target, |h| write_json(&h.target, buf, capacity, len)) }
}

/// Frees a tonal target; NULL is a no-op.
///
/// # Safety
/// `target` is NULL or a handle from this API not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_tonal_target_free(target: *mut MlTonalTarget) {
    unsafe { free_handle(target) }
}

/// Sets up a mastering chain for a mix from its analysis, as Python's
/// `assist`: tonal balance against `tonal` (NULL: the `balanced`
/// character), glue compression and soft clipping from the mix's dynamics,
/// width and mono low end from its stereo image, all scaled by `intensity`
/// (0 to 1), for the loudness target named `target` (see
/// `ml_target_by_name`). `input[c]`: `num_frames` samples of channel `c`
/// (1 or 2 channels). Writes the chain to `*chain` (run it with
/// `ml_master`; free it with `ml_mastering_chain_free`) and, unless
/// `report` is NULL, the report as JSON to `*report` (`decisions`: stage,
/// measurement and action of each; the mix's readings and tonal balance).
///
/// Fails as `ml_master` does for its audio, with `ML_STATUS_UNKNOWN_NAME`
/// for an unknown target, and `ML_STATUS_INVALID_ARGUMENT` for an
/// intensity outside 0 to 1 or a silent mix;
/// `*chain` is then NULL and `*report` unchanged. `progress` (NULL for
/// none) as for `ml_master`.
///
/// # Safety
/// `input` is NULL or holds `channels` pointers, each NULL or readable for
/// `num_frames` floats; `target` NULL or a NUL-terminated string; `tonal`
/// NULL or a live handle; `chain` NULL or writable; `report` NULL or
/// writable; `progress` NULL or readable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ml_assist(
    input: *const *mut f32,
    channels: usize,
    num_frames: usize,
    sample_rate: f64,
    target: *const c_char,
    tonal: *const MlTonalTarget,
    intensity: f64,
    chain: *mut *mut MlMasteringChain,
    report: *mut *mut MlReport,
    progress: *const MlProgress,
) -> MlStatus {
    unsafe {
        new_handle(chain, || {
            check_channel_count(channels, 2)?;
            let tonal = match tonal.as_ref() {
                Some(h) => h.target.clone(),
                None => TonalTarget::character("balanced")?,
            };
            let options = AssistOptions { target: str_arg(target)?.to_string(), tonal, intensity };
            options.validate()?;
            let views = planar(input.cast(), channels, num_frames)?;
            let (c, r) =
                with_progress(progress, |p| assist(&views[..channels], sample_rate, &options, p))?;
            MlReport::write(report, || serde_json::to_string(&r))?;
            Ok(MlMasteringChain::new(c))
        })
    }
}
