//! Integer delay rings for the reverbs: power-of-two circular buffers read
//! and written in contiguous chunks no longer than the shortest delay
//! around a loop (so that a chunk's reads never wait on its own writes and
//! the loops vectorise along time), and the Schroeder all-pass diffuser
//! built on them, also with a modulated delay.

use alloc::vec;
use alloc::vec::Vec;

use crate::math::{MAX_LOOP_LEVEL, clamp_level};

/// A circular buffer of past samples with a power-of-two length.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ring {
    buf: Vec<f32>,
    mask: usize,
    /// Index the next sample is written to.
    pos: usize,
}

impl Ring {
    /// Sizes the ring to hold at least `len` past samples (allocates if the
    /// size changes) and clears it.
    pub fn allocate(&mut self, len: usize) {
        let n = (len + 1).max(2).next_power_of_two();
        if self.buf.len() == n {
            self.clear();
        } else {
            self.buf = vec![0.0; n];
            self.mask = n - 1;
            self.pos = 0;
        }
    }

    /// Zeroes the contents (never allocates).
    pub fn clear(&mut self) {
        self.buf.fill(0.0);
        self.pos = 0;
    }

    /// The one or two index ranges of the `len` samples starting `back`
    /// samples before the write position.
    #[inline(always)]
    fn pieces(&self, back: usize, len: usize) -> [(usize, usize); 2] {
        let start = self.pos.wrapping_sub(back) & self.mask;
        let first = len.min(self.buf.len() - start);
        [(start, first), (0, len - first)]
    }

    /// Appends `x` (at most the ring's length), bounded to ±[`MAX_LOOP_LEVEL`].
    #[inline(always)]
    pub fn write(&mut self, x: &[f32]) {
        let [(s, n), (_, m)] = self.pieces(0, x.len());
        let bound = |to: &mut [f32], from: &[f32]| {
            to.iter_mut().zip(from).for_each(|(t, &v)| *t = clamp_level(v, MAX_LOOP_LEVEL));
        };
        bound(&mut self.buf[s..s + n], &x[..n]);
        bound(&mut self.buf[..m], &x[n..]);
        self.pos = (self.pos + x.len()) & self.mask;
    }

    /// Copies the `out.len()` samples that start `back` samples before the
    /// write position (`back >= out.len()`) into `out`.
    #[inline(always)]
    pub fn read(&self, back: usize, out: &mut [f32]) {
        let [(s, n), (_, m)] = self.pieces(back, out.len());
        out[..n].copy_from_slice(&self.buf[s..s + n]);
        out[n..].copy_from_slice(&self.buf[..m]);
    }

    /// Writes into `out` the sum of `gain` times the samples
    /// [`read`](Self::read) would give `back` samples back, over the
    /// `(back, gain)` pairs of `taps` (in one pass where no tap's samples
    /// wrap round the end of the ring).
    #[inline(always)]
    pub fn taps<const N: usize>(&self, taps: &[(usize, f32); N], out: &mut [f32]) {
        let n = out.len();
        let starts = taps.map(|(back, _)| self.pos.wrapping_sub(back) & self.mask);
        if starts.iter().all(|&s| s + n <= self.buf.len()) {
            let slices: [&[f32]; N] = core::array::from_fn(|j| &self.buf[starts[j]..starts[j] + n]);
            for (k, o) in out.iter_mut().enumerate() {
                let mut acc = 0.0;
                for j in 0..N {
                    acc += taps[j].1 * slices[j][k];
                }
                *o = acc;
            }
        } else {
            out.fill(0.0);
            for &(back, gain) in taps {
                self.add_scaled(back, gain, out);
            }
        }
    }

    /// Adds to `out[k]` `gain` times what [`tap`](Self::tap)`(back)` gave
    /// right after the `k`-th of the last `out.len()` pushes (the ring
    /// must hold `back + out.len()` samples).
    #[inline(always)]
    pub fn add_past_taps(&self, back: usize, gain: f32, out: &mut [f32]) {
        self.add_scaled(back + out.len().max(1) - 1, gain, out);
    }

    /// Adds `gain` times the samples [`read`](Self::read) would give to `out`.
    #[inline(always)]
    pub fn add_scaled(&self, back: usize, gain: f32, out: &mut [f32]) {
        let [(s, n), (_, m)] = self.pieces(back, out.len());
        let (head, tail) = out.split_at_mut(n);
        for (o, &v) in head.iter_mut().zip(&self.buf[s..s + n]) {
            *o += gain * v;
        }
        for (o, &v) in tail.iter_mut().zip(&self.buf[..m]) {
            *o += gain * v;
        }
    }
}

