//! The mastering chain as data: named processing stages (registered
//! processors kept as presets), the loudness target, the limiter and
//! dither settings, and the strengths of reference matching. With feature
//! `serde` it round-trips through JSON exactly, so a saved chain renders
//! bit-identical output.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crate::Chain;
use crate::analysis::Target;
use crate::dynamics::{Compressor, Limiter, MultibandCompressor};
use crate::error::Error;
use crate::filters::{BandParams, Equalizer, FilterKind};
use crate::master::{Dither, Shaping};
use crate::mix::{ChannelMode, ChannelTool, StereoWidth};
use crate::preset::{self, save};
use crate::preset_format::{Preset, PresetError, Value};

/// The chain format version this library writes.
pub const CHAIN_VERSION: u32 = 1;
/// Integrated loudness (LUFS) the stages see: the mix is gained to it
/// first, so compressor thresholds mean the same whatever the mix level.
pub const WORKING_LUFS: f64 = -20.0;

/// One processing stage: a name (`corrective_eq`, `tonal_balance`, `glue`,
/// `width`...) and the processor's settings.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stage {
    /// What the stage is for.
    pub name: String,
    /// The processor (any registered kind; a `chain` for mid/side).
    pub processor: Preset,
}

/// How strongly each aspect of a reference is matched, 0 (not at all) to 1
/// (fully).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Matching {
    /// Tonal balance (the mid and side spectral ratio as a linear-phase EQ).
    pub tonal: f64,
    /// Loudness (the reference's integrated loudness replaces the target's).
    pub loudness: f64,
    /// Stereo width (side level relative to mid).
    pub width: f64,
    /// Dynamics (how much of the glue stage is mixed in follows how much
    /// more dynamic the reference is; for a denser one, how much of the
    /// difference in peak-to-loudness ratio a soft clipper takes, and at
    /// least what the target loudness needs).
    pub dynamics: f64,
}

impl Default for Matching {
    /// Everything matched fully but width and dynamics, at half strength.
    fn default() -> Self {
        Self { tonal: 1.0, loudness: 1.0, width: 0.5, dynamics: 0.5 }
    }
}

impl Matching {
    /// Checks every strength is within 0..=1.
    pub fn validate(&self) -> Result<(), Error> {
        for (name, v) in [
            ("tonal", self.tonal),
            ("loudness", self.loudness),
            ("width", self.width),
            ("dynamics", self.dynamics),
        ] {
            crate::error::check_range(name, v, 0.0, 1.0, "strength must be from 0 to 1")?;
        }
        Ok(())
    }
}

/// A mastering chain: stages, then gain and true-peak limiting to the
/// target loudness, then dither.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MasteringChain {
    /// Format version ([`CHAIN_VERSION`] when written).
    pub version: u32,
    /// The preset it started from (informative).
    pub preset: String,
    /// Loudness target by name ([`Target::NAMES`]).
    pub target: String,
    /// Integrated loudness that replaces the target's, LUFS.
    #[cfg_attr(feature = "serde", serde(default))]
    pub target_lufs: Option<f64>,
    /// True-peak ceiling that replaces the target's, dBTP.
    #[cfg_attr(feature = "serde", serde(default))]
    pub ceiling_dbtp: Option<f64>,
    /// Processing before the loudness stage, in order.
    pub stages: Vec<Stage>,
    /// The limiter of the loudness stage (its ceiling is the target's and
    /// it runs in true-peak mode).
    pub limiter: Preset,
    /// Word-length reduction last, if any (a `dither` processor).
    #[cfg_attr(feature = "serde", serde(default))]
    pub dither: Option<Preset>,
    /// Strengths of reference matching.
    #[cfg_attr(feature = "serde", serde(default))]
    pub matching: Matching,
}

