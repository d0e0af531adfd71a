//! Saturation: a static waveshaper run at 2, 4 or 8 times the sample rate
//! (half-band [`Oversampler`]) so that the harmonics it makes above Nyquist
//! are filtered out instead of folding back, with the dry signal delayed by
//! the same latency for the mix.

use alloc::vec;
use alloc::vec::Vec;

use super::oversample::{CHUNK, Oversampler};
use crate::buffer::sanitize;
use crate::error::Error;
use crate::filters::tpt_coef;
use crate::math::{db_to_gain, flush_denormal};
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Blocks, dispatch_blocks, mul_add};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Bias of the tape curve: `tanh` shifted by this much along its input
/// (which makes it asymmetric and gives even harmonics).
pub const TAPE_BIAS: f32 = 0.15;
/// Cutoff of the DC blocker after the tape curve, in Hz.
pub const TAPE_DC_HZ: f64 = 10.0;
/// Largest magnitude let into the oversampler (keeps absurd input finite).
const INPUT_LIMIT: f32 = 1e15;
/// Length of the dry delay ring: a chunk (a power of two above the
/// largest latency).
const DRY_RING: usize = CHUNK;

/// The shaping curve of [`Saturation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaturationMode {
    /// Cubic soft clip: `x - 4x³/27` up to `|x| = 1.5`, then ±1 (unit slope
    /// at 0, reaches the ceiling with zero slope).
    #[default]
    SoftClip,
    /// Hyperbolic tangent.
    Tanh,
    /// Asymmetric tape-style curve: `(tanh(x + b) - tanh b) / (1 - tanh² b)`
    /// with `b` = [`TAPE_BIAS`]: unit slope at 0, a lower ceiling for
    /// positive than for negative swings (even harmonics); the DC it makes
    /// is removed by a 10 Hz high-pass.
    Tape,
}

crate::named_choices!(SaturationMode, "saturation mode" {
    SoftClip = "soft_clip", Tanh = "tanh", Tape = "tape",
});

/// Oversampling factor of [`Saturation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Oversampling {
    /// None: the curve at the sample rate (no latency, cheapest; its
    /// harmonics above Nyquist fold back).
    X1,
    /// Twice the sample rate (one half-band stage, 59 samples latency).
    X2,
    /// Four times (two stages, 69 samples latency).
    #[default]
    X4,
    /// Eight times (three stages, 72 samples latency).
    X8,
}

crate::named_choices!(Oversampling, "oversampling" { X1 = "1x", X2 = "2x", X4 = "4x", X8 = "8x" });

impl Oversampling {
    /// Number of 2x stages.
    pub fn stages(self) -> usize {
        match self {
            Self::X1 => 0,
            Self::X2 => 1,
            Self::X4 => 2,
            Self::X8 => 3,
        }
    }
}

crate::declare_params! {
    Saturation, SATURATION_KIND = "saturation", "Saturation", Caps::PLAIN.latency(),
        "Saturation: drive_db into a static curve (soft_clip, tanh or an asymmetric tape \
         curve) run at 2x, 4x or 8x the sample rate between linear-phase half-band filters, \
         so that harmonics above Nyquist do not fold back (or at 1x, without filters: no \
         latency, but aliasing); then output_db, mixed with the dry signal delayed by the \
         filters' latency (0, 59, 69 or 72 samples).";
    DRIVE_DB = ParamInfo::float("drive_db", -24.0, 48.0, 6.0, "dB", "Gain into the curve")
        .smoothed(DEFAULT_SMOOTHING_MS) => drive_db, set_drive_db;
    MODE = ParamInfo::choice("mode", SaturationMode::CHOICES, 0,
        "Curve: soft_clip, tanh or tape (asymmetric, even harmonics); changes at once")
        => mode, set_mode;
    OVERSAMPLING = ParamInfo::choice("oversampling", Oversampling::CHOICES, 2,
        "Oversampling factor (1x: none); a change clears the filters and changes the latency")
        => oversampling, set_oversampling;
    OUTPUT_DB = ParamInfo::float("output_db", -48.0, 24.0, 0.0, "dB", "Gain after the curve")
        .smoothed(DEFAULT_SMOOTHING_MS) => output_db, set_output_db;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 1.0, "",
        "Wet proportion from 0 (dry, delayed by the latency) to 1 (wet only)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
}

