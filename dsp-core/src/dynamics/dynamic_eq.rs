//! Dynamic EQ: bell and shelf bands whose gain moves only while the band's
//! level (of the input, or of an external sidechain) is above a threshold.
//!
//! A [`DynamicBand`] is one such band and a processor of its own; a
//! [`DynamicEq`] runs several in series, all offered the same sidechain.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use core::f64::consts::FRAC_1_SQRT_2;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::filters::BandParams;
use crate::filters::design::{FilterKind, rbj};
use crate::filters::section::{Lanes, Section, SectionState};
use crate::math::{exp, greater, lesser, log};
use crate::params::{Caps, DynProcessor, MemberLoader, ParamInfo};
use crate::preset_format::{Preset, PresetError};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

use super::ballistics::Ballistics;
use super::compressor::Compressor;
use super::curve::GainComputer;
use super::detector::{DETECTOR_CHUNK, Detector, LevelDetector};
use super::{Dynamics, MAX_FREQUENCY_HZ};

/// Largest static gain and largest dynamic range of a band, in dB.
pub const MAX_DYNAMIC_GAIN_DB: f64 = 24.0;
/// Time constant of the detector's mean square (its RMS window), in ms.
pub const DETECTOR_WINDOW_MS: f64 = 5.0;
/// Samples between coefficient designs; within a sub-block the
/// coefficients glide linearly from one design to the next.
const SUB: usize = 16;
/// Samples between denormal flushes of the filter state (a multiple of `SUB`).
const FLUSH_INTERVAL: u64 = 1024;

/// The response of a dynamic band, and what its detector hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DynamicShape {
    /// RBJ peaking bell at `freq_hz` with quality `q`; the detector hears
    /// the RBJ band-pass (0 dB peak) of the same centre and `q`.
    #[default]
    Bell,
    /// RBJ low shelf with corner `freq_hz`; the detector hears a
    /// Butterworth low-pass at `freq_hz`.
    LowShelf,
    /// RBJ high shelf with corner `freq_hz`; the detector hears a
    /// Butterworth high-pass at `freq_hz`.
    HighShelf,
}

crate::named_choices!(DynamicShape, "band shape" {
    Bell = "bell",
    LowShelf = "low_shelf",
    HighShelf = "high_shelf",
});

impl DynamicShape {
    /// The section that shapes the audio.
    pub fn filter_kind(self) -> FilterKind {
        match self {
            Self::Bell => FilterKind::Peak,
            Self::LowShelf => FilterKind::LowShelf,
            Self::HighShelf => FilterKind::HighShelf,
        }
    }

    /// The detector's filter for a band at `freq_hz` with quality `q`.
    fn key_filter(self, freq_hz: f64, q: f64, sample_rate: f64) -> crate::filters::Coefs {
        let (kind, q) = match self {
            Self::Bell => (FilterKind::BandPass, q),
            Self::LowShelf => (FilterKind::LowPass, FRAC_1_SQRT_2),
            Self::HighShelf => (FilterKind::HighPass, FRAC_1_SQRT_2),
        };
        rbj(kind, freq_hz, q, 0.0, sample_rate)
    }
}

crate::declare_params! {
    DynamicBand, DYNAMIC_BAND_KIND = "dynamic_band", "DynamicBand",
        Caps::PLAIN.sidechain().gain_reduction().tail(),
        "One dynamic EQ band: a bell or shelf whose gain moves only while the band's level \
         (RMS over 5 ms of the input, or of the sidechain, through the band's own filter) is \
         above the threshold, by (level - threshold)(1 - 1/ratio) dB limited to range_db \
         (negative cuts, positive boosts), smoothed by attack and release, on top of the \
         static gain_db. Channels are linked: one gain for all. Its gain-reduction reading is \
         the dynamic cut in dB (negative while boosting).",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        },
        bypass: [native bypass, set_bypass];
    SHAPE = ParamInfo::choice("shape", DynamicShape::CHOICES, 0,
        "Band shape: bell, low_shelf or high_shelf (a change cross-fades)") => shape, set_shape;
    FREQ_HZ = ParamInfo::float("freq_hz", 10.0, MAX_FREQUENCY_HZ, 1000.0, "Hz",
        "Centre (bell) or corner (shelves) frequency; below Nyquist when processing")
        .log()
        .smoothed(DEFAULT_SMOOTHING_MS) => freq_hz, set_freq_hz;
    Q = ParamInfo {
        default: 1.0,
        doc: "Quality factor of the bell (and of its detector's band-pass) or of the shelf",
        ..BandParams::Q
    } => q, set_q;
    THRESHOLD_DB = ParamInfo {
        default: -30.0,
        doc: "Threshold of the band's level (RMS in dB relative to full scale)",
        ..Compressor::THRESHOLD_DB
    } => threshold_db, set_threshold_db;
    RATIO = ParamInfo {
        doc: "Ratio above the threshold: the gain moves by 1 - 1/ratio dB per dB \
              (1 = no dynamic action, inf = straight to the range)",
        ..Compressor::RATIO
    } => ratio, set_ratio;
    RANGE_DB = ParamInfo::float("range_db", -MAX_DYNAMIC_GAIN_DB, MAX_DYNAMIC_GAIN_DB, -6.0, "dB",
        "Largest dynamic gain: negative cuts, positive boosts while the band is above the \
         threshold (0 = a static band)") => range_db, set_range_db;
    ATTACK_MS = ParamInfo { default: 5.0, ..Compressor::ATTACK_MS } => attack_ms, set_attack_ms;
    RELEASE_MS = ParamInfo { default: 100.0, ..Compressor::RELEASE_MS }
        => release_ms, set_release_ms;
    SIDECHAIN = ParamInfo::toggle("sidechain", false,
        "The detector hears the external sidechain (through the band's filter) instead of the \
         input; with none given it hears silence") => sidechain, set_sidechain;
    GAIN_DB = ParamInfo::float("gain_db", -MAX_DYNAMIC_GAIN_DB, MAX_DYNAMIC_GAIN_DB, 0.0, "dB",
        "Static gain of the band, to which the dynamic gain adds")
        .smoothed(DEFAULT_SMOOTHING_MS) => gain_db, set_gain_db;
}

