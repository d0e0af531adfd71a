//! Multiband compressor: Linkwitz-Riley bands, one compressor each.

use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::{MAX_CHANNELS, MAX_SAMPLE_RATE, ProcessSpec};

use super::compressor::Compressor;
use super::crossover::{Crossover, MAX_BANDS};

/// A multiband compressor: 2 to 5 bands split by a [`Crossover`]
/// (Linkwitz-Riley 4th order, all-pass compensated), each band processed by
/// its own [`Compressor`], then summed.
///
/// With every band at unity (ratio 1, or bypassed) the output is the
/// all-pass sum of the crossover: flat magnitude. Solo: while any band is
/// soloed only soloed bands are heard; solo and band bypass crossfade over
/// 20 ms. A fully bypassed band's compressor is not run (its detector
/// pauses). No latency.
#[derive(Debug, Clone)]
pub struct MultibandCompressor {
    crossovers_hz: Vec<f64>,
    bands: Vec<Compressor>,
    solo: [bool; MAX_BANDS],
    weight: [LinearSmoother; MAX_BANDS],
    sample_rate: f64,
    prepared: bool,
    max_block: usize,
    splitters: Vec<Crossover>,
    scratch: Vec<f32>,
    nonfinite: u64,
}

impl Default for MultibandCompressor {
    /// Three bands split at 200 Hz and 2 kHz, each a default [`Compressor`].
    fn default() -> Self {
        Self::new(&[200.0, 2000.0]).expect("valid defaults")
    }
}

impl MultibandCompressor {
    /// A multiband compressor with crossovers at `crossovers_hz` (1 to 4
    /// ascending frequencies: 2 to 5 bands), each band a default
    /// [`Compressor`].
    pub fn new(crossovers_hz: &[f64]) -> Result<Self, Error> {
        Crossover::new(crossovers_hz, MAX_SAMPLE_RATE)?;
        Ok(Self {
            crossovers_hz: crossovers_hz.to_vec(),
            bands: vec![Compressor::default(); crossovers_hz.len() + 1],
            solo: [false; MAX_BANDS],
            weight: [LinearSmoother::new(1.0); MAX_BANDS],
            sample_rate: MAX_SAMPLE_RATE,
            prepared: false,
            max_block: 0,
            splitters: Vec::new(),
            scratch: Vec::new(),
            nonfinite: 0,
        })
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.bands.len()
    }

    /// Crossover frequencies in Hz, ascending.
    pub fn crossovers_hz(&self) -> &[f64] {
        &self.crossovers_hz
    }

    /// Moves crossover `index` (must stay between its neighbours and below
    /// Nyquist; checked against the prepared sample rate, or at `prepare`).
    pub fn set_crossover_hz(&mut self, index: usize, hz: f64) -> Result<(), Error> {
        let mut probe = Crossover::new(&self.crossovers_hz, self.sample_rate)?;
        probe.set_frequency_hz(index, hz)?;
        for s in self.splitters.iter_mut() {
            s.set_frequency_hz(index, hz)?;
        }
        self.crossovers_hz[index] = hz;
        Ok(())
    }

    /// Band `index`'s compressor (its settings are the band's settings).
    pub fn band(&self, index: usize) -> Option<&Compressor> {
        self.bands.get(index)
    }

    /// Band `index`'s compressor, to change its settings.
    pub fn band_mut(&mut self, index: usize) -> Option<&mut Compressor> {
        self.bands.get_mut(index)
    }

    /// Whether band `index` is soloed.
    pub fn band_solo(&self, index: usize) -> bool {
        self.solo.get(index).copied().unwrap_or(false)
    }

    /// Solos band `index` (or not).
    pub fn set_band_solo(&mut self, index: usize, solo: bool) -> Result<(), Error> {
        self.check_band(index)?;
        self.solo[index] = solo;
        let any = self.solo.iter().any(|&s| s);
        for (b, w) in self.weight.iter_mut().enumerate() {
            w.set_target(if !any || self.solo[b] { 1.0 } else { 0.0 });
        }
        Ok(())
    }

    /// Whether band `index` is bypassed.
    pub fn band_bypass(&self, index: usize) -> bool {
        self.bands.get(index).is_some_and(Compressor::bypass)
    }

    /// Bypasses band `index`'s compressor (or not).
    pub fn set_band_bypass(&mut self, index: usize, bypass: bool) -> Result<(), Error> {
        self.check_band(index)?;
        self.bands[index].set_bypass(bypass);
        Ok(())
    }

    /// Gain reduction in dB of band `index` after the last sample.
    pub fn band_gain_reduction_db(&self, index: usize) -> f32 {
        self.bands.get(index).map_or(0.0, Compressor::gain_reduction_db)
    }

    fn check_band(&self, index: usize) -> Result<(), Error> {
        if index < self.bands.len() {
            Ok(())
        } else {
            Err(Error::InvalidParameter { name: "band", reason: "no such band" })
        }
    }
}

