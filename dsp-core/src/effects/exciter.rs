//! Exciter: harmonics of a high band, generated at 4x the sample rate, added
//! to the dry signal.

use alloc::vec;
use alloc::vec::Vec;

use super::oversample::Oversampler;
use crate::buffer::sanitize;
use crate::error::Error;
use crate::filters::Biquad;
use crate::filters::design::{FilterKind, rbj};
use crate::math::{db_to_gain, flush_denormal};
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Blocks, dispatch_blocks};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Oversampling stages of the generator (4x).
const STAGES: usize = 2;
/// Time constant of the band's level estimate (mean square), in ms.
const LEVEL_MS: f64 = 2.0;
/// Largest magnitude of the normalised band signal let into the
/// polynomials (reached only on transients that outrun the level estimate).
const U_LIMIT: f32 = 2.0;
/// Largest magnitude let into the oversampler (keeps absurd input finite).
const INPUT_LIMIT: f32 = 1e15;
/// Samples between coefficient updates while the frequency glides.
const SUB: usize = 32;
/// Length of the dry delay ring (a power of two above the latency).
const DRY_RING: usize = 128;
/// Butterworth quality factor.
const Q: f64 = core::f64::consts::FRAC_1_SQRT_2;

/// Which harmonics [`Exciter`] adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Harmonics {
    /// The 2nd (`2u² - e²`, Chebyshev `T2`-like).
    Even,
    /// The 3rd (`4u³ - 3e²u`, Chebyshev `T3`-like).
    Odd,
    /// Half of each.
    #[default]
    Both,
}

crate::named_choices!(Harmonics, "harmonics" { Even = "even", Odd = "odd", Both = "both" });

crate::declare_params! {
    Exciter, EXCITER_KIND = "exciter", "Exciter", Caps::PLAIN.latency(),
        "Exciter: the input high-passed at freq_hz (4th order) feeds a harmonic generator \
         (2nd, 3rd or both harmonics from degree-2 and 3 polynomials of the band normalised \
         by its level) run at 4x the sample rate, so that nothing it makes folds back \
         (aliases below -80 dBFS); mix of the harmonics is added to the dry signal, which is \
         delayed by the oversampler's latency (69 samples) to stay in phase.";
    FREQ_HZ = ParamInfo::float("freq_hz", 500.0, 16_000.0, 3000.0, "Hz",
        "Lower edge of the excited band (below Nyquist)").log()
        .smoothed(DEFAULT_SMOOTHING_MS) => freq_hz, set_freq_hz;
    DRIVE_DB = ParamInfo::float("drive_db", 0.0, 24.0, 6.0, "dB",
        "Drive into the generator: more drive, stronger harmonics")
        .smoothed(DEFAULT_SMOOTHING_MS) => drive_db, set_drive_db;
    HARMONICS = ParamInfo::choice("harmonics", Harmonics::CHOICES, 2,
        "Harmonics added: even (2nd), odd (3rd) or both; changes at once")
        => harmonics, set_harmonics;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 0.2, "",
        "How much of the generated harmonics is added to the dry signal")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
}

/// One channel's filters, oversampler and dry delay.
#[derive(Debug, Clone)]
struct Voice {
    /// Band high pass (LR4: two Butterworth sections).
    band: [Biquad; 2],
    /// High pass of the harmonics at the band edge (removes DC and the
    /// difference tones below the band).
    post: Biquad,
    over: Oversampler,
    /// Mean square of the oversampled band.
    level: f32,
    dry: [f32; DRY_RING],
    buf: [f32; SUB],
}

/// Exciter on any number of channels.
///
/// Per channel: `b` = the input through a 4th-order Linkwitz-Riley high
/// pass at `freq_hz`, upsampled 4x. At the high rate, with `e = √(2·ms)`
/// the band's amplitude (`ms` its mean square over 2 ms) and drive `D`,
/// the band is normalised by `s = max(1/D, e)`: `u = b/s` (at most 1 on a
/// steady band, clamped to ±2 on transients), `ê = e/s`; the generator is
/// `2u² - ê²` (even: for `u = ê·sin θ` this is `-ê²·cos 2θ`, the 2nd
/// harmonic alone) or `4u³ - 3ê²u` (odd: `-ê³·sin 3θ`, the 3rd alone) or
/// half of each, scaled back by `s`; then downsampled, high-passed at
/// `freq_hz` (2nd order) and added, times `mix`, to the input delayed by
/// the latency. Quiet bands (`e < 1/D`) give harmonics `D·e²` (rising with
/// drive); loud ones saturate at `e`.
///
/// Why nothing aliases: the band is band-limited below fs/2 and the
/// normalising gain varies slowly (2 ms), so the polynomials (degree 3 at
/// most) spread it to at most 1.5·fs, below the 4x rate's Nyquist (2·fs):
/// nothing folds at the high rate, and the half-band filters remove what
/// lies above fs/2 (stop band about 110 dB) before decimation. The clamp
/// of `u` is the one exception (transients only).
#[derive(Debug, Clone)]
pub struct Exciter {
    freq_hz: f64,
    drive_db: f64,
    harmonics: Harmonics,
    mix: f64,
    sample_rate: f64,
    /// Natural log of the band edge.
    log_freq: LinearSmoother,
    drive: LinearSmoother,
    wet: LinearSmoother,
    /// One-pole coefficient of the level estimate at the high rate.
    level_coef: f32,
    voices: Vec<Voice>,
    write: usize,
    /// Position in the 32-sample grid of coefficient updates.
    phase: usize,
    nonfinite: u64,
}

