//! Processing numpy audio through a processor object: shape and dtype
//! checks, channel routing, prepare-on-change, latency compensation, the
//! sidechain and gain-reduction series.
//!
//! A call collects the leaf processors under the object (a chain's
//! members, flattened) with the GIL held, then releases the GIL once for
//! the whole run: it locks every leaf's processing state (each object
//! once, in address order, so calls over overlapping chains cannot
//! deadlock), configures the leaves, and streams the audio through them
//! in cache-sized passes, handing each leaf its changed parameter targets
//! before every block.

use std::sync::MutexGuard;
use std::sync::atomic::Ordering;

use dsp_core::buffer::{self, sanitize};
use dsp_core::processor::for_each_block;
use dsp_core::shared_params::SharedParams;
use dsp_core::{DynProcessor, Error, ProcessSpec, registry};
use numpy::PyUntypedArrayMethods;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::audio::{Samples, Shape, View, audio_shape, float_array, to_numpy, writable_audio};
use crate::params::class_error;
use crate::processor::{BLOCK, Body, LinkMode, PyProcessor, Unit, class_name, lock};

/// Frames per pass through the cache-sized buffers of `process`.
const PASS: usize = 4 * BLOCK;

/// Appends the leaves under `obj` to `out` in processing order (skipping
/// bypassed chains unless `all`).
fn collect(
    obj: &Bound<'_, PyProcessor>,
    all: bool,
    path: &mut Vec<usize>,
    out: &mut Vec<Py<PyProcessor>>,
) -> PyResult<()> {
    let Body::Chain { .. } = &obj.get().body else {
        out.push(obj.clone().unbind());
        return Ok(());
    };
    if !all && obj.get().bypassed_chain() {
        return Ok(());
    }
    let addr = obj.as_ptr() as usize;
    if path.contains(&addr) {
        return Err(PyValueError::new_err("a Chain cannot contain itself"));
    }
    path.push(addr);
    for m in obj.get().members(obj.py()) {
        collect(m.bind(obj.py()), all, path, out)?;
    }
    path.pop();
    Ok(())
}

/// The leaf processors of `obj`: itself, or a chain's members flattened.
pub(crate) fn leaves<'py>(
    obj: &Bound<'py, PyProcessor>,
    all: bool,
) -> PyResult<Vec<Bound<'py, PyProcessor>>> {
    let mut out = Vec::new();
    collect(obj, all, &mut Vec::new(), &mut out)?;
    Ok(out.into_iter().map(|p| p.into_bound(obj.py())).collect())
}

/// `reset()`: clears every leaf's state and non-finite count, and the
/// counts of the chains on the way; the next call starts a new stream.
pub(crate) fn reset(obj: &Bound<'_, PyProcessor>) -> PyResult<()> {
    for leaf in leaves(obj, true)? {
        leaf.get().with_unit(obj.py(), |u| {
            u.node.reset();
            u.prepared = None;
        });
    }
    clear_chain_counts(obj);
    Ok(())
}

/// Zeroes the non-finite counts of `obj` and the chains under it.
fn clear_chain_counts(obj: &Bound<'_, PyProcessor>) {
    if let Body::Chain { nonfinite, .. } = &obj.get().body {
        nonfinite.store(0, Ordering::Relaxed);
        for m in obj.get().members(obj.py()) {
            clear_chain_counts(m.bind(obj.py()));
        }
    }
}

/// Sums `f` over the processed leaves of `obj`.
pub(crate) fn sum_over_leaves(
    obj: &Bound<'_, PyProcessor>,
    f: impl Fn(&dyn DynProcessor) -> usize + Send + Sync + Copy,
) -> PyResult<usize> {
    let mut sum = 0;
    for leaf in leaves(obj, false)? {
        sum += leaf.get().with_unit(obj.py(), |u| f(&*u.node));
    }
    Ok(sum)
}

/// One leaf of a run.
struct Stage {
    obj: Py<PyProcessor>,
    name: String,
}

/// The leaves of `obj` as the stages of a run.
fn stages(obj: &Bound<'_, PyProcessor>) -> PyResult<Vec<Stage>> {
    leaves(obj, false)?
        .into_iter()
        .map(|leaf| Ok(Stage { name: class_name(leaf.as_any())?, obj: leaf.unbind() }))
        .collect()
}

