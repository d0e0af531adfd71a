//! Bypass: one switch, spelled `bypass`, on every processor kind.
//!
//! [`declare_params!`](crate::declare_params) appends [`BYPASS`] to every
//! kind's parameters. A kind either bypasses itself (`bypass: [native get,
//! set]` in its declaration: the dynamics processors, which keep their
//! detectors running, and the filters, which fade their band out), or the
//! registry wraps it in [`Bypassable`], which crossfades to the input
//! delayed by the processor's latency, so that bypassing never moves the
//! audio in time. Kinds that are not processors on their own (mixer
//! strips) declare `bypass: [none]`.

use crate::error::Error;
use crate::params::ParamInfo;
use crate::smooth::DEFAULT_SMOOTHING_MS;

/// The declaration every kind's `bypass` parameter shares.
pub const BYPASS: ParamInfo = ParamInfo::toggle(
    "bypass",
    false,
    "Passes the input through unchanged (delayed by the latency); changes crossfade",
)
.smoothed(DEFAULT_SMOOTHING_MS);

/// How a kind implements its `bypass` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BypassMode {
    /// The processor bypasses itself.
    Native,
    /// The registry wraps the processor in [`Bypassable`].
    Wrapped,
    /// The kind has no `bypass` parameter.
    None,
}

/// A kind's own side of its `bypass` parameter (implemented by
/// [`declare_params!`](crate::declare_params)). The defaults are those of a
/// [`BypassMode::Wrapped`] kind: on its own it is never bypassed and
/// refuses to be.
pub trait BypassParam {
    /// How the kind implements `bypass`.
    const MODE: BypassMode = BypassMode::Wrapped;

    /// Whether the processor is bypassed.
    fn bypass_param(&self) -> bool {
        false
    }

