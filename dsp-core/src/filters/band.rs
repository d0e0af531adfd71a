//! A band at run time (smoothed parameters, interpolated coefficients,
//! per-channel state) and the loop that runs a list of bands over audio.
//!
//! Timing follows a per-sample clock counted from `reset`: at every
//! boundary of a [`SUB_BLOCK`]-sample sub-block, a moving band advances its
//! smoothers by one sub-block and designs the coefficients for the end of
//! it; within the sub-block the coefficients glide linearly per sample. So
//! parameters never step, and any split of the stream into blocks gives
//! bit-identical output. While no band moves, the sections run pass by pass
//! over whole segments (up to the next denormal flush), a few at a time with
//! their states in registers (a lone first-order section in look-ahead
//! form); a sample's arithmetic depends on the clock, never on the split.

use super::biquad::Coefs;
use super::params::{BandParams, MAX_SECTIONS};
use super::section::{Frames, Planar, Section, SectionState, run_first_order, run_series};
use crate::error::Error;
use crate::math::{exp, log};
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::MAX_CHANNELS;

/// Samples between coefficient updates while parameters move.
pub const SUB_BLOCK: usize = 32;
/// Samples between denormal flushes of the state (a multiple of `SUB_BLOCK`).
const FLUSH_INTERVAL: u64 = 1024;
/// Channel pairs a band keeps state for.
const MAX_PAIRS: usize = MAX_CHANNELS.div_ceil(2);
/// Frames per pass of the steady kernel (bounds its stack buffers).
const CHUNK: usize = 256;
/// Sections run together in one pass, their states in registers (more
/// spill registers on x86-64 and run slower).
const GROUP: usize = 2;

/// One band while running.
#[derive(Debug, Clone)]
pub(crate) struct Band {
    /// Target parameters, as last set.
    params: BandParams,
    /// Parameters whose structure (kind, order, design) the sections realise.
    running: BandParams,
    log_cutoff: LinearSmoother,
    log_q: LinearSmoother,
    gain_db: LinearSmoother,
    /// 1 = band applied, 0 = bypassed; glides for click-free enable/disable.
    blend: LinearSmoother,
    sample_rate: f64,
    len: usize,
    /// The last design: the smoothed (log cutoff, log q, gain) it was made
    /// for and its sections, reused while only the blend moves.
    designed: Option<([f64; 3], [Coefs; MAX_SECTIONS])>,
    /// Coefficients at the end of the current sub-block (steady value).
    coefs: [Section; MAX_SECTIONS],
    from: [Section; MAX_SECTIONS],
    step: [Section; MAX_SECTIONS],
    ramping: bool,
    active: bool,
    state: [[SectionState; MAX_SECTIONS]; MAX_PAIRS],
}

/// Moves a smoother's target only if it changed (a new target restarts the ramp).
fn retarget(s: &mut LinearSmoother, value: f64) {
    if s.target() != value {
        s.set_target(value);
    }
}

impl Band {
    /// A band with validated `params`, not yet prepared.
    pub fn new(params: BandParams) -> Result<Self, Error> {
        params.validate()?;
        Ok(Band {
            params,
            running: params,
            log_cutoff: LinearSmoother::new(log(params.cutoff_hz)),
            log_q: LinearSmoother::new(log(params.q)),
            gain_db: LinearSmoother::new(params.gain_db),
            blend: LinearSmoother::new(if params.bypass { 0.0 } else { 1.0 }),
            sample_rate: 0.0,
            len: 0,
            designed: None,
            coefs: [Section::IDENTITY; MAX_SECTIONS],
            from: [Section::IDENTITY; MAX_SECTIONS],
            step: [Section::default(); MAX_SECTIONS],
            ramping: false,
            active: false,
            state: [[SectionState::default(); MAX_SECTIONS]; MAX_PAIRS],
        })
    }

    /// Target parameters.
    pub fn params(&self) -> &BandParams {
        &self.params
    }

    /// Sets new target parameters; cutoff, q, gain and bypass glide, a new
    /// kind, order or design cross-fades (the old band fades out, the new
    /// one in).
    pub fn set_params(&mut self, p: BandParams) -> Result<(), Error> {
        p.validate()?;
        if self.sample_rate > 0.0 {
            p.check_sample_rate(self.sample_rate)?;
        }
        self.params = p;
        retarget(&mut self.log_cutoff, log(p.cutoff_hz));
        retarget(&mut self.log_q, log(p.q));
        retarget(&mut self.gain_db, p.gain_db);
        if !self.structure_matches()
            && (self.blend.current() == 0.0 || self.blend.ramp_samples() == 0)
        {
            self.switch_structure();
        }
        self.retarget_blend();
        Ok(())
    }

