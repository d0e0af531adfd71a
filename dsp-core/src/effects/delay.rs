//! Feedback delay: free time or tempo sync, a tone-shaping band pass in
//! the feedback loop, ping-pong routing, dry/wet mix.

use alloc::vec::Vec;

use super::TAIL_LEVEL;
use super::delay_line::{DelayLine, MIN_DELAY_SAMPLES, MIN_GLIDE_MS, Tap, glide_to};
use crate::buffer::sanitize;
use crate::error::Error;
use crate::filters::design::{FilterKind, first_order};
use crate::filters::{Biquad, Coefs};
use crate::math::{flush_denormal, log};
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Longest delay time, in ms (tempo-synced times are clamped to it).
pub const MAX_DELAY_MS: f64 = 10_000.0;
/// Longest tail [`Delay`] reports, in seconds (near-unity feedback rings
/// longer than this above -90 dB).
pub const MAX_TAIL_S: f64 = 60.0;

/// A note length for tempo sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoteValue {
    /// A whole note (four beats).
    Whole,
    /// A half note.
    Half,
    /// A quarter note (one beat).
    #[default]
    Quarter,
    /// An eighth note.
    Eighth,
    /// A sixteenth note.
    Sixteenth,
    /// A thirty-second note.
    ThirtySecond,
}

crate::named_choices!(NoteValue, "note value" {
    Whole = "1/1",
    Half = "1/2",
    Quarter = "1/4",
    Eighth = "1/8",
    Sixteenth = "1/16",
    ThirtySecond = "1/32",
});

impl NoteValue {
    /// Length in beats (quarter notes).
    pub fn beats(self) -> f64 {
        match self {
            Self::Whole => 4.0,
            Self::Half => 2.0,
            Self::Quarter => 1.0,
            Self::Eighth => 0.5,
            Self::Sixteenth => 0.25,
            Self::ThirtySecond => 0.125,
        }
    }
}

/// How a synced note length is altered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoteModifier {
    /// As written.
    #[default]
    Straight,
    /// One and a half times as long.
    Dotted,
    /// Two thirds as long (three in the time of two).
    Triplet,
}

crate::named_choices!(NoteModifier, "note modifier" {
    Straight = "straight",
    Dotted = "dotted",
    Triplet = "triplet",
});

impl NoteModifier {
    /// The factor on the note's length.
    pub fn factor(self) -> f64 {
        match self {
            Self::Straight => 1.0,
            Self::Dotted => 1.5,
            Self::Triplet => 2.0 / 3.0,
        }
    }
}

/// The delay time of `note` altered by `modifier` at `bpm` beats (quarter
/// notes) per minute, in ms: 120 bpm, 1/8 dotted gives 375 ms.
pub fn synced_ms(bpm: f64, note: NoteValue, modifier: NoteModifier) -> f64 {
    60_000.0 / bpm * note.beats() * modifier.factor()
}

crate::declare_params! {
    Delay, DELAY_KIND = "delay", "Delay", Caps::PLAIN.tail(),
        "Feedback delay: a free time in ms or a note length synced to a tempo, feedback through \
         a first-order low cut and high cut (so each repeat is darker and thinner than the last), \
         optional ping-pong between the stereo channels, and a dry/wet mix. Time changes glide \
         like tape (read through a cubic interpolator), so automation never clicks.";
    DELAY_MS = ParamInfo::float("delay_ms", 1.0, MAX_DELAY_MS, 250.0, "ms",
        "Delay time when not synced; changes glide over at least 50 ms")
        .log().smoothed(MIN_GLIDE_MS) => delay_ms, set_delay_ms;
    SYNC = ParamInfo::toggle("sync", false,
        "Takes the time from bpm, note and note_modifier instead of delay_ms")
        => sync, set_sync;
    BPM = ParamInfo::float("bpm", 20.0, 300.0, 120.0, "bpm",
        "Tempo for sync, in quarter notes per minute") => bpm, set_bpm;
    NOTE = ParamInfo::choice("note", NoteValue::CHOICES, 2,
        "Synced note length: 1/1, 1/2, 1/4, 1/8, 1/16 or 1/32 (at most 10 s)") => note, set_note;
    NOTE_MODIFIER = ParamInfo::choice("note_modifier", NoteModifier::CHOICES, 0,
        "Synced note length altered: straight, dotted (x1.5) or triplet (x2/3)")
        => note_modifier, set_note_modifier;
    FEEDBACK = ParamInfo::float("feedback", 0.0, 0.99, 0.3, "",
        "Part of each repeat fed back into the delay (below 1, so repeats always die away)")
        .smoothed(DEFAULT_SMOOTHING_MS) => feedback, set_feedback;
    LOW_CUT_HZ = ParamInfo::float("low_cut_hz", 0.0, 20_000.0, 0.0, "Hz",
        "High-pass corner in the feedback loop, 6 dB/oct per repeat (0 = off)")
        .log().smoothed(DEFAULT_SMOOTHING_MS) => low_cut_hz, set_low_cut_hz;
    HIGH_CUT_HZ = ParamInfo::float("high_cut_hz", 20.0, 96_000.0, 96_000.0, "Hz",
        "Low-pass corner in the feedback loop, 6 dB/oct per repeat (off at or above Nyquist)")
        .log().smoothed(DEFAULT_SMOOTHING_MS) => high_cut_hz, set_high_cut_hz;
    PING_PONG = ParamInfo::toggle("ping_pong", false,
        "Stereo: the input (summed to mono) starts on the left and repeats alternate sides")
        .smoothed(DEFAULT_SMOOTHING_MS) => ping_pong, set_ping_pong;
    MIX = ParamInfo::float("mix", 0.0, 1.0, 0.5, "",
        "Wet proportion from 0 (dry only) to 1 (repeats only)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
}

/// One channel's line and loop filter.
#[derive(Debug, Clone, Default)]
struct Voice {
    line: DelayLine,
    filter: Biquad,
}

/// The values one sample is processed with.
#[derive(Debug, Clone, Copy)]
struct Frame {
    tap: Tap,
    feedback: f32,
    dry: f32,
    wet: f32,
    /// 0: each channel feeds itself; 1: ping-pong.
    cross: f32,
}

/// Everything that glides, advanced once per sample whatever the channel
/// count.
#[derive(Debug, Clone, Copy)]
struct Glides {
    /// Delay time in samples.
    time: LinearSmoother,
    /// Longest time the lines hold, in samples.
    max_time: f64,
    feedback: LinearSmoother,
    wet: LinearSmoother,
    cross: LinearSmoother,
    /// Loop filter coefficients `b0, b1, b2, a1, a2`, gliding together.
    coefs: [LinearSmoother; 5],
}

/// What a sample does to the loop filters.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FilterStep {
    /// Skipped (identity).
    Off,
    /// Runs with unchanged coefficients.
    On,
    /// Runs with new coefficients.
    Glide(Coefs),
    /// Runs with its final, identity, coefficients, then clears its state.
    Last(Coefs),
}

