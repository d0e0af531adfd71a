//! The mastering assistant: from a mix alone (no reference track) it sets
//! up a [`MasteringChain`] for a loudness target and a tonal character,
//! and says why it did each thing, with the measurement behind it.
//!
//! # What it decides, from what
//! * **Tonal balance** ([`TonalBalance`] against the character's
//!   [`TonalTarget`]): every 1/3-octave band outside the target band is
//!   brought back inside it, to within `1 - 0.8 * intensity` of its
//!   tolerance, by a linear-phase EQ (on mid and side, the side taking
//!   the cuts but not the boosts); bands inside are left alone, and
//!   bands without content are never boosted. A dull top (the bands above
//!   8 kHz well below the band) gets an exciter; a harsh presence region
//!   (2 to 8 kHz above the band) a dynamic EQ band that cuts only when the
//!   band gets louder than usual.
//! * **Dynamics**: glue compression only for a mix with a peak-to-loudness
//!   ratio above [`GLUE_FROM_PLR_DB`], firmer with more PLR and with
//!   `intensity`, slower for a wide loudness range; a soft clipper takes
//!   part of the peak reduction when reaching the target would need more
//!   than [`CLIP_FROM_DB`] of limiting. The loudness stage (gain and a
//!   true-peak limiter at the target's ceiling) does the rest; it keeps a
//!   PLR of at least 8 dB at the streaming targets whenever the mix had
//!   more.
//! * **Stereo** (stereo mixes): the low end is made mono when the side
//!   below 120 Hz is strong, the top widened for a narrow mix, and a very
//!   wide (poorly correlated) mix narrowed.
//! * **Check**: a preview of the master (stages, then the loudness
//!   stage's gain and limiter) of the mix's loudest minute is measured against the target and the EQ
//!   corrects what the other stages and the limiter moved.
//!
//! The same mix and settings always give the same chain.

use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use super::chain::{MasteringChain, Stage, WORKING_LUFS, glue_multiband};
use super::linear_eq::LinearPhaseEq;
use super::mastering::{Audio, MasterReport, master_with, preview, working_gain};
use super::offline::check_track;
use super::profile::Profile;
use super::tonal::{TonalBalance, TonalTarget};
use crate::analysis::Target;
use crate::analysis::kweight::k_weighting;
use crate::error::{Error, check_range};
use crate::preset::{self, save};
use crate::preset_format::{PRESET_VERSION, Preset, Value};
use crate::progress::Progress;

/// A mix with a peak-to-loudness ratio above this (dB) gets glue
/// compression; fully at 6 dB more.
pub const GLUE_FROM_PLR_DB: f64 = 12.0;
/// Limiting (dB) beyond which a soft clipper takes a share of the peaks.
pub const CLIP_FROM_DB: f64 = 3.0;
/// Length of the excerpt (the loudest part) the preview masters, s.
const PREVIEW_SECONDS: f64 = 60.0;
/// Largest EQ boost, dB.
const MAX_BOOST_DB: f64 = 9.0;
/// Largest EQ cut, dB.
const MAX_CUT_DB: f64 = 12.0;
/// A band less than this far outside its target band (dB) is left alone.
const MIN_OUTSIDE_DB: f64 = 0.1;
/// Side-to-mid energy below 120 Hz (dB) above which the low end is made
/// mono.
const LOW_SIDE_DB: f64 = -12.0;
/// The width correction acts when the preview's K-weighted side-to-mid
/// ratio exceeds the mix's by more than this (dB), and aims this far
/// under it.
const MONO_MARGIN_DB: f64 = 0.1;
/// The narrowest the mono-compatibility correction makes a mix (side
/// gain).
const MIN_SIDE_GAIN: f64 = 0.3;
/// A mix with less side than this relative to mid (dB) is narrow.
const NARROW_DB: f64 = -18.0;
/// A mix with more side than this relative to mid (dB) is too wide
/// (correlation below about 0.33).
const WIDE_DB: f64 = -3.0;
/// Names of the stages the assistant sets.
pub const ASSIST_STAGES: [&str; 6] =
    ["tonal_balance", "harshness", "exciter", "glue", "stereo", "soft_clip"];

/// What to aim for: the loudness target, the tonal target and how hard to
/// work (0: only what is needed to reach the targets' edges, 1: all the
/// way to their centres, firmer dynamics).
#[derive(Debug, Clone, PartialEq)]
pub struct AssistOptions {
    /// Loudness target by name ([`Target::NAMES`]).
    pub target: String,
    /// The tonal target (a character, learned, or your own).
    pub tonal: TonalTarget,
    /// How hard to work, 0 to 1.
    pub intensity: f64,
}

