//! The late reverberation of [`Reverb`](super::Reverb): a 16-line feedback
//! delay network (Jot) with a Hadamard feedback matrix, per-line absorption
//! filters giving each band its reverberation time, and slowly modulated,
//! all-pass interpolated delays.
//!
//! Layout for speed: the state is a structure of arrays (16 lanes of
//! `f32`), so that per sample the interpolation and the filters are vector
//! operations across the lines. The lines are read and written in blocks
//! of 8 samples on the stream's clock: a block's integer delays are fixed
//! when it starts, so each line's 9 samples are one contiguous read,
//! turned into 8 rows of 16 lanes by 8×8 transposes. The block's 8 rows of
//! filtered samples are transposed back to 8 samples per line, and the
//! matrix, the input and the outputs then work on whole lines, 8 samples
//! to a vector and without shuffles, before each line is stored as one
//! contiguous write (a block only reads samples older than itself: every
//! delay is at least 10 samples). Blocks and the 32-sample
//! cells of the modulation fall on multiples of the stream's sample clock
//! and keep their state between calls, so every sample is computed the
//! same way however the stream is cut into process calls. The absorption
//! filters are the cookbook shelves of [`filters::design`](crate::filters::design),
//! run by a 16-lane form of the library's biquad (one lane per line),
//! since one [`Biquad`](crate::filters::Biquad) per line would not
//! vectorise across the lines.

use alloc::vec;
use alloc::vec::Vec;

use crate::filters::biquad::Coefs;
use crate::filters::design::{FilterKind, rbj, shelf_q_from_slope};
use crate::math::{PI, cos, pow, sin};
use crate::simd::mul_add;
use crate::smooth::LinearSmoother;

/// Number of delay lines.
pub(crate) const LINES: usize = 16;

/// Samples between updates of the delay targets (size, modulation). Like
/// the blocks, cells fall on multiples of the stream's sample clock.
pub(crate) const CELL: usize = 32;

/// Samples per read/write block (a divisor of [`CELL`]).
const BLOCK: usize = 8;

type Lanes = [f32; LINES];

/// Line lengths at size 1, in ms: spread geometrically between 19 and
/// 60 ms, nudged so that no two are near a ratio of small whole numbers
/// (p/q with p, q ≤ 6).
pub(crate) const BASE_MS: [f64; LINES] = [
    19.1, 20.9, 22.7, 24.1, 25.7, 27.7, 30.4, 32.3, 35.3, 37.6, 40.9, 43.9, 47.3, 51.7, 56.1, 59.8,
];

/// Schroeder's rule: the lines add up to at least this many seconds per
/// second of reverberation time (modal density high enough not to ring).
pub(crate) const MODE_DENSITY: f64 = 0.15;

/// Longest reverberation time (s) the line lengths are stretched for.
pub(crate) const MAX_DENSITY_DECAY_S: f64 = 20.0;

/// Largest `size` (line length scale) offered.
pub(crate) const MAX_SIZE: f64 = 2.0;

/// Peak delay excursion at full modulation, in ms.
pub(crate) const MAX_EXCURSION_MS: f64 = 0.5;

/// Fastest change of a line's delay, in samples per sample: a glide to a
/// new length bends the pitch of what the line carries by at most 8 %.
pub(crate) const MAX_GLIDE_RATE: f32 = 0.08;

/// Glide time of the modulation depth, in ms.
pub(crate) const EXCURSION_GLIDE_MS: f64 = 100.0;

/// Shortest delay, in samples: a block reads only samples written before it.
const MIN_DELAY: f64 = (BLOCK + 3) as f64;

/// Shelf slope of the absorption filters (1: steepest without overshoot,
/// so each shelf stays between its two plateau gains).
const SHELF_SLOPE: f64 = 1.0;

/// Flushes magnitudes below about 1e-25 to zero without a branch (adding
/// and removing a constant rounds them away), so that decaying lines never
/// hold denormal numbers.
const FLUSH: f32 = 1e-18;

/// Gain from the matrix outputs to the late reverberation outputs.
const OUTPUT_GAIN: f32 = 0.7;

/// Sum of [`BASE_MS`] in seconds.
pub(crate) fn base_total_s() -> f64 {
    BASE_MS.iter().sum::<f64>() * 1e-3
}

/// The line length scale for `size` and the longest band reverberation
/// time `t60_s`: `size`, stretched where Schroeder's rule needs longer
/// lines (`Σ lengths ≥ 0.15 · T60 · fs`, T60 capped at 20 s).
pub(crate) fn length_scale(size: f64, t60_s: f64) -> f64 {
    let needed = MODE_DENSITY * t60_s.min(MAX_DENSITY_DECAY_S) / base_total_s();
    size.max(needed)
}

/// Largest length scale any parameters give.
fn max_length_scale() -> f64 {
    length_scale(MAX_SIZE, MAX_DENSITY_DECAY_S)
}

