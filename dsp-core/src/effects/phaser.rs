//! Phaser: a chain of first-order all-pass stages whose break frequency an
//! LFO sweeps, mixed with the dry signal.

use alloc::vec::Vec;

use super::TAIL_LEVEL;
use super::lfo::Lfo;
use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::{flush_denormal, log};
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Blocks, dispatch_blocks, mul_add};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;
use libm::{exp2, log2};

/// Most all-pass stages.
pub const MAX_STAGES: usize = 12;
/// Octaves the break frequency swings each way from `centre_hz` at depth 1.
pub const SWEEP_OCTAVES: f64 = 2.0;
/// Lowest break frequency the sweep reaches, in Hz.
pub const MIN_BREAK_HZ: f64 = 5.0;
/// Highest break frequency the sweep reaches, as a fraction of the sample
/// rate.
pub const MAX_BREAK_RATIO: f64 = 0.45;
/// Samples between exact coefficient computations; the coefficient moves
/// linearly in between.
const CONTROL: usize = 16;

crate::declare_params! {
    Phaser, PHASER_KIND = "phaser", "Phaser", Caps::PLAIN.tail(),
        "Phaser: first-order all-pass stages (modulation-safe trapezoidal filters) whose \
         common break frequency a sine LFO sweeps around centre_hz, with feedback, mixed with \
         the dry signal: stages/2 notches (rounded down) move through the spectrum. \
         Odd channels' LFO runs stereo_phase_deg behind.";
    RATE_HZ = ParamInfo::float("rate_hz", 0.0, 20.0, 0.5, "Hz", "LFO rate (0 freezes the LFO)")
        .log() => rate_hz, set_rate_hz;
    DEPTH = ParamInfo::float("depth", 0.0, 1.0, 0.7, "",
        "Sweep: the break frequency swings 2·depth octaves each way from centre_hz")
        .smoothed(DEFAULT_SMOOTHING_MS) => depth, set_depth;
    CENTRE_HZ = ParamInfo::float("centre_hz", 20.0, 20_000.0, 800.0, "Hz",
        "Centre of the sweep (the swept frequency stays below 0.45 times the sample rate)")
        .log().smoothed(DEFAULT_SMOOTHING_MS) => centre_hz, set_centre_hz;
    STAGES = ParamInfo::int("stages", 2.0, MAX_STAGES as f64, 4.0, "",
        "All-pass stages (each pair adds a notch); changes crossfade over 20 ms")
        .smoothed(DEFAULT_SMOOTHING_MS) => stages, set_stages;
    FEEDBACK = ParamInfo::float("feedback", -0.95, 0.95, 0.3, "",
        "Part of the output fed back to the first stage (sharpens the notches' peaks)")
        .smoothed(DEFAULT_SMOOTHING_MS) => feedback, set_feedback;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 0.5, "",
        "Wet proportion from 0 (dry only) to 1 (wet only); 0.5 gives the deepest notches")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
    STEREO_PHASE_DEG = ParamInfo::float("stereo_phase_deg", 0.0, 180.0, 0.0, "deg",
        "LFO phase of the right (odd) channels after the left (0 = mono sweep)")
        .smoothed(DEFAULT_SMOOTHING_MS) => stereo_phase_deg, set_stereo_phase_deg;
}

/// One channel's stages, feedback memory and coefficient ramp.
#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    /// The stages' integrator states (those of [`TptOnePole`](crate::filters::TptOnePole)s).
    stages: [f32; MAX_STAGES],
    /// The previous wet output (fed back).
    last: f32,
    /// Stage coefficient and its per-sample step in this control period.
    g: f32,
    step: f32,
}

/// Everything that glides; the sweep's values advance at control points,
/// feedback, mix and the stage crossfade per sample.
#[derive(Debug, Clone, Copy)]
struct Glides {
    /// log2 of the centre frequency.
    centre: LinearSmoother,
    depth: LinearSmoother,
    /// Odd channels' LFO offset in cycles.
    spread: LinearSmoother,
    feedback: LinearSmoother,
    wet: LinearSmoother,
    /// 0: the previous stage count sounds; 1: the current one.
    fade: LinearSmoother,
    lfo: Lfo,
    /// Samples left in the control period.
    left: usize,
}

