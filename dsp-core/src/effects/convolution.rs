//! Convolution reverb: the input convolved with a recorded impulse
//! response by non-uniformly partitioned FFT convolution
//! ([`partitioned`](super::partitioned)).

use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::error::Error;
use crate::math::{db_to_gain, flush_denormal};
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, ProcessSpec};

use super::partitioned::{BLOCK, Engine, Path};

crate::declare_params! {
    ConvolutionReverb, CONVOLUTION_REVERB_KIND = "convolution_reverb", "ConvolutionReverb",
        Caps::PLAIN.channels(Channels::Any).latency().tail(),
        "Convolution reverb: the input convolved with an impulse response of any length \
         (mono: the same response on every channel; stereo: left to left, right to right; \
         true stereo, 4 channels: left to left, left to right, right to left, right to \
         right), by partitioned FFT convolution with a latency of 128 samples. Output has \
         as many channels as the input; a stereo or true-stereo response needs stereo input. \
         The response is not a parameter and is not stored in presets; without one the \
         response is a unit impulse (the output is the input, delayed).",
        dyn {
            fn route(&mut self, input: usize) -> Result<usize, Error> {
                self.layout.check_input(input)
            }
        };
    MIX = ParamInfo::float("mix", 0.0, 1.0, 1.0, "",
        "Wet proportion from 0 (dry) to 1 (convolved signal only)")
        .smoothed(DEFAULT_SMOOTHING_MS) => mix, set_mix;
    WET_DB = ParamInfo::float("wet_db", -60.0, 24.0, 0.0, "dB",
        "Gain of the convolved signal")
        .smoothed(DEFAULT_SMOOTHING_MS) => wet_db, set_wet_db;
    PREDELAY_MS = ParamInfo::float("predelay_ms", 0.0, MAX_PREDELAY_MS, 0.0, "ms",
        "Delay of the convolved signal (applies at once)") => predelay_ms, set_predelay_ms;
}

/// Longest predelay, in ms (the declaration's maximum).
const MAX_PREDELAY_MS: f64 = 500.0;

/// Longest impulse response accepted, in samples (about 5.8 minutes at
/// 48 kHz).
pub const MAX_IR_FRAMES: usize = 1 << 24;

/// How the channels of an impulse response map inputs to outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IrLayout {
    /// One channel, applied to every input channel.
    Mono,
    /// Two channels: left to left, right to right.
    Stereo,
    /// Four channels: left to left, left to right, right to left, right to
    /// right.
    TrueStereo,
}

impl IrLayout {
    /// The layout of a response with `channels` channels.
    pub fn of(channels: usize) -> Result<Self, Error> {
        match channels {
            1 => Ok(Self::Mono),
            2 => Ok(Self::Stereo),
            4 => Ok(Self::TrueStereo),
            _ => Err(Error::InvalidParameter {
                name: "ir",
                reason: "an impulse response has 1 (mono), 2 (stereo) or 4 (true stereo: \
                         L->L, L->R, R->L, R->R) channels",
            }),
        }
    }

    /// Checks that the layout takes `input` channels (and gives as many).
    pub fn check_input(self, input: usize) -> Result<usize, Error> {
        match (self, input) {
            (Self::Mono, 1..) | (Self::Stereo | Self::TrueStereo, 2) => Ok(input),
            (Self::Mono, 0) => Err(Error::InvalidChannelCount { channels: 0 }),
            _ => Err(Error::InvalidParameter {
                name: "ir",
                reason: "a stereo or true-stereo impulse response needs stereo input \
                         (2 channels); use a mono response for other channel counts",
            }),
        }
    }

    /// The convolution paths for `channels` inputs.
    fn paths(self, channels: usize) -> Vec<Path> {
        let path = |input, output, ir| Path { input, output, ir };
        match self {
            Self::Mono => (0..channels).map(|c| path(c, c, 0)).collect(),
            Self::Stereo => vec![path(0, 0, 0), path(1, 1, 1)],
            Self::TrueStereo => vec![path(0, 0, 0), path(0, 1, 1), path(1, 0, 2), path(1, 1, 3)],
        }
    }
}

