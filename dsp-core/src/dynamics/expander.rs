//! Downward expander and noise gate, with hysteresis and hold.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::Error;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::spec::ProcessSpec;

use super::Dynamics;
use super::ballistics::Ballistics;
use super::compressor::Compressor;
use super::curve::GainComputer;
use super::detector::Detector;
use super::engine::{DynamicsEngine, GainLaw};
use super::fast_db::db_to_amp;
use crate::math::{greater, min_of};

/// Margin of the gate's idle test above its thresholds (0.09 dB).
const IDLE_MARGIN: f32 = 1.01;

crate::declare_params! {
    Expander, EXPANDER_KIND = "expander", "Expander",
        Caps::PLAIN.sidechain().gain_reduction(),
        "Downward expander: below the threshold the output falls `ratio` dB per dB, never by \
         more than `range_db`; hysteresis and hold; detector, sidechain and link as the \
         compressor's.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        },
        bypass: [native bypass, set_bypass];
    THRESHOLD_DB = ParamInfo { default: -40.0, ..Compressor::THRESHOLD_DB }
        => threshold_db, set_threshold_db;
    RATIO = ParamInfo {
        default: 2.0,
        doc: "Ratio: output dB per input dB below the threshold, 1 (none) up to inf (a gate)",
        ..Compressor::RATIO
    } => ratio, set_ratio;
    RANGE_DB = ParamInfo::float("range_db", 0.0, 120.0, 40.0, "dB", "Largest reduction in dB")
        => range_db, set_range_db;
    ATTACK_MS = ParamInfo {
        default: 1.0,
        doc: "Attack (opening) time constant: time to cover 63.2 % of a step (0 = instant)",
        ..Compressor::ATTACK_MS
    } => attack_ms, set_attack_ms;
    RELEASE_MS = ParamInfo {
        default: 100.0,
        doc: "Release (closing) time constant: time to cover 63.2 % of a step (0 = instant)",
        ..Compressor::RELEASE_MS
    } => release_ms, set_release_ms;
    KNEE_DB = ParamInfo { default: 0.0, ..Compressor::KNEE_DB } => knee_db, set_knee_db;
    HYSTERESIS_DB = ParamInfo::float("hysteresis_db", 0.0, 24.0, 0.0, "dB",
        "Hysteresis: once open, closes below threshold - hysteresis")
        => hysteresis_db, set_hysteresis_db;
    HOLD_MS = ParamInfo::float("hold_ms", 0.0, 5000.0, 10.0, "ms",
        "Hold time before the reduction grows again").log() => hold_ms, set_hold_ms;
    LINK = Compressor::LINK => link, set_link;
    DETECTOR = Compressor::DETECTOR => detector, set_detector;
    RMS_WINDOW_MS = Compressor::RMS_WINDOW_MS => rms_window_ms, set_rms_window_ms;
    SIDECHAIN_HPF_HZ = Compressor::SIDECHAIN_HPF_HZ => sidechain_hpf_hz, set_sidechain_hpf_hz;
}

crate::declare_params! {
    NoiseGate, NOISE_GATE_KIND = "noise_gate", "NoiseGate",
        Caps::PLAIN.sidechain().gain_reduction(),
        "Noise gate: an expander with an infinite ratio; below the threshold the signal drops \
         by `range_db`.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        },
        bypass: [native bypass, set_bypass];
    THRESHOLD_DB = ParamInfo {
        default: -50.0,
        doc: "Threshold in dB relative to full scale: the gate opens when the level reaches it",
        ..Expander::THRESHOLD_DB
    } => threshold_db, set_threshold_db;
    RANGE_DB = ParamInfo {
        default: 80.0,
        doc: "Attenuation while closed, in dB",
        ..Expander::RANGE_DB
    } => range_db, set_range_db;
    ATTACK_MS = ParamInfo { default: 0.5, ..Expander::ATTACK_MS } => attack_ms, set_attack_ms;
    RELEASE_MS = ParamInfo { default: 50.0, ..Expander::RELEASE_MS } => release_ms, set_release_ms;
    HYSTERESIS_DB = ParamInfo { default: 6.0, ..Expander::HYSTERESIS_DB }
        => hysteresis_db, set_hysteresis_db;
    HOLD_MS = ParamInfo { default: 20.0, ..Expander::HOLD_MS } => hold_ms, set_hold_ms;
    LINK = Expander::LINK => link, set_link;
    DETECTOR = Expander::DETECTOR => detector, set_detector;
    RMS_WINDOW_MS = Expander::RMS_WINDOW_MS => rms_window_ms, set_rms_window_ms;
    SIDECHAIN_HPF_HZ = Expander::SIDECHAIN_HPF_HZ => sidechain_hpf_hz, set_sidechain_hpf_hz;
}

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
/// link as for the [`Compressor`].
///
/// Every setter checks its value against the declaration of the parameter
/// (the associated constants, e.g. [`Expander::RANGE_DB`]); the ranges it
/// shares with the compressor are the compressor's.
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
    engine: DynamicsEngine,
}