/// An LFO-swept all-pass phaser on any number of channels.
///
/// Each channel runs `u = x + feedback·w[n-1]` through `stages` identical
/// first-order all-pass sections ([`TptOnePole::all_pass`](crate::filters::TptOnePole::all_pass), whose state
/// stays meaningful while the coefficient moves) at the break frequency
/// `fc = centre_hz · 2^(SWEEP_OCTAVES·depth·lfo)`, `lfo = -cos` of the
/// LFO phase plus the channel's stereo offset (so it starts at the lowest
/// frequency, and `rate_hz` 0 holds it there), kept within
/// [`MIN_BREAK_HZ`] and [`MAX_BREAK_RATIO`] times the sample rate. The
/// chain's output `w` is the wet signal; the output is
/// `(1 - mix)·x + mix·w`. With mix 0.5 and no feedback, the notches of
/// `N` stages lie where their phase reaches an odd multiple of 180°:
/// `tan(πf/fs) = tan(πfc/fs)·tan((2k + 1)π / 2N)`, `k < N/2`.
///
/// The coefficient is computed exactly every 16 samples and moves
/// linearly in between. Centre, depth, stereo phase, feedback and mix glide
/// over 20 ms; a new stage count crossfades from the old chain's output
/// over 20 ms.
#[derive(Debug, Clone)]
pub struct Phaser {
    rate_hz: f64,
    depth: f64,
    centre_hz: f64,
    stages: u8,
    /// The stage count fading out.
    previous: u8,
    feedback: f64,
    mix: f64,
    stereo_phase_deg: f64,
    sample_rate: f64,
    glides: Glides,
    voices: Vec<Voice>,
    nonfinite: u64,
}

impl Default for Phaser {
    /// Rate 0.5 Hz, depth 0.7, centre 800 Hz, 4 stages, feedback 0.3, mix 0.5.
    fn default() -> Self {
        Self::new(0.5, 0.7, 800.0, 4, 0.3, 0.5).expect("valid defaults")
    }
}

impl Phaser {
    /// A phaser; every argument is checked as by its setter.
    pub fn new(
        rate_hz: f64,
        depth: f64,
        centre_hz: f64,
        stages: u8,
        feedback: f64,
        mix: f64,
    ) -> Result<Self, Error> {
        let mut p = Self {
            rate_hz: 0.0,
            depth: 0.0,
            centre_hz: 1000.0,
            stages: 4,
            previous: 4,
            feedback: 0.0,
            mix: 0.0,
            stereo_phase_deg: 0.0,
            sample_rate: 48_000.0,
            glides: Glides {
                centre: LinearSmoother::new(log2(1000.0)),
                depth: LinearSmoother::new(0.0),
                spread: LinearSmoother::new(0.0),
                feedback: LinearSmoother::new(0.0),
                wet: LinearSmoother::new(0.0),
                fade: LinearSmoother::new(1.0),
                lfo: Lfo::default(),
                left: 0,
            },
            voices: Vec::new(),
            nonfinite: 0,
        };
        p.set_ramps();
        p.set_rate_hz(rate_hz)?;
        p.set_depth(depth)?;
        p.set_centre_hz(centre_hz)?;
        p.set_stages(stages)?;
        p.set_feedback(feedback)?;
        p.set_mix(mix)?;
        p.snap();
        Ok(p)
    }

    /// LFO rate in Hz (0 = frozen).
    pub fn rate_hz(&self) -> f64 {
        self.rate_hz
    }

