//! Delivery loudness targets (streaming platforms and broadcast
//! recommendations) as data, and the check of a measurement against one.
//!
//! The presets are published or widely reported figures that services
//! change without notice; treat them as defaults and use
//! [`Target::custom`] for anything else. Sources: Spotify for Artists
//! (Spotify), EBU R 128 v4 (production tolerance), ATSC A/85, AES TD1008;
//! the other services from secondary reports.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::{Error, check_range};

/// A loudness delivery target.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Target {
    /// Lookup name (`spotify`, `ebu_r128`...).
    pub name: String,
    /// Human-readable name for messages (`Spotify`, `EBU R 128`...).
    pub label: String,
    /// Target integrated loudness in LUFS.
    pub integrated_lufs: f64,
    /// Allowed deviation from the target loudness, in LU (either way).
    pub tolerance_lu: f64,
    /// Highest allowed true peak in dBTP.
    pub true_peak_dbtp: f64,
    /// Whether the platform raises quiet tracks (normalisation both ways);
    /// raising is limited so that the true peak stays at the ceiling.
    pub turns_up: bool,
}

/// Default tolerance in LU.
const TOLERANCE_LU: f64 = 1.0;

/// (name, label, integrated LUFS, tolerance LU, true-peak ceiling dBTP, turns up).
const PRESETS: [(&str, &str, f64, f64, f64, bool); 9] = [
    ("spotify", "Spotify", -14.0, TOLERANCE_LU, -1.0, true),
    ("apple", "Apple Music", -16.0, TOLERANCE_LU, -1.0, true),
    ("youtube", "YouTube", -14.0, TOLERANCE_LU, -1.0, false),
    ("amazon", "Amazon Music", -14.0, TOLERANCE_LU, -2.0, false),
    ("tidal", "TIDAL", -14.0, TOLERANCE_LU, -1.0, false),
    ("deezer", "Deezer", -15.0, TOLERANCE_LU, -1.0, false),
    ("ebu_r128", "EBU R 128", -23.0, TOLERANCE_LU, -1.0, true),
    ("atsc_a85", "ATSC A/85", -24.0, 2.0, -2.0, true),
    ("aes_td1008", "AES TD1008", -16.0, TOLERANCE_LU, -1.0, true),
];

/// Result of checking a measurement against a [`Target`].
#[derive(Debug, Clone, PartialEq)]
pub struct TargetCheck {
    /// True peak at or below the ceiling and loudness within tolerance.
    pub pass: bool,
    /// One sentence per criterion, saying how it went (e.g.
    /// "true peak -0.3 dBTP exceeds -1.0").
    pub reasons: Vec<String>,
    /// The reasons of the criteria that failed (empty when it passes).
    pub failures: Vec<String>,
    /// Gain the platform will apply on playback, in dB (negative: down).
    pub gain_change_db: f64,
    /// What the platform will do, in words (e.g. "Spotify will turn it
    /// down 3.2 dB").
    pub description: String,
}

impl TargetCheck {
    /// One line: `PASS` and every reason, or `FAIL` and the failed
    /// criteria only; then what the platform will do.
    pub fn message(&self) -> String {
        let (verdict, why) =
            if self.pass { ("PASS", &self.reasons) } else { ("FAIL", &self.failures) };
        format!("{verdict}: {}. {}", why.join("; "), self.description)
    }
}

impl Target {
    /// The error text for an unknown target `name`, listing the valid ones.
    pub fn unknown_name_message(name: &str) -> String {
        format!("unknown loudness target {name:?}: use one of {}", Self::NAMES.join(", "))
    }

    /// Names of the built-in targets.
    pub const NAMES: [&'static str; 9] = {
        let mut names = [""; 9];
        let mut i = 0;
        while i < 9 {
            names[i] = PRESETS[i].0;
            i += 1;
        }
        names
    };

    /// A built-in target by name (case-insensitive; `-` may replace `_`).
    pub fn by_name(name: &str) -> Result<Target, Error> {
        let key = name.trim().to_ascii_lowercase().replace('-', "_");
        PRESETS
            .iter()
            .find(|p| p.0 == key)
            .map(|&(name, label, lufs, tol, tp, up)| Target {
                name: name.to_string(),
                label: label.to_string(),
                integrated_lufs: lufs,
                tolerance_lu: tol,
                true_peak_dbtp: tp,
                turns_up: up,
            })
            .ok_or(Error::UnknownName { kind: "loudness target" })
    }

