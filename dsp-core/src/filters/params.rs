//! The parameters of one filter band and the sections they design.

use super::biquad::Coefs;
use super::design::{Design, FilterKind, butterworth_q, first_order, matched, rbj};
use crate::error::{Error, check_range};
use crate::params::{Caps, KindInfo, ParamInfo, ParamValue};
use crate::smooth::DEFAULT_SMOOTHING_MS;

/// Smallest quality factor accepted.
pub const MIN_Q: f64 = 0.01;
/// Largest quality factor accepted.
pub const MAX_Q: f64 = 100.0;
/// Largest boost or cut accepted, in dB.
pub const MAX_GAIN_DB: f64 = 48.0;
/// Highest Butterworth order (48 dB/oct).
pub const MAX_ORDER: u8 = 8;
/// Most second-order sections one band needs (order 8 = 4 sections).
pub const MAX_SECTIONS: usize = 4;

/// One filter band: shape, frequency, quality, gain, order, design, and
/// whether it is bypassed.
///
/// `cutoff_hz` is the corner frequency of pass filters and shelves and the
/// centre frequency of `Peak`, `BandPass`, `Notch` and `AllPass`. `gain_db`
/// applies to `Peak` and the shelves only. `LowPass` and `HighPass` are
/// Butterworth cascades of order 1 to 8 (6 to 48 dB/oct); `q` applies to
/// order 2 only (default 1/√2 is Butterworth), higher and odd orders ignore
/// it. Every other kind is a single second-order section (`order` 2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandParams {
    /// Response shape.
    pub kind: FilterKind,
    /// Cutoff or centre frequency in Hz.
    pub cutoff_hz: f64,
    /// Quality factor (shelves: see [`shelf_q_from_slope`](super::shelf_q_from_slope)).
    pub q: f64,
    /// Boost (positive) or cut in dB, for `Peak` and shelves.
    pub gain_db: f64,
    /// Filter order, 1 to 8 for `LowPass`/`HighPass`, otherwise 2.
    pub order: u8,
    /// Cookbook (bilinear) or matched (analog-accurate up to Nyquist) design.
    pub design: Design,
    /// Whether the band is bypassed (passes audio unchanged).
    pub bypass: bool,
}

impl BandParams {
    /// Declaration of [`cutoff_hz`](Self::cutoff_hz) (every filter shape).
    pub const CUTOFF_HZ: ParamInfo = ParamInfo::float(
        "cutoff_hz",
        1.0,
        96_000.0,
        1000.0,
        "Hz",
        "Cutoff (pass filters, shelves) or centre frequency; must lie below Nyquist",
    )
    .log()
    .smoothed(DEFAULT_SMOOTHING_MS);

    /// Declaration of [`gain_db`](Self::gain_db) (peak and shelves).
    pub const GAIN_DB: ParamInfo = ParamInfo::float(
        "gain_db",
        -MAX_GAIN_DB,
        MAX_GAIN_DB,
        0.0,
        "dB",
        "Boost (positive) or cut",
    )
    .smoothed(DEFAULT_SMOOTHING_MS);

    /// Declaration of [`q`](Self::q); the peak filter declares default 1.
    pub const Q: ParamInfo = ParamInfo::float(
        "q",
        MIN_Q,
        MAX_Q,
        core::f64::consts::FRAC_1_SQRT_2,
        "",
        "Quality factor (pass filters: shapes order 2 only)",
    )
    .log()
    .smoothed(DEFAULT_SMOOTHING_MS);

    /// Declaration of [`order`](Self::order) (low and high pass).
    pub const ORDER: ParamInfo = ParamInfo::int(
        "order",
        1.0,
        MAX_ORDER as f64,
        2.0,
        "",
        "Butterworth order, 6 dB/oct each; a change cross-fades",
    );

    /// Declaration of [`design`](Self::design).
    pub const DESIGN: ParamInfo = ParamInfo::choice(
        "design",
        Design::CHOICES,
        0,
        "cookbook (bilinear RBJ) or matched (follows the analog response up to Nyquist); \
         a change cross-fades",
    );
}

/// A declared field of [`BandParams`]: links a parameter declaration to the
/// field it reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// `cutoff_hz`.
    CutoffHz,
    /// `gain_db`.
    GainDb,
    /// `q`.
    Q,
    /// `order`.
    Order,
    /// `design`.
    Design,
    /// `bypass`.
    Bypass,
}

