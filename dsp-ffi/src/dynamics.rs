//! Dynamics: compressor, expander, noise gate, de-esser, multiband
//! compressor and limiter; sidechain processing and gain-reduction reports.

use dsp_core::DynProcessor;
use dsp_core::dynamics::crossover::MAX_BANDS;
use dsp_core::dynamics::{
    Compressor, DeEsser, Detector, Expander, Limiter, MultibandCompressor, NoiseGate,
};
use dsp_core::processor::for_each_block;
use dsp_core::spec::MAX_CHANNELS;

use crate::audio::{check_channels, check_disjoint, planar, planar_mut};
use crate::guard::{get_shared, non_null};
use crate::legacy::{new_legacy, update_kind};
use crate::processor::{MlProcessor, get_kind, get_state, with_kind, with_processor};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_WRONG_KIND, MlStatus, unknown};

/// What the level detector of a compressor, expander or gate measures.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlDetector(pub i32);

/// Instantaneous absolute sample value.
pub const ML_DETECTOR_PEAK: MlDetector = MlDetector(0);
/// Root mean square over an exponential window of `rms_window_ms`.
pub const ML_DETECTOR_RMS: MlDetector = MlDetector(1);

impl MlDetector {
    fn to_core(self) -> Result<Detector, Fail> {
        match self {
            ML_DETECTOR_PEAK => Ok(Detector::Peak),
            ML_DETECTOR_RMS => Ok(Detector::Rms),
            _ => Err(unknown("MlDetector", self.0)),
        }
    }

    fn from_core(d: Detector) -> Self {
        match d {
            Detector::Peak => ML_DETECTOR_PEAK,
            Detector::Rms => ML_DETECTOR_RMS,
        }
    }
}

/// A default `T` with settings applied by `apply`.
fn built<T: Default>(apply: impl FnOnce(&mut T) -> Result<(), Fail>) -> Result<T, Fail> {
    let mut t = T::default();
    apply(&mut t)?;
    Ok(t)
}

/// Settings of a feed-forward compressor (also one band of a multiband).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlCompressorConfig {
    /// Threshold in dB relative to full scale, -120 to +24.
    pub threshold_db: f64,
    /// Ratio, 1 (none) up to INFINITY (limiting).
    pub ratio: f64,
    /// Knee width in dB centred on the threshold, 0 (hard) to 48.
    pub knee_db: f64,
    /// Attack time constant in ms (63.2 % of a step), 0 to 1000.
    pub attack_ms: f64,
    /// Release time constant in ms, 0 to 10000.
    pub release_ms: f64,
    /// Make-up gain in dB, -48 to +48.
    pub makeup_db: f64,
    /// Adds the static reduction of a 0 dBFS level as make-up gain.
    pub auto_makeup: bool,
    /// Stereo link, 0 (independent channels) to 1 (100 %).
    pub link: f64,
    /// Wet proportion, 0 (dry) to 1 (compressed only).
    pub mix: f64,
    /// Detector type.
    pub detector: MlDetector,
    /// RMS window in ms (RMS detector), 0.1 to 1000.
    pub rms_window_ms: f64,
    /// Sidechain high-pass cutoff in Hz (0 = off; below Nyquist when prepared).
    pub sidechain_hpf_hz: f64,
}

impl MlCompressorConfig {
    fn apply(&self, c: &mut Compressor) -> Result<(), Fail> {
        c.set_threshold_db(self.threshold_db)?;
        c.set_ratio(self.ratio)?;
        c.set_knee_db(self.knee_db)?;
        c.set_attack_ms(self.attack_ms)?;
        c.set_release_ms(self.release_ms)?;
        c.set_makeup_db(self.makeup_db)?;
        c.set_auto_makeup(self.auto_makeup);
        c.set_link(self.link)?;
        c.set_mix(self.mix)?;
        c.set_detector(self.detector.to_core()?);
        c.set_rms_window_ms(self.rms_window_ms)?;
        c.set_sidechain_hpf_hz(self.sidechain_hpf_hz)?;
        Ok(())
    }

    fn build(&self) -> Result<Compressor, Fail> {
        built(|c| self.apply(c))
    }

    fn from_core(c: &Compressor) -> Self {
        Self {
            threshold_db: c.threshold_db(),
            ratio: c.ratio(),
            knee_db: c.knee_db(),
            attack_ms: c.attack_ms(),
            release_ms: c.release_ms(),
            makeup_db: c.makeup_db(),
            auto_makeup: c.auto_makeup(),
            link: c.link(),
            mix: c.mix(),
            detector: MlDetector::from_core(c.detector()),
            rms_window_ms: c.rms_window_ms(),
            sidechain_hpf_hz: c.sidechain_hpf_hz(),
        }
    }
}

