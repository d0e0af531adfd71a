//! Planar and interleaved buffer helpers, used at the edges of the library.

use crate::error::Error;
use crate::spec::MAX_CHANNELS;

use crate::math::MAX_LEVEL;

/// Replaces every non-finite sample (NaN, ±Inf) with 0.0 and returns how many
/// were replaced, and bounds finite samples to ±[`MAX_LEVEL`] (far above
/// any audio, which it leaves as it is). This is the library's input
/// policy: bad samples are silence and never reach processor state, and
/// no gain the library offers can take a bounded sample past `f32::MAX`.
#[inline]
pub fn sanitize(channels: &mut [&mut [f32]]) -> u64 {
    let mut count = 0u64;
    for ch in channels.iter_mut() {
        count += sanitize_slice(ch);
    }
    count
}

/// [`sanitize`] for one slice.
#[inline]
pub fn sanitize_slice(x: &mut [f32]) -> u64 {
    // Fast path: one vectorised scan; rewrite only if a sample is
    // non-finite or out of bounds.
    if outside(x) == 0 {
        return 0;
    }
    let mut bad = 0;
    for v in x.iter_mut() {
        if v.is_finite() {
            *v = v.clamp(-MAX_LEVEL, MAX_LEVEL);
        } else {
            *v = 0.0;
            bad += 1;
        }
    }
    bad
}

/// Samples that are non-finite or beyond ±[`MAX_LEVEL`], by a branch-free
/// scan that vectorises (32-bit counts fill the vector lanes; a chunk's count
/// cannot overflow them). One integer compare of the magnitude bits catches
/// both: NaN and ±Inf have the largest exponent.
#[inline]
fn outside(x: &[f32]) -> u64 {
    let limit = MAX_LEVEL.to_bits();
    x.chunks(1 << 16)
        .map(|c| c.iter().map(|v| u32::from(v.to_bits() & 0x7fff_ffff > limit)).sum::<u32>())
        .map(u64::from)
        .sum()
}

/// Counts the non-finite samples without changing anything (as fast as
/// [`sanitize`] on clean audio).
pub fn count_nonfinite(channels: &[&mut [f32]]) -> u64 {
    let count = |x: &[f32]| match outside(x) {
        0 => 0,
        _ => x.iter().filter(|v| !v.is_finite()).count() as u64,
    };
    channels.iter().map(|ch| count(ch)).sum()
}

/// Position (channel, index) of the first non-finite sample, if any.
pub fn find_nonfinite<S: AsRef<[f32]>>(channels: &[S]) -> Option<(usize, usize)> {
    // Whole chunks are checked without branching (so that the check
    // vectorizes); only a chunk that holds a non-finite sample is searched.
    const CHUNK: usize = 64;
    channels.iter().enumerate().find_map(|(c, ch)| {
        let ch = ch.as_ref();
        let bad = |x: &[f32]| x.iter().fold(false, |b, v| b | !v.is_finite());
        let chunk = ch.chunks(CHUNK).position(bad)?;
        let i = ch[chunk * CHUNK..].iter().position(|v| !v.is_finite())?;
        Some((c, chunk * CHUNK + i))
    })
}

/// Checks interleaved audio of `num_channels` (at least 1) channels: whole
/// frames ([`Error::LengthMismatch`]) and finite samples
/// ([`Error::NonFinite`] with the channel and frame index).
pub fn check_interleaved(samples: &[f32], num_channels: usize) -> Result<(), Error> {
    let n = num_channels;
    if samples.len() % n != 0 {
        return Err(Error::LengthMismatch {
            expected: samples.len() / n * n,
            actual: samples.len(),
        });
    }
    match samples.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::NonFinite { channel: i % n, index: i / n }),
        None => Ok(()),
    }
}

/// Copies interleaved frames into planar channels (`planar[c][i] = interleaved[i * n + c]`).
///
/// Copies `min(planar[c].len(), interleaved.len() / n)` frames.
pub fn deinterleave(interleaved: &[f32], planar: &mut [&mut [f32]]) {
    let n = planar.len();
    if n == 0 {
        return;
    }
    for (c, ch) in planar.iter_mut().enumerate() {
        for (dst, frame) in ch.iter_mut().zip(interleaved.chunks_exact(n)) {
            *dst = frame[c];
        }
    }
}

/// Copies planar channels into interleaved frames (the inverse of [`deinterleave`]).
pub fn interleave(planar: &[&mut [f32]], interleaved: &mut [f32]) {
    let n = planar.len();
    if n == 0 {
        return;
    }
    for (c, ch) in planar.iter().enumerate() {
        for (src, frame) in ch.iter().zip(interleaved.chunks_exact_mut(n)) {
            frame[c] = *src;
        }
    }
}

