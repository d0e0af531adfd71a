//! Plate reverb after Dattorro's figure-of-eight tank ("Effect Design,
//! Part 1", JAES 45(9), 1997).

use crate::buffer::sanitize;
use crate::error::Error;
use crate::filters::biquad::Coefs;
use crate::filters::design::{FilterKind, first_order};
use crate::math::{MAX_LOOP_LEVEL, PI, clamp_level, cos, flush_denormal, sin};
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch, mul_add};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

use super::ring::{Diffuser, MAX_CHUNK, Ring};

crate::declare_params! {
    PlateReverb, PLATE_REVERB_KIND = "plate_reverb", "PlateReverb",
        Caps::PLAIN.channels(Channels::ToStereo).tail(),
        "Plate reverb after Dattorro (1997): predelay, input band limit, four input \
         diffusers, and a figure-of-eight tank of two branches (modulated all-pass, delay, \
         damping, all-pass, delay) whose taps make the stereo output. Mono or stereo in \
         (summed), stereo out.";
    DECAY_S = ParamInfo::float("decay_s", 0.2, 20.0, 2.0, "s",
        "Reverberation time (RT60) of the tank at 1 kHz without damping, in seconds")
        .log() => decay_s, set_decay_s;
    PREDELAY_MS = ParamInfo::float("predelay_ms", 0.0, 500.0, 10.0, "ms",
        "Delay before the tank") => predelay_ms, set_predelay_ms;
    DAMPING = ParamInfo::float("damping", 0.0, 1.0, 0.3, "",
        "High-frequency damping in the tank: its low-pass moves from 20 kHz (0) down to \
         200 Hz (1) on a log scale") => damping, set_damping;
    BANDWIDTH_HZ = ParamInfo::float("bandwidth_hz", 500.0, 20_000.0, 12_000.0, "Hz",
        "Cutoff of the low-pass on the input (held below 0.45 x the sample rate)")
        .log() => bandwidth_hz, set_bandwidth_hz;
    MODULATION = ParamInfo::float("modulation", 0.0, 1.0, 0.5, "",
        "Depth of the tank's delay modulation (0.5 = Dattorro's 16 samples at 29.8 kHz, \
         +-0.54 ms)") .smoothed(100.0) => modulation, set_modulation;
    WIDTH = ParamInfo::float("width", 0.0, 1.0, 1.0, "",
        "Stereo width of the reverberation, from 0 (mono) to 1 (the tank's taps as they are)")
        .smoothed(DEFAULT_SMOOTHING_MS) => width, set_width;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 0.3, "",
        "Wet proportion from 0 (dry) to 1 (reverberation only)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
}

/// The sample rate Dattorro's delays are given at.
const REFERENCE_HZ: f64 = 29_761.0;
/// Input diffusers: delay at the reference rate and gain.
const INPUT_DIFFUSERS: [(f64, f32); 4] =
    [(142.0, 0.75), (107.0, 0.75), (379.0, 0.625), (277.0, 0.625)];
/// Gain of the tank's modulated all-passes ("decay diffusion 1", with the
/// sign the paper allows to be negative).
const DECAY_DIFFUSION_1: f32 = -0.7;
/// Tank branches at the reference rate: modulated all-pass, delay,
/// all-pass, delay.
const BRANCHES: [[f64; 4]; 2] = [[672.0, 4453.0, 1800.0, 3720.0], [908.0, 4217.0, 2656.0, 3163.0]];
/// Peak excursion of the modulated all-passes at `modulation` 1, in
/// samples at the reference rate.
const MAX_EXCURSION: f64 = 32.0;
/// Rate of the modulation, in Hz.
const LFO_HZ: f64 = 0.8;
/// Longest predelay in ms.
const MAX_PREDELAY_MS: f64 = 500.0;
/// Output gain of every tap.
const TAP_GAIN: f32 = 0.6;

/// Where an output tap reads inside a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    FirstDelay,
    AllPass,
    SecondDelay,
}

