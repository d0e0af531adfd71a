//! One call from mix to release-ready master: quality report of the mix,
//! gain to the working level, the chain's stages, loudness normalization
//! to the target (gain and true-peak limiting, verified), dither, and the
//! quality report of the master; and the same for an album, whose tracks
//! keep their relative loudness.

use std::string::String;
use std::vec::Vec;

use super::chain::{MasteringChain, Matching, Stage, WORKING_LUFS};
use super::matching::{TONAL_STAGE, match_chain, match_density, refine_tonal, refine_width};
use super::normalize::{
    Aim, Envelope, EnvelopeBuilder, Measured, NormalizeReport, Readings, normalize_measured,
    normalize_preview,
};
use super::offline::{BLOCK, check_track, render, run_tape};
use super::profile::Profile;
use super::tape::{MemTape, Sink, SliceTape, Tape, check_tape};
use crate::analysis::{QaMeter, QaReport, Target};
use crate::dynamics::Limiter;
use crate::error::Error;
use crate::math::db_to_gain;
use crate::params::DynProcessor;
use crate::preset;
use crate::progress::Progress;
use crate::spec::ProcessSpec;

/// Planar audio: one vector per channel.
pub type Audio = Vec<Vec<f32>>;

/// Largest gain, either way, that brings a mix to the working level, dB.
const MAX_INPUT_GAIN_DB: f64 = 40.0;
/// Largest miss of a preview's loudness, in LU, taken as the error of the
/// gain's prediction.
const MAX_PREDICTION_ERROR_LU: f64 = 0.5;

/// What one stage of the chain did.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StageReport {
    /// The stage's name in the chain.
    pub name: String,
    /// The processor kind.
    pub kind: String,
    /// Largest gain reduction over the track (sampled every 4096 samples,
    /// largest band), dB; `None` for stages that do not reduce gain.
    pub gain_reduction_max_db: Option<f64>,
    /// Mean of those samples, dB.
    pub gain_reduction_mean_db: Option<f64>,
    /// Latency the stage added (compensated in the output), samples.
    pub latency: usize,
    /// Whether the stage ran: a stage for stereo (width) does not on a
    /// mono track.
    pub active: bool,
}

/// What [`master`] did: the mix and master quality reports, the chain as
/// used, the target, and each step (serializable with the `serde`
/// feature: the report that the C API hands out as JSON).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MasterReport {
    /// Quality report of the mix.
    pub before: QaReport,
    /// Quality report of the master (measured as the loudness stage's last
    /// pass wrote it).
    pub after: QaReport,
    /// The chain as used (with any changes reference matching made).
    pub chain: MasteringChain,
    /// The loudness target as used.
    pub target: Target,
    /// Gain that brought the mix to [`WORKING_LUFS`], dB.
    pub input_gain_db: f64,
    /// Each stage, in order.
    pub stages: Vec<StageReport>,
    /// The loudness stage: gain, limiter and the verified readings.
    pub normalization: NormalizeReport,
    /// Sentences on what reference matching changed (empty without one).
    pub matching: Vec<String>,
    /// What the assistant found and did (with
    /// [`master_assisted`](super::master_assisted)).
    pub assistant: Option<super::AssistReport>,
}

/// Masters planar audio (mono or stereo, finite samples) with `chain` at
/// `sample_rate` and returns the master (same length, channels and rate,
/// aligned with the input) and the report.
pub fn master<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    chain: &MasteringChain,
) -> Result<(Audio, MasterReport), Error> {
    master_with(input, sample_rate, chain, None, &mut Progress::none())
}

/// [`master`] with the chain first matched to `reference` (see
/// [`match_chain`]: tonal balance, loudness, width and dynamics, each by
/// the chain's [`Matching`] strengths).
pub fn master_to_reference<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    chain: &MasteringChain,
    reference: &Profile,
) -> Result<(Audio, MasterReport), Error> {
    master_with(input, sample_rate, chain, Some(reference), &mut Progress::none())
}

/// Matches a mix to a reference (the profile of one or more reference
/// masters, see [`Profile::average`]) with nothing else: the
/// [`MasteringChain::reference`] chain (tonal balance, width, true-peak
/// limiting to the reference's loudness, 24-bit dither) at `matching`'s
/// strengths.
pub fn match_reference<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    reference: &Profile,
    matching: Matching,
    progress: &mut Progress,
) -> Result<(Audio, MasterReport), Error> {
    let chain = MasteringChain::reference(matching)?;
    master_with(input, sample_rate, &chain, Some(reference), progress)
}

