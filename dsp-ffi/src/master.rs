//! Mastering (dsp-core's `master`): the mastering chain as an opaque
//! `MlMasteringChain` (built-in presets, JSON, loudness target), one-call
//! mastering of a track (`ml_master`) or an album (`ml_master_album`), and
//! loudness normalization alone (`ml_normalize`), each filling a plain
//! result struct.
//!
//! These calls work offline on whole tracks held in memory: they allocate
//! (several copies of the track) and take time in proportion to its length,
//! so they are not for a real-time thread. Audio is planar, 1 or 2 channels
//! for mastering, with finite samples: a NaN or infinite sample is refused
//! with `ML_STATUS_NONFINITE` (the message names its channel and index).
//! The output is as long as the input and aligned with it (latency
//! compensated); it may be the input buffers themselves (in place), as the
//! result is written only after the whole track is processed.
//!
//! Thread rule: a chain may be read (`ml_master`, `ml_master_album`,
//! `ml_mastering_chain_to_json`) from several threads at once, but not
//! while a setter changes it.

use std::ffi::c_char;
use std::sync::atomic::AtomicBool;

use dsp_core::Error;
use dsp_core::analysis::Target;
use dsp_core::master::{
    MasterReport, MasteringChain, Matching, NormalizeReport, Profile, master_album, master_with,
    match_reference,
};
use dsp_core::spec::MAX_CHANNELS;

use crate::audio::{planar, planar_mut};
use crate::guard::{
    Handle, Outcome, free_handle, get_shared, guard, new_handle, non_null, null_pointer,
    with_handle, with_shared,
};
use crate::params::{from_json_arg, json_text, str_arg, write_json, write_text};
use crate::progress::{MlProgress, with_progress};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_UNKNOWN_NAME, MlStatus};

/// Opaque handle to a mastering chain: processing stages (high-pass EQ,
/// glue compression, width), the loudness target, the true-peak limiter
/// and dither. Create it with `ml_mastering_chain_new` (a built-in preset)
/// or `ml_mastering_chain_from_json`, free it with
/// `ml_mastering_chain_free`.
#[derive(Debug)]
pub struct MlMasteringChain {
    pub(crate) chain: MasteringChain,
    poisoned: AtomicBool,
}

impl Handle for MlMasteringChain {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

impl MlMasteringChain {
    pub(crate) fn new(chain: MasteringChain) -> Self {
        Self { chain, poisoned: AtomicBool::new(false) }
    }
}

/// Opaque handle to a reference profile for matching: loudness, peaks,
/// width and the mid and side spectra of one or more reference masters
/// (`ml_profile_analyze`, `ml_profile_average`, `ml_profile_from_json`),
/// freed with `ml_profile_free`. Never changed once made, so any number
/// of threads may use it at once.
#[derive(Debug)]
pub struct MlProfile {
    pub(crate) profile: Profile,
    poisoned: AtomicBool,
}

impl Handle for MlProfile {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

/// Opaque handle to the full report of a mastering call, as JSON: the
/// quality reports of the mix and the master (`before`, `after`), the chain
/// as used, the target, each stage (gain reduction, latency), the loudness
/// stage (`normalization`) and what reference matching changed
/// (`matching`); for an album, the album figures and every track's report
/// (`tracks`). Infinite readings (the loudness of silence) are `null`.
/// Written by `ml_master`, `ml_master_to_reference`, `ml_match_reference`,
/// `ml_master_album` and `ml_assist` when asked for; read with `ml_report_json`, freed
/// with `ml_report_free`. Never changed once made.
#[derive(Debug)]
pub struct MlReport {
    json: String,
    poisoned: AtomicBool,
}

impl Handle for MlReport {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

impl MlReport {
    /// Writes a report serialized by `json` to `*out` as a new handle,
    /// unless `out` is NULL (then `json` is not called).
    ///
    /// # Safety
    /// `out` is NULL or writable.
    pub(crate) unsafe fn write(
        out: *mut *mut MlReport,
        json: impl FnOnce() -> serde_json::Result<String>,
    ) -> Outcome {
        if let Some(out) = unsafe { out.as_mut() } {
            let json = json_text(json())?;
            *out = Box::into_raw(Box::new(MlReport { json, poisoned: AtomicBool::new(false) }));
        }
        Ok(())
    }
}

/// Writes the report's JSON to `buf`, as `ml_mastering_chain_to_json` does
/// (ask for the length with `buf` NULL and `capacity` 0).
///
/// # Safety
/// `report` is NULL or a live handle; `buf` NULL or writable for `capacity`
/// bytes; `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_report_json(
    report: *const MlReport,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe { with_shared(report, |r| write_text(&r.json, buf, capacity, len)) }
}

/// Frees a report; NULL is a no-op.
///
/// # Safety
/// `report` is NULL or a handle from this API not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_report_free(report: *mut MlReport) {
    unsafe { free_handle(report) }
}

impl MlProfile {
    fn new(profile: Profile) -> Self {
        Self { profile, poisoned: AtomicBool::new(false) }
    }
}

/// How strongly each aspect of a reference is matched, each 0 (not at all)
/// to 1 (fully). `ml_matching_default` gives tonal 1, loudness 1, width
/// 0.5, dynamics 0.5.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MlMatching {
    /// Tonal balance (a linear-phase EQ of mid and side).
    pub tonal: f64,
    /// Loudness (the reference's integrated loudness becomes the target).
    pub loudness: f64,
    /// Stereo width (side level relative to mid).
    pub width: f64,
    /// Dynamics (how much of the glue stage is mixed in).
    pub dynamics: f64,
}

impl From<MlMatching> for Matching {
    fn from(m: MlMatching) -> Self {
        Matching { tonal: m.tonal, loudness: m.loudness, width: m.width, dynamics: m.dynamics }
    }
}