/// One dynamic EQ band: an RBJ bell or shelf whose gain follows the level
/// of its own band.
///
/// The detector filters the key (the input, or the external sidechain when
/// `sidechain` is on) by the band's filter (see [`DynamicShape`]), takes
/// its RMS over an exponential window of [`DETECTOR_WINDOW_MS`] and the
/// largest over channels (linked: one gain for all channels). A level `L`
/// in dB above the threshold `T` asks for the dynamic gain
/// `sign(range)·min((L − T)(1 − 1/ratio), |range|)` dB, and none below
/// ([`dynamic_gain_db`](Self::dynamic_gain_db)); its size is smoothed in
/// dB with one-pole ballistics, `attack_ms` while it grows and `release_ms`
/// while it shrinks, each the time to cover 63.2 % of a step (as the
/// compressor's). The section is the RBJ design for `gain_db` plus that
/// dynamic gain, designed every 16 samples and interpolated linearly per
/// sample in between (direct form I, so a moving gain does not click); the
/// audio thus follows the smoothed gain 16 samples late (0.33 ms at
/// 48 kHz). `gain_db`, `freq_hz` and `q` glide over 20 ms, a new shape or
/// the bypass cross-fades over 20 ms, and while the band's gain is 0 dB the
/// audio passes untouched.
#[derive(Debug, Clone)]
pub struct DynamicBand {
    shape: DynamicShape,
    freq_hz: f64,
    q: f64,
    threshold_db: f64,
    ratio: f64,
    range_db: f64,
    attack_ms: f64,
    release_ms: f64,
    sidechain: bool,
    gain_db: f64,
    bypass: bool,
    /// Bypassed by the equalizer holding the band.
    outer_bypass: bool,
    sample_rate: f64,
    /// Channels prepared for (0 before `prepare`).
    channels: usize,
    curve: GainComputer,
    ballistics: Ballistics,
    det: LevelDetector,
    log_freq: LinearSmoother,
    log_q: LinearSmoother,
    static_db: LinearSmoother,
    /// 1 = band applied, 0 = identity; glides for the bypass and shape changes.
    blend: LinearSmoother,
    /// The shape the section realises (the target shape once faded out).
    running: DynamicShape,
    /// Smoothed size of the dynamic gain in dB (>= 0).
    env: f32,
    /// The (log frequency, log q) and shape the detector's filter was made for.
    keyed: Option<([f64; 2], DynamicShape)>,
    /// The (log frequency, log q, gain, blend, shape) the section was made for.
    designed: [f64; 5],
    coefs: Section,
    from: Section,
    step: Section,
    ramping: bool,
    /// Whether the section is the identity (0 dB or faded out): audio passes.
    idle: bool,
    clock: u64,
    state: Vec<SectionState>,
    level: [f32; SUB],
    nonfinite: u64,
}

impl Default for DynamicBand {
    /// Bell at 1 kHz, Q 1, threshold -30 dB, ratio 4, range -6 dB, attack
    /// 5 ms, release 100 ms, keyed by its input, no static gain.
    fn default() -> Self {
        let mut det = LevelDetector::default();
        det.set_detector(Detector::Rms);
        det.set_rms_window_ms(DETECTOR_WINDOW_MS);
        let (attack, release) = (Self::ATTACK_MS.default, Self::RELEASE_MS.default);
        let (threshold, ratio) = (Self::THRESHOLD_DB.default, Self::RATIO.default);
        Self {
            shape: DynamicShape::Bell,
            freq_hz: Self::FREQ_HZ.default,
            q: Self::Q.default,
            threshold_db: threshold,
            ratio,
            range_db: Self::RANGE_DB.default,
            attack_ms: attack,
            release_ms: release,
            sidechain: false,
            gain_db: 0.0,
            bypass: false,
            outer_bypass: false,
            sample_rate: 48_000.0,
            channels: 0,
            curve: GainComputer::compressor(threshold as f32, ratio as f32, 0.0),
            ballistics: Ballistics::new(attack, release, 48_000.0),
            det,
            log_freq: LinearSmoother::new(log(Self::FREQ_HZ.default)),
            log_q: LinearSmoother::new(log(Self::Q.default)),
            static_db: LinearSmoother::new(0.0),
            blend: LinearSmoother::new(1.0),
            running: DynamicShape::Bell,
            env: 0.0,
            keyed: None,
            designed: [f64::NAN; 5],
            coefs: Section::IDENTITY,
            from: Section::IDENTITY,
            step: Section::default(),
            ramping: false,
            idle: true,
            clock: 0,
            state: Vec::new(),
            level: [0.0; SUB],
            nonfinite: 0,
        }
    }
}

/// Moves a smoother's target only if it changed (a new target restarts the ramp).
fn retarget(s: &mut LinearSmoother, value: f64) {
    if s.target() != value {
        s.set_target(value);
    }
}

impl DynamicBand {
    /// A band of `shape` at `freq_hz` with quality `q`, threshold, ratio
    /// and range; the other parameters take their defaults. Every argument
    /// is checked as by its setter.
    pub fn new(
        shape: DynamicShape,
        freq_hz: f64,
        q: f64,
        threshold_db: f64,
        ratio: f64,
        range_db: f64,
    ) -> Result<Self, Error> {
        let mut b = Self::default();
        b.set_shape(shape);
        b.set_freq_hz(freq_hz)?;
        b.set_q(q)?;
        b.set_threshold_db(threshold_db)?;
        b.set_ratio(ratio)?;
        b.set_range_db(range_db)?;
        Ok(b)
    }