/// Output taps (branch, element, offset at the reference rate, sign) of
/// the left and right outputs (Dattorro's Table 2).
const TAPS: [[(usize, Element, f64, f32); 7]; 2] = {
    use Element::*;
    [
        [
            (1, FirstDelay, 266.0, 1.0),
            (1, FirstDelay, 2974.0, 1.0),
            (1, AllPass, 1913.0, -1.0),
            (1, SecondDelay, 1996.0, 1.0),
            (0, FirstDelay, 1990.0, -1.0),
            (0, AllPass, 187.0, -1.0),
            (0, SecondDelay, 1066.0, -1.0),
        ],
        [
            (0, FirstDelay, 353.0, 1.0),
            (0, FirstDelay, 3627.0, 1.0),
            (0, AllPass, 1228.0, -1.0),
            (0, SecondDelay, 2673.0, 1.0),
            (1, FirstDelay, 2111.0, -1.0),
            (1, AllPass, 335.0, -1.0),
            (1, SecondDelay, 121.0, -1.0),
        ],
    ]
};

/// A first-order section of [`first_order`]'s designs (`b2 = a2 = 0`),
/// run as a recursion on its state alone: `y = b0·x + s`, then
/// `s ← c·x + p·s` with `c = b1 − a1·b0` and `p = −a1` (the transposed
/// direct form with `y` substituted), so that each sample waits on one
/// multiply-add rather than on a chain of four operations.
#[derive(Debug, Clone, Copy, Default)]
struct FirstOrder {
    b0: f32,
    c: f32,
    p: f32,
    s: f32,
}

impl FirstOrder {
    fn set_coefs(&mut self, k: &Coefs) {
        self.b0 = k.b0 as f32;
        self.c = (k.b1 - k.a1 * k.b0) as f32;
        self.p = -k.a1 as f32;
    }

    /// Filters one sample (`W` as in `simd::Kernel::run`).
    #[inline(always)]
    fn tick<const W: bool>(&mut self, x: f32) -> f32 {
        let y = mul_add::<W, f32>(self.b0, x, self.s);
        self.s = mul_add::<W, f32>(self.p, self.s, self.c * x);
        y
    }

    /// Filters `x` in place.
    #[inline(always)]
    fn process<const W: bool>(&mut self, x: &mut [f32]) {
        let mut f = *self;
        x.iter_mut().for_each(|x| *x = f.tick::<W>(*x));
        self.s = f.s;
    }

    fn flush(&mut self) {
        self.s = flush_denormal(self.s);
    }

    fn reset(&mut self) {
        self.s = 0.0;
    }
}

/// One half of the tank.
#[derive(Debug, Clone, Default)]
struct Branch {
    modulated: Diffuser,
    /// Nominal delay of the modulated all-pass, in samples.
    nominal: f32,
    first: Ring,
    first_len: usize,
    damping: FirstOrder,
    diffuser: Diffuser,
    second: Ring,
    second_len: usize,
}

impl Branch {
    /// Adds to `out[k]` `gain` times the value `back` samples into
    /// `element` right after the `k`-th of the last `out.len()` samples.
    #[inline(always)]
    fn add_taps(&self, element: Element, back: usize, gain: f32, out: &mut [f32]) {
        match element {
            Element::FirstDelay => self.first.add_past_taps(back, gain, out),
            Element::AllPass => self.diffuser.add_past_taps(back, gain, out),
            Element::SecondDelay => self.second.add_past_taps(back, gain, out),
        }
    }

    fn clear(&mut self) {
        self.modulated.clear();
        self.first.clear();
        self.damping.reset();
        self.diffuser.clear();
        self.second.clear();
    }
}

