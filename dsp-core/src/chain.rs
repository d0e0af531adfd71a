//! A chain of processors run in series, each of which can be bypassed.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::processor::{Processor, check_planar, process_in_blocks};
use crate::spec::ProcessSpec;

/// One member of a [`Chain`].
struct Slot {
    processor: Box<dyn Processor>,
    bypassed: bool,
}

/// Processors in series. Preparing the chain prepares every member; its
/// latency and tail are the sums over the members that are not bypassed.
///
/// [`Chain::process_checked`] accepts blocks of any length and splits them
/// into pieces of at most the prepared block size.
#[derive(Default)]
pub struct Chain {
    slots: Vec<Slot>,
    spec: Option<ProcessSpec>,
    nonfinite: u64,
}

impl core::fmt::Debug for Chain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chain").field("len", &self.slots.len()).field("spec", &self.spec).finish()
    }
}

impl Chain {
    /// An empty chain (processes as identity).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a processor; call [`prepare`](Processor::prepare) again after
    /// changing the chain.
    pub fn push(&mut self, processor: Box<dyn Processor>) {
        self.slots.push(Slot { processor, bypassed: false });
        self.spec = None;
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the chain has no members.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bypasses (or re-enables) member `index`; out-of-range indices are an error.
    pub fn set_bypassed(&mut self, index: usize, bypassed: bool) -> Result<(), Error> {
        let slot = self.slots.get_mut(index).ok_or(Error::InvalidParameter {
            name: "index",
            reason: "no chain member at this index",
        })?;
        slot.bypassed = bypassed;
        Ok(())
    }

    /// Whether member `index` is bypassed (`None` if out of range).
    pub fn is_bypassed(&self, index: usize) -> Option<bool> {
        self.slots.get(index).map(|s| s.bypassed)
    }

    /// Mutable access to member `index`.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut (dyn Processor + 'static)> {
        self.slots.get_mut(index).map(|s| &mut *s.processor)
    }

    /// The spec the chain was last prepared with.
    pub fn spec(&self) -> Option<&ProcessSpec> {
        self.spec.as_ref()
    }

    /// Checks `channels` against the prepared spec, then processes them in
    /// blocks of at most the prepared maximum size.
    pub fn process_checked(&mut self, channels: &mut [&mut [f32]]) -> Result<(), Error> {
        let spec = self.spec.ok_or(Error::NotPrepared)?;
        check_planar(&spec, channels, false)?;
        process_in_blocks(self, channels, spec.max_block_size);
        Ok(())
    }
}

impl Processor for Chain {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        for slot in &mut self.slots {
            slot.processor.prepare(spec)?;
        }
        self.spec = Some(*spec);
        Ok(())
    }

    fn reset(&mut self) {
        for slot in &mut self.slots {
            slot.processor.reset();
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        for slot in self.slots.iter_mut().filter(|s| !s.bypassed) {
            slot.processor.process(channels);
        }
    }

    fn latency(&self) -> usize {
        self.slots.iter().filter(|s| !s.bypassed).map(|s| s.processor.latency()).sum()
    }

    fn tail(&self) -> usize {
        self.slots.iter().filter(|s| !s.bypassed).map(|s| s.processor.tail()).sum()
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}
