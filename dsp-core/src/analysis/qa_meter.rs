//! The streaming quality meter behind [`QaReport`]: fed blocks of any
//! length, it measures a whole track in memory bounded by its channel count
//! and sample rate (plus the 10 Hz loudness series the report holds).
//!
//! Its readings never depend on how the audio is cut into blocks: input is
//! staged into fixed chunks of one 100 ms hop, and only whole chunks are
//! measured until the report, which measures the rest. The spectrum's
//! Welch frames run over the last 8192 samples of each channel; a track
//! shorter than that is kept whole until the report chooses its frame size.

use core::fmt;
use std::sync::Arc;
use std::vec;
use std::vec::Vec;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use super::loudness::{ChannelRole, LoudnessMeter};
use super::qa::{CLIP_LEVEL, CLIP_RUN, OCTAVE_CENTRES_HZ, QaReport, small_speaker_response};
use crate::buffer::{check_interleaved, find_nonfinite};
use crate::error::Error;
use crate::filters::section::{Planar, Section, SectionState, run_series};
use crate::math::{PI, cos, gain_to_db, power_to_db};
use crate::simd::{Kernel, dispatch};

/// Windows whose channels are both below this mean square (-70 dBFS) are
/// left out of the worst-window correlation.
const SILENT_MEAN_SQUARE: f64 = 1e-7;
/// Independent partial sums in the summing loops.
const LANES: usize = 8;
/// Largest Welch frame, samples.
const MAX_FRAME: usize = 8192;
/// Smallest Welch frame; shorter tracks have no spectrum.
const MIN_FRAME: usize = 16;
/// 100 ms hops in a worst-correlation window (400 ms).
const WINDOW_HOPS: usize = 4;

/// Measures a [`QaReport`] from audio fed in blocks, in bounded memory.
///
/// [`report`](Self::report) equals [`QaReport::measure`] of all the audio
/// added since the last [`reset`](Self::reset), bit for bit, however it was
/// cut into blocks. An offline meter: [`add`](Self::add) may allocate (the
/// loudness series grow every 100 ms) and is not meant for a real-time
/// thread.
///
/// ```
/// use dsp_core::analysis::{QaMeter, QaReport};
///
/// let x: Vec<f32> = (0..48_000).map(|i| 0.5 * (i as f32 * 0.13).sin()).collect();
/// let mut meter = QaMeter::new(48_000.0, 1)?;
/// for block in x.chunks(1000) {
///     meter.add(&[block])?;
/// }
/// assert_eq!(meter.report()?, QaReport::measure(&[&x], 48_000.0)?);
/// # Ok::<(), dsp_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct QaMeter {
    sample_rate: f64,
    /// Samples per chunk: one 100 ms hop.
    hop: usize,
    /// Input not yet measured, `staged` samples per channel.
    stage: Vec<Vec<f32>>,
    staged: usize,
    /// Samples added per channel (measured and staged).
    frames: u64,
    loudness: LoudnessMeter,
    /// Mono fold-down and correlation of the first two channels (stereo
    /// and wider).
    stereo: Option<(MonoFold, Correlation)>,
    speaker: SmallSpeaker,
    /// Sum of the samples per channel.
    dc_sums: Vec<f64>,
    clips: Vec<ClipRuns>,
    spectrum: SpectrumFrames,
}

impl QaMeter {
    /// A meter for `channels` channels (1 to 64) at `sample_rate` Hz (8 kHz
    /// to 768 kHz).
    pub fn new(sample_rate: f64, channels: usize) -> Result<Self, Error> {
        let loudness = LoudnessMeter::new(sample_rate, channels)?;
        let hop = libm::round(sample_rate / 10.0) as usize;
        Ok(Self {
            sample_rate,
            hop,
            stage: vec![vec![0.0; hop]; channels],
            staged: 0,
            frames: 0,
            loudness,
            stereo: if channels >= 2 {
                Some((MonoFold::new(sample_rate, hop)?, Correlation::default()))
            } else {
                None
            },
            speaker: SmallSpeaker::new(sample_rate, channels, hop)?,
            dc_sums: vec![0.0; channels],
            clips: vec![ClipRuns::default(); channels],
            spectrum: SpectrumFrames::new(channels),
        })
    }

