//! The parametric equaliser: any number of bands in series.

use alloc::format;
use alloc::vec::Vec;

use super::band::{Band, process_bands};
use super::design::FilterKind;
use super::filter::Filter;
use super::params::{BandParams, check_response_args};
use crate::buffer::sanitize;
use crate::error::Error;
use crate::params::{Caps, DynProcessor, MemberLoader};
use crate::preset_format::{Preset, PresetError};
use crate::processor::Processor;
use crate::spec::ProcessSpec;

crate::declare_params! {
    Equalizer, EQUALIZER_KIND = "equalizer", "Equalizer", Caps::PLAIN.tail(),
        "A parametric equalizer: its bands (filters of any shape) applied in series. It has no \
         parameters of its own; its presets hold each band as the preset of its filter kind.",
        dyn {
            fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
                self.save_bands(save)
            }

            fn load_members(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
                self.load_bands(members, load)
            }
        };
}

/// A parametric EQ: bands in series, each applied or bypassed, each
/// smoothed like a [`Filter`].
///
/// As a registry kind ([`EQUALIZER_KIND`]) it has no parameters; its bands
/// are its members, each saved as the preset of a filter of its shape
/// (`peak_filter`, `low_shelf`...).
#[derive(Debug, Clone)]
pub struct Equalizer {
    bands: Vec<Band>,
    sample_rate: Option<f64>,
    clock: u64,
    nonfinite: u64,
}

fn bad_index() -> Error {
    Error::InvalidParameter { name: "band", reason: "index out of range" }
}

impl Equalizer {
    /// An EQ with `bands` (each validated).
    pub fn new(bands: &[BandParams]) -> Result<Self, Error> {
        let bands = bands.iter().map(|&p| Band::new(p)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { bands, sample_rate: None, clock: 0, nonfinite: 0 })
    }

    /// Replaces every band at once (no fade; may allocate: not for the
    /// audio thread). After `prepare`, each cutoff must lie below Nyquist;
    /// on an error the bands stay as they were.
    pub fn set_bands(&mut self, bands: &[BandParams]) -> Result<(), Error> {
        let mut new = bands.iter().map(|&p| Band::new(p)).collect::<Result<Vec<_>, _>>()?;
        if let Some(fs) = self.sample_rate {
            new.iter_mut().try_for_each(|b| b.prepare(fs))?;
        }
        self.bands = new;
        self.clock = 0;
        Ok(())
    }

    /// Number of bands.
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// Whether the EQ has no bands.
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Target parameters of band `index`.
    pub fn band(&self, index: usize) -> Option<&BandParams> {
        self.bands.get(index).map(Band::params)
    }

    /// Sets band `index` (real-time safe; changes glide or cross-fade).
    pub fn set_band(&mut self, index: usize, params: BandParams) -> Result<(), Error> {
        self.bands.get_mut(index).ok_or_else(bad_index)?.set_params(params)
    }

    /// Appends a band, which fades in if the EQ is running. May allocate:
    /// not for the audio thread.
    pub fn push_band(&mut self, params: BandParams) -> Result<(), Error> {
        let mut band = Band::new(params.with_bypass(true))?;
        if let Some(fs) = self.sample_rate {
            band.prepare(fs)?;
        }
        band.set_params(params)?;
        self.bands.push(band);
        Ok(())
    }

    /// Removes band `index` at once (disable it first and wait 20 ms to
    /// avoid a click).
    pub fn remove_band(&mut self, index: usize) -> Result<(), Error> {
        if index >= self.bands.len() {
            return Err(bad_index());
        }
        self.bands.remove(index);
        Ok(())
    }

    /// Designed magnitude response in dB at `freq_hz`: the sum of the
    /// responses of the bands not bypassed (for plots).
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.bands.iter().map(|b| b.params().magnitude_db(freq_hz, sample_rate)).sum()
    }

    /// The designed magnitude response in dB at each of `freqs_hz`, into
    /// `out_db` (as many entries as both have; each band designed once).
    /// Fails, leaving `out_db` alone, on an invalid sample rate, a band
    /// at or above its Nyquist limit, or a negative or non-finite frequency.
    pub fn magnitude_response(
        &self,
        freqs_hz: &[f64],
        sample_rate: f64,
        out_db: &mut [f64],
    ) -> Result<(), Error> {
        check_response_args(freqs_hz, sample_rate)?;
        for b in &self.bands {
            b.params().check_sample_rate(sample_rate)?;
        }
        out_db.iter_mut().for_each(|o| *o = 0.0);
        for b in &self.bands {
            b.params().add_response_checked(freqs_hz, sample_rate, out_db);
        }
        Ok(())
    }
}