impl Glides {
    fn new(time: f64, feedback: f64, wet: f64) -> Self {
        let c = Coefs::IDENTITY;
        Self {
            time: LinearSmoother::new(time),
            max_time: time,
            feedback: LinearSmoother::new(feedback),
            wet: LinearSmoother::new(wet),
            cross: LinearSmoother::new(0.0),
            coefs: [c.b0, c.b1, c.b2, c.a1, c.a2].map(LinearSmoother::new),
        }
    }

    fn set_ramps(&mut self, fs: f64) {
        for s in [&mut self.feedback, &mut self.wet, &mut self.cross] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs);
        }
        self.coefs.iter_mut().for_each(|s| s.set_ramp_ms(DEFAULT_SMOOTHING_MS, fs));
    }

    fn snap(&mut self) {
        for s in [&mut self.time, &mut self.feedback, &mut self.wet, &mut self.cross] {
            s.snap();
        }
        self.coefs.iter_mut().for_each(LinearSmoother::snap);
    }

    fn set_coefs(&mut self, c: Coefs) {
        for (s, v) in self.coefs.iter_mut().zip([c.b0, c.b1, c.b2, c.a1, c.a2]) {
            s.set_target(v);
        }
    }

    fn coefs(&self) -> Coefs {
        let [b0, b1, b2, a1, a2] = self.coefs.map(|s| s.current());
        Coefs { b0, b1, b2, a1, a2 }
    }

    fn filter_gliding(&self) -> bool {
        self.coefs.iter().any(LinearSmoother::is_smoothing)
    }

    /// Whether the loop filter's target is the identity.
    fn filter_off(&self) -> bool {
        self.coefs.iter().map(LinearSmoother::target).eq([1.0, 0.0, 0.0, 0.0, 0.0])
    }

    fn gliding(&self) -> bool {
        self.time.is_smoothing()
            || self.feedback.is_smoothing()
            || self.wet.is_smoothing()
            || self.cross.is_smoothing()
            || self.filter_gliding()
    }

    /// The frame for the current values.
    #[inline]
    fn frame(&self) -> Frame {
        let wet = self.wet.current();
        Frame {
            tap: Tap::new(self.time.current().clamp(MIN_DELAY_SAMPLES, self.max_time)),
            feedback: self.feedback.current() as f32,
            dry: (1.0 - wet) as f32,
            wet: wet as f32,
            cross: self.cross.current() as f32,
        }
    }

    /// What the loop filters do while nothing glides.
    fn steady_filter(&self) -> FilterStep {
        if self.filter_off() { FilterStep::Off } else { FilterStep::On }
    }

    /// Advances every glide one sample: the frame and filter step for it.
    #[inline]
    fn next(&mut self) -> (Frame, FilterStep) {
        self.time.next();
        self.feedback.next();
        self.wet.next();
        self.cross.next();
        let step = if self.filter_gliding() {
            self.coefs.iter_mut().for_each(|s| {
                s.next();
            });
            match (self.filter_gliding(), self.filter_off()) {
                (false, true) => FilterStep::Last(self.coefs()),
                _ => FilterStep::Glide(self.coefs()),
            }
        } else {
            self.steady_filter()
        };
        (self.frame(), step)
    }
}

impl FilterStep {
    /// Applies the step's coefficients to `filter` before the sample.
    #[inline(always)]
    fn before(self, filter: &mut Biquad) -> bool {
        match self {
            Self::Off => false,
            Self::On => true,
            Self::Glide(c) | Self::Last(c) => {
                filter.set_coefs(c);
                true
            }
        }
    }

