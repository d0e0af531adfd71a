//! Algorithmic reverb: predelay, a tapped early-reflection pattern, input
//! diffusion and a 16-line feedback delay network ([`fdn`](super::fdn))
//! with a reverberation time per band.

use crate::buffer::sanitize;
use crate::error::Error;
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

use super::fdn::{Decay, Fdn, MAX_EXCURSION_MS, MAX_SIZE, length_scale};
use super::ring::{Diffuser, MAX_CHUNK, Ring};

crate::declare_params! {
    Reverb, REVERB_KIND = "reverb", "Reverb", Caps::PLAIN.channels(Channels::ToStereo).tail(),
        "Algorithmic reverb: predelay, early reflections (a tapped pattern of 8 echoes per side \
         within 4 to 46 ms at size 1), input diffusion, and a 16-line feedback delay network \
         with a Hadamard matrix whose lines carry absorption filters that give the low, mid \
         and high bands their own reverberation times (Jot), and slowly modulated delays. \
         Mono or stereo in, stereo out.";
    DECAY_S = ParamInfo::float("decay_s", 0.1, 20.0, 2.0, "s",
        "Reverberation time (RT60) between the two crossovers, in seconds")
        .log() => decay_s, set_decay_s;
    PREDELAY_MS = ParamInfo::float("predelay_ms", 0.0, 500.0, 10.0, "ms",
        "Delay before the early reflections and the reverberation start") => predelay_ms, set_predelay_ms;
    DAMPING = ParamInfo::float("damping", 0.0, 1.0, 0.5, "",
        "High-frequency damping: above high_crossover_hz the reverberation time is \
         decay_s x (1 - 0.9 x damping)") => damping, set_damping;
    WIDTH = ParamInfo::float("width", 0.0, 1.0, 1.0, "",
        "Stereo width of the reverberation, from 0 (mono) to 1 (uncorrelated sides)")
        .smoothed(DEFAULT_SMOOTHING_MS) => width, set_width;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 0.3, "",
        "Wet proportion from 0 (dry) to 1 (reverberation only)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
    SIZE = ParamInfo::float("size", 0.25, MAX_SIZE, 1.0, "",
        "Room size: scales the delay lines (19 to 60 ms at 1, lengthened where long decays \
         need it) and the reflection pattern; the lines glide to a new size, bending the \
         tail's pitch by at most 8 %")
        .log() => size, set_size;
    MODULATION = ParamInfo::float("modulation", 0.0, 1.0, 0.3, "",
        "Depth of the slow delay modulation that breaks up metallic ringing (1 = +-0.5 ms)")
        .smoothed(100.0) => modulation, set_modulation;
    LOW_DECAY_MULT = ParamInfo::float("low_decay_mult", 0.25, 4.0, 1.0, "",
        "Reverberation time below low_crossover_hz as a multiple of decay_s")
        .log() => low_decay_mult, set_low_decay_mult;
    LOW_CROSSOVER_HZ = ParamInfo::float("low_crossover_hz", 50.0, 1000.0, 250.0, "Hz",
        "Frequency of the low band's edge (shelf midpoint; held below 0.45 x the sample rate)")
        .log() => low_crossover_hz, set_low_crossover_hz;
    HIGH_CROSSOVER_HZ = ParamInfo::float("high_crossover_hz", 1000.0, 20_000.0, 4000.0, "Hz",
        "Frequency of the high band's edge (shelf midpoint; held below 0.45 x the sample rate)")
        .log() => high_crossover_hz, set_high_crossover_hz;
}

/// Longest predelay, in ms (the declaration's maximum).
const MAX_PREDELAY_MS: f64 = 500.0;

/// Early reflections at size 1: (time in ms, gain) per side.
const EARLY: [[(f64, f32); 8]; 2] = [
    [
        (3.7, 0.84),
        (8.3, -0.71),
        (12.9, 0.62),
        (17.6, -0.55),
        (23.2, 0.47),
        (29.4, -0.41),
        (36.1, 0.34),
        (43.7, -0.29),
    ],
    [
        (4.6, 0.81),
        (9.6, -0.69),
        (14.1, 0.60),
        (19.3, -0.52),
        (24.8, 0.45),
        (31.2, -0.39),
        (38.3, 0.33),
        (45.9, -0.27),
    ],
];

