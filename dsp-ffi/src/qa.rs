//! Track measurement into a plain `MlQaReport` struct (one-shot with
//! `ml_measure`, or block by block with an `MlQaMeter`), delivery
//! targets as plain `MlTarget` structs, and checks of a report against one.
//!
//! Every struct here is plain data with fixed-size arrays (no pointers, no
//! freeing): per-channel values hold `ML_MAX_CHANNELS` entries, of which
//! the first `channels` are used; octave bands hold `ML_OCTAVE_BANDS`, of
//! which the first `octave_band_count` are used (also in the per-band
//! mono-fold and small-loudspeaker readings). Silence reads
//! `-INFINITY` LUFS / dBFS / dBTP.

use std::ffi::{CStr, c_char};
use std::sync::atomic::AtomicBool;

use dsp_core::Error;
use dsp_core::analysis::qa::OCTAVE_CENTRES_HZ;
use dsp_core::analysis::{QaMeter, QaReport, Target};
use dsp_core::spec::MAX_CHANNELS;

use crate::audio::{feed_interleaved, feed_planar, planar};
use crate::guard::{
    Handle, free_handle, get_shared, guard, new_handle, non_null, non_null_mut, update_handle,
};
use crate::progress::{MlProgress, with_progress};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, MlStatus};

/// Most channels of any measurement (the length of per-channel arrays).
pub const ML_MAX_CHANNELS: usize = 64;
/// Most octave bands of a report (centres 31.5 Hz to 16 kHz).
pub const ML_OCTAVE_BANDS: usize = 10;
/// Size of a target's name and label buffers, NUL included.
pub const ML_TARGET_NAME_LEN: usize = 32;
/// Size of a check's message buffer, NUL included.
pub const ML_CHECK_MESSAGE_LEN: usize = 256;

const _: () = assert!(ML_MAX_CHANNELS == MAX_CHANNELS);
const _: () = assert!(ML_OCTAVE_BANDS == OCTAVE_CENTRES_HZ.len());