impl AssistOptions {
    /// Options for a target and a built-in character
    /// ([`TonalTarget::CHARACTERS`]).
    pub fn new(target: &str, character: &str, intensity: f64) -> Result<Self, Error> {
        let o = Self {
            target: target.to_string(),
            tonal: TonalTarget::character(character)?,
            intensity,
        };
        o.validate()?;
        Ok(o)
    }

    /// Checks the target name, the tonal target and the intensity.
    pub fn validate(&self) -> Result<(), Error> {
        Target::by_name(&self.target)?;
        self.tonal.check()?;
        check_range("intensity", self.intensity, 0.0, 1.0, "must be from 0 to 1").map(|_| ())
    }
}

/// One decision: the stage it concerns, the measurement behind it and what
/// was done ("mix is 2.1 dB above the target band at 250 Hz" and "-1.5 dB
/// bell").
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Decision {
    /// The stage (one of [`ASSIST_STAGES`], or `loudness`).
    pub stage: String,
    /// What was measured.
    pub measurement: String,
    /// What was done about it (or "nothing").
    pub action: String,
}

impl core::fmt::Display for Decision {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}: {}", self.stage, self.measurement, self.action)
    }
}

/// The mix readings the decisions rest on.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MixReadings {
    /// Integrated loudness, LUFS.
    pub integrated_lufs: f64,
    /// True peak, dBTP.
    pub true_peak_dbtp: f64,
    /// Peak-to-loudness ratio, dB.
    pub plr_db: f64,
    /// Crest factor of the loud part, dB.
    pub crest_db: f64,
    /// Loudness range, LU.
    pub loudness_range_lu: f64,
    /// Side-to-mid energy, dB (`None`: mono).
    pub width_db: Option<f64>,
    /// Side-to-mid energy from 30 to 120 Hz, dB (`None`: mono).
    pub low_side_db: Option<f64>,
}

/// What the assistant found and did.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AssistReport {
    /// The loudness target.
    pub target: Target,
    /// The tonal target's name.
    pub character: String,
    /// The intensity it worked at.
    pub intensity: f64,
    /// The mix's readings.
    pub mix: MixReadings,
    /// The mix against the tonal target.
    pub tonal: TonalBalance,
    /// The previewed master against the tonal target (after the final EQ
    /// correction).
    pub preview: TonalBalance,
    /// Every decision, in chain order.
    pub decisions: Vec<Decision>,
}

/// Sets up a mastering chain for `input` (planar mono or stereo at
/// `sample_rate`, finite, with integrated loudness) from its analysis.
/// Returns the chain (editable, serializable) and the report explaining
/// each decision. Stops with [`Error::Cancelled`] when `progress` cancels.
pub fn assist<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    options: &AssistOptions,
    progress: &mut Progress,
) -> Result<(MasteringChain, AssistReport), Error> {
    check_track(input)?;
    if input.len() > 2 {
        return Err(Error::InvalidChannelCount { channels: input.len() });
    }
    options.validate()?;
    let target = Target::by_name(&options.target)?;
    let views: Vec<&[f32]> = input.iter().map(AsRef::as_ref).collect();
    let mix = progress.phase(0.0, 0.1, |_| Profile::analyze(&views, sample_rate))?;
    let tonal = TonalBalance::analyze(&mix, &options.tonal)?;
    let mut plan = Plan::new(&target, &mix, options.intensity)?;
    plan.tonal(&tonal)?;
    plan.harshness(&tonal)?;
    plan.glue()?;
    plan.stereo()?;
    plan.soft_clip()?;
    let gain = working_gain(mix.integrated_lufs);
    let (excerpt, lufs) = loudest_excerpt(&views, sample_rate, &mix, target.integrated_lufs)?;
    let limits = (lufs, target.true_peak_dbtp);
    let master = progress
        .phase(0.1, 1.0, |p| preview(&excerpt, sample_rate, &plan.chain(), gain, limits, p))?;
    let previewed = TonalBalance::analyze(&master, &options.tonal)?;
    let preview = plan.refine(&previewed, &master, &options.tonal)?;
    let chain = plan.chain();
    let decisions = plan.decisions;
    let report = AssistReport {
        target,
        character: options.tonal.name.clone(),
        intensity: options.intensity,
        mix: readings(&mix),
        tonal,
        preview,
        decisions,
    };
    Ok((chain, report))
}

