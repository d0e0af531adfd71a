//! Linkwitz-Riley 4th-order crossover tree with all-pass compensation.

use num_complex::Complex;

use crate::error::Error;
use crate::filters::design::{FilterKind, rbj};
use crate::filters::{Biquad, Coefs};
use crate::spec::ProcessSpec;

/// Most bands a [`Crossover`] splits into.
pub const MAX_BANDS: usize = 5;
const MAX_SPLITS: usize = MAX_BANDS - 1;
const Q: f64 = core::f64::consts::FRAC_1_SQRT_2;

/// One channel's band splitter: 2 to 5 bands separated by Linkwitz-Riley
/// 4th-order crossovers (each low and high part two RBJ Butterworth
/// sections, Q = 1/√2).
///
/// Split `j` at `f_j` divides what is left above the previous split into
/// band `j` (low-pass) and the rest (high-pass). Band `j` then passes the
/// all-pass (RBJ, Q = 1/√2) of every later split, so that every band has
/// the same phase and the sum of the bands is the all-pass
/// `Π_j AP(f_j)`: flat magnitude, nothing lost or doubled.
///
/// A per-channel kernel (no heap), not a [`Processor`](crate::Processor):
/// it turns one input into several outputs.
#[derive(Debug, Clone, Copy)]
pub struct Crossover {
    freqs: [f64; MAX_SPLITS],
    splits: usize,
    sample_rate: f64,
    lp: [[Biquad; 2]; MAX_SPLITS],
    hp: [[Biquad; 2]; MAX_SPLITS],
    /// `ap[j][m]`: band `j`'s all-pass for split `j + 1 + m`.
    ap: [[Biquad; MAX_SPLITS - 1]; MAX_SPLITS],
}

impl Crossover {
    /// A splitter at the given crossover frequencies (1 to 4, strictly
    /// increasing, each above 0 and below Nyquist) for `sample_rate`.
    pub fn new(frequencies_hz: &[f64], sample_rate: f64) -> Result<Self, Error> {
        ProcessSpec::new(sample_rate, 1, 1).validate()?;
        check_frequencies(frequencies_hz, sample_rate)?;
        let mut freqs = [0.0; MAX_SPLITS];
        freqs[..frequencies_hz.len()].copy_from_slice(frequencies_hz);
        let mut c = Self {
            freqs,
            splits: frequencies_hz.len(),
            sample_rate,
            lp: [[Biquad::default(); 2]; MAX_SPLITS],
            hp: [[Biquad::default(); 2]; MAX_SPLITS],
            ap: [[Biquad::default(); MAX_SPLITS - 1]; MAX_SPLITS],
        };
        c.design();
        Ok(c)
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.splits + 1
    }

    /// Crossover frequencies in Hz, ascending.
    pub fn frequencies_hz(&self) -> &[f64] {
        &self.freqs[..self.splits]
    }

    /// Moves crossover `index` (keeping the order and the filter state).
    pub fn set_frequency_hz(&mut self, index: usize, hz: f64) -> Result<(), Error> {
        if index >= self.splits {
            return Err(Error::InvalidParameter {
                name: "crossover index",
                reason: "no such crossover",
            });
        }
        let mut f = self.freqs;
        f[index] = hz;
        check_frequencies(&f[..self.splits], self.sample_rate)?;
        self.freqs = f;
        self.design();
        Ok(())
    }

    /// Moves every crossover at once (1 to 4 strictly increasing
    /// frequencies, each above 0 and below Nyquist). With as many
    /// crossovers as before the filter state is kept; with another count
    /// the splitter starts again from silence.
    pub fn set_frequencies_hz(&mut self, frequencies_hz: &[f64]) -> Result<(), Error> {
        check_frequencies(frequencies_hz, self.sample_rate)?;
        let restart = frequencies_hz.len() != self.splits;
        self.freqs = [0.0; MAX_SPLITS];
        self.freqs[..frequencies_hz.len()].copy_from_slice(frequencies_hz);
        self.splits = frequencies_hz.len();
        if restart {
            self.reset();
        }
        self.design();
        Ok(())
    }

