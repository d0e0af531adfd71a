//! The generic glue between numpy audio and any dsp-core [`Processor`].
//!
//! Every Python processor class extends the base class [`PyProcessor`]
//! (`masterlib.Processor`), which holds either one boxed dsp-core processor
//! ([`Engine`]) or, for `Chain`, a list of member Python objects. The base
//! class implements `process`, `process_inplace`, `__call__`, `reset` and
//! the latency/tail/non-finite properties once for all: shape and dtype
//! checks, prepare-on-change, latency compensation and GIL release live
//! here, so a new processor class only adds its constructor and parameters.

use std::any::Any;

use dsp_core::buffer::sanitize;
use dsp_core::processor::process_in_blocks;
use dsp_core::{Error, ProcessSpec, Processor};
use numpy::PyUntypedArrayMethods;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::audio::{
    Samples, Shape, audio_shape, float_array, to_numpy, value_error, value_error_in, writable_audio,
};
use crate::dynamics::{Dynamics, run_dynamics};

/// Longest block handed to a dsp-core processor; longer audio is split.
pub(crate) const BLOCK: usize = 4096;
/// Frames per pass of `process` through its cache-sized buffers (whole
/// blocks; the GIL is released once per stage and pass).
const PASS: usize = 4 * BLOCK;

/// A dsp-core processor as the bindings drive it.
pub(crate) trait Node: Processor + Any + Sync {
    /// Channels the processor runs on when given `input` channels, or why it
    /// cannot take them. May reconfigure the processor (e.g. `Pan` switches
    /// to its mono-source law for one input channel); a mono input is
    /// copied to every channel when more are returned.
    fn route(&mut self, input: usize) -> Result<usize, String> {
        Ok(input)
    }

    /// Copies parameters from the objects linked to this one (an
    /// `Equalizer`'s band filters) before processing or analysis. Returns
    /// whether the processor must be prepared again.
    fn sync(&mut self, _linked: &[PyRef<'_, PyProcessor>]) -> Result<bool, Error> {
        Ok(false)
    }

    /// The node as a dynamics processor (sidechain input, gain-reduction
    /// series), if it is one.
    fn dynamics(&mut self) -> Option<&mut dyn Dynamics> {
        None
    }
}

/// A boxed processor and the configuration it was last prepared for.
pub(crate) struct Engine {
    node: Box<dyn Node>,
    /// Objects whose parameters the node mirrors (see [`Node::sync`]).
    links: Vec<Py<PyProcessor>>,
    /// Spec and input channel count of the last successful `prepare`.
    prepared: Option<(ProcessSpec, usize)>,
}

impl Engine {
    /// Pulls parameters from the linked objects into the node.
    fn sync(&mut self, py: Python<'_>, what: &str) -> PyResult<()> {
        if self.links.is_empty() {
            return Ok(());
        }
        let linked =
            self.links.iter().map(|l| l.bind(py).try_borrow()).collect::<Result<Vec<_>, _>>()?;
        if self.node.sync(&linked).map_err(|e| value_error_in(what, e))? {
            self.prepared = None;
        }
        Ok(())
    }

    /// Syncs linked parameters, routes `input` channels, and (re)prepares
    /// if the sample rate or the channel layout changed. Returns the
    /// channel count the processor runs on.
    fn configure(
        &mut self,
        py: Python<'_>,
        sample_rate: f64,
        input: usize,
        what: &str,
    ) -> PyResult<usize> {
        self.sync(py, what)?;
        let channels =
            self.node.route(input).map_err(|m| PyValueError::new_err(format!("{what}: {m}")))?;
        let spec = ProcessSpec::new(sample_rate, BLOCK, channels);
        if self.prepared != Some((spec, input)) {
            self.prepared = None;
            self.node.prepare(&spec).map_err(|e| value_error_in(what, e))?;
            self.prepared = Some((spec, input));
        }
        Ok(channels)
    }
}

/// What a processor object holds.
pub(crate) enum Body {
    /// One dsp-core processor.
    Node(Engine),
    /// A chain: member objects (processed in order) and the count of
    /// non-finite samples seen at the chain's input.
    Chain { members: Vec<Py<PyProcessor>>, nonfinite: u64 },
}

/// Base class of every masterlib processor.
#[pyclass(subclass, module = "masterlib", name = "Processor")]
pub struct PyProcessor {
    pub(crate) body: Body,
}

impl std::fmt::Debug for PyProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.body {
            Body::Node(e) => f.debug_struct("Processor").field("prepared", &e.prepared).finish(),
            Body::Chain { members, .. } => f.debug_list().entries(members).finish(),
        }
    }
}