/// [`assist`], then [`master_with`] the chain it set: the master, its
/// report (with [`MasterReport::assistant`] filled in).
pub fn master_assisted<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    options: &AssistOptions,
    progress: &mut Progress,
) -> Result<(Audio, MasterReport), Error> {
    let (chain, report) = progress.phase(0.0, 0.4, |p| assist(input, sample_rate, options, p))?;
    let (out, mut master) =
        progress.phase(0.4, 1.0, |p| master_with(input, sample_rate, &chain, None, p))?;
    master.assistant = Some(report);
    Ok((out, master))
}

/// The loudest [`PREVIEW_SECONDS`] of the mix (the whole mix if shorter),
/// and the loudness its preview aims at: the target moved by how much
/// louder the excerpt is than the whole mix, so that it gets the gain (and
/// the limiting) it gets in the master.
fn loudest_excerpt<'a>(
    views: &[&'a [f32]],
    sample_rate: f64,
    mix: &Profile,
    target_lufs: f64,
) -> Result<(Vec<&'a [f32]>, f64), Error> {
    let len = views[0].len();
    let want = (PREVIEW_SECONDS * sample_rate) as usize;
    if len <= want {
        return Ok((views.to_vec(), target_lufs));
    }
    // Energy per second, then the window of seconds with the most.
    let second = sample_rate as usize;
    let energy: Vec<f64> = (0..len.div_ceil(second))
        .map(|i| {
            let r = i * second..((i + 1) * second).min(len);
            views.iter().map(|c| c[r.clone()].iter().map(|&v| f64::from(v * v)).sum::<f64>()).sum()
        })
        .collect();
    let span = want / second;
    let sums: Vec<f64> = energy.windows(span).map(|w| w.iter().sum()).collect();
    let best = (0..sums.len()).fold(0, |b, i| if sums[i] > sums[b] { i } else { b });
    let start = (best * second).min(len - want);
    let excerpt: Vec<&[f32]> = views.iter().map(|c| &c[start..start + want]).collect();
    let mut meter = crate::analysis::LoudnessMeter::new(sample_rate, views.len())?;
    meter.add_planar(&excerpt)?;
    let louder = meter.integrated_lufs() - mix.integrated_lufs;
    Ok((excerpt, target_lufs + if louder.is_finite() { louder } else { 0.0 }))
}

fn readings(p: &Profile) -> MixReadings {
    MixReadings {
        integrated_lufs: p.integrated_lufs,
        true_peak_dbtp: p.true_peak_dbtp,
        plr_db: p.plr_db,
        crest_db: p.crest_db,
        loudness_range_lu: p.loudness_range_lu,
        width_db: p.width_db.is_finite().then_some(p.width_db),
        low_side_db: low_side_db(p),
    }
}

/// Side-to-mid energy from 30 to 120 Hz, dB (`None`: mono or no side).
fn low_side_db(p: &Profile) -> Option<f64> {
    side_to_mid_db(p, |f| (30.0..=120.0).contains(&f).then_some(0.0))
}

/// Side-to-mid energy through the K-weighting of loudness, dB (`None`:
/// mono or no side): what sets how much loudness a mono fold-down loses.
fn weighted_width_db(p: &Profile) -> Option<f64> {
    let k = k_weighting(p.sample_rate);
    side_to_mid_db(p, |f| Some(k.iter().map(|c| c.magnitude_db(f, p.sample_rate)).sum()))
}

/// Side-to-mid energy of a profile's spectra, each grid point weighted by
/// `weight(hz)` dB or left out (`None`); `None` for mono or no side.
fn side_to_mid_db(p: &Profile, weight: impl Fn(f64) -> Option<f64>) -> Option<f64> {
    if !p.width_db.is_finite() {
        return None;
    }
    let (mut mid, mut side) = (0.0, 0.0);
    for ((f, m), s) in p.frequencies().iter().zip(&p.mid_db).zip(&p.side_db) {
        if let Some(w) = weight(*f) {
            mid += libm::exp10((m + w) / 10.0);
            side += libm::exp10((s + w) / 10.0);
        }
    }
    (mid > 0.0 && side > 0.0).then(|| 10.0 * libm::log10(side / mid))
}

/// A band centre for sentences, by its nominal ISO name: "80 Hz",
/// "3.15 kHz".
fn hz_text(hz: f64) -> String {
    const NOMINAL: [f64; 10] = [1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0];
    let decade = libm::pow(10.0, libm::floor(libm::log10(hz)));
    let m = hz / decade;
    let near = NOMINAL
        .iter()
        .chain(&[10.0])
        .copied()
        .min_by(|a, b| libm::fabs(libm::log(m / a)).total_cmp(&libm::fabs(libm::log(m / b))))
        .unwrap_or(m);
    let v = near * decade;
    let round = |x: f64| libm::round(x * 100.0) / 100.0;
    if v >= 1000.0 { format!("{} kHz", round(v / 1000.0)) } else { format!("{} Hz", round(v)) }
}

