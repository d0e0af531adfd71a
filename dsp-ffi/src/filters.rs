//! Filters and equalisers: one band (`ml_filter_*`), a parametric EQ of any
//! number of bands (`ml_equalizer_*`), and a DC blocker.

use dsp_core::Error;
use dsp_core::filters::{BandParams, DcBlocker, Design, Equalizer, Filter, FilterKind};

use crate::guard::{non_null, non_null_mut};
use crate::legacy::new_legacy;
use crate::processor::{MlProcessor, get_kind, with_kind};
use crate::status::{Fail, ML_STATUS_INVALID_ARGUMENT, MlStatus, unknown};

/// Response shape of a filter band.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlFilterKind(pub i32);

/// Low pass (Butterworth, order 1 to 8).
pub const ML_FILTER_KIND_LOW_PASS: MlFilterKind = MlFilterKind(0);
/// High pass (Butterworth, order 1 to 8).
pub const ML_FILTER_KIND_HIGH_PASS: MlFilterKind = MlFilterKind(1);
/// Band pass, 0 dB at the centre frequency.
pub const ML_FILTER_KIND_BAND_PASS: MlFilterKind = MlFilterKind(2);
/// Band reject.
pub const ML_FILTER_KIND_NOTCH: MlFilterKind = MlFilterKind(3);
/// Peaking (bell) EQ: `gain_db` at the centre frequency.
pub const ML_FILTER_KIND_PEAK: MlFilterKind = MlFilterKind(4);
/// Low shelf: `gain_db` below the corner frequency.
pub const ML_FILTER_KIND_LOW_SHELF: MlFilterKind = MlFilterKind(5);
/// High shelf: `gain_db` above the corner frequency.
pub const ML_FILTER_KIND_HIGH_SHELF: MlFilterKind = MlFilterKind(6);
/// All pass: flat magnitude, phase turning around the centre frequency.
pub const ML_FILTER_KIND_ALL_PASS: MlFilterKind = MlFilterKind(7);

/// How a band's second-order section is derived from its analog prototype.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlDesign(pub i32);

/// RBJ cookbook (bilinear transform): exact at the cutoff, cramped near Nyquist.
pub const ML_DESIGN_COOKBOOK: MlDesign = MlDesign(0);
/// Matched design: follows the analog prototype up to Nyquist (peak, band
/// pass, second-order low/high pass; other kinds fall back to the cookbook).
pub const ML_DESIGN_MATCHED: MlDesign = MlDesign(1);

const KINDS: [(MlFilterKind, FilterKind); 8] = [
    (ML_FILTER_KIND_LOW_PASS, FilterKind::LowPass),
    (ML_FILTER_KIND_HIGH_PASS, FilterKind::HighPass),
    (ML_FILTER_KIND_BAND_PASS, FilterKind::BandPass),
    (ML_FILTER_KIND_NOTCH, FilterKind::Notch),
    (ML_FILTER_KIND_PEAK, FilterKind::Peak),
    (ML_FILTER_KIND_LOW_SHELF, FilterKind::LowShelf),
    (ML_FILTER_KIND_HIGH_SHELF, FilterKind::HighShelf),
    (ML_FILTER_KIND_ALL_PASS, FilterKind::AllPass),
];

const DESIGNS: [(MlDesign, Design); 2] =
    [(ML_DESIGN_COOKBOOK, Design::Cookbook), (ML_DESIGN_MATCHED, Design::Matched)];

/// One filter band (mirrors the Rust `BandParams`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlBand {
    /// Response shape.
    pub kind: MlFilterKind,
    /// Corner frequency (pass filters, shelves) or centre frequency, in Hz;
    /// must be below Nyquist when prepared.
    pub cutoff_hz: f64,
    /// Quality factor, 0.01 to 100 (0.7071 is Butterworth; higher and odd
    /// pass-filter orders ignore it).
    pub q: f64,
    /// Boost or cut in dB, -48 to +48 (peak and shelves only).
    pub gain_db: f64,
    /// Order, 1 to 8 for low/high pass (6 dB/oct per order), 2 for other kinds.
    pub order: u32,
    /// Design method.
    pub design: MlDesign,
    /// Whether the band is applied (a disabled band passes audio unchanged).
    pub enabled: bool,
}

