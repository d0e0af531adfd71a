//! Lookahead brickwall limiter that cannot overshoot (sliding-minimum hold,
//! instant-down release, box-filter attack).

use alloc::vec;
use alloc::vec::Vec;

use crate::analysis::{TruePeakInterpolator, TruePeakPrecision};
use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::db_to_gain;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch, mul_add};
use crate::spec::ProcessSpec;

use super::Dynamics;
use super::ballistics::time_coef;
use crate::math::{greater, lesser, min_of};

/// Longest lookahead in ms.
pub const MAX_LOOKAHEAD_MS: f64 = 20.0;
/// Slow-envelope time constant of automatic release, as a multiple of
/// `release_ms`.
pub const AUTO_RELEASE_FACTOR: f64 = 5.0;
/// Internal ceiling relative to the set one, absorbing f32 rounding so that
/// the output never exceeds the ceiling (about -0.00002 dB).
const CEILING_MARGIN: f32 = 1.0 - 2e-6;
/// How far below the set ceiling true-peak mode holds its detector, in dB.
///
/// The applied gain varies in time, so the output's true peak is not the
/// detected input peak times the gain: measured after limiting music-like
/// material 14 dB into a -1 dBTP ceiling, the output read up to 0.003 dB over
/// on our High meter, 0.008 dB over on libebur128 (whose 4x interpolator
/// reads any sample 0.008 dB high) and 0.028 dB over on a 16x oversampled
/// Kaiser reference. 0.05 dB covers each with room; it costs 0.05 dB of
/// loudness.
pub const TRUE_PEAK_MARGIN_DB: f64 = 0.05;
/// Fixed-point scale of the attack smoothing sums (exact, drift-free).
const FIX: f64 = 4_294_967_296.0;
/// Frames per pass of the limiter's gain path (detector, sliding minimum,
/// release and attack smoothing, delay line).
const LIMITER_PASS: usize = 256;
/// True-peak detection groups: the detector reports the largest true peak
/// of aligned groups of this many input samples (an upper bound of each
/// sample's own), at the cost of `TP_GROUP - 1` samples of latency.
const TP_GROUP: usize = 16;

crate::declare_params! {
    Limiter, LIMITER_KIND = "limiter", "Limiter", Caps::PLAIN.gain_reduction().latency(),
        "Lookahead brickwall limiter linked over all channels: no output sample exceeds the \
         ceiling (sample-peak mode); true-peak mode holds the inter-sample peak 0.05 dB below \
         it, so that any true-peak meter reads at or below the ceiling on music. Adds \
         `lookahead_ms` of latency (more in true-peak mode).",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        };
    CEILING_DB = ParamInfo::float("ceiling_db", -60.0, 0.0, -1.0, "dB",
        "Ceiling in dB (dBFS, or dBTP in true-peak mode)") => ceiling_db, set_ceiling_db;
    TRUE_PEAK = ParamInfo::toggle("true_peak", false,
        "Limits the true (inter-sample) peak; applies at the next prepare or reset")
        => true_peak, set_true_peak;
    LOOKAHEAD_MS = ParamInfo::float("lookahead_ms", 0.1, MAX_LOOKAHEAD_MS, 5.0, "ms",
        "Lookahead (the latency); applies at the next prepare or reset")
        .log() => lookahead_ms, set_lookahead_ms;
    RELEASE_MS = ParamInfo::float("release_ms", 1.0, 5000.0, 100.0, "ms",
        "Release time constant: time to cover 63.2 % of the way back").log()
        => release_ms, set_release_ms;
    AUTO_RELEASE = ParamInfo::toggle("auto_release", false,
        "Program-dependent release: sustained limiting recovers more slowly")
        => auto_release, set_auto_release;
}