    /// Sample rate in Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.stage.len()
    }

    /// Duration of the audio added since the last reset, in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / self.sample_rate
    }

    /// Adds planar audio: one slice per channel, all the same length (any
    /// length, including 0).
    ///
    /// A wrong channel count ([`Error::ChannelMismatch`]), unequal lengths
    /// ([`Error::LengthMismatch`]) or a NaN or infinite sample
    /// ([`Error::NonFinite`], with its channel and index within the block)
    /// reject the whole block: the meter is left as it was before the call
    /// and goes on measuring from the next block.
    pub fn add(&mut self, channels: &[&[f32]]) -> Result<(), Error> {
        if channels.len() != self.channels() {
            return Err(Error::ChannelMismatch {
                expected: self.channels(),
                actual: channels.len(),
            });
        }
        let len = channels[0].len();
        if let Some(c) = channels.iter().find(|c| c.len() != len) {
            return Err(Error::LengthMismatch { expected: len, actual: c.len() });
        }
        if let Some((channel, index)) = find_nonfinite(channels) {
            return Err(Error::NonFinite { channel, index });
        }
        self.frames += len as u64;
        let mut i = 0;
        if self.staged > 0 {
            i = self.stage_from(channels, 0);
            if self.staged < self.hop {
                return Ok(());
            }
            self.measure_stage();
        }
        while len - i >= self.hop {
            let chunk: Vec<&[f32]> = channels.iter().map(|c| &c[i..i + self.hop]).collect();
            self.measure_chunk(&chunk);
            i += self.hop;
        }
        self.stage_from(channels, i);
        Ok(())
    }

    /// Adds interleaved audio (`frames * channels` samples; any number of
    /// frames). Errors as for [`add`](Self::add), a non-finite sample named
    /// by its channel and frame index; a refused block leaves the meter
    /// unchanged.
    pub fn add_interleaved(&mut self, samples: &[f32]) -> Result<(), Error> {
        let n = self.channels();
        check_interleaved(samples, n)?;
        self.frames += (samples.len() / n) as u64;
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.hop - self.staged).min(rest.len() / n);
            let (head, tail) = rest.split_at(take * n);
            for (c, s) in self.stage.iter_mut().enumerate() {
                let dst = &mut s[self.staged..self.staged + take];
                dst.iter_mut().zip(head.iter().skip(c).step_by(n)).for_each(|(d, &v)| *d = v);
            }
            self.staged += take;
            if self.staged == self.hop {
                self.measure_stage();
            }
            rest = tail;
        }
        Ok(())
    }

    /// The report of all the audio added since the last reset;
    /// [`Error::EmptyInput`] if there is none. The meter is unchanged (more
    /// audio may follow).
    pub fn report(&self) -> Result<QaReport, Error> {
        self.clone().finish()
    }

    /// [`report`](Self::report), consuming the meter (saves a copy of its
    /// state).
    pub fn finish(mut self) -> Result<QaReport, Error> {
        if self.frames == 0 {
            return Err(Error::EmptyInput);
        }
        if self.staged > 0 {
            self.measure_stage();
        }
        let meter = &self.loudness;
        let sample_rate = self.sample_rate;
        let integrated = meter.integrated_lufs();
        let true_peak = meter.true_peak_dbtp();
        let drop_to = |other: f64| if integrated.is_finite() { integrated - other } else { 0.0 };
        let (correlation, worst_correlation, mono_drop, balance) = match &self.stereo {
            Some((mono, c)) => {
                let balance = match (meter.channel_loudness_lufs(0), meter.channel_loudness_lufs(1))
                {
                    (Some(a), Some(b)) if a.is_finite() || b.is_finite() => a - b,
                    _ => 0.0,
                };
                let overall = correlation(c.total);
                let worst = c.worst.unwrap_or(overall);
                (overall, worst, drop_to(mono.meter.integrated_lufs()), balance)
            }
            None => (1.0, 1.0, 0.0, 0.0),
        };
        let speaker_lufs = self.speaker.meter.integrated_lufs();
        let spectrum = self.spectrum.finish(sample_rate);
        let frames = self.frames as f64;
        Ok(QaReport {
            sample_rate,
            duration_s: meter.duration_s(),
            integrated_lufs: integrated,
            loudness_range_lu: meter.loudness_range_lu(),
            max_momentary_lufs: meter.max_momentary_lufs(),
            max_short_term_lufs: meter.max_short_term_lufs(),
            true_peak_dbtp: true_peak,
            sample_peak_dbfs: meter.sample_peak_dbfs(),
            plr_db: if integrated.is_finite() { true_peak - integrated } else { 0.0 },
            dc_offset: self.dc_sums.iter().map(|s| s / frames).collect(),
            clipped_samples: self.clips.iter().map(ClipRuns::total).sum(),
            correlation,
            worst_correlation,
            mono_loudness_drop_lu: mono_drop,
            balance_db: balance,
            octave_bands: spectrum.octave_bands,
            mono_band_change_db: spectrum.mono_band_change_db,
            small_speaker_lufs: speaker_lufs,
            small_speaker_drop_lu: drop_to(speaker_lufs),
            small_speaker_bands_db: spectrum.small_speaker_bands_db,
            momentary_series_lufs: meter.momentary_series().to_vec(),
            short_term_series_lufs: meter.short_term_series().to_vec(),
        })
    }

    /// Forgets all the audio added (keeps the memory it holds).
    pub fn reset(&mut self) {
        self.staged = 0;
        self.frames = 0;
        self.loudness.reset();
        if let Some((mono, c)) = &mut self.stereo {
            mono.meter.reset();
            *c = Correlation::default();
        }
        self.speaker.reset();
        self.dc_sums.iter_mut().for_each(|s| *s = 0.0);
        self.clips.iter_mut().for_each(|c| *c = ClipRuns::default());
        self.spectrum.reset();
    }

    /// Copies `channels[..][from..]` into the stage, as far as it fills a
    /// chunk; returns the index after the last sample copied.
    fn stage_from(&mut self, channels: &[&[f32]], from: usize) -> usize {
        let n = (self.hop - self.staged).min(channels[0].len() - from);
        for (s, x) in self.stage.iter_mut().zip(channels) {
            s[self.staged..self.staged + n].copy_from_slice(&x[from..from + n]);
        }
        self.staged += n;
        from + n
    }

    /// Measures the staged samples and empties the stage.
    fn measure_stage(&mut self) {
        let stage = core::mem::take(&mut self.stage);
        let chunk: Vec<&[f32]> = stage.iter().map(|s| &s[..self.staged]).collect();
        self.measure_chunk(&chunk);
        self.stage = stage;
        self.staged = 0;
    }

    /// The one measuring path: a whole chunk of finite samples, or the
    /// last, shorter one at the report.
    fn measure_chunk(&mut self, chunk: &[&[f32]]) {
        let whole = chunk[0].len() == self.hop;
        self.loudness.add_frames(chunk);
        if let Some((mono, c)) = &mut self.stereo {
            mono.add(chunk[0], chunk[1]);
            c.add(chunk[0], chunk[1], whole);
        }
        self.speaker.add(chunk);
        for (s, x) in self.dc_sums.iter_mut().zip(chunk) {
            *s += sum(x);
        }
        // Nothing reached full scale yet: no runs to look for.
        if self.loudness.sample_peak_dbfs() >= gain_to_db(f64::from(CLIP_LEVEL)) {
            self.clips.iter_mut().zip(chunk).for_each(|(c, x)| c.add(x));
        }
        self.spectrum.add(chunk);
    }
}

