//! Linear-phase (or minimum-phase) equalizer of an arbitrary magnitude
//! curve, run as a long FIR by partitioned FFT convolution
//! ([`partitioned`](crate::effects::partitioned)).

use alloc::vec;
use alloc::vec::Vec;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

use crate::buffer::sanitize;
use crate::effects::partitioned::{BLOCK, Engine, Path};
use crate::error::Error;
use crate::math::db_to_gain;
use crate::params::{Caps, Channels, ParamInfo};
use crate::processor::Processor;
use crate::simd::{Kernel, dispatch};
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// The phase response of a [`LinearPhaseEq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EqPhase {
    /// Symmetric FIR: no phase distortion, a latency of half the filter
    /// and pre-ringing before transients.
    #[default]
    Linear,
    /// Minimum-phase FIR with the same magnitude: no extra latency and no
    /// pre-ringing, with the phase shift of an analog-style equalizer.
    Minimum,
}

crate::named_choices!(EqPhase, "EQ phase" {
    Linear = "linear",
    Minimum = "minimum",
});

crate::declare_params! {
    LinearPhaseEq, LINEAR_PHASE_EQ_KIND = "linear_phase_eq", "LinearPhaseEq",
        Caps::PLAIN.channels(Channels::Any).latency().tail(),
        "Linear-phase equalizer of an arbitrary magnitude curve: points (Hz, dB) joined by \
         straight lines in dB over log frequency, flat beyond the end points, applied by an \
         FIR of about 5.9 Hz resolution (8192 taps at 44.1 and 48 kHz, twice as many per \
         doubling of the rate). Linear phase has a constant latency of half the filter plus \
         128 samples; minimum phase has the same magnitude, no pre-ringing and a latency of \
         128 samples. With mid_side on stereo input, the curve applies to mid (L+R)/2 and \
         the side curve to side (L-R)/2. The curves are tables (curve, side_curve: \
         [hz0, db0, hz1, db1, ...]) stored in presets; a new curve fades in without a click.",
        dyn {
            fn tables(&self) -> Vec<(&'static str, Vec<f64>)> {
                vec![(TABLES[0], flatten(&self.curve)), (TABLES[1], flatten(&self.side_curve))]
            }
            fn set_table(&mut self, name: &str, values: &[f64]) -> Result<(), Error> {
                let points = unflatten(values)?;
                match name {
                    "curve" => self.set_curve(&points),
                    "side_curve" => self.set_side_curve(&points),
                    _ => Err(Error::UnknownTable { kind: &LINEAR_PHASE_EQ_KIND, tables: TABLES }),
                }
            }
        };
    PHASE = ParamInfo::choice("phase", EqPhase::CHOICES, 0,
        "Linear (symmetric, latency of half the filter) or minimum (no pre-ringing); a change \
         crossfades") => phase, set_phase;
    MID_SIDE = ParamInfo::toggle("mid_side", false,
        "On stereo input: the curve applies to mid, the side curve to side; a change \
         crossfades") => mid_side, set_mid_side;
    GAIN_DB = ParamInfo::float("gain_db", -24.0, 24.0, 0.0, "dB", "Output trim")
        .smoothed(DEFAULT_SMOOTHING_MS) => gain_db, set_gain_db;
}

/// The names of the tables, as presets store them.
const TABLES: &[&str] = &["curve", "side_curve"];

/// Largest gain of a curve point, in dB (either sign).
pub const MAX_CURVE_DB: f64 = 24.0;

/// Most points a curve may have.
pub const MAX_CURVE_POINTS: usize = 4096;

/// Coarsest frequency resolution of the filter (sample rate over taps), in
/// Hz: the tap count doubles from 8192 until it is this fine.
const RESOLUTION_HZ: f64 = 6.0;

/// Oversampling of the design grid over the filter length (limits the
/// time aliasing of the minimum-phase cepstrum).
const GRID: usize = 4;

/// Length of the crossfade to a new filter, in ms (rounded up to blocks).
const FADE_MS: f64 = 20.0;

/// Points (Hz, dB) flattened as `[hz0, db0, hz1, db1, ...]`.
fn flatten(points: &[(f64, f64)]) -> Vec<f64> {
    points.iter().flat_map(|&(hz, db)| [hz, db]).collect()
}