/// A lookahead brickwall limiter, linked across all channels.
///
/// Per input frame the required gain is `min(1, C / p)`, `p` the largest
/// absolute sample over the channels. A sliding minimum over the lookahead
/// window `L + 1` holds it; the release follows it up with a one-pole
/// (`release_ms` to 63.2 %, instant down); two cascaded box filters whose
/// lengths sum to `L + 2` smooth the attack into an S-curve. The audio is
/// delayed by `L` samples (`latency()`), so every gain applied to a sample
/// is an average of values each at most that sample's required gain: no
/// output sample exceeds the ceiling, ever (sums are exact fixed-point; an
/// internal margin of 2e-6 absorbs float rounding).
///
/// True-peak mode: the detector is the larger of two interpolators per
/// channel, taken as the maximum over aligned groups of 16 samples: the 8x
/// oversampled, parabola-refined [`TruePeakInterpolator`] in
/// [`TruePeakPrecision::High`] (our meter's High mode, under-read about
/// 0.01 dB up to 0.45 fs), and a 4x, 12-tap Hann-windowed sinc (the classic
/// BS.1770 Annex 2 design, as in libebur128), delayed to line up with it.
/// On broadband material with content near Nyquist the Hann design reads up
/// to about 0.3 dB above the High one (its phases are not ideal delays above
/// about 0.35 fs), so holding both keeps either kind of meter at the
/// ceiling; it costs about 0.003 dB of loudness on hot noise. Each sample's
/// required gain covers the inter-sample peaks on both sides of it, and the
/// latency grows by the High interpolator's delay plus 15. A time-varying
/// gain is not band-limited, so the output's true peak may still exceed the
/// detected ceiling slightly: true-peak mode therefore holds its detector
/// [`TRUE_PEAK_MARGIN_DB`] (0.05 dB) below the set ceiling, so that music
/// reads at or below the ceiling on our meter, libebur128 and a 16x
/// oversampled reference (the sample peak sits 0.05 dB lower). An ideal (infinitely
/// long sinc) reconstruction of limited full-band white noise still reads
/// up to about 0.8 dB over: no finite interpolator bounds it.
///
/// Automatic release adds a slow envelope of the gain (time constant
/// [`AUTO_RELEASE_FACTOR`] × `release_ms`); the gain is the lower of the
/// two, so short peaks recover at `release_ms` while sustained limiting
/// recovers slowly (program dependent).
///
/// Ceiling and release changes apply to samples entering from then on;
/// `lookahead_ms` and `true_peak` (which set the latency) apply at the next
/// `prepare` or `reset`. Every setter checks its value against the
/// declaration of the parameter (e.g. [`Limiter::CEILING_DB`]).
#[derive(Debug, Clone)]
pub struct Limiter {
    ceiling_db: f64,
    true_peak: bool,
    lookahead_ms: f64,
    release_ms: f64,
    auto_release: bool,
    sample_rate: f64,
    // Derived settings.
    ceiling: f32,
    /// The detector ceiling of true-peak mode ([`TRUE_PEAK_MARGIN_DB`] lower).
    tp_ceiling: f32,
    k_fast: f32,
    k_slow: f32,
    lookahead: usize,
    box1: usize,
    box2: usize,
    /// Detector values that bound each output sample (1, or 2 for true peak).
    span: usize,
    /// Extra audio delay of the true-peak detector.
    detect_delay: usize,
    // State.
    interp: Vec<TruePeakInterpolator>,
    /// Per channel, the Hann-windowed interpolator (see the type docs).
    hann: Vec<TruePeakInterpolator>,
    /// Per channel, `hann_lag` delayed inputs and then the current group:
    /// aligns the shorter Hann interpolator with the High one.
    hann_buf: Vec<f32>,
    hann_lag: usize,
    tp_clock: u64,
    tp_group: f32,
    tp_prev: f32,
    delay: Vec<f32>,
    stride: usize,
    channels: usize,
    delay_len: usize,
    pos: usize,
    /// Sliding minimum (van Herk / Gil-Werman) over blocks of the window
    /// length aligned to the clock since reset: the current block's
    /// required gains, the previous block's suffix minima (one extra
    /// `INFINITY` at the end), the running minimum of the current block and
    /// the position in it.
    win_cur: Vec<f32>,
    win_suf: Vec<f32>,
    win_pre: f32,
    win_pos: usize,
    fast: f32,
    slow: f32,
    /// Histories of the two box filters' inputs (see `gain_path`).
    hist1: Vec<u64>,
    hist2: Vec<u64>,
    sum1: u64,
    sum2: u64,
    peak: [f32; LIMITER_PASS],
    gain: [f32; LIMITER_PASS],
    last_gain: f32,
    block_min_gain: f32,
    nonfinite: u64,
}

impl Default for Limiter {
    /// Ceiling -1 dB (sample peak), lookahead 5 ms, release 100 ms.
    fn default() -> Self {
        Self::new(-1.0, false, 5.0, 100.0).expect("valid defaults")
    }
}