/// Level of the early reflections in the wet signal.
const EARLY_GAIN: f32 = 0.5;

/// Input diffusers per side: all-pass delays in ms, and their gain.
const DIFFUSER_MS: [[f64; 4]; 2] = [[3.1, 4.9, 7.3, 11.7], [3.4, 5.3, 7.9, 12.3]];
const DIFFUSER_GAIN: f32 = 0.6;

/// Algorithmic reverb on stereo audio (a mono source arrives in both
/// channels).
///
/// Signal path per side: predelay → early reflections (8 taps) to the
/// output; predelay → 4 all-pass diffusers → a 16-line feedback delay
/// network (FDN) whose two outputs are the late reverberation.
///
/// The FDN's lines (19 to 60 ms times `size`) feed back through an
/// orthonormal Hadamard matrix. Each line carries a gain and two shelves
/// (the designs of [`filters::design`](crate::filters::design)) whose
/// response in dB is `−60 · length / (T60(f) · fs)`: the mid band decays
/// in `decay_s`, the band below `low_crossover_hz` in
/// `decay_s · low_decay_mult`, the band above `high_crossover_hz` in
/// `decay_s · (1 − 0.9 · damping)`. Every line's gain stays below 1 at
/// every frequency, so the network is stable for every setting. When the
/// longest band time needs it, the lines are lengthened beyond `size` so
/// that their total length is at least `0.15 · T60 · fs` (Schroeder's
/// modal density; T60 capped at 20 s). Each delay is modulated by a slow
/// sine (0.3 to 1.1 Hz, `modulation` × ±0.5 ms) and read through a
/// first-order all-pass interpolator, which is lossless: the modulation
/// does not shorten the high band's decay.
///
/// Changes of `size` (and of the decay where it lengthens the lines) glide
/// the line lengths at most 8 % fast (each line's delay changes by at most
/// 0.08 samples per sample), bending the tail's pitch by at most 1.3
/// semitones like a tape delay until the lines arrive; `modulation` glides
/// over 100 ms, `width` and `mix` over 20 ms; the decay settings and the
/// predelay apply at once.
#[derive(Debug, Clone)]
pub struct Reverb {
    decay_s: f64,
    predelay_ms: f64,
    damping: f64,
    width: f64,
    mix: f64,
    size: f64,
    modulation: f64,
    low_decay_mult: f64,
    low_crossover_hz: f64,
    high_crossover_hz: f64,
    sample_rate: f64,
    predelay: usize,
    /// Early reflections per side: (samples, gain).
    early: [[(usize, f32); 8]; 2],
    pre: [Ring; 2],
    diffusers: [[Diffuser; 4]; 2],
    /// Longest chunk the diffusers take.
    chunk: usize,
    fdn: Fdn,
    width_s: LinearSmoother,
    mix_s: LinearSmoother,
    /// Stream position (samples since `reset`), for the FDN's blocks.
    clock: u64,
    nonfinite: u64,
}

impl Default for Reverb {
    /// The declared defaults: 2 s, 10 ms predelay, damping 0.5, full
    /// width, 30 % wet.
    fn default() -> Self {
        Self::new(2.0, 10.0, 0.5, 1.0, 0.3).expect("valid defaults")
    }
}