/// Points from `[hz0, db0, hz1, db1, ...]`.
fn unflatten(values: &[f64]) -> Result<Vec<(f64, f64)>, Error> {
    if values.len() % 2 != 0 {
        return Err(Error::InvalidParameter {
            name: "curve",
            reason: "a curve table holds pairs: [hz0, db0, hz1, db1, ...]",
        });
    }
    Ok(values.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

/// Checks a curve: at most [`MAX_CURVE_POINTS`] points, frequencies finite,
/// positive and strictly ascending, gains finite within ±[`MAX_CURVE_DB`].
fn check_curve(name: &'static str, points: &[(f64, f64)]) -> Result<Vec<(f64, f64)>, Error> {
    if points.len() > MAX_CURVE_POINTS {
        return Err(Error::CapacityExceeded { what: "curve of more than 4096 points" });
    }
    let mut last = 0.0;
    for &(hz, db) in points {
        if !(hz.is_finite() && hz > last) {
            return Err(Error::InvalidParameter {
                name,
                reason: "point frequencies must be finite, above 0 Hz and strictly ascending",
            });
        }
        if !(db.is_finite() && db.abs() <= MAX_CURVE_DB) {
            return Err(Error::InvalidParameter {
                name,
                reason: "point gains must be finite and within -24..24 dB",
            });
        }
        last = hz;
    }
    Ok(points.to_vec())
}

/// The gain in dB of `points` at `hz`: linear in dB over log frequency
/// between points, the end points' gains beyond them, 0 without points.
pub fn curve_db(points: &[(f64, f64)], hz: f64) -> f64 {
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return 0.0 };
    if hz.is_nan() || hz <= first.0 {
        return first.1;
    }
    if hz >= last.0 {
        return last.1;
    }
    let i = points.partition_point(|p| p.0 <= hz);
    let ((f0, g0), (f1, g1)) = (points[i - 1], points[i]);
    let t = libm::log(hz / f0) / libm::log(f1 / f0);
    g0 + t * (g1 - g0)
}

/// Filter length for `sample_rate`: 8192 taps, doubled (up to 2^17) until
/// the resolution, `sample_rate / taps`, is 6 Hz or finer.
pub fn taps_for(sample_rate: f64) -> usize {
    let mut n = 8192;
    while n < 1 << 17 && sample_rate / n as f64 > RESOLUTION_HZ {
        n *= 2;
    }
    n
}

/// The linear- and minimum-phase FIRs (`taps` long) of `points` at
/// `sample_rate`. Allocates.
///
/// The curve is sampled on a grid of `GRID · taps` bins. Linear phase: the
/// zero-phase response (inverse transform of the magnitudes), centred on
/// `taps / 2` and Hann-windowed, hence symmetric. Minimum phase: the real
/// cepstrum of the log magnitudes folded onto positive times (the
/// homomorphic method), exponentiated back, truncated to `taps` with a
/// half-Hann fade over its last quarter.
fn design(points: &[(f64, f64)], sample_rate: f64, taps: usize) -> [Vec<f32>; 2] {
    let m = GRID * taps;
    let mut planner = FftPlanner::<f64>::new();
    let (forward, inverse) = (planner.plan_fft_forward(m), planner.plan_fft_inverse(m));
    let half: Vec<f64> =
        (0..=m / 2).map(|k| curve_db(points, k as f64 * sample_rate / m as f64)).collect();
    let db = |k: usize| half[if k <= m / 2 { k } else { m - k }];
    let scale = 1.0 / m as f64;

    let mut buf: Vec<Complex<f64>> = (0..m).map(|k| Complex::new(db_to_gain(db(k)), 0.0)).collect();
    inverse.process(&mut buf);
    let linear = (0..taps)
        .map(|i| {
            let w = 0.5 - 0.5 * libm::cos(2.0 * core::f64::consts::PI * i as f64 / taps as f64);
            (buf[(i + m - taps / 2) % m].re * scale * w) as f32
        })
        .collect();

    let ln_gain = core::f64::consts::LN_10 / 20.0;
    buf.iter_mut().enumerate().for_each(|(k, v)| *v = Complex::new(db(k) * ln_gain, 0.0));
    inverse.process(&mut buf);
    for (n, c) in buf.iter_mut().enumerate() {
        let fold = match n {
            0 => 1.0,
            n if n < m / 2 => 2.0,
            n if n == m / 2 => 1.0,
            _ => 0.0,
        };
        *c = Complex::new(c.re * scale * fold, 0.0);
    }
    forward.process(&mut buf);
    buf.iter_mut().for_each(|v| *v = v.exp());
    inverse.process(&mut buf);
    let fade = taps / 4;
    let minimum = (0..taps)
        .map(|i| {
            let into = (i + fade).saturating_sub(taps) as f64 / fade as f64;
            let w = 0.5 + 0.5 * libm::cos(core::f64::consts::PI * into);
            (buf[i].re * scale * w) as f32
        })
        .collect();
    [linear, minimum]
}

/// What a convolution engine is loaded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Setting {
    /// Which design of the curves (counts the redesigns).
    generation: u64,
    phase: EqPhase,
    /// Whether the input is encoded to mid and side (stereo only).
    mid_side: bool,
}

/// Where the change to a new filter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transition {
    /// One engine runs.
    Steady,
    /// The idle engine, loaded with the new filter and cleared, has run
    /// this many samples (its output is not yet complete).
    Warming(usize),
    /// The output fades from the active engine to the idle one; samples
    /// done.
    Fading(usize),
}