/// Quality report of a whole track, filled by `ml_measure` or
/// `ml_qa_meter_report`.
///
/// Silence (or input too short for a window) reads `-INFINITY` LUFS, dBFS
/// and dBTP (`isinf(x) && x < 0`), never a large negative number or NaN.
/// Stereo readings (correlation, mono drop, balance) use channels 0 and 1;
/// for mono they read as for identical channels. The 10 Hz loudness series
/// are not part of the struct: use an `MlMeter` for them.
///
/// The small loudspeaker of the `small_speaker_*` readings is a band-pass:
/// 4th-order Linkwitz-Riley high-pass at 150 Hz and low-pass at 8 kHz (the
/// low-pass left out below 17.8 kHz sample rate).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlQaReport {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Length in seconds.
    pub duration_s: f64,
    /// Channels measured (entries used in `dc_offset`).
    pub channels: usize,
    /// Integrated loudness (BS.1770 gating) in LUFS; `-INFINITY` if silent
    /// or shorter than 400 ms.
    pub integrated_lufs: f64,
    /// Loudness range (EBU Tech 3342) in LU.
    pub loudness_range_lu: f64,
    /// Largest momentary (400 ms) loudness in LUFS.
    pub max_momentary_lufs: f64,
    /// Largest short-term (3 s) loudness in LUFS.
    pub max_short_term_lufs: f64,
    /// True peak over all channels in dBTP (`-INFINITY` for silence).
    pub true_peak_dbtp: f64,
    /// Sample peak over all channels in dBFS (`-INFINITY` for silence).
    pub sample_peak_dbfs: f64,
    /// Peak-to-loudness ratio (true peak minus integrated loudness) in dB;
    /// 0 without an integrated loudness.
    pub plr_db: f64,
    /// Mean (DC offset) per channel, as a fraction of full scale.
    pub dc_offset: [f64; ML_MAX_CHANNELS],
    /// Samples in runs of 2 or more consecutive samples at full scale
    /// (magnitude of at least 32767/32768), over all channels.
    pub clipped_samples: u64,
    /// Phase correlation of left and right over the whole track (-1 to 1).
    pub correlation: f64,
    /// Lowest correlation over non-silent 400 ms windows.
    pub worst_correlation: f64,
    /// Integrated loudness lost by folding left and right to mono, in LU
    /// (`INFINITY` if the fold cancels).
    pub mono_loudness_drop_lu: f64,
    /// Left minus right K-weighted loudness in dB (positive: left louder).
    pub balance_db: f64,
    /// Octave bands measured (entries used in `octave_band_hz`,
    /// `octave_band_db`, `mono_band_change_db` and
    /// `small_speaker_bands_db`); bands reaching past Nyquist are left out.
    pub octave_band_count: usize,
    /// Octave band centres in Hz.
    pub octave_band_hz: [f64; ML_OCTAVE_BANDS],
    /// Mean-square level per octave band in dB re full scale (a full-scale
    /// sine reads -3 dB), averaged over channels.
    pub octave_band_db: [f64; ML_OCTAVE_BANDS],
    /// Level change per octave band when left and right fold to mono
    /// ((L + R) / 2), against their mean power, in dB: 0 for identical
    /// channels, -3 for uncorrelated ones, `-INFINITY` where the fold
    /// cancels (L = -R); 0 for an empty band and for mono input.
    pub mono_band_change_db: [f64; ML_OCTAVE_BANDS],
    /// Integrated loudness through the small loudspeaker in LUFS
    /// (`-INFINITY` if nothing above the gates gets through).
    pub small_speaker_lufs: f64,
    /// `integrated_lufs - small_speaker_lufs` in LU: about 0 for midrange
    /// material, tens of LU for sub-bass; 0 without an integrated loudness,
    /// `INFINITY` if nothing gets through.
    pub small_speaker_drop_lu: f64,
    /// Each octave band's share of the energy the small loudspeaker passes,
    /// in dB (-10: a tenth); `-INFINITY` for silence.
    pub small_speaker_bands_db: [f64; ML_OCTAVE_BANDS],
}

impl MlQaReport {
    fn from_core(r: &QaReport) -> Self {
        let mut dc_offset = [0.0; ML_MAX_CHANNELS];
        dc_offset.iter_mut().zip(&r.dc_offset).for_each(|(d, s)| *d = *s);
        let mut octave_band_hz = [0.0; ML_OCTAVE_BANDS];
        for (hz, &(c, _)) in octave_band_hz.iter_mut().zip(&r.octave_bands) {
            *hz = c;
        }
        let values = |bands: &[(f64, f64)]| {
            let mut out = [0.0; ML_OCTAVE_BANDS];
            out.iter_mut().zip(bands).for_each(|(o, b)| *o = b.1);
            out
        };
        Self {
            sample_rate: r.sample_rate,
            duration_s: r.duration_s,
            channels: r.dc_offset.len(),
            integrated_lufs: r.integrated_lufs,
            loudness_range_lu: r.loudness_range_lu,
            max_momentary_lufs: r.max_momentary_lufs,
            max_short_term_lufs: r.max_short_term_lufs,
            true_peak_dbtp: r.true_peak_dbtp,
            sample_peak_dbfs: r.sample_peak_dbfs,
            plr_db: r.plr_db,
            dc_offset,
            clipped_samples: r.clipped_samples,
            correlation: r.correlation,
            worst_correlation: r.worst_correlation,
            mono_loudness_drop_lu: r.mono_loudness_drop_lu,
            balance_db: r.balance_db,
            octave_band_count: r.octave_bands.len().min(ML_OCTAVE_BANDS),
            octave_band_hz,
            octave_band_db: values(&r.octave_bands),
            mono_band_change_db: values(&r.mono_band_change_db),
            small_speaker_lufs: r.small_speaker_lufs,
            small_speaker_drop_lu: r.small_speaker_drop_lu,
            small_speaker_bands_db: values(&r.small_speaker_bands_db),
        }
    }
}