/// Dattorro's plate reverb on stereo audio (the input is summed to mono;
/// a mono source arrives in both channels).
///
/// Signal path: predelay → first-order low-pass (`bandwidth_hz`) → four
/// all-pass diffusers → the tank. Each branch of the tank takes the
/// diffused input plus the other branch's output times the decay gain,
/// and runs it through a modulated all-pass, a delay, a first-order
/// low-pass (`damping`), the decay gain, an all-pass and a second delay. Seven taps
/// per side, inside both branches, make the output. Delays are Dattorro's,
/// scaled from 29 761 Hz to the sample rate.
///
/// `decay_s` sets the decay gain `g` so that the tank falls by 60 dB in
/// `decay_s` at 1 kHz without damping: four passes of `g` per trip round
/// the tank, whose eight delays the all-passes lengthen by 11 % on average
/// (measured: the 1 kHz T30 is within 1 % of `decay_s` at 1 s and 5 %
/// short at 4 s, where the second all-passes' gain has risen; low
/// frequencies take a few percent longer, and `damping` shortens the
/// highs). The low-pass filters are those of
/// [`filters::design`](crate::filters::design); the modulated all-passes
/// read by linear interpolation. Every gain in the loop stays below 1, so
/// the tank is stable for every setting.
///
/// The tank runs a chunk of samples at a time, element by element: no
/// chunk is longer than the shortest delay around the loop, so what an
/// element reads within a chunk was written before it.
#[derive(Debug, Clone)]
pub struct PlateReverb {
    decay_s: f64,
    predelay_ms: f64,
    damping: f64,
    bandwidth_hz: f64,
    modulation: f64,
    width: f64,
    mix: f64,
    sample_rate: f64,
    predelay: usize,
    pre: Ring,
    bandwidth: FirstOrder,
    input: [Diffuser; 4],
    tank: [Branch; 2],
    taps: [[(usize, Element, usize, f32); 7]; 2],
    decay_gain: f32,
    /// Samples the input path and the tank run at a time.
    chunk: usize,
    /// LFO phasor (cos, sin) at the start of the next chunk.
    lfo: (f64, f64),
    /// The phasor's rotation after `k + 1` samples, at index `k`: cosines
    /// and sines.
    lfo_turns: [[f64; MAX_CHUNK]; 2],
    /// Peak excursion of the modulated all-passes, in samples.
    excursion: LinearSmoother,
    width_s: LinearSmoother,
    mix_s: LinearSmoother,
    prepared: bool,
    nonfinite: u64,
}

impl Default for PlateReverb {
    /// The declared defaults: 2 s, 10 ms predelay, damping 0.3, 12 kHz
    /// bandwidth, modulation 0.5, full width, 30 % wet.
    fn default() -> Self {
        Self::new(2.0, 10.0, 0.3, 0.3).expect("valid defaults")
    }
}

impl PlateReverb {
    /// A plate with the given decay, predelay, damping and mix (each
    /// checked as by its setter) and the declared defaults for the others.
    pub fn new(decay_s: f64, predelay_ms: f64, damping: f64, mix: f64) -> Result<Self, Error> {
        let mut p = Self {
            decay_s: 2.0,
            predelay_ms: 10.0,
            damping: 0.3,
            bandwidth_hz: 12_000.0,
            modulation: 0.5,
            width: 1.0,
            mix: 0.3,
            sample_rate: 48_000.0,
            predelay: 0,
            pre: Ring::default(),
            bandwidth: FirstOrder::default(),
            input: Default::default(),
            tank: Default::default(),
            taps: [[(0, Element::FirstDelay, 1, 0.0); 7]; 2],
            decay_gain: 0.5,
            chunk: 1,
            lfo: (1.0, 0.0),
            lfo_turns: [[1.0; MAX_CHUNK], [0.0; MAX_CHUNK]],
            excursion: LinearSmoother::new(0.0),
            width_s: LinearSmoother::new(1.0),
            mix_s: LinearSmoother::new(0.3),
            prepared: false,
            nonfinite: 0,
        };
        p.set_decay_s(decay_s)?;
        p.set_predelay_ms(predelay_ms)?;
        p.set_damping(damping)?;
        p.set_modulation(0.5)?;
        p.set_mix(mix)?;
        p.reset();
        Ok(p)
    }

    /// Low-frequency reverberation time in seconds.
    pub fn decay_s(&self) -> f64 {
        self.decay_s
    }

    /// Sets the reverberation time (applies at once).
    pub fn set_decay_s(&mut self, seconds: f64) -> Result<(), Error> {
        self.decay_s = Self::DECAY_S.check(seconds)?;
        self.update_decay();
        Ok(())
    }

