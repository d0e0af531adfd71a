//! Chorus and flanger: one modulated-delay core ([`ModulatedDelay`]) with
//! two declarations that differ only in ranges and defaults.

use alloc::vec::Vec;
use core::fmt::Debug;
use core::marker::PhantomData;

use super::TAIL_LEVEL;
use super::delay_line::{DelayLine, MIN_DELAY_SAMPLES, MIN_GLIDE_MS, READ_BLOCK, Reads, glide_to};
use super::lfo::Lfo;
use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::{flush_denormal, log};
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// The declarations of a modulated delay's parameters, in declaration
/// order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModulatedParams {
    /// `rate_hz`: LFO rate (0 freezes it at its start, the shortest delay).
    pub rate_hz: ParamInfo,
    /// `depth_ms`: how far the delay swings each way from the centre.
    pub depth_ms: ParamInfo,
    /// `delay_ms`: centre delay.
    pub delay_ms: ParamInfo,
    /// `feedback`: part of the delayed signal fed back (may be negative).
    pub feedback: ParamInfo,
    /// `mix`: wet proportion.
    pub mix: ParamInfo,
    /// `stereo_phase_deg`: LFO phase of odd channels after even ones.
    pub stereo_phase_deg: ParamInfo,
}

/// What distinguishes one modulated-delay effect from another: its
/// parameter declarations.
pub trait Voicing: Debug + Clone + Copy + Default + Send + 'static {
    /// The parameter declarations.
    const PARAMS: &'static ModulatedParams;
}

/// The chorus voicing of [`ModulatedDelay`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChorusVoicing;

/// The flanger voicing of [`ModulatedDelay`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlangerVoicing;

/// Chorus: a 1 to 50 ms delay swept by a slow LFO, mixed with the dry
/// signal, detuning it like a second player.
pub type Chorus = ModulatedDelay<ChorusVoicing>;

/// Flanger: a short delay (under 20 ms) swept by an LFO with feedback,
/// sweeping a comb of notches through the spectrum.
pub type Flanger = ModulatedDelay<FlangerVoicing>;

/// Glide of the stereo phase, in ms: a half-cycle change moves the odd
/// channels' delay by up to twice the deepest swing (40 ms), at most 0.4 ms
/// per ms over this time.
pub const SPREAD_GLIDE_MS: f64 = 100.0;

const fn rate(default: f64) -> ParamInfo {
    ParamInfo::float("rate_hz", 0.0, 20.0, default, "Hz", "LFO rate (0 freezes the LFO)").log()
}

const fn mix(default: f64) -> ParamInfo {
    ParamInfo::float(
        "mix",
        0.0,
        1.0,
        default,
        "",
        "Wet proportion from 0 (dry only) to 1 (wet only)",
    )
    .smoothed(DEFAULT_SMOOTHING_MS)
}

const fn stereo_phase(default: f64) -> ParamInfo {
    ParamInfo::float(
        "stereo_phase_deg",
        0.0,
        180.0,
        default,
        "deg",
        "LFO phase of the right (odd) channels after the left (0 = mono sweep)",
    )
    .smoothed(SPREAD_GLIDE_MS)
}

const fn depth(max: f64, default: f64) -> ParamInfo {
    ParamInfo::float(
        "depth_ms",
        0.0,
        max,
        default,
        "ms",
        "Delay swing each way from the centre (limited to keep the delay positive)",
    )
    .smoothed(MIN_GLIDE_MS)
}

const fn centre(min: f64, max: f64, default: f64) -> ParamInfo {
    ParamInfo::float("delay_ms", min, max, default, "ms", "Centre delay")
        .log()
        .smoothed(MIN_GLIDE_MS)
}

const fn feedback(max: f64, default: f64, doc: &'static str) -> ParamInfo {
    ParamInfo::float("feedback", -max, max, default, "", doc).smoothed(DEFAULT_SMOOTHING_MS)
}

const CHORUS: ModulatedParams = ModulatedParams {
    rate_hz: rate(0.8),
    depth_ms: depth(20.0, 3.0),
    delay_ms: centre(1.0, 50.0, 15.0),
    feedback: feedback(0.9, 0.0, "Part of the delayed signal fed back (negative inverts it)"),
    mix: mix(0.5),
    stereo_phase_deg: stereo_phase(90.0),
};

