//! Feed-forward compressor (Giannoulis, Massberg and Reiss 2012: gain
//! computer on the detector level, smoothing of the gain reduction in dB).
//!
//! Its declaration is also the home of the ranges the expander, gate and
//! de-esser share (threshold, ratio, times, link, detector, sidechain).

use crate::error::Error;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::smooth::DEFAULT_SMOOTHING_MS;
use crate::spec::ProcessSpec;

use super::ballistics::Ballistics;
use super::curve::GainComputer;
use super::detector::Detector;
use super::engine::{DynamicsEngine, GainLaw};
use super::{Dynamics, MAX_FREQUENCY_HZ};

crate::declare_params! {
    Compressor, COMPRESSOR_KIND = "compressor", "Compressor",
        Caps::PLAIN.sidechain().gain_reduction(),
        "Feed-forward downward compressor: static curve with soft knee on the detector level \
         (peak or RMS of the input or of a sidechain), attack/release smoothing of the \
         reduction in dB, stereo link, make-up gain and dry/wet mix.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        },
        bypass: [native bypass, set_bypass];
    THRESHOLD_DB = ParamInfo::float("threshold_db", -120.0, 24.0, -20.0, "dB",
        "Threshold in dB relative to full scale") => threshold_db, set_threshold_db;
    RATIO = ParamInfo::float("ratio", 1.0, f64::INFINITY, 4.0, "",
        "Ratio: input dB per output dB above the threshold, 1 (none) up to inf (limiting)")
        => ratio, set_ratio;
    KNEE_DB = ParamInfo::float("knee_db", 0.0, 48.0, 6.0, "dB",
        "Knee width centred on the threshold (0 = hard knee)") => knee_db, set_knee_db;
    ATTACK_MS = ParamInfo::float("attack_ms", 0.0, 1000.0, 10.0, "ms",
        "Attack time constant: time to cover 63.2 % of a step (0 = instant)")
        .log() => attack_ms, set_attack_ms;
    RELEASE_MS = ParamInfo::float("release_ms", 0.0, 10_000.0, 100.0, "ms",
        "Release time constant: time to cover 63.2 % of a step (0 = instant)")
        .log() => release_ms, set_release_ms;
    MAKEUP_DB = ParamInfo::float("makeup_db", -48.0, 48.0, 0.0, "dB", "Make-up gain in dB")
        .smoothed(DEFAULT_SMOOTHING_MS) => makeup_db, set_makeup_db;
    AUTO_MAKEUP = ParamInfo::toggle("auto_makeup", false,
        "Automatic make-up: adds the static reduction of a 0 dBFS level")
        => auto_makeup, set_auto_makeup;
    LINK = ParamInfo::float("link", 0.0, 1.0, 1.0, "",
        "Stereo link from 0 (independent channels) to 1 (100 %)") => link, set_link;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 1.0, "",
        "Wet proportion from 0 (dry) to 1 (processed only)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
    DETECTOR = ParamInfo::choice("detector", Detector::CHOICES, 0, "Level detector: peak or rms")
        => detector, set_detector;
    RMS_WINDOW_MS = ParamInfo::float("rms_window_ms", 0.1, 1000.0, 10.0, "ms",
        "RMS window: time constant of the mean square")
        .log() => rms_window_ms, set_rms_window_ms;
    SIDECHAIN_HPF_HZ = ParamInfo::float("sidechain_hpf_hz", 0.0, MAX_FREQUENCY_HZ, 0.0, "Hz",
        "Cutoff of the high-pass on the detector input (0 = off; below Nyquist when processing)")
        .log() => sidechain_hpf_hz, set_sidechain_hpf_hz;
}

#[derive(Debug, Clone)]
struct CompressorLaw {
    curve: GainComputer,
    ballistics: Ballistics,
}

impl GainLaw for CompressorLaw {
    #[inline(always)]
    fn static_gr(&mut self, _slot: usize, levels: &mut [f32]) {
        self.curve.reduce_block(levels);
    }

    #[inline(always)]
    fn follow<const WIDE: bool>(&mut self, _ch: usize, state: f32, targets: &mut [f32]) -> f32 {
        self.ballistics.follow_with::<WIDE>(state, targets)
    }
}