    /// Clears `filter` after the last sample of a glide to the identity.
    #[inline(always)]
    fn after(self, filter: &mut Biquad) {
        if let Self::Last(_) = self {
            filter.reset();
        }
    }
}

/// A feedback delay line per channel.
///
/// Each sample: the line is read `d` samples back (cubic Hermite
/// interpolation, so any fraction is exact at low frequencies), the read
/// goes through the loop filter (a first-order high pass at `low_cut_hz`
/// times a first-order low pass at `high_cut_hz`, the bilinear designs of
/// [`first_order`]), and that filtered repeat `y` is both the wet output
/// and, times `feedback`, added to the input written into the line. The
/// output is `(1 - mix)·x + mix·y`. Repeat `k` thus has the gain
/// `mix·feedback^(k-1)·|H(f)|^k`.
///
/// With `ping_pong` on stereo audio, the left line takes the mono sum of
/// the input plus the right line's feedback and the right line takes only
/// the left's, so repeats alternate left, right, left. On other channel
/// counts it has no effect.
///
/// Time changes (of `delay_ms`, or of the tempo and note when synced)
/// glide as [`glide_to`] describes: over at least [`MIN_GLIDE_MS`], longer
/// for large jumps so that the read speed stays within `1 ±`
/// [`MAX_GLIDE_RATE`](super::MAX_GLIDE_RATE); the pitch bends like tape
/// rather than clicking. Feedback, mix, the filters and the ping-pong
/// routing glide over 20 ms. Memory for [`MAX_DELAY_MS`] is allocated in
/// `prepare`.
#[derive(Debug, Clone)]
pub struct Delay {
    delay_ms: f64,
    sync: bool,
    bpm: f64,
    note: NoteValue,
    note_modifier: NoteModifier,
    feedback: f64,
    low_cut_hz: f64,
    high_cut_hz: f64,
    ping_pong: bool,
    mix: f64,
    sample_rate: f64,
    glides: Glides,
    voices: Vec<Voice>,
    nonfinite: u64,
}

impl Default for Delay {
    /// 250 ms, feedback 0.3, mix 0.5, no filters, no sync, no ping-pong.
    fn default() -> Self {
        Self::new(250.0, 0.3, 0.5).expect("valid defaults")
    }
}

impl Delay {
    /// A delay of `delay_ms` with `feedback` and `mix` (each checked as by
    /// its setter); no sync, no loop filters, no ping-pong.
    pub fn new(delay_ms: f64, feedback: f64, mix: f64) -> Result<Self, Error> {
        let sample_rate = 48_000.0;
        let mut glides = Glides::new(0.0, 0.0, 0.0);
        glides.set_ramps(sample_rate);
        glides.max_time = MAX_DELAY_MS * 1e-3 * sample_rate;
        let mut d = Self {
            delay_ms: 250.0,
            sync: false,
            bpm: 120.0,
            note: NoteValue::Quarter,
            note_modifier: NoteModifier::Straight,
            feedback: 0.0,
            low_cut_hz: 0.0,
            high_cut_hz: Self::HIGH_CUT_HZ.max,
            ping_pong: false,
            mix: 0.0,
            sample_rate,
            glides,
            voices: Vec::new(),
            nonfinite: 0,
        };
        d.set_delay_ms(delay_ms)?;
        d.set_feedback(feedback)?;
        d.set_mix(mix)?;
        d.glides.snap();
        Ok(d)
    }

    /// Delay time in ms (used when not synced).
    pub fn delay_ms(&self) -> f64 {
        self.delay_ms
    }