/// Rows of the gain-reduction series of `node` (0: it reports none).
pub(crate) fn gain_reduction_rows(node: &mut dyn DynProcessor) -> usize {
    node.dynamics().map_or(0, |d| d.gain_reduction_rows())
}

/// The ", X, Y and Z have one" part of the no-sidechain message.
fn sidechain_classes() -> String {
    let names: Vec<_> = registry::kinds().filter(|k| k.caps.sidechain).map(|k| k.class).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!(" ({last} has one)"),
        Some((last, rest)) => format!(" ({} and {last} have one)", rest.join(", ")),
    }
}

fn no_sidechain(name: &str) -> PyErr {
    PyTypeError::new_err(format!("{name} has no sidechain input{}", sidechain_classes()))
}

fn no_gain_reduction(name: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{name} reports no gain reduction (return_gain_reduction is for dynamics processors)"
    ))
}

/// What a call asks for besides the audio.
#[derive(Clone, Copy)]
struct Ask {
    sidechain: bool,
    gain_reduction: bool,
}

impl Ask {
    fn keyed(self) -> bool {
        self.sidechain || self.gain_reduction
    }
}

/// Refuses what `obj` cannot do: a chain can if one of its members can.
fn check_ask(obj: &Bound<'_, PyProcessor>, ask: Ask) -> PyResult<()> {
    let name = class_name(obj.as_any())?;
    let kinds: Vec<_> = match obj.get().body {
        Body::Leaf(_) => vec![obj.get().kind()],
        Body::Chain { .. } => leaves(obj, false)?.iter().map(|l| l.get().kind()).collect(),
    };
    if ask.sidechain && !kinds.iter().any(|k| k.caps.sidechain) {
        return Err(no_sidechain(&name));
    }
    if ask.gain_reduction && !kinds.iter().any(|k| k.caps.gain_reduction) {
        return Err(no_gain_reduction(&name));
    }
    Ok(())
}

/// The output channels a layout error names.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A run with every leaf locked and configured.
struct Run<'a> {
    units: Vec<MutexGuard<'a, Unit>>,
    /// Per stage: its unit, its targets, the channels it runs on, and its
    /// gain-reduction rows (first row, count).
    stages: Vec<(usize, &'a SharedParams, usize, (usize, usize))>,
    in_channels: usize,
    out_channels: usize,
    max_channels: usize,
    latency: usize,
    tail: usize,
    /// Gain-reduction rows asked for: every dynamics stage's, in order.
    rows: usize,
    /// Per row: the latency up to its stage's output, which a one-shot
    /// run drops from it so that it lines up with the output audio.
    row_latency: Vec<usize>,
}

impl<'a> Run<'a> {
    /// Locks and configures the stages for `channels` input channels at
    /// `sample_rate` (resetting them with `reset`). Without the GIL.
    fn new(
        stages: &'a [Stage],
        sample_rate: f64,
        channels: usize,
        reset: bool,
        ask: Ask,
    ) -> PyResult<Self> {
        let mut order: Vec<usize> = stages.iter().map(|s| s.obj.as_ptr() as usize).collect();
        order.sort_unstable();
        order.dedup();
        let leaves: Vec<&'a PyProcessor> = order
            .iter()
            .map(|&addr| {
                let s = stages.iter().find(|s| s.obj.as_ptr() as usize == addr);
                s.expect("each address is a stage's").obj.get()
            })
            .collect();
        let units: Vec<MutexGuard<'a, Unit>> =
            leaves.iter().map(|p| lock(&p.as_leaf().expect("stages are leaves").unit)).collect();
        let mut run = Run {
            units,
            stages: Vec::new(),
            in_channels: channels,
            out_channels: channels,
            max_channels: channels,
            latency: 0,
            tail: 0,
            rows: 0,
            row_latency: Vec::new(),
        };
        for stage in stages {
            let at = order.binary_search(&(stage.obj.as_ptr() as usize)).expect("locked");
            let shared = &leaves[at].as_leaf().expect("stages are leaves").shared;
            let unit = &mut *run.units[at];
            let input = run.out_channels;
            let out = configure(unit, shared, stage, sample_rate, input, !reset)?;
            if reset {
                unit.node.reset();
            }
            let rows = if ask.gain_reduction { gain_reduction_rows(&mut *unit.node) } else { 0 };
            run.stages.push((at, shared, out, (run.rows, rows)));
            run.rows += rows;
            let through = run.latency + unit.node.latency();
            run.row_latency.extend(std::iter::repeat_n(through, rows));
            run.out_channels = out;
            run.max_channels = run.max_channels.max(out);
            run.latency += unit.node.latency();
            run.tail += unit.node.tail();
        }
        Ok(run)
    }

