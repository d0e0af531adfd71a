//! Loudness normalization to a delivery target: measure, apply gain,
//! true-peak limit, verify.
//!
//! One analysis pass records a 1 ms envelope of the track (K-weighted
//! energy and sample peak); a model of the limiter run on that envelope
//! predicts the integrated loudness the limited output will have at any
//! gain, so the gain that lands on the target is found without touching
//! the audio again. One pass then applies the gain and the limiter while
//! measuring the output; only if that measurement misses the target by
//! more than [`TOLERANCE_LU`] does a correction pass run (at most
//! [`MAX_PASSES`] passes in all). The sample rate never changes.

use alloc::vec;
use alloc::vec::Vec;

use super::offline::{BLOCK, check_track, run_blocks, run_tape, write_block};
use super::tape::{MemTape, Sink, SliceTape, Tape, check_tape};
#[cfg(feature = "std")]
use crate::analysis::QaMeter;
use crate::analysis::gate::{ABSOLUTE_GATE_LUFS, lufs, mean_square};
use crate::analysis::kweight::KWeightPair;
use crate::analysis::{LoudnessMeter, Target, TruePeakInterpolator, TruePeakPrecision};
use crate::buffer::find_nonfinite;
use crate::dynamics::Limiter;
use crate::dynamics::limiter::TRUE_PEAK_MARGIN_DB;
use crate::error::Error;
use crate::math::{db_to_gain, gain_to_db, max_abs_of};
use crate::processor::Processor;
use crate::progress::Progress;
use crate::spec::ProcessSpec;

/// Largest distance of the output's integrated loudness from the target
/// that needs no correction pass, in LU.
pub const TOLERANCE_LU: f64 = 0.05;
/// Most passes of gain, limiter and meter over the audio.
pub const MAX_PASSES: u32 = 3;
/// Envelope points per 100 ms gating hop (1 ms resolution).
const POINTS_PER_HOP: usize = 100;
/// Envelope points per second, the rate the limiter model runs at.
const POINTS_PER_SECOND: f64 = 1000.0;
/// Most gain the search adds above the unlimited estimate, in dB.
const MAX_EXTRA_GAIN_DB: f64 = 40.0;
/// Least loudness gain, in LU per dB of gain, that more gain into the
/// limiter is worth: past it the limiter only flattens the audio, so the
/// search stops there and a target beyond reach is left unmet.
pub const MIN_SLOPE: f64 = 0.1;
/// How close to the target a predicted loudness ends the gain search, LU.
const ROOT_LU: f64 = 1e-4;
/// Largest miss, in LU, corrected by a gain after the limiter instead of a
/// new pass (down always; up only as far as the ceiling allows).
const MAX_TRIM_DB: f64 = 0.5;

/// What a normalization aims at: the integrated loudness and the true-peak
/// ceiling, and how far the envelope's prediction of the limiter's output
/// is known to read loud (from a preview of the same limiter on much the
/// same audio; 0 without one), which the first pass's gain makes up for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Aim {
    /// Target integrated loudness, LUFS.
    pub(crate) lufs: f64,
    /// True-peak ceiling, dBTP.
    pub(crate) ceiling_dbtp: f64,
    /// Predicted minus measured loudness, LU.
    pub(crate) overestimate_lu: f64,
}

impl Aim {
    /// `lufs` under `ceiling_dbtp`, with the prediction taken as it is.
    pub(crate) fn new(lufs: f64, ceiling_dbtp: f64) -> Self {
        Self { lufs, ceiling_dbtp, overestimate_lu: 0.0 }
    }
}

/// What [`normalize`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NormalizeReport {
    /// Target integrated loudness, LUFS.
    pub target_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Integrated loudness of the input, LUFS (`-inf` if silent).
    pub input_lufs: f64,
    /// Gain the analysis predicted, dB.
    pub predicted_gain_db: f64,
    /// Gain applied before the limiter, dB.
    pub gain_db: f64,
    /// Gain applied after the limiter to trim a small miss exactly (0 if
    /// none), dB; the output readings include it.
    pub trim_db: f64,
    /// Largest limiter gain reduction, dB (positive).
    pub limiter_max_gr_db: f64,
    /// Mean limiter gain reduction over the track, dB (positive).
    pub limiter_mean_gr_db: f64,
    /// Integrated loudness of the output, LUFS.
    pub output_lufs: f64,
    /// True peak of the output, dBTP.
    pub output_true_peak_dbtp: f64,
    /// Passes of gain, limiter and meter over the audio (0 for silence,
    /// which is returned unchanged).
    pub passes: u32,
}

/// A track's K-weighted energy and sample peak every millisecond (100
/// points per 100 ms gating hop), the input of the limiter model.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Samples per 100 ms hop.
    hop: usize,
    /// K-weighted energy (sum of squares over channels) per point.
    energy: Vec<f64>,
    /// True peak (largest sample or 4x interpolated magnitude) over
    /// channels per point.
    peak: Vec<f32>,
    /// True peak of the whole track (a last, partial hop included).
    true_peak: f32,
    sample_rate: f64,
}