/// Linear-phase (or minimum-phase) equalizer of an arbitrary magnitude
/// curve, for mastering: tonal balance from points or from a matching
/// analysis, optionally on mid and side.
///
/// The curves are set with [`set_curve`](Self::set_curve) and
/// [`set_side_curve`](Self::set_side_curve), which design the filters
/// (allocating: not real-time safe). The FIR has [`taps_for`] the sample
/// rate taps (8192 at 44.1 and 48 kHz, 16384 at 96 kHz) and runs on the
/// partitioned convolution engine. Linear phase: the filter is symmetric
/// about its centre and [`latency`](Processor::latency) is 128 + taps / 2
/// samples, whatever the curve; a flat curve gives the input delayed by the
/// latency (to f32 rounding, about -130 dB). Minimum phase: no pre-ringing
/// and a latency of 128 samples. Prepared for offline rendering
/// ([`ProcessSpec::rendering`]), the engines run blocks of half the filter
/// instead of 128 samples: the same output for a quarter to a third of the
/// work, and that much more latency.
///
/// A change of curve, `phase` or `mid_side` while running does not click:
/// a second engine is loaded with the new filter (on the audio thread, no
/// allocation), runs for the filter's length so that its output is
/// complete, and the output crossfades to it over 20 ms. Until then the
/// old filter plays (about 190 ms at 44.1 kHz). `gain_db` glides over
/// 20 ms.
#[derive(Debug, Clone)]
pub struct LinearPhaseEq {
    phase: EqPhase,
    mid_side: bool,
    gain_db: f64,
    curve: Vec<(f64, f64)>,
    side_curve: Vec<(f64, f64)>,
    spec: Option<ProcessSpec>,
    taps: usize,
    /// The designs, linear then minimum phase: `[curve, side_curve]`.
    designs: [[Vec<f32>; 2]; 2],
    generation: u64,
    /// Two engines with what each is loaded with (empty until prepared).
    engines: Vec<(Engine, Setting)>,
    active: usize,
    transition: Transition,
    /// Samples a freshly loaded engine runs before its output is complete.
    warm: usize,
    /// Crossfade length in samples (whole blocks).
    fade: usize,
    /// The engines' block size: the engine's latency.
    block: usize,
    /// Position in the current block.
    pos: usize,
    /// The current block's mid and side input (stereo).
    mid_side_in: [Vec<f32>; 2],
    /// Per channel, the output block being played.
    out: Vec<Vec<f32>>,
    /// Per channel, the incoming engine's block during a crossfade.
    incoming: Vec<Vec<f32>>,
    gain_s: LinearSmoother,
    nonfinite: u64,
}

impl Default for LinearPhaseEq {
    /// Flat curves and the declared defaults.
    fn default() -> Self {
        Self {
            phase: EqPhase::Linear,
            mid_side: false,
            gain_db: 0.0,
            curve: Vec::new(),
            side_curve: Vec::new(),
            spec: None,
            taps: 0,
            designs: Default::default(),
            generation: 0,
            engines: Vec::new(),
            active: 0,
            transition: Transition::Steady,
            warm: 0,
            fade: 0,
            block: BLOCK,
            pos: 0,
            mid_side_in: Default::default(),
            out: Vec::new(),
            incoming: Vec::new(),
            gain_s: LinearSmoother::new(1.0),
            nonfinite: 0,
        }
    }
}

impl LinearPhaseEq {
    /// An equalizer of `curve` (see [`set_curve`](Self::set_curve)) with
    /// the declared defaults.
    pub fn new(curve: &[(f64, f64)]) -> Result<Self, Error> {
        let mut eq = Self::default();
        eq.set_curve(curve)?;
        Ok(eq)
    }

    /// Sets the curve: points `(hz, db)` with frequencies finite, above 0
    /// and strictly ascending, gains finite within ±24 dB, at most 4096;
    /// empty is flat. Designs the filters if prepared (allocates: not
    /// real-time safe); the new filter fades in. On an error nothing
    /// changes.
    pub fn set_curve(&mut self, points: &[(f64, f64)]) -> Result<(), Error> {
        self.curve = check_curve("curve", points)?;
        self.redesign();
        Ok(())
    }

    /// Sets the side curve (as [`set_curve`](Self::set_curve)), which
    /// applies to side when `mid_side` is on and the input is stereo.
    pub fn set_side_curve(&mut self, points: &[(f64, f64)]) -> Result<(), Error> {
        self.side_curve = check_curve("side_curve", points)?;
        self.redesign();
        Ok(())
    }

    /// The curve's points.
    pub fn curve(&self) -> &[(f64, f64)] {
        &self.curve
    }

    /// The side curve's points.
    pub fn side_curve(&self) -> &[(f64, f64)] {
        &self.side_curve
    }

    /// The curve's gain at `hz`, in dB (what is asked for).
    pub fn magnitude_db(&self, hz: f64) -> f64 {
        curve_db(&self.curve, hz)
    }