impl Reverb {
    /// A reverb with the API's main parameters (each checked as by its
    /// setter) and the declared defaults for the others.
    pub fn new(
        decay_s: f64,
        predelay_ms: f64,
        damping: f64,
        width: f64,
        mix: f64,
    ) -> Result<Self, Error> {
        let mut r = Self {
            decay_s: 2.0,
            predelay_ms: 10.0,
            damping: 0.5,
            width: 1.0,
            mix: 0.3,
            size: 1.0,
            modulation: 0.3,
            low_decay_mult: 1.0,
            low_crossover_hz: 250.0,
            high_crossover_hz: 4000.0,
            sample_rate: 48_000.0,
            predelay: 0,
            early: [[(1, 0.0); 8]; 2],
            pre: Default::default(),
            diffusers: Default::default(),
            chunk: 1,
            fdn: Fdn::default(),
            width_s: LinearSmoother::new(1.0),
            mix_s: LinearSmoother::new(0.3),
            clock: 0,
            nonfinite: 0,
        };
        r.set_decay_s(decay_s)?;
        r.set_predelay_ms(predelay_ms)?;
        r.set_damping(damping)?;
        r.set_width(width)?;
        r.set_mix(mix)?;
        r.reset();
        Ok(r)
    }

    /// Mid-band reverberation time in seconds.
    pub fn decay_s(&self) -> f64 {
        self.decay_s
    }

    /// Sets the mid-band reverberation time (applies at once).
    pub fn set_decay_s(&mut self, seconds: f64) -> Result<(), Error> {
        self.decay_s = Self::DECAY_S.check(seconds)?;
        self.update_lengths();
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

    /// High-frequency damping from 0 to 1.
    pub fn damping(&self) -> f64 {
        self.damping
    }

    /// Sets the damping: the high band's time becomes
    /// `decay_s · (1 − 0.9 · damping)` (applies at once).
    pub fn set_damping(&mut self, damping: f64) -> Result<(), Error> {
        self.damping = Self::DAMPING.check(damping)?;
        self.update_decay();
        Ok(())
    }

    /// The high band's reverberation time as a multiple of `decay_s`
    /// (`1 − 0.9 · damping`).
    pub fn high_decay_mult(&self) -> f64 {
        1.0 - 0.9 * self.damping
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

    /// Room size (line length scale).
    pub fn size(&self) -> f64 {
        self.size
    }

    /// Sets the room size (the lines glide to it; the reflection pattern
    /// moves at once).
    pub fn set_size(&mut self, size: f64) -> Result<(), Error> {
        self.size = Self::SIZE.check(size)?;
        self.update_early();
        self.update_lengths();
        Ok(())
    }

    /// Modulation depth from 0 to 1.
    pub fn modulation(&self) -> f64 {
        self.modulation
    }

    /// Sets the modulation depth (glides over 100 ms).
    pub fn set_modulation(&mut self, depth: f64) -> Result<(), Error> {
        self.modulation = Self::MODULATION.check(depth)?;
        self.fdn.set_excursion(self.modulation * MAX_EXCURSION_MS * 1e-3 * self.sample_rate);
        Ok(())
    }

    /// Low band time as a multiple of `decay_s`.
    pub fn low_decay_mult(&self) -> f64 {
        self.low_decay_mult
    }

    /// Sets the low band's time multiplier (applies at once).
    pub fn set_low_decay_mult(&mut self, mult: f64) -> Result<(), Error> {
        self.low_decay_mult = Self::LOW_DECAY_MULT.check(mult)?;
        self.update_lengths();
        Ok(())
    }

    /// Low band edge in Hz.
    pub fn low_crossover_hz(&self) -> f64 {
        self.low_crossover_hz
    }

    /// Sets the low band edge (applies at once).
    pub fn set_low_crossover_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.low_crossover_hz = Self::LOW_CROSSOVER_HZ.check(hz)?;
        self.update_decay();
        Ok(())
    }

    /// High band edge in Hz.
    pub fn high_crossover_hz(&self) -> f64 {
        self.high_crossover_hz
    }

    /// Sets the high band edge (applies at once; held below 0.45 × the
    /// sample rate).
    pub fn set_high_crossover_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.high_crossover_hz = Self::HIGH_CROSSOVER_HZ.check(hz)?;
        self.update_decay();
        Ok(())
    }

    /// The band reverberation times in force.
    pub(crate) fn decay(&self) -> Decay {
        Decay {
            t60_s: self.decay_s,
            low_mult: self.low_decay_mult,
            high_mult: self.high_decay_mult(),
            low_hz: self.low_crossover_hz,
            high_hz: self.high_crossover_hz,
        }
    }

