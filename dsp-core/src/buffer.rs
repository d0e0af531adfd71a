//! Planar and interleaved buffer helpers, used at the edges of the library.

/// Replaces every non-finite sample (NaN, ±Inf) with 0.0 and returns how many
/// were replaced. This is the library's non-finite policy: bad samples are
/// silence and never reach processor state.
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
    // Fast path: a branch-free scan that vectorises (32-bit counts fill
    // the vector lanes; a chunk's count cannot overflow them); rewrite only
    // if needed.
    let bad = x
        .chunks(1 << 16)
        .map(|c| u64::from(c.iter().map(|v| u32::from(!v.is_finite())).sum::<u32>()))
        .sum();
    if bad > 0 {
        for v in x.iter_mut() {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
    }
    bad
}

/// Position (channel, index) of the first non-finite sample, if any.
pub fn find_nonfinite<S: AsRef<[f32]>>(channels: &[S]) -> Option<(usize, usize)> {
    channels
        .iter()
        .enumerate()
        .find_map(|(c, ch)| ch.as_ref().iter().position(|v| !v.is_finite()).map(|i| (c, i)))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