/// Row `k` of the 16-point Sylvester Hadamard matrix, divided by 4 (unit
/// norm): entry `j` is `(−1)^popcount(j & k) / 4`.
const fn hadamard_row(k: usize) -> Lanes {
    let mut row = [0.0; LINES];
    let mut j = 0;
    while j < LINES {
        row[j] = if (k & j).count_ones() % 2 == 0 { 0.25 } else { -0.25 };
        j += 1;
    }
    row
}

/// Sign patterns that inject the left and right inputs into the lines.
const INJECT_LEFT: Lanes = hadamard_row(5);
const INJECT_RIGHT: Lanes = hadamard_row(10);

/// Per-line LFO rates in Hz, spread over 0.3..1.1 Hz in a shuffled order.
fn lfo_hz(i: usize) -> f64 {
    0.3 + 0.8 * ((i * 7) % LINES) as f64 / (LINES - 1) as f64
}

/// The reverberation times the absorption filters realise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Decay {
    /// Mid-band reverberation time in seconds.
    pub t60_s: f64,
    /// Low-band time as a multiple of `t60_s`.
    pub low_mult: f64,
    /// High-band time as a multiple of `t60_s` (at most 1).
    pub high_mult: f64,
    /// Low shelf frequency in Hz.
    pub low_hz: f64,
    /// High shelf frequency in Hz.
    pub high_hz: f64,
}

impl Decay {
    /// The longest band reverberation time.
    pub fn longest_s(&self) -> f64 {
        self.t60_s * self.low_mult.max(self.high_mult).max(1.0)
    }

    /// The absorption filter of a line `len` samples long at `fs`: a gain
    /// and two shelves whose dB response is `−60 · len / (T60(f) · fs)` in
    /// each band (Jot). The gain is folded into the low shelf. With the
    /// high band's time at most the mid band's, the response never exceeds
    /// the larger of the low and mid band gains, both below 1.
    pub fn line_filter(&self, len: f64, fs: f64) -> [Coefs; 2] {
        let top = 0.45 * fs;
        let band_db = |t60: f64| -60.0 * len / (t60 * fs);
        let mid = band_db(self.t60_s);
        let low = band_db(self.t60_s * self.low_mult) - mid;
        let high = band_db(self.t60_s * self.high_mult) - mid;
        let shelf = |kind, hz: f64, db: f64| {
            rbj(kind, hz.min(top), shelf_q_from_slope(SHELF_SLOPE, db), db, fs)
        };
        let mut ls = shelf(FilterKind::LowShelf, self.low_hz, low);
        // The band gain, and the 1/4 that makes the matrix orthonormal.
        let g = 0.25 * pow(10.0, mid / 20.0);
        ls.b0 *= g;
        ls.b1 *= g;
        ls.b2 *= g;
        [ls, shelf(FilterKind::HighShelf, self.high_hz, high)]
    }
}

/// Coefficients of biquads on 16 lanes (transposed direct form II, as
/// [`Biquad`](crate::filters::Biquad), one lane per line), with the
/// feedback coefficients negated.
#[derive(Debug, Clone, Copy, Default)]
struct Sections {
    b0: Lanes,
    b1: Lanes,
    b2: Lanes,
    minus_a1: Lanes,
    minus_a2: Lanes,
}

impl Sections {
    fn set(&mut self, i: usize, c: &Coefs) {
        self.b0[i] = c.b0 as f32;
        self.b1[i] = c.b1 as f32;
        self.b2[i] = c.b2 as f32;
        self.minus_a1[i] = -c.a1 as f32;
        self.minus_a2[i] = -c.a2 as f32;
    }

    /// Filters `x` in place; `s` holds the two state variables. The
    /// output `y` is the last term added to each state, so that a sample
    /// waits on two multiply-adds of the previous one.
    #[inline(always)]
    fn tick<const W: bool>(&self, s: &mut [Lanes; 2], x: &mut Lanes) {
        let [s1, s2] = s;
        for i in 0..LINES {
            let y = mul_add::<W, f32>(self.b0[i], x[i], s1[i]);
            let feedforward = mul_add::<W, f32>(self.b1[i], x[i], s2[i]);
            s1[i] = mul_add::<W, f32>(self.minus_a1[i], y, feedforward);
            s2[i] = mul_add::<W, f32>(self.minus_a2[i], y, self.b2[i] * x[i]);
            x[i] = y;
        }
    }
}

/// The recursive state of the lines' processing.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    /// All-pass interpolators' last outputs.
    interp: Lanes,
    /// The absorption filters' state variables.
    filters: [[Lanes; 2]; 2],
}

impl State {
    /// Flushes values too small to matter to zero.
    #[inline(always)]
    fn flush(&mut self) {
        let [[a1, a2], [b1, b2]] = &mut self.filters;
        for lanes in [&mut self.interp, a1, a2, b1, b2] {
            for v in lanes {
                *v = (*v + FLUSH) - FLUSH;
            }
        }
    }
}

