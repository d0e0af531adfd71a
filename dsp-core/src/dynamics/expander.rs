//! Downward expander and noise gate, with hysteresis and hold.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::{Error, check_range};
use crate::processor::Processor;
use crate::spec::ProcessSpec;

use super::ballistics::Ballistics;
use super::curve::GainComputer;
use super::delegate::{delegate, delegate_processor};
use super::engine::{Engine, GainLaw, engine_methods};
use super::fast_db::db_to_amp;
use crate::math::{greater, min_of};

/// Margin of the gate's idle test above its thresholds (0.09 dB).
const IDLE_MARGIN: f32 = 1.01;
use super::params::{self, checked_params};

#[derive(Debug, Clone)]
struct ExpanderLaw {
    /// Curve while closed (threshold T) and while open (T - hysteresis).
    closed: GainComputer,
    open: GainComputer,
    open_amp: f32,
    close_amp: f32,
    /// Levels from here up open the gate and get no reduction from either
    /// curve (with a margin far above the fast-dB error).
    idle_amp: f32,
    is_open: Vec<bool>,
    hold_left: Vec<u32>,
    hold_samples: u32,
    ballistics: Ballistics,
}

impl GainLaw for ExpanderLaw {
    #[inline(always)]
    fn static_gr(&mut self, slot: usize, levels: &mut [f32]) {
        if !levels.is_empty() && min_of(f32::INFINITY, levels) >= self.idle_amp {
            // Every sample opens (or keeps open) and gets no reduction.
            levels.fill(0.0);
            self.is_open[slot] = true;
            return;
        }
        let mut open = self.is_open[slot];
        for v in levels.iter_mut() {
            let a = *v;
            *v = if open { &self.open } else { &self.closed }.reduction_amp(a);
            open = a >= if open { self.close_amp } else { self.open_amp };
        }
        self.is_open[slot] = open;
    }

    #[inline(always)]
    fn follow<const WIDE: bool>(&mut self, ch: usize, state: f32, targets: &mut [f32]) -> f32 {
        if state == 0.0 && targets.iter().all(|&t| t == 0.0) {
            // Open and staying open: the hold restarts every sample.
            targets.fill(0.0);
            self.hold_left[ch] = self.hold_samples;
            return 0.0;
        }
        let mut s = state;
        let mut hold = self.hold_left[ch];
        for t in targets.iter_mut() {
            if *t > s && hold > 0 {
                hold -= 1;
            } else {
                if *t <= s {
                    hold = self.hold_samples;
                }
                s = self.ballistics.next_with::<WIDE>(s, *t);
            }
            *t = s;
        }
        self.hold_left[ch] = hold;
        s
    }
}

/// Downward expander (and, with an infinite ratio, a gate).
///
/// Below the threshold the output falls `ratio` dB per dB of input (static
/// curve [`GainComputer::expander`], soft knee optional), the reduction
/// never exceeding `range_db`. Hysteresis: once the level has reached the
/// threshold, the threshold drops by `hysteresis_db` until the level falls
/// below it. Hold: the reduction only starts to grow after its target has
/// stayed above the current reduction for `hold_ms`. `attack_ms` is the
/// time constant of opening (reduction shrinking), `release_ms` of closing,
/// each the time to cover 63.2 % of a step in dB. Detector, sidechain and
/// link as for the [`Compressor`](super::Compressor).
#[derive(Debug, Clone)]
pub struct Expander {
    threshold_db: f64,
    ratio: f64,
    range_db: f64,
    knee_db: f64,
    hysteresis_db: f64,
    hold_ms: f64,
    attack_ms: f64,
    release_ms: f64,
    sample_rate: f64,
    law: ExpanderLaw,
    engine: Engine,
}

impl Default for Expander {
    /// Threshold -40 dB, ratio 2, range 40 dB, attack 1 ms, release 100 ms,
    /// hold 10 ms, no knee or hysteresis, 100 % link.
    fn default() -> Self {
        Self::new(-40.0, 2.0, 40.0, 1.0, 100.0).expect("valid defaults")
    }
}