/// One channel's oversampler, DC blocker and dry delay.
#[derive(Debug, Clone)]
struct Voice {
    over: Oversampler,
    /// The DC blocker's state (that of a [`TptOnePole`](crate::filters::TptOnePole) high pass).
    dc: f32,
    dry: [f32; DRY_RING],
    /// The wet signal of the chunk in progress.
    wet: [f32; CHUNK],
}

/// An oversampled waveshaper on any number of channels.
///
/// Per sample: `w = curve(drive · x)` computed at the oversampled rate
/// (upsampled by the half-band stages, shaped, downsampled), then
/// `y = (1 - mix) · x[n - L] + mix · output · w`, with `L` =
/// [`latency`](Processor::latency) so that the dry and wet paths line up.
/// Drive, output and mix glide over 20 ms. The anti-aliasing, measured with
/// a full-scale 5 kHz sine at 44.1 kHz through the soft clip at 12 dB drive:
/// the largest aliased component measures -17 dB (1x: no oversampling),
/// -46 dB (2x), -66 dB (4x) and -86 dB (8x) relative to the fundamental.
#[derive(Debug, Clone)]
pub struct Saturation {
    drive_db: f64,
    mode: SaturationMode,
    oversampling: Oversampling,
    output_db: f64,
    mix: f64,
    sample_rate: f64,
    drive: LinearSmoother,
    output: LinearSmoother,
    wet: LinearSmoother,
    dc_coef: f32,
    /// Position of the next write in every channel's dry ring.
    write: usize,
    voices: Vec<Voice>,
    nonfinite: u64,
}

impl Default for Saturation {
    /// Soft clip at 6 dB drive, 4x, output 0 dB, mix 1.
    fn default() -> Self {
        Self::new(6.0, SaturationMode::SoftClip).expect("valid defaults")
    }
}

impl Saturation {
    /// A saturator with the given drive and curve (4x, output 0 dB, mix 1);
    /// the drive is checked as by its setter.
    pub fn new(drive_db: f64, mode: SaturationMode) -> Result<Self, Error> {
        let mut s = Self {
            drive_db: 0.0,
            mode,
            oversampling: Oversampling::X4,
            output_db: 0.0,
            mix: 1.0,
            sample_rate: 48_000.0,
            drive: LinearSmoother::new(1.0),
            output: LinearSmoother::new(1.0),
            wet: LinearSmoother::new(1.0),
            dc_coef: tpt_coef(TAPE_DC_HZ, 48_000.0) as f32,
            write: 0,
            voices: Vec::new(),
            nonfinite: 0,
        };
        s.set_drive_db(drive_db)?;
        s.snap();
        Ok(s)
    }

    /// Drive in dB.
    pub fn drive_db(&self) -> f64 {
        self.drive_db
    }

    /// Sets the drive (glides over 20 ms).
    pub fn set_drive_db(&mut self, db: f64) -> Result<(), Error> {
        self.drive_db = Self::DRIVE_DB.check(db)?;
        self.drive.set_target(db_to_gain(self.drive_db));
        Ok(())
    }

    /// The curve.
    pub fn mode(&self) -> SaturationMode {
        self.mode
    }

    /// Sets the curve (at once).
    pub fn set_mode(&mut self, mode: SaturationMode) {
        self.mode = mode;
    }

    /// The oversampling factor.
    pub fn oversampling(&self) -> Oversampling {
        self.oversampling
    }

