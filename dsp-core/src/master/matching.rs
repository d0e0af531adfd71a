//! Reference matching: a mix's [`Profile`] against a reference's turns a
//! mastering chain into one that moves the mix towards the reference —
//! tonal balance (a linear-phase EQ of mid and side), loudness (the
//! target), stereo width (the width stage) and dynamics (how much of the
//! glue stage is mixed in for a more dynamic reference, a soft clipper for
//! a denser one) — each by its strength in [`Matching`].

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::assist::soft_clipper;
use super::chain::{MasteringChain, Matching, Stage};
use super::linear_eq::{LinearPhaseEq, curve_db};
use super::mastering::limiter;
use super::normalize::{Envelope, LimiterModel};
use super::profile::Profile;
use crate::dynamics::COMPRESSOR_KIND;
use crate::error::Error;
use crate::preset::{restore, save};
use crate::preset_format::{Preset, Value};

/// Largest boost or cut of the tonal-balance curves, dB.
pub const MAX_TONAL_DB: f64 = 12.0;
/// Crest-factor difference (dB) at which the dynamics match takes the
/// glue stage fully out (a reference this much more dynamic than the mix).
const FULL_CREST_DB: f64 = 6.0;
/// Name of the stage that reference matching inserts.
pub const TONAL_STAGE: &str = "tonal_balance";
/// Name of the soft-clipper stage that dynamics matching adds for a
/// denser reference (last of the stages).
pub const DENSITY_STAGE: &str = "density";
/// Peak reduction (dB) added to the least share of the peaks with which
/// the limiter reaches the target when clipping (see [`match_density`]):
/// the model of that share leaves out the loudness the clipping takes.
pub const CLIP_MARGIN_DB: f64 = 1.0;
/// Name of the stereo-width stage that width matching sets.
const WIDTH_STAGE: &str = "width";

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
    out.stages.retain(|s| s.name != TONAL_STAGE && s.name != DENSITY_STAGE);
    if m.tonal > 0.0 {
        let curves = mix.match_curves(reference, m.tonal, MAX_TONAL_DB)?;
        let mut eq = LinearPhaseEq::new(&curves.mid)?;
        let stereo = curves.side.iter().any(|&(_, db)| db != 0.0);
        if stereo {
            eq.set_side_curve(&curves.side)?;
            eq.set_mid_side(true);
        }
        let (lo, hi) = extremes(&curves.mid);
        notes.push(format!(
            "tonal balance: linear-phase EQ at {:.0} % strength, mid from {lo:+.1} to {hi:+.1} dB{}",
            100.0 * m.tonal,
            if stereo {
                let (lo, hi) = extremes(&curves.side);
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
        if let Some(stage) = out.stages.iter_mut().find(|s| s.name == WIDTH_STAGE) {
            let width = scale_width(stage, mix.width_gain(reference, m.width));
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

/// Dynamics matching towards a denser reference, once the audio entering
/// the loudness stage is known (its [`Envelope`] `entering`): when its
/// peak-to-loudness ratio is above `reference`'s by `gap` dB, a
/// soft clipper is appended to the stages ([`DENSITY_STAGE`]). It takes
/// `dynamics * gap` dB off the peaks, or if more, what the loudness stage
/// needs to reach the chain's target: the least share with which the
/// limiter reaches it (see [`Envelope::clip_to_reach`]) and
/// [`CLIP_MARGIN_DB`] for what the clipping itself takes from the loudness.
/// A true-peak limiter alone stops short of a dense target (more gain would
/// only flatten the audio), while clipping takes the peaks without pumping
/// what lies around them. Returns a sentence on it, or `None` when nothing
/// was added (dynamics strength 0, a reference no denser, or a share too
/// small to matter).
pub fn match_density(
    chain: &mut MasteringChain,
    entering: &Envelope,
    reference: &Profile,
) -> Result<Option<String>, Error> {
    let strength = chain.matching.dynamics;
    let (true_peak, plr) = (entering.true_peak_dbtp(), entering.plr_db());
    let gap = plr - reference.plr_db;
    if strength <= 0.0 || !gap.is_finite() || gap <= 0.0 {
        return Ok(None);
    }
    let target = chain.resolved_target()?;
    let mut limiter = limiter(chain)?;
    limiter.set_ceiling_db(target.true_peak_dbtp.min(0.0))?;
    limiter.set_true_peak(true);
    // The peak reduction that reaching the target under the ceiling takes.
    let needed = plr - (target.true_peak_dbtp - target.integrated_lufs);
    let model = &mut LimiterModel::of(&limiter)?;
    let least = entering.clip_to_reach(target.integrated_lufs, model, needed.max(0.0));
    let least = if least > 0.0 { least + CLIP_MARGIN_DB } else { 0.0 };
    let share = least.max(strength * gap);
    let Some((processor, ceiling)) = soft_clipper(true_peak, share)? else {
        return Ok(None);
    };
    chain.stages.push(Stage { name: DENSITY_STAGE.to_string(), processor });
    Ok(Some(format!(
        "dynamics: soft clipper takes {share:.1} dB off the peaks{} (ceiling {ceiling:.1} dBFS \
         at the working level; PLR {:.1} dB, reference {:.1} dB)",
        if least > 0.0 { ", which the target loudness needs" } else { "" },
        plr,
        reference.plr_db
    )))
}

/// Corrects the tonal-balance stage of a matched chain for what the rest
/// of the chain did to the spectrum (glue compression working on the loud
/// bands, a limiter working hard taking most from the loud low end): from
/// `before` (the profile of the audio the chain starts from) to `master`
/// (the previewed master's profile) the chain should have made the curves'
/// change; each curve gains the smoothed part of it that the master
/// missed, within [`MAX_TONAL_DB`]. Returns a sentence on the change; a
/// chain without the stage is left alone.
pub fn refine_tonal(
    chain: &mut MasteringChain,
    before: &Profile,
    master: &Profile,
) -> Result<String, Error> {
    let Some(stage) = chain.stages.iter_mut().find(|s| s.name == TONAL_STAGE) else {
        return Ok(String::new());
    };
    let mut eq = LinearPhaseEq::new(&[])?;
    restore(&mut eq, &stage.processor).map_err(|_| Error::InvalidParameter {
        name: "chain",
        reason: "its tonal-balance stage does not load",
    })?;
    let done = before.match_curves(master, 1.0, MAX_TONAL_DB)?;
    let missed = |points: &[(f64, f64)], done: &[(f64, f64)]| -> Vec<(f64, f64)> {
        points.iter().map(|&(hz, db)| (hz, db - curve_db(done, hz))).collect()
    };
    let add = |points: &[(f64, f64)], fix: &[(f64, f64)]| -> Vec<(f64, f64)> {
        let moved =
            |&(hz, db): &(f64, f64)| (db + curve_db(fix, hz)).clamp(-MAX_TONAL_DB, MAX_TONAL_DB);
        points.iter().map(|p| (p.0, moved(p))).collect()
    };
    let fix_mid = missed(eq.curve(), &done.mid);
    eq.set_curve(&add(eq.curve(), &fix_mid))?;
    if eq.mid_side() {
        let fix_side = missed(eq.side_curve(), &done.side);
        eq.set_side_curve(&add(eq.side_curve(), &fix_side))?;
    }
    stage.processor = save(&eq);
    let (lo, hi) = extremes(&fix_mid);
    Ok(format!("tonal balance refined for the rest of the chain: mid {lo:+.1} to {hi:+.1} dB"))
}

/// Corrects the width stage of a matched chain so that the master's side
/// level lands where the matching aimed (`mix`'s width moved towards
/// `reference`'s by the width strength): the tonal balance's side curve and
/// the stages after it move the width too. Returns a sentence on the
/// change, or `None` when there is nothing to correct.
pub fn refine_width(
    chain: &mut MasteringChain,
    mix: &Profile,
    reference: &Profile,
    master: &Profile,
) -> Option<String> {
    let strength = chain.matching.width;
    let widths = [mix.width_db, reference.width_db, master.width_db];
    if strength <= 0.0 || widths.iter().any(|w| !w.is_finite()) {
        return None;
    }
    let aim = mix.width_db + strength * (reference.width_db - mix.width_db);
    let stage = chain.stages.iter_mut().find(|s| s.name == WIDTH_STAGE)?;
    let width = scale_width(stage, libm::exp10((aim - master.width_db) / 20.0));
    Some(format!(
        "width refined: side x{width:.2} (master {:.1} dB side to mid, aim {aim:.1} dB)",
        master.width_db
    ))
}

/// Multiplies the `width` of a width stage by `gain` (within 0 to 2) and
/// returns the new width.
fn scale_width(stage: &mut Stage, gain: f64) -> f64 {
    let now = number(&stage.processor, "width").unwrap_or(1.0);
    let width = (now * gain).clamp(0.0, 2.0);
    stage.processor.params.insert("width".to_string(), Value::Number(width));
    width
}

/// The lowest and highest gain of a curve, dB (0 dB included).
fn extremes(curve: &[(f64, f64)]) -> (f64, f64) {
    curve.iter().fold((0.0f64, 0.0f64), |(lo, hi), &(_, db)| (lo.min(db), hi.max(db)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::{BandParams, Equalizer, FilterKind};
    use crate::master::offline::render;
    use crate::master::profile::tests::music;

    #[test]
    fn refining_undoes_a_colouration_of_the_master() {
        // The chain should have applied its flat curve (no change relative
        // to loudness) but the "master" came out with 3 dB less above
        // 4 kHz: the refined curve adds those 3 dB back relative to the bass
        // (which moves by about 1 dB with the loudness that the profiles are
        // relative to).
        let sr = 48_000.0;
        let entering = music(sr, 10.0, 3);
        let mut shelf =
            Equalizer::new(&[BandParams::new(FilterKind::HighShelf, 4000.0).with_gain_db(-3.0)])
                .unwrap();
        let master =
            render(&mut shelf, &entering, sr, &mut crate::progress::Progress::none()).unwrap();
        let profile = |a: &[Vec<f32>]| {
            Profile::analyze(&a.iter().map(Vec::as_slice).collect::<Vec<_>>(), sr).unwrap()
        };
        let mut chain = MasteringChain::reference(Matching::default()).unwrap();
        let flat = LinearPhaseEq::new(&[(100.0, 1.0), (10_000.0, 1.0)]).unwrap();
        chain.stages.insert(0, Stage { name: TONAL_STAGE.to_string(), processor: save(&flat) });
        let note = refine_tonal(&mut chain, &profile(&entering), &profile(&master)).unwrap();
        let mut eq = LinearPhaseEq::new(&[]).unwrap();
        restore(&mut eq, &chain.stage(TONAL_STAGE).unwrap().processor).unwrap();
        let (low, high) = (eq.magnitude_db(100.0), eq.magnitude_db(12_000.0));
        assert!((low - 1.0).abs() < 1.5, "{low}");
        assert!((high - low - 3.0).abs() < 0.5, "{low} {high}");
        assert!(note.contains("refined"), "{note}");
    }

    #[test]
    fn a_denser_reference_gets_a_soft_clipper_at_the_end_of_the_stages() {
        use crate::master::WORKING_LUFS;
        use crate::test_util::music_like;
        let sr = 48_000.0;
        // Music at the working level.
        let mut x = music_like(sr, 10.0, 0.1, 3);
        let lufs = Envelope::analyze(&x, sr).unwrap().integrated_lufs();
        let g = libm::exp10((WORKING_LUFS - lufs) / 20.0) as f32;
        x.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= g));
        let views: Vec<&[f32]> = x.iter().map(Vec::as_slice).collect();
        let entering = Profile::analyze(&views, sr).unwrap();
        let envelope = Envelope::analyze(&x, sr).unwrap();
        let clip_ceiling = |chain: &MasteringChain| {
            let stage = chain.stages.last().filter(|s| s.name == DENSITY_STAGE)?;
            number(&stage.processor, "ceiling_db")
        };
        let chain = |dynamics, lufs| {
            let matching = Matching { dynamics, ..Matching::default() };
            let mut c = MasteringChain::reference(matching).unwrap();
            c.target_lufs = Some(lufs);
            c
        };
        // 4 dB denser, a target the limiter reaches: the strength's share
        // of the PLR difference.
        let mut reference = entering.clone();
        reference.plr_db = envelope.plr_db() - 4.0;
        let mut c = chain(0.5, -14.0);
        let note = match_density(&mut c, &envelope, &reference).unwrap().unwrap();
        let ceiling = clip_ceiling(&c).unwrap();
        assert!((envelope.true_peak_dbtp() - ceiling - 2.0).abs() < 1e-9, "{ceiling}: {note}");
        assert!(!note.contains("needs"), "{note}");
        // A target beyond the limiter: the share it needs, more than that.
        let mut c = chain(0.5, -6.0);
        let note = match_density(&mut c, &envelope, &reference).unwrap().unwrap();
        assert!(envelope.true_peak_dbtp() - clip_ceiling(&c).unwrap() > 2.0 + CLIP_MARGIN_DB);
        assert!(note.contains("needs"), "{note}");
        // Matched again, the chain loses the clipper (the preview sets a new one).
        let (again, _) = match_chain(&c, &entering, &reference).unwrap();
        assert!(again.stage(DENSITY_STAGE).is_none());
        // No clipper without dynamics matching or for a reference as dynamic.
        let mut c = chain(0.0, -6.0);
        assert!(match_density(&mut c, &envelope, &reference).unwrap().is_none());
        reference.plr_db = envelope.plr_db() + 1.0;
        let mut c = chain(1.0, -6.0);
        assert!(match_density(&mut c, &envelope, &reference).unwrap().is_none());
        assert!(clip_ceiling(&c).is_none());
    }

    #[test]
    fn refining_puts_the_width_where_the_matching_aimed() {
        // Mix at -12 dB side to mid, reference at -8, half strength: the
        // aim is -10; a master that came out at -11 needs +1 dB of side.
        let sr = 48_000.0;
        let mut mix = Profile::analyze(&[&music(sr, 2.0, 1)[0][..]], sr).unwrap();
        let (mut reference, mut master) = (mix.clone(), mix.clone());
        (mix.width_db, reference.width_db, master.width_db) = (-12.0, -8.0, -11.0);
        let mut chain =
            MasteringChain::reference(Matching { width: 0.5, ..Matching::default() }).unwrap();
        let before = number(&chain.stage(WIDTH_STAGE).unwrap().processor, "width").unwrap();
        let note = refine_width(&mut chain, &mix, &reference, &master).unwrap();
        let after = number(&chain.stage(WIDTH_STAGE).unwrap().processor, "width").unwrap();
        assert!((after / before - libm::exp10(1.0 / 20.0)).abs() < 1e-9, "{before} {after}");
        assert!(note.contains("aim -10.0 dB"), "{note}");
        // Nothing to do without width matching.
        chain.matching.width = 0.0;
        assert!(refine_width(&mut chain, &mix, &reference, &master).is_none());
    }
}