/// Measures a whole track (planar, `num_channels` channels of `num_frames`
/// samples, at least one) and fills `*out`.
///
/// Fails with `ML_STATUS_NONFINITE` on a NaN or infinite sample (the message
/// names its channel and index), `ML_STATUS_EMPTY_INPUT` for no samples,
/// `ML_STATUS_INVALID_SAMPLE_RATE` outside 8 kHz to 768 kHz,
/// `ML_STATUS_INVALID_CHANNEL_COUNT` outside 1 to `ML_MAX_CHANNELS`.
/// `*out` is left unchanged on failure.
///
/// `progress` (NULL for none) is told the fraction done and may cancel
/// the call (`ML_STATUS_CANCELLED`, nothing written): see `MlProgress`.
///
/// # Safety
/// `channels` is NULL or holds `num_channels` pointers, each NULL or valid
/// for reads of `num_frames` floats; `out` is NULL or writable.
/// `progress` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_measure(
    channels: *const *mut f32,
    num_channels: usize,
    num_frames: usize,
    sample_rate: f64,
    out: *mut MlQaReport,
    progress: *const MlProgress,
) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        if num_channels == 0 || num_channels > MAX_CHANNELS {
            return Err(Error::InvalidChannelCount { channels: num_channels }.into());
        }
        let views = unsafe { planar(channels.cast(), num_channels, num_frames)? };
        let report = unsafe {
            with_progress(progress, |p| {
                QaReport::measure_with(&views[..num_channels], sample_rate, p)
            })?
        };
        *out = MlQaReport::from_core(&report);
        Ok(())
    })
}

/// A loudness delivery target, plain data: fill one with
/// `ml_target_by_name`, `ml_target_at` or `ml_target_custom`, or set the
/// fields yourself (they are validated when used).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlTarget {
    /// Lookup name, NUL-terminated (`spotify`, `ebu_r128`...).
    pub name: [c_char; ML_TARGET_NAME_LEN],
    /// Human-readable name for messages, NUL-terminated (`Spotify`...);
    /// empty means `name`.
    pub label: [c_char; ML_TARGET_NAME_LEN],
    /// Target integrated loudness in LUFS (-60 to 0).
    pub integrated_lufs: f64,
    /// Allowed deviation from the target loudness either way, in LU (0 to 10).
    pub tolerance_lu: f64,
    /// Highest allowed true peak in dBTP (-30 to +3).
    pub true_peak_dbtp: f64,
    /// Whether the platform raises quiet tracks (no further than the
    /// true-peak ceiling allows).
    pub turns_up: bool,
}

/// Copies `text` into a fixed C buffer, truncated at a character boundary,
/// always NUL-terminated.
fn write_text(dst: &mut [c_char], text: &str) {
    let mut end = text.len().min(dst.len() - 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    for (d, &b) in dst.iter_mut().zip(&text.as_bytes()[..end]) {
        *d = b as c_char;
    }
    dst[end] = 0;
}

/// Reads a NUL-terminated string from a fixed C buffer.
fn read_text(src: &[c_char], what: &str) -> Result<String, Fail> {
    let bytes: Vec<u8> = src.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .ok()
        .and_then(|s| s.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            Fail::new(ML_STATUS_INVALID_ARGUMENT, format!("{what} is not NUL-terminated UTF-8"))
        })
}

impl MlTarget {
    fn from_core(t: &Target) -> Self {
        let mut out = MlTarget {
            name: [0; ML_TARGET_NAME_LEN],
            label: [0; ML_TARGET_NAME_LEN],
            integrated_lufs: t.integrated_lufs,
            tolerance_lu: t.tolerance_lu,
            true_peak_dbtp: t.true_peak_dbtp,
            turns_up: t.turns_up,
        };
        write_text(&mut out.name, &t.name);
        write_text(&mut out.label, &t.label);
        out
    }

