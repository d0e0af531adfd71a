//! Dither and word-length reduction: quantizes to `bits` with TPDF dither,
//! optionally noise-shaped by error feedback, the last stage of a master.

use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::spec::ProcessSpec;

/// Exact zeros on every channel after which [`Dither`] blanks (with
/// `auto_blank`): its output is exact silence and its error feedback is
/// cleared until a non-zero sample arrives. A stream starts blanked, so
/// leading silence stays exact zeros too.
pub const BLANK_RUN: u32 = 64;

/// Largest error, in LSB, kept in the feedback history. Without clipping
/// the error never exceeds 1.5 LSB (half an LSB of rounding plus 1 LSB of
/// dither), so the bound only acts when the output clips.
const MAX_FEEDBACK_ERROR: f64 = 2.0;

/// Adding and subtracting this rounds an `f64` of magnitude below 2^51 to
/// the nearest integer (ties to even), without a call.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52

/// Rates (Hz) the published shaping filters were designed near; each is
/// used within 5 % of one of them.
const SHAPING_RATES: [f64; 2] = [44_100.0, 48_000.0];

/// Noise-shaping filter of [`Dither`]: TPDF dither throughout, except `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shaping {
    /// Plain rounding, no dither (the error follows the signal: distortion).
    None,
    /// TPDF dither of ±1 LSB (the sum of two uniform ±½ LSB values); the
    /// total error is white, ¼ LSB² (rounding 1/12 plus dither 1/6).
    #[default]
    Tpdf,
    /// Triangular high-pass dither `u[n] - u[n-1]` of uniform ±½ LSB
    /// values: the same ±1 LSB triangular distribution and power (1/6 LSB²)
    /// as [`Tpdf`](Self::Tpdf), with its spectrum rising as `1 - cos ω`;
    /// the total error spectrum is `1/12 + (1 - cos ω)/6` LSB² (mean ¼).
    Highpass,
    /// Lipshitz et al.'s 5-tap "minimally audible" E-weighted error feedback.
    Lipshitz,
    /// Wannamaker's 9-tap F-weighted error feedback.
    FWeighted,
    /// The improved E-weighted 9-tap error feedback.
    EWeighted,
}

crate::named_choices!(Shaping, "dither shaping" {
    None = "none",
    Tpdf = "tpdf",
    Highpass = "highpass",
    Lipshitz = "lipshitz",
    FWeighted = "f_weighted",
    EWeighted = "e_weighted",
});

/// Lipshitz, Vanderkooy and Wannamaker, "Minimally Audible Noise Shaping",
/// JAES 39(11), 1991: 5 taps, 44.1 kHz.
const LIPSHITZ: [f64; 5] = [2.033, -2.165, 1.959, -1.590, 0.6149];
/// Wannamaker, "Psychoacoustically Optimal Noise Shaping", JAES 40(7/8),
/// 1992: F-weighted, 9 taps.
const F_WEIGHTED: [f64; 9] = [2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847];
/// Improved E-weighted, 9 taps (after Lipshitz et al. 1991).
const E_WEIGHTED: [f64; 9] = [2.847, -4.685, 6.214, -7.184, 6.639, -5.032, 3.263, -1.632, 0.4191];
/// Longest filter.
const MAX_TAPS: usize = 9;

