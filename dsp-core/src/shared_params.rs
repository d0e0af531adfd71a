//! Parameter targets that any thread may set while another processes: one
//! atomic per declared parameter, picked up by the processing thread at its
//! next block (JUCE's parameter state and nih-plug work the same way).
//!
//! A host keeps a [`SharedParams`] beside a processor: its UI or
//! automation thread calls [`SharedParams::set`] (checked against the
//! declaration, lock-free, no allocation), and the processing thread calls
//! [`SharedParams::apply`] before each block, which hands the changed
//! values to the processor's checked setters; the processor then glides to
//! them as it does for any setter call.

use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::Error;
use crate::params::{KindInfo, Params, no_such_index_error};

#[derive(Debug)]
struct Slot {
    bits: AtomicU64,
    changed: AtomicBool,
}

/// Lock-free parameter targets for one processor.
#[derive(Debug)]
pub struct SharedParams {
    kind: &'static KindInfo,
    slots: Box<[Slot]>,
    any_changed: AtomicBool,
}

impl SharedParams {
    /// Targets holding `p`'s current values.
    pub fn new(p: &dyn Params) -> Self {
        let kind = p.kind();
        let slots = (0..kind.params.len())
            .map(|i| Slot {
                bits: AtomicU64::new(p.param(i).unwrap_or(kind.params[i].default).to_bits()),
                changed: AtomicBool::new(false),
            })
            .collect();
        Self { kind, slots, any_changed: AtomicBool::new(false) }
    }

    /// The kind whose parameters these are.
    pub fn kind(&self) -> &'static KindInfo {
        self.kind
    }

    /// The target of parameter `index`.
    pub fn get(&self, index: usize) -> Option<f64> {
        self.slots.get(index).map(|s| f64::from_bits(s.bits.load(Ordering::Acquire)))
    }

    /// Sets the target of parameter `index` from any thread, checked against
    /// its declaration. Never allocates or locks.
    pub fn set(&self, index: usize, value: f64) -> Result<(), Error> {
        let slot = self.slots.get(index).ok_or_else(no_such_index_error)?;
        let value = self.kind.params[index].check(value)?;
        slot.bits.store(value.to_bits(), Ordering::Release);
        slot.changed.store(true, Ordering::Release);
        self.any_changed.store(true, Ordering::Release);
        Ok(())
    }

    /// Records a value the processor already holds (after a typed setter
    /// on the processing thread), without marking it changed.
    pub fn store(&self, index: usize, value: f64) {
        if let Some(slot) = self.slots.get(index) {
            slot.bits.store(value.to_bits(), Ordering::Release);
        }
    }

    /// Copies every parameter of `p` into the targets.
    pub fn store_all(&self, p: &dyn Params) {
        for i in 0..self.slots.len() {
            if let Some(v) = p.param(i) {
                self.store(i, v);
            }
        }
    }

    /// On the processing thread: hands every target changed since the last
    /// call to `p` (of the same kind). Never allocates or locks; a value
    /// the processor refuses (a cross-parameter rule) is put back to the
    /// processor's value. Returns whether anything changed.
    pub fn apply(&self, p: &mut dyn Params) -> bool {
        if !self.any_changed.load(Ordering::Acquire) {
            return false;
        }
        self.any_changed.store(false, Ordering::Release);
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.changed.swap(false, Ordering::AcqRel) {
                let value = f64::from_bits(slot.bits.load(Ordering::Acquire));
                if p.set_param(i, value).is_err() {
                    if let Some(v) = p.param(i) {
                        self.store(i, v);
                    }
                }
            }
        }
        true
    }
}