/// The limiter run on an [`Envelope`]: the same [`Limiter`] (ceiling,
/// lookahead and release in ms) at the envelope's rate of one point per
/// millisecond, fed the peaks, gives the gain of every point.
#[derive(Debug, Clone)]
pub struct LimiterModel {
    limiter: Limiter,
}

impl LimiterModel {
    /// The model of `limiter` (its true-peak mode is already in the
    /// envelope's peaks: the model holds the detector's lower ceiling).
    pub fn of(limiter: &Limiter) -> Result<Self, Error> {
        let margin = if limiter.true_peak() { TRUE_PEAK_MARGIN_DB } else { 0.0 };
        let mut l = limiter.clone();
        l.set_true_peak(false);
        l.set_ceiling_db(limiter.ceiling_db() - margin)?;
        l.prepare(&ProcessSpec::new(POINTS_PER_SECOND, BLOCK, 1))?;
        Ok(Self { limiter: l })
    }

    /// The limiter's gain at each point of `peak` after `gain`: its output
    /// over its (aligned) input, 1 where the input is silent.
    fn gains(&mut self, peak: &[f32], gain: f32) -> Vec<f32> {
        self.limiter.reset();
        let mut out = vec![0.0f32; peak.len()];
        // Without a callback nothing cancels: the run cannot fail.
        let _ = run_blocks(
            &[peak],
            self.limiter.latency(),
            &mut Progress::none(),
            |b| {
                b[0].iter_mut().for_each(|v| *v *= gain);
                self.limiter.process(b);
            },
            |at, b| out[at..at + b[0].len()].copy_from_slice(b[0]),
        );
        for (o, &p) in out.iter_mut().zip(peak) {
            let x = p * gain;
            *o = if x > 0.0 { (*o / x).min(1.0) } else { 1.0 };
        }
        out
    }
}

impl Envelope {
    /// Analyses planar audio (finite samples, equal lengths).
    pub fn analyze<S: AsRef<[f32]>>(channels: &[S], sample_rate: f64) -> Result<Self, Error> {
        check_track(channels)?;
        let mut builder = EnvelopeBuilder::new(sample_rate, channels.len())?;
        let views: Vec<&[f32]> = channels.iter().map(AsRef::as_ref).collect();
        builder.add(&views)?;
        builder.finish()
    }

    /// Analyses a [`Tape`] (rewound first, read to its end).
    pub fn analyze_tape<T: Tape + ?Sized>(
        tape: &mut T,
        sample_rate: f64,
        progress: &mut Progress,
    ) -> Result<Self, Error> {
        check_tape(tape)?;
        let mut builder = EnvelopeBuilder::new(sample_rate, tape.channels())?;
        run_tape(tape, 0, progress, |_| {}, |_, b| builder.add(&views(b)[..b.len()]))?;
        builder.finish()
    }

    /// Sample range of envelope point `p`.
    fn span(hop: usize, p: usize) -> (usize, usize) {
        let (h, j) = (p / POINTS_PER_HOP, p % POINTS_PER_HOP);
        (h * hop + j * hop / POINTS_PER_HOP, h * hop + (j + 1) * hop / POINTS_PER_HOP)
    }

    /// Sample rate of the analysed track.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// True peak of the track (4x interpolated, BS.1770), dBTP.
    pub fn true_peak_dbtp(&self) -> f64 {
        gain_to_db(f64::from(self.true_peak))
    }

    /// Peak-to-loudness ratio: true peak over integrated loudness, dB.
    pub fn plr_db(&self) -> f64 {
        self.true_peak_dbtp() - self.integrated_lufs()
    }

    /// Integrated loudness (BS.1770 gating) of the track, LUFS.
    pub fn integrated_lufs(&self) -> f64 {
        self.predict_lufs(0.0, None)
    }

    /// Integrated loudness of the track after `gain_db` and, if given, the
    /// modelled limiter, LUFS.
    pub fn predict_lufs(&self, gain_db: f64, limiter: Option<&mut LimiterModel>) -> f64 {
        gated_lufs(&self.blocks(gain_db, limiter))
    }

    /// Integrated loudness of several tracks measured as one programme (the
    /// album loudness), LUFS.
    pub fn combined_lufs(envelopes: &[&Envelope]) -> f64 {
        let blocks: Vec<f64> = envelopes.iter().flat_map(|e| e.blocks(0.0, None)).collect();
        gated_lufs(&blocks)
    }

    /// Mean squares of the 400 ms gating blocks (every 100 ms) after
    /// `gain_db` and the modelled limiter.
    fn blocks(&self, gain_db: f64, limiter: Option<&mut LimiterModel>) -> Vec<f64> {
        let g = db_to_gain(gain_db);
        let mut hops = vec![0.0f64; self.energy.len() / POINTS_PER_HOP];
        let gains = limiter.map(|m| m.gains(&self.peak, g as f32));
        for (p, &e) in self.energy.iter().enumerate() {
            let k = gains.as_ref().map_or(1.0, |r| r[p] as f64);
            hops[p / POINTS_PER_HOP] += e * k * k;
        }
        let scale = g * g / (4 * self.hop) as f64;
        hops.windows(4).map(|w| scale * w.iter().sum::<f64>()).collect()
    }