impl Limiter {
    /// A limiter; every argument is checked as by its setter.
    pub fn new(
        ceiling_db: f64,
        true_peak: bool,
        lookahead_ms: f64,
        release_ms: f64,
    ) -> Result<Self, Error> {
        let mut l = Self {
            ceiling_db: -1.0,
            true_peak,
            lookahead_ms: 5.0,
            release_ms: 100.0,
            auto_release: false,
            sample_rate: 48_000.0,
            ceiling: 1.0,
            tp_ceiling: 1.0,
            k_fast: 1.0,
            k_slow: 1.0,
            lookahead: 1,
            box1: 2,
            box2: 1,
            span: 1,
            detect_delay: 0,
            interp: Vec::new(),
            hann: Vec::new(),
            hann_buf: Vec::new(),
            hann_lag: 0,
            tp_clock: 0,
            tp_group: 0.0,
            tp_prev: 0.0,
            delay: Vec::new(),
            stride: 0,
            channels: 0,
            delay_len: 0,
            pos: 0,
            win_cur: Vec::new(),
            win_suf: Vec::new(),
            win_pre: f32::INFINITY,
            win_pos: 0,
            fast: 1.0,
            slow: 1.0,
            hist1: Vec::new(),
            hist2: Vec::new(),
            sum1: 0,
            sum2: 0,
            peak: [0.0; LIMITER_PASS],
            gain: [1.0; LIMITER_PASS],
            last_gain: 1.0,
            block_min_gain: 1.0,
            nonfinite: 0,
        };
        l.set_ceiling_db(ceiling_db)?;
        l.set_lookahead_ms(lookahead_ms)?;
        l.set_release_ms(release_ms)?;
        Ok(l)
    }

    /// Ceiling in dB (dBFS for sample peak, dBTP in true-peak mode).
    pub fn ceiling_db(&self) -> f64 {
        self.ceiling_db
    }

    /// Sets the ceiling.
    pub fn set_ceiling_db(&mut self, db: f64) -> Result<(), Error> {
        self.ceiling_db = Self::CEILING_DB.check(db)?;
        self.ceiling = db_to_gain(db) as f32 * CEILING_MARGIN;
        self.tp_ceiling = db_to_gain(db - TRUE_PEAK_MARGIN_DB) as f32;
        Ok(())
    }

    /// Whether the ceiling applies to the true (inter-sample) peak.
    pub fn true_peak(&self) -> bool {
        self.true_peak
    }

    /// Switches true-peak mode (applies at the next prepare or reset, as it
    /// changes the latency).
    pub fn set_true_peak(&mut self, on: bool) {
        self.true_peak = on;
    }

    /// Lookahead in ms.
    pub fn lookahead_ms(&self) -> f64 {
        self.lookahead_ms
    }