impl Default for Exciter {
    /// Band from 3 kHz, drive 6 dB, both harmonics, mix 0.2.
    fn default() -> Self {
        Self::new(3000.0, 6.0, Harmonics::Both, 0.2).expect("valid defaults")
    }
}

impl Exciter {
    /// An exciter with the given band edge, drive, harmonics and mix.
    pub fn new(freq_hz: f64, drive_db: f64, harmonics: Harmonics, mix: f64) -> Result<Self, Error> {
        let mut e = Self {
            freq_hz: 3000.0,
            drive_db: 0.0,
            harmonics,
            mix: 0.0,
            sample_rate: 48_000.0,
            log_freq: LinearSmoother::new(0.0),
            drive: LinearSmoother::new(1.0),
            wet: LinearSmoother::new(0.0),
            level_coef: 0.0,
            voices: Vec::new(),
            write: 0,
            phase: 0,
            nonfinite: 0,
        };
        e.set_freq_hz(freq_hz)?;
        e.set_drive_db(drive_db)?;
        e.set_mix(mix)?;
        e.reset();
        Ok(e)
    }

    /// Lower edge of the band, in Hz.
    pub fn freq_hz(&self) -> f64 {
        self.freq_hz
    }

    /// Sets the band edge (500 Hz to 16 kHz, below Nyquist; glides).
    pub fn set_freq_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.freq_hz = Self::FREQ_HZ.check(hz)?;
        self.log_freq.set_target(libm::log(self.freq_hz));
        Ok(())
    }

    /// Drive in dB.
    pub fn drive_db(&self) -> f64 {
        self.drive_db
    }

    /// Sets the drive (0 to 24 dB; glides).
    pub fn set_drive_db(&mut self, db: f64) -> Result<(), Error> {
        self.drive_db = Self::DRIVE_DB.check(db)?;
        self.drive.set_target(db_to_gain(self.drive_db));
        Ok(())
    }

    /// The harmonics added.
    pub fn harmonics(&self) -> Harmonics {
        self.harmonics
    }

    /// Sets the harmonics added (at once).
    pub fn set_harmonics(&mut self, harmonics: Harmonics) {
        self.harmonics = harmonics;
    }

    /// Amount of harmonics added.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the amount of harmonics added (0 to 1; glides).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = Self::MIX.check(mix)?;
        self.wet.set_target(self.mix);
        Ok(())
    }

    /// Designs the filters for the smoothed band edge.
    fn design(&mut self) {
        let f = libm::exp(self.log_freq.current()).min(0.45 * self.sample_rate);
        let hp = rbj(FilterKind::HighPass, f, Q, 0.0, self.sample_rate);
        for v in &mut self.voices {
            v.band.iter_mut().for_each(|b| b.set_coefs(hp));
            v.post.set_coefs(hp);
        }
    }

    /// Processes `channels` in steps of [`SUB`] samples.
    #[inline(always)]
    fn steps<const W: bool>(&mut self, channels: &mut [&mut [f32]]) {
        let len = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len {
            if self.phase == 0 && self.log_freq.is_smoothing() {
                self.log_freq.advance(SUB);
                self.design();
            }
            let n = (SUB - self.phase).min(len - start);
            self.run::<W>(channels, start, n, self.phase + n == SUB);
            self.phase = (self.phase + n) % SUB;
            start += n;
        }
    }

    /// Processes at most [`SUB`] samples of every channel; `flush`es the
    /// state of denormals at the end (done at the end of each 32-sample
    /// step of the stream, so that block sizes do not change the output).
    #[inline(always)]
    fn run<const W: bool>(
        &mut self,
        channels: &mut [&mut [f32]],
        start: usize,
        n: usize,
        flush: bool,
    ) {
        let (mut drive, mut mix) = ([0.0f32; SUB], [0.0f32; SUB]);
        for i in 0..n {
            drive[i] = self.drive.next() as f32;
            mix[i] = self.wet.next() as f32;
        }
        let (mode, a) = (self.harmonics, self.level_coef);
        let latency = Oversampler::latency_of(STAGES);
        for (ch, v) in channels.iter_mut().zip(self.voices.iter_mut()) {
            let x = &mut ch[start..start + n];
            for (b, &s) in v.buf.iter_mut().zip(x.iter()) {
                let mut y = s.clamp(-INPUT_LIMIT, INPUT_LIMIT);
                for f in &mut v.band {
                    y = f.tick(y);
                }
                *b = y;
            }
            let level = &mut v.level;
            v.over.process_with::<W>(&mut v.buf[..n], |block| {
                for (j, s) in block.iter_mut().enumerate() {
                    let b = *s;
                    *level += a * (b * b - *level);
                    let e = libm::sqrtf(2.0 * *level);
                    let scale = e.max(1.0 / drive[j >> STAGES]);
                    let u = (b / scale).clamp(-U_LIMIT, U_LIMIT);
                    let ee = (e / scale) * (e / scale);
                    let h = match mode {
                        Harmonics::Even => 2.0 * u * u - ee,
                        Harmonics::Odd => u * (4.0 * u * u - 3.0 * ee),
                        Harmonics::Both => 0.5 * (2.0 * u * u - ee + u * (4.0 * u * u - 3.0 * ee)),
                    };
                    *s = h * scale;
                }
            });
            for (i, w) in (self.write..self.write + n).enumerate() {
                let h = v.post.tick(v.buf[i]);
                v.dry[w % DRY_RING] = x[i];
                let dry = v.dry[(w + DRY_RING - latency) % DRY_RING];
                x[i] = dry + mix[i] * h;
            }
            if flush {
                v.level = flush_denormal(v.level);
                v.band.iter_mut().for_each(Biquad::flush);
                v.post.flush();
            }
        }
        self.write = (self.write + n) % DRY_RING;
    }
}