    /// Sets the LFO rate (at once; the phase continues).
    pub fn set_rate_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.rate_hz = Self::RATE_HZ.check(hz)?;
        self.glides.lfo.set_rate(self.rate_hz, self.sample_rate);
        Ok(())
    }

    /// Sweep depth from 0 to 1 (1 = ±2 octaves).
    pub fn depth(&self) -> f64 {
        self.depth
    }

    /// Sets the sweep depth (glides).
    pub fn set_depth(&mut self, depth: f64) -> Result<(), Error> {
        self.depth = Self::DEPTH.check(depth)?;
        self.glides.depth.set_target(self.depth);
        Ok(())
    }

    /// Centre of the sweep in Hz.
    pub fn centre_hz(&self) -> f64 {
        self.centre_hz
    }

    /// Sets the centre of the sweep (glides in log frequency).
    pub fn set_centre_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.centre_hz = Self::CENTRE_HZ.check(hz)?;
        self.glides.centre.set_target(log2(self.centre_hz));
        Ok(())
    }

    /// Number of all-pass stages.
    pub fn stages(&self) -> u8 {
        self.stages
    }

    /// Sets the number of all-pass stages (2 to 12; each pair adds a
    /// notch, an odd one adds phase only; crossfades).
    pub fn set_stages(&mut self, stages: u8) -> Result<(), Error> {
        Self::STAGES.check(f64::from(stages))?;
        if stages != self.stages {
            self.previous = self.current_output_stages();
            self.stages = stages;
            self.glides.fade.snap_to(0.0);
            self.glides.fade.set_target(1.0);
        }
        Ok(())
    }

    /// Feedback gain.
    pub fn feedback(&self) -> f64 {
        self.feedback
    }

    /// Sets the feedback gain (glides over 20 ms).
    pub fn set_feedback(&mut self, feedback: f64) -> Result<(), Error> {
        self.feedback = Self::FEEDBACK.check(feedback)?;
        self.glides.feedback.set_target(self.feedback);
        Ok(())
    }

    /// Wet proportion.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = Self::MIX.check(mix)?;
        self.glides.wet.set_target(self.mix);
        Ok(())
    }

    /// LFO phase of odd channels after even ones, in degrees.
    pub fn stereo_phase_deg(&self) -> f64 {
        self.stereo_phase_deg
    }

    /// Sets the stereo LFO phase (glides over 20 ms).
    pub fn set_stereo_phase_deg(&mut self, deg: f64) -> Result<(), Error> {
        self.stereo_phase_deg = Self::STEREO_PHASE_DEG.check(deg)?;
        self.glides.spread.set_target(self.stereo_phase_deg / 360.0);
        Ok(())
    }

    /// The stage count whose output dominates now (for a change during a
    /// crossfade: the new fade starts from it).
    fn current_output_stages(&self) -> u8 {
        if self.glides.fade.current() < 0.5 { self.previous } else { self.stages }
    }

    fn set_ramps(&mut self) {
        let g = &mut self.glides;
        for s in
            [&mut g.centre, &mut g.depth, &mut g.spread, &mut g.feedback, &mut g.wet, &mut g.fade]
        {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, self.sample_rate);
        }
    }

    fn snap(&mut self) {
        let g = &mut self.glides;
        for s in
            [&mut g.centre, &mut g.depth, &mut g.spread, &mut g.feedback, &mut g.wet, &mut g.fade]
        {
            s.snap();
        }
        self.previous = self.stages;
    }

    /// The stage coefficient for LFO offset `offset` at the glides' values:
    /// [`tpt_coef`](crate::filters::tpt_coef) of the swept frequency, by series (see [`exp2_series`]
    /// and [`tpt_coef_series`]) rather than `libm`'s `exp2` and `tan`, which
    /// had cost a third of the phaser's time.
    fn coef(g: &Glides, offset: f64, fs: f64) -> f32 {
        let octaves = SWEEP_OCTAVES * g.depth.current() * g.lfo.value(offset);
        let fc =
            exp2_series(g.centre.current() + octaves).clamp(MIN_BREAK_HZ, MAX_BREAK_RATIO * fs);
        tpt_coef_series(crate::math::PI * fc / fs) as f32
    }

    /// At a control point: advances the sweep a control period and sets
    /// each channel's coefficient ramp towards its value there.
    fn control(&mut self, channels: usize) {
        let g = &mut self.glides;
        for s in [&mut g.centre, &mut g.depth, &mut g.spread] {
            s.advance(CONTROL);
        }
        g.lfo.advance(CONTROL);
        g.left = CONTROL;
        for (c, v) in self.voices.iter_mut().take(channels).enumerate() {
            let offset = if c % 2 == 1 { g.spread.current() } else { 0.0 };
            let target = Self::coef(g, offset, self.sample_rate);
            v.step = (target - v.g) / CONTROL as f32;
        }
    }

    /// Whether a stage crossfade or the feedback or mix glide is under way.
    fn per_sample_glides(&self) -> bool {
        let g = &self.glides;
        g.fade.is_smoothing() || g.feedback.is_smoothing() || g.wet.is_smoothing()
    }
}