    /// Sizes smoothing for `sample_rate`, then resets.
    pub fn prepare(&mut self, sample_rate: f64) -> Result<(), Error> {
        self.params.check_sample_rate(sample_rate)?;
        self.sample_rate = sample_rate;
        for s in [&mut self.log_cutoff, &mut self.log_q, &mut self.gain_db, &mut self.blend] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, sample_rate);
        }
        self.reset();
        Ok(())
    }

    /// Jumps to the target parameters and clears the state.
    pub fn reset(&mut self) {
        self.switch_structure();
        self.blend.snap_to(self.blend_target());
        self.coefs = self.design();
        self.ramping = false;
        self.active = self.blend.current() > 0.0;
    }

    fn structure_matches(&self) -> bool {
        let (a, b) = (&self.params, &self.running);
        a.kind == b.kind && a.order == b.order && a.design == b.design
    }

    fn blend_target(&self) -> f64 {
        if !self.params.bypass && self.structure_matches() { 1.0 } else { 0.0 }
    }

    fn retarget_blend(&mut self) {
        let target = self.blend_target();
        retarget(&mut self.blend, target);
    }

    /// Adopts the target structure with cleared state and snapped values
    /// (only while the band is silent, or not yet running).
    fn switch_structure(&mut self) {
        self.running = self.params;
        self.designed = None;
        self.log_cutoff.snap();
        self.log_q.snap();
        self.gain_db.snap();
        self.clear_state();
    }

    fn clear_state(&mut self) {
        self.state = [[SectionState::default(); MAX_SECTIONS]; MAX_PAIRS];
    }

    /// Coefficients for the smoothers' current values.
    fn design(&mut self) -> [Section; MAX_SECTIONS] {
        let key = [self.log_cutoff.current(), self.log_q.current(), self.gain_db.current()];
        let secs = match self.designed {
            Some((k, secs)) if k == key => secs,
            _ => {
                let p = BandParams {
                    cutoff_hz: exp(key[0]),
                    q: exp(key[1]),
                    gain_db: key[2],
                    ..self.running
                };
                let (secs, len) = p.sections(self.sample_rate);
                self.len = len;
                self.designed = Some((key, secs));
                secs
            }
        };
        let blend = self.blend.current();
        secs.map(|c| Section::new(&c, blend))
    }

    /// Whether sub-block boundaries leave the band as it is until its
    /// parameters are set again.
    fn is_settled(&self) -> bool {
        !self.is_moving() && (!self.active || self.blend.current() != 0.0)
    }

    fn is_moving(&self) -> bool {
        self.log_cutoff.is_smoothing()
            || self.log_q.is_smoothing()
            || self.gain_db.is_smoothing()
            || self.blend.is_smoothing()
            || !self.structure_matches()
    }

    /// Called at each sub-block boundary of the clock.
    fn begin_sub_block(&mut self) {
        self.ramping = false;
        if !self.is_moving() {
            if self.active && self.blend.current() == 0.0 {
                self.active = false;
                self.clear_state();
            }
            return;
        }
        if !self.structure_matches() && self.blend.current() == 0.0 {
            self.switch_structure();
            self.retarget_blend();
            self.coefs = [Section::IDENTITY; MAX_SECTIONS];
        }
        let blend_before = self.blend.current();
        for s in [&mut self.log_cutoff, &mut self.log_q, &mut self.gain_db, &mut self.blend] {
            s.advance(SUB_BLOCK);
        }
        self.from = self.coefs;
        self.coefs = self.design();
        self.active = blend_before > 0.0 || self.blend.current() > 0.0;
        if !self.active {
            self.clear_state();
            return;
        }
        for i in 0..self.len {
            self.step[i] = self.from[i].step_to(&self.coefs[i], SUB_BLOCK);
        }
        self.ramping = true;
    }

    /// Samples for the band's ringing to decay by 80 dB (0 when bypassed).
    pub fn tail(&self) -> usize {
        if !self.active {
            return 0;
        }
        self.coefs[..self.len].iter().map(Section::decay_samples).fold(0, usize::saturating_add)
    }

    fn flush(&mut self, pairs: usize) {
        for st in self.state.iter_mut().take(pairs).flatten() {
            st.flush();
        }
    }
}

