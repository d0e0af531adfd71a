//! A track: its input, insert chain, strip, direct path to the master and
//! sends to aux buses, each path with its own gain and compensation delay.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::latency::PathDelay;
use super::meter::Meter;
use super::strip::{FADER_MAX_DB, FADER_MIN_DB, TrackStrip};
use crate::chain::Chain;
use crate::error::Error;
use crate::math::db_to_gain;
use crate::params::ParamInfo;
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};

/// Declaration of a send's level (`sends.<bus>.level_db` in automation).
pub const SEND_LEVEL_DB: ParamInfo =
    ParamInfo::float("level_db", FADER_MIN_DB, FADER_MAX_DB, 0.0, "dB", "Send level in dB")
        .smoothed(DEFAULT_SMOOTHING_MS);

/// Where a track's audio comes from, block by block: the caller's arrays,
/// a file reader, a generator. Shared by the threads of a parallel render.
pub trait TrackSource: Sync {
    /// Fills `out` (the track's channels, all the same length) with the
    /// audio of `track` starting at sample `start`; zeros past its end.
    fn read(&self, track: usize, start: usize, out: &mut [&mut [f32]]);
}

/// Planar audio per track (`[track][channel][sample]`), zero past the end.
impl TrackSource for [&[&[f32]]] {
    fn read(&self, track: usize, start: usize, out: &mut [&mut [f32]]) {
        for (o, x) in out.iter_mut().zip(self[track].iter()) {
            let have = x.len().saturating_sub(start).min(o.len());
            if have > 0 {
                o[..have].copy_from_slice(&x[start..start + have]);
            }
            o[have..].fill(0.0);
        }
    }
}

/// One path out of a track or bus: a gain that glides and a compensation
/// delay, with its buffer of one span (see [`Mixer::render`](super::Mixer::render)).
#[derive(Debug, Clone)]
pub(crate) struct Path {
    gain: LinearSmoother,
    pub delay: PathDelay,
    pub buf: [Vec<f32>; 2],
}

impl Default for Path {
    /// Unity gain, no delay, no memory.
    fn default() -> Self {
        Self {
            gain: LinearSmoother::new(1.0),
            delay: PathDelay::default(),
            buf: Default::default(),
        }
    }
}

impl Path {
    /// Sizes the buffers for `span` samples and the delay memory for
    /// blocks of `block` (allocates).
    pub fn allocate(&mut self, block: usize, span: usize, delay_capacity: usize, sample_rate: f64) {
        self.buf = [vec![0.0; span], vec![0.0; span]];
        self.delay.allocate(delay_capacity, block);
        self.gain.set_ramp_ms(DEFAULT_SMOOTHING_MS, sample_rate);
    }

    /// Moves the gain's target (a new ramp only when it changes).
    pub fn target(&mut self, gain: f64) {
        if gain != self.gain.target() {
            self.gain.set_target(gain);
        }
    }

    /// Clears the delay and jumps the gain to its target.
    pub fn reset(&mut self) {
        self.delay.clear();
        self.gain.snap();
    }

    /// `buf[at..] = gain · (l, r)` (a block), then delayed.
    pub fn feed(&mut self, l: &[f32], r: &[f32], at: usize) {
        let n = l.len();
        let [bl, br] = &mut self.buf;
        let (bl, br) = (&mut bl[at..at + n], &mut br[at..at + n]);
        if self.gain.is_smoothing() {
            for (o, x) in [(&mut *bl, l), (&mut *br, r)] {
                let mut g = self.gain;
                o.iter_mut().zip(x).for_each(|(o, &x)| *o = x * g.next() as f32);
            }
            self.gain.advance(n);
        } else {
            let g = self.gain.current() as f32;
            for (o, x) in [(&mut *bl, l), (&mut *br, r)] {
                o.iter_mut().zip(x).for_each(|(o, &x)| *o = x * g);
            }
        }
        self.delay.process(bl, br);
    }

    /// Adds the path's last `n` samples into `acc`.
    pub fn add_into(&self, acc: &mut [Vec<f32>; 2], n: usize) {
        for (c, a) in acc.iter_mut().enumerate() {
            self.add_channel(c, &mut a[..n], n);
        }
    }

    /// Adds the last `n` samples of the path's channel `c` into `acc`.
    pub fn add_channel(&self, c: usize, acc: &mut [f32], n: usize) {
        acc[..n].iter_mut().zip(&self.buf[c][..n]).for_each(|(a, &b)| *a += b);
    }
}

/// A track's send to an aux bus.
#[derive(Debug, Clone)]
pub struct Send {
    pub(crate) bus: usize,
    pub(crate) level_db: f64,
    pub(crate) pre_fader: bool,
    pub(crate) path: Path,
}

impl Send {
    /// Index of the destination bus.
    pub fn bus(&self) -> usize {
        self.bus
    }

    /// Send level in dB.
    pub fn level_db(&self) -> f64 {
        self.level_db
    }

    /// Whether the send taps the signal before the fader (after the pan).
    pub fn pre_fader(&self) -> bool {
        self.pre_fader
    }
}

/// A mixer track: mono or stereo input, insert chain (run on the input's
/// channels: a mono track stays mono until its pan), strip, sends.
#[derive(Debug)]
pub struct Track {
    pub(crate) name: String,
    pub(crate) channels: usize,
    pub(crate) strip: TrackStrip,
    pub(crate) inserts: Chain,
    pub(crate) sends: Vec<Send>,
    /// The bus the direct path goes to (`None`: the master).
    pub(crate) output: Option<usize>,
    pub(crate) direct: Path,
    /// Insert latency when the plan was last made.
    pub(crate) latency: usize,
    pre: [Vec<f32>; 2],
    pub(crate) meter: Meter,
}