impl Expander {
    /// An expander; every argument is checked as by its setter.
    pub fn new(
        threshold_db: f64,
        ratio: f64,
        range_db: f64,
        attack_ms: f64,
        release_ms: f64,
    ) -> Result<Self, Error> {
        let ballistics = Ballistics::new(release_ms, attack_ms, 48_000.0);
        let curve = GainComputer::expander(-40.0, 2.0, 0.0, 40.0);
        let mut e = Self {
            threshold_db: -40.0,
            ratio: 2.0,
            range_db: 40.0,
            knee_db: 0.0,
            hysteresis_db: 0.0,
            hold_ms: 10.0,
            attack_ms: 1.0,
            release_ms: 100.0,
            sample_rate: 48_000.0,
            law: ExpanderLaw {
                closed: curve,
                open: curve,
                open_amp: 0.0,
                close_amp: 0.0,
                idle_amp: 0.0,
                is_open: Vec::new(),
                hold_left: Vec::new(),
                hold_samples: 0,
                ballistics,
            },
            engine: Engine::new(),
        };
        e.set_threshold_db(threshold_db)?;
        e.set_ratio(ratio)?;
        e.set_range_db(range_db)?;
        e.set_attack_ms(attack_ms)?;
        e.set_release_ms(release_ms)?;
        Ok(e)
    }

    checked_params! {
        /// Threshold in dB.
        threshold_db;
        /// Sets the threshold (-120 to +24 dB).
        set_threshold_db(db) = params::threshold_db => update_curve;

        /// Expansion ratio (output dB per input dB below the threshold).
        ratio;
        /// Sets the ratio, from 1 (none) up to infinity (a gate).
        set_ratio(ratio) = params::ratio => update_curve;

        /// Largest reduction in dB.
        range_db;
        /// Sets the largest reduction (0 to 120 dB).
        set_range_db(db) = |db| check_range("range_db", db, 0.0, 120.0, "must be from 0 to 120 dB")
            => update_curve;

        /// Knee width in dB.
        knee_db;
        /// Sets the knee width (0 to 48 dB), centred on the threshold.
        set_knee_db(db) = params::knee_db => update_curve;

        /// Hysteresis in dB.
        hysteresis_db;
        /// Sets the hysteresis (0 to 24 dB).
        set_hysteresis_db(db) =
            |db| check_range("hysteresis_db", db, 0.0, 24.0, "must be from 0 to 24 dB")
            => update_curve;

        /// Hold time in ms.
        hold_ms;
        /// Sets the hold time (0 to 5000 ms).
        set_hold_ms(ms) = |ms| check_range("hold_ms", ms, 0.0, 5000.0, "must be from 0 to 5000 ms")
            => update_timing;

        /// Attack (opening) time constant in ms.
        attack_ms;
        /// Sets the attack time constant (0 to 1000 ms; 0 = instant).
        set_attack_ms(ms) = params::attack_ms => update_timing;

        /// Release (closing) time constant in ms.
        release_ms;
        /// Sets the release time constant (0 to 10000 ms; 0 = instant).
        set_release_ms(ms) = params::release_ms => update_timing;
    }

    /// The static curve used while closed.
    pub fn gain_computer(&self) -> GainComputer {
        self.law.closed
    }

    engine_methods!();

    fn update_curve(&mut self) {
        let (t, r, k, g) = (
            self.threshold_db as f32,
            self.ratio as f32,
            self.knee_db as f32,
            self.range_db as f32,
        );
        let h = self.hysteresis_db as f32;
        self.law.closed = GainComputer::expander(t, r, k, g);
        self.law.open = GainComputer::expander(t - h, r, k, g);
        self.law.open_amp = db_to_amp(t);
        self.law.close_amp = db_to_amp(t - h);
        let l = &mut self.law;
        let edge = greater(
            greater(l.open_amp, l.close_amp),
            greater(l.open.onset_amp(), l.closed.onset_amp()),
        );
        l.idle_amp = edge * IDLE_MARGIN;
    }