impl Default for Expander {
    /// Threshold -40 dB, ratio 2, range 40 dB, attack 1 ms, release 100 ms,
    /// hold 10 ms, no knee or hysteresis, 100 % link, peak detector.
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
            engine: DynamicsEngine::new(),
        };
        e.set_threshold_db(threshold_db)?;
        e.set_ratio(ratio)?;
        e.set_range_db(range_db)?;
        e.set_attack_ms(attack_ms)?;
        e.set_release_ms(release_ms)?;
        Ok(e)
    }

    /// Threshold in dB.
    pub fn threshold_db(&self) -> f64 {
        self.threshold_db
    }

    /// Sets the threshold.
    pub fn set_threshold_db(&mut self, db: f64) -> Result<(), Error> {
        self.threshold_db = Self::THRESHOLD_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Expansion ratio (output dB per input dB below the threshold).
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Sets the ratio, from 1 (none) up to infinity (a gate).
    pub fn set_ratio(&mut self, ratio: f64) -> Result<(), Error> {
        self.ratio = Self::RATIO.check(ratio)?;
        self.update_curve();
        Ok(())
    }

    /// Largest reduction in dB.
    pub fn range_db(&self) -> f64 {
        self.range_db
    }

    /// Sets the largest reduction.
    pub fn set_range_db(&mut self, db: f64) -> Result<(), Error> {
        self.range_db = Self::RANGE_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Knee width in dB.
    pub fn knee_db(&self) -> f64 {
        self.knee_db
    }

    /// Sets the knee width, centred on the threshold.
    pub fn set_knee_db(&mut self, db: f64) -> Result<(), Error> {
        self.knee_db = Self::KNEE_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Hysteresis in dB.
    pub fn hysteresis_db(&self) -> f64 {
        self.hysteresis_db
    }

    /// Sets the hysteresis: once open, the threshold drops by it.
    pub fn set_hysteresis_db(&mut self, db: f64) -> Result<(), Error> {
        self.hysteresis_db = Self::HYSTERESIS_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Hold time in ms.
    pub fn hold_ms(&self) -> f64 {
        self.hold_ms
    }

    /// Sets the hold time.
    pub fn set_hold_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.hold_ms = Self::HOLD_MS.check(ms)?;
        self.update_timing();
        Ok(())
    }

    /// Attack (opening) time constant in ms.
    pub fn attack_ms(&self) -> f64 {
        self.attack_ms
    }

    /// Sets the attack time constant (0 = instant).
    pub fn set_attack_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.attack_ms = Self::ATTACK_MS.check(ms)?;
        self.update_timing();
        Ok(())
    }

    /// Release (closing) time constant in ms.
    pub fn release_ms(&self) -> f64 {
        self.release_ms
    }

    /// Sets the release time constant (0 = instant).
    pub fn set_release_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.release_ms = Self::RELEASE_MS.check(ms)?;
        self.update_timing();
        Ok(())
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

    /// Sets the sidechain high-pass cutoff (0 = off; must be below Nyquist,
    /// checked at `prepare`, or at once if prepared).
    pub fn set_sidechain_hpf_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.engine.det.set_sidechain_hpf_hz(Self::SIDECHAIN_HPF_HZ.check(hz)?)
    }

    /// Whether the expander is bypassed.
    pub fn bypass(&self) -> bool {
        self.engine.bypass()
    }

    /// Bypasses the expander (or not): the output crossfades to the dry
    /// input (or back) over 20 ms; the detector keeps running.
    pub fn set_bypass(&mut self, bypass: bool) {
        self.engine.set_bypass(bypass);
    }

    /// The static curve used while closed.
    pub fn gain_computer(&self) -> GainComputer {
        self.law.closed
    }

    /// Gain reduction in dB (positive = reduction; largest over channels)
    /// after the last processed sample.
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

    /// Processes `channels` keyed by an external `sidechain` (channel by
    /// channel if the counts match, else their mean keys every channel; see
    /// [`Compressor::process_sidechain`]).
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

impl Dynamics for Expander {
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

/// A noise gate: an [`Expander`] with an infinite ratio, so that below the
/// threshold the signal drops by the full range. Its methods pass on to the
/// expander after checking against the gate's own declarations (which
/// differ from the expander's in their defaults only).
#[derive(Debug, Clone)]
pub struct NoiseGate {
    inner: Expander,
}

impl Default for NoiseGate {
    /// Threshold -50 dB, range 80 dB, attack 0.5 ms, release 50 ms,
    /// hysteresis 6 dB, hold 20 ms, 100 % link, peak detector.
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
        let (t, r) = (Self::THRESHOLD_DB.check(threshold_db)?, Self::RANGE_DB.check(range_db)?);
        let (a, d) = (Self::ATTACK_MS.check(attack_ms)?, Self::RELEASE_MS.check(release_ms)?);
        Ok(Self { inner: Expander::new(t, f64::INFINITY, r, a, d)? })
    }

    /// Threshold in dB (the gate opens when the level reaches it).
    pub fn threshold_db(&self) -> f64 {
        self.inner.threshold_db()
    }

    /// Sets the threshold.
    pub fn set_threshold_db(&mut self, db: f64) -> Result<(), Error> {
        self.inner.set_threshold_db(Self::THRESHOLD_DB.check(db)?)
    }

    /// Attenuation while closed, in dB.
    pub fn range_db(&self) -> f64 {
        self.inner.range_db()
    }

    /// Sets the attenuation while closed.
    pub fn set_range_db(&mut self, db: f64) -> Result<(), Error> {
        self.inner.set_range_db(Self::RANGE_DB.check(db)?)
    }

    /// Attack (opening) time constant in ms.
    pub fn attack_ms(&self) -> f64 {
        self.inner.attack_ms()
    }

    /// Sets the attack time constant (0 = instant).
    pub fn set_attack_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.inner.set_attack_ms(Self::ATTACK_MS.check(ms)?)
    }

    /// Release (closing) time constant in ms.
    pub fn release_ms(&self) -> f64 {
        self.inner.release_ms()
    }

    /// Sets the release time constant (0 = instant).
    pub fn set_release_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.inner.set_release_ms(Self::RELEASE_MS.check(ms)?)
    }

    /// Hysteresis in dB (the gate closes below threshold - hysteresis).
    pub fn hysteresis_db(&self) -> f64 {
        self.inner.hysteresis_db()
    }

    /// Sets the hysteresis.
    pub fn set_hysteresis_db(&mut self, db: f64) -> Result<(), Error> {
        self.inner.set_hysteresis_db(Self::HYSTERESIS_DB.check(db)?)
    }

    /// Hold time in ms.
    pub fn hold_ms(&self) -> f64 {
        self.inner.hold_ms()
    }

    /// Sets the hold time.
    pub fn set_hold_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.inner.set_hold_ms(Self::HOLD_MS.check(ms)?)
    }

    /// Stereo link from 0 (independent channels) to 1 (100 %).
    pub fn link(&self) -> f64 {
        self.inner.link()
    }

    /// Sets the stereo link.
    pub fn set_link(&mut self, link: f64) -> Result<(), Error> {
        self.inner.set_link(Self::LINK.check(link)?)
    }

    /// Detector type.
    pub fn detector(&self) -> Detector {
        self.inner.detector()
    }

    /// Sets the detector type.
    pub fn set_detector(&mut self, detector: Detector) {
        self.inner.set_detector(detector);
    }

    /// RMS window (time constant of the mean square) in ms.
    pub fn rms_window_ms(&self) -> f64 {
        self.inner.rms_window_ms()
    }

    /// Sets the RMS window.
    pub fn set_rms_window_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.inner.set_rms_window_ms(Self::RMS_WINDOW_MS.check(ms)?)
    }

    /// Sidechain high-pass cutoff in Hz (0 = off).
    pub fn sidechain_hpf_hz(&self) -> f64 {
        self.inner.sidechain_hpf_hz()
    }

    /// Sets the sidechain high-pass cutoff (0 = off; below Nyquist).
    pub fn set_sidechain_hpf_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.inner.set_sidechain_hpf_hz(Self::SIDECHAIN_HPF_HZ.check(hz)?)
    }

    /// Whether the gate is bypassed.
    pub fn bypass(&self) -> bool {
        self.inner.bypass()
    }

    /// Bypasses the gate (or not), crossfading over 20 ms.
    pub fn set_bypass(&mut self, bypass: bool) {
        self.inner.set_bypass(bypass);
    }

    /// Gain reduction in dB after the last sample (largest over channels).
    pub fn gain_reduction_db(&self) -> f32 {
        self.inner.gain_reduction_db()
    }

    /// Largest gain reduction in dB during the last block.
    pub fn block_gain_reduction_db(&self) -> f32 {
        self.inner.block_gain_reduction_db()
    }

    /// Processes keyed by an external sidechain (see
    /// [`Expander::process_sidechain`]).
    pub fn process_sidechain(&mut self, channels: &mut [&mut [f32]], sidechain: &[&[f32]]) {
        self.inner.process_sidechain(channels, sidechain);
    }

    /// Processes and writes the per-sample gain reduction (dB) to `gr_out`.
    pub fn process_with_gain_reduction(
        &mut self,
        channels: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        gr_out: &mut [f32],
    ) {
        self.inner.process_with_gain_reduction(channels, sidechain, gr_out);
    }
}

impl Processor for NoiseGate {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        self.inner.prepare(spec)
    }

    fn reset(&mut self) {
        self.inner.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.inner.process(channels);
    }

    fn nonfinite_count(&self) -> u64 {
        self.inner.nonfinite_count()
    }
}

impl Dynamics for NoiseGate {
    fn row_gain_reduction_db(&self, row: usize) -> f32 {
        self.inner.row_gain_reduction_db(row)
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        self.inner.process_keyed(channels, side, gr);
    }
}

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