/// Convolution reverb (or any long FIR: cabinets, rooms, EQ curves).
///
/// The impulse response is set with [`set_ir`](Self::set_ir), which
/// allocates (not real-time safe); it has 1, 2 or 4 channels
/// ([`IrLayout`]) and a sample rate, which must equal the processing rate
/// (`prepare` refuses another one: resample the response first). A new
/// processor's response is a unit impulse at any rate.
///
/// The wet signal equals the direct convolution to f32 rounding (error
/// energy about -130 dB relative to the signal), delayed by [`BLOCK`]
/// samples, the reported latency; the dry signal is delayed to match. The
/// response is cut into partitions that grow fourfold along it (see
/// [`partitioned`](super::partitioned)), so that a response of seconds
/// costs little more per sample than a short one. Each level of
/// partitions does its work in the block in which its input frame
/// completes, so the cost per block varies (every 32768 samples one block
/// carries the largest transforms); the output does not depend on the
/// host's block sizes.
///
/// Output: `(1 − mix)·dry + mix·wet_gain·wet`; `mix` and `wet_db` glide
/// over 20 ms, `predelay_ms` applies at once. `tail()` is the response's
/// length minus one plus the predelay.
#[derive(Debug, Clone)]
pub struct ConvolutionReverb {
    mix: f64,
    wet_db: f64,
    predelay_ms: f64,
    ir: Vec<Vec<f32>>,
    ir_sample_rate: Option<f64>,
    layout: IrLayout,
    spec: Option<ProcessSpec>,
    engine: Option<Engine>,
    predelay: usize,
    /// Position in the current block.
    pos: usize,
    /// Per channel, the output block being played.
    out: Vec<Vec<f32>>,
    mix_s: LinearSmoother,
    wet_s: LinearSmoother,
    nonfinite: u64,
}

impl Default for ConvolutionReverb {
    /// A unit-impulse response and the declared defaults (fully wet,
    /// 0 dB, no predelay).
    fn default() -> Self {
        Self {
            mix: 1.0,
            wet_db: 0.0,
            predelay_ms: 0.0,
            ir: vec![vec![1.0]],
            ir_sample_rate: None,
            layout: IrLayout::Mono,
            spec: None,
            engine: None,
            predelay: 0,
            pos: 0,
            out: Vec::new(),
            mix_s: LinearSmoother::new(1.0),
            wet_s: LinearSmoother::new(1.0),
            nonfinite: 0,
        }
    }
}

impl ConvolutionReverb {
    /// A convolution reverb with response `ir` (see
    /// [`set_ir`](Self::set_ir)) and the declared defaults.
    pub fn new(ir: &[&[f32]], ir_sample_rate: f64) -> Result<Self, Error> {
        let mut c = Self::default();
        c.set_ir(ir, ir_sample_rate)?;
        Ok(c)
    }

    /// Sets the impulse response: 1, 2 or 4 channels ([`IrLayout`]) of
    /// equal length, 1 to [`MAX_IR_FRAMES`] finite samples, recorded at
    /// `ir_sample_rate` Hz. Allocates and, if prepared, rebuilds the
    /// engine for the prepared spec and resets it: not real-time safe.
    /// On an error nothing changes; a rate other than the prepared one is
    /// an error.
    pub fn set_ir(&mut self, ir: &[&[f32]], ir_sample_rate: f64) -> Result<(), Error> {
        let layout = IrLayout::of(ir.len())?;
        if !(ir_sample_rate.is_finite()
            && (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&ir_sample_rate))
        {
            return Err(Error::InvalidSampleRate {
                sample_rate: ir_sample_rate,
                min: MIN_SAMPLE_RATE,
                max: MAX_SAMPLE_RATE,
            });
        }
        let len = ir[0].len();
        if let Some(bad) = ir.iter().find(|h| h.len() != len) {
            return Err(Error::LengthMismatch { expected: len, actual: bad.len() });
        }
        if len == 0 {
            return Err(Error::EmptyInput);
        }
        if len > MAX_IR_FRAMES {
            return Err(Error::CapacityExceeded {
                what: "impulse response longer than 2^24 samples",
            });
        }
        if let Some((channel, index)) = crate::buffer::find_nonfinite(ir) {
            return Err(Error::NonFinite { channel, index });
        }
        if let Some(spec) = &self.spec {
            layout.check_input(spec.channels)?;
            if spec.sample_rate != ir_sample_rate {
                return Err(Error::SampleRateMismatch {
                    expected: ir_sample_rate,
                    actual: spec.sample_rate,
                });
            }
        }
        self.ir = ir.iter().map(|h| h.iter().map(|&v| flush_denormal(v)).collect()).collect();
        self.ir_sample_rate = Some(ir_sample_rate);
        self.layout = layout;
        if let Some(spec) = self.spec {
            self.prepare(&spec)?;
        }
        Ok(())
    }

