//! Mixing basics: gain, pan, stereo width.

use dsp_core::mix::{Gain, Pan, PanLaw, PanSource, StereoWidth};

use crate::guard::non_null;
use crate::processor::{MlProcessor, get_kind, new_processor, update_kind, with_kind};
use crate::status::{Fail, MlStatus, unknown};

/// Pan law: how the two channel gains follow the pan position.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlPanLaw(pub i32);

/// Gains 1 - u and u: -6.02 dB per side at the centre.
pub const ML_PAN_LAW_LINEAR: MlPanLaw = MlPanLaw(0);
/// Sine/cosine gains: constant power, -3.01 dB per side at the centre.
pub const ML_PAN_LAW_CONSTANT_POWER: MlPanLaw = MlPanLaw(1);
/// The geometric mean of linear and constant power: -4.5 dB at the centre.
pub const ML_PAN_LAW_COMPROMISE: MlPanLaw = MlPanLaw(2);

/// What a pan does with its two input channels.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlPanSource(pub i32);

/// The input is mono (the channels are summed to their mean) and placed by the pan law.
pub const ML_PAN_SOURCE_MONO: MlPanSource = MlPanSource(0);
/// The input is stereo: the pan is a balance control (0 leaves both channels unchanged).
pub const ML_PAN_SOURCE_STEREO: MlPanSource = MlPanSource(1);

impl MlPanLaw {
    fn to_core(self) -> Result<PanLaw, Fail> {
        match self {
            ML_PAN_LAW_LINEAR => Ok(PanLaw::Linear),
            ML_PAN_LAW_CONSTANT_POWER => Ok(PanLaw::ConstantPower),
            ML_PAN_LAW_COMPROMISE => Ok(PanLaw::Compromise),
            _ => Err(unknown("MlPanLaw", self.0)),
        }
    }

    fn from_core(law: PanLaw) -> Self {
        match law {
            PanLaw::Linear => ML_PAN_LAW_LINEAR,
            PanLaw::ConstantPower => ML_PAN_LAW_CONSTANT_POWER,
            PanLaw::Compromise => ML_PAN_LAW_COMPROMISE,
        }
    }
}

impl MlPanSource {
    fn to_core(self) -> Result<PanSource, Fail> {
        match self {
            ML_PAN_SOURCE_MONO => Ok(PanSource::Mono),
            ML_PAN_SOURCE_STEREO => Ok(PanSource::Stereo),
            _ => Err(unknown("MlPanSource", self.0)),
        }
    }

    fn from_core(source: PanSource) -> Self {
        match source {
            PanSource::Mono => ML_PAN_SOURCE_MONO,
            PanSource::Stereo => ML_PAN_SOURCE_STEREO,
        }
    }
}

/// Settings of a gain.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlGainConfig {
    /// Gain in dB, -150 to +60.
    pub gain_db: f64,
    /// Inverts the polarity.
    pub invert: bool,
}

/// Settings of a pan (stereo in, stereo out).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlPanConfig {
    /// Position from -1 (left) through 0 (centre) to +1 (right).
    pub pan: f64,
    /// Pan law.
    pub law: MlPanLaw,
    /// Mono source (placed) or stereo source (balanced).
    pub source: MlPanSource,
}

/// Settings of a mid/side stereo width control (stereo only).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlStereoWidthConfig {
    /// Side level relative to mid: 0 is mono, 1 unchanged, 2 twice as wide.
    pub width: f64,
    /// Mid gain in dB, -150 to +60.
    pub mid_gain_db: f64,
    /// Side gain in dB, -150 to +60 (applied on top of the width).
    pub side_gain_db: f64,
}

/// Default gain settings: 0 dB, not inverted.
#[unsafe(no_mangle)]
pub extern "C" fn ml_gain_config_default() -> MlGainConfig {
    MlGainConfig { gain_db: 0.0, invert: false }
}

/// Creates a gain (any channel count) and writes its handle to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if `gain_db` is not finite or out of range.
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_gain_new(
    config: *const MlGainConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_processor(out, || {
            let c = non_null(config)?;
            Gain::new(c.gain_db, c.invert).map_err(Fail::from)
        })
    }
}

/// Sets a gain's level in dB (smoothed over 20 ms).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_gain_set_gain_db(p: *mut MlProcessor, gain_db: f64) -> MlStatus {
    unsafe { with_kind(p, |g: &mut Gain| g.set_gain_db(gain_db)) }
}

/// Writes a gain's level in dB to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_gain_get_gain_db(p: *mut MlProcessor, out: *mut f64) -> MlStatus {
    unsafe { get_kind(p, out, Gain::gain_db) }
}

