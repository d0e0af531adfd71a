//! The balance helper: faders set from measured loudness, as a starting
//! point for a mix.

use alloc::vec;
use alloc::vec::Vec;

use super::strip::{FADER_MAX_DB, FADER_MIN_DB};
use super::{Mixer, TrackSource};
use crate::analysis::LoudnessMeter;
use crate::error::Error;
use crate::processor::Processor;

impl Mixer {
    /// Sets every track's fader so that its integrated loudness after its
    /// inserts (BS.1770, measured over `len` samples of `source`) sits at
    /// `reference_lufs + offsets_lu[t]`: the offsets say how loud each stem
    /// is against the others (0 for all: equal loudness). A mono track is
    /// measured as mono, which is its loudness in the mix at a centre pan
    /// with the constant-power law. Faders are clamped to their range;
    /// silent tracks keep theirs. Returns the faders in dB. Resets the
    /// mixer.
    pub fn balance<S: TrackSource + ?Sized>(
        &mut self,
        source: &S,
        len: usize,
        offsets_lu: &[f64],
        reference_lufs: f64,
    ) -> Result<Vec<f64>, Error> {
        if !self.prepared {
            return Err(Error::NotPrepared);
        }
        if offsets_lu.len() != self.tracks.len() {
            return Err(Error::LengthMismatch {
                expected: self.tracks.len(),
                actual: offsets_lu.len(),
            });
        }
        let bad = Error::InvalidParameter { name: "offsets_lu", reason: "must be finite" };
        if !reference_lufs.is_finite() || offsets_lu.iter().any(|v| !v.is_finite()) {
            return Err(bad);
        }
        let block = self.max_block;
        let mut buf = [vec![0.0f32; block], vec![0.0f32; block]];
        let mut faders = Vec::with_capacity(self.tracks.len());
        for (i, (t, &offset)) in self.tracks.iter_mut().zip(offsets_lu).enumerate() {
            let mut meter = LoudnessMeter::new(self.sample_rate, t.channels)?;
            meter.set_true_peak_enabled(false);
            t.inserts.reset();
            let mut pos = 0;
            while pos < len {
                let n = block.min(len - pos);
                let [l, r] = &mut buf;
                let ch: &mut [&mut [f32]] = &mut [&mut l[..n], &mut r[..n]];
                let ch = &mut ch[..t.channels];
                source.read(i, pos, ch);
                t.inserts.process(ch);
                let views: [&[f32]; 2] = [&l[..n], &r[..n]];
                meter.add_planar(&views[..t.channels])?;
                pos += n;
            }
            let measured = meter.integrated_lufs();
            if measured.is_finite() {
                let g = (reference_lufs + offset - measured).clamp(FADER_MIN_DB, FADER_MAX_DB);
                t.strip.set_gain_db(g)?;
            }
            faders.push(t.strip.gain_db());
        }
        self.reset();
        Ok(faders)
    }
}