    /// Sets the oversampling factor: clears the filters (a short gap in
    /// the wet signal) and changes the latency. Never allocates.
    pub fn set_oversampling(&mut self, oversampling: Oversampling) {
        if oversampling != self.oversampling {
            self.oversampling = oversampling;
            for v in &mut self.voices {
                v.over.set_stages(oversampling.stages());
            }
        }
    }

    /// Output gain in dB.
    pub fn output_db(&self) -> f64 {
        self.output_db
    }

    /// Sets the output gain (glides over 20 ms).
    pub fn set_output_db(&mut self, db: f64) -> Result<(), Error> {
        self.output_db = Self::OUTPUT_DB.check(db)?;
        self.output.set_target(db_to_gain(self.output_db));
        Ok(())
    }

    /// Wet proportion.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = Self::MIX.check(mix)?;
        self.wet.set_target(self.mix);
        Ok(())
    }

    fn smoothers(&mut self) -> [&mut LinearSmoother; 3] {
        [&mut self.drive, &mut self.output, &mut self.wet]
    }

    fn snap(&mut self) {
        self.smoothers().into_iter().for_each(LinearSmoother::snap);
    }

    /// The static curve of `mode` at `x` (what the processor applies to the
    /// driven signal, before filtering).
    pub fn curve(mode: SaturationMode, x: f32) -> f32 {
        match mode {
            SaturationMode::SoftClip => {
                let x = x.clamp(-1.5, 1.5);
                x - (4.0 / 27.0) * x * x * x
            }
            SaturationMode::Tanh => tanh(x),
            SaturationMode::Tape => {
                let t = tanh(TAPE_BIAS);
                (tanh(x + TAPE_BIAS) - t) / (1.0 - t * t)
            }
        }
    }
}

/// `tanh` in `f32`, relative error below 3e-7 (measured against `f64` in
/// the tests) and exactly odd, in straight-line code (`libm::tanhf` is a
/// call per sample): below 0.75 in magnitude, Lambert's
/// continued fraction to four terms, `x·(945 + 105x² + x⁴) / (945 + 420x² +
/// 15x⁴)`; above, `1 - 2 / (e^(2|x|) + 1)`, with the exponential from its
/// exponent bits and the Taylor series of the rest (within ±1/2 octave)
/// to the 7th power.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let y = a * a;
    let small = a * (945.0 + y * (105.0 + y)) / (945.0 + y * (420.0 + 15.0 * y));
    // e^(2a) = 2^t, t = i + r, |r| <= 1/2 (capped where tanh is 1 in f32).
    // Adding 1.5·2^23 rounds t to the whole i (the float's spacing there
    // is 1) and leaves i in the low bits: no saturating float-to-int
    // conversion (a sequence of compares and moves).
    const ROUND: f32 = 12_582_912.0;
    let t = (a * (2.0 * core::f32::consts::LOG2_E)).min(126.0);
    let shifted = t + ROUND;
    let r = (t - (shifted - ROUND)) * core::f32::consts::LN_2;
    let i = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    // Horner from the 7th power down, over an array (which unrolls; an
    // inclusive range stays a loop and keeps the caller from vectorising).
    let mut p = 1.0;
    for k in [7.0f32, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0] {
        p = 1.0 + r * p * (1.0 / k);
    }
    let e = p * f32::from_bits((i + 127) << 23);
    let large = 1.0 - 2.0 / (e + 1.0);
    (if a < 0.75 { small } else { large }).copysign(x)
}

/// Applies `f` to every sample of `block`, eight at a time in fixed-size
/// arrays (which the compiler turns into vector lanes), the rest one by one.
#[inline(always)]
fn map_lanes(block: &mut [f32], f: impl Fn(f32) -> f32) {
    let mut chunks = block.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut a = [0.0f32; 8];
        a.copy_from_slice(c);
        for v in &mut a {
            *v = f(*v);
        }
        c.copy_from_slice(&a);
    }
    chunks.into_remainder().iter_mut().for_each(|v| *v = f(*v));
}