/// Least share of the peaks (dB) worth a soft clipper.
const MIN_CLIP_DB: f64 = 0.3;

/// A soft clipper (1.5 dB knee) that takes `share_db` off peaks reaching
/// `peak_db` (dBFS, at the level it works at), and its ceiling; `None`
/// when the share is too small to be worth it or the ceiling is out of the
/// clipper's range.
pub(crate) fn soft_clipper(peak_db: f64, share_db: f64) -> Result<Option<(Preset, f64)>, Error> {
    let ceiling = peak_db - share_db;
    if share_db < MIN_CLIP_DB || !(-24.0..=0.0).contains(&ceiling) {
        return Ok(None);
    }
    let p = preset_of(
        "soft_clipper",
        &[("ceiling_db", num(ceiling)), ("knee_db", num(1.5))],
        Vec::new(),
    )?;
    Ok(Some((p, ceiling)))
}

/// A registered processor's preset from parameter values, checked by
/// loading it, with every parameter written out.
fn preset_of(kind: &str, params: &[(&str, Value)], members: Vec<Preset>) -> Result<Preset, Error> {
    let p = Preset {
        version: PRESET_VERSION,
        kind: kind.to_string(),
        params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        bypass: false,
        members,
        tables: Default::default(),
    };
    let loaded = preset::load(&p).map_err(|_| Error::InvalidParameter {
        name: "assistant stage",
        reason: "did not load (a processor kind is missing from the registry)",
    })?;
    Ok(save(&*loaded))
}

fn num(v: f64) -> Value {
    Value::Number(v)
}

/// The chain being set up and the sentences on it.
struct Plan<'a> {
    base: MasteringChain,
    stages: Vec<Stage>,
    /// The EQ curve per band of the tonal balance, dB.
    eq: Vec<(f64, f64)>,
    target: &'a Target,
    mix: &'a Profile,
    intensity: f64,
    decisions: Vec<Decision>,
}

impl<'a> Plan<'a> {
    fn new(target: &'a Target, mix: &'a Profile, intensity: f64) -> Result<Self, Error> {
        let mut base = MasteringChain::preset("streaming")?;
        base.preset = "assistant".to_string();
        base.target = target.name.clone();
        base.stages.clear();
        Ok(Self {
            base,
            stages: Vec::new(),
            eq: Vec::new(),
            target,
            mix,
            intensity,
            decisions: Vec::new(),
        })
    }

    fn decide(&mut self, stage: &str, measurement: String, action: String) {
        self.decisions.push(Decision { stage: stage.to_string(), measurement, action });
    }

    fn add(&mut self, name: &str, processor: Preset) {
        self.stages.push(Stage { name: name.to_string(), processor });
    }

    /// The chain: the stages in [`ASSIST_STAGES`] order, the EQ first.
    fn chain(&self) -> MasteringChain {
        let mut c = self.base.clone();
        c.stages = self.stages.clone();
        c.stages.sort_by_key(|s| ASSIST_STAGES.iter().position(|n| *n == s.name));
        c
    }

    /// Puts the EQ curve in the chain as the `tonal_balance` stage (none
    /// when it is flat). On a stereo mix it works on mid and side: the
    /// side takes the cuts but not the boosts, so that raising a band
    /// never makes the mix less mono-compatible.
    fn set_eq(&mut self) -> Result<(), Error> {
        self.stages.retain(|s| s.name != "tonal_balance");
        if self.eq.iter().any(|(_, g)| *g != 0.0) {
            let mut eq = LinearPhaseEq::new(&self.eq)?;
            if self.mix.is_stereo() {
                let side: Vec<(f64, f64)> = self.eq.iter().map(|&(f, g)| (f, g.min(0.0))).collect();
                eq.set_side_curve(&side)?;
                eq.set_mid_side(true);
            }
            self.add("tonal_balance", save(&eq));
        }
        Ok(())
    }

    /// The fraction of a band's tolerance that a correction lands at.
    fn keep(&self) -> f64 {
        1.0 - 0.8 * self.intensity
    }

    /// The EQ change that brings band `k` of `tb` inside its band, dB (0
    /// inside, never a boost without content).
    fn correction(&self, tb: &TonalBalance, k: usize) -> f64 {
        if tb.outside_db(k).abs() < MIN_OUTSIDE_DB {
            return 0.0;
        }
        let dev = tb.deviation_db(k);
        let lim = self.keep() * (tb.high_db[k] - tb.target_db[k]);
        -(dev - dev.clamp(-lim, lim))
    }