/// [`master`] (or, with a `reference`, [`master_to_reference`]) reporting
/// to `progress`; stops with [`Error::Cancelled`] when it cancels.
pub fn master_with<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    chain: &MasteringChain,
    reference: Option<&Profile>,
    progress: &mut Progress,
) -> Result<(Audio, MasterReport), Error> {
    check_track(input)?;
    if input.len() > 2 {
        return Err(Error::InvalidChannelCount { channels: input.len() });
    }
    loadable(chain)?;
    let views: Vec<&[f32]> = input.iter().map(AsRef::as_ref).collect();
    let before = progress.phase(0.0, 0.08, |p| QaReport::measure_with(&views, sample_rate, p))?;
    let mix = reference.map(|_| Profile::analyze(&views, sample_rate)).transpose()?;
    let (mut chain, mut matching) = match (reference, &mix) {
        (Some(r), Some(mix)) => match_chain(chain, mix, r)?,
        _ => (chain.clone(), Vec::new()),
    };
    let input_gain_db = working_gain(before.integrated_lufs);
    let target = chain.resolved_target()?;
    let (lufs, ceiling) = (target.integrated_lufs, target.true_peak_dbtp);
    let mut aim = Aim::new(lufs, ceiling);
    // Progress: 8 % measures the mix, 32 % the preview if there is one, the
    // master (measured as it is written) the rest.
    let mut start = 0.08;
    if let (Some(mix), Some(r)) = (&mix, reference) {
        // Matched: a quick preview of the master shows whether the
        // loudness stage reaches the target (dynamics matching adds a soft
        // clipper if it needs one) and what the stages after the tonal
        // balance and the loudness stage do to it and to the width; the
        // chain makes up for that before the real run.
        let master = progress.phase(0.08, 0.4, |p| {
            let (mut processed, mut envelope) = p.phase(0.0, 0.7, |p| {
                preview_stages(input, sample_rate, &chain, input_gain_db, p)
            })?;
            if let Some(note) = match_density(&mut chain, &envelope, r)? {
                // The clipper is the last stage: run it on the preview.
                let stage = chain.stages.last().ok_or(Error::EmptyInput)?;
                let mut clip = load_stage(stage)?;
                processed =
                    p.phase(0.7, 0.8, |p| render(&mut *clip, &processed, sample_rate, p))?;
                envelope = Envelope::analyze(&processed, sample_rate)?;
                matching.push(note);
            }
            p.phase(0.8, 1.0, |p| {
                preview_limited(&processed, &envelope, &chain, (lufs, ceiling), p)
            })
        })?;
        // The preview ran the master's limiter at the predicted gain: its
        // miss is the prediction's error, which the master's gain makes up
        // for (a larger miss is the limiter's reach, not the prediction's).
        let overestimate = lufs - master.integrated_lufs;
        if overestimate.abs() <= MAX_PREDICTION_ERROR_LU {
            aim.overestimate_lu = overestimate;
        }
        if chain.stage(TONAL_STAGE).is_some() {
            matching.push(refine_tonal(&mut chain, mix, &master)?);
        }
        matching.extend(refine_width(&mut chain, mix, r, &master));
        start = 0.4;
    }
    let (out, stages, normalization, after) = progress.phase(start, 1.0, |p| {
        render_in_memory(input, sample_rate, &chain, input_gain_db, aim, p)
    })?;
    let report = MasterReport {
        before,
        after,
        chain,
        target,
        input_gain_db,
        stages,
        normalization,
        matching,
        assistant: None,
    };
    Ok((out, report))
}

