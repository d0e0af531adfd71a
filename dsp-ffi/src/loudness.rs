//! The loudness meter (BS.1770 / EBU R 128): its own handle, fed and queried.
//!
//! Readings follow the library's conventions: silence (or too little audio
//! for a window) reads `-INFINITY` LUFS / dBFS / dBTP, never a large negative
//! number or NaN; the loudness range is 0 LU until a 3 s window passes the
//! gates. A block with a NaN or infinite sample is refused with
//! `ML_STATUS_NONFINITE` (the message names its channel and index) and leaves
//! the meter unchanged.

use std::sync::atomic::AtomicBool;

use dsp_core::analysis::{LoudnessMeter, TruePeakPrecision};

use crate::audio::{feed_interleaved, feed_planar};
use crate::guard::{
    Handle, free_handle, get_shared, guard, new_handle, non_null, non_null_mut, update_handle,
    with_handle,
};
use crate::status::{
    Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_POISONED, Message, MlStatus, unknown,
};

/// True-peak interpolator quality.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlTruePeakPrecision(pub i32);

/// 4x oversampling below 96 kHz, 12-tap phases (the BS.1770 Annex 2 class).
pub const ML_TRUE_PEAK_PRECISION_STANDARD: MlTruePeakPrecision = MlTruePeakPrecision(0);
/// 8x oversampling below 96 kHz, 48-tap phases and parabolic refinement (slower).
pub const ML_TRUE_PEAK_PRECISION_HIGH: MlTruePeakPrecision = MlTruePeakPrecision(1);

/// Configuration of a loudness meter; start from `ml_meter_config_default()`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlMeterConfig {
    /// Sample rate in Hz, 8 kHz to 768 kHz.
    pub sample_rate: f64,
    /// Channel count, 1 to 64. Weights: 5 channels are L R C Ls Rs, 6 are
    /// L R C LFE Ls Rs (LFE excluded, surrounds +1.5 dB); others weigh 1.
    pub channels: usize,
    /// Whether true peak is measured (otherwise it reads as the sample peak).
    pub true_peak: bool,
    /// True-peak interpolator quality.
    pub true_peak_precision: MlTruePeakPrecision,
    /// Longest programme, in seconds, for which the 10 Hz loudness series are
    /// reserved up front, so that adding audio never allocates (0.1 s to 7
    /// days); past it the series stop growing. 0: the series grow as needed
    /// (adding audio may then allocate).
    pub max_duration_s: f64,
}

/// The default meter configuration: 48 kHz stereo, true peak on (standard
/// precision), series growing as needed.
#[unsafe(no_mangle)]
pub extern "C" fn ml_meter_config_default() -> MlMeterConfig {
    MlMeterConfig {
        sample_rate: 48_000.0,
        channels: 2,
        true_peak: true,
        true_peak_precision: ML_TRUE_PEAK_PRECISION_STANDARD,
        max_duration_s: 0.0,
    }
}

impl MlMeterConfig {
    fn build(&self) -> Result<LoudnessMeter, Fail> {
        let precision = match self.true_peak_precision {
            ML_TRUE_PEAK_PRECISION_STANDARD => TruePeakPrecision::Standard,
            ML_TRUE_PEAK_PRECISION_HIGH => TruePeakPrecision::High,
            other => return Err(unknown("MlTruePeakPrecision", other.0)),
        };
        let mut meter = LoudnessMeter::new(self.sample_rate, self.channels)?;
        if self.max_duration_s != 0.0 {
            meter = meter.with_max_duration_s(self.max_duration_s)?;
        }
        meter.set_true_peak_precision(precision);
        meter.set_true_peak_enabled(self.true_peak);
        Ok(meter)
    }
}

/// Opaque handle to a loudness meter: integrated, momentary and short-term
/// loudness, loudness range, sample and true peak, 10 Hz loudness series.
///
/// Create with `ml_meter_new`, feed with `ml_meter_add_planar` /
/// `_interleaved` (any block length), read with the getters at any time,
/// free with `ml_meter_free`.
#[derive(Debug)]
pub struct MlMeter {
    meter: LoudnessMeter,
    poisoned: AtomicBool,
}

impl Handle for MlMeter {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

/// Creates a loudness meter and writes its handle to `*out` (NULL on failure).
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_new(
    config: *const MlMeterConfig,
    out: *mut *mut MlMeter,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let meter = non_null(config)?.build()?;
            Ok(MlMeter { meter, poisoned: AtomicBool::new(false) })
        })
    }
}

/// Clears every reading and the series (keeps the configuration). Never allocates.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_reset(m: *mut MlMeter) -> MlStatus {
    unsafe { update_handle(m, |h| h.meter.reset()) }
}

/// Sets the BS.1770 weight of one channel (0 to 10; 0 excludes it) for
/// audio added from now on.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_set_channel_weight(
    m: *mut MlMeter,
    channel: usize,
    weight: f64,
) -> MlStatus {
    unsafe { with_handle(m, |h| Ok(h.meter.set_channel_weight(channel, weight)?)) }
}

/// Feeds planar audio: `channels[c][i]` is sample `i` of channel `c`, any
/// length (0 is a no-op). `num_channels` must equal the configured count.
///
/// # Safety
/// `channels` is NULL or holds `num_channels` pointers, each NULL or valid
/// for reads of `num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_add_planar(
    m: *mut MlMeter,
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
            |h, v| Ok(h.meter.add_planar(v)?),
        )
    }
}