    /// Predelay in ms.
    pub fn predelay_ms(&self) -> f64 {
        self.predelay_ms
    }

    /// Sets the predelay (applies at once).
    pub fn set_predelay_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.predelay_ms = Self::PREDELAY_MS.check(ms)?;
        self.predelay = self.ms_to_samples(self.predelay_ms);
        Ok(())
    }

    /// Tank damping from 0 to 1.
    pub fn damping(&self) -> f64 {
        self.damping
    }

    /// Sets the tank damping (applies at once).
    pub fn set_damping(&mut self, damping: f64) -> Result<(), Error> {
        self.damping = Self::DAMPING.check(damping)?;
        self.update_filters();
        Ok(())
    }

    /// The cutoff of the tank's low-pass, in Hz: `20 kHz · 0.01^damping`.
    pub fn damping_hz(&self) -> f64 {
        20_000.0 * libm::pow(0.01, self.damping)
    }

    /// Input low-pass cutoff in Hz.
    pub fn bandwidth_hz(&self) -> f64 {
        self.bandwidth_hz
    }

    /// Sets the input low-pass cutoff (applies at once).
    pub fn set_bandwidth_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.bandwidth_hz = Self::BANDWIDTH_HZ.check(hz)?;
        self.update_filters();
        Ok(())
    }

    /// Modulation depth from 0 to 1.
    pub fn modulation(&self) -> f64 {
        self.modulation
    }

    /// Sets the modulation depth (glides over 100 ms).
    pub fn set_modulation(&mut self, depth: f64) -> Result<(), Error> {
        self.modulation = Self::MODULATION.check(depth)?;
        let samples = self.modulation * MAX_EXCURSION * self.sample_rate / REFERENCE_HZ;
        self.excursion.set_target(samples);
        Ok(())
    }

    /// Stereo width of the wet signal.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// Sets the stereo width (glides over 20 ms).
    pub fn set_width(&mut self, width: f64) -> Result<(), Error> {
        self.width = Self::WIDTH.check(width)?;
        self.width_s.set_target(self.width);
        Ok(())
    }

    /// Wet proportion.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = Self::MIX.check(mix)?;
        self.mix_s.set_target(self.mix);
        Ok(())
    }

    fn ms_to_samples(&self, ms: f64) -> usize {
        libm::round(ms * 1e-3 * self.sample_rate) as usize
    }

    fn scaled(&self, reference_samples: f64) -> usize {
        (libm::round(reference_samples * self.sample_rate / REFERENCE_HZ) as usize).max(1)
    }

    fn update_decay(&mut self) {
        // Four decay gains per trip round the tank's eight delays, the trip
        // lengthened by what its all-passes hold (measured).
        let loop_s = TANK_HOLD * BRANCHES.iter().flatten().sum::<f64>() / REFERENCE_HZ;
        let g = libm::pow(10.0, -3.0 * loop_s / (4.0 * self.decay_s));
        self.decay_gain = g as f32;
        // Dattorro's "decay diffusion 2": decay + 0.15 within 0.25..0.5.
        let diffusion = (g + 0.15).clamp(0.25, 0.5) as f32;
        for b in &mut self.tank {
            b.diffuser.set_gain(diffusion);
        }
    }

    fn update_filters(&mut self) {
        let fs = self.sample_rate;
        let top = 0.45 * fs;
        let damp = first_order(FilterKind::LowPass, self.damping_hz().min(top), fs);
        for b in &mut self.tank {
            b.damping.set_coefs(&damp);
        }
        self.bandwidth.set_coefs(&first_order(FilterKind::LowPass, self.bandwidth_hz.min(top), fs));
    }

    /// The input path over a chunk of (mono) input, in place: predelay,
    /// band limit and input diffusers, stage by stage along the chunk.
    #[inline(always)]
    fn input<const W: bool>(&mut self, v: &mut [f32]) {
        self.pre.write(v);
        self.pre.read(v.len() + self.predelay, v);
        self.bandwidth.process::<W>(v);
        for d in &mut self.input {
            d.process(v);
        }
    }

    /// The modulated all-passes' delays over the next `excursion.len()`
    /// samples, `excursion[k]` the peak excursion at the `k`-th: the LFO
    /// is one phasor, a quarter turn apart between the branches.
    #[inline(always)]
    fn delays(&mut self, excursion: &[f32]) -> [[f32; MAX_CHUNK]; 2] {
        let mut delays = [[0.0f32; MAX_CHUNK]; 2];
        let n = excursion.len().min(MAX_CHUNK);
        let Some(last) = n.checked_sub(1) else { return delays };
        let (c, s) = self.lfo;
        let [turn_c, turn_s] = &self.lfo_turns;
        let nominal = self.tank.each_ref().map(|b| b.nominal);
        let [d0, d1] = &mut delays;
        let turns = turn_c.iter().zip(turn_s);
        for (((d0, d1), &e), (&tc, &ts)) in d0.iter_mut().zip(d1).zip(excursion).zip(turns) {
            // The phasor k + 1 samples on: its sine moves the first
            // branch, its cosine the second.
            *d0 = nominal[0] + e * (c * ts + s * tc) as f32;
            *d1 = nominal[1] + e * (c * tc - s * ts) as f32;
        }
        // On by the chunk, kept on the unit circle (first-order correction).
        let (tc, ts) = (turn_c[last], turn_s[last]);
        let (c, s) = (c * tc - s * ts, c * ts + s * tc);
        let k = 1.5 - 0.5 * (c * c + s * s);
        self.lfo = (c * k, s * k);
        delays
    }

    /// Runs the tank over a chunk of the input path's output, `excursion`
    /// (as long) giving the modulation depth at each sample.
    #[inline(always)]
    fn tank<const W: bool>(&mut self, v: &[f32], excursion: &[f32]) {
        let n = v.len().min(excursion.len());
        let delays = self.delays(&excursion[..n]);
        let g = self.decay_gain;
        // Each branch takes the other's output (its second delay), all of
        // it written before this chunk.
        let mut x = [[0.0f32; MAX_CHUNK]; 2];
        for (x, other) in x.iter_mut().zip(self.tank.iter().rev()) {
            other.second.read(other.second_len, &mut x[..n]);
            for (x, &v) in x[..n].iter_mut().zip(v) {
                *x = v + g * *x;
            }
        }
        // The modulated all-passes and the first delays; `u` takes the
        // delays' outputs.
        let mut u = [[0.0f32; MAX_CHUNK]; 2];
        for (((b, x), delays), u) in self.tank.iter_mut().zip(&mut x).zip(&delays).zip(&mut u) {
            b.modulated.process_modulated(&mut x[..n], &delays[..n]);
            b.first.read(b.first_len, &mut u[..n]);
            b.first.write(&x[..n]);
        }
        // The damping of both branches in one loop: two recursions that
        // run side by side.
        let [b0, b1] = &mut self.tank;
        let mut damping = [b0.damping, b1.damping];
        let [u0, u1] = &mut u;
        for (u0, u1) in u0[..n].iter_mut().zip(&mut u1[..n]) {
            *u0 = g * damping[0].tick::<W>(*u0);
            *u1 = g * damping[1].tick::<W>(*u1);
        }
        (b0.damping, b1.damping) = (damping[0], damping[1]);
        for (b, u) in self.tank.iter_mut().zip(&mut u) {
            let u = &mut u[..n];
            b.diffuser.process(u);
            for u in u.iter_mut() {
                *u = flush_denormal(*u);
            }
            b.second.write(u);
        }
    }

    /// The wet outputs (before [`TAP_GAIN`]) of the last `n` samples the
    /// tank ran: its taps, read a chunk at a time after the chunk's
    /// samples, each along the chunk.
    #[inline(always)]
    fn outputs(&self, n: usize) -> [[f32; MAX_CHUNK]; 2] {
        let mut y = [[0.0f32; MAX_CHUNK]; 2];
        for (side, taps) in self.taps.iter().enumerate() {
            for &(branch, element, back, sign) in taps {
                self.tank[branch].add_taps(element, back, sign, &mut y[side][..n]);
            }
        }
        y
    }

    /// Processes the block, a chunk at a time (inlined into both
    /// instruction-set variants).
    #[inline(always)]
    fn run<const W: bool>(&mut self, left: &mut [f32], right: &mut [f32]) {
        let smoothers = [&self.excursion, &self.width_s, &self.mix_s];
        let steady = !smoothers.iter().any(|s| s.is_smoothing());
        let [excursion, width, amount] = smoothers.map(|s| s.current() as f32);
        let mut input = [0.0f32; MAX_CHUNK];
        let mut depth = [excursion; MAX_CHUNK];
        for (ls, rs) in left.chunks_mut(self.chunk).zip(right.chunks_mut(self.chunk)) {
            let n = ls.len().min(rs.len());
            let input = &mut input[..n];
            for ((v, l), r) in input.iter_mut().zip(&*ls).zip(&*rs) {
                *v = clamp_level(0.5 * (l + r), MAX_LOOP_LEVEL);
            }
            self.input::<W>(input);
            if !steady {
                depth[..n].iter_mut().for_each(|d| *d = self.excursion.next() as f32);
            }
            self.tank::<W>(input, &depth[..n]);
            let [yl, yr] = self.outputs(n);
            let mix =
                |(l, r): (&mut f32, &mut f32), (&yl, &yr): (&f32, &f32), width: f32, mix: f32| {
                    let (wl, wr) = (TAP_GAIN * yl, TAP_GAIN * yr);
                    let mid = 0.5 * (wl + wr);
                    let side = 0.5 * width * (wl - wr);
                    *l += mix * (mid + side - *l);
                    *r += mix * (mid - side - *r);
                };
            let samples = ls.iter_mut().zip(rs.iter_mut()).zip(yl.iter().zip(&yr));
            if steady {
                samples.for_each(|(dry, wet)| mix(dry, wet, width, amount));
            } else {
                for (dry, wet) in samples {
                    let [width, amount] =
                        [&mut self.width_s, &mut self.mix_s].map(|s| s.next() as f32);
                    mix(dry, wet, width, amount);
                }
            }
        }
        self.bandwidth.flush();
        for b in &mut self.tank {
            b.damping.flush();
        }
    }
}