/// Default compressor settings: threshold -20 dB, ratio 4, knee 6 dB, attack
/// 10 ms, release 100 ms, no make-up, 100 % link, fully wet, peak detector,
/// 10 ms RMS window, no sidechain high-pass.
#[unsafe(no_mangle)]
pub extern "C" fn ml_compressor_config_default() -> MlCompressorConfig {
    MlCompressorConfig::from_core(&Compressor::default())
}

/// Creates a compressor (any channel count) and writes its handle to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` (a value out of range or NaN) or
/// `ML_STATUS_UNKNOWN_NAME` (detector not one of the constants).
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_new(
    config: *const MlCompressorConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe { new_legacy(out, || non_null(config)?.build()) }
}

/// Sets all of a compressor's settings (each checked as by its setter; on a
/// failure the settings before it have been applied).
///
/// # Safety
/// `p` is NULL or a live handle; `config` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_config(
    p: *mut MlProcessor,
    config: *const MlCompressorConfig,
) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| non_null(config)?.apply(c)) }
}

/// Writes a compressor's settings to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_get_config(
    p: *mut MlProcessor,
    out: *mut MlCompressorConfig,
) -> MlStatus {
    unsafe { get_kind(p, out, MlCompressorConfig::from_core) }
}

/// Sets a compressor's threshold in dB (-120 to +24).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_threshold_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_threshold_db(db)) }
}

/// Sets a compressor's ratio (at least 1; INFINITY limits).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_ratio(p: *mut MlProcessor, ratio: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_ratio(ratio)) }
}

/// Sets a compressor's knee width in dB (0 to 48).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_knee_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_knee_db(db)) }
}

/// Sets a compressor's attack time constant in ms (0 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_attack_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_attack_ms(ms)) }
}

/// Sets a compressor's release time constant in ms (0 to 10000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_release_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_release_ms(ms)) }
}

/// Sets a compressor's make-up gain in dB (-48 to +48; glides).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_makeup_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_makeup_db(db)) }
}

/// Turns a compressor's automatic make-up gain on or off.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_auto_makeup(p: *mut MlProcessor, on: bool) -> MlStatus {
    unsafe { update_kind(p, |c: &mut Compressor| c.set_auto_makeup(on)) }
}

/// Sets a compressor's stereo link (0 to 1).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_link(p: *mut MlProcessor, link: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_link(link)) }
}

/// Sets a compressor's wet proportion (0 to 1; glides).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_mix(p: *mut MlProcessor, mix: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_mix(mix)) }
}

/// Bypasses a compressor (or not), crossfading over 20 ms.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_bypass(p: *mut MlProcessor, bypass: bool) -> MlStatus {
    unsafe { update_kind(p, |c: &mut Compressor| c.set_bypass(bypass)) }
}

/// Sets a compressor's detector type.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_detector(
    p: *mut MlProcessor,
    detector: MlDetector,
) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| detector.to_core().map(|d| c.set_detector(d))) }
}

/// Sets a compressor's RMS window in ms (0.1 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_rms_window_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_rms_window_ms(ms)) }
}

/// Sets a compressor's sidechain high-pass cutoff in Hz (0 = off).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_compressor_set_sidechain_hpf_hz(
    p: *mut MlProcessor,
    hz: f64,
) -> MlStatus {
    unsafe { with_kind(p, |c: &mut Compressor| c.set_sidechain_hpf_hz(hz)) }
}

/// Settings of a downward expander.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlExpanderConfig {
    /// Threshold in dB, -120 to +24.
    pub threshold_db: f64,
    /// Ratio (output dB per input dB below the threshold), 1 up to INFINITY (a gate).
    pub ratio: f64,
    /// Largest reduction in dB, 0 to 120.
    pub range_db: f64,
    /// Knee width in dB, 0 to 48.
    pub knee_db: f64,
    /// Hysteresis in dB, 0 to 24: once open, closes below threshold - hysteresis.
    pub hysteresis_db: f64,
    /// Hold time in ms before the reduction grows again, 0 to 5000.
    pub hold_ms: f64,
    /// Attack (opening) time constant in ms, 0 to 1000.
    pub attack_ms: f64,
    /// Release (closing) time constant in ms, 0 to 10000.
    pub release_ms: f64,
    /// Stereo link, 0 to 1.
    pub link: f64,
    /// Detector type.
    pub detector: MlDetector,
    /// RMS window in ms, 0.1 to 1000.
    pub rms_window_ms: f64,
    /// Sidechain high-pass cutoff in Hz (0 = off).
    pub sidechain_hpf_hz: f64,
}

