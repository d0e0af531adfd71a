//! Running the session: streaming block processing and the offline render
//! that hands the output to a sink block by block.

use alloc::vec::Vec;

use super::track::Path;
use super::{Bus, Mixer, Send as AuxSend, Track, TrackSource};
use crate::error::Error;

/// Samples a threaded render hands to its threads at a time (about 0.7 s
/// at 48 kHz).
pub const PARALLEL_SPAN: usize = 32_768;

/// The tracks' inputs of one [`Mixer::process`] call.
struct Blocks<'a>(&'a [&'a [&'a [f32]]]);

impl TrackSource for Blocks<'_> {
    fn read(&self, track: usize, start: usize, out: &mut [&mut [f32]]) {
        for (o, x) in out.iter_mut().zip(self.0[track].iter()) {
            o.copy_from_slice(&x[start..start + o.len()]);
        }
    }
}

impl Mixer {
    /// Processes one stretch of the stream: `inputs[t]` holds track `t`'s
    /// channels (its channel count, all of one length), `out` receives the
    /// master's left and right channels, as long as the inputs. Any length
    /// is accepted (it is split into blocks of at most
    /// [`max_block`](Self::max_block)). The output is delayed by
    /// [`latency`](Self::latency). Never allocates (single-threaded).
    pub fn process(&mut self, inputs: &[&[&[f32]]], out: [&mut [f32]; 2]) -> Result<(), Error> {
        if !self.prepared || self.chains_changed() {
            return Err(Error::NotPrepared);
        }
        if inputs.len() != self.tracks.len() {
            return Err(Error::ChannelMismatch {
                expected: self.tracks.len(),
                actual: inputs.len(),
            });
        }
        let len = out[0].len();
        if out[1].len() != len {
            return Err(Error::LengthMismatch { expected: len, actual: out[1].len() });
        }
        for (t, x) in self.tracks.iter().zip(inputs) {
            if x.len() != t.channels {
                return Err(Error::ChannelMismatch { expected: t.channels, actual: x.len() });
            }
            if let Some(c) = x.iter().find(|c| c.len() != len) {
                return Err(Error::LengthMismatch { expected: len, actual: c.len() });
            }
        }
        self.process_source(&Blocks(inputs), out)
    }

    /// [`process`](Self::process) reading the tracks from `source` (its
    /// samples `0..out[0].len()` of this stretch), for callers that hold
    /// track audio their own way (the C API); the caller vouches that every
    /// track has that much audio. Never allocates (single-threaded).
    pub fn process_source<S: TrackSource + ?Sized>(
        &mut self,
        source: &S,
        out: [&mut [f32]; 2],
    ) -> Result<(), Error> {
        if !self.prepared || self.chains_changed() {
            return Err(Error::NotPrepared);
        }
        let [l, r] = out;
        let len = l.len();
        if r.len() != len {
            return Err(Error::LengthMismatch { expected: len, actual: r.len() });
        }
        let mut done = 0;
        while done < len {
            let n = self.run(source, done, len - done);
            l[done..done + n].copy_from_slice(&self.master.input[0][..n]);
            r[done..done + n].copy_from_slice(&self.master.input[1][..n]);
            done += n;
        }
        Ok(())
    }

    /// Renders the session from the start: reads `len` samples of every
    /// track from `source`, removes the latency (the output lines up with
    /// the input) and hands the master's output to `sink` in blocks of at
    /// most [`max_block`](Self::max_block) stereo samples (of at most a
    /// [`span`](PARALLEL_SPAN) when threaded), `len` in all,
    /// plus the session's [`tail`](Self::tail) if `tail` is set. Memory stays
    /// one span (one block unthreaded) per track and path whatever `len` is. Equal, sample for
    /// sample, to [`process`](Self::process) on the same input after
    /// [`reset`](Self::reset), shifted by the latency.
    ///
    /// With several [threads](Self::set_threads) and no automation, the
    /// buses and master of one span (whole blocks, about
    /// [`PARALLEL_SPAN`] samples) run while the tracks of the next do.
    pub fn render<S, E>(
        &mut self,
        source: &S,
        len: usize,
        tail: bool,
        mut sink: impl FnMut(&[&[f32]]) -> Result<(), E>,
    ) -> Result<(), E>
    where
        S: TrackSource + ?Sized,
        E: From<Error>,
    {
        if !self.prepared || self.chains_changed() {
            return Err(Error::NotPrepared.into());
        }
        self.reset();
        let mut cursor =
            Cursor { skip: self.latency(), emitted: 0, total: self.render_length(len, tail) };
        #[cfg(feature = "std")]
        if self.pool.is_some() && self.lanes.is_empty() {
            return self.render_pipelined(source, &mut cursor, &mut sink);
        }
        let mut pos = 0;
        while cursor.emitted < cursor.total {
            let n = self.run(source, pos, cursor.remaining().min(self.max_block));
            pos += n;
            cursor.emit(&self.master.input, n, &mut sink)?;
        }
        Ok(())
    }