    fn update_timing(&mut self) {
        let fs = self.sample_rate;
        self.law.ballistics = Ballistics::new(self.release_ms, self.attack_ms, fs);
        self.law.hold_samples = libm::round(self.hold_ms * 1e-3 * fs) as u32;
    }
}

impl Processor for Expander {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        self.engine.prepare(spec)?;
        self.sample_rate = spec.sample_rate;
        self.update_timing();
        self.law.is_open = vec![false; spec.channels + 1];
        self.law.hold_left = vec![0; spec.channels];
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.engine.reset();
        self.law.is_open.iter_mut().for_each(|o| *o = false);
        self.law.hold_left.iter_mut().for_each(|h| *h = 0);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.engine.run(&mut self.law, channels, None, None);
    }

    fn nonfinite_count(&self) -> u64 {
        self.engine.nonfinite_count()
    }
}

/// A noise gate: an [`Expander`] with an infinite ratio, so that below the
/// threshold the signal drops by the full range.
#[derive(Debug, Clone)]
pub struct NoiseGate {
    inner: Expander,
}

impl Default for NoiseGate {
    /// Threshold -50 dB, range 80 dB, hysteresis 6 dB, attack 0.5 ms,
    /// hold 20 ms, release 50 ms, 100 % link.
    fn default() -> Self {
        let mut g = Self::new(-50.0, 80.0, 0.5, 50.0).expect("valid defaults");
        g.set_hysteresis_db(6.0).expect("valid default");
        g.set_hold_ms(20.0).expect("valid default");
        g
    }
}

impl NoiseGate {
    /// A gate (no hysteresis, 10 ms hold until set otherwise); arguments
    /// are checked as by their setters.
    pub fn new(
        threshold_db: f64,
        range_db: f64,
        attack_ms: f64,
        release_ms: f64,
    ) -> Result<Self, Error> {
        Ok(Self {
            inner: Expander::new(threshold_db, f64::INFINITY, range_db, attack_ms, release_ms)?,
        })
    }

    delegate! { inner =>
        /// Threshold in dB (the gate opens when the level reaches it).
        threshold_db(&self) -> f64;
        /// Attenuation while closed, in dB.
        range_db(&self) -> f64;
        /// Hysteresis in dB (the gate closes below threshold - hysteresis).
        hysteresis_db(&self) -> f64;
        /// Hold time in ms.
        hold_ms(&self) -> f64;
        /// Attack (opening) time constant in ms.
        attack_ms(&self) -> f64;
        /// Release (closing) time constant in ms.
        release_ms(&self) -> f64;
        /// Stereo link (0 to 1).
        link(&self) -> f64;
        /// Detector type.
        detector(&self) -> super::Detector;
        /// RMS window (time constant of the mean square) in ms.
        rms_window_ms(&self) -> f64;
        /// Sidechain high-pass cutoff in Hz (0 = off).
        sidechain_hpf_hz(&self) -> f64;
        /// Whether the gate is bypassed.
        bypass(&self) -> bool;
        /// Gain reduction in dB after the last sample (largest over channels).
        gain_reduction_db(&self) -> f32;
        /// Largest gain reduction in dB during the last block.
        block_gain_reduction_db(&self) -> f32;
    }