/// Applies the curve of `mode` to a block (the match outside the loop).
#[inline(always)]
fn shape(mode: SaturationMode, block: &mut [f32]) {
    match mode {
        SaturationMode::SoftClip => {
            map_lanes(block, |v| Saturation::curve(SaturationMode::SoftClip, v))
        }
        SaturationMode::Tanh => map_lanes(block, tanh),
        SaturationMode::Tape => {
            let t = tanh(TAPE_BIAS);
            let s = 1.0 / (1.0 - t * t);
            map_lanes(block, |v| (tanh(v + TAPE_BIAS) - t) * s);
        }
    }
}

/// The DC blockers ([`TptOnePole::high_pass`](crate::filters::TptOnePole::high_pass))
/// of `L` voices over the first `n` samples of their `wet`, the voices'
/// recursions interleaved (so that they overlap) and their terms regrouped
/// so that one multiply-add lies on each state's path: `s ← (1 - 2g)·s +
/// 2g·x`, output `(1 - g)·(x - s)`, written back to `wet` if `TAPE` (else
/// only the states advance).
#[inline(always)]
fn dc_block<const W: bool, const L: usize, const TAPE: bool>(vs: &mut [Voice], n: usize, g: f32) {
    let (a, b, c) = (1.0 - 2.0 * g, 2.0 * g, 1.0 - g);
    let vs = &mut vs[..L];
    let mut st: [f32; L] = core::array::from_fn(|k| vs[k].dc);
    for i in 0..n {
        for k in 0..L {
            let x = vs[k].wet[i];
            if TAPE {
                vs[k].wet[i] = c * (x - st[k]);
            }
            st[k] = mul_add::<W, f32>(a, st[k], b * x);
        }
    }
    for (v, s) in vs.iter_mut().zip(st) {
        v.dc = flush_denormal(s);
    }
}

/// [`dc_block`] over every voice, two at a time.
#[inline(always)]
fn dc_blocks<const W: bool, const TAPE: bool>(voices: &mut [Voice], n: usize, g: f32) {
    let mut pairs = voices.chunks_exact_mut(2);
    for p in &mut pairs {
        dc_block::<W, 2, TAPE>(p, n, g);
    }
    let rest = pairs.into_remainder();
    if !rest.is_empty() {
        dc_block::<W, 1, TAPE>(rest, n, g);
    }
}

/// The processing of a block, compiled per instruction set.
impl Blocks for Saturation {
    #[inline(always)]
    fn blocks<const W: bool>(&mut self, channels: &mut [&mut [f32]]) {
        let s = self;
        let len = channels.first().map_or(0, |c| c.len());
        let latency = s.latency();
        let (mode, g) = (s.mode, s.dc_coef);
        let (mut drive, mut out, mut mix) = ([0.0f32; CHUNK], [0.0f32; CHUNK], [0.0f32; CHUNK]);
        let mut start = 0;
        while start < len {
            let n = (len - start).min(CHUNK);
            for (values, smoother) in
                [(&mut drive, &mut s.drive), (&mut out, &mut s.output), (&mut mix, &mut s.wet)]
            {
                if smoother.is_smoothing() {
                    values[..n].iter_mut().for_each(|v| *v = smoother.next() as f32);
                } else {
                    values.fill(smoother.current() as f32);
                }
            }
            for (ch, v) in channels.iter().zip(s.voices.iter_mut()) {
                for (w, &x) in v.wet[..n].iter_mut().zip(&ch[start..start + n]) {
                    *w = x.clamp(-INPUT_LIMIT, INPUT_LIMIT);
                }
                for (w, d) in v.wet[..n].iter_mut().zip(&drive[..n]) {
                    *w *= d;
                }
                v.over.process_with::<W>(&mut v.wet[..n], |b| shape(mode, b));
            }
            // The DC blocker runs in every mode (so that it is settled when
            // tape is chosen) but only tape uses its output.
            let voices = &mut s.voices[..channels.len()];
            if mode == SaturationMode::Tape {
                dc_blocks::<W, true>(voices, n, g);
            } else {
                dc_blocks::<W, false>(voices, n, g);
            }
            for (ch, v) in channels.iter_mut().zip(s.voices.iter_mut()) {
                let x = &mut ch[start..start + n];
                let wet = &v.wet;
                if latency == 0 {
                    // The dry ring still records the input (for a later
                    // change of factor); the dry signal is the input itself.
                    let first = (DRY_RING - s.write).min(n);
                    v.dry[s.write..s.write + first].copy_from_slice(&x[..first]);
                    v.dry[..n - first].copy_from_slice(&x[first..]);
                    for i in 0..n {
                        x[i] += mix[i] * (wet[i] * out[i] - x[i]);
                    }
                    continue;
                }
                for (i, w) in (s.write..s.write + n).enumerate() {
                    v.dry[w % DRY_RING] = x[i];
                    let dry = v.dry[(w + DRY_RING - latency) % DRY_RING];
                    x[i] = dry + mix[i] * (wet[i] * out[i] - dry);
                }
            }
            s.write = (s.write + n) % DRY_RING;
            start += n;
        }
    }
}

