//! The level detector shared by the compressor, expander and gate: key
//! signal (own input or external sidechain), optional sidechain high-pass,
//! peak or RMS level.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::Error;
use crate::filters::design::{FilterKind, rbj};
use crate::filters::{Biquad, Coefs};
use crate::math::{MAX_LEVEL, clamp_level, flush_denormal};
use crate::spec::ProcessSpec;

use super::ballistics::time_coef;

/// Frames per detector pass of the compressor and expander engine (the
/// size of its level and gain scratch).
pub(crate) const DETECTOR_CHUNK: usize = 64;

/// What the detector measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detector {
    /// Instantaneous absolute sample value.
    #[default]
    Peak,
    /// Root mean square over an exponential window: a one-pole average of
    /// `x²` whose time constant is `rms_window_ms`.
    Rms,
}

crate::named_choices!(Detector, "detector" { Peak = "peak", Rms = "rms" });

/// Sidechain settings and per-channel detector state.
#[derive(Debug, Clone)]
pub(crate) struct LevelDetector {
    detector: Detector,
    rms_window_ms: f64,
    hpf_hz: f64,
    /// A key filter that replaces the high-pass (a dynamic band's own band).
    key: Option<Coefs>,
    /// Whether the key is filtered (by the high-pass or the key filter).
    filtered: bool,
    sample_rate: f64,
    prepared: bool,
    rms_coef: f32,
    hpf: Vec<Biquad>,
    ms: Vec<f32>,
    /// Key, then level (linear amplitude), per channel: `amp[c * DETECTOR_CHUNK + i]`.
    pub amp: Vec<f32>,
    /// Non-finite samples seen in external sidechains.
    pub nonfinite: u64,
}

impl Default for LevelDetector {
    fn default() -> Self {
        Self {
            detector: Detector::Peak,
            // The declared default (the declaration is the one place of it).
            rms_window_ms: super::Compressor::RMS_WINDOW_MS.default,
            hpf_hz: 0.0,
            key: None,
            filtered: false,
            sample_rate: 48_000.0,
            prepared: false,
            rms_coef: 0.0,
            hpf: Vec::new(),
            ms: Vec::new(),
            amp: Vec::new(),
            nonfinite: 0,
        }
    }
}

impl LevelDetector {
    pub fn detector(&self) -> Detector {
        self.detector
    }

    pub fn set_detector(&mut self, detector: Detector) {
        self.detector = detector;
    }

    pub fn rms_window_ms(&self) -> f64 {
        self.rms_window_ms
    }

    /// Sets the RMS window (checked by the caller's declaration).
    pub fn set_rms_window_ms(&mut self, ms: f64) {
        self.rms_window_ms = ms;
        self.rms_coef = time_coef(ms, self.sample_rate);
    }

    pub fn sidechain_hpf_hz(&self) -> f64 {
        self.hpf_hz
    }

    /// Sets the sidechain high-pass cutoff (range checked by the caller's
    /// declaration); refuses one at or above Nyquist once prepared.
    pub fn set_sidechain_hpf_hz(&mut self, hz: f64) -> Result<(), Error> {
        if self.prepared && hz > 0.0 {
            ProcessSpec::new(self.sample_rate, 1, 1).check_below_nyquist("sidechain_hpf_hz", hz)?;
        }
        self.hpf_hz = hz;
        self.filtered = hz > 0.0 || self.key.is_some();
        let c = self.hpf_coefs();
        self.hpf.iter_mut().for_each(|f| f.set_coefs(c));
        Ok(())
    }

    /// Filters the key by `c` in place of the high-pass, from now on (the
    /// filter state carries on, so a gliding filter moves smoothly).
    pub fn set_key_filter(&mut self, c: Coefs) {
        self.key = Some(c);
        self.filtered = true;
        self.hpf.iter_mut().for_each(|f| f.set_coefs(c));
    }

