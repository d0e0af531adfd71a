//! The processor contract.

use crate::error::Error;
use crate::spec::ProcessSpec;

/// A real-time audio processor working in place on planar channels.
///
/// Life cycle: configure with setters, [`prepare`](Processor::prepare) once
/// per stream (may allocate; validates the spec and the parameters that
/// depend on the sample rate), then call [`process`](Processor::process) on
/// consecutive blocks. `process`, `reset`, `latency` and `tail` never
/// allocate, lock, fail or panic on input that satisfies the contract:
/// `channels.len()` equals the prepared channel count, every channel has the
/// same length, at most `max_block_size` samples. The public entry points
/// ([`Chain`](crate::Chain), the C and Python bindings) check that contract
/// before they call in.
///
/// Non-finite input samples (NaN, ±Inf) are treated as silence: they are
/// replaced by 0.0 in the output, never reach internal state, and are
/// counted by [`nonfinite_count`](Processor::nonfinite_count).
///
/// Finite input never makes state or output non-finite, and after any
/// finite spike (up to `f32::MAX`) a processor returns to the output it
/// would have given without it within its own time constants: input
/// samples are bounded to ±[`MAX_LEVEL`](crate::math::MAX_LEVEL) on the way in
/// (with the non-finite check, in one pass: no gain the library offers can
/// take such a sample past `f32::MAX`), and what enters a feedback loop
/// (delay line, reverb tank, slow envelope) to
/// ±[`MAX_LOOP_LEVEL`](crate::math::MAX_LOOP_LEVEL). Both bounds lie far
/// above audio, which they leave bit for bit as it is.
pub trait Processor: Send {
    /// Sizes internal memory for `spec` and resets the state.
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error>;

    /// Clears all signal state (delay lines, filter memories, envelopes) and
    /// jumps smoothed parameters to their targets. Never allocates.
    fn reset(&mut self);

    /// Processes one block in place; `channels` are planar and equally long.
    fn process(&mut self, channels: &mut [&mut [f32]]);

    /// Delay, in samples, that the processor adds to its input.
    fn latency(&self) -> usize {
        0
    }

    /// Samples of output that may follow the end of the input (reverb tails,
    /// filter ringing that matters); 0 for memoryless processors.
    fn tail(&self) -> usize {
        0
    }

    /// Non-finite input samples seen since the last `prepare` or `reset`.
    fn nonfinite_count(&self) -> u64;

    /// Convenience: processes a mono buffer.
    fn process_mono(&mut self, x: &mut [f32]) {
        self.process(&mut [x]);
    }

    /// Convenience: processes a stereo pair of buffers.
    fn process_stereo(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.process(&mut [left, right]);
    }
}

/// Checks planar audio against a prepared spec: channel count, equal
/// lengths, and length at most `max_block_size` (if `limit_block` is set).
///
/// Used by public entry points before calling [`Processor::process`].
pub fn check_planar(
    spec: &ProcessSpec,
    channels: &[&mut [f32]],
    limit_block: bool,
) -> Result<usize, Error> {
    if channels.len() != spec.channels {
        return Err(Error::ChannelMismatch { expected: spec.channels, actual: channels.len() });
    }
    let len = channels.first().map_or(0, |c| c.len());
    if let Some(bad) = channels.iter().find(|c| c.len() != len) {
        return Err(Error::LengthMismatch { expected: len, actual: bad.len() });
    }
    if limit_block && len > spec.max_block_size {
        return Err(Error::BlockTooLong { max: spec.max_block_size, actual: len });
    }
    Ok(len)
}

/// Runs `processor` over planar audio of any length by splitting it into
/// blocks of at most `max_block_size` samples. Never allocates.
///
/// `channels` must hold at most [`MAX_CHANNELS`](crate::spec::MAX_CHANNELS)
/// equally long channels; extra channels are ignored.
pub fn process_in_blocks<P: Processor + ?Sized>(
    processor: &mut P,
    channels: &mut [&mut [f32]],
    max_block_size: usize,
) {
    for_each_block(channels, &mut [], &[], max_block_size, |c, _, _| processor.process(c));
}