impl PyProcessor {
    /// The base part of a processor object around one dsp-core processor;
    /// subclasses add themselves with `add_subclass`.
    pub(crate) fn node(node: impl Node) -> PyClassInitializer<Self> {
        Self::linked(node, Vec::new())
    }

    /// Like [`PyProcessor::node`], with objects the node mirrors.
    pub(crate) fn linked(node: impl Node, links: Vec<Py<PyProcessor>>) -> PyClassInitializer<Self> {
        Self { body: Body::Node(Engine { node: Box::new(node), links, prepared: None }) }.into()
    }

    /// Replaces the node (and its links) of a class built with
    /// [`PyProcessor::node`]; the next processing call prepares it.
    pub(crate) fn set_node(&mut self, node: impl Node, links: Vec<Py<PyProcessor>>) {
        self.body = Body::Node(Engine { node: Box::new(node), links, prepared: None });
    }

    /// Syncs the node from its linked objects (see [`Node::sync`]), for
    /// analysis outside processing; errors name `what`.
    pub(crate) fn sync_node(&mut self, py: Python<'_>, what: &str) -> PyResult<()> {
        let Some(engine) = self.engine_mut() else { unreachable!("a chain has no node") };
        engine.sync(py, what)
    }

    /// The objects the node mirrors.
    pub(crate) fn links(&self) -> &[Py<PyProcessor>] {
        match &self.body {
            Body::Node(engine) => &engine.links,
            Body::Chain { .. } => &[],
        }
    }

    /// The node as a dynamics processor (None for other kinds and chains).
    pub(crate) fn dynamics_mut(&mut self) -> Option<&mut dyn Dynamics> {
        self.engine_mut()?.node.dynamics()
    }

    fn engine_mut(&mut self) -> Option<&mut Engine> {
        match &mut self.body {
            Body::Node(e) => Some(e),
            Body::Chain { .. } => None,
        }
    }

    /// The dsp-core processor of a class built with [`PyProcessor::node`].
    pub(crate) fn get<T: Node>(&self) -> &T {
        let Body::Node(engine) = &self.body else { unreachable!("a chain has no node") };
        let any: &dyn Any = &*engine.node;
        any.downcast_ref().expect("each class holds its own node type")
    }

    /// Mutable access to the dsp-core processor, as [`PyProcessor::get`].
    pub(crate) fn get_mut<T: Node>(&mut self) -> &mut T {
        let Some(engine) = self.engine_mut() else { unreachable!("a chain has no node") };
        let any: &mut dyn Any = &mut *engine.node;
        any.downcast_mut().expect("each class holds its own node type")
    }
}

/// Appends the leaf processors under `obj` to `out` in processing order.
fn collect<'py>(
    obj: &Bound<'py, PyProcessor>,
    path: &mut Vec<Bound<'py, PyProcessor>>,
    out: &mut Vec<Bound<'py, PyProcessor>>,
) -> PyResult<()> {
    let members: Vec<Bound<'py, PyProcessor>> = match &obj.try_borrow()?.body {
        Body::Node(_) => {
            out.push(obj.clone());
            return Ok(());
        }
        Body::Chain { members, .. } => members.iter().map(|m| m.bind(obj.py()).clone()).collect(),
    };
    if path.iter().any(|p| p.is(obj)) {
        return Err(PyValueError::new_err("a Chain cannot contain itself"));
    }
    path.push(obj.clone());
    for m in &members {
        collect(m, path, out)?;
    }
    path.pop();
    Ok(())
}

/// The leaf processors of `obj`: itself, or a chain's members flattened.
pub(crate) fn leaves<'py>(obj: &Bound<'py, PyProcessor>) -> PyResult<Vec<Bound<'py, PyProcessor>>> {
    let mut out = Vec::new();
    collect(obj, &mut Vec::new(), &mut out)?;
    Ok(out)
}

/// One leaf processor in a processing run.
struct Stage<'py> {
    obj: Bound<'py, PyProcessor>,
    name: String,
}

/// A processing run, configured: stages, channel counts, latency and tail.
struct Plan<'py> {
    stages: Vec<Stage<'py>>,
    sample_rate: f64,
    in_channels: usize,
    out_channels: usize,
    max_channels: usize,
    latency: usize,
    tail: usize,
}

