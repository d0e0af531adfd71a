//! Oversampling by cascaded 2x half-band stages: linear-phase FIR
//! half-band filters (Kaiser-windowed sinc, cut at a quarter of the higher
//! rate) run in polyphase form for upsampling and downsampling. Every
//! other tap of a half-band filter is zero except the centre one (1/2), so
//! one polyphase branch is a pure delay and the other holds all the work.
//!
//! The round trip (up, then down) delays by a whole number of base-rate
//! samples, [`Oversampler::latency`]: each stage's filter pair delays by its
//! centre index at the stage's lower rate, and a few samples of delay at the
//! highest rate round the total up to a whole base-rate sample.

use alloc::vec;
use alloc::vec::Vec;

use crate::analysis::true_peak::bessel_i0;
use crate::math::{PI, sin, sqrt};
use crate::simd::mul_add;

/// Base-rate samples the oversampler handles at a time.
pub const CHUNK: usize = 256;
/// Number of stages at the largest factor (8x).
pub const MAX_STAGES: usize = 3;

/// One half-band stage: `(side taps, Kaiser beta)`, for the stage from
/// rate `2^s` to `2^(s+1)` times the base rate. The side taps are the
/// non-zero taps off the centre, `2K` of them for a filter of `4K - 1`
/// taps. Stage 0 keeps 0.44 fs and stops from 0.56 fs (about 110 dB);
/// the later stages only need to keep 0.56 fs and stop what would fold
/// below it, so their transition bands are wide and their filters short.
const STAGES: [(usize, f64); MAX_STAGES] = [(60, 11.2), (20, 11.2), (12, 11.2)];

/// The side taps `h[2j]`, `j < taps`, of a half-band filter of
/// `2·taps - 1` taps whose centre tap is 1/2 (unity gain at DC).
fn design(taps: usize, beta: f64) -> Vec<f32> {
    let n = 2 * taps - 1;
    let centre = (n - 1) as f64 / 2.0;
    let norm = bessel_i0(beta);
    let mut h: Vec<f64> = (0..taps)
        .map(|j| {
            let k = 2 * j;
            let t = k as f64 - centre; // odd: never 0
            let sinc = sin(0.5 * PI * t) / (PI * t);
            let r = t / (centre + 1.0);
            sinc * bessel_i0(beta * sqrt((1.0 - r * r).max(0.0))) / norm
        })
        .collect();
    // The side taps sum to 1/2 exactly (with the centre: unity at DC).
    let sum: f64 = h.iter().sum();
    h.iter_mut().for_each(|v| *v *= 0.5 / sum);
    h.into_iter().map(|v| v as f32).collect()
}

/// Outputs [`convolve`] computes together, their sums held in registers.
const TILE: usize = 32;

/// `out[m] = Σ_j h[j]·x[m + j]` for every `m` (`x` holds `out.len() +
/// h.len() - 1` samples). Tiles of [`TILE`] outputs run the taps in the
/// outer loop, so the inner one runs along the outputs in vector lanes
/// with no horizontal sums; each output adds its products in tap order,
/// whether it falls in a tile or in the remainder, whatever the block
/// (fused with `WIDE`).
#[inline(always)]
fn convolve<const WIDE: bool>(h: &[f32], x: &[f32], out: &mut [f32]) {
    let whole = out.len() - out.len() % TILE;
    let (tiles, rest) = out.split_at_mut(whole);
    for (b, o) in tiles.chunks_exact_mut(TILE).enumerate() {
        let mut acc = [0.0f32; TILE];
        let span = &x[b * TILE..b * TILE + TILE + h.len() - 1];
        for (&c, xs) in h.iter().zip(span.windows(TILE)) {
            for (a, &v) in acc.iter_mut().zip(xs) {
                *a = mul_add::<WIDE, f32>(c, v, *a);
            }
        }
        o.copy_from_slice(&acc);
    }
    rest.fill(0.0);
    for (j, &c) in h.iter().enumerate() {
        for (o, &v) in rest.iter_mut().zip(&x[whole + j..]) {
            *o = mul_add::<WIDE, f32>(c, v, *o);
        }
    }
}