/// `[sum(l r), sum(l^2), sum(r^2)]` in one pass.
fn products(l: &[f32], r: &[f32]) -> [f64; 3] {
    // Eight independent sums per product, so that the loop vectorizes.
    let mut acc = [[0.0f64; LANES]; 3];
    let (lc, rc) = (l.chunks_exact(LANES), r.chunks_exact(LANES));
    let (lt, rt) = (lc.remainder(), rc.remainder());
    for (a, b) in lc.zip(rc) {
        for i in 0..LANES {
            let (a, b) = (f64::from(a[i]), f64::from(b[i]));
            acc[0][i] += a * b;
            acc[1][i] += a * a;
            acc[2][i] += b * b;
        }
    }
    let mut sums = acc.map(|a| a.iter().sum::<f64>());
    for (&a, &b) in lt.iter().zip(rt) {
        let (a, b) = (f64::from(a), f64::from(b));
        sums = add(sums, [a * b, a * a, b * b]);
    }
    sums
}

/// Sum of a channel's samples, in eight independent sums (so that the loop
/// vectorizes).
fn sum(x: &[f32]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v)).sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, &v)| *a += f64::from(v));
    }
    acc.iter().sum::<f64>() + tail
}

/// Element-wise sum of two [`products`].
fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// Phase correlation `sum(l r) / sqrt(sum(l^2) sum(r^2))` from
/// [`products`]; 0 if either is silent.
fn correlation([lr, ll, rr]: [f64; 3]) -> f64 {
    if ll > 0.0 && rr > 0.0 { (lr / libm::sqrt(ll * rr)).clamp(-1.0, 1.0) } else { 0.0 }
}

