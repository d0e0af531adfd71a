//! Oversampled soft clipper with a ceiling, reporting how much it clips.

use alloc::vec;
use alloc::vec::Vec;

use crate::buffer::sanitize;
use crate::effects::Oversampling;
use crate::effects::oversample::{CHUNK, Oversampler};
use crate::error::Error;
use crate::math::{db_to_gain, greater};
use crate::params::{Caps, Dynamics, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Largest magnitude let into the oversampler (keeps absurd input finite).
const INPUT_LIMIT: f32 = 1e15;
/// Length of the gain-reduction delay ring (a power of two above half the
/// largest latency).
const GR_RING: usize = 64;

crate::declare_params! {
    SoftClipper, SOFT_CLIPPER_KIND = "soft_clipper", "SoftClipper",
        Caps::PLAIN.gain_reduction().latency(),
        "Soft clipper meant to sit before a limiter: the signal passes unchanged up to \
         knee_db below the ceiling, bends along a quadratic knee and is held at ceiling_db \
         from as far above the ceiling as the knee starts below it (knee 0: a hard clip). \
         The curve runs at 1x, 2x, 4x or 8x the sample rate between linear-phase half-band \
         filters (latency 0, 59, 69 or 72 samples), so its harmonics do not fold back; the \
         ceiling holds at the oversampled rate (the downsampling filters may overshoot it \
         slightly). Reports the gain reduction it applies.",
        dyn {
            fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
                Some(self)
            }
        };
    CEILING_DB = ParamInfo::float("ceiling_db", -24.0, 0.0, -1.0, "dB",
        "Ceiling in dBFS: the clipped signal never exceeds it (sample peak, oversampled)")
        .smoothed(DEFAULT_SMOOTHING_MS) => ceiling_db, set_ceiling_db;
    KNEE_DB = ParamInfo::float("knee_db", 0.0, 12.0, 3.0, "dB",
        "How far below the ceiling the curve starts to bend (0: hard clip)")
        .smoothed(DEFAULT_SMOOTHING_MS) => knee_db, set_knee_db;
    OVERSAMPLING = ParamInfo::choice("oversampling", Oversampling::CHOICES, 2,
        "Oversampling factor (1x: none); a change clears the filters and changes the latency")
        => oversampling, set_oversampling;
}

/// One channel's oversampler.
#[derive(Debug, Clone)]
struct Voice {
    over: Oversampler,
    /// The chunk in progress.
    buf: [f32; CHUNK],
}

/// A soft clipper on any number of channels.
///
/// With ceiling `c` and knee start `k = c·10^(-knee_db/20)` the static
/// curve ([`SoftClipper::curve`]) is, on `|x|` (sign kept): `|x|` up to
/// `k`; `|x| - (|x| - k)² / (4(c - k))` from `k` to `2c - k` (slope 1
/// falling to 0, continuous with both neighbours); `c` beyond. It is run
/// on the signal upsampled by `2^s` and downsampled again, with latency
/// [`Oversampler::latency_of`]`(s)`.
///
/// The gain reduction of a sample is `20·log10(|x| / curve(|x|))` at the
/// largest oversampled `|x|` it spans (the largest over the channels),
/// delayed to line up with the output within a sample; the reading
/// ([`gain_reduction_db`](Self::gain_reduction_db)) is its peak over the
/// last processed block.
#[derive(Debug, Clone)]
pub struct SoftClipper {
    ceiling_db: f64,
    knee_db: f64,
    oversampling: Oversampling,
    ceiling: LinearSmoother,
    /// Knee start over ceiling (linear).
    knee: LinearSmoother,
    voices: Vec<Voice>,
    /// Per-sample reductions awaiting output.
    gr_ring: [f32; GR_RING],
    gr_write: usize,
    /// Peak reduction over the last block, in dB.
    gr_peak: f32,
    nonfinite: u64,
}

impl Default for SoftClipper {
    /// Ceiling -1 dB, knee 3 dB, 4x.
    fn default() -> Self {
        Self::new(-1.0, 3.0).expect("valid defaults")
    }
}