impl Track {
    pub(crate) fn new(name: &str, channels: usize) -> Result<Self, Error> {
        Ok(Self {
            name: name.into(),
            channels,
            strip: TrackStrip::new(channels)?,
            inserts: Chain::new(),
            sends: Vec::new(),
            output: None,
            direct: Path::default(),
            latency: 0,
            pre: Default::default(),
            meter: Meter::default(),
        })
    }

    /// The track's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Input channels: 1 (mono) or 2.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The strip (fader, pan, width, mute, solo, polarity).
    pub fn strip(&self) -> &TrackStrip {
        &self.strip
    }

    /// The strip, to change its settings (they glide while playing).
    pub fn strip_mut(&mut self) -> &mut TrackStrip {
        &mut self.strip
    }

    /// The insert chain.
    pub fn inserts(&self) -> &Chain {
        &self.inserts
    }

    /// The insert chain, to change it; after adding or removing members,
    /// call [`Mixer::prepare`](super::Mixer::prepare) again.
    pub fn inserts_mut(&mut self) -> &mut Chain {
        &mut self.inserts
    }

    /// The sends, in the order they were made.
    pub fn sends(&self) -> &[Send] {
        &self.sends
    }

    /// The aux bus the track's output goes to, or `None` for the master
    /// (see [`Mixer::route`](super::Mixer::route)).
    pub fn output(&self) -> Option<usize> {
        self.output
    }

    /// The track's meter (post-fader, stereo), if metering is on.
    pub fn meter(&self) -> Option<&crate::analysis::LoudnessMeter> {
        self.meter.get()
    }

    /// Sizes buffers, delays and the chain for blocks of `block` samples,
    /// run `span` samples at a time.
    pub(crate) fn prepare(
        &mut self,
        sample_rate: f64,
        block: usize,
        span: usize,
        delay_capacity: usize,
        metering: bool,
    ) -> Result<(), Error> {
        use crate::params::DynProcessor;
        if self.inserts.route(self.channels)? != self.channels {
            return Err(Error::InvalidChannelCount { channels: self.channels });
        }
        let spec = crate::spec::ProcessSpec::new(sample_rate, block, self.channels);
        self.inserts.prepare(&spec)?;
        self.strip.prepare(&crate::spec::ProcessSpec { channels: 2, ..spec })?;
        self.pre = [vec![0.0; block], vec![0.0; block]];
        self.direct.allocate(block, span, delay_capacity, sample_rate);
        for s in &mut self.sends {
            s.path.allocate(block, span, delay_capacity, sample_rate);
        }
        self.meter.prepare(sample_rate, metering)
    }

    /// Clears all signal state. Never allocates.
    pub(crate) fn reset(&mut self) {
        self.inserts.reset();
        self.strip.reset();
        self.direct.reset();
        self.sends.iter_mut().for_each(|s| s.path.reset());
        self.meter.reset();
    }

    /// Moves the path gains' targets: the direct path is heard unless
    /// muted or silenced by a solo elsewhere (it is heard while the bus it
    /// is routed to is soloed); a send also while its bus is soloed.
    pub(crate) fn update_gains(&mut self, any_solo: bool, bus_solo: &[bool]) {
        let fader = db_to_gain(self.strip.gain_db());
        let on = !self.strip.mute();
        let routed_solo = self.output.is_some_and(|b| bus_solo[b]);
        let heard = on && (!any_solo || self.strip.solo() || routed_solo);
        self.direct.target(if heard { fader } else { 0.0 });
        for s in &mut self.sends {
            let heard = on && (!any_solo || self.strip.solo() || bus_solo[s.bus]);
            let g = db_to_gain(s.level_db) * if s.pre_fader { 1.0 } else { fader };
            s.path.target(if heard { g } else { 0.0 });
        }
    }

    /// Runs `n` samples (at most a span) read from `source` at `start`,
    /// block by block: inserts, strip, then every path into its buffer.
    /// Never allocates.
    pub(crate) fn run<S: TrackSource + ?Sized>(
        &mut self,
        index: usize,
        source: &S,
        start: usize,
        n: usize,
    ) {
        for (at, m) in blocks(n, self.pre[0].len()) {
            self.run_block(index, source, start + at, at, m);
        }
    }

    /// [`run`](Self::run) for one block of `n` samples, into the paths'
    /// buffers at `at`.
    fn run_block<S: TrackSource + ?Sized>(
        &mut self,
        index: usize,
        source: &S,
        start: usize,
        at: usize,
        n: usize,
    ) {
        let [l, r] = &mut self.pre;
        let (l, r) = (&mut l[..n], &mut r[..n]);
        if self.channels == 1 {
            source.read(index, start, &mut [&mut *l]);
            self.inserts.process(&mut [&mut *l]);
            r.copy_from_slice(l);
        } else {
            source.read(index, start, &mut [&mut *l, &mut *r]);
            self.inserts.process(&mut [&mut *l, &mut *r]);
        }
        self.strip.process_pre_fader(l, r);
        self.direct.feed(l, r, at);
        for s in &mut self.sends {
            s.path.feed(l, r, at);
        }
        // The meter reads the post-fader signal before its delay; the
        // direct path's delay only shifts it.
        self.meter.add(&self.direct.buf, at, n);
    }
}

/// `(offset, length)` of the blocks of at most `block` samples that make
/// up `n`.
pub(crate) fn blocks(n: usize, block: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).step_by(block.max(1)).map(move |at| (at, block.min(n - at)))
}
