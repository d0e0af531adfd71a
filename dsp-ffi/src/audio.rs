//! C audio buffers as Rust slices: planar channel pointers and interleaved
//! frames, checked for NULL, overlap and length.

use dsp_core::Error;
use dsp_core::spec::MAX_CHANNELS;

use crate::guard::{Handle, non_null, null_pointer, with_handle};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, MlStatus};

/// Most frames deinterleaved at once by the interleaved entry points; bounds
/// their scratch memory whatever the maximum block size.
pub(crate) const INTERLEAVED_PIECE: usize = 2048;

/// Planar channel views on the stack (no allocation); the first `n` are used.
pub(crate) type Views<'a, T> = [&'a mut [T]; MAX_CHANNELS];

/// Checks a channel count against the prepared one.
pub(crate) fn check_channels(expected: usize, actual: usize) -> Result<(), Fail> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::ChannelMismatch { expected, actual }.into())
    }
}

/// Borrows `num_channels` (already checked to be at most [`MAX_CHANNELS`])
/// planar channels of `num_frames` each. Rejects NULL pointers and
/// overlapping channel buffers (which would alias).
///
/// # Safety
/// `channels` is NULL or points to `num_channels` pointers, each NULL or
/// valid for reads and writes of `num_frames` floats for `'a`.
pub(crate) unsafe fn planar_mut<'a>(
    channels: *const *mut f32,
    num_channels: usize,
    num_frames: usize,
) -> Result<Views<'a, f32>, Fail> {
    let ptrs = unsafe { pointer_list(channels.cast(), num_channels)? };
    for (i, &a) in ptrs.iter().enumerate() {
        if ptrs[i + 1..].iter().any(|&b| overlap(a, b, num_frames)) {
            return Err(Fail::new(ML_STATUS_INVALID_ARGUMENT, "channel buffers overlap"));
        }
    }
    let mut views: Views<'a, f32> = std::array::from_fn(|_| <&mut [f32]>::default());
    for (view, &p) in views.iter_mut().zip(ptrs) {
        *view = unsafe { std::slice::from_raw_parts_mut(p.cast_mut(), num_frames) };
    }
    Ok(views)
}

/// Whether buffers of `num_frames` floats at `a` and `b` share memory.
fn overlap(a: *const f32, b: *const f32, num_frames: usize) -> bool {
    let (a, b, bytes) = (a as usize, b as usize, num_frames * size_of::<f32>());
    num_frames > 0 && a < b + bytes && b < a + bytes
}

/// Rejects read-only channels (a sidechain) that share memory with the
/// channels processed in place, which would alias.
///
/// # Safety
/// `channels` and `keys` as for [`planar_mut`] and [`planar`].
pub(crate) unsafe fn check_disjoint(
    channels: *const *mut f32,
    num_channels: usize,
    keys: *const *const f32,
    num_keys: usize,
    num_frames: usize,
) -> Result<(), Fail> {
    let written = unsafe { pointer_list(channels.cast(), num_channels)? };
    let read = unsafe { pointer_list(keys, num_keys)? };
    if written.iter().any(|&a| read.iter().any(|&b| overlap(a, b, num_frames))) {
        return Err(Fail::new(
            ML_STATUS_INVALID_ARGUMENT,
            "the sidechain shares memory with the processed channels",
        ));
    }
    Ok(())
}

/// Read-only version of [`planar_mut`] (overlap allowed).
///
/// # Safety
/// `channels` is NULL or points to `num_channels` pointers, each NULL or
/// valid for reads of `num_frames` floats for `'a`.
pub(crate) unsafe fn planar<'a>(
    channels: *const *const f32,
    num_channels: usize,
    num_frames: usize,
) -> Result<[&'a [f32]; MAX_CHANNELS], Fail> {
    let ptrs = unsafe { pointer_list(channels, num_channels)? };
    let mut views = [<&[f32]>::default(); MAX_CHANNELS];
    for (view, &p) in views.iter_mut().zip(ptrs) {
        *view = unsafe { std::slice::from_raw_parts(p, num_frames) };
    }
    Ok(views)
}

/// Borrows `num_channels * num_frames` interleaved samples.
///
/// # Safety
/// `interleaved` is NULL or valid for reads and writes of that many floats for `'a`.
pub(crate) unsafe fn interleaved_mut<'a>(
    interleaved: *mut f32,
    num_channels: usize,
    num_frames: usize,
) -> Result<&'a mut [f32], Fail> {
    let len = interleaved_len(interleaved, num_channels, num_frames)?;
    Ok(unsafe { std::slice::from_raw_parts_mut(interleaved, len) })
}

/// Read-only version of [`interleaved_mut`].
///
/// # Safety
/// `interleaved` is NULL or valid for reads of that many floats for `'a`.
pub(crate) unsafe fn interleaved<'a>(
    interleaved: *const f32,
    num_channels: usize,
    num_frames: usize,
) -> Result<&'a [f32], Fail> {
    let len = interleaved_len(interleaved, num_channels, num_frames)?;
    Ok(unsafe { std::slice::from_raw_parts(interleaved, len) })
}

/// Checks an interleaved buffer pointer and returns its length in samples.
fn interleaved_len(ptr: *const f32, num_channels: usize, num_frames: usize) -> Result<usize, Fail> {
    if ptr.is_null() {
        return Err(null_pointer());
    }
    num_channels
        .checked_mul(num_frames)
        .ok_or_else(|| Fail::new(ML_STATUS_INVALID_ARGUMENT, "num_channels * num_frames overflows"))
}

/// The `n` pointers of a C pointer array, each checked for NULL.
///
/// # Safety
/// `list` is NULL or points to `n` readable pointers for `'a`.
unsafe fn pointer_list<'a>(list: *const *const f32, n: usize) -> Result<&'a [*const f32], Fail> {
    let first = unsafe { non_null(list)? };
    let ptrs = unsafe { std::slice::from_raw_parts(first as *const *const f32, n) };
    if ptrs.iter().any(|p| p.is_null()) {
        return Err(null_pointer());
    }
    Ok(ptrs)
}

/// Feeds planar audio to the meter behind `handle`: `num_channels` must equal
/// `expected(h)`, then `add` gets the views.
///
/// # Safety
/// `handle` as for [`with_handle`]; `channels` as for [`planar`].
pub(crate) unsafe fn feed_planar<H: Handle>(
    handle: *mut H,
    channels: *const *const f32,
    num_channels: usize,
    num_frames: usize,
    expected: impl FnOnce(&H) -> Result<usize, Fail>,
    add: impl FnOnce(&mut H, &[&[f32]]) -> Result<(), Fail>,
) -> MlStatus {
    unsafe {
        with_handle(handle, |h| {
            check_channels(expected(h)?, num_channels)?;
            let views = planar(channels, num_channels, num_frames)?;
            add(h, &views[..num_channels])
        })
    }
}

/// Feeds interleaved audio to the meter behind `handle`: `num_channels` must
/// equal `expected(h)`, then `add` gets the samples.
///
/// # Safety
/// `handle` as for [`with_handle`]; `audio` as for [`interleaved`].
pub(crate) unsafe fn feed_interleaved<H: Handle>(
    handle: *mut H,
    audio: *const f32,
    num_channels: usize,
    num_frames: usize,
    expected: impl FnOnce(&H) -> Result<usize, Fail>,
    add: impl FnOnce(&mut H, &[f32]) -> Result<(), Fail>,
) -> MlStatus {
    unsafe {
        with_handle(handle, |h| {
            check_channels(expected(h)?, num_channels)?;
            add(h, interleaved(audio, num_channels, num_frames)?)
        })
    }
}