/// One stage's filter memory for one channel.
#[derive(Debug, Clone)]
struct StageState {
    /// Upsampler input: `taps - 1` past samples, then the chunk.
    up: Vec<f32>,
    /// Downsampler even-phase input: `taps - 1` past samples, then the chunk.
    even: Vec<f32>,
    /// Downsampler odd-phase input: `taps / 2` past samples, then the chunk.
    odd: Vec<f32>,
}

/// An oversampler for one channel: up to three 2x stages and the padding
/// delay at the highest rate; its buffers are sized once for 8x.
#[derive(Debug, Clone)]
pub struct Oversampler {
    /// Side taps per stage (shared design, copied per channel for locality).
    taps: [Vec<f32>; MAX_STAGES],
    states: [StageState; MAX_STAGES],
    /// Padding delay at the highest rate: `pad` past samples, then the chunk.
    pad_buf: Vec<f32>,
    stages: usize,
    pad: usize,
    /// Scratch at each rate: `rates[s]` holds `CHUNK << s` samples.
    rates: [Vec<f32>; MAX_STAGES + 1],
}

impl Default for Oversampler {
    fn default() -> Self {
        Self::new(1)
    }
}

impl Oversampler {
    /// An oversampler by `2^stages` (0 to 3 stages; 0 passes the signal
    /// through). Allocates.
    pub fn new(stages: usize) -> Self {
        let stages = stages.min(MAX_STAGES);
        let taps = core::array::from_fn(|s| design(STAGES[s].0, STAGES[s].1));
        let states = core::array::from_fn(|s| {
            let t = STAGES[s].0;
            let len = CHUNK << s;
            StageState {
                up: vec![0.0; t - 1 + len],
                even: vec![0.0; t - 1 + len],
                odd: vec![0.0; t / 2 + len],
            }
        });
        let rates = core::array::from_fn(|s| vec![0.0; CHUNK << s]);
        let mut o = Self {
            taps,
            states,
            pad_buf: vec![0.0; 8 + (CHUNK << MAX_STAGES)],
            stages,
            pad: 0,
            rates,
        };
        o.set_stages(stages);
        o
    }

    /// Round-trip delay of `stages` stages in base-rate samples, before
    /// padding, times `2^stages` (in samples at the highest rate).
    fn raw_delay(stages: usize) -> usize {
        (0..stages).map(|s| (STAGES[s].0 - 1) << (stages - s)).sum()
    }

    /// Round-trip latency in base-rate samples with `stages` stages.
    pub fn latency_of(stages: usize) -> usize {
        Self::raw_delay(stages).div_ceil(1 << stages)
    }

    /// Round-trip latency in base-rate samples.
    pub fn latency(&self) -> usize {
        Self::latency_of(self.stages)
    }

    /// Oversampling factor.
    pub fn factor(&self) -> usize {
        1 << self.stages
    }

    /// Selects `2^stages` (0 to 3 stages) and clears the memory. Never
    /// allocates.
    pub fn set_stages(&mut self, stages: usize) {
        self.stages = stages.min(MAX_STAGES);
        self.pad = (Self::latency_of(self.stages) << self.stages) - Self::raw_delay(self.stages);
        self.reset();
    }

    /// Clears the filter memory.
    pub fn reset(&mut self) {
        for st in &mut self.states {
            for b in [&mut st.up, &mut st.even, &mut st.odd] {
                b.iter_mut().for_each(|v| *v = 0.0);
            }
        }
        self.pad_buf.iter_mut().for_each(|v| *v = 0.0);
    }

    /// Upsamples `x` (at most [`CHUNK`] samples), runs `f` over the
    /// oversampled block in place, downsamples it back into `x`.
    #[inline(always)]
    pub fn process(&mut self, x: &mut [f32], f: impl FnMut(&mut [f32])) {
        self.process_with::<false>(x, f);
    }

