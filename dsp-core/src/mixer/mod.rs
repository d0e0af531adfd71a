//! The multitrack mixer: tracks and aux buses summed into a master bus,
//! with sends, automatic latency compensation, automation, meters, and
//! offline rendering in blocks (tracks in parallel with feature `std`).
//!
//! # Signal flow
//!
//! Each [`Track`] takes mono or stereo input and runs it through its insert
//! [`Chain`] on its own channels (a mono track stays mono), then its
//! [`TrackStrip`]: polarity, width (stereo sources), pan (mono sources are
//! placed by the pan law) and fader. From there the direct path goes to the
//! master bus, or at unity to the aux [`Bus`] the track is routed to
//! ([`Mixer::route`]: a group bus), and each [`Send`] to an aux bus, before
//! the fader (after the pan) or after it, at its own level. Aux buses run
//! their own chains (a shared reverb, a delay, a group's compressor) and
//! faders and return into the master bus, whose chain and fader give the
//! output. Buses do not feed buses.
//!
//! Mute silences a track and its sends. While any track or bus is soloed,
//! only soloed tracks are heard directly; a non-soloed track still feeds a
//! soloed bus (sends, and the direct path of a track routed to it); an aux
//! bus is heard if soloed, solo-safe (the default, so a soloed track keeps
//! its reverb) or routed to by a soloed track.
//!
//! Latency is compensated on every path (see [`latency`](self#latency)):
//! [`Mixer::latency`] reports the total, and [`Mixer::render`] removes it.
//!
//! # Use
//!
//! ```
//! use dsp_core::mixer::{Mixer, Owner};
//! let mut mx = Mixer::new(48_000.0, 1024).unwrap();
//! let vox = mx.add_track("vox", 1).unwrap();
//! let verb = mx.add_bus("verb").unwrap();
//! mx.send(vox, verb, -12.0, false).unwrap();
//! mx.set_param(Owner::Track(vox), "pan", -0.2).unwrap();
//! mx.automate(Owner::Track(vox), "gain_db", &[1.0, 2.0], &[0.0, -6.0]).unwrap();
//! mx.prepare().unwrap();
//! let x = vec![0.1f32; 48_000 * 3];
//! let mut out = [Vec::new(), Vec::new()];
//! mx.render(&[&[&x[..]][..]][..], x.len(), false, |block: &[&[f32]]| {
//!     out[0].extend_from_slice(block[0]);
//!     out[1].extend_from_slice(block[1]);
//!     Ok::<(), dsp_core::Error>(())
//! })
//! .unwrap();
//! assert_eq!(out[0].len(), x.len());
//! ```
//!
//! # Latency
//!
//! Every bus aligns its inputs to the largest insert latency among the
//! tracks sending or routed to it, and the master aligns direct paths and bus returns
//! to the largest arrival time, by delaying the earlier ones; delay memory
//! is sized at [`Mixer::prepare`] with 50 ms to spare, so a latency that
//! changes while playing is followed without allocating (and clamped to
//! that bound).

mod automation;
mod balance;
mod bus;
mod latency;
mod meter;
mod render;
#[cfg(feature = "serde")]
mod session;
mod strip;
#[cfg(test)]
mod tests;
mod track;

use alloc::vec::Vec;

pub use automation::{AUTOMATION_STEP, Owner};
pub use bus::Bus;
pub use render::PARALLEL_SPAN;
#[cfg(feature = "serde")]
pub use session::{BusData, LaneData, SESSION_VERSION, SendData, Session, TrackData};
pub use strip::{
    BUS_STRIP_KIND, BusStrip, FADER_MAX_DB, FADER_MIN_DB, TRACK_STRIP_KIND, TrackStrip,
};
pub use track::{SEND_LEVEL_DB, Send, Track, TrackSource};

use automation::{Lane, Point};
use latency::Plan;
use track::Path;

use crate::chain::Chain;
use crate::error::Error;
use crate::params::{Declared, KindInfo, ParamType, Params};
use crate::spec::ProcessSpec;