impl Field {
    /// Every field, in `BandParams` order.
    pub const ALL: [Field; 6] =
        [Self::CutoffHz, Self::GainDb, Self::Q, Self::Order, Self::Design, Self::Bypass];

    /// The declaration shared by every shape (a shape may declare another
    /// default, never another range).
    pub const fn base(self) -> &'static ParamInfo {
        match self {
            Self::CutoffHz => &BandParams::CUTOFF_HZ,
            Self::GainDb => &BandParams::GAIN_DB,
            Self::Q => &BandParams::Q,
            Self::Order => &BandParams::ORDER,
            Self::Design => &BandParams::DESIGN,
            Self::Bypass => &crate::bypass::BYPASS,
        }
    }

    /// The field's value in `p`, as a parameter.
    pub fn get(self, p: &BandParams) -> f64 {
        match self {
            Self::CutoffHz => p.cutoff_hz,
            Self::GainDb => p.gain_db,
            Self::Q => p.q,
            Self::Order => p.order.to_param(),
            Self::Design => p.design.to_param(),
            Self::Bypass => p.bypass.to_param(),
        }
    }

    /// Writes `value` (checked against the declaration) into `p`.
    pub fn put(self, p: &mut BandParams, value: f64) {
        match self {
            Self::CutoffHz => p.cutoff_hz = value,
            Self::GainDb => p.gain_db = value,
            Self::Q => p.q = value,
            Self::Order => p.order = u8::from_param(value),
            Self::Design => p.design = Design::from_param(value),
            Self::Bypass => p.bypass = bool::from_param(value),
        }
    }
}

/// Checks the arguments of a magnitude-response query: a valid sample
/// rate and finite, non-negative frequencies.
pub(crate) fn check_response_args(freqs_hz: &[f64], sample_rate: f64) -> Result<(), Error> {
    crate::spec::ProcessSpec::new(sample_rate, 1, 1).validate()?;
    for &f in freqs_hz {
        check_range("freqs_hz", f, 0.0, f64::MAX, "must be finite and non-negative (Hz)")?;
    }
    Ok(())
}

impl BandParams {
    /// A band of `kind` at `cutoff_hz` with Q 1/√2, 0 dB, order 2, cookbook
    /// design, not bypassed.
    pub fn new(kind: FilterKind, cutoff_hz: f64) -> Self {
        Self {
            kind,
            cutoff_hz,
            q: core::f64::consts::FRAC_1_SQRT_2,
            gain_db: 0.0,
            order: 2,
            design: Design::Cookbook,
            bypass: false,
        }
    }

    /// With quality factor `q`.
    pub fn with_q(self, q: f64) -> Self {
        Self { q, ..self }
    }

    /// With gain `gain_db` in dB.
    pub fn with_gain_db(self, gain_db: f64) -> Self {
        Self { gain_db, ..self }
    }

    /// With Butterworth order `order`.
    pub fn with_order(self, order: u8) -> Self {
        Self { order, ..self }
    }

    /// With design `design`.
    pub fn with_design(self, design: Design) -> Self {
        Self { design, ..self }
    }

    /// Bypassed or applied.
    pub fn with_bypass(self, bypass: bool) -> Self {
        Self { bypass, ..self }
    }

    /// Checks everything that does not depend on the sample rate: every
    /// field against its declaration (the shape's kind's, else the shared
    /// one: [`CUTOFF_HZ`](Self::CUTOFF_HZ), [`Q`](Self::Q)...), and order 2
    /// for every kind but low and high pass.
    pub fn validate(&self) -> Result<(), Error> {
        for field in Field::ALL {
            declared(self.kind, field).check(field.get(self))?;
        }
        let pass = matches!(self.kind, FilterKind::LowPass | FilterKind::HighPass);
        if !pass && self.order != 2 {
            return Err(Error::InvalidParameter {
                name: "order",
                reason: "must be 2 for kinds other than low_pass and high_pass",
            });
        }
        Ok(())
    }

    /// Checks that the cutoff lies below Nyquist at `sample_rate`.
    pub fn check_sample_rate(&self, sample_rate: f64) -> Result<(), Error> {
        let nyquist_hz = 0.5 * sample_rate;
        if self.cutoff_hz < nyquist_hz {
            Ok(())
        } else {
            Err(Error::AboveNyquist { name: "cutoff_hz", value_hz: self.cutoff_hz, nyquist_hz })
        }
    }