impl MlExpanderConfig {
    fn apply(&self, e: &mut Expander) -> Result<(), Fail> {
        e.set_threshold_db(self.threshold_db)?;
        e.set_ratio(self.ratio)?;
        e.set_range_db(self.range_db)?;
        e.set_knee_db(self.knee_db)?;
        e.set_hysteresis_db(self.hysteresis_db)?;
        e.set_hold_ms(self.hold_ms)?;
        e.set_attack_ms(self.attack_ms)?;
        e.set_release_ms(self.release_ms)?;
        e.set_link(self.link)?;
        e.set_detector(self.detector.to_core()?);
        e.set_rms_window_ms(self.rms_window_ms)?;
        e.set_sidechain_hpf_hz(self.sidechain_hpf_hz)?;
        Ok(())
    }

    fn from_core(e: &Expander) -> Self {
        Self {
            threshold_db: e.threshold_db(),
            ratio: e.ratio(),
            range_db: e.range_db(),
            knee_db: e.knee_db(),
            hysteresis_db: e.hysteresis_db(),
            hold_ms: e.hold_ms(),
            attack_ms: e.attack_ms(),
            release_ms: e.release_ms(),
            link: e.link(),
            detector: MlDetector::from_core(e.detector()),
            rms_window_ms: e.rms_window_ms(),
            sidechain_hpf_hz: e.sidechain_hpf_hz(),
        }
    }
}

/// Default expander settings: threshold -40 dB, ratio 2, range 40 dB, no knee
/// or hysteresis, hold 10 ms, attack 1 ms, release 100 ms, 100 % link, peak
/// detector, 10 ms RMS window, no sidechain high-pass.
#[unsafe(no_mangle)]
pub extern "C" fn ml_expander_config_default() -> MlExpanderConfig {
    MlExpanderConfig::from_core(&Expander::default())
}

/// Creates a downward expander (any channel count) and writes its handle to `*out`.
///
/// Fails like `ml_compressor_new`.
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_new(
    config: *const MlExpanderConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe { new_legacy(out, || built(|c| non_null(config)?.apply(c))) }
}

/// Sets all of an expander's settings.
///
/// # Safety
/// `p` is NULL or a live handle; `config` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_config(
    p: *mut MlProcessor,
    config: *const MlExpanderConfig,
) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| non_null(config)?.apply(e)) }
}

/// Writes an expander's settings to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_get_config(
    p: *mut MlProcessor,
    out: *mut MlExpanderConfig,
) -> MlStatus {
    unsafe { get_kind(p, out, MlExpanderConfig::from_core) }
}

/// Sets an expander's threshold in dB (-120 to +24).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_threshold_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_threshold_db(db)) }
}

/// Sets an expander's ratio (at least 1; INFINITY gates).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_ratio(p: *mut MlProcessor, ratio: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_ratio(ratio)) }
}

/// Sets an expander's range (largest reduction) in dB (0 to 120).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_range_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_range_db(db)) }
}

/// Sets an expander's hysteresis in dB (0 to 24).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_hysteresis_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_hysteresis_db(db)) }
}

/// Sets an expander's hold time in ms (0 to 5000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_hold_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_hold_ms(ms)) }
}

/// Sets an expander's attack (opening) time constant in ms (0 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_attack_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_attack_ms(ms)) }
}

/// Sets an expander's release (closing) time constant in ms (0 to 10000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_release_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_release_ms(ms)) }
}

/// Sets an expander's knee width in dB (0 to 48).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_knee_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_knee_db(db)) }
}

/// Sets an expander's stereo link (0 to 1).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_link(p: *mut MlProcessor, link: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_link(link)) }
}

/// Sets an expander's detector type.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_detector(
    p: *mut MlProcessor,
    detector: MlDetector,
) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| detector.to_core().map(|d| e.set_detector(d))) }
}

/// Sets an expander's RMS window in ms (0.1 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_rms_window_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_rms_window_ms(ms)) }
}

/// Sets an expander's sidechain high-pass cutoff in Hz (0 = off).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_sidechain_hpf_hz(
    p: *mut MlProcessor,
    hz: f64,
) -> MlStatus {
    unsafe { with_kind(p, |e: &mut Expander| e.set_sidechain_hpf_hz(hz)) }
}

/// Bypasses an expander (or not), crossfading over 20 ms.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_expander_set_bypass(p: *mut MlProcessor, bypass: bool) -> MlStatus {
    unsafe { update_kind(p, |e: &mut Expander| e.set_bypass(bypass)) }
}