/// One butterfly stage of the Hadamard transform on the index bit `H`:
/// `y[j] = x[j ^ H] ± x[j]` (a lane permutation and an add).
#[inline(always)]
fn butterfly<const H: usize>(x: &mut Lanes) {
    let p: Lanes = core::array::from_fn(|j| x[j ^ H]);
    for j in 0..LINES {
        x[j] = if j & H == 0 { x[j] + p[j] } else { p[j] - x[j] };
    }
}

/// The 16-point Hadamard transform `H` (entries ±1; `H/4` is orthonormal,
/// and the 1/4 is folded into the absorption filters' gains).
#[inline(always)]
fn hadamard<const W: bool>(x: &mut Lanes) {
    #[cfg(target_arch = "x86_64")]
    if W {
        // SAFETY: `W` is only set in the variant compiled with AVX2 and
        // FMA (see `simd::dispatch`).
        unsafe { avx::hadamard(x) };
        return;
    }
    butterfly::<8>(x);
    butterfly::<4>(x);
    butterfly::<2>(x);
    butterfly::<1>(x);
}

/// The network: lines, their absorption, the matrix and the modulation.
#[derive(Debug, Clone)]
pub(crate) struct Fdn {
    /// The lines, `stride` samples apart: `size` ring samples plus
    /// [`BLOCK`] that mirror the first ones, so that a block's read window
    /// is always contiguous.
    buf: Vec<f32>,
    size: usize,
    stride: usize,
    /// Line lengths at scale 1, in samples.
    base: [f64; LINES],
    /// The same in `f32`, times the current scale.
    scaled: Lanes,
    /// Length scale the lines move to.
    scale: f64,
    /// Delay of each line for the next sample, and its step per sample
    /// within the current cell.
    delay: Lanes,
    step: Lanes,
    /// Delay each line reaches at the end of the current cell.
    cell_end: Lanes,
    /// The current block's all-pass coefficients, one row per sample.
    eta: [Lanes; BLOCK],
    /// The current block's reads, one row of 16 lines per sample: row `k`
    /// holds `x[n₀ + k − D − 1]` (`D` the block's integer delay).
    rows: [Lanes; BLOCK + 1],
    /// The current block's filtered samples, one row per sample.
    filtered: [Lanes; BLOCK],
    /// The current block's input (left, right).
    inputs: [[f32; BLOCK]; 2],
    filters: [Sections; 2],
    state: State,
    /// LFO phasors (cos, sin) and their rotation per cell.
    lfo: [Lanes; 2],
    lfo_turn: [Lanes; 2],
    excursion: LinearSmoother,
    max_delay: f64,
    sample_rate: f64,
}

impl Default for Fdn {
    fn default() -> Self {
        Self {
            buf: Vec::new(),
            size: 0,
            stride: 0,
            base: [0.0; LINES],
            scaled: [MIN_DELAY as f32; LINES],
            scale: 1.0,
            delay: [MIN_DELAY as f32; LINES],
            step: [0.0; LINES],
            cell_end: [MIN_DELAY as f32; LINES],
            eta: [[0.0; LINES]; BLOCK],
            rows: [[0.0; LINES]; BLOCK + 1],
            filtered: [[0.0; LINES]; BLOCK],
            inputs: [[0.0; BLOCK]; 2],
            filters: [Sections::default(); 2],
            state: State::default(),
            lfo: [[1.0; LINES], [0.0; LINES]],
            lfo_turn: [[1.0; LINES], [0.0; LINES]],
            excursion: LinearSmoother::new(0.0),
            max_delay: MIN_DELAY,
            sample_rate: 0.0,
        }
    }
}

impl Fdn {
    /// Allocates the lines for the longest lengths any parameters give at
    /// `fs` and clears the state.
    pub fn prepare(&mut self, fs: f64) {
        self.sample_rate = fs;
        for (b, ms) in self.base.iter_mut().zip(BASE_MS) {
            *b = ms * 1e-3 * fs;
        }
        let excursion_max = MAX_EXCURSION_MS * 1e-3 * fs;
        self.max_delay = (self.base[LINES - 1] * max_length_scale() + excursion_max).max(MIN_DELAY);
        // Room for the delay, the block being written and the read window.
        let size = (self.max_delay as usize + 2 * BLOCK + 2).next_power_of_two();
        if size != self.size {
            self.size = size;
            self.stride = size + BLOCK;
            self.buf = vec![0.0; LINES * self.stride];
        }
        self.set_scale(self.scale);
        self.excursion.set_ramp_ms(EXCURSION_GLIDE_MS, fs);
        for i in 0..LINES {
            let turn = 2.0 * PI * lfo_hz(i) * CELL as f64 / fs;
            self.lfo_turn[0][i] = cos(turn) as f32;
            self.lfo_turn[1][i] = sin(turn) as f32;
        }
        self.reset();
    }