    /// Runs the stages over `views` (at least `max_channels` equally long
    /// channels, the input in the first `in_channels`). In a `keyed` run the
    /// dynamics stages are keyed by the `side` channels (those with a
    /// sidechain input; none given: by their input) and write their `gr`
    /// rows.
    fn pass(
        &mut self,
        views: &mut [&mut [f32]],
        keyed: bool,
        side: &[&[f32]],
        gr: &mut [&mut [f32]],
    ) {
        let mut channels = self.in_channels;
        for &(at, shared, wanted, (first_row, rows)) in &self.stages {
            let unit = &mut *self.units[at];
            if channels == 1 {
                let (first, rest) = views.split_at_mut(1);
                rest[..wanted - 1].iter_mut().for_each(|ch| ch.copy_from_slice(first[0]));
            }
            channels = wanted;
            let active = &mut views[..channels];
            let side = if shared.kind().caps.sidechain { side } else { &[][..] };
            let keys = (!side.is_empty()).then_some(());
            let (gr, side) = if keyed {
                (&mut gr[first_row..first_row + rows], side)
            } else {
                (&mut [][..], &[][..])
            };
            for_each_block(active, gr, side, BLOCK, |block, rows, key| {
                unit.apply(shared);
                // A band refused mid-run keeps its old value; the next
                // call's configuration reports it.
                let _ = unit.sync_links(LinkMode::Run);
                if keyed && let Some(d) = unit.node.dynamics() {
                    d.process_keyed(block, keys.map(|_| key), rows);
                } else {
                    unit.node.process(block);
                }
            });
        }
    }
}

/// Hands the stage its parameters and its links' parameters, routes
/// `input` channels, and (re)prepares if the sample rate or the layout
/// changed, which a `continuing` stream refuses. Returns the channels it
/// runs on.
fn configure(
    unit: &mut Unit,
    shared: &SharedParams,
    stage: &Stage,
    sample_rate: f64,
    input: usize,
    continuing: bool,
) -> PyResult<usize> {
    unit.apply(shared);
    let error = |e| class_error(&stage.name, e);
    let stale = unit.sync_links(LinkMode::Prepare).map_err(error)?;
    if stale {
        unit.prepared = None;
    }
    let channels = unit.node.route(input).map_err(|e| match e {
        Error::InvalidChannelCount { channels: n } => PyValueError::new_err(format!(
            "{}: needs {}, got {n} channel{}",
            stage.name,
            shared.kind().caps.channels.requirement(),
            plural(n)
        )),
        e => class_error(&stage.name, e),
    })?;
    let spec = ProcessSpec::new(sample_rate, BLOCK, channels);
    if unit.prepared != Some((spec, input)) {
        if let Some((was, was_input)) = unit.prepared.filter(|_| continuing) {
            return Err(PyValueError::new_err(format!(
                "{}: reset=False continues the stream at {} Hz with {was_input} channel{}, but                  this call has {input} channel{} at {} Hz; pass reset=True (or call reset()) to                  start a new stream",
                stage.name,
                was.sample_rate,
                plural(was_input),
                plural(input),
                sample_rate
            )));
        }
        unit.prepared = None;
        unit.node.prepare(&spec).map_err(error)?;
        unit.prepared = Some((spec, input));
    }
    if stale {
        unit.sync_links(LinkMode::Strict).map_err(error)?;
    }
    Ok(channels)
}

/// Borrows a sidechain array, checking that it is audio as long as the input.
fn sidechain_input<'py>(
    side: &Bound<'py, PyAny>,
    samples: usize,
) -> PyResult<(Shape, Samples<'py>)> {
    let array = float_array(side)?;
    let shape = audio_shape(array.shape())?;
    if shape.samples != samples {
        return Err(PyValueError::new_err(format!(
            "sidechain has {} samples but x has {samples}: they must be the same length",
            shape.samples
        )));
    }
    Ok((shape, Samples::new(&array)?))
}