impl Default for Equalizer {
    /// No bands.
    fn default() -> Self {
        Self { bands: Vec::new(), sample_rate: None, clock: 0, nonfinite: 0 }
    }
}

impl Equalizer {
    /// Each band as the preset of a filter of its shape.
    fn save_bands(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
        self.bands
            .iter()
            .map(|b| save(&Filter::new(*b.params()).expect("a band's parameters are valid")))
            .collect()
    }

    /// Rebuilds the bands from filter presets (all or none).
    fn load_bands(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
        let mut bands = Vec::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            if Filter::shape_named(&m.kind).is_none() {
                let kinds: Vec<_> =
                    FilterKind::ALL.iter().map(|&k| Filter::kind_info(k).name).collect();
                return Err(PresetError::new(format!(
                    "band {i}: {:?} is not a filter kind (equalizer bands are {})",
                    m.kind,
                    kinds.join(", ")
                )));
            }
            let at = |e: &dyn core::fmt::Display| PresetError::new(format!("band {i}: {e}"));
            let member = load(m).map_err(|e| at(&e))?;
            let filter = member
                .as_any()
                .downcast_ref::<Filter>()
                .ok_or_else(|| at(&"a filter shape's kind made no filter"))?;
            if let Some(fs) = self.sample_rate {
                filter.params().check_sample_rate(fs).map_err(|e| at(&e))?;
            }
            bands.push(*filter.params());
        }
        Ok(self.set_bands(&bands)?)
    }
}