impl SoftClipper {
    /// A clipper with the given ceiling and knee in dB (4x oversampling).
    pub fn new(ceiling_db: f64, knee_db: f64) -> Result<Self, Error> {
        let mut s = Self {
            ceiling_db: 0.0,
            knee_db: 0.0,
            oversampling: Oversampling::X4,
            ceiling: LinearSmoother::new(1.0),
            knee: LinearSmoother::new(1.0),
            voices: Vec::new(),
            gr_ring: [0.0; GR_RING],
            gr_write: 0,
            gr_peak: 0.0,
            nonfinite: 0,
        };
        s.set_ceiling_db(ceiling_db)?;
        s.set_knee_db(knee_db)?;
        s.ceiling.snap();
        s.knee.snap();
        Ok(s)
    }

    /// Ceiling in dBFS.
    pub fn ceiling_db(&self) -> f64 {
        self.ceiling_db
    }

    /// Sets the ceiling (-24 to 0 dBFS; glides over 20 ms).
    pub fn set_ceiling_db(&mut self, db: f64) -> Result<(), Error> {
        self.ceiling_db = Self::CEILING_DB.check(db)?;
        self.ceiling.set_target(db_to_gain(self.ceiling_db));
        Ok(())
    }

    /// Knee in dB below the ceiling.
    pub fn knee_db(&self) -> f64 {
        self.knee_db
    }

    /// Sets the knee (0 to 12 dB; glides over 20 ms).
    pub fn set_knee_db(&mut self, db: f64) -> Result<(), Error> {
        self.knee_db = Self::KNEE_DB.check(db)?;
        self.knee.set_target(db_to_gain(-self.knee_db));
        Ok(())
    }

    /// The oversampling factor.
    pub fn oversampling(&self) -> Oversampling {
        self.oversampling
    }

    /// Sets the oversampling factor: clears the filters (a short gap in the
    /// output) and changes the latency. Never allocates.
    pub fn set_oversampling(&mut self, oversampling: Oversampling) {
        if oversampling != self.oversampling {
            self.oversampling = oversampling;
            for v in &mut self.voices {
                v.over.set_stages(oversampling.stages());
            }
        }
    }

    /// Peak gain reduction over the last processed block, in dB (>= 0).
    pub fn gain_reduction_db(&self) -> f32 {
        self.gr_peak
    }

    /// The static curve at `x` for a linear ceiling `ceiling` and knee
    /// start `knee_start` (`0 < knee_start <= ceiling`).
    #[inline(always)]
    pub fn curve(x: f32, ceiling: f32, knee_start: f32) -> f32 {
        let a = x.abs();
        let y = if a <= knee_start {
            a
        } else if a >= 2.0 * ceiling - knee_start {
            ceiling
        } else {
            let d = a - knee_start;
            a - d * d / (4.0 * (ceiling - knee_start))
        };
        y.copysign(x)
    }

    /// Samples the gain reduction is delayed by to meet the output: the
    /// downsampling half of the latency.
    fn gr_delay(&self) -> usize {
        self.latency() / 2
    }

    /// Processes `channels`, writing each sample's gain reduction into
    /// `gr_out` if given: the oversampling filters run in the widest
    /// vectors the CPU has.
    fn process_with(&mut self, channels: &mut [&mut [f32]], gr_out: Option<&mut [f32]>) {
        dispatch(Clip { clipper: self, channels, gr_out });
    }