    /// The side curve's gain at `hz`, in dB.
    pub fn side_magnitude_db(&self, hz: f64) -> f64 {
        curve_db(&self.side_curve, hz)
    }

    /// The designed filter of the curve (`side`: of the side curve) for
    /// the current phase: its gain at `hz` in dB, from the taps (what is
    /// obtained), or `None` before `prepare`.
    pub fn designed_magnitude_db(&self, side: bool, hz: f64) -> Option<f64> {
        let fs = self.spec?.sample_rate;
        let h = &self.designs[self.phase as usize][usize::from(side)];
        let w = -2.0 * core::f64::consts::PI * hz / fs;
        let (re, im) = h.iter().enumerate().fold((0.0, 0.0), |(re, im), (n, &v)| {
            let a = w * n as f64;
            (re + v as f64 * libm::cos(a), im + v as f64 * libm::sin(a))
        });
        Some(10.0 * libm::log10(re * re + im * im))
    }

    /// The latency in samples once prepared at `sample_rate` for real
    /// time, for the current phase (refuses a rate `prepare` would refuse).
    pub fn latency_at(&self, sample_rate: f64) -> Result<usize, Error> {
        ProcessSpec::new(sample_rate, 1, 1).validate()?;
        Ok(BLOCK + if self.phase == EqPhase::Linear { taps_for(sample_rate) / 2 } else { 0 })
    }

    /// The filter length in taps (0 before `prepare`).
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// The phase response.
    pub fn phase(&self) -> EqPhase {
        self.phase
    }

    /// Sets the phase response (the new filter fades in; the latency
    /// changes at once).
    pub fn set_phase(&mut self, phase: EqPhase) {
        self.phase = phase;
    }

    /// Whether the curves apply to mid and side.
    pub fn mid_side(&self) -> bool {
        self.mid_side
    }

    /// Applies the curve to mid and the side curve to side on stereo
    /// input, or the curve to every channel (the change fades in).
    pub fn set_mid_side(&mut self, on: bool) {
        self.mid_side = on;
    }

    /// Output trim in dB.
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// Sets the output trim (glides over 20 ms).
    pub fn set_gain_db(&mut self, db: f64) -> Result<(), Error> {
        self.gain_db = Self::GAIN_DB.check(db)?;
        self.gain_s.set_target(db_to_gain(self.gain_db));
        Ok(())
    }

    /// Designs the filters of the curves for the prepared rate (nothing
    /// before `prepare`).
    fn redesign(&mut self) {
        let Some(spec) = self.spec else { return };
        let [main_lin, main_min] = design(&self.curve, spec.sample_rate, self.taps);
        let [side_lin, side_min] = design(&self.side_curve, spec.sample_rate, self.taps);
        self.designs = [[main_lin, side_lin], [main_min, side_min]];
        self.generation += 1;
    }

    /// What the engines should be loaded with now.
    fn target(&self) -> Setting {
        Setting {
            generation: self.generation,
            phase: self.phase,
            mid_side: self.mid_side && self.out.len() == 2,
        }
    }

    /// Loads engine `i` with `setting` and clears its signal state.
    fn load(&mut self, i: usize, setting: Setting) {
        let [main, side] = &self.designs[setting.phase as usize];
        let (engine, loaded) = &mut self.engines[i];
        engine.set_response(0, main);
        engine.set_response(1, if setting.mid_side { side } else { main });
        engine.reset();
        *loaded = setting;
    }

    /// Completes a block: runs the engine(s), decodes, crossfades, trims,
    /// and moves the transition on.
    #[inline(always)]
    fn step<const W: bool>(&mut self) {
        let (active, idle) = (self.active, 1 - self.active);
        self.engines[active].0.step::<W>(0);
        decode(&self.engines[active], &mut self.out);
        if self.transition != Transition::Steady {
            self.engines[idle].0.step::<W>(0);
        }
        if let Transition::Fading(done) = self.transition {
            decode(&self.engines[idle], &mut self.incoming);
            let step = 1.0 / self.fade as f32;
            for (out, new) in self.out.iter_mut().zip(&self.incoming) {
                for (i, (o, &n)) in out.iter_mut().zip(new).enumerate() {
                    let a = (done + i + 1) as f32 * step;
                    *o += a * (n - *o);
                }
            }
        }
        if self.gain_s.is_smoothing() {
            for out in &mut self.out {
                let mut g = self.gain_s;
                out.iter_mut().for_each(|o| *o *= g.next() as f32);
            }
        } else if self.gain_s.current() != 1.0 {
            let g = self.gain_s.current() as f32;
            self.out.iter_mut().flatten().for_each(|o| *o *= g);
        }
        let block = self.block;
        self.gain_s.advance(block);

        let target = self.target();
        self.transition = match self.transition {
            Transition::Steady if self.engines[active].1 != target => {
                self.load(idle, target);
                Transition::Warming(0)
            }
            Transition::Warming(_) if self.engines[idle].1 != target => {
                self.load(idle, target);
                Transition::Warming(0)
            }
            Transition::Warming(done) if done + block >= self.warm => Transition::Fading(0),
            Transition::Warming(done) => Transition::Warming(done + block),
            Transition::Fading(done) if done + block >= self.fade => {
                self.active = idle;
                Transition::Steady
            }
            Transition::Fading(done) => Transition::Fading(done + block),
            Transition::Steady => Transition::Steady,
        };
    }
}