/// A mixing session: tracks, aux buses, the master bus, sends and
/// automation. See the [module docs](self).
///
/// Structure (tracks, buses, sends, insert chains) changes between
/// [`prepare`](Self::prepare) calls; parameters (strips, send levels,
/// insert parameters) change at any time and glide.
#[derive(Debug)]
pub struct Mixer {
    sample_rate: f64,
    max_block: usize,
    tracks: Vec<Track>,
    buses: Vec<Bus>,
    master: Bus,
    lanes: Vec<Lane>,
    plan: Plan,
    bus_solo: Vec<bool>,
    /// Position of the next sample on the session's clock.
    position: usize,
    prepared: bool,
    metering: bool,
    #[cfg(feature = "std")]
    pool: Option<rayon::ThreadPool>,
}

impl Mixer {
    /// An empty session at `sample_rate` Hz processing blocks of at most
    /// `max_block` samples (the offline render's block size too).
    pub fn new(sample_rate: f64, max_block: usize) -> Result<Self, Error> {
        ProcessSpec::new(sample_rate, max_block, 2).validate()?;
        Ok(Self {
            sample_rate,
            max_block,
            tracks: Vec::new(),
            buses: Vec::new(),
            master: Bus::new("master"),
            lanes: Vec::new(),
            plan: Plan::default(),
            bus_solo: Vec::new(),
            position: 0,
            prepared: false,
            metering: true,
            #[cfg(feature = "std")]
            pool: None,
        })
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Largest block [`process`](Self::process) handles at once.
    pub fn max_block(&self) -> usize {
        self.max_block
    }

    /// Adds a track with `channels` input channels (1 or 2) and returns its
    /// index. Names are unique among tracks.
    pub fn add_track(&mut self, name: &str, channels: usize) -> Result<usize, Error> {
        if self.track_index(name).is_some() {
            return Err(Error::InvalidParameter {
                name: "name",
                reason: "a track of this name exists",
            });
        }
        if !(1..=2).contains(&channels) {
            return Err(Error::InvalidChannelCount { channels });
        }
        self.tracks.push(Track::new(name, channels)?);
        self.prepared = false;
        Ok(self.tracks.len() - 1)
    }

    /// Adds a stereo aux bus and returns its index. Names are unique among
    /// buses.
    pub fn add_bus(&mut self, name: &str) -> Result<usize, Error> {
        if self.bus_index(name).is_some() {
            return Err(Error::InvalidParameter {
                name: "name",
                reason: "a bus of this name exists",
            });
        }
        self.buses.push(Bus::new(name));
        self.prepared = false;
        Ok(self.buses.len() - 1)
    }

    /// Sends track `track` to bus `bus` at `level_db` (-150 to +24 dB),
    /// before or after the fader; replaces an existing send to that bus.
    /// Returns the send's index on the track.
    pub fn send(
        &mut self,
        track: usize,
        bus: usize,
        level_db: f64,
        pre_fader: bool,
    ) -> Result<usize, Error> {
        SEND_LEVEL_DB.check(level_db)?;
        if bus >= self.buses.len() {
            return Err(no_such("bus"));
        }
        let t = self.tracks.get_mut(track).ok_or(no_such("track"))?;
        let send = Send { bus, level_db, pre_fader, path: Path::default() };
        let i = match t.sends.iter().position(|s| s.bus == bus) {
            Some(i) => {
                t.sends[i] = send;
                i
            }
            None => {
                t.sends.push(send);
                t.sends.len() - 1
            }
        };
        self.prepared = false;
        Ok(i)
    }

    /// Routes track `track`'s output (its post-fader direct path) to aux
    /// bus `bus` at unity, or back to the master with `None`; a routed
    /// track reaches the master only through that bus (group buses).
    pub fn route(&mut self, track: usize, bus: Option<usize>) -> Result<(), Error> {
        if bus.is_some_and(|b| b >= self.buses.len()) {
            return Err(no_such("bus"));
        }
        self.tracks.get_mut(track).ok_or(no_such("track"))?.output = bus;
        self.prepared = false;
        Ok(())
    }

    /// Number of tracks.
    pub fn track_count(&self) -> usize {
        self.tracks.len()
    }

    /// Number of aux buses.
    pub fn bus_count(&self) -> usize {
        self.buses.len()
    }

    /// Index of the track called `name`.
    pub fn track_index(&self, name: &str) -> Option<usize> {
        self.tracks.iter().position(|t| t.name == name)
    }

    /// Index of the bus called `name`.
    pub fn bus_index(&self, name: &str) -> Option<usize> {
        self.buses.iter().position(|b| b.name == name)
    }

    /// Track `index`.
    pub fn track(&self, index: usize) -> Option<&Track> {
        self.tracks.get(index)
    }

    /// Track `index`, to change its strip or inserts.
    pub fn track_mut(&mut self, index: usize) -> Option<&mut Track> {
        self.tracks.get_mut(index)
    }

    /// Aux bus `index`.
    pub fn bus(&self, index: usize) -> Option<&Bus> {
        self.buses.get(index)
    }

    /// Aux bus `index`, to change its strip or inserts.
    pub fn bus_mut(&mut self, index: usize) -> Option<&mut Bus> {
        self.buses.get_mut(index)
    }

    /// The master bus.
    pub fn master(&self) -> &Bus {
        &self.master
    }

    /// The master bus, to change its strip or inserts.
    pub fn master_mut(&mut self) -> &mut Bus {
        &mut self.master
    }

    /// Turns per-track and per-bus meters on (the default) or off (faster);
    /// takes effect at the next [`prepare`](Self::prepare).
    pub fn set_metering(&mut self, on: bool) {
        self.metering = on;
        self.prepared = false;
    }

    /// Whether meters are on.
    pub fn metering(&self) -> bool {
        self.metering
    }

    /// Sizes everything for the current structure (allocates) and resets.
    /// Call after adding tracks, buses, sends or insert members; a member
    /// that cannot run on its track's channels (a stereo-only effect on a
    /// mono track) or at this sample rate is reported here.
    pub fn prepare(&mut self) -> Result<(), Error> {
        let (sr, block, span) = (self.sample_rate, self.max_block, self.span());
        let spare = libm::ceil(latency::HEADROOM_S * sr) as usize;
        self.refresh_latencies();
        self.update_plan();
        let m = self.plan.master_align;
        let cap = m + spare;
        for t in &mut self.tracks {
            t.prepare(sr, block, span, cap, self.metering)?;
        }
        for b in &mut self.buses {
            b.prepare(sr, block, span, cap, self.metering)?;
        }
        self.master.prepare(sr, block, span, 0, self.metering)?;
        self.bus_solo.resize(self.buses.len(), false);
        self.refresh_latencies();
        self.update_plan();
        self.apply_plan();
        self.prepared = true;
        self.reset();
        Ok(())
    }

    /// Clears all signal state and meters and rewinds the automation clock
    /// to 0. Never allocates.
    pub fn reset(&mut self) {
        self.position = 0;
        if self.prepared {
            // Parameters first, so that every smoother then rests on them.
            self.apply_automation(0);
            self.update_gains();
        }
        self.tracks.iter_mut().for_each(Track::reset);
        self.buses.iter_mut().for_each(Bus::reset);
        self.master.reset();
    }

    /// Total latency in samples: the aligned paths plus the master chain.
    pub fn latency(&self) -> usize {
        use crate::processor::Processor;
        self.plan.master_align + self.master.inserts.latency()
    }

    /// Samples of output that may follow the end of the input: the longest
    /// track chain tail plus the longest bus tail plus the master's.
    pub fn tail(&self) -> usize {
        use crate::processor::Processor;
        let t = self.tracks.iter().map(|t| t.inserts.tail()).max().unwrap_or(0);
        let b = self.buses.iter().map(|b| b.inserts.tail()).max().unwrap_or(0);
        t + b + self.master.inserts.tail()
    }

    /// Sets a parameter by its path: a strip parameter's id (`gain_db`,
    /// `pan`, `width`, `mute`...), `inserts.<position>.<id>` (position in the
    /// owner's chain, from 0), or (tracks) `sends.<bus name>.level_db`.
    pub fn set_param(&mut self, owner: Owner, path: &str, value: f64) -> Result<(), Error> {
        let point = self.resolve(owner, path)?;
        self.write(owner, point, value)
    }

    /// The value of a parameter by its path.
    pub fn param(&mut self, owner: Owner, path: &str) -> Result<f64, Error> {
        let point = self.resolve(owner, path)?;
        Ok(match (owner, point) {
            (Owner::Track(t), Point::Strip(i)) => self.tracks[t].strip.param(i),
            (Owner::Track(t), Point::Send(s)) => Some(self.tracks[t].sends[s].level_db),
            (_, Point::Strip(i)) => self.bus_ref(owner)?.strip.param(i),
            (_, Point::Insert { slot, param }) => {
                self.chain_mut(owner)?.get_mut(slot).and_then(|p| p.param(param))
            }
            _ => None,
        }
        .unwrap_or(f64::NAN))
    }

    /// Automates a parameter (path as for [`set_param`](Self::set_param))
    /// with breakpoints `times_s` (seconds, non-decreasing) and `values`,
    /// replacing any earlier automation of it. Float parameters follow
    /// straight lines between breakpoints (re-targeted every
    /// [`AUTOMATION_STEP`] samples, then smoothed); switches and choices hold
    /// each breakpoint's value until the next. The first value holds before
    /// the first breakpoint, the last after the last. A breakpoint at `t`
    /// seconds applies from the first sample at or after `t · sample_rate` of
    /// the input's timeline (latency compensation shifts it with the audio).
    pub fn automate(
        &mut self,
        owner: Owner,
        path: &str,
        times_s: &[f64],
        values: &[f64],
    ) -> Result<(), Error> {
        let point = self.resolve(owner, path)?;
        let info = self.info(owner, point)?;
        let stepped = info.ty != ParamType::Float;
        let lane =
            Lane::new(owner, point, path, times_s, values, self.sample_rate, stepped, |v| {
                info.check(v)
            })?;
        self.lanes.retain(|l| !(l.owner == owner && l.point == point));
        self.lanes.push(lane);
        if self.prepared {
            self.apply_automation(self.position);
        }
        Ok(())
    }

    /// Removes the automation of a parameter (keeping its current value).
    pub fn clear_automation(&mut self, owner: Owner, path: &str) -> Result<(), Error> {
        let point = self.resolve(owner, path)?;
        self.lanes.retain(|l| !(l.owner == owner && l.point == point));
        Ok(())
    }

    /// The automated parameters, as `(owner, path, times_s, values)`.
    pub fn automation(&self) -> impl Iterator<Item = (Owner, &str, &[f64], &[f64])> {
        self.lanes.iter().map(|l| (l.owner, l.path.as_str(), &l.times_s[..], &l.values[..]))
    }

    /// Uses `threads` threads for the tracks (1: none). Output is bit-identical
    /// whatever the count. Meant for offline rendering: the thread pool is
    /// made here, and handing work to it may allocate.
    #[cfg(feature = "std")]
    pub fn set_threads(&mut self, threads: usize) -> Result<(), Error> {
        self.pool = match threads {
            0 => {
                return Err(Error::InvalidParameter {
                    name: "threads",
                    reason: "must be at least 1",
                });
            }
            1 => None,
            n => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(|_| {
                Error::InvalidParameter { name: "threads", reason: "could not start the threads" }
            })?),
        };
        Ok(())
    }