impl MlBand {
    fn to_core(self) -> Result<BandParams, Fail> {
        let kind =
            KINDS.iter().find(|k| k.0 == self.kind).ok_or(unknown("MlFilterKind", self.kind.0))?;
        let design = DESIGNS
            .iter()
            .find(|d| d.0 == self.design)
            .ok_or(unknown("MlDesign", self.design.0))?;
        let order = u8::try_from(self.order).map_err(|_| {
            Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                "invalid order: must be 1 to 8 (low/high pass) or 2",
            )
        })?;
        let params = BandParams {
            kind: kind.1,
            cutoff_hz: self.cutoff_hz,
            q: self.q,
            gain_db: self.gain_db,
            order,
            design: design.1,
            enabled: self.enabled,
        };
        params.validate()?;
        Ok(params)
    }

    fn from_core(p: &BandParams) -> Self {
        let kind = KINDS.iter().find(|k| k.1 == p.kind).map_or(MlFilterKind(-1), |k| k.0);
        let design = DESIGNS.iter().find(|d| d.1 == p.design).map_or(MlDesign(-1), |d| d.0);
        Self {
            kind,
            cutoff_hz: p.cutoff_hz,
            q: p.q,
            gain_db: p.gain_db,
            order: u32::from(p.order),
            design,
            enabled: p.enabled,
        }
    }
}

/// A band of `kind` at `cutoff_hz` with the defaults: Q 0.7071, 0 dB, order 2,
/// cookbook design, enabled. Nothing is checked until the band is used.
#[unsafe(no_mangle)]
pub extern "C" fn ml_band_default(kind: MlFilterKind, cutoff_hz: f64) -> MlBand {
    MlBand {
        kind,
        cutoff_hz,
        q: core::f64::consts::FRAC_1_SQRT_2,
        gain_db: 0.0,
        order: 2,
        design: ML_DESIGN_COOKBOOK,
        enabled: true,
    }
}

/// Creates a filter of one band (any channel count) and writes its handle to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` (a value out of range or not
/// finite) or `ML_STATUS_UNKNOWN_NAME` (kind or design not one of the
/// constants). A cutoff at or above Nyquist fails at `ml_processor_prepare`
/// with `ML_STATUS_ABOVE_NYQUIST`.
///
/// # Safety
/// `band` is NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_new(
    band: *const MlBand,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe { new_legacy(out, || Ok::<_, Fail>(Filter::new(non_null(band)?.to_core()?)?)) }
}

/// Sets all of a filter's parameters; frequency, Q and gain glide over 20 ms,
/// a new kind, order or design cross-fades.
///
/// # Safety
/// `p` is NULL or a live handle; `band` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_set_band(p: *mut MlProcessor, band: *const MlBand) -> MlStatus {
    unsafe {
        with_kind(p, |f: &mut Filter| {
            f.set_params(non_null(band)?.to_core()?)?;
            Ok::<_, Fail>(())
        })
    }
}

/// Writes a filter's parameters to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_get_band(p: *mut MlProcessor, out: *mut MlBand) -> MlStatus {
    unsafe { get_kind(p, out, |f: &Filter| MlBand::from_core(f.params())) }
}

/// Sets a filter's cutoff (or centre) frequency in Hz (glides).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_set_cutoff_hz(p: *mut MlProcessor, cutoff_hz: f64) -> MlStatus {
    unsafe { with_kind(p, |f: &mut Filter| f.set_cutoff_hz(cutoff_hz)) }
}

/// Sets a filter's quality factor (glides).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_set_q(p: *mut MlProcessor, q: f64) -> MlStatus {
    unsafe { with_kind(p, |f: &mut Filter| f.set_q(q)) }
}

/// Sets a filter's gain in dB (peak and shelves; glides).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_set_gain_db(p: *mut MlProcessor, gain_db: f64) -> MlStatus {
    unsafe { with_kind(p, |f: &mut Filter| f.set_gain_db(gain_db)) }
}

/// Enables a filter or bypasses it (with a fade either way).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_filter_set_enabled(p: *mut MlProcessor, enabled: bool) -> MlStatus {
    unsafe { with_kind(p, |f: &mut Filter| f.set_enabled(enabled)) }
}

/// Creates a parametric equaliser of `num_bands` bands in series (any channel
/// count) and writes its handle to `*out`. `bands` may be NULL when
/// `num_bands` is 0.
///
/// Fails like `ml_filter_new` for any band.
///
/// # Safety
/// `bands` is NULL or points to `num_bands` readable bands; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_new(
    bands: *const MlBand,
    num_bands: usize,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_legacy(out, || {
            let bands = match num_bands {
                0 => &[][..],
                n => std::slice::from_raw_parts(non_null(bands)?, n),
            };
            let params = bands.iter().map(|b| b.to_core()).collect::<Result<Vec<_>, _>>()?;
            Ok::<_, Fail>(Equalizer::new(&params)?)
        })
    }
}