const FLANGER: ModulatedParams = ModulatedParams {
    rate_hz: rate(0.25),
    depth_ms: depth(10.0, 1.5),
    delay_ms: centre(0.1, 20.0, 2.0),
    feedback: feedback(
        0.95,
        0.5,
        "Part of the delayed signal fed back (negative: notches where positive has peaks)",
    ),
    mix: mix(0.5),
    stereo_phase_deg: stereo_phase(0.0),
};

impl Voicing for ChorusVoicing {
    const PARAMS: &'static ModulatedParams = &CHORUS;
}

impl Voicing for FlangerVoicing {
    const PARAMS: &'static ModulatedParams = &FLANGER;
}

crate::declare_params! {
    ModulatedDelay<ChorusVoicing>, CHORUS_KIND = "chorus", "Chorus", Caps::PLAIN.tail(),
        "Chorus: the input delayed by 1 to 50 ms, the delay swept by a sine LFO (cubic \
         interpolation), mixed with the dry signal; odd channels' LFO runs stereo_phase_deg \
         behind for width. Optional feedback.";
    RATE_HZ = CHORUS.rate_hz => rate_hz, set_rate_hz;
    DEPTH_MS = CHORUS.depth_ms => depth_ms, set_depth_ms;
    DELAY_MS = CHORUS.delay_ms => delay_ms, set_delay_ms;
    FEEDBACK = CHORUS.feedback => feedback, set_feedback;
    MIX = CHORUS.mix => mix, set_mix;
    STEREO_PHASE_DEG = CHORUS.stereo_phase_deg => stereo_phase_deg, set_stereo_phase_deg;
}

crate::declare_params! {
    ModulatedDelay<FlangerVoicing>, FLANGER_KIND = "flanger", "Flanger", Caps::PLAIN.tail(),
        "Flanger: a short delay (0.1 to 20 ms) swept by a sine LFO with positive or negative \
         feedback, mixed with the dry signal: a comb of notches (at odd multiples of \
         1/(2·delay) unless the feedback is negative) moves up and down the spectrum.";
    RATE_HZ = FLANGER.rate_hz => rate_hz, set_rate_hz;
    DEPTH_MS = FLANGER.depth_ms => depth_ms, set_depth_ms;
    DELAY_MS = FLANGER.delay_ms => delay_ms, set_delay_ms;
    FEEDBACK = FLANGER.feedback => feedback, set_feedback;
    MIX = FLANGER.mix => mix, set_mix;
    STEREO_PHASE_DEG = FLANGER.stereo_phase_deg => stereo_phase_deg, set_stereo_phase_deg;
}

/// Everything that glides, advanced once per sample.
#[derive(Debug, Clone, Copy)]
struct Glides {
    /// Centre delay in samples.
    centre: LinearSmoother,
    /// Swing in samples.
    depth: LinearSmoother,
    feedback: LinearSmoother,
    wet: LinearSmoother,
    /// Odd channels' LFO offset in cycles.
    spread: LinearSmoother,
    lfo: Lfo,
}

impl Glides {
    fn gliding(&self) -> bool {
        [self.centre, self.depth, self.feedback, self.wet, self.spread]
            .iter()
            .any(LinearSmoother::is_smoothing)
    }

    fn snap(&mut self) {
        for s in
            [&mut self.centre, &mut self.depth, &mut self.feedback, &mut self.wet, &mut self.spread]
        {
            s.snap();
        }
    }
}

/// A delay per channel whose length a sine LFO sweeps: the core of
/// [`Chorus`] and [`Flanger`].
///
/// Each sample, channel `c` reads its line at
/// `d = delay + depth'·lfo(φ + c_odd·stereo_phase)`, `lfo = -cos` (so the
/// LFO starts at the shortest delay and `rate_hz` 0 holds it there), with
/// the swing limited to `depth' = min(depth, delay - 3 samples)` so the
/// delay stays positive (and keeps its sine shape). The read (cubic Hermite interpolation) is the wet
/// signal; `x + feedback·wet` goes into the line; the output is
/// `(1 - mix)·x + mix·wet`. With `mix` 0.5 and no feedback, a frozen LFO
/// gives notches at odd multiples of `1 / (2d)`.
///
/// Delay and depth changes glide like the delay's time (see
/// [`glide_to`]; while the swing is limited by the delay, the longest delay
/// follows a delay change twice over); feedback and mix glide over 20 ms, the stereo phase over
/// [`SPREAD_GLIDE_MS`]; a new rate takes effect at once, the LFO's phase
/// continuing.
#[derive(Debug, Clone)]
pub struct ModulatedDelay<V: Voicing> {
    rate_hz: f64,
    depth_ms: f64,
    delay_ms: f64,
    feedback: f64,
    mix: f64,
    stereo_phase_deg: f64,
    sample_rate: f64,
    glides: Glides,
    lines: Vec<DelayLine>,
    nonfinite: u64,
    voicing: PhantomData<V>,
}