    #[inline(always)]
    fn run<const WIDE: bool>(
        &mut self,
        channels: &mut [&mut [f32]],
        mut gr_out: Option<&mut [f32]>,
    ) {
        self.nonfinite += sanitize(channels);
        let len = channels.first().map_or(0, |c| c.len());
        if channels.len() > self.voices.len() || len == 0 {
            return; // not prepared for these channels, or nothing to do
        }
        let stages = self.oversampling.stages();
        let delay = self.gr_delay();
        let mut peak_gr = 0.0f32;
        let mut start = 0;
        while start < len {
            let n = (len - start).min(CHUNK);
            let (mut c, mut k) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
            for i in 0..n {
                let cv = self.ceiling.next();
                (c[i], k[i]) = (cv as f32, (cv * self.knee.next()) as f32);
            }
            // Largest oversampled magnitude per base-rate sample, over channels.
            let mut top = [0.0f32; CHUNK];
            for (ch, v) in channels.iter_mut().zip(self.voices.iter_mut()) {
                let x = &mut ch[start..start + n];
                for (b, &s) in v.buf.iter_mut().zip(x.iter()) {
                    *b = s.clamp(-INPUT_LIMIT, INPUT_LIMIT);
                }
                v.over.process_with::<WIDE>(&mut v.buf[..n], |block| match stages {
                    0 => clip_groups::<1>(block, &mut top, &c, &k),
                    1 => clip_groups::<2>(block, &mut top, &c, &k),
                    2 => clip_groups::<4>(block, &mut top, &c, &k),
                    _ => clip_groups::<8>(block, &mut top, &c, &k),
                });
                x.copy_from_slice(&v.buf[..n]);
            }
            for i in 0..n {
                let a = top[i];
                let reduction = if a > k[i] {
                    20.0 * libm::log10f(a / Self::curve(a, c[i], k[i]))
                } else {
                    0.0
                };
                let w = self.gr_write;
                self.gr_ring[w] = reduction;
                let out = self.gr_ring[(w + GR_RING - delay) % GR_RING];
                self.gr_write = (w + 1) % GR_RING;
                peak_gr = peak_gr.max(out);
                if let Some(row) = gr_out.as_deref_mut() {
                    row[start + i] = out;
                }
            }
            start += n;
        }
        self.gr_peak = peak_gr;
    }
}

/// Clips an oversampled block, `F` samples per base-rate sample `i` with
/// ceiling `c[i]` and knee start `k[i]`, raising `top[i]` to the largest
/// magnitude among them (finite samples). `F` fixed, both loops vectorise.
#[inline(always)]
fn clip_groups<const F: usize>(block: &mut [f32], top: &mut [f32], c: &[f32], k: &[f32]) {
    for (((group, t), &c), &k) in block.chunks_exact_mut(F).zip(top).zip(c).zip(k) {
        *t = group.iter().fold(*t, |m, s| greater(m, s.abs()));
        group.iter_mut().for_each(|s| *s = SoftClipper::curve(*s, c, k));
    }
}

/// One call of [`SoftClipper::process_with`], as a dispatched kernel.
struct Clip<'a, 'b> {
    clipper: &'a mut SoftClipper,
    channels: &'a mut [&'b mut [f32]],
    gr_out: Option<&'a mut [f32]>,
}

impl Kernel for Clip<'_, '_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        self.clipper.run::<WIDE>(self.channels, self.gr_out);
    }
}

impl Processor for SoftClipper {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        for s in [&mut self.ceiling, &mut self.knee] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        let voice = Voice { over: Oversampler::new(self.oversampling.stages()), buf: [0.0; CHUNK] };
        self.voices = vec![voice; spec.channels];
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.ceiling.snap();
        self.knee.snap();
        self.gr_ring = [0.0; GR_RING];
        self.gr_write = 0;
        self.gr_peak = 0.0;
        for v in &mut self.voices {
            v.over.reset();
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.process_with(channels, None);
    }