impl<'py> Plan<'py> {
    /// Configures (and, with `reset`, resets) every leaf of `obj` for
    /// `channels` input channels at `sample_rate`.
    fn new(
        obj: &Bound<'py, PyProcessor>,
        sample_rate: f64,
        channels: usize,
        reset: bool,
    ) -> PyResult<Self> {
        ProcessSpec::new(sample_rate, BLOCK, channels).validate().map_err(value_error)?;
        let mut plan = Plan {
            stages: Vec::new(),
            sample_rate,
            in_channels: channels,
            out_channels: channels,
            max_channels: channels,
            latency: 0,
            tail: 0,
        };
        for obj in leaves(obj)? {
            let name = obj.get_type().name()?.to_string();
            let mut this = obj.try_borrow_mut()?;
            let engine = this.engine_mut().expect("leaves are nodes");
            plan.out_channels =
                engine.configure(obj.py(), sample_rate, plan.out_channels, &name)?;
            if reset {
                engine.node.reset();
            }
            plan.max_channels = plan.max_channels.max(plan.out_channels);
            plan.latency += engine.node.latency();
            plan.tail += engine.node.tail();
            drop(this);
            plan.stages.push(Stage { obj, name });
        }
        Ok(plan)
    }

    /// Runs the stages over `views` (at least `max_channels` equally long
    /// channels, the input in the first `in_channels`), with the GIL
    /// released while each stage processes.
    ///
    /// With `keyed` (only for a single dynamics processor) the sidechain
    /// keys it and its gain-reduction rows are written.
    fn run(
        &self,
        py: Python<'_>,
        views: &mut [&mut [f32]],
        mut keyed: Option<KeyedBuffers<'_, '_>>,
    ) -> PyResult<()> {
        let mut channels = self.in_channels;
        for stage in &self.stages {
            let mut this = stage.obj.try_borrow_mut()?;
            let engine = this.engine_mut().expect("leaves are nodes");
            // Another thread may have changed parameters while a previous
            // stage ran detached; re-checking is cheap when nothing changed.
            let wanted = engine.configure(py, self.sample_rate, channels, &stage.name)?;
            if channels == 1 {
                let (first, rest) = views.split_at_mut(1);
                rest[..wanted - 1].iter_mut().for_each(|ch| ch.copy_from_slice(first[0]));
            }
            channels = wanted;
            let node: &mut dyn Node = &mut *engine.node;
            let active = &mut views[..channels];
            match (keyed.take(), node.dynamics()) {
                (Some(k), Some(dynamics)) => {
                    py.detach(|| run_dynamics(dynamics, active, k.sidechain, k.gain_reduction));
                }
                (Some(_), None) => unreachable!("keyed processing is only offered by dynamics"),
                (None, _) => py.detach(|| process_in_blocks(node, active, BLOCK)),
            }
        }
        Ok(())
    }
}

/// A chain counts the non-finite samples at its input and silences them.
fn count_nonfinite(obj: &Bound<'_, PyProcessor>, input: &mut [&mut [f32]]) -> PyResult<()> {
    if let Body::Chain { nonfinite, .. } = &mut obj.try_borrow_mut()?.body {
        *nonfinite += sanitize(input);
    }
    Ok(())
}