    /// Band shape.
    pub fn shape(&self) -> DynamicShape {
        self.shape
    }

    /// Sets the band shape (cross-fades over 20 ms while processing).
    pub fn set_shape(&mut self, shape: DynamicShape) {
        self.shape = shape;
        if self.blend.current() == 0.0 || self.blend.ramp_samples() == 0 {
            self.running = shape;
        }
        self.retarget_blend();
    }

    /// Centre (bell) or corner (shelves) frequency in Hz.
    pub fn freq_hz(&self) -> f64 {
        self.freq_hz
    }

    /// Sets the frequency (glides; below Nyquist, checked at `prepare`, or
    /// at once if prepared).
    pub fn set_freq_hz(&mut self, hz: f64) -> Result<(), Error> {
        let hz = Self::FREQ_HZ.check(hz)?;
        if self.channels > 0 {
            ProcessSpec::new(self.sample_rate, 1, 1).check_below_nyquist(Self::FREQ_HZ.id, hz)?;
        }
        self.freq_hz = hz;
        retarget(&mut self.log_freq, log(hz));
        Ok(())
    }

    /// Quality factor.
    pub fn q(&self) -> f64 {
        self.q
    }

    /// Sets the quality factor (glides).
    pub fn set_q(&mut self, q: f64) -> Result<(), Error> {
        self.q = Self::Q.check(q)?;
        retarget(&mut self.log_q, log(q));
        Ok(())
    }

    /// Threshold of the band's level in dB.
    pub fn threshold_db(&self) -> f64 {
        self.threshold_db
    }

    /// Sets the threshold.
    pub fn set_threshold_db(&mut self, db: f64) -> Result<(), Error> {
        self.threshold_db = Self::THRESHOLD_DB.check(db)?;
        self.update_curve();
        Ok(())
    }

    /// Ratio above the threshold.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Sets the ratio, from 1 (no dynamic action) up to infinity.
    pub fn set_ratio(&mut self, ratio: f64) -> Result<(), Error> {
        self.ratio = Self::RATIO.check(ratio)?;
        self.update_curve();
        Ok(())
    }

    /// Signed limit of the dynamic gain in dB.
    pub fn range_db(&self) -> f64 {
        self.range_db
    }

