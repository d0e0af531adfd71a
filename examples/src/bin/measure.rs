//! Prints the QA report of a WAV file (loudness, peaks, stereo image,
//! octave bands) and its check against delivery targets.
//!
//! Run: `cargo run -p examples --bin measure -- song.wav [spotify apple ...]`
//! (targets default to spotify and apple).

use std::error::Error;

use dsp_core::analysis::{QaReport, Target};
use examples::read_wav;

/// A reading with one decimal, or `-` when not finite (silence).
fn fmt(value: f64, unit: &str) -> String {
    if value.is_finite() { format!("{value:6.1} {unit}") } else { format!("{:>6} {unit}", "-") }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: measure <file.wav> [target ...]")?;
    let mut targets: Vec<String> = args.collect();
    if targets.is_empty() {
        targets = vec!["spotify".into(), "apple".into()];
    }

    let (channels, rate) = read_wav(path.as_ref())?;
    let sample_rate = f64::from(rate);
    let views: Vec<&[f32]> = channels.iter().map(Vec::as_slice).collect();
    let r = QaReport::measure(&views, sample_rate)?;

    println!("{path}: {:.1} s, {} channel(s), {sample_rate} Hz", r.duration_s, views.len());
    let rows = [
        (
            "integrated",
            fmt(r.integrated_lufs, "LUFS"),
            "loudness range",
            fmt(r.loudness_range_lu, "LU"),
        ),
        (
            "true peak",
            fmt(r.true_peak_dbtp, "dBTP"),
            "sample peak",
            fmt(r.sample_peak_dbfs, "dBFS"),
        ),
        (
            "max momentary",
            fmt(r.max_momentary_lufs, "LUFS"),
            "max short-term",
            fmt(r.max_short_term_lufs, "LUFS"),
        ),
        ("PLR", fmt(r.plr_db, "dB"), "balance L-R", fmt(r.balance_db, "dB")),
        (
            "correlation",
            format!("{:6.2}", r.correlation),
            "mono drop",
            fmt(r.mono_loudness_drop_lu, "LU"),
        ),
    ];
    for (a, va, b, vb) in rows {
        println!("  {a:<15}{va:<13}{b:<16}{vb}");
    }
    let dc: Vec<String> = r.dc_offset.iter().map(|d| format!("{d:+.1e}")).collect();
    println!("  clipped samples {}, DC offset {}", r.clipped_samples, dc.join(" "));
    let bands: Vec<String> =
        r.octave_bands.iter().map(|(hz, db)| format!("{hz}: {}", fmt(*db, "dB").trim())).collect();
    println!("  octave bands (Hz: dB) {}", bands.join(", "));
    for name in &targets {
        let target = Target::by_name(name).map_err(|_| {
            format!("unknown target {name}: use one of {}", Target::NAMES.join(", "))
        })?;
        let check = r.check(&target);
        let verdict = if check.pass { "PASS" } else { "FAIL" };
        let why = if check.pass { &check.reasons } else { &check.failures };
        println!("  {:<13}{verdict}  {}", target.label, why.join("; "));
        println!("  {:<13}      -> {}", "", check.description);
    }
    Ok(())
}