    /// The designed magnitude response in dB at `freq_hz` (0 dB when
    /// bypassed; NaN if the parameters are invalid at `sample_rate`).
    pub fn magnitude_db(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        if self.validate().is_err() || self.check_sample_rate(sample_rate).is_err() {
            return f64::NAN;
        }
        if self.bypass {
            return 0.0;
        }
        let (secs, n) = self.sections(sample_rate);
        secs[..n].iter().map(|c| c.magnitude_db(freq_hz, sample_rate)).sum()
    }

    /// The designed magnitude response in dB at each of `freqs_hz`, added
    /// to `out_db` (as many entries as both have; designed once). Checks
    /// the sample rate, the parameters at it and the frequencies (finite
    /// and non-negative) first and leaves `out_db` alone if any fails.
    pub fn add_magnitude_response(
        &self,
        freqs_hz: &[f64],
        sample_rate: f64,
        out_db: &mut [f64],
    ) -> Result<(), Error> {
        check_response_args(freqs_hz, sample_rate)?;
        self.validate()?;
        self.check_sample_rate(sample_rate)?;
        self.add_response_checked(freqs_hz, sample_rate, out_db);
        Ok(())
    }

    /// [`add_magnitude_response`](Self::add_magnitude_response) with the
    /// checks already done.
    pub(crate) fn add_response_checked(
        &self,
        freqs_hz: &[f64],
        sample_rate: f64,
        out_db: &mut [f64],
    ) {
        if !self.bypass {
            let (secs, n) = self.sections(sample_rate);
            for (o, &f) in out_db.iter_mut().zip(freqs_hz) {
                *o += secs[..n].iter().map(|c| c.magnitude_db(f, sample_rate)).sum::<f64>();
            }
        }
    }

    /// The cascade of sections realising the band at `fs` (first `n` used).
    pub(crate) fn sections(&self, fs: f64) -> ([Coefs; MAX_SECTIONS], usize) {
        let mut out = [Coefs::IDENTITY; MAX_SECTIONS];
        let (f0, q, g) = (self.cutoff_hz, self.q, self.gain_db);
        let pass = matches!(self.kind, FilterKind::LowPass | FilterKind::HighPass);
        if pass && self.order != 2 {
            let pairs = (self.order / 2) as usize;
            for (i, c) in out.iter_mut().take(pairs).enumerate() {
                *c = rbj(self.kind, f0, butterworth_q(self.order, i), 0.0, fs);
            }
            if self.order % 2 == 1 {
                out[pairs] = first_order(self.kind, f0, fs);
            }
            return (out, pairs + (self.order % 2) as usize);
        }
        out[0] = match self.design {
            Design::Matched => matched(self.kind, f0, q, g, fs),
            Design::Cookbook => None,
        }
        .unwrap_or_else(|| rbj(self.kind, f0, q, g, fs));
        (out, 1)
    }
}

/// One [`ParamInfo`] of a shape's kind: the field's shared declaration, or
/// the same with another default.
macro_rules! field_info {
    ($field:ident) => {
        *Field::$field.base()
    };
    ($field:ident = $default:expr) => {
        ParamInfo { default: $default, ..*Field::$field.base() }
    };
}

/// Declares one kind per filter shape (a `static` [`KindInfo`] each) and
/// [`shape`], which gives a shape's kind and the fields behind its
/// parameters, in the same order.
macro_rules! filter_shapes {
    ($(
        $shape:ident => $konst:ident = $name:literal, $class:literal, $doc:literal,
            [$($field:ident $(= $default:expr)?),+];
    )+) => {
        $(
            #[doc = concat!(
                "Declaration of the `", $name, "` kind: a [`Filter`](super::Filter) of shape [`FilterKind::",
                stringify!($shape), "`]."
            )]
            pub static $konst: KindInfo = KindInfo {
                name: $name,
                class: $class,
                doc: $doc,
                caps: Caps::PLAIN.tail(),
                params: &[$(field_info!($field $(= $default)?)),+],
            };

        )+

        /// The kind of shape `kind` and the fields of its parameters.
        pub(crate) fn shape(kind: FilterKind) -> (&'static KindInfo, &'static [Field]) {
            match kind {
                $(FilterKind::$shape => (&$konst, &[$(Field::$field),+]),)+
            }
        }
    };
}