/// [`master`] from a [`Tape`] into a [`Sink`], block by block: the mix is
/// read once for its quality report (a [`QaMeter`]), once through the
/// stages into the scratch track `processed` (the envelope built as it is
/// written), then the normalization passes run over `processed` into
/// `out`, dithered and measured as they are written (the last pass gives
/// the master's report). Memory follows the
/// block, not the track, as far as the tapes and sinks given keep it so.
/// Reference matching and the assistant need the whole track and are not
/// offered here. Progress: 8 % the report of the mix, the
/// rest the master.
pub fn master_tape<T, M, O>(
    input: &mut T,
    processed: &mut M,
    out: &mut O,
    sample_rate: f64,
    chain: &MasteringChain,
    progress: &mut Progress,
) -> Result<MasterReport, Error>
where
    T: Tape + ?Sized,
    M: Tape + Sink + ?Sized,
    O: Sink + ?Sized,
{
    check_tape(input)?;
    if input.channels() > 2 {
        return Err(Error::InvalidChannelCount { channels: input.channels() });
    }
    loadable(chain)?;
    let before = progress.phase(0.0, 0.08, |p| {
        let mut step = QaMeter::new(sample_rate, input.channels())?;
        run_tape(
            input,
            0,
            p,
            |_| {},
            |_, b| step.add(&b.iter().map(|c| &**c).collect::<Vec<_>>()),
        )?;
        step.report()
    })?;
    let input_gain_db = working_gain(before.integrated_lufs);
    let target = chain.resolved_target()?;
    let aim = Aim::new(target.integrated_lufs, target.true_peak_dbtp);
    let (stages, normalization, after) = progress.phase(0.08, 1.0, |p| {
        render_master(input, processed, out, (sample_rate, input_gain_db, aim), chain, p)
    })?;
    Ok(MasterReport {
        before,
        after,
        chain: chain.clone(),
        target,
        input_gain_db,
        stages,
        normalization,
        matching: Vec::new(),
        assistant: None,
    })
}

/// A quick preview of mastering `input` with `chain`: the profile of the
/// preview of the loudness stage's output (gain to `lufs` under `ceiling`
/// dBTP from the envelope, see [`normalize_preview`]). Progress: 75 % the
/// stages.
pub(crate) fn preview<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    chain: &MasteringChain,
    input_gain_db: f64,
    limits: (f64, f64),
    progress: &mut Progress,
) -> Result<Profile, Error> {
    let (processed, envelope) = progress
        .phase(0.0, 0.75, |p| preview_stages(input, sample_rate, chain, input_gain_db, p))?;
    progress.phase(0.75, 1.0, |p| preview_limited(&processed, &envelope, chain, limits, p))
}

/// The audio entering the loudness stage (`input` after `input_gain_db`
/// and the stages) and its envelope.
fn preview_stages<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    chain: &MasteringChain,
    input_gain_db: f64,
    progress: &mut Progress,
) -> Result<(Audio, Envelope), Error> {
    let mut processed = MemTape::with_capacity(input.len(), check_track(input)?);
    let (_, envelope) = run_stages(
        &mut SliceTape::new(input),
        sample_rate,
        chain,
        input_gain_db,
        progress,
        &mut processed,
    )?;
    Ok((processed.into_inner(), envelope))
}

/// The profile of the preview of the loudness stage's output for
/// `processed` (with its `envelope`): gain to `lufs` under `ceiling` dBTP
/// and the chain's limiter, see [`normalize_preview`].
fn preview_limited(
    processed: &[Vec<f32>],
    envelope: &Envelope,
    chain: &MasteringChain,
    (lufs, ceiling): (f64, f64),
    progress: &mut Progress,
) -> Result<Profile, Error> {
    let preview =
        normalize_preview(processed, envelope, lufs, ceiling, &limiter(chain)?, progress)?;
    Profile::analyze(&planar_views(&preview), envelope.sample_rate())
}

/// Slices of planar audio.
fn planar_views(audio: &[Vec<f32>]) -> Vec<&[f32]> {
    audio.iter().map(Vec::as_slice).collect()
}

/// [`render_master`] of planar audio in memory into new planar audio.
fn render_in_memory<S: AsRef<[f32]>>(
    input: &[S],
    sample_rate: f64,
    chain: &MasteringChain,
    input_gain_db: f64,
    aim: Aim,
    progress: &mut Progress,
) -> Result<(Audio, Vec<StageReport>, NormalizeReport, QaReport), Error> {
    let len = check_track(input)?;
    let mut processed = MemTape::with_capacity(input.len(), len);
    let mut out = MemTape::with_capacity(input.len(), len);
    let (stages, normalization, after) = render_master(
        &mut SliceTape::new(input),
        &mut processed,
        &mut out,
        (sample_rate, input_gain_db, aim),
        chain,
        progress,
    )?;
    Ok((out.into_inner(), stages, normalization, after))
}