    /// The target as the core type, with its values validated.
    fn to_core(self) -> Result<Target, Fail> {
        let name = read_text(&self.name, "target name")?;
        let label = read_text(&self.label, "target label")?;
        let mut target = Target::custom(
            &name,
            self.integrated_lufs,
            self.tolerance_lu,
            self.true_peak_dbtp,
            self.turns_up,
        )?;
        if !label.is_empty() {
            target.label = label;
        }
        Ok(target)
    }
}

/// Fills `*out` with the built-in target called `name`: `spotify`,
/// `apple`, `youtube`, `amazon`, `tidal`, `deezer`, `ebu_r128`, `atsc_a85`,
/// `aes_td1008` (case-insensitive; `-` may replace `_`). Unknown names give
/// `ML_STATUS_UNKNOWN_NAME` with the valid names in the message.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_target_by_name(name: *const c_char, out: *mut MlTarget) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        let name = unsafe { CStr::from_ptr(non_null(name)?) }.to_string_lossy();
        let target = Target::by_name(&name)
            .map_err(|e| Fail::new(Fail::from(e).status, Target::unknown_name_message(&name)))?;
        *out = MlTarget::from_core(&target);
        Ok(())
    })
}

/// Number of built-in targets (for `ml_target_at`).
#[unsafe(no_mangle)]
pub extern "C" fn ml_target_count() -> usize {
    Target::NAMES.len()
}

/// Fills `*out` with built-in target number `index` (0 to
/// `ml_target_count() - 1`; others give `ML_STATUS_INVALID_ARGUMENT`).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_target_at(index: usize, out: *mut MlTarget) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        let name = Target::NAMES.get(index).ok_or_else(|| {
            Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                format!("target index {index} out of range (there are {})", Target::NAMES.len()),
            )
        })?;
        *out = MlTarget::from_core(&Target::by_name(name)?);
        Ok(())
    })
}

/// Fills `*out` with a target of your own after validating it (loudness -60
/// to 0 LUFS, tolerance 0 to 10 LU, ceiling -30 to +3 dBTP; the name is
/// truncated to `ML_TARGET_NAME_LEN - 1` bytes).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_target_custom(
    name: *const c_char,
    integrated_lufs: f64,
    tolerance_lu: f64,
    true_peak_dbtp: f64,
    turns_up: bool,
    out: *mut MlTarget,
) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        let name = unsafe { CStr::from_ptr(non_null(name)?) }.to_string_lossy();
        let target =
            Target::custom(&name, integrated_lufs, tolerance_lu, true_peak_dbtp, turns_up)?;
        *out = MlTarget::from_core(&target);
        Ok(())
    })
}

/// Outcome of checking a report against a target, plain data.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlTargetCheck {
    /// True peak at or below the ceiling and loudness within tolerance.
    pub pass: bool,
    /// Gain the platform will apply on playback, in dB (negative: down).
    pub gain_change_db: f64,
    /// One line, NUL-terminated (truncated to `ML_CHECK_MESSAGE_LEN - 1`
    /// bytes): `PASS` or `FAIL`, the reasons, and what the platform will
    /// do, e.g. "FAIL: true peak -0.3 dBTP exceeds -1.0; integrated -10.8
    /// LUFS is 3.2 LU above -14.0 (outside tolerance +/-1.0). Spotify will
    /// turn it down 3.2 dB".
    pub message: [c_char; ML_CHECK_MESSAGE_LEN],
}

/// Checks a report against a target (validated first) and fills `*out`.
///
/// # Safety
/// `report` and `target` are NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_check(
    report: *const MlQaReport,
    target: *const MlTarget,
    out: *mut MlTargetCheck,
) -> MlStatus {
    guard(|| {
        let (report, target) = unsafe { (non_null(report)?, non_null(target)?) };
        let out = unsafe { non_null_mut(out)? };
        let check = target.to_core()?.check(report.integrated_lufs, report.true_peak_dbtp);
        let mut message = [0; ML_CHECK_MESSAGE_LEN];
        write_text(&mut message, &check.message());
        *out = MlTargetCheck { pass: check.pass, gain_change_db: check.gain_change_db, message };
        Ok(())
    })
}