    /// Sets the lookahead (up to [`MAX_LOOKAHEAD_MS`]; applies at the next
    /// prepare or reset).
    pub fn set_lookahead_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.lookahead_ms = Self::LOOKAHEAD_MS.check(ms)?;
        Ok(())
    }

    /// Release time constant in ms.
    pub fn release_ms(&self) -> f64 {
        self.release_ms
    }

    /// Sets the release time constant.
    pub fn set_release_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.release_ms = Self::RELEASE_MS.check(ms)?;
        self.update_release();
        Ok(())
    }

    /// Whether automatic (program-dependent) release is on.
    pub fn auto_release(&self) -> bool {
        self.auto_release
    }

    /// Turns automatic release on or off.
    pub fn set_auto_release(&mut self, on: bool) {
        self.auto_release = on;
    }

    /// Gain reduction in dB (positive) applied to the last output sample.
    pub fn gain_reduction_db(&self) -> f32 {
        gain_to_reduction_db(self.last_gain)
    }

    /// Largest gain reduction in dB during the last processed block.
    pub fn block_gain_reduction_db(&self) -> f32 {
        gain_to_reduction_db(self.block_min_gain)
    }

    /// Processes like `process` and writes the gain reduction (dB) applied
    /// to each output sample to `gr_out`, as far as it is long enough.
    pub fn process_with_gain_reduction(&mut self, channels: &mut [&mut [f32]], gr_out: &mut [f32]) {
        dispatch(Run { limiter: self, channels, gr_out: Some(gr_out) });
    }

    fn update_release(&mut self) {
        self.k_fast = 1.0 - time_coef(self.release_ms, self.sample_rate);
        self.k_slow = 1.0 - time_coef(AUTO_RELEASE_FACTOR * self.release_ms, self.sample_rate);
    }

    fn max_lookahead(&self) -> usize {
        libm::ceil(MAX_LOOKAHEAD_MS * 1e-3 * self.sample_rate) as usize + 1
    }

    /// Fills `peak[..n]` with the true-peak detector delayed by
    /// `TP_GROUP - 1`: each value is the largest interpolated peak over all
    /// channels of the aligned group it belongs to, known once the group is
    /// complete.
    fn detect_true_peak(&mut self, channels: &[&mut [f32]], start: usize, n: usize) {
        let mut i = 0;
        while i < n {
            let r = (self.tp_clock % TP_GROUP as u64) as usize;
            let len = (TP_GROUP - r).min(n - i);
            let range = start + i..start + i + len;
            let (lag, w) = (self.hann_lag, self.hann_lag + TP_GROUP);
            let mut m = self.tp_group;
            // Peaks at or below the ceiling need no gain: only those above
            // it are interpolated.
            let floor = self.tp_ceiling;
            for (k, ch) in channels.iter().enumerate() {
                let x = &ch[range.clone()];
                let buf = &mut self.hann_buf[k * w..(k + 1) * w];
                buf[lag..lag + len].copy_from_slice(x);
                m = m.max(self.interp[k].process_peak_over(x, floor));
                m = m.max(self.hann[k].process_peak_over(&buf[..len], floor));
                buf.copy_within(len..len + lag, 0);
            }
            self.peak[i..i + len].fill(self.tp_prev);
            if r + len == TP_GROUP {
                self.peak[i + len - 1] = m;
                self.tp_prev = m;
                self.tp_group = 0.0;
            } else {
                self.tp_group = m;
            }
            self.tp_clock += len as u64;
            i += len;
        }
    }

    /// The gain path over `gain[..n]`: required gains in, applied gains out.
    #[inline(always)]
    fn gain_chunk<const WIDE: bool>(&mut self, n: usize) {
        if self.auto_release {
            self.gain_path::<true, WIDE>(n);
        } else {
            self.gain_path::<false, WIDE>(n);
        }
    }

    /// [`gain_chunk`](Self::gain_chunk) with or without automatic release,
    /// in one loop so that the independent stages overlap the release's
    /// loop-carried chain.
    #[inline(always)]
    fn gain_path<const AUTO: bool, const WIDE: bool>(&mut self, n: usize) {
        let gain = &mut self.gain[..n];
        // Sliding minimum over the last `lookahead + span` required gains:
        // the minimum of the current block's prefix and the previous
        // block's suffix that the window still covers.
        let w = self.lookahead + self.span;
        let (cur, suf) = (&mut self.win_cur[..w], &mut self.win_suf[..w + 1]);
        let (mut pre, mut pos) = (self.win_pre, self.win_pos);
        // Release: instant down, one-pole up (the lesser value is the held
        // gain when it is below the state, as then the one-pole step
        // exceeds it).
        let (k, a, ks) = (self.k_fast, 1.0 - self.k_fast, self.k_slow);
        let (mut fast, mut slow) = (self.fast, self.slow);
        // Two exact box filters (fixed point, floor keeps the bound; the
        // values stay far below 2^63, so signed conversions are exact).
        // Each history holds the box's previous inputs, then this chunk's:
        // a box's output moves by its newest input minus the one `box`
        // samples older, both read in order without wrapping.
        let (box1, box2) = (self.box1, self.box2);
        let (hist1, hist2) = (&mut self.hist1[..box1 + n], &mut self.hist2[..box2 + n]);
        let (mut sum1, mut sum2) = (self.sum1, self.sum2);
        let scale = 1.0 / (FIX * (box1 * box2) as f64);
        for (i, g) in gain.iter_mut().enumerate() {
            cur[pos] = *g;
            pre = lesser(pre, *g);
            let held = lesser(pre, suf[pos + 1]);
            pos += 1;
            if pos == w {
                let mut m = f32::INFINITY;
                for (s, &c) in suf[..w].iter_mut().zip(cur.iter()).rev() {
                    m = lesser(m, c);
                    *s = m;
                }
                pre = f32::INFINITY;
                pos = 0;
            }
            fast = lesser(mul_add::<WIDE, f32>(a, fast, k * held), held);
            let r = if AUTO {
                slow += ks * (held - slow);
                lesser(fast, slow)
            } else {
                fast
            };
            let q = (r as f64 * FIX) as i64 as u64;
            sum1 = sum1 + q - hist1[i];
            hist1[box1 + i] = q;
            sum2 = sum2 + sum1 - hist2[i];
            hist2[box2 + i] = sum1;
            *g = (sum2 as i64 as f64 * scale) as f32;
        }
        hist1.copy_within(n.., 0);
        hist2.copy_within(n.., 0);
        (self.sum1, self.sum2) = (sum1, sum2);
        (self.win_pre, self.win_pos) = (pre, pos);
        (self.fast, self.slow) = (fast, slow);
    }
}