/// Settings of a noise gate (an expander with an infinite ratio).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlNoiseGateConfig {
    /// Threshold in dB at which the gate opens, -120 to +24.
    pub threshold_db: f64,
    /// Attenuation while closed in dB, 0 to 120.
    pub range_db: f64,
    /// Hysteresis in dB, 0 to 24: the gate closes below threshold - hysteresis.
    pub hysteresis_db: f64,
    /// Hold time in ms, 0 to 5000.
    pub hold_ms: f64,
    /// Attack (opening) time constant in ms, 0 to 1000.
    pub attack_ms: f64,
    /// Release (closing) time constant in ms, 0 to 10000.
    pub release_ms: f64,
    /// Stereo link, 0 to 1.
    pub link: f64,
    /// Detector type.
    pub detector: MlDetector,
    /// RMS window in ms, 0.1 to 1000.
    pub rms_window_ms: f64,
    /// Sidechain high-pass cutoff in Hz (0 = off).
    pub sidechain_hpf_hz: f64,
}

impl MlNoiseGateConfig {
    fn apply(&self, g: &mut NoiseGate) -> Result<(), Fail> {
        g.set_threshold_db(self.threshold_db)?;
        g.set_range_db(self.range_db)?;
        g.set_hysteresis_db(self.hysteresis_db)?;
        g.set_hold_ms(self.hold_ms)?;
        g.set_attack_ms(self.attack_ms)?;
        g.set_release_ms(self.release_ms)?;
        g.set_link(self.link)?;
        g.set_detector(self.detector.to_core()?);
        g.set_rms_window_ms(self.rms_window_ms)?;
        g.set_sidechain_hpf_hz(self.sidechain_hpf_hz)?;
        Ok(())
    }

    fn from_core(g: &NoiseGate) -> Self {
        Self {
            threshold_db: g.threshold_db(),
            range_db: g.range_db(),
            hysteresis_db: g.hysteresis_db(),
            hold_ms: g.hold_ms(),
            attack_ms: g.attack_ms(),
            release_ms: g.release_ms(),
            link: g.link(),
            detector: MlDetector::from_core(g.detector()),
            rms_window_ms: g.rms_window_ms(),
            sidechain_hpf_hz: g.sidechain_hpf_hz(),
        }
    }
}

/// Default gate settings: threshold -50 dB, range 80 dB, hysteresis 6 dB,
/// hold 20 ms, attack 0.5 ms, release 50 ms, 100 % link, peak detector,
/// 10 ms RMS window, no sidechain high-pass.
#[unsafe(no_mangle)]
pub extern "C" fn ml_noise_gate_config_default() -> MlNoiseGateConfig {
    MlNoiseGateConfig::from_core(&NoiseGate::default())
}

/// Creates a noise gate (any channel count) and writes its handle to `*out`.
///
/// Fails like `ml_compressor_new`.
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_new(
    config: *const MlNoiseGateConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe { new_legacy(out, || built(|c| non_null(config)?.apply(c))) }
}

/// Sets all of a noise gate's settings.
///
/// # Safety
/// `p` is NULL or a live handle; `config` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_config(
    p: *mut MlProcessor,
    config: *const MlNoiseGateConfig,
) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| non_null(config)?.apply(g)) }
}

/// Writes a noise gate's settings to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_get_config(
    p: *mut MlProcessor,
    out: *mut MlNoiseGateConfig,
) -> MlStatus {
    unsafe { get_kind(p, out, MlNoiseGateConfig::from_core) }
}

/// Sets a noise gate's threshold in dB (-120 to +24).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_threshold_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_threshold_db(db)) }
}

/// Sets a noise gate's attenuation while closed in dB (0 to 120).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_range_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_range_db(db)) }
}

/// Sets a noise gate's hysteresis in dB (0 to 24).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_hysteresis_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_hysteresis_db(db)) }
}

/// Sets a noise gate's hold time in ms (0 to 5000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_hold_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_hold_ms(ms)) }
}

/// Sets a noise gate's attack (opening) time constant in ms (0 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_attack_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_attack_ms(ms)) }
}

/// Sets a noise gate's release (closing) time constant in ms (0 to 10000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_release_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_release_ms(ms)) }
}

/// Sets a noise gate's stereo link (0 to 1).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_link(p: *mut MlProcessor, link: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_link(link)) }
}

/// Sets a noise gate's detector type.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_detector(
    p: *mut MlProcessor,
    detector: MlDetector,
) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| detector.to_core().map(|d| g.set_detector(d))) }
}

