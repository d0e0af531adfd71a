//! Channel utility: swap, mono sum, one side to both, mid/side encoding
//! and decoding, per-channel polarity.

use crate::buffer::sanitize;
use crate::error::Error;
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// What a [`ChannelTool`] does with the two channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelMode {
    /// Unchanged.
    #[default]
    Stereo,
    /// Left and right exchanged.
    Swap,
    /// Both channels carry `(L + R) / 2`.
    MonoSum,
    /// Both channels carry the left one.
    Left,
    /// Both channels carry the right one.
    Right,
    /// Left becomes mid `(L + R) / 2`, right becomes side `(L - R) / 2`.
    MidSideEncode,
    /// The inverse: left `M + S`, right `M - S` from mid and side.
    MidSideDecode,
}

crate::named_choices!(ChannelMode, "channel mode" {
    Stereo = "stereo",
    Swap = "swap",
    MonoSum = "mono_sum",
    Left = "left",
    Right = "right",
    MidSideEncode = "mid_side_encode",
    MidSideDecode = "mid_side_decode",
});

impl ChannelMode {
    /// The mode applied to one frame.
    #[inline(always)]
    fn apply(self, l: f32, r: f32) -> (f32, f32) {
        match self {
            Self::Stereo => (l, r),
            Self::Swap => (r, l),
            Self::MonoSum => {
                let m = 0.5 * (l + r);
                (m, m)
            }
            Self::Left => (l, l),
            Self::Right => (r, r),
            Self::MidSideEncode => (0.5 * (l + r), 0.5 * (l - r)),
            Self::MidSideDecode => (l + r, l - r),
        }
    }
}

crate::declare_params! {
    ChannelTool, CHANNEL_TOOL_KIND = "channel_tool", "ChannelTool", Caps::PLAIN.channels(Channels::Stereo),
        "Channel utility on stereo audio: swap, mono sum, one side to both, mid/side encode \
         and decode, and per-channel polarity (applied to the input). Changes crossfade over \
         20 ms.";
    MODE = ParamInfo::choice("mode", ChannelMode::CHOICES, 0,
        "stereo, swap, mono_sum, left, right, mid_side_encode or mid_side_decode")
        .smoothed(DEFAULT_SMOOTHING_MS) => mode, set_mode;
    INVERT_LEFT = ParamInfo::toggle("invert_left", false, "Inverts the polarity of the left input")
        .smoothed(DEFAULT_SMOOTHING_MS) => invert_left, set_invert_left;
    INVERT_RIGHT = ParamInfo::toggle("invert_right", false, "Inverts the polarity of the right input")
        .smoothed(DEFAULT_SMOOTHING_MS) => invert_right, set_invert_right;
}

/// Routes and flips the channels of stereo audio. A mode change crossfades
/// from the old mode's output to the new one's, and a polarity flip glides
/// through zero, each over 20 ms, so neither clicks.
#[derive(Debug, Clone)]
pub struct ChannelTool {
    mode: ChannelMode,
    /// The mode being faded out.
    previous: ChannelMode,
    /// 0 while `previous` sounds, 1 once `mode` has taken over.
    fade: LinearSmoother,
    invert: [bool; 2],
    polarity: [LinearSmoother; 2],
    nonfinite: u64,
}

impl Default for ChannelTool {
    /// Stereo (unchanged), no inversion.
    fn default() -> Self {
        Self::new(ChannelMode::Stereo)
    }
}

impl ChannelTool {
    /// A channel tool in `mode` with no polarity inversion.
    pub fn new(mode: ChannelMode) -> Self {
        Self {
            mode,
            previous: mode,
            fade: LinearSmoother::new(1.0),
            invert: [false; 2],
            polarity: [LinearSmoother::new(1.0); 2],
            nonfinite: 0,
        }
    }

    /// The mode.
    pub fn mode(&self) -> ChannelMode {
        self.mode
    }

    /// Sets the mode (crossfades from the current output).
    pub fn set_mode(&mut self, mode: ChannelMode) {
        if mode != self.mode {
            self.previous = self.mode;
            self.mode = mode;
            self.fade.snap_to(0.0);
            self.fade.set_target(1.0);
        }
    }

    /// Whether the left input's polarity is inverted.
    pub fn invert_left(&self) -> bool {
        self.invert[0]
    }

    /// Inverts (or restores) the left input's polarity.
    pub fn set_invert_left(&mut self, invert: bool) {
        self.set_invert(0, invert);
    }

    /// Whether the right input's polarity is inverted.
    pub fn invert_right(&self) -> bool {
        self.invert[1]
    }

    /// Inverts (or restores) the right input's polarity.
    pub fn set_invert_right(&mut self, invert: bool) {
        self.set_invert(1, invert);
    }

    fn set_invert(&mut self, ch: usize, invert: bool) {
        self.invert[ch] = invert;
        self.polarity[ch].set_target(if invert { -1.0 } else { 1.0 });
    }