    /// Sets the delay time in ms (glides).
    pub fn set_delay_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.delay_ms = Self::DELAY_MS.check(ms)?;
        self.retarget_time();
        Ok(())
    }

    /// Whether the time follows the tempo.
    pub fn sync(&self) -> bool {
        self.sync
    }

    /// Takes the time from `bpm`, `note` and `note_modifier` (on) or from
    /// `delay_ms` (off); the time glides to the new value.
    pub fn set_sync(&mut self, sync: bool) {
        self.sync = sync;
        self.retarget_time();
    }

    /// Tempo in quarter notes per minute.
    pub fn bpm(&self) -> f64 {
        self.bpm
    }

    /// Sets the tempo for sync.
    pub fn set_bpm(&mut self, bpm: f64) -> Result<(), Error> {
        self.bpm = Self::BPM.check(bpm)?;
        self.retarget_time();
        Ok(())
    }

    /// Synced note length.
    pub fn note(&self) -> NoteValue {
        self.note
    }

    /// Sets the synced note length.
    pub fn set_note(&mut self, note: NoteValue) {
        self.note = note;
        self.retarget_time();
    }

    /// Alteration of the synced note length.
    pub fn note_modifier(&self) -> NoteModifier {
        self.note_modifier
    }

    /// Sets the alteration of the synced note length.
    pub fn set_note_modifier(&mut self, modifier: NoteModifier) {
        self.note_modifier = modifier;
        self.retarget_time();
    }

    /// The delay time in use, in ms: `delay_ms`, or the synced note length
    /// (at most [`MAX_DELAY_MS`]).
    pub fn time_ms(&self) -> f64 {
        if self.sync {
            synced_ms(self.bpm, self.note, self.note_modifier).min(MAX_DELAY_MS)
        } else {
            self.delay_ms
        }
    }

    /// Feedback gain.
    pub fn feedback(&self) -> f64 {
        self.feedback
    }

    /// Sets the feedback gain (glides over 20 ms).
    pub fn set_feedback(&mut self, feedback: f64) -> Result<(), Error> {
        self.feedback = Self::FEEDBACK.check(feedback)?;
        self.glides.feedback.set_target(self.feedback);
        Ok(())
    }

    /// Low cut (high-pass corner) in the loop, in Hz; 0 = off.
    pub fn low_cut_hz(&self) -> f64 {
        self.low_cut_hz
    }

    /// Sets the low cut (0 = off; values below 1 Hz act as 1 Hz; glides).
    pub fn set_low_cut_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.low_cut_hz = Self::LOW_CUT_HZ.check(hz)?;
        self.glides.set_coefs(self.loop_filter());
        Ok(())
    }

    /// High cut (low-pass corner) in the loop, in Hz.
    pub fn high_cut_hz(&self) -> f64 {
        self.high_cut_hz
    }

    /// Sets the high cut (off at or above Nyquist; designed at most at 0.49
    /// times the sample rate; glides).
    pub fn set_high_cut_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.high_cut_hz = Self::HIGH_CUT_HZ.check(hz)?;
        self.glides.set_coefs(self.loop_filter());
        Ok(())
    }

    /// Whether repeats alternate between the stereo channels.
    pub fn ping_pong(&self) -> bool {
        self.ping_pong
    }

    /// Turns ping-pong on or off (the routing crossfades over 20 ms).
    pub fn set_ping_pong(&mut self, on: bool) {
        self.ping_pong = on;
        self.glides.cross.set_target(if on { 1.0 } else { 0.0 });
    }

    /// Wet proportion.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = Self::MIX.check(mix)?;
        self.glides.wet.set_target(self.mix);
        Ok(())
    }

    /// The loop filter's coefficients for the current settings and sample
    /// rate (the last prepared, else 48 kHz).
    pub fn loop_filter(&self) -> Coefs {
        loop_filter(self.low_cut_hz, self.high_cut_hz, self.sample_rate).0
    }

    fn retarget_time(&mut self) {
        let target = self.time_ms() * 1e-3 * self.sample_rate;
        glide_to(&mut self.glides.time, target, self.sample_rate);
    }

    /// Processes each channel on its own (any channel count but two).
    fn run_channels(&mut self, channels: &mut [&mut [f32]]) {
        let start = self.glides;
        for (x, v) in channels.iter_mut().zip(self.voices.iter_mut()) {
            self.glides = start;
            if self.glides.gliding() {
                for s in x.iter_mut() {
                    let (f, step) = self.glides.next();
                    let on = step.before(&mut v.filter);
                    *s = if on { mono::<true>(v, &f, *s) } else { mono::<false>(v, &f, *s) };
                    step.after(&mut v.filter);
                }
            } else if self.glides.steady_filter() == FilterStep::On {
                steady_mono::<true>(v, &self.glides.frame(), x);
            } else {
                steady_mono::<false>(v, &self.glides.frame(), x);
            }
            v.filter.flush();
        }
    }

    /// Processes a stereo pair (with ping-pong routing).
    fn run_stereo(&mut self, l: &mut [f32], r: &mut [f32]) {
        let [a, b, ..] = &mut self.voices[..] else { return };
        let g = &mut self.glides;
        if g.gliding() {
            for (xl, xr) in l.iter_mut().zip(r.iter_mut()) {
                let (f, step) = g.next();
                let on = step.before(&mut a.filter);
                step.before(&mut b.filter);
                (*xl, *xr) = if on {
                    stereo::<true>(a, b, &f, *xl, *xr)
                } else {
                    stereo::<false>(a, b, &f, *xl, *xr)
                };
                step.after(&mut a.filter);
                step.after(&mut b.filter);
            }
        } else if g.steady_filter() == FilterStep::On {
            steady_stereo::<true>(a, b, &g.frame(), l, r);
        } else {
            steady_stereo::<false>(a, b, &g.frame(), l, r);
        }
        a.filter.flush();
        b.filter.flush();
    }
}

/// Samples per chunk of the steady loops.
const CHUNK: usize = 256;

/// [`mono`] over a block while nothing glides, bit for bit, as chunks of
/// vectorisable loops: read the repeats, filter them, write the line, mix.
fn steady_mono<const FILTER: bool>(v: &mut Voice, f: &Frame, x: &mut [f32]) {
    let mut y = [0.0f32; CHUNK];
    let mut w = [0.0f32; CHUNK];
    for xs in x.chunks_mut(CHUNK.min(f.tap.block_limit())) {
        let (y, w) = (&mut y[..xs.len()], &mut w[..xs.len()]);
        v.line.read_block(&f.tap, y);
        if FILTER {
            y.iter_mut().for_each(|s| *s = v.filter.tick(*s));
        }
        for ((w, &x), &y) in w.iter_mut().zip(xs.iter()).zip(y.iter()) {
            *w = flush_denormal(x + f.feedback * y);
        }
        v.line.push_block(w);
        mix_block(xs, y, f);
    }
}