impl Processor for Exciter {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        spec.check_below_nyquist(Self::FREQ_HZ.id, self.freq_hz)?;
        self.sample_rate = spec.sample_rate;
        for s in [&mut self.log_freq, &mut self.drive, &mut self.wet] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        let high_rate = spec.sample_rate * (1 << STAGES) as f64;
        self.level_coef = (1.0 - libm::exp(-1000.0 / (LEVEL_MS * high_rate))) as f32;
        let voice = Voice {
            band: [Biquad::default(); 2],
            post: Biquad::default(),
            over: Oversampler::new(STAGES),
            level: 0.0,
            dry: [0.0; DRY_RING],
            buf: [0.0; SUB],
        };
        self.voices = vec![voice; spec.channels];
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.write = 0;
        self.phase = 0;
        for s in [&mut self.log_freq, &mut self.drive, &mut self.wet] {
            s.snap();
        }
        for v in &mut self.voices {
            v.band.iter_mut().for_each(Biquad::reset);
            v.post.reset();
            v.over.reset();
            v.level = 0.0;
            v.dry = [0.0; DRY_RING];
        }
        self.design();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        if channels.len() > self.voices.len() {
            return; // not prepared for these channels
        }
        dispatch_blocks(self, channels);
    }

    fn latency(&self) -> usize {
        Oversampler::latency_of(STAGES)
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

/// [`Exciter::process`] as one kernel: the oversampling filters run in the
/// widest vectors the CPU has.
impl Blocks for Exciter {
    #[inline(always)]
    fn blocks<const W: bool>(&mut self, channels: &mut [&mut [f32]]) {
        self.steps::<W>(channels);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn run(e: &mut Exciter, x: &[f32]) -> Vec<f32> {
        e.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let mut y = x.to_vec();
        crate::processor::process_in_blocks(e, &mut [&mut y], 512);
        y
    }

    /// Full-scale 15 kHz and 9 kHz sines at the largest drive, fully mixed:
    /// every component that is not a harmonic below Nyquist stays below
    /// -80 dBFS (Blackman-Harris, 65536 points, after settling).
    #[test]
    fn aliasing_stays_below_80_db() {
        for harmonics in [Harmonics::Both, Harmonics::Even, Harmonics::Odd] {
            for f in [15_000.0, 9000.0] {
                let mut e = Exciter::new(3000.0, 24.0, harmonics, 1.0).unwrap();
                let y = run(&mut e, &sine(f, FS, 8192 + 65_536, 1.0));
                let worst = worst_inharmonic_db(&y[8192..], f, FS, FS / 2.0);
                std::println!("{harmonics:?} {f} Hz: worst alias {worst:.1} dBFS");
                assert!(worst < -80.0, "{harmonics:?} {f} Hz: {worst} dBFS");
            }
        }
    }

    #[test]
    fn mix_zero_is_the_delayed_input() {
        let mut e = Exciter::new(1000.0, 24.0, Harmonics::Both, 0.0).unwrap();
        let x = noise(5000, 0.9, 5);
        let y = run(&mut e, &x);
        let l = e.latency();
        assert_eq!(l, 69);
        assert!(y[..l].iter().all(|&v| v == 0.0));
        assert_eq!(&y[l..], &x[..x.len() - l]);
    }

    /// Bins of the 16384-point spectra.
    const N: usize = 16_384;

    /// The frequency of the bin nearest `f` (so that a tone and its
    /// harmonics fall on bins).
    fn on_bin(f: f64) -> f64 {
        libm::round(f * N as f64 / FS) * FS / N as f64
    }

    /// Level in dBFS of harmonic `k` of a 4 kHz sine of peak 0.25.
    fn harmonic_db(harmonics: Harmonics, drive_db: f64, k: usize) -> f64 {
        let mut e = Exciter::new(3000.0, drive_db, harmonics, 1.0).unwrap();
        let f = on_bin(4000.0);
        let y = run(&mut e, &sine(f, FS, 8192 + N, 0.25));
        spectrum_dbfs(&y[8192..])[k * libm::round(f * N as f64 / FS) as usize]
    }

    /// Even makes the 2nd harmonic (and no 3rd), odd the 3rd (and no
    /// 2nd), both levels rising with drive; the fundamental keeps its level.
    #[test]
    fn harmonics_rise_with_drive() {
        let mut last = [f64::NEG_INFINITY; 2];
        for drive in [0.0, 6.0, 12.0] {
            let even =
                [harmonic_db(Harmonics::Even, drive, 2), harmonic_db(Harmonics::Even, drive, 3)];
            let odd =
                [harmonic_db(Harmonics::Odd, drive, 3), harmonic_db(Harmonics::Odd, drive, 2)];
            std::println!(
                "drive {drive} dB: even H2 {:.1} (H3 {:.1}), odd H3 {:.1} (H2 {:.1}) dBFS",
                even[0],
                even[1],
                odd[0],
                odd[1]
            );
            assert!(even[0] > last[0] + 3.0 && odd[0] > last[1] + 3.0, "{drive}");
            assert!(even[1] < even[0] - 40.0 && odd[1] < odd[0] - 40.0, "{drive}");
            last = [even[0], odd[0]];
        }
        let h1 = harmonic_db(Harmonics::Both, 12.0, 1);
        assert!((h1 - 20.0 * libm::log10(0.25)).abs() < 0.1, "{h1}");
    }

    /// A 200 Hz sine with the band at 3 kHz: unchanged within 0.1 dB, its
    /// harmonics below -60 dB.
    #[test]
    fn content_below_the_band_is_untouched() {
        let mut e = Exciter::new(3000.0, 24.0, Harmonics::Both, 1.0).unwrap();
        let f = on_bin(200.0);
        let y = run(&mut e, &sine(f, FS, 8192 + N, 0.5));
        let s = spectrum_dbfs(&y[8192..]);
        let bin = libm::round(f * N as f64 / FS) as usize;
        let fundamental = s[bin];
        assert!((fundamental - 20.0 * libm::log10(0.5)).abs() < 0.1, "{fundamental}");
        for k in 2..=10 {
            assert!(s[k * bin] - fundamental < -60.0, "H{k}: {}", s[k * bin] - fundamental);
        }
    }

    #[test]
    fn rejects_bad_values_and_rates() {
        assert!(Exciter::new(100.0, 6.0, Harmonics::Both, 0.2).is_err());
        assert!(Exciter::new(3000.0, 30.0, Harmonics::Both, 0.2).is_err());
        let mut e = Exciter::new(16_000.0, 6.0, Harmonics::Both, 0.2).unwrap();
        assert!(e.prepare(&ProcessSpec::new(32_000.0, 64, 1)).is_err());
        assert!(e.set_mix(1.5).is_err());
    }

    #[test]
    fn invariants() {
        check_processor_invariants(Exciter::default, 2, |e| {
            e.set_freq_hz(1500.0).unwrap();
            e.set_drive_db(18.0).unwrap();
            e.set_harmonics(Harmonics::Odd);
            e.set_mix(0.7).unwrap();
        });
    }
}