    /// Line lengths (samples, without modulation) the network glides to.
    pub(crate) fn line_lengths(&self) -> [f64; super::fdn::LINES] {
        self.fdn.target_lengths()
    }

    fn ms_to_samples(&self, ms: f64) -> usize {
        libm::round(ms * 1e-3 * self.sample_rate) as usize
    }

    fn update_lengths(&mut self) {
        self.fdn.set_scale(length_scale(self.size, self.decay().longest_s()));
        self.update_decay();
    }

    fn update_decay(&mut self) {
        let decay = self.decay();
        self.fdn.set_decay(&decay);
    }

    fn update_early(&mut self) {
        let fs = self.sample_rate;
        let size = self.size;
        self.early = EARLY.map(|side| {
            side.map(|(ms, g)| {
                ((libm::round(ms * size * 1e-3 * fs) as usize).max(1), g * EARLY_GAIN)
            })
        });
    }

    /// Processes consecutive chunks of at most `self.chunk` samples
    /// (inlined into both instruction-set variants).
    #[inline(always)]
    fn run<const W: bool>(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let mut start = 0;
        while start < len {
            let n = (len - start).min(self.chunk);
            self.chunk::<W>(&mut left[start..start + n], &mut right[start..start + n]);
            self.clock += n as u64;
            start += n;
        }
    }

    /// Processes one chunk of at most `self.chunk` samples.
    #[inline(always)]
    fn chunk<const W: bool>(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let mut pre = [[0.0f32; MAX_CHUNK]; 2];
        let mut early = [[0.0f32; MAX_CHUNK]; 2];
        let mut late = [[0.0f32; MAX_CHUNK]; 2];
        for (side, x) in [&*left, &*right].into_iter().enumerate() {
            let ring = &mut self.pre[side];
            ring.write(x);
            let back = n + self.predelay;
            ring.read(back, &mut pre[side][..n]);
            let taps = self.early[side].map(|(t, g)| (back + t, g));
            ring.taps(&taps, &mut early[side][..n]);
            for d in &mut self.diffusers[side] {
                d.process(&mut pre[side][..n]);
            }
        }
        let [pl, pr] = &pre;
        let [ll, lr] = &mut late;
        self.fdn.run::<W>(self.clock, [&pl[..n], &pr[..n]], [&mut ll[..n], &mut lr[..n]]);

        let wet =
            early[0][..n].iter().zip(&early[1][..n]).zip(late[0][..n].iter().zip(&late[1][..n]));
        let dry = left.iter_mut().zip(right.iter_mut());
        let mix = |(dl, dr): (&mut f32, &mut f32),
                   ((el, er), (ll, lr)): ((&f32, &f32), (&f32, &f32)),
                   width: f32,
                   mix: f32| {
            let (wl, wr) = (el + ll, er + lr);
            let mid = 0.5 * (wl + wr);
            let side = 0.5 * width * (wl - wr);
            *dl += mix * (mid + side - *dl);
            *dr += mix * (mid - side - *dr);
        };
        if self.width_s.is_smoothing() || self.mix_s.is_smoothing() {
            for (d, w) in dry.zip(wet) {
                mix(d, w, self.width_s.next() as f32, self.mix_s.next() as f32);
            }
        } else {
            let (width, amount) = (self.width_s.current() as f32, self.mix_s.current() as f32);
            for (d, w) in dry.zip(wet) {
                mix(d, w, width, amount);
            }
        }
    }
}

struct Run<'a> {
    reverb: &'a mut Reverb,
    left: &'a mut [f32],
    right: &'a mut [f32],
}

impl Kernel for Run<'_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        self.reverb.run::<WIDE>(self.left, self.right);
    }
}