/// Headline figures of one mastered track, filled by `ml_master` and
/// `ml_master_album`. Silence reads `-INFINITY` LUFS and dBTP.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlMasterResult {
    /// Integrated loudness of the mix, LUFS.
    pub input_lufs: f64,
    /// Integrated loudness of the master, LUFS.
    pub output_lufs: f64,
    /// True peak of the mix, dBTP.
    pub input_true_peak_dbtp: f64,
    /// True peak of the master, dBTP.
    pub output_true_peak_dbtp: f64,
    /// Loudness range (EBU Tech 3342) of the mix, LU.
    pub input_loudness_range_lu: f64,
    /// Loudness range of the master, LU.
    pub output_loudness_range_lu: f64,
    /// Gain that brought the mix to the stages' working level (-20 LUFS;
    /// for an album, one gain for all tracks), dB.
    pub input_gain_db: f64,
    /// Gain of the loudness stage, applied before its limiter, dB.
    pub normalize_gain_db: f64,
    /// Largest gain reduction of the loudness stage's limiter, dB (positive).
    pub limiter_max_gr_db: f64,
    /// Mean gain reduction of that limiter over the track, dB (positive).
    pub limiter_mean_gr_db: f64,
    /// Passes of gain, limiter and meter the loudness stage took (1 to 3;
    /// 0 for silence).
    pub passes: u32,
    /// Integrated loudness aimed at, LUFS (for an album track, where the
    /// album gain puts it).
    pub target_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
}

impl MlMasterResult {
    fn from_core(r: &MasterReport) -> Self {
        let n = &r.normalization;
        Self {
            input_lufs: r.before.integrated_lufs,
            output_lufs: r.after.integrated_lufs,
            input_true_peak_dbtp: r.before.true_peak_dbtp,
            output_true_peak_dbtp: r.after.true_peak_dbtp,
            input_loudness_range_lu: r.before.loudness_range_lu,
            output_loudness_range_lu: r.after.loudness_range_lu,
            input_gain_db: r.input_gain_db,
            normalize_gain_db: n.gain_db,
            limiter_max_gr_db: n.limiter_max_gr_db,
            limiter_mean_gr_db: n.limiter_mean_gr_db,
            passes: n.passes,
            target_lufs: n.target_lufs,
            ceiling_dbtp: n.ceiling_dbtp,
        }
    }
}

/// What `ml_normalize` did. Silence reads `-INFINITY` LUFS and dBTP.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlNormalizeResult {
    /// Target integrated loudness, LUFS.
    pub target_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Integrated loudness of the input, LUFS.
    pub input_lufs: f64,
    /// Gain the analysis predicted, dB.
    pub predicted_gain_db: f64,
    /// Gain applied before the limiter, dB.
    pub gain_db: f64,
    /// Gain applied after the limiter to trim a small miss exactly (0 if
    /// none), dB; the output readings include it.
    pub trim_db: f64,
    /// Largest limiter gain reduction, dB (positive).
    pub limiter_max_gr_db: f64,
    /// Mean limiter gain reduction over the track, dB (positive).
    pub limiter_mean_gr_db: f64,
    /// Integrated loudness of the output, LUFS.
    pub output_lufs: f64,
    /// True peak of the output, dBTP.
    pub output_true_peak_dbtp: f64,
    /// Passes of gain, limiter and meter (1 to 3; 0 for silence, which is
    /// returned unchanged).
    pub passes: u32,
}

impl From<NormalizeReport> for MlNormalizeResult {
    fn from(r: NormalizeReport) -> Self {
        Self {
            target_lufs: r.target_lufs,
            ceiling_dbtp: r.ceiling_dbtp,
            input_lufs: r.input_lufs,
            predicted_gain_db: r.predicted_gain_db,
            gain_db: r.gain_db,
            trim_db: r.trim_db,
            limiter_max_gr_db: r.limiter_max_gr_db,
            limiter_mean_gr_db: r.limiter_mean_gr_db,
            output_lufs: r.output_lufs,
            output_true_peak_dbtp: r.output_true_peak_dbtp,
            passes: r.passes,
        }
    }
}

/// The built-in target called `name`, or a failure listing the names.
fn target_by_name(name: &str) -> Result<Target, Fail> {
    Target::by_name(name)
        .map_err(|_| Fail::new(ML_STATUS_UNKNOWN_NAME, Target::unknown_name_message(name)))
}

/// Checks a channel count: 1 to `max`.
pub(crate) fn check_channel_count(channels: usize, max: usize) -> Result<(), Fail> {
    if channels == 0 || channels > max {
        return Err(Error::InvalidChannelCount { channels }.into());
    }
    Ok(())
}

/// Checks that `list` and its `n` channel pointers are not NULL, without
/// borrowing the audio (an output may be the input).
///
/// # Safety
/// `list` is NULL or readable for `n` pointers.
unsafe fn check_pointers(list: *const *mut f32, n: usize) -> Result<(), Fail> {
    let ptrs = unsafe { std::slice::from_raw_parts(non_null(list)?, n) };
    if ptrs.iter().any(|p| p.is_null()) {
        return Err(null_pointer());
    }
    Ok(())
}

/// Copies `audio` into the caller's planar `output` (`num_frames` each).
///
/// # Safety
/// As for [`planar_mut`]; no other borrow of the output is live.
unsafe fn write_planar(output: *const *mut f32, audio: &[Vec<f32>], num_frames: usize) -> Outcome {
    let mut views = unsafe { planar_mut(output, audio.len(), num_frames)? };
    for (o, x) in views.iter_mut().zip(audio) {
        o.copy_from_slice(x);
    }
    Ok(())
}

