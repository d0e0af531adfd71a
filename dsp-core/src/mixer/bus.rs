//! An aux bus or the master bus: summed stereo input, insert chain, fader.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::meter::Meter;
use super::strip::BusStrip;
use super::track::{Path, blocks};
use crate::chain::Chain;
use crate::error::Error;
use crate::processor::Processor;
use crate::spec::ProcessSpec;

/// A stereo bus: the sum of what is sent to it, through its insert chain
/// and fader. Aux buses return into the master bus; the master bus is the
/// mixer's output.
#[derive(Debug)]
pub struct Bus {
    pub(crate) name: String,
    pub(crate) strip: BusStrip,
    pub(crate) inserts: Chain,
    /// Summed input, then the bus's output (one span).
    pub(crate) input: [Vec<f32>; 2],
    /// Largest block the chain takes.
    block: usize,
    /// Return to the master (unity gain; the strip applies the fader).
    pub(crate) ret: Path,
    pub(crate) meter: Meter,
}

impl Bus {
    pub(crate) fn new(name: &str) -> Self {
        let mut ret = Path::default();
        ret.target(1.0);
        ret.reset();
        Self {
            name: name.into(),
            strip: BusStrip::default(),
            inserts: Chain::new(),
            input: Default::default(),
            block: 0,
            ret,
            meter: Meter::default(),
        }
    }

    /// The bus's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The strip (fader, mute, solo, solo safety).
    pub fn strip(&self) -> &BusStrip {
        &self.strip
    }

    /// The strip, to change its settings.
    pub fn strip_mut(&mut self) -> &mut BusStrip {
        &mut self.strip
    }

    /// The insert chain (stereo).
    pub fn inserts(&self) -> &Chain {
        &self.inserts
    }

    /// The insert chain, to change it; after adding or removing members,
    /// call [`Mixer::prepare`](super::Mixer::prepare) again.
    pub fn inserts_mut(&mut self) -> &mut Chain {
        &mut self.inserts
    }

    /// The bus's meter (post-fader), if metering is on.
    pub fn meter(&self) -> Option<&crate::analysis::LoudnessMeter> {
        self.meter.get()
    }

    /// Sizes the chain for blocks of `block` samples, and the buffers for
    /// runs of `span`.
    pub(crate) fn prepare(
        &mut self,
        sample_rate: f64,
        block: usize,
        span: usize,
        delay_capacity: usize,
        metering: bool,
    ) -> Result<(), Error> {
        use crate::params::DynProcessor;
        if self.inserts.route(2)? != 2 {
            return Err(Error::InvalidChannelCount { channels: 2 });
        }
        let spec = ProcessSpec::new(sample_rate, block, 2);
        self.inserts.prepare(&spec)?;
        self.strip.prepare(&spec)?;
        self.input = [vec![0.0; span], vec![0.0; span]];
        self.block = block;
        self.ret.allocate(block, span, delay_capacity, sample_rate);
        self.meter.prepare(sample_rate, metering)
    }

    pub(crate) fn reset(&mut self) {
        self.inserts.reset();
        self.strip.reset();
        self.ret.reset();
        self.meter.reset();
    }

    /// Runs the summed input (`n` samples, at most a span) block by block
    /// through the chain and fader (whose target the mixer moved), in
    /// place. Never allocates.
    pub(crate) fn run(&mut self, n: usize) {
        for (at, m) in blocks(n, self.block) {
            self.run_block(at, m);
        }
    }

    fn run_block(&mut self, at: usize, n: usize) {
        let [l, r] = &mut self.input;
        let mut ch = [&mut l[at..at + n], &mut r[at..at + n]];
        self.inserts.process(&mut ch);
        self.strip.apply(&mut ch);
        self.meter.add(&self.input, at, n);
    }

    /// Runs the bus and adds its delayed return into `master`.
    pub(crate) fn run_into(&mut self, n: usize, master: &mut [Vec<f32>; 2]) {
        for (at, m) in blocks(n, self.block) {
            self.run_block(at, m);
            let [l, r] = &self.input;
            self.ret.feed(&l[at..at + m], &r[at..at + m], at);
        }
        self.ret.add_into(master, n);
    }
}
