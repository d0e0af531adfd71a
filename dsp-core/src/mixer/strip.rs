//! The channel strips: a track's polarity, width, pan and fader, and a
//! bus's fader, declared once so that every binding reads their
//! parameters from the table.

use crate::error::Error;
use crate::math::db_to_gain;
use crate::mix::{Gain, Pan, PanLaw, PanSource, StereoWidth};
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Lowest fader setting in dB (-150 dB stands for silence).
pub const FADER_MIN_DB: f64 = -150.0;
/// Highest fader setting in dB.
pub const FADER_MAX_DB: f64 = 24.0;

crate::declare_params! {
    TrackStrip, TRACK_STRIP_KIND = "track_strip", "TrackStrip",
        Caps::PLAIN.channels(Channels::ToStereo),
        "A mixer track's strip after its inserts: polarity, stereo width (stereo sources), \
         pan and fader, with mute and solo.",
        dyn {
            fn route(&mut self, input: usize) -> Result<usize, Error> {
                match input {
                    1 => self.pan.set_source(PanSource::Mono),
                    2 => self.pan.set_source(PanSource::Stereo),
                    _ => return Err(Error::InvalidChannelCount { channels: input }),
                }
                Ok(2)
            }
        },
        bypass: [none];
    GAIN_DB = ParamInfo::float("gain_db", FADER_MIN_DB, FADER_MAX_DB, 0.0, "dB", "Fader level in dB")
        .smoothed(DEFAULT_SMOOTHING_MS) => gain_db, set_gain_db;
    PAN = ParamInfo::float("pan", -1.0, 1.0, 0.0, "", "Pan position from -1 (left) to +1 (right)")
        .smoothed(DEFAULT_SMOOTHING_MS) => pan, set_pan;
    PAN_LAW = ParamInfo::choice("pan_law", PanLaw::CHOICES, 1, "Pan law: linear, constant_power or compromise")
        => pan_law, set_pan_law;
    WIDTH = ParamInfo::float("width", 0.0, 2.0, 1.0, "", "Stereo width of a stereo source (0 mono, 1 as is, 2 double side); no effect on mono")
        .smoothed(DEFAULT_SMOOTHING_MS) => width, set_width;
    MUTE = ParamInfo::toggle("mute", false, "Silences the track and its sends") => mute, set_mute;
    SOLO = ParamInfo::toggle("solo", false, "Solo: while any track or bus is soloed, only soloed ones are heard") => solo, set_solo;
    INVERT_POLARITY = ParamInfo::toggle("invert_polarity", false, "Inverts the polarity (glides through zero)")
        => invert_polarity, set_invert_polarity;
}

/// A track's strip: polarity, width (stereo sources only), pan and fader
/// with mute. A mono source arrives as the same signal in both channels and
/// is placed by the pan law; a stereo source is balanced.
///
/// The mixer runs the part before the fader
/// ([`process_pre_fader`](Self::process_pre_fader)) and applies the fader
/// with each path's own gain, so that pre-fader sends need no second copy;
/// as a [`Processor`] the strip runs both.
#[derive(Debug, Clone)]
pub struct TrackStrip {
    gain_db: f64,
    mute: bool,
    solo: bool,
    polarity: Gain,
    width: StereoWidth,
    pan: Pan,
    fader: LinearSmoother,
    nonfinite: u64,
}

impl TrackStrip {
    /// A strip for a mono (`channels == 1`) or stereo source.
    pub fn new(channels: usize) -> Result<Self, Error> {
        let mut s = Self::default();
        crate::params::DynProcessor::route(&mut s, channels)?;
        Ok(s)
    }

    /// Fader level in dB.
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// Sets the fader level (-150 to +24 dB).
    pub fn set_gain_db(&mut self, gain_db: f64) -> Result<(), Error> {
        self.gain_db = Self::GAIN_DB.check(gain_db)?;
        self.fader.set_target(self.fader_gain());
        Ok(())
    }

    /// Pan position.
    pub fn pan(&self) -> f64 {
        self.pan.pan()
    }

    /// Sets the pan position (-1 left to +1 right).
    pub fn set_pan(&mut self, pan: f64) -> Result<(), Error> {
        self.pan.set_pan(pan)
    }

    /// Pan law.
    pub fn pan_law(&self) -> PanLaw {
        self.pan.law()
    }

    /// Sets the pan law.
    pub fn set_pan_law(&mut self, law: PanLaw) {
        self.pan.set_law(law);
    }

    /// Stereo width.
    pub fn width(&self) -> f64 {
        self.width.width()
    }