/// Creates the built-in mastering chain `preset` and writes it to `*out`
/// (NULL on failure):
/// - `streaming`: 25 Hz high-pass, gentle 3-band glue, Spotify target
///   (-14 LUFS, -1 dBTP), 24-bit dither;
/// - `broadcast`: 25 Hz high-pass, slow glue, EBU R 128 (-23 LUFS, -1 dBTP);
/// - `loud`: 30 Hz high-pass, firmer 3-band glue, slightly wider, -9 LUFS at
///   -1 dBTP, 16-bit noise-shaped dither;
/// - `gentle`: 20 Hz high-pass, light glue, Apple Music (-16 LUFS, -1 dBTP).
///
/// Names are case-insensitive; others give `ML_STATUS_UNKNOWN_NAME` with the
/// preset names in the message.
///
/// # Safety
/// `preset` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_new(
    preset: *const c_char,
    out: *mut *mut MlMasteringChain,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let name = str_arg(preset)?;
            let chain = MasteringChain::preset(name).map_err(|_| {
                let names = MasteringChain::PRESETS.join(", ");
                let message = format!("unknown mastering preset {name:?}: use one of {names}");
                Fail::new(ML_STATUS_UNKNOWN_NAME, message)
            })?;
            Ok(MlMasteringChain::new(chain))
        })
    }
}

/// Creates a mastering chain from JSON written by
/// `ml_mastering_chain_to_json` (or Python's `MasteringChain.to_json`) and
/// writes it to `*out` (NULL on failure). The chain is checked: every stage,
/// the limiter and the dither must load and the target resolve.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for malformed JSON or a chain
/// that does not load (`ML_STATUS_UNKNOWN_NAME` for an unknown target);
/// `ml_last_error_message` says what and where.
///
/// # Safety
/// `json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_from_json(
    json: *const c_char,
    out: *mut *mut MlMasteringChain,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let chain: MasteringChain = from_json_arg(json, "mastering chain")?;
            target_by_name(&chain.target)?;
            chain.validate().map_err(|e| {
                Fail::new(ML_STATUS_INVALID_ARGUMENT, format!("mastering chain: {e}"))
            })?;
            Ok(MlMasteringChain::new(chain))
        })
    }
}

/// Writes the chain as JSON to `buf`, as `ml_processor_save_json` does
/// (NUL-terminated if it fits in `capacity` bytes; its length without the
/// NUL always goes to `*len`; ask for the length with `buf` NULL and
/// `capacity` 0; too small a buffer gives `ML_STATUS_CAPACITY_EXCEEDED`).
/// A chain loaded from it renders bit-identical output.
///
/// # Safety
/// `chain` is NULL or a live handle; `buf` NULL or writable for `capacity`
/// bytes; `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_to_json(
    chain: *const MlMasteringChain,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe { with_shared(chain, |h| write_json(&h.chain, buf, capacity, len)) }
}

/// Sets the loudness target by name (`spotify`, `apple`, `youtube`,
/// `amazon`, `tidal`, `deezer`, `ebu_r128`, `atsc_a85`, `aes_td1008`), as
/// Python's `MasteringChain.target`. A loudness or ceiling set with
/// `ml_mastering_chain_set_target_lufs` / `_set_ceiling_dbtp` (the preset
/// `loud` has one) still replaces the target's. Unknown names give
/// `ML_STATUS_UNKNOWN_NAME` and leave the chain unchanged.
///
/// # Safety
/// `chain` is NULL or a live handle not used elsewhere during the call;
/// `target_name` NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_set_target(
    chain: *mut MlMasteringChain,
    target_name: *const c_char,
) -> MlStatus {
    unsafe {
        with_handle(chain, |h| {
            let target = target_by_name(str_arg(target_name)?)?;
            h.chain.target = target.name;
            Ok(())
        })
    }
}

/// Replaces one figure of the chain's target with `value` if the target
/// stays valid; otherwise restores it and fails.
fn override_target(
    chain: &mut MasteringChain,
    field: fn(&mut MasteringChain) -> &mut Option<f64>,
    name: &str,
    value: f64,
) -> Outcome {
    let old = field(chain).replace(value);
    if let Err(e) = chain.resolved_target() {
        *field(chain) = old;
        return Err(Fail::new(Fail::from(e).status, format!("{name}: {e}")));
    }
    Ok(())
}

/// Sets the integrated loudness to master to, replacing the target's
/// (-60 to 0 LUFS; others give `ML_STATUS_INVALID_ARGUMENT` and leave the
/// chain unchanged).
///
/// # Safety
/// `chain` is NULL or a live handle not used elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_set_target_lufs(
    chain: *mut MlMasteringChain,
    lufs: f64,
) -> MlStatus {
    unsafe {
        with_handle(chain, |h| {
            override_target(&mut h.chain, |c| &mut c.target_lufs, "target_lufs", lufs)
        })
    }
}

/// Sets the true-peak ceiling, replacing the target's (-30 to +3 dBTP;
/// others give `ML_STATUS_INVALID_ARGUMENT` and leave the chain unchanged).
/// The limiter never lets samples above 0 dBFS through.
///
/// # Safety
/// `chain` is NULL or a live handle not used elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_set_ceiling_dbtp(
    chain: *mut MlMasteringChain,
    dbtp: f64,
) -> MlStatus {
    unsafe {
        with_handle(chain, |h| {
            override_target(&mut h.chain, |c| &mut c.ceiling_dbtp, "ceiling_dbtp", dbtp)
        })
    }
}

/// Removes the loudness and ceiling set with
/// `ml_mastering_chain_set_target_lufs` and `_set_ceiling_dbtp` (or held by
/// a preset, as `loud` does), so that the target's own figures apply again
/// (as Python's `chain.target_lufs = None`).
///
/// # Safety
/// `chain` is NULL or a live handle not used elsewhere during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_clear_overrides(
    chain: *mut MlMasteringChain,
) -> MlStatus {
    unsafe {
        with_handle(chain, |h| {
            (h.chain.target_lufs, h.chain.ceiling_dbtp) = (None, None);
            Ok(())
        })
    }
}