/// Feed-forward downward compressor.
///
/// Per sample: the detector level (peak or RMS of the key, after the
/// optional sidechain high-pass) goes through the static curve of
/// [`GainComputer::compressor`]; the resulting gain reduction (dB) is
/// smoothed with one-pole ballistics: `attack_ms` while the reduction grows,
/// `release_ms` while it shrinks, each the time to cover `1 - 1/e` (63.2 %)
/// of a step. Stereo link `l` blends each channel's reduction with the one
/// computed from the loudest channel: `r_c = (1 - l) r(own) + l r(max)`.
/// Output: `x · (mix · g · makeup + 1 - mix)` (parallel compression without
/// latency). Make-up gain and mix glide over 20 ms; curve and time-constant
/// changes act at once and are smoothed by the ballistics.
///
/// Every setter checks its value against the declaration of the parameter
/// (the associated constants, e.g. [`Compressor::THRESHOLD_DB`]).
#[derive(Debug, Clone)]
pub struct Compressor {
    threshold_db: f64,
    ratio: f64,
    knee_db: f64,
    attack_ms: f64,
    release_ms: f64,
    makeup_db: f64,
    auto_makeup: bool,
    sample_rate: f64,
    law: CompressorLaw,
    engine: DynamicsEngine,
}

impl Default for Compressor {
    /// Threshold -20 dB, ratio 4, knee 6 dB, attack 10 ms, release 100 ms,
    /// no make-up, 100 % link, fully wet, peak detector.
    fn default() -> Self {
        Self::new(-20.0, 4.0, 6.0, 10.0, 100.0, 0.0, 1.0, 1.0).expect("valid defaults")
    }
}

