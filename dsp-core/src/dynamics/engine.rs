//! The per-sample engine shared by the compressor and the expander/gate:
//! detector, stereo link, a gain law, make-up gain and dry/wet mix.

use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::db_to_gain;
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

use super::detector::{DETECTOR_CHUNK, LevelDetector};
use super::fast_db::db_to_amp;
use crate::math::{greater, max_of};

/// How a processor turns levels into a smoothed gain reduction.
pub(crate) trait GainLaw {
    /// Replaces linear levels by static gain reductions (dB, >= 0). `slot`
    /// is the channel, or the channel count for the linked (max) level;
    /// laws with memory (hysteresis) keep one state per slot.
    fn static_gr(&mut self, slot: usize, levels: &mut [f32]);
    /// Smooths channel `ch`'s reduction from `state` through the targets,
    /// replacing each by the smoothed value; returns the last one. `WIDE`
    /// as for [`Kernel::run`].
    fn follow<const WIDE: bool>(&mut self, ch: usize, state: f32, targets: &mut [f32]) -> f32;
}

/// The engine of the compressor and the expander/gate: detector, link,
/// per-channel reduction state, make-up and mix. Its setters take values
/// the processor has checked against its declaration.
#[derive(Debug, Clone)]
pub(crate) struct DynamicsEngine {
    pub det: LevelDetector,
    link: f64,
    mix: f64,
    makeup: LinearSmoother,
    wet: LinearSmoother,
    active: LinearSmoother,
    bypass: bool,
    state: Vec<f32>,
    factor: Vec<f32>,
    linked: [f32; DETECTOR_CHUNK],
    wet_gain: [f32; DETECTOR_CHUNK],
    dry_gain: [f32; DETECTOR_CHUNK],
    last_gr: f32,
    block_gr: f32,
    nonfinite: u64,
}

impl DynamicsEngine {
    pub fn new() -> Self {
        Self {
            det: LevelDetector::default(),
            link: 1.0,
            mix: 1.0,
            makeup: LinearSmoother::new(1.0),
            wet: LinearSmoother::new(1.0),
            active: LinearSmoother::new(1.0),
            bypass: false,
            state: Vec::new(),
            factor: Vec::new(),
            linked: [0.0; DETECTOR_CHUNK],
            wet_gain: [0.0; DETECTOR_CHUNK],
            dry_gain: [0.0; DETECTOR_CHUNK],
            last_gr: 0.0,
            block_gr: 0.0,
            nonfinite: 0,
        }
    }

    pub fn link(&self) -> f64 {
        self.link
    }

    pub fn set_link(&mut self, link: f64) {
        self.link = link;
    }

    pub fn mix(&self) -> f64 {
        self.mix
    }

    pub fn set_mix(&mut self, mix: f64) {
        self.mix = mix;
        self.wet.set_target(mix);
    }

    pub fn bypass(&self) -> bool {
        self.bypass
    }

    pub fn set_bypass(&mut self, bypass: bool) {
        self.bypass = bypass;
        self.active.set_target(if bypass { 0.0 } else { 1.0 });
    }

    /// Whether the bypass is on and its crossfade has finished.
    pub fn fully_bypassed(&self) -> bool {
        self.bypass && !self.active.is_smoothing()
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
        self.active.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.state = vec![0.0; spec.channels];
        self.factor = vec![0.0; spec.channels * DETECTOR_CHUNK];
        self.reset();
        Ok(())
    }

    pub fn reset(&mut self) {
        self.nonfinite = 0;
        self.det.reset();
        self.makeup.snap();
        self.wet.snap();
        self.active.snap();
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
        gr_out: Option<&mut [f32]>,
    ) {
        // The sidechain travels as an always-initialised slice (empty for
        // none): an optimised kernel may read its length ahead of the check,
        // and an absent `Option`'s length is uninitialised memory.
        let (external, side) = side.map_or((false, &[][..]), |s| (true, s));
        dispatch(Run { engine: self, law, channels, external, side, gr_out });
    }

