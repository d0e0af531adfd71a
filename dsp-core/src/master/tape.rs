//! Tracks as streams: a [`Tape`] is read block by block and rewound for
//! another pass, a [`Sink`] is written block by block and restarted for
//! another pass. The offline mastering steps run over these, so the same
//! code renders a track held in memory ([`SliceTape`], [`MemTape`]) and a
//! file read and written in blocks (memory bounded by the block, not the
//! track).

use alloc::vec::Vec;

use crate::error::Error;
use crate::spec::MAX_CHANNELS;

/// A track read block by block from the start, as often as needed.
pub trait Tape {
    /// Channels of the track.
    fn channels(&self) -> usize;
    /// Frames (samples per channel) of the track.
    fn frames(&self) -> usize;
    /// Goes back to the first frame.
    fn rewind(&mut self) -> Result<(), Error>;
    /// Reads the next frames into `out` (one slice per channel, all of one
    /// length) and returns how many it read: as many as fit unless the
    /// track ends first, 0 at its end.
    fn read(&mut self, out: &mut [&mut [f32]]) -> Result<usize, Error>;
}

/// Where a track is written, block by block from the start.
pub trait Sink {
    /// Drops everything written so far: the next write is the first frame.
    fn restart(&mut self) -> Result<(), Error>;
    /// Appends a block (one slice per channel, all of one length).
    fn write(&mut self, block: &[&[f32]]) -> Result<(), Error>;
    /// Multiplies everything written since the restart by `gain` where the
    /// sink can do so in place, returning whether it did; a sink that
    /// cannot (a file written as it goes) is written again instead.
    fn scale(&mut self, gain: f32) -> bool {
        let _ = gain;
        false
    }
}

/// Checks a tape: one to [`MAX_CHANNELS`] channels and at least one frame;
/// returns the frames.
pub fn check_tape<T: Tape + ?Sized>(tape: &T) -> Result<usize, Error> {
    let channels = tape.channels();
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(Error::InvalidChannelCount { channels });
    }
    match tape.frames() {
        0 => Err(Error::EmptyInput),
        n => Ok(n),
    }
}

/// A [`Tape`] over planar audio in memory.
#[derive(Debug)]
pub struct SliceTape<'a, S> {
    channels: &'a [S],
    at: usize,
}

impl<'a, S: AsRef<[f32]>> SliceTape<'a, S> {
    /// The tape of `channels` (of equal lengths, see
    /// [`check_track`](super::offline::check_track)).
    pub fn new(channels: &'a [S]) -> Self {
        Self { channels, at: 0 }
    }
}

impl<S: AsRef<[f32]>> Tape for SliceTape<'_, S> {
    fn channels(&self) -> usize {
        self.channels.len()
    }

    fn frames(&self) -> usize {
        self.channels.first().map_or(0, |c| c.as_ref().len())
    }

    fn rewind(&mut self) -> Result<(), Error> {
        self.at = 0;
        Ok(())
    }

    fn read(&mut self, out: &mut [&mut [f32]]) -> Result<usize, Error> {
        read_planar(self.channels, &mut self.at, out)
    }
}

/// Copies frames of `from` at `at` into `out`, moving `at` on.
fn read_planar<S: AsRef<[f32]>>(
    from: &[S],
    at: &mut usize,
    out: &mut [&mut [f32]],
) -> Result<usize, Error> {
    if out.len() != from.len() {
        return Err(Error::ChannelMismatch { expected: from.len(), actual: out.len() });
    }
    let left = from.first().map_or(0, |c| c.as_ref().len()) - *at;
    let n = out.first().map_or(0, |o| o.len()).min(left);
    for (o, x) in out.iter_mut().zip(from) {
        o[..n].copy_from_slice(&x.as_ref()[*at..*at + n]);
    }
    *at += n;
    Ok(n)
}

/// A track in memory that is both a [`Sink`] (written from the start) and
/// a [`Tape`] (reading what was written).
#[derive(Debug, Clone, Default)]
pub struct MemTape {
    data: Vec<Vec<f32>>,
    at: usize,
}

