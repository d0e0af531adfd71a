//! Automation: breakpoints in seconds, linear between them, applied at the
//! sample they fall on.
//!
//! A lane is addressed by its owner (a track, a bus or the master) and a
//! parameter path relative to it:
//!
//! - a strip parameter by its id: `gain_db`, `pan`, `width`, `mute`...
//!   (see [`TrackStrip`](super::TrackStrip) and [`BusStrip`](super::BusStrip));
//! - an insert's parameter as `inserts.<position>.<id>`, e.g.
//!   `inserts.0.cutoff_hz` (position in the owner's chain, from 0);
//! - a track's send level as `sends.<bus name>.level_db`.
//!
//! Float parameters follow straight lines between breakpoints, re-targeted
//! every [`AUTOMATION_STEP`] samples so that the parameter's own smoother
//! glides along them; switches and choices hold each breakpoint's value
//! until the next. Before the first breakpoint the first value holds, after
//! the last the last. A breakpoint at `t` seconds takes effect at the first
//! sample at or after `t · sample_rate` of the session's timeline (the
//! input audio's time: the mixer shifts each lane by the latency of the
//! signal at its parameter, so that automation stays on its audio when
//! latency is compensated).

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Error;

/// Samples between re-targets along a ramp.
pub const AUTOMATION_STEP: usize = 32;

/// What a lane's owner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Track `index`.
    Track(usize),
    /// Aux bus `index`.
    Bus(usize),
    /// The master bus.
    Master,
}

/// Where within its owner a lane writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Point {
    /// The strip's parameter `index`.
    Strip(usize),
    /// Parameter `param` of the insert at `slot`.
    Insert { slot: usize, param: usize },
    /// The level of the owner track's send `index`.
    Send(usize),
}

/// One automated parameter.
#[derive(Debug, Clone)]
pub(crate) struct Lane {
    pub owner: Owner,
    pub point: Point,
    /// The parameter path as given (saved with the session).
    pub path: String,
    pub times_s: Vec<f64>,
    pub values: Vec<f64>,
    /// Breakpoint times in samples.
    positions: Vec<f64>,
    /// Holds values between breakpoints instead of ramping.
    stepped: bool,
}

impl Lane {
    /// A lane after checking its breakpoints: as many times as values, at
    /// least one, times finite, non-negative and non-decreasing; every
    /// value passes `check`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        owner: Owner,
        point: Point,
        path: &str,
        times_s: &[f64],
        values: &[f64],
        sample_rate: f64,
        stepped: bool,
        check: impl Fn(f64) -> Result<f64, Error>,
    ) -> Result<Self, Error> {
        if times_s.len() != values.len() {
            return Err(Error::LengthMismatch { expected: times_s.len(), actual: values.len() });
        }
        if times_s.is_empty() {
            return Err(Error::EmptyInput);
        }
        if !times_s.iter().all(|t| t.is_finite() && *t >= 0.0)
            || times_s.windows(2).any(|w| w[1] < w[0])
        {
            return Err(Error::InvalidParameter {
                name: "times_s",
                reason: "must be finite, non-negative and in non-decreasing order",
            });
        }
        for &v in values {
            check(v)?;
        }
        Ok(Self {
            owner,
            point,
            path: path.into(),
            times_s: times_s.to_vec(),
            values: values.to_vec(),
            positions: times_s.iter().map(|t| t * sample_rate).collect(),
            stepped,
        })
    }

    /// The value at sample `pos` of the session's timeline.
    pub fn value_at(&self, pos: f64) -> f64 {
        let p = &self.positions;
        // Index of the last breakpoint at or before `pos`.
        let i = p.partition_point(|&t| t <= pos);
        if i == 0 {
            return self.values[0];
        }
        let i = i - 1;
        if i + 1 == p.len() || self.stepped {
            return self.values[i];
        }
        let (t0, t1, v0, v1) = (p[i], p[i + 1], self.values[i], self.values[i + 1]);
        if t1 <= t0 { v1 } else { v0 + (v1 - v0) * (pos - t0) / (t1 - t0) }
    }

    /// The value applied at sample `pos` (timeline): along a ramp, the
    /// value at the last re-target point (a multiple of [`AUTOMATION_STEP`]
    /// or the ramp's start), so that where blocks are cut never matters.
    pub fn value_at_sample(&self, pos: usize) -> f64 {
        let p = &self.positions;
        let i = p.partition_point(|&t| t <= pos as f64);
        if self.ramping(i) {
            let start = libm::ceil(p[i - 1]) as usize;
            return self.value_at((pos / AUTOMATION_STEP * AUTOMATION_STEP).max(start) as f64);
        }
        self.value_at(pos as f64)
    }

    /// Whether the segment before breakpoint `i` ramps.
    fn ramping(&self, i: usize) -> bool {
        !self.stepped && i > 0 && i < self.positions.len() && self.values[i - 1] != self.values[i]
    }

    /// The first sample after `pos` (timeline) at which the value must be
    /// applied again, if any.
    pub fn next_change(&self, pos: usize) -> Option<usize> {
        let x = pos as f64;
        let p = &self.positions;
        let i = p.partition_point(|&t| t <= x);
        let next_bp = p.get(i).map(|&t| libm::ceil(t) as usize);
        if self.ramping(i) {
            let step = (pos / AUTOMATION_STEP + 1) * AUTOMATION_STEP;
            Some(next_bp.map_or(step, |b| b.min(step)))
        } else {
            next_bp
        }
        .map(|n| n.max(pos + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(times: &[f64], values: &[f64], stepped: bool) -> Lane {
        Lane::new(Owner::Master, Point::Strip(0), "gain_db", times, values, 10.0, stepped, Ok)
            .unwrap()
    }

    #[test]
    fn values_are_linear_between_breakpoints_and_held_outside() {
        let l = lane(&[1.0, 2.0, 2.0, 3.0], &[0.0, 10.0, -5.0, -5.0], false);
        assert_eq!(l.value_at(0.0), 0.0);
        assert_eq!(l.value_at(15.0), 5.0);
        assert_eq!(l.value_at(20.0), -5.0); // a jump at 2 s lands on sample 20
        assert_eq!(l.value_at(19.0), 9.0);
        assert_eq!(l.value_at(100.0), -5.0);
        assert_eq!(l.next_change(0), Some(10));
        assert_eq!(l.next_change(10), Some(20)); // the next step (32) is past the ramp
        assert_eq!(l.next_change(20), Some(30));
        assert_eq!(l.next_change(30), None);
        let s = lane(&[1.0, 2.0], &[0.0, 1.0], true);
        assert_eq!(s.value_at(15.0), 0.0);
        assert_eq!(s.next_change(12), Some(20));
    }

    #[test]
    fn bad_breakpoints_are_refused() {
        let mk = |t: &[f64], v: &[f64]| {
            Lane::new(Owner::Master, Point::Strip(0), "x", t, v, 10.0, false, Ok)
        };
        assert!(mk(&[0.0], &[]).is_err());
        assert!(mk(&[], &[]).is_err());
        assert!(mk(&[1.0, 0.5], &[0.0, 0.0]).is_err());
        assert!(mk(&[f64::NAN], &[0.0]).is_err());
    }
}