/// The stages (after `input_gain_db`) from `input` into `processed`, then
/// normalization of that to `aim` (target LUFS, ceiling dBTP) with the
/// chain's limiter into `out`, dithered with the chain's dither as it is
/// written and measured as it is written (the last pass gives the
/// master's quality report). Progress: half the stages, half the
/// normalization.
fn render_master<T, M, O>(
    input: &mut T,
    processed: &mut M,
    out: &mut O,
    (sample_rate, input_gain_db, aim): (f64, f64, Aim),
    chain: &MasteringChain,
    progress: &mut Progress,
) -> Result<(Vec<StageReport>, NormalizeReport, QaReport), Error>
where
    T: Tape + ?Sized,
    M: Tape + Sink + ?Sized,
    O: Sink + ?Sized,
{
    let (stages, envelope) = progress
        .phase(0.0, 0.5, |p| run_stages(input, sample_rate, chain, input_gain_db, p, processed))?;
    let limiter = limiter(chain)?;
    let meter = QaMeter::new(sample_rate, input.channels())?;
    let mut measured = Measured { inner: out, meter };
    let mut out = DitherSink::new(chain, &mut measured, sample_rate, input.channels())?;
    let normalization = progress.phase(0.5, 1.0, |p| {
        normalize_measured(processed, &mut out, &envelope, aim, &limiter, p)
    })?;
    drop(out);
    Ok((stages, normalization, measured.meter.finish()?))
}

/// Refuses a chain whose stages do not load.
fn loadable(chain: &MasteringChain) -> Result<(), Error> {
    chain.validate().map_err(|_| Error::InvalidParameter {
        name: "chain",
        reason: "does not load: check it with MasteringChain::validate",
    })
}

/// The processor of a chain's stage.
fn load_stage(stage: &Stage) -> Result<Box<dyn DynProcessor>, Error> {
    preset::load(&stage.processor)
        .map_err(|_| Error::InvalidParameter { name: "chain", reason: "a stage does not load" })
}

/// The chain's limiter.
pub(super) fn limiter(chain: &MasteringChain) -> Result<Limiter, Error> {
    chain
        .limiter()
        .map_err(|_| Error::InvalidParameter { name: "chain", reason: "its limiter does not load" })
}

/// A sink that dithers what it writes with the chain's dither (as one
/// stream from each restart) before handing it on.
struct DitherSink<'a, O: ?Sized> {
    dither: Option<(Box<dyn DynProcessor>, Audio)>,
    inner: &'a mut O,
}

impl<'a, O: Sink + ?Sized> DitherSink<'a, O> {
    /// `inner` behind the chain's dither, if it has one.
    fn new(
        chain: &MasteringChain,
        inner: &'a mut O,
        sample_rate: f64,
        channels: usize,
    ) -> Result<Self, Error> {
        let dither = match &chain.dither {
            Some(d) => {
                let mut p = preset::load(d).map_err(|_| Error::InvalidParameter {
                    name: "chain",
                    reason: "its dither does not load",
                })?;
                p.prepare(&ProcessSpec::new(sample_rate, BLOCK, channels))?;
                Some((p, vec![vec![0.0f32; BLOCK]; channels]))
            }
            None => None,
        };
        Ok(Self { dither, inner })
    }
}

impl<O: Sink + ?Sized> Sink for DitherSink<'_, O> {
    fn restart(&mut self) -> Result<(), Error> {
        if let Some((p, _)) = &mut self.dither {
            p.reset();
        }
        self.inner.restart()
    }

    fn write(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        let Some((p, scratch)) = &mut self.dither else { return self.inner.write(block) };
        let n = block.first().map_or(0, |b| b.len());
        if block.len() != scratch.len() {
            return Err(Error::ChannelMismatch { expected: scratch.len(), actual: block.len() });
        }
        if n > BLOCK {
            return Err(Error::BlockTooLong { max: BLOCK, actual: n });
        }
        let mut views: Vec<&mut [f32]> = scratch.iter_mut().map(|s| &mut s[..n]).collect();
        for (v, b) in views.iter_mut().zip(block) {
            v.copy_from_slice(b);
        }
        p.process(&mut views);
        let views: Vec<&[f32]> = views.into_iter().map(|v| &*v).collect();
        self.inner.write(&views)
    }

    fn scale(&mut self, gain: f32) -> bool {
        // Dithered samples are final: only an undithered sink can scale.
        self.dither.is_none() && self.inner.scale(gain)
    }
}