    /// Threads used for the tracks.
    #[cfg(feature = "std")]
    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(1, |p| p.current_num_threads())
    }

    fn bus_ref(&self, owner: Owner) -> Result<&Bus, Error> {
        match owner {
            Owner::Track(_) => Err(no_such("bus")),
            Owner::Bus(b) => self.buses.get(b).ok_or(no_such("bus")),
            Owner::Master => Ok(&self.master),
        }
    }

    fn chain_mut(&mut self, owner: Owner) -> Result<&mut Chain, Error> {
        Ok(match owner {
            Owner::Track(t) => &mut self.tracks.get_mut(t).ok_or(no_such("track"))?.inserts,
            Owner::Bus(b) => &mut self.buses.get_mut(b).ok_or(no_such("bus"))?.inserts,
            Owner::Master => &mut self.master.inserts,
        })
    }

    /// Parses a parameter path of `owner`.
    fn resolve(&mut self, owner: Owner, path: &str) -> Result<Point, Error> {
        let strip_kind: &'static KindInfo = match owner {
            Owner::Track(t) => {
                self.tracks.get(t).ok_or(no_such("track"))?;
                TrackStrip::KIND
            }
            Owner::Bus(_) | Owner::Master => {
                self.bus_ref(owner)?;
                BusStrip::KIND
            }
        };
        let bad = Error::UnknownName {
            kind: "parameter path (a strip parameter such as gain_db, \
                   inserts.<position>.<parameter id>, or sends.<bus name>.level_db)",
        };
        if let Some(rest) = path.strip_prefix("inserts.") {
            let (slot, id) = rest.split_once('.').ok_or(bad)?;
            let slot: usize = slot.parse().map_err(|_| bad)?;
            let member = self.chain_mut(owner)?.get_mut(slot).ok_or(Error::InvalidParameter {
                name: "inserts",
                reason: "no insert at this position",
            })?;
            let param = member.kind().index_of(id)?;
            return Ok(Point::Insert { slot, param });
        }
        if let Some(rest) = path.strip_prefix("sends.") {
            let Owner::Track(t) = owner else { return Err(bad) };
            let (bus, id) = rest.rsplit_once('.').ok_or(bad)?;
            if id != SEND_LEVEL_DB.id {
                return Err(bad);
            }
            let b = self.bus_index(bus).ok_or(no_such("bus"))?;
            let s = self.tracks[t].sends.iter().position(|s| s.bus == b).ok_or(
                Error::InvalidParameter {
                    name: "sends",
                    reason: "the track has no send to this bus",
                },
            )?;
            return Ok(Point::Send(s));
        }
        Ok(Point::Strip(strip_kind.index_of(path)?))
    }

    /// The declaration of the parameter at `point`.
    fn info(&mut self, owner: Owner, point: Point) -> Result<&'static crate::ParamInfo, Error> {
        Ok(match point {
            Point::Strip(i) => match owner {
                Owner::Track(_) => &TrackStrip::KIND.params[i],
                _ => &BusStrip::KIND.params[i],
            },
            Point::Send(_) => &SEND_LEVEL_DB,
            Point::Insert { slot, param } => {
                let kind = self.chain_mut(owner)?.get_mut(slot).ok_or(no_such("insert"))?.kind();
                &kind.params[param]
            }
        })
    }

    /// Writes a value at `point` (checked by the declaration). Never
    /// allocates.
    fn write(&mut self, owner: Owner, point: Point, value: f64) -> Result<(), Error> {
        match (owner, point) {
            (Owner::Track(t), Point::Strip(i)) => {
                self.tracks.get_mut(t).ok_or(no_such("track"))?.strip.set_param(i, value)
            }
            (Owner::Track(t), Point::Send(s)) => {
                let send = self
                    .tracks
                    .get_mut(t)
                    .and_then(|t| t.sends.get_mut(s))
                    .ok_or(no_such("send"))?;
                send.level_db = SEND_LEVEL_DB.check(value)?;
                Ok(())
            }
            (Owner::Bus(b), Point::Strip(i)) => {
                self.buses.get_mut(b).ok_or(no_such("bus"))?.strip.set_param(i, value)
            }
            (Owner::Master, Point::Strip(i)) => self.master.strip.set_param(i, value),
            (_, Point::Insert { slot, param }) => self
                .chain_mut(owner)?
                .get_mut(slot)
                .ok_or(no_such("insert"))?
                .set_param(param, value),
            (_, Point::Send(_)) => Err(no_such("send")),
        }
    }

    /// Re-reads every chain's latency into the tracks.
    fn refresh_latencies(&mut self) -> bool {
        use crate::processor::Processor;
        let mut changed = false;
        for t in &mut self.tracks {
            let l = t.inserts.latency();
            changed |= l != t.latency;
            t.latency = l;
        }
        changed
    }

    fn update_plan(&mut self) {
        use crate::processor::Processor;
        let tracks =
            self.tracks.iter().map(|t| (t.latency, t.sends.iter().map(|s| s.bus).chain(t.output)));
        let buses = self.buses.iter().map(|b| b.inserts.latency());
        self.plan.update(tracks, buses);
    }

    /// Sets every path's delay from the plan. Never allocates.
    fn apply_plan(&mut self) {
        use crate::processor::Processor;
        let m = self.plan.master_align;
        for t in &mut self.tracks {
            let to = t.output.map_or(m, |b| self.plan.bus_align[b]);
            t.direct.delay.set_delay(to - t.latency);
            for s in &mut t.sends {
                s.path.delay.set_delay(self.plan.bus_align[s.bus] - t.latency);
            }
        }
        for (b, a) in self.buses.iter_mut().zip(&self.plan.bus_align) {
            b.ret.delay.set_delay(m - a - b.inserts.latency());
        }
    }

    /// Latency of the signal at a lane's parameter: how far its lane is
    /// shifted on the processing clock.
    fn lane_offset(&self, lane: &Lane) -> usize {
        use crate::processor::Processor;
        match (lane.owner, lane.point) {
            (Owner::Track(_), Point::Insert { .. }) => 0,
            (Owner::Track(t), _) => self.tracks[t].latency,
            (Owner::Bus(b), Point::Insert { .. }) => self.plan.bus_align[b],
            (Owner::Bus(b), _) => self.plan.bus_align[b] + self.buses[b].inserts.latency(),
            (Owner::Master, Point::Insert { .. }) => self.plan.master_align,
            (Owner::Master, _) => self.latency(),
        }
    }

    /// Sets every automated parameter to its value at clock `pos`.
    fn apply_automation(&mut self, pos: usize) {
        for i in 0..self.lanes.len() {
            let lane = &self.lanes[i];
            let v = match pos.checked_sub(self.lane_offset(lane)) {
                Some(local) => lane.value_at_sample(local),
                None => lane.values[0],
            };
            let (owner, point) = (lane.owner, lane.point);
            if self.read(owner, point) != Some(v) {
                // Values were checked when the lane was made; a lane whose
                // insert has since gone is skipped.
                let _ = self.write(owner, point, v);
            }
        }
    }

    fn read(&mut self, owner: Owner, point: Point) -> Option<f64> {
        match (owner, point) {
            (Owner::Track(t), Point::Strip(i)) => self.tracks.get(t)?.strip.param(i),
            (Owner::Track(t), Point::Send(s)) => Some(self.tracks.get(t)?.sends.get(s)?.level_db),
            (_, Point::Strip(i)) => self.bus_ref(owner).ok()?.strip.param(i),
            (_, Point::Insert { slot, param }) => {
                self.chain_mut(owner).ok()?.get_mut(slot)?.param(param)
            }
            _ => None,
        }
    }

    /// The next clock position after `pos` where some lane must be applied.
    fn next_automation(&self, pos: usize) -> Option<usize> {
        self.lanes
            .iter()
            .filter_map(|l| {
                let off = self.lane_offset(l);
                let local = pos.checked_sub(off);
                match local {
                    Some(p) => l.next_change(p).map(|n| n + off),
                    // Before the lane's clock starts: its first breakpoint.
                    None => l.next_change(0).map(|n| n + off),
                }
            })
            .min()
    }

    /// Moves every path's gain target from the strips and the solo state.
    fn update_gains(&mut self) {
        let any_solo =
            self.tracks.iter().any(|t| t.strip.solo()) || self.buses.iter().any(|b| b.strip.solo());
        for (s, b) in self.bus_solo.iter_mut().zip(&self.buses) {
            *s = b.strip.solo();
        }
        for t in &mut self.tracks {
            t.update_gains(any_solo, &self.bus_solo);
        }
        for (i, b) in self.buses.iter_mut().enumerate() {
            // A bus a soloed track is routed to stays audible.
            let fed = self.tracks.iter().any(|t| t.output == Some(i) && t.strip.solo());
            b.strip.update(any_solo && !fed);
        }
        self.master.strip.update(false);
    }
}

/// The error for an index or name that names nothing.
fn no_such(what: &'static str) -> Error {
    Error::InvalidParameter { name: what, reason: "no such index or name in this mixer" }
}