/// Left-right correlation over the track and its lowest over 400 ms
/// windows, from [`products`] per 100 ms hop.
#[derive(Debug, Clone, Default)]
struct Correlation {
    /// Products of every hop so far.
    total: [f64; 3],
    /// Products of the last [`WINDOW_HOPS`] whole hops, oldest first from
    /// `next`.
    recent: [[f64; 3]; WINDOW_HOPS],
    next: usize,
    /// Whole hops so far.
    hops: u64,
    /// Lowest correlation of a window that is not silent.
    worst: Option<f64>,
}

impl Correlation {
    /// Adds one hop (`whole`) or the track's last, shorter part (which
    /// counts in the total only).
    fn add(&mut self, l: &[f32], r: &[f32], whole: bool) {
        let p = products(l, r);
        self.total = add(self.total, p);
        if !whole {
            return;
        }
        self.recent[self.next] = p;
        self.next = (self.next + 1) % WINDOW_HOPS;
        self.hops += 1;
        if self.hops < WINDOW_HOPS as u64 {
            return;
        }
        let window = (0..WINDOW_HOPS)
            .map(|k| self.recent[(self.next + k) % WINDOW_HOPS])
            .fold([0.0; 3], add);
        let samples = (WINDOW_HOPS * l.len()) as f64;
        let loud = |sq: f64| sq / samples >= SILENT_MEAN_SQUARE;
        if loud(window[1]) || loud(window[2]) {
            let c = correlation(window);
            self.worst = Some(self.worst.map_or(c, |m| m.min(c)));
        }
    }
}

/// Counts samples in runs of at least [`CLIP_RUN`] full-scale samples,
/// carrying a run across blocks.
#[derive(Debug, Clone, Copy, Default)]
struct ClipRuns {
    /// Samples in finished runs.
    counted: u64,
    /// Length of the run still open at the end of the last block.
    run: u64,
}

impl ClipRuns {
    fn add(&mut self, x: &[f32]) {
        for &v in x {
            if v.abs() >= CLIP_LEVEL {
                self.run += 1;
            } else {
                if self.run >= CLIP_RUN as u64 {
                    self.counted += self.run;
                }
                self.run = 0;
            }
        }
    }

    /// Clipped samples, counting the open run as if the track ended here.
    fn total(&self) -> u64 {
        self.counted + if self.run >= CLIP_RUN as u64 { self.run } else { 0 }
    }
}

/// Loudness of the left and right channels folded to mono, (L + R) / 2 on
/// both loudspeakers.
#[derive(Debug, Clone)]
struct MonoFold {
    fold: Vec<f32>,
    meter: LoudnessMeter,
}

impl MonoFold {
    fn new(sample_rate: f64, chunk: usize) -> Result<Self, Error> {
        let mut meter = LoudnessMeter::new(sample_rate, 1)?;
        meter.set_true_peak_enabled(false);
        meter.set_channel_role(0, ChannelRole::DualMono)?;
        Ok(Self { fold: vec![0.0; chunk], meter })
    }

    /// Adds a chunk of finite samples (at most the chunk size).
    fn add(&mut self, l: &[f32], r: &[f32]) {
        let f = &mut self.fold[..l.len()];
        // Halved before the sum, so that finite samples (up to f32::MAX)
        // fold to a finite one.
        f.iter_mut().zip(l.iter().zip(r)).for_each(|(f, (a, b))| *f = 0.5 * a + 0.5 * b);
        self.meter.add_frames(&[f]);
    }
}

/// The small loudspeaker's filters and the loudness meter after them.
#[derive(Debug, Clone)]
struct SmallSpeaker {
    sections: [Section; 4],
    /// Filter state per pair of channels.
    states: Vec<[SectionState; 4]>,
    /// Filtered audio, one buffer of a chunk per channel (an even number of
    /// them).
    scratch: Vec<Vec<f32>>,
    meter: LoudnessMeter,
}

impl SmallSpeaker {
    fn new(sample_rate: f64, channels: usize, chunk: usize) -> Result<Self, Error> {
        let mut meter = LoudnessMeter::new(sample_rate, channels)?;
        meter.set_true_peak_enabled(false);
        let pairs = channels.div_ceil(2);
        Ok(Self {
            sections: small_speaker_response(sample_rate).map(|c| Section::new(&c, 1.0)),
            states: vec![[SectionState::default(); 4]; pairs],
            scratch: vec![vec![0.0; chunk]; 2 * pairs],
            meter,
        })
    }