impl Processor for Limiter {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        self.update_release();
        let max = self.max_lookahead();
        let tp = TruePeakInterpolator::new(spec.sample_rate, TruePeakPrecision::High);
        self.stride = max + tp.latency() + TP_GROUP;
        let hann = TruePeakInterpolator::hann(spec.sample_rate);
        self.hann_lag = tp.latency() - hann.latency();
        self.hann_buf = vec![0.0; spec.channels * (self.hann_lag + TP_GROUP)];
        self.hann = vec![hann; spec.channels];
        self.interp = vec![tp; spec.channels];
        self.delay = vec![0.0; spec.channels * self.stride];
        self.channels = spec.channels;
        self.win_cur = vec![0.0; max + 3];
        self.win_suf = vec![0.0; max + 4];
        self.hist1 = vec![0; max + 3 + LIMITER_PASS];
        self.hist2 = vec![0; max + 3 + LIMITER_PASS];
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        let fs = self.sample_rate;
        self.lookahead = (libm::round(self.lookahead_ms * 1e-3 * fs) as usize)
            .clamp(1, self.max_lookahead().saturating_sub(1).max(1));
        self.box1 = (self.lookahead + 2).div_ceil(2);
        self.box2 = self.lookahead + 2 - self.box1;
        (self.span, self.detect_delay) = match self.interp.first() {
            Some(tp) if self.true_peak => (2, tp.latency() + TP_GROUP - 1),
            _ => (1, 0),
        };
        self.delay_len = self.lookahead + self.detect_delay;
        self.interp.iter_mut().chain(&mut self.hann).for_each(TruePeakInterpolator::reset);
        self.hann_buf.iter_mut().for_each(|v| *v = 0.0);
        self.tp_clock = 0;
        self.tp_group = 0.0;
        self.tp_prev = 0.0;
        self.delay.iter_mut().for_each(|v| *v = 0.0);
        self.pos = 0;
        // Nothing before the reset counts: the window holds what came since.
        self.win_suf.iter_mut().for_each(|v| *v = f32::INFINITY);
        self.win_pre = f32::INFINITY;
        self.win_pos = 0;
        self.fast = 1.0;
        self.slow = 1.0;
        // The smoothing sums start full of unity gain.
        let one = FIX as u64;
        self.hist1.iter_mut().for_each(|v| *v = one);
        self.hist2.iter_mut().for_each(|v| *v = one * self.box1 as u64);
        self.sum1 = one * self.box1 as u64;
        self.sum2 = self.sum1 * self.box2 as u64;
        self.last_gain = 1.0;
        self.block_min_gain = 1.0;
    }

    fn latency(&self) -> usize {
        self.lookahead + self.detect_delay
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        dispatch(Run { limiter: self, channels, gr_out: None });
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

impl Dynamics for Limiter {
    fn row_gain_reduction_db(&self, _row: usize) -> f32 {
        self.gain_reduction_db()
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        _side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        let gr_out = gr.first_mut().map(|r| &mut **r);
        dispatch(Run { limiter: self, channels, gr_out });
    }
}

/// Gain reduction in dB (positive) of a linear gain.
#[inline(always)]
fn gain_to_reduction_db(gain: f32) -> f32 {
    -20.0 * libm::log10f(gain)
}

/// [`Limiter::process`]'s arguments, as a [`Kernel`].
struct Run<'a, 'b> {
    limiter: &'a mut Limiter,
    channels: &'a mut [&'b mut [f32]],
    gr_out: Option<&'a mut [f32]>,
}

impl Kernel for Run<'_, '_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        self.limiter.process_with::<WIDE>(self.channels, self.gr_out);
    }
}