impl MemTape {
    /// An empty track of `channels`, with room for `frames` frames.
    pub fn with_capacity(channels: usize, frames: usize) -> Self {
        Self { data: (0..channels).map(|_| Vec::with_capacity(frames)).collect(), at: 0 }
    }

    /// The planar audio written.
    pub fn into_inner(self) -> Vec<Vec<f32>> {
        self.data
    }

    /// The planar audio written, as slices.
    pub fn channels_ref(&self) -> Vec<&[f32]> {
        self.data.iter().map(Vec::as_slice).collect()
    }
}

impl Tape for MemTape {
    fn channels(&self) -> usize {
        self.data.len()
    }

    fn frames(&self) -> usize {
        self.data.first().map_or(0, Vec::len)
    }

    fn rewind(&mut self) -> Result<(), Error> {
        self.at = 0;
        Ok(())
    }

    fn read(&mut self, out: &mut [&mut [f32]]) -> Result<usize, Error> {
        read_planar(&self.data, &mut self.at, out)
    }
}

impl Sink for MemTape {
    fn restart(&mut self) -> Result<(), Error> {
        self.data.iter_mut().for_each(Vec::clear);
        self.at = 0;
        Ok(())
    }

    fn write(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        if block.len() != self.data.len() {
            return Err(Error::ChannelMismatch { expected: self.data.len(), actual: block.len() });
        }
        let n = block.first().map_or(0, |b| b.len());
        if let Some(bad) = block.iter().find(|b| b.len() != n) {
            return Err(Error::LengthMismatch { expected: n, actual: bad.len() });
        }
        for (d, b) in self.data.iter_mut().zip(block) {
            d.extend_from_slice(b);
        }
        Ok(())
    }