/// Counts the non-finite samples at a chain's input. The first stage
/// silences (and counts) them; with no stage, the chain silences them.
fn count_nonfinite(obj: &PyProcessor, input: &mut [&mut [f32]], stages: usize) {
    if let Body::Chain { nonfinite, .. } = &obj.body {
        let n = if stages == 0 { sanitize(input) } else { buffer::count_nonfinite(input) };
        nonfinite.fetch_add(n, Ordering::Relaxed);
    }
}

/// Output of a `process` run: planar audio and gain-reduction rows.
struct Output {
    audio: Vec<f32>,
    channels: usize,
    gr: Vec<f32>,
    rows: usize,
    samples: usize,
}

/// `process`: a new array (and the gain-reduction series if asked for).
pub(crate) fn process<'py>(
    obj: &Bound<'py, PyProcessor>,
    x: &Bound<'py, PyAny>,
    sample_rate: f64,
    reset: bool,
    tail: bool,
    sidechain: Option<&Bound<'py, PyAny>>,
    return_gain_reduction: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let ask = Ask { sidechain: sidechain.is_some(), gain_reduction: return_gain_reduction };
    check_ask(obj, ask)?;
    if tail && !reset {
        return Err(PyValueError::new_err(
            "tail=True needs reset=True: the tail ends a stream, so it is only \
             appended to one-shot processing",
        ));
    }
    let array = float_array(x)?;
    let shape = audio_shape(array.shape())?;
    ProcessSpec::new(sample_rate, BLOCK, shape.channels)
        .validate()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let samples = Samples::new(&array)?;
    let input = samples.view(shape)?;
    let side = match sidechain {
        Some(s) => Some(sidechain_input(s, shape.samples)?),
        None => None,
    };
    let side_view = match &side {
        Some((shape, s)) => Some(s.view(*shape)?),
        None => None,
    };
    let stages = stages(obj)?;
    if reset {
        clear_chain_counts(obj);
    }
    let this = obj.get();
    let out = py.detach(|| {
        run_process(this, &stages, &input, side_view.as_ref(), sample_rate, reset, tail, ask)
    })?;
    let y = to_numpy(py, out.audio, out.channels, out.samples, shape.one_d && out.channels == 1)?;
    if !ask.gain_reduction {
        return Ok(y);
    }
    let gr = to_numpy(py, out.gr, out.rows, out.samples, out.rows == 1)?;
    Ok(PyTuple::new(py, [y, gr])?.into_any())
}

/// The detached part of [`process`].
#[allow(clippy::too_many_arguments)]
fn run_process(
    obj: &PyProcessor,
    stages: &[Stage],
    input: &View<'_>,
    side: Option<&View<'_>>,
    sample_rate: f64,
    reset: bool,
    tail: bool,
    ask: Ask,
) -> PyResult<Output> {
    let in_channels = input.channels();
    let samples = match input {
        View::F32(a) => a.ncols(),
        View::F64(a) => a.ncols(),
    };
    let mut run = Run::new(stages, sample_rate, in_channels, reset, ask)?;
    let (lead, extra) = if reset { (run.latency, if tail { run.tail } else { 0 }) } else { (0, 0) };
    let out_len = samples + extra;
    // Samples per channel run through the processors: the first `lead`
    // outputs are the latency and are dropped.
    let total = lead + out_len;
    let rows = run.rows;
    let mut out = vec![0.0f32; run.out_channels * out_len];
    let mut gr = vec![0.0f32; rows * out_len];
    // Pass by pass through cache-sized buffers: each sample is read from
    // the input and written to the output once. The sidechain is read
    // alike (zeros after it), so the key of input sample i reaches the
    // output where sample i does.
    let mut block = vec![0.0f32; run.max_channels * PASS];
    let mut gr_block = vec![0.0f32; rows * PASS];
    let side_channels = side.map_or(0, View::channels);
    let mut side_block = vec![0.0f32; side_channels * PASS];
    let mut start = 0;
    while start < total {
        let n = PASS.min(total - start);
        input.copy_block(start, n, &mut block, PASS);
        let mut views: Vec<&mut [f32]> = block.chunks_mut(PASS).map(|c| &mut c[..n]).collect();
        views[in_channels..].iter_mut().for_each(|c| c.fill(0.0));
        count_nonfinite(obj, &mut views[..in_channels], run.stages.len());
        if let Some(side) = side {
            side.copy_block(start, n, &mut side_block, PASS);
        }
        let keys: Vec<&[f32]> = side_block.chunks(PASS).map(|c| &c[..n]).collect();
        let mut rows: Vec<&mut [f32]> = gr_block.chunks_mut(PASS).map(|c| &mut c[..n]).collect();
        run.pass(&mut views, ask.keyed(), &keys, &mut rows);
        for (d, s) in out.chunks_mut(out_len.max(1)).zip(block.chunks(PASS)) {
            place(d, &s[..n], start, lead);
        }
        let row_leads = run.row_latency.iter().map(|&l| if reset { l } else { 0 });
        for ((d, s), row_lead) in
            gr.chunks_mut(out_len.max(1)).zip(gr_block.chunks(PASS)).zip(row_leads)
        {
            place(d, &s[..n], start, row_lead);
        }
        start += n;
    }
    Ok(Output { audio: out, channels: run.out_channels, gr, rows, samples: out_len })
}

