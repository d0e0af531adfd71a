//! Filter designs: the RBJ Audio EQ Cookbook (bilinear transform, pre-warped
//! at the cutoff), Butterworth cascades, and Vicanek's matched second-order
//! sections that follow the analog prototype up to Nyquist.

use super::biquad::Coefs;
use crate::math::{PI, cos, exp, pow, sin, sqrt, tan};

/// The response shapes of a second-order section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Low pass.
    LowPass,
    /// High pass.
    HighPass,
    /// Band pass with 0 dB peak at the centre frequency.
    BandPass,
    /// Band reject.
    Notch,
    /// Peaking (bell) EQ.
    Peak,
    /// Low shelf.
    LowShelf,
    /// High shelf.
    HighShelf,
    /// All pass (phase only).
    AllPass,
}

crate::named_choices!(FilterKind, "filter kind" {
    LowPass = "low_pass",
    HighPass = "high_pass",
    BandPass = "band_pass",
    Notch = "notch",
    Peak = "peak",
    LowShelf = "low_shelf",
    HighShelf = "high_shelf",
    AllPass = "all_pass",
});

impl FilterKind {
    /// Every kind, in declaration order (the order of [`FilterKind::NAMES`]).
    pub const ALL: [FilterKind; 8] = [
        Self::LowPass,
        Self::HighPass,
        Self::BandPass,
        Self::Notch,
        Self::Peak,
        Self::LowShelf,
        Self::HighShelf,
        Self::AllPass,
    ];

    /// Whether `gain_db` shapes this kind's response (peak and shelves).
    pub fn uses_gain(self) -> bool {
        matches!(self, Self::Peak | Self::LowShelf | Self::HighShelf)
    }
}

/// How a second-order section is mapped from its analog prototype.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Design {
    /// RBJ cookbook: bilinear transform pre-warped at the cutoff. Exact at
    /// the cutoff, but responses are squeezed ("cramped") towards Nyquist.
    #[default]
    Cookbook,
    /// Vicanek's matched design: the analog poles mapped exactly
    /// (impulse invariance) and zeros fitted so the magnitude equals the
    /// analog prototype's at DC and at the cutoff (for `Peak`, also a flat
    /// top there), which keeps it close to the prototype up to Nyquist.
    /// Applies to `Peak`, `BandPass` and second-order `LowPass` /
    /// `HighPass`; every other kind and order falls back to `Cookbook`.
    Matched,
}

crate::named_choices!(Design, "filter design" { Cookbook = "cookbook", Matched = "matched" });

/// Q that gives shelf slope `slope` (1 = steepest without overshoot) at `gain_db`
/// (RBJ cookbook: `1/Q = sqrt((A + 1/A)(1/S − 1) + 2)`).
pub fn shelf_q_from_slope(slope: f64, gain_db: f64) -> f64 {
    let a = pow(10.0, gain_db / 40.0);
    1.0 / sqrt(((a + 1.0 / a) * (1.0 / slope - 1.0) + 2.0).max(1e-12))
}