/// [`stereo`] over a block while nothing glides, bit for bit, in chunks.
fn steady_stereo<const FILTER: bool>(
    a: &mut Voice,
    b: &mut Voice,
    f: &Frame,
    l: &mut [f32],
    r: &mut [f32],
) {
    let mut yl = [0.0f32; CHUNK];
    let mut yr = [0.0f32; CHUNK];
    let mut wl = [0.0f32; CHUNK];
    let mut wr = [0.0f32; CHUNK];
    let chunk = CHUNK.min(f.tap.block_limit());
    for (xl, xr) in l.chunks_mut(chunk).zip(r.chunks_mut(chunk)) {
        let n = xl.len();
        let (yl, yr, wl, wr) = (&mut yl[..n], &mut yr[..n], &mut wl[..n], &mut wr[..n]);
        a.line.read_block(&f.tap, yl);
        b.line.read_block(&f.tap, yr);
        if FILTER {
            for (sl, sr) in yl.iter_mut().zip(yr.iter_mut()) {
                (*sl, *sr) = (a.filter.tick(*sl), b.filter.tick(*sr));
            }
        }
        for k in 0..n {
            let (in_l, in_r, back_l, back_r) = route(f.cross, xl[k], xr[k], yl[k], yr[k]);
            wl[k] = flush_denormal(in_l + f.feedback * back_l);
            wr[k] = flush_denormal(in_r + f.feedback * back_r);
        }
        a.line.push_block(wl);
        b.line.push_block(wr);
        mix_block(xl, yl, f);
        mix_block(xr, yr, f);
    }
}

/// [`mix`] over a block.
#[inline(always)]
fn mix_block(x: &mut [f32], y: &[f32], f: &Frame) {
    if f.wet != 0.0 {
        for (x, &y) in x.iter_mut().zip(y) {
            *x = *x * f.dry + y * f.wet;
        }
    }
}

/// The ping-pong routing at crossfade `c` (0: straight, 1: ping-pong) of
/// inputs `xl`, `xr` and repeats `yl`, `yr`: what each line takes from the
/// input and from the repeats.
#[inline(always)]
fn route(c: f32, xl: f32, xr: f32, yl: f32, yr: f32) -> (f32, f32, f32, f32) {
    (xl + c * (0.5 * (xl + xr) - xl), xr - c * xr, yl + c * (yr - yl), yr + c * (yl - yr))
}

/// One sample of one channel: read, filter, feed back, mix.
#[inline(always)]
fn mono<const FILTER: bool>(v: &mut Voice, f: &Frame, x: f32) -> f32 {
    let mut y = v.line.read_tap(&f.tap);
    if FILTER {
        y = v.filter.tick(y);
    }
    v.line.push(flush_denormal(x + f.feedback * y));
    mix(x, y, f)
}

/// One frame of a stereo pair, with the ping-pong crossfade `f.cross`.
#[inline(always)]
fn stereo<const FILTER: bool>(
    a: &mut Voice,
    b: &mut Voice,
    f: &Frame,
    xl: f32,
    xr: f32,
) -> (f32, f32) {
    let (mut yl, mut yr) = (a.line.read_tap(&f.tap), b.line.read_tap(&f.tap));
    if FILTER {
        yl = a.filter.tick(yl);
        yr = b.filter.tick(yr);
    }
    let (in_l, in_r, back_l, back_r) = route(f.cross, xl, xr, yl, yr);
    a.line.push(flush_denormal(in_l + f.feedback * back_l));
    b.line.push(flush_denormal(in_r + f.feedback * back_r));
    (mix(xl, yl, f), mix(xr, yr, f))
}

/// `(1 - mix)·x + mix·y`, and `x` untouched at mix 0.
#[inline(always)]
fn mix(x: f32, y: f32, f: &Frame) -> f32 {
    if f.wet == 0.0 { x } else { x * f.dry + y * f.wet }
}

/// The loop filter for `low_cut_hz` and `high_cut_hz` at `fs`: the product
/// of the first-order high and low passes (either may be off), and the
/// radius of its slower pole.
fn loop_filter(low_cut_hz: f64, high_cut_hz: f64, fs: f64) -> (Coefs, f64) {
    let top = 0.49 * fs;
    let hp = if low_cut_hz > 0.0 {
        first_order(FilterKind::HighPass, low_cut_hz.clamp(1.0, top), fs)
    } else {
        Coefs::IDENTITY
    };
    let lp = if high_cut_hz < 0.5 * fs {
        first_order(FilterKind::LowPass, high_cut_hz.min(top), fs)
    } else {
        Coefs::IDENTITY
    };
    let c = Coefs {
        b0: hp.b0 * lp.b0,
        b1: hp.b0 * lp.b1 + hp.b1 * lp.b0,
        b2: hp.b1 * lp.b1,
        a1: hp.a1 + lp.a1,
        a2: hp.a1 * lp.a1,
    };
    (c, hp.a1.abs().max(lp.a1.abs()))
}