/// Writes the number of bands of an equaliser to `*out`.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_len(p: *mut MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_kind(p, out, Equalizer::len) }
}

/// Sets band `index` of an equaliser (real-time safe; changes glide or cross-fade).
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band.
///
/// # Safety
/// `p` is NULL or a live handle; `band` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_set_band(
    p: *mut MlProcessor,
    index: usize,
    band: *const MlBand,
) -> MlStatus {
    unsafe {
        with_kind(p, |eq: &mut Equalizer| {
            eq.set_band(index, non_null(band)?.to_core()?)?;
            Ok::<_, Fail>(())
        })
    }
}

/// Writes band `index` of an equaliser to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_get_band(
    p: *mut MlProcessor,
    index: usize,
    out: *mut MlBand,
) -> MlStatus {
    unsafe {
        with_kind(p, |eq: &mut Equalizer| {
            let out = non_null_mut(out)?;
            let band = eq
                .band(index)
                .ok_or(Error::InvalidParameter { name: "band", reason: "index out of range" })?;
            *out = MlBand::from_core(band);
            Ok::<_, Fail>(())
        })
    }
}

/// Appends a band to an equaliser (it fades in if running). May allocate:
/// not for the audio thread.
///
/// # Safety
/// `p` is NULL or a live handle; `band` is NULL or readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_push_band(
    p: *mut MlProcessor,
    band: *const MlBand,
) -> MlStatus {
    unsafe {
        with_kind(p, |eq: &mut Equalizer| {
            eq.push_band(non_null(band)?.to_core()?)?;
            Ok::<_, Fail>(())
        })
    }
}

/// Removes band `index` of an equaliser at once (disable it and wait 20 ms
/// first to avoid a click).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_remove_band(p: *mut MlProcessor, index: usize) -> MlStatus {
    unsafe { with_kind(p, |eq: &mut Equalizer| eq.remove_band(index)) }
}

/// Writes the designed magnitude response of an equaliser, in dB, at each of
/// `num_freqs` frequencies (Hz, finite and >= 0) to `out_db`: the sum of the
/// enabled bands' responses at `sample_rate` (for plots and checks).
///
/// Fails with `ML_STATUS_INVALID_SAMPLE_RATE`, `ML_STATUS_ABOVE_NYQUIST` (a
/// band's cutoff at that rate) or `ML_STATUS_INVALID_ARGUMENT` (a bad
/// frequency); `out_db` is then left unchanged.
///
/// # Safety
/// `freqs_hz` and `out_db` are NULL or valid for `num_freqs` reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_magnitude_db(
    p: *mut MlProcessor,
    freqs_hz: *const f64,
    out_db: *mut f64,
    num_freqs: usize,
    sample_rate: f64,
) -> MlStatus {
    unsafe {
        with_kind(p, |eq: &mut Equalizer| {
            let freqs = std::slice::from_raw_parts(non_null(freqs_hz)?, num_freqs);
            let out = std::slice::from_raw_parts_mut(non_null_mut(out_db)?, num_freqs);
            eq.magnitude_response(freqs, sample_rate, out).map_err(Fail::from)
        })
    }
}

/// Default DC blocker cutoff in Hz.
pub const ML_DC_BLOCKER_DEFAULT_CUTOFF_HZ: f64 = 5.0;

/// Creates a DC blocker (first-order high pass, -3 dB at `cutoff_hz`; use
/// `ML_DC_BLOCKER_DEFAULT_CUTOFF_HZ` if unsure) and writes its handle to `*out`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_dc_blocker_new(cutoff_hz: f64, out: *mut *mut MlProcessor) -> MlStatus {
    unsafe { new_legacy(out, || DcBlocker::new(cutoff_hz)) }
}

/// Sets a DC blocker's cutoff in Hz (glides).
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_dc_blocker_set_cutoff_hz(
    p: *mut MlProcessor,
    cutoff_hz: f64,
) -> MlStatus {
    unsafe { with_kind(p, |d: &mut DcBlocker| d.set_cutoff_hz(cutoff_hz)) }
}
