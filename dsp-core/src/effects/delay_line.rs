//! The fractional delay line every delay-based effect shares: a
//! power-of-two ring of `f32`, read between samples by 4-point cubic
//! Hermite (Catmull-Rom) interpolation.
//!
//! Why Hermite: a delay time that moves (automation, a chorus LFO) needs
//! an interpolator whose output is continuous in the read position and
//! whose error does not depend on the fraction much. Linear interpolation
//! is a low-pass whose depth swings with the fraction (a moving read turns
//! it into a buzz at the rate the fraction cycles); an all-pass
//! interpolator is flat but keeps a recursive state that rings when the
//! fraction jumps across an integer. Catmull-Rom is a 4-tap FIR with no
//! state: continuous value and slope in the position, exact at whole
//! delays, exact for polynomials up to degree 2 (so the first moment of
//! an impulse read at delay `d` is exactly `d`), and its magnitude
//! response never exceeds 1 at any fraction, so a feedback gain below 1
//! keeps a loop through it stable.

use alloc::vec;
use alloc::vec::Vec;

use crate::math::{MAX_LOOP_LEVEL, clamp_level};
use crate::smooth::LinearSmoother;

/// Shortest delay in samples a line reads: the four taps of a read taken
/// before the current input is pushed must all be older than it.
pub const MIN_DELAY_SAMPLES: f64 = 3.0;
/// Shortest glide of a delay time, in ms: smaller changes take this long.
pub const MIN_GLIDE_MS: f64 = 50.0;
/// Fastest glide of a delay time, in ms of delay per ms: the read speed
/// stays within 1 ± this (at most an octave down, 7 semitones up).
pub const MAX_GLIDE_RATE: f64 = 0.5;

/// Starts `time` (a delay, or a modulation depth, in samples at
/// `sample_rate`) gliding to `target`: linearly, over [`MIN_GLIDE_MS`] or
/// longer, so that it changes by at most [`MAX_GLIDE_RATE`] samples per
/// sample. A read that follows it bends in pitch like tape, never clicks.
pub fn glide_to(time: &mut LinearSmoother, target: f64, sample_rate: f64) {
    let distance = (target - time.current()).abs();
    time.set_ramp_ms(
        (distance / MAX_GLIDE_RATE / sample_rate * 1e3).max(MIN_GLIDE_MS),
        sample_rate,
    );
    time.set_target(target);
}

/// Catmull-Rom weights of the four taps for a read `t` (in `[0, 1)`)
/// samples after the second oldest: the taps at `ceil(d) + 1` (oldest),
/// `ceil(d)`, `ceil(d) - 1` and `ceil(d) - 2` samples back, for a delay
/// `d = ceil(d) - t`.
#[inline(always)]
fn weights(t: f32) -> [f32; 4] {
    [
        t * (-0.5 + t * (1.0 - 0.5 * t)),
        1.0 + t * t * (-2.5 + 1.5 * t),
        t * (0.5 + t * (2.0 - 1.5 * t)),
        t * t * (-0.5 + 0.5 * t),
    ]
}

/// Most samples one [`Reads`] describes.
pub const READ_BLOCK: usize = 32;

/// Reads [`DelayLine::read_reads`] takes in one piece when they share the
/// whole delay (one AVX vector of `f32`).
const LANES: usize = 8;

/// Where a line is read on up to [`READ_BLOCK`] consecutive samples: per
/// sample, the whole delay (rounded up) and the four tap weights, laid out
/// lane by lane. Made by [`DelayLine::reads`]; any line allocated for the
/// same longest delay reads the same.
#[derive(Debug, Clone, Copy)]
pub struct Reads {
    len: usize,
    whole: [i32; READ_BLOCK],
    weights: [[f32; READ_BLOCK]; 4],
}

/// Where and how to read a delay line: the offset of the oldest of the
/// four taps behind the write position and their weights. Reading the
/// same tap on consecutive samples reads a constant delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tap {
    back: usize,
    weights: [f32; 4],
}