/// The largest gain of `c` (a loop filter, at most 1) over 1 Hz to
/// Nyquist, on a grid of eighth octaves.
fn peak_gain(c: &Coefs, fs: f64) -> f64 {
    let steps = libm::ceil(8.0 * libm::log2(0.5 * fs)) as i32;
    let peak = (0..=steps)
        .map(|i| c.response(libm::exp2(i as f64 / 8.0).min(0.5 * fs), fs).norm_sqr())
        .fold(0.0, f64::max);
    libm::sqrt(peak).min(1.0)
}

impl Processor for Delay {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        self.glides.set_ramps(spec.sample_rate);
        let max = libm::ceil(MAX_DELAY_MS * 1e-3 * spec.sample_rate) as usize;
        self.glides.max_time = max as f64;
        self.voices.resize_with(spec.channels, Voice::default);
        self.voices.iter_mut().for_each(|v| v.line.allocate(max));
        self.retarget_time();
        self.glides.set_coefs(self.loop_filter());
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.glides.snap();
        let c = self.glides.coefs();
        for v in &mut self.voices {
            v.line.clear();
            v.filter = Biquad::new(c);
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        if channels.len() > self.voices.len() {
            return; // not prepared for these channels
        }
        match channels {
            [l, r] => self.run_stereo(l, r),
            _ => self.run_channels(channels),
        }
    }

