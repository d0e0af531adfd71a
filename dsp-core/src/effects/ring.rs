//! Integer delay rings for the reverbs: power-of-two circular buffers read
//! sample by sample (the plate's tank) or in contiguous chunks (the
//! feed-forward stages of [`Reverb`](super::Reverb), which then vectorise
//! along time), and the Schroeder all-pass diffuser built on them.

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

    /// Appends one sample, bounded to ±[`MAX_LOOP_LEVEL`].
    #[inline(always)]
    pub fn push(&mut self, x: f32) {
        self.buf[self.pos & self.mask] = clamp_level(x, MAX_LOOP_LEVEL);
        self.pos = (self.pos + 1) & self.mask;
    }

    /// The sample pushed `delay` pushes ago (1 = the last one).
    #[inline(always)]
    pub fn tap(&self, delay: usize) -> f32 {
        self.buf[self.pos.wrapping_sub(delay) & self.mask]
    }

    /// The signal `delay` samples ago (at least 1), linearly interpolated.
    #[inline(always)]
    pub fn tap_frac(&self, delay: f32) -> f32 {
        let whole = delay as usize; // delay >= 1: truncation is the floor
        let frac = delay - whole as f32;
        let a = self.tap(whole);
        let b = self.tap(whole + 1);
        a + frac * (b - a)
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
    /// `longest` samples back ([`tick_modulated`](Self::tick_modulated)).
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

    /// Filters one sample.
    #[inline(always)]
    pub fn tick(&mut self, x: f32) -> f32 {
        let old = self.ring.tap(self.delay);
        self.step(x, old)
    }

    /// Filters one sample with the delay moved to `delay` samples (at
    /// least 1, at most the prepared longest), read by linear interpolation.
    #[inline(always)]
    pub fn tick_modulated(&mut self, x: f32, delay: f32) -> f32 {
        let old = self.ring.tap_frac(delay);
        self.step(x, old)
    }

    #[inline(always)]
    fn step(&mut self, x: f32, old: f32) -> f32 {
        let v = crate::math::flush_denormal(x + self.gain * old);
        self.ring.push(v);
        old - self.gain * v
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
    /// and [`MAX_CHUNK`].
    #[inline(always)]
    pub fn process(&mut self, x: &mut [f32]) {
        let n = x.len();
        let (len, mask, pos) = (self.ring.buf.len(), self.ring.mask, self.ring.pos);
        let from = pos.wrapping_sub(self.delay) & mask;
        if from + n <= len && pos + n <= len {
            // Neither window wraps: work in the ring. They do not overlap:
            // the delay is at least the chunk, and the ring holds a chunk
            // more than the delay.
            let g = self.gain;
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
            return;
        }
        let mut old = [0.0f32; MAX_CHUNK];
        let old = &mut old[..n];
        self.ring.read(self.delay, old);
        let g = self.gain;
        for (v, o) in x.iter_mut().zip(old.iter_mut()) {
            let w = crate::math::flush_denormal(*v + g * *o);
            *v = *o - g * w;
            *o = w;
        }
        self.ring.write(old);
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
            assert_eq!(r.tap(1), (pos - 1) as f32);
            assert_eq!(r.tap_frac(1.25), (pos as f32 - 1.25).max(0.0));
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
}