    /// The gain in dB that brings the output of `limiter` to `target_lufs`
    /// and whether it does: a target out of reach gets the gain past which
    /// more gain adds less than [`MIN_SLOPE`] LU per dB (`None` for a silent
    /// track).
    pub fn gain_for(&self, target_lufs: f64, limiter: &mut LimiterModel) -> Option<(f64, bool)> {
        let unlimited = self.integrated_lufs();
        if !unlimited.is_finite() {
            return None;
        }
        let lo0 = target_lufs - unlimited;
        let mut f = |g: f64| self.predict_lufs(g, Some(limiter)) - target_lufs;
        let (mut lo, mut hi) = (lo0, lo0);
        let mut step = 1.0;
        let mut f_hi = f(hi);
        let mut f_lo = f_hi;
        while f_hi < 0.0 {
            f_lo = f_hi;
            lo = hi;
            hi += step;
            f_hi = f(hi);
            if (f_hi - f_lo) / step < MIN_SLOPE || hi > lo0 + MAX_EXTRA_GAIN_DB {
                // Out of reach: the loudest worthwhile gain, where the next
                // dB adds less than MIN_SLOPE.
                let (mut g, mut at) = (lo, f_lo);
                while g + 1.0 < hi {
                    let next = f(g + 1.0);
                    if next - at < MIN_SLOPE {
                        break;
                    }
                    (g, at) = (g + 1.0, next);
                }
                return Some((g, false));
            }
            step *= 2.0;
        }
        // The root within the bracket (`f(lo) < 0 <= f(hi)`) by regula falsi
        // with the Illinois step (when one end moves twice running, the
        // other's value is halved), bisecting where the secant leaves the
        // bracket: a handful of predictions where bisection takes a dozen.
        let mut moved = 0i8;
        for _ in 0..40 {
            if hi - lo < 1e-3 {
                break;
            }
            let secant = hi - f_hi * (hi - lo) / (f_hi - f_lo);
            let mid = if secant > lo && secant < hi { secant } else { 0.5 * (lo + hi) };
            let at = f(mid);
            if at.abs() < ROOT_LU {
                return Some((mid, true));
            }
            if at < 0.0 {
                (lo, f_lo) = (mid, at);
                if moved == 1 {
                    f_hi *= 0.5;
                }
                moved = 1;
            } else {
                (hi, f_hi) = (mid, at);
                if moved == -1 {
                    f_lo *= 0.5;
                }
                moved = -1;
            }
        }
        Some((0.5 * (lo + hi), true))
    }

    /// The least peak reduction, dB below the track's highest peak (0 to
    /// `most_db`, within 0.05 dB), that lets `limiter` bring the track to
    /// `target_lufs` ([`gain_for`](Self::gain_for) reaches it) when a clipper
    /// before it holds the peaks there (modelled by capping the envelope's
    /// peaks); `most_db` if even that does not. An instant clipper takes
    /// peaks without pumping what lies around them, which is what a dense
    /// target beyond the limiter's reach needs.
    pub fn clip_to_reach(&self, target_lufs: f64, limiter: &mut LimiterModel, most_db: f64) -> f64 {
        let mut reaches = |share: f64| {
            self.clipped(share).gain_for(target_lufs, limiter).is_some_and(|(_, reached)| reached)
        };
        if reaches(0.0) {
            return 0.0;
        }
        let (mut lo, mut hi) = (0.0, most_db.max(0.0));
        if !reaches(hi) {
            return hi;
        }
        while hi - lo > 0.05 {
            let mid = 0.5 * (lo + hi);
            if reaches(mid) { hi = mid } else { lo = mid }
        }
        hi
    }

    /// This envelope with its peaks capped `share_db` below the track's
    /// true peak (where a clipper set from it would hold them).
    fn clipped(&self, share_db: f64) -> Envelope {
        let cap = self.true_peak * db_to_gain(-share_db) as f32;
        Envelope {
            hop: self.hop,
            energy: self.energy.clone(),
            peak: self.peak.iter().map(|&p| p.min(cap)).collect(),
            true_peak: self.true_peak.min(cap),
            sample_rate: self.sample_rate,
        }
    }
}

/// An [`Envelope`] built block by block as a track is read or written
/// (the same envelope as [`Envelope::analyze`] of the whole track).
#[derive(Debug, Clone)]
pub struct EnvelopeBuilder {
    hop: usize,
    sample_rate: f64,
    energy: Vec<f64>,
    peak: Vec<f32>,
    /// K-weighting and true-peak state of each channel pair.
    pairs: Vec<(KWeightPair, [TruePeakInterpolator; 2])>,
    /// The samples of the point being filled, per channel.
    pending: Vec<Vec<f32>>,
    zeros: Vec<f32>,
    frames: usize,
}