impl Shaping {
    /// The error-feedback coefficients `c_j` of the noise transfer function
    /// `NTF(z) = 1 - Σ c_j z^-(j+1)` (empty for the unshaped choices).
    pub fn coefficients(self) -> &'static [f64] {
        match self {
            Self::Lipshitz => &LIPSHITZ,
            Self::FWeighted => &F_WEIGHTED,
            Self::EWeighted => &E_WEIGHTED,
            Self::None | Self::Tpdf | Self::Highpass => &[],
        }
    }

    /// The shaping used at `sample_rate`: the error-feedback filters were
    /// designed near 44.1 kHz and are used within 5 % of 44.1 or 48 kHz
    /// (41.9 to 50.4 kHz); elsewhere they fall back to
    /// [`Highpass`](Self::Highpass). The other choices apply at any rate.
    pub fn at_rate(self, sample_rate: f64) -> Self {
        let near = SHAPING_RATES.iter().any(|r| (sample_rate / r - 1.0).abs() <= 0.05);
        if self.coefficients().is_empty() || near { self } else { Self::Highpass }
    }

    /// Power spectral density of the output error `y - x` at `omega`
    /// (radians per sample), in LSB² per unit bandwidth (its mean over
    /// `0..π` is the error power), for TPDF dither: `¼ |NTF(e^jω)|²` for
    /// the shaped choices.
    pub fn error_density(self, omega: f64) -> f64 {
        match self {
            Self::None => 1.0 / 12.0,
            Self::Tpdf => 0.25,
            Self::Highpass => 1.0 / 12.0 + (1.0 - libm::cos(omega)) / 6.0,
            _ => {
                let (mut re, mut im) = (1.0, 0.0);
                for (j, c) in self.coefficients().iter().enumerate() {
                    let w = omega * (j + 1) as f64;
                    re -= c * libm::cos(w);
                    im += c * libm::sin(w);
                }
                0.25 * (re * re + im * im)
            }
        }
    }
}

crate::declare_params! {
    Dither, DITHER_KIND = "dither", "Dither", Caps::PLAIN,
        "Word-length reduction: quantizes to `bits` (output values k / 2^(bits-1), clamped to \
         the integer range) with TPDF dither, plain, high-pass or noise-shaped by error \
         feedback (lipshitz, f_weighted, e_weighted; within 5 % of 44.1 or 48 kHz, elsewhere \
         they fall back to highpass). With auto_blank, digital silence stays exact zeros: the \
         dither stops after 64 zero samples on every channel (and at the start of a stream) \
         and resumes with the signal.";
    BITS = ParamInfo::int("bits", 8.0, 24.0, 16.0, "bits", "Output word length")
        => bits, set_bits;
    SHAPING = ParamInfo::choice("shaping", Shaping::CHOICES, 1,
        "none (rounding, no dither), tpdf, highpass, lipshitz, f_weighted or e_weighted")
        => shaping, set_shaping;
    AUTO_BLANK = ParamInfo::toggle("auto_blank", true,
        "Digital silence (64 zero samples on every channel) gives exact zeros out")
        => auto_blank, set_auto_blank;
}

/// One channel's noise generator and error history.
#[derive(Debug, Clone)]
struct Voice {
    /// xorshift64* state (never zero).
    rng: u64,
    /// The previous uniform value (high-pass dither).
    previous: f64,
    /// Errors `e[n-1], e[n-2], ...` in LSB.
    errors: [f64; MAX_TAPS],
}