    #[inline(always)]
    fn run_with<const WIDE: bool, L: GainLaw>(
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
            let n = (len - start).min(DETECTOR_CHUNK);
            match side {
                Some(sc) => self.det.detect_external(sc, nch, start, n),
                None => self.det.detect_own(&channels[..nch], start, n),
            }
            let gr = gr_out.as_deref_mut().map(|g| g.get_mut(start..).unwrap_or(&mut []));
            self.gains::<WIDE, L>(law, nch, n, gr);
            for (c, ch) in channels[..nch].iter_mut().enumerate() {
                let f = &self.factor[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n];
                ch[start..start + n].iter_mut().zip(f).for_each(|(x, g)| *x *= g);
            }
            start += n;
        }
    }

    #[inline(always)]
    fn gains<const WIDE: bool, L: GainLaw>(
        &mut self,
        law: &mut L,
        nch: usize,
        n: usize,
        gr: Option<&mut [f32]>,
    ) {
        let link = self.link as f32;
        let amp = &mut self.det.amp;
        let linked = &mut self.linked[..n];
        if link > 0.0 {
            linked.copy_from_slice(&amp[..n]);
            for c in 1..nch {
                let a = &amp[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n];
                linked.iter_mut().zip(a).for_each(|(m, &v)| *m = greater(*m, v));
            }
            law.static_gr(nch, linked);
        }
        if self.makeup.is_smoothing() || self.wet.is_smoothing() || self.active.is_smoothing() {
            for i in 0..n {
                let makeup = self.makeup.next() as f32;
                let wet = (self.wet.next() * self.active.next()) as f32;
                self.wet_gain[i] = wet * makeup;
                self.dry_gain[i] = 1.0 - wet;
            }
        } else {
            let wet = (self.wet.current() * self.active.current()) as f32;
            self.wet_gain[..n].fill(wet * self.makeup.current() as f32);
            self.dry_gain[..n].fill(1.0 - wet);
        }
        let (wet, dry) = (&self.wet_gain[..n], &self.dry_gain[..n]);
        let factor = |f: &mut [f32], s: &[f32]| {
            if s.iter().all(|&s| s == 0.0) {
                // No reduction: `db_to_amp(-0.0)` is exactly 1.
                f.iter_mut().zip(wet).zip(dry).for_each(|((f, &w), &d)| *f = w + d);
            } else {
                for (((f, &s), &w), &d) in f.iter_mut().zip(s).zip(wet).zip(dry) {
                    *f = w * db_to_amp(-s) + d;
                }
            }
        };
        let state = &mut self.state[..nch];
        // Fully linked channels in the same state share one computation.
        if link >= 1.0 && state.iter().all(|&s| s == state[0]) {
            let s = law.follow::<WIDE>(0, state[0], linked);
            state.iter_mut().for_each(|v| *v = s);
            factor(&mut self.factor[..n], linked);
            for c in 1..nch {
                self.factor.copy_within(0..n, c * DETECTOR_CHUNK);
            }
            if let Some(gr) = gr {
                let m = n.min(gr.len());
                gr[..m].copy_from_slice(&linked[..m]);
            }
            self.block_gr = max_of(self.block_gr, linked);
            self.last_gr = s;
            return;
        }
        let mut peak = [0.0f32; DETECTOR_CHUNK];
        for c in 0..nch {
            let t = &mut amp[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n];
            if link >= 1.0 {
                t.copy_from_slice(linked);
            } else {
                law.static_gr(c, t);
                if link > 0.0 {
                    t.iter_mut().zip(linked.iter()).for_each(|(o, &l)| *o += link * (l - *o));
                }
            }
            state[c] = law.follow::<WIDE>(c, state[c], t);
            factor(&mut self.factor[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n], t);
            peak.iter_mut().zip(t.iter()).for_each(|(p, &v)| *p = greater(*p, v));
        }
        if let Some(gr) = gr {
            let m = n.min(gr.len());
            gr[..m].copy_from_slice(&peak[..m]);
        }
        self.block_gr = max_of(self.block_gr, &peak[..n]);
        self.last_gr = state.iter().fold(0.0f32, |m, &v| m.max(v));
    }
}

/// [`DynamicsEngine::run`]'s arguments, as a [`Kernel`].
struct Run<'a, 'b, L> {
    engine: &'a mut DynamicsEngine,
    law: &'a mut L,
    channels: &'a mut [&'b mut [f32]],
    /// Keyed by `side` (else by `channels`).
    external: bool,
    side: &'a [&'a [f32]],
    gr_out: Option<&'a mut [f32]>,
}

impl<L: GainLaw> Kernel for Run<'_, '_, L> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        let side = self.external.then_some(self.side);
        self.engine.run_with::<WIDE, L>(self.law, self.channels, side, self.gr_out);
    }
}
