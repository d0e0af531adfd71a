//! Non-uniformly partitioned FFT convolution (overlap-save), the engine of
//! [`ConvolutionReverb`](super::ConvolutionReverb).
//!
//! The impulse response is cut into partitions whose size grows along it:
//! a head of partitions of the engine's block size ([`BLOCK`] unless a
//! caller that can afford more latency asks for longer ones), then levels
//! of 4, 16, 64... times that, up to [`MAX_PART`], which repeats to the
//! end. A level of
//! partition size `P` keeps a frequency-domain delay line of the spectra of
//! its last input frames (`2P` samples, hop `P`) and, every `P` samples,
//! multiplies them with its partitions' spectra, accumulates, and turns the
//! sum back into the next `P` output samples. A level may start where
//! `offset + block` is a multiple of its size: then its output is due no
//! sooner than it is computed, and the whole engine has a latency of one
//! block.
//!
//! Scheduling: each level's work runs in the block at which its input frame
//! completes (every `P` samples), so the cost per block is spiky (the
//! largest level's transforms land in one block of every `MAX_PART / block`)
//! but the output is exact and independent of the host's block sizes.
//!
//! Real transforms of `2P` samples are complex FFTs of `P` points on the
//! even/odd samples packed as real/imaginary parts, with the split done
//! here; spectra are stored as separate real and imaginary arrays so that
//! the multiply-accumulate runs in wide vector lanes.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::simd::mul_add;

type C32 = Complex<f32>;

/// Size of the first partitions, hence the engine's latency, in samples,
/// for real-time use.
pub const BLOCK: usize = 128;

/// Largest partition size, in samples (the tail of a long response is cut
/// into partitions of this size).
pub const MAX_PART: usize = 32_768;

/// Ratio of consecutive partition sizes (4 rather than 2: half the
/// levels, hence half the transforms, for a few more partitions per level;
/// 2.4 times faster on a 3 s response).
const GROWTH: usize = 4;

/// Bins the multiply-accumulate sums over all partitions at a time (the
/// accumulator stays in the first-level cache).
const MAC_CHUNK: usize = 256;

/// One level of the partition plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Partition size in samples.
    pub size: usize,
    /// Offset of the first partition in the impulse response.
    pub start: usize,
    /// Number of partitions.
    pub parts: usize,
}

impl Segment {
    /// Input frames between the newest and the one the first partition
    /// meets, for an engine of `block`-sample blocks (its start delays it
    /// by whole frames beyond `size - block`).
    fn shift(&self, block: usize) -> usize {
        (self.start + block) / self.size - 1
    }
}

/// The partition plan for a response of `len` samples (at least one
/// partition) on an engine of `block`-sample blocks (a power of two from
/// [`BLOCK`] to [`MAX_PART`]): each level grows as soon as the next size
/// may start, which gives `GROWTH - 1` partitions per level before the
/// largest size.
pub fn plan(len: usize, block: usize) -> Vec<Segment> {
    let mut segments = Vec::new();
    let (mut size, mut offset) = (block, 0);
    loop {
        let start = offset;
        let mut parts = 0;
        loop {
            parts += 1;
            offset += size;
            let can_grow = (offset + block) % (GROWTH * size) == 0 && GROWTH * size <= MAX_PART;
            if offset >= len || can_grow {
                break;
            }
        }
        segments.push(Segment { size, start, parts });
        if offset >= len {
            return segments;
        }
        size *= GROWTH;
    }
}

/// A real FFT of `2m` samples through a complex FFT of `m` points; the
/// spectrum has `m + 1` bins.
#[derive(Clone)]
struct RealFft {
    m: usize,
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
    /// `e^{-iπk/m}` for `k` in `0..=m`.
    twiddles: Vec<C32>,
}

impl fmt::Debug for RealFft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealFft").field("m", &self.m).finish_non_exhaustive()
    }
}

impl RealFft {
    fn new(planner: &mut FftPlanner<f32>, m: usize) -> Self {
        let twiddles = (0..=m)
            .map(|k| {
                let a = -core::f64::consts::PI * k as f64 / m as f64;
                C32::new(libm::cos(a) as f32, libm::sin(a) as f32)
            })
            .collect();
        Self {
            m,
            forward: planner.plan_fft_forward(m),
            inverse: planner.plan_fft_inverse(m),
            twiddles,
        }
    }