/// Sets whether a gain inverts the polarity (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_gain_set_invert(p: *mut MlProcessor, invert: bool) -> MlStatus {
    unsafe { update_kind(p, |g: &mut Gain| g.set_invert(invert)) }
}

/// Writes whether a gain inverts the polarity to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_gain_get_invert(p: *mut MlProcessor, out: *mut bool) -> MlStatus {
    unsafe { get_kind(p, out, Gain::invert) }
}

/// Default pan settings: centre, constant power, stereo source.
#[unsafe(no_mangle)]
pub extern "C" fn ml_pan_config_default() -> MlPanConfig {
    MlPanConfig { pan: 0.0, law: ML_PAN_LAW_CONSTANT_POWER, source: ML_PAN_SOURCE_STEREO }
}

/// Creates a pan (prepare it with 2 channels) and writes its handle to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` (pan outside -1..1 or not finite)
/// or `ML_STATUS_UNKNOWN_NAME` (law or source not one of the constants).
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_new(
    config: *const MlPanConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_processor(out, || {
            let c = non_null(config)?;
            let mut pan = Pan::new(c.pan, c.law.to_core()?)?;
            pan.set_source(c.source.to_core()?);
            Ok::<_, Fail>(pan)
        })
    }
}

/// Sets a pan's position, -1 (left) to +1 (right) (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_set_pan(p: *mut MlProcessor, pan: f64) -> MlStatus {
    unsafe { with_kind(p, |x: &mut Pan| x.set_pan(pan)) }
}

/// Writes a pan's position to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_get_pan(p: *mut MlProcessor, out: *mut f64) -> MlStatus {
    unsafe { get_kind(p, out, Pan::pan) }
}

/// Sets a pan's law (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_set_law(p: *mut MlProcessor, law: MlPanLaw) -> MlStatus {
    unsafe {
        with_kind(p, |x: &mut Pan| {
            x.set_law(law.to_core()?);
            Ok::<_, Fail>(())
        })
    }
}

/// Writes a pan's law to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_get_law(p: *mut MlProcessor, out: *mut MlPanLaw) -> MlStatus {
    unsafe { get_kind(p, out, |x: &Pan| MlPanLaw::from_core(x.law())) }
}

/// Sets whether a pan treats its input as mono or stereo (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_set_source(p: *mut MlProcessor, source: MlPanSource) -> MlStatus {
    unsafe {
        with_kind(p, |x: &mut Pan| {
            x.set_source(source.to_core()?);
            Ok::<_, Fail>(())
        })
    }
}

/// Writes a pan's source mode to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_pan_get_source(p: *mut MlProcessor, out: *mut MlPanSource) -> MlStatus {
    unsafe { get_kind(p, out, |x: &Pan| MlPanSource::from_core(x.source())) }
}

/// Default stereo width settings: width 1, mid and side at 0 dB (identity).
#[unsafe(no_mangle)]
pub extern "C" fn ml_stereo_width_config_default() -> MlStereoWidthConfig {
    MlStereoWidthConfig { width: 1.0, mid_gain_db: 0.0, side_gain_db: 0.0 }
}

/// Creates a stereo width control (prepare it with 2 channels) and writes its
/// handle to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` (width outside 0..2, gains out of
/// range, or anything not finite).
///
/// # Safety
/// `config` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_new(
    config: *const MlStereoWidthConfig,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_processor(out, || {
            let c = non_null(config)?;
            StereoWidth::new(c.width, c.mid_gain_db, c.side_gain_db).map_err(Fail::from)
        })
    }
}

/// Sets the width, 0 (mono) to 2 (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_set_width(p: *mut MlProcessor, width: f64) -> MlStatus {
    unsafe { with_kind(p, |x: &mut StereoWidth| x.set_width(width)) }
}

/// Writes the width to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_get_width(p: *mut MlProcessor, out: *mut f64) -> MlStatus {
    unsafe { get_kind(p, out, StereoWidth::width) }
}

/// Sets the mid gain in dB (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_set_mid_gain_db(p: *mut MlProcessor, db: f64) -> MlStatus {
    unsafe { with_kind(p, |x: &mut StereoWidth| x.set_mid_gain_db(db)) }
}

/// Writes the mid gain in dB to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_get_mid_gain_db(
    p: *mut MlProcessor,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_kind(p, out, StereoWidth::mid_gain_db) }
}

/// Sets the side gain in dB (smoothed).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_set_side_gain_db(
    p: *mut MlProcessor,
    db: f64,
) -> MlStatus {
    unsafe { with_kind(p, |x: &mut StereoWidth| x.set_side_gain_db(db)) }
}

/// Writes the side gain in dB to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_stereo_width_get_side_gain_db(
    p: *mut MlProcessor,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_kind(p, out, StereoWidth::side_gain_db) }
}