struct Run<'a> {
    plate: &'a mut PlateReverb,
    left: &'a mut [f32],
    right: &'a mut [f32],
}

impl Kernel for Run<'_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        self.plate.run::<WIDE>(self.left, self.right);
    }
}

impl Processor for PlateReverb {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        let fs = spec.sample_rate;
        self.sample_rate = fs;
        self.pre.allocate(self.ms_to_samples(MAX_PREDELAY_MS) + MAX_CHUNK + 2);
        self.chunk = MAX_CHUNK;
        for (d, &(len, g)) in self.input.iter_mut().zip(&INPUT_DIFFUSERS) {
            d.prepare((libm::round(len * fs / REFERENCE_HZ) as usize).max(1), g);
            self.chunk = self.chunk.min(d.delay());
        }
        let excursion_max = libm::ceil(MAX_EXCURSION * fs / REFERENCE_HZ) as usize;
        for (i, b) in self.tank.iter_mut().enumerate() {
            let [m, d1, a, d2] =
                BRANCHES[i].map(|r| (libm::round(r * fs / REFERENCE_HZ) as usize).max(1));
            let nominal = m.max(excursion_max + 2);
            b.nominal = nominal as f32;
            b.modulated.prepare_modulated(nominal, nominal + excursion_max + 1, DECAY_DIFFUSION_1);
            // Room for the taps read a chunk after their samples.
            b.first.allocate(d1 + 1 + MAX_CHUNK);
            b.first_len = d1;
            b.diffuser.prepare(a, 0.5);
            b.second.allocate(d2 + 1 + MAX_CHUNK);
            b.second_len = d2;
            // A chunk reads only what was written before it: no longer
            // than any delay of the loop (the modulated one at its
            // shortest, `nominal - excursion_max`, read 1 sample further).
            self.chunk = self.chunk.min(nominal - excursion_max - 1).min(d1).min(a).min(d2);
        }
        self.taps = TAPS.map(|side| {
            side.map(|(branch, element, back, sign)| (branch, element, self.scaled(back), sign))
        });
        let turn = 2.0 * PI * LFO_HZ / fs;
        let [turn_c, turn_s] = &mut self.lfo_turns;
        for (k, (c, s)) in turn_c.iter_mut().zip(turn_s).enumerate() {
            (*c, *s) = (cos((k + 1) as f64 * turn), sin((k + 1) as f64 * turn));
        }
        self.excursion.set_ramp_ms(100.0, fs);
        self.width_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs);
        self.mix_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs);
        self.predelay = self.ms_to_samples(self.predelay_ms);
        self.set_modulation(self.modulation)?;
        self.update_decay();
        self.update_filters();
        self.prepared = true;
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.pre.clear();
        self.bandwidth.reset();
        self.input.iter_mut().for_each(Diffuser::clear);
        self.tank.iter_mut().for_each(Branch::clear);
        self.lfo = (1.0, 0.0);
        self.excursion.snap();
        self.width_s.snap();
        self.mix_s.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let [left, right] = channels else { return };
        if !self.prepared {
            return;
        }
        dispatch(Run { plate: self, left, right });
    }

    /// Samples for the tank to decay by 90 dB after the input ends.
    fn tail(&self) -> usize {
        let fs = self.sample_rate;
        let loop_len = BRANCHES.iter().flatten().sum::<f64>() * fs / REFERENCE_HZ;
        let decay = TAIL_MARGIN * 1.5 * self.decay_s * fs;
        self.predelay + libm::ceil(decay + loop_len) as usize
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

/// How much longer than the sum of its delays a trip round the tank lasts,
/// on average over the modes of the 1 kHz octave: its all-passes hold
/// energy beyond their delays (measured on impulse responses without
/// damping; the time read by T30 is 1.11 times the delay-sum estimate).
const TANK_HOLD: f64 = 1.11;

/// How much longer than `decay_s` the slowest band takes (125 Hz: 7 %
/// longer, measured), with a margin.
const TAIL_MARGIN: f64 = 1.2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::ir_analysis::*;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;
    const BANDS: [f64; 7] = [125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0];

    #[test]
    fn invariants() {
        check_processor_invariants(PlateReverb::default, 2, |p| {
            p.set_decay_s(6.0).unwrap();
            p.set_damping(0.6).unwrap();
            p.set_bandwidth_hz(3000.0).unwrap();
            p.set_modulation(1.0).unwrap();
            p.set_predelay_ms(2.5).unwrap();
            p.set_width(0.4).unwrap();
            p.set_mix(0.9).unwrap();
        });
    }

    /// At the longest decay, no damping and full modulation, a burst of
    /// noise followed by 20 s of silence stays finite and bounded, and its
    /// energy falls second by second.
    #[test]
    fn stable_at_max_decay() {
        let mut p = PlateReverb::new(20.0, 0.0, 0.0, 1.0).unwrap();
        p.set_modulation(1.0).unwrap();
        p.set_bandwidth_hz(20_000.0).unwrap();
        p.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
        let n = (20.5 * FS) as usize;
        let mut l = vec![0.0f32; n];
        l[..24_000].copy_from_slice(&noise(24_000, 0.5, 5));
        let mut r = l.clone();
        crate::processor::process_in_blocks(&mut p, &mut [&mut l, &mut r], 4096);
        assert!(l.iter().chain(&r).all(|v| v.is_finite() && v.abs() < 10.0));
        let energy: Vec<f64> = l.chunks(48_000).skip(1).map(|c| rms(c).powi(2)).collect();
        assert!(energy.windows(2).all(|w| w[1] < w[0]), "{energy:?}");
        std::println!(
            "plate at 20 s: rms {:.4} after the burst, {:.6} 19 s later",
            energy[0].sqrt(),
            energy[energy.len() - 1].sqrt()
        );
    }

    /// The decay time: the 1 kHz band without damping decays in `decay_s`
    /// (within 10 %); every band is reported.
    #[test]
    fn decay_time_at_1_khz() {
        report("plate T30 band (Hz):", &BANDS);
        for decay in [1.0, 4.0] {
            let mut p = PlateReverb::new(decay, 0.0, 0.0, 1.0).unwrap();
            let [l, r] = impulse_response(&mut p, 2.5 * decay);
            let t30 = stereo_band_t30(&l, &r, FS, &BANDS);
            report(&std::format!("decay_s {decay}, damping 0 (T30 s)"), &t30);
            assert!((t30[3] / decay - 1.0).abs() < 0.10, "{decay}: {}", t30[3]);
        }
    }

    /// The late field (0.3 to 1 s) is dense (normalised echo density at
    /// least 0.95).
    #[test]
    fn late_field_is_dense() {
        let ir = impulse_response(&mut PlateReverb::new(2.0, 0.0, 0.3, 1.0).unwrap(), 1.2);
        for (side, x) in ["left", "right"].iter().zip(&ir) {
            let curve = echo_density(x, FS, 0.02, 240);
            let late = mean_density(&curve, 0.3, 1.0);
            let mixing = mixing_time_s(&curve).unwrap_or(f64::NAN);
            std::println!(
                "plate echo density {side}: late (0.3..1 s) {late:.3}, mixing time {:.1} ms",
                mixing * 1e3
            );
            assert!(late >= 0.95, "{side}: {late}");
        }
    }

    /// The reported tail covers the decay to −90 dB (10 ms RMS against the
    /// response's peak), for short and long decays and with a predelay.
    #[test]
    fn tail_covers_the_decay_to_minus_90_db() {
        for (decay, damping, predelay) in [(0.5, 0.0, 0.0), (3.0, 0.0, 50.0), (3.0, 0.8, 0.0)] {
            let mut p = PlateReverb::new(decay, predelay, damping, 1.0).unwrap();
            p.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
            let tail = p.tail();
            let ir = impulse_response(&mut p, tail as f64 / FS + 0.5);
            for x in &ir {
                let end = last_above_db(x, FS, -90.0);
                std::println!(
                    "plate {decay} s, damping {damping}: -90 dB after {end}, tail() {tail}"
                );
                assert!(end <= tail, "{end} > {tail}");
            }
        }
    }

    /// The lowest and highest sample rates prepare and give a finite,
    /// audible reverberation.
    #[test]
    fn extreme_sample_rates() {
        for fs in [1_000.0, 768_000.0] {
            let mut p = PlateReverb::new(2.0, 20.0, 0.0, 1.0).unwrap();
            p.set_modulation(1.0).unwrap();
            p.prepare(&ProcessSpec::new(fs, 512, 2)).unwrap();
            let n = (0.3 * fs) as usize;
            let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
            l[0] = 1.0;
            r[0] = 1.0;
            crate::processor::process_in_blocks(&mut p, &mut [&mut l, &mut r], 512);
            assert!(l.iter().chain(&r).all(|v| v.is_finite()));
            assert!(rms(&l[n / 2..]) > 1e-4, "{fs}: {}", rms(&l[n / 2..]));
        }
    }

    /// `width` spreads the late field: at 1 the two outputs are nearly
    /// uncorrelated, at 0 they are the same.
    #[test]
    fn width_sets_the_correlation_of_the_sides() {
        for width in [1.0, 0.0] {
            let [l, r] = impulse_response(
                &mut {
                    let mut p = PlateReverb::new(2.0, 0.0, 0.3, 1.0).unwrap();
                    p.set_width(width).unwrap();
                    p
                },
                1.0,
            );
            let rho = correlation(&l[9600..], &r[9600..]);
            std::println!(
                "PlateReverb width {width}: correlation of the sides after 200 ms {rho:.3}"
            );
            if width == 1.0 {
                assert!(rho.abs() < 0.2, "{rho}");
            } else {
                assert!(rho > 0.999_999, "{rho}");
            }
        }
    }
}
