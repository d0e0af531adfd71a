//! Split-band de-esser.

use crate::error::Error;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::smooth::DEFAULT_SMOOTHING_MS;
use crate::spec::ProcessSpec;

use super::Dynamics;
use super::compressor::Compressor;
use super::detector::Detector;
use super::multiband::MultibandCompressor;

crate::declare_params! {
    DeEsser, DE_ESSER_KIND = "de_esser", "DeEsser", Caps::PLAIN.gain_reduction(),
        "Split-band de-esser: the band above `frequency_hz` is compressed, keyed by itself \
         (peak detector, hard knee), and added back to the untouched band below.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        };
    FREQUENCY_HZ = ParamInfo {
        id: "frequency_hz",
        default: 6000.0,
        doc: "Split frequency in Hz (below Nyquist when processing)",
        ..MultibandCompressor::CROSSOVER_1_HZ
    } => frequency_hz, set_frequency_hz;
    THRESHOLD_DB = ParamInfo {
        default: -30.0,
        doc: "Threshold of the upper band in dB relative to full scale",
        ..Compressor::THRESHOLD_DB
    } => threshold_db, set_threshold_db;
    RATIO = ParamInfo {
        default: 4.0,
        doc: "Ratio applied to the upper band above the threshold, 1 up to inf",
        ..Compressor::RATIO
    } => ratio, set_ratio;
    ATTACK_MS = ParamInfo { default: 0.5, ..Compressor::ATTACK_MS } => attack_ms, set_attack_ms;
    RELEASE_MS = ParamInfo { default: 40.0, ..Compressor::RELEASE_MS }
        => release_ms, set_release_ms;
    LISTEN = ParamInfo::toggle("listen", false,
        "Outputs the upper band alone (what the detector hears), crossfading over 20 ms")
        .smoothed(DEFAULT_SMOOTHING_MS) => listen, set_listen;
}

/// The band the de-esser compresses.
const HIGH: usize = 1;

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
        let mut bands = MultibandCompressor::new(&[Self::FREQUENCY_HZ.check(frequency_hz)?])?;
        bands.set_band_bypass(0, true)?;
        let threshold_db = Self::THRESHOLD_DB.check(threshold_db)?;
        let (ratio, attack, release) =
            (Self::RATIO.default, Self::ATTACK_MS.default, Self::RELEASE_MS.default);
        let mut high = Compressor::new(threshold_db, ratio, 0.0, attack, release, 0.0, 1.0, 1.0)?;
        high.set_detector(Detector::Peak);
        *bands.band_mut(HIGH).expect("two bands") = high;
        Ok(Self { bands, listen: false })
    }

    fn high(&self) -> &Compressor {
        self.bands.band(HIGH).expect("two bands")
    }

    fn high_mut(&mut self) -> &mut Compressor {
        self.bands.band_mut(HIGH).expect("two bands")
    }

    /// Split frequency in Hz.
    pub fn frequency_hz(&self) -> f64 {
        self.bands.crossover_1_hz()
    }

    /// Sets the split frequency (below Nyquist, checked at `prepare`, or at
    /// once if prepared).
    pub fn set_frequency_hz(&mut self, hz: f64) -> Result<(), Error> {
        let hz = Self::FREQUENCY_HZ.check(hz)?;
        if let Some(fs) = self.bands.prepared_sample_rate() {
            ProcessSpec::new(fs, 1, 1).check_below_nyquist(Self::FREQUENCY_HZ.id, hz)?;
        }
        self.bands.set_crossover_1_hz(hz)
    }

    /// Threshold of the upper band in dB.
    pub fn threshold_db(&self) -> f64 {
        self.high().threshold_db()
    }

    /// Sets the threshold of the upper band.
    pub fn set_threshold_db(&mut self, db: f64) -> Result<(), Error> {
        self.high_mut().set_threshold_db(Self::THRESHOLD_DB.check(db)?)
    }

    /// Ratio applied to the upper band above the threshold.
    pub fn ratio(&self) -> f64 {
        self.high().ratio()
    }

    /// Sets the ratio (infinity limits the band).
    pub fn set_ratio(&mut self, ratio: f64) -> Result<(), Error> {
        self.high_mut().set_ratio(Self::RATIO.check(ratio)?)
    }

    /// Attack time constant in ms.
    pub fn attack_ms(&self) -> f64 {
        self.high().attack_ms()
    }

    /// Sets the attack time constant (0 = instant).
    pub fn set_attack_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.high_mut().set_attack_ms(Self::ATTACK_MS.check(ms)?)
    }

    /// Release time constant in ms.
    pub fn release_ms(&self) -> f64 {
        self.high().release_ms()
    }

    /// Sets the release time constant (0 = instant).
    pub fn set_release_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.high_mut().set_release_ms(Self::RELEASE_MS.check(ms)?)
    }

    /// Whether the output is the upper band alone.
    pub fn listen(&self) -> bool {
        self.listen
    }

    /// Outputs the upper (sidechain) band alone, unprocessed (or not);
    /// switches with a 20 ms crossfade.
    pub fn set_listen(&mut self, listen: bool) {
        self.listen = listen;
        self.bands.set_band_solo(HIGH, listen).expect("two bands");
        self.high_mut().set_bypass(listen);
    }

    /// Gain reduction of the upper band in dB after the last sample.
    pub fn gain_reduction_db(&self) -> f32 {
        self.bands.band_gain_reduction_db(HIGH)
    }
}

impl Processor for DeEsser {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        spec.check_below_nyquist(Self::FREQUENCY_HZ.id, self.frequency_hz())?;
        self.bands.prepare(spec)
    }

    fn reset(&mut self) {
        self.bands.reset();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.bands.process(channels);
    }

    fn nonfinite_count(&self) -> u64 {
        self.bands.nonfinite_count()
    }
}

impl Dynamics for DeEsser {
    fn row_gain_reduction_db(&self, _row: usize) -> f32 {
        self.gain_reduction_db()
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        _side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        match gr.first_mut() {
            Some(row) => {
                let mut rows: [&mut [f32]; 2] = [&mut [], &mut **row];
                self.bands.process_bands(channels, &mut rows);
            }
            None => self.bands.process(channels),
        }
    }
}

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

    #[test]
    fn frequency_is_checked_by_its_own_name() {
        let mut d = DeEsser::new(30_000.0, -30.0).unwrap();
        let e = d.prepare(&ProcessSpec::new(FS, 64, 1)).unwrap_err();
        assert!(matches!(e, Error::AboveNyquist { name: "frequency_hz", .. }), "{e:?}");
        d.set_frequency_hz(8000.0).unwrap();
        d.prepare(&ProcessSpec::new(FS, 64, 1)).unwrap();
        let e = d.set_frequency_hz(25_000.0).unwrap_err();
        assert!(matches!(e, Error::AboveNyquist { name: "frequency_hz", .. }), "{e:?}");
        let e = d.set_frequency_hz(10.0).unwrap_err();
        assert!(matches!(e, Error::OutOfRange { param, .. } if param == &DeEsser::FREQUENCY_HZ));
        assert_eq!(d.frequency_hz(), 8000.0);
    }
}