    /// [`render`](Self::render) on the thread pool, without automation (so
    /// that gains and latencies stay as [`reset`](Self::reset) left them):
    /// while the buses and master run span `k`, the tracks run span
    /// `k + 1`, and this thread hands span `k - 1` to the sink. Every
    /// processor sees the same samples in the same order as in
    /// [`run`](Self::run), so the output is the same to the bit. Work is
    /// handed to the threads a span at a time: per block, waking them would
    /// cost a good part of the gain.
    #[cfg(feature = "std")]
    fn render_pipelined<S, E>(
        &mut self,
        source: &S,
        cursor: &mut Cursor,
        sink: &mut impl FnMut(&[&[f32]]) -> Result<(), E>,
    ) -> Result<(), E>
    where
        S: TrackSource + ?Sized,
        E: From<Error>,
    {
        let span = self.span();
        let Self { pool: Some(pool), tracks, buses, master, position, .. } = self else {
            return Ok(());
        };
        let mut left = cursor.remaining();
        if left == 0 {
            return Ok(());
        }
        // The master's output of the span before, waiting for the sink.
        let mut outbox: [Vec<f32>; 2] = [vec![0.0; span], vec![0.0; span]];
        let mut waiting = 0;
        let (mut pos, mut n) = (0, left.min(span));
        pool.install(|| run_parallel(tracks, source, pos, n));
        loop {
            left -= n;
            let (next, m) = (pos + n, left.min(span));
            pool.in_place_scope(|s| {
                s.spawn(|_| {
                    gather_parallel(tracks, buses, master, n);
                    if m > 0 {
                        rayon::join(
                            || run_buses(buses, master, n),
                            || run_parallel(tracks, source, next, m),
                        );
                    } else {
                        run_buses(buses, master, n);
                    }
                });
                cursor.emit(&outbox, waiting, sink)
            })?;
            *position += n;
            core::mem::swap(&mut master.input, &mut outbox);
            waiting = n;
            if m == 0 {
                return cursor.emit(&outbox, waiting, sink);
            }
            (pos, n) = (next, m);
        }
    }

    /// Samples the threads of a [`render`](Self::render) run per hand-off:
    /// whole blocks, about [`PARALLEL_SPAN`] (one block without `std`).
    pub(crate) fn span(&self) -> usize {
        if cfg!(feature = "std") {
            self.max_block * (PARALLEL_SPAN / self.max_block).max(1)
        } else {
            self.max_block
        }
    }

    /// Output samples [`render`](Self::render) gives for `len` input samples.
    pub fn render_length(&self, len: usize, tail: bool) -> usize {
        len + if tail { self.tail() } else { 0 }
    }

    /// Convenience over [`render`](Self::render): the whole output in two
    /// vectors (allocates them).
    pub fn render_to_vec(
        &mut self,
        inputs: &[&[&[f32]]],
        tail: bool,
    ) -> Result<[Vec<f32>; 2], Error> {
        if inputs.len() != self.tracks.len() {
            return Err(Error::ChannelMismatch {
                expected: self.tracks.len(),
                actual: inputs.len(),
            });
        }
        for (t, x) in self.tracks.iter().zip(inputs) {
            if x.len() != t.channels {
                return Err(Error::ChannelMismatch { expected: t.channels, actual: x.len() });
            }
        }
        let len = inputs.iter().flat_map(|x| x.iter().map(|c| c.len())).max().unwrap_or(0);
        let mut out = [Vec::new(), Vec::new()];
        let n = self.render_length(len, tail);
        out.iter_mut().for_each(|c| c.reserve_exact(n));
        self.render(inputs, len, tail, |b: &[&[f32]]| {
            out[0].extend_from_slice(b[0]);
            out[1].extend_from_slice(b[1]);
            Ok::<(), Error>(())
        })?;
        Ok(out)
    }

    /// Whether an insert chain was changed (members added or removed) since
    /// [`prepare`](Self::prepare).
    fn chains_changed(&self) -> bool {
        self.tracks.iter().any(|t| t.inserts.spec().is_none())
            || self.buses.iter().any(|b| b.inserts.spec().is_none())
            || self.master.inserts.spec().is_none()
    }

    /// Runs up to `max` samples (cut at the block size and at the next
    /// automation change) with the source read from `start`; the output is
    /// left in the master's buffer. Returns the samples run. Never
    /// allocates when single-threaded.
    fn run<S: TrackSource + ?Sized>(&mut self, source: &S, start: usize, max: usize) -> usize {
        let pos = self.position;
        self.apply_automation(pos);
        if self.refresh_latencies() {
            self.update_plan();
            self.apply_plan();
        }
        let mut n = max.min(self.max_block);
        if let Some(next) = self.next_automation(pos) {
            n = n.min(next - pos);
        }
        self.update_gains();
        self.run_tracks(source, start, n);
        gather(&self.tracks, &mut self.buses, &mut self.master, n);
        run_buses(&mut self.buses, &mut self.master, n);
        self.position += n;
        n
    }

