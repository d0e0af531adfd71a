//! A chain of processors run in series.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;

use crate::buffer::{count_nonfinite, sanitize};
use crate::error::Error;
use crate::params::{Caps, DynProcessor, MemberLoader};
use crate::preset_format::{Preset, PresetError};
use crate::processor::{Processor, check_planar, process_in_blocks};
use crate::spec::ProcessSpec;

crate::declare_params! {
    Chain, CHAIN_KIND = "chain", "Chain", Caps::PLAIN.latency().tail(),
        "Processors in series; its members are its structure.",
        dyn {
            fn route(&mut self, input: usize) -> Result<usize, Error> {
                for slot in &mut self.slots {
                    if slot.route(input)? != input {
                        return Err(Error::InvalidChannelCount { channels: input });
                    }
                }
                Ok(input)
            }

            fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
                self.slots.iter().map(|s| save(&**s)).collect()
            }

            fn load_members(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
                let mut chain = Chain::new();
                for (i, m) in members.iter().enumerate() {
                    let p = load(m).map_err(|e| e.within(&format!("member {i}")))?;
                    chain.push(p);
                }
                self.slots = chain.slots;
                self.spec = None;
                Ok(())
            }
        };
}

/// Processors in series. Preparing the chain prepares every member; its
/// latency and tail are the sums over the members (a bypassed member keeps
/// its latency, so that bypassing never moves the audio in time).
///
/// [`Chain::process_checked`] accepts blocks of any length and splits them
/// into pieces of at most the prepared block size.
#[derive(Default)]
pub struct Chain {
    slots: Vec<Box<dyn DynProcessor>>,
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
    pub fn push(&mut self, processor: Box<dyn DynProcessor>) {
        self.slots.push(processor);
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

    /// Mutable access to member `index`.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut (dyn DynProcessor + 'static)> {
        self.slots.get_mut(index).map(|s| &mut **s)
    }

