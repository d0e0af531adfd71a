//! The dynamics kinds' calls that have no parameter equivalent: keyed
//! (sidechain) processing, gain-reduction readings, and the bands of a
//! multiband compressor, each described by a compressor processor.
//!
//! Compressor, expander, noise gate, de-esser, limiter and multiband
//! compressor are created by kind name and set through their declared
//! parameters (`params.rs`); these calls reach them through the core's
//! `Dynamics` trait and the kind's capabilities.

use dsp_core::dynamics::MultibandCompressor;
use dsp_core::processor::for_each_block;
use dsp_core::spec::MAX_CHANNELS;

use crate::audio::{check_channels, check_disjoint, planar, planar_mut};
use crate::guard::{get_shared, non_null, non_null_mut};
use crate::params::copy_params;
use crate::processor::{MlProcessor, with_kind, with_processor};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_WRONG_KIND, Message, MlStatus};

/// Writes the gain reduction in dB (positive = reduction) after the last
/// processed block to `*out`: largest over channels, and over bands for a
/// multiband compressor. Excludes make-up gain and mix. Call it after each
/// block for a meter.
///
/// Fails with `ML_STATUS_WRONG_KIND` on a kind whose info has no
/// `gain_reduction` capability.
///
/// Thread rule: any thread, concurrently with processing (it reads values
/// the processing thread stores after each block).
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_gain_reduction_db(
    p: *const MlProcessor,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| Ok(f64::from(h.gain_reduction()?.largest()))) }
}

/// Writes the number of gain-reduction rows after the last processed block
/// to `*out`: 1, or one per band in use (a multiband compressor); at most
/// `ML_MAX_GAIN_REDUCTION_ROWS` are kept.
///
/// Fails as `ml_processor_gain_reduction_db` does.
///
/// Thread rule: any thread, concurrently with processing.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_gain_reduction_rows(
    p: *const MlProcessor,
    out: *mut usize,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| Ok(h.gain_reduction()?.count())) }
}

/// Writes the gain reduction in dB of row `row` (band `row` of a multiband
/// compressor, lowest first) after the last processed block to `*out`.
///
/// Fails as `ml_processor_gain_reduction_db` does, and with
/// `ML_STATUS_INVALID_ARGUMENT` past the last row.
///
/// Thread rule: any thread, concurrently with processing.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_gain_reduction_row_db(
    p: *const MlProcessor,
    row: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| h.gain_reduction()?.row(row).map(f64::from)) }
}

/// Processes planar audio in place keyed by an external sidechain (kinds
/// whose info has the `sidechain` capability: compressor, expander, noise
/// gate): the detector hears `sidechain` instead of the input. A sidechain
/// with as many channels as the input keys channel by channel (then linked
/// as set); any other count (1 to `ML_MAX_CHANNELS`) is averaged to one key
/// for all channels. Both have `num_frames` samples. Non-finite sidechain
/// samples count as silence and are counted.
///
/// Fails like `ml_processor_process_planar`, with `ML_STATUS_WRONG_KIND` on
/// a processor without a sidechain input, and `ML_STATUS_INVALID_ARGUMENT`
/// if `num_sidechain` is 0 or above `ML_MAX_CHANNELS` or a sidechain buffer
/// shares memory with a processed channel.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `channels` as for `ml_processor_process_planar`; `sidechain` is NULL or
/// holds `num_sidechain` pointers, each NULL or valid for reads of
/// `num_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_process_sidechain_planar(
    p: *mut MlProcessor,
    channels: *const *mut f32,
    num_channels: usize,
    sidechain: *const *mut f32,
    num_sidechain: usize,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |h, st| {
            h.free_standing()?;
            let spec = st.prepared_spec()?;
            if !h.kind().caps.sidechain || st.inner.dynamics().is_none() {
                let lacks = "has no sidechain input";
                return Err(Fail::new(
                    ML_STATUS_WRONG_KIND,
                    Message::KindLacks { kind: h.kind().name, lacks },
                ));
            }
            check_channels(spec.channels, num_channels)?;
            if !(1..=MAX_CHANNELS).contains(&num_sidechain) {
                return Err(Fail::new(
                    ML_STATUS_INVALID_ARGUMENT,
                    "num_sidechain must be 1 to ML_MAX_CHANNELS",
                ));
            }
            check_disjoint(channels, num_channels, sidechain.cast(), num_sidechain, num_frames)?;
            let mut views = planar_mut(channels, num_channels, num_frames)?;
            let side = planar(sidechain.cast(), num_sidechain, num_frames)?;
            let keys = &side[..num_sidechain];
            let inner = &mut *st.inner;
            let max = spec.max_block_size;
            for_each_block(&mut views[..num_channels], &mut [], keys, max, |c, _, k| {
                h.params().apply(&mut *inner);
                if let Some(d) = inner.dynamics() {
                    d.process_keyed(c, Some(k), &mut []);
                }
            });
            h.store_gain_reduction(inner);
            Ok(())
        })
    }
}

/// The failure for a band index past the bands in use.
fn no_band(index: usize, bands: usize) -> Fail {
    Fail::new(
        ML_STATUS_INVALID_ARGUMENT,
        Message::NoIndex { owner: "", what: "band", index, count: bands },
    )
}

/// Sets band `index` (0 is the lowest; its parameter `bands` sets how many
/// there are) of a multiband compressor to the settings of `compressor`, a
/// processor of kind `compressor` (copied, not consumed: the caller still
/// frees it). Its `bypass` bypasses the band. Never allocates.
///
/// Fails with `ML_STATUS_WRONG_KIND` if `p` is not a multiband compressor
/// or `compressor` not a compressor, and `ML_STATUS_INVALID_ARGUMENT` if
/// there is no such band.
///
/// Thread rule: the processing thread of `p` only; `compressor` is only
/// read through its parameters (as `ml_processor_param_get` does).
///
/// # Safety
/// `p` and `compressor` are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_set_band(
    p: *mut MlProcessor,
    index: usize,
    compressor: *const MlProcessor,
) -> MlStatus {
    unsafe {
        with_kind(p, |m: &mut MultibandCompressor| {
            let bands = m.bands();
            let band = m.band_mut(index).ok_or_else(|| no_band(index, bands))?;
            copy_params(non_null(compressor)?, band)
        })
    }
}

/// Creates a compressor processor holding the settings of band `index` of
/// a multiband compressor and writes it to `*out` (NULL on failure); read
/// it with the parameter functions and free it with `ml_processor_free`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band.
///
/// Thread rule: the processing thread of `p` only.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_get_band(
    p: *mut MlProcessor,
    index: usize,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        with_processor(p, |_, st| {
            let out = non_null_mut(out)?;
            *out = std::ptr::null_mut();
            let m = st.kind_mut::<MultibandCompressor>()?;
            let band = m.band(index).ok_or_else(|| no_band(index, m.bands()))?.clone();
            *out = Box::into_raw(Box::new(MlProcessor::new(Box::new(band))));
            Ok(())
        })
    }
}

/// Solos band `index` of a multiband compressor (or not): while any band is
/// soloed only soloed bands are heard (crossfades over 20 ms).
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_set_band_solo(
    p: *mut MlProcessor,
    index: usize,
    solo: bool,
) -> MlStatus {
    unsafe { with_kind(p, |m: &mut MultibandCompressor| m.set_band_solo(index, solo)) }
}