/// Copies a pass's samples `src` (run times `start..`) into `dst` (an
/// output row) where run time `t` is output sample `t - lead`: what lies
/// within the latency or past the row is dropped.
fn place(dst: &mut [f32], src: &[f32], start: usize, lead: usize) {
    let skip = lead.saturating_sub(start).min(src.len());
    let at = (start + skip).saturating_sub(lead);
    let len = (src.len() - skip).min(dst.len().saturating_sub(at));
    dst[at..at + len].copy_from_slice(&src[skip..skip + len]);
}

/// `process_inplace`: the gain-reduction series if asked for.
pub(crate) fn process_inplace<'py>(
    obj: &Bound<'py, PyProcessor>,
    x: &Bound<'py, PyAny>,
    sample_rate: f64,
    reset: bool,
    sidechain: Option<&Bound<'py, PyAny>>,
    return_gain_reduction: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = obj.py();
    let ask = Ask { sidechain: sidechain.is_some(), gain_reduction: return_gain_reduction };
    check_ask(obj, ask)?;
    let (shape, mut array) = writable_audio(x)?;
    ProcessSpec::new(sample_rate, BLOCK, shape.channels)
        .validate()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let side = match sidechain {
        Some(s) => Some(sidechain_input(s, shape.samples)?),
        None => None,
    };
    let side_view = match &side {
        Some((shape, s)) => Some(s.view(*shape)?),
        None => None,
    };
    let stages = stages(obj)?;
    if reset {
        clear_chain_counts(obj);
    }
    let this = obj.get();
    let data = array.as_slice_mut()?;
    let (gr, rows) = py.detach(|| -> PyResult<_> {
        let mut run = Run::new(&stages, sample_rate, shape.channels, reset, ask)?;
        if run.max_channels != shape.channels || run.out_channels != shape.channels {
            return Err(PyValueError::new_err(format!(
                "this processor turns {} channel(s) into {}: process_inplace cannot change \
                 the shape; use process(), which returns a new array",
                shape.channels,
                run.out_channels.max(run.max_channels)
            )));
        }
        let n = shape.samples;
        let mut gr = vec![0.0f32; run.rows * n];
        if n > 0 {
            let mut views: Vec<&mut [f32]> = data.chunks_mut(n).collect();
            count_nonfinite(this, &mut views, run.stages.len());
            let mut keys_data = vec![0.0f32; side_view.as_ref().map_or(0, View::channels) * n];
            if let Some(side) = &side_view {
                side.copy_block(0, n, &mut keys_data, n);
            }
            let keys: Vec<&[f32]> = keys_data.chunks(n).collect();
            let mut rows: Vec<&mut [f32]> = gr.chunks_mut(n).collect();
            run.pass(&mut views, ask.keyed(), &keys, &mut rows);
        }
        Ok((gr, run.rows))
    })?;
    if !ask.gain_reduction {
        return Ok(None);
    }
    Ok(Some(to_numpy(py, gr, rows, shape.samples, rows == 1)?))
}