    delegate! { inner =>
        /// Sets the threshold (-120 to +24 dB).
        set_threshold_db(&mut self, db: f64) -> Result<(), Error>;
        /// Sets the attenuation while closed (0 to 120 dB).
        set_range_db(&mut self, db: f64) -> Result<(), Error>;
        /// Sets the hysteresis (0 to 24 dB).
        set_hysteresis_db(&mut self, db: f64) -> Result<(), Error>;
        /// Sets the hold time (0 to 5000 ms).
        set_hold_ms(&mut self, ms: f64) -> Result<(), Error>;
        /// Sets the attack time constant (0 to 1000 ms).
        set_attack_ms(&mut self, ms: f64) -> Result<(), Error>;
        /// Sets the release time constant (0 to 10000 ms).
        set_release_ms(&mut self, ms: f64) -> Result<(), Error>;
        /// Sets the stereo link (0 to 1).
        set_link(&mut self, link: f64) -> Result<(), Error>;
        /// Sets the detector type.
        set_detector(&mut self, detector: super::Detector) -> ();
        /// Sets the RMS window (0.1 to 1000 ms).
        set_rms_window_ms(&mut self, ms: f64) -> Result<(), Error>;
        /// Sets the sidechain high-pass cutoff (0 = off).
        set_sidechain_hpf_hz(&mut self, hz: f64) -> Result<(), Error>;
        /// Bypasses the gate (or not), crossfading over 20 ms.
        set_bypass(&mut self, bypass: bool) -> ();
        /// Processes keyed by an external sidechain (see [`Expander::process_sidechain`]).
        process_sidechain(&mut self, channels: &mut [&mut [f32]], sidechain: &[&[f32]]) -> ();
        /// Processes and writes the per-sample gain reduction (dB) to `gr_out`.
        process_with_gain_reduction(
            &mut self,
            channels: &mut [&mut [f32]],
            sidechain: Option<&[&[f32]]>,
            gr_out: &mut [f32]
        ) -> ();
    }
}