    /// Sets the range: negative cuts, positive boosts above the threshold.
    pub fn set_range_db(&mut self, db: f64) -> Result<(), Error> {
        self.range_db = Self::RANGE_DB.check(db)?;
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

    /// Whether the detector hears the external sidechain.
    pub fn sidechain(&self) -> bool {
        self.sidechain
    }

    /// Keys the detector by the external sidechain (or by the input).
    pub fn set_sidechain(&mut self, on: bool) {
        self.sidechain = on;
    }

    /// Static gain in dB.
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// Sets the static gain (glides).
    pub fn set_gain_db(&mut self, db: f64) -> Result<(), Error> {
        self.gain_db = Self::GAIN_DB.check(db)?;
        retarget(&mut self.static_db, self.gain_db);
        Ok(())
    }

    /// Whether the band is bypassed.
    pub fn bypass(&self) -> bool {
        self.bypass
    }

    /// Bypasses the band (or not): it fades to the identity (or back) over
    /// 20 ms; the detector keeps running.
    pub fn set_bypass(&mut self, bypass: bool) {
        self.bypass = bypass;
        self.retarget_blend();
    }

    /// The static law: the dynamic gain in dB a steady band level of
    /// `level_db` asks for, `sign(range)·min((L − T)(1 − 1/ratio), |range|)`
    /// above the threshold `T`, 0 at or below it.
    pub fn dynamic_gain_db(&self, level_db: f64) -> f64 {
        let size = self.curve.reduction_db(level_db as f32).min(libm::fabs(self.range_db) as f32);
        self.signed(size) as f64
    }

    /// The band's dynamic gain in dB after the last sample (negative = cut).
    pub fn gain_change_db(&self) -> f32 {
        if self.fully_bypassed() { 0.0 } else { self.signed(self.env) }
    }

    /// The dynamic cut in dB after the last sample (its gain-reduction
    /// reading: negative while boosting).
    pub fn gain_reduction_db(&self) -> f32 {
        -self.gain_change_db()
    }

    /// Processes `channels` keyed by an external `sidechain` when the band
    /// listens to one (see [`Compressor::process_sidechain`] for how its
    /// channels map), writing each sample's gain-reduction reading to
    /// `gr_out` where given.
    pub fn process_with_sidechain(
        &mut self,
        channels: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        gr_out: Option<&mut [f32]>,
    ) {
        self.run(channels, sidechain, gr_out);
    }

    pub(crate) fn set_outer_bypass(&mut self, on: bool) {
        self.outer_bypass = on;
        self.retarget_blend();
    }

    fn fully_bypassed(&self) -> bool {
        (self.bypass || self.outer_bypass) && self.blend.current() == 0.0
    }

    fn signed(&self, size: f32) -> f32 {
        if self.range_db < 0.0 { -size } else { size }
    }

    fn retarget_blend(&mut self) {
        let off = self.bypass || self.outer_bypass || self.running != self.shape;
        retarget(&mut self.blend, if off { 0.0 } else { 1.0 });
    }

    fn update_curve(&mut self) {
        self.curve = GainComputer::compressor(self.threshold_db as f32, self.ratio as f32, 0.0);
    }

    fn update_ballistics(&mut self) {
        self.ballistics = Ballistics::new(self.attack_ms, self.release_ms, self.sample_rate);
    }

    /// The (log frequency, log q, gain, blend, shape) the section should have now.
    /// (Faded out, the section is the identity whatever the gain.)
    fn target_key(&self) -> [f64; 5] {
        let blend = self.blend.current();
        let total = if blend == 0.0 {
            0.0
        } else {
            self.static_db.current() + f64::from(self.signed(self.env))
        };
        let shape = f64::from(self.running as u8);
        [self.log_freq.current(), self.log_q.current(), total, blend, shape]
    }

    fn design(&self, key: &[f64; 5]) -> Section {
        let c = rbj(self.running.filter_kind(), exp(key[0]), exp(key[1]), key[2], self.sample_rate);
        Section::new(&c, key[3])
    }

    /// Gives the detector the band's filter for the current frequency and q.
    fn update_key_filter(&mut self) {
        let fq = [self.log_freq.current(), self.log_q.current()];
        if self.keyed != Some((fq, self.shape)) {
            self.keyed = Some((fq, self.shape));
            let c = self.shape.key_filter(exp(fq[0]), exp(fq[1]), self.sample_rate);
            self.det.set_key_filter(c);
        }
    }

    /// Called at each sub-block boundary of the clock: advances the
    /// smoothers and designs the section for the end of the sub-block.
    fn begin_sub_block(&mut self) {
        if self.running != self.shape && self.blend.current() == 0.0 {
            self.running = self.shape;
        }
        self.retarget_blend();
        for s in [&mut self.log_freq, &mut self.log_q, &mut self.static_db, &mut self.blend] {
            s.advance(SUB);
        }
        self.update_key_filter();
        let key = self.target_key();
        self.ramping = key != self.designed;
        if self.ramping {
            self.from = self.coefs;
            self.coefs = self.design(&key);
            self.step = self.from.step_to(&self.coefs, SUB);
            self.designed = key;
        }
        self.idle = !self.ramping && (key[2] == 0.0 || key[3] == 0.0);
    }

    /// Levels of `n` frames from `start`, their target gains and the
    /// smoothed gain sizes (into `level`).
    fn detect(&mut self, channels: &[&mut [f32]], side: Option<&[&[f32]]>, start: usize, n: usize) {
        let nch = channels.len();
        if self.sidechain {
            self.det.detect_external(side.unwrap_or(&[]), nch, start, n);
        } else {
            self.det.detect_own(channels, start, n);
        }
        let level = &mut self.level[..n];
        level.copy_from_slice(&self.det.amp[..n]);
        for c in 1..nch {
            let amp = &self.det.amp[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n];
            level.iter_mut().zip(amp).for_each(|(m, &v)| *m = greater(*m, v));
        }
        self.curve.reduce_block(level);
        let limit = libm::fabs(self.range_db) as f32;
        level.iter_mut().for_each(|v| *v = lesser(*v, limit));
        self.env = self.ballistics.follow(self.env, level);
    }

    /// Runs `n` frames from `start` (within one sub-block, `off` samples
    /// into it) through the section.
    fn filter(&mut self, channels: &mut [&mut [f32]], start: usize, n: usize, off: usize) {
        let (from, step, coefs) = (self.from, self.step, self.coefs);
        for (pair, st) in channels.chunks_mut(2).zip(self.state.iter_mut()) {
            let (left, right) = pair.split_at_mut(1);
            let (left, mut right) = (&mut left[0][start..start + n], right.first_mut());
            for (i, l) in left.iter_mut().enumerate() {
                let x: Lanes =
                    [f64::from(*l), right.as_ref().map_or(0.0, |r| f64::from(r[start + i]))];
                let y = if self.idle {
                    st.pass(x);
                    continue;
                } else if self.ramping {
                    from.lerp(&step, (off + i + 1) as f64).tick(st, x)
                } else {
                    coefs.tick(st, x)
                };
                *l = y[0] as f32;
                if let Some(r) = right.as_mut() {
                    r[start + i] = y[1] as f32;
                }
            }
        }
    }

    /// Processes a block, keyed by `side` if the band listens to a
    /// sidechain, writing each sample's reading to `gr` where given.
    fn run(
        &mut self,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        mut gr: Option<&mut [f32]>,
    ) {
        self.nonfinite += sanitize(channels);
        let nch = channels.len().min(self.channels);
        let channels = &mut channels[..nch];
        let len = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len {
            let off = (self.clock % SUB as u64) as usize;
            if off == 0 {
                self.begin_sub_block();
            }
            let n = (SUB - off).min(len - start);
            self.detect(channels, side, start, n);
            if let Some(row) = gr.as_deref_mut() {
                let bypassed = self.fully_bypassed();
                let out = row.iter_mut().skip(start).take(n);
                for (g, &size) in out.zip(&self.level[..n]) {
                    *g = if bypassed { 0.0 } else { -self.signed(size) };
                }
            }
            self.filter(channels, start, n, off);
            start += n;
            self.clock += n as u64;
            if self.clock % FLUSH_INTERVAL == 0 {
                self.state.iter_mut().for_each(SectionState::flush);
            }
        }
    }
}

impl Processor for DynamicBand {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        spec.check_below_nyquist(Self::FREQ_HZ.id, self.freq_hz)?;
        self.det.prepare(spec)?;
        self.sample_rate = spec.sample_rate;
        self.channels = spec.channels;
        self.state = vec![SectionState::default(); spec.channels.div_ceil(2)];
        for s in [&mut self.log_freq, &mut self.log_q, &mut self.static_db, &mut self.blend] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        self.update_ballistics();
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.det.reset();
        for s in [&mut self.log_freq, &mut self.log_q, &mut self.static_db] {
            s.snap();
        }
        self.running = self.shape;
        self.retarget_blend();
        self.blend.snap();
        self.env = 0.0;
        self.clock = 0;
        self.state.iter_mut().for_each(|s| *s = SectionState::default());
        if self.channels == 0 {
            return;
        }
        self.keyed = None;
        self.update_key_filter();
        let key = self.target_key();
        self.coefs = self.design(&key);
        self.designed = key;
        self.ramping = false;
        self.idle = key[2] == 0.0 || key[3] == 0.0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.run(channels, None, None);
    }