    /// The impulse response's channels.
    pub fn ir(&self) -> &[Vec<f32>] {
        &self.ir
    }

    /// The impulse response's sample rate (`None` for the default unit
    /// impulse, which fits every rate).
    pub fn ir_sample_rate(&self) -> Option<f64> {
        self.ir_sample_rate
    }

    /// The impulse response's channel layout.
    pub fn layout(&self) -> IrLayout {
        self.layout
    }

    /// Wet proportion.
    pub fn mix(&self) -> f64 {
        self.mix
    }

    /// Sets the wet proportion (glides over 20 ms).
    pub fn set_mix(&mut self, mix: f64) -> Result<(), Error> {
        self.mix = Self::MIX.check(mix)?;
        self.mix_s.set_target(self.mix);
        Ok(())
    }

    /// Gain of the wet signal in dB.
    pub fn wet_db(&self) -> f64 {
        self.wet_db
    }

    /// Sets the wet gain (glides over 20 ms).
    pub fn set_wet_db(&mut self, db: f64) -> Result<(), Error> {
        self.wet_db = Self::WET_DB.check(db)?;
        self.wet_s.set_target(db_to_gain(self.wet_db));
        Ok(())
    }

    /// Predelay of the wet signal in ms.
    pub fn predelay_ms(&self) -> f64 {
        self.predelay_ms
    }

    /// Sets the predelay (applies at once, from the next block of 128
    /// samples).
    pub fn set_predelay_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.predelay_ms = Self::PREDELAY_MS.check(ms)?;
        self.predelay = self.spec.map_or(0, |s| s.ms_to_samples(self.predelay_ms));
        Ok(())
    }

    /// Completes a block: the engine's wet output mixed with the dry
    /// input block into `self.out`.
    #[inline(always)]
    fn step<const W: bool>(&mut self) {
        let Some(engine) = &mut self.engine else { return };
        engine.step::<W>(self.predelay);
        let smoothing = self.mix_s.is_smoothing() || self.wet_s.is_smoothing();
        let (mix, wet) = (self.mix_s, self.wet_s);
        for (c, out) in self.out.iter_mut().enumerate() {
            let (mut mix_s, mut wet_s) = (mix, wet);
            let rows = out.iter_mut().zip(engine.input_block(c)).zip(engine.wet(c));
            if smoothing {
                for ((o, &x), &y) in rows {
                    let m = mix_s.next();
                    let g = m * wet_s.next();
                    *o = ((1.0 - m) as f32) * x + (g as f32) * y;
                }
            } else {
                let (d, g) = ((1.0 - mix.current()) as f32, (mix.current() * wet.current()) as f32);
                for ((o, &x), &y) in rows {
                    *o = d * x + g * y;
                }
            }
        }
        self.mix_s.advance(BLOCK);
        self.wet_s.advance(BLOCK);
    }
}

struct Step<'a>(&'a mut ConvolutionReverb);

impl Kernel for Step<'_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        self.0.step::<WIDE>();
    }
}