/// `2^x` for `|x| < 1000`: the power of two of `floor(x)` from the
/// exponent bits times `2^f`, `f = x - floor(x)`, by the Taylor series of
/// `e^(f·ln 2)` to the 11th power (relative error below 1e-9).
#[inline]
fn exp2_series(x: f64) -> f64 {
    let x = x.clamp(-1000.0, 1000.0);
    let t = x as i32;
    let i = t - i32::from(f64::from(t) > x);
    let y = (x - f64::from(i)) * core::f64::consts::LN_2;
    let mut p = 1.0;
    for k in (1..=11).rev() {
        p = 1.0 + y * p * (1.0 / f64::from(k));
    }
    p * f64::from_bits(((i + 1023) as u64) << 52)
}

/// [`tpt_coef`](crate::filters::tpt_coef) at the angle `w = π·f/fs` (in `[0, 0.45π]`):
/// `tan w / (1 + tan w) = sin w / (sin w + cos w)`, with the sine and
/// cosine by their Taylor series to the 15th and 16th powers (relative
/// error below 1e-9 there).
#[inline]
fn tpt_coef_series(w: f64) -> f64 {
    let w2 = w * w;
    let (mut s, mut c) = (1.0, 1.0);
    for j in (1..=7).rev() {
        s = 1.0 - w2 * s * (1.0 / f64::from(2 * j * (2 * j + 1)));
    }
    for j in (1..=8).rev() {
        c = 1.0 - w2 * c * (1.0 / f64::from((2 * j - 1) * 2 * j));
    }
    let s = s * w;
    s / (s + c)
}

/// `n` stages of `v` at coefficient `g` on `u`; also gives the output
/// after `tap` stages. Each stage is [`TptOnePole::all_pass`](crate::filters::TptOnePole::all_pass) with its
/// terms regrouped so that one multiply-add lies between a stage's input
/// and its output (`y = (2g - 1)·x + (2 - 2g)·s`, then
/// `s ← 2g·x - (2g - 1)·s`), which is what the chain waits on.
#[inline(always)]
fn chain<const W: bool>(v: &mut Voice, u: f32, g: f32, n: usize, tap: usize) -> (f32, f32) {
    let (a, b, c) = (2.0 * g - 1.0, 2.0 - 2.0 * g, 2.0 * g);
    let (mut x, mut at_tap) = (u, u);
    for (k, s) in v.stages.iter_mut().take(n).enumerate() {
        let y = mul_add::<W, f32>(a, x, b * *s);
        *s = mul_add::<W, f32>(c, x, -a * *s);
        x = y;
        if k + 1 == tap {
            at_tap = x;
        }
    }
    (x, at_tap)
}

/// `L` channels (1, or 2 run side by side so that their chains overlap)
/// over a stretch within one control period.
#[inline(always)]
fn run<const W: bool, const GLIDE: bool, const L: usize>(
    v: &mut [Voice],
    g: &mut Glides,
    x: &mut [&mut [f32]],
    (start, end): (usize, usize),
    (stages, previous): (usize, usize),
) {
    let (mut fb, mut wet) = (g.feedback.current() as f32, g.wet.current() as f32);
    let mut fade = g.fade.current() as f32;
    let (v, x) = (&mut v[..L], &mut x[..L]);
    for n in start..end {
        if GLIDE {
            (fb, wet, fade) = (g.feedback.next() as f32, g.wet.next() as f32, g.fade.next() as f32);
        }
        for (v, x) in v.iter_mut().zip(x.iter_mut()) {
            let s = &mut x[n];
            v.g += v.step;
            let u = mul_add::<W, f32>(fb, v.last, *s);
            let w = if GLIDE && fade < 1.0 {
                let (end, tap) = chain::<W>(v, u, v.g, stages.max(previous), stages.min(previous));
                let (new, old) = if stages >= previous { (end, tap) } else { (tap, end) };
                old + fade * (new - old)
            } else {
                chain::<W>(v, u, v.g, stages, 0).0
            };
            v.last = flush_denormal(w);
            if wet != 0.0 {
                *s = *s * (1.0 - wet) + w * wet;
            }
        }
    }
}