/// Longest chunk the chunked stages handle at once (stack scratch size).
pub(crate) const MAX_CHUNK: usize = 128;

/// A Schroeder all-pass (`v = x + g·v[n−D]`, `y = v[n−D] − g·v`) on an
/// integer delay, processed in chunks no longer than its delay.
#[derive(Debug, Clone, Default)]
pub(crate) struct Diffuser {
    ring: Ring,
    delay: usize,
    gain: f32,
}

impl Diffuser {
    /// Sizes the diffuser for `delay` samples (at least 1) and gain `gain`.
    pub fn prepare(&mut self, delay: usize, gain: f32) {
        self.prepare_modulated(delay, delay, gain);
    }

    /// Sizes the diffuser for a nominal `delay` that may be read up to
    /// `longest` samples back ([`process_modulated`](Self::process_modulated)).
    pub fn prepare_modulated(&mut self, delay: usize, longest: usize, gain: f32) {
        self.delay = delay.max(1);
        self.gain = gain;
        // Room for a chunk beyond the delay: the window read and the one
        // written never overlap.
        self.ring.allocate(longest.max(self.delay) + MAX_CHUNK + 2);
    }

    /// Sets the gain.
    pub fn set_gain(&mut self, gain: f32) {
        self.gain = gain;
    }

    /// Filters `x` in place with the delay moved to `delays[k]` samples
    /// at its `k`-th sample, read by linear interpolation between the two
    /// samples around it. Every delay is at least `x.len()` (so each read
    /// precedes the chunk, and the reads do not wait on each other) and at
    /// most the prepared longest; `x.len()` is at most [`MAX_CHUNK`].
    #[inline(always)]
    pub fn process_modulated(&mut self, x: &mut [f32], delays: &[f32]) {
        let n = x.len().min(delays.len()).min(MAX_CHUNK);
        let (x, delays) = (&mut x[..n], &delays[..n]);
        // Whole delays and fractions (vector conversions), the two
        // samples around each read (scalar loads), then the all-pass
        // (vector arithmetic).
        let mut whole = [0i32; MAX_CHUNK];
        let mut frac = [0.0f32; MAX_CHUNK];
        for ((w, f), &d) in whole.iter_mut().zip(&mut frac).zip(delays) {
            // d >= 1: truncation is the floor (in i32, a vector conversion).
            *w = d as i32;
            *f = d - *w as f32;
        }
        let mut newer = [0.0f32; MAX_CHUNK];
        let mut older = [0.0f32; MAX_CHUNK];
        let (buf, mask, pos) = (&self.ring.buf, self.ring.mask, self.ring.pos);
        for (k, ((a, b), &w)) in newer.iter_mut().zip(&mut older).zip(&whole[..n]).enumerate() {
            // `w` and `w + 1` samples before this one.
            let at = (pos + k).wrapping_sub(w as usize);
            *a = buf[at & mask];
            *b = buf[at.wrapping_sub(1) & mask];
        }
        let g = self.gain;
        let mut v = [0.0f32; MAX_CHUNK];
        let reads = newer.iter().zip(&older).zip(&frac);
        for ((x, v), ((&a, &b), &f)) in x.iter_mut().zip(&mut v).zip(reads) {
            let old = a + f * (b - a);
            *v = crate::math::flush_denormal(*x + g * old);
            *x = old - g * *v;
        }
        self.ring.write(&v[..n]);
    }

    /// [`Ring::add_past_taps`] on the all-pass's internal delay (output
    /// taps inside it), for the last `out.len()` samples (at most a chunk
    /// plus 2 beyond the delay).
    #[inline(always)]
    pub fn add_past_taps(&self, back: usize, gain: f32, out: &mut [f32]) {
        self.ring.add_past_taps(back, gain, out);
    }

    /// The delay in samples: the longest chunk [`process`](Self::process) takes.
    pub fn delay(&self) -> usize {
        self.delay
    }

    /// Clears the state.
    pub fn clear(&mut self) {
        self.ring.clear();
    }