    fn scratch_len(&self) -> usize {
        self.forward.get_inplace_scratch_len().max(self.inverse.get_inplace_scratch_len())
    }

    /// Twice the spectrum of the `2m` real samples packed in `z` (see
    /// [`as_floats`]) into `re`, `im` (`m + 1` bins each); `z` is used up.
    #[inline(always)]
    fn forward(&self, z: &mut [C32], scratch: &mut [C32], re: &mut [f32], im: &mut [f32]) {
        let m = self.m;
        let z = &mut z[..m];
        self.forward.process_with_scratch(z, scratch);
        // Bins 0 and m: W^0 = 1, W^m = -1, and a - b is imaginary.
        let z0 = z[0];
        (re[0], im[0]) = (2.0 * (z0.re + z0.im), 0.0);
        (re[m], im[m]) = (2.0 * (z0.re - z0.im), 0.0);
        let bins = re[1..m].iter_mut().zip(&mut im[1..m]).zip(&self.twiddles[1..m]);
        for (((re, im), w), (a, b)) in bins.zip(z[1..].iter().zip(z[1..].iter().rev())) {
            let b = b.conj();
            let t = w * (a - b);
            // (a + b) - i·W^k·(a - b)
            *re = a.re + b.re + t.im;
            *im = a.im + b.im - t.re;
        }
    }

    /// The second half of `2m` times the real signal whose spectrum is
    /// `re`, `im` (`m + 1` bins), written to `out` (`m` samples).
    #[inline(always)]
    fn inverse_tail(
        &self,
        re: &[f32],
        im: &[f32],
        z: &mut [C32],
        scratch: &mut [C32],
        out: &mut [f32],
    ) {
        let m = self.m;
        let z = &mut z[..m];
        let mirrored = re[1..=m].iter().rev().zip(im[1..=m].iter().rev());
        let bins = re.iter().zip(im).zip(mirrored).zip(&self.twiddles);
        for (z, (((&ar, &ai), (&br, &bi)), w)) in z.iter_mut().zip(bins) {
            let (a, b) = (C32::new(ar, ai), C32::new(br, -bi));
            let e = a + b;
            let o = (a - b) * w.conj();
            // e + i·o
            *z = C32::new(e.re - o.im, e.im + o.re);
        }
        self.inverse.process_with_scratch(z, scratch);
        out[..m].copy_from_slice(&as_floats(z)[m..]);
    }
}

/// The samples of a complex buffer as consecutive floats (real, imaginary,
/// real...): how a real FFT packs even and odd samples.
fn as_floats(z: &mut [C32]) -> &mut [f32] {
    // SAFETY: `Complex<f32>` is `repr(C)` with two `f32` fields and no
    // padding, so `z` is `2·len` floats with the alignment of `f32`; the
    // borrow of `z` covers the result's lifetime.
    unsafe { core::slice::from_raw_parts_mut(z.as_mut_ptr().cast::<f32>(), 2 * z.len()) }
}

/// Spectra stored as separate real and imaginary parts, `bins` per frame.
#[derive(Debug, Clone)]
struct Spectra {
    bins: usize,
    re: Vec<f32>,
    im: Vec<f32>,
}

impl Spectra {
    fn new(frames: usize, bins: usize) -> Self {
        Self { bins, re: vec![0.0; frames * bins], im: vec![0.0; frames * bins] }
    }

    fn frame(&self, i: usize) -> (&[f32], &[f32]) {
        let r = i * self.bins..(i + 1) * self.bins;
        (&self.re[r.clone()], &self.im[r])
    }

    fn frame_mut(&mut self, i: usize) -> (&mut [f32], &mut [f32]) {
        let r = i * self.bins..(i + 1) * self.bins;
        (&mut self.re[r.clone()], &mut self.im[r])
    }

    fn clear(&mut self) {
        self.re.fill(0.0);
        self.im.fill(0.0);
    }
}