/// The processing of a block, compiled per instruction set.
impl Blocks for Phaser {
    #[inline(always)]
    fn blocks<const W: bool>(&mut self, channels: &mut [&mut [f32]]) {
        let p = self;
        let n = channels.len();
        let len = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len {
            if p.glides.left == 0 {
                p.control(n);
            }
            let end = len.min(start + p.glides.left);
            let counts = (usize::from(p.stages), usize::from(p.previous));
            let glide = p.per_sample_glides();
            let from = p.glides;
            for (x, v) in channels.chunks_mut(2).zip(p.voices.chunks_mut(2)) {
                p.glides = from;
                let g = &mut p.glides;
                match (glide, x.len()) {
                    (true, 2) => run::<W, true, 2>(v, g, x, (start, end), counts),
                    (false, 2) => run::<W, false, 2>(v, g, x, (start, end), counts),
                    (true, _) => run::<W, true, 1>(v, g, x, (start, end), counts),
                    (false, _) => run::<W, false, 1>(v, g, x, (start, end), counts),
                }
            }
            p.glides.left -= end - start;
            if glide && !p.glides.fade.is_smoothing() && p.previous != p.stages {
                // The crossfade is over: stages beyond the count restart clean.
                let stages = usize::from(p.stages);
                for v in &mut p.voices {
                    v.stages[stages..].fill(0.0);
                }
                p.previous = p.stages;
            }
            start = end;
        }
        for v in &mut p.voices {
            v.stages.iter_mut().for_each(|s| *s = flush_denormal(*s));
        }
    }
}

impl Processor for Phaser {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        self.set_ramps();
        self.glides.lfo.set_rate(self.rate_hz, spec.sample_rate);
        self.voices.resize(spec.channels, Voice::default());
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.snap();
        let g = &mut self.glides;
        g.lfo.reset();
        g.left = 0; // the first sample starts a control period
        for (c, v) in self.voices.iter_mut().enumerate() {
            let offset = if c % 2 == 1 { g.spread.current() } else { 0.0 };
            *v = Voice { g: Self::coef(g, offset, self.sample_rate), ..Voice::default() };
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let n = channels.len();
        if n > self.voices.len() {
            return; // not prepared for these channels
        }
        dispatch_blocks(self, channels);
    }