impl Processor for Saturation {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        for s in self.smoothers() {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        self.dc_coef = tpt_coef(TAPE_DC_HZ, spec.sample_rate) as f32;
        let voice = Voice {
            over: Oversampler::new(self.oversampling.stages()),
            dc: 0.0,
            dry: [0.0; DRY_RING],
            wet: [0.0; CHUNK],
        };
        self.voices = vec![voice; spec.channels];
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.snap();
        self.write = 0;
        for v in &mut self.voices {
            v.over.reset();
            v.dc = 0.0;
            v.dry = [0.0; DRY_RING];
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        if channels.len() > self.voices.len() {
            return; // not prepared for these channels
        }
        dispatch_blocks(self, channels);
    }

    fn latency(&self) -> usize {
        Oversampler::latency_of(self.oversampling.stages())
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;
    const FACTORS: [Oversampling; 4] =
        [Oversampling::X1, Oversampling::X2, Oversampling::X4, Oversampling::X8];

    fn run(s: &mut Saturation, fs: f64, x: &[f32]) -> Vec<f32> {
        s.prepare(&ProcessSpec::new(fs, 512, 1)).unwrap();
        let mut y = x.to_vec();
        crate::processor::process_in_blocks(s, &mut [&mut y], 512);
        y
    }

    fn make(drive_db: f64, mode: SaturationMode, os: Oversampling, mix: f64) -> Saturation {
        let mut s = Saturation::new(drive_db, mode).unwrap();
        s.set_oversampling(os);
        s.set_mix(mix).unwrap();
        s
    }

    /// A small impulse through the wet path at 0 dB drive (where every
    /// curve has unit slope) comes out with unit DC gain, centred exactly
    /// `latency()` samples late.
    #[test]
    fn latency_is_the_impulse_delay() {
        for os in FACTORS {
            for mode in [SaturationMode::SoftClip, SaturationMode::Tanh] {
                let mut s = make(0.0, mode, os, 1.0);
                let mut x = std::vec![0.0f32; 2048];
                x[300] = 0.01;
                let y = run(&mut s, FS, &x);
                let peak = (0..y.len()).max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs()));
                assert_eq!(peak, Some(300 + s.latency()), "{os:?}");
                // Unity gain at DC (the band-limited impulse spreads a little).
                let sum: f32 = y.iter().sum();
                assert!((sum - 0.01).abs() < 1e-5, "{os:?}: {sum}");
            }
        }
        assert_eq!(
            FACTORS.map(|o| make(0.0, SaturationMode::Tanh, o, 1.0).latency()),
            [0, 59, 69, 72]
        );
    }