    /// [`process`](Self::process) inside a dispatched kernel: with `WIDE`,
    /// the filters' multiply-adds are fused (see [`crate::simd`]).
    #[inline(always)]
    pub(crate) fn process_with<const WIDE: bool>(
        &mut self,
        x: &mut [f32],
        mut f: impl FnMut(&mut [f32]),
    ) {
        let n = x.len().min(CHUNK);
        self.rates[0][..n].copy_from_slice(&x[..n]);
        for s in 0..self.stages {
            let (lo, hi) = self.rates.split_at_mut(s + 1);
            up::<WIDE>(
                &self.taps[s],
                &mut self.states[s].up,
                &lo[s][..n << s],
                &mut hi[0][..n << (s + 1)],
            );
        }
        let top = n << self.stages;
        let block = &mut self.rates[self.stages][..top];
        if self.pad > 0 {
            let p = self.pad;
            self.pad_buf[p..p + top].copy_from_slice(block);
            block.copy_from_slice(&self.pad_buf[..top]);
            self.pad_buf.copy_within(top..top + p, 0);
        }
        f(block);
        for s in (0..self.stages).rev() {
            let (lo, hi) = self.rates.split_at_mut(s + 1);
            let st = &mut self.states[s];
            down::<WIDE>(&self.taps[s], st, &hi[0][..n << (s + 1)], &mut lo[s][..n << s]);
        }
        x[..n].copy_from_slice(&self.rates[0][..n]);
    }
}

/// 2x upsampling of `x` into `y` (twice as long) with gain 2, so that the
/// passband keeps its level.
#[inline(always)]
fn up<const WIDE: bool>(h: &[f32], buf: &mut [f32], x: &[f32], y: &mut [f32]) {
    let t = h.len();
    let n = x.len();
    buf[t - 1..t - 1 + n].copy_from_slice(x);
    // The taps are symmetric: the window oldest-first meets them as well.
    let mut even = [0.0f32; CHUNK << (MAX_STAGES - 1)];
    let even = &mut even[..n];
    convolve::<WIDE>(h, &buf[..n + t - 1], even);
    for ((pair, &e), &odd) in y.chunks_exact_mut(2).zip(even.iter()).zip(&buf[t / 2..t / 2 + n]) {
        pair[0] = 2.0 * e;
        pair[1] = odd;
    }
    buf.copy_within(n..n + t - 1, 0);
}

/// 2x downsampling of `u` into `v` (half as long).
#[inline(always)]
fn down<const WIDE: bool>(h: &[f32], st: &mut StageState, u: &[f32], v: &mut [f32]) {
    let t = h.len();
    let n = v.len();
    let (even, odd) = (&mut st.even[t - 1..t - 1 + n], &mut st.odd[t / 2..t / 2 + n]);
    for ((e, o), pair) in even.iter_mut().zip(odd.iter_mut()).zip(u.chunks_exact(2)) {
        *e = pair[0];
        *o = pair[1];
    }
    convolve::<WIDE>(h, &st.even[..n + t - 1], v);
    for (out, &odd) in v.iter_mut().zip(&st.odd[..n]) {
        *out += 0.5 * odd;
    }
    st.even.copy_within(n..n + t - 1, 0);
    st.odd.copy_within(n..n + t / 2, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec::Vec;

    fn round_trip(o: &mut Oversampler, x: &[f32]) -> Vec<f32> {
        let mut y = x.to_vec();
        for c in y.chunks_mut(CHUNK) {
            o.process(c, |_| {});
        }
        y
    }

    /// The round trip is an impulse delayed by exactly the reported
    /// latency (a symmetric response centred there), flat in the passband.
    #[test]
    fn round_trip_delays_by_the_latency() {
        for stages in 1..=MAX_STAGES {
            let mut o = Oversampler::new(stages);
            let mut x = std::vec![0.0f32; 1024];
            x[10] = 1.0;
            let y = round_trip(&mut o, &x);
            let l = 10 + o.latency();
            let peak = (0..y.len()).max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs())).unwrap();
            assert_eq!(peak, l, "{stages}");
            for k in 1..60 {
                assert!((y[l - k] - y[l + k]).abs() < 1e-6, "{stages}: not symmetric at {k}");
            }
            for f in [0.01, 0.2, 0.4] {
                assert!(dft_db(&y, f * 48_000.0, 48_000.0).abs() < 0.01, "{stages} at {f}");
            }
        }
        assert_eq!(
            [1, 2, 3].map(Oversampler::latency_of),
            [59, 69, 72],
            "latencies changed: update the docs"
        );
    }
}