impl Tap {
    /// The tap for a delay of `delay` samples (at least
    /// [`MIN_DELAY_SAMPLES`]; the caller clamps).
    #[inline(always)]
    pub fn new(delay: f64) -> Self {
        // ceil(delay) for a positive delay, by a truncating conversion
        // (one instruction, where libm's ceil is a function call; signed,
        // as x86-64 converts between f64 and u64 only by long sequences).
        let truncated = delay as i64;
        let whole = truncated + i64::from((truncated as f64) < delay);
        let t = (whole as f64 - delay) as f32;
        Tap { back: whole as usize + 1, weights: weights(t) }
    }

    /// How many consecutive samples [`DelayLine::read_block`] can read at
    /// this tap before the first of them is pushed (all its taps must be
    /// older than the block): the whole delay minus 2, at least 1.
    #[inline(always)]
    pub fn block_limit(&self) -> usize {
        self.back - 3
    }
}

/// Samples after the ring that repeat its first ones, so that the four
/// taps of a read are always contiguous in memory.
const MIRROR: usize = 3;

/// A ring of samples with interpolated reads. Sized by
/// [`allocate`](Self::allocate) (which may allocate); pushing and reading
/// never allocate.
#[derive(Debug, Clone, Default)]
pub struct DelayLine {
    /// The ring (`mask + 1` samples), then [`MIRROR`] copies of its first.
    buf: Vec<f32>,
    mask: usize,
    /// Index the next pushed sample goes to.
    pos: usize,
    max_delay: f64,
}

impl DelayLine {
    /// An empty line (reads give silence until it is allocated).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sizes the ring for delays up to `max_delay` samples (rounded up to
    /// a power of two) and clears it.
    pub fn allocate(&mut self, max_delay: usize) {
        let len = (max_delay.max(MIN_DELAY_SAMPLES as usize) + 4).next_power_of_two();
        if self.buf.len() == len + MIRROR {
            self.clear();
        } else {
            self.buf = vec![0.0; len + MIRROR];
        }
        self.mask = len - 1;
        self.pos = 0;
        self.max_delay = max_delay.max(MIN_DELAY_SAMPLES as usize) as f64;
    }

    /// Longest delay a read reaches, in samples (0 before allocation).
    pub fn max_delay(&self) -> f64 {
        if self.buf.is_empty() { 0.0 } else { self.max_delay }
    }