    /// The tonal-balance EQ (and the exciter for a dull top).
    fn tonal(&mut self, tb: &TonalBalance) -> Result<(), Error> {
        let gains: Vec<f64> = (0..tb.frequencies_hz.len())
            .map(|k| self.correction(tb, k).clamp(-MAX_CUT_DB, MAX_BOOST_DB))
            .collect();
        self.eq = tb.frequencies_hz.iter().copied().zip(gains.iter().copied()).collect();
        self.set_eq()?;
        let name = &tb.target;
        let inside = 100.0 * tb.inside_fraction();
        if gains.iter().all(|g| *g == 0.0) {
            self.decide(
                "tonal_balance",
                format!("{inside:.0} % of the bands are inside the {name} band"),
                "no EQ".to_string(),
            );
        } else {
            // One sentence per run of same-signed corrections, at its
            // largest departure.
            let mut k = 0;
            while k < gains.len() {
                if gains[k] == 0.0 {
                    k += 1;
                    continue;
                }
                let start = k;
                while k < gains.len()
                    && gains[k] != 0.0
                    && gains[k].signum() == gains[start].signum()
                {
                    k += 1;
                }
                let worst = (start..k)
                    .max_by(|&a, &b| tb.outside_db(a).abs().total_cmp(&tb.outside_db(b).abs()))
                    .unwrap_or(start);
                let off = tb.outside_db(worst);
                let shape = if start == 0 {
                    "low shelf"
                } else if k == gains.len() {
                    "high shelf"
                } else {
                    "bell"
                };
                let span = if k - start > 1 {
                    format!(
                        ", {} to {}",
                        hz_text(tb.frequencies_hz[start]),
                        hz_text(tb.frequencies_hz[k - 1])
                    )
                } else {
                    String::new()
                };
                self.decide(
                    "tonal_balance",
                    format!(
                        "mix is {:.1} dB {} the {name} band at {}",
                        off.abs(),
                        if off > 0.0 { "above" } else { "below" },
                        hz_text(tb.frequencies_hz[worst])
                    ),
                    format!("{:+.1} dB {shape}{span} (linear-phase EQ)", gains[worst]),
                );
            }
        }
        self.exciter(tb)
    }

    /// An exciter when the top octave is well below the band: it adds the
    /// harmonics an EQ cannot raise from nothing.
    fn exciter(&mut self, tb: &TonalBalance) -> Result<(), Error> {
        let top: Vec<f64> = (0..tb.frequencies_hz.len())
            .filter(|&k| tb.frequencies_hz[k] >= 8_000.0 && tb.frequencies_hz[k] <= 16_500.0)
            .map(|k| if tb.mix_db[k].is_nan() { -12.0 } else { tb.outside_db(k) })
            .collect();
        if top.is_empty() || self.intensity == 0.0 {
            return Ok(());
        }
        let deficit = -top.iter().sum::<f64>() / top.len() as f64;
        if deficit < 3.0 {
            return Ok(());
        }
        let mix = (0.1 + 0.2 * self.intensity).min(0.3);
        let p = preset_of(
            "exciter",
            &[
                ("freq_hz", num(5000.0)),
                ("drive_db", num(6.0 + 6.0 * self.intensity)),
                ("mix", num(mix)),
            ],
            Vec::new(),
        )?;
        self.add("exciter", p);
        self.decide(
            "exciter",
            format!("the top octave is {deficit:.1} dB below the {} band (dull)", tb.target),
            format!("harmonics from 5 kHz up, {:.0} % mix", 100.0 * mix),
        );
        Ok(())
    }