    /// Filters `x` in place; `x.len()` is at most [`delay`](Self::delay)
    /// and [`MAX_CHUNK`]. The chunk is cut where the window it reads or
    /// the one it writes wraps round the end of the ring, so that each
    /// piece runs on contiguous memory (the two windows never overlap: the
    /// delay is at least the chunk, and the ring holds a chunk more than
    /// the delay). The callers' input is bounded, and so is what the
    /// all-pass stores (`|gain| < 1`).
    #[inline(always)]
    pub fn process(&mut self, x: &mut [f32]) {
        let (len, mask, g) = (self.ring.buf.len(), self.ring.mask, self.gain);
        let mut rest = x;
        while !rest.is_empty() {
            let pos = self.ring.pos;
            let from = pos.wrapping_sub(self.delay) & mask;
            let n = rest.len().min(len - from).min(len - pos);
            let (x, tail) = core::mem::take(&mut rest).split_at_mut(n);
            rest = tail;
            let (old, new) = if from < pos {
                let (a, b) = self.ring.buf.split_at_mut(pos);
                (&a[from..from + n], &mut b[..n])
            } else {
                let (a, b) = self.ring.buf.split_at_mut(from);
                (&b[..n], &mut a[pos..pos + n])
            };
            for ((v, &o), w) in x.iter_mut().zip(old).zip(new.iter_mut()) {
                *w = crate::math::flush_denormal(*v + g * o);
                *v = o - g * *w;
            }
            self.ring.pos = (pos + n) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunked writes and reads see the samples a per-sample delay would,
    /// across the wrap of the buffer.
    #[test]
    fn chunks_read_back_what_was_written() {
        let mut r = Ring::default();
        r.allocate(20); // 32 samples
        let x: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let mut pos = 0;
        for len in [7, 13, 1, 30, 20, 29] {
            r.write(&x[pos..pos + len]);
            pos += len;
            let mut out = vec![0.0; len];
            r.read(len + 2, &mut out); // delay 2
            for (k, &v) in out.iter().enumerate() {
                let want = (pos - len + k).checked_sub(2).map_or(0.0, |i| i as f32);
                assert_eq!(v, want);
            }
        }
    }

    /// The diffuser is all-pass: an impulse's energy comes out whole, and
    /// chunking does not change the output.
    #[test]
    fn diffuser_is_all_pass_and_chunk_invariant() {
        let mut a = Diffuser::default();
        a.prepare(37, 0.7);
        let mut b = a.clone();
        let mut x = vec![0.0f32; 4000];
        x[0] = 1.0;
        let mut y = x.clone();
        for c in y.chunks_mut(37) {
            a.process(c);
        }
        let mut z = x.clone();
        for c in z.chunks_mut(5) {
            b.process(c);
        }
        assert_eq!(y, z);
        let energy: f64 = y.iter().map(|v| (*v as f64).powi(2)).sum();
        assert!((energy - 1.0).abs() < 1e-4, "{energy}");
    }

    /// The modulated diffuser, chunk by chunk, gives what the all-pass
    /// `v = x + g·v(n − d(n))`, `y = v(n − d(n)) − g·v` gives sample by
    /// sample, reading `v` between samples by linear interpolation.
    #[test]
    fn modulated_diffuser_matches_the_per_sample_definition() {
        let g = -0.7f32;
        let mut a = Diffuser::default();
        a.prepare_modulated(30, 41, g);
        let delay = |t: usize| 30.0 + 10.0 * libm::sinf(t as f32 * 0.01);
        let x: Vec<f32> = (0..3000).map(|t| libm::sinf(t as f32 * 0.37) * 0.5).collect();
        let mut v: Vec<f32> = Vec::new();
        let want: Vec<f32> = x
            .iter()
            .enumerate()
            .map(|(t, &x)| {
                let d = delay(t);
                let whole = d as usize;
                let at = |back: usize| t.checked_sub(back).map_or(0.0, |i| v[i]);
                let (newer, older) = (at(whole), at(whole + 1));
                let old = newer + (d - whole as f32) * (older - newer);
                v.push(crate::math::flush_denormal(x + g * old));
                old - g * v[t]
            })
            .collect();
        let mut y = x.clone();
        let mut t = 0;
        for len in [7, 20, 1, 13].into_iter().cycle() {
            let end = (t + len).min(y.len());
            let delays: Vec<f32> = (t..end).map(delay).collect();
            a.process_modulated(&mut y[t..end], &delays);
            t = end;
            if t == y.len() {
                break;
            }
        }
        assert_eq!(y, want);
    }
}