impl Limiter {
    #[inline(always)]
    fn process_with<const WIDE: bool>(
        &mut self,
        channels: &mut [&mut [f32]],
        mut gr_out: Option<&mut [f32]>,
    ) {
        self.nonfinite += sanitize(channels);
        let len = channels.first().map_or(0, |c| c.len());
        let (stride, nch) = (self.stride, channels.len().min(self.channels));
        if nch == 0 {
            return;
        }
        self.block_min_gain = 1.0;
        let mut start = 0;
        while start < len {
            let n = (len - start).min(LIMITER_PASS);
            if self.span == 2 {
                self.detect_true_peak(&channels[..nch], start, n);
            } else {
                let peak = &mut self.peak[..n];
                peak.fill(0.0);
                for ch in channels[..nch].iter() {
                    let x = &ch[start..start + n];
                    peak.iter_mut().zip(x).for_each(|(p, x)| *p = greater(*p, x.abs()));
                }
            }
            let c = if self.span == 2 { self.tp_ceiling } else { self.ceiling };
            for (g, &p) in self.gain[..n].iter_mut().zip(&self.peak[..n]) {
                *g = if p > c { c / p } else { 1.0 };
            }
            self.gain_chunk::<WIDE>(n);
            // Delay line: swap the chunk with the ring (in spans up to the wrap).
            let d = self.delay_len;
            for (k, ch) in channels[..nch].iter_mut().enumerate() {
                let ring = &mut self.delay[k * stride..k * stride + d];
                let (mut done, mut pos) = (0, self.pos);
                while done < n {
                    let span = (n - done).min(d - pos);
                    ring[pos..pos + span]
                        .swap_with_slice(&mut ch[start + done..start + done + span]);
                    done += span;
                    pos = if pos + span == d { 0 } else { pos + span };
                }
                let out = &mut ch[start..start + n];
                out.iter_mut().zip(&self.gain[..n]).for_each(|(x, g)| *x *= g);
            }
            self.pos = (self.pos + n) % d;
            if let Some(gr) = gr_out.as_deref_mut().and_then(|g| g.get_mut(start..)) {
                for (r, &g) in gr.iter_mut().zip(&self.gain[..n]) {
                    *r = gain_to_reduction_db(g);
                }
            }
            self.last_gain = self.gain[n - 1];
            self.block_min_gain = min_of(self.block_min_gain, &self.gain[..n]);
            start += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn run(l: &mut Limiter, signal: &[Vec<f32>], block: usize) -> Vec<Vec<f32>> {
        let mut out = signal.to_vec();
        let mut views: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[..]).collect();
        crate::processor::process_in_blocks(l, &mut views, block);
        out
    }

    fn peak(x: &[Vec<f32>]) -> f32 {
        x.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || Limiter::new(-6.0, false, 3.0, 50.0).unwrap(),
            2,
            |l| {
                l.set_ceiling_db(-9.0).unwrap();
                l.set_release_ms(20.0).unwrap();
                l.set_auto_release(true);
            },
        );
        check_processor_invariants(
            || Limiter::new(-3.0, true, 1.0, 50.0).unwrap(),
            2,
            |l| l.set_ceiling_db(-8.0).unwrap(),
        );
    }

    #[test]
    fn latency_equals_impulse_delay() {
        for (ms, amp) in [(5.0, 0.5f32), (1.3, 4.0), (20.0, 1.0)] {
            let mut l = Limiter::new(-1.0, false, ms, 100.0).unwrap();
            l.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
            let mut x = vec![0.0f32; 4096];
            x[100] = amp;
            let y = run(&mut l, &[x], 512);
            let at = y[0]
                .iter()
                .enumerate()
                .fold((0, 0.0f32), |m, (i, v)| if v.abs() > m.1 { (i, v.abs()) } else { m });
            assert_eq!(at.0 - 100, l.latency(), "{ms} ms");
            assert_eq!(l.latency(), (ms * 48.0).round() as usize);
            assert!(at.1 <= db_to_gain(-1.0) as f32);
        }
    }

    #[test]
    fn release_time_constant_and_transparency_below_ceiling() {
        let mut l = Limiter::new(-6.0, false, 1.0, 80.0).unwrap();
        l.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        // 0 dBFS DC for 0.5 s (6 dB reduction), then -20 dBFS: gain recovers.
        let len = 48_000;
        let x: Vec<f32> = (0..len).map(|i| if i < 24_000 { 1.0 } else { 0.1 }).collect();
        let y = run(&mut l, std::slice::from_ref(&x), 512);
        let lat = l.latency();
        let gain_db: Vec<f64> =
            (24_000 + lat..len).map(|i| crate::math::gain_to_db((y[0][i] / 0.1) as f64)).collect();
        assert!((gain_db[0] + 6.0).abs() < 0.01, "{}", gain_db[0]);
        // The gain (linear) covers 63.2 % of its way back in release_ms (the
        // attack box adds about half the lookahead).
        let g0 = db_to_gain(-6.0);
        let hit = gain_db
            .iter()
            .position(|&g| db_to_gain(g) >= g0 + (1.0 - g0) * (1.0 - (-1.0f64).exp()))
            .unwrap();
        let tau = hit as f64 / FS * 1e3 - 0.5;
        assert!((tau / 80.0 - 1.0).abs() < 0.05, "{tau}");
        // Far below the ceiling the limiter is a pure delay.
        let mut l = Limiter::new(-1.0, false, 2.0, 50.0).unwrap();
        l.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let x = sine(1000.0, FS, 4800, 0.5);
        let y = run(&mut l, std::slice::from_ref(&x), 512);
        assert_eq!(&y[0][96..], &x[..4800 - 96]);
    }