impl Voice {
    /// A voice seeded for `channel`.
    fn new(channel: usize) -> Self {
        // splitmix64 of the channel number: distinct, well-mixed seeds.
        let mut z = (channel as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self { rng: (z ^ (z >> 31)) | 1, previous: 0.0, errors: [0.0; MAX_TAPS] }
    }

    /// Two independent uniform values in `[-½, ½)`.
    #[inline(always)]
    fn uniforms(&mut self) -> (f64, f64) {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        const SCALE: f64 = 1.0 / 4_294_967_296.0;
        ((r >> 32) as f64 * SCALE - 0.5, (r & 0xFFFF_FFFF) as f64 * SCALE - 0.5)
    }

    /// Quantizes `v` (the input in LSB) to an integer within `lo..=hi`.
    #[inline(always)]
    fn tick(&mut self, v: f64, shaping: Shaping, lo: f64, hi: f64) -> f64 {
        let (a, b) = self.uniforms();
        let quantize = |t: f64| (t.clamp(lo, hi) + ROUND_MAGIC) - ROUND_MAGIC;
        match shaping {
            Shaping::None => quantize(v),
            Shaping::Tpdf => quantize(v + a + b),
            Shaping::Highpass => {
                let r = a - self.previous;
                self.previous = a;
                quantize(v + r)
            }
            _ => {
                let c = shaping.coefficients();
                let feedback: f64 = c.iter().zip(&self.errors).map(|(c, e)| c * e).sum();
                let d = v - feedback;
                let y = quantize(d + a + b);
                self.errors.copy_within(0..MAX_TAPS - 1, 1);
                self.errors[0] = (y - d).clamp(-MAX_FEEDBACK_ERROR, MAX_FEEDBACK_ERROR);
                y
            }
        }
    }

    /// Blanked: the noise sequence advances, the history is cleared.
    fn blank(&mut self) {
        self.previous = self.uniforms().0;
        self.errors = [0.0; MAX_TAPS];
    }
}

/// Quantizes frames `range` of `channels` in place with their voices, to
/// the grid of `scale` steps per 1.0, frame by frame (the channels' chains
/// overlap), in one loop per shaping (none branches on it per sample).
fn quantize(
    channels: &mut [&mut [f32]],
    voices: &mut [Voice],
    range: core::ops::Range<usize>,
    shaping: Shaping,
    scale: f64,
) {
    let (lo, hi) = (-scale, scale - 1.0);
    macro_rules! each {
        ($($s:ident),*) => {
            match shaping {
                $(Shaping::$s => for i in range {
                    for (ch, voice) in channels.iter_mut().zip(voices.iter_mut()) {
                        let y = voice.tick(f64::from(ch[i]) * scale, Shaping::$s, lo, hi);
                        ch[i] = (y / scale) as f32;
                    }
                },)*
            }
        };
    }
    each!(None, Tpdf, Highpass, Lipshitz, FWeighted, EWeighted);
}

/// Reduces the word length of audio on any number of channels.
///
/// Per sample, in units of the output LSB `2^-(bits-1)`: `d = x - Σ c_j
/// e[n-1-j]`, `y = round(d + r)` clamped to `-2^(bits-1) ..= 2^(bits-1) - 1`,
/// `e[n] = y - d` (bounded to ±2 LSB, which only a clipped sample reaches),
/// with `r` the TPDF dither and `c_j` the shaping filter's coefficients, so
/// that the error `y - x` has the spectrum `¼ |NTF|²` LSB² with
/// `NTF(z) = 1 - Σ c_j z^-(j+1)` ([`Shaping::error_density`]). The dither
/// is a seeded xorshift64* sequence per channel that advances once per
/// sample; [`reset`](Processor::reset) re-seeds it, so output is
/// reproducible bit for bit. Parameter changes apply at the next sample
/// (a quantizer has nothing to glide).
#[derive(Debug, Clone)]
pub struct Dither {
    bits: u8,
    shaping: Shaping,
    auto_blank: bool,
    sample_rate: f64,
    /// Frames of exact zeros on every channel so far (saturating; a stream
    /// starts at [`BLANK_RUN`]).
    silent_run: u32,
    voices: Vec<Voice>,
    nonfinite: u64,
}

impl Default for Dither {
    /// 16 bits, TPDF, auto-blank on.
    fn default() -> Self {
        Self::new(16, Shaping::Tpdf).expect("valid defaults")
    }
}

impl Dither {
    /// A dither stage to `bits` (8 to 24) with `shaping`, auto-blank on.
    pub fn new(bits: u8, shaping: Shaping) -> Result<Self, Error> {
        let mut d = Self {
            bits: 16,
            shaping,
            auto_blank: true,
            sample_rate: 48_000.0,
            silent_run: BLANK_RUN,
            voices: Vec::new(),
            nonfinite: 0,
        };
        d.set_bits(bits)?;
        Ok(d)
    }

    /// Output word length in bits.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Sets the output word length (8 to 24 bits).
    pub fn set_bits(&mut self, bits: u8) -> Result<(), Error> {
        Self::BITS.check(f64::from(bits))?;
        self.bits = bits;
        Ok(())
    }

    /// The shaping asked for (see [`effective_shaping`](Self::effective_shaping)).
    pub fn shaping(&self) -> Shaping {
        self.shaping
    }

    /// Sets the shaping.
    pub fn set_shaping(&mut self, shaping: Shaping) {
        self.shaping = shaping;
    }