    fn coefs(&self, kind: FilterKind, split: usize) -> Coefs {
        rbj(kind, self.freqs[split], Q, 0.0, self.sample_rate)
    }

    fn design(&mut self) {
        for j in 0..self.splits {
            let (lp, hp) =
                (self.coefs(FilterKind::LowPass, j), self.coefs(FilterKind::HighPass, j));
            self.lp[j].iter_mut().for_each(|b| b.set_coefs(lp));
            self.hp[j].iter_mut().for_each(|b| b.set_coefs(hp));
            for m in 0..self.splits.saturating_sub(j + 1) {
                self.ap[j][m].set_coefs(self.coefs(FilterKind::AllPass, j + 1 + m));
            }
        }
    }

    /// Clears the filter state.
    pub fn reset(&mut self) {
        let all = self.lp.iter_mut().chain(self.hp.iter_mut()).flatten();
        all.chain(self.ap.iter_mut().flatten()).for_each(Biquad::reset);
    }

    /// Splits one sample; bands beyond [`bands`](Self::bands) are 0.
    pub fn tick(&mut self, x: f32) -> [f32; MAX_BANDS] {
        let mut out = [0.0; MAX_BANDS];
        let mut rest = x;
        let splits = self.splits;
        for (j, band) in out[..splits].iter_mut().enumerate() {
            let mut low = rest;
            for b in self.lp[j].iter_mut() {
                low = b.tick(low);
            }
            for b in self.hp[j].iter_mut() {
                rest = b.tick(rest);
            }
            for b in self.ap[j][..splits - j - 1].iter_mut() {
                low = b.tick(low);
            }
            *band = low;
        }
        out[self.splits] = rest;
        out
    }

    /// Splits `input` into `bands` (at least [`bands`](Self::bands) slices,
    /// each at least as long as `input`); same output as [`tick`](Self::tick).
    pub fn split(&mut self, input: &[f32], bands: &mut [&mut [f32]]) {
        let n = input.len();
        let (low_bands, last) = bands[..=self.splits].split_at_mut(self.splits);
        let rest = &mut last[0][..n];
        rest.copy_from_slice(input);
        for (j, band) in low_bands.iter_mut().enumerate() {
            // All sections of a split in one pass, their states in locals:
            // the low and high recursions overlap instead of running one
            // pass after another.
            let (mut lp, mut hp, mut ap) = (self.lp[j], self.hp[j], self.ap[j]);
            let ap = &mut ap[..self.splits - j - 1];
            for (l, r) in band[..n].iter_mut().zip(rest.iter_mut()) {
                let x = *r;
                let low = lp.iter_mut().fold(x, |y, b| b.tick(y));
                *l = ap.iter_mut().fold(low, |y, b| b.tick(y));
                *r = hp.iter_mut().fold(x, |y, b| b.tick(y));
            }
            for (dst, src) in self.lp[j].iter_mut().chain(&mut self.hp[j]).zip(lp.iter().chain(&hp))
            {
                *dst = *src;
                dst.flush();
            }
            for (dst, src) in self.ap[j].iter_mut().zip(ap.iter()) {
                *dst = *src;
                dst.flush();
            }
        }
    }

    /// Designed (f64) frequency response of `band` at `freq_hz`.
    pub fn response(&self, band: usize, freq_hz: f64) -> Complex<f64> {
        let fs = self.sample_rate;
        let sq = |c: Coefs| c.response(freq_hz, fs) * c.response(freq_hz, fs);
        let mut h = Complex::new(1.0, 0.0);
        for j in 0..self.splits.min(band + 1) {
            if j < band {
                h *= sq(self.coefs(FilterKind::HighPass, j));
            } else {
                h *= sq(self.coefs(FilterKind::LowPass, j));
                for m in j + 1..self.splits {
                    h *= self.coefs(FilterKind::AllPass, m).response(freq_hz, fs);
                }
            }
        }
        h
    }
}