    fn reset(&mut self) {
        self.states.iter_mut().for_each(|s| *s = [SectionState::default(); 4]);
        self.meter.reset();
    }

    /// Filters one chunk of finite samples and meters it.
    fn add(&mut self, block: &[&[f32]]) {
        let n = block[0].len();
        for (s, x) in self.scratch.iter_mut().zip(block) {
            s[..n].copy_from_slice(x);
        }
        for (pair, state) in self.scratch.chunks_mut(2).zip(&mut self.states) {
            let (a, b) = pair.split_at_mut(1);
            let frames = Planar(&mut a[0][..n], &mut b[0][..n]);
            dispatch(SpeakerRun { sections: &self.sections, state, frames });
            state.iter_mut().for_each(SectionState::flush);
        }
        // The overshoot of samples near f32::MAX stays finite for the meter
        // (an overflow that cancels to NaN reads as silence).
        let views: Vec<&[f32]> = self.scratch[..block.len()]
            .iter_mut()
            .map(|s| {
                s[..n]
                    .iter_mut()
                    .for_each(|v| *v = if v.is_nan() { 0.0 } else { v.clamp(-f32::MAX, f32::MAX) });
                &s[..n]
            })
            .collect();
        self.meter.add_frames(&views);
    }
}

/// The small loudspeaker's sections over a pair of channels, as a
/// [`Kernel`] (multiply-adds fused where the CPU has them).
struct SpeakerRun<'a> {
    sections: &'a [Section; 4],
    state: &'a mut [SectionState; 4],
    frames: Planar<'a>,
}

impl Kernel for SpeakerRun<'_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(mut self) {
        run_series::<4, WIDE>(self.sections, self.state, &mut self.frames);
    }
}

/// The Welch frames of the spectrum: the last [`MAX_FRAME`] samples per
/// channel, and the accumulated spectra once the frame size is known.
#[derive(Debug, Clone)]
struct SpectrumFrames {
    /// Per channel, the samples from the start of the next frame on.
    history: Vec<Vec<f32>>,
    /// Samples in `history`.
    held: usize,
    /// Frames of [`MAX_FRAME`] samples, from the first one on (before it,
    /// the whole track is held).
    welch: Option<Welch>,
}

impl SpectrumFrames {
    fn new(channels: usize) -> Self {
        Self { history: vec![vec![0.0; MAX_FRAME]; channels], held: 0, welch: None }
    }

    fn reset(&mut self) {
        self.held = 0;
        if let Some(w) = &mut self.welch {
            w.clear();
        }
    }

    fn add(&mut self, chunk: &[&[f32]]) {
        let mut i = 0;
        let len = chunk[0].len();
        while i < len {
            let n = (MAX_FRAME - self.held).min(len - i);
            for (h, x) in self.history.iter_mut().zip(chunk) {
                h[self.held..self.held + n].copy_from_slice(&x[i..i + n]);
            }
            self.held += n;
            i += n;
            if self.held == MAX_FRAME {
                self.welch.get_or_insert_with(|| Welch::new(MAX_FRAME)).frame(&self.history);
                // 50 % overlap: the next frame starts half-way.
                self.history.iter_mut().for_each(|h| h.copy_within(MAX_FRAME / 2.., 0));
                self.held = MAX_FRAME / 2;
            }
        }
    }

    /// The spectrum of the track: if no whole frame of [`MAX_FRAME`]
    /// samples has passed, the track is short and held whole, and its
    /// frames are the largest power of two that fits.
    fn finish(&self, sample_rate: f64) -> Spectrum {
        if let Some(welch) = self.welch.as_ref().filter(|w| w.frames > 0) {
            return welch.spectrum(sample_rate);
        }
        let len = self.held;
        let n = 1usize << (usize::BITS - 1 - len.max(1).leading_zeros());
        if n < MIN_FRAME {
            return Spectrum::silent(sample_rate);
        }
        let mut welch = Welch::new(n);
        let mut start = 0;
        while start + n <= len {
            let frame: Vec<&[f32]> = self.history.iter().map(|h| &h[start..start + n]).collect();
            welch.frame(&frame);
            start += n / 2;
        }
        welch.spectrum(sample_rate)
    }
}