    fn hpf_coefs(&self) -> Coefs {
        if let Some(c) = self.key {
            c
        } else if self.hpf_hz > 0.0 && self.hpf_hz < 0.5 * self.sample_rate {
            rbj(
                FilterKind::HighPass,
                self.hpf_hz,
                core::f64::consts::FRAC_1_SQRT_2,
                0.0,
                self.sample_rate,
            )
        } else {
            Coefs::IDENTITY
        }
    }

    pub fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        if self.hpf_hz > 0.0 {
            spec.check_below_nyquist("sidechain_hpf_hz", self.hpf_hz)?;
        }
        self.sample_rate = spec.sample_rate;
        self.prepared = true;
        self.rms_coef = time_coef(self.rms_window_ms, spec.sample_rate);
        self.hpf = vec![Biquad::new(self.hpf_coefs()); spec.channels];
        self.ms = vec![0.0; spec.channels];
        self.amp = vec![0.0; spec.channels * DETECTOR_CHUNK];
        Ok(())
    }

    pub fn reset(&mut self) {
        self.nonfinite = 0;
        self.hpf.iter_mut().for_each(Biquad::reset);
        self.ms.iter_mut().for_each(|m| *m = 0.0);
    }

    /// Levels of `n` frames from `start`, keyed by the processor's own input.
    #[inline(always)]
    pub fn detect_own(&mut self, channels: &[&mut [f32]], start: usize, n: usize) {
        for (c, ch) in channels.iter().enumerate() {
            self.amp[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n]
                .copy_from_slice(&ch[start..start + n]);
        }
        self.levels(channels.len(), n);
    }

    /// Levels of `n` frames from `start`, keyed by an external sidechain:
    /// channel `c` by sidechain channel `c` if the counts match, otherwise
    /// every channel by the mean of all sidechain channels. Missing samples
    /// (a short sidechain) and non-finite ones count as silence.
    #[inline(always)]
    pub fn detect_external(&mut self, side: &[&[f32]], nch: usize, start: usize, n: usize) {
        let mut bad = 0u64;
        let mut key = |ch: &[f32], i: usize| match ch.get(start + i) {
            // Bounded like processed input (see `sanitize`).
            Some(v) if v.is_finite() => clamp_level(*v, MAX_LEVEL),
            Some(_) => {
                bad += 1;
                0.0
            }
            None => 0.0,
        };
        if side.len() == nch {
            for (c, ch) in side.iter().enumerate() {
                for i in 0..n {
                    self.amp[c * DETECTOR_CHUNK + i] = key(ch, i);
                }
            }
        } else {
            let scale = 1.0 / side.len().max(1) as f32;
            for i in 0..n {
                let sum: f32 = side.iter().map(|ch| key(ch, i)).sum();
                self.amp[i] = sum * scale;
            }
            for c in 1..nch {
                self.amp.copy_within(0..n, c * DETECTOR_CHUNK);
            }
        }
        self.nonfinite += bad;
        self.levels(nch, n);
    }

    /// Turns the key in `amp` into levels in place.
    #[inline(always)]
    fn levels(&mut self, nch: usize, n: usize) {
        for c in 0..nch {
            let buf = &mut self.amp[c * DETECTOR_CHUNK..c * DETECTOR_CHUNK + n];
            if self.filtered {
                self.hpf[c].process(buf);
            }
            match self.detector {
                Detector::Peak => buf.iter_mut().for_each(|v| *v = v.abs()),
                Detector::Rms => {
                    let a = self.rms_coef;
                    let mut m = self.ms[c];
                    for v in buf.iter_mut() {
                        let p = *v * *v;
                        // Flushed every sample: in silence the mean square
                        // would decay through denormals within a chunk.
                        m = flush_denormal(p + a * (m - p));
                        *v = libm::sqrtf(m);
                    }
                    self.ms[c] = m;
                }
            }
        }
    }
}