    /// Samples for the section's ringing to decay by 80 dB, at the static
    /// gain or at the full range, whichever rings longer.
    fn tail(&self) -> usize {
        if self.freq_hz >= 0.5 * self.sample_rate {
            return 0;
        }
        [self.gain_db, self.gain_db + self.range_db]
            .iter()
            .map(|&g| {
                let c = rbj(self.shape.filter_kind(), self.freq_hz, self.q, g, self.sample_rate);
                Section::new(&c, 1.0).decay_samples()
            })
            .max()
            .unwrap_or(0)
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite + self.det.nonfinite
    }
}

impl Dynamics for DynamicBand {
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
        self.run(channels, side, row);
    }
}

crate::declare_params! {
    DynamicEq, DYNAMIC_EQ_KIND = "dynamic_eq", "DynamicEq",
        Caps::PLAIN.sidechain().gain_reduction().tail(),
        "A dynamic equalizer: its dynamic bands applied in series, each keyed by its own band \
         of the input or, where a band's sidechain is on, of the sidechain they share. It has \
         no parameters of its own; its presets hold each band as a dynamic_band preset. One \
         gain-reduction row per band.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }

            fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
                self.bands.iter().map(|b| save(b)).collect()
            }

            fn load_members(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
                self.load_bands(members, load)
            }
        },
        bypass: [native bypass, set_bypass];
}

/// A dynamic equalizer: [`DynamicBand`]s in series, each offered the same
/// sidechain. Bypassed, every band fades out (their detectors keep
/// running).
#[derive(Debug, Clone, Default)]
pub struct DynamicEq {
    bands: Vec<DynamicBand>,
    spec: Option<ProcessSpec>,
    bypass: bool,
    nonfinite: u64,
}

fn bad_index() -> Error {
    Error::InvalidParameter { name: "band", reason: "index out of range" }
}

impl DynamicEq {
    /// A dynamic EQ of copies of `bands`, in order.
    pub fn new(bands: &[DynamicBand]) -> Self {
        let mut bands = bands.to_vec();
        bands.iter_mut().for_each(|b| b.set_outer_bypass(false));
        Self { bands, ..Self::default() }
    }

    /// Replaces every band at once (no fade; may allocate: not for the
    /// audio thread). If prepared, the new bands are prepared the same way;
    /// on an error (a frequency above Nyquist) the bands stay as they were.
    pub fn set_bands(&mut self, bands: &[DynamicBand]) -> Result<(), Error> {
        let mut new = bands.to_vec();
        for b in &mut new {
            b.set_outer_bypass(self.bypass);
            if let Some(spec) = &self.spec {
                b.prepare(spec)?;
            }
        }
        self.bands = new;
        Ok(())
    }

    /// Number of bands.
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// Whether the EQ has no bands.
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Band `index`.
    pub fn band(&self, index: usize) -> Option<&DynamicBand> {
        self.bands.get(index)
    }

    /// Band `index`, to change its parameters (real-time safe; changes
    /// glide as in a lone band).
    pub fn band_mut(&mut self, index: usize) -> Option<&mut DynamicBand> {
        self.bands.get_mut(index)
    }

    /// Dynamic cut of band `index` in dB after the last sample (negative
    /// while boosting).
    pub fn band_gain_reduction_db(&self, index: usize) -> Result<f32, Error> {
        self.bands.get(index).map(DynamicBand::gain_reduction_db).ok_or_else(bad_index)
    }

    /// Whether the EQ is bypassed.
    pub fn bypass(&self) -> bool {
        self.bypass
    }

    /// Bypasses every band (or not), each fading over 20 ms.
    pub fn set_bypass(&mut self, bypass: bool) {
        self.bypass = bypass;
        self.bands.iter_mut().for_each(|b| b.set_outer_bypass(bypass));
    }

    /// Processes `channels`, keyed by `sidechain` in the bands listening
    /// to it, writing band `b`'s readings to `gr[b]` where given.
    pub fn process_with_sidechain(
        &mut self,
        channels: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        self.nonfinite += sanitize(channels);
        for (b, band) in self.bands.iter_mut().enumerate() {
            band.run(channels, sidechain, gr.get_mut(b).map(|r| &mut **r));
        }
    }

    /// Rebuilds the bands from `dynamic_band` presets (all or none).
    fn load_bands(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
        let mut bands = Vec::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            let at = |e: &dyn core::fmt::Display| PresetError::new(format!("band {i}: {e}"));
            if m.kind != DYNAMIC_BAND_KIND.name {
                return Err(at(&format!(
                    "{:?} is not a dynamic_band (dynamic_eq bands are dynamic_band presets)",
                    m.kind
                )));
            }
            let member = load(m).map_err(|e| at(&e))?;
            let band = member.as_any().downcast_ref::<DynamicBand>();
            bands.push(band.ok_or_else(|| at(&"a dynamic_band preset made no band"))?.clone());
        }
        Ok(self.set_bands(&bands)?)
    }
}

impl Processor for DynamicEq {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        for b in &self.bands {
            spec.check_below_nyquist(DynamicBand::FREQ_HZ.id, b.freq_hz)?;
        }
        for b in &mut self.bands {
            b.prepare(spec)?;
        }
        self.spec = Some(*spec);
        self.nonfinite = 0;
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.bands.iter_mut().for_each(DynamicBand::reset);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_with_sidechain(channels, None, &mut []);
    }

    /// The bands' tails, summed (an upper bound).
    fn tail(&self) -> usize {
        self.bands.iter().map(DynamicBand::tail).fold(0, usize::saturating_add)
    }

    /// Non-finite input samples, and those of the sidechain (counted once,
    /// however many bands listen to it).
    fn nonfinite_count(&self) -> u64 {
        let side = self.bands.iter().map(|b| b.det.nonfinite).max().unwrap_or(0);
        self.nonfinite + side
    }
}