impl<V: Voicing> Default for ModulatedDelay<V> {
    /// The declared defaults.
    fn default() -> Self {
        let p = V::PARAMS;
        let (rate, depth, delay) = (p.rate_hz.default, p.depth_ms.default, p.delay_ms.default);
        let mut m = Self::new(rate, depth, delay, p.feedback.default, p.mix.default)
            .expect("valid defaults");
        m.set_stereo_phase_deg(p.stereo_phase_deg.default).expect("valid defaults");
        m.glides.snap();
        m
    }
}

impl<V: Voicing> ModulatedDelay<V> {
    /// The effect with `rate_hz`, `depth_ms`, `delay_ms`, `feedback` and
    /// `mix` (each checked as by its setter) and no stereo phase.
    pub fn new(
        rate_hz: f64,
        depth_ms: f64,
        delay_ms: f64,
        feedback: f64,
        mix: f64,
    ) -> Result<Self, Error> {
        let mut m = Self {
            rate_hz: 0.0,
            depth_ms: 0.0,
            delay_ms: 0.0,
            feedback: 0.0,
            mix: 0.0,
            stereo_phase_deg: 0.0,
            sample_rate: 48_000.0,
            glides: Glides {
                centre: LinearSmoother::new(0.0),
                depth: LinearSmoother::new(0.0),
                feedback: LinearSmoother::new(0.0),
                wet: LinearSmoother::new(0.0),
                spread: LinearSmoother::new(0.0),
                lfo: Lfo::default(),
            },
            lines: Vec::new(),
            nonfinite: 0,
            voicing: PhantomData,
        };
        m.set_ramps();
        m.set_rate_hz(rate_hz)?;
        m.set_depth_ms(depth_ms)?;
        m.set_delay_ms(delay_ms)?;
        m.set_feedback(feedback)?;
        m.set_mix(mix)?;
        m.glides.snap();
        Ok(m)
    }

    /// LFO rate in Hz (0 = frozen).
    pub fn rate_hz(&self) -> f64 {
        self.rate_hz
    }

    /// Sets the LFO rate (at once; the phase continues).
    pub fn set_rate_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.rate_hz = V::PARAMS.rate_hz.check(hz)?;
        self.glides.lfo.set_rate(self.rate_hz, self.sample_rate);
        Ok(())
    }

    /// Swing each way from the centre, in ms.
    pub fn depth_ms(&self) -> f64 {
        self.depth_ms
    }

    /// Sets the swing (glides).
    pub fn set_depth_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.depth_ms = V::PARAMS.depth_ms.check(ms)?;
        glide_to(&mut self.glides.depth, ms * 1e-3 * self.sample_rate, self.sample_rate);
        Ok(())
    }

    /// Centre delay in ms.
    pub fn delay_ms(&self) -> f64 {
        self.delay_ms
    }

    /// Sets the centre delay (glides).
    pub fn set_delay_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.delay_ms = V::PARAMS.delay_ms.check(ms)?;
        glide_to(&mut self.glides.centre, ms * 1e-3 * self.sample_rate, self.sample_rate);
        Ok(())
    }

    /// Feedback gain.
    pub fn feedback(&self) -> f64 {
        self.feedback
    }

    /// Sets the feedback gain (glides over 20 ms).
    pub fn set_feedback(&mut self, feedback: f64) -> Result<(), Error> {
        self.feedback = V::PARAMS.feedback.check(feedback)?;
        self.glides.feedback.set_target(self.feedback);
        Ok(())
    }

    /// Wet proportion.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = V::PARAMS.mix.check(mix)?;
        self.glides.wet.set_target(self.mix);
        Ok(())
    }

    /// LFO phase of odd channels after even ones, in degrees.
    pub fn stereo_phase_deg(&self) -> f64 {
        self.stereo_phase_deg
    }

    /// Sets the stereo LFO phase (glides over [`SPREAD_GLIDE_MS`], slowly
    /// enough that the odd channels' delay moves like a delay glide even
    /// at the deepest swing).
    pub fn set_stereo_phase_deg(&mut self, deg: f64) -> Result<(), Error> {
        self.stereo_phase_deg = V::PARAMS.stereo_phase_deg.check(deg)?;
        self.glides.spread.set_target(self.stereo_phase_deg / 360.0);
        Ok(())
    }

    fn set_ramps(&mut self) {
        let fs = self.sample_rate;
        for s in [&mut self.glides.feedback, &mut self.glides.wet] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs);
        }
        self.glides.spread.set_ramp_ms(SPREAD_GLIDE_MS, fs);
    }

    /// Longest delay the effect reaches, in samples at `fs`.
    fn max_delay(fs: f64) -> usize {
        let p = V::PARAMS;
        libm::ceil((p.delay_ms.max + p.depth_ms.max) * 1e-3 * fs) as usize + 1
    }
}