    fn tail(&self) -> usize {
        let g = &self.glides;
        if g.wet.current().max(g.wet.target()) == 0.0 {
            return 0;
        }
        let fs = self.sample_rate;
        // The slowest stage: the lowest break frequency the sweep reaches.
        let centre = g.centre.current().min(g.centre.target());
        let depth = g.depth.current().max(g.depth.target());
        let low = exp2(centre - SWEEP_OCTAVES * depth).clamp(MIN_BREAK_HZ, MAX_BREAK_RATIO * fs);
        let k = crate::math::tan(crate::math::PI * low / fs);
        let pole = (1.0 - k) / (1.0 + k);
        let stages = f64::from(self.stages.max(self.previous));
        // Each stage rings to -90 dB (counted one after the other), and
        // every pass of the feedback loop (the chain's delay at DC plus a
        // sample) loses the feedback's share.
        let ring = stages * libm::ceil(log(TAIL_LEVEL) / log(pole));
        let pass = stages * (1.0 + pole) / (1.0 - pole) + 1.0;
        let fb = g.feedback.current().abs().max(g.feedback.target().abs());
        let passes = if fb < 1e-9 { 0.0 } else { libm::ceil(log(TAIL_LEVEL) / log(fb)) };
        (ring + passes * pass).min(super::MAX_TAIL_S * fs) as usize
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{PI, atan, tan};
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn impulse(len: usize) -> Vec<f32> {
        let mut x = std::vec![0.0f32; len];
        x[0] = 1.0;
        x
    }

    fn run2(p: &mut Phaser, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        crate::processor::process_in_blocks(p, &mut [&mut a, &mut b], 512);
        (a, b)
    }

    /// A frozen LFO (rate 0) holds the left channel's break frequency at
    /// the bottom of the sweep, `centre·2^(-2·depth)`, and with a
    /// half-cycle stereo phase the right's at the top, `centre·2^(2·depth)`.
    /// With mix 0.5 and no feedback, each of the `N/2` notches lies where
    /// `tan(πf/fs) = tan(πfc/fs)·tan((2k + 1)π / 2N)`, and the response
    /// returns to 0 dB where the chain's phase is a whole turn.
    #[test]
    fn notches_at_the_expected_frequencies() {
        let (centre, depth) = (1000.0, 0.5);
        for stages in [2u8, 3, 4, 5, 6, 12] {
            let mut p = Phaser::new(0.0, depth, centre, stages, 0.0, 0.5).unwrap();
            p.set_stereo_phase_deg(180.0).unwrap();
            let (l, r) = run2(&mut p, &impulse(16_384), &impulse(16_384));
            let n = f64::from(stages);
            for (h, fc) in [(&l, centre / 2.0), (&r, centre * 2.0)] {
                let g = tan(PI * fc / FS);
                let at = |turns: f64| FS / PI * atan(g * tan(turns * PI / n));
                for k in 0..stages / 2 {
                    let notch = at(f64::from(2 * k + 1) / 2.0);
                    let db = dft_db(h, notch, FS);
                    assert!(
                        db < -50.0,
                        "{stages} stages, fc {fc}: notch {notch:.1} Hz at {db:.1} dB"
                    );
                    if k > 0 {
                        // A whole turn between two notches: full level.
                        let peak = at(f64::from(k));
                        assert!(dft_db(h, peak, FS).abs() < 0.01, "{stages} stages: {peak} Hz");
                    }
                }
                assert!(dft_db(h, 1.0, FS).abs() < 0.01); // DC passes
            }
        }
    }

    /// The LFO sweeps the notch: at a quarter cycle the break frequency is
    /// the centre (the LFO crosses zero), measured on a running LFO by
    /// freezing it there (rate set to 0 at that moment).
    #[test]
    fn series_match_libm() {
        let worst = (0..=4000)
            .map(|i| {
                let x = -3.0 + i as f64 * 0.005; // 1/8 Hz to 128 kHz
                (exp2_series(x) / exp2(x) - 1.0).abs()
            })
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "exp2: {worst}");
        let worst = (0..=4500)
            .map(|i| {
                let w = 0.45 * PI * (i as f64 / 4500.0).powi(3);
                let want = tan(w) / (1.0 + tan(w));
                if want == 0.0 {
                    tpt_coef_series(w).abs()
                } else {
                    (tpt_coef_series(w) / want - 1.0).abs()
                }
            })
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "coefficient: {worst}");
    }

    #[test]
    fn lfo_sweeps_the_break_frequency() {
        let (rate, centre) = (2.0, 700.0);
        let mut p = Phaser::new(rate, 1.0, centre, 4, 0.0, 0.5).unwrap();
        p.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        // A quarter cycle of a 2 Hz LFO: 6000 samples, a whole number of
        // control periods.
        let mut silence = std::vec![0.0f32; 6000];
        p.process_mono(&mut silence);
        p.set_rate_hz(0.0).unwrap();
        let mut settle = std::vec![0.0f32; 64];
        p.process_mono(&mut settle); // the coefficient ramp reaches the centre
        let mut h = impulse(16_384);
        p.process_mono(&mut h);
        let g = tan(PI * centre / FS);
        let notch = FS / PI * atan(g * tan(PI / 8.0));
        assert!(dft_db(&h, notch, FS) < -50.0, "{}", dft_db(&h, notch, FS));
    }

    /// The declaration is the whole rule: every whole number from 2 to 12
    /// is accepted (odd counts too), others are refused by it.
    #[test]
    fn stage_counts_follow_the_declaration() {
        let mut p = Phaser::default();
        let e = p.set_stages(14).unwrap_err();
        assert!(matches!(e, Error::OutOfRange { param, .. } if *param == Phaser::STAGES));
        assert!(p.set_stages(0).is_err());
        assert_eq!(p.stages(), 4);
        crate::params::Params::set(&mut p, "stages", 7.0).unwrap();
        assert_eq!(p.stages(), 7);
        p.set_stages(12).unwrap();
        assert_eq!(p.stages(), 12);
    }

    /// Stage count, centre and depth changed while a tone plays (no
    /// feedback, so the wet signal keeps the tone's level): the output
    /// never steps further than the tone's own plus what the moving phase
    /// adds. The largest, 10 %, comes from the centre gliding 600 Hz ->
    /// 3 kHz in 20 ms, which turns the 4 stages' phase at 440 Hz by about
    /// 3.9 rad: the wet tone bends up by some 30 Hz meanwhile. A click
    /// would step by up to 35 times the tone's own step.
    #[test]
    fn changes_do_not_click() {
        let x = sine(440.0, FS, 96_000, 0.5);
        let own = max_step(&x);
        let mut p = Phaser::new(0.3, 0.6, 600.0, 4, 0.0, 0.5).unwrap();
        p.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let mut y = x.clone();
        for (i, block) in y.chunks_mut(512).enumerate() {
            match i {
                20 => p.set_stages(12).unwrap(),
                50 => p.set_centre_hz(3000.0).unwrap(),
                80 => p.set_stages(2).unwrap(),
                110 => p.set_depth(1.0).unwrap(),
                140 => p.set_stages(8).unwrap(),
                _ => {}
            }
            p.process_mono(block);
        }
        assert!(max_step(&y) < own * 1.15, "{} vs {own}", max_step(&y));
    }

    #[test]
    fn mix_zero_is_bit_exact_dry() {
        let x = test_signal(2, 20_000);
        let (l, r) = run2(&mut Phaser::new(4.0, 1.0, 500.0, 12, 0.9, 0.0).unwrap(), &x[0], &x[1]);
        assert_eq!((&l, &r), (&x[0], &x[1]));
    }

    /// Extreme feedback of both signs, the fastest deepest sweep, the most
    /// stages, at both ends of the centre range, over 10 s of loud noise:
    /// finite and bounded.
    #[test]
    fn stable_at_extreme_feedback() {
        let x = noise(480_000, 1.0, 21);
        let y: Vec<f32> = x.iter().rev().copied().collect();
        for fb in [Phaser::FEEDBACK.max, Phaser::FEEDBACK.min] {
            for centre in [Phaser::CENTRE_HZ.min, Phaser::CENTRE_HZ.max] {
                let mut p = Phaser::new(Phaser::RATE_HZ.max, 1.0, centre, 12, fb, 1.0).unwrap();
                p.set_stereo_phase_deg(90.0).unwrap();
                let (l, r) = run2(&mut p, &x, &y);
                let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(
                    peak.is_finite() && peak > 1.0 && peak < 100.0,
                    "fb {fb} centre {centre}: {peak}"
                );
            }
        }
    }

    #[test]
    fn tail_ends_below_minus_90_db() {
        let limit = TAIL_LEVEL as f32;
        for (centre, depth, stages, fb) in
            [(200.0, 1.0, 8u8, 0.8), (1000.0, 0.5, 4, -0.9), (100.0, 0.0, 12, 0.0)]
        {
            let mut p = Phaser::new(1.0, depth, centre, stages, fb, 1.0).unwrap();
            p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
            let tail = p.tail();
            let (mut l, mut r) = (impulse(tail + 24_000), impulse(tail + 24_000));
            crate::processor::process_in_blocks(&mut p, &mut [&mut l, &mut r], 512);
            let last = l.iter().chain(&r[..]).enumerate().filter(|(_, v)| v.abs() >= limit);
            let last = last.map(|(i, _)| i % l.len()).max().unwrap();
            assert!(last < tail, "centre {centre} fb {fb}: {last} >= {tail}");
        }
    }

    #[test]
    fn invariants() {
        let change = |p: &mut Phaser| {
            p.set_stages(10).unwrap();
            p.set_centre_hz(2500.0).unwrap();
            p.set_depth(0.2).unwrap();
            p.set_feedback(-0.7).unwrap();
            p.set_mix(0.9).unwrap();
            p.set_stereo_phase_deg(120.0).unwrap();
            p.set_rate_hz(7.0).unwrap();
        };
        check_processor_invariants(Phaser::default, 2, change);
        check_processor_invariants(Phaser::default, 1, change);
        check_processor_invariants(
            || Phaser::new(3.0, 1.0, 300.0, 12, 0.9, 0.5).unwrap(),
            3,
            |p| {
                p.set_stages(2).unwrap();
            },
        );
    }
}