    /// Every built-in target, in the order of [`NAMES`](Self::NAMES).
    pub fn all() -> Vec<Target> {
        Self::NAMES.iter().map(|n| Self::by_name(n).expect("preset")).collect()
    }

    /// A target of your own: loudness -60 to 0 LUFS, tolerance 0 to 10 LU,
    /// ceiling -30 to +3 dBTP.
    pub fn custom(
        name: &str,
        integrated_lufs: f64,
        tolerance_lu: f64,
        true_peak_dbtp: f64,
        turns_up: bool,
    ) -> Result<Target, Error> {
        check_range("integrated_lufs", integrated_lufs, -60.0, 0.0, "must be from -60 to 0 LUFS")?;
        check_range("tolerance_lu", tolerance_lu, 0.0, 10.0, "must be from 0 to 10 LU")?;
        check_range("true_peak_dbtp", true_peak_dbtp, -30.0, 3.0, "must be from -30 to +3 dBTP")?;
        Ok(Target {
            name: name.to_string(),
            label: name.to_string(),
            integrated_lufs,
            tolerance_lu,
            true_peak_dbtp,
            turns_up,
        })
    }

    /// Gain the platform applies to a track with these readings, in dB:
    /// down to the target when louder; up to it when quieter only if the
    /// platform turns tracks up, and then no further than the true-peak
    /// ceiling allows. 0 for silence.
    pub fn gain_change_db(&self, integrated_lufs: f64, true_peak_dbtp: f64) -> f64 {
        if !integrated_lufs.is_finite() {
            return 0.0;
        }
        let gain = self.integrated_lufs - integrated_lufs;
        if gain <= 0.0 {
            gain
        } else if self.turns_up {
            gain.min((self.true_peak_dbtp - true_peak_dbtp).max(0.0))
        } else {
            0.0
        }
    }

    /// Checks readings against this target.
    pub fn check(&self, integrated_lufs: f64, true_peak_dbtp: f64) -> TargetCheck {
        let mut reasons = Vec::new();
        let peak_ok = true_peak_dbtp <= self.true_peak_dbtp;
        let d = decimals(true_peak_dbtp, self.true_peak_dbtp);
        let verb = if peak_ok { "is within" } else { "exceeds" };
        reasons
            .push(format!("true peak {true_peak_dbtp:.d$} dBTP {verb} {:.1}", self.true_peak_dbtp));
        let off = integrated_lufs - self.integrated_lufs;
        let loudness_ok = off.abs() <= self.tolerance_lu;
        reasons.push(if !integrated_lufs.is_finite() {
            "no integrated loudness (silent, or shorter than 400 ms)".to_string()
        } else {
            let side = if off > 0.0 { "above" } else { "below" };
            let d = decimals(off.abs(), self.tolerance_lu);
            format!(
                "integrated {integrated_lufs:.1} LUFS is {:.d$} LU {side} {:.1} ({} tolerance +/-{:.1})",
                off.abs(),
                self.integrated_lufs,
                if loudness_ok { "within" } else { "outside" },
                self.tolerance_lu
            )
        });
        let gain = self.gain_change_db(integrated_lufs, true_peak_dbtp);
        let label = &self.label;
        let description = if gain < -0.05 {
            format!("{label} will turn it down {:.1} dB", -gain)
        } else if gain > 0.05 {
            let limited = integrated_lufs + gain < self.integrated_lufs - 0.05;
            let note = if limited { " (limited by true-peak headroom)" } else { "" };
            format!("{label} will turn it up {gain:.1} dB{note}")
        } else if integrated_lufs.is_finite() && !self.turns_up && -off > 0.05 {
            format!(
                "{label} will leave it as is, {:.1} dB below its target (it does not turn quiet tracks up)",
                -off
            )
        } else {
            format!("{label} will leave it as is")
        };
        let failures = [(peak_ok, &reasons[0]), (loudness_ok, &reasons[1])]
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, r)| r.clone())
            .collect();
        TargetCheck {
            pass: peak_ok && loudness_ok,
            reasons,
            failures,
            gain_change_db: gain,
            description,
        }
    }
}