    fn latency(&self) -> usize {
        Oversampler::latency_of(self.oversampling.stages())
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

impl Dynamics for SoftClipper {
    fn row_gain_reduction_db(&self, _row: usize) -> f32 {
        self.gr_peak
    }

    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        _side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        self.process_with(channels, gr.first_mut().map(|r| &mut **r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec::Vec;

    const FS: f64 = 48_000.0;

    fn make(ceiling_db: f64, knee_db: f64, os: Oversampling) -> SoftClipper {
        let mut s = SoftClipper::new(ceiling_db, knee_db).unwrap();
        s.set_oversampling(os);
        s
    }

    fn run(s: &mut SoftClipper, x: &[f32]) -> Vec<f32> {
        s.prepare(&ProcessSpec::new(FS, 512, 1)).unwrap();
        let mut y = x.to_vec();
        crate::processor::process_in_blocks(s, &mut [&mut y], 512);
        y
    }

    fn peak(x: &[f32]) -> f32 {
        x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    /// The curve against its formula: identity up to the knee, the
    /// quadratic knee (continuous with slope 1 and 0 at its ends), the
    /// ceiling beyond; and at 1x a slow sine follows it sample by sample.
    #[test]
    fn static_curve_follows_the_formula() {
        let (c, knee_db) = (db_to_gain(-1.0) as f32, 3.0);
        let k = c * db_to_gain(-knee_db) as f32;
        let f = |x| SoftClipper::curve(x, c, k);
        for i in 0..=4000 {
            let x = i as f32 * 0.001; // 0 to 4 (+12 dBFS)
            let want = if x <= k {
                x
            } else if x >= 2.0 * c - k {
                c
            } else {
                x - (x - k) * (x - k) / (4.0 * (c - k))
            };
            assert!((f(x) - want).abs() < 1e-6 && f(-x) == -f(x), "{x}");
            assert!(f(x) <= c);
        }
        let e = 1e-3;
        assert!(((f(k + e) - f(k)) / e - 1.0).abs() < 1e-2);
        assert!((f(2.0 * c - k) - f(2.0 * c - k - e)) / e < 1e-2);
        // Knee 0: a hard clip.
        assert_eq!((SoftClipper::curve(0.8, c, c), SoftClipper::curve(3.0, c, c)), (0.8, c));
        // Through the processor at 1x.
        let mut s = make(-1.0, knee_db, Oversampling::X1);
        let x = sine(50.0, FS, 9600, 2.0);
        let y = run(&mut s, &x);
        for (a, b) in x.iter().zip(&y) {
            assert!((f(*a) - b).abs() < 1e-6);
        }
    }

    /// Sines up to 20 dB over the ceiling: at 1x the output never exceeds
    /// the ceiling; oversampled, the downsampling filters overshoot it by
    /// less than 0.1 dB at 200 Hz, less than 2 dB at 5 kHz (printed).
    #[test]
    fn output_stays_at_the_ceiling() {
        let ceiling = db_to_gain(-1.0) as f32;
        for os in [Oversampling::X1, Oversampling::X2, Oversampling::X4, Oversampling::X8] {
            for over_db in [0.0, 6.0, 12.0, 20.0] {
                for (freq, limit_db) in [(200.0, 0.1), (5000.0, 2.0)] {
                    let amp = ceiling as f64 * db_to_gain(over_db);
                    let mut s = make(-1.0, 3.0, os);
                    let y = run(&mut s, &sine(freq, FS, 24_000, amp));
                    let over = 20.0 * libm::log10f(peak(&y) / ceiling);
                    if os == Oversampling::X1 {
                        assert!(peak(&y) <= ceiling, "{over_db}: {}", peak(&y));
                    } else if over_db == 20.0 {
                        std::println!(
                            "{os:?} {freq} Hz +{over_db} dB: peak {over:+.3} dB re ceiling"
                        );
                    }
                    assert!(over < limit_db as f32, "{os:?} {freq} Hz +{over_db}: {over} dB");
                }
            }
        }
    }

    /// On a steady sine the reported reduction equals the measured peak
    /// reduction (input peak over output peak) within 0.1 dB.
    #[test]
    fn reported_reduction_matches_the_measured_one() {
        for (over_db, os) in
            [(6.0, Oversampling::X4), (12.0, Oversampling::X1), (3.0, Oversampling::X8)]
        {
            let amp = db_to_gain(-1.0 + over_db);
            let mut s = make(-1.0, 3.0, os);
            let x = sine(200.0, FS, 24_000, amp);
            let y = run(&mut s, &x);
            let measured = 20.0 * libm::log10f(peak(&x[12_000..]) / peak(&y[12_000..]));
            let reported = s.gain_reduction_db();
            std::println!(
                "+{over_db} dB {os:?}: reported {reported:.3} dB, measured {measured:.3} dB"
            );
            assert!((reported - measured).abs() < 0.1, "{reported} vs {measured}");
        }
        // Below the knee: no reduction.
        let mut s = SoftClipper::default();
        run(&mut s, &sine(200.0, FS, 4800, 0.5));
        assert_eq!(s.gain_reduction_db(), 0.0);
    }

    /// The gain-reduction row lines up with the output: on a steady
    /// sine the reduction peaks where the input's peak comes out, `latency`
    /// samples later, within a sample, at every factor.
    #[test]
    fn reduction_row_lines_up_with_the_output() {
        for os in [Oversampling::X1, Oversampling::X2, Oversampling::X4, Oversampling::X8] {
            let mut s = make(-1.0, 3.0, os);
            s.prepare(&ProcessSpec::new(FS, 4800, 1)).unwrap();
            let x = sine(200.0, FS, 4800, 2.0);
            let (mut y, mut gr) = (x.clone(), std::vec![0.0f32; x.len()]);
            s.process_keyed(&mut [&mut y], None, &mut [&mut gr]);
            let l = s.latency();
            // One half period (120 samples) late in the block.
            let argmax = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
            let span = 4000..4120;
            let gr_at = span.start + argmax(&gr[span.clone()]);
            let abs: Vec<f32> = x[span.start - l..span.end - l].iter().map(|v| v.abs()).collect();
            let peak_at = span.start + argmax(&abs);
            assert!(
                gr_at.abs_diff(peak_at) <= 1,
                "{os:?}: reduction peaks at {gr_at}, output peak at {peak_at}"
            );
            assert_eq!(s.gain_reduction_db(), gr.iter().fold(0.0f32, |m, &v| m.max(v)));
        }
    }

    /// Largest non-harmonic component (dBFS) below `max_hz` of a 5 kHz
    /// sine 12 dB over the ceiling.
    fn worst_alias_db(os: Oversampling, max_hz: f64) -> f64 {
        let mut s = make(-1.0, 3.0, os);
        let x = sine(5000.0, FS, 8192 + 65_536, db_to_gain(11.0));
        let y = run(&mut s, &x);
        worst_inharmonic_db(&y[8192..], 5000.0, FS, max_hz)
    }

    /// Up to 20 kHz, 4x leaves aliases more than 20 dB below those of 1x.
    /// (Above, up to Nyquist, lie the aliases of the harmonics in the
    /// half-band filters' transition, 24 to 27 kHz: printed.)
    #[test]
    fn oversampling_reduces_aliasing() {
        let one = worst_alias_db(Oversampling::X1, 20_000.0);
        let four = worst_alias_db(Oversampling::X4, 20_000.0);
        let eight = worst_alias_db(Oversampling::X8, 20_000.0);
        let [one_all, four_all] =
            [Oversampling::X1, Oversampling::X4].map(|o| worst_alias_db(o, FS / 2.0));
        std::println!(
            "worst alias of 5 kHz +12 dB below 20 kHz: 1x {one:.1}, 4x {four:.1}, 8x {eight:.1} dBFS; \
             below Nyquist: 1x {one_all:.1}, 4x {four_all:.1} dBFS"
        );
        assert!(four < one - 20.0, "1x {one}, 4x {four}");
        assert!(eight <= four + 1.0, "4x {four}, 8x {eight}");
    }

    /// The latency is the delay of a small impulse (below the knee, so the
    /// path is linear).
    #[test]
    fn latency_is_the_impulse_delay() {
        for os in [Oversampling::X1, Oversampling::X2, Oversampling::X4, Oversampling::X8] {
            let mut s = make(-1.0, 3.0, os);
            let mut x = std::vec![0.0f32; 1024];
            x[100] = 0.1;
            let y = run(&mut s, &x);
            let at = (0..y.len()).max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs())).unwrap();
            assert_eq!(at, 100 + s.latency(), "{os:?}");
        }
    }

    #[test]
    fn invariants() {
        let change = |s: &mut SoftClipper| {
            s.set_ceiling_db(-12.0).unwrap();
            s.set_knee_db(0.0).unwrap();
        };
        check_processor_invariants(SoftClipper::default, 2, change);
        check_processor_invariants(
            || make(-20.0, 6.0, Oversampling::X8),
            2,
            |s| s.set_oversampling(Oversampling::X1),
        );
    }
}
