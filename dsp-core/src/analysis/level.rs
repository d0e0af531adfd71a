//! Peak and RMS level meter over a sliding window.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::{Error, check_range};
use crate::math::{gain_to_db, greater, power_to_db};
use crate::spec::ProcessSpec;

/// Number of sub-blocks the window is divided into for peak tracking.
const PEAK_SLOTS: usize = 10;

/// Per-channel state of a [`LevelMeter`].
#[derive(Debug, Clone)]
struct ChannelLevel {
    squares: Vec<f64>,
    sum: f64,
    peaks: [f32; PEAK_SLOTS],
    max_peak: f32,
    /// Largest running sum of squares over full windows.
    max_sum: f64,
}

/// Peak and RMS levels per channel over a sliding window (default 300 ms),
/// with their maxima since the last reset.
///
/// RMS is the plain root mean square over the window in dBFS (a full-scale
/// sine reads -3.01 dBFS). The windowed peak is the largest absolute sample
/// in the last window, tracked in tenths of the window. Non-finite samples
/// are counted and read as silence.
#[derive(Debug, Clone)]
pub struct LevelMeter {
    window_ms: f64,
    channels: Vec<ChannelLevel>,
    window: usize,
    slot_len: usize,
    pos: usize,
    filled: usize,
    nonfinite: u64,
    spec: Option<ProcessSpec>,
}

impl LevelMeter {
    /// A meter with the given window length in milliseconds (1 ms to 60 s).
    pub fn new(window_ms: f64) -> Result<Self, Error> {
        check_range("window_ms", window_ms, 1.0, 60_000.0, "must be finite, from 1 ms to 60 s")?;
        Ok(Self {
            window_ms,
            channels: Vec::new(),
            window: 0,
            slot_len: 1,
            pos: 0,
            filled: 0,
            nonfinite: 0,
            spec: None,
        })
    }

    /// Window length in ms.
    pub fn window_ms(&self) -> f64 {
        self.window_ms
    }