    /// A dynamic EQ band on the harshest presence band above the target
    /// band: it cuts only when that band rises above its usual level.
    fn harshness(&mut self, tb: &TonalBalance) -> Result<(), Error> {
        let worst = (0..tb.frequencies_hz.len())
            .filter(|&k| {
                (2_000.0..=8_000.0).contains(&tb.frequencies_hz[k]) && tb.outside_db(k) > 0.0
            })
            .max_by(|&a, &b| tb.outside_db(a).total_cmp(&tb.outside_db(b)));
        let (Some(k), true) = (worst, self.intensity > 0.0) else { return Ok(()) };
        let hz = tb.frequencies_hz[k];
        // The band's usual level at the working loudness, after the EQ:
        // the loud part's level, the band's per-octave level relative to
        // it, about 0.7 octave of bandwidth (-1.5 dB) and one channel of
        // a stereo sum (-2.3 dB).
        let loud = WORKING_LUFS + self.mix.loud_part_lufs - self.mix.integrated_lufs;
        let usual = loud + tb.mix_db[k] + tb.offset_db - 3.8 + self.eq[k].1;
        let threshold = (usual + 3.0).clamp(-60.0, 0.0);
        let range = -(2.0 + 2.0 * self.intensity);
        let band = preset_of(
            "dynamic_band",
            &[
                ("shape", Value::Name("bell".to_string())),
                ("freq_hz", num(hz)),
                ("q", num(2.0)),
                ("threshold_db", num(threshold)),
                ("ratio", num(3.0)),
                ("range_db", num(range)),
                ("attack_ms", num(5.0)),
                ("release_ms", num(80.0)),
            ],
            Vec::new(),
        )?;
        let p = preset_of("dynamic_eq", &[], vec![band])?;
        self.add("harshness", p);
        self.decide(
            "harshness",
            format!("mix is {:.1} dB above the {} band at {}", tb.outside_db(k), tb.target, hz_text(hz)),
            format!(
                "dynamic bell at {}: up to {range:.1} dB when the band rises 3 dB above its usual level",
                hz_text(hz)
            ),
        );
        Ok(())
    }

    /// Glue compression from the PLR, crest factor and loudness range.
    fn glue(&mut self) -> Result<(), Error> {
        let m = self.mix;
        let amount = self.intensity * ((m.plr_db - GLUE_FROM_PLR_DB) / 6.0).clamp(0.0, 1.0);
        let seen = format!(
            "PLR {:.1} dB, crest factor {:.1} dB, loudness range {:.1} LU",
            m.plr_db, m.crest_db, m.loudness_range_lu
        );
        if amount < 0.05 {
            self.decide("glue", seen, "no glue compression (dense enough)".to_string());
            return Ok(());
        }
        let ratio = 1.0 + 1.5 * amount;
        let threshold = -24.0 - 4.0 * amount;
        let slow = m.loudness_range_lu > 10.0;
        self.add("glue", glue_multiband(ratio, threshold, if slow { 1.5 } else { 1.0 })?);
        self.decide(
            "glue",
            seen,
            format!(
                "3-band glue {ratio:.1}:1 from {threshold:.0} dB at the working level{}",
                if slow { ", slower release for the wide loudness range" } else { "" }
            ),
        );
        Ok(())
    }

    /// Width per band and mono low end.
    fn stereo(&mut self) -> Result<(), Error> {
        let m = self.mix;
        let (Some(low), true) = (low_side_db(m), m.width_db.is_finite()) else { return Ok(()) };
        let mut params = Vec::new();
        let mut did = Vec::new();
        let mut seen = vec![format!(
            "side {:.1} dB under mid overall and {:.1} dB under it below 120 Hz",
            -m.width_db, -low
        )];
        if low > LOW_SIDE_DB {
            let hz = 100.0 + 50.0 * self.intensity;
            params.push(("mono_below_hz", num(hz)));
            did.push(format!("mono below {}", hz_text(hz)));
        }
        if m.width_db < NARROW_DB && self.intensity > 0.0 {
            let w = 1.0 + 0.3 * self.intensity;
            params.push(("width_high", num(w)));
            did.push(format!("top widened x{w:.2}"));
            seen.push("narrow".to_string());
        } else if m.width_db > WIDE_DB {
            let w = 1.0 - 0.25 * self.intensity.max(0.2);
            params.push(("width_mid", num(w)));
            params.push(("width_high", num(w)));
            did.push(format!("mids and top narrowed x{w:.2} for mono compatibility"));
            seen.push("very wide".to_string());
        }
        if params.is_empty() {
            self.decide("stereo", seen.join(", "), "width left alone".to_string());
            return Ok(());
        }
        let p = preset_of("multiband_imager", &params, Vec::new())?;
        self.add("stereo", p);
        self.decide("stereo", seen.join(", "), did.join(", "));
        Ok(())
    }

    /// A soft clipper for the part of the peak reduction above
    /// [`CLIP_FROM_DB`].
    fn soft_clip(&mut self) -> Result<(), Error> {
        let m = self.mix;
        let t = self.target;
        let needed = m.true_peak_dbtp + (t.integrated_lufs - m.integrated_lufs) - t.true_peak_dbtp;
        let share = ((needed - CLIP_FROM_DB) * 0.5 * self.intensity).clamp(0.0, 3.0);
        let seen = if needed > 0.0 {
            format!(
                "reaching {:.1} LUFS under {:.1} dBTP needs about {needed:.1} dB of peak reduction",
                t.integrated_lufs, t.true_peak_dbtp
            )
        } else {
            format!(
                "the mix reaches {:.1} LUFS under {:.1} dBTP without peak reduction",
                t.integrated_lufs, t.true_peak_dbtp
            )
        };
        let peak = m.true_peak_dbtp + working_gain(m.integrated_lufs);
        let Some((p, ceiling)) = soft_clipper(peak, share)? else {
            self.decide("soft_clip", seen, "the limiter does it alone".to_string());
            return Ok(());
        };
        self.add("soft_clip", p);
        self.decide(
            "soft_clip",
            seen,
            format!("soft clipper takes {share:.1} dB of it first (ceiling {ceiling:.1} dBFS at the working level), the limiter the rest"),
        );
        Ok(())
    }

