//! Split-band de-esser.

use crate::error::Error;

use super::compressor::Compressor;
use super::delegate::{delegate, delegate_processor};
use super::detector::Detector;
use super::multiband::MultibandCompressor;

/// A split-band de-esser: a Linkwitz-Riley crossover at `frequency_hz`
/// splits the signal; only the upper band is compressed, keyed by itself
/// (peak detector, hard knee), and added back to the untouched lower band.
/// With no reduction the output is the crossover's all-pass sum (flat).
/// `listen` outputs the upper band alone (what the detector hears).
#[derive(Debug, Clone)]
pub struct DeEsser {
    bands: MultibandCompressor,
    listen: bool,
}

impl Default for DeEsser {
    /// 6 kHz, threshold -30 dB, ratio 4, attack 0.5 ms, release 40 ms.
    fn default() -> Self {
        Self::new(6000.0, -30.0).expect("valid defaults")
    }
}

impl DeEsser {
    /// A de-esser splitting at `frequency_hz` with threshold `threshold_db`.
    pub fn new(frequency_hz: f64, threshold_db: f64) -> Result<Self, Error> {
        let mut bands = MultibandCompressor::new(&[frequency_hz])?;
        bands.set_band_bypass(0, true)?;
        let mut high = Compressor::new(threshold_db, 4.0, 0.0, 0.5, 40.0, 0.0, 1.0, 1.0)?;
        high.set_detector(Detector::Peak);
        *bands.band_mut(1).expect("two bands") = high;
        Ok(Self { bands, listen: false })
    }

    fn high(&self) -> &Compressor {
        self.bands.band(1).expect("two bands")
    }

    fn high_mut(&mut self) -> &mut Compressor {
        self.bands.band_mut(1).expect("two bands")
    }

    /// Split frequency in Hz.
    pub fn frequency_hz(&self) -> f64 {
        self.bands.crossovers_hz()[0]
    }

    /// Sets the split frequency (below Nyquist).
    pub fn set_frequency_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.bands.set_crossover_hz(0, hz)
    }

    delegate! { high() =>
        /// Threshold of the upper band in dB.
        threshold_db(&self) -> f64;
        /// Ratio applied to the upper band above the threshold.
        ratio(&self) -> f64;
        /// Attack time constant in ms.
        attack_ms(&self) -> f64;
        /// Release time constant in ms.
        release_ms(&self) -> f64;
    }

    delegate! { high_mut() =>
        /// Sets the threshold (-120 to +24 dB).
        set_threshold_db(&mut self, db: f64) -> Result<(), Error>;
        /// Sets the ratio (at least 1; infinity limits the band).
        set_ratio(&mut self, ratio: f64) -> Result<(), Error>;
        /// Sets the attack time constant (0 to 1000 ms).
        set_attack_ms(&mut self, ms: f64) -> Result<(), Error>;
        /// Sets the release time constant (0 to 10000 ms).
        set_release_ms(&mut self, ms: f64) -> Result<(), Error>;
    }

    /// Whether the output is the upper band alone.
    pub fn listen(&self) -> bool {
        self.listen
    }

    /// Outputs the upper (sidechain) band alone, unprocessed (or not);
    /// switches with a 20 ms crossfade.
    pub fn set_listen(&mut self, listen: bool) {
        self.listen = listen;
        self.bands.set_band_solo(1, listen).expect("two bands");
        self.high_mut().set_bypass(listen);
    }

    /// Gain reduction of the upper band in dB after the last sample.
    pub fn gain_reduction_db(&self) -> f32 {
        self.high().gain_reduction_db()
    }
}

delegate_processor!(DeEsser, bands);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processor::Processor;
    use crate::spec::ProcessSpec;
    use crate::test_util::*;

    const FS: f64 = 48_000.0;

    #[test]
    fn invariants() {
        check_processor_invariants(
            || DeEsser::new(5000.0, -40.0).unwrap(),
            2,
            |d| {
                d.set_listen(true);
                d.set_frequency_hz(7000.0).unwrap();
            },
        );
    }

    #[test]
    fn reduces_only_sibilance_band() {
        let mut d = DeEsser::new(5000.0, -30.0).unwrap();
        d.set_ratio(f64::INFINITY).unwrap();
        d.set_attack_ms(0.0).unwrap();
        d.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        // A loud 300 Hz tone passes; a loud 15 kHz tone is held near -30 dB (the
        // low band leaks -38 dB of it).
        assert!(measured_gain_db(&mut d, 300.0, FS).abs() < 0.05);
        let g = measured_gain_db(&mut d, 15_000.0, FS);
        assert!(g < -22.0 && g > -26.0, "{g}");
        assert!(d.gain_reduction_db() > 20.0);
        // Quiet sibilance is untouched.
        d.set_threshold_db(0.0).unwrap();
        assert!(measured_gain_db(&mut d, 9000.0, FS).abs() < 0.05);
    }

    #[test]
    fn listen_outputs_the_upper_band() {
        let mut d = DeEsser::new(5000.0, -60.0).unwrap();
        d.set_listen(true);
        d.prepare(&ProcessSpec::new(FS, 4096, 1)).unwrap();
        assert!(measured_gain_db(&mut d, 300.0, FS) < -60.0);
        assert!(measured_gain_db(&mut d, 15_000.0, FS).abs() < 0.1);
        assert!(d.listen());
    }
}