    /// Mix 0.5 of a quiet tone at 0 dB drive (a linear wet path): the dry
    /// path is delayed as the wet one, so the sum keeps the tone's level at
    /// every frequency; an undelayed dry path would notch at odd multiples
    /// of fs / (2·latency) (about 400 Hz and 1.2 kHz at 4x).
    #[test]
    fn mix_does_not_comb_filter() {
        for os in &FACTORS[1..] {
            let os = *os;
            let mut s = make(0.0, SaturationMode::Tanh, os, 0.5);
            let notch = FS / (2.0 * s.latency() as f64);
            for f in [50.0, notch, 3.0 * notch, 5.0 * notch, 1000.0, 5000.0, 15_000.0] {
                let x = sine(f, FS, 24_000, 0.01);
                let y = run(&mut s, FS, &x);
                let db = 20.0 * libm::log10(rms(&y[4000..]) / rms(&x[4000..]));
                assert!(db.abs() < 0.05, "{os:?} at {f} Hz: {db} dB");
            }
        }
    }

    /// Level of every DFT bin of one period (441 samples, bins 100 Hz
    /// apart) of the steady output for a full-scale 5 kHz sine at 44.1 kHz
    /// through the soft clip at 12 dB drive: the largest bin that is not a
    /// harmonic of 5 kHz, relative to the fundamental, in dB.
    fn worst_alias_db(os: Oversampling, mode: SaturationMode, drive_db: f64) -> f64 {
        let fs = 44_100.0;
        let mut s = make(drive_db, mode, os, 1.0);
        let y = run(&mut s, fs, &sine(5000.0, fs, 44_100, 1.0));
        let period = &y[y.len() - 441..];
        let bin = |k: usize| {
            let w = 2.0 * core::f64::consts::PI * k as f64 / 441.0;
            let (mut re, mut im) = (0.0, 0.0);
            for (n, &v) in period.iter().enumerate() {
                re += v as f64 * libm::cos(w * n as f64);
                im -= v as f64 * libm::sin(w * n as f64);
            }
            libm::sqrt(re * re + im * im)
        };
        let fundamental = bin(50);
        let worst = (1..=220).filter(|k| k % 50 != 0).map(bin).fold(0.0, f64::max);
        20.0 * libm::log10(worst / fundamental)
    }

    #[test]
    fn aliasing_stays_below_80_db_at_8x() {
        let levels = FACTORS.map(|os| worst_alias_db(os, SaturationMode::SoftClip, 12.0));
        std::println!("worst alias (1x, 2x, 4x, 8x): {levels:?} dB");
        assert!(levels[3] < -80.0, "{levels:?}");
        assert!(levels.windows(2).all(|w| w[0] > w[1]), "{levels:?}");
    }

    /// A slow sine's transfer is the static curve: each output sample is the
    /// curve at the input `latency()` samples earlier.
    #[test]
    fn slow_sine_follows_the_static_curve() {
        for mode in [SaturationMode::SoftClip, SaturationMode::Tanh] {
            let mut s = make(0.0, mode, Oversampling::X4, 1.0);
            let x = sine(50.0, FS, 9_600, 3.0);
            let y = run(&mut s, FS, &x);
            let l = s.latency();
            let err = (0..x.len() - l)
                .map(|n| (y[n + l] - Saturation::curve(mode, x[n])).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 1e-3, "{mode:?}: {err}");
            let top = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!((top - Saturation::curve(mode, 3.0)).abs() < 2e-3, "{mode:?}: top {top}");
        }
        // Soft clip: unit slope, 1 at 1.5 and beyond.
        let c = |x| Saturation::curve(SaturationMode::SoftClip, x);
        assert_eq!((c(0.0), c(1.5), c(7.0), c(-7.0)), (0.0, 1.0, 1.0, -1.0));
        assert!((c(1e-3) - 1e-3).abs() < 1e-9);
    }