impl Dynamics for DynamicEq {
    fn gain_reduction_rows(&self) -> usize {
        self.bands.len()
    }

    fn row_gain_reduction_db(&self, row: usize) -> f32 {
        self.band_gain_reduction_db(row).unwrap_or(0.0)
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        self.process_with_sidechain(channels, side, gr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::db_to_gain;
    use crate::preset;
    use crate::test_util::*;
    use core::f64::consts::SQRT_2;
    use std::string::ToString;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;
    const LEN: usize = 24_000;
    /// Where the steady state is measured from.
    const SETTLED: usize = 19_200;

    /// A sine at `freq` whose RMS level is `rms_db` dBFS.
    fn tone(freq: f64, rms_db: f64, len: usize) -> Vec<f32> {
        sine(freq, FS, len, SQRT_2 * db_to_gain(rms_db))
    }

    /// Runs `b` (reset first) over mono `x` in blocks of 512, keyed by
    /// `key` if given.
    fn run(b: &mut DynamicBand, x: &[f32], key: Option<&[f32]>) -> Vec<f32> {
        let mut y = x.to_vec();
        b.reset();
        for (i, block) in y.chunks_mut(512).enumerate() {
            let side = key.map(|k| [&k[i * 512..i * 512 + block.len()]]);
            b.process_with_sidechain(&mut [block], side.as_ref().map(|s| &s[..]), None);
        }
        y
    }

    /// Gain in dB from `x` to `y` over `from..to`.
    fn gain_db(x: &[f32], y: &[f32], from: usize, to: usize) -> f64 {
        20.0 * libm::log10(rms(&y[from..to]) / rms(&x[from..to]))
    }

    /// The static law, written independently of the band.
    fn formula(level: f64, threshold: f64, ratio: f64, range: f64) -> f64 {
        let over = (level - threshold).max(0.0) * (1.0 - 1.0 / ratio);
        range.signum() * over.min(range.abs())
    }

    fn prepared(mut b: DynamicBand, channels: usize) -> DynamicBand {
        b.prepare(&ProcessSpec::new(FS, 512, channels)).unwrap();
        b
    }

    #[test]
    fn static_curve_at_the_centre_is_the_formula() {
        let t = -30.0;
        for (ratio, range) in [(4.0, -12.0), (2.0, 9.0), (f64::INFINITY, -6.0)] {
            let mut b = DynamicBand::new(DynamicShape::Bell, 1000.0, 1.0, t, ratio, range).unwrap();
            b.set_attack_ms(2.0).unwrap();
            b.set_release_ms(50.0).unwrap();
            let mut b = prepared(b, 1);
            let mut level = t - 20.0;
            while level <= t + 30.0 {
                let x = tone(1000.0, level, LEN);
                let y = run(&mut b, &x, None);
                let got = gain_db(&x, &y, SETTLED, LEN);
                let want = formula(level, t, ratio, range);
                assert!((b.dynamic_gain_db(level) - want).abs() < 1e-3, "{level}");
                assert!(
                    (got - want).abs() < 0.2,
                    "ratio {ratio}, range {range}, level {level}: {got} dB, formula {want}"
                );
                assert!((b.gain_change_db() as f64 - want).abs() < 0.2);
                level += 2.5;
            }
            // At 30 dB over, every setting is held at its range.
            assert_eq!(formula(t + 30.0, t, ratio, range), range);
        }
    }

    /// Keyed by a sidechain tone at a fixed level, the band's response at
    /// other frequencies is the RBJ design for the static plus the dynamic
    /// gain.
    #[test]
    fn responses_follow_rbj_with_the_applied_gain() {
        let (t, q) = (-30.0, 0.7);
        let cases = [
            (DynamicShape::Bell, 1000.0, [400.0, 1000.0, 2500.0]),
            (DynamicShape::HighShelf, 8000.0, [300.0, 1500.0, 10_000.0]),
            (DynamicShape::LowShelf, 500.0, [100.0, 1500.0, 6000.0]),
        ];
        for (shape, key_freq, probes) in cases {
            let mut b = DynamicBand::new(shape, 1000.0, q, t, 4.0, -12.0).unwrap();
            b.set_sidechain(true);
            b.set_gain_db(3.0).unwrap();
            let mut b = prepared(b, 1);
            let key = tone(key_freq, t + 8.0, LEN);
            // The level the detector hears, through the band's own filter
            // (a key far below 1 kHz would ripple in the 5 ms RMS window).
            let heard = t + 8.0 + shape.key_filter(1000.0, q, FS).magnitude_db(key_freq, FS);
            let applied = 3.0 + b.dynamic_gain_db(heard);
            let design = rbj(shape.filter_kind(), 1000.0, q, applied, FS);
            for f in probes {
                let x = tone(f, -40.0, LEN);
                let y = run(&mut b, &x, Some(&key));
                let (got, want) = (gain_db(&x, &y, SETTLED, LEN), design.magnitude_db(f, FS));
                assert!((got - want).abs() < 0.1, "{shape:?} at {f} Hz: {got} vs {want}");
            }
        }
    }

    #[test]
    fn attack_and_release_time_constants() {
        let (t, attack, release, range) = (-30.0, 20.0, 200.0, -12.0);
        let mut b = DynamicBand::new(DynamicShape::Bell, 1000.0, 1.0, t, 4.0, range).unwrap();
        b.set_attack_ms(attack).unwrap();
        b.set_release_ms(release).unwrap();
        let mut b = prepared(b, 1);
        // 1 s 20 dB under the threshold, 1 s 20 dB over it, 1 s under.
        let n = FS as usize;
        let (lo, hi) = (SQRT_2 * db_to_gain(t - 20.0), SQRT_2 * db_to_gain(t + 20.0));
        let s = sine(1000.0, FS, 3 * n, 1.0);
        let x: Vec<f32> = s
            .iter()
            .enumerate()
            .map(|(i, v)| v * if (n..2 * n).contains(&i) { hi } else { lo } as f32)
            .collect();
        let y = run(&mut b, &x, None);
        // Gain per period (1 ms), read at the period's middle.
        let ms = |at: usize, w: usize| gain_db(&x, &y, at + 48 * w, at + 48 * (w + 1));
        let step = 1.0 - (-1.0f64).exp();
        let hit = (0..1000).find(|&w| ms(n, w) <= range * step).unwrap();
        let tau = hit as f64 + 0.5;
        assert!((tau / attack - 1.0).abs() < 0.2, "attack {tau} ms for {attack}");
        assert!((ms(2 * n - 48, 0) - range).abs() < 0.1);
        // (The first 2 ms hold the band's ringing from the loud part.)
        let hit = (3..1000).find(|&w| ms(2 * n, w) >= range * (1.0 - step)).unwrap();
        let tau = hit as f64 + 0.5;
        assert!((tau / release - 1.0).abs() < 0.2, "release {tau} ms for {release}");
        // After 5 time constants, 12 dB·e⁻⁵ (0.08 dB) are left.
        assert!(ms(3 * n - 48, 0).abs() < 0.15);
    }

    #[test]
    fn an_external_sidechain_keys_the_band() {
        let t = -30.0;
        let mut b = DynamicBand::new(DynamicShape::Bell, 1000.0, 1.0, t, 4.0, -12.0).unwrap();
        b.set_sidechain(true);
        let mut b = prepared(b, 2);
        // A quiet stereo input, a loud mono key (it keys both channels).
        let quiet = tone(1000.0, t - 20.0, LEN);
        let loud = tone(1000.0, t + 10.0, LEN);
        let (mut l, mut r) = (quiet.clone(), quiet.clone());
        let mut gr = vec![0.0f32; LEN];
        b.process_keyed(&mut [&mut l, &mut r], Some(&[&loud]), &mut [&mut gr]);
        let want = formula(t + 10.0, t, 4.0, -12.0);
        for y in [&l, &r] {
            let got = gain_db(&quiet, y, SETTLED, LEN);
            assert!((got - want).abs() < 0.2, "{got} vs {want}");
        }
        assert!((gr[LEN - 1] as f64 + want).abs() < 0.2, "{}", gr[LEN - 1]);
        assert_eq!(b.row_gain_reduction_db(0), gr[LEN - 1]);
        // A silent sidechain, or none, leaves the input as it is, however loud.
        let x = tone(1000.0, t + 10.0, LEN);
        assert_eq!(run(&mut b, &x, Some(&vec![0.0; LEN])), x);
        assert_eq!(run(&mut b, &x, None), x);
        // Keyed by its input again, the loud input is cut.
        b.set_sidechain(false);
        let y = run(&mut b, &x, Some(&vec![0.0; LEN]));
        assert!((gain_db(&x, &y, SETTLED, LEN) - want).abs() < 0.2);
    }

    #[test]
    fn a_band_below_its_threshold_leaves_the_audio_untouched() {
        let x: Vec<Vec<f32>> =
            test_signal(2, LEN).iter().map(|c| c.iter().map(|v| v * 0.05).collect()).collect();
        let cut = DynamicBand::new(DynamicShape::Bell, 1000.0, 1.0, -30.0, 4.0, -12.0).unwrap();
        let boost = DynamicBand::new(DynamicShape::LowShelf, 200.0, 0.7, -10.0, 2.0, 6.0).unwrap();
        let mut eq = DynamicEq::new(&[cut.clone(), boost]);
        let mut band = cut;
        for p in [&mut band as &mut dyn Processor, &mut eq] {
            p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
            let mut y = x.clone();
            let mut views: Vec<&mut [f32]> = y.iter_mut().map(|c| &mut c[..]).collect();
            crate::processor::process_in_blocks(p, &mut views, 500);
            assert_eq!(y, x);
        }
        assert_eq!(eq.band_gain_reduction_db(1), Ok(0.0));
        // Bypassed, a band whose detector is busy passes the audio, bit
        // for bit (tones have samples near zero that a near-identity
        // section would change).
        let mut b = prepared(DynamicBand::default(), 1);
        b.set_bypass(true);
        let x = tone(1000.0, 0.0, LEN);
        assert_eq!(run(&mut b, &x, None), x);
        assert!(b.det.amp[0] > 0.5);
    }

    fn bands() -> [DynamicBand; 3] {
        let mut a = DynamicBand::new(DynamicShape::Bell, 800.0, 2.0, -40.0, 3.0, -9.0).unwrap();
        a.set_gain_db(2.0).unwrap();
        let b = DynamicBand::new(DynamicShape::LowShelf, 150.0, 0.7, -35.0, 2.0, 4.0).unwrap();
        let mut c =
            DynamicBand::new(DynamicShape::HighShelf, 5000.0, 0.7, -50.0, 8.0, -6.0).unwrap();
        c.set_attack_ms(1.0).unwrap();
        c.set_release_ms(30.0).unwrap();
        [a, b, c]
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || bands()[0].clone(),
            2,
            |b| {
                b.set_shape(DynamicShape::HighShelf);
                b.set_freq_hz(3000.0).unwrap();
                b.set_range_db(6.0).unwrap();
                b.set_gain_db(-3.0).unwrap();
            },
        );
        check_processor_invariants(
            || DynamicEq::new(&bands()),
            2,
            |eq| {
                eq.band_mut(0).unwrap().set_threshold_db(-60.0).unwrap();
                eq.band_mut(2).unwrap().set_bypass(true);
            },
        );
        check_processor_invariants(|| DynamicEq::new(&bands()[..1]), 1, |eq| eq.set_bypass(true));
    }

    /// A shape change on a loud tone cross-fades: no step larger than the
    /// tone's own.
    #[test]
    fn a_shape_change_cross_fades() {
        let mut b = DynamicBand::new(DynamicShape::Bell, 1000.0, 1.0, -60.0, 4.0, -12.0).unwrap();
        b.set_gain_db(-12.0).unwrap();
        let mut b = prepared(b, 1);
        let mut x = tone(1000.0, -10.0, LEN);
        let own = max_step(&x);
        for (i, block) in x.chunks_mut(512).enumerate() {
            if i == 20 {
                b.set_shape(DynamicShape::LowShelf);
            }
            b.process(&mut [block]);
        }
        assert!(max_step(&x) <= own, "{} vs {own}", max_step(&x));
        assert_eq!(b.shape(), DynamicShape::LowShelf);
    }

    #[test]
    fn bands_in_series_with_one_reading_each() {
        let x = test_signal(2, LEN);
        let render = |p: &mut dyn DynProcessor| {
            p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
            let mut y = x.clone();
            let mut views: Vec<&mut [f32]> = y.iter_mut().map(|c| &mut c[..]).collect();
            crate::processor::process_in_blocks(p, &mut views, 512);
            y
        };
        // One band in an EQ is the band alone, bit for bit.
        let [a, b, c] = bands();
        assert_eq!(render(&mut DynamicEq::new(core::slice::from_ref(&a))), render(&mut a.clone()));
        // Three: the bands one after the other.
        let mut eq = DynamicEq::new(&[a.clone(), b.clone(), c.clone()]);
        let mut by_hand = x.clone();
        for mut band in [a, b, c] {
            band.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
            let mut views: Vec<&mut [f32]> = by_hand.iter_mut().map(|c| &mut c[..]).collect();
            crate::processor::process_in_blocks(&mut band, &mut views, 512);
        }
        assert_eq!(render(&mut eq), by_hand);
        assert_eq!((eq.len(), eq.gain_reduction_rows()), (3, 3));
        let readings: Vec<f32> = (0..3).map(|r| eq.row_gain_reduction_db(r)).collect();
        assert!(readings[0] > 1.0 && readings[2] > 1.0, "{readings:?}");
        assert!(readings[1] < -1.0, "the shelf boosts: {readings:?}");
        assert!(eq.band_gain_reduction_db(3).is_err());
    }

    #[test]
    fn bands_round_trip_through_presets() {
        let mut bands = bands();
        bands[1].set_sidechain(true);
        bands[2].set_bypass(true);
        let mut eq = DynamicEq::new(&bands);
        let saved = preset::save(&eq);
        assert_eq!(saved.kind, "dynamic_eq");
        assert_eq!(saved.params.keys().collect::<Vec<_>>(), ["bypass"]);
        let kinds: Vec<_> = saved.members.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, ["dynamic_band"; 3]);
        assert_eq!(saved.members[0].params["shape"], preset::Value::Name("bell".into()));
        assert_eq!(saved.members[2].params["bypass"], preset::Value::Bool(true));
        let mut loaded = preset::load(&saved).unwrap();
        assert_eq!(preset::save(&*loaded), saved);
        let key = [sine(150.0, FS, 4096, 0.5)];
        let render = |p: &mut dyn DynProcessor| {
            p.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
            let mut y = test_signal(2, 4096);
            let (l, r) = y.split_at_mut(1);
            let side = [&key[0][..]];
            p.dynamics().unwrap().process_keyed(&mut [&mut l[0], &mut r[0]], Some(&side), &mut []);
            y
        };
        let want = render(&mut eq);
        assert!(want != test_signal(2, 4096));
        assert_eq!(render(&mut *loaded), want);
        // Members of another kind, or invalid, are refused by band; the
        // bands stay as they were.
        let mut bad = saved.clone();
        bad.members[1].kind = "compressor".into();
        let e = preset::restore(&mut eq, &bad).unwrap_err().to_string();
        assert!(e.contains("band 1") && e.contains("compressor"), "{e}");
        let mut bad = saved.clone();
        bad.members[2].params.insert("range_db".into(), preset::Value::Number(99.0));
        let e = preset::restore(&mut eq, &bad).unwrap_err().to_string();
        assert!(e.contains("band 2") && e.contains("range_db"), "{e}");
        assert_eq!(eq.len(), 3);
        // Prepared at 16 kHz, a 9 kHz band is above Nyquist.
        eq.prepare(&ProcessSpec::new(16_000.0, 64, 1)).unwrap();
        bad = saved.clone();
        bad.members[0].params.insert("freq_hz".into(), preset::Value::Number(9000.0));
        let e = preset::restore(&mut eq, &bad).unwrap_err().to_string();
        assert!(e.contains("Nyquist"), "{e}");
        assert_eq!(eq.band(0).unwrap().freq_hz(), 800.0);
    }

    #[test]
    fn parameters_are_checked() {
        let mut b = DynamicBand::default();
        assert!(b.set_ratio(0.5).is_err());
        assert!(b.set_range_db(30.0).is_err());
        assert!(b.set_q(0.0).is_err());
        assert!(b.set_freq_hz(f64::NAN).is_err());
        assert!(DynamicBand::new(DynamicShape::Bell, 5.0, 1.0, -20.0, 2.0, -3.0).is_err());
        let mut b = prepared(b, 1);
        let e = b.set_freq_hz(30_000.0).unwrap_err();
        assert!(matches!(e, Error::AboveNyquist { name: "freq_hz", .. }), "{e:?}");
        assert_eq!(b.freq_hz(), 1000.0);
        let mut b = DynamicBand::default();
        b.set_freq_hz(30_000.0).unwrap();
        assert!(b.prepare(&ProcessSpec::new(FS, 64, 1)).is_err());
        for s in [DynamicShape::Bell, DynamicShape::LowShelf, DynamicShape::HighShelf] {
            assert_eq!(DynamicShape::from_name(s.name()), Ok(s));
        }
        assert!(DynamicShape::from_name("notch").is_err());
    }
}