/// Decimals (1 to 3) to show `value` with, so that it does not read as
/// `limit` when it differs from it (a failing margin is never rounded away).
fn decimals(value: f64, limit: f64) -> usize {
    (1..=3)
        .find(|&d| value == limit || format!("{value:.d$}") != format!("{limit:.d$}"))
        .unwrap_or(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_by_name() {
        let s = Target::by_name("Spotify").unwrap();
        assert_eq!((s.integrated_lufs, s.true_peak_dbtp, s.tolerance_lu), (-14.0, -1.0, 1.0));
        assert_eq!(Target::by_name("ebu-r128").unwrap().integrated_lufs, -23.0);
        let a = Target::by_name("atsc_a85").unwrap();
        assert_eq!((a.integrated_lufs, a.tolerance_lu, a.true_peak_dbtp), (-24.0, 2.0, -2.0));
        assert_eq!(Target::by_name("amazon").unwrap().true_peak_dbtp, -2.0);
        assert_eq!(Target::by_name("apple").unwrap().integrated_lufs, -16.0);
        assert_eq!(Target::by_name("deezer").unwrap().integrated_lufs, -15.0);
        assert_eq!(Target::all().len(), 9);
        assert!(matches!(Target::by_name("myspace"), Err(Error::UnknownName { .. })));
        let hint = Target::unknown_name_message("myspace");
        assert!(hint.contains("\"myspace\"") && hint.contains("spotify, apple"), "{hint}");
        assert!(Target::custom("club", -8.0, 0.5, -0.3, false).is_ok());
        assert!(Target::custom("bad", 5.0, 1.0, -1.0, false).is_err());
    }

    #[test]
    fn checks_say_why_and_what_happens() {
        let spotify = Target::by_name("spotify").unwrap();
        let loud = spotify.check(-10.8, -0.3);
        assert!(!loud.pass);
        assert_eq!(loud.reasons[0], "true peak -0.3 dBTP exceeds -1.0");
        assert!(loud.reasons[1].contains("3.2 LU above -14.0"), "{}", loud.reasons[1]);
        assert_eq!(loud.description, "Spotify will turn it down 3.2 dB");
        assert!((loud.gain_change_db + 3.2).abs() < 1e-9);
        assert!(loud.message().starts_with("FAIL: true peak -0.3 dBTP exceeds -1.0; integrated"));
        assert!(loud.message().ends_with(". Spotify will turn it down 3.2 dB"));
        // A failing margin is shown, not rounded away; under FAIL only the
        // failed criterion is listed.
        let close = spotify.check(-14.2, -0.994);
        assert_eq!(close.failures, ["true peak -0.99 dBTP exceeds -1.0"]);
        assert!(close.message().starts_with("FAIL: true peak -0.99 dBTP exceeds -1.0. "));
        assert!(!close.message().contains("integrated"), "{}", close.message());
        let near = spotify.check(-12.96, -3.0);
        assert!(near.failures[0].contains("1.04 LU above -14.0"), "{:?}", near.failures);
        let ok = spotify.check(-14.4, -1.5);
        assert!(ok.failures.is_empty());
        assert!(ok.pass, "{:?}", ok.reasons);
        // Quiet master: Spotify lifts only to 1 dB below the true-peak ceiling.
        let quiet = spotify.check(-20.0, -5.0);
        assert!((quiet.gain_change_db - 4.0).abs() < 1e-9);
        assert!(quiet.description.contains("limited by true-peak headroom"));
        let yt = Target::by_name("youtube").unwrap().check(-20.0, -5.0);
        assert_eq!(yt.gain_change_db, 0.0);
        assert!(yt.description.contains("does not turn quiet tracks up"));
        let silent = spotify.check(f64::NEG_INFINITY, f64::NEG_INFINITY);
        assert!(!silent.pass);
        assert_eq!(silent.gain_change_db, 0.0);
    }
}