/// `acc += x · h`, bin by bin.
#[inline(always)]
fn multiply_accumulate<const W: bool>(
    acc: (&mut [f32], &mut [f32]),
    x: (&[f32], &[f32]),
    h: (&[f32], &[f32]),
) {
    let (ar, ai) = acc;
    let bins = ar.len().min(ai.len()).min(x.0.len()).min(x.1.len()).min(h.0.len()).min(h.1.len());
    let (ar, ai) = (&mut ar[..bins], &mut ai[..bins]);
    let (xr, xi, hr, hi) = (&x.0[..bins], &x.1[..bins], &h.0[..bins], &h.1[..bins]);
    for k in 0..bins {
        ar[k] = mul_add::<W, f32>(xr[k], hr[k], mul_add::<W, f32>(-xi[k], hi[k], ar[k]));
        ai[k] = mul_add::<W, f32>(xr[k], hi[k], mul_add::<W, f32>(xi[k], hr[k], ai[k]));
    }
}

/// The spectra of the partitions of `h` that level `seg` covers, scaled so
/// that the transforms' gains cancel (the forward one doubles both
/// spectra, the inverse one multiplies by `2·size`).
fn load_parts(
    fft: &RealFft,
    seg: Segment,
    h: &[f32],
    spectra: &mut Spectra,
    z: &mut [C32],
    scratch: &mut [C32],
) {
    let scale = 1.0 / (8.0 * seg.size as f32);
    for p in 0..seg.parts {
        let from = (seg.start + p * seg.size).min(h.len());
        let to = (from + seg.size).min(h.len());
        let frame = &mut as_floats(z)[..2 * seg.size];
        frame.fill(0.0);
        frame[..to - from].copy_from_slice(&h[from..to]);
        let (re, im) = spectra.frame_mut(p);
        fft.forward(z, scratch, re, im);
        re.iter_mut().chain(im.iter_mut()).for_each(|v| *v *= scale);
    }
}

/// One level: its transform, input spectra, partition spectra and output.
#[derive(Debug, Clone)]
struct Level {
    seg: Segment,
    fft: RealFft,
    /// Per input channel, the last `shift + parts` input spectra (a ring).
    history: Vec<Spectra>,
    /// Slot of the newest input spectrum.
    head: usize,
    /// Per response channel, the partitions' spectra (scaled so that the
    /// transforms' gains cancel).
    parts: Vec<Spectra>,
    /// Per output channel, the `size` output samples last computed.
    out: Vec<Vec<f32>>,
}

/// Which input feeds which output through which response channel.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    /// Input channel.
    pub input: usize,
    /// Output channel.
    pub output: usize,
    /// Response channel.
    pub ir: usize,
}

/// The partitioned convolution of a fixed number of channels with a set of
/// responses along given paths. Input is written block by block; each
/// completed block gives the output one block earlier (the latency).
/// Longer blocks cost less per sample (fewer, larger transforms).
#[derive(Debug, Clone)]
pub struct Engine {
    levels: Vec<Level>,
    paths: Vec<Path>,
    /// Per input channel, the input history (a ring of `mask + 1` samples).
    rings: Vec<Vec<f32>>,
    mask: usize,
    /// Block size in samples (the first partitions' size).
    block: usize,
    /// Samples written up to the start of the current block.
    clock: u64,
    /// Per output channel, the wet output of the last completed block.
    wet: Vec<Vec<f32>>,
    z: Vec<C32>,
    scratch: Vec<C32>,
    acc: Spectra,
}