impl<O: Readings + ?Sized> Readings for DitherSink<'_, O> {
    const FOLLOWS_GAIN: bool = O::FOLLOWS_GAIN;

    fn readings(&self) -> (f64, f64) {
        self.inner.readings()
    }
}

/// The album's shared figures, from [`master_album`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AlbumReport {
    /// Album loudness of the mixes (all tracks as one programme), LUFS.
    pub album_lufs_before: f64,
    /// Album loudness of the masters, LUFS.
    pub album_lufs_after: f64,
    /// Loudness change from the album of mixes to the album of masters
    /// (target minus `album_lufs_before`), dB: each track's own change.
    pub album_gain_db: f64,
    /// Each track's report.
    pub tracks: Vec<MasterReport>,
}

/// Masters an album: every track through the same `chain`, with one gain
/// to the working level and one album gain to the target, so that the
/// album (all tracks as one programme) sits at the target while each track
/// keeps its loudness relative to the others; each track is limited to the
/// ceiling on its own. Returns the masters in order and the report.
pub fn master_album<T: AsRef<[S]>, S: AsRef<[f32]>>(
    tracks: &[T],
    sample_rate: f64,
    chain: &MasteringChain,
    progress: &mut Progress,
) -> Result<(Vec<Audio>, AlbumReport), Error> {
    if tracks.is_empty() {
        return Err(Error::EmptyInput);
    }
    loadable(chain)?;
    let target = chain.resolved_target()?;
    let mut befores = Vec::with_capacity(tracks.len());
    let mut inputs = Vec::with_capacity(tracks.len());
    // A tenth of the work measures the mixes, the rest masters the tracks.
    let share = |i: usize| i as f64 / tracks.len() as f64;
    for (i, t) in tracks.iter().enumerate() {
        let t = t.as_ref();
        check_track(t)?;
        if t.len() > 2 {
            return Err(Error::InvalidChannelCount { channels: t.len() });
        }
        inputs.push(Envelope::analyze(t, sample_rate)?);
        let views: Vec<&[f32]> = t.iter().map(AsRef::as_ref).collect();
        let (from, to) = (0.1 * share(i), 0.1 * share(i + 1));
        befores.push(progress.phase(from, to, |p| QaReport::measure_with(&views, sample_rate, p))?);
    }
    let album_before = Envelope::combined_lufs(&inputs.iter().collect::<Vec<_>>());
    let input_gain_db = working_gain(album_before);
    // Each track lands where the album gain puts its mix: the relative
    // loudness of the mixes is kept whatever the stages did.
    let album_gain =
        if album_before.is_finite() { target.integrated_lufs - album_before } else { 0.0 };
    let mut outs = Vec::with_capacity(tracks.len());
    let mut reports = Vec::with_capacity(tracks.len());
    for (i, (t, before)) in tracks.iter().zip(befores).enumerate() {
        let own = before.integrated_lufs;
        let track_target = if own.is_finite() { own + album_gain } else { target.integrated_lufs };
        let ceiling = target.true_peak_dbtp;
        let (from, to) = (0.1 + 0.9 * share(i), 0.1 + 0.9 * share(i + 1));
        let aim = Aim::new(track_target, ceiling);
        let (out, stages, normalization, after) = progress.phase(from, to, |p| {
            render_in_memory(t.as_ref(), sample_rate, chain, input_gain_db, aim, p)
        })?;
        reports.push(MasterReport {
            before,
            after,
            chain: chain.clone(),
            target: target.clone(),
            input_gain_db,
            stages,
            normalization,
            matching: Vec::new(),
            assistant: None,
        });
        outs.push(out);
    }
    let out_envs: Vec<Envelope> =
        outs.iter().map(|o| Envelope::analyze(o, sample_rate)).collect::<Result<_, _>>()?;
    let report = AlbumReport {
        album_lufs_before: album_before,
        album_lufs_after: Envelope::combined_lufs(&out_envs.iter().collect::<Vec<_>>()),
        album_gain_db: album_gain,
        tracks: reports,
    };
    Ok((outs, report))
}