impl EnvelopeBuilder {
    /// A builder for `channels` (1 to [`MAX_CHANNELS`](crate::spec::MAX_CHANNELS)) at `sample_rate`.
    pub fn new(sample_rate: f64, channels: usize) -> Result<Self, Error> {
        ProcessSpec::new(sample_rate, 1, channels).validate()?;
        let hop = libm::round(sample_rate / 10.0) as usize;
        let most = hop / POINTS_PER_HOP + 1;
        let tp = || TruePeakInterpolator::new(sample_rate, TruePeakPrecision::Standard);
        Ok(Self {
            hop,
            sample_rate,
            energy: Vec::new(),
            peak: Vec::new(),
            pairs: (0..channels.div_ceil(2))
                .map(|_| (KWeightPair::new(sample_rate), [tp(), tp()]))
                .collect(),
            pending: (0..channels).map(|_| Vec::with_capacity(most)).collect(),
            zeros: vec![0.0; most],
            frames: 0,
        })
    }

    /// Adds the next block (one slice per channel, equal lengths, finite).
    pub fn add(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        if block.len() != self.pending.len() {
            return Err(Error::ChannelMismatch {
                expected: self.pending.len(),
                actual: block.len(),
            });
        }
        let n = block[0].len();
        if let Some(bad) = block.iter().find(|b| b.len() != n) {
            return Err(Error::LengthMismatch { expected: n, actual: bad.len() });
        }
        if let Some((channel, index)) = find_nonfinite(block) {
            return Err(Error::NonFinite { channel, index: self.frames + index });
        }
        let mut at = 0;
        while at < n {
            let (start, end) = Envelope::span(self.hop, self.energy.len());
            let have = self.pending[0].len();
            let take = (end - start - have).min(n - at);
            if have == 0 && take == end - start {
                // The whole point is in the block.
                let views: [&[f32]; crate::spec::MAX_CHANNELS] =
                    core::array::from_fn(|c| block.get(c).map_or(&[][..], |b| &b[at..at + take]));
                self.point(&views[..block.len()]);
            } else {
                for (p, b) in self.pending.iter_mut().zip(block) {
                    p.extend_from_slice(&b[at..at + take]);
                }
                if have + take == end - start {
                    let pending = core::mem::take(&mut self.pending);
                    self.point(&pending);
                    self.pending = pending;
                    self.pending.iter_mut().for_each(Vec::clear);
                }
            }
            at += take;
        }
        self.frames += n;
        Ok(())
    }

    /// Records the point of `x` (its samples on every channel).
    fn point<S: AsRef<[f32]>>(&mut self, x: &[S]) {
        let (mut e, mut pk) = (0.0f64, 0.0f32);
        for ((k, tp), pair) in self.pairs.iter_mut().zip(x.chunks(2)) {
            let a = pair[0].as_ref();
            let b = pair.get(1).map_or(&self.zeros[..a.len()], |b| b.as_ref());
            let s = k.sum_squares(a, b, [0.0; 2]);
            e += s[0] + s[1];
            pk = pk.max(peak_of(tp, pair));
        }
        self.energy.push(e);
        self.peak.push(pk);
    }

    /// The envelope of the track added (whole 100 ms hops); `EmptyInput`
    /// if nothing was added.
    pub fn finish(mut self) -> Result<Envelope, Error> {
        if self.frames == 0 {
            return Err(Error::EmptyInput);
        }
        let mut true_peak = self.peak.iter().fold(0.0f32, |m, &p| m.max(p));
        for ((_, tp), pair) in self.pairs.iter_mut().zip(self.pending.chunks(2)) {
            true_peak = true_peak.max(peak_of(tp, pair));
        }
        let points = self.frames / self.hop * POINTS_PER_HOP;
        let (mut energy, mut peak) = (self.energy, self.peak);
        energy.truncate(points);
        peak.truncate(points);
        Ok(Envelope { hop: self.hop, energy, peak, true_peak, sample_rate: self.sample_rate })
    }
}

/// The largest sample or 4x interpolated magnitude of a pair of channels
/// (or one), continuing their interpolators `tp`.
fn peak_of<S: AsRef<[f32]>>(tp: &mut [TruePeakInterpolator; 2], pair: &[S]) -> f32 {
    let mut pk = 0.0f32;
    for (t, x) in tp.iter_mut().zip(pair) {
        let x = x.as_ref();
        pk = pk.max(max_abs_of(0.0, x)).max(t.process_peak(x));
    }
    pk
}

/// BS.1770 gated mean of 400 ms block mean squares, LUFS.
fn gated_lufs(blocks: &[f64]) -> f64 {
    let abs = mean_square(ABSOLUTE_GATE_LUFS);
    let mean = |floor: f64| {
        let (n, s) =
            blocks.iter().filter(|&&z| z >= floor).fold((0usize, 0.0), |(n, s), z| (n + 1, s + z));
        (n > 0).then(|| s / n as f64)
    };
    match mean(abs) {
        Some(m) => mean(abs.max(m * 0.1)).map_or(f64::NEG_INFINITY, lufs),
        None => f64::NEG_INFINITY,
    }
}