impl Processor for Reverb {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        let fs = spec.sample_rate;
        self.sample_rate = fs;
        let early_max = EARLY.iter().flatten().map(|e| e.0).fold(0.0, f64::max) * MAX_SIZE;
        let pre_len = self.ms_to_samples(MAX_PREDELAY_MS + early_max) + MAX_CHUNK + 2;
        for ring in &mut self.pre {
            ring.allocate(pre_len);
        }
        let mut chunk = MAX_CHUNK;
        for (side, ms) in self.diffusers.iter_mut().zip(DIFFUSER_MS) {
            for (d, ms) in side.iter_mut().zip(ms) {
                d.prepare(libm::round(ms * 1e-3 * fs) as usize, DIFFUSER_GAIN);
                chunk = chunk.min(d.delay());
            }
        }
        self.chunk = chunk;
        self.fdn.prepare(fs);
        self.width_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs);
        self.mix_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs);
        // Everything that depends on the sample rate.
        self.predelay = self.ms_to_samples(self.predelay_ms);
        self.update_early();
        self.set_modulation(self.modulation)?;
        self.update_lengths();
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.pre.iter_mut().for_each(Ring::clear);
        self.diffusers.iter_mut().flatten().for_each(Diffuser::clear);
        self.fdn.reset();
        self.width_s.snap();
        self.mix_s.snap();
        self.clock = 0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let [left, right] = channels else { return };
        if !self.fdn.is_prepared() {
            return;
        }
        dispatch(Run { reverb: self, left, right });
    }

    /// Samples for the reverberation to decay by 90 dB after the input
    /// ends: 1.5 × the longest band time (or the slowest diffuser's 60 dB
    /// time, if longer), plus the predelay, the reflections and the
    /// longest line.
    fn tail(&self) -> usize {
        let fs = self.sample_rate;
        let longest_line = self.line_lengths().into_iter().fold(0.0, f64::max);
        // A diffuser of gain g loses 20·log10(1/g) dB per trip round its delay.
        let per_trip_db = -20.0 * libm::log10(DIFFUSER_GAIN as f64);
        let slowest_ms = DIFFUSER_MS.iter().flatten().fold(0.0f64, |m, &d| m.max(d));
        let diffusion_s = slowest_ms * 1e-3 * 60.0 / per_trip_db;
        let decay = 1.5 * self.decay().longest_s().max(diffusion_s) * fs;
        let early = self.early.iter().flatten().map(|e| e.0).max().unwrap_or(0);
        self.predelay + early + libm::ceil(decay + longest_line) as usize
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::ir_analysis::*;
    use crate::test_util::*;

    const FS: f64 = 48_000.0;
    const BANDS: [f64; 7] = [125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0];

    /// A fully wet reverb with both band multipliers 1 and no predelay.
    fn wet(decay_s: f64) -> Reverb {
        Reverb::new(decay_s, 0.0, 0.0, 1.0, 1.0).unwrap()
    }

    #[test]
    fn invariants() {
        check_processor_invariants(Reverb::default, 2, |r| {
            r.set_decay_s(5.0).unwrap();
            r.set_size(1.5).unwrap();
            r.set_mix(0.7).unwrap();
            r.set_damping(0.2).unwrap();
            r.set_modulation(0.8).unwrap();
            r.set_predelay_ms(3.0).unwrap();
            r.set_width(0.5).unwrap();
        });
    }

    #[test]
    fn stereo_only() {
        let mut r = Reverb::default();
        for channels in [1, 3] {
            let e = r.prepare(&ProcessSpec::new(FS, 64, channels)).unwrap_err();
            assert_eq!(e, Error::InvalidChannelCount { channels });
        }
    }

    /// With both multipliers 1, every octave band from 125 Hz to 8 kHz
    /// decays in the set time (T30 within 10 %), for short, medium and
    /// long settings.
    #[test]
    fn band_decay_times_match_the_setting() {
        report("T30 / setting, band (Hz):", &BANDS);
        for (decay, seconds) in [(0.3, 1.5), (2.0, 4.0), (10.0, 9.0)] {
            let [l, r] = impulse_response(&mut wet(decay), seconds);
            let t30 = stereo_band_t30(&l, &r, FS, &BANDS);
            report(&std::format!("decay_s {decay} (T30 s)"), &t30);
            for (f, t) in BANDS.iter().zip(&t30) {
                assert!((t / decay - 1.0).abs() < 0.10, "{decay} s at {f} Hz: {t}");
            }
        }
    }

    /// The low and high bands decay in the multiplied times (within 15 %).
    #[test]
    fn band_multipliers_set_low_and_high_decay() {
        // (low mult, damping, low crossover, high crossover): the low band
        // at 125 Hz and the high band at 8 kHz.
        let cases = [(2.0, 0.5, 500.0, 2000.0), (0.5, 1.0, 250.0, 4000.0)];
        for (low, damping, low_hz, high_hz) in cases {
            let mut r = wet(2.0);
            r.set_low_decay_mult(low).unwrap();
            r.set_damping(damping).unwrap();
            r.set_low_crossover_hz(low_hz).unwrap();
            r.set_high_crossover_hz(high_hz).unwrap();
            let [want_low, want_high] = [2.0 * low, 2.0 * r.high_decay_mult()];
            let [l, rr] = impulse_response(&mut r, 2.0 * want_low.max(2.0));
            let t30 = stereo_band_t30(&l, &rr, FS, &BANDS);
            report(&std::format!("low x{low}, damping {damping} (T30 s)"), &t30);
            assert!((t30[0] / want_low - 1.0).abs() < 0.15, "125 Hz: {} vs {want_low}", t30[0]);
            assert!((t30[6] / want_high - 1.0).abs() < 0.15, "8 kHz: {} vs {want_high}", t30[6]);
        }
    }

    /// Abel and Huang's normalised echo density: the late field (0.3 to
    /// 1 s) is Gaussian-dense, and it first reaches 1 within 100 ms.
    #[test]
    fn late_field_is_dense_and_mixes_early() {
        let mut r = Reverb::new(2.0, 0.0, 0.5, 1.0, 1.0).unwrap();
        let ir = impulse_response(&mut r, 1.2);
        for (side, x) in ["left", "right"].iter().zip(&ir) {
            let curve = echo_density(x, FS, 0.02, 240);
            let late = mean_density(&curve, 0.3, 1.0);
            let mixing = mixing_time_s(&curve).unwrap();
            std::println!(
                "echo density {side}: late (0.3..1 s) {late:.3}, mixing time {:.1} ms",
                mixing * 1e3
            );
            assert!(late >= 0.95, "{side}: {late}");
            assert!(mixing <= 0.1, "{side}: {mixing}");
        }
    }

    /// Schroeder's rule on the line lengths the reverb computes: their sum
    /// is at least 0.15 · T60 · fs for the longest band time (up to the
    /// 20 s the decay offers), whatever the size.
    #[test]
    fn lines_meet_schroeder_mode_density() {
        let mut worst = f64::INFINITY;
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for decay in [0.1, 0.5, 2.0, 5.0, 10.0, 20.0] {
                for low in [0.25, 1.0, 4.0] {
                    for size in [0.25, 1.0, 2.0] {
                        let mut r = wet(decay);
                        r.set_low_decay_mult(low).unwrap();
                        r.set_size(size).unwrap();
                        r.prepare(&ProcessSpec::new(fs, 256, 2)).unwrap();
                        let total: f64 = r.line_lengths().iter().sum();
                        let t60 = (decay * low.max(1.0)).min(20.0);
                        let margin = total / (0.15 * t60 * fs);
                        assert!(margin >= 1.0 - 1e-9, "{fs} {decay} {low} {size}: {margin}");
                        worst = worst.min(margin);
                    }
                }
            }
        }
        let mut r = wet(20.0);
        r.set_size(0.25).unwrap();
        r.prepare(&ProcessSpec::new(FS, 256, 2)).unwrap();
        let total: f64 = r.line_lengths().iter().sum();
        std::println!(
            "mode density: at 20 s, 48 kHz, size 0.25 the lines total {total:.0} samples = \
             {:.3} x 0.15 T60 fs (smallest margin over the grid {worst:.3})",
            total / (0.15 * 20.0 * FS)
        );
    }

    /// Every line's absorption, times the matrix's gain, stays below 1 at
    /// every frequency, for extreme settings: the loop cannot grow.
    #[test]
    fn loop_gain_is_below_one_in_every_band() {
        let mut worst = 0.0f64;
        for fs in [44_100.0, 96_000.0] {
            for decay in [0.1, 2.0, 20.0] {
                for (low, damping) in [(0.25, 0.0), (4.0, 0.0), (4.0, 1.0), (0.25, 1.0)] {
                    for (low_hz, high_hz) in [(50.0, 1000.0), (1000.0, 1000.0), (1000.0, 20_000.0)]
                    {
                        for size in [0.25, 2.0] {
                            let mut r = wet(decay);
                            r.set_low_decay_mult(low).unwrap();
                            r.set_damping(damping).unwrap();
                            r.set_low_crossover_hz(low_hz).unwrap();
                            r.set_high_crossover_hz(high_hz).unwrap();
                            r.set_size(size).unwrap();
                            r.prepare(&ProcessSpec::new(fs, 256, 2)).unwrap();
                            let decay_info = r.decay();
                            for len in r.line_lengths() {
                                let [a, b] = decay_info.line_filter(len, fs);
                                for k in 0..=400 {
                                    let f = 10.0 * libm::pow(0.5 * fs / 10.0, k as f64 / 400.0);
                                    // The matrix H has gain 4 (H/4 is orthonormal).
                                    let g = 4.0 * (a.response(f, fs) * b.response(f, fs)).norm();
                                    assert!(
                                        g < 1.0,
                                        "{fs} {decay} {low} {damping} {low_hz} {high_hz} {size} {f}: {g}"
                                    );
                                    worst = worst.max(g);
                                }
                            }
                        }
                    }
                }
            }
        }
        std::println!("largest loop gain over the grid: {worst:.6}");
    }

    /// At the most resonant settings, a burst of noise followed by 20 s of
    /// silence stays finite and bounded and dies away, also while the
    /// lines glide to new lengths (decay 20 s to 1 s, whose lines the
    /// mode-density rule no longer stretches; size 0.25 to 2 and back).
    #[test]
    fn stable_at_extreme_settings() {
        // (decay, low multiplier, size), and decay and size from 3.4 s on
        // (at 20 s the mode-density rule sets the lengths, whatever the
        // size; at 2 s the size does).
        let cases = [
            ((20.0, 4.0, 0.25), (20.0, 0.25)),
            ((20.0, 4.0, 1.0), (1.0, 1.0)),
            ((2.0, 1.0, 0.25), (2.0, 2.0)),
            ((2.0, 1.0, 2.0), (2.0, 0.25)),
        ];
        for ((decay, low, size), (new_decay, new_size)) in cases {
            let mut r = Reverb::new(decay, 0.0, 0.0, 1.0, 1.0).unwrap();
            r.set_low_decay_mult(low).unwrap();
            r.set_low_crossover_hz(1000.0).unwrap();
            r.set_high_crossover_hz(1000.0).unwrap();
            r.set_modulation(1.0).unwrap();
            r.set_size(size).unwrap();
            r.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
            let before = r.line_lengths();
            let n = (20.5 * FS) as usize;
            let mut l = vec![0.0f32; n];
            l[..24_000].copy_from_slice(&noise(24_000, 0.5, 11));
            let mut rr = l.clone();
            for (i, (a, b)) in l.chunks_mut(4096).zip(rr.chunks_mut(4096)).enumerate() {
                if i == 40 {
                    r.set_decay_s(new_decay).unwrap();
                    r.set_size(new_size).unwrap();
                    if (new_decay, new_size) != (decay, size) {
                        assert_ne!(r.line_lengths(), before, "the lines glide");
                    }
                }
                r.process_stereo(a, b);
            }
            assert!(l.iter().chain(&rr).all(|v| v.is_finite() && v.abs() < 10.0));
            let second = |s: f64| rms(&l[(s * FS) as usize..((s + 1.0) * FS) as usize]);
            let (early, late) = (second(0.5), second(19.5));
            std::println!(
                "decay {decay} s (low x{low}), size {size} -> {new_decay} s, {new_size}: rms \
                 {early:.4} after the burst, {late:.2e} 19 s later"
            );
            assert!(late < early, "{late} {early}");
        }
    }

    /// The reported tail covers the decay to −90 dB (10 ms RMS against the
    /// response's peak).
    #[test]
    fn tail_covers_the_decay_to_minus_90_db() {
        for (decay, low, predelay) in [(1.0, 1.0, 0.0), (2.0, 2.0, 100.0)] {
            let mut r = Reverb::new(decay, predelay, 0.0, 1.0, 1.0).unwrap();
            r.set_low_decay_mult(low).unwrap();
            r.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
            let tail = r.tail();
            let ir = impulse_response(&mut r, tail as f64 / FS + 1.0);
            for x in &ir {
                let end = last_above_db(x, FS, -90.0);
                std::println!("decay {decay} x{low}: -90 dB after {end} samples, tail() {tail}");
                assert!(end <= tail, "{end} > {tail}");
            }
        }
    }

    /// The portable variant (block copies and butterflies in plain Rust,
    /// no fused multiply-add) agrees with the dispatched one to rounding.
    #[test]
    fn portable_and_dispatched_variants_agree() {
        let make = || {
            let mut r = Reverb::new(3.0, 5.0, 0.3, 0.8, 0.6).unwrap();
            r.set_modulation(1.0).unwrap();
            r.prepare(&ProcessSpec::new(FS, 1000, 2)).unwrap();
            r
        };
        let x = test_signal(2, 48_000);
        let (mut a, mut b) = (make(), make());
        let [mut al, mut ar] = [x[0].clone(), x[1].clone()];
        let [mut bl, mut br] = [x[0].clone(), x[1].clone()];
        for ((l, r), (m, n)) in al
            .chunks_mut(1000)
            .zip(ar.chunks_mut(1000))
            .zip(bl.chunks_mut(1000).zip(br.chunks_mut(1000)))
        {
            a.process_stereo(l, r);
            b.run::<false>(m, n);
        }
        let worst = al
            .iter()
            .chain(&ar)
            .zip(bl.iter().chain(&br))
            .fold(0.0f32, |w, (p, q)| w.max((p - q).abs()));
        assert!(worst < 1e-4, "variants differ by {worst}");
    }

    /// The lowest and highest sample rates prepare and give a finite,
    /// audible reverberation.
    #[test]
    fn extreme_sample_rates() {
        for fs in [1_000.0, 768_000.0] {
            let mut r = Reverb::new(2.0, 20.0, 0.5, 1.0, 1.0).unwrap();
            r.set_size(0.25).unwrap();
            r.prepare(&ProcessSpec::new(fs, 512, 2)).unwrap();
            let n = (0.3 * fs) as usize;
            let (mut l, mut rr) = (vec![0.0f32; n], vec![0.0f32; n]);
            l[0] = 1.0;
            rr[0] = 1.0;
            crate::processor::process_in_blocks(&mut r, &mut [&mut l, &mut rr], 512);
            assert!(l.iter().chain(&rr).all(|v| v.is_finite()));
            assert!(rms(&l[n / 2..]) > 1e-4, "{fs}: {}", rms(&l[n / 2..]));
        }
    }

    /// `width` spreads the late field: at 1 the two outputs are nearly
    /// uncorrelated, at 0 they are the same.
    #[test]
    fn width_sets_the_correlation_of_the_sides() {
        for width in [1.0, 0.0] {
            let [l, r] =
                impulse_response(&mut Reverb::new(2.0, 0.0, 0.5, width, 1.0).unwrap(), 1.0);
            let rho = correlation(&l[9600..], &r[9600..]);
            std::println!("Reverb width {width}: correlation of the sides after 200 ms {rho:.3}");
            if width == 1.0 {
                assert!(rho.abs() < 0.2, "{rho}");
            } else {
                assert!(rho > 0.999_999, "{rho}");
            }
        }
    }
}
