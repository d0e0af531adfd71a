//! Latency compensation: fixed stereo delays that bring every path to the
//! master bus into time, and the plan that computes them.
//!
//! With `L(t)` a track's insert latency, `L(b)` a bus's, every bus aligns
//! its inputs to `A(b) = max L(t)` over the tracks sending or routed to it
//! (a send, or the direct path of a routed track, is delayed by
//! `A(b) - L(t)`), and the master aligns everything to
//! `M = max(max L(t), max A(b) + L(b))`: an unrouted track's direct path is
//! delayed by `M - L(t)`, a bus return by `M - A(b) - L(b)`. The session's latency
//! is `M` plus the master chain's.

use alloc::vec::Vec;

use crate::effects::ring::Ring;

/// Extra delay memory each path keeps beyond what the session needs when
/// prepared, so that a latency change while playing (a limiter's lookahead
/// automated) is compensated without allocating: 50 ms.
pub(crate) const HEADROOM_S: f64 = 0.05;

/// A stereo delay of a whole number of samples, sized once.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathDelay {
    rings: [Ring; 2],
    delay: usize,
    capacity: usize,
    block: usize,
}

impl PathDelay {
    /// Sizes the delay for delays up to `capacity` on blocks up to `block`
    /// samples (allocates) and clears it.
    pub fn allocate(&mut self, capacity: usize, block: usize) {
        self.capacity = capacity;
        self.block = block;
        for r in &mut self.rings {
            r.allocate(capacity + block);
        }
        self.delay = self.delay.min(capacity);
    }

    /// Sets the delay (clamped to the capacity); returns whether it changed.
    /// Never allocates.
    pub fn set_delay(&mut self, delay: usize) -> bool {
        let d = delay.min(self.capacity);
        let changed = d != self.delay;
        self.delay = d;
        changed
    }

    /// Clears the memory. Never allocates.
    pub fn clear(&mut self) {
        self.rings.iter_mut().for_each(Ring::clear);
    }

    /// Delays a stereo block (at most the prepared block size) in place.
    pub fn process(&mut self, l: &mut [f32], r: &mut [f32]) {
        if self.delay == 0 {
            return;
        }
        for (ring, x) in self.rings.iter_mut().zip([l, r]) {
            ring.write(x);
            ring.read(self.delay + x.len(), x);
        }
    }
}

/// The delays of one session, recomputed whenever a latency changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plan {
    /// `A(b)` per bus.
    pub bus_align: Vec<usize>,
    /// `M`.
    pub master_align: usize,
}

impl Plan {
    /// Recomputes the plan in place from track latencies, each track's
    /// destination buses (sends and route), and bus latencies. Never allocates
    /// once `bus_align` has its length.
    pub fn update<D: IntoIterator<Item = usize>>(
        &mut self,
        track_latency: impl Iterator<Item = (usize, D)>,
        bus_latency: impl Iterator<Item = usize> + Clone,
    ) {
        let buses = bus_latency.clone().count();
        self.bus_align.resize(buses, 0);
        self.bus_align.iter_mut().for_each(|a| *a = 0);
        let mut m = 0;
        for (lat, dests) in track_latency {
            m = m.max(lat);
            for b in dests {
                self.bus_align[b] = self.bus_align[b].max(lat);
            }
        }
        for (a, lb) in self.bus_align.iter().zip(bus_latency) {
            m = m.max(a + lb);
        }
        self.master_align = m;
    }
}