/// Writes the integrated loudness the chain masters to (LUFS) to `*out`.
///
/// # Safety
/// `chain` is NULL or a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_target_lufs(
    chain: *const MlMasteringChain,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(chain, out, |h| Ok(h.chain.resolved_target()?.integrated_lufs)) }
}

/// Writes the chain's true-peak ceiling (dBTP) to `*out`.
///
/// # Safety
/// `chain` is NULL or a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_ceiling_dbtp(
    chain: *const MlMasteringChain,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(chain, out, |h| Ok(h.chain.resolved_target()?.true_peak_dbtp)) }
}

/// Frees a mastering chain. NULL is a no-op.
///
/// # Safety
/// `chain` is NULL or a handle from this API not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_free(chain: *mut MlMasteringChain) {
    unsafe { free_handle(chain) }
}

/// Masters one track with `chain`: measures the mix, gains it to the
/// working level, runs the stages, normalizes to the target with the
/// true-peak limiter (verified), dithers, and measures the master.
/// `input[c]` and `output[c]` are `num_frames` samples of channel `c`
/// (`channels` 1 or 2); `output` may be `input` (in place). Fills `*result`
/// and writes the full report to `*report` (free it with `ml_report_free`)
/// unless they are NULL. Offline: allocates, not for a real-time thread.
///
/// Fails with `ML_STATUS_NULL_POINTER`, `ML_STATUS_INVALID_CHANNEL_COUNT`,
/// `ML_STATUS_EMPTY_INPUT` (0 frames), `ML_STATUS_NONFINITE` (the message
/// names the sample), `ML_STATUS_INVALID_SAMPLE_RATE`; `output`, `*result`
/// and `*report` are then left unchanged.
///
/// `progress` (NULL for none) is told the fraction done and may cancel
/// the call (`ML_STATUS_CANCELLED`, nothing written): see `MlProgress`.
///
/// # Safety
/// `chain` is NULL or a live handle; `input` and `output` are NULL or hold
/// `channels` pointers, each NULL or valid for `num_frames` floats (read,
/// respectively written); `result` and `report` NULL or writable.
/// `progress` is NULL or readable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ml_master(
    chain: *const MlMasteringChain,
    input: *const *mut f32,
    output: *const *mut f32,
    channels: usize,
    num_frames: usize,
    sample_rate: f64,
    result: *mut MlMasterResult,
    report: *mut *mut MlReport,
    progress: *const MlProgress,
) -> MlStatus {
    unsafe {
        with_shared(chain, |h| {
            master_into(input, output, channels, num_frames, (result, report), |views| {
                with_progress(progress, |p| master_with(views, sample_rate, &h.chain, None, p))
            })
        })
    }
}

/// Checks the audio of a one-track mastering call (1 or 2 channels), runs
/// `run` on it and writes the master to `output`, the figures to `*result`
/// and the report to `*report` (each unless NULL).
///
/// # Safety
/// As `ml_master`'s audio and result arguments.
unsafe fn master_into(
    input: *const *mut f32,
    output: *const *mut f32,
    channels: usize,
    num_frames: usize,
    (result, report_out): (*mut MlMasterResult, *mut *mut MlReport),
    run: impl FnOnce(&[&[f32]]) -> Result<(Vec<Vec<f32>>, MasterReport), Error>,
) -> Outcome {
    check_channel_count(channels, 2)?;
    unsafe {
        check_pointers(output, channels)?;
        let (audio, report) = {
            let views = planar(input.cast(), channels, num_frames)?;
            run(&views[..channels])?
        };
        write_planar(output, &audio, num_frames)?;
        MlReport::write(report_out, || serde_json::to_string(&report))?;
        if let Some(r) = result.as_mut() {
            *r = MlMasterResult::from_core(&report);
        }
    }
    Ok(())
}

/// Masters an album with `chain`: every track through the same stages, with
/// one gain to the working level and one album gain to the target, so the
/// album (all tracks as one programme) sits at the target and each track
/// keeps its loudness relative to the others; each is limited to the
/// ceiling on its own. Track `t` has `channels` (1 or 2) channels of
/// `num_frames[t]` samples: `tracks[t][c]` in, `outputs[t][c]` out (may be
/// the input). Fills `results[t]` (an array of `num_tracks`),
/// `*album_gain_db` (the loudness change of the album) and `*report` (the
/// album's report with every track's, see `MlReport`) unless NULL.
/// Offline: allocates, not for a real-time thread.
///
/// Fails as `ml_master`, and with `ML_STATUS_EMPTY_INPUT` for no tracks;
/// nothing is written then.
///
/// `progress` (NULL for none) is told the fraction done and may cancel
/// the call (`ML_STATUS_CANCELLED`, nothing written): see `MlProgress`.
///
/// # Safety
/// `chain` is NULL or a live handle; `tracks` and `outputs` are NULL or hold
/// `num_tracks` pointers, each NULL or holding `channels` pointers, each
/// NULL or valid for `num_frames[t]` floats; `num_frames` NULL or readable
/// for `num_tracks` values; `results` NULL or writable for `num_tracks`
/// structs; `album_gain_db` and `report` NULL or writable.
/// `progress` is NULL or readable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ml_master_album(
    chain: *const MlMasteringChain,
    tracks: *const *const *mut f32,
    outputs: *const *const *mut f32,
    num_tracks: usize,
    channels: usize,
    num_frames: *const usize,
    sample_rate: f64,
    results: *mut MlMasterResult,
    album_gain_db: *mut f64,
    report_out: *mut *mut MlReport,
    progress: *const MlProgress,
) -> MlStatus {
    unsafe {
        with_shared(chain, |h| {
            check_channel_count(channels, 2)?;
            if num_tracks == 0 {
                return Err(Error::EmptyInput.into());
            }
            let tracks = std::slice::from_raw_parts(non_null(tracks)?, num_tracks);
            let outputs = std::slice::from_raw_parts(non_null(outputs)?, num_tracks);
            let frames = std::slice::from_raw_parts(non_null(num_frames)?, num_tracks);
            for &o in outputs {
                check_pointers(o, channels)?;
            }
            let (audio, report) = {
                let mut inputs = Vec::with_capacity(num_tracks);
                for (&t, &n) in tracks.iter().zip(frames) {
                    let views = planar(t.cast(), channels, n)?;
                    inputs.push(views[..channels].to_vec());
                }
                with_progress(progress, |p| master_album(&inputs, sample_rate, &h.chain, p))?
            };
            for ((&o, &n), a) in outputs.iter().zip(frames).zip(&audio) {
                write_planar(o, a, n)?;
            }
            MlReport::write(report_out, || serde_json::to_string(&report))?;
            if !results.is_null() {
                let results = std::slice::from_raw_parts_mut(results, num_tracks);
                for (r, t) in results.iter_mut().zip(&report.tracks) {
                    *r = MlMasterResult::from_core(t);
                }
            }
            if let Some(g) = album_gain_db.as_mut() {
                *g = report.album_gain_db;
            }
            Ok(())
        })
    }
}