    /// Sets the stereo width of a stereo source (0 to 2).
    pub fn set_width(&mut self, width: f64) -> Result<(), Error> {
        self.width.set_width(width)
    }

    /// Whether the track is muted.
    pub fn mute(&self) -> bool {
        self.mute
    }

    /// Mutes or unmutes (the change glides).
    pub fn set_mute(&mut self, mute: bool) {
        self.mute = mute;
        self.fader.set_target(self.fader_gain());
    }

    /// Whether the track is soloed.
    pub fn solo(&self) -> bool {
        self.solo
    }

    /// Solos the track (the mixer applies it across tracks and buses).
    pub fn set_solo(&mut self, solo: bool) {
        self.solo = solo;
    }

    /// Whether the polarity is inverted.
    pub fn invert_polarity(&self) -> bool {
        self.polarity.invert()
    }

    /// Inverts (or restores) the polarity.
    pub fn set_invert_polarity(&mut self, invert: bool) {
        self.polarity.set_invert(invert);
    }

    /// Whether the source is mono.
    pub fn is_mono(&self) -> bool {
        self.pan.source() == PanSource::Mono
    }

    /// The fader's linear gain, 0 when muted.
    pub fn fader_gain(&self) -> f64 {
        if self.mute { 0.0 } else { db_to_gain(self.gain_db) }
    }

    /// Runs polarity, width and pan on a stereo pair (a mono source in
    /// both channels). Never allocates.
    pub fn process_pre_fader(&mut self, l: &mut [f32], r: &mut [f32]) {
        let mut ch = [l, r];
        self.polarity.process(&mut ch);
        if !self.is_mono() {
            self.width.process(&mut ch);
        }
        self.pan.process(&mut ch);
    }
}

impl Default for TrackStrip {
    /// 0 dB, centre, constant-power law, width 1, a stereo source.
    fn default() -> Self {
        Self {
            gain_db: 0.0,
            mute: false,
            solo: false,
            polarity: Gain::default(),
            width: StereoWidth::default(),
            pan: Pan::default(),
            fader: LinearSmoother::new(1.0),
            nonfinite: 0,
        }
    }
}

impl Processor for TrackStrip {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        let stereo = ProcessSpec { channels: 2, ..*spec };
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        self.polarity.prepare(&stereo)?;
        self.width.prepare(&stereo)?;
        self.pan.prepare(&stereo)?;
        self.fader.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.polarity.reset();
        self.width.reset();
        self.pan.reset();
        self.fader.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += crate::buffer::sanitize(channels);
        let [l, r] = channels else { return };
        self.process_pre_fader(l, r);
        apply_gain(&mut self.fader, &mut [l, r]);
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

crate::declare_params! {
    BusStrip, BUS_STRIP_KIND = "bus_strip", "BusStrip", Caps::PLAIN.channels(Channels::Stereo),
        "A mixer bus's fader after its inserts, with mute, solo and solo safety (the master \
         bus uses its fader only).",
        bypass: [none];
    GAIN_DB = ParamInfo::float("gain_db", FADER_MIN_DB, FADER_MAX_DB, 0.0, "dB", "Fader level in dB")
        .smoothed(DEFAULT_SMOOTHING_MS) => gain_db, set_gain_db;
    MUTE = ParamInfo::toggle("mute", false, "Silences the bus's return") => mute, set_mute;
    SOLO = ParamInfo::toggle("solo", false, "Solo: while anything is soloed, only soloed tracks and buses are heard") => solo, set_solo;
    SOLO_SAFE = ParamInfo::toggle("solo_safe", true, "Keeps the bus audible while other tracks are soloed (an effect return)")
        => solo_safe, set_solo_safe;
}

/// A bus's fader with mute, solo and solo safety.
#[derive(Debug, Clone)]
pub struct BusStrip {
    gain_db: f64,
    mute: bool,
    solo: bool,
    solo_safe: bool,
    /// The session's solo state at the last update.
    any_solo: bool,
    fader: LinearSmoother,
    nonfinite: u64,
}

impl BusStrip {
    /// Fader level in dB.
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// Sets the fader level (-150 to +24 dB).
    pub fn set_gain_db(&mut self, gain_db: f64) -> Result<(), Error> {
        self.gain_db = Self::GAIN_DB.check(gain_db)?;
        Ok(())
    }

    /// Whether the bus is muted.
    pub fn mute(&self) -> bool {
        self.mute
    }

    /// Mutes or unmutes the bus (the change glides).
    pub fn set_mute(&mut self, mute: bool) {
        self.mute = mute;
    }