    /// The tape curve is asymmetric: positive swings reach less than
    /// negative ones, and a 1 kHz tone gains a second harmonic; its DC is
    /// removed.
    #[test]
    fn tape_adds_even_harmonics_and_no_dc() {
        let mut s = make(6.0, SaturationMode::Tape, Oversampling::X4, 1.0);
        let x = sine(1000.0, FS, 48_000, 0.5);
        let y = run(&mut s, FS, &x);
        let tail = &y[24_000..];
        let h = |k: f64| dft_db(tail, 1000.0 * k, FS);
        let (h1, h2, h3) = (h(1.0), h(2.0), h(3.0));
        std::println!("tape at 6 dB: H2 {:.1} dB, H3 {:.1} dB", h2 - h1, h3 - h1);
        assert!(h2 - h1 > -40.0 && h2 - h1 < -15.0, "{}", h2 - h1);
        let mean = tail.iter().map(|&v| v as f64).sum::<f64>() / tail.len() as f64;
        assert!(mean.abs() < 1e-3, "{mean}");
        let c = |x| Saturation::curve(SaturationMode::Tape, x);
        assert!(c(10.0) < 0.9 && c(-10.0) < -1.1 && c(0.0).abs() < 1e-7);
        // Symmetric curves make no second harmonic.
        let mut s = make(6.0, SaturationMode::Tanh, Oversampling::X4, 1.0);
        let y = run(&mut s, FS, &x);
        assert!(dft_db(&y[24_000..], 2000.0, FS) - h1 < -100.0);
    }

    /// Enormous input at the largest drive stays finite and within the
    /// curve's ceiling.
    #[test]
    fn huge_input_gives_finite_output() {
        for mode in [SaturationMode::SoftClip, SaturationMode::Tanh, SaturationMode::Tape] {
            for os in FACTORS {
                let mut s = make(Saturation::DRIVE_DB.max, mode, os, 1.0);
                let x: Vec<f32> = (0..4096).map(|i| [f32::MAX, -1e30, 3e38, 0.0][i % 4]).collect();
                let y = run(&mut s, FS, &x);
                let top = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(top.is_finite() && top < 2.0, "{mode:?} {os:?}: {top}");
            }
        }
    }

    /// The series `tanh` is within 3e-7 of the true one (relatively) from
    /// 1e-6 to beyond where it reaches 1, and exactly odd.
    #[test]
    fn tanh_is_accurate() {
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            let x = 1e-6 * libm::pow(10.0, i as f64 * 8.0 / 200_000.0); // 1e-6 to 100
            let got = tanh(x as f32);
            let want = libm::tanh(x as f32 as f64);
            worst = worst.max((f64::from(got) / want - 1.0).abs());
            assert_eq!(tanh(-(x as f32)), -got);
        }
        assert!(worst < 3e-7, "{worst}");
        assert_eq!((tanh(0.0), tanh(1e30), tanh(-1e30)), (0.0, 1.0, -1.0));
    }

    #[test]
    fn mix_zero_is_the_delayed_input() {
        let mut s = make(24.0, SaturationMode::Tanh, Oversampling::X8, 0.0);
        let x = noise(5000, 0.8, 3);
        let y = run(&mut s, FS, &x);
        let l = s.latency();
        assert!(y[..l].iter().all(|&v| v == 0.0));
        assert_eq!(&y[l..], &x[..x.len() - l]);
    }

    #[test]
    fn invariants() {
        let change = |s: &mut Saturation| {
            s.set_drive_db(20.0).unwrap();
            s.set_mode(SaturationMode::Tape);
            s.set_output_db(-6.0).unwrap();
            s.set_mix(0.4).unwrap();
        };
        check_processor_invariants(Saturation::default, 2, change);
        check_processor_invariants(
            || make(12.0, SaturationMode::Tanh, Oversampling::X8, 0.7),
            3,
            |s| s.set_oversampling(Oversampling::X2),
        );
        check_processor_invariants(
            || make(12.0, SaturationMode::Tanh, Oversampling::X1, 0.7),
            2,
            |s| s.set_oversampling(Oversampling::X4),
        );
    }
}