fn check_frequencies(f: &[f64], sample_rate: f64) -> Result<(), Error> {
    if f.is_empty() || f.len() > MAX_SPLITS {
        return Err(Error::InvalidParameter {
            name: "crossovers_hz",
            reason: "must hold 1 to 4 frequencies (2 to 5 bands)",
        });
    }
    let spec = ProcessSpec::new(sample_rate, 1, 1);
    for (i, &hz) in f.iter().enumerate() {
        if hz.is_nan() || hz <= 0.0 || (i > 0 && hz <= f[i - 1]) {
            return Err(Error::InvalidParameter {
                name: "crossovers_hz",
                reason: "must be positive and strictly increasing",
            });
        }
        spec.check_below_nyquist("crossovers_hz", hz)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    #[test]
    fn bands_sum_flat_for_every_band_count() {
        let sets: [&[f64]; 4] =
            [&[1000.0], &[150.0, 2500.0], &[100.0, 800.0, 5000.0], &[60.0, 250.0, 1500.0, 9000.0]];
        for freqs in sets {
            let mut x = Crossover::new(freqs, FS).unwrap();
            let len = 16_384;
            let mut bufs = vec![vec![0.0f32; len]; x.bands()];
            let mut impulse = vec![0.0f32; len];
            impulse[0] = 1.0;
            let mut views: Vec<&mut [f32]> = bufs.iter_mut().map(|b| &mut b[..]).collect();
            x.split(&impulse, &mut views);
            let sum: Vec<f32> = (0..len).map(|i| bufs.iter().map(|b| b[i]).sum()).collect();
            let mut f = 20.0;
            while f < 20_000.0 {
                let db = dft_db(&sum, f, FS);
                assert!(db.abs() < 0.01, "{freqs:?} at {f} Hz: {db} dB");
                let designed: Complex<f64> = (0..x.bands()).map(|b| x.response(b, f)).sum();
                assert!((designed.norm() - 1.0).abs() < 1e-9);
                f *= 1.07;
            }
        }
    }

    #[test]
    fn bands_are_linkwitz_riley() {
        let x = Crossover::new(&[500.0, 4000.0], FS).unwrap();
        // -6 dB at each crossover for both neighbours, steep outside.
        for (band, f) in [(0, 500.0), (1, 500.0), (1, 4000.0), (2, 4000.0)] {
            let db = 20.0 * libm::log10(x.response(band, f).norm());
            assert!((db + 6.0206).abs() < 0.01, "{band} {f}: {db}");
        }
        let db = 20.0 * libm::log10(x.response(0, 5000.0).norm());
        assert!(db < -70.0, "{db}");
    }

    #[test]
    fn tick_equals_split() {
        let mut a = Crossover::new(&[200.0, 2000.0, 8000.0], FS).unwrap();
        let mut b = a;
        let input = noise(2000, 0.5, 4);
        let mut bufs = vec![vec![0.0f32; 2000]; 4];
        for (k, chunk) in input.chunks(300).enumerate() {
            let mut views: Vec<&mut [f32]> =
                bufs.iter_mut().map(|v| &mut v[k * 300..k * 300 + chunk.len()]).collect();
            a.split(chunk, &mut views);
        }
        for (i, &v) in input.iter().enumerate() {
            let t = b.tick(v);
            for band in 0..4 {
                assert!((t[band] - bufs[band][i]).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn validates_frequencies() {
        assert!(Crossover::new(&[], FS).is_err());
        assert!(Crossover::new(&[1000.0, 500.0], FS).is_err());
        assert!(Crossover::new(&[100.0, 200.0, 300.0, 400.0, 500.0], FS).is_err());
        assert!(Crossover::new(&[30_000.0], FS).is_err());
        let mut x = Crossover::new(&[100.0, 1000.0], FS).unwrap();
        assert!(x.set_frequency_hz(0, 2000.0).is_err());
        assert!(x.set_frequency_hz(1, 3000.0).is_ok());
        assert_eq!(x.frequencies_hz(), &[100.0, 3000.0]);
        assert!(x.set_frequencies_hz(&[3000.0, 100.0]).is_err());
        x.set_frequencies_hz(&[200.0, 400.0, 800.0]).unwrap();
        assert_eq!((x.bands(), x.frequencies_hz()), (4, &[200.0, 400.0, 800.0][..]));
        assert_eq!(
            x.response(0, 100.0),
            Crossover::new(&[200.0, 400.0, 800.0], FS).unwrap().response(0, 100.0)
        );
    }
}