impl Compressor {
    /// A compressor; every argument is checked as by its setter.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        threshold_db: f64,
        ratio: f64,
        knee_db: f64,
        attack_ms: f64,
        release_ms: f64,
        makeup_db: f64,
        link: f64,
        mix: f64,
    ) -> Result<Self, Error> {
        let mut c = Self {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 0.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            makeup_db: 0.0,
            auto_makeup: false,
            sample_rate: 48_000.0,
            law: CompressorLaw {
                curve: GainComputer::compressor(-20.0, 4.0, 0.0),
                ballistics: Ballistics::new(10.0, 100.0, 48_000.0),
            },
            engine: DynamicsEngine::new(),
        };
        c.set_threshold_db(threshold_db)?;
        c.set_ratio(ratio)?;
        c.set_knee_db(knee_db)?;
        c.set_attack_ms(attack_ms)?;
        c.set_release_ms(release_ms)?;
        c.set_makeup_db(makeup_db)?;
        c.set_link(link)?;
        c.set_mix(mix)?;
        c.engine.reset();
        Ok(c)
    }

    /// Threshold in dB (relative to full scale).
    pub fn threshold_db(&self) -> f64 {
        self.threshold_db
    }

    /// Sets the threshold.
    pub fn set_threshold_db(&mut self, db: f64) -> Result<(), Error> {
        self.threshold_db = Self::THRESHOLD_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Compression ratio (input dB per output dB above the threshold).
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Sets the ratio, from 1 (none) up to infinity (limiting).
    pub fn set_ratio(&mut self, ratio: f64) -> Result<(), Error> {
        self.ratio = Self::RATIO.check(ratio)?;
        self.update_curve();
        Ok(())
    }

    /// Knee width in dB (0 = hard knee).
    pub fn knee_db(&self) -> f64 {
        self.knee_db
    }

    /// Sets the knee width, centred on the threshold.
    pub fn set_knee_db(&mut self, db: f64) -> Result<(), Error> {
        self.knee_db = Self::KNEE_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Attack time constant in ms.
    pub fn attack_ms(&self) -> f64 {
        self.attack_ms
    }

    /// Sets the attack time constant (0 = instant).
    pub fn set_attack_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.attack_ms = Self::ATTACK_MS.check(ms)?;
        self.update_ballistics();
        Ok(())
    }

    /// Release time constant in ms.
    pub fn release_ms(&self) -> f64 {
        self.release_ms
    }

    /// Sets the release time constant (0 = instant).
    pub fn set_release_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.release_ms = Self::RELEASE_MS.check(ms)?;
        self.update_ballistics();
        Ok(())
    }

    /// Manual make-up gain in dB.
    pub fn makeup_db(&self) -> f64 {
        self.makeup_db
    }

    /// Sets the manual make-up gain (glides over 20 ms).
    pub fn set_makeup_db(&mut self, db: f64) -> Result<(), Error> {
        self.makeup_db = Self::MAKEUP_DB.check(db)?;
        self.update_makeup();
        Ok(())
    }

    /// Whether automatic make-up gain is on.
    pub fn auto_makeup(&self) -> bool {
        self.auto_makeup
    }

    /// Turns automatic make-up on or off: it adds the static reduction of a
    /// 0 dBFS level, so a steady full-scale input leaves at full scale (on
    /// top of `makeup_db`).
    pub fn set_auto_makeup(&mut self, on: bool) {
        self.auto_makeup = on;
        self.update_makeup();
    }

    /// The make-up gain automatic make-up adds, in dB (0 when off).
    pub fn auto_makeup_db(&self) -> f64 {
        if self.auto_makeup { self.law.curve.reduction_db(0.0) as f64 } else { 0.0 }
    }

    /// Stereo link from 0 (independent channels) to 1 (100 %).
    pub fn link(&self) -> f64 {
        self.engine.link()
    }

    /// Sets the stereo link: each channel's reduction is
    /// `(1 - link) r(own level) + link r(loudest channel's level)`.
    pub fn set_link(&mut self, link: f64) -> Result<(), Error> {
        self.engine.set_link(Self::LINK.check(link)?);
        Ok(())
    }

    /// Wet proportion (1 = compressed only, 0 = dry only).
    pub fn mix(&self) -> f64 {
        self.engine.mix()
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.engine.set_mix(Self::MIX.check(mix)?);
        Ok(())
    }

    /// Detector type.
    pub fn detector(&self) -> Detector {
        self.engine.det.detector()
    }

    /// Sets the detector type.
    pub fn set_detector(&mut self, detector: Detector) {
        self.engine.det.set_detector(detector);
    }

    /// RMS window (time constant of the mean square) in ms.
    pub fn rms_window_ms(&self) -> f64 {
        self.engine.det.rms_window_ms()
    }

    /// Sets the RMS window.
    pub fn set_rms_window_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.engine.det.set_rms_window_ms(Self::RMS_WINDOW_MS.check(ms)?);
        Ok(())
    }

    /// Sidechain high-pass cutoff in Hz (0 = off).
    pub fn sidechain_hpf_hz(&self) -> f64 {
        self.engine.det.sidechain_hpf_hz()
    }

    /// Sets the sidechain high-pass cutoff (2nd-order Butterworth on the
    /// detector input; 0 = off; must be below Nyquist, checked at
    /// `prepare`, or at once if prepared).
    pub fn set_sidechain_hpf_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.engine.det.set_sidechain_hpf_hz(Self::SIDECHAIN_HPF_HZ.check(hz)?)
    }

    /// Whether the compressor is bypassed.
    pub fn bypass(&self) -> bool {
        self.engine.bypass()
    }

    /// Bypasses the compressor (or not): the output crossfades to the dry
    /// input (or back) over 20 ms; the detector keeps running.
    pub fn set_bypass(&mut self, bypass: bool) {
        self.engine.set_bypass(bypass);
    }

    /// The static curve in use.
    pub fn gain_computer(&self) -> GainComputer {
        self.law.curve
    }

    /// Gain reduction in dB (positive = reduction; largest over channels)
    /// after the last processed sample; excludes make-up and mix.
    pub fn gain_reduction_db(&self) -> f32 {
        self.engine.gain_reduction_db()
    }

    /// Largest gain reduction in dB during the last processed block.
    pub fn block_gain_reduction_db(&self) -> f32 {
        self.engine.block_gain_reduction_db()
    }

    /// Gain reduction in dB of one channel after the last processed sample.
    pub fn channel_gain_reduction_db(&self, channel: usize) -> f32 {
        self.engine.channel_gain_reduction_db(channel)
    }

    /// Processes `channels` keyed by an external `sidechain`. A sidechain
    /// with as many channels as `channels` keys channel by channel (then
    /// linked as set); any other count is averaged to one key for all
    /// channels. Missing or non-finite sidechain samples count as silence
    /// (non-finite ones are counted).
    pub fn process_sidechain(&mut self, channels: &mut [&mut [f32]], sidechain: &[&[f32]]) {
        self.engine.run(&mut self.law, channels, Some(sidechain), None);
    }

    /// Processes like `process` (or `process_sidechain` if `sidechain` is
    /// given) and writes each sample's gain reduction in dB (largest over
    /// channels) to `gr_out`, as far as it is long enough.
    pub fn process_with_gain_reduction(
        &mut self,
        channels: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        gr_out: &mut [f32],
    ) {
        self.engine.run(&mut self.law, channels, sidechain, Some(gr_out));
    }

    /// Processes, writing the per-sample reduction to `gr_out` if given.
    pub(crate) fn process_row(&mut self, channels: &mut [&mut [f32]], gr_out: Option<&mut [f32]>) {
        self.engine.run(&mut self.law, channels, None, gr_out);
    }

    /// Whether the bypass is on and its crossfade done (nothing to compute).
    pub(crate) fn fully_bypassed(&self) -> bool {
        self.engine.fully_bypassed()
    }

    fn update_curve(&mut self) {
        self.law.curve = GainComputer::compressor(
            self.threshold_db as f32,
            self.ratio as f32,
            self.knee_db as f32,
        );
        self.update_makeup();
    }

    fn update_makeup(&mut self) {
        self.engine.set_makeup_total_db(self.makeup_db + self.auto_makeup_db());
    }

    fn update_ballistics(&mut self) {
        self.law.ballistics = Ballistics::new(self.attack_ms, self.release_ms, self.sample_rate);
    }
}