    /// Allocates the window for `spec` and resets the readings.
    pub fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.window = spec.ms_to_samples(self.window_ms).max(PEAK_SLOTS);
        self.slot_len = self.window.div_ceil(PEAK_SLOTS);
        let ch = ChannelLevel {
            squares: vec![0.0; self.window],
            sum: 0.0,
            peaks: [0.0; PEAK_SLOTS],
            max_peak: 0.0,
            max_sum: 0.0,
        };
        self.channels = vec![ch; spec.channels];
        self.spec = Some(*spec);
        self.reset();
        Ok(())
    }

    /// Clears readings and maxima. Never allocates.
    pub fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.squares.iter_mut().for_each(|v| *v = 0.0);
            ch.sum = 0.0;
            ch.peaks = [0.0; PEAK_SLOTS];
            ch.max_peak = 0.0;
            ch.max_sum = 0.0;
        }
        self.pos = 0;
        self.nonfinite = 0;
        self.filled = 0;
    }

    /// Feeds planar audio of any length; checks the channel count.
    pub fn add(&mut self, channels: &[&[f32]]) -> Result<(), Error> {
        let spec = self.spec.ok_or(Error::NotPrepared)?;
        if channels.len() != spec.channels {
            return Err(Error::ChannelMismatch { expected: spec.channels, actual: channels.len() });
        }
        let len = channels[0].len();
        if let Some(c) = channels.iter().find(|c| c.len() != len) {
            return Err(Error::LengthMismatch { expected: len, actual: c.len() });
        }
        // Runs up to the next peak slot boundary (or the window's end),
        // each channel's state in locals.
        let mut i = 0;
        while i < len {
            let (pos, slot_len, window) = (self.pos, self.slot_len, self.window);
            let slot = pos / slot_len;
            let run = ((slot + 1) * slot_len).min(window).min(pos + len - i) - pos;
            // Full windows (whose mean square counts for the maximum) start
            // at this sample of the run.
            let full_from = (window - self.filled).saturating_sub(1);
            for (state, input) in self.channels.iter_mut().zip(channels) {
                let (mut sum, mut max_sum, mut bad) = (state.sum, state.max_sum, 0u64);
                let mut peak = if pos % slot_len == 0 { 0.0 } else { state.peaks[slot] };
                let squares = &mut state.squares[pos..pos + run];
                for (k, (sq_old, &x)) in squares.iter_mut().zip(&input[i..i + run]).enumerate() {
                    let finite = x.is_finite();
                    bad += u64::from(!finite);
                    let x = if finite { x } else { 0.0 };
                    let sq = f64::from(x) * f64::from(x);
                    sum += sq - *sq_old;
                    *sq_old = sq;
                    peak = greater(peak, x.abs());
                    if k >= full_from {
                        max_sum = max_sum.max(sum);
                    }
                }
                state.peaks[slot] = peak;
                state.max_peak = greater(state.max_peak, peak);
                (state.sum, state.max_sum) = (sum, max_sum);
                self.nonfinite += bad;
            }
            self.pos += run;
            self.filled = (self.filled + run).min(window);
            if self.pos == window {
                self.pos = 0;
                // Recompute the running sums exactly once per window (no drift).
                for state in &mut self.channels {
                    state.sum = state.squares.iter().sum();
                }
            }
            i += run;
        }
        Ok(())
    }

    /// Peak over the last window, per channel, in dBFS (`-inf` for silence).
    pub fn peak_dbfs(&self, channel: usize) -> Option<f64> {
        self.channels
            .get(channel)
            .map(|c| gain_to_db(f64::from(c.peaks.iter().fold(0.0f32, |a, &b| a.max(b)))))
    }

    /// RMS over the last window, per channel, in dBFS (silence before the
    /// first full window counts as part of it).
    pub fn rms_dbfs(&self, channel: usize) -> Option<f64> {
        self.channels.get(channel).map(|c| power_to_db(c.sum.max(0.0) / self.window as f64))
    }

    /// Largest sample peak since the last reset, in dBFS.
    pub fn max_peak_dbfs(&self, channel: usize) -> Option<f64> {
        self.channels.get(channel).map(|c| gain_to_db(f64::from(c.max_peak)))
    }

    /// Largest full-window RMS since the last reset, in dBFS.
    pub fn max_rms_dbfs(&self, channel: usize) -> Option<f64> {
        self.channels.get(channel).map(|c| power_to_db(c.max_sum.max(0.0) / self.window as f64))
    }

    /// Number of channels the meter was prepared for.
    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// Non-finite samples seen (read as silence).
    pub fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn sine_reads_peak_and_rms() {
        let mut m = LevelMeter::new(300.0).unwrap();
        m.prepare(&ProcessSpec::new(48_000.0, 512, 2)).unwrap();
        let a = sine(1000.0, 48_000.0, 48_000, 0.5);
        let b = vec![0.0f32; 48_000];
        for (x, y) in a.chunks(777).zip(b.chunks(777)) {
            m.add(&[x, y]).unwrap();
        }
        assert_abs_diff_eq!(m.peak_dbfs(0).unwrap(), -6.0206, epsilon = 1e-3);
        assert_abs_diff_eq!(m.rms_dbfs(0).unwrap(), -9.031, epsilon = 1e-2);
        assert_abs_diff_eq!(m.max_rms_dbfs(0).unwrap(), -9.031, epsilon = 1e-2);
        assert!(m.rms_dbfs(1).unwrap().is_infinite());
        assert_eq!(m.peak_dbfs(2), None);
    }

    #[test]
    fn window_forgets_old_peaks_but_maxima_remain() {
        let mut m = LevelMeter::new(100.0).unwrap();
        m.prepare(&ProcessSpec::new(48_000.0, 512, 1)).unwrap();
        m.add(&[&[1.0f32; 10]]).unwrap();
        m.add(&[&vec![0.1f32; 9_600]]).unwrap();
        assert_abs_diff_eq!(m.peak_dbfs(0).unwrap(), -20.0, epsilon = 1e-4);
        assert_abs_diff_eq!(m.max_peak_dbfs(0).unwrap(), 0.0, epsilon = 1e-9);
    }

    /// Any split of the input gives the same readings.
    #[test]
    fn readings_do_not_depend_on_block_lengths() {
        let x = noise(30_000, 0.7, 4);
        let read = |chunk: usize| {
            let mut m = LevelMeter::new(50.0).unwrap();
            m.prepare(&ProcessSpec::new(48_000.0, 512, 1)).unwrap();
            x.chunks(chunk).for_each(|c| m.add(&[c]).unwrap());
            [m.peak_dbfs(0), m.rms_dbfs(0), m.max_peak_dbfs(0), m.max_rms_dbfs(0)]
                .map(Option::unwrap)
        };
        let whole = read(x.len());
        for chunk in [1, 7, 239, 4096] {
            assert_eq!(read(chunk), whole, "chunks of {chunk}");
        }
    }

    #[test]
    fn errors_and_nonfinite() {
        assert!(LevelMeter::new(0.0).is_err());
        let mut m = LevelMeter::new(300.0).unwrap();
        assert_eq!(m.add(&[&[0.0]]), Err(Error::NotPrepared));
        m.prepare(&ProcessSpec::new(48_000.0, 512, 1)).unwrap();
        assert!(matches!(m.add(&[&[0.0], &[0.0]]), Err(Error::ChannelMismatch { .. })));
        m.add(&[&[f32::NAN, 0.5]]).unwrap();
        assert_eq!(m.nonfinite_count(), 1);
        assert_abs_diff_eq!(m.max_peak_dbfs(0).unwrap(), -6.0206, epsilon = 1e-3);
        let ((), allocs) = count_allocs(|| {
            m.add(&[&[0.25; 64]]).unwrap();
            m.reset();
        });
        assert_eq!(allocs, 0);
    }
}