impl Processor for Equalizer {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        for b in &self.bands {
            b.params().check_sample_rate(spec.sample_rate)?;
        }
        for b in &mut self.bands {
            b.prepare(spec.sample_rate)?;
        }
        self.sample_rate = Some(spec.sample_rate);
        self.clock = 0;
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.bands.iter_mut().for_each(Band::reset);
        self.clock = 0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        process_bands(&mut self.bands, &mut self.clock, channels);
    }

    /// Samples for the bands' ringing to decay by 80 dB (summed over the
    /// series, an upper bound).
    fn tail(&self) -> usize {
        self.bands.iter().map(Band::tail).fold(0, usize::saturating_add)
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::Design;
    use crate::preset;
    use crate::test_util::*;

    fn bands() -> [BandParams; 5] {
        [
            BandParams::new(FilterKind::HighPass, 40.0).with_order(4),
            BandParams::new(FilterKind::LowShelf, 120.0).with_gain_db(3.0),
            BandParams::new(FilterKind::Peak, 900.0).with_gain_db(-5.0).with_q(2.0),
            BandParams::new(FilterKind::Peak, 14_000.0)
                .with_gain_db(4.0)
                .with_design(Design::Matched),
            BandParams::new(FilterKind::HighShelf, 6000.0).with_gain_db(-2.0).with_bypass(true),
        ]
    }

    /// The response over many frequencies matches the point queries, the
    /// bad arguments fail and leave the output alone.
    #[test]
    fn magnitude_response_over_frequencies() {
        let eq = Equalizer::new(&bands()).unwrap();
        let freqs = [0.0, 30.0, 120.0, 900.0, 6000.0, 14_000.0, 20_000.0];
        let mut out = [1.0; 7];
        eq.magnitude_response(&freqs, 48_000.0, &mut out).unwrap();
        for (&f, &o) in freqs.iter().zip(&out) {
            assert_eq!(o, eq.magnitude_db(f, 48_000.0), "{f} Hz");
        }
        assert!((out[3] + 5.0).abs() < 0.1, "peak centre {}", out[3]);
        let mut untouched = [7.0; 2];
        assert!(eq.magnitude_response(&[100.0, f64::NAN], 48_000.0, &mut untouched).is_err());
        assert!(eq.magnitude_response(&[-1.0, 1.0], 48_000.0, &mut untouched).is_err());
        // The 14 kHz band is above Nyquist at 16 kHz.
        assert!(eq.magnitude_response(&[100.0, 1.0], 16_000.0, &mut untouched).is_err());
        assert_eq!(untouched, [7.0; 2]);
    }

    fn prepared(b: &[BandParams], fs: f64) -> Equalizer {
        let mut eq = Equalizer::new(b).unwrap();
        eq.prepare(&ProcessSpec::new(fs, 4096, 1)).unwrap();
        eq
    }

    #[test]
    fn magnitude_db_equals_measured_response() {
        for fs in [44_100.0, 96_000.0] {
            let mut eq = prepared(&bands(), fs);
            for f in [30.0, 100.0, 400.0, 900.0, 3000.0, 8000.0, 14_000.0, 19_000.0] {
                let want = eq.magnitude_db(f, fs);
                let got = measured_gain_db(&mut eq, f, fs);
                assert!((got - want).abs() < 0.02, "{fs} {f}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn disabled_bands_are_bypassed() {
        let b = bands();
        let eq = prepared(&b, 48_000.0);
        // The disabled high shelf contributes nothing.
        let without = Equalizer::new(&b[..4]).unwrap();
        for f in [100.0, 6000.0, 15_000.0] {
            assert_eq!(eq.magnitude_db(f, 48_000.0), without.magnitude_db(f, 48_000.0));
        }
        // All bands disabled: output is the input, bit for bit.
        let off: std::vec::Vec<_> = b.iter().map(|p| p.with_bypass(true)).collect();
        let mut eq = prepared(&off, 48_000.0);
        let x = noise(3000, 0.5, 9);
        let mut y = x.clone();
        eq.process_mono(&mut y);
        assert_eq!(x, y);
        // Disabling at run time fades the band out completely.
        let mut eq = prepared(&b, 48_000.0);
        for (i, p) in b.iter().enumerate() {
            eq.set_band(i, p.with_bypass(true)).unwrap();
        }
        let mut y = x.clone();
        eq.process_mono(&mut y);
        assert_eq!(x[2000..], y[2000..]);
    }

    #[test]
    fn invariants_mono_and_stereo() {
        for channels in [1, 2] {
            check_processor_invariants(
                || Equalizer::new(&bands()).unwrap(),
                channels,
                |eq| {
                    let b = bands();
                    eq.set_band(2, b[2].with_gain_db(6.0).with_q(0.5)).unwrap();
                    eq.set_band(4, b[4].with_bypass(false)).unwrap();
                    eq.set_band(0, b[0].with_bypass(true)).unwrap();
                },
            );
        }
    }

    #[test]
    fn bands_can_be_added_and_removed() {
        let mut eq = prepared(&bands(), 48_000.0);
        assert_eq!(eq.len(), 5);
        let p = BandParams::new(FilterKind::Notch, 3000.0).with_q(5.0);
        eq.push_band(p).unwrap();
        assert_eq!(eq.band(5), Some(&p));
        // The new band fades in without a click.
        let x = sine(3000.0, 48_000.0, 4800, 0.5);
        let mut y = x.clone();
        eq.process_mono(&mut y);
        assert!(max_step(&y) <= max_step(&x) * 1.6 + 1e-3);
        assert!(measured_gain_db(&mut eq, 3000.0, 48_000.0) < -40.0);
        eq.remove_band(5).unwrap();
        assert_eq!(eq.len(), 5);
        assert!(eq.remove_band(5).is_err());
        assert!(eq.set_band(7, p).is_err());
        assert!(eq.band(9).is_none());
        assert!(matches!(
            eq.push_band(BandParams::new(FilterKind::Peak, 30_000.0)),
            Err(Error::AboveNyquist { .. })
        ));
        assert!(Equalizer::new(&[]).unwrap().is_empty());
    }

    #[test]
    fn rejects_cutoff_above_nyquist_at_prepare() {
        let mut eq = Equalizer::new(&[BandParams::new(FilterKind::Peak, 23_000.0)]).unwrap();
        assert!(matches!(
            eq.prepare(&ProcessSpec::new(44_100.0, 64, 2)),
            Err(Error::AboveNyquist { name: "cutoff_hz", .. })
        ));
        assert!(eq.prepare(&ProcessSpec::new(48_000.0, 64, 2)).is_ok());
    }

    /// Runs `p` over a stereo test signal at 48 kHz and returns the output.
    fn render(p: &mut dyn crate::params::DynProcessor) -> std::vec::Vec<std::vec::Vec<f32>> {
        p.prepare(&ProcessSpec::new(48_000.0, 512, 2)).unwrap();
        let mut x = test_signal(2, 6000);
        let mut views: std::vec::Vec<&mut [f32]> = x.iter_mut().map(|c| &mut c[..]).collect();
        crate::processor::process_in_blocks(p, &mut views, 512);
        x
    }

    /// Three bands of different shapes survive `preset::save`/`load` as
    /// filter presets, with bit-identical output.
    #[test]
    fn bands_round_trip_through_presets() {
        let b = [
            BandParams::new(FilterKind::HighPass, 60.0).with_order(3).with_q(0.9),
            BandParams::new(FilterKind::Peak, 2500.0)
                .with_gain_db(-4.5)
                .with_q(2.5)
                .with_design(Design::Matched),
            BandParams::new(FilterKind::HighShelf, 9000.0).with_gain_db(3.0).with_bypass(true),
        ];
        let mut eq = Equalizer::new(&b).unwrap();
        let saved = preset::save(&eq);
        assert_eq!(saved.kind, "equalizer");
        assert_eq!(saved.params.keys().collect::<std::vec::Vec<_>>(), ["bypass"]);
        let kinds: std::vec::Vec<_> = saved.members.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, ["high_pass", "peak_filter", "high_shelf"]);
        assert_eq!(saved.members[1].params["design"], preset::Value::Name("matched".into()));
        assert_eq!(saved.members[2].params["bypass"], preset::Value::Bool(true));
        let mut loaded = preset::load(&saved).unwrap();
        assert_eq!(preset::save(&*loaded), saved);
        let back = loaded.as_any().downcast_ref::<Equalizer>().unwrap();
        assert_eq!((0..3).map(|i| *back.band(i).unwrap()).collect::<std::vec::Vec<_>>(), b);
        let want = render(&mut eq);
        assert!(want != test_signal(2, 6000));
        assert_eq!(render(&mut *loaded), want);
    }

    /// Members that are not filter presets, or that are invalid, are
    /// refused by name, and the bands stay as they were.
    #[test]
    fn band_presets_name_what_is_wrong() {
        use std::string::ToString;
        let b =
            [BandParams::new(FilterKind::Notch, 700.0), BandParams::new(FilterKind::Peak, 90.0)];
        let good = preset::save(&Equalizer::new(&b).unwrap());
        let mut eq = Equalizer::new(&b[..1]).unwrap();
        let load = |eq: &mut Equalizer, saved: &Preset| preset::restore(eq, saved).unwrap_err();
        let mut bad = good.clone();
        bad.members[1].kind = "gain".into();
        let e = load(&mut eq, &bad).to_string();
        assert!(e.contains("band 1") && e.contains("\"gain\"") && e.contains("peak_filter"), "{e}");
        let mut bad = good.clone();
        bad.members[1].params.insert("q".into(), preset::Value::Number(500.0));
        let e = load(&mut eq, &bad).to_string();
        assert!(e.contains("band 1") && e.contains("peak_filter") && e.contains("q"), "{e}");
        let mut bad = good.clone();
        bad.members[0].params.insert("gain_db".into(), preset::Value::Number(3.0));
        let e = load(&mut eq, &bad).to_string();
        assert!(e.contains("band 0") && e.contains("gain_db") && e.contains("notch"), "{e}");
        // Prepared at 16 kHz, a 9 kHz band is above Nyquist.
        eq.prepare(&ProcessSpec::new(16_000.0, 64, 1)).unwrap();
        let mut bad = good.clone();
        bad.members[1].params.insert("cutoff_hz".into(), preset::Value::Number(9000.0));
        let e = load(&mut eq, &bad).to_string();
        assert!(e.contains("band 1") && e.contains("Nyquist"), "{e}");
        assert_eq!((eq.len(), eq.band(0)), (1, Some(&b[0])));
        // A good preset replaces the bands of a prepared equalizer.
        preset::restore(&mut eq, &good).unwrap();
        assert_eq!((eq.len(), eq.band(1)), (2, Some(&b[1])));
        let mut x = noise(256, 0.5, 3);
        eq.process_mono(&mut x);
        assert!(x.iter().all(|v| v.is_finite()));
    }
}
