//! Multiband compressor: Linkwitz-Riley bands, one compressor each.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::params::{Caps, DynProcessor, MemberLoader, ParamInfo};
use crate::preset_format::{Preset, PresetError};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::{MAX_CHANNELS, ProcessSpec};

use super::compressor::Compressor;
use super::crossover::{Crossover, MAX_BANDS};
use super::{Dynamics, MAX_FREQUENCY_HZ};

/// Most crossovers (one fewer than the most bands).
const MAX_CROSSOVERS: usize = MAX_BANDS - 1;

crate::declare_params! {
    MultibandCompressor, MULTIBAND_COMPRESSOR_KIND = "multiband_compressor", "MultibandCompressor",
        Caps::PLAIN.gain_reduction(),
        "Multiband compressor: 2 to 5 bands split by Linkwitz-Riley crossovers (all-pass \
         compensated: unity bands sum flat), each band a compressor (the members, lowest band \
         first). The crossovers in use must ascend: prepare refuses others, and while a change \
         leaves them out of order the last valid split stays in use.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }

            fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
                self.compressors[..self.bands].iter().map(|c| save(c)).collect()
            }

            fn load_members(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
                self.load_band_presets(members, load)
            }
        };
    CROSSOVER_1_HZ = ParamInfo::float("crossover_1_hz", 20.0, MAX_FREQUENCY_HZ, 200.0, "Hz",
        "Crossover between bands 1 and 2").log() => crossover_1_hz, set_crossover_1_hz;
    CROSSOVER_2_HZ = ParamInfo::float("crossover_2_hz", 20.0, MAX_FREQUENCY_HZ, 2000.0, "Hz",
        "Crossover between bands 2 and 3 (used from 3 bands on)")
        .log() => crossover_2_hz, set_crossover_2_hz;
    CROSSOVER_3_HZ = ParamInfo::float("crossover_3_hz", 20.0, MAX_FREQUENCY_HZ, 6000.0, "Hz",
        "Crossover between bands 3 and 4 (used from 4 bands on)")
        .log() => crossover_3_hz, set_crossover_3_hz;
    CROSSOVER_4_HZ = ParamInfo::float("crossover_4_hz", 20.0, MAX_FREQUENCY_HZ, 12_000.0, "Hz",
        "Crossover between bands 4 and 5 (used with 5 bands)")
        .log() => crossover_4_hz, set_crossover_4_hz;
    BANDS = ParamInfo::int("bands", 2.0, MAX_BANDS as f64, 3.0, "",
        "Number of bands (changing it restarts the split)") => bands_param, set_bands_param;
}

/// Why a crossover in use is out of order, by index.
const NOT_ASCENDING: [&str; MAX_CROSSOVERS] = [
    "",
    "must be above crossover_1_hz (the crossovers in use must ascend)",
    "must be above crossover_2_hz (the crossovers in use must ascend)",
    "must be above crossover_3_hz (the crossovers in use must ascend)",
];

