//! Reference matching: a mix's [`Profile`] against a reference's turns a
//! mastering chain into one that moves the mix towards the reference —
//! tonal balance (a linear-phase EQ of mid and side), loudness (the
//! target), stereo width (the width stage) and dynamics (how much of the
//! glue stage is mixed in) — each by its strength in [`Matching`].

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::chain::{MasteringChain, Matching, Stage};
use super::linear_eq::LinearPhaseEq;
use super::profile::Profile;
use crate::dynamics::COMPRESSOR_KIND;
use crate::error::Error;
use crate::preset::save;
use crate::preset_format::{Preset, Value};

/// Largest boost or cut of the tonal-balance curves, dB.
pub const MAX_TONAL_DB: f64 = 12.0;
/// Crest-factor difference (dB) at which the dynamics match takes the
/// glue stage fully out (a reference this much more dynamic than the mix).
const FULL_CREST_DB: f64 = 6.0;
/// Name of the stage that reference matching inserts.
pub const TONAL_STAGE: &str = "tonal_balance";

/// The chain with the matching applied to it, and a sentence per change.
/// The tonal-balance stage goes after `corrective_eq` (or first), and
/// replaces one already there.
pub fn match_chain(
    chain: &MasteringChain,
    mix: &Profile,
    reference: &Profile,
) -> Result<(MasteringChain, Vec<String>), Error> {
    let m: Matching = chain.matching;
    m.validate()?;
    let mut out = chain.clone();
    let mut notes = Vec::new();
    out.stages.retain(|s| s.name != TONAL_STAGE);
    if m.tonal > 0.0 {
        let curves = mix.match_curves(reference, m.tonal, MAX_TONAL_DB)?;
        let mut eq = LinearPhaseEq::new(&curves.mid)?;
        let stereo = curves.side.iter().any(|&(_, db)| db != 0.0);
        if stereo {
            eq.set_side_curve(&curves.side)?;
            eq.set_mid_side(true);
        }
        let extreme = |c: &[(f64, f64)]| {
            c.iter().fold((0.0f64, 0.0f64), |(lo, hi), &(_, db)| (lo.min(db), hi.max(db)))
        };
        let (lo, hi) = extreme(&curves.mid);
        notes.push(format!(
            "tonal balance: linear-phase EQ at {:.0} % strength, mid from {lo:+.1} to {hi:+.1} dB{}",
            100.0 * m.tonal,
            if stereo {
                let (lo, hi) = extreme(&curves.side);
                format!(", side from {lo:+.1} to {hi:+.1} dB")
            } else {
                String::new()
            }
        ));
        let at = out.stages.iter().position(|s| s.name == "corrective_eq").map_or(0, |i| i + 1);
        out.stages.insert(at, Stage { name: TONAL_STAGE.to_string(), processor: save(&eq) });
    }
    if m.loudness > 0.0 && reference.integrated_lufs.is_finite() {
        let own = chain.resolved_target()?.integrated_lufs;
        let lufs = (own + m.loudness * (reference.integrated_lufs - own)).clamp(-60.0, 0.0);
        out.target_lufs = Some(lufs);
        out.resolved_target()?;
        notes.push(format!(
            "loudness: target {lufs:.1} LUFS (reference {:.1} LUFS, {:.0} % strength)",
            reference.integrated_lufs,
            100.0 * m.loudness
        ));
    }
    if m.width > 0.0 && mix.width_db.is_finite() && reference.width_db.is_finite() {
        if let Some(stage) = out.stages.iter_mut().find(|s| s.name == "width") {
            let gain = mix.width_gain(reference, m.width);
            let now = number(&stage.processor, "width").unwrap_or(1.0);
            let width = (now * gain).clamp(0.0, 2.0);
            stage.processor.params.insert("width".to_string(), Value::Number(width));
            notes.push(format!(
                "width: side x{width:.2} (mix {:.1} dB, reference {:.1} dB side to mid)",
                mix.width_db, reference.width_db
            ));
        }
    }
    if m.dynamics > 0.0 && mix.crest_db.is_finite() && reference.crest_db.is_finite() {
        if let Some(stage) = out.stages.iter_mut().find(|s| s.name == "glue") {
            let lighter = ((reference.crest_db - mix.crest_db) / FULL_CREST_DB).clamp(0.0, 1.0);
            let mix_in = 1.0 - m.dynamics * lighter;
            set_compressor_mix(&mut stage.processor, mix_in);
            notes.push(format!(
                "dynamics: glue mixed in at {:.0} % (crest factor mix {:.1} dB, reference {:.1} dB)",
                100.0 * mix_in,
                mix.crest_db,
                reference.crest_db
            ));
        }
    }
    Ok((out, notes))
}

/// A number parameter of a preset.
fn number(p: &Preset, id: &str) -> Option<f64> {
    match p.params.get(id) {
        Some(Value::Number(v)) => Some(*v),
        _ => None,
    }
}

/// Sets `mix` of every compressor in `p` (itself or its members, at any
/// depth: multiband bands, mid/side wrappers).
fn set_compressor_mix(p: &mut Preset, mix: f64) {
    if p.kind == COMPRESSOR_KIND.name {
        p.params.insert("mix".to_string(), Value::Number(mix));
    }
    p.members.iter_mut().for_each(|m| set_compressor_mix(m, mix));
}