/// Normalizes planar audio to `target`: gain, then `limiter` with its
/// ceiling set to the target's true-peak ceiling in true-peak mode, so that
/// the output reads within [`TOLERANCE_LU`] of the target loudness where
/// the limiter allows and at or below the ceiling. Returns the new audio
/// (same length and rate, aligned with the input) and what was done. A
/// silent track (no gated loudness) comes back unchanged.
pub fn normalize<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    target: &Target,
    limiter: &Limiter,
) -> Result<(Vec<Vec<f32>>, NormalizeReport), Error> {
    let envelope = Envelope::analyze(input, sample_rate)?;
    let (lufs, ceiling) = (target.integrated_lufs, target.true_peak_dbtp);
    normalize_analyzed(input, &envelope, lufs, ceiling, limiter, &mut Progress::none())
}

/// [`normalize`] to `target_lufs` and `ceiling_dbtp` with the envelope of
/// `input` already analysed, reporting each pass to `progress`.
pub fn normalize_analyzed<S: AsRef<[f32]>>(
    input: &[S],
    envelope: &Envelope,
    target_lufs: f64,
    ceiling_dbtp: f64,
    limiter: &Limiter,
    progress: &mut Progress,
) -> Result<(Vec<Vec<f32>>, NormalizeReport), Error> {
    let len = check_track(input)?;
    let mut out = MemTape::with_capacity(input.len(), len);
    let report = normalize_tape(
        &mut SliceTape::new(input),
        &mut out,
        envelope,
        target_lufs,
        ceiling_dbtp,
        limiter,
        progress,
    )?;
    Ok((out.into_inner(), report))
}

/// [`normalize_analyzed`] from a [`Tape`] (the track `envelope` was built
/// from) into a [`Sink`]: each pass rewinds the tape and restarts the sink,
/// so the sink holds the result when this returns, the same as the
/// in-memory functions give. A trim after the limiter is applied by the
/// sink in place where it can, by writing the last pass again otherwise.
pub fn normalize_tape<T: Tape + ?Sized, K: Sink + ?Sized>(
    input: &mut T,
    out: &mut K,
    envelope: &Envelope,
    target_lufs: f64,
    ceiling_dbtp: f64,
    limiter: &Limiter,
    progress: &mut Progress,
) -> Result<NormalizeReport, Error> {
    let meter = LoudnessMeter::new(envelope.sample_rate(), input.channels())?;
    let aim = Aim::new(target_lufs, ceiling_dbtp);
    normalize_measured(input, &mut Measured { inner: out, meter }, envelope, aim, limiter, progress)
}

/// A sink that measures what it writes (afresh from each restart) with
/// `meter` before handing it on: what verifies each pass of
/// [`normalize_measured`].
pub(crate) struct Measured<'a, K: ?Sized, M> {
    /// Where the measured audio goes.
    pub inner: &'a mut K,
    /// The meter.
    pub meter: M,
}

impl<K: Sink + ?Sized, M: PassMeter> Sink for Measured<'_, K, M> {
    fn restart(&mut self) -> Result<(), Error> {
        self.meter.reset();
        self.inner.restart()
    }

    fn write(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.meter.add(block);
        self.inner.write(block)
    }

    fn scale(&mut self, gain: f32) -> bool {
        M::FOLLOWS_GAIN && self.inner.scale(gain)
    }
}

/// The readings of what a sink wrote since its restart, from the
/// [`Measured`] sink it is or hands its audio on to.
pub(crate) trait Readings {
    /// The meter's [`PassMeter::FOLLOWS_GAIN`].
    const FOLLOWS_GAIN: bool;
    /// Integrated loudness (LUFS) and true peak (dBTP).
    fn readings(&self) -> (f64, f64);
}

impl<K: ?Sized, M: PassMeter> Readings for Measured<'_, K, M> {
    const FOLLOWS_GAIN: bool = M::FOLLOWS_GAIN;

    fn readings(&self) -> (f64, f64) {
        self.meter.readings()
    }
}

/// The meter of a [`Measured`] sink.
pub(crate) trait PassMeter {
    /// Whether every reading moves by a gain applied to what it measured
    /// (so that a trim may scale the written output in place, its readings
    /// moved by the trim).
    const FOLLOWS_GAIN: bool;
    /// Forgets what it measured.
    fn reset(&mut self);
    /// Measures a block (finite samples, the meter's channels).
    fn add(&mut self, block: &[&[f32]]);
    /// Integrated loudness (LUFS) and true peak (dBTP) of what it measured.
    fn readings(&self) -> (f64, f64);
}

impl PassMeter for LoudnessMeter {
    const FOLLOWS_GAIN: bool = true;

    fn reset(&mut self) {
        LoudnessMeter::reset(self);
    }

    fn add(&mut self, block: &[&[f32]]) {
        // The block was checked finite and the channel count is the meter's.
        let _ = self.add_planar(block);
    }