/// A multiband compressor: 2 to 5 bands split by a [`Crossover`]
/// (Linkwitz-Riley 4th order, all-pass compensated), each band processed by
/// its own [`Compressor`], then summed.
///
/// With every band at unity (ratio 1, or bypassed) the output is the
/// all-pass sum of the crossover: flat magnitude. Solo: while any band is
/// soloed only soloed bands are heard; solo and band bypass crossfade over
/// 20 ms. A fully bypassed band's compressor is not run (its detector
/// pauses). No latency.
///
/// The band count (`bands`) and the four crossovers are parameters; the
/// compressors of all five possible bands exist from construction and are
/// prepared together, so a change of band count never allocates (it
/// restarts the split's filter state, and a band that comes into use starts
/// from silence). Each crossover setter checks its own range (and Nyquist,
/// once prepared); the order of the crossovers in use is checked by
/// `prepare`, which names the one out of order. While prepared, a change
/// that leaves them out of order (as when automation moves two crossovers
/// past each other one at a time) keeps the last valid split, band count
/// included, in use until they ascend again: see
/// [`active_crossovers_hz`](Self::active_crossovers_hz).
#[derive(Debug, Clone)]
pub struct MultibandCompressor {
    crossovers_hz: [f64; MAX_CROSSOVERS],
    bands: usize,
    compressors: Vec<Compressor>,
    solo: [bool; MAX_BANDS],
    weight: [LinearSmoother; MAX_BANDS],
    sample_rate: f64,
    prepared: bool,
    max_block: usize,
    /// Per channel, the split in use (the last valid one).
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
    /// [`Compressor`]. The crossovers beyond them keep their declared
    /// defaults.
    pub fn new(crossovers_hz: &[f64]) -> Result<Self, Error> {
        if crossovers_hz.is_empty() || crossovers_hz.len() > MAX_CROSSOVERS {
            return Err(Error::InvalidParameter {
                name: "crossovers_hz",
                reason: "must hold 1 to 4 frequencies (2 to 5 bands)",
            });
        }
        let mut m = Self {
            crossovers_hz: [0, 1, 2, 3].map(|i| Self::crossover_info(i).default),
            bands: crossovers_hz.len() + 1,
            compressors: vec![Compressor::default(); MAX_BANDS],
            solo: [false; MAX_BANDS],
            weight: [LinearSmoother::new(1.0); MAX_BANDS],
            sample_rate: 48_000.0,
            prepared: false,
            max_block: 0,
            splitters: Vec::new(),
            scratch: Vec::new(),
            nonfinite: 0,
        };
        for (i, &hz) in crossovers_hz.iter().enumerate() {
            m.set_crossover(i, hz)?;
        }
        check_order(m.crossovers_hz())?;
        Ok(m)
    }

    /// Number of bands (as set; see [`active_bands`](Self::active_bands)).
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Sets the number of bands, 2 to 5 (uses crossovers 1 to `bands - 1`).
    pub fn set_bands(&mut self, bands: usize) -> Result<(), Error> {
        self.bands = Self::BANDS.check(bands as f64)? as usize;
        self.update_split();
        Ok(())
    }

    /// Number of bands being processed: [`bands`](Self::bands), or while
    /// the crossovers in use are out of order, the count of the last valid
    /// split.
    pub fn active_bands(&self) -> usize {
        self.splitters.first().map_or(self.bands, Crossover::bands)
    }

    /// The crossover frequencies in use, in Hz, ascending: the set ones, or
    /// while they are out of order, the last valid split.
    pub fn active_crossovers_hz(&self) -> &[f64] {
        match self.splitters.first() {
            Some(s) => s.frequencies_hz(),
            None => self.crossovers_hz(),
        }
    }

    /// The crossover frequencies of the bands in use (`bands - 1` of them),
    /// in Hz, as set.
    pub fn crossovers_hz(&self) -> &[f64] {
        &self.crossovers_hz[..self.bands - 1]
    }

    /// Moves crossover `index` (0-based, below `bands - 1`); as the
    /// `crossover_N_hz` setters.
    pub fn set_crossover_hz(&mut self, index: usize, hz: f64) -> Result<(), Error> {
        if index + 1 >= self.bands {
            return Err(Error::InvalidParameter {
                name: "crossover index",
                reason: "no such crossover",
            });
        }
        self.set_crossover(index, hz)
    }

    /// Crossover 1 (between bands 1 and 2) in Hz.
    pub fn crossover_1_hz(&self) -> f64 {
        self.crossovers_hz[0]
    }