/// Sets a noise gate's RMS window in ms (0.1 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_rms_window_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_rms_window_ms(ms)) }
}

/// Bypasses a noise gate (or not), crossfading over 20 ms.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_bypass(p: *mut MlProcessor, bypass: bool) -> MlStatus {
    unsafe { update_kind(p, |g: &mut NoiseGate| g.set_bypass(bypass)) }
}

/// Sets a noise gate's sidechain high-pass cutoff in Hz (0 = off).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_noise_gate_set_sidechain_hpf_hz(
    p: *mut MlProcessor,
    hz: f64,
) -> MlStatus {
    unsafe { with_kind(p, |g: &mut NoiseGate| g.set_sidechain_hpf_hz(hz)) }
}

/// Settings of a split-band de-esser.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlDeEsserConfig {
    /// Split frequency in Hz (below Nyquist when prepared).
    pub frequency_hz: f64,
    /// Threshold of the upper band in dB, -120 to +24.
    pub threshold_db: f64,
    /// Ratio applied to the upper band, 1 up to INFINITY.
    pub ratio: f64,
    /// Attack time constant in ms, 0 to 1000.
    pub attack_ms: f64,
    /// Release time constant in ms, 0 to 10000.
    pub release_ms: f64,
    /// Outputs the upper band alone (what the detector hears).
    pub listen: bool,
}

impl MlDeEsserConfig {
    fn apply(&self, d: &mut DeEsser) -> Result<(), Fail> {
        d.set_frequency_hz(self.frequency_hz)?;
        d.set_threshold_db(self.threshold_db)?;
        d.set_ratio(self.ratio)?;
        d.set_attack_ms(self.attack_ms)?;
        d.set_release_ms(self.release_ms)?;
        d.set_listen(self.listen);
        Ok(())
    }

    fn from_core(d: &DeEsser) -> Self {
        Self {
            frequency_hz: d.frequency_hz(),
            threshold_db: d.threshold_db(),
            ratio: d.ratio(),
            attack_ms: d.attack_ms(),
            release_ms: d.release_ms(),
            listen: d.listen(),
        }
    }
}

/// Default de-esser settings: 6 kHz, threshold -30 dB, ratio 4, attack
/// 0.5 ms, release 40 ms, not listening.
#[unsafe(no_mangle)]
pub extern "C" fn ml_de_esser_config_default() -> MlDeEsserConfig {
    MlDeEsserConfig::from_core(&DeEsser::default())
}

/// Creates a de-esser (any channel count) and writes its handle to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT`; a split frequency at or above
/// Nyquist fails at `ml_processor_prepare` with `ML_STATUS_ABOVE_NYQUIST`.
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_new(
    config: *const MlDeEsserConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_legacy(out, || {
            let c = non_null(config)?;
            let mut d = DeEsser::new(c.frequency_hz, c.threshold_db)?;
            c.apply(&mut d)?;
            Ok::<_, Fail>(d)
        })
    }
}

/// Sets all of a de-esser's settings.
///
/// # Safety
/// `p` is NULL or a live handle; `config` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_config(
    p: *mut MlProcessor,
    config: *const MlDeEsserConfig,
) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DeEsser| non_null(config)?.apply(d)) }
}

/// Writes a de-esser's settings to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_get_config(
    p: *mut MlProcessor,
    out: *mut MlDeEsserConfig,
) -> MlStatus {
    unsafe { get_kind(p, out, MlDeEsserConfig::from_core) }
}

/// Sets a de-esser's split frequency in Hz.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_frequency_hz(p: *mut MlProcessor, hz: f64) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DeEsser| d.set_frequency_hz(hz)) }
}

/// Sets a de-esser's threshold in dB (-120 to +24).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_threshold_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DeEsser| d.set_threshold_db(db)) }
}

/// Sets a de-esser's listen mode (output the upper band alone; crossfades).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_listen(p: *mut MlProcessor, listen: bool) -> MlStatus {
    unsafe { update_kind(p, |d: &mut DeEsser| d.set_listen(listen)) }
}

/// Sets a de-esser's ratio (at least 1; INFINITY limits the band).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_ratio(p: *mut MlProcessor, ratio: f64) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DeEsser| d.set_ratio(ratio)) }
}

/// Sets a de-esser's attack time constant in ms (0 to 1000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_attack_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DeEsser| d.set_attack_ms(ms)) }
}

/// Sets a de-esser's release time constant in ms (0 to 10000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_de_esser_set_release_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DeEsser| d.set_release_ms(ms)) }
}