/// Runs `bands` in series over planar `channels` (at most `MAX_CHANNELS`),
/// advancing `clock` by the block length.
pub(crate) fn process_bands(bands: &mut [Band], clock: &mut u64, channels: &mut [&mut [f32]]) {
    let len = channels.first().map_or(0, |c| c.len());
    let pairs = channels.len().div_ceil(2).min(MAX_PAIRS);
    // The missing right channel of an odd channel count (zeroed per use).
    let mut spare = [0.0f32; CHUNK];
    let mut pos = 0;
    while pos < len {
        let off = (*clock % SUB_BLOCK as u64) as usize;
        if off == 0 {
            bands.iter_mut().for_each(Band::begin_sub_block);
        }
        let ramp = bands.iter().any(|b| b.ramping);
        // Settled bands stay as they are until the next `set_params`, so
        // the segment may run on to the next flush.
        let until = if !ramp && bands.iter().all(Band::is_settled) {
            (FLUSH_INTERVAL - *clock % FLUSH_INTERVAL) as usize
        } else {
            SUB_BLOCK - off
        };
        let n = until.min(len - pos);
        for (pair, chans) in channels.chunks_mut(2).take(MAX_PAIRS).enumerate() {
            let (left, rest) = chans.split_at_mut(1);
            let mut at = pos;
            while at < pos + n {
                let m = CHUNK.min(pos + n - at);
                let l = &mut left[0][at..at + m];
                let r = match rest.first_mut() {
                    Some(r) => &mut r[at..at + m],
                    None => {
                        spare[..m].fill(0.0);
                        &mut spare[..m]
                    }
                };
                if ramp {
                    run_ramp(bands, pair, off, l, r);
                } else {
                    run_steady(bands, pair, l, r);
                }
                at += m;
            }
        }
        pos += n;
        *clock += n as u64;
        if *clock % FLUSH_INTERVAL == 0 {
            bands.iter_mut().for_each(|b| b.flush(pairs));
        }
    }
}

/// Runs one sub-block segment of one channel pair through all bands while
/// some band's coefficients glide, sample by sample.
fn run_ramp(bands: &mut [Band], pair: usize, off: usize, l: &mut [f32], r: &mut [f32]) {
    for (i, (a, b)) in l.iter_mut().zip(r.iter_mut()).enumerate() {
        let mut x = [*a as f64, *b as f64];
        let t = (off + i + 1) as f64;
        for band in bands.iter_mut().filter(|b| b.active) {
            let states = &mut band.state[pair][..band.len];
            if band.ramping {
                for ((st, from), step) in states.iter_mut().zip(&band.from).zip(&band.step) {
                    x = from.lerp(step, t).tick(st, x);
                }
            } else {
                for (st, c) in states.iter_mut().zip(&band.coefs) {
                    x = c.tick(st, x);
                }
            }
        }
        *a = x[0] as f32;
        *b = x[1] as f32;
    }
}

/// Runs at most `CHUNK` frames of one channel pair through all active
/// sections with steady coefficients, `GROUP` sections per pass (through
/// an f64 scratch buffer when more than one pass is needed), the feedback
/// multiply-adds fused where the processor has FMA.
fn run_steady(bands: &mut [Band], pair: usize, l: &mut [f32], r: &mut [f32]) {
    dispatch(Steady { bands, pair, l, r });
}

/// [`run_steady`]'s arguments, as a [`Kernel`].
struct Steady<'a> {
    bands: &'a mut [Band],
    pair: usize,
    l: &'a mut [f32],
    r: &'a mut [f32],
}

impl Kernel for Steady<'_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        let Steady { bands, pair, l, r } = self;
        let total: usize = bands.iter().filter(|b| b.active).map(|b| b.len).sum();
        if total <= GROUP {
            run_groups::<WIDE>(bands, pair, &mut Planar(l, r));
            return;
        }
        let mut scratch = [[0.0f64; 2]; CHUNK];
        let buf = &mut scratch[..l.len()];
        for ((x, a), b) in buf.iter_mut().zip(l.iter()).zip(r.iter()) {
            *x = [*a as f64, *b as f64];
        }
        run_groups::<WIDE>(bands, pair, buf);
        for ((x, a), b) in buf.iter().zip(l.iter_mut()).zip(r.iter_mut()) {
            *a = x[0] as f32;
            *b = x[1] as f32;
        }
    }
}

/// Runs the active sections of `bands` in series over `frames`, gathered
/// in groups of up to `GROUP`.
#[inline(always)]
fn run_groups<const WIDE: bool>(
    bands: &mut [Band],
    pair: usize,
    frames: &mut (impl Frames + ?Sized),
) {
    let mut secs = [Section::IDENTITY; GROUP];
    let mut states = [SectionState::default(); GROUP];
    let mut from = [(0, 0); GROUP];
    let mut k = 0;
    let last = bands.iter().rposition(|b| b.active);
    for b in 0..bands.len() {
        let len = if bands[b].active { bands[b].len } else { 0 };
        for s in 0..len {
            secs[k] = bands[b].coefs[s];
            states[k] = bands[b].state[pair][s];
            from[k] = (b, s);
            k += 1;
            if k == GROUP || (Some(b) == last && s + 1 == len) {
                match k {
                    1 if secs[0].is_first_order() => {
                        run_first_order::<WIDE>(&secs[0], &mut states[0], frames)
                    }
                    1 => run_series::<1, WIDE>(&secs, &mut states, frames),
                    2 => run_series::<2, WIDE>(&secs, &mut states, frames),
                    3 => run_series::<3, WIDE>(&secs, &mut states, frames),
                    _ => run_series::<GROUP, WIDE>(&secs, &mut states, frames),
                }
                for (st, &(b, s)) in states.iter().zip(&from).take(k) {
                    bands[b].state[pair][s] = *st;
                }
                k = 0;
            }
        }
    }
}