    #[test]
    fn auto_release_is_program_dependent() {
        // Recovery time after a short burst vs after a long one.
        let recovery = |burst: usize| {
            let mut l = Limiter::new(-12.0, false, 1.0, 30.0).unwrap();
            l.set_auto_release(true);
            l.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
            let len = burst + 48_000;
            let x: Vec<f32> = (0..len).map(|i| if i < burst { 1.0 } else { 0.01 }).collect();
            let y = run(&mut l, &[x], 512);
            (burst + 48..len).position(|i| y[0][i] / 0.01 > 0.9).unwrap()
        };
        let (short, long) = (recovery(480), recovery(48_000));
        assert!(long > 3 * short, "{short} {long}");
    }

    #[test]
    fn links_all_channels() {
        let mut l = Limiter::new(-6.0, false, 2.0, 50.0).unwrap();
        l.prepare(&ProcessSpec::new(FS, 512, 3)).unwrap();
        let sig = vec![sine(100.0, FS, 9600, 1.0), sine(300.0, FS, 9600, 0.1), vec![0.05; 9600]];
        let y = run(&mut l, &sig, 512);
        for i in 1000..9600 {
            let g = y[2][i] / 0.05;
            assert!((y[1][i] - g * sig[1][i - 96]).abs() < 1e-6);
        }
        assert!(l.block_gain_reduction_db() > 5.0);
    }