    #[cfg(feature = "std")]
    fn run_tracks<S: TrackSource + ?Sized>(&mut self, source: &S, start: usize, n: usize) {
        match &self.pool {
            Some(pool) => pool.install(|| run_parallel(&mut self.tracks, source, start, n)),
            None => run_serial(&mut self.tracks, source, start, n),
        }
    }

    #[cfg(not(feature = "std"))]
    fn run_tracks<S: TrackSource + ?Sized>(&mut self, source: &S, start: usize, n: usize) {
        run_serial(&mut self.tracks, source, start, n);
    }
}

/// Where [`Mixer::render`] stands in the output.
struct Cursor {
    /// Latency samples still to drop.
    skip: usize,
    /// Samples handed to the sink.
    emitted: usize,
    /// Samples to hand to the sink in all.
    total: usize,
}

impl Cursor {
    /// Samples still to run.
    fn remaining(&self) -> usize {
        self.total - self.emitted + self.skip
    }

    /// Hands the part of the master's last `n` samples (in `out`) that is
    /// output (past the latency) to `sink`.
    fn emit<E>(
        &mut self,
        out: &[Vec<f32>; 2],
        n: usize,
        sink: &mut impl FnMut(&[&[f32]]) -> Result<(), E>,
    ) -> Result<(), E> {
        let drop = self.skip.min(n);
        self.skip -= drop;
        let keep = (n - drop).min(self.total - self.emitted);
        if keep > 0 {
            let [l, r] = out;
            sink(&[&l[drop..drop + keep], &r[drop..drop + keep]])?;
            self.emitted += keep;
        }
        Ok(())
    }
}

/// Where a track's audio goes: the destination of its direct path (an aux
/// bus, or the master for `None`), that path, and its sends.
type Route<'a> = (Option<usize>, &'a Path, &'a [AuxSend]);

fn route(t: &Track) -> Route<'_> {
    (t.output, &t.direct, &t.sends)
}

/// Sums the tracks' last `n` samples into the buses' and master's inputs,
/// in track order.
fn gather(tracks: &[Track], buses: &mut [Bus], master: &mut Bus, n: usize) {
    for (c, acc) in master.input.iter_mut().enumerate() {
        gather_channel(tracks.iter().map(route), None, c, &mut acc[..n]);
    }
    for (b, bus) in buses.iter_mut().enumerate() {
        for (c, acc) in bus.input.iter_mut().enumerate() {
            gather_channel(tracks.iter().map(route), Some(b), c, &mut acc[..n]);
        }
    }
}

/// [`gather`] on the current thread pool: every bus channel is its own
/// task, summed in the same order as on one thread (allocates the list of
/// routes).
#[cfg(feature = "std")]
fn gather_parallel(tracks: &[Track], buses: &mut [Bus], master: &mut Bus, n: usize) {
    use rayon::prelude::*;
    let routes: Vec<Route<'_>> = tracks.iter().map(route).collect();
    let channels = |dest: Option<usize>, bus: &mut Bus| {
        bus.input.par_iter_mut().enumerate().for_each(|(c, acc)| {
            gather_channel(routes.iter().copied(), dest, c, &mut acc[..n]);
        });
    };
    rayon::join(
        || channels(None, master),
        || buses.par_iter_mut().enumerate().for_each(|(b, bus)| channels(Some(b), bus)),
    );
}

/// Sets `acc` to the sum of channel `c` of every path in `routes` that goes
/// to `dest` (an aux bus, or the master for `None`), in order (a track's
/// direct path before its sends).
fn gather_channel<'a>(
    routes: impl Iterator<Item = Route<'a>>,
    dest: Option<usize>,
    c: usize,
    acc: &mut [f32],
) {
    acc.fill(0.0);
    let n = acc.len();
    for (output, direct, sends) in routes {
        if output == dest {
            direct.add_channel(c, acc, n);
        }
        for s in sends.iter().filter(|s| Some(s.bus) == dest) {
            s.path.add_channel(c, acc, n);
        }
    }
}

/// Runs the aux buses into the master, then the master, over `n` samples.
fn run_buses(buses: &mut [Bus], master: &mut Bus, n: usize) {
    for b in buses {
        b.run_into(n, &mut master.input);
    }
    master.run(n);
}

#[cfg(feature = "std")]
fn run_parallel<S: TrackSource + ?Sized>(tracks: &mut [Track], source: &S, start: usize, n: usize) {
    use rayon::prelude::*;
    tracks.par_iter_mut().enumerate().for_each(|(i, t)| t.run(i, source, start, n));
}

fn run_serial<S: TrackSource + ?Sized>(tracks: &mut [Track], source: &S, start: usize, n: usize) {
    for (i, t) in tracks.iter_mut().enumerate() {
        t.run(i, source, start, n);
    }
}