    fn tail(&self) -> usize {
        let g = &self.glides;
        if g.wet.current().max(g.wet.target()) == 0.0 {
            return 0;
        }
        let fs = self.sample_rate;
        // Repeats until the feedback, times the loop filter's gain where it
        // is largest, has taken them below -90 dB, each one the longest
        // time apart the glide reaches; plus the loop filter's own ringing.
        let time = libm::ceil(g.time.current().max(g.time.target()).min(g.max_time)) + 2.0;
        let (coefs, radius) = loop_filter(self.low_cut_hz, self.high_cut_hz, fs);
        let fb = g.feedback.current().max(g.feedback.target()) * peak_gain(&coefs, fs);
        let repeats = if fb < 1e-9 { 1.0 } else { 1.0 + libm::ceil(log(TAIL_LEVEL) / log(fb)) };
        let ring = if radius < 1e-9 { 0.0 } else { libm::ceil(log(TAIL_LEVEL) / log(radius)) };
        (repeats * time + ring).min(MAX_TAIL_S * fs) as usize
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::MAX_GLIDE_RATE;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    /// A delay with only the wet signal and no feedback or filters.
    fn wet_only(delay_ms: f64) -> Delay {
        Delay::new(delay_ms, 0.0, 1.0).unwrap()
    }

    fn impulse(len: usize) -> Vec<f32> {
        let mut x = std::vec![0.0f32; len];
        x[0] = 1.0;
        x
    }

    /// Runs mono `x` through `d` (prepared at 48 kHz) in blocks of 512.
    fn run(d: &mut Delay, x: &[f32]) -> Vec<f32> {
        d.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let mut y = x.to_vec();
        crate::processor::process_in_blocks(d, &mut [&mut y], 512);
        y
    }

    /// Runs a stereo pair through `d` (prepared at 48 kHz) in blocks of 512.
    fn run2(d: &mut Delay, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        d.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        crate::processor::process_in_blocks(d, &mut [&mut a, &mut b], 512);
        (a, b)
    }

    /// First moment over zeroth: where an interpolated impulse lands.
    fn centroid(y: &[f32]) -> f64 {
        let sum: f64 = y.iter().map(|&v| v as f64).sum();
        y.iter().enumerate().map(|(n, &v)| n as f64 * v as f64).sum::<f64>() / sum
    }

    #[test]
    fn impulse_arrives_at_the_set_delay() {
        // A whole number of samples: exactly one sample, exactly 1.
        let y = run(&mut wet_only(10.0), &impulse(2000));
        assert_eq!(y[480], 1.0);
        assert!(y.iter().enumerate().all(|(n, &v)| n == 480 || v == 0.0));
        // Fractions: the interpolated impulse is centred on the delay.
        for samples in [480.5, 480.25, 1234.9] {
            let y = run(&mut wet_only(samples / FS * 1e3), &impulse(2000));
            let sum: f64 = y.iter().map(|&v| v as f64).sum();
            assert!((sum - 1.0).abs() < 1e-6);
            assert!((centroid(&y) - samples).abs() < 1e-4, "{samples}: {}", centroid(&y));
            assert!(
                y.iter().enumerate().all(|(n, &v)| (n as f64 - samples).abs() < 2.0 || v == 0.0)
            );
        }
    }

    #[test]
    fn tempo_sync_gives_the_note_length() {
        assert_eq!(synced_ms(120.0, NoteValue::Eighth, NoteModifier::Dotted), 375.0);
        assert_eq!(synced_ms(120.0, NoteValue::Quarter, NoteModifier::Straight), 500.0);
        assert!(
            (synced_ms(90.0, NoteValue::Sixteenth, NoteModifier::Triplet) - 1000.0 / 9.0).abs()
                < 1e-9
        );
        let mut d = wet_only(100.0);
        d.set_sync(true);
        d.set_bpm(120.0).unwrap();
        d.set_note(NoteValue::Eighth);
        d.set_note_modifier(NoteModifier::Dotted);
        assert_eq!(d.time_ms(), 375.0);
        let y = run(&mut d, &impulse(20_000));
        assert_eq!(y[18_000], 1.0, "375 ms at 48 kHz");
        assert_eq!(y.iter().filter(|&&v| v != 0.0).count(), 1);
        // Notes longer than the line are clamped to it.
        d.set_bpm(20.0).unwrap();
        d.set_note(NoteValue::Whole);
        assert_eq!(d.time_ms(), MAX_DELAY_MS);
        d.set_sync(false);
        assert_eq!(d.time_ms(), 100.0);
    }

    /// Repeats of a 1 kHz tone burst fall by `feedback·|H(1 kHz)|` each,
    /// where `H` is a first-order high pass at the low cut times a
    /// first-order low pass at the high cut.
    #[test]
    fn repeats_decay_by_feedback_times_the_loop_filter() {
        let (fb, low, high, f) = (0.6, 300.0, 3000.0, 1000.0);
        let h = first_order(FilterKind::HighPass, low, FS).response(f, FS).norm()
            * first_order(FilterKind::LowPass, high, FS).response(f, FS).norm();
        let mut d = Delay::new(100.0, fb, 1.0).unwrap();
        d.set_low_cut_hz(low).unwrap();
        d.set_high_cut_hz(high).unwrap();
        let mut x = sine(f, FS, 48_000, 0.5);
        x[2400..].iter_mut().for_each(|v| *v = 0.0); // a 50 ms burst
        let y = run(&mut d, &x);
        // The steady middle of each repeat (10 to 40 ms into it).
        let level = |k: usize| rms(&y[k * 4800 + 480..k * 4800 + 1920]);
        let input = rms(&x[480..1920]);
        let db = |r: f64| 20.0 * libm::log10(r);
        assert!(
            (db(level(1) / input) - db(h)).abs() < 0.01,
            "{} vs {}",
            db(level(1) / input),
            db(h)
        );
        for k in 1..6 {
            let got = db(level(k + 1) / level(k));
            let want = db(fb * h);
            assert!((got - want).abs() < 0.01, "repeat {k}: {got} dB vs {want} dB");
        }
    }

    #[test]
    fn ping_pong_alternates_channels() {
        let mut d = Delay::new(10.0, 0.5, 1.0).unwrap();
        d.set_ping_pong(true);
        let (l, r) = run2(&mut d, &impulse(3000), &std::vec![0.0; 3000]);
        // The mono sum (0.5) starts left; each repeat crosses over at half level.
        for (k, want) in [(1usize, 0.5f32), (2, 0.25), (3, 0.125), (4, 0.0625), (5, 0.03125)] {
            let (on, off) = if k % 2 == 1 { (&l, &r) } else { (&r, &l) };
            assert_eq!((on[480 * k], off[480 * k]), (want, 0.0), "repeat {k}");
        }
        let nonzero = l.iter().chain(&r).filter(|&&v| v != 0.0).count();
        assert_eq!(nonzero, 6);
        // Without ping-pong each channel repeats itself.
        let (l, r) = run2(&mut Delay::new(10.0, 0.5, 1.0).unwrap(), &impulse(1000), &impulse(1000));
        assert_eq!((l[480], l[960], r[480], r[960]), (1.0, 0.5, 1.0, 0.5));
    }

    /// The delay time automated while a 200 Hz tone plays: the output (wet
    /// only) steps between samples exactly as far as the tone played at
    /// the read speed `1 - d'(t)`, slower while the delay grows and faster
    /// (at most `1 + MAX_GLIDE_RATE`) while it shrinks: tape-like pitch
    /// bends, never a click (a jump in the read position would step by up
    /// to twice the amplitude, 76 times the tone's own step). The same
    /// for sudden jumps of the setting.
    #[test]
    fn time_changes_glide_without_clicks() {
        let x = sine(200.0, FS, 5 * 48_000, 0.5);
        let own = max_step(&x[..48_000]);
        // Max step of the output over samples `range`.
        let sweep = |to: &dyn Fn(usize) -> f64, range: core::ops::Range<usize>| {
            let mut d = wet_only(to(0));
            d.prepare(&ProcessSpec::new(FS, 256, 1)).unwrap();
            let mut y = x.clone();
            for (i, block) in y.chunks_mut(256).enumerate() {
                d.set_delay_ms(to(i * 256)).unwrap();
                d.process_mono(block);
            }
            max_step(&y[range])
        };
        let ms_at = |n: usize| n as f64 / FS * 1e3;
        // Growing by 0.3 ms per ms for 2 s (read speed 0.7 once the glide
        // has caught up with the automation), then shrinking as fast (1.3).
        let up = sweep(&|n| 20.0 + 0.3 * ms_at(n).min(2000.0), 24_000..96_000);
        assert!(up <= own * 0.701, "growing: {up} vs {own}");
        let down = sweep(&|n| 620.0 - 0.3 * ms_at(n).min(2000.0), 48_000..240_000);
        assert!(down <= own * 1.301, "shrinking: {down} vs {own}");
        // Sudden jumps glide at the limited rate.
        let jumps = sweep(&|n| [80.0, 700.0, 90.0, 500.0][(n / 60_000).min(3)], 4800..240_000);
        assert!(jumps <= own * (1.0 + MAX_GLIDE_RATE as f32) * 1.001, "jumps: {jumps} vs {own}");
        // And the glide ends at the new time: 50 ms -> 300 ms takes
        // 500 ms at the limited rate, then an impulse lands at 300 ms.
        let mut d = wet_only(50.0);
        d.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        d.set_delay_ms(300.0).unwrap();
        let mut y = std::vec![0.0f32; 24_000];
        d.process_mono(&mut y[..]);
        let mut y = impulse(20_000);
        d.process_mono(&mut y[..]);
        assert_eq!(y[14_400], 1.0);
    }

    /// After an impulse, the output stays below -90 dB from `tail()` on,
    /// and `tail()` is not much longer than needed.
    #[test]
    fn tail_ends_below_minus_90_db() {
        let configs: [(f64, f64, f64, f64, bool); 5] = [
            (50.0, 0.0, 0.0, 96_000.0, false),
            (50.0, 0.7, 0.0, 96_000.0, false),
            (20.0, 0.9, 30.0, 2000.0, false),
            (30.0, 0.8, 0.0, 8000.0, true),
            (7.0, 0.95, 5.0, 96_000.0, false),
        ];
        let limit = TAIL_LEVEL as f32;
        for (ms, fb, low, high, pp) in configs {
            let mut d = Delay::new(ms, fb, 1.0).unwrap();
            d.set_low_cut_hz(low).unwrap();
            d.set_high_cut_hz(high).unwrap();
            d.set_ping_pong(pp);
            d.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
            let tail = d.tail();
            let (mut l, mut r) = (impulse(tail + 48_000), impulse(tail + 48_000));
            crate::processor::process_in_blocks(&mut d, &mut [&mut l, &mut r], 512);
            let last = l.iter().chain(&r[..]).enumerate().filter(|(_, v)| v.abs() >= limit);
            let last = last.map(|(i, _)| i % l.len()).max().unwrap();
            assert!(last < tail, "{ms} ms fb {fb}: {last} >= tail {tail}");
            // Tight for a flat loop; a band-limited loop thins an impulse's
            // repeats faster than its peak gain (which bounds a tone's).
            let period = (ms * 48.0) as usize;
            let slack = if low == 0.0 && high > FS { 3 * period + 2000 } else { tail };
            assert!(tail < last + slack, "{ms} ms fb {fb}: tail {tail}, last {last}");
            std::println!(
                "{ms} ms fb {fb} low {low} high {high} ping-pong {pp}: tail {tail}, last above -90 dB {last}"
            );
        }
        let mut dry = Delay::new(50.0, 0.5, 0.0).unwrap();
        dry.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        assert_eq!(dry.tail(), 0);
        let mut long = Delay::new(MAX_DELAY_MS, 0.99, 1.0).unwrap();
        long.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        assert_eq!(long.tail(), (MAX_TAIL_S * FS) as usize);
    }

    #[test]
    fn mix_zero_is_bit_exact_dry() {
        let x = test_signal(2, 30_000);
        let mut d = Delay::new(12.0, 0.8, 0.0).unwrap();
        d.set_low_cut_hz(200.0).unwrap();
        d.set_high_cut_hz(5000.0).unwrap();
        d.set_ping_pong(true);
        let (l, r) = run2(&mut d, &x[0], &x[1]);
        assert_eq!((&l, &r), (&x[0], &x[1]));
        assert_eq!(run(&mut d, &x[0]), x[0]);
    }

    /// Maximum feedback over 10 s of loud noise at the shortest delay, in
    /// every routing: finite and bounded.
    #[test]
    fn stable_at_maximum_feedback() {
        let max = Delay::FEEDBACK.max;
        for (low, pp) in [(0.0, false), (0.0, true), (1.0, false)] {
            let mut d = Delay::new(1.0, max, 1.0).unwrap();
            d.set_low_cut_hz(low).unwrap();
            d.set_ping_pong(pp);
            let x = noise(480_000, 1.0, 3);
            // Another noise on the right (the ping-pong input is the mono sum).
            let y: Vec<f32> = x.iter().rev().copied().collect();
            let (l, r) = run2(&mut d, &x, &y);
            let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(
                peak.is_finite() && peak > 1.0 && peak < 200.0,
                "low {low} ping-pong {pp}: {peak}"
            );
        }
    }

    #[test]
    fn invariants() {
        let make = || {
            let mut d = Delay::new(30.0, 0.6, 0.7).unwrap();
            d.set_high_cut_hz(6000.0).unwrap();
            d
        };
        let change = |d: &mut Delay| {
            d.set_delay_ms(37.3).unwrap();
            d.set_feedback(0.8).unwrap();
            d.set_low_cut_hz(150.0).unwrap();
            d.set_high_cut_hz(96_000.0).unwrap();
            d.set_ping_pong(true);
            d.set_mix(0.4).unwrap();
        };
        check_processor_invariants(make, 2, change);
        check_processor_invariants(make, 1, change);
        check_processor_invariants(make, 3, |d: &mut Delay| {
            d.set_sync(true);
            d.set_note(NoteValue::Sixteenth);
        });
    }
}
