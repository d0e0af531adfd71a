//! The per-sample engine shared by the compressor and the expander/gate:
//! detector, stereo link, a gain law, make-up gain and dry/wet mix.

use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::{Error, check_range};
use crate::math::db_to_gain;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

use super::detector::{CHUNK, LevelDetector};
use super::fast_db::db_to_amp;

/// How a processor turns levels into a smoothed gain reduction.
pub(crate) trait GainLaw {
    /// Static gain reduction (dB, >= 0) for a linear level. `slot` is the
    /// channel, or the channel count for the linked (max) level; laws with
    /// memory (hysteresis) keep one state per slot.
    fn static_gr(&mut self, slot: usize, amp: f32) -> f32;
    /// One step of channel `ch`'s smoothed reduction towards `target`.
    fn follow(&mut self, ch: usize, state: f32, target: f32) -> f32;
}

/// Detector, link, per-channel reduction state, make-up and mix.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub det: LevelDetector,
    link: f64,
    mix: f64,
    makeup: LinearSmoother,
    wet: LinearSmoother,
    state: Vec<f32>,
    factor: Vec<f32>,
    last_gr: f32,
    block_gr: f32,
    nonfinite: u64,
}

impl Engine {
    pub fn new() -> Self {
        Self {
            det: LevelDetector::default(),
            link: 1.0,
            mix: 1.0,
            makeup: LinearSmoother::new(1.0),
            wet: LinearSmoother::new(1.0),
            state: Vec::new(),
            factor: Vec::new(),
            last_gr: 0.0,
            block_gr: 0.0,
            nonfinite: 0,
        }
    }

    pub fn link(&self) -> f64 {
        self.link
    }

    pub fn set_link(&mut self, link: f64) -> Result<(), Error> {
        self.link = check_range("link", link, 0.0, 1.0, "must be from 0 (off) to 1 (100 %)")?;
        Ok(())
    }

    pub fn mix(&self) -> f64 {
        self.mix
    }

    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = check_range("mix", mix, 0.0, 1.0, "must be from 0 (dry) to 1 (wet)")?;
        self.wet.set_target(mix);
        Ok(())
    }

    /// Sets the total make-up gain in dB (glides).
    pub fn set_makeup_total_db(&mut self, db: f64) {
        self.makeup.set_target(db_to_gain(db));
    }

    pub fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.det.prepare(spec)?;
        self.makeup.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.wet.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.state = vec![0.0; spec.channels];
        self.factor = vec![0.0; spec.channels * CHUNK];
        self.reset();
        Ok(())
    }

    pub fn reset(&mut self) {
        self.det.reset();
        self.makeup.snap();
        self.wet.snap();
        self.state.iter_mut().for_each(|s| *s = 0.0);
        self.last_gr = 0.0;
        self.block_gr = 0.0;
    }

    pub fn nonfinite_count(&self) -> u64 {
        self.nonfinite + self.det.nonfinite
    }

    /// Reduction (dB, >= 0) after the last sample, largest over channels.
    pub fn gain_reduction_db(&self) -> f32 {
        self.last_gr
    }

    /// Largest reduction (dB) during the last processed block.
    pub fn block_gain_reduction_db(&self) -> f32 {
        self.block_gr
    }

    /// Smoothed reduction (dB) of channel `ch` now.
    pub fn channel_gain_reduction_db(&self, ch: usize) -> f32 {
        self.state.get(ch).copied().unwrap_or(0.0)
    }

    /// Processes a block; writes the per-sample reduction (max over
    /// channels) to `gr_out` when given.
    pub fn run<L: GainLaw>(
        &mut self,
        law: &mut L,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        mut gr_out: Option<&mut [f32]>,
    ) {
        self.nonfinite += sanitize(channels);
        let nch = channels.len().min(self.state.len());
        let len = channels.first().map_or(0, |c| c.len());
        self.block_gr = 0.0;
        let mut start = 0;
        while start < len {
            let n = (len - start).min(CHUNK);
            match side {
                Some(sc) => self.det.detect_external(sc, nch, start, n),
                None => self.det.detect_own(&channels[..nch], start, n),
            }
            let gr = gr_out.as_deref_mut().map(|g| g.get_mut(start..).unwrap_or(&mut []));
            self.gains(law, nch, n, gr);
            for (c, ch) in channels[..nch].iter_mut().enumerate() {
                let f = &self.factor[c * CHUNK..c * CHUNK + n];
                ch[start..start + n].iter_mut().zip(f).for_each(|(x, g)| *x *= g);
            }
            start += n;
        }
    }

    fn gains<L: GainLaw>(&mut self, law: &mut L, nch: usize, n: usize, mut gr: Option<&mut [f32]>) {
        let link = self.link as f32;
        let amp = &self.det.amp;
        for i in 0..n {
            let linked = if link > 0.0 {
                let m = (0..nch).fold(0.0f32, |m, c| m.max(amp[c * CHUNK + i]));
                law.static_gr(nch, m)
            } else {
                0.0
            };
            let makeup = self.makeup.next() as f32;
            let wet = self.wet.next() as f32;
            let mut peak = 0.0f32;
            for c in 0..nch {
                let target = if link >= 1.0 {
                    linked
                } else {
                    let own = law.static_gr(c, amp[c * CHUNK + i]);
                    own + link * (linked - own)
                };
                let s = law.follow(c, self.state[c], target);
                self.state[c] = s;
                peak = peak.max(s);
                let g = if s == 0.0 { 1.0 } else { db_to_amp(-s) };
                self.factor[c * CHUNK + i] = wet * makeup * g + (1.0 - wet);
            }
            if let Some(v) = gr.as_deref_mut().and_then(|g| g.get_mut(i)) {
                *v = peak;
            }
            self.block_gr = self.block_gr.max(peak);
            self.last_gr = peak;
        }
    }
}