/// Feeds interleaved audio: `interleaved_audio[i * num_channels + c]` is
/// sample `i` of channel `c`. Same rules as `ml_meter_add_planar`; a
/// non-finite sample is reported with its channel and frame index.
///
/// # Safety
/// `interleaved_audio` is NULL or valid for reads of
/// `num_channels * num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_add_interleaved(
    m: *mut MlMeter,
    interleaved_audio: *const f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        let channels = |h: &MlMeter| Ok(h.meter.channels());
        feed_interleaved(m, interleaved_audio, num_channels, num_frames, channels, |h, a| {
            Ok(h.meter.add_interleaved(a)?)
        })
    }
}

/// Writes one reading of the meter to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
unsafe fn reading(m: *const MlMeter, out: *mut f64, read: fn(&LoudnessMeter) -> f64) -> MlStatus {
    unsafe { get_shared(m, out, |h| Ok(read(&h.meter))) }
}

/// Integrated loudness (BS.1770 gating) in LUFS; `-INFINITY` before the
/// first 400 ms block or when every block is gated out.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_integrated_lufs(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::integrated_lufs) }
}

/// Album loudness: the integrated loudness (LUFS) of the `n` meters'
/// programmes taken as one, their gating blocks pooled and gated together
/// (not the mean of their readings). `-INFINITY` when every block is gated
/// out; `n == 0` is `ML_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `meters` is NULL or points to `n` pointers, each NULL or a live handle;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_album_integrated_lufs(
    meters: *const *const MlMeter,
    n: usize,
    out: *mut f64,
) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        if n == 0 {
            return Err(Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                "album loudness needs at least one meter",
            ));
        }
        let handles = unsafe { std::slice::from_raw_parts(non_null(meters)?, n) };
        let mut pooled = Vec::with_capacity(n);
        for &h in handles {
            let h = unsafe { non_null(h)? };
            if h.is_poisoned() {
                return Err(Fail::new(
                    ML_STATUS_POISONED,
                    "a meter is poisoned by an earlier panic",
                ));
            }
            pooled.push(&h.meter);
        }
        *out = LoudnessMeter::combined_integrated_lufs(&pooled);
        Ok(())
    })
}

/// Momentary loudness (last 400 ms) in LUFS.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_momentary_lufs(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::momentary_lufs) }
}

/// Short-term loudness (last 3 s) in LUFS.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_short_term_lufs(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::short_term_lufs) }
}

/// Largest momentary loudness since the start or reset, in LUFS.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_max_momentary_lufs(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::max_momentary_lufs) }
}

/// Largest short-term loudness since the start or reset, in LUFS.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_max_short_term_lufs(
    m: *const MlMeter,
    out: *mut f64,
) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::max_short_term_lufs) }
}

/// Loudness range (EBU Tech 3342) in LU; 0 before a 3 s window passes the gates.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_loudness_range_lu(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::loudness_range_lu) }
}

/// True peak over all channels in dBTP (`-INFINITY` for silence).
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_true_peak_dbtp(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::true_peak_dbtp) }
}

/// Sample peak over all channels in dBFS (`-INFINITY` for silence).
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_sample_peak_dbfs(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::sample_peak_dbfs) }
}

/// Duration of the audio added since the start or reset, in seconds.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_duration_s(m: *const MlMeter, out: *mut f64) -> MlStatus {
    unsafe { reading(m, out, LoudnessMeter::duration_s) }
}

/// Writes the true peak of one channel, in dBTP, to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_channel_true_peak_dbtp(
    m: *const MlMeter,
    channel: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe {
        get_shared(m, out, |h| {
            h.meter.channel_true_peak_dbtp(channel).ok_or_else(|| {
                let count = h.meter.channels();
                let message =
                    Message::NoIndex { owner: "the meter", what: "channel", index: channel, count };
                Fail::new(ML_STATUS_INVALID_ARGUMENT, message)
            })
        })
    }
}

/// Copies the 10 Hz loudness series (entry `k` measured at `(k + 1) * 100`
/// ms, in LUFS) into `momentary` and `short_term` (either may be NULL to
/// skip it), at most `capacity` entries each, and writes the full series
/// length to `*len` (call with `capacity` 0 to ask for the length).
///
/// # Safety
/// `m` is NULL or a live handle; `momentary` and `short_term` are NULL or
/// writable for `capacity` doubles; `len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_series(
    m: *mut MlMeter,
    momentary: *mut f64,
    short_term: *mut f64,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let len = non_null_mut(len)?;
            let series = [
                (momentary, h.meter.momentary_series()),
                (short_term, h.meter.short_term_series()),
            ];
            for (dst, src) in series {
                if !dst.is_null() {
                    let n = src.len().min(capacity);
                    std::slice::from_raw_parts_mut(dst, n).copy_from_slice(&src[..n]);
                }
            }
            *len = h.meter.momentary_series().len();
            Ok(())
        })
    }
}

/// Frees a loudness meter. NULL is a no-op.
///
/// # Safety
/// `m` is NULL or a handle from `ml_meter_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_meter_free(m: *mut MlMeter) {
    unsafe { free_handle(m) }
}