    /// Random, impulsive and full-scale square signals (the three shapes the
    /// ceiling guarantee is tested on).
    fn signal(kind: u8, len: usize, amp: f32, seed: u64) -> Vec<f32> {
        match kind {
            0 => noise(len, amp, seed),
            1 => {
                let mut x = noise(len, amp * 0.05, seed);
                let mut s = seed | 1;
                for _ in 0..len / 200 {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let i = (s >> 33) as usize % len;
                    x[i] = if s & 1 == 0 { amp } else { -amp };
                }
                x
            }
            _ => {
                let period = 2 + (seed % 200) as usize;
                (0..len).map(|i| if (i / period) % 2 == 0 { amp } else { -amp }).collect()
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn ceiling_holds_on_random_impulsive_and_square_signals(
            kind in 0u8..3,
            amp_db in -3.0f64..40.0,
            ceiling_db in -30.0f64..0.0,
            lookahead_ms in 0.1f64..20.0,
            release_ms in 1.0f64..500.0,
            auto in any::<bool>(),
            true_peak in any::<bool>(),
            channels in 1usize..4,
            block in 1usize..700,
            seed in any::<u64>(),
        ) {
            let mut l = Limiter::new(ceiling_db, true_peak, lookahead_ms, release_ms).unwrap();
            l.set_auto_release(auto);
            l.prepare(&ProcessSpec::new(FS, block, channels)).unwrap();
            let amp = db_to_gain(amp_db) as f32;
            let sig: Vec<Vec<f32>> =
                (0..channels).map(|c| signal(kind, 6000, amp, seed ^ c as u64)).collect();
            let y = run(&mut l, &sig, block);
            let ceiling = db_to_gain(ceiling_db) as f32;
            prop_assert!(peak(&y) <= ceiling, "{} > {}", peak(&y), ceiling);
            if true_peak {
                prop_assert!(true_peak_db(&y) <= ceiling_db + 0.1);
            }
        }
    }

    #[test]
    fn full_scale_square_is_held_at_the_ceiling() {
        let mut l = Limiter::new(-0.1, false, 5.0, 100.0).unwrap();
        l.prepare(&ProcessSpec::new(FS, 256, 2)).unwrap();
        let sq = signal(2, 48_000, 1.0, 47);
        let y = run(&mut l, &[sq.clone(), sq], 256);
        let c = db_to_gain(-0.1) as f32;
        assert!(peak(&y) <= c);
        // Steady state: exactly at the ceiling (within the internal margin).
        assert!((y[0][40_000].abs() / c - 1.0).abs() < 1e-5);
    }

    /// True peak (dBTP) of planar audio, measured with an independent
    /// High-precision interpolator per channel.
    fn true_peak_db(x: &[Vec<f32>]) -> f64 {
        let make = || TruePeakInterpolator::new(FS, TruePeakPrecision::High);
        meter_db(x, make)
    }

    /// True peak (dBTP) of planar audio, measured with fresh interpolators.
    fn meter_db(x: &[Vec<f32>], make: impl Fn() -> TruePeakInterpolator) -> f64 {
        let tp = x.iter().fold(0.0f32, |m, ch| m.max(make().process_peak(ch)));
        crate::math::gain_to_db(tp as f64)
    }

    /// Loud music-like material: a detuned chord with harmonics up to
    /// 18 kHz, percussive bursts and noise, true peaks well above 0 dBTP.
    fn music_like(len: usize, seed: u64) -> Vec<f32> {
        let n = noise(len, 0.5, seed);
        (0..len)
            .map(|i| {
                let t = i as f64 / FS;
                let mut v = 0.0;
                for (k, f) in [110.0, 138.6, 164.8, 220.5].iter().enumerate() {
                    for h in 1..12 {
                        let fh = f * h as f64;
                        if fh < 18_000.0 {
                            v += libm::sin(2.0 * core::f64::consts::PI * fh * t + k as f64)
                                / h as f64;
                        }
                    }
                }
                let beat = libm::exp(-((i % 12_000) as f64) / 900.0);
                (0.5 * v
                    + 3.0 * beat * n[i] as f64
                    + 1.5 * libm::sin(2.0 * core::f64::consts::PI * 15_000.0 * t))
                    as f32
            })
            .collect()
    }

    #[test]
    fn true_peak_ceiling_holds_on_ebu_tones_music_and_squares() {
        let len = 24_000;
        let mut cases: Vec<(&str, Vec<f32>)> = vec![
            ("3341-15 +12 dB", faded_sine(12_000.0, FS, 2.0, 0.0, len, 480)),
            ("3341-16 +12 dB", faded_sine(12_000.0, FS, 2.0, 45.0, len, 480)),
            ("3341-17 +12 dB", faded_sine(8_000.0, FS, 2.0, 60.0, len, 480)),
            ("3341-18 +12 dB", faded_sine(6_000.0, FS, 2.0, 67.5, len, 480)),
            ("3341-19 +6 dB", faded_sine(12_000.0, FS, 2.82, 45.0, len, 480)),
            ("music", music_like(len, 5)),
            ("noise", noise(len, 4.0, 11)),
            ("full-band noise +3 dB", noise(len, 1.41, 12)),
        ];
        for period in [2usize, 3, 7, 40, 101] {
            let sq = (0..len).map(|i| if (i / period) % 2 == 0 { 1.0 } else { -1.0 }).collect();
            cases.push(("full-scale square", sq));
        }
        let mut worst = f64::NEG_INFINITY;
        for ceiling in [-1.0, -0.1, -6.0] {
            for (name, x) in &cases {
                for auto in [false, true] {
                    let mut l = Limiter::new(ceiling, true, 1.5, 60.0).unwrap();
                    l.set_auto_release(auto);
                    l.prepare(&ProcessSpec::new(FS, 300, 2)).unwrap();
                    let y = run(&mut l, &[x.clone(), x.iter().map(|v| -0.7 * v).collect()], 300);
                    // Both our High meter and a Hann-windowed 4x meter (the
                    // BS.1770 Annex 2 class, as in libebur128).
                    let over = true_peak_db(&y)
                        .max(meter_db(&y, || TruePeakInterpolator::hann(FS)))
                        - ceiling;
                    worst = worst.max(over);
                    // Music and the EBU tones read at or below the ceiling
                    // (the margin); squares and full-band noise within 0.1 dB.
                    let limit =
                        if name.starts_with("3341") || *name == "music" { 0.0 } else { 0.1 };
                    assert!(over <= limit, "{name} at {ceiling} dBTP: {over:+.4} dB over");
                }
            }
        }
        std::println!("worst true-peak overshoot: {worst:+.4} dB");
    }

    #[test]
    fn true_peak_latency_equals_impulse_delay() {
        let mut l = Limiter::new(-1.0, true, 2.0, 50.0).unwrap();
        l.prepare(&ProcessSpec::new(FS, 100, 1)).unwrap();
        let mut x = vec![0.0f32; 2000];
        x[500] = 0.5;
        let y = run(&mut l, &[x], 100);
        let at = y[0].iter().position(|&v| v != 0.0).unwrap();
        assert_eq!(at - 500, l.latency());
        assert_eq!(l.latency(), 96 + l.interp[0].latency() + TP_GROUP - 1);
        assert_eq!(y[0][at], 0.5);
    }
}