    fn scale(&mut self, gain: f32) -> bool {
        self.data.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= gain));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn a_mem_tape_reads_back_what_was_written_in_any_blocks() {
        let x: Vec<Vec<f32>> =
            (0..2).map(|c| (0..1000).map(|i| (i * (c + 1)) as f32).collect()).collect();
        let mut t = MemTape::with_capacity(2, 10);
        let mut src = SliceTape::new(&x);
        let mut buf = vec![vec![0.0f32; 333]; 2];
        loop {
            let mut views: Vec<&mut [f32]> = buf.iter_mut().map(|b| &mut b[..]).collect();
            let n = src.read(&mut views).unwrap();
            if n == 0 {
                break;
            }
            t.write(&[&buf[0][..n], &buf[1][..n]]).unwrap();
        }
        assert_eq!(t.frames(), 1000);
        let mut back = vec![vec![0.0f32; 1000]; 2];
        let mut views: Vec<&mut [f32]> = back.iter_mut().map(|b| &mut b[..]).collect();
        assert_eq!(t.read(&mut views).unwrap(), 1000);
        assert_eq!(t.read(&mut views).unwrap(), 0);
        assert_eq!(back, x);
        t.restart().unwrap();
        assert_eq!(t.frames(), 0);
        assert!(matches!(t.write(&[&[1.0][..]]), Err(Error::ChannelMismatch { .. })));
        assert!(matches!(check_tape(&t), Err(Error::EmptyInput)));
    }

    /// A tape that reads at most `chunk` frames at a time.
    struct Chunky<'a>(SliceTape<'a, Vec<f32>>, usize);

    impl Tape for Chunky<'_> {
        fn channels(&self) -> usize {
            self.0.channels()
        }
        fn frames(&self) -> usize {
            self.0.frames()
        }
        fn rewind(&mut self) -> Result<(), Error> {
            self.0.rewind()
        }
        fn read(&mut self, out: &mut [&mut [f32]]) -> Result<usize, Error> {
            let n = out[0].len().min(self.1);
            let mut views: Vec<&mut [f32]> = out.iter_mut().map(|o| &mut o[..n]).collect();
            self.0.read(&mut views)
        }
    }

    /// A sink written as it goes, like a file: it cannot scale in place.
    struct Plain(MemTape);

    impl Sink for Plain {
        fn restart(&mut self) -> Result<(), Error> {
            self.0.restart()
        }
        fn write(&mut self, block: &[&[f32]]) -> Result<(), Error> {
            self.0.write(block)
        }
    }

    /// Normalizing from a tape read in odd chunks into a sink that cannot
    /// scale gives the in-memory result bit for bit: in one pass, in two,
    /// and with a trim (written again).
    #[test]
    fn normalizing_a_tape_equals_normalizing_in_memory() {
        use crate::analysis::Target;
        use crate::dynamics::Limiter;
        use crate::master::{EnvelopeBuilder, normalize, normalize_tape};
        use crate::progress::Progress;
        let sr = 44_100.0;
        let mut seen = Vec::new();
        for (seed, level, lufs) in [(0, 0.1, -12.0), (2, 0.02, -16.0), (3, 0.3, -23.0)] {
            let x = crate::test_util::music_like(sr, 6.0, level, seed);
            let target = Target::custom("t", lufs, 1.0, -1.0, true).unwrap();
            let (y, r) = normalize(&x, sr, &target, &Limiter::default()).unwrap();
            let mut tape = Chunky(SliceTape::new(&x), 1234);
            let mut b = EnvelopeBuilder::new(sr, 2).unwrap();
            for (a, z) in x[0].chunks(777).zip(x[1].chunks(777)) {
                b.add(&[a, z]).unwrap();
            }
            let envelope = b.finish().unwrap();
            let mut out = Plain(MemTape::with_capacity(2, 0));
            let l = Limiter::default();
            let s = normalize_tape(
                &mut tape,
                &mut out,
                &envelope,
                lufs,
                -1.0,
                &l,
                &mut Progress::none(),
            )
            .unwrap();
            assert_eq!(s, r);
            assert_eq!(out.0.into_inner(), y, "{r:?}");
            seen.push((r.passes, r.trim_db != 0.0));
        }
        assert_eq!(seen, [(2, false), (1, true), (1, false)]);
    }

    /// Mastering from a tape into sinks equals `master_with` over slices:
    /// the same samples and the same report.
    #[cfg(feature = "std")]
    #[test]
    fn mastering_a_tape_equals_mastering_in_memory() {
        use crate::master::{MasteringChain, master, master_tape};
        use crate::progress::Progress;
        let sr = 48_000.0;
        for (preset, channels) in [("streaming", 2), ("loud", 1)] {
            let x = crate::test_util::music_like(sr, 5.0, 0.2, 4)[..channels].to_vec();
            let chain = MasteringChain::preset(preset).unwrap();
            let (y, r) = master(&x, sr, &chain).unwrap();
            let mut tape = Chunky(SliceTape::new(&x), 1000);
            let mut processed = MemTape::with_capacity(channels, 0);
            let mut out = Plain(MemTape::with_capacity(channels, 0));
            let s =
                master_tape(&mut tape, &mut processed, &mut out, sr, &chain, &mut Progress::none())
                    .unwrap();
            assert_eq!(out.0.into_inner(), y, "{preset}");
            assert_eq!(s, r, "{preset}");
        }
    }

    /// A tape shorter than it says, or with a NaN, is refused.
    #[test]
    fn a_short_or_bad_tape_is_refused() {
        use crate::master::offline::run_tape;
        use crate::progress::Progress;
        struct Liar(MemTape);
        impl Tape for Liar {
            fn channels(&self) -> usize {
                1
            }
            fn frames(&self) -> usize {
                10_000
            }
            fn rewind(&mut self) -> Result<(), Error> {
                self.0.rewind()
            }
            fn read(&mut self, out: &mut [&mut [f32]]) -> Result<usize, Error> {
                self.0.read(out)
            }
        }
        let mut t = MemTape::with_capacity(1, 0);
        t.write(&[&[0.5f32; 5000][..]]).unwrap();
        let r = run_tape(&mut Liar(t.clone()), 0, &mut Progress::none(), |_| {}, |_, _| Ok(()));
        assert_eq!(r, Err(Error::LengthMismatch { expected: 10_000, actual: 5000 }));
        t.write(&[&[f32::NAN][..]]).unwrap();
        let r = run_tape(&mut t, 0, &mut Progress::none(), |_| {}, |_, _| Ok(()));
        assert_eq!(r, Err(Error::NonFinite { channel: 0, index: 5000 }));
    }
}