/// RBJ cookbook section of `kind` at `f0` Hz with quality `q` and gain
/// `gain_db` (peak and shelves only) for sample rate `fs`.
pub fn rbj(kind: FilterKind, f0: f64, q: f64, gain_db: f64, fs: f64) -> Coefs {
    let a = pow(10.0, gain_db / 40.0);
    let w0 = 2.0 * PI * f0 / fs;
    let (cw, sw) = (cos(w0), sin(w0));
    let alpha = sw / (2.0 * q);
    match kind {
        FilterKind::LowPass => Coefs::from_raw(
            (1.0 - cw) / 2.0,
            1.0 - cw,
            (1.0 - cw) / 2.0,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        FilterKind::HighPass => Coefs::from_raw(
            (1.0 + cw) / 2.0,
            -(1.0 + cw),
            (1.0 + cw) / 2.0,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        FilterKind::BandPass => {
            Coefs::from_raw(alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cw, 1.0 - alpha)
        }
        FilterKind::Notch => {
            Coefs::from_raw(1.0, -2.0 * cw, 1.0, 1.0 + alpha, -2.0 * cw, 1.0 - alpha)
        }
        FilterKind::AllPass => Coefs::from_raw(
            1.0 - alpha,
            -2.0 * cw,
            1.0 + alpha,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        FilterKind::Peak => Coefs::from_raw(
            1.0 + alpha * a,
            -2.0 * cw,
            1.0 - alpha * a,
            1.0 + alpha / a,
            -2.0 * cw,
            1.0 - alpha / a,
        ),
        FilterKind::LowShelf => {
            let k = 2.0 * sqrt(a) * alpha;
            Coefs::from_raw(
                a * ((a + 1.0) - (a - 1.0) * cw + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cw),
                a * ((a + 1.0) - (a - 1.0) * cw - k),
                (a + 1.0) + (a - 1.0) * cw + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * cw),
                (a + 1.0) + (a - 1.0) * cw - k,
            )
        }
        FilterKind::HighShelf => {
            let k = 2.0 * sqrt(a) * alpha;
            Coefs::from_raw(
                a * ((a + 1.0) + (a - 1.0) * cw + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cw),
                a * ((a + 1.0) + (a - 1.0) * cw - k),
                (a + 1.0) - (a - 1.0) * cw + k,
                2.0 * ((a - 1.0) - (a + 1.0) * cw),
                (a + 1.0) - (a - 1.0) * cw - k,
            )
        }
    }
}

/// First-order Butterworth section (bilinear, pre-warped at `f0`): low pass
/// if `kind` is `LowPass`, high pass otherwise.
pub fn first_order(kind: FilterKind, f0: f64, fs: f64) -> Coefs {
    let k = tan(PI * f0 / fs);
    let a1 = (k - 1.0) / (k + 1.0);
    let (b0, b1) = if kind == FilterKind::LowPass {
        (k / (k + 1.0), k / (k + 1.0))
    } else {
        (1.0 / (k + 1.0), -1.0 / (k + 1.0))
    };
    Coefs { b0, b1, b2: 0.0, a1, a2: 0.0 }
}

/// Q of the `i`-th pole pair of an order-`order` Butterworth filter
/// (`1 / (2 sin((2i + 1)π / 2N))`); for odd orders the middle pole is real.
pub fn butterworth_q(order: u8, i: usize) -> f64 {
    1.0 / (2.0 * sin((2 * i + 1) as f64 * PI / (2.0 * order as f64)))
}

/// Vicanek's matched section (Matched Second Order Digital Filters, 2016)
/// for `LowPass`, `HighPass`, `BandPass` (0 dB peak) and `Peak`; `None` for
/// the other kinds. `q` is the public quality (for `Peak`, the cookbook's:
/// its poles have quality `A·q`, `A = 10^(gain_db/40)`). A +6 dB, Q 1 peak
/// at 16 kHz (44.1 kHz) stays within 0.4 dB of its prototype up to 20 kHz.
pub fn matched(kind: FilterKind, f0: f64, q: f64, gain_db: f64, fs: f64) -> Option<Coefs> {
    let w0 = 2.0 * PI * f0 / fs;
    let g2 = pow(10.0, gain_db / 10.0); // squared linear peak gain
    // The cookbook peak's poles have quality A·Q (A = 10^(dB/40)).
    let pole_q = if kind == FilterKind::Peak { q * pow(10.0, gain_db / 40.0) } else { q };
    let zeta = 0.5 / pole_q;
    let r = exp(-zeta * w0);
    let a1 = if zeta <= 1.0 {
        -2.0 * r * cos(sqrt(1.0 - zeta * zeta) * w0)
    } else {
        // 2 r cosh(s w0) as two exponentials: r underflows and cosh
        // overflows for heavily damped poles (a deep, very wide cut).
        let s = sqrt(zeta * zeta - 1.0);
        -(exp((s - zeta) * w0) + exp(-(s + zeta) * w0))
    };
    let a2 = r * r;
    let s = sin(0.5 * w0);
    let phi1 = s * s;
    let phi0 = 1.0 - phi1;
    let phi2 = 4.0 * phi0 * phi1;
    let big_a0 = (1.0 + a1 + a2) * (1.0 + a1 + a2);
    let big_a1 = (1.0 - a1 + a2) * (1.0 - a1 + a2);
    let big_a2 = -4.0 * a2;
    let r1 = big_a0 * phi0 + big_a1 * phi1 + big_a2 * phi2;
    let r2 = -big_a0 + big_a1 + 4.0 * (phi0 - phi1) * big_a2;
    let rt = |v: f64| sqrt(v.max(0.0));
    let (b0, b1, b2) = match kind {
        FilterKind::LowPass => {
            let b1sq = (q * q * r1 - big_a0 * phi0) / phi1;
            let b0 = 0.5 * (rt(big_a0) + rt(b1sq));
            (b0, rt(big_a0) - b0, 0.0)
        }
        FilterKind::HighPass => {
            let b0 = q * rt(r1) / (4.0 * phi1);
            (b0, -2.0 * b0, b0)
        }
        FilterKind::BandPass => {
            let bb2 = (r1 - r2 * phi1) / (4.0 * phi1 * phi1);
            let bb1 = r2 - 4.0 * (phi0 - phi1) * bb2;
            let b1 = -0.5 * rt(bb1);
            let b0 = 0.5 * (rt(bb2 + b1 * b1) - b1);
            (b0, b1, -b0 - b1)
        }
        FilterKind::Peak => {
            let (r1, r2) = (g2 * r1, g2 * r2);
            let bb0 = big_a0;
            let bb2 = (r1 - r2 * phi1 - bb0) / (4.0 * phi1 * phi1);
            let bb1 = r2 + bb0 - 4.0 * (phi0 - phi1) * bb2;
            let w = 0.5 * (rt(bb0) + rt(bb1));
            let b0 = 0.5 * (w + rt(w * w + bb2));
            (b0, 0.5 * (rt(bb0) - rt(bb1)), -bb2 / (4.0 * b0))
        }
        _ => return None,
    };
    // Past what f64 resolves (extreme gain, width and frequency at once),
    // the caller falls back to the cookbook section.
    let c = Coefs { b0, b1, b2, a1, a2 };
    [b0, b1, b2, a1, a2].iter().all(|v| v.is_finite()).then_some(c)
}

#[cfg(test)]
pub(crate) mod analog {
    //! The cookbook's analog prototypes, for tests.
    use super::FilterKind;
    use num_complex::Complex;

    /// |H(jΩ)| in dB of the analog prototype of `kind` at `f` for cutoff `f0`.
    pub fn magnitude_db(kind: FilterKind, f: f64, f0: f64, q: f64, gain_db: f64) -> f64 {
        let s = Complex::new(0.0, f / f0);
        let a = libm::pow(10.0, gain_db / 40.0);
        let den = s * s + s / q + 1.0;
        let h = match kind {
            FilterKind::LowPass => 1.0 / den,
            FilterKind::HighPass => s * s / den,
            FilterKind::BandPass => (s / q) / den,
            FilterKind::Notch => (s * s + 1.0) / den,
            FilterKind::AllPass => (s * s - s / q + 1.0) / den,
            FilterKind::Peak => (s * s + s * (a / q) + 1.0) / (s * s + s / (a * q) + 1.0),
            FilterKind::LowShelf => {
                (s * s + s * (libm::sqrt(a) / q) + a) * a
                    / (s * s * a + s * (libm::sqrt(a) / q) + 1.0)
            }
            FilterKind::HighShelf => {
                (s * s * a + s * (libm::sqrt(a) / q) + 1.0) * a
                    / (s * s + s * (libm::sqrt(a) / q) + a)
            }
        };
        20.0 * libm::log10(h.norm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::string::ToString;

    #[test]
    fn names_round_trip() {
        for (i, k) in FilterKind::ALL.into_iter().enumerate() {
            assert_eq!(FilterKind::from_name(k.name()), Ok(k));
            assert_eq!(k.name(), FilterKind::NAMES[i]);
        }
        for d in [Design::Cookbook, Design::Matched] {
            assert_eq!(Design::from_name(d.name()), Ok(d));
        }
        assert!(matches!(FilterKind::from_name("lowpass"), Err(Error::UnknownName { .. })));
        assert!(matches!(Design::from_name("vicanek"), Err(Error::UnknownName { .. })));
        let e = Design::from_name("vicanek").unwrap_err().to_string();
        assert!(e.contains("filter design") && e.contains("matched"), "{e}");
        let e = FilterKind::from_name("lowpass").unwrap_err().to_string();
        assert!(e.contains("filter kind") && e.contains("low_pass"), "{e}");
        assert_eq!(Design::default(), Design::Cookbook);
    }

    /// Well below Nyquist the bilinear designs equal their analog prototypes.
    #[test]
    fn cookbook_follows_analog_prototypes_at_low_frequencies() {
        let fs = 48_000.0;
        for kind in FilterKind::ALL {
            for (f0, q, gain) in [(500.0, 0.707, 6.0), (300.0, 3.0, -9.0), (800.0, 0.4, 12.0)] {
                let c = rbj(kind, f0, q, gain, fs);
                for f in [20.0, 60.0, 150.0, 0.5 * f0, f0, 1.5 * f0, 2.0 * f0] {
                    let want = analog::magnitude_db(kind, f, f0, q, gain);
                    if want < -60.0 {
                        continue;
                    }
                    let got = c.magnitude_db(f, fs);
                    assert!((got - want).abs() < 0.05, "{kind:?} {f0} {q} at {f}: {got} vs {want}");
                }
            }
        }
    }

    /// Matched sections meet their prototypes at DC and the cutoff and stay
    /// within 1 dB up to 18 kHz at 44.1 kHz, where the bilinear designs
    /// are off by many dB (Vicanek's low/high/band pass do not pin the
    /// Nyquist gain, so they drift by a few dB in the last kilohertz).
    #[test]
    fn matched_follow_analog_prototypes_to_nyquist() {
        let fs = 44_100.0;
        let kinds =
            [FilterKind::LowPass, FilterKind::HighPass, FilterKind::BandPass, FilterKind::Peak];
        for kind in kinds {
            for (f0, q, gain) in
                [(16_000.0, 1.0, 6.0), (8000.0, 0.707, -8.0), (12_000.0, 3.0, 12.0)]
            {
                let c = matched(kind, f0, q, gain, fs).unwrap();
                for f in [20.0, 200.0, 2000.0, 6000.0, 10_000.0, f0, 18_000.0] {
                    let want = analog::magnitude_db(kind, f, f0, q, gain);
                    if want < -40.0 {
                        continue;
                    }
                    let got = c.magnitude_db(f, fs);
                    assert!((got - want).abs() < 1.0, "{kind:?} {f0} {q} at {f}: {got} vs {want}");
                }
            }
        }
        assert_eq!(matched(FilterKind::Notch, 1000.0, 1.0, 0.0, fs), None);
    }

    #[test]
    fn matched_sections_stay_finite_and_stable_at_the_extremes() {
        // A -48 dB, Q 0.01 cut at 78 kHz (192 kHz) once gave NaN: its poles
        // are so damped that r underflowed while cosh overflowed.
        let fs = 192_000.0;
        for kind in
            [FilterKind::LowPass, FilterKind::HighPass, FilterKind::BandPass, FilterKind::Peak]
        {
            for f0 in [1.0, 20.0, 1000.0, 77_734.4, 95_000.0] {
                for q in [0.01, 0.707, 100.0] {
                    for gain in [-48.0, 0.0, 48.0] {
                        let Some(c) = matched(kind, f0, q, gain, fs) else { continue };
                        let stable = c.a2.abs() < 1.0 + 1e-9 && c.a1.abs() <= 1.0 + c.a2 + 1e-9;
                        assert!(stable, "{kind:?} {f0} {q} {gain}: {c:?}");
                    }
                }
            }
        }
        assert!(matched(FilterKind::Peak, 77_734.4, 0.01, -48.0, fs).is_some());
    }

    #[test]
    fn butterworth_pole_qs() {
        assert!((butterworth_q(2, 0) - core::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
        assert!((butterworth_q(4, 0) - 1.306_563).abs() < 1e-6);
        assert!((butterworth_q(4, 1) - 0.541_196).abs() < 1e-6);
        assert!((butterworth_q(3, 1) - 0.5).abs() < 1e-12); // the real pole
    }
}