impl Processor for MultibandCompressor {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        let splitter = Crossover::new(&self.crossovers_hz, spec.sample_rate)?;
        for b in self.bands.iter_mut() {
            b.prepare(spec)?;
        }
        self.sample_rate = spec.sample_rate;
        self.prepared = true;
        self.max_block = spec.max_block_size;
        self.splitters = vec![splitter; spec.channels];
        self.scratch = vec![0.0; spec.channels * self.bands.len() * spec.max_block_size];
        for w in self.weight.iter_mut() {
            w.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.splitters.iter_mut().for_each(Crossover::reset);
        self.bands.iter_mut().for_each(Processor::reset);
        self.weight.iter_mut().for_each(LinearSmoother::snap);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let (nb, mb) = (self.bands.len(), self.max_block);
        let nch = channels.len().min(self.splitters.len());
        let len = channels.first().map_or(0, |c| c.len()).min(mb);
        // Scratch layout: channel-major, band `b` of channel `c` at (c * nb + b) * mb.
        for (c, ch) in channels[..nch].iter().enumerate() {
            let mut parts = self.scratch[c * nb * mb..(c + 1) * nb * mb].chunks_mut(mb);
            let mut views: [&mut [f32]; MAX_BANDS] =
                core::array::from_fn(|_| parts.next().unwrap_or_default());
            self.splitters[c].split(&ch[..len], &mut views[..nb]);
        }
        for (b, comp) in self.bands.iter_mut().enumerate() {
            if comp.fully_bypassed() {
                continue;
            }
            let mut parts = self.scratch.chunks_mut(mb).skip(b).step_by(nb);
            let mut views: [&mut [f32]; MAX_CHANNELS] = core::array::from_fn(|_| {
                parts.next().map_or(<&mut [f32]>::default(), |p| &mut p[..len])
            });
            comp.process(&mut views[..nch]);
        }
        for (c, ch) in channels[..nch].iter_mut().enumerate() {
            let out = &mut ch[..len];
            out.fill(0.0);
            for (b, w) in self.weight[..nb].iter().enumerate() {
                let band = &self.scratch[(c * nb + b) * mb..][..len];
                if w.is_smoothing() {
                    let mut w = *w;
                    out.iter_mut().zip(band).for_each(|(o, &v)| *o += w.next() as f32 * v);
                } else if w.current() != 0.0 {
                    let g = w.current() as f32;
                    out.iter_mut().zip(band).for_each(|(o, &v)| *o += g * v);
                }
            }
        }
        self.weight.iter_mut().for_each(|w| {
            w.advance(len);
        });
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn unity(freqs: &[f64]) -> MultibandCompressor {
        let mut m = MultibandCompressor::new(freqs).unwrap();
        for b in 0..m.bands() {
            m.band_mut(b).unwrap().set_ratio(1.0).unwrap();
        }
        m
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || {
                let mut m = MultibandCompressor::new(&[150.0, 1200.0, 6000.0]).unwrap();
                m.band_mut(1).unwrap().set_threshold_db(-30.0).unwrap();
                m.set_band_bypass(3, true).unwrap();
                m
            },
            2,
            |m| {
                m.set_band_solo(1, true).unwrap();
                m.set_band_bypass(3, false).unwrap();
                m.set_crossover_hz(0, 200.0).unwrap();
            },
        );
    }

    #[test]
    fn unity_bands_sum_flat() {
        for freqs in [&[1000.0][..], &[120.0, 900.0, 4000.0, 11_000.0]] {
            for bypass in [false, true] {
                let mut m = unity(freqs);
                for b in 0..m.bands() {
                    m.set_band_bypass(b, bypass).unwrap();
                }
                m.prepare(&ProcessSpec::new(FS, 1024, 1)).unwrap();
                let mut h = vec![0.0f32; 16_384];
                h[0] = 1.0;
                crate::processor::process_in_blocks(&mut m, &mut [&mut h], 1024);
                let mut f = 20.0;
                while f < 20_000.0 {
                    let db = dft_db(&h, f, FS);
                    assert!(db.abs() < 0.01, "{freqs:?} at {f} Hz: {db} dB");
                    f *= 1.05;
                }
            }
        }
    }

    #[test]
    fn compresses_only_its_band_and_solo_isolates() {
        let mut m = unity(&[500.0, 5000.0]);
        let low = m.band_mut(0).unwrap();
        low.set_ratio(10.0).unwrap();
        low.set_threshold_db(-40.0).unwrap();
        m.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        assert!(measured_gain_db(&mut m, 100.0, FS) < -20.0);
        assert!(measured_gain_db(&mut m, 1500.0, FS).abs() < 0.05);
        assert!(m.band_gain_reduction_db(0) < 1e-3 && m.band_gain_reduction_db(1) == 0.0);
        m.set_band_solo(2, true).unwrap();
        assert!(measured_gain_db(&mut m, 1500.0, FS) < -30.0);
        let band2 = Crossover::new(&[500.0, 5000.0], FS).unwrap().response(2, 12_000.0).norm();
        let want = 20.0 * libm::log10(band2);
        assert!((measured_gain_db(&mut m, 12_000.0, FS) - want).abs() < 0.05);
        assert!(m.set_band_solo(3, true).is_err());
    }

    #[test]
    fn validates_crossovers() {
        assert!(MultibandCompressor::new(&[]).is_err());
        assert!(MultibandCompressor::new(&[100.0, 200.0, 400.0, 800.0, 1600.0]).is_err());
        let mut m = MultibandCompressor::new(&[10_000.0, 30_000.0]).unwrap();
        assert!(m.prepare(&ProcessSpec::new(FS, 64, 2)).is_err());
        m.set_crossover_hz(1, 20_000.0).unwrap();
        m.prepare(&ProcessSpec::new(FS, 64, 2)).unwrap();
        assert!(m.set_crossover_hz(1, 25_000.0).is_err());
        assert_eq!(m.crossovers_hz(), &[10_000.0, 20_000.0]);
        let _: Vec<f64> = m.crossovers_hz().to_vec();
    }
}