#[pymethods]
impl PyProcessor {
    /// Processes `x` and returns a new float32 array: same as `process`.
    #[pyo3(signature = (x, sample_rate, reset = true, tail = false))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        tail: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::process(slf, x, sample_rate, reset, tail)
    }

    /// Processes `x` (1-D mono or `(channels, samples)`, real floating
    /// point) and returns a new float32 array. With `reset` the processor
    /// starts from silence and the output is latency compensated; `tail`
    /// appends `tail_samples` of output. With `reset=False` it continues a
    /// stream and the output is delayed by `latency_samples`. The GIL is
    /// released while processing, in passes of 16384 frames: parameters
    /// set from another thread meanwhile apply from the next pass.
    #[pyo3(signature = (x, sample_rate, reset = true, tail = false))]
    fn process<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        tail: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(Self::process_keyed(slf, x, sample_rate, reset, tail, None)?.0)
    }

    /// Processes a writable C-contiguous float32 array in place (never
    /// copies). Not latency compensated; `reset=False` continues a stream.
    #[pyo3(signature = (x, sample_rate, reset = false))]
    fn process_inplace(
        slf: &Bound<'_, Self>,
        x: &Bound<'_, PyAny>,
        sample_rate: f64,
        reset: bool,
    ) -> PyResult<()> {
        Self::process_inplace_keyed(slf, x, sample_rate, reset, None)?;
        Ok(())
    }

    /// Clears all signal state (filter memories, smoothing, delay lines).
    fn reset(slf: &Bound<'_, Self>) -> PyResult<()> {
        for obj in leaves(slf)? {
            if let Some(engine) = obj.try_borrow_mut()?.engine_mut() {
                engine.node.reset();
            }
        }
        Ok(())
    }

    /// Delay in samples that processing adds (as prepared by the last call).
    #[getter]
    fn latency_samples(slf: &Bound<'_, Self>) -> PyResult<usize> {
        Self::sum_over_leaves(slf, |n| n.latency())
    }

    /// Samples of output that may follow the input (`tail=True` appends them).
    #[getter]
    fn tail_samples(slf: &Bound<'_, Self>) -> PyResult<usize> {
        Self::sum_over_leaves(slf, |n| n.tail())
    }

    /// Non-finite input samples (NaN, Inf) seen and replaced by silence.
    #[getter]
    fn nonfinite_count(&self) -> u64 {
        match &self.body {
            Body::Node(e) => e.node.nonfinite_count(),
            Body::Chain { nonfinite, .. } => *nonfinite,
        }
    }
}

/// What a dynamics processor is asked for besides the audio: a sidechain
/// (any audio array, as long as the input) and the gain-reduction series.
pub(crate) struct Keyed<'a, 'py> {
    /// The sidechain signal, if any.
    pub sidechain: Option<&'a Bound<'py, PyAny>>,
    /// Gain-reduction rows to return (0 = none).
    pub gain_reduction_rows: usize,
}

/// The planar buffers behind [`Keyed`] for one run.
pub(crate) struct KeyedBuffers<'a, 'b> {
    sidechain: Option<&'a [&'b [f32]]>,
    gain_reduction: &'a mut [&'b mut [f32]],
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

/// Runs `plan` over `views` keyed by the sidechain channels `side` (none:
/// keyed by the input) with `gr` as the gain-reduction rows.
fn run_keyed<'a, 'b>(
    plan: &Plan<'_>,
    py: Python<'_>,
    views: &mut [&mut [f32]],
    side: &'a [&'b [f32]],
    gr: &'a mut [&'b mut [f32]],
) -> PyResult<()> {
    let keyed = KeyedBuffers { sidechain: (!side.is_empty()).then_some(side), gain_reduction: gr };
    plan.run(py, views, Some(keyed))
}