/// Welch power spectra (Hann window, frames of `n` samples), accumulated
/// per bin: power summed over channels; mean power of channels 0 and 1;
/// power of their fold (L + R) / 2.
#[derive(Clone)]
struct Welch {
    n: usize,
    window: Vec<f64>,
    window_power: f64,
    fft: Arc<dyn Fft<f64>>,
    buf: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    power: Vec<f64>,
    pair_power: Vec<f64>,
    fold_power: Vec<f64>,
    /// Channel frames accumulated.
    frames: usize,
}

impl fmt::Debug for Welch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Welch").field("n", &self.n).field("frames", &self.frames).finish()
    }
}

impl Welch {
    fn new(n: usize) -> Self {
        let window: Vec<f64> =
            (0..n).map(|i| 0.5 - 0.5 * cos(2.0 * PI * i as f64 / n as f64)).collect();
        let window_power = window.iter().map(|w| w * w).sum();
        let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
        let zero = Complex::new(0.0, 0.0);
        Self {
            n,
            window,
            window_power,
            buf: vec![zero; n],
            scratch: vec![zero; fft.get_inplace_scratch_len()],
            fft,
            power: vec![0.0; n / 2 + 1],
            pair_power: vec![0.0; n / 2 + 1],
            fold_power: vec![0.0; n / 2 + 1],
            frames: 0,
        }
    }

    fn clear(&mut self) {
        for v in [&mut self.power, &mut self.pair_power, &mut self.fold_power] {
            v.iter_mut().for_each(|p| *p = 0.0);
        }
        self.frames = 0;
    }

    /// Adds one frame per channel (slices of at least `n` samples; the
    /// first `n` are used).
    fn frame<S: AsRef<[f32]>>(&mut self, channels: &[S]) {
        let n = self.n;
        // Two channels share one FFT, one as the real and one as the
        // imaginary part: with Z = L + jR, L[k] = (Z[k] + Z*[n - k]) / 2 and
        // R[k] = (Z[k] - Z*[n - k]) / 2j, so |L[k]|^2 + |R[k]|^2 =
        // (|Z[k]|^2 + |Z[n - k]|^2) / 2 and L[k] + R[k] =
        // ((1 - j) Z[k] + (1 + j) Z*[n - k]) / 2.
        for (index, pair) in channels.chunks(2).enumerate() {
            let stereo = index == 0 && pair.len() == 2;
            let re = &pair[0].as_ref()[..n];
            let im = pair.get(1).map(|c| &c.as_ref()[..n]);
            for (i, (b, w)) in self.buf.iter_mut().zip(&self.window).enumerate() {
                let y = im.map_or(0.0, |c| f64::from(c[i]));
                *b = Complex::new(f64::from(re[i]) * w, y * w);
            }
            self.fft.process_with_scratch(&mut self.buf, &mut self.scratch);
            let buf = &self.buf;
            for (k, p) in self.power.iter_mut().enumerate() {
                let (z, zm) = (buf[k], buf[(n - k) % n]);
                let both = 0.5 * (z.norm_sqr() + zm.norm_sqr());
                *p += both;
                if stereo {
                    self.pair_power[k] += 0.5 * both;
                    let sum =
                        (z * Complex::new(1.0, -1.0) + zm.conj() * Complex::new(1.0, 1.0)) * 0.5;
                    self.fold_power[k] += 0.25 * sum.norm_sqr();
                }
            }
            self.frames += pair.len();
        }
    }

    /// The readings from the frames accumulated (at least one).
    fn spectrum(&self, sample_rate: f64) -> Spectrum {
        // One-sided mean-square per bin (Parseval with the window's power).
        let scale = 2.0 / (self.frames as f64 * self.n as f64 * self.window_power);
        let bin_hz = sample_rate / self.n as f64;
        let band_sum = |v: &[f64], c: f64| -> f64 {
            let (lo, hi) = (c / core::f64::consts::SQRT_2, c * core::f64::consts::SQRT_2);
            v.iter()
                .enumerate()
                .filter(|&(k, _)| (k as f64 * bin_hz) >= lo && (k as f64 * bin_hz) < hi)
                .map(|(_, p)| p)
                .sum()
        };
        let response = small_speaker_response(sample_rate);
        let through: Vec<f64> = self
            .power
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let f = k as f64 * bin_hz;
                p * response.iter().map(|c| c.response(f, sample_rate).norm_sqr()).product::<f64>()
            })
            .collect();
        let through_total: f64 = through.iter().sum();
        Spectrum {
            octave_bands: bands(sample_rate, |c| power_to_db(band_sum(&self.power, c) * scale)),
            mono_band_change_db: bands(sample_rate, |c| {
                let (fold, mean) = (band_sum(&self.fold_power, c), band_sum(&self.pair_power, c));
                if mean > 0.0 { power_to_db(fold / mean) } else { 0.0 }
            }),
            small_speaker_bands_db: bands(sample_rate, |c| {
                if through_total > 0.0 {
                    power_to_db(band_sum(&through, c) / through_total)
                } else {
                    f64::NEG_INFINITY
                }
            }),
        }
    }
}