    /// Whether the line has memory (it was allocated).
    pub fn is_allocated(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Silences the line. Never allocates.
    pub fn clear(&mut self) {
        self.buf.iter_mut().for_each(|v| *v = 0.0);
        self.pos = 0;
    }

    /// `delay` limited to what the line can read.
    #[inline(always)]
    pub fn clamp(&self, delay: f64) -> f64 {
        delay.max(MIN_DELAY_SAMPLES).min(self.max_delay.max(MIN_DELAY_SAMPLES))
    }

    /// Appends one sample (the newest), bounded to ±[`MAX_LOOP_LEVEL`].
    #[inline(always)]
    pub fn push(&mut self, x: f32) {
        let x = clamp_level(x, MAX_LOOP_LEVEL);
        if let Some(slot) = self.buf.get_mut(self.pos) {
            *slot = x;
        }
        if self.pos < MIRROR {
            if let Some(slot) = self.buf.get_mut(self.mask + 1 + self.pos) {
                *slot = x;
            }
        }
        self.pos = (self.pos + 1) & self.mask;
    }

    /// The signal `tap` describes, read before this sample's push.
    #[inline(always)]
    pub fn read_tap(&self, tap: &Tap) -> f32 {
        let m = self.mask;
        let i = self.pos.wrapping_sub(tap.back);
        let at = |k: usize| self.buf.get(i.wrapping_add(k) & m).copied().unwrap_or(0.0);
        let w = &tap.weights;
        w[0] * at(0) + w[1] * at(1) + w[2] * at(2) + w[3] * at(3)
    }

    /// Reads `out.len()` (at most [`Tap::block_limit`]) consecutive samples
    /// at `tap`: what [`read_tap`](Self::read_tap) would give before each of
    /// the next `out.len()` pushes, bit for bit, in one vectorisable loop.
    #[inline]
    pub fn read_block(&self, tap: &Tap, out: &mut [f32]) {
        let n = out.len();
        let start = self.pos.wrapping_sub(tap.back) & self.mask;
        let w = &tap.weights;
        match self.buf.get(start..start + n + 3) {
            Some(s) => {
                let (s0, s1, s2, s3) = (&s[..n], &s[1..n + 1], &s[2..n + 2], &s[3..n + 3]);
                for (k, o) in out.iter_mut().enumerate() {
                    *o = w[0] * s0[k] + w[1] * s1[k] + w[2] * s2[k] + w[3] * s3[k];
                }
            }
            None => {
                // The span wraps around the end of the ring.
                let at = |k: usize| self.buf.get((start + k) & self.mask).copied().unwrap_or(0.0);
                for (k, o) in out.iter_mut().enumerate() {
                    *o = w[0] * at(k) + w[1] * at(k + 1) + w[2] * at(k + 2) + w[3] * at(k + 3);
                }
            }
        }
    }

    /// The reads of consecutive samples at delays of `delays[k]` samples
    /// (the first [`READ_BLOCK`] of them, clamped as by
    /// [`clamp`](Self::clamp)), split into whole and fraction by
    /// vectorisable integer conversions.
    #[inline(always)]
    pub fn reads(&self, delays: &[f32]) -> Reads {
        let (lo, hi) = (MIN_DELAY_SAMPLES as f32, self.max_delay.max(MIN_DELAY_SAMPLES) as f32);
        let len = delays.len().min(READ_BLOCK);
        let mut r = Reads { len, whole: [0; READ_BLOCK], weights: [[0.0; READ_BLOCK]; 4] };
        // ceil(d) by a truncating conversion (d < 2^24: the line's
        // length), and the tap weights for the fraction below it, in f32
        // lanes (eight to a vector), over the whole block so that the
        // loops have no remainder (lanes past `len` read at `lo`).
        let mut fraction = [lo; READ_BLOCK];
        fraction[..len].copy_from_slice(&delays[..len]);
        for (f, whole) in fraction.iter_mut().zip(&mut r.whole) {
            let d = f.max(lo).min(hi);
            let truncated = d as i32;
            *whole = truncated + i32::from((truncated as f32) < d);
            *f = *whole as f32 - d;
        }
        for (k, &t) in fraction.iter().enumerate() {
            let w = weights(t);
            for (lane, w) in r.weights.iter_mut().zip(w) {
                lane[k] = w;
            }
        }
        r
    }

    /// Reads consecutive samples as `reads` describes into `out`: what
    /// [`read`](Self::read) would give before each of the next pushes,
    /// bit for bit, when none of the reads needs a sample those pushes
    /// bring (each delay exceeds its `k` by 3 or more). Returns false,
    /// with `out` unspecified, when one does. Such reads depend neither on
    /// each other nor on the pushes, so they run at the speed of the
    /// memory rather than of a read-push-read chain.
    #[inline(always)]
    pub fn read_reads(&self, reads: &Reads, out: &mut [f32]) -> bool {
        let n = reads.len.min(out.len());
        // Without an early exit, so that the check vectorises.
        let late = reads.whole[..n]
            .iter()
            .enumerate()
            .fold(false, |late, (k, &w)| late | ((w as usize) < k + 3));
        if late {
            return false;
        }
        let w = &reads.weights;
        let tap = |k: usize, s: &[f32], j: usize| {
            w[0][k] * s[j] + w[1][k] * s[j + 1] + w[2][k] * s[j + 2] + w[3][k] * s[j + 3]
        };
        let mut k = 0;
        while k < n {
            let back = reads.whole[k] as usize + 1;
            let i = self.pos.wrapping_add(k).wrapping_sub(back) & self.mask;
            // A lane group whose reads share the whole delay reads one
            // contiguous span (most groups: a swept delay crosses a whole
            // sample every few dozen samples), in vector lanes.
            if k + LANES <= n && reads.whole[k..k + LANES].iter().all(|&v| v == reads.whole[k]) {
                if let Some(s) = self.buf.get(i..i + LANES + 3) {
                    for (j, o) in out[k..k + LANES].iter_mut().enumerate() {
                        *o = tap(k + j, s, j);
                    }
                    k += LANES;
                    continue;
                }
            }
            // The four taps in one piece, thanks to the mirror.
            out[k] = self.buf.get(i..i + 4).map_or(0.0, |s| tap(k, s, 0));
            k += 1;
        }
        true
    }

    /// Sample `k` of `reads`, read now: after the pushes of the samples
    /// before it, as [`read`](Self::read) would.
    #[inline(always)]
    pub fn read_one(&self, reads: &Reads, k: usize) -> f32 {
        let k = k.min(READ_BLOCK - 1);
        let w = &reads.weights;
        let tap = Tap {
            back: reads.whole[k] as usize + 1,
            weights: [w[0][k], w[1][k], w[2][k], w[3][k]],
        };
        self.read_tap(&tap)
    }

    /// Appends `xs` (oldest first, bounded), as many [`push`](Self::push)es would.
    #[inline]
    pub fn push_block(&mut self, xs: &[f32]) {
        if self.buf.is_empty() {
            return;
        }
        let mut rest = xs;
        let len = self.mask + 1;
        while !rest.is_empty() {
            let room = (len - self.pos).min(rest.len());
            let slots = &mut self.buf[self.pos..self.pos + room];
            slots
                .iter_mut()
                .zip(&rest[..room])
                .for_each(|(s, &x)| *s = clamp_level(x, MAX_LOOP_LEVEL));
            self.pos = (self.pos + room) & self.mask;
            rest = &rest[room..];
        }
        self.buf.copy_within(..MIRROR, len);
    }

    /// The signal `delay` samples ago (clamped to the line's range), read
    /// before this sample's push: for a whole `d`, the `d`-th most recent
    /// push.
    #[inline(always)]
    pub fn read(&self, delay: f64) -> f32 {
        self.read_tap(&Tap::new(self.clamp(delay)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    fn line(max: usize) -> DelayLine {
        let mut l = DelayLine::new();
        l.allocate(max);
        l
    }

    /// Runs `x` through a line read at `delay(n)` before each push.
    fn run(l: &mut DelayLine, x: &[f32], delay: impl Fn(usize) -> f64) -> std::vec::Vec<f32> {
        x.iter()
            .enumerate()
            .map(|(n, &v)| {
                let y = l.read(delay(n));
                l.push(v);
                y
            })
            .collect()
    }

    #[test]
    fn whole_delays_are_exact() {
        let x = noise(300, 1.0, 5);
        for d in [3usize, 4, 17, 100] {
            let y = run(&mut line(128), &x, |_| d as f64);
            assert!(y[..d].iter().all(|&v| v == 0.0));
            assert_eq!(&y[d..], &x[..x.len() - d], "delay {d}");
        }
    }

    /// An impulse read at a fractional delay lands with its first moment
    /// (centroid) exactly at the delay, and its weights sum to 1.
    #[test]
    fn fractional_delays_have_the_right_centroid() {
        let mut x = std::vec![0.0f32; 64];
        x[0] = 1.0;
        for d in [3.0, 3.25, 7.5, 10.9, 20.01] {
            let y = run(&mut line(64), &x, |_| d);
            let sum: f64 = y.iter().map(|&v| v as f64).sum();
            let moment: f64 = y.iter().enumerate().map(|(n, &v)| n as f64 * v as f64).sum();
            assert!((sum - 1.0).abs() < 1e-6, "{d}: {sum}");
            assert!((moment / sum - d).abs() < 1e-5, "{d}: {}", moment / sum);
        }
    }

    /// A sine delayed by a fraction keeps its amplitude to 0.1 dB up to a
    /// quarter of the sample rate, and its phase matches the delay.
    #[test]
    fn fractional_delay_of_a_sine() {
        let fs = 48_000.0;
        for f in [100.0, 1000.0, 6000.0] {
            let x = sine(f, fs, 4096, 0.5);
            let d = 10.37;
            let y = run(&mut line(64), &x, |_| d);
            let err: f64 = (1000..4000)
                .map(|n| {
                    let ideal =
                        0.5 * libm::sin(2.0 * core::f64::consts::PI * f * (n as f64 - d) / fs);
                    (y[n] as f64 - ideal).abs()
                })
                .fold(0.0, f64::max);
            // Error relative to the amplitude: small at low frequencies,
            // about 1 % at 6 kHz (a quarter of the way to Nyquist).
            let limit = if f < 2000.0 { 1e-3 } else { 1.2e-2 };
            assert!(err / 0.5 < limit, "{f} Hz: relative error {}", err / 0.5);
        }
    }

    /// The interpolator's gain never exceeds 1 at any fraction and
    /// frequency (so feedback below 1 decays).
    #[test]
    fn magnitude_never_exceeds_one() {
        for i in 0..=40 {
            let tap = Tap::new(3.0 + i as f64 / 40.0);
            for k in 0..=200 {
                let w = core::f64::consts::PI * k as f64 / 200.0;
                let (mut re, mut im) = (0.0, 0.0);
                for (j, &c) in tap.weights.iter().enumerate() {
                    re += c as f64 * libm::cos(w * j as f64);
                    im -= c as f64 * libm::sin(w * j as f64);
                }
                assert!(re * re + im * im <= 1.0 + 1e-6, "{i} {k}");
            }
        }
    }

    /// Block reads and pushes equal sample-by-sample ones bit for bit,
    /// across the end of the ring too.
    #[test]
    fn blocks_equal_samples() {
        let x = noise(2000, 1.0, 7);
        for d in [3.0, 4.5, 17.25, 60.0] {
            let (mut a, mut b) = (line(64), line(64));
            let tap = Tap::new(d);
            let mut by_sample = std::vec::Vec::new();
            for &v in &x {
                by_sample.push(a.read_tap(&tap));
                a.push(v);
            }
            let mut by_block = std::vec::Vec::new();
            let mut rest = &x[..];
            let mut k = 0;
            while !rest.is_empty() {
                let n = (1 + k % 7).min(tap.block_limit()).min(rest.len());
                let mut out = std::vec![0.0; n];
                b.read_block(&tap, &mut out);
                b.push_block(&rest[..n]);
                by_block.extend(out);
                rest = &rest[n..];
                k += 1;
            }
            assert_eq!(by_sample, by_block, "{d}");
        }
    }

    #[test]
    fn reads_are_clamped_and_memory_is_sized_once() {
        let mut l = line(100);
        assert_eq!(l.max_delay(), 100.0);
        assert_eq!(l.clamp(0.0), MIN_DELAY_SAMPLES);
        assert_eq!(l.clamp(1e9), 100.0);
        let ((), allocs) = count_allocs(|| {
            for i in 0..1000 {
                l.push(i as f32);
                let _ = l.read(i as f64 * 0.37);
            }
            l.clear();
        });
        assert_eq!(allocs, 0);
        // An unallocated line reads silence and ignores pushes.
        let mut empty = DelayLine::new();
        empty.push(1.0);
        assert_eq!(empty.read(5.0), 0.0);
    }
}