impl Processor for Compressor {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        self.engine.prepare(spec)?;
        self.sample_rate = spec.sample_rate;
        self.update_ballistics();
        Ok(())
    }

    fn reset(&mut self) {
        self.engine.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.engine.run(&mut self.law, channels, None, None);
    }

    fn nonfinite_count(&self) -> u64 {
        self.engine.nonfinite_count()
    }
}

impl Dynamics for Compressor {
    fn row_gain_reduction_db(&self, _row: usize) -> f32 {
        self.gain_reduction_db()
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        let row = gr.first_mut().map(|r| &mut **r);
        self.engine.run(&mut self.law, channels, side, row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamics::Detector;
    use crate::math::gain_to_db;
    use crate::test_util::*;
    use std::vec;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn square(len: usize, amp: f32, period: usize) -> Vec<f32> {
        (0..len).map(|i| if (i / (period / 2)) % 2 == 0 { amp } else { -amp }).collect()
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || {
                let mut c = Compressor::new(-18.0, 3.0, 6.0, 2.0, 50.0, 2.0, 0.5, 0.8).unwrap();
                c.set_sidechain_hpf_hz(80.0).unwrap();
                c
            },
            2,
            |c| {
                c.set_threshold_db(-30.0).unwrap();
                c.set_makeup_db(6.0).unwrap();
                c.set_mix(0.5).unwrap();
                c.set_detector(Detector::Rms);
            },
        );
    }

    #[test]
    fn static_curve_matches_gain_computer() {
        for &(t, r, w) in &[(-20.0, 4.0, 6.0), (-30.0, 2.0, 0.0), (-12.0, f64::INFINITY, 10.0)] {
            let mut c = Compressor::new(t, r, w, 1.0, 20.0, 0.0, 1.0, 1.0).unwrap();
            c.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
            let formula = c.gain_computer();
            let mut level = -50.0;
            while level <= 0.0 {
                c.reset();
                let amp = crate::math::db_to_gain(level) as f32;
                let mut x = square(9600, amp, 480);
                crate::processor::process_in_blocks(&mut c, &mut [&mut x], 4096);
                let out_db = gain_to_db(x[9599].abs() as f64);
                let want = formula.output_db(level as f32) as f64;
                // Independent check of the GMR formula, hard and soft knee.
                let gmr = if 2.0 * (level - t) < -w {
                    level
                } else if w > 0.0 && 2.0 * (level - t).abs() <= w {
                    level + (1.0 / r - 1.0) * (level - t + w / 2.0).powi(2) / (2.0 * w)
                } else {
                    t + (level - t) / r
                };
                assert!((want - gmr).abs() < 1e-3, "{want} {gmr} {level} {t} {r} {w}");
                assert!(
                    (out_db - gmr).abs() < 0.05,
                    "T{t} R{r} W{w} at {level}: {out_db} vs {gmr}"
                );
                level += 1.0;
            }
        }
    }

    /// Output gain (dB) over time for a DC step from -60 dBFS to `high` dBFS.
    fn step_gain(c: &mut Compressor, high: f64, len: usize) -> Vec<f64> {
        let lo = crate::math::db_to_gain(-60.0) as f32;
        let hi = crate::math::db_to_gain(high) as f32;
        let mut x: Vec<f32> = (0..len).map(|i| if i < len / 2 { lo } else { hi }).collect();
        let input = x.clone();
        crate::processor::process_in_blocks(c, &mut [&mut x], 512);
        x.iter().zip(&input).map(|(y, x)| gain_to_db((y / x) as f64)).collect()
    }

    #[test]
    fn attack_and_release_time_constants() {
        for &(attack, release) in &[(5.0, 50.0), (20.0, 200.0), (1.0, 500.0)] {
            let mut c =
                Compressor::new(-40.0, f64::INFINITY, 0.0, attack, release, 0.0, 1.0, 1.0).unwrap();
            c.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
            // Attack: reduction steps from 0 to 40 dB at the midpoint.
            let len = 2 * (FS * release * 10e-3) as usize;
            let g = step_gain(&mut c, 0.0, len);
            let start = len / 2;
            let hit =
                g[start..].iter().position(|&v| v <= -40.0 * (1.0 - (-1.0f64).exp())).unwrap();
            let tau = (hit + 1) as f64 / FS * 1e3;
            assert!((tau / attack - 1.0).abs() < 0.05, "attack {tau} vs {attack}");
            // Release: hold 0 dBFS, then drop to -60 dBFS (reduction 40 -> 0).
            let lo = crate::math::db_to_gain(-60.0) as f32;
            let mut y: Vec<f32> = vec![lo; len];
            c.process_mono(&mut y);
            let g: Vec<f64> = y.iter().map(|v| gain_to_db((v / lo) as f64)).collect();
            let hit = g.iter().position(|&v| v >= -40.0 * (-1.0f64).exp()).unwrap();
            let tau = (hit + 1) as f64 / FS * 1e3;
            assert!((tau / release - 1.0).abs() < 0.05, "release {tau} vs {release}");
        }
    }

    #[test]
    fn full_link_gives_identical_reduction() {
        let mut c = Compressor::new(-30.0, 4.0, 6.0, 5.0, 80.0, 0.0, 1.0, 1.0).unwrap();
        c.prepare(&ProcessSpec::new(FS, 256, 2)).unwrap();
        let mut l = sine(200.0, FS, 24_000, 0.9);
        let mut r = noise(24_000, 0.003, 9);
        let (l0, r0) = (l.clone(), r.clone());
        for (bl, br) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
            c.process_stereo(bl, br);
            assert_eq!(c.channel_gain_reduction_db(0), c.channel_gain_reduction_db(1));
        }
        // Same gain on both channels, sample by sample.
        for i in (0..24_000).filter(|&i| l0[i].abs() > 1e-3 && r0[i].abs() > 1e-3) {
            let (gl, gr) = (l[i] / l0[i], r[i] / r0[i]);
            assert!((gl - gr).abs() < 1e-5 * gl.abs().max(1.0), "{i}: {gl} {gr}");
        }
        // Unlinked: the quiet channel is left alone.
        c.set_link(0.0).unwrap();
        c.reset();
        let (mut l, mut r) = (l0.clone(), r0.clone());
        c.process_stereo(&mut l, &mut r);
        assert!(c.channel_gain_reduction_db(0) > 5.0);
        assert_eq!(c.channel_gain_reduction_db(1), 0.0);
        assert_eq!(r, r0);
    }