    fn gliding(&self) -> bool {
        self.fade.is_smoothing() || self.polarity.iter().any(LinearSmoother::is_smoothing)
    }
}

impl Processor for ChannelTool {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        if spec.channels != 2 {
            return Err(Error::InvalidChannelCount { channels: spec.channels });
        }
        self.fade.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.polarity
            .iter_mut()
            .for_each(|p| p.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate));
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.fade.snap();
        self.polarity.iter_mut().for_each(LinearSmoother::snap);
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let [l, r] = channels else { return };
        let mode = self.mode;
        if !self.gliding() {
            let [pl, pr] = self.polarity.map(|p| p.current() as f32);
            for (a, b) in l.iter_mut().zip(r.iter_mut()) {
                (*a, *b) = mode.apply(pl * *a, pr * *b);
            }
            return;
        }
        let previous = self.previous;
        for (a, b) in l.iter_mut().zip(r.iter_mut()) {
            let t = self.fade.next() as f32;
            let (x, y) = (self.polarity[0].next() as f32 * *a, self.polarity[1].next() as f32 * *b);
            let (nl, nr) = mode.apply(x, y);
            (*a, *b) = if t < 1.0 {
                let (ol, or) = previous.apply(x, y);
                (ol + t * (nl - ol), or + t * (nr - or))
            } else {
                (nl, nr)
            };
        }
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::test_util::*;

    fn run(t: &mut ChannelTool, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        t.prepare(&ProcessSpec::new(48_000.0, 4096, 2)).unwrap();
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        t.process_stereo(&mut a, &mut b);
        (a, b)
    }

    /// Every mode's output, measured against its definition.
    #[test]
    fn modes_route_as_documented() {
        let l = sine(440.0, 48_000.0, 2048, 0.7);
        let r = sine(660.0, 48_000.0, 2048, 0.3);
        let mid: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a + b)).collect();
        let side: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a - b)).collect();
        let cases: [(ChannelMode, &[f32], &[f32]); 6] = [
            (ChannelMode::Stereo, &l, &r),
            (ChannelMode::Swap, &r, &l),
            (ChannelMode::MonoSum, &mid, &mid),
            (ChannelMode::Left, &l, &l),
            (ChannelMode::Right, &r, &r),
            (ChannelMode::MidSideEncode, &mid, &side),
        ];
        for (mode, want_l, want_r) in cases {
            let (a, b) = run(&mut ChannelTool::new(mode), &l, &r);
            assert_eq!((a.as_slice(), b.as_slice()), (want_l, want_r), "{mode:?}");
        }
        // Decoding the encoding gives the input back.
        let (m, s) = run(&mut ChannelTool::new(ChannelMode::MidSideEncode), &l, &r);
        let (a, b) = run(&mut ChannelTool::new(ChannelMode::MidSideDecode), &m, &s);
        for i in 0..l.len() {
            assert!((a[i] - l[i]).abs() < 1e-6 && (b[i] - r[i]).abs() < 1e-6);
        }
    }

    #[test]
    fn polarity_flips_one_channel() {
        let l = sine(440.0, 48_000.0, 1024, 0.7);
        let r = sine(660.0, 48_000.0, 1024, 0.3);
        let mut t = ChannelTool::new(ChannelMode::Stereo);
        t.set("invert_right", 1.0).unwrap();
        t.reset();
        let (a, b) = run(&mut t, &l, &r);
        assert_eq!(a, l);
        assert!(b.iter().zip(&r).all(|(x, y)| *x == -*y));
    }

    /// A mode change or a polarity flip while a tone plays does not click:
    /// no sample-to-sample step larger than the input's own plus a margin.
    #[test]
    fn changes_do_not_click() {
        let x = sine(100.0, 48_000.0, 48_000, 0.9);
        let (mut l, mut r) = (x.clone(), x.iter().map(|v| -0.5 * v).collect::<Vec<_>>());
        let mut t = ChannelTool::new(ChannelMode::Stereo);
        t.prepare(&ProcessSpec::new(48_000.0, 512, 2)).unwrap();
        for (i, (a, b)) in l.chunks_mut(512).zip(r.chunks_mut(512)).enumerate() {
            match i {
                10 => t.set_mode(ChannelMode::Swap),
                30 => t.set_invert_left(true),
                50 => t.set_mode(ChannelMode::MidSideEncode),
                _ => {}
            }
            t.process_stereo(a, b);
        }
        let limit = max_step(&x) * 1.6;
        assert!(max_step(&l) <= limit && max_step(&r) <= limit, "{} {}", max_step(&l), limit);
    }

    #[test]
    fn invariants() {
        check_processor_invariants(
            || ChannelTool::new(ChannelMode::MidSideEncode),
            2,
            |p| {
                p.set_mode(ChannelMode::Swap);
                p.set_invert_right(true);
            },
        );
    }
}