impl PyProcessor {
    /// `process`, with a sidechain and gain-reduction series for dynamics
    /// processors: returns the output and, if rows were asked for, the
    /// gain reduction in dB aligned with it (1-D for one row).
    pub(crate) fn process_keyed<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        tail: bool,
        keyed: Option<Keyed<'_, 'py>>,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
        if tail && !reset {
            return Err(PyValueError::new_err(
                "tail=True needs reset=True: the tail ends a stream, so it is only \
                 appended to one-shot processing",
            ));
        }
        let array = float_array(x)?;
        let shape = audio_shape(array.shape())?;
        let input = Samples::new(&array)?;
        let plan = Plan::new(slf, sample_rate, shape.channels, reset)?;
        let (lead, extra) =
            if reset { (plan.latency, if tail { plan.tail } else { 0 }) } else { (0, 0) };
        let out_len = shape.samples + extra;
        // Samples per channel run through the processors: the first `lead`
        // outputs are the latency and are dropped.
        let total = lead + out_len;
        // The sidechain is read pass by pass like the input (zeros after
        // it), so the key of input sample i reaches the output where sample
        // i does.
        let side = match keyed.as_ref().and_then(|k| k.sidechain) {
            Some(s) => Some(sidechain_input(s, shape.samples)?),
            None => None,
        };
        let rows = keyed.as_ref().map_or(0, |k| k.gain_reduction_rows);
        let mut out = vec![0.0f32; plan.out_channels * out_len];
        let mut gr = vec![0.0f32; rows * out_len];
        // Block by block through cache-sized buffers: each sample is read
        // from the input and written to the output once.
        let mut block = vec![0.0f32; plan.max_channels * PASS];
        let mut gr_block = vec![0.0f32; rows * PASS];
        let mut side_block = vec![0.0f32; side.as_ref().map_or(0, |(s, _)| s.channels) * PASS];
        let mut start = 0;
        while start < total {
            let n = PASS.min(total - start);
            input.copy_block(shape, start, n, &mut block, PASS)?;
            let mut views: Vec<&mut [f32]> = block.chunks_mut(PASS).map(|c| &mut c[..n]).collect();
            views[shape.channels..].iter_mut().for_each(|c| c.fill(0.0));
            count_nonfinite(slf, &mut views[..shape.channels])?;
            if let Some((side_shape, side_input)) = &side {
                side_input.copy_block(*side_shape, start, n, &mut side_block, PASS)?;
            }
            match keyed {
                Some(_) => {
                    let side: Vec<&[f32]> = side_block.chunks(PASS).map(|c| &c[..n]).collect();
                    let mut gr: Vec<&mut [f32]> =
                        gr_block.chunks_mut(PASS).map(|c| &mut c[..n]).collect();
                    run_keyed(&plan, slf.py(), &mut views, &side, &mut gr)?;
                }
                None => plan.run(slf.py(), &mut views, None)?,
            }
            // Block sample `start + i` is output sample `start + i - lead`
            // (a pass may lie wholly within the latency).
            let skip = lead.saturating_sub(start).min(n);
            let at = (start + skip).saturating_sub(lead);
            for (dst, src) in [(&mut out, &block), (&mut gr, &gr_block)] {
                for (d, s) in dst.chunks_mut(out_len.max(1)).zip(src.chunks(PASS)) {
                    d[at..at + n - skip].copy_from_slice(&s[skip..n]);
                }
            }
            start += n;
        }
        let py = slf.py();
        let out =
            to_numpy(py, out, plan.out_channels, out_len, shape.one_d && plan.out_channels == 1)?;
        let gr = match rows {
            0 => None,
            n => Some(to_numpy(py, gr, n, out_len, n == 1)?),
        };
        Ok((out, gr))
    }

    /// `process_inplace`, with a sidechain and gain-reduction series for
    /// dynamics processors (see [`PyProcessor::process_keyed`]).
    pub(crate) fn process_inplace_keyed<'py>(
        slf: &Bound<'py, Self>,
        x: &Bound<'py, PyAny>,
        sample_rate: f64,
        reset: bool,
        keyed: Option<Keyed<'_, 'py>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let (shape, mut array) = writable_audio(x)?;
        let plan = Plan::new(slf, sample_rate, shape.channels, reset)?;
        if plan.max_channels != shape.channels || plan.out_channels != shape.channels {
            return Err(PyValueError::new_err(format!(
                "this processor turns {} channel(s) into {}: process_inplace cannot change \
                 the shape; use process(), which returns a new array",
                shape.channels,
                plan.out_channels.max(plan.max_channels)
            )));
        }
        let side = match keyed.as_ref().and_then(|k| k.sidechain) {
            Some(s) => {
                let (side_shape, side_input) = sidechain_input(s, shape.samples)?;
                let mut data = vec![0.0f32; side_shape.channels * shape.samples];
                side_input.copy_block(side_shape, 0, shape.samples, &mut data, shape.samples)?;
                data
            }
            None => Vec::new(),
        };
        let rows = keyed.as_ref().map_or(0, |k| k.gain_reduction_rows);
        let mut gr = vec![0.0f32; rows * shape.samples];
        let data = array.as_slice_mut()?;
        if shape.samples > 0 {
            let mut views: Vec<&mut [f32]> = data.chunks_mut(shape.samples).collect();
            count_nonfinite(slf, &mut views)?;
            match keyed {
                Some(_) => {
                    let side: Vec<&[f32]> = side.chunks(shape.samples).collect();
                    let mut gr: Vec<&mut [f32]> = gr.chunks_mut(shape.samples).collect();
                    run_keyed(&plan, slf.py(), &mut views, &side, &mut gr)?;
                }
                None => plan.run(slf.py(), &mut views, None)?,
            }
        }
        match rows {
            0 => Ok(None),
            n => Ok(Some(to_numpy(slf.py(), gr, n, shape.samples, n == 1)?)),
        }
    }

    fn sum_over_leaves(slf: &Bound<'_, Self>, f: impl Fn(&dyn Node) -> usize) -> PyResult<usize> {
        let mut sum = 0;
        for obj in leaves(slf)? {
            if let Body::Node(e) = &obj.try_borrow()?.body {
                sum += f(&*e.node);
            }
        }
        Ok(sum)
    }
}