/// Splits planar `channels` (processed), `rows` (written alongside them,
/// e.g. a gain-reduction series) and `keys` (read, e.g. a sidechain) into
/// blocks of at most `max_block_size` samples and calls `f` on each, in
/// order. Never allocates.
///
/// Each list holds at most [`MAX_CHANNELS`](crate::spec::MAX_CHANNELS)
/// slices (extra ones are ignored); the blocks cover the shortest channel
/// (rows and keys shorter than that give empty slices).
pub fn for_each_block(
    channels: &mut [&mut [f32]],
    rows: &mut [&mut [f32]],
    keys: &[&[f32]],
    max_block_size: usize,
    mut f: impl FnMut(&mut [&mut [f32]], &mut [&mut [f32]], &[&[f32]]),
) {
    use crate::spec::MAX_CHANNELS;
    let (n, nr, nk) = (
        channels.len().min(MAX_CHANNELS),
        rows.len().min(MAX_CHANNELS),
        keys.len().min(MAX_CHANNELS),
    );
    let len = channels.iter().take(n).map(|c| c.len()).min().unwrap_or(0);
    let step = max_block_size.max(1);
    let mut start = 0;
    while start < len {
        let end = (start + step).min(len);
        let mut views: [&mut [f32]; MAX_CHANNELS] =
            core::array::from_fn(|_| <&mut [f32]>::default());
        for (view, ch) in views.iter_mut().zip(channels.iter_mut()) {
            *view = &mut ch[start..end];
        }
        let mut row_views: [&mut [f32]; MAX_CHANNELS] =
            core::array::from_fn(|_| <&mut [f32]>::default());
        for (view, row) in row_views.iter_mut().zip(rows.iter_mut()) {
            *view = row.get_mut(start..end).unwrap_or_default();
        }
        let key_views: [&[f32]; MAX_CHANNELS] = core::array::from_fn(|c| {
            keys.get(c).and_then(|k| k.get(start..end)).unwrap_or_default()
        });
        f(&mut views[..n], &mut row_views[..nr], &key_views[..nk]);
        start = end;
    }
}

/// A boxed processor is a processor (for chains and bindings that store
/// `Box<dyn Processor>`).
#[cfg(feature = "alloc")]
impl<P: Processor + ?Sized> Processor for alloc::boxed::Box<P> {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        (**self).prepare(spec)
    }
    fn reset(&mut self) {
        (**self).reset();
    }
    fn process(&mut self, channels: &mut [&mut [f32]]) {
        (**self).process(channels);
    }
    fn latency(&self) -> usize {
        (**self).latency()
    }
    fn tail(&self) -> usize {
        (**self).tail()
    }
    fn nonfinite_count(&self) -> u64 {
        (**self).nonfinite_count()
    }
}

#[cfg(test)]
mod tests {
    use super::for_each_block;
    use std::vec::Vec;

    /// Channels, rows and keys are cut at the same sample positions, in
    /// order, covering the whole length.
    #[test]
    fn blocks_split_channels_rows_and_keys_alike() {
        let mut a: Vec<f32> = (0..10).map(|i| i as f32).collect();
        let mut row = [0.0f32; 10];
        let key: Vec<f32> = (0..10).map(|i| 100.0 + i as f32).collect();
        let mut calls = Vec::new();
        for_each_block(&mut [&mut a], &mut [&mut row], &[&key], 4, |c, r, k| {
            calls.push(c[0].len());
            for ((x, o), &s) in c[0].iter_mut().zip(r[0].iter_mut()).zip(k[0]) {
                *o = s - *x; // each key sample meets its own channel sample
                *x = -*x;
            }
        });
        assert_eq!(calls, [4, 4, 2]);
        assert!(row.iter().all(|&v| v == 100.0));
        assert!(a.iter().enumerate().all(|(i, &v)| v == -(i as f32)));
    }
}