/// Samples whose control values (LFO phase, glides) are worked out
/// together before the delay lines run over them.
const SUB: usize = READ_BLOCK;

/// The per-sample values of a stretch of up to [`SUB`] samples, shared by
/// every channel.
struct Controls {
    len: usize,
    phase: [f32; SUB],
    centre: [f32; SUB],
    depth: [f32; SUB],
    spread: [f32; SUB],
    feedback: [f32; SUB],
    wet: [f32; SUB],
    /// No stereo phase over the stretch: odd channels read where even
    /// ones do.
    mono: bool,
}

impl Glides {
    /// The values of the next `n` (at most [`SUB`]) samples; advances past
    /// them.
    #[inline(always)]
    fn controls(&mut self, n: usize) -> Controls {
        let n = n.min(SUB);
        let mut c = Controls {
            len: n,
            phase: [0.0; SUB],
            centre: [self.centre.current() as f32; SUB],
            depth: [self.depth.current() as f32; SUB],
            spread: [self.spread.current() as f32; SUB],
            feedback: [self.feedback.current() as f32; SUB],
            wet: [self.wet.current() as f32; SUB],
            mono: self.spread.current() == 0.0,
        };
        if self.gliding() {
            for k in 0..n {
                (c.centre[k], c.depth[k], c.spread[k]) = (
                    self.centre.next() as f32,
                    self.depth.next() as f32,
                    self.spread.next() as f32,
                );
                (c.feedback[k], c.wet[k]) = (self.feedback.next() as f32, self.wet.next() as f32);
            }
            c.mono = c.spread[..n].iter().all(|&s| s == 0.0);
        }
        for p in &mut c.phase[..n] {
            *p = self.lfo.phase() as f32;
            self.lfo.step();
        }
        c
    }
}

/// Where channel `odd` or even reads its line over the stretch `c`
/// describes.
#[inline(always)]
fn reads(c: &Controls, line: &DelayLine, odd: bool) -> Reads {
    let mut delays = [0.0f32; SUB];
    for (k, d) in delays[..c.len].iter_mut().enumerate() {
        let offset = if odd { c.spread[k] } else { 0.0 };
        let swing = c.depth[k].min(c.centre[k] - MIN_DELAY_SAMPLES as f32).max(0.0);
        *d = c.centre[k] + swing * Lfo::value_at_f32(c.phase[k], offset);
    }
    line.reads(&delays[..c.len])
}

/// One channel over the stretch `c` describes, reading as `r` says: the
/// reads (all at once when they only reach samples from before the
/// stretch, as they do unless the delay is shorter than the stretch), the
/// pushes and the mix.
#[inline(always)]
fn run_channel(c: &Controls, r: &Reads, line: &mut DelayLine, x: &mut [f32]) {
    let n = c.len.min(x.len());
    let mut y = [0.0f32; SUB];
    if line.read_reads(r, &mut y[..n]) {
        let mut feed = [0.0f32; SUB];
        for k in 0..n {
            feed[k] = flush_denormal(x[k] + c.feedback[k] * y[k]);
        }
        line.push_block(&feed[..n]);
    } else {
        for k in 0..n {
            y[k] = line.read_one(r, k);
            line.push(flush_denormal(x[k] + c.feedback[k] * y[k]));
        }
    }
    for k in 0..n {
        // A select rather than a skipped store: the loop vectorises.
        let wet = c.wet[k];
        let mixed = x[k] * (1.0 - wet) + y[k] * wet;
        x[k] = if wet != 0.0 { mixed } else { x[k] };
    }
}