impl Engine {
    /// An engine of `block`-sample blocks (a power of two, held within
    /// [`BLOCK`] to [`MAX_PART`]) for `ir` (channels of equal, non-zero
    /// length) on `channels` inputs and outputs along `paths`, whose input
    /// may be delayed by up to `max_delay` samples. Allocates everything.
    pub fn new(
        ir: &[Vec<f32>],
        paths: Vec<Path>,
        channels: usize,
        max_delay: usize,
        block: usize,
    ) -> Self {
        let block = block.next_power_of_two().clamp(BLOCK, MAX_PART);
        let len = ir.first().map_or(1, Vec::len).max(1);
        let mut planner = FftPlanner::new();
        let segments = plan(len, block);
        let largest = segments.iter().map(|s| s.size).max().unwrap_or(block);
        let mut z = vec![C32::default(); largest];
        let mut scratch = Vec::new();
        let mut levels = Vec::with_capacity(segments.len());
        for seg in segments {
            let fft = RealFft::new(&mut planner, seg.size);
            if scratch.len() < fft.scratch_len() {
                scratch.resize(fft.scratch_len(), C32::default());
            }
            let bins = seg.size + 1;
            let parts = ir
                .iter()
                .map(|h| {
                    let mut s = Spectra::new(seg.parts, bins);
                    load_parts(&fft, seg, h, &mut s, &mut z, &mut scratch);
                    s
                })
                .collect();
            let slots = seg.shift(block) + seg.parts;
            levels.push(Level {
                seg,
                fft,
                history: vec![Spectra::new(slots, bins); channels],
                head: 0,
                parts,
                out: vec![vec![0.0; seg.size]; channels],
            });
        }
        let ring_len = (2 * largest + max_delay + block).next_power_of_two();
        Self {
            levels,
            paths,
            rings: vec![vec![0.0; ring_len]; channels],
            mask: ring_len - 1,
            block,
            clock: 0,
            wet: vec![vec![0.0; block]; channels],
            z,
            scratch,
            acc: Spectra::new(1, largest + 1),
        }
    }

    /// The block size in samples (the latency).
    pub fn block(&self) -> usize {
        self.block
    }