    /// The frames from `start` (below `len`) that share one blanking
    /// state, counting the silent run through them: where they end, and
    /// whether they are blanked.
    fn stretch(&mut self, channels: &[&mut [f32]], start: usize, len: usize) -> (usize, bool) {
        let mut state = None;
        let mut i = start;
        while i < len {
            let silent = channels.iter().all(|c| c[i] == 0.0);
            let run = if silent { self.silent_run.saturating_add(1) } else { 0 };
            let blank = self.auto_blank && run >= BLANK_RUN;
            if *state.get_or_insert(blank) != blank {
                break;
            }
            self.silent_run = run;
            i += 1;
        }
        (i, state.unwrap_or(false))
    }

    /// The shaping in effect at the prepared sample rate (48 kHz before
    /// `prepare`): [`shaping`](Self::shaping), or `Highpass` for a shaping
    /// filter away from its design rates ([`Shaping::at_rate`]).
    pub fn effective_shaping(&self) -> Shaping {
        self.shaping.at_rate(self.sample_rate)
    }

    /// Whether digital silence gives exact zeros out.
    pub fn auto_blank(&self) -> bool {
        self.auto_blank
    }

    /// Turns auto-blanking on or off.
    pub fn set_auto_blank(&mut self, on: bool) {
        self.auto_blank = on;
    }