    #[test]
    fn makeup_auto_makeup_and_mix() {
        let mut c = Compressor::new(-20.0, 4.0, 0.0, 0.0, 10.0, 3.0, 1.0, 1.0).unwrap();
        c.set_auto_makeup(true);
        assert!((c.auto_makeup_db() - 15.0).abs() < 1e-4);
        c.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        let mut x = vec![1.0f32; 4096];
        c.process_mono(&mut x);
        // 0 dBFS in -> 0 dBFS + manual make-up out.
        assert!((gain_to_db(x[4095] as f64) - 3.0).abs() < 0.01);
        // Half wet: x (0.5 g + 0.5), g = -10 dB static reduction of -10 dBFS.
        let mut c = Compressor::new(-20.0, 2.0, 0.0, 0.0, 10.0, 0.0, 1.0, 0.5).unwrap();
        c.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        let a = crate::math::db_to_gain(-10.0) as f32;
        let mut x = vec![a; 4096];
        c.process_mono(&mut x);
        let want = a as f64 * (0.5 * crate::math::db_to_gain(-5.0) + 0.5);
        assert!((x[4095] as f64 / want - 1.0).abs() < 1e-4);
    }

    #[test]
    fn sidechain_keys_the_detector() {
        let mut c = Compressor::new(-30.0, 10.0, 0.0, 0.0, 50.0, 0.0, 1.0, 1.0).unwrap();
        c.prepare(&ProcessSpec::new(FS, 1024, 2)).unwrap();
        let (mut l, mut r) = (vec![0.01f32; 1024], vec![0.01f32; 1024]);
        let key = vec![1.0f32; 1024];
        let mut gr = vec![0.0f32; 1024];
        // Mono key for a stereo input: averaged, keys both channels.
        c.process_with_gain_reduction(&mut [&mut l, &mut r], Some(&[&key]), &mut gr);
        let want = 0.9 * 30.0;
        assert!((gr[1023] - want).abs() < 0.01, "{}", gr[1023]);
        assert!((gain_to_db(l[1023] as f64 / 0.01) + want as f64).abs() < 0.01);
        assert_eq!(c.gain_reduction_db(), gr[1023]);
        // A silent (NaN-ridden) key lets the reduction recover and stays finite.
        let bad = vec![f32::NAN; 1024];
        let (mut l, mut r) = (vec![0.01f32; 1024], vec![0.01f32; 1024]);
        c.process_with_gain_reduction(&mut [&mut l, &mut r], Some(&[&bad, &bad]), &mut gr);
        assert_eq!(c.nonfinite_count(), 2048);
        assert!(gr.iter().all(|v| v.is_finite()));
        assert!(gr[1023] < gr[0]);
    }