/// Most bands of a multiband compressor.
pub const ML_MULTIBAND_MAX_BANDS: usize = 5;

const _: () = assert!(ML_MULTIBAND_MAX_BANDS == MAX_BANDS);

/// Settings of a multiband compressor: `num_bands` bands (2 to 5) split at
/// `num_bands - 1` ascending crossover frequencies, each band a compressor.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlMultibandConfig {
    /// Number of bands, 2 to 5.
    pub num_bands: usize,
    /// Crossover frequencies in Hz, strictly ascending; the first
    /// `num_bands - 1` are used.
    pub crossovers_hz: [f64; 4],
    /// Per-band compressor settings; the first `num_bands` are used.
    pub bands: [MlCompressorConfig; 5],
}

/// Default multiband settings: 3 bands split at 200 Hz and 2 kHz (4th and
/// 5th crossover 6 kHz and 12 kHz when more bands are asked for), each band
/// a default compressor.
#[unsafe(no_mangle)]
pub extern "C" fn ml_multiband_config_default() -> MlMultibandConfig {
    MlMultibandConfig {
        num_bands: 3,
        crossovers_hz: [200.0, 2000.0, 6000.0, 12_000.0],
        bands: [ml_compressor_config_default(); 5],
    }
}

/// Creates a multiband compressor (any channel count) and writes its handle
/// to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` (band count, crossover order or a
/// band setting); a crossover at or above Nyquist fails at
/// `ml_processor_prepare` with `ML_STATUS_ABOVE_NYQUIST`.
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_new(
    config: *const MlMultibandConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_legacy(out, || {
            let c = non_null(config)?;
            if !(2..=ML_MULTIBAND_MAX_BANDS).contains(&c.num_bands) {
                return Err(Fail::new(ML_STATUS_INVALID_ARGUMENT, "num_bands must be 2 to 5"));
            }
            let mut m = MultibandCompressor::new(&c.crossovers_hz[..c.num_bands - 1])?;
            for (b, band) in c.bands[..c.num_bands].iter().enumerate() {
                *m.band_mut(b).expect("band count checked") = band.build()?;
            }
            Ok(m)
        })
    }
}

/// The compressor of band `index`, or `ML_STATUS_INVALID_ARGUMENT`.
fn band_of(m: &mut MultibandCompressor, index: usize) -> Result<&mut Compressor, Fail> {
    m.band_mut(index).ok_or_else(|| Fail::new(ML_STATUS_INVALID_ARGUMENT, "no such band"))
}

/// Writes the number of bands of a multiband compressor to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_num_bands(p: *mut MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_kind(p, out, MultibandCompressor::bands) }
}

/// Moves crossover `index` (0 to `num_bands - 2`) to `hz`; it must stay
/// between its neighbours and below Nyquist.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_set_crossover_hz(
    p: *mut MlProcessor,
    index: usize,
    hz: f64,
) -> MlStatus {
    unsafe { with_kind(p, |m: &mut MultibandCompressor| m.set_crossover_hz(index, hz)) }
}

/// Sets all compressor settings of band `index`.
///
/// # Safety
/// `p` is NULL or a live handle; `config` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_set_band(
    p: *mut MlProcessor,
    index: usize,
    config: *const MlCompressorConfig,
) -> MlStatus {
    unsafe {
        with_kind(p, |m: &mut MultibandCompressor| non_null(config)?.apply(band_of(m, index)?))
    }
}

/// Writes the compressor settings of band `index` to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_get_band(
    p: *mut MlProcessor,
    index: usize,
    out: *mut MlCompressorConfig,
) -> MlStatus {
    unsafe {
        get_state(p, out, |st| {
            let m = st.kind_mut::<MultibandCompressor>()?;
            Ok(MlCompressorConfig::from_core(band_of(m, index)?))
        })
    }
}

/// Solos band `index` (or not): while any band is soloed only soloed bands
/// are heard (crossfades over 20 ms).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_set_band_solo(
    p: *mut MlProcessor,
    index: usize,
    solo: bool,
) -> MlStatus {
    unsafe { with_kind(p, |m: &mut MultibandCompressor| m.set_band_solo(index, solo)) }
}

/// Bypasses the compressor of band `index` (or not; crossfades over 20 ms).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_set_band_bypass(
    p: *mut MlProcessor,
    index: usize,
    bypass: bool,
) -> MlStatus {
    unsafe { with_kind(p, |m: &mut MultibandCompressor| m.set_band_bypass(index, bypass)) }
}

