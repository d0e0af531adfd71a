//! Offline rendering of whole tracks: planar audio in memory, run block by
//! block through a processing step and written back aligned with the input
//! (the step's latency compensated), for the mastering entry points.

use alloc::vec;
use alloc::vec::Vec;

use super::tape::{SliceTape, Tape};
use crate::buffer::find_nonfinite;
use crate::error::Error;
use crate::processor::Processor;
use crate::progress::Progress;
use crate::spec::{MAX_CHANNELS, ProcessSpec};

/// Block size of offline rendering, in samples.
pub const BLOCK: usize = 4096;

/// Checks a whole track: one to [`MAX_CHANNELS`] channels of equal, non-zero
/// length and finite samples; returns the length.
pub fn check_track<S: AsRef<[f32]>>(channels: &[S]) -> Result<usize, Error> {
    if channels.is_empty() || channels.len() > MAX_CHANNELS {
        return Err(Error::InvalidChannelCount { channels: channels.len() });
    }
    let len = channels[0].as_ref().len();
    if let Some(bad) = channels.iter().find(|c| c.as_ref().len() != len) {
        return Err(Error::LengthMismatch { expected: len, actual: bad.as_ref().len() });
    }
    if len == 0 {
        return Err(Error::EmptyInput);
    }
    if let Some((channel, index)) = find_nonfinite(channels) {
        return Err(Error::NonFinite { channel, index });
    }
    Ok(len)
}

/// Runs `step` over `input` in blocks of at most [`BLOCK`] samples, then over
/// `latency` samples of silence, and hands each block's output to `sink`
/// with the index of its first sample in the output timeline (the input's
/// timeline shifted back by `latency`; samples before 0 or past the end are
/// already dropped). `step` receives the block in place. Reports to
/// `progress` after each block and stops when it cancels.
pub fn run_blocks<S: AsRef<[f32]>>(
    input: &[S],
    latency: usize,
    progress: &mut Progress,
    step: impl FnMut(&mut [&mut [f32]]),
    mut sink: impl FnMut(usize, &[&mut [f32]]),
) -> Result<(), Error> {
    run_tape(&mut SliceTape::new(input), latency, progress, step, |at, b| {
        sink(at, b);
        Ok(())
    })
}

/// [`run_blocks`] over a [`Tape`], rewound first and read to its end, with a
/// sink that may fail. The tape's samples are checked finite as they are
/// read; a tape that ends before its length is refused.
pub fn run_tape<T: Tape + ?Sized>(
    tape: &mut T,
    latency: usize,
    progress: &mut Progress,
    mut step: impl FnMut(&mut [&mut [f32]]),
    mut sink: impl FnMut(usize, &mut [&mut [f32]]) -> Result<(), Error>,
) -> Result<(), Error> {
    let len = tape.frames();
    let channels = tape.channels().min(MAX_CHANNELS);
    tape.rewind()?;
    let mut scratch = vec![vec![0.0f32; BLOCK]; channels];
    let total = len + latency;
    let mut pos = 0;
    while pos < total {
        let n = BLOCK.min(total - pos);
        let avail = len.saturating_sub(pos).min(n);
        let mut views: [&mut [f32]; MAX_CHANNELS] = core::array::from_fn(|_| Default::default());
        for (v, s) in views.iter_mut().zip(scratch.iter_mut()) {
            *v = &mut s[..n];
        }
        let views = &mut views[..channels];
        fill(tape, views, avail, pos)?;
        views.iter_mut().for_each(|v| v[avail..].fill(0.0));
        step(views);
        // Output index of block sample i is pos + i - latency.
        // (A block wholly inside the latency keeps nothing.)
        let first = latency.saturating_sub(pos).min(n);
        let out_start = (pos + first).saturating_sub(latency);
        let keep = (n - first).min(len.saturating_sub(out_start));
        if keep > 0 {
            for v in views.iter_mut() {
                *v = &mut core::mem::take(v)[first..first + keep];
            }
            sink(out_start, views)?;
        }
        pos += n;
        progress.report(pos as f64 / total as f64)?;
    }
    Ok(())
}