filter_shapes! {
    Peak => PEAK_FILTER_KIND = "peak_filter", "PeakFilter",
        "Peaking (bell) filter: gain_db at cutoff_hz, bandwidth set by q. Cutoff, gain and q \
         glide over 20 ms; enabling or disabling fades, a new design cross-fades.",
        [CutoffHz, GainDb, Q = 1.0, Design, Bypass];
    LowShelf => LOW_SHELF_KIND = "low_shelf", "LowShelf",
        "Low shelf: gain_db below cutoff_hz, q sets the slope. Cutoff, gain and q glide over \
         20 ms; enabling or disabling fades. The matched design falls back to the cookbook.",
        [CutoffHz, GainDb, Q, Design, Bypass];
    HighShelf => HIGH_SHELF_KIND = "high_shelf", "HighShelf",
        "High shelf: gain_db above cutoff_hz, q sets the slope. Cutoff, gain and q glide over \
         20 ms; enabling or disabling fades. The matched design falls back to the cookbook.",
        [CutoffHz, GainDb, Q, Design, Bypass];
    LowPass => LOW_PASS_KIND = "low_pass", "LowPass",
        "Butterworth low pass, order 1 to 8 (6 to 48 dB/oct); q shapes order 2 only (matched \
         design too). Cutoff and q glide over 20 ms; a new order or design cross-fades.",
        [CutoffHz, Order, Q, Design, Bypass];
    HighPass => HIGH_PASS_KIND = "high_pass", "HighPass",
        "Butterworth high pass, order 1 to 8 (6 to 48 dB/oct); q shapes order 2 only (matched \
         design too). Cutoff and q glide over 20 ms; a new order or design cross-fades.",
        [CutoffHz, Order, Q, Design, Bypass];
    BandPass => BAND_PASS_KIND = "band_pass", "BandPass",
        "Band pass with a 0 dB peak at cutoff_hz, bandwidth set by q. Cutoff and q glide over \
         20 ms; enabling or disabling fades, a new design cross-fades.",
        [CutoffHz, Q, Design, Bypass];
    Notch => NOTCH_KIND = "notch", "Notch",
        "Notch (band reject) at cutoff_hz, width set by q. Cutoff and q glide over 20 ms; \
         enabling or disabling fades. The matched design falls back to the cookbook.",
        [CutoffHz, Q, Design, Bypass];
    AllPass => ALL_PASS_KIND = "all_pass", "AllPass",
        "All pass: flat magnitude, phase turning through cutoff_hz at a rate set by q. Cutoff \
         and q glide over 20 ms. The matched design falls back to the cookbook.",
        [CutoffHz, Q, Design, Bypass];
}

/// The declaration that checks `field` for a band of shape `kind`: its
/// kind's, or the shared one where the kind does not declare the field
/// (`gain_db` of a low pass, set through the Rust API).
pub(crate) fn declared(kind: FilterKind, field: Field) -> &'static ParamInfo {
    let (info, fields) = shape(kind);
    fields.iter().position(|f| *f == field).map_or(field.base(), |i| &info.params[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_defaults() {
        let p = BandParams::new(FilterKind::LowPass, 1000.0);
        assert_eq!(p.q, core::f64::consts::FRAC_1_SQRT_2);
        assert_eq!((p.gain_db, p.order, p.design, p.bypass), (0.0, 2, Design::Cookbook, false));
        let p = p.with_q(2.0).with_gain_db(3.0).with_order(5).with_design(Design::Matched);
        assert_eq!((p.q, p.gain_db, p.order, p.design), (2.0, 3.0, 5, Design::Matched));
        assert_eq!(p.sections(48_000.0).1, 3);
        assert_eq!(p.with_order(8).sections(48_000.0).1, 4);
    }

    #[test]
    fn magnitude_db_handles_disabled_and_invalid() {
        let p = BandParams::new(FilterKind::Peak, 1000.0).with_gain_db(6.0);
        assert!((p.magnitude_db(1000.0, 48_000.0) - 6.0).abs() < 1e-9);
        assert_eq!(p.with_bypass(true).magnitude_db(1000.0, 48_000.0), 0.0);
        assert!(p.magnitude_db(1000.0, 1500.0).is_nan());
        assert!(matches!(
            p.check_sample_rate(2000.0),
            Err(Error::AboveNyquist { value_hz: 1000.0, nyquist_hz: 1000.0, .. })
        ));
        // Butterworth order 8 is -3.01 dB at the corner, whatever q says.
        let lp = BandParams::new(FilterKind::LowPass, 2000.0).with_order(8).with_q(5.0);
        assert!((lp.magnitude_db(2000.0, 48_000.0) + 3.0103).abs() < 1e-3);
    }
}