impl MasteringChain {
    /// The built-in presets.
    pub const PRESETS: [&'static str; 4] = ["streaming", "broadcast", "loud", "gentle"];

    /// A built-in preset:
    /// - `streaming`: 25 Hz high-pass, gentle 3-band glue, Spotify target
    ///   (-14 LUFS, -1 dBTP), 24-bit dither;
    /// - `broadcast`: 25 Hz high-pass, slow single-band glue, EBU R 128
    ///   (-23 LUFS, -1 dBTP), 24-bit dither;
    /// - `loud`: 30 Hz high-pass, firmer 3-band glue, slightly wider, -9
    ///   LUFS at -1 dBTP, 16-bit noise-shaped dither;
    /// - `gentle`: 20 Hz high-pass, light single-band glue, Apple Music
    ///   target (-16 LUFS, -1 dBTP), 24-bit dither.
    pub fn preset(name: &str) -> Result<Self, Error> {
        let key = name.trim().to_ascii_lowercase();
        let (target, lufs, hpf, glue, width, bits, shaping) = match key.as_str() {
            "streaming" => {
                ("spotify", None, 25.0, glue_multiband(1.6, -26.0, 1.0), 1.0, 24, Shaping::Tpdf)
            }
            "broadcast" => {
                ("ebu_r128", None, 25.0, single(1.5, -24.0, 30.0, 300.0), 1.0, 24, Shaping::Tpdf)
            }
            "loud" => (
                "spotify",
                Some(-9.0),
                30.0,
                glue_multiband(2.5, -28.0, 1.0),
                1.1,
                16,
                Shaping::Lipshitz,
            ),
            "gentle" => {
                ("apple", None, 20.0, single(1.3, -22.0, 30.0, 250.0), 1.0, 24, Shaping::Tpdf)
            }
            _ => return Err(Error::UnknownName { kind: "mastering preset" }),
        };
        let eq = Equalizer::new(&[BandParams::new(FilterKind::HighPass, hpf).with_order(2)])?;
        Ok(Self {
            version: CHAIN_VERSION,
            preset: key,
            target: target.to_string(),
            target_lufs: lufs,
            ceiling_dbtp: None,
            stages: vec![
                stage("corrective_eq", save(&eq)),
                stage("glue", glue?),
                stage("width", save(&StereoWidth::new(width, 0.0, 0.0)?)),
            ],
            limiter: save(&mastering_limiter()),
            dither: Some(save(&Dither::new(bits, shaping)?)),
            matching: Matching::default(),
        })
    }

    /// The chain of pure reference matching (preset `reference`): a width
    /// stage at 1 for the width match, true-peak limiting at -1 dBTP to the
    /// Spotify loudness (which loudness matching replaces) and 24-bit
    /// dither, with `matching`'s strengths; matching adds the tonal-balance
    /// stage.
    pub fn reference(matching: Matching) -> Result<Self, Error> {
        matching.validate()?;
        let mut c = Self::preset("streaming")?;
        c.preset = "reference".to_string();
        c.stages.retain(|s| s.name == "width");
        c.matching = matching;
        Ok(c)
    }

    /// The loudness target with this chain's overrides applied.
    pub fn resolved_target(&self) -> Result<Target, Error> {
        let base = Target::by_name(&self.target)?;
        if self.target_lufs.is_none() && self.ceiling_dbtp.is_none() {
            return Ok(base);
        }
        Target::custom(
            &base.name,
            self.target_lufs.unwrap_or(base.integrated_lufs),
            base.tolerance_lu,
            self.ceiling_dbtp.unwrap_or(base.true_peak_dbtp),
            base.turns_up,
        )
    }

    /// The stage called `name`.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The stage called `name`, to change.
    pub fn stage_mut(&mut self, name: &str) -> Option<&mut Stage> {
        self.stages.iter_mut().find(|s| s.name == name)
    }

    /// Puts the stage called `name` on mid and side (`on`) or back on left
    /// and right: the stage's processor is wrapped in a `chain` between a
    /// mid/side encoding and decoding [`ChannelTool`] (exact round trip), so
    /// an EQ or compressor stage works on mid `(L+R)/2` and side `(L-R)/2`
    /// (give a compressor `link` 0 to treat them independently). Mid/side
    /// stages need stereo audio.
    pub fn set_mid_side(&mut self, name: &str, on: bool) -> Result<(), Error> {
        let stage = self.stage_mut(name).ok_or(Error::UnknownName { kind: "mastering stage" })?;
        if on == is_mid_side(&stage.processor) {
            return Ok(());
        }
        stage.processor = if on {
            let mut chain = save(&Chain::new());
            let tool = |mode| save(&ChannelTool::new(mode));
            chain.members = vec![
                tool(ChannelMode::MidSideEncode),
                stage.processor.clone(),
                tool(ChannelMode::MidSideDecode),
            ];
            chain
        } else {
            stage.processor.members[1].clone()
        };
        Ok(())
    }

    /// Whether the stage called `name` works on mid and side (`None` if
    /// there is no such stage).
    pub fn is_mid_side(&self, name: &str) -> Option<bool> {
        self.stage(name).map(|s| is_mid_side(&s.processor))
    }

    /// Checks that every part loads: the target resolves, each stage, the
    /// limiter and the dither are valid presets of their kinds, and the
    /// matching strengths are in range.
    pub fn validate(&self) -> Result<(), PresetError> {
        let err = |e: Error| PresetError::new(e.to_string());
        if self.version > CHAIN_VERSION {
            return Err(PresetError::new(alloc::format!(
                "mastering chain version {} is newer than this library's {CHAIN_VERSION}",
                self.version
            )));
        }
        self.resolved_target().map_err(err)?;
        self.matching.validate().map_err(err)?;
        for s in &self.stages {
            preset::load(&s.processor).map_err(|e| e.within(&s.name))?;
        }
        self.limiter()?;
        if let Some(d) = &self.dither {
            preset::load(d).map_err(|e| e.within("dither"))?;
        }
        Ok(())
    }

    /// The stages as one [`Chain`].
    pub fn build_stages(&self) -> Result<Chain, PresetError> {
        let mut chain = Chain::new();
        for s in &self.stages {
            chain.push(preset::load(&s.processor).map_err(|e| e.within(&s.name))?);
        }
        Ok(chain)
    }

    /// The limiter of the loudness stage.
    pub fn limiter(&self) -> Result<Limiter, PresetError> {
        if self.limiter.kind != crate::dynamics::LIMITER_KIND.name {
            return Err(PresetError::new(alloc::format!(
                "limiter: kind {:?} is not a limiter",
                self.limiter.kind
            )));
        }
        let mut l = Limiter::default();
        preset::restore(&mut l, &self.limiter).map_err(|e| e.within("limiter"))?;
        Ok(l)
    }
}

/// Whether `p` is a processor wrapped by [`MasteringChain::set_mid_side`].
fn is_mid_side(p: &Preset) -> bool {
    let mode = |m: &Preset| match m.params.get("mode") {
        Some(Value::Name(n)) => Some(n.clone()),
        _ => None,
    };
    p.kind == crate::chain::CHAIN_KIND.name
        && p.members.len() == 3
        && mode(&p.members[0]).as_deref() == Some(ChannelMode::MidSideEncode.name())
        && mode(&p.members[2]).as_deref() == Some(ChannelMode::MidSideDecode.name())
}

fn stage(name: &str, processor: Preset) -> Stage {
    Stage { name: name.to_string(), processor }
}

/// The limiter of the loudness stage in every preset (and of
/// [`normalize`](super::normalize) in the bindings): true peak at -1 dBTP,
/// 5 ms lookahead, 100 ms release with automatic (program-dependent)
/// release.
pub fn mastering_limiter() -> Limiter {
    let mut l = Limiter::new(-1.0, true, 5.0, 100.0).expect("valid limiter settings");
    l.set_auto_release(true);
    l
}

/// A single-band glue compressor (soft knee, linked).
fn single(ratio: f64, threshold_db: f64, attack_ms: f64, release_ms: f64) -> Result<Preset, Error> {
    let mut c = Compressor::default();
    c.set_ratio(ratio)?;
    c.set_threshold_db(threshold_db)?;
    c.set_attack_ms(attack_ms)?;
    c.set_release_ms(release_ms)?;
    c.set_knee_db(6.0)?;
    Ok(save(&c))
}

/// A 3-band glue compressor split at 120 Hz and 2.5 kHz; the low band is
/// slower, the high band faster (release times scaled by `release_scale`).
pub(crate) fn glue_multiband(
    ratio: f64,
    threshold_db: f64,
    release_scale: f64,
) -> Result<Preset, Error> {
    let mut m = MultibandCompressor::new(&[120.0, 2500.0])?;
    for (band, (attack, release)) in
        [(40.0, 300.0), (20.0, 200.0), (10.0, 120.0)].into_iter().enumerate()
    {
        let c = m.band_mut(band).ok_or(Error::UnknownName { kind: "band" })?;
        c.set_ratio(ratio)?;
        c.set_threshold_db(threshold_db)?;
        c.set_attack_ms(attack)?;
        c.set_release_ms(release * release_scale)?;
        c.set_knee_db(6.0)?;
    }
    Ok(save(&m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master::offline::render;
    use crate::test_util::rms;

    /// Mid level (dB) of the glue stage's output in the side bursts and
    /// between them, for a steady mid and a bursting side.
    fn mid_levels(mid_side: bool) -> (f64, f64) {
        let sr = 48_000.0;
        let n = 96_000;
        let tau = core::f64::consts::TAU;
        let mid: Vec<f32> =
            (0..n).map(|i| 0.1 * libm::sin(tau * 200.0 * i as f64 / sr) as f32).collect();
        let side: Vec<f32> = (0..n)
            .map(|i| {
                if (i / 12_000) % 2 == 1 {
                    0.6 * libm::sin(tau * 3000.0 * i as f64 / sr) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let l: Vec<f32> = mid.iter().zip(&side).map(|(m, s)| m + s).collect();
        let r: Vec<f32> = mid.iter().zip(&side).map(|(m, s)| m - s).collect();
        let mut c = MasteringChain::preset("gentle").unwrap();
        let mut comp = Compressor::default();
        comp.set_threshold_db(-30.0).unwrap();
        comp.set_link(0.0).unwrap();
        comp.set_attack_ms(1.0).unwrap();
        c.stages = vec![stage("glue", save(&comp))];
        c.set_mid_side("glue", mid_side).unwrap();
        assert_eq!(c.is_mid_side("glue"), Some(mid_side));
        let y = render(
            &mut c.build_stages().unwrap(),
            &[l, r],
            sr,
            &mut crate::progress::Progress::none(),
        )
        .unwrap();
        let m: Vec<f32> = y[0].iter().zip(&y[1]).map(|(a, b)| 0.5 * (a + b)).collect();
        let db = |a: usize| 20.0 * libm::log10(rms(&m[a + 2000..a + 12_000]));
        (db(12_000), db(24_000))
    }

    #[test]
    fn a_mid_side_stage_compresses_mid_and_side_apart() {
        let (burst, quiet) = mid_levels(true);
        assert!(
            (burst - quiet).abs() < 0.5,
            "mid/side: mid {burst:.2} in bursts, {quiet:.2} between"
        );
        let (burst, quiet) = mid_levels(false);
        assert!(quiet - burst > 3.0, "left/right: mid {burst:.2} in bursts, {quiet:.2} between");
    }

    #[test]
    fn mid_side_round_trips_and_reverts() {
        let mut c = MasteringChain::preset("streaming").unwrap();
        let plain = c.clone();
        c.set_mid_side("glue", true).unwrap();
        assert_ne!(c, plain);
        c.validate().unwrap();
        c.set_mid_side("glue", false).unwrap();
        assert_eq!(c, plain);
        assert!(matches!(c.set_mid_side("nothing", true), Err(Error::UnknownName { .. })));
    }
}
