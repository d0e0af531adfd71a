//! The level meter (peak and RMS per channel): its own handle, fed and queried.

use std::sync::atomic::AtomicBool;

use dsp_core::analysis::LevelMeter;
use dsp_core::{Error, ProcessSpec};

use dsp_core::buffer::read_interleaved;

use crate::audio::{INTERLEAVED_PIECE, feed_interleaved, feed_planar};
use crate::guard::{Handle, free_handle, get_shared, new_handle, update_handle, with_handle};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, MlStatus};

/// Opaque handle to a level meter: sample peak and windowed RMS per channel.
///
/// Create with `ml_level_meter_new`, prepare with `ml_level_meter_prepare`,
/// feed with `ml_level_meter_add_planar` / `_interleaved`, read with the
/// getters, free with `ml_level_meter_free`.
#[derive(Debug)]
pub struct MlLevelMeter {
    meter: LevelMeter,
    channels: Option<usize>,
    scratch: Vec<f32>,
    poisoned: AtomicBool,
}

impl Handle for MlLevelMeter {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

impl MlLevelMeter {
    fn prepared_channels(&self) -> Result<usize, Fail> {
        self.channels.ok_or_else(|| Error::NotPrepared.into())
    }

    /// Reads one channel's value with `read`; out-of-range channels fail.
    fn reading(
        &self,
        channel: usize,
        read: fn(&LevelMeter, usize) -> Option<f64>,
    ) -> Result<f64, Fail> {
        let channels = self.prepared_channels()?;
        read(&self.meter, channel).ok_or_else(|| {
            Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                format!("channel {channel} out of range (meter has {channels})"),
            )
        })
    }
}

/// Creates a level meter whose RMS window is `window_ms` (1 ms to 60 s;
/// 300 ms is usual) and writes its handle to `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_new(
    window_ms: f64,
    out: *mut *mut MlLevelMeter,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            Ok(MlLevelMeter {
                meter: LevelMeter::new(window_ms)?,
                channels: None,
                scratch: Vec::new(),
                poisoned: AtomicBool::new(false),
            })
        })
    }
}

/// Prepares the meter for a sample rate and channel count, and clears it.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_prepare(
    m: *mut MlLevelMeter,
    sample_rate: f64,
    channels: usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            h.channels = None;
            h.meter.prepare(&ProcessSpec::new(sample_rate, INTERLEAVED_PIECE, channels))?;
            h.scratch = vec![0.0; channels * INTERLEAVED_PIECE];
            h.channels = Some(channels);
            Ok(())
        })
    }
}

/// Clears all readings and the RMS window.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_reset(m: *mut MlLevelMeter) -> MlStatus {
    unsafe { update_handle(m, |h| h.meter.reset()) }
}

/// Feeds planar audio (any length, 0 is a no-op). Non-finite samples count as
/// silence (see `ml_level_meter_nonfinite_count`). Never allocates.
///
/// # Safety
/// `channels` is NULL or holds `num_channels` pointers, each NULL or valid for
/// reads of `num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_add_planar(
    m: *mut MlLevelMeter,
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
            MlLevelMeter::prepared_channels,
            |h, v| Ok(h.meter.add(v)?),
        )
    }
}

/// Feeds interleaved audio: `interleaved_audio[i * num_channels + c]` is sample `i`
/// of channel `c`. Same rules as `ml_level_meter_add_planar`.
///
/// # Safety
/// `interleaved` is NULL or valid for reads of `num_channels * num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_add_interleaved(
    m: *mut MlLevelMeter,
    interleaved_audio: *const f32,
    num_channels: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        let channels = MlLevelMeter::prepared_channels;
        feed_interleaved(m, interleaved_audio, num_channels, num_frames, channels, |h, audio| {
            let meter = &mut h.meter;
            read_interleaved(audio, &mut h.scratch, num_channels, INTERLEAVED_PIECE, |v| {
                Ok(meter.add(v)?)
            })
        })
    }
}

/// Writes the sample peak of `channel` over (about) the last window, in dBFS, to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_peak_dbfs(
    m: *const MlLevelMeter,
    channel: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(m, out, |h| h.reading(channel, LevelMeter::peak_dbfs)) }
}

/// Writes the RMS level of `channel` over the last window, in dBFS, to `*out`
/// (a full-scale sine reads -3.01 dBFS).
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_rms_dbfs(
    m: *const MlLevelMeter,
    channel: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(m, out, |h| h.reading(channel, LevelMeter::rms_dbfs)) }
}

/// Writes the largest sample peak of `channel` since the last reset, in dBFS, to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_max_peak_dbfs(
    m: *const MlLevelMeter,
    channel: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(m, out, |h| h.reading(channel, LevelMeter::max_peak_dbfs)) }
}

/// Writes the largest full-window RMS of `channel` since the last reset, in dBFS, to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_max_rms_dbfs(
    m: *const MlLevelMeter,
    channel: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(m, out, |h| h.reading(channel, LevelMeter::max_rms_dbfs)) }
}

/// Writes the number of non-finite samples fed since creation or the last
/// reset (read as silence) to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_nonfinite_count(
    m: *const MlLevelMeter,
    out: *mut u64,
) -> MlStatus {
    unsafe { get_shared(m, out, |h| Ok(h.meter.nonfinite_count())) }
}

/// Frees a level meter. NULL is a no-op.
///
/// # Safety
/// `m` is NULL or a handle from `ml_level_meter_new` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_level_meter_free(m: *mut MlLevelMeter) {
    unsafe { free_handle(m) }
}