/// Opaque handle to a streaming quality meter: the `MlQaReport` of a track
/// fed block by block, in memory that does not grow with the track (beyond
/// 16 bytes per 100 ms of loudness series).
///
/// Create with `ml_qa_meter_new`, feed with `ml_qa_meter_add_planar` /
/// `_interleaved` (any block length), read with `ml_qa_meter_report` at any
/// time, free with `ml_qa_meter_free`. The report equals `ml_measure` of
/// all the audio added since the last reset, however it was cut into
/// blocks. A refused block (wrong channel count, NaN or infinite sample:
/// `ML_STATUS_NONFINITE`, the message naming its channel and index within
/// the block) leaves the meter unchanged.
#[derive(Debug)]
pub struct MlQaMeter {
    meter: QaMeter,
    poisoned: AtomicBool,
}

impl Handle for MlQaMeter {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

/// Creates a quality meter for `num_channels` channels (1 to
/// `ML_MAX_CHANNELS`) at `sample_rate` Hz (8 kHz to 768 kHz) and writes its
/// handle to `*out` (NULL on failure).
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_meter_new(
    sample_rate: f64,
    num_channels: usize,
    out: *mut *mut MlQaMeter,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let meter = QaMeter::new(sample_rate, num_channels)?;
            Ok(MlQaMeter { meter, poisoned: AtomicBool::new(false) })
        })
    }
}

/// Feeds planar audio: `channels[c][i]` is sample `i` of channel `c`, any
/// length (0 is a no-op). `num_channels` must equal the meter's count.
///
/// # Safety
/// `m` is NULL or a live handle; `channels` is NULL or holds `num_channels`
/// pointers, each NULL or valid for reads of `num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_meter_add_planar(
    m: *mut MlQaMeter,
    channels: *const *mut f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        feed_planar(
            m,
            channels.cast(),
            num_channels,
            num_frames,
            |h| Ok(h.meter.channels()),
            |h, v| Ok(h.meter.add(v)?),
        )
    }
}

/// Feeds interleaved audio: `interleaved_audio[i * num_channels + c]` is
/// sample `i` of channel `c`. Same rules as `ml_qa_meter_add_planar`; a
/// non-finite sample is reported with its channel and frame index.
///
/// # Safety
/// `m` is NULL or a live handle; `interleaved_audio` is NULL or valid for
/// reads of `num_channels * num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_meter_add_interleaved(
    m: *mut MlQaMeter,
    interleaved_audio: *const f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        let channels = |h: &MlQaMeter| Ok(h.meter.channels());
        feed_interleaved(m, interleaved_audio, num_channels, num_frames, channels, |h, a| {
            Ok(h.meter.add_interleaved(a)?)
        })
    }
}

/// Fills `*out` with the report of all the audio added since the last
/// reset (the meter goes on: more audio may follow).
/// `ML_STATUS_EMPTY_INPUT` if nothing was added; `*out` is left unchanged
/// on failure.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_meter_report(m: *const MlQaMeter, out: *mut MlQaReport) -> MlStatus {
    unsafe { get_shared(m, out, |h| Ok(MlQaReport::from_core(&h.meter.report()?))) }
}

/// Forgets all the audio added (keeps the sample rate and channel count).
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_meter_reset(m: *mut MlQaMeter) -> MlStatus {
    unsafe { update_handle(m, |h| h.meter.reset()) }
}

/// Frees a quality meter. NULL is a no-op.
///
/// # Safety
/// `m` is NULL or a handle from `ml_qa_meter_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_qa_meter_free(m: *mut MlQaMeter) {
    unsafe { free_handle(m) }
}