/// `(centre, f(centre))` for the octave bands below Nyquist at
/// `sample_rate`.
fn bands(sample_rate: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    OCTAVE_CENTRES_HZ
        .iter()
        .filter(|&&c| c * core::f64::consts::SQRT_2 < sample_rate / 2.0)
        .map(|&c| (c, f(c)))
        .collect()
}

/// The spectral readings of a report.
struct Spectrum {
    octave_bands: Vec<(f64, f64)>,
    mono_band_change_db: Vec<(f64, f64)>,
    small_speaker_bands_db: Vec<(f64, f64)>,
}

impl Spectrum {
    /// The readings of a track too short for a frame: no energy in any
    /// band.
    fn silent(sample_rate: f64) -> Self {
        Spectrum {
            octave_bands: bands(sample_rate, |_| f64::NEG_INFINITY),
            mono_band_change_db: bands(sample_rate, |_| 0.0),
            small_speaker_bands_db: bands(sample_rate, |_| f64::NEG_INFINITY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{noise, sine};
    use proptest::prelude::*;
    use std::format;

    /// Tracks with every reading in play: noise and a tone per channel,
    /// some DC, a quiet stretch, and full-scale runs (one at the end).
    fn track(channels: usize, len: usize, fs: f64, seed: u64) -> Vec<Vec<f32>> {
        (0..channels)
            .map(|c| {
                let tone = sine(110.0 * (c + 1) as f64, fs, len, 0.3);
                let mut x: Vec<f32> = noise(len, 0.2, seed + c as u64)
                    .iter()
                    .zip(&tone)
                    .map(|(n, t)| n + t + 0.01 * c as f32)
                    .collect();
                let quiet = len / 3..len / 2;
                x[quiet].iter_mut().for_each(|v| *v *= 1e-4);
                for start in [len / 5, len / 4 + c, len.saturating_sub(3)] {
                    let end = (start + 3 + c).min(len);
                    x[start..end].iter_mut().for_each(|v| *v = 1.0);
                }
                x
            })
            .collect()
    }

    /// Feeds `x` in blocks whose sizes cycle through `sizes`.
    fn feed(meter: &mut QaMeter, x: &[Vec<f32>], sizes: &[usize]) {
        let len = x[0].len();
        let (mut start, mut k) = (0, 0);
        while start < len {
            let end = (start + sizes[k % sizes.len()]).min(len);
            let block: Vec<&[f32]> = x.iter().map(|c| &c[start..end]).collect();
            meter.add(&block).unwrap();
            start = end;
            k += 1;
        }
    }

    fn measure(x: &[Vec<f32>], fs: f64) -> Result<QaReport, Error> {
        let views: Vec<&[f32]> = x.iter().map(|c| &c[..]).collect();
        QaReport::measure(&views, fs)
    }

    /// Equal to the bit (`Debug` tells -0.0 from 0.0, and `==` the rest).
    fn assert_identical(a: &QaReport, b: &QaReport) {
        assert_eq!(a, b);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// However the track is cut into blocks (zero-length ones too), the
        /// report is `measure`'s, bit for bit: mono, stereo and three
        /// channels, shorter and longer than a Welch frame, at 44.1 and
        /// 48 kHz.
        #[test]
        fn any_blocks_give_the_measured_report(
            channels in 1usize..=3,
            fs in prop_oneof![Just(44_100.0), Just(48_000.0)],
            len in prop_oneof![1usize..8192, 8192usize..40_000],
            sizes in proptest::collection::vec(0usize..7000, 1..6),
            seed in 0u64..1000,
        ) {
            let sizes: Vec<usize> =
                if sizes.iter().all(|&s| s == 0) { vec![1] } else { sizes };
            let x = track(channels, len, fs, seed);
            let mut meter = QaMeter::new(fs, channels).unwrap();
            feed(&mut meter, &x, &sizes);
            prop_assert_eq!(meter.duration_s(), len as f64 / fs);
            assert_identical(&meter.report().unwrap(), &measure(&x, fs).unwrap());
        }
    }

    /// A report midway leaves the meter going; reset starts it afresh.
    #[test]
    fn report_midway_and_reset() {
        let fs = 48_000.0;
        let x = track(2, 30_000, fs, 3);
        let (head, tail): (Vec<_>, Vec<_>) =
            x.iter().map(|c| (c[..12_345].to_vec(), c[12_345..].to_vec())).unzip();
        let mut meter = QaMeter::new(fs, 2).unwrap();
        feed(&mut meter, &head, &[1000]);
        assert_identical(&meter.report().unwrap(), &measure(&head, fs).unwrap());
        feed(&mut meter, &tail, &[777]);
        assert_identical(&meter.report().unwrap(), &measure(&x, fs).unwrap());
        meter.reset();
        assert_eq!(meter.report(), Err(Error::EmptyInput));
        feed(&mut meter, &tail, &[4800]);
        assert_identical(&meter.clone().finish().unwrap(), &measure(&tail, fs).unwrap());
    }

    /// Bad blocks are refused whole and leave the meter as it was.
    #[test]
    fn bad_blocks_leave_the_meter_unchanged() {
        let fs = 44_100.0;
        let x = track(2, 20_000, fs, 5);
        let mut meter = QaMeter::new(fs, 2).unwrap();
        assert_eq!(meter.report(), Err(Error::EmptyInput));
        meter.add(&[&[], &[]]).unwrap();
        assert_eq!(meter.report(), Err(Error::EmptyInput));
        feed(&mut meter, &x, &[3000]);
        let mut bad = x[1][..100].to_vec();
        bad[42] = f32::NAN;
        assert_eq!(
            meter.add(&[&x[0][..100], &bad]),
            Err(Error::NonFinite { channel: 1, index: 42 })
        );
        bad[42] = f32::INFINITY;
        assert_eq!(meter.add(&[&bad, &bad]), Err(Error::NonFinite { channel: 0, index: 42 }));
        assert_eq!(meter.add(&[&bad]), Err(Error::ChannelMismatch { expected: 2, actual: 1 }));
        assert_eq!(
            meter.add(&[&x[0][..10], &x[1][..9]]),
            Err(Error::LengthMismatch { expected: 10, actual: 9 })
        );
        assert_identical(&meter.report().unwrap(), &measure(&x, fs).unwrap());
        assert!(QaMeter::new(fs, 0).is_err() && QaMeter::new(1000.0, 2).is_err());
        // `measure` names the bad sample's index within the whole track.
        let mut long = x[0].clone();
        long[19_999] = f32::NAN;
        assert_eq!(
            QaReport::measure(&[&long], fs),
            Err(Error::NonFinite { channel: 0, index: 19_999 })
        );
    }

    /// Interleaved blocks give the planar report; bad ones are refused.
    #[test]
    fn interleaved_blocks() {
        let fs = 44_100.0;
        let x = track(3, 15_000, fs, 9);
        let inter: Vec<f32> = (0..15_000).flat_map(|i| x.iter().map(move |c| c[i])).collect();
        let mut meter = QaMeter::new(fs, 3).unwrap();
        for block in inter.chunks(3 * 1234) {
            meter.add_interleaved(block).unwrap();
        }
        let mut bad = inter[..30].to_vec();
        bad[7] = f32::NAN;
        assert_eq!(meter.add_interleaved(&bad), Err(Error::NonFinite { channel: 1, index: 2 }));
        assert_eq!(
            meter.add_interleaved(&inter[..31]),
            Err(Error::LengthMismatch { expected: 30, actual: 31 })
        );
        assert_identical(&meter.report().unwrap(), &measure(&x, fs).unwrap());
    }

    /// A full-scale run is counted whole when blocks and chunks cut it, and
    /// when the track ends in it.
    #[test]
    fn clipped_runs_across_blocks() {
        let fs = 48_000.0;
        let mut x = vec![0.1f32; 20_000];
        x[4798..4803].iter_mut().for_each(|v| *v = -1.0);
        x[9000] = 1.0;
        x[19_997..].iter_mut().for_each(|v| *v = 1.0);
        let mut meter = QaMeter::new(fs, 1).unwrap();
        feed(&mut meter, &[x], &[1, 2, 4799]);
        assert_eq!(meter.report().unwrap().clipped_samples, 8);
    }
}