    /// Sets crossover 1 (between bands 1 and 2).
    pub fn set_crossover_1_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.set_crossover(0, hz)
    }

    /// Crossover 2 (between bands 2 and 3) in Hz.
    pub fn crossover_2_hz(&self) -> f64 {
        self.crossovers_hz[1]
    }

    /// Sets crossover 2 (between bands 2 and 3).
    pub fn set_crossover_2_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.set_crossover(1, hz)
    }

    /// Crossover 3 (between bands 3 and 4) in Hz.
    pub fn crossover_3_hz(&self) -> f64 {
        self.crossovers_hz[2]
    }

    /// Sets crossover 3 (between bands 3 and 4).
    pub fn set_crossover_3_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.set_crossover(2, hz)
    }

    /// Crossover 4 (between bands 4 and 5) in Hz.
    pub fn crossover_4_hz(&self) -> f64 {
        self.crossovers_hz[3]
    }

    /// Sets crossover 4 (between bands 4 and 5).
    pub fn set_crossover_4_hz(&mut self, hz: f64) -> Result<(), Error> {
        self.set_crossover(3, hz)
    }

    /// Band `index`'s compressor (its settings are the band's settings).
    pub fn band(&self, index: usize) -> Option<&Compressor> {
        self.compressors[..self.bands].get(index)
    }

    /// Band `index`'s compressor, to change its settings.
    pub fn band_mut(&mut self, index: usize) -> Option<&mut Compressor> {
        self.compressors[..self.bands].get_mut(index)
    }

    /// Whether band `index` is soloed.
    pub fn band_solo(&self, index: usize) -> bool {
        index < self.bands && self.solo[index]
    }

    /// Solos band `index` (or not).
    pub fn set_band_solo(&mut self, index: usize, solo: bool) -> Result<(), Error> {
        self.check_band(index)?;
        self.solo[index] = solo;
        self.update_weights();
        Ok(())
    }

    /// Whether band `index` is bypassed.
    pub fn band_bypass(&self, index: usize) -> bool {
        self.band(index).is_some_and(Compressor::bypass)
    }

    /// Bypasses band `index`'s compressor (or not).
    pub fn set_band_bypass(&mut self, index: usize, bypass: bool) -> Result<(), Error> {
        self.check_band(index)?;
        self.compressors[index].set_bypass(bypass);
        Ok(())
    }

    /// Gain reduction in dB of band `index` after the last sample.
    pub fn band_gain_reduction_db(&self, index: usize) -> f32 {
        self.band(index).map_or(0.0, Compressor::gain_reduction_db)
    }

    /// The sample rate `prepare` was given (`None` before).
    pub(crate) fn prepared_sample_rate(&self) -> Option<f64> {
        self.prepared.then_some(self.sample_rate)
    }

    /// The declaration of crossover `index`.
    fn crossover_info(index: usize) -> &'static ParamInfo {
        match index {
            0 => &Self::CROSSOVER_1_HZ,
            1 => &Self::CROSSOVER_2_HZ,
            2 => &Self::CROSSOVER_3_HZ,
            _ => &Self::CROSSOVER_4_HZ,
        }
    }

    /// The band count as a parameter value (for the declaration).
    fn bands_param(&self) -> u8 {
        self.bands as u8
    }

    /// Sets the band count from a checked parameter value.
    fn set_bands_param(&mut self, bands: u8) -> Result<(), Error> {
        self.set_bands(usize::from(bands))
    }

    /// Checks crossover `index` alone (its range; Nyquist once prepared),
    /// stores it and moves the split if the crossovers in use ascend.
    fn set_crossover(&mut self, index: usize, hz: f64) -> Result<(), Error> {
        let info = Self::crossover_info(index);
        let hz = info.check(hz)?;
        if self.prepared {
            ProcessSpec::new(self.sample_rate, 1, 1).check_below_nyquist(info.id, hz)?;
        }
        self.crossovers_hz[index] = hz;
        self.update_split();
        Ok(())
    }

    /// Moves the split in use to the set crossovers and band count if they
    /// are valid; otherwise the last valid split stays.
    fn update_split(&mut self) {
        if !self.prepared {
            return;
        }
        let used = &self.crossovers_hz[..self.bands - 1];
        if check_order(used).is_err() || check_nyquist(used, self.sample_rate).is_err() {
            return;
        }
        let old = self.active_bands();
        if old == self.bands && self.active_crossovers_hz() == used {
            return;
        }
        for s in self.splitters.iter_mut() {
            // Cannot fail: the frequencies were just checked.
            let _ = s.set_frequencies_hz(used);
        }
        if old != self.bands {
            // A band coming into use starts from silence.
            for c in self.compressors[old.min(self.bands)..self.bands].iter_mut() {
                c.reset();
            }
            self.update_weights();
        }
    }

    fn update_weights(&mut self) {
        let nb = self.active_bands();
        let any = self.solo[..nb].iter().any(|&s| s);
        for (w, &solo) in self.weight.iter_mut().zip(&self.solo) {
            w.set_target(if !any || solo { 1.0 } else { 0.0 });
        }
    }

    fn check_band(&self, index: usize) -> Result<(), Error> {
        if index < self.bands {
            Ok(())
        } else {
            Err(Error::InvalidParameter { name: "band", reason: "no such band" })
        }
    }

    /// Sets every band's compressor from its preset (all or none).
    fn load_band_presets(
        &mut self,
        members: &[Preset],
        load: &MemberLoader,
    ) -> Result<(), PresetError> {
        let n = self.bands;
        if members.len() != n {
            return Err(PresetError::new(format!(
                "{n} bands take {n} band presets (of kind compressor), got {}",
                members.len()
            )));
        }
        let mut bands = self.compressors[..n].to_vec();
        for (b, (band, preset)) in bands.iter_mut().zip(members).enumerate() {
            let at = |e: &dyn core::fmt::Display| format!("band {} of {n}: {e}", b + 1);
            let member = load(preset).map_err(|e| PresetError::new(at(&e)))?;
            *band = member.as_any().downcast_ref::<Compressor>().cloned().ok_or_else(|| {
                PresetError::new(at(&format!("a {} is not a compressor", preset.kind)))
            })?;
        }
        self.compressors[..n].clone_from_slice(&bands);
        Ok(())
    }

    /// Processes one block, writing band `b`'s per-sample gain reduction
    /// into `rows[b]` where given (as far as it is long enough).
    pub(crate) fn process_bands(&mut self, channels: &mut [&mut [f32]], rows: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let (nb, mb) = (self.active_bands(), self.max_block);
        let nch = channels.len().min(self.splitters.len());
        let len = channels.first().map_or(0, |c| c.len()).min(mb);
        // Scratch layout: channel-major, band `b` of channel `c` at (c * nb + b) * mb.
        for (c, ch) in channels[..nch].iter().enumerate() {
            let mut parts = self.scratch[c * nb * mb..(c + 1) * nb * mb].chunks_mut(mb);
            let mut views: [&mut [f32]; MAX_BANDS] =
                core::array::from_fn(|_| parts.next().unwrap_or_default());
            self.splitters[c].split(&ch[..len], &mut views[..nb]);
        }
        for (b, comp) in self.compressors[..nb].iter_mut().enumerate() {
            let row = rows.get_mut(b).map(|r| &mut **r);
            if comp.fully_bypassed() {
                // Not run: its reduction stays where it was.
                if let Some(row) = row {
                    let m = len.min(row.len());
                    row[..m].fill(comp.gain_reduction_db());
                }
                continue;
            }
            let mut parts = self.scratch.chunks_mut(mb).skip(b).step_by(nb);
            let mut views: [&mut [f32]; MAX_CHANNELS] = core::array::from_fn(|_| {
                parts.next().map_or(<&mut [f32]>::default(), |p| &mut p[..len])
            });
            comp.process_row(&mut views[..nch], row);
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
}

/// Checks that `freqs` ascend strictly, naming the first out of order.
fn check_order(freqs: &[f64]) -> Result<(), Error> {
    match (1..freqs.len()).find(|&i| freqs[i] <= freqs[i - 1]) {
        Some(i) => Err(Error::InvalidParameter {
            name: MultibandCompressor::crossover_info(i).id,
            reason: NOT_ASCENDING[i],
        }),
        None => Ok(()),
    }
}

/// Checks that `freqs` lie below the Nyquist frequency of `sample_rate`.
fn check_nyquist(freqs: &[f64], sample_rate: f64) -> Result<(), Error> {
    let spec = ProcessSpec::new(sample_rate, 1, 1);
    for (i, &hz) in freqs.iter().enumerate() {
        spec.check_below_nyquist(MultibandCompressor::crossover_info(i).id, hz)?;
    }
    Ok(())
}

impl Processor for MultibandCompressor {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        let used = self.crossovers_hz();
        check_order(used)?;
        check_nyquist(used, spec.sample_rate)?;
        let splitter = Crossover::new(used, spec.sample_rate)?;
        for c in self.compressors.iter_mut() {
            c.prepare(spec)?;
        }
        self.sample_rate = spec.sample_rate;
        self.prepared = true;
        self.max_block = spec.max_block_size;
        self.splitters = vec![splitter; spec.channels];
        self.scratch = vec![0.0; spec.channels * MAX_BANDS * spec.max_block_size];
        for w in self.weight.iter_mut() {
            w.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        self.update_weights();
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.splitters.iter_mut().for_each(Crossover::reset);
        self.compressors.iter_mut().for_each(Processor::reset);
        self.weight.iter_mut().for_each(LinearSmoother::snap);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_bands(channels, &mut []);
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

impl Dynamics for MultibandCompressor {
    fn gain_reduction_rows(&self) -> usize {
        self.active_bands()
    }

    fn row_gain_reduction_db(&self, row: usize) -> f32 {
        // The bands processed may outnumber `bands` while the last valid
        // split stays in use.
        self.compressors.get(row).map_or(0.0, Compressor::gain_reduction_db)
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        _side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        self.process_bands(channels, gr);
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

    /// Largest deviation (dB) from flat of `m`'s impulse response, mono.
    fn flatness_db(m: &mut MultibandCompressor) -> f64 {
        m.reset();
        let mut h = vec![0.0f32; 16_384];
        h[0] = 1.0;
        crate::processor::process_in_blocks(m, &mut [&mut h], 1024);
        let mut worst = 0.0f64;
        let mut f = 20.0;
        while f < 20_000.0 {
            worst = worst.max(dft_db(&h, f, FS).abs());
            f *= 1.05;
        }
        worst
    }

    #[test]
    fn band_count_changes_at_run_time_without_allocating() {
        let mut m = MultibandCompressor::new(&[150.0, 900.0]).unwrap();
        m.set_bands(5).unwrap();
        for b in 0..m.bands() {
            m.band_mut(b).unwrap().set_ratio(1.0).unwrap();
        }
        m.set_bands(3).unwrap();
        assert!(m.band(3).is_none() && m.set_band_solo(3, true).is_err());
        m.prepare(&ProcessSpec::new(FS, 1024, 1)).unwrap();
        assert!(flatness_db(&mut m) < 0.01);
        for (bands, crossovers) in [(5, &[150.0, 900.0, 6000.0, 14_000.0][..]), (2, &[150.0])] {
            let (r, allocs) = count_allocs(|| {
                m.set_bands(bands)?;
                m.set_crossover_4_hz(14_000.0)
            });
            r.unwrap();
            assert_eq!(allocs, 0);
            assert_eq!((m.active_bands(), m.active_crossovers_hz()), (bands, crossovers));
            assert_eq!(m.gain_reduction_rows(), bands);
            assert!(flatness_db(&mut m) < 0.01, "{bands} bands");
        }
        assert!(m.set_bands(6).is_err() && m.set_bands(1).is_err());
    }

    #[test]
    fn crossovers_out_of_order_keep_the_last_valid_split() {
        let mut m = MultibandCompressor::default();
        // Each crossover is checked alone: any in range is taken.
        m.set_crossover_1_hz(5000.0).unwrap();
        let e = m.set_crossover_2_hz(10.0).unwrap_err();
        assert!(matches!(e, Error::OutOfRange { param, .. } if param.id == "crossover_2_hz"));
        // `prepare` names the one out of order.
        let e = m.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap_err().to_string();
        assert!(e.contains("crossover_2_hz") && e.contains("crossover_1_hz"), "{e}");
        m.set_crossover_1_hz(200.0).unwrap();
        m.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let mut unchanged = m.clone();
        // While prepared, an out-of-order change is kept but not used.
        m.set_crossover_1_hz(5000.0).unwrap();
        assert_eq!(m.crossovers_hz(), &[5000.0, 2000.0]);
        assert_eq!(m.active_crossovers_hz(), &[200.0, 2000.0]);
        let x = test_signal(2, 4096);
        let run = |p: &mut MultibandCompressor| run_blocks(p, &x, &[512], usize::MAX, &|_| {});
        assert_eq!(run(&mut m), run(&mut unchanged));
        // Ascending again: the split follows (filter state kept).
        m.set_crossover_2_hz(8000.0).unwrap();
        assert_eq!(m.active_crossovers_hz(), &[5000.0, 8000.0]);
        // So does a band count whose crossovers do not ascend yet.
        m.set_crossover_3_hz(7000.0).unwrap();
        m.set_bands(4).unwrap();
        assert_eq!((m.bands(), m.active_bands()), (4, 3));
        m.set_crossover_3_hz(9000.0).unwrap();
        assert_eq!(m.active_crossovers_hz(), &[5000.0, 8000.0, 9000.0]);
        // Above Nyquist is refused at once when prepared.
        let e = m.set_crossover_4_hz(30_000.0).unwrap_err();
        assert!(matches!(e, Error::AboveNyquist { name: "crossover_4_hz", .. }), "{e:?}");
        assert_eq!(m.crossover_4_hz(), 12_000.0);
    }

    #[test]
    fn band_settings_are_the_members_of_a_preset() {
        use crate::params::DynProcessor;
        use crate::preset;
        let mut m = MultibandCompressor::new(&[300.0, 3000.0, 8000.0]).unwrap();
        m.band_mut(2).unwrap().set_threshold_db(-33.0).unwrap();
        m.set_band_bypass(3, true).unwrap();
        let saved = preset::save(&m);
        assert_eq!(saved.members.len(), 4);
        assert!(saved.members.iter().all(|p| p.kind == "compressor"));
        let q = preset::load(&saved).unwrap();
        let q = q.as_any().downcast_ref::<MultibandCompressor>().unwrap();
        assert_eq!(q.band(2).unwrap().threshold_db(), -33.0);
        assert!(q.band_bypass(3) && !q.band_bypass(2));
        assert_eq!(q.crossovers_hz(), &[300.0, 3000.0, 8000.0]);
        // A wrong count or kind is named, and changes nothing.
        let mut wrong = saved.clone();
        wrong.members.pop();
        let e = preset::load(&wrong).err().unwrap().to_string();
        assert!(e.contains("multiband_compressor") && e.contains("4 bands") && e.contains("got 3"));
        let mut wrong = saved.clone();
        wrong.members[1] = preset::save(&crate::dynamics::Limiter::default());
        let e = preset::load(&wrong).err().unwrap().to_string();
        assert!(e.contains("band 2 of 4") && e.contains("limiter"), "{e}");
        let mut fresh = MultibandCompressor::new(&[300.0, 3000.0, 8000.0]).unwrap();
        assert!(fresh.load_members(&wrong.members, &preset::load).is_err());
        assert_eq!(fresh.band(2).unwrap().threshold_db(), -20.0);
    }
}