    fn readings(&self) -> (f64, f64) {
        (self.integrated_lufs(), self.true_peak_dbtp())
    }
}

#[cfg(feature = "std")]
impl PassMeter for QaMeter {
    // The report holds readings no gain moves (clipped samples).
    const FOLLOWS_GAIN: bool = false;

    fn reset(&mut self) {
        QaMeter::reset(self);
    }

    fn add(&mut self, block: &[&[f32]]) {
        // As for the loudness meter: finite samples, the meter's channels.
        let _ = QaMeter::add(self, block);
    }

    fn readings(&self) -> (f64, f64) {
        self.report().map_or((f64::NEG_INFINITY, f64::NEG_INFINITY), |r| {
            (r.integrated_lufs, r.true_peak_dbtp)
        })
    }
}

/// [`normalize_tape`] to `aim` into a sink that measures what it writes,
/// which verifies each pass (and holds the measurement of the output when
/// this returns).
pub(crate) fn normalize_measured<T: Tape + ?Sized, K: Sink + Readings + ?Sized>(
    input: &mut T,
    out: &mut K,
    envelope: &Envelope,
    aim: Aim,
    limiter: &Limiter,
    progress: &mut Progress,
) -> Result<NormalizeReport, Error> {
    let (target_lufs, ceiling_dbtp) = (aim.lufs, aim.ceiling_dbtp);
    let len = check_tape(input)?;
    let channels = input.channels();
    let sample_rate = envelope.sample_rate();
    let mut limiter = limiter.clone();
    limiter.set_ceiling_db(ceiling_dbtp.min(0.0))?;
    limiter.set_true_peak(true);
    limiter.prepare(&ProcessSpec::new(sample_rate, BLOCK, channels))?;
    let mut model = LimiterModel::of(&limiter)?;
    let input_lufs = envelope.integrated_lufs();
    let mut report = NormalizeReport {
        target_lufs,
        ceiling_dbtp,
        input_lufs,
        predicted_gain_db: 0.0,
        gain_db: 0.0,
        trim_db: 0.0,
        limiter_max_gr_db: 0.0,
        limiter_mean_gr_db: 0.0,
        output_lufs: input_lufs,
        output_true_peak_dbtp: f64::NEG_INFINITY,
        passes: 0,
    };
    let aimed = target_lufs + aim.overestimate_lu;
    let Some((predicted, reachable)) = envelope.gain_for(aimed, &mut model) else {
        out.restart()?;
        run_tape(input, 0, progress, |_| {}, |_, b| out.write(&views(b)[..b.len()]))?;
        report.output_true_peak_dbtp = out.readings().1;
        return Ok(report);
    };
    report.predicted_gain_db = predicted;
    let mut gain_db = predicted;
    let mut gr = vec![0.0f32; BLOCK];
    loop {
        limiter.reset();
        out.restart()?;
        let g = db_to_gain(gain_db) as f32;
        let (mut max_gr, mut sum_gr) = (0.0f32, 0.0f64);
        let pass = |progress: &mut Progress| {
            run_tape(
                input,
                limiter.latency(),
                progress,
                |b| {
                    b.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= g));
                    let n = b[0].len();
                    limiter.process_with_gain_reduction(b, &mut gr[..n]);
                    for &r in &gr[..n] {
                        max_gr = max_gr.max(r);
                        sum_gr += r as f64;
                    }
                },
                |_, b| out.write(&views(b)[..b.len()]),
            )
        };
        progress.phase(pass_span(report.passes).0, pass_span(report.passes).1, pass)?;
        report.passes += 1;
        report.gain_db = gain_db;
        report.limiter_max_gr_db = max_gr as f64;
        report.limiter_mean_gr_db = sum_gr / (len + limiter.latency()) as f64;
        (report.output_lufs, report.output_true_peak_dbtp) = out.readings();
        let miss = target_lufs - report.output_lufs;
        if miss.abs() <= TOLERANCE_LU || !miss.is_finite() {
            break;
        }
        // A small miss is trimmed exactly by a gain after the limiter
        // (loudness and true peak move by the gain) where the ceiling
        // allows.
        let room = ceiling_dbtp - report.output_true_peak_dbtp;
        if miss.abs() <= MAX_TRIM_DB && miss <= room {
            let trim = db_to_gain(miss) as f32;
            if !out.scale(trim) {
                // The same pass again (the limiter is deterministic from a
                // reset), trimmed and measured as it is written.
                limiter.reset();
                out.restart()?;
                let (from, to) = pass_span(report.passes);
                progress.phase(from, to, |p| {
                    run_tape(
                        input,
                        limiter.latency(),
                        p,
                        |b| {
                            b.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= g));
                            limiter.process(b);
                        },
                        |_, b| {
                            b.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= trim));
                            out.write(&views(b)[..b.len()])
                        },
                    )
                })?;
            }
            // Readings that follow a gain move by the trim, whichever way it
            // was applied; others were taken of the trimmed pass.
            if K::FOLLOWS_GAIN {
                report.output_lufs += miss;
                report.output_true_peak_dbtp += miss;
            } else {
                (report.output_lufs, report.output_true_peak_dbtp) = out.readings();
            }
            report.trim_db = miss;
            break;
        }
        // Otherwise the model's local slope (output LU per dB of gain) turns
        // the miss into a gain correction, unless more gain no longer helps.
        let mut at = |d: f64| envelope.predict_lufs(gain_db + d, Some(&mut model));
        let slope = (at(0.25) - at(0.0)) / 0.25;
        if report.passes >= MAX_PASSES || (miss > 0.0 && (!reachable || slope < MIN_SLOPE)) {
            break;
        }
        gain_db += miss / slope.clamp(MIN_SLOPE, 1.0);
    }
    Ok(report)
}