    /// The output step, `2^-(bits-1)`.
    pub fn lsb(&self) -> f64 {
        libm::ldexp(1.0, 1 - i32::from(self.bits))
    }
}

impl Processor for Dither {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        self.voices = (0..spec.channels).map(Voice::new).collect();
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.silent_run = BLANK_RUN;
        for (c, v) in self.voices.iter_mut().enumerate() {
            *v = Voice::new(c);
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let shaping = self.effective_shaping();
        let scale = libm::ldexp(1.0, i32::from(self.bits) - 1);
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut start = 0;
        while start < len {
            let (end, blank) = self.stretch(channels, start, len);
            let voices = &mut self.voices;
            if blank {
                for (ch, voice) in channels.iter_mut().zip(voices.iter_mut()) {
                    ch[start..end].iter_mut().for_each(|v| {
                        voice.blank();
                        *v = 0.0;
                    });
                }
            } else {
                quantize(channels, voices, start..end, shaping, scale);
            }
            start = end;
        }
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec;

    const FS: f64 = 48_000.0;

    /// `x` (one channel) through a new `Dither` at `fs`.
    fn dither(bits: u8, shaping: Shaping, fs: f64, x: &[f32]) -> Vec<f32> {
        let mut d = Dither::new(bits, shaping).unwrap();
        d.prepare(&ProcessSpec::new(fs, 1024, 1)).unwrap();
        let mut y = x.to_vec();
        crate::processor::process_in_blocks(&mut d, &mut [&mut y], 1024);
        y
    }

    /// The error `y - x` in LSB.
    fn error_lsb(x: &[f32], y: &[f32], bits: u8) -> Vec<f64> {
        let scale = libm::ldexp(1.0, i32::from(bits) - 1);
        x.iter().zip(y).map(|(a, b)| (f64::from(*b) - f64::from(*a)) * scale).collect()
    }

    fn mean_var(e: &[f64]) -> (f64, f64) {
        let m = e.iter().sum::<f64>() / e.len() as f64;
        (m, e.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / e.len() as f64)
    }

    /// (a) Every output sample is k / 2^(bits-1) for an integer k in range.
    #[test]
    fn output_lies_on_the_grid() {
        let x: Vec<f32> =
            test_signal(1, 20_000)[0].iter().map(|v| v * 1.3).chain([1.0, -1.0, 0.99999]).collect();
        for bits in [16u8, 24] {
            for shaping in [Shaping::Tpdf, Shaping::EWeighted, Shaping::None] {
                let scale = libm::ldexp(1.0, i32::from(bits) - 1);
                for y in dither(bits, shaping, FS, &x) {
                    let k = f64::from(y) * scale;
                    assert_eq!(k, libm::round(k), "{bits} {shaping:?}: {y}");
                    assert!((-scale..scale).contains(&k), "{bits} {shaping:?}: {k}");
                }
            }
        }
    }

    /// (b) TPDF: the error has mean 0 and variance ¼ LSB², the same on
    /// silence plus a fraction of an LSB, on a sine and at every position
    /// of a slow ramp between two grid values (no noise modulation).
    #[test]
    fn tpdf_error_is_independent_of_the_signal() {
        let lsb = 1.0 / 32_768.0;
        let n = 200_000;
        let near_silence = vec![(0.3 * lsb) as f32; n];
        let sine = sine(97.0, FS, n, 5.3 * lsb);
        let ramp: Vec<f32> =
            (0..n).map(|i| ((i as f64 / n as f64 * 40.0 - 20.0) * lsb) as f32).collect();
        for (name, x) in [("near silence", &near_silence), ("sine", &sine), ("ramp", &ramp)] {
            let e = error_lsb(x, &dither(16, Shaping::Tpdf, FS, x), 16);
            let (m, v) = mean_var(&e);
            assert!(m.abs() < 0.01 && (v / 0.25 - 1.0).abs() < 0.02, "{name}: mean {m} var {v}");
        }
        // Conditional on where the ramp sits between grid values: for
        // rounding the error power swings from 0 to ¼; dithered, it is ¼.
        for shaping in [Shaping::Tpdf, Shaping::None] {
            let e = error_lsb(&ramp, &dither(16, shaping, FS, &ramp), 16);
            let mut bins = [(0.0, 0usize); 4];
            for (x, e) in ramp.iter().zip(&e) {
                let v = f64::from(*x) / lsb;
                let b = ((v - libm::floor(v)) * 4.0) as usize;
                bins[b.min(3)].0 += e * e;
                bins[b.min(3)].1 += 1;
            }
            let powers: Vec<f64> = bins.iter().map(|(s, n)| s / *n as f64).collect();
            let spread = powers.iter().fold(0.0f64, |m, p| m.max((p / 0.25 - 1.0).abs()));
            if shaping == Shaping::Tpdf {
                assert!(spread < 0.03, "{powers:?}");
            } else {
                assert!(spread > 0.5, "{powers:?}");
            }
        }
    }

    /// The spectral measurements (rustfft needs `std`).
    #[cfg(feature = "std")]
    mod spectra {
        use super::*;

        /// Averaged power spectrum (Hann, `frame` points, half overlap) of `x`,
        /// bins `0..=frame/2`, scaled so that white noise of variance σ² reads σ².
        fn power_spectrum(x: &[f64], frame: usize) -> Vec<f64> {
            let fft = rustfft::FftPlanner::new().plan_fft_forward(frame);
            let w: Vec<f64> = (0..frame)
                .map(|i| {
                    0.5 - 0.5 * libm::cos(2.0 * core::f64::consts::PI * i as f64 / frame as f64)
                })
                .collect();
            let norm = w.iter().map(|v| v * v).sum::<f64>();
            let mut acc = vec![0.0; frame / 2 + 1];
            let mut frames = 0;
            let mut buf = vec![num_complex::Complex::new(0.0, 0.0); frame];
            for start in (0..=x.len() - frame).step_by(frame / 2) {
                for (b, (v, w)) in buf.iter_mut().zip(x[start..start + frame].iter().zip(&w)) {
                    *b = num_complex::Complex::new(v * w, 0.0);
                }
                fft.process(&mut buf);
                for (a, b) in acc.iter_mut().zip(&buf) {
                    *a += b.norm_sqr() / norm;
                }
                frames += 1;
            }
            acc.iter().map(|a| a / frames as f64).collect()
        }

        fn db(p: f64) -> f64 {
            10.0 * libm::log10(p)
        }

        /// Median of `v`.
        fn median(v: &[f64]) -> f64 {
            let mut s = v.to_vec();
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        }

        /// (c) A -100 dBFS 1 kHz sine (a third of an LSB) at 48 kHz, 16 bits:
        /// TPDF keeps the tone well above the noise floor with no harmonic
        /// above it. Rounding loses it (all zeros); at -90 dBFS rounding keeps
        /// it as a square-ish wave with odd harmonics, which TPDF does not.
        #[test]
        fn tpdf_keeps_a_tone_below_one_lsb_without_distortion() {
            let frame = 4_800; // 10 Hz bins: 1 kHz is bin 100
            let n = 48 * frame;
            let x = sine(1_000.0, FS, n, libm::pow(10.0, -100.0 / 20.0));
            assert!(dither(16, Shaping::None, FS, &x).iter().all(|v| *v == 0.0));
            let y = dither(16, Shaping::Tpdf, FS, &x);
            let s = power_spectrum(&y.iter().map(|v| f64::from(*v)).collect::<Vec<_>>(), frame);
            let floor = median(&s[20..2_000]);
            let line = db(s[100] / floor);
            assert!(line > 20.0, "line {line:.1} dB above the floor");
            for h in 2..=5 {
                let spur = db(s[100 * h] / floor);
                assert!(spur < 3.0, "harmonic {h}: {spur:.1} dB");
            }
            let x = sine(1_000.0, FS, n, libm::pow(10.0, -90.0 / 20.0));
            for (shaping, distorted) in [(Shaping::None, true), (Shaping::Tpdf, false)] {
                let y = dither(16, shaping, FS, &x);
                let s = power_spectrum(&y.iter().map(|v| f64::from(*v)).collect::<Vec<_>>(), frame);
                let third = db(s[300] / s[100]);
                assert_eq!(third > -25.0, distorted, "{shaping:?}: third harmonic {third:.1} dB");
            }
        }

        /// The measured error spectrum of `shaping` at `fs` against
        /// [`Shaping::error_density`], over bands of 1/3 octave from 200 Hz:
        /// the largest difference in dB.
        fn spectrum_mismatch_db(shaping: Shaping, fs: f64) -> f64 {
            let frame = 2_048;
            let x: Vec<f32> = noise(400_000, (20.0 / 32_768.0) as f32, 3);
            let e = error_lsb(&x, &dither(16, shaping, fs, &x), 16);
            let s = power_spectrum(&e, frame);
            let mut worst = 0.0f64;
            let bin_hz = fs / frame as f64;
            let mut lo = 200.0;
            while lo * 1.26 < 0.49 * fs {
                let hi = lo * 1.26;
                let bins =
                    (libm::ceil(lo / bin_hz) as usize)..(libm::floor(hi / bin_hz) as usize + 1);
                let measured = bins.clone().map(|k| s[k]).sum::<f64>();
                let pi = core::f64::consts::PI;
                let expected: f64 =
                    bins.map(|k| shaping.error_density(pi * k as f64 / (frame / 2) as f64)).sum();
                worst = worst.max(db(measured / expected).abs());
                lo = hi;
            }
            worst
        }

        /// (d) Each shaped choice's error spectrum follows ¼ |NTF|² (and the
        /// high-pass dither its own curve), within 1.5 dB in 1/3-octave bands.
        #[test]
        fn error_spectra_follow_the_noise_transfer_functions() {
            for shaping in [
                Shaping::Tpdf,
                Shaping::Highpass,
                Shaping::Lipshitz,
                Shaping::FWeighted,
                Shaping::EWeighted,
            ] {
                let worst = spectrum_mismatch_db(shaping, FS);
                assert!(worst < 1.5, "{shaping:?}: {worst:.2} dB");
            }
            // The shaped noise really is shaped: quiet where hearing is keenest.
            let e = Shaping::EWeighted;
            let pi = core::f64::consts::PI;
            assert!(db(e.error_density(2.0 * pi * 3_500.0 / FS) / 0.25) < -20.0);
            assert!(db(e.error_density(2.0 * pi * 19_000.0 / FS) / 0.25) > 15.0);
        }
    }

    /// Away from 44.1/48 kHz the shaping filters fall back to highpass,
    /// bit for bit; near them they apply.
    #[test]
    fn shaping_filters_fall_back_to_highpass_at_other_rates() {
        let x = test_signal(1, 4_000).remove(0);
        for (fs, applies) in [
            (44_100.0, true),
            (46_000.0, true),
            (50_000.0, true),
            (96_000.0, false),
            (32_000.0, false),
        ] {
            let mut d = Dither::new(16, Shaping::FWeighted).unwrap();
            d.prepare(&ProcessSpec::new(fs, 1024, 1)).unwrap();
            let want = if applies { Shaping::FWeighted } else { Shaping::Highpass };
            assert_eq!(d.effective_shaping(), want, "{fs}");
            if !applies {
                let y = dither(16, Shaping::FWeighted, fs, &x);
                assert_eq!(y, dither(16, Shaping::Highpass, fs, &x));
            }
        }
    }

    /// (e) Zeros on every channel give exact zeros after `BLANK_RUN`
    /// samples (and from the start); dither resumes with the signal; a
    /// channel with signal keeps the others dithered; without auto-blank
    /// silence is dithered.
    #[test]
    fn digital_silence_stays_exact_zero() {
        let mut x = noise(6_000, 0.01, 5);
        x[..500].fill(0.0);
        x[1_000..4_000].fill(0.0);
        for shaping in [Shaping::Tpdf, Shaping::EWeighted] {
            let y = dither(16, shaping, FS, &x);
            assert!(y[..500].iter().all(|v| v.to_bits() == 0), "{shaping:?}");
            let run = 1_000 + BLANK_RUN as usize;
            assert!(y[1_000..run].iter().any(|v| *v != 0.0), "{shaping:?}");
            assert!(y[run..4_000].iter().all(|v| v.to_bits() == 0), "{shaping:?}");
            let e = error_lsb(&x[4_000..], &y[4_000..], 16);
            let (_, v) = mean_var(&e[20..]);
            assert!(v > 0.15, "{shaping:?}: dither resumed: {v}");
        }
        let mut d = Dither::default();
        d.set_auto_blank(false);
        d.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let mut z = vec![0.0f32; 2_000];
        d.process_mono(&mut z);
        assert!(z[1_000..].iter().filter(|v| **v != 0.0).count() > 150);
        // Stereo: silence on one channel only is dithered.
        let mut d = Dither::default();
        d.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut l, mut r) = (vec![0.0f32; 2_000], noise(2_000, 0.01, 9));
        d.process_stereo(&mut l, &mut r);
        assert!(l[1_000..].iter().filter(|v| **v != 0.0).count() > 150);
    }