delegate_processor!(NoiseGate, inner);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{db_to_gain, gain_to_db};
    use crate::test_util::*;
    use std::vec;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    #[test]
    fn invariants() {
        check_processor_invariants(
            || {
                let mut e = Expander::new(-20.0, 3.0, 30.0, 1.0, 40.0).unwrap();
                e.set_hysteresis_db(3.0).unwrap();
                e.set_link(0.7).unwrap();
                e
            },
            2,
            |e| {
                e.set_threshold_db(-10.0).unwrap();
                e.set_hold_ms(2.0).unwrap();
            },
        );
        check_processor_invariants(NoiseGate::default, 2, |g| g.set_range_db(20.0).unwrap());
    }

    /// Output level (dB) of a steady DC level `db` after settling.
    fn steady(p: &mut impl Processor, db: f64) -> f64 {
        p.reset();
        let a = db_to_gain(db) as f32;
        let mut x = vec![a; 9600];
        crate::processor::process_in_blocks(p, &mut [&mut x], 4096);
        gain_to_db(x[9599] as f64)
    }

    #[test]
    fn static_curve_ratio_knee_and_range() {
        let mut e = Expander::new(-30.0, 3.0, 24.0, 0.1, 5.0).unwrap();
        e.set_knee_db(4.0).unwrap();
        e.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        let curve = e.gain_computer();
        for level in (-80..0).map(f64::from) {
            let want = level - ((-30.0 - level) * 2.0).clamp(0.0, 24.0);
            let knee = (level + 30.0).abs() <= 2.0;
            let got = steady(&mut e, level);
            assert!((got - curve.output_db(level as f32) as f64).abs() < 0.05, "{level}");
            if !knee {
                assert!((got - want).abs() < 0.05, "{level}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn gate_hysteresis_hold_and_time_constants() {
        let mut g = NoiseGate::new(-40.0, 60.0, 2.0, 20.0).unwrap();
        g.set_hysteresis_db(6.0).unwrap();
        g.set_hold_ms(10.0).unwrap();
        g.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        // Closed at -43 dB; opens at -38 dB; stays open at -43 dB (hysteresis).
        assert!((steady(&mut g, -43.0) + 103.0).abs() < 0.05);
        let mut levels = vec![db_to_gain(-38.0) as f32; 4800];
        levels.extend(vec![db_to_gain(-43.0) as f32; 4800]);
        levels.extend(vec![db_to_gain(-50.0) as f32; 9600]);
        let input = levels.clone();
        let mut gr = vec![0.0f32; levels.len()];
        g.reset();
        for (x, r) in levels.chunks_mut(512).zip(gr.chunks_mut(512)) {
            g.process_with_gain_reduction(&mut [x], None, r);
        }
        let db = |i: usize| gain_to_db((levels[i] / input[i]) as f64);
        assert!(db(4799).abs() < 0.01 && db(9599).abs() < 0.01, "hysteresis");
        // Below -46 dB: hold 10 ms (480 samples), then closes with τ = 20 ms.
        assert_eq!(gr[9600 + 479], 0.0);
        assert!(gr[9600 + 481] > 0.0);
        let hit = gr[9600..].iter().position(|&v| v >= 60.0 * (1.0 - (-1.0f32).exp())).unwrap();
        let tau = (hit - 480) as f64 / FS * 1e3;
        assert!((tau / 20.0 - 1.0).abs() < 0.05, "release {tau}");
        // Opening: attack τ = 2 ms from fully closed.
        let mut x = vec![db_to_gain(-20.0) as f32; 4800];
        let mut gr = vec![0.0f32; 4800];
        g.process_with_gain_reduction(&mut [&mut x], None, &mut gr);
        let start = gr[0] as f64 / (1.0 - 1.0 / 4800.0f64.exp());
        let hit = gr.iter().position(|&v| (v as f64) <= 60.0 * (-1.0f64).exp()).unwrap();
        let tau = (hit + 1) as f64 / FS * 1e3;
        assert!(start > 59.0 && (tau / 2.0 - 1.0).abs() < 0.05, "attack {tau}");
    }

    #[test]
    fn gate_keyed_by_sidechain() {
        let mut g = NoiseGate::new(-30.0, 40.0, 0.0, 1.0).unwrap();
        g.set_hold_ms(0.0).unwrap();
        g.prepare(&ProcessSpec::new(FS, 1024, 2)).unwrap();
        let (mut l, mut r) = (vec![0.5f32; 1024], vec![0.5f32; 1024]);
        let key: Vec<f32> = vec![0.001; 1024];
        g.process_sidechain(&mut [&mut l, &mut r], &[&key[..], &key[..]]);
        assert!((gain_to_db(l[1023] as f64 / 0.5) + 40.0).abs() < 0.01);
        assert_eq!(l, r);
    }

    /// A sine peaking at -20 dBFS has an RMS of -23 dBFS: a -21.5 dB gate
    /// stays open on its peaks but closes on its RMS; bypassed, it passes
    /// the sine unchanged after the 20 ms crossfade.
    #[test]
    fn gate_rms_window_and_bypass() {
        let out_db = |g: &mut NoiseGate| {
            g.prepare(&ProcessSpec::new(FS, 1024, 1)).unwrap();
            let mut x = sine(1000.0, FS, 24_000, 0.1);
            crate::processor::process_in_blocks(g, &mut [&mut x], 1024);
            gain_to_db(rms(&x[12_000..]) / rms(&sine(1000.0, FS, 12_000, 0.1)))
        };
        let mut g = NoiseGate::new(-21.5, 40.0, 0.0, 5.0).unwrap();
        assert!(out_db(&mut g).abs() < 0.5);
        g.set_detector(crate::dynamics::Detector::Rms);
        g.set_rms_window_ms(50.0).unwrap();
        assert_eq!(g.rms_window_ms(), 50.0);
        assert!(out_db(&mut g) < -35.0);
        g.set_bypass(true);
        assert!(g.bypass());
        assert!(out_db(&mut g).abs() < 1e-4);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(Expander::new(-20.0, 0.5, 10.0, 1.0, 10.0).is_err());
        assert!(NoiseGate::new(-20.0, -1.0, 1.0, 10.0).is_err());
        let mut g = NoiseGate::default();
        assert!(g.set_hold_ms(f64::NAN).is_err());
        assert_eq!(g.hold_ms(), 20.0);
    }
}