/// Normalizes a track to the loudness target `target` (a name, as for
/// `ml_mastering_chain_set_target`): one gain, then the mastering limiter
/// (true peak, 5 ms lookahead, auto release) at the target's ceiling, so
/// the output reads within 0.05 LU of the target where the limiter allows
/// and at or below the ceiling. `input[c]` and `output[c]` are `num_frames`
/// samples of channel `c` (1 to `ML_MAX_CHANNELS` channels); `output` may
/// be `input`. A silent track comes back unchanged. Fills `*result` unless
/// it is NULL. Offline: allocates, not for a real-time thread.
///
/// Fails as `ml_master`, and with `ML_STATUS_UNKNOWN_NAME` for an unknown
/// target.
///
/// # Safety
/// As `ml_master`; `target` NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_normalize(
    input: *const *mut f32,
    output: *const *mut f32,
    channels: usize,
    num_frames: usize,
    sample_rate: f64,
    target: *const c_char,
    result: *mut MlNormalizeResult,
) -> MlStatus {
    guard(|| unsafe {
        let target = target_by_name(str_arg(target)?)?;
        check_channel_count(channels, MAX_CHANNELS)?;
        check_pointers(output, channels)?;
        let limiter = dsp_core::master::mastering_limiter();
        let (audio, report) = {
            let views = planar(input.cast(), channels, num_frames)?;
            dsp_core::master::normalize(&views[..channels], sample_rate, &target, &limiter)?
        };
        write_planar(output, &audio, num_frames)?;
        if let Some(r) = result.as_mut() {
            *r = report.into();
        }
        Ok(())
    })
}

/// The default matching strengths (tonal 1, loudness 1, width 0.5,
/// dynamics 0.5).
#[unsafe(no_mangle)]
pub extern "C" fn ml_matching_default() -> MlMatching {
    let m = Matching::default();
    MlMatching { tonal: m.tonal, loudness: m.loudness, width: m.width, dynamics: m.dynamics }
}

/// Sets the chain's matching strengths (used by `ml_master_to_reference`).
/// Each must be within 0 to 1: others give `ML_STATUS_INVALID_ARGUMENT` (the
/// message names the strength) and leave the chain unchanged.
///
/// # Safety
/// `chain` is NULL or a live handle not used elsewhere during the call;
/// `matching` NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_set_matching(
    chain: *mut MlMasteringChain,
    matching: *const MlMatching,
) -> MlStatus {
    unsafe {
        with_handle(chain, |h| {
            let m: Matching = (*non_null(matching)?).into();
            m.validate()?;
            h.chain.matching = m;
            Ok(())
        })
    }
}

/// Puts the stage called `stage` (`corrective_eq`, `glue`, `width`, ...)
/// on mid and side (`on` true) or back on left and right: it then works on
/// mid (L+R)/2 and side (L-R)/2 between an exact encode and decode, as
/// Python's `MasteringChain.set_mid_side`. Mid/side stages need stereo
/// audio. An unknown stage gives `ML_STATUS_UNKNOWN_NAME`.
///
/// # Safety
/// `chain` is NULL or a live handle not used elsewhere during the call;
/// `stage` NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mastering_chain_set_mid_side(
    chain: *mut MlMasteringChain,
    stage: *const c_char,
    on: bool,
) -> MlStatus {
    unsafe {
        with_handle(chain, |h| {
            let name = str_arg(stage)?;
            h.chain.set_mid_side(name, on).map_err(|_| {
                let names: Vec<&str> = h.chain.stages.iter().map(|s| s.name.as_str()).collect();
                let message = format!("no stage {name:?}: the stages are {}", names.join(", "));
                Fail::new(ML_STATUS_UNKNOWN_NAME, message)
            })
        })
    }
}

/// Analyses a reference master (`input[c]`: `num_frames` samples of
/// channel `c`, 1 or 2 channels) and writes its profile to `*out` (NULL on
/// failure). Offline: allocates.
///
/// Fails as `ml_master` does for its audio.
///
/// # Safety
/// `input` is NULL or holds `channels` pointers, each NULL or readable for
/// `num_frames` floats; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_profile_analyze(
    input: *const *mut f32,
    channels: usize,
    num_frames: usize,
    sample_rate: f64,
    out: *mut *mut MlProfile,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            check_channel_count(channels, 2)?;
            let views = planar(input.cast(), channels, num_frames)?;
            Ok(MlProfile::new(Profile::analyze(&views[..channels], sample_rate)?))
        })
    }
}