    /// Whether [`prepare`](Self::prepare) ran.
    pub fn is_prepared(&self) -> bool {
        self.size > 0
    }

    /// Line lengths at the target scale, in samples (without modulation).
    pub fn target_lengths(&self) -> [f64; LINES] {
        self.base.map(|b| (b * self.scale).clamp(MIN_DELAY, self.max_delay))
    }

    /// Sets the length scale the lines glide to.
    pub fn set_scale(&mut self, scale: f64) {
        self.scale = scale;
        self.scaled = self.target_lengths().map(|d| d as f32);
    }

    /// Sets the modulation depth (peak excursion in samples) to glide to.
    pub fn set_excursion(&mut self, samples: f64) {
        self.excursion.set_target(samples);
    }

    /// Designs the absorption filters for the target lengths.
    pub fn set_decay(&mut self, decay: &Decay) {
        if !self.is_prepared() {
            return;
        }
        for (i, len) in self.target_lengths().into_iter().enumerate() {
            let [a, b] = decay.line_filter(len, self.sample_rate);
            self.filters[0].set(i, &a);
            self.filters[1].set(i, &b);
        }
    }

    /// Clears the lines and filters, restarts the LFOs and puts the lines
    /// at their target lengths. Never allocates.
    pub fn reset(&mut self) {
        self.buf.fill(0.0);
        self.state = State::default();
        self.excursion.snap();
        for i in 0..LINES {
            // Golden-ratio spaced start phases.
            let phase = 2.0 * PI * ((i as f64 * 0.618_034) % 1.0);
            self.lfo[0][i] = cos(phase) as f32;
            self.lfo[1][i] = sin(phase) as f32;
        }
        self.cell_end = self.targets(self.excursion.current() as f32);
        self.delay = self.cell_end;
        self.step = [0.0; LINES];
    }

    /// Delays for the target scale and `excursion` at the current LFO
    /// phases, within `MIN_DELAY..=max_delay`.
    #[inline(always)]
    fn targets(&self, excursion: f32) -> Lanes {
        let (low, high) = (MIN_DELAY as f32, self.max_delay as f32);
        core::array::from_fn(|i| {
            let d = self.scaled[i] + excursion * self.lfo[1][i];
            // Written so that a NaN would give `low`.
            let d = if d > low { d } else { low };
            if d < high { d } else { high }
        })
    }

    /// Starts a cell: advances the modulation by one cell and sets each
    /// line's delay to move linearly towards its new target, at most
    /// [`MAX_GLIDE_RATE`] samples per sample.
    #[inline(always)]
    fn begin_cell(&mut self) {
        let excursion = self.excursion.advance(CELL) as f32;
        let [c, s] = &mut self.lfo;
        let [tc, ts] = &self.lfo_turn;
        for i in 0..LINES {
            let (x, y) = (c[i] * tc[i] - s[i] * ts[i], c[i] * ts[i] + s[i] * tc[i]);
            // Keep the phasor on the unit circle (first-order correction).
            let k = 1.5 - 0.5 * (x * x + y * y);
            c[i] = x * k;
            s[i] = y * k;
        }
        let target = self.targets(excursion);
        let reach = MAX_GLIDE_RATE * CELL as f32;
        self.delay = self.cell_end;
        for (i, &target) in target.iter().enumerate() {
            let end = self.delay[i] + (target - self.delay[i]).clamp(-reach, reach);
            self.step[i] = (end - self.delay[i]) / CELL as f32;
            self.cell_end[i] = end;
        }
    }

    /// Runs the network over consecutive samples: `clock` is the stream
    /// position of the first; `input` feeds the lines (left, right), and
    /// `output` receives the late reverberation. Inlined into the caller's
    /// instruction-set variant (`W` as in `simd::Kernel::run`).
    #[inline(always)]
    pub fn run<const W: bool>(&mut self, clock: u64, input: [&[f32]; 2], output: [&mut [f32]; 2]) {
        let [in_l, in_r] = input;
        let [out_l, out_r] = output;
        let n = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
        let mut state = self.state;
        let mut start = 0;
        while start < n {
            let now = clock + start as u64;
            if now % CELL as u64 == 0 {
                self.begin_cell();
                state.flush();
            }
            let first = (now % BLOCK as u64) as usize;
            let len = (BLOCK - first).min(n - start);
            let block_start = (now - first as u64) as usize & (self.size - 1);
            if first == 0 {
                self.read_block::<W>(block_start);
            }
            let end = start + len;
            let x = [&in_l[start..end], &in_r[start..end]];
            self.run_rows::<W>(&mut state, first, len);
            let out = [&mut out_l[start..end], &mut out_r[start..end]];
            match x.map(<[f32; BLOCK]>::try_from) {
                // A whole block: its input as it comes.
                [Ok(xl), Ok(xr)] => self.write_block::<W>(block_start, 0, &[xl, xr], out),
                _ => {
                    // Part of a block: its input kept until the block ends.
                    for (saved, x) in self.inputs.iter_mut().zip(x) {
                        saved[first..first + len].copy_from_slice(x);
                    }
                    if first + len == BLOCK {
                        let inputs = self.inputs;
                        self.write_block::<W>(block_start, first, &inputs, out);
                    } else {
                        self.row_outputs::<W>(first, out);
                    }
                }
            }
            start = end;
        }
        self.state = state;
    }