/// Runs `f` on consecutive pieces of interleaved audio, each at most
/// `piece_len` frames, deinterleaved into `scratch` (at least
/// `num_channels * piece_len` floats, `num_channels` at most
/// [`MAX_CHANNELS`]) and interleaved back after `f`. Never allocates.
pub fn process_interleaved(
    interleaved: &mut [f32],
    scratch: &mut [f32],
    num_channels: usize,
    piece_len: usize,
    mut f: impl FnMut(&mut [&mut [f32]]),
) {
    let n = num_channels.max(1);
    for piece in interleaved.chunks_mut(piece_len.max(1) * n) {
        let mut views = scratch_views(scratch, piece_len, piece.len() / n);
        let views = &mut views[..num_channels];
        deinterleave(piece, views);
        f(views);
        interleave(views, piece);
    }
}

/// Read-only version of [`process_interleaved`]: `f` sees each piece as
/// planar channels; the first error it returns stops the loop.
pub fn read_interleaved<E>(
    interleaved: &[f32],
    scratch: &mut [f32],
    num_channels: usize,
    piece_len: usize,
    mut f: impl FnMut(&[&[f32]]) -> Result<(), E>,
) -> Result<(), E> {
    let n = num_channels.max(1);
    for piece in interleaved.chunks(piece_len.max(1) * n) {
        let mut views = scratch_views(scratch, piece_len, piece.len() / n);
        deinterleave(piece, &mut views[..num_channels]);
        let views: [&[f32]; MAX_CHANNELS] = core::array::from_fn(|i| &*views[i]);
        f(&views[..num_channels])?;
    }
    Ok(())
}

/// Planar views of `frames` samples on consecutive `piece_len` chunks of `scratch`.
fn scratch_views(
    scratch: &mut [f32],
    piece_len: usize,
    frames: usize,
) -> [&mut [f32]; MAX_CHANNELS] {
    let mut views: [&mut [f32]; MAX_CHANNELS] = core::array::from_fn(|_| <&mut [f32]>::default());
    for (view, ch) in views.iter_mut().zip(scratch.chunks_mut(piece_len.max(1))) {
        *view = &mut ch[..frames];
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Non-finite samples become silence and are counted; finite ones
    /// beyond ±MAX_LEVEL are bounded but not counted; audio is untouched.
    #[test]
    fn sanitize_zeroes_nonfinite_and_bounds_huge_values() {
        let mut x = [0.5f32, f32::NAN, 2e38, -f32::MAX, f32::INFINITY, -0.25];
        assert_eq!(sanitize_slice(&mut x), 2);
        assert_eq!(x, [0.5, 0.0, MAX_LEVEL, -MAX_LEVEL, 0.0, -0.25]);
        let mut y = [0.1f32, -1.0, 3.0];
        assert_eq!(sanitize_slice(&mut y), 0);
        assert_eq!(y, [0.1, -1.0, 3.0]);
    }

    #[test]
    fn sanitize_zeroes_and_counts() {
        let mut a = [1.0, f32::NAN, 2.0];
        let mut b = [f32::INFINITY, 0.5, f32::NEG_INFINITY];
        let n = sanitize(&mut [&mut a, &mut b]);
        assert_eq!(n, 3);
        assert_eq!(a, [1.0, 0.0, 2.0]);
        assert_eq!(b, [0.0, 0.5, 0.0]);
    }

    #[test]
    fn interleave_round_trip() {
        let inter = [1.0, -1.0, 2.0, -2.0, 3.0, -3.0];
        let (mut l, mut r) = ([0.0; 3], [0.0; 3]);
        deinterleave(&inter, &mut [&mut l, &mut r]);
        assert_eq!(l, [1.0, 2.0, 3.0]);
        assert_eq!(r, [-1.0, -2.0, -3.0]);
        let mut back = [0.0; 6];
        interleave(&[&mut l, &mut r], &mut back);
        assert_eq!(back, inter);
    }

    #[test]
    fn finds_first_nonfinite() {
        let a = [0.0f32, 1.0];
        let b = [0.0f32, f32::NAN];
        assert_eq!(find_nonfinite(&[&a[..], &b[..]]), Some((1, 1)));
        assert_eq!(find_nonfinite(&[&a[..]]), None);
    }

    /// Pieces shorter than the audio: every frame is seen once, as planar
    /// channels, and written back interleaved.
    #[test]
    fn interleaved_pieces() {
        let mut x: [f32; 14] = core::array::from_fn(|i| i as f32); // 7 frames, 2 channels
        let mut scratch = [0.0f32; 6];
        let mut seen = 0;
        process_interleaved(&mut x, &mut scratch, 2, 3, |v| {
            seen += v[0].len();
            v[1].iter_mut().for_each(|s| *s = -*s);
        });
        assert_eq!(seen, 7);
        assert!(
            x.iter()
                .enumerate()
                .all(|(i, &v)| v == if i % 2 == 1 { -(i as f32) } else { i as f32 })
        );
        let mut left = 0.0;
        let r: Result<(), ()> = read_interleaved(&x, &mut scratch, 2, 3, |v| {
            left += v[0].iter().sum::<f32>();
            Ok(())
        });
        assert_eq!((r, left), (Ok(()), 42.0));
    }
}