/// The gain that brings a mix at `lufs` to the working level (0 if silent).
pub(crate) fn working_gain(lufs: f64) -> f64 {
    if lufs.is_finite() {
        (WORKING_LUFS - lufs).clamp(-MAX_INPUT_GAIN_DB, MAX_INPUT_GAIN_DB)
    } else {
        0.0
    }
}

/// Applies `gain_db` and then every stage of `chain` in one pass over the
/// track (each block runs through the stages in turn; their summed latency
/// is compensated) into `out`, sampling each stage's gain reduction (its
/// largest band's) after every block; returns the stages' reports and the
/// envelope of what was written.
fn run_stages<T: Tape + ?Sized, O: Sink + ?Sized>(
    input: &mut T,
    sample_rate: f64,
    chain: &MasteringChain,
    gain_db: f64,
    progress: &mut Progress,
    out: &mut O,
) -> Result<(Vec<StageReport>, Envelope), Error> {
    check_tape(input)?;
    let channels = input.channels();
    let spec = ProcessSpec::new(sample_rate, BLOCK, channels).rendering();
    let mut stages = Vec::with_capacity(chain.stages.len());
    for stage in &chain.stages {
        let mut p = load_stage(stage)?;
        // A stage that cannot keep the track's channels (a stereo one on a
        // mono track) has nothing to do and is left out.
        if p.route(channels) == Ok(channels) {
            p.prepare(&spec)?;
            stages.push((Some(p), GainReduction::default()));
        } else {
            stages.push((None, GainReduction::default()));
        }
    }
    let latency = stages.iter().flat_map(|(p, _)| p).map(|p| p.latency()).sum();
    let g = db_to_gain(gain_db) as f32;
    let mut envelope = EnvelopeBuilder::new(sample_rate, channels)?;
    out.restart()?;
    run_tape(
        input,
        latency,
        progress,
        |b| {
            b.iter_mut().for_each(|c| c.iter_mut().for_each(|v| *v *= g));
            for (p, gr) in &mut stages {
                if let Some(p) = p {
                    p.process(b);
                    gr.sample(&mut **p);
                }
            }
        },
        |_, b| {
            let views: Vec<&[f32]> = b.iter().map(|c| &**c).collect();
            out.write(&views)?;
            envelope.add(&views)
        },
    )?;
    let reports = chain
        .stages
        .iter()
        .zip(&stages)
        .map(|(stage, (p, gr))| StageReport {
            name: stage.name.clone(),
            kind: stage.processor.kind.clone(),
            gain_reduction_max_db: gr.max(),
            gain_reduction_mean_db: gr.mean(),
            latency: p.as_ref().map_or(0, |p| p.latency()),
            active: p.is_some(),
        })
        .collect();
    Ok((reports, envelope.finish()?))
}

/// Running statistics of a stage's gain reduction, sampled once a block.
#[derive(Default)]
struct GainReduction {
    max: f64,
    sum: f64,
    samples: usize,
}

impl GainReduction {
    /// Samples the largest band's gain reduction of `p` (nothing for a
    /// stage without dynamics).
    fn sample(&mut self, p: &mut dyn DynProcessor) {
        if let Some(d) = p.dynamics() {
            let gr = (0..d.gain_reduction_rows())
                .map(|r| d.row_gain_reduction_db(r) as f64)
                .fold(0.0, f64::max);
            self.max = self.max.max(gr);
            self.sum += gr;
            self.samples += 1;
        }
    }

    fn max(&self) -> Option<f64> {
        (self.samples > 0).then_some(self.max)
    }