    /// Fixes the block's integer delays `D` (for its middle sample, so
    /// that every sample's fraction `Δ = d − D` lies within 0.5 − 0.3 ..
    /// 1.5 + 0.3: `|step| ≤ 0.085`), sets the all-pass coefficients `η = (1 − Δ)/(1 + Δ)`
    /// at the block's first and last samples (linear between them; `|η| <
    /// 1` holds throughout, so the interpolator stays all-pass), advances
    /// the delays to the next block, and reads each line's window of
    /// `BLOCK + 1` samples into rows.
    #[inline(always)]
    fn read_block<const W: bool>(&mut self, block_start: usize) {
        let mask = (self.size - 1) as u32;
        let last = (BLOCK - 1) as f32;
        // D = round(d_mid − 1), through the float whose spacing is 1 at 2²³
        // (adding 2²³ rounds to an integer, exactly; its bits then count
        // it). d ≥ MIN_DELAY gives D ≥ BLOCK + 1; d < 2²² keeps it exact.
        const ONE_STEP: f32 = 8_388_608.0;
        let rounded: Lanes =
            core::array::from_fn(|i| (self.delay[i] + 0.5 * last * self.step[i] - 1.0) + ONE_STEP);
        let (mut eta, mut eta_step) = ([0.0f32; LINES], [0.0f32; LINES]);
        for (i, &rounded) in rounded.iter().enumerate() {
            let (d, step) = (self.delay[i], self.step[i]);
            let frac = d - (rounded - ONE_STEP);
            eta[i] = (1.0 - frac) / (1.0 + frac);
            let frac = frac + last * step;
            eta_step[i] = ((1.0 - frac) / (1.0 + frac) - eta[i]) * (1.0 / last);
            self.delay[i] = d + BLOCK as f32 * step;
        }
        for (k, row) in self.eta.iter_mut().enumerate() {
            for ((e, &step), &first) in row.iter_mut().zip(&eta_step).zip(&eta) {
                *e = mul_add::<W, f32>(k as f32, step, first);
            }
        }
        let offset = rounded.map(|r| {
            let whole = r.to_bits() - ONE_STEP.to_bits();
            (block_start as u32).wrapping_sub(whole + 1) & mask
        });
        let at: [usize; LINES] = core::array::from_fn(|i| i * self.stride + offset[i] as usize);
        // `at[i] + BLOCK < (i + 1) · stride`: each window lies in its line.
        #[cfg(target_arch = "x86_64")]
        if W {
            // SAFETY: `W` is only set in the variant compiled with AVX2
            // (see `simd::dispatch`), and every window lies in `buf`.
            unsafe { avx::read_rows(&self.buf, &at, &mut self.rows) };
            return;
        }
        for (i, &a) in at.iter().enumerate() {
            for (row, &v) in self.rows.iter_mut().zip(&self.buf[a..a + BLOCK + 1]) {
                row[i] = v;
            }
        }
    }

    /// Ends a block: transposes its filtered rows into 8 samples per
    /// line, mixes the lines by the matrix (the butterflies of
    /// [`hadamard`], in the same order, on whole lines), writes the outputs
    /// of rows `first..` (`output`), adds the block's input (`inputs`), and
    /// stores each line (and its mirror after the ring when the block is
    /// the ring's first).
    #[inline(always)]
    fn write_block<const W: bool>(
        &mut self,
        block_start: usize,
        first: usize,
        inputs: &[[f32; BLOCK]; 2],
        output: [&mut [f32]; 2],
    ) {
        let to = Destination {
            buf: &mut self.buf,
            stride: self.stride,
            at: block_start,
            mirror: (block_start == 0).then_some(self.size),
        };
        let [out_l, out_r] = output;
        if let (0, Some(l), Some(r)) =
            (first, out_l.first_chunk_mut::<BLOCK>(), out_r.first_chunk_mut::<BLOCK>())
        {
            mix_block::<W>(&self.filtered, inputs, to, [l, r]);
            return;
        }
        // The block's last rows only.
        let mut outputs = [[0.0f32; BLOCK]; 2];
        let [l, r] = &mut outputs;
        mix_block::<W>(&self.filtered, inputs, to, [l, r]);
        for (out, o) in [out_l, out_r].into_iter().zip(&outputs) {
            for (out, &o) in out.iter_mut().zip(&o[first..]) {
                *out = o;
            }
        }
    }