    /// Whether the bus is soloed.
    pub fn solo(&self) -> bool {
        self.solo
    }

    /// Solos the bus.
    pub fn set_solo(&mut self, solo: bool) {
        self.solo = solo;
    }

    /// Whether the bus stays audible while others are soloed.
    pub fn solo_safe(&self) -> bool {
        self.solo_safe
    }

    /// Makes the bus solo-safe (or not).
    pub fn set_solo_safe(&mut self, safe: bool) {
        self.solo_safe = safe;
    }

    /// The linear gain the bus applies when `any_solo` is the session's
    /// solo state: the fader, or 0 when muted or silenced by a solo.
    pub fn gain(&self, any_solo: bool) -> f64 {
        let audible = !self.mute && (!any_solo || self.solo || self.solo_safe);
        if audible { db_to_gain(self.gain_db) } else { 0.0 }
    }

    /// Moves the fader's target to [`gain`](Self::gain)`(any_solo)`.
    pub(crate) fn update(&mut self, any_solo: bool) {
        self.any_solo = any_solo;
        let g = self.gain(any_solo);
        if g != self.fader.target() {
            self.fader.set_target(g);
        }
    }

    /// Applies the (smoothed) fader to a stereo pair. Never allocates.
    pub(crate) fn apply(&mut self, channels: &mut [&mut [f32]]) {
        apply_gain(&mut self.fader, channels);
    }
}

impl Default for BusStrip {
    /// 0 dB, unmuted, not soloed, solo-safe.
    fn default() -> Self {
        Self {
            gain_db: 0.0,
            mute: false,
            solo: false,
            solo_safe: true,
            any_solo: false,
            fader: LinearSmoother::new(1.0),
            nonfinite: 0,
        }
    }
}

impl Processor for BusStrip {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.fader.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.fader.snap_to(self.gain(self.any_solo));
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += crate::buffer::sanitize(channels);
        self.update(false);
        self.apply(channels);
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

/// Multiplies `channels` by the smoothed `gain` (constant when it rests).
pub(crate) fn apply_gain(gain: &mut LinearSmoother, channels: &mut [&mut [f32]]) {
    let len = channels.first().map_or(0, |c| c.len());
    if gain.is_smoothing() {
        for ch in channels.iter_mut() {
            let mut s = *gain;
            ch.iter_mut().for_each(|x| *x *= s.next() as f32);
        }
        gain.advance(len);
    } else {
        let g = gain.current() as f32;
        if g != 1.0 {
            channels.iter_mut().for_each(|ch| ch.iter_mut().for_each(|x| *x *= g));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn track_strip_places_a_mono_source_by_the_law_after_the_fader() {
        let mut s = TrackStrip::new(1).unwrap();
        s.set_pan(-0.5).unwrap();
        s.set_pan_law(PanLaw::Compromise);
        s.set_gain_db(-6.0).unwrap();
        s.prepare(&ProcessSpec::new(48_000.0, 4096, 2)).unwrap();
        let x = sine(500.0, 48_000.0, 4096, 0.5);
        let (mut l, mut r) = (x.clone(), x.clone());
        s.process_stereo(&mut l, &mut r);
        let (gl, gr) = PanLaw::Compromise.gains(-0.5);
        let g = db_to_gain(-6.0);
        assert_abs_diff_eq!(rms(&l) / rms(&x), g * gl, epsilon = 1e-6);
        assert_abs_diff_eq!(rms(&r) / rms(&x), g * gr, epsilon = 1e-6);
    }

    #[test]
    fn bus_gain_follows_mute_solo_and_safety() {
        let mut b = BusStrip::default();
        b.set_gain_db(-6.0).unwrap();
        assert_abs_diff_eq!(b.gain(true), db_to_gain(-6.0));
        b.set_solo_safe(false);
        assert_eq!(b.gain(true), 0.0);
        assert_abs_diff_eq!(b.gain(false), db_to_gain(-6.0));
        b.set_solo(true);
        assert!(b.gain(true) > 0.0);
        b.set_mute(true);
        assert_eq!(b.gain(false), 0.0);
    }

    #[test]
    fn strip_invariants() {
        check_processor_invariants(
            || TrackStrip::new(2).unwrap(),
            2,
            |s| {
                s.set_gain_db(-10.0).unwrap();
                s.set_pan(0.7).unwrap();
                s.set_width(1.5).unwrap();
                s.set_invert_polarity(true);
                s.set_mute(true);
            },
        );
        check_processor_invariants(BusStrip::default, 2, |b| {
            b.set_gain_db(-10.0).unwrap();
            b.set_mute(true);
        });
    }
}