impl Processor for ConvolutionReverb {
    /// Builds the engine for `spec` (allocating). Refuses a sample rate
    /// other than the response's, and a channel count the response's
    /// layout does not take.
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.layout.check_input(spec.channels)?;
        if let Some(rate) = self.ir_sample_rate
            && rate != spec.sample_rate
        {
            return Err(Error::SampleRateMismatch { expected: rate, actual: spec.sample_rate });
        }
        let max_delay = spec.ms_to_samples(MAX_PREDELAY_MS);
        let paths = self.layout.paths(spec.channels);
        self.engine = Some(Engine::new(&self.ir, paths, spec.channels, max_delay, BLOCK));
        self.out = vec![vec![0.0; BLOCK]; spec.channels];
        self.spec = Some(*spec);
        self.mix_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.wet_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.set_predelay_ms(self.predelay_ms)?;
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        if let Some(engine) = &mut self.engine {
            engine.reset();
        }
        self.out.iter_mut().for_each(|o| o.fill(0.0));
        self.pos = 0;
        self.mix_s.snap();
        self.wet_s.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let len = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len && self.engine.is_some() {
            let n = (BLOCK - self.pos).min(len - start);
            let engine = self.engine.as_mut().expect("checked");
            for (c, (ch, out)) in channels.iter_mut().zip(&self.out).enumerate() {
                let x = &mut ch[start..start + n];
                engine.write(c, self.pos, x);
                x.copy_from_slice(&out[self.pos..self.pos + n]);
            }
            self.pos += n;
            start += n;
            if self.pos == BLOCK {
                dispatch(Step(self));
                self.pos = 0;
            }
        }
    }

    /// [`BLOCK`] samples (128).
    fn latency(&self) -> usize {
        BLOCK
    }

    fn tail(&self) -> usize {
        self.ir[0].len() - 1 + self.predelay
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::partitioned::plan;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    /// A decaying noise response of `len` samples, channel `seed`.
    fn decaying(len: usize, seed: u64) -> Vec<f32> {
        let n = noise(len, 1.0, seed);
        let tau = (len as f64 / 4.0).max(1.0);
        n.iter().enumerate().map(|(i, v)| v * libm::exp(-(i as f64) / tau) as f32).collect()
    }

    /// Direct convolution in f64, `x.len() + h.len() - 1` samples.
    fn direct(x: &[f32], h: &[f32]) -> Vec<f64> {
        let mut y = vec![0.0f64; x.len() + h.len() - 1];
        for (i, &xv) in x.iter().enumerate() {
            if xv == 0.0 {
                continue;
            }
            for (o, &hv) in y[i..].iter_mut().zip(h) {
                *o += xv as f64 * hv as f64;
            }
        }
        y
    }

    /// Relative error energy of `got` against `want`, in dB.
    fn error_db(got: &[f32], want: &[f64]) -> f64 {
        let (mut e, mut s) = (0.0, 0.0);
        for (g, w) in got.iter().zip(want) {
            e += (*g as f64 - w) * (*g as f64 - w);
            s += w * w;
        }
        10.0 * libm::log10(e / s)
    }

    /// Runs `p` over `x` (channels) padded by the latency and `extra`
    /// samples, in pseudo-random blocks of 1 to `max_block`, and returns
    /// the output with the latency removed.
    fn render(p: &mut ConvolutionReverb, x: &[Vec<f32>], extra: usize, seed: u64) -> Vec<Vec<f32>> {
        let lat = p.latency();
        let padded: Vec<Vec<f32>> = x
            .iter()
            .map(|c| c.iter().copied().chain(core::iter::repeat_n(0.0, lat + extra)).collect())
            .collect();
        let blocks: Vec<usize> =
            noise(64, 1.0, seed).iter().map(|v| 1 + ((v.abs() * 3000.0) as usize % 2048)).collect();
        let y = run_blocks(p, &padded, &blocks, usize::MAX, &|_| {});
        y.into_iter().map(|c| c[lat..].to_vec()).collect()
    }

    /// The wet output equals the direct convolution within -100 dB for
    /// responses ending on either side of partition boundaries, in every
    /// layout, processed in irregular blocks.
    #[test]
    fn equals_direct_convolution_within_minus_100_db() {
        let x: Vec<Vec<f32>> = (0..2).map(|c| noise(3000, 0.5, 11 + c)).collect();
        let mut worst = f64::NEG_INFINITY;
        for len in [1, 63, 64, 65, 127, 128, 129, 1000, 4000, 48_000 * 3] {
            for layout in [1usize, 2, 4] {
                let ir: Vec<Vec<f32>> = (0..layout).map(|c| decaying(len, 3 + c as u64)).collect();
                let views: Vec<&[f32]> = ir.iter().map(|h| &h[..]).collect();
                let mut p = ConvolutionReverb::new(&views, FS).unwrap();
                p.prepare(&ProcessSpec::new(FS, 2048, 2)).unwrap();
                assert_eq!(p.tail(), len - 1);
                let y = render(&mut p, &x, len - 1, len as u64);
                for (out, got) in y.iter().enumerate() {
                    let mut want = vec![0.0; 3000 + len - 1];
                    let terms: Vec<(usize, usize)> = match layout {
                        1 => vec![(out, 0)],
                        2 => vec![(out, out)],
                        _ => vec![(0, out), (1, 2 + out)],
                    };
                    for (input, h) in terms {
                        for (w, d) in want.iter_mut().zip(direct(&x[input], &ir[h])) {
                            *w += d;
                        }
                    }
                    let err = error_db(got, &want);
                    worst = worst.max(err);
                    assert!(err < -100.0, "length {len}, {layout} channel(s), out {out}: {err} dB");
                }
            }
        }
        std::eprintln!("worst error against direct convolution: {worst:.1} dB");
    }

    /// The reported latency is the measured delay of an impulse, and a
    /// predelay adds to it.
    #[test]
    fn latency_is_the_measured_impulse_delay() {
        for (ir, predelay_ms, delay) in [
            (vec![1.0f32], 0.0, 0usize),
            (vec![0.0, 0.0, 0.0, 1.0], 0.0, 3),
            (vec![1.0], 10.0, 480),
        ] {
            let mut p = ConvolutionReverb::new(&[&ir], FS).unwrap();
            p.set_predelay_ms(predelay_ms).unwrap();
            p.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
            let mut x = vec![0.0f32; 4096];
            x[100] = 1.0;
            p.process(&mut [&mut x]);
            let peak =
                x.iter().enumerate().fold(0, |m, (i, v)| if v.abs() > x[m].abs() { i } else { m });
            assert_eq!(peak, 100 + p.latency() + delay);
            assert!((x[peak] - 1.0).abs() < 1e-5, "{}", x[peak]);
            assert_eq!(p.latency(), BLOCK);
            assert_eq!(p.tail(), ir.len() - 1 + delay.saturating_sub(ir.len() - 1));
        }
    }

    /// Dry and wet are aligned: mix 0 gives the input delayed by the
    /// latency, bit for bit, and a mix between blends the two.
    #[test]
    fn mix_blends_the_dry_signal_delayed_by_the_latency() {
        let h = decaying(700, 5);
        let x = noise(5000, 0.5, 9);
        let mut p = ConvolutionReverb::new(&[&h], FS).unwrap();
        p.set_mix(0.0).unwrap();
        p.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let y = render(&mut p, std::slice::from_ref(&x), 0, 1);
        assert_eq!(&y[0][..], &x[..]);
        p.set_mix(0.25).unwrap();
        p.set_wet_db(-6.0).unwrap();
        p.reset();
        let y = render(&mut p, std::slice::from_ref(&x), 0, 2);
        let g = 0.25 * db_to_gain(-6.0);
        let want: Vec<f64> =
            direct(&x, &h).iter().zip(&x).map(|(w, &d)| 0.75 * d as f64 + g * w).collect();
        assert!(error_db(&y[0], &want) < -100.0);
    }

    #[test]
    fn keeps_the_processor_invariants() {
        let ir: Vec<Vec<f32>> = (0..4).map(|c| decaying(3000, c)).collect();
        for layout in [1, 2, 4] {
            let views: Vec<&[f32]> = ir[..layout].iter().map(|h| &h[..]).collect();
            let p = ConvolutionReverb::new(&views, FS).unwrap();
            check_processor_invariants(
                || p.clone(),
                2,
                |p| {
                    p.set_mix(0.5).unwrap();
                    p.set_wet_db(-3.0).unwrap();
                },
            );
        }
        check_processor_invariants(ConvolutionReverb::default, 1, |p| p.set_mix(0.3).unwrap());
    }

    /// Bad responses and layouts are refused with errors that name the
    /// problem; nothing changes on an error.
    #[test]
    fn bad_responses_and_rates_are_refused() {
        let h: &[f32] = &[0.5; 10];
        let mut p = ConvolutionReverb::default();
        assert!(matches!(
            p.set_ir(&[h, h, h], FS),
            Err(Error::InvalidParameter { name: "ir", .. })
        ));
        assert!(p.set_ir(&[h; 5], FS).is_err());
        assert!(p.set_ir(&[], FS).is_err());
        assert_eq!(p.set_ir(&[&[]], FS), Err(Error::EmptyInput));
        assert_eq!(
            p.set_ir(&[h, &h[..4]], FS),
            Err(Error::LengthMismatch { expected: 10, actual: 4 })
        );
        let mut nan = h.to_vec();
        nan[3] = f32::NAN;
        assert_eq!(p.set_ir(&[h, &nan], FS), Err(Error::NonFinite { channel: 1, index: 3 }));
        assert!(matches!(p.set_ir(&[h], 0.0), Err(Error::InvalidSampleRate { .. })));
        assert_eq!(p.ir(), &[vec![1.0]]);

        p.set_ir(&[h, h], 44_100.0).unwrap();
        let err = p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap_err();
        assert_eq!(err, Error::SampleRateMismatch { expected: 44_100.0, actual: FS });
        let text = std::string::ToString::to_string(&err);
        assert!(text.contains("44100 Hz") && text.contains("48000 Hz"), "{text}");
        p.set_ir(&[h, h], FS).unwrap();
        // A stereo response needs stereo input.
        assert!(matches!(
            p.prepare(&ProcessSpec::new(FS, 512, 1)),
            Err(Error::InvalidParameter { name: "ir", .. })
        ));
        use crate::params::DynProcessor;
        assert!(p.route(1).is_err());
        assert_eq!(p.route(2), Ok(2));
        p.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        // Once prepared, a response for another rate or layout is refused.
        assert!(p.set_ir(&[h, h], 44_100.0).is_err());
        assert!(p.set_ir(&[h; 4], FS).is_ok());
        assert_eq!(p.layout(), IrLayout::TrueStereo);
        // A mono response takes any channel count; the default fits any rate.
        let mut m = ConvolutionReverb::default();
        assert!(m.prepare(&ProcessSpec::new(96_000.0, 512, 3)).is_ok());
    }

    /// A response set while prepared takes effect at once, with the
    /// engine rebuilt for the prepared spec.
    #[test]
    fn a_new_response_replaces_the_old_one_while_prepared() {
        let mut p = ConvolutionReverb::default();
        p.prepare(&ProcessSpec::new(FS, 256, 1)).unwrap();
        let h = decaying(2000, 8);
        p.set_ir(&[&h], FS).unwrap();
        let x = noise(4000, 0.5, 2);
        let y = render(&mut p, std::slice::from_ref(&x), 0, 3);
        assert!(error_db(&y[0], &direct(&x, &h)) < -100.0);
    }

    /// The plan of a 3 s response keeps the multiply-accumulate work per
    /// sample small: few partitions per level.
    #[test]
    fn a_long_response_needs_few_partitions() {
        let parts: usize = plan(144_000, BLOCK).iter().map(|s| s.parts).sum();
        assert!(parts < 30, "{parts}");
    }
}