/// Writes the gain reduction of band `index` in dB after the last processed
/// sample to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_multiband_get_band_gain_reduction_db(
    p: *mut MlProcessor,
    index: usize,
    out: *mut f32,
) -> MlStatus {
    unsafe {
        get_state(p, out, |st| {
            let m = st.kind_mut::<MultibandCompressor>()?;
            band_of(m, index)?;
            Ok(m.band_gain_reduction_db(index))
        })
    }
}

/// Settings of a lookahead brickwall limiter (linked over all channels).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlLimiterConfig {
    /// Ceiling in dB (dBFS, or dBTP in true-peak mode), -60 to 0.
    pub ceiling_db: f64,
    /// Limits the true (8x oversampled) peak instead of the sample peak.
    pub true_peak: bool,
    /// Lookahead in ms, 0.1 to 20 (sets the latency).
    pub lookahead_ms: f64,
    /// Release time constant in ms, 1 to 5000.
    pub release_ms: f64,
    /// Program-dependent release: sustained limiting recovers more slowly.
    pub auto_release: bool,
}

impl MlLimiterConfig {
    fn apply(&self, l: &mut Limiter) -> Result<(), Fail> {
        l.set_ceiling_db(self.ceiling_db)?;
        l.set_true_peak(self.true_peak);
        l.set_lookahead_ms(self.lookahead_ms)?;
        l.set_release_ms(self.release_ms)?;
        l.set_auto_release(self.auto_release);
        Ok(())
    }

    fn from_core(l: &Limiter) -> Self {
        Self {
            ceiling_db: l.ceiling_db(),
            true_peak: l.true_peak(),
            lookahead_ms: l.lookahead_ms(),
            release_ms: l.release_ms(),
            auto_release: l.auto_release(),
        }
    }
}

/// Default limiter settings: ceiling -1 dB, sample peak, lookahead 5 ms,
/// release 100 ms, no auto release.
#[unsafe(no_mangle)]
pub extern "C" fn ml_limiter_config_default() -> MlLimiterConfig {
    MlLimiterConfig::from_core(&Limiter::default())
}

/// Creates a limiter (any channel count) and writes its handle to `*out`.
/// Its latency (`ml_processor_latency`) is the lookahead, plus the true-peak
/// detector's delay in true-peak mode.
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_new(
    config: *const MlLimiterConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe { new_legacy(out, || built(|c| non_null(config)?.apply(c))) }
}

/// Sets all of a limiter's settings (true peak and lookahead apply at the
/// next prepare or reset).
///
/// # Safety
/// `p` is NULL or a live handle; `config` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_set_config(
    p: *mut MlProcessor,
    config: *const MlLimiterConfig,
) -> MlStatus {
    unsafe { with_kind(p, |l: &mut Limiter| non_null(config)?.apply(l)) }
}

/// Writes a limiter's settings to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_get_config(
    p: *mut MlProcessor,
    out: *mut MlLimiterConfig,
) -> MlStatus {
    unsafe { get_kind(p, out, MlLimiterConfig::from_core) }
}

/// Sets a limiter's ceiling in dB (-60 to 0).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_set_ceiling_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |l: &mut Limiter| l.set_ceiling_db(db)) }
}

/// Sets a limiter's release time constant in ms (1 to 5000).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_set_release_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |l: &mut Limiter| l.set_release_ms(ms)) }
}

/// Turns a limiter's automatic release on or off.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_set_auto_release(p: *mut MlProcessor, on: bool) -> MlStatus {
    unsafe { update_kind(p, |l: &mut Limiter| l.set_auto_release(on)) }
}

/// Switches a limiter's true-peak mode (applies at the next prepare or reset: it changes the latency).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_set_true_peak(p: *mut MlProcessor, on: bool) -> MlStatus {
    unsafe { update_kind(p, |l: &mut Limiter| l.set_true_peak(on)) }
}

/// Sets a limiter's lookahead in ms (0.1 to 20; applies at the next prepare or reset).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_limiter_set_lookahead_ms(p: *mut MlProcessor, ms: f64) -> MlStatus {
    unsafe { with_kind(p, |l: &mut Limiter| l.set_lookahead_ms(ms)) }
}