    #[test]
    fn sidechain_hpf_ignores_bass() {
        let mut c = Compressor::new(-30.0, 4.0, 0.0, 1.0, 50.0, 0.0, 1.0, 1.0).unwrap();
        c.set_sidechain_hpf_hz(1000.0).unwrap();
        c.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        let mut x = sine(40.0, FS, 24_000, 0.5);
        crate::processor::process_in_blocks(&mut c, &mut [&mut x], 4096);
        // 40 Hz is 2 decades below: 80 dB down in the key, no reduction.
        assert_eq!(c.block_gain_reduction_db(), 0.0);
        assert!(c.set_sidechain_hpf_hz(30_000.0).is_err());
    }

    #[test]
    fn nonfinite_input_recovers() {
        let mut c = Compressor::new(-30.0, 4.0, 0.0, 1.0, 50.0, 0.0, 1.0, 1.0).unwrap();
        c.set_detector(Detector::Rms);
        c.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let mut x = sine(300.0, FS, 512, 0.9);
        x[10] = f32::INFINITY;
        x[11] = f32::NAN;
        c.process_mono(&mut x);
        assert!(c.gain_reduction_db().is_finite() && c.gain_reduction_db() > 0.0);
        assert!(x.iter().all(|v| v.is_finite()));
        assert_eq!(x[10], 0.0);
    }

    #[test]
    fn rejects_bad_parameters() {
        use crate::dynamics::Detector;
        for d in [Detector::Peak, Detector::Rms] {
            assert_eq!(Detector::from_name(d.name()), Ok(d));
        }
        assert!(Detector::from_name("vu").is_err());
        let mut c = Compressor::default();
        assert!(c.set_ratio(0.5).is_err());
        assert!(c.set_ratio(f64::NAN).is_err());
        assert!(c.set_ratio(f64::INFINITY).is_ok());
        assert!(c.set_link(1.5).is_err());
        assert!(c.set_attack_ms(-1.0).is_err());
        assert!(Compressor::new(-20.0, 4.0, 6.0, 10.0, 100.0, 0.0, 1.0, 2.0).is_err());
    }
}