    fn mean(&self) -> Option<f64> {
        (self.samples > 0).then(|| self.sum / self.samples as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::music_like;

    fn chain(name: &str) -> MasteringChain {
        let mut c = MasteringChain::preset(name).unwrap();
        c.dither = None;
        c
    }

    /// A mono mix is mastered as mono by every preset (the stereo width
    /// stage left out), to the target below the ceiling.
    #[test]
    fn mono_mixes_master_with_the_stereo_stages_left_out() {
        let sr = 48_000.0;
        let x = &music_like(sr, 8.0, 0.2, 9)[..1];
        for preset in ["streaming", "broadcast", "gentle"] {
            let c = chain(preset);
            let (y, r) = master(x, sr, &c).unwrap();
            assert_eq!(y.len(), 1, "{preset}");
            let t = c.resolved_target().unwrap();
            assert!((r.after.integrated_lufs - t.integrated_lufs).abs() <= 0.1, "{preset}");
            assert!(r.after.true_peak_dbtp <= t.true_peak_dbtp, "{preset}");
            for s in &r.stages {
                assert_eq!(s.active, s.kind != "stereo_width", "{preset}: {}", s.name);
            }
        }
    }

    /// Progress rises to 1 over a master (with a reference too) and an
    /// album without changing their output; a callback that refuses stops
    /// the job with `Error::Cancelled` near where it refused.
    #[test]
    fn progress_rises_to_the_end_and_cancels() {
        let sr = 48_000.0;
        let x = music_like(sr, 6.0, 0.2, 5);
        let c = chain("streaming");
        let loud = music_like(sr, 6.0, 0.5, 6);
        let reference = Profile::analyze(&planar_views(&loud), sr).unwrap();
        let plain = master(&x, sr, &c).unwrap().0;
        for reference in [None, Some(&reference)] {
            let mut seen = Vec::new();
            let mut tell = |f: f64| {
                seen.push(f);
                true
            };
            let (y, _) = master_with(&x, sr, &c, reference, &mut Progress::new(&mut tell)).unwrap();
            assert!(seen.windows(2).all(|w| w[1] > w[0]) && seen.len() > 20);
            assert_eq!(seen.last(), Some(&1.0));
            if reference.is_none() {
                assert_eq!(y, plain);
            }
        }
        let mut last = 0.0;
        let mut stop = |f: f64| {
            last = f;
            f < 0.5
        };
        let cancelled = master_with(&x, sr, &c, None, &mut Progress::new(&mut stop));
        assert_eq!(cancelled.err(), Some(Error::Cancelled));
        assert!((0.5..0.55).contains(&last), "{last}");
        let mut album = Vec::new();
        let mut tell = |f: f64| {
            album.push(f);
            true
        };
        master_album(&[&x, &x], sr, &c, &mut Progress::new(&mut tell)).unwrap();
        assert!(album.windows(2).all(|w| w[1] > w[0]) && album.last() == Some(&1.0));
    }

    #[test]
    fn masters_to_the_target_below_the_ceiling_at_any_rate() {
        for (sr, level, preset) in
            [(44_100.0, 0.3, "streaming"), (48_000.0, 0.05, "gentle"), (96_000.0, 0.8, "broadcast")]
        {
            let x = music_like(sr, 12.0, level, 11);
            let c = chain(preset);
            let (y, r) = master(&x, sr, &c).unwrap();
            assert_eq!(y[0].len(), x[0].len());
            assert_eq!(r.after.sample_rate, sr);
            let t = c.resolved_target().unwrap();
            assert!(
                (r.after.integrated_lufs - t.integrated_lufs).abs() <= 0.1,
                "{preset}: {:?}",
                r.normalization
            );
            assert!(
                r.after.true_peak_dbtp <= t.true_peak_dbtp,
                "{preset}: {}",
                r.after.true_peak_dbtp
            );
            assert_eq!(r.stages.len(), c.stages.len());
            let glue = r.stages.iter().find(|s| s.name == "glue").unwrap();
            assert!(glue.gain_reduction_max_db.unwrap() > 0.0, "{glue:?}");
        }
    }

    #[test]
    fn an_album_keeps_its_relative_loudness() {
        let sr = 48_000.0;
        let tracks: Vec<Vec<Vec<f32>>> = [0.5, 0.2, 0.08]
            .iter()
            .enumerate()
            .map(|(i, &l)| music_like(sr, 8.0, l, i as u64))
            .collect();
        let c = chain("streaming");
        let (outs, r) =
            master_album(&tracks, sr, &c, &mut crate::progress::Progress::none()).unwrap();
        assert!((r.album_lufs_after - (-14.0)).abs() <= 0.3, "{}", r.album_lufs_after);
        let lufs = |t: &MasterReport| (t.before.integrated_lufs, t.after.integrated_lufs);
        let (b0, a0) = lufs(&r.tracks[0]);
        for t in &r.tracks[1..] {
            let (b, a) = lufs(t);
            assert!(((a - a0) - (b - b0)).abs() <= 0.1, "before {b0} {b}, after {a0} {a}");
            assert!(t.after.true_peak_dbtp <= -1.0);
        }
        assert_eq!(outs.len(), 3);
    }

    #[test]
    fn bad_input_is_refused() {
        let c = chain("gentle");
        let three = vec![vec![0.0f32; 100]; 3];
        assert!(matches!(master(&three, 48_000.0, &c), Err(Error::InvalidChannelCount { .. })));
        let nan = vec![vec![f32::NAN; 100]];
        assert!(matches!(master(&nan, 48_000.0, &c), Err(Error::NonFinite { .. })));
        assert!(matches!(MasteringChain::preset("shiny"), Err(Error::UnknownName { .. })));
        let mut broken = c.clone();
        broken.target = "nowhere".into();
        assert!(master(&[vec![0.0f32; 100]], 48_000.0, &broken).is_err());
    }

    #[test]
    fn matching_a_reference_brings_tonal_balance_and_loudness_to_it() {
        use crate::filters::{BandParams, Equalizer, FilterKind};
        use crate::master::{Profile, third_octave_error_db};
        let sr = 48_000.0;
        // Broadband music with drums on top.
        let song = |seed| -> Vec<Vec<f32>> {
            let bed = crate::master::profile::tests::music(sr, 12.0, seed);
            let drums = music_like(sr, 12.0, 0.2, seed);
            bed.iter()
                .zip(&drums)
                .map(|(b, d)| b.iter().zip(d).map(|(b, d)| b + d).collect())
                .collect()
        };
        let x = song(21);
        // The reference: other music, brighter and thinner, mastered loud.
        let mut eq = Equalizer::new(&[
            BandParams::new(FilterKind::HighShelf, 4000.0).with_gain_db(5.0),
            BandParams::new(FilterKind::LowShelf, 150.0).with_gain_db(-4.0),
        ])
        .unwrap();
        let bright =
            render(&mut eq, &song(22), sr, &mut crate::progress::Progress::none()).unwrap();
        let loud = Target::custom("ref", -11.0, 1.0, -1.0, true).unwrap();
        let (reference, _) =
            super::super::normalize(&bright, sr, &loud, &crate::dynamics::Limiter::default())
                .unwrap();
        let refs: Vec<&[f32]> = reference.iter().map(Vec::as_slice).collect();
        let profile = Profile::analyze(&refs, sr).unwrap();
        let views: Vec<&[f32]> = x.iter().map(Vec::as_slice).collect();
        let before = third_octave_error_db(&views, &refs, sr).unwrap();
        let (y, r) = match_reference(
            &x,
            sr,
            &profile,
            Matching::default(),
            &mut crate::progress::Progress::none(),
        )
        .unwrap();
        let out: Vec<&[f32]> = y.iter().map(Vec::as_slice).collect();
        let after = third_octave_error_db(&out, &refs, sr).unwrap();
        assert!(
            after < 0.8 && after < before / 3.0,
            "third-octave error {before:.2} -> {after:.2} dB"
        );
        assert!(
            (r.after.integrated_lufs - profile.integrated_lufs).abs() <= 0.3,
            "{:?}",
            r.normalization
        );
        assert!(r.after.true_peak_dbtp <= -1.0);
        assert!(r.chain.stage(crate::master::TONAL_STAGE).is_some());
        assert!(r.matching.iter().any(|m| m.contains("refined")), "{:?}", r.matching);
        assert!(r.matching.len() >= 2, "{:?}", r.matching);
        std::println!("third-octave error {before:.2} -> {after:.2} dB; {:?}", r.matching);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_chain_through_json_renders_bit_identical_output() {
        let sr = 48_000.0;
        let x = music_like(sr, 4.0, 0.3, 2);
        let c = chain("loud");
        let text = serde_json::to_string(&c).unwrap();
        let back: MasteringChain = serde_json::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(master(&x, sr, &c).unwrap().0, master(&x, sr, &back).unwrap().0);
    }
}