    /// The outputs of rows `first..` of a block not finished yet: the
    /// first two entries of each row mixed by the matrix.
    #[inline(always)]
    fn row_outputs<const W: bool>(&self, first: usize, output: [&mut [f32]; 2]) {
        let [out_l, out_r] = output;
        for ((ol, or), row) in out_l.iter_mut().zip(out_r.iter_mut()).zip(&self.filtered[first..]) {
            let mut r = *row;
            hadamard::<W>(&mut r);
            *ol = OUTPUT_GAIN * r[0];
            *or = OUTPUT_GAIN * r[1];
        }
    }

    /// The per-sample recursion over rows `first..first + len` of the
    /// current block: all-pass interpolation and absorption filters.
    #[inline(always)]
    fn run_rows<const W: bool>(&mut self, state: &mut State, first: usize, len: usize) {
        let (mut interp, mut filter_state) = (state.interp, state.filters);
        let reads = self.rows[first..].windows(2).zip(&self.eta[first..]);
        for (filtered, (window, eta)) in self.filtered[first..first + len].iter_mut().zip(reads) {
            let (older, newer, eta) = (window[0], window[1], *eta);
            // First-order all-pass interpolation of the fraction:
            // y = η (x[n−D] − y[n−1]) + x[n−D−1], the recursive term last.
            let mut r = [0.0f32; LINES];
            for i in 0..LINES {
                r[i] = mul_add::<W, f32>(
                    -eta[i],
                    interp[i],
                    mul_add::<W, f32>(eta[i], newer[i], older[i]),
                );
            }
            interp = r;
            for (f, s) in self.filters.iter().zip(filter_state.iter_mut()) {
                f.tick::<W>(s, &mut r);
            }
            *filtered = r;
        }
        (state.interp, state.filters) = (interp, filter_state);
    }
}

/// Where a finished block's lines go: line `i`'s 8 samples at
/// `buf[i · stride + at..]`, and at `buf[i · stride + mirror..]` too if
/// given.
struct Destination<'a> {
    buf: &'a mut [f32],
    stride: usize,
    at: usize,
    mirror: Option<usize>,
}

impl Destination<'_> {
    /// Whether every line's target lies in `buf`.
    fn fits(&self) -> bool {
        let end = self.at.max(self.mirror.unwrap_or(0)) + BLOCK;
        end <= self.stride && self.stride.checked_mul(LINES).is_some_and(|n| n <= self.buf.len())
    }
}