/// The share of the progress of pass `passes` (from 0): the first half,
/// then half the rest...
fn pass_span(passes: u32) -> (f64, f64) {
    let done = 1.0 - libm::pow(0.5, f64::from(passes));
    (done, done + libm::pow(0.5, f64::from(passes) + 1.0))
}

/// Shared views of a block handed on by [`run_tape`].
fn views<'a>(b: &'a [&mut [f32]]) -> [&'a [f32]; crate::spec::MAX_CHANNELS] {
    core::array::from_fn(|c| b.get(c).map_or(&[][..], |x| &x[..]))
}

/// What [`normalize_analyzed`] returns, quickly and approximately: the
/// predicted gain and `limiter` as normalization runs it (true-peak mode at
/// the ceiling), in one pass that measures nothing. For looking at what
/// normalization will do to the audio: reference matching corrects its
/// tonal balance and width with it, and the gain of the real pass by how
/// far its loudness misses the prediction.
pub fn normalize_preview<S: AsRef<[f32]>>(
    input: &[S],
    envelope: &Envelope,
    target_lufs: f64,
    ceiling_dbtp: f64,
    limiter: &Limiter,
    progress: &mut Progress,
) -> Result<Vec<Vec<f32>>, Error> {
    let len = check_track(input)?;
    let mut limiter = limiter.clone();
    limiter.set_true_peak(true);
    limiter.set_ceiling_db(ceiling_dbtp.min(0.0))?;
    let mut model = LimiterModel::of(&limiter)?;
    limiter.prepare(&ProcessSpec::new(envelope.sample_rate(), BLOCK, input.len()))?;
    let gain_db = envelope.gain_for(target_lufs, &mut model).map_or(0.0, |(g, _)| g);
    let g = db_to_gain(gain_db) as f32;
    let mut out = vec![vec![0.0f32; len]; input.len()];
    run_blocks(
        input,
        limiter.latency(),
        progress,
        |b| {
            b.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= g));
            limiter.process(b);
        },
        |at, b| write_block(&mut out, at, b),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::music_like;

    fn measure(x: &[Vec<f32>], sr: f64) -> (f64, f64) {
        let mut m = LoudnessMeter::new(sr, x.len()).unwrap();
        m.add_planar(&x.iter().map(Vec::as_slice).collect::<Vec<_>>()).unwrap();
        (m.integrated_lufs(), m.true_peak_dbtp())
    }

    #[test]
    fn lands_on_the_target_below_the_ceiling_at_any_rate() {
        for &sr in &[44_100.0, 48_000.0, 96_000.0] {
            for (level, target) in [(0.05, "spotify"), (0.5, "ebu_r128"), (0.3, "spotify")] {
                let x = music_like(sr, 20.0, level, 7);
                let target = Target::by_name(target).unwrap();
                let (y, r) = normalize(&x, sr, &target, &Limiter::default()).unwrap();
                let (lufs, tp) = measure(&y, sr);
                assert!((lufs - target.integrated_lufs).abs() <= 0.1, "{sr} {level}: {r:?}");
                assert!(tp <= target.true_peak_dbtp + 1e-9, "{sr} {level}: tp {tp}");
                assert_eq!(y[0].len(), x[0].len());
                assert!(r.passes <= 2, "{r:?}");
                // The readings are the output's (a trim moves them exactly).
                assert!((r.output_lufs - lufs).abs() < 1e-3, "{r:?} {lufs}");
            }
        }
    }

    #[test]
    fn the_prediction_matches_the_limited_output() {
        // Loud target: heavy limiting, where the plain gain would miss by
        // LUs; the analysis predicts the gain within 1 dB.
        let sr = 48_000.0;
        let x = music_like(sr, 30.0, 0.1, 3);
        let target = Target::custom("loud", -11.0, 1.0, -1.0, true).unwrap();
        let (y, r) = normalize(&x, sr, &target, &Limiter::default()).unwrap();
        let (lufs, tp) = measure(&y, sr);
        assert!(r.limiter_max_gr_db > 3.0, "{r:?}");
        assert!(r.predicted_gain_db - (target.integrated_lufs - r.input_lufs) > 3.0, "{r:?}");
        assert!((r.predicted_gain_db - r.gain_db).abs() < 1.0, "{r:?}");
        assert!((lufs - target.integrated_lufs).abs() <= 0.1, "{r:?}");
        assert!(tp <= -1.0, "{tp}");
    }

    #[test]
    fn a_target_out_of_reach_stops_where_more_gain_stops_helping() {
        // -3 LUFS under a -1 dBTP ceiling is beyond any limiter on music:
        // the gain stays where the loudness flattens out, in one pass.
        let sr = 48_000.0;
        let x = music_like(sr, 20.0, 0.1, 4);
        let target = Target::custom("absurd", -3.0, 1.0, -1.0, true).unwrap();
        let (y, r) = normalize(&x, sr, &target, &Limiter::default()).unwrap();
        let (lufs, tp) = measure(&y, sr);
        assert!(lufs < -4.0 && tp <= -1.0, "{lufs} {tp}");
        assert_eq!(r.passes, 1, "{r:?}");
        assert!(r.gain_db < r.target_lufs - r.input_lufs + 10.0, "{r:?}");
        // Half the gain's last dB would add less than MIN_SLOPE LU.
        let e = Envelope::analyze(&x, sr).unwrap();
        let mut l = Limiter::default();
        l.set_ceiling_db(-1.0).unwrap();
        l.set_true_peak(true);
        let mut m = LimiterModel::of(&l).unwrap();
        let more =
            e.predict_lufs(r.gain_db + 6.0, Some(&mut m)) - e.predict_lufs(r.gain_db, Some(&mut m));
        assert!(more < 6.0 * 2.0 * MIN_SLOPE, "{more}");
    }

    #[test]
    fn clipping_the_peaks_brings_a_dense_target_within_reach() {
        let sr = 48_000.0;
        let e = Envelope::analyze(&music_like(sr, 20.0, 0.1, 4), sr).unwrap();
        let mut l = Limiter::default();
        l.set_ceiling_db(-1.0).unwrap();
        l.set_true_peak(true);
        let m = &mut LimiterModel::of(&l).unwrap();
        // Within the limiter's reach: nothing to clip.
        assert_eq!(e.clip_to_reach(-14.0, m, 20.0), 0.0);
        // Beyond it: the least share of the peaks that brings it, within
        // 0.05 dB, and all there is when even that does not.
        let target = -5.0;
        assert_eq!(e.gain_for(target, m).map(|g| g.1), Some(false));
        let share = e.clip_to_reach(target, m, 20.0);
        let reaches = |s: f64, m: &mut LimiterModel| e.clipped(s).gain_for(target, m).unwrap().1;
        assert!(share > 0.0 && share < 20.0, "{share}");
        assert!(reaches(share, m) && !reaches(share - 0.05, m), "{share}");
        assert_eq!(e.clip_to_reach(target, m, share - 1.0), share - 1.0);
    }

    #[test]
    fn the_preview_is_close_to_the_verified_result() {
        // Loud target, hard limiting: the preview lands within 0.5 LU of the
        // verified output, its samples under the ceiling.
        let sr = 48_000.0;
        let x = music_like(sr, 20.0, 0.1, 6);
        let e = Envelope::analyze(&x, sr).unwrap();
        let l = Limiter::default();
        let preview =
            normalize_preview(&x, &e, -11.0, -1.0, &l, &mut crate::progress::Progress::none())
                .unwrap();
        let (y, r) =
            normalize_analyzed(&x, &e, -11.0, -1.0, &l, &mut crate::progress::Progress::none())
                .unwrap();
        let (lufs, _) = measure(&preview, sr);
        assert!(r.limiter_max_gr_db > 3.0, "{r:?}");
        assert!((lufs - measure(&y, sr).0).abs() < 0.5, "{lufs} {r:?}");
        let peak = preview.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak <= db_to_gain(-1.0) as f32, "{peak}");
    }

    #[test]
    fn the_envelope_reads_like_the_meter() {
        let sr = 44_100.0;
        let mut x = music_like(sr, 12.05, 0.2, 5);
        // The loudest peak in the last, partial hop (past the gating
        // blocks): the true peak still reads it.
        let end = x[1].len() - 10;
        x[1][end] = 0.99;
        let e = Envelope::analyze(&x, sr).unwrap();
        let (lufs, tp) = measure(&x, sr);
        assert!((e.integrated_lufs() - lufs).abs() < 0.01, "{} {lufs}", e.integrated_lufs());
        assert!((e.true_peak_dbtp() - tp).abs() < 1e-6, "{} {tp}", e.true_peak_dbtp());
        assert!(tp > -0.1, "{tp}");
        assert!((e.plr_db() - (tp - lufs)).abs() < 0.01);
    }

    #[test]
    fn silence_comes_back_unchanged() {
        let x = vec![vec![0.0f32; 48_000]; 2];
        let (y, r) =
            normalize(&x, 48_000.0, &Target::by_name("spotify").unwrap(), &Limiter::default())
                .unwrap();
        assert_eq!(y, x);
        assert_eq!(r.passes, 0);
        assert_eq!(r.input_lufs, f64::NEG_INFINITY);
    }
}