/// Reads the first `avail` frames of `block` from `tape` (at frame `pos`),
/// checked finite.
fn fill<T: Tape + ?Sized>(
    tape: &mut T,
    block: &mut [&mut [f32]],
    avail: usize,
    pos: usize,
) -> Result<(), Error> {
    let (channels, mut got) = (block.len(), 0);
    while got < avail {
        let mut views: [&mut [f32]; MAX_CHANNELS] = core::array::from_fn(|_| Default::default());
        for (v, b) in views.iter_mut().zip(block.iter_mut()) {
            *v = &mut b[got..avail];
        }
        let n = tape.read(&mut views[..channels])?;
        if n == 0 {
            return Err(Error::LengthMismatch { expected: tape.frames(), actual: pos + got });
        }
        got += n;
    }
    let read: [&[f32]; MAX_CHANNELS] =
        core::array::from_fn(|c| block.get(c).map_or(&[][..], |b| &b[..avail]));
    if let Some((channel, index)) = find_nonfinite(&read[..block.len()]) {
        return Err(Error::NonFinite { channel, index: pos + index });
    }
    Ok(())
}

/// Copies a block that [`run_blocks`] hands its sink into `out` at `at`.
pub fn write_block(out: &mut [Vec<f32>], at: usize, block: &[&mut [f32]]) {
    for (o, x) in out.iter_mut().zip(block) {
        o[at..at + x.len()].copy_from_slice(x);
    }
}

/// Renders `input` through `processor` (prepared here for `sample_rate`
/// and the input's channel count) into new planar audio of the same
/// length, aligned with the input.
pub fn render<P: Processor + ?Sized, S: AsRef<[f32]>>(
    processor: &mut P,
    input: &[S],
    sample_rate: f64,
    progress: &mut Progress,
) -> Result<Vec<Vec<f32>>, Error> {
    let len = check_track(input)?;
    processor.prepare(&ProcessSpec::new(sample_rate, BLOCK, input.len()).rendering())?;
    let mut out = vec![vec![0.0f32; len]; input.len()];
    run_blocks(
        input,
        processor.latency(),
        progress,
        |b| processor.process(b),
        |at, b| write_block(&mut out, at, b),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamics::Limiter;

    #[test]
    fn render_is_aligned_with_the_input() {
        // A lookahead limiter far above the signal is a pure delay; the
        // render removes it exactly, across block boundaries.
        let mut l = Limiter::new(0.0, true, 5.0, 100.0).unwrap();
        let x: Vec<f32> = (0..10_000).map(|i| 0.1 * libm::sinf(i as f32 * 0.01)).collect();
        let y =
            render(&mut l, &[&x[..]], 48_000.0, &mut crate::progress::Progress::none()).unwrap();
        assert!(l.latency() > 0);
        for (a, b) in x.iter().zip(&y[0]) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn latency_longer_than_a_block_is_compensated() {
        // A linear-phase EQ with a flat curve delays by more than BLOCK.
        let mut eq = crate::master::LinearPhaseEq::new(&[]).unwrap();
        let x: Vec<f32> = (0..9_000).map(|i| 0.1 * libm::sinf(i as f32 * 0.03)).collect();
        let y =
            render(&mut eq, &[&x[..]], 48_000.0, &mut crate::progress::Progress::none()).unwrap();
        assert!(eq.latency() > BLOCK);
        for (a, b) in x.iter().zip(&y[0]) {
            assert!((a - b).abs() < 1e-5);
        }
    }

    #[test]
    fn bad_tracks_are_refused() {
        let e: [&[f32]; 0] = [];
        assert!(matches!(check_track(&e), Err(Error::InvalidChannelCount { .. })));
        assert!(matches!(check_track(&[&[][..]]), Err(Error::EmptyInput)));
        assert!(matches!(
            check_track(&[&[0.0][..], &[0.0, 1.0]]),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            check_track(&[&[0.0, f32::NAN][..]]),
            Err(Error::NonFinite { channel: 0, index: 1 })
        ));
    }
}