/// Mixes a block's rows of filtered samples by the matrix as lines (8
/// samples of one line each), adds the input and stores the lines (`to`),
/// and writes the outputs (left, right) at each sample. The butterflies
/// are those of [`hadamard`] in the same order, on whole lines.
#[inline(always)]
fn mix_block<const W: bool>(
    rows: &[Lanes; BLOCK],
    inputs: &[[f32; BLOCK]; 2],
    to: Destination<'_>,
    outputs: [&mut [f32; BLOCK]; 2],
) {
    if !to.fits() {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if W {
        // SAFETY: `W` is only set in the variant compiled with AVX2 and
        // FMA (see `simd::dispatch`), and `to` fits in its buffer.
        unsafe { avx::mix_block(rows, inputs, to, outputs) };
        return;
    }
    let mut lines: [[f32; BLOCK]; LINES] = core::array::from_fn(|i| rows.map(|r| r[i]));
    for h in [8, 4, 2, 1] {
        for j in (0..LINES).filter(|j| j & h == 0) {
            let (a, b) = (lines[j], lines[j | h]);
            lines[j] = core::array::from_fn(|k| a[k] + b[k]);
            lines[j | h] = core::array::from_fn(|k| a[k] - b[k]);
        }
    }
    for (out, line) in outputs.into_iter().zip(&lines) {
        *out = line.map(|v| OUTPUT_GAIN * v);
    }
    let [xl, xr] = inputs;
    for (i, (line, dst)) in lines.iter_mut().zip(to.buf.chunks_exact_mut(to.stride)).enumerate() {
        for ((v, &xl), &xr) in line.iter_mut().zip(xl).zip(xr) {
            let w =
                mul_add::<W, f32>(INJECT_LEFT[i], xl, mul_add::<W, f32>(INJECT_RIGHT[i], xr, *v));
            *v = (w + FLUSH) - FLUSH;
        }
        for at in core::iter::once(to.at).chain(to.mirror) {
            dst[at..at + BLOCK].copy_from_slice(line);
        }
    }
}

/// The block transposes with AVX (8 lines × 8 samples per transpose).
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{BLOCK, Destination, FLUSH, INJECT_LEFT, INJECT_RIGHT, LINES, Lanes, OUTPUT_GAIN};
    use core::arch::x86_64::*;

    /// The unnormalised 16-point Hadamard transform on two vectors: the
    /// butterfly on index bit 3 across them, then on bits 2, 1 and 0 within
    /// each, as `y = s ⊙ x + permute(x)` with `s = ±1` per lane (exact, as
    /// the portable `x[j] ± x[j ^ h]`).
    ///
    /// # Safety
    /// The CPU has AVX and FMA.
    #[inline(always)]
    pub unsafe fn hadamard(x: &mut Lanes) {
        // SAFETY: loads and stores read and write the 16 floats of `x`;
        // AVX and FMA are present by the contract.
        unsafe {
            let a = _mm256_loadu_ps(x.as_ptr());
            let b = _mm256_loadu_ps(x.as_ptr().add(8));
            let (mut a, mut b) = (_mm256_add_ps(a, b), _mm256_sub_ps(a, b));
            let s4 = _mm256_setr_ps(1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0);
            let s2 = _mm256_setr_ps(1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0);
            let s1 = _mm256_setr_ps(1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0);
            a = _mm256_fmadd_ps(s4, a, _mm256_permute2f128_ps::<0x01>(a, a));
            b = _mm256_fmadd_ps(s4, b, _mm256_permute2f128_ps::<0x01>(b, b));
            a = _mm256_fmadd_ps(s2, a, _mm256_permute_ps::<0b01_00_11_10>(a));
            b = _mm256_fmadd_ps(s2, b, _mm256_permute_ps::<0b01_00_11_10>(b));
            a = _mm256_fmadd_ps(s1, a, _mm256_permute_ps::<0b10_11_00_01>(a));
            b = _mm256_fmadd_ps(s1, b, _mm256_permute_ps::<0b10_11_00_01>(b));
            _mm256_storeu_ps(x.as_mut_ptr(), a);
            _mm256_storeu_ps(x.as_mut_ptr().add(8), b);
        }
    }

    /// The butterfly stage on index bit `H` across 16 vectors (as
    /// [`super::butterfly`] across lanes).
    ///
    /// # Safety
    /// The CPU has AVX.
    #[inline(always)]
    unsafe fn butterfly<const H: usize>(l: &mut [__m256; LINES]) {
        for j in 0..LINES {
            if j & H == 0 {
                let (a, b) = (l[j], l[j | H]);
                // SAFETY: AVX is present (the caller's contract).
                (l[j], l[j | H]) = unsafe { (_mm256_add_ps(a, b), _mm256_sub_ps(a, b)) };
            }
        }
    }

    /// Transposes the 8×8 block whose row `m` is the 8 floats at
    /// `rows[m]`: vector `c` of the result holds element `c` of every row.
    /// Rows `m` and `m + 4` are loaded into the two 128-bit halves of one
    /// vector, so that the transpose stays within the halves (four unpacks
    /// and four shuffles per four elements).
    ///
    /// # Safety
    /// The CPU has AVX, and each pointer can be read for 8 floats.
    #[inline(always)]
    unsafe fn transpose(rows: [*const f32; 8]) -> [__m256; 8] {
        // SAFETY: the loads read the first and last four floats of each
        // row, within them by the contract; AVX is present.
        unsafe {
            let pair = |m: usize, at: usize| {
                let low = _mm256_castps128_ps256(_mm_loadu_ps(rows[m].add(at)));
                _mm256_insertf128_ps::<1>(low, _mm_loadu_ps(rows[m + 4].add(at)))
            };
            let mut result = [_mm256_setzero_ps(); 8];
            for at in [0, 4] {
                // Elements at..at + 4 of rows 0..4 (low halves), 4..8 (high).
                let (t0, t1, t2, t3) = (pair(0, at), pair(1, at), pair(2, at), pair(3, at));
                let a = _mm256_unpacklo_ps(t0, t1); // r0e0 r1e0 r0e1 r1e1
                let b = _mm256_unpackhi_ps(t0, t1); // r0e2 r1e2 r0e3 r1e3
                let c = _mm256_unpacklo_ps(t2, t3); // r2e0 r3e0 r2e1 r3e1
                let d = _mm256_unpackhi_ps(t2, t3); // r2e2 r3e2 r2e3 r3e3
                result[at] = _mm256_shuffle_ps::<0x44>(a, c);
                result[at + 1] = _mm256_shuffle_ps::<0xEE>(a, c);
                result[at + 2] = _mm256_shuffle_ps::<0x44>(b, d);
                result[at + 3] = _mm256_shuffle_ps::<0xEE>(b, d);
            }
            result
        }
    }

    /// Reads the windows `buf[at[i]..at[i] + 9]` into rows:
    /// `rows[k][i] = buf[at[i] + k]`.
    ///
    /// # Safety
    /// The CPU has AVX, and `at[i] + BLOCK < buf.len()` for every line.
    #[inline(always)]
    pub unsafe fn read_rows(buf: &[f32], at: &[usize; LINES], rows: &mut [Lanes; BLOCK + 1]) {
        for half in 0..2 {
            // SAFETY: each load reads buf[at[i] .. at[i] + 8], within `buf`
            // by the contract; AVX is present.
            unsafe {
                let p = buf.as_ptr();
                let lines = core::array::from_fn(|j| p.add(at[8 * half + j]));
                for (k, v) in transpose(lines).into_iter().enumerate() {
                    _mm256_storeu_ps(rows[k].as_mut_ptr().add(8 * half), v);
                }
            }
        }
        // The last row, gathered in registers and stored whole (a vector
        // load of scalar stores would wait for them to reach the cache).
        for half in 0..2 {
            // SAFETY: `a + BLOCK < buf.len()` for every window by the
            // contract, and the store writes rows[BLOCK][8h..8h + 8]; AVX
            // is present.
            unsafe {
                let x = |j: usize| *buf.as_ptr().add(at[8 * half + j] + BLOCK);
                let v = _mm256_setr_ps(x(0), x(1), x(2), x(3), x(4), x(5), x(6), x(7));
                _mm256_storeu_ps(rows[BLOCK].as_mut_ptr().add(8 * half), v);
            }
        }
    }

    /// [`mix_block`](super::mix_block) with the lines in vectors of 8
    /// samples: two 8×8 transposes, then the butterflies, outputs and
    /// input without a shuffle, and the lines stored from the registers.
    ///
    /// # Safety
    /// The CPU has AVX and FMA, and `to` fits in its buffer
    /// ([`Destination::fits`]).
    #[inline(always)]
    pub unsafe fn mix_block(
        rows: &[Lanes; BLOCK],
        inputs: &[[f32; BLOCK]; 2],
        to: Destination<'_>,
        outputs: [&mut [f32; BLOCK]; 2],
    ) {
        // SAFETY: loads read rows[k][8h..8h + 8] and the inputs; stores
        // write the outputs and, for line i, buf[i · stride + at..][..8]
        // (and the mirror), within `buf` as `to` fits; AVX and FMA are
        // present by the contract.
        unsafe {
            let half = |h: usize| transpose(core::array::from_fn(|k| rows[k].as_ptr().add(8 * h)));
            let [low, high] = [half(0), half(1)];
            let mut l: [__m256; LINES] =
                core::array::from_fn(|i| if i < 8 { low[i] } else { high[i - 8] });
            butterfly::<8>(&mut l);
            butterfly::<4>(&mut l);
            butterfly::<2>(&mut l);
            butterfly::<1>(&mut l);
            let gain = _mm256_set1_ps(OUTPUT_GAIN);
            _mm256_storeu_ps(outputs[0].as_mut_ptr(), _mm256_mul_ps(gain, l[0]));
            _mm256_storeu_ps(outputs[1].as_mut_ptr(), _mm256_mul_ps(gain, l[1]));
            let xl = _mm256_loadu_ps(inputs[0].as_ptr());
            let xr = _mm256_loadu_ps(inputs[1].as_ptr());
            let flush = _mm256_set1_ps(FLUSH);
            let buf = to.buf.as_mut_ptr();
            for (i, v) in l.into_iter().enumerate() {
                let v = _mm256_fmadd_ps(_mm256_set1_ps(INJECT_RIGHT[i]), xr, v);
                let v = _mm256_fmadd_ps(_mm256_set1_ps(INJECT_LEFT[i]), xl, v);
                let v = _mm256_sub_ps(_mm256_add_ps(v, flush), flush);
                let line = buf.add(i * to.stride);
                _mm256_storeu_ps(line.add(to.at), v);
                if let Some(m) = to.mirror {
                    _mm256_storeu_ps(line.add(m), v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{Kernel, dispatch};

    /// The Hadamard butterflies (portable and dispatched) give the
    /// Sylvester matrix; scaled by 1/4 it is orthonormal.
    #[test]
    fn matrix_is_the_sylvester_hadamard() {
        struct Column(usize);
        impl Kernel for Column {
            type Output = Lanes;
            #[inline(always)]
            unsafe fn run<const W: bool>(self) -> Lanes {
                let mut x = [0.0f32; LINES];
                x[self.0] = 1.0;
                hadamard::<W>(&mut x);
                x
            }
        }
        for k in 0..LINES {
            let mut x = [0.0f32; LINES];
            x[k] = 1.0;
            hadamard::<false>(&mut x);
            // Column k of H/4: entry j is (−1)^popcount(j & k) / 4.
            assert_eq!(x.map(|v| 0.25 * v), hadamard_row(k));
            assert_eq!(dispatch(Column(k)), x);
        }
    }
}