    /// (f) Huge finite input clamps to full scale and leaves the error
    /// feedback bounded: a few samples later the error is back to normal.
    #[test]
    fn huge_input_clamps_to_full_scale() {
        for shaping in [Shaping::Tpdf, Shaping::Lipshitz, Shaping::EWeighted] {
            let mut x = noise(2_000, 0.01, 11);
            x[500] = 1e30;
            x[501] = -1e30;
            x[502] = f32::MAX;
            let y = dither(16, shaping, FS, &x);
            assert!(y.iter().all(|v| v.is_finite()));
            assert_eq!((y[500], y[501], y[502]), (32_767.0 / 32_768.0, -1.0, 32_767.0 / 32_768.0));
            let e = error_lsb(&x[520..], &y[520..], 16);
            let bound = 1.5 * (1.0 + shaping.coefficients().iter().map(|c| c.abs()).sum::<f64>());
            assert!(e.iter().all(|e| e.abs() <= bound), "{shaping:?}");
        }
    }

    #[test]
    fn bits_are_range_checked() {
        assert!(Dither::new(7, Shaping::Tpdf).is_err());
        assert!(Dither::new(25, Shaping::Tpdf).is_err());
        let mut d = Dither::new(24, Shaping::Tpdf).unwrap();
        assert!(d.set_bits(4).is_err());
        assert_eq!((d.bits(), d.lsb()), (24, 1.0 / 8_388_608.0));
    }

    #[test]
    fn invariants() {
        for shaping in [Shaping::Tpdf, Shaping::Highpass, Shaping::EWeighted] {
            check_processor_invariants(
                || Dither::new(16, shaping).unwrap(),
                2,
                |p| {
                    p.set_bits(12).unwrap();
                    p.set_shaping(Shaping::Lipshitz);
                },
            );
        }
    }
}