/// The processing of a block, compiled per instruction set.
struct Run<'a, 'b> {
    glides: &'a mut Glides,
    lines: &'a mut [DelayLine],
    channels: &'a mut [&'b mut [f32]],
}

impl Kernel for Run<'_, '_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        let len = self.channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len {
            let c = self.glides.controls(len - start);
            let end = start + c.len;
            let mut even = None;
            for (i, (x, line)) in self.channels.iter_mut().zip(self.lines.iter_mut()).enumerate() {
                let r = match even {
                    Some(r) if c.mono || i % 2 == 0 => r,
                    _ => reads(&c, line, i % 2 == 1),
                };
                if i % 2 == 0 {
                    even = Some(r);
                }
                run_channel(&c, &r, line, &mut x[start..end]);
            }
            start = end;
        }
    }
}

impl<V: Voicing> Processor for ModulatedDelay<V> {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        self.set_ramps();
        let max = Self::max_delay(spec.sample_rate);
        self.lines.resize_with(spec.channels, DelayLine::new);
        self.lines.iter_mut().for_each(|l| l.allocate(max));
        let fs = spec.sample_rate;
        self.glides.lfo.set_rate(self.rate_hz, fs);
        glide_to(&mut self.glides.depth, self.depth_ms * 1e-3 * fs, fs);
        glide_to(&mut self.glides.centre, self.delay_ms * 1e-3 * fs, fs);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.glides.snap();
        self.glides.lfo.reset();
        self.lines.iter_mut().for_each(DelayLine::clear);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        if channels.len() > self.lines.len() {
            return; // not prepared for these channels
        }
        let (glides, lines) = (&mut self.glides, &mut self.lines[..]);
        dispatch(Run { glides, lines, channels });
    }

    fn tail(&self) -> usize {
        let g = &self.glides;
        if g.wet.current().max(g.wet.target()) == 0.0 {
            return 0;
        }
        // Repeats until the feedback takes them below -90 dB, each at most
        // the longest delay apart.
        let longest = (g.centre.current().max(g.centre.target())
            + g.depth.current().max(g.depth.target()))
        .min(Self::max_delay(self.sample_rate) as f64);
        let fb = g.feedback.current().abs().max(g.feedback.target().abs());
        let repeats = if fb < 1e-9 { 1.0 } else { 1.0 + libm::ceil(log(TAIL_LEVEL) / log(fb)) };
        (repeats * (libm::ceil(longest) + 2.0)) as usize
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::{MAX_GLIDE_RATE, TAIL_LEVEL};
    use crate::params::{Declared, KindInfo, Params};
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    /// Runs a stereo pair through `p` (prepared at 48 kHz) in blocks of 512.
    fn run2<V: Voicing>(p: &mut ModulatedDelay<V>, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        crate::processor::process_in_blocks(p, &mut [&mut a, &mut b], 512);
        (a, b)
    }

    fn impulse(len: usize) -> Vec<f32> {
        let mut x = std::vec![0.0f32; len];
        x[0] = 1.0;
        x
    }

    /// Both kinds declare the same parameters, in the order of
    /// [`ModulatedParams`], with the values their setters check against.
    #[test]
    fn declarations_follow_the_voicings() {
        fn check<V: Voicing>(kind: &KindInfo)
        where
            ModulatedDelay<V>: Declared,
        {
            let p = V::PARAMS;
            let want = [
                p.rate_hz,
                p.depth_ms,
                p.delay_ms,
                p.feedback,
                p.mix,
                p.stereo_phase_deg,
                crate::bypass::BYPASS,
            ];
            assert_eq!(kind.params, &want[..], "{}", kind.name);
            assert_eq!(<ModulatedDelay<V> as Declared>::KIND, kind);
        }
        check::<ChorusVoicing>(&CHORUS_KIND);
        check::<FlangerVoicing>(&FLANGER_KIND);
        let f = Flanger::default();
        assert_eq!(f.kind().name, "flanger");
        assert!(Chorus::default().set_delay_ms(0.5).is_err()); // below the chorus range
    }

    /// The delay of an impulse probe every 25 ms follows
    /// `delay + depth·(-cos(2π·rate·t + phase))` at the time it comes out,
    /// within 0.05 samples, on both channels (the right a quarter cycle
    /// ahead): the swing is the set depth each way.
    #[test]
    fn chorus_delay_swings_by_the_depth() {
        let (rate, depth, centre) = (1.0, 4.0, 15.0);
        let mut c = Chorus::new(rate, depth, centre, 0.0, 1.0).unwrap();
        c.set_stereo_phase_deg(90.0).unwrap();
        let mut x = std::vec![0.0f32; 120_000];
        x.iter_mut().step_by(1200).for_each(|v| *v = 1.0);
        let (l, r) = run2(&mut c, &x, &x);
        let at = |n: f64, offset: f64| {
            let phase = 2.0 * core::f64::consts::PI * (rate * n / FS + offset);
            (centre - depth * libm::cos(phase)) * 1e-3 * FS
        };
        let mut worst = 0.0f64;
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for (y, offset) in [(&l, 0.0), (&r, 0.25)] {
            for t in (0..x.len() - 1200).step_by(1200) {
                let w = &y[t..t + 1200];
                let sum: f64 = w.iter().map(|&v| v as f64).sum();
                let got =
                    w.iter().enumerate().map(|(n, &v)| n as f64 * v as f64).sum::<f64>() / sum;
                // The delay when the probe comes out: tau = D(t + tau).
                let mut tau = at(t as f64, offset);
                for _ in 0..10 {
                    tau = at(t as f64 + tau, offset);
                }
                worst = worst.max((got - tau).abs());
                (lo, hi) = (lo.min(got), hi.max(got));
            }
        }
        assert!(worst < 0.05, "probe delays off by up to {worst} samples");
        // 40 probes per cycle catch the extremes to within a sample.
        assert!(
            (hi - (centre + depth) * 48.0).abs() < 1.0
                && (lo - (centre - depth) * 48.0).abs() < 1.0
        );
    }

    /// A frozen LFO (rate 0) holds the left channel at the shortest delay
    /// and, with a half-cycle stereo phase, the right at the longest: with
    /// mix 0.5 and no feedback the notches sit at odd multiples of
    /// `1 / (2·delay)` and the peaks at multiples of `1 / delay`.
    #[test]
    fn flanger_notches_at_the_lfo_extremes() {
        for (centre, depth) in [(3.0, 2.0), (3.01, 2.0)] {
            let mut f = Flanger::new(0.0, depth, centre, 0.0, 0.5).unwrap();
            f.set_stereo_phase_deg(180.0).unwrap();
            let (l, r) = run2(&mut f, &impulse(8192), &impulse(8192));
            for (h, ms) in [(&l, centre - depth), (&r, centre + depth)] {
                let first = 1e3 / (2.0 * ms); // Hz
                for k in 0..3 {
                    let notch = (2 * k + 1) as f64 * first;
                    let peak = 2.0 * (k + 1) as f64 * first;
                    let (n_db, p_db) = (dft_db(h, notch, FS), dft_db(h, peak, FS));
                    assert!(n_db < -40.0, "{ms} ms: {notch} Hz at {n_db} dB");
                    assert!(p_db.abs() < 0.05, "{ms} ms: peak {peak} Hz at {p_db} dB");
                }
            }
        }
    }

    /// Jumps of delay, depth and stereo phase while a tone plays (frozen
    /// LFO, wet only, no feedback) glide: no step beyond the tone's own at
    /// the fastest glide speed, `1 + MAX_GLIDE_RATE`. One corner moves
    /// twice as fast: while the swing is limited by the centre (depth above
    /// delay), a shrinking centre shortens the longest delay by twice its
    /// own glide, `centre + (centre - 3 samples)`; the read speeds up to
    /// `1 + 2·MAX_GLIDE_RATE` (an octave), still without a click.
    #[test]
    fn parameter_changes_do_not_click() {
        let x = sine(300.0, FS, 96_000, 0.5);
        let own = max_step(&x);
        let mut c = Chorus::new(0.0, 2.0, 5.0, 0.0, 1.0).unwrap();
        c.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut l, mut r) = (x.clone(), x.clone());
        for (i, (a, b)) in l.chunks_mut(512).zip(r.chunks_mut(512)).enumerate() {
            match i {
                20 => c.set_delay_ms(40.0).unwrap(),
                60 => c.set_depth_ms(20.0).unwrap(),
                100 => c.set_stereo_phase_deg(180.0).unwrap(),
                140 => c.set_delay_ms(8.0).unwrap(), // the corner, on the right
                _ => {}
            }
            c.process_stereo(a, b);
        }
        let rate = MAX_GLIDE_RATE as f32;
        let (left, right) = (max_step(&l[2000..]), max_step(&r[2000..]));
        assert!(left <= own * (1.0 + rate) * 1.001, "{left} vs {own}");
        assert!(max_step(&r[2000..70_000]) <= own * (1.0 + rate) * 1.001);
        assert!(right <= own * (1.0 + 2.0 * rate) * 1.001, "{right} vs {own}");
    }

    #[test]
    fn mix_zero_is_bit_exact_dry() {
        let x = test_signal(2, 20_000);
        let (l, r) = run2(&mut Chorus::new(3.0, 5.0, 10.0, 0.5, 0.0).unwrap(), &x[0], &x[1]);
        assert_eq!((&l, &r), (&x[0], &x[1]));
        let (l, r) = run2(&mut Flanger::new(3.0, 1.0, 2.0, -0.9, 0.0).unwrap(), &x[0], &x[1]);
        assert_eq!((&l, &r), (&x[0], &x[1]));
    }

    /// Extreme feedback (both signs) with the fastest, deepest sweep and
    /// with a slow sweep of the longest delay, over 10 s of loud noise:
    /// finite and bounded.
    fn stable<V: Voicing>() {
        let p = V::PARAMS;
        let x = noise(480_000, 1.0, 11);
        let y: Vec<f32> = x.iter().rev().copied().collect();
        for fb in [p.feedback.max, p.feedback.min] {
            for (rate, delay) in [(p.rate_hz.max, p.delay_ms.min), (0.1, p.delay_ms.max)] {
                let mut m = ModulatedDelay::<V>::new(rate, p.depth_ms.max, delay, fb, 1.0).unwrap();
                m.set_stereo_phase_deg(90.0).unwrap();
                let (l, r) = run2(&mut m, &x, &y);
                let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
                assert!(
                    peak.is_finite() && peak > 1.0 && peak < 100.0,
                    "fb {fb} rate {rate}: {peak}"
                );
            }
        }
    }

    #[test]
    fn stable_at_extreme_feedback() {
        stable::<ChorusVoicing>();
        stable::<FlangerVoicing>();
    }

    #[test]
    fn tail_ends_below_minus_90_db() {
        let limit = TAIL_LEVEL as f32;
        let check = |m: &mut dyn Processor| {
            m.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
            let tail = m.tail();
            let (mut l, mut r) = (impulse(tail + 24_000), impulse(tail + 24_000));
            crate::processor::process_in_blocks(m, &mut [&mut l, &mut r], 512);
            let last = l.iter().chain(&r[..]).enumerate().filter(|(_, v)| v.abs() >= limit);
            let last = last.map(|(i, _)| i % l.len()).max().unwrap();
            assert!(last < tail, "{last} >= {tail}");
        };
        check(&mut Chorus::new(2.0, 5.0, 20.0, 0.8, 1.0).unwrap());
        check(&mut Flanger::new(0.5, 2.0, 5.0, -0.9, 0.5).unwrap());
        check(&mut Chorus::new(1.0, 3.0, 10.0, 0.0, 1.0).unwrap());
    }

    #[test]
    fn invariants() {
        let change = |m: &mut Chorus| {
            m.set_rate_hz(3.0).unwrap();
            m.set_depth_ms(6.0).unwrap();
            m.set_delay_ms(9.0).unwrap();
            m.set_feedback(-0.4).unwrap();
            m.set_mix(0.8).unwrap();
            m.set_stereo_phase_deg(30.0).unwrap();
        };
        check_processor_invariants(|| Chorus::new(1.3, 3.0, 12.0, 0.3, 0.5).unwrap(), 2, change);
        check_processor_invariants(Chorus::default, 1, change);
        check_processor_invariants(Flanger::default, 2, |m: &mut Flanger| {
            m.set_delay_ms(1.0).unwrap();
            m.set_feedback(0.9).unwrap();
        });
        // Delays from 3 to 26 samples, shorter than a stretch: some
        // stretches are read sample by sample, others at once (the choice
        // depends on where a stretch starts, the output must not), on 3
        // channels (the third shares the first's reads).
        check_processor_invariants(
            || Flanger::new(5.0, 0.25, 0.3, 0.7, 0.5).unwrap(),
            3,
            |m: &mut Flanger| m.set_stereo_phase_deg(90.0).unwrap(),
        );
    }
}