/// The profiles behind `count` handles.
///
/// # Safety
/// `profiles` is NULL or holds `count` pointers, each NULL or a live
/// handle.
pub(crate) unsafe fn profile_list(
    profiles: *const *const MlProfile,
    count: usize,
) -> Result<Vec<Profile>, Fail> {
    let list = unsafe { std::slice::from_raw_parts(non_null(profiles)?, count) };
    list.iter().map(|&p| unsafe { non_null(p) }.map(|h| h.profile.clone())).collect()
}

/// Writes the average of `count` profiles (several references) to `*out`
/// (NULL on failure).
///
/// # Safety
/// `profiles` is NULL or holds `count` pointers, each NULL or a live
/// handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_profile_average(
    profiles: *const *const MlProfile,
    count: usize,
    out: *mut *mut MlProfile,
) -> MlStatus {
    unsafe {
        new_handle(out, || Ok(MlProfile::new(Profile::average(&profile_list(profiles, count)?)?)))
    }
}

/// Creates a profile from JSON written by `ml_profile_to_json` (or Python's
/// `Profile.to_json`) and writes it to `*out` (NULL on failure); malformed
/// or inconsistent JSON gives `ML_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `json` is NULL or a NUL-terminated string; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_profile_from_json(
    json: *const c_char,
    out: *mut *mut MlProfile,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let profile: Profile = from_json_arg(json, "profile")?;
            profile.check()?;
            Ok(MlProfile::new(profile))
        })
    }
}

/// Writes the profile as JSON to `buf`, as `ml_mastering_chain_to_json`
/// does.
///
/// # Safety
/// `profile` is NULL or a live handle; `buf` NULL or writable for
/// `capacity` bytes; `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_profile_to_json(
    profile: *const MlProfile,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe { with_shared(profile, |h| write_json(&h.profile, buf, capacity, len)) }
}

/// Writes the integrated loudness of the profiled reference (LUFS) to
/// `*lufs`.
///
/// # Safety
/// `profile` is NULL or a live handle; `lufs` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_profile_integrated_lufs(
    profile: *const MlProfile,
    lufs: *mut f64,
) -> MlStatus {
    unsafe { get_shared(profile, lufs, |h| Ok(h.profile.integrated_lufs)) }
}

/// Frees a profile; NULL is a no-op.
///
/// # Safety
/// `profile` is NULL or a handle from this API not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_profile_free(profile: *mut MlProfile) {
    unsafe { free_handle(profile) }
}

/// `ml_master` with the chain first matched to `reference` (tonal balance,
/// loudness, width and dynamics at the chain's matching strengths, see
/// `ml_mastering_chain_set_matching`).
///
/// `progress` (NULL for none) is told the fraction done and may cancel
/// the call (`ML_STATUS_CANCELLED`, nothing written): see `MlProgress`.
///
/// # Safety
/// As `ml_master`; `reference` NULL or a live handle.
/// `progress` is NULL or readable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ml_master_to_reference(
    chain: *const MlMasteringChain,
    reference: *const MlProfile,
    input: *const *mut f32,
    output: *const *mut f32,
    channels: usize,
    num_frames: usize,
    sample_rate: f64,
    result: *mut MlMasterResult,
    report: *mut *mut MlReport,
    progress: *const MlProgress,
) -> MlStatus {
    unsafe {
        with_shared(chain, |h| {
            let reference = &non_null(reference)?.profile;
            master_into(input, output, channels, num_frames, (result, report), |views| {
                with_progress(progress, |p| {
                    master_with(views, sample_rate, &h.chain, Some(reference), p)
                })
            })
        })
    }
}