    /// Narrows the stereo stage when the previewed master has more side
    /// relative to mid than the mix (taking out mono content such as boomy
    /// bass widens a mix), so that its mono fold-down loses no more
    /// loudness than the mix's.
    fn keep_mono_compatibility(&mut self, master: &Profile) -> Result<(), Error> {
        let (Some(mix), Some(now)) = (weighted_width_db(self.mix), weighted_width_db(master))
        else {
            return Ok(());
        };
        if now <= mix + MONO_MARGIN_DB {
            return Ok(());
        }
        let g = libm::exp10((mix - MONO_MARGIN_DB - now) / 20.0).max(MIN_SIDE_GAIN);
        let widths = ["width_low", "width_mid", "width_high"];
        let stage = match self.stages.iter_mut().find(|s| s.name == "stereo") {
            Some(stage) => stage,
            None => {
                let p = preset_of("multiband_imager", &[], Vec::new())?;
                self.add("stereo", p);
                self.stages.last_mut().ok_or(Error::EmptyInput)?
            }
        };
        for w in widths {
            if let Some(Value::Number(v)) = stage.processor.params.get_mut(w) {
                *v = (*v * g).clamp(0.0, 2.0);
            }
        }
        preset::load(&stage.processor).map_err(|_| Error::InvalidParameter {
            name: "assistant stage",
            reason: "stereo widths out of range",
        })?;
        self.decide(
            "stereo",
            format!(
                "the previewed master has {:.1} dB more side relative to mid than the mix (K-weighted)",
                now - mix
            ),
            format!(
                "side x{g:.2} in every band, so the mono fold-down loses no more than the mix's"
            ),
        );
        Ok(())
    }

