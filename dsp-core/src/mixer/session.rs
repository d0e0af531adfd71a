//! The session as data (feature `serde`): tracks with their strip
//! settings, inserts (as presets), sends, output routing and automation; buses; the master.
//! Audio is not part of it: a loaded session is rendered with the caller's
//! audio per track. Strip settings are stored by parameter id and loaded
//! back through the parameter table, as presets are.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Bus, Mixer, Owner, Track};
use crate::params::DynProcessor;
use crate::preset::{self, Preset, PresetError, Value};

/// The session format version this library writes (and the newest it reads).
pub const SESSION_VERSION: u32 = 1;

/// A whole mixing session.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    /// Format version ([`SESSION_VERSION`] when written).
    pub version: u32,
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// The tracks, in order.
    #[serde(default)]
    pub tracks: Vec<TrackData>,
    /// The aux buses, in order.
    #[serde(default)]
    pub buses: Vec<BusData>,
    /// The master bus (its name is `master`).
    pub master: BusData,
}

/// A track's settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrackData {
    /// Unique name.
    pub name: String,
    /// Input channels (1 or 2).
    pub channels: usize,
    /// Strip parameters by id (missing ones take their defaults).
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// Insert chain members, in order.
    #[serde(default)]
    pub inserts: Vec<Preset>,
    /// Sends to aux buses.
    #[serde(default)]
    pub sends: Vec<SendData>,
    /// The aux bus the track's output is routed to (missing: the master).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Automated parameters.
    #[serde(default)]
    pub automation: Vec<LaneData>,
}

/// A send.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SendData {
    /// Destination bus name.
    pub bus: String,
    /// Level in dB.
    pub level_db: f64,
    /// Whether it taps before the fader.
    #[serde(default)]
    pub pre_fader: bool,
}

/// An aux bus's or the master's settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BusData {
    /// Unique name.
    pub name: String,
    /// Strip parameters by id.
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
    /// Insert chain members, in order.
    #[serde(default)]
    pub inserts: Vec<Preset>,
    /// Automated parameters.
    #[serde(default)]
    pub automation: Vec<LaneData>,
}

/// An automated parameter: its path and breakpoints.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LaneData {
    /// Parameter path relative to its owner (`gain_db`, `inserts.0.cutoff_hz`...).
    pub parameter: String,
    /// Breakpoint times in seconds.
    pub times_s: Vec<f64>,
    /// Breakpoint values.
    pub values: Vec<f64>,
}

fn strip_params(p: &dyn DynProcessor) -> BTreeMap<String, Value> {
    preset::save(p).params
}

fn members(chain: &crate::Chain) -> Vec<Preset> {
    preset::save(chain).members
}

impl Mixer {
    /// The session's settings as data (for JSON).
    pub fn to_session(&self) -> Session {
        let lanes = |owner: Owner| -> Vec<LaneData> {
            self.automation()
                .filter(|(o, ..)| *o == owner)
                .map(|(_, p, t, v)| LaneData {
                    parameter: p.to_string(),
                    times_s: t.to_vec(),
                    values: v.to_vec(),
                })
                .collect()
        };
        let bus = |b: &Bus, owner: Owner| BusData {
            name: b.name.clone(),
            params: strip_params(&b.strip),
            inserts: members(&b.inserts),
            automation: lanes(owner),
        };
        Session {
            version: SESSION_VERSION,
            sample_rate: self.sample_rate,
            tracks: self
                .tracks
                .iter()
                .enumerate()
                .map(|(i, t): (usize, &Track)| TrackData {
                    name: t.name.clone(),
                    channels: t.channels,
                    params: strip_params(&t.strip),
                    inserts: members(&t.inserts),
                    sends: t
                        .sends
                        .iter()
                        .map(|s| SendData {
                            bus: self.buses[s.bus].name.clone(),
                            level_db: s.level_db,
                            pre_fader: s.pre_fader,
                        })
                        .collect(),
                    output: t.output.map(|b| self.buses[b].name.clone()),
                    automation: lanes(Owner::Track(i)),
                })
                .collect(),
            buses: self.buses.iter().enumerate().map(|(i, b)| bus(b, Owner::Bus(i))).collect(),
            master: bus(&self.master, Owner::Master),
        }
    }

    /// A mixer made from `session`, prepared for blocks of `max_block`
    /// samples. Errors name the track, bus or parameter at fault.
    pub fn from_session(session: &Session, max_block: usize) -> Result<Self, PresetError> {
        if session.version > SESSION_VERSION {
            return Err(PresetError::new(format!(
                "session format version {} is newer than this library reads ({SESSION_VERSION})",
                session.version
            )));
        }
        let mut mx = Mixer::new(session.sample_rate, max_block)?;
        for b in &session.buses {
            mx.add_bus(&b.name).map_err(|e| PresetError::from(e).within(&b.name))?;
        }
        for t in &session.tracks {
            let at = |e: PresetError| e.within(&format!("track {:?}", t.name));
            let i = mx.add_track(&t.name, t.channels).map_err(|e| at(e.into()))?;
            let track = &mut mx.tracks[i];
            load_strip(&mut track.strip, &t.params).map_err(at)?;
            load_chain(&mut track.inserts, &t.inserts).map_err(at)?;
            for s in &t.sends {
                let b = mx.bus_index(&s.bus).ok_or_else(|| {
                    at(PresetError::new(format!("send to unknown bus {:?}", s.bus)))
                })?;
                mx.send(i, b, s.level_db, s.pre_fader).map_err(|e| at(e.into()))?;
            }
            if let Some(name) = &t.output {
                let b = mx.bus_index(name).ok_or_else(|| {
                    at(PresetError::new(format!("output to unknown bus {name:?}")))
                })?;
                mx.route(i, Some(b)).map_err(|e| at(e.into()))?;
            }
            load_lanes(&mut mx, Owner::Track(i), &t.automation).map_err(at)?;
        }
        for (i, b) in session.buses.iter().enumerate() {
            load_bus(&mut mx, Owner::Bus(i), b)?;
        }
        load_bus(&mut mx, Owner::Master, &session.master)?;
        mx.prepare()?;
        Ok(mx)
    }
}

fn load_strip(
    p: &mut dyn DynProcessor,
    params: &BTreeMap<String, Value>,
) -> Result<(), PresetError> {
    let mut preset = preset::save(p);
    preset.params = params.clone();
    preset::restore(p, &preset)
}

fn load_chain(chain: &mut crate::Chain, members: &[Preset]) -> Result<(), PresetError> {
    chain.load_members(members, &preset::load).map_err(|e| e.within("inserts"))
}

fn load_lanes(mx: &mut Mixer, owner: Owner, lanes: &[LaneData]) -> Result<(), PresetError> {
    for l in lanes {
        mx.automate(owner, &l.parameter, &l.times_s, &l.values)
            .map_err(|e| PresetError::from(e).within(&format!("automation {:?}", l.parameter)))?;
    }
    Ok(())
}

fn load_bus(mx: &mut Mixer, owner: Owner, data: &BusData) -> Result<(), PresetError> {
    let at = |e: PresetError| e.within(&format!("bus {:?}", data.name));
    let bus = match owner {
        Owner::Bus(i) => &mut mx.buses[i],
        _ => &mut mx.master,
    };
    load_strip(&mut bus.strip, &data.params).map_err(at)?;
    load_chain(&mut bus.inserts, &data.inserts).map_err(at)?;
    load_lanes(mx, owner, &data.automation).map_err(at)
}