/// Matches a mix to `reference` and does nothing else, as Python's
/// `match_reference`: tonal balance, loudness (true-peak limited at
/// -1 dBTP), width and dynamics at `matching`'s strengths (NULL: the
/// defaults). Audio, `result` and `report` as for `ml_master`.
///
/// `progress` (NULL for none) is told the fraction done and may cancel
/// the call (`ML_STATUS_CANCELLED`, nothing written): see `MlProgress`.
///
/// # Safety
/// As `ml_master`; `reference` NULL or a live handle; `matching` NULL or
/// readable.
/// `progress` is NULL or readable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ml_match_reference(
    reference: *const MlProfile,
    matching: *const MlMatching,
    input: *const *mut f32,
    output: *const *mut f32,
    channels: usize,
    num_frames: usize,
    sample_rate: f64,
    result: *mut MlMasterResult,
    report: *mut *mut MlReport,
    progress: *const MlProgress,
) -> MlStatus {
    unsafe {
        with_shared(reference, |h| {
            let m = matching.as_ref().map_or_else(Matching::default, |m| (*m).into());
            master_into(input, output, channels, num_frames, (result, report), |views| {
                with_progress(progress, |p| match_reference(views, sample_rate, &h.profile, m, p))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};

    use super::*;
    use crate::status::*;

    fn last_error() -> String {
        unsafe { CStr::from_ptr(crate::status::ml_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    fn chain(preset: &CStr) -> *mut MlMasteringChain {
        let mut c = null_mut();
        assert_eq!(unsafe { ml_mastering_chain_new(preset.as_ptr(), &mut c) }, ML_STATUS_OK);
        c
    }

    /// `seconds` of stereo: two sines under a 2 Hz swell, and noise bursts.
    fn music(seconds: f64, level: f32) -> Vec<Vec<f32>> {
        let n = (seconds * 48_000.0) as usize;
        let mut seed = 12345u32;
        (0..2)
            .map(|c| {
                (0..n)
                    .map(|i| {
                        let t = i as f64 / 48_000.0;
                        let env = 0.6 + 0.4 * (2.0 * std::f64::consts::PI * 2.0 * t).sin();
                        let tone = (2.0 * std::f64::consts::PI * (220.0 + 110.0 * c as f64) * t)
                            .sin()
                            + 0.5 * (2.0 * std::f64::consts::PI * 1760.0 * t).sin();
                        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        let noise = (seed >> 8) as f64 / (1u32 << 24) as f64 - 0.5;
                        let burst = if (t * 4.0).fract() < 0.1 { noise } else { 0.0 };
                        level * (0.5 * env * tone + burst) as f32
                    })
                    .collect()
            })
            .collect()
    }

    fn ptrs(audio: &mut [Vec<f32>]) -> Vec<*mut f32> {
        audio.iter_mut().map(|c| c.as_mut_ptr()).collect()
    }

    #[test]
    fn presets_and_json_load_or_are_refused_with_a_reason() {
        let mut c = null_mut();
        let s = unsafe { ml_mastering_chain_new(c"shiny".as_ptr(), &mut c) };
        assert_eq!(s, ML_STATUS_UNKNOWN_NAME);
        assert!(c.is_null() && last_error().contains("streaming, broadcast, loud, gentle"));
        assert_eq!(unsafe { ml_mastering_chain_new(null(), &mut c) }, ML_STATUS_NULL_POINTER);
        let s = unsafe { ml_mastering_chain_new(c"streaming".as_ptr(), null_mut()) };
        assert_eq!(s, ML_STATUS_NULL_POINTER);

        let loud = chain(c"LOUD");
        let mut len = 0;
        let s = unsafe { ml_mastering_chain_to_json(loud, null_mut(), 0, &mut len) };
        assert_eq!(s, ML_STATUS_OK);
        let mut buf = vec![0 as c_char; len + 1];
        let s = unsafe { ml_mastering_chain_to_json(loud, buf.as_mut_ptr(), 4, &mut len) };
        assert_eq!(s, ML_STATUS_CAPACITY_EXCEEDED);
        let s = unsafe { ml_mastering_chain_to_json(loud, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(s, ML_STATUS_OK);
        let json = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned();
        let mut back = null_mut();
        let s = unsafe { ml_mastering_chain_from_json(buf.as_ptr(), &mut back) };
        assert_eq!(s, ML_STATUS_OK);
        assert_eq!(unsafe { &(*back).chain }, unsafe { &(*loud).chain });
        unsafe { ml_mastering_chain_free(back) };

        // Malformed JSON, and JSON whose parts do not load.
        let s = unsafe { ml_mastering_chain_from_json(c"{".as_ptr(), &mut back) };
        assert_eq!(s, ML_STATUS_INVALID_ARGUMENT);
        assert!(back.is_null() && last_error().contains("invalid mastering chain"));
        let bad = CString::new(json.replace("\"spotify\"", "\"nowhere\"")).unwrap();
        let s = unsafe { ml_mastering_chain_from_json(bad.as_ptr(), &mut back) };
        assert_eq!(s, ML_STATUS_UNKNOWN_NAME);
        assert!(last_error().contains("nowhere"), "{}", last_error());
        let bad = CString::new(json.replace("\"compressor\"", "\"teleporter\"")).unwrap();
        assert!(json.contains("\"compressor\""));
        let s = unsafe { ml_mastering_chain_from_json(bad.as_ptr(), &mut back) };
        assert_eq!(s, ML_STATUS_INVALID_ARGUMENT);
        assert!(last_error().contains("glue"), "{}", last_error());
        unsafe {
            ml_mastering_chain_free(loud);
            ml_mastering_chain_free(null_mut());
        }
    }

    #[test]
    fn target_setters_check_their_ranges_and_keep_the_chain_on_failure() {
        let c = chain(c"loud");
        let read = |f: unsafe extern "C" fn(*const MlMasteringChain, *mut f64) -> MlStatus| {
            let mut v = f64::NAN;
            assert_eq!(unsafe { f(c, &mut v) }, ML_STATUS_OK);
            v
        };
        assert_eq!(read(ml_mastering_chain_target_lufs), -9.0);
        unsafe {
            assert_eq!(ml_mastering_chain_set_target(c, c"EBU-R128".as_ptr()), ML_STATUS_OK);
            assert_eq!((*c).chain.target, "ebu_r128");
            // The preset's loudness still replaces the target's; its ceiling is the target's.
            assert_eq!(read(ml_mastering_chain_target_lufs), -9.0);
            assert_eq!(read(ml_mastering_chain_ceiling_dbtp), -1.0);
            assert_eq!(ml_mastering_chain_set_target(c, c"mars".as_ptr()), ML_STATUS_UNKNOWN_NAME);
            assert!(last_error().contains("spotify"));
            assert_eq!(ml_mastering_chain_set_target(c, null()), ML_STATUS_NULL_POINTER);
            assert_eq!(ml_mastering_chain_set_target_lufs(c, -11.5), ML_STATUS_OK);
            assert_eq!(ml_mastering_chain_set_ceiling_dbtp(c, -2.0), ML_STATUS_OK);
            for bad in [5.0, -61.0, f64::NAN, f64::INFINITY] {
                let s = ml_mastering_chain_set_target_lufs(c, bad);
                assert_eq!(s, ML_STATUS_INVALID_ARGUMENT, "{bad}");
                assert!(last_error().starts_with("target_lufs"), "{}", last_error());
            }
            for bad in [3.5, -31.0, f64::NAN] {
                let s = ml_mastering_chain_set_ceiling_dbtp(c, bad);
                assert_eq!(s, ML_STATUS_INVALID_ARGUMENT, "{bad}");
            }
            assert_eq!(
                ml_mastering_chain_set_target_lufs(null_mut(), -14.0),
                ML_STATUS_NULL_POINTER
            );
        }
        assert_eq!(read(ml_mastering_chain_target_lufs), -11.5);
        assert_eq!(read(ml_mastering_chain_ceiling_dbtp), -2.0);
        unsafe { ml_mastering_chain_free(c) };
    }

    #[test]
    fn bad_audio_is_refused_and_the_output_left_alone() {
        let c = chain(c"gentle");
        let mut x = music(1.0, 0.3);
        let n = x[0].len();
        let mut y = vec![vec![7.0f32; n]; 2];
        let (xp, yp) = (ptrs(&mut x), ptrs(&mut y));
        let mut r = MlMasterResult {
            input_lufs: 1.0,
            output_lufs: 1.0,
            input_true_peak_dbtp: 1.0,
            output_true_peak_dbtp: 1.0,
            input_loudness_range_lu: 1.0,
            output_loudness_range_lu: 1.0,
            input_gain_db: 1.0,
            normalize_gain_db: 1.0,
            limiter_max_gr_db: 1.0,
            limiter_mean_gr_db: 1.0,
            passes: 9,
            target_lufs: 1.0,
            ceiling_dbtp: 1.0,
        };
        let before = r;
        let m = |chain, input, output, channels, frames, rate, result| unsafe {
            ml_master(
                chain,
                input,
                output,
                channels,
                frames,
                rate,
                result,
                null_mut(),
                std::ptr::null(),
            )
        };
        let (xs, ys) = (xp.as_ptr(), yp.as_ptr());
        assert_eq!(m(null(), xs, ys, 2, n, 48e3, &mut r), ML_STATUS_NULL_POINTER);
        assert_eq!(m(c, null(), ys, 2, n, 48e3, &mut r), ML_STATUS_NULL_POINTER);
        assert_eq!(m(c, xs, null(), 2, n, 48e3, &mut r), ML_STATUS_NULL_POINTER);
        let with_null = [xp[0], null_mut()];
        assert_eq!(m(c, xs, with_null.as_ptr(), 2, n, 48e3, &mut r), ML_STATUS_NULL_POINTER);
        assert_eq!(m(c, xs, ys, 0, n, 48e3, &mut r), ML_STATUS_INVALID_CHANNEL_COUNT);
        assert_eq!(m(c, xs, ys, 3, n, 48e3, &mut r), ML_STATUS_INVALID_CHANNEL_COUNT);
        assert_eq!(m(c, xs, ys, 2, 0, 48e3, &mut r), ML_STATUS_EMPTY_INPUT);
        for rate in [0.0, f64::NAN, 1e7] {
            assert_eq!(m(c, xs, ys, 2, n, rate, &mut r), ML_STATUS_INVALID_SAMPLE_RATE);
        }
        x[1][100] = f32::NAN;
        assert_eq!(m(c, xs, ys, 2, n, 48e3, &mut r), ML_STATUS_NONFINITE);
        assert!(last_error().contains("100"), "{}", last_error());
        assert_eq!(r, before);
        assert!(y.iter().flatten().all(|&v| v == 7.0));

        let norm = |target: &CStr, channels, frames| unsafe {
            ml_normalize(xs, ys, channels, frames, 48e3, target.as_ptr(), null_mut())
        };
        assert_eq!(norm(c"pluto", 2, n), ML_STATUS_UNKNOWN_NAME);
        assert!(last_error().contains("apple"));
        assert_eq!(norm(c"spotify", 2, n), ML_STATUS_NONFINITE);
        assert_eq!(norm(c"spotify", 65, n), ML_STATUS_INVALID_CHANNEL_COUNT);
        assert_eq!(norm(c"spotify", 1, 0), ML_STATUS_EMPTY_INPUT);

        let tracks = [xs];
        let outs = [ys];
        let album = |num_tracks, channels, frames: &[usize]| unsafe {
            ml_master_album(
                c,
                tracks.as_ptr(),
                outs.as_ptr(),
                num_tracks,
                channels,
                frames.as_ptr(),
                48e3,
                null_mut(),
                null_mut(),
                null_mut(),
                std::ptr::null(),
            )
        };
        assert_eq!(album(0, 2, &[n]), ML_STATUS_EMPTY_INPUT);
        assert_eq!(album(1, 3, &[n]), ML_STATUS_INVALID_CHANNEL_COUNT);
        assert_eq!(album(1, 2, &[n]), ML_STATUS_NONFINITE);
        assert!(y.iter().flatten().all(|&v| v == 7.0));
        unsafe { ml_mastering_chain_free(c) };
    }

    #[test]
    fn normalize_in_place_equals_normalize_to_a_copy() {
        let mut x = music(4.0, 0.05);
        let mut y = vec![vec![0.0f32; x[0].len()]; 2];
        let (xp, yp) = (ptrs(&mut x), ptrs(&mut y));
        let n = x[0].len();
        let mut a = MlNormalizeResult::from(NormalizeReport {
            target_lufs: 0.0,
            ceiling_dbtp: 0.0,
            input_lufs: 0.0,
            predicted_gain_db: 0.0,
            gain_db: 0.0,
            trim_db: 0.0,
            limiter_max_gr_db: 0.0,
            limiter_mean_gr_db: 0.0,
            output_lufs: 0.0,
            output_true_peak_dbtp: 0.0,
            passes: 0,
        });
        let mut b = a;
        let s = unsafe {
            ml_normalize(xp.as_ptr(), yp.as_ptr(), 2, n, 48e3, c"apple".as_ptr(), &mut a)
        };
        assert_eq!(s, ML_STATUS_OK);
        let s = unsafe {
            ml_normalize(xp.as_ptr(), xp.as_ptr(), 2, n, 48e3, c"apple".as_ptr(), &mut b)
        };
        assert_eq!(s, ML_STATUS_OK);
        assert_eq!(a, b);
        assert_eq!(x, y);
        assert!((a.output_lufs - -16.0).abs() <= 0.05, "{a:?}");
        assert!(a.output_true_peak_dbtp <= -1.0 && a.gain_db > 10.0 && a.passes >= 1, "{a:?}");
    }
}