    /// Replaces member `index` by `wrap(member)` (bindings wrap members in
    /// their own handles); `None` if there is no such member. May allocate.
    pub fn wrap_member(
        &mut self,
        index: usize,
        wrap: impl FnOnce(Box<dyn DynProcessor>) -> Box<dyn DynProcessor>,
    ) -> Option<&mut (dyn DynProcessor + 'static)> {
        let slot = self.slots.get_mut(index)?;
        let member = core::mem::replace(slot, Box::new(crate::mix::Gain::default()));
        *slot = wrap(member);
        Some(&mut **slot)
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
            slot.prepare(spec)?;
        }
        self.spec = Some(*spec);
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        for slot in &mut self.slots {
            slot.reset();
        }
    }

    /// Counts the non-finite input samples; the first member silences
    /// (and counts) them, or the chain does when it has none.
    fn process(&mut self, channels: &mut [&mut [f32]]) {
        if self.slots.is_empty() {
            self.nonfinite += sanitize(channels);
            return;
        }
        self.nonfinite += count_nonfinite(channels);
        for slot in &mut self.slots {
            slot.process(channels);
        }
    }

    fn latency(&self) -> usize {
        self.slots.iter().map(|s| s.latency()).sum()
    }

    fn tail(&self) -> usize {
        self.slots.iter().map(|s| s.tail()).sum()
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bypass::Bypassable;
    use crate::mix::{Gain, StereoWidth};
    use crate::preset;
    use crate::test_util::*;
    use approx::assert_abs_diff_eq;

    /// A pure delay, to give the chain measurable latency.
    #[derive(Clone, Default)]
    struct Delay {
        buf: [f32; 16],
        pos: usize,
        len: usize,
    }
    impl Processor for Delay {
        fn prepare(&mut self, _: &ProcessSpec) -> Result<(), Error> {
            self.reset();
            Ok(())
        }
        fn reset(&mut self) {
            self.buf = [0.0; 16];
            self.pos = 0;
        }
        fn process(&mut self, ch: &mut [&mut [f32]]) {
            for x in ch[0].iter_mut() {
                let out = self.buf[self.pos];
                self.buf[self.pos] = *x;
                self.pos = (self.pos + 1) % self.len;
                *x = out;
            }
        }
        fn latency(&self) -> usize {
            self.len
        }
        fn nonfinite_count(&self) -> u64 {
            0
        }
    }

    crate::declare_params! {
        Delay, DELAY_KIND = "test_delay", "TestDelay", Caps::PLAIN.latency(), "A pure delay.";
    }

    fn delay(len: usize) -> Box<Delay> {
        Box::new(Delay { buf: [0.0; 16], pos: 0, len })
    }

    #[test]
    fn latency_is_the_sum_and_matches_the_impulse_delay() {
        let mut chain = Chain::new();
        chain.push(delay(3));
        chain.push(Box::new(Gain::new(-6.0, false).unwrap()));
        chain.push(delay(5));
        chain.prepare(&ProcessSpec::new(48_000.0, 4, 1)).unwrap();
        assert_eq!(chain.latency(), 8);
        let mut x = [0.0f32; 32];
        x[0] = 1.0;
        chain.process_checked(&mut [&mut x]).unwrap();
        let peak = x.iter().position(|&v| v != 0.0).unwrap();
        assert_eq!(peak, chain.latency());
        assert_abs_diff_eq!(x[peak], 0.501_187, epsilon = 1e-5);
    }

    /// Bypassed members pass their input through, delayed by their
    /// latency: the chain's latency does not move.
    #[test]
    fn bypassed_members_pass_the_input_in_time() {
        let mut chain = Chain::new();
        chain.push(Box::new(Bypassable::new(Gain::new(-20.0, false).unwrap())));
        chain.push(Box::new(Bypassable::new(*delay(2))));
        for i in 0..2 {
            chain.get_mut(i).unwrap().set("bypass", 1.0).unwrap();
        }
        // A preset keeps the members, their settings and bypass.
        let saved = preset::save(&chain);
        assert_eq!(saved.members.len(), 2);
        assert!(saved.members.iter().all(|m| m.params["bypass"] == preset::Value::Bool(true)));
        chain.prepare(&ProcessSpec::new(48_000.0, 64, 1)).unwrap();
        assert_eq!(chain.latency(), 2);
        let mut x = sine(100.0, 48_000.0, 256, 0.5);
        let want = x.clone();
        chain.process_checked(&mut [&mut x]).unwrap();
        assert_eq!(x[2..], want[..254]);
    }

    #[test]
    fn checks_its_input() {
        let mut chain = Chain::new();
        chain.push(Box::new(StereoWidth::new(0.0, 0.0, 0.0).unwrap()));
        let mut a = [0.0f32; 8];
        let mut b = [0.0f32; 7];
        assert_eq!(chain.process_checked(&mut [&mut a]), Err(Error::NotPrepared));
        assert!(chain.prepare(&ProcessSpec::new(48_000.0, 64, 1)).is_err());
        chain.prepare(&ProcessSpec::new(48_000.0, 64, 2)).unwrap();
        assert!(matches!(chain.process_checked(&mut [&mut a]), Err(Error::ChannelMismatch { .. })));
        assert!(matches!(
            chain.process_checked(&mut [&mut a, &mut b]),
            Err(Error::LengthMismatch { .. })
        ));
        // Longer than the block size is fine: the chain splits it.
        let mut l = sine(50.0, 48_000.0, 1000, 0.5);
        let mut r = vec![0.0f32; 1000];
        chain.process_checked(&mut [&mut l, &mut r]).unwrap();
        assert_eq!(l, r);
    }

    /// A nested chain with bypassed and non-default members survives a
    /// preset round trip with bit-identical output.
    #[test]
    fn nested_chain_round_trips() {
        use crate::mix::{ChannelMode, ChannelTool, Pan, PanLaw};
        let mut inner = Chain::new();
        inner.push(Box::new(Pan::new(0.4, PanLaw::Compromise).unwrap()));
        inner.push(Box::new(Bypassable::new(ChannelTool::new(ChannelMode::Swap))));
        inner.get_mut(1).unwrap().set("bypass", 1.0).unwrap();
        let mut chain = Chain::new();
        chain.push(Box::new(Gain::new(-4.5, true).unwrap()));
        chain.push(Box::new(inner));
        chain.push(Box::new(StereoWidth::new(1.4, -1.0, 2.0).unwrap()));
        let saved = preset::save(&chain);
        let mut copy = preset::load(&saved).unwrap();
        assert_eq!(preset::save(&*copy), saved);
        assert_eq!(saved.members[1].members[1].params["bypass"], preset::Value::Bool(true));
        let spec = ProcessSpec::new(48_000.0, 256, 2);
        chain.prepare(&spec).unwrap();
        copy.prepare(&spec).unwrap();
        let (mut a, mut b) = (test_signal(2, 2_000), test_signal(2, 2_000));
        let [a0, a1] = &mut a[..] else { unreachable!() };
        let [b0, b1] = &mut b[..] else { unreachable!() };
        process_in_blocks(&mut chain, &mut [a0, a1], 256);
        process_in_blocks(&mut *copy, &mut [b0, b1], 256);
        assert_eq!(a, b);
        let mut bad = saved.clone();
        bad.members[1].members[0].kind = "nope".into();
        let e = preset::load(&bad).err().unwrap().to_string();
        assert!(e.contains("member 1") && e.contains("member 0") && e.contains("nope"), "{e}");
    }

    #[test]
    fn nonfinite_input_is_counted_once() {
        let mut chain = Chain::new();
        chain.push(Box::new(Gain::new(0.0, false).unwrap()));
        chain.push(Box::new(Gain::new(0.0, false).unwrap()));
        chain.prepare(&ProcessSpec::new(48_000.0, 64, 1)).unwrap();
        let mut x = [1.0, f32::NAN, f32::INFINITY, 0.5];
        chain.process_checked(&mut [&mut x]).unwrap();
        assert_eq!(x, [1.0, 0.0, 0.0, 0.5]);
        assert_eq!(chain.nonfinite_count(), 2);
    }
}