/// The gain reduction (dB, >= 0) of any dynamics processor after its last
/// processed sample: largest over its rows (channels, or bands for a
/// multiband). Never allocates.
pub(crate) fn gain_reduction_of(inner: &mut dyn DynProcessor) -> Option<f32> {
    if let Some(d) = inner.dynamics() {
        let rows = d.gain_reduction_rows();
        return Some((0..rows).map(|r| d.row_gain_reduction_db(r)).fold(0.0, f32::max));
    }
    let any = inner.as_any_mut();
    if let Some(c) = any.downcast_mut::<Compressor>() {
        return Some(c.gain_reduction_db());
    }
    if let Some(e) = any.downcast_mut::<Expander>() {
        return Some(e.gain_reduction_db());
    }
    if let Some(g) = any.downcast_mut::<NoiseGate>() {
        return Some(g.gain_reduction_db());
    }
    if let Some(d) = any.downcast_mut::<DeEsser>() {
        return Some(d.gain_reduction_db());
    }
    if let Some(l) = any.downcast_mut::<Limiter>() {
        return Some(l.gain_reduction_db());
    }
    let m = any.downcast_mut::<MultibandCompressor>()?;
    Some((0..m.bands()).map(|b| m.band_gain_reduction_db(b)).fold(0.0, f32::max))
}

/// Writes the gain reduction in dB (positive = reduction) after the last
/// processed block to `*out`: largest over channels (over bands for a
/// multiband compressor; the upper band for a de-esser). Excludes make-up
/// gain and mix. Call it after each block for a meter.
///
/// Fails with `ML_STATUS_WRONG_KIND` on a kind whose info has no
/// `gain_reduction` capability.
///
/// Thread rule: any thread, concurrently with processing (it reads a value
/// the processing thread stores after each block).
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_gain_reduction_db(
    p: *mut MlProcessor,
    out: *mut f32,
) -> MlStatus {
    unsafe { get_shared(p, out, MlProcessor::gain_reduction_db) }
}

/// Processes planar audio in place keyed by an external sidechain (kinds
/// whose info has the `sidechain` capability: compressor, expander, noise
/// gate): the detector hears `sidechain` instead of the input. A sidechain
/// with as many channels as the input keys channel by channel (then linked
/// as set); any other count (1 to `ML_MAX_CHANNELS`) is averaged to one key
/// for all channels. Both have `num_samples` samples. Non-finite sidechain
/// samples count as silence and are counted.
///
/// Fails like `ml_processor_process_planar`, with `ML_STATUS_WRONG_KIND` on
/// a processor without a sidechain input, and `ML_STATUS_INVALID_ARGUMENT`
/// if `num_sidechain` is 0 or above `ML_MAX_CHANNELS` or a sidechain buffer
/// shares memory with a processed channel.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `channels` as for `ml_processor_process_planar`; `sidechain` is NULL or
/// holds `num_sidechain` pointers, each NULL or valid for reads of
/// `num_samples` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_process_sidechain_planar(
    p: *mut MlProcessor,
    channels: *const *mut f32,
    num_channels: usize,
    sidechain: *const *const f32,
    num_sidechain: usize,
    num_samples: usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |h, st| {
            let spec = st.prepared_spec()?;
            if !h.kind().caps.sidechain {
                return Err(Fail::new(
                    ML_STATUS_WRONG_KIND,
                    format!("a {} has no sidechain input", h.kind().name),
                ));
            }
            check_channels(spec.channels, num_channels)?;
            if !(1..=MAX_CHANNELS).contains(&num_sidechain) {
                return Err(Fail::new(
                    ML_STATUS_INVALID_ARGUMENT,
                    "num_sidechain must be 1 to ML_MAX_CHANNELS",
                ));
            }
            check_disjoint(channels, num_channels, sidechain, num_sidechain, num_samples)?;
            let mut views = planar_mut(channels, num_channels, num_samples)?;
            let side = planar(sidechain, num_sidechain, num_samples)?;
            let keys = &side[..num_sidechain];
            let inner = &mut *st.inner;
            let max = spec.max_block_size;
            for_each_block(&mut views[..num_channels], &mut [], keys, max, |c, _, k| {
                h.params().apply(&mut *inner);
                keyed(inner, c, k);
            });
            h.store_gain_reduction(inner);
            Ok(())
        })
    }
}

/// Processes one block of `inner` keyed by `keys`. Never allocates.
fn keyed(inner: &mut dyn DynProcessor, channels: &mut [&mut [f32]], keys: &[&[f32]]) {
    if let Some(d) = inner.dynamics() {
        d.process_keyed(channels, Some(keys), &mut []);
        return;
    }
    let any = inner.as_any_mut();
    if let Some(d) = any.downcast_mut::<Compressor>() {
        d.process_sidechain(channels, keys);
    } else if let Some(d) = any.downcast_mut::<Expander>() {
        d.process_sidechain(channels, keys);
    } else if let Some(d) = any.downcast_mut::<NoiseGate>() {
        d.process_sidechain(channels, keys);
    }
}