    /// Bypasses the processor or brings it back.
    fn set_bypass_param(&mut self, on: bool) -> Result<(), Error> {
        if on {
            Err(Error::InvalidParameter {
                name: "bypass",
                reason: "this processor is bypassed by a Bypassable wrapper \
                         (registry::create gives one)",
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(feature = "alloc")]
pub use wrapper::Bypassable;

#[cfg(feature = "alloc")]
mod wrapper {
    use alloc::vec;
    use alloc::vec::Vec;
    use core::any::Any;
    use core::ops::Range;

    use crate::buffer::sanitize_slice;
    use crate::error::Error;
    use crate::params::{DynProcessor, Dynamics, KindInfo, MemberLoader, Params};
    use crate::preset_format::{Preset, PresetError};
    use crate::processor::Processor;
    use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
    use crate::spec::{MAX_CHANNELS, ProcessSpec};

    /// A processor with a `bypass` switch: bypassed, it outputs its input
    /// delayed by the processor's latency (measured at `prepare`), and every
    /// change crossfades over 20 ms. A fully bypassed processor is not run;
    /// it is reset before it fades back in, so no stale tail reappears.
    #[derive(Debug, Clone)]
    pub struct Bypassable<P> {
        inner: P,
        on: bool,
        /// 1 = processed, 0 = input; glides on every change.
        wet: LinearSmoother,
        /// The last `delay` input samples of each channel, a ring per channel.
        ring: Vec<f32>,
        delay: usize,
        pos: usize,
        /// Copy of the input while crossfading.
        dry: Vec<f32>,
        max_block: usize,
        /// Non-finite samples counted while the processor was not run.
        nonfinite: u64,
        /// The wrapped processor's gain-reduction rows and readings.
        gr_rows: usize,
        gr: [f32; GR_ROWS],
    }

    /// Gain-reduction rows a wrapped processor may have (multiband bands).
    const GR_ROWS: usize = 8;

    impl<P: Default> Default for Bypassable<P> {
        fn default() -> Self {
            Self::new(P::default())
        }
    }

    impl<P> Bypassable<P> {
        /// `inner`, not bypassed.
        pub fn new(inner: P) -> Self {
            Self {
                inner,
                on: false,
                wet: LinearSmoother::new(1.0),
                ring: Vec::new(),
                delay: 0,
                pos: 0,
                dry: Vec::new(),
                max_block: 0,
                nonfinite: 0,
                gr_rows: 1,
                gr: [0.0; GR_ROWS],
            }
        }

        /// The wrapped processor.
        pub fn inner(&self) -> &P {
            &self.inner
        }

        /// The wrapped processor, mutably.
        pub fn inner_mut(&mut self) -> &mut P {
            &mut self.inner
        }

        /// Whether the processor is bypassed.
        pub fn bypass(&self) -> bool {
            self.on
        }

        /// Bypasses the processor or brings it back (with a crossfade).
        pub fn set_bypass(&mut self, on: bool) {
            self.on = on;
            self.wet.set_target(if on { 0.0 } else { 1.0 });
        }

        fn fully_bypassed(&self) -> bool {
            self.on && !self.wet.is_smoothing()
        }

        /// Writes `x` (channel `ch`) into its ring and replaces it by the
        /// input of `delay` samples ago.
        fn delay_channel(ring: &mut [f32], delay: usize, pos: usize, x: &mut [f32]) {
            if delay == 0 {
                return;
            }
            for (p, r) in runs(delay, pos, x.len()) {
                for (v, d) in x[r].iter_mut().zip(&mut ring[p..]) {
                    core::mem::swap(v, d);
                }
            }
        }

        /// Writes `x` (finite samples; others as silence) into a ring of
        /// `delay > 0` samples from `pos` on.
        fn feed(ring: &mut [f32], delay: usize, pos: usize, x: &[f32]) {
            for (p, r) in runs(delay, pos, x.len()) {
                for (d, &v) in ring[p..].iter_mut().zip(&x[r]) {
                    *d = if v.is_finite() { v } else { 0.0 };
                }
            }
        }

        /// Runs one block: `run` processes it when the processor is heard.
        fn run(&mut self, channels: &mut [&mut [f32]], run: impl FnOnce(&mut P, &mut [&mut [f32]]))
        where
            P: Processor,
        {
            let n = channels.first().map_or(0, |c| c.len());
            let (delay, pos) = (self.delay, self.pos);
            let next_pos = if delay == 0 { 0 } else { (pos + n) % delay };
            if !self.on && !self.wet.is_smoothing() {
                // Processed only: keep the ring fed for a later bypass.
                if delay > 0 {
                    for (c, ch) in channels.iter().enumerate() {
                        Self::feed(&mut self.ring[c * delay..(c + 1) * delay], delay, pos, ch);
                    }
                }
                self.pos = next_pos;
                run(&mut self.inner, channels);
                return;
            }
            if self.fully_bypassed() {
                for (c, ch) in channels.iter_mut().enumerate() {
                    self.nonfinite += sanitize_slice(ch);
                    Self::delay_channel(&mut self.ring[c * delay..(c + 1) * delay], delay, pos, ch);
                }
                self.pos = next_pos;
                return;
            }
            // Crossfading: the delayed input beside the processed block.
            if self.wet.current() == 0.0 {
                self.nonfinite += self.inner.nonfinite_count();
                self.inner.reset();
            }
            let m = self.max_block;
            for (c, ch) in channels.iter().enumerate() {
                let dry = &mut self.dry[c * m..c * m + n];
                dry.copy_from_slice(ch);
                sanitize_slice(dry);
                Self::delay_channel(&mut self.ring[c * delay..(c + 1) * delay], delay, pos, dry);
            }
            self.pos = next_pos;
            run(&mut self.inner, channels);
            let start = self.wet;
            for (c, ch) in channels.iter_mut().enumerate() {
                let mut wet = start;
                for (y, &d) in ch.iter_mut().zip(&self.dry[c * m..c * m + n]) {
                    let g = wet.next() as f32;
                    *y = d + g * (*y - d);
                }
            }
            self.wet.advance(n);
        }
    }

    /// The contiguous runs `(ring index, samples)` in which `n` samples go
    /// into a ring of `len > 0` samples from `pos` on, in order, so that
    /// each run is one loop that vectorises.
    fn runs(len: usize, pos: usize, n: usize) -> impl Iterator<Item = (usize, Range<usize>)> {
        let first = (len - pos).min(n);
        let rest = (first..n).step_by(len).map(move |at| (0, at..(at + len).min(n)));
        core::iter::once((pos, 0..first)).chain(rest)
    }

    impl<P: Processor> Processor for Bypassable<P> {
        fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
            self.inner.prepare(spec)?;
            self.delay = self.inner.latency();
            let channels = spec.channels.min(MAX_CHANNELS);
            self.ring = vec![0.0; channels * self.delay];
            self.max_block = spec.max_block_size;
            self.dry = vec![0.0; channels * spec.max_block_size];
            self.wet.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
            self.reset();
            Ok(())
        }

        fn reset(&mut self) {
            self.inner.reset();
            self.ring.fill(0.0);
            self.pos = 0;
            self.nonfinite = 0;
            self.wet.snap();
        }

        fn process(&mut self, channels: &mut [&mut [f32]]) {
            self.run(channels, |p, c| p.process(c));
        }

        fn latency(&self) -> usize {
            self.inner.latency()
        }

        fn tail(&self) -> usize {
            self.inner.tail()
        }

        fn nonfinite_count(&self) -> u64 {
            self.nonfinite + self.inner.nonfinite_count()
        }
    }

    impl<P: DynProcessor> Params for Bypassable<P> {
        fn kind(&self) -> &'static KindInfo {
            self.inner.kind()
        }

        fn param(&self, index: usize) -> Option<f64> {
            if index + 1 == self.kind().params.len() {
                Some(f64::from(u8::from(self.on)))
            } else {
                self.inner.param(index)
            }
        }

        fn set_param(&mut self, index: usize, value: f64) -> Result<(), Error> {
            if index + 1 == self.kind().params.len() {
                let v = self.kind().params[index].check(value)?;
                self.set_bypass(v != 0.0);
                Ok(())
            } else {
                self.inner.set_param(index, value)
            }
        }
    }

    impl<P: DynProcessor> DynProcessor for Bypassable<P> {
        fn as_any(&self) -> &dyn Any {
            self.inner.as_any()
        }

        fn as_any_mut(&mut self) -> &mut dyn Any {
            self.inner.as_any_mut()
        }

        fn route(&mut self, input: usize) -> Result<usize, Error> {
            self.inner.route(input)
        }

        fn dynamics(&mut self) -> Option<&mut dyn Dynamics> {
            self.inner.dynamics()?;
            self.read_gain_reduction();
            Some(self)
        }

        fn tables(&self) -> Vec<(&'static str, Vec<f64>)> {
            self.inner.tables()
        }

        fn set_table(&mut self, name: &str, values: &[f64]) -> Result<(), Error> {
            self.inner.set_table(name, values)
        }

        fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
            self.inner.save_members(save)
        }

        fn load_members(
            &mut self,
            members: &[Preset],
            load: &MemberLoader,
        ) -> Result<(), PresetError> {
            self.inner.load_members(members, load)
        }
    }

    impl<P: DynProcessor> Bypassable<P> {
        /// Copies the wrapped processor's gain-reduction readings (zero when
        /// fully bypassed), which `Dynamics` reads through `&self`.
        fn read_gain_reduction(&mut self) {
            let bypassed = self.fully_bypassed();
            if let Some(d) = self.inner.dynamics() {
                self.gr_rows = d.gain_reduction_rows();
                for (r, v) in self.gr.iter_mut().enumerate().take(self.gr_rows) {
                    *v = if bypassed { 0.0 } else { d.row_gain_reduction_db(r) };
                }
            }
        }
    }

    /// The wrapped processor's sidechain and gain reduction; bypassed, no
    /// reduction.
    impl<P: DynProcessor> Dynamics for Bypassable<P> {
        fn gain_reduction_rows(&self) -> usize {
            self.gr_rows
        }

        fn row_gain_reduction_db(&self, row: usize) -> f32 {
            self.gr.get(row).copied().unwrap_or(0.0)
        }

        fn process_keyed(
            &mut self,
            channels: &mut [&mut [f32]],
            side: Option<&[&[f32]]>,
            gr: &mut [&mut [f32]],
        ) {
            if self.fully_bypassed() {
                for row in gr.iter_mut() {
                    row.fill(0.0);
                }
            }
            self.run(channels, |p, c| {
                if let Some(d) = p.dynamics() {
                    d.process_keyed(c, side, gr);
                }
            });
            self.read_gain_reduction();
        }
    }

    #[cfg(test)]
    mod tests {
        use super::runs;
        use std::vec::Vec;

        #[test]
        fn runs_cover_the_samples_in_order_and_wrap_at_the_ring() {
            let all = |len, pos, n| runs(len, pos, n).collect::<Vec<_>>();
            assert_eq!(all(5, 3, 12), [(3, 0..2), (0, 2..7), (0, 7..12)]);
            assert_eq!(all(5, 0, 3), [(0, 0..3)]);
            assert_eq!(all(5, 4, 1), [(4, 0..1)]);
            assert_eq!(all(5, 2, 0), [(2, 0..0)]);
        }
    }
}