    /// The partition plan in use.
    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        self.levels.iter().map(|l| l.seg)
    }

    /// Replaces response channel `ir` with `h` (at most the length the
    /// engine was built for; shorter is zero-padded) without allocating or
    /// touching the signal state: the next blocks convolve with the new
    /// response (the output jumps unless the caller fades or resets). Costs
    /// the transforms of the whole response.
    pub fn set_response(&mut self, ir: usize, h: &[f32]) {
        let Self { levels, z, scratch, .. } = self;
        for level in levels.iter_mut() {
            if let Some(parts) = level.parts.get_mut(ir) {
                load_parts(&level.fft, level.seg, h, parts, z, scratch);
            }
        }
    }

    /// Clears all signal state.
    pub fn reset(&mut self) {
        for level in &mut self.levels {
            level.history.iter_mut().for_each(Spectra::clear);
            level.out.iter_mut().for_each(|o| o.fill(0.0));
            level.head = 0;
        }
        self.rings.iter_mut().for_each(|r| r.fill(0.0));
        self.wet.iter_mut().for_each(|w| w.fill(0.0));
        self.clock = 0;
    }

    /// Writes input samples of channel `c` at `pos` within the current
    /// block (`pos + x.len()` at most the block size).
    pub fn write(&mut self, c: usize, pos: usize, x: &[f32]) {
        let at = (self.clock as usize).wrapping_add(pos) & self.mask;
        if let Some(ring) = self.rings.get_mut(c) {
            ring[at..at + x.len()].copy_from_slice(x);
        }
    }

    /// The input block of channel `c` (the dry signal of the output block).
    pub fn input_block(&self, c: usize) -> &[f32] {
        let at = (self.clock as usize).wrapping_sub(self.block) & self.mask;
        &self.rings[c][at..at + self.block]
    }

    /// The wet output of the last completed block, channel `c`.
    pub fn wet(&self, c: usize) -> &[f32] {
        &self.wet[c]
    }

    /// Completes the current block: runs the levels whose frames end here
    /// (with the input delayed by `delay` samples) and sums the wet output
    /// of the block.
    #[inline(always)]
    pub fn step<const W: bool>(&mut self, delay: usize) {
        self.clock += self.block as u64;
        let t = self.clock;
        let Self { levels, paths, rings, mask, block, wet, z, scratch, acc, .. } = self;
        for level in levels.iter_mut() {
            let size = level.seg.size;
            if t % size as u64 != 0 {
                continue;
            }
            let slots = level.seg.shift(*block) + level.seg.parts;
            level.head = (level.head + 1) % slots;
            let start = (t as usize).wrapping_sub(delay + 2 * size) & *mask;
            for (ring, history) in rings.iter().zip(level.history.iter_mut()) {
                let frame = &mut as_floats(z)[..2 * size];
                let first = (ring.len() - start).min(2 * size);
                frame[..first].copy_from_slice(&ring[start..start + first]);
                frame[first..].copy_from_slice(&ring[..2 * size - first]);
                let (re, im) = history.frame_mut(level.head);
                level.fft.forward(z, scratch, re, im);
            }
            let shift = level.seg.shift(*block);
            for (o, out) in level.out.iter_mut().enumerate() {
                let (ar, ai) = acc.frame_mut(0);
                let (ar, ai) = (&mut ar[..size + 1], &mut ai[..size + 1]);
                // Bins in chunks that stay in the first-level cache while
                // every partition adds to them.
                for start in (0..size + 1).step_by(MAC_CHUNK) {
                    let end = (start + MAC_CHUNK).min(size + 1);
                    let (cr, ci) = (&mut ar[start..end], &mut ai[start..end]);
                    cr.fill(0.0);
                    ci.fill(0.0);
                    for path in paths.iter().filter(|p| p.output == o) {
                        let (history, parts) = (&level.history[path.input], &level.parts[path.ir]);
                        for p in 0..level.seg.parts {
                            let slot = (level.head + 2 * slots - shift - p) % slots;
                            let (xr, xi) = history.frame(slot);
                            let (hr, hi) = parts.frame(p);
                            multiply_accumulate::<W>(
                                (&mut *cr, &mut *ci),
                                (&xr[start..end], &xi[start..end]),
                                (&hr[start..end], &hi[start..end]),
                            );
                        }
                    }
                }
                level.fft.inverse_tail(ar, ai, z, scratch, out);
            }
        }
        for (o, wet) in wet.iter_mut().enumerate() {
            wet.fill(0.0);
            for level in levels.iter() {
                let at = (t % level.seg.size as u64) as usize;
                for (w, y) in wet.iter_mut().zip(&level.out[o][at..at + *block]) {
                    *w += y;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every level starts where its output is due no sooner than it is
    /// computed, the levels tile the response, and sizes never shrink.
    #[test]
    fn plans_tile_the_response_at_the_block_latency() {
        let lens = [1, 63, 64, 65, 127, 128, 129, 1000, 5000, 8192, 48_000, 144_000, 1 << 20];
        for (len, block) in lens.into_iter().flat_map(|l| [(l, BLOCK), (l, 4096)]) {
            let segs = plan(len, block);
            let mut offset = 0;
            assert_eq!(segs[0].size, block);
            for (i, s) in segs.iter().enumerate() {
                assert_eq!(s.start, offset, "{len}: {segs:?}");
                assert_eq!((s.start + block) % s.size, 0, "{len}: {segs:?}");
                assert!(s.size <= MAX_PART && s.parts >= 1);
                if i > 0 {
                    assert_eq!(s.size, GROWTH * segs[i - 1].size);
                    assert_eq!(segs[i - 1].parts, GROWTH - 1, "{len}: {segs:?}");
                }
                offset += s.size * s.parts;
            }
            assert!(offset >= len && offset - len < segs.last().unwrap().size, "{len}: {segs:?}");
        }
    }

    /// The real transform and its inverse give back the signal, scaled.
    #[test]
    fn real_fft_round_trips() {
        let mut planner = FftPlanner::new();
        let m = 64;
        let fft = RealFft::new(&mut planner, m);
        let x: Vec<f32> = (0..2 * m).map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.1).collect();
        let mut z = vec![C32::default(); m];
        as_floats(&mut z).copy_from_slice(&x);
        let mut scratch = vec![C32::default(); fft.scratch_len()];
        let (mut re, mut im) = (vec![0.0; m + 1], vec![0.0; m + 1]);
        fft.forward(&mut z, &mut scratch, &mut re, &mut im);
        // Bin 1 against the DFT's definition (times 2).
        let w = -2.0 * core::f64::consts::PI / (2 * m) as f64;
        let (dr, di) = x.iter().enumerate().fold((0.0, 0.0), |(r, i), (n, &v)| {
            (r + v as f64 * libm::cos(w * n as f64), i + v as f64 * libm::sin(w * n as f64))
        });
        assert!((re[1] as f64 - 2.0 * dr).abs() < 1e-4 && (im[1] as f64 - 2.0 * di).abs() < 1e-4);
        let mut out = vec![0.0; m];
        fft.inverse_tail(&re, &im, &mut z, &mut scratch, &mut out);
        for (o, x) in out.iter().zip(&x[m..]) {
            assert!((o / (4 * m) as f32 - x).abs() < 1e-5, "{o} {x}");
        }
    }
}