/// The output block of `engine` (loaded with `setting`) per channel,
/// decoded from mid and side if it was encoded.
#[inline(always)]
fn decode((engine, setting): &(Engine, Setting), out: &mut [Vec<f32>]) {
    if let (true, [left, right]) = (setting.mid_side, &mut *out) {
        let rows =
            left.iter_mut().zip(right.iter_mut()).zip(engine.wet(0).iter().zip(engine.wet(1)));
        for ((l, r), (&m, &s)) in rows {
            (*l, *r) = (m + s, m - s);
        }
    } else {
        for (c, o) in out.iter_mut().enumerate() {
            o.copy_from_slice(engine.wet(c));
        }
    }
}

struct Step<'a>(&'a mut LinearPhaseEq);

impl Kernel for Step<'_> {
    type Output = ();

    #[inline(always)]
    unsafe fn run<const WIDE: bool>(self) {
        self.0.step::<WIDE>();
    }
}

impl Processor for LinearPhaseEq {
    /// Designs the filters for the rate and builds the two engines
    /// (allocating).
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.spec = Some(*spec);
        self.taps = taps_for(spec.sample_rate);
        self.redesign();
        // Offline, blocks of half the filter: a quarter of the work per
        // sample, for that much more latency.
        let block = if spec.offline { self.taps / 2 } else { BLOCK };
        let paths =
            (0..spec.channels).map(|c| Path { input: c, output: c, ir: c.min(1) }).collect();
        let setting = self.target();
        let [main, side] = &self.designs[setting.phase as usize];
        let ir = [main.clone(), if setting.mid_side { side } else { main }.clone()];
        let engine = Engine::new(&ir, paths, spec.channels, 0, block);
        let block = engine.block();
        self.engines = vec![(engine.clone(), setting), (engine, setting)];
        self.block = block;
        self.out = vec![vec![0.0; block]; spec.channels];
        self.incoming = self.out.clone();
        self.mid_side_in = [vec![0.0; block], vec![0.0; block]];
        self.warm = self.taps + 2 * block;
        self.fade = spec.ms_to_samples(FADE_MS).div_ceil(block).max(1) * block;
        self.gain_s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        if !self.engines.is_empty() {
            let target = self.target();
            if self.engines[self.active].1 != target {
                self.load(self.active, target);
            }
            self.engines.iter_mut().for_each(|(e, _)| e.reset());
        }
        self.transition = Transition::Steady;
        self.out.iter_mut().for_each(|o| o.fill(0.0));
        self.pos = 0;
        self.gain_s.snap();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let len = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < len && !self.engines.is_empty() {
            let n = (self.block - self.pos).min(len - start);
            let [mid, side] = &mut self.mid_side_in;
            if let [l, r] = channels {
                let rows = l[start..start + n].iter().zip(&r[start..start + n]);
                for ((m, s), (&l, &r)) in mid.iter_mut().zip(side.iter_mut()).zip(rows) {
                    (*m, *s) = (0.5 * (l + r), 0.5 * (l - r));
                }
            }
            let running = if self.transition == Transition::Steady { 1 } else { 2 };
            for k in 0..running {
                let (engine, setting) = &mut self.engines[(self.active + k) % 2];
                if setting.mid_side {
                    engine.write(0, self.pos, &mid[..n]);
                    engine.write(1, self.pos, &side[..n]);
                } else {
                    for (c, ch) in channels.iter().enumerate() {
                        engine.write(c, self.pos, &ch[start..start + n]);
                    }
                }
            }
            for (ch, out) in channels.iter_mut().zip(&self.out) {
                ch[start..start + n].copy_from_slice(&out[self.pos..self.pos + n]);
            }
            self.pos += n;
            start += n;
            if self.pos == self.block {
                dispatch(Step(self));
                self.pos = 0;
            }
        }
    }

    /// 128 samples (half the filter offline), plus half the filter for
    /// linear phase.
    fn latency(&self) -> usize {
        self.block + if self.phase == EqPhase::Linear { self.taps / 2 } else { 0 }
    }

    /// The filter's length after its main tap.
    fn tail(&self) -> usize {
        self.taps.saturating_sub(1) + self.block - self.latency()
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;
    use std::vec::Vec;

    /// A low shelf-like boost of 6 dB, a -4 dB region around 2.5 kHz and a
    /// gentle top lift.
    const CURVE: &[(f64, f64)] = &[
        (30.0, 6.0),
        (70.0, 6.0),
        (250.0, 0.0),
        (1500.0, 0.0),
        (2000.0, -4.0),
        (3500.0, -4.0),
        (5000.0, 0.0),
        (10_000.0, 0.0),
        (16_000.0, 3.0),
    ];

    fn prepared(mut eq: LinearPhaseEq, fs: f64, channels: usize) -> LinearPhaseEq {
        eq.prepare(&ProcessSpec::new(fs, 1024, channels)).unwrap();
        eq
    }

    /// The response of channel 0 to a unit impulse at sample 0 on channel
    /// `at` (others silent), latency and whole filter included.
    fn impulse_response(eq: &mut LinearPhaseEq, channels: usize) -> Vec<f32> {
        let len = eq.latency() + eq.taps() + 2 * BLOCK;
        let mut x = vec![vec![0.0f32; len]; channels];
        x.iter_mut().for_each(|c| c[0] = 1.0);
        let mut views: Vec<&mut [f32]> = x.iter_mut().map(|c| &mut c[..]).collect();
        crate::processor::process_in_blocks(eq, &mut views, 1000);
        x.swap_remove(0)
    }

    fn peak(h: &[f32]) -> usize {
        h.iter().enumerate().fold(0, |m, (i, v)| if v.abs() > h[m].abs() { i } else { m })
    }

    /// `count` frequencies spaced logarithmically from `lo` to `hi`.
    fn log_freqs(lo: f64, hi: f64, count: usize) -> impl Iterator<Item = f64> {
        (0..count).map(move |i| lo * libm::pow(hi / lo, i as f64 / (count - 1) as f64))
    }

    /// Largest deviation, in dB, of the measured response `h` from `want`.
    fn worst_error(h: &[f32], fs: f64, lo: f64, hi: f64, want: impl Fn(f64) -> f64) -> f64 {
        log_freqs(lo, hi, 150).map(|f| (dft_db(h, f, fs) - want(f)).abs()).fold(0.0, f64::max)
    }

    /// A flat curve passes the input delayed by exactly the latency, flat
    /// within 0.01 dB from 20 Hz to 20 kHz, in both phases.
    #[test]
    fn flat_curve_is_a_delay_of_the_latency() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for phase in [EqPhase::Linear, EqPhase::Minimum] {
                let mut eq = LinearPhaseEq::default();
                eq.set_phase(phase);
                let mut eq = prepared(eq, fs, 1);
                let h = impulse_response(&mut eq, 1);
                assert_eq!(peak(&h), eq.latency(), "{fs} {phase:?}");
                let err = worst_error(&h, fs, 20.0, 20_000.0, |_| 0.0);
                std::eprintln!("flat {fs} Hz {phase:?}: worst {err:.2e} dB");
                assert!(err < 0.01, "{fs} {phase:?}: {err} dB");
            }
        }
        assert_eq!(prepared(LinearPhaseEq::default(), 48_000.0, 1).latency(), 128 + 4096);
        assert_eq!(LinearPhaseEq::default().latency_at(48_000.0), Ok(128 + 4096));
        assert!(LinearPhaseEq::default().latency_at(f64::INFINITY).is_err());
        assert_eq!(prepared(LinearPhaseEq::default(), 96_000.0, 1).taps(), 16_384);
    }

    /// The measured response follows the curve within 0.25 dB (linear
    /// phase) and 0.3 dB (minimum phase) from 40 Hz to 16 kHz; the latency
    /// does not depend on the curve.
    #[test]
    fn measured_response_follows_the_curve() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for (phase, tolerance) in [(EqPhase::Linear, 0.25), (EqPhase::Minimum, 0.3)] {
                let mut eq = LinearPhaseEq::new(CURVE).unwrap();
                eq.set_phase(phase);
                let mut eq = prepared(eq, fs, 1);
                let flat = prepared(LinearPhaseEq { phase, ..Default::default() }, fs, 1);
                assert_eq!(eq.latency(), flat.latency());
                let h = impulse_response(&mut eq, 1);
                let err = worst_error(&h, fs, 40.0, 16_000.0, |f| eq.magnitude_db(f));
                std::eprintln!("curve {fs} Hz {phase:?}: worst {err:.3} dB");
                assert!(err < tolerance, "{fs} {phase:?}: {err} dB");
                let designed = eq.designed_magnitude_db(false, 3000.0).unwrap();
                assert!((designed - dft_db(&h, 3000.0, fs)).abs() < 1e-3);
            }
        }
    }

    /// Linear phase: the impulse response is symmetric about its peak,
    /// which is at the latency (constant group delay).
    #[test]
    fn linear_phase_response_is_symmetric() {
        let mut eq = prepared(LinearPhaseEq::new(CURVE).unwrap(), 48_000.0, 1);
        let h = impulse_response(&mut eq, 1);
        let c = eq.latency();
        assert_eq!(peak(&h), c);
        let worst = (1..eq.taps() / 2).map(|k| (h[c + k] - h[c - k]).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-6 * h[c].abs(), "{worst}");
    }

    /// Minimum phase: no pre-ringing (the energy before the main peak is
    /// below -60 dB of the total) and a peak within a few samples of the
    /// 128-sample latency.
    #[test]
    fn minimum_phase_does_not_pre_ring() {
        for fs in [44_100.0, 96_000.0] {
            let mut eq = LinearPhaseEq::new(CURVE).unwrap();
            eq.set_phase(EqPhase::Minimum);
            let mut eq = prepared(eq, fs, 1);
            let h = impulse_response(&mut eq, 1);
            let p = peak(&h);
            assert!((BLOCK..BLOCK + 8).contains(&p), "{p}");
            let energy = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
            let pre = 10.0 * libm::log10(energy(&h[..p]) / energy(&h));
            std::eprintln!("minimum phase {fs} Hz: energy before the peak {pre:.1} dB");
            assert!(pre < -60.0, "{pre} dB");
        }
    }

    /// Mid/side: a mono input (L = R) sees only the curve, an opposite one
    /// (L = -R) only the side curve, each decoded to both channels.
    #[test]
    fn mid_side_applies_each_curve_to_its_part() {
        let fs = 48_000.0;
        let side: &[(f64, f64)] = &[(200.0, -6.0), (8000.0, 4.0)];
        let mut eq = LinearPhaseEq::new(CURVE).unwrap();
        eq.set_side_curve(side).unwrap();
        eq.set_mid_side(true);
        let mut eq = prepared(eq, fs, 2);
        let x = noise(20_000, 0.3, 4);
        for (sign, curve) in [(1.0f32, CURVE), (-1.0, side)] {
            let mut one = prepared(LinearPhaseEq::new(curve).unwrap(), fs, 1);
            let mut want = x.clone();
            one.process(&mut [&mut want]);
            let (mut l, mut r) = (x.clone(), x.iter().map(|v| sign * v).collect::<Vec<_>>());
            eq.reset();
            eq.process(&mut [&mut l, &mut r]);
            let err = |got: &[f32], s: f32| {
                let e: f64 = got.iter().zip(&want).map(|(g, w)| ((g - s * w) as f64).powi(2)).sum();
                10.0 * libm::log10(e / want.iter().map(|w| (*w as f64).powi(2)).sum::<f64>())
            };
            assert!(err(&l, 1.0) < -100.0 && err(&r, sign) < -100.0, "{sign}");
        }
    }

    /// A new curve while running fades in: no step in a sine beyond its
    /// own, and once the change is done the output equals that of an
    /// equalizer set to the new curve from the start.
    #[test]
    fn a_curve_change_while_running_does_not_click() {
        let fs = 48_000.0;
        let x = sine(1000.0, fs, 40_000, 0.5);
        let mut eq = prepared(LinearPhaseEq::default(), fs, 1);
        let boosted: &[(f64, f64)] = &[(500.0, 0.0), (1000.0, 12.0), (2000.0, 0.0)];
        let mut y = x.clone();
        eq.process(&mut [&mut y[..5000]]);
        eq.set_curve(boosted).unwrap();
        eq.set_phase(EqPhase::Minimum);
        eq.process(&mut [&mut y[5000..]]);
        let own = max_step(&x) * db_to_gain(12.0) as f32;
        assert!(max_step(&y) <= 1.01 * own, "{} > {own}", max_step(&y));
        let mut fresh = LinearPhaseEq::new(boosted).unwrap();
        fresh.set_phase(EqPhase::Minimum);
        let mut fresh = prepared(fresh, fs, 1);
        let mut want = x.clone();
        fresh.process(&mut [&mut want]);
        let done = 5000 + eq.taps() + 2 * BLOCK + eq.fade + 2 * BLOCK;
        let worst =
            y[done..].iter().zip(&want[done..]).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-5, "{worst}");
    }

    /// Offline, the engines run blocks of half the filter: the output is
    /// the real-time one (to f32 rounding) delayed by the longer latency,
    /// which the impulse response's peak shows.
    #[test]
    fn offline_rendering_is_the_same_filter_later() {
        let x: Vec<Vec<f32>> = (0..2).map(|c| noise(60_000, 0.5, 7 + c)).collect();
        for fs in [44_100.0, 96_000.0] {
            for phase in [EqPhase::Linear, EqPhase::Minimum] {
                let mut eq = LinearPhaseEq::new(CURVE).unwrap();
                eq.set_side_curve(&[(100.0, -3.0), (8000.0, 4.0)]).unwrap();
                eq.set_mid_side(true);
                eq.set_phase(phase);
                let mut live = prepared(eq.clone(), fs, 2);
                eq.prepare(&ProcessSpec::new(fs, 1024, 2).rendering()).unwrap();
                let taps = eq.taps();
                let centre = if phase == EqPhase::Linear { taps / 2 } else { 0 };
                assert_eq!(eq.latency(), taps / 2 + centre, "{fs} {phase:?}");
                let mut flat = LinearPhaseEq { phase, ..Default::default() };
                flat.prepare(&ProcessSpec::new(fs, 1024, 1).rendering()).unwrap();
                assert_eq!(peak(&impulse_response(&mut flat, 1)), flat.latency());
                let (mut a, mut b) = (x.clone(), x.clone());
                let mut views: Vec<&mut [f32]> = a.iter_mut().map(|c| &mut c[..]).collect();
                crate::processor::process_in_blocks(&mut live, &mut views, 1000);
                let mut views: Vec<&mut [f32]> = b.iter_mut().map(|c| &mut c[..]).collect();
                crate::processor::process_in_blocks(&mut eq, &mut views, 1000);
                let later = eq.latency() - live.latency();
                for (a, b) in a.iter().zip(&b) {
                    let worst = a[..a.len() - later]
                        .iter()
                        .zip(&b[later..])
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f32::max);
                    assert!(worst < 1e-5, "{fs} {phase:?}: {worst}");
                }
            }
        }
    }

    #[test]
    fn keeps_the_processor_invariants() {
        let make = || LinearPhaseEq::new(CURVE).unwrap();
        check_processor_invariants(make, 2, |p| {
            p.set_gain_db(-3.0).unwrap();
            p.set_mid_side(true);
        });
        check_processor_invariants(make, 1, |p| p.set_phase(EqPhase::Minimum));
        check_processor_invariants(make, 2, |p| p.set_side_curve(&[(100.0, 3.0)]).unwrap());
        let offline = ProcessSpec::new(48_000.0, 1024, 2).rendering();
        check_processor_invariants_at(make, offline, |p| {
            p.set_side_curve(&[(100.0, 3.0)]).unwrap()
        });
    }

    /// Bad points are refused with errors that name the curve; nothing
    /// changes on an error; tables hold the same points.
    #[test]
    fn bad_curves_are_refused() {
        let mut eq = LinearPhaseEq::new(CURVE).unwrap();
        for bad in [
            &[(100.0, 1.0), (100.0, 2.0)][..],
            &[(200.0, 1.0), (100.0, 2.0)],
            &[(0.0, 1.0)],
            &[(-5.0, 1.0)],
            &[(f64::NAN, 1.0)],
            &[(100.0, f64::NAN)],
            &[(100.0, f64::INFINITY)],
            &[(100.0, 30.0)],
        ] {
            assert!(
                matches!(eq.set_curve(bad), Err(Error::InvalidParameter { name: "curve", .. })),
                "{bad:?}"
            );
            assert!(eq.set_side_curve(bad).is_err());
        }
        assert_eq!(eq.curve(), CURVE);
        use crate::params::DynProcessor;
        assert!(eq.set_table("curve", &[100.0]).is_err());
        let err = eq.set_table("curves", &[]).unwrap_err();
        assert!(std::string::ToString::to_string(&err).contains("curve, side_curve"), "{err}");
        eq.set_table("side_curve", &[50.0, -1.0, 60.0, 2.0]).unwrap();
        assert_eq!(eq.side_curve(), &[(50.0, -1.0), (60.0, 2.0)]);
        assert_eq!(eq.tables()[1], ("side_curve", std::vec![50.0, -1.0, 60.0, 2.0]));
        let mut gain = crate::mix::Gain::default();
        assert!(
            std::string::ToString::to_string(&gain.set_table("curve", &[]).unwrap_err())
                .contains("has no tables")
        );
    }

    /// The curves travel in presets: save and load give the same tables
    /// and bit-identical output; a preset without tables gives flat curves.
    #[test]
    fn curves_round_trip_through_presets() {
        use crate::preset;
        let mut eq = LinearPhaseEq::new(CURVE).unwrap();
        eq.set_side_curve(&[(300.0, 2.5)]).unwrap();
        eq.set_mid_side(true);
        let saved = preset::save(&eq);
        assert_eq!(saved.tables.len(), 2);
        let mut loaded = preset::load(&saved).unwrap();
        assert_eq!(preset::save(&*loaded), saved);
        let spec = ProcessSpec::new(48_000.0, 512, 2);
        eq.prepare(&spec).unwrap();
        loaded.prepare(&spec).unwrap();
        let (mut a, mut b) = (test_signal(2, 12_000), test_signal(2, 12_000));
        let mut va: Vec<&mut [f32]> = a.iter_mut().map(|c| &mut c[..]).collect();
        let mut vb: Vec<&mut [f32]> = b.iter_mut().map(|c| &mut c[..]).collect();
        eq.process(&mut va);
        loaded.process(&mut vb);
        assert!(a == b);
        let mut cleared = saved.clone();
        cleared.tables.clear();
        preset::restore(&mut *loaded, &cleared).unwrap();
        assert!(preset::save(&*loaded).tables.is_empty());
        cleared.tables.insert("bogus".into(), std::vec![]);
        let err = preset::load(&cleared).err().unwrap();
        assert!(err.message().contains("bogus"), "{err}");
    }
}