    /// Corrects the EQ for what the other stages and the limiter did to the
    /// previewed master; returns the preview's balance with the correction
    /// applied as predicted.
    fn refine(
        &mut self,
        previewed: &TonalBalance,
        master: &Profile,
        target: &TonalTarget,
    ) -> Result<TonalBalance, Error> {
        let n = previewed.frequencies_hz.len().min(self.eq.len());
        let mut moved = 0.0f64;
        let mut bands = 0;
        for k in 0..n {
            let c = self.correction(previewed, k);
            if c != 0.0 {
                let g = (self.eq[k].1 + c).clamp(-MAX_CUT_DB, MAX_BOOST_DB);
                moved = moved.max((g - self.eq[k].1).abs());
                self.eq[k].1 = g;
                bands += 1;
            }
        }
        if bands > 0 {
            let action = if moved >= 0.05 {
                format!("EQ corrected by up to {moved:.1} dB")
            } else {
                format!(
                    "the EQ is at its limits there ({MAX_BOOST_DB:+.0} / {:+.0} dB)",
                    -MAX_CUT_DB
                )
            };
            self.decide(
                "tonal_balance",
                format!(
                    "the previewed master has {bands} band{} outside the {} band",
                    if bands == 1 { "" } else { "s" },
                    target.name
                ),
                action,
            );
        }
        self.set_eq()?;
        self.keep_mono_compatibility(master)?;
        // The predicted balance: the preview shifted by this correction.
        let mut predicted = TonalBalance::analyze(master, target)?;
        for k in 0..n {
            predicted.mix_db[k] += self.correction(previewed, k);
        }
        Ok(predicted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::song;

    const SR: f64 = 48_000.0;

    /// The test song with a balance problem: `boomy` (the lows below about
    /// 150 Hz raised about 9 dB), `dull` (12 dB per octave off above
    /// 1.5 kHz) or `mastered` (as given).
    fn mix(balance: &str, seconds: f64) -> Audio {
        let mut x = song(SR, seconds, 7);
        for c in &mut x {
            let (mut a, mut b) = (0.0f32, 0.0f32);
            match balance {
                "boomy" => {
                    for v in c.iter_mut() {
                        a += 0.02 * (*v - a);
                        *v += 1.8 * a;
                    }
                }
                "dull" => {
                    for v in c.iter_mut() {
                        a += 0.18 * (*v - a);
                        b += 0.18 * (a - b);
                        *v = b;
                    }
                }
                _ => {}
            }
        }
        x
    }

    fn options() -> AssistOptions {
        AssistOptions::new("spotify", "balanced", 0.5).unwrap()
    }

    fn balance(x: &Audio) -> TonalBalance {
        let views: Vec<&[f32]> = x.iter().map(Vec::as_slice).collect();
        let p = Profile::analyze(&views, SR).unwrap();
        TonalBalance::analyze(&p, &TonalTarget::character("balanced").unwrap()).unwrap()
    }

    #[test]
    fn a_boomy_mix_is_cut_in_the_lows_into_the_band_and_says_why() {
        let x = mix("boomy", 20.0);
        let before = balance(&x);
        assert!(before.inside_fraction() < 0.8, "{}", before.inside_fraction());
        let (out, report) = master_assisted(&x, SR, &options(), &mut Progress::none()).unwrap();
        let a = report.assistant.as_ref().unwrap();
        let cut = a
            .decisions
            .iter()
            .find(|d| d.stage == "tonal_balance" && d.measurement.contains("above"))
            .unwrap_or_else(|| panic!("{:#?}", a.decisions));
        assert!(cut.action.starts_with('-'), "{cut}");
        let after = balance(&out);
        assert!(after.inside_fraction() >= 0.8, "inside {:.2}", after.inside_fraction());
        for k in 0..before.mix_db.len() {
            if before.outside_db(k) != 0.0 && before.frequencies_hz[k] <= 16_500.0 {
                assert!(
                    after.deviation_db(k).abs() < before.deviation_db(k).abs(),
                    "{} Hz: mix {:+.2}, master {:+.2}",
                    before.frequencies_hz[k],
                    before.deviation_db(k),
                    after.deviation_db(k)
                );
            }
        }
        assert!((report.after.integrated_lufs + 14.0).abs() < 0.5);
        assert!(report.after.true_peak_dbtp <= -1.0 + 1e-6);
        assert!(report.after.plr_db >= 8.0);
    }

    #[test]
    fn an_on_target_master_is_left_within_half_a_db_per_band() {
        let (master, _) =
            master_assisted(&mix("mastered", 20.0), SR, &options(), &mut Progress::none()).unwrap();
        let (again, report) =
            master_assisted(&master, SR, &options(), &mut Progress::none()).unwrap();
        let (a, b) = (balance(&master), balance(&again));
        for k in 0..a.mix_db.len() {
            if a.frequencies_hz[k] >= 40.0 && a.frequencies_hz[k] <= 16_500.0 {
                let change = (b.mix_db[k] + b.offset_db) - (a.mix_db[k] + a.offset_db);
                assert!(
                    change.abs() < 0.5,
                    "{} Hz moved {change:+.2} dB: {:#?}",
                    a.frequencies_hz[k],
                    report.assistant.unwrap().decisions
                );
            }
        }
        assert!((report.after.integrated_lufs - report.before.integrated_lufs).abs() < 0.5);
    }

    #[test]
    fn band_centres_read_by_their_nominal_names() {
        let names: Vec<String> = [31.62, 79.43, 1000.0, 3162.3, 15_849.0].map(hz_text).into();
        assert_eq!(names, ["31.5 Hz", "80 Hz", "1 kHz", "3.15 kHz", "16 kHz"]);
    }

    #[test]
    fn the_same_mix_gives_the_same_chain_and_bad_settings_are_refused() {
        let x = mix("dull", 8.0);
        let (a, ra) = assist(&x, SR, &options(), &mut Progress::none()).unwrap();
        let (b, rb) = assist(&x, SR, &options(), &mut Progress::none()).unwrap();
        assert_eq!(a, b);
        assert_eq!(ra.decisions, rb.decisions);
        a.validate().unwrap();
        assert!(
            ra.decisions
                .iter()
                .any(|d| d.stage == "tonal_balance" && d.measurement.contains("below"))
        );
        assert!(AssistOptions::new("spotify", "balanced", 1.5).is_err());
        assert!(AssistOptions::new("nowhere", "balanced", 0.5).is_err());
        assert!(AssistOptions::new("spotify", "dark", 0.5).is_err());
        let silent = vec![vec![0.0f32; 48_000]; 2];
        assert!(assist(&silent, SR, &options(), &mut Progress::none()).is_err());
        let three = vec![vec![0.1f32; 48_000]; 3];
        assert!(matches!(
            assist(&three, SR, &options(), &mut Progress::none()),
            Err(Error::InvalidChannelCount { channels: 3 })
        ));
    }
}
