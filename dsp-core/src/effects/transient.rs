//! Transient shaper: level-independent emphasis or softening of a sound's
//! attack and of its sustain, from the difference between envelope
//! followers of different speeds on the linked level.

use crate::buffer::sanitize;
use crate::dynamics::ballistics::time_coef;
use crate::dynamics::fast_db::{amp_to_db, db_to_amp};
use crate::error::Error;
use crate::math::flush_denormal;
use crate::params::{Caps, ParamInfo};
use crate::processor::Processor;
use crate::smooth::{DEFAULT_SMOOTHING_MS, LinearSmoother};
use crate::spec::ProcessSpec;

/// Attack time of the fast follower, in ms.
pub const FAST_ATTACK_MS: f64 = 0.2;
/// Release time of the fast follower, in ms.
pub const FAST_RELEASE_MS: f64 = 50.0;
/// Follower difference (dB) at which the attack or sustain gain is full.
pub const FULL_SCALE_DB: f32 = 6.0;
/// Time constant of the applied gain's smoothing, in ms.
pub const GAIN_SMOOTHING_MS: f64 = 1.0;

crate::declare_params! {
    TransientShaper, TRANSIENT_SHAPER_KIND = "transient_shaper", "TransientShaper", Caps::PLAIN,
        "Transient shaper: boosts or cuts the attack and the sustain of sounds whatever their \
         level. A fast envelope follower on the level linked across channels is compared with \
         one that rises over attack_ms (their difference marks an attack) and with one that \
         falls over release_ms (marks a decaying tail); the differences scale attack_db and \
         sustain_db. A steady signal is left as it is.";
    ATTACK_DB = ParamInfo::float("attack_db", -24.0, 24.0, 0.0, "dB",
        "Gain on attacks (positive: punchier, negative: softer)")
        .smoothed(DEFAULT_SMOOTHING_MS) => attack_db, set_attack_db;
    SUSTAIN_DB = ParamInfo::float("sustain_db", -24.0, 24.0, 0.0, "dB",
        "Gain on decaying tails (positive: longer, negative: drier)")
        .smoothed(DEFAULT_SMOOTHING_MS) => sustain_db, set_sustain_db;
    ATTACK_MS = ParamInfo::float("attack_ms", 1.0, 100.0, 20.0, "ms",
        "Rise time of the slow follower: how long an attack counts as one")
        .log() => attack_ms, set_attack_ms;
    RELEASE_MS = ParamInfo::float("release_ms", 20.0, 2000.0, 300.0, "ms",
        "Fall time of the slow follower: how long a tail counts as sustain")
        .log() => release_ms, set_release_ms;
}

/// Follower state (linear amplitude) and the smoothed gain in dB.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Envelopes {
    fast: f32,
    /// Rises after `fast` over attack_ms; falls with it at once.
    slow_attack: f32,
    /// Rises with `fast` at once; falls after it over release_ms.
    slow_release: f32,
    gain_db: f32,
}

/// Highest level the followers see (+24 dBFS): a louder spike holds them no
/// longer than a hit at +24 dBFS would, about four release times back to
/// program level, so the gain recovers within the shaper's own times.
const LEVEL_CEILING: f32 = 16.0;

/// A transient shaper on any number of channels (one linked gain).
///
/// Per sample, on `L = max |x_c|`: a fast peak follower `F` (0.2 ms rise,
/// 50 ms fall); `A` follows `F` upwards with time constant `attack_ms` and
/// downwards at once; `S` follows `F` upwards at once and downwards with
/// `release_ms`. In dB, `a = F - A >= 0` while the level rises faster than
/// `A` can follow (an attack) and `s = S - F >= 0` while it falls faster
/// than `S` (a tail). The gain is `attack_db · min(a / 6, 1) + sustain_db ·
/// min(s / 6, 1)` dB, smoothed with a 1 ms time constant. A steady signal
/// gives `a = s = 0` apart from the fast follower's ripple. Attack and
/// sustain amounts glide over 20 ms. No latency (no lookahead): the boost
/// starts within a millisecond of an onset.
#[derive(Debug, Clone)]
pub struct TransientShaper {
    attack_db: f64,
    sustain_db: f64,
    attack_ms: f64,
    release_ms: f64,
    sample_rate: f64,
    attack_amount: LinearSmoother,
    sustain_amount: LinearSmoother,
    /// Coefficients: fast rise and fall, slow rise, slow fall, gain smoothing.
    coefs: [f32; 5],
    env: Envelopes,
    nonfinite: u64,
}

impl Default for TransientShaper {
    /// Attack and sustain 0 dB (no change), attack 20 ms, release 300 ms.
    fn default() -> Self {
        Self::new(0.0, 0.0).expect("valid defaults")
    }
}

impl TransientShaper {
    /// A transient shaper with the given attack and sustain gains (attack
    /// 20 ms, release 300 ms), checked as by their setters.
    pub fn new(attack_db: f64, sustain_db: f64) -> Result<Self, Error> {
        let mut t = Self {
            attack_db: 0.0,
            sustain_db: 0.0,
            attack_ms: Self::ATTACK_MS.default,
            release_ms: Self::RELEASE_MS.default,
            sample_rate: 48_000.0,
            attack_amount: LinearSmoother::new(0.0),
            sustain_amount: LinearSmoother::new(0.0),
            coefs: [0.0; 5],
            env: Envelopes::default(),
            nonfinite: 0,
        };
        t.set_attack_db(attack_db)?;
        t.set_sustain_db(sustain_db)?;
        t.set_coefs();
        t.attack_amount.snap();
        t.sustain_amount.snap();
        Ok(t)
    }

    /// Gain on attacks in dB.
    pub fn attack_db(&self) -> f64 {
        self.attack_db
    }

    /// Sets the gain on attacks (glides over 20 ms).
    pub fn set_attack_db(&mut self, db: f64) -> Result<(), Error> {
        self.attack_db = Self::ATTACK_DB.check(db)?;
        self.attack_amount.set_target(self.attack_db);
        Ok(())
    }

    /// Gain on tails in dB.
    pub fn sustain_db(&self) -> f64 {
        self.sustain_db
    }

    /// Sets the gain on tails (glides over 20 ms).
    pub fn set_sustain_db(&mut self, db: f64) -> Result<(), Error> {
        self.sustain_db = Self::SUSTAIN_DB.check(db)?;
        self.sustain_amount.set_target(self.sustain_db);
        Ok(())
    }

    /// Rise time of the slow follower in ms.
    pub fn attack_ms(&self) -> f64 {
        self.attack_ms
    }

    /// Sets the rise time of the slow follower (at once).
    pub fn set_attack_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.attack_ms = Self::ATTACK_MS.check(ms)?;
        self.set_coefs();
        Ok(())
    }

    /// Fall time of the slow follower in ms.
    pub fn release_ms(&self) -> f64 {
        self.release_ms
    }

    /// Sets the fall time of the slow follower (at once).
    pub fn set_release_ms(&mut self, ms: f64) -> Result<(), Error> {
        self.release_ms = Self::RELEASE_MS.check(ms)?;
        self.set_coefs();
        Ok(())
    }

    fn set_coefs(&mut self) {
        let fs = self.sample_rate;
        self.coefs = [
            time_coef(FAST_ATTACK_MS, fs),
            time_coef(FAST_RELEASE_MS, fs),
            time_coef(self.attack_ms, fs),
            time_coef(self.release_ms, fs),
            time_coef(GAIN_SMOOTHING_MS, fs),
        ];
    }
}

impl Processor for TransientShaper {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.sample_rate = spec.sample_rate;
        for s in [&mut self.attack_amount, &mut self.sustain_amount] {
            s.set_ramp_ms(DEFAULT_SMOOTHING_MS, spec.sample_rate);
        }
        self.set_coefs();
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.attack_amount.snap();
        self.sustain_amount.snap();
        self.env = Envelopes::default();
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let [fast_rise, fast_fall, slow_rise, slow_fall, smooth] = self.coefs;
        let mut e = self.env;
        for i in 0..len {
            // Bounded, so that the envelopes decay from a spike within their times.
            let level = channels.iter().fold(0.0f32, |m, c| m.max(c[i].abs())).min(LEVEL_CEILING);
            let c = if level > e.fast { fast_rise } else { fast_fall };
            e.fast = level + c * (e.fast - level);
            e.slow_attack = if e.fast > e.slow_attack {
                e.fast + slow_rise * (e.slow_attack - e.fast)
            } else {
                e.fast
            };
            e.slow_release = if e.fast < e.slow_release {
                e.fast + slow_fall * (e.slow_release - e.fast)
            } else {
                e.fast
            };
            let f_db = amp_to_db(e.fast);
            let a = ((f_db - amp_to_db(e.slow_attack)) / FULL_SCALE_DB).clamp(0.0, 1.0);
            let s = ((amp_to_db(e.slow_release) - f_db) / FULL_SCALE_DB).clamp(0.0, 1.0);
            let target =
                self.attack_amount.next() as f32 * a + self.sustain_amount.next() as f32 * s;
            e.gain_db = target + smooth * (e.gain_db - target);
            let g = db_to_amp(e.gain_db);
            for ch in channels.iter_mut() {
                ch[i] *= g;
            }
        }
        e.fast = flush_denormal(e.fast);
        e.slow_attack = flush_denormal(e.slow_attack);
        e.slow_release = flush_denormal(e.slow_release);
        e.gain_db = flush_denormal(e.gain_db);
        self.env = e;
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

    const FS: f64 = 48_000.0;
    const ONSET: usize = 9_600;

    /// 200 ms of silence, then a drum-like burst: noise decaying with a
    /// 60 ms time constant, on two channels.
    fn burst() -> [Vec<f32>; 2] {
        core::array::from_fn(|c| {
            let n = noise(48_000, 0.8, 7 + c as u64);
            (0..48_000)
                .map(|i| {
                    if i < ONSET {
                        0.0
                    } else {
                        n[i] * libm::expf(-((i - ONSET) as f32) / (0.06 * FS as f32))
                    }
                })
                .collect()
        })
    }

    fn run(t: &mut TransientShaper, x: &[Vec<f32>]) -> Vec<Vec<f32>> {
        t.prepare(&ProcessSpec::new(FS, 512, x.len())).unwrap();
        let mut y = x.to_vec();
        let mut views: Vec<&mut [f32]> = y.iter_mut().map(|c| &mut c[..]).collect();
        crate::processor::process_in_blocks(t, &mut views, 512);
        y
    }

    /// Output over input level (dB) of samples `a..b`, both channels.
    fn gain_db(x: &[Vec<f32>], y: &[Vec<f32>], a: usize, b: usize) -> f64 {
        let joined =
            |v: &[Vec<f32>]| -> Vec<f32> { v.iter().flat_map(|c| c[a..b].to_vec()).collect() };
        20.0 * libm::log10(rms(&joined(y)) / rms(&joined(x)))
    }

    /// Gains (first 10 ms, tail from 100 to 400 ms after the onset).
    fn measure(attack_db: f64, sustain_db: f64) -> (f64, f64) {
        let x = burst();
        let y = run(&mut TransientShaper::new(attack_db, sustain_db).unwrap(), &x);
        let ms = |t: f64| ONSET + (t * 1e-3 * FS) as usize;
        (gain_db(&x, &y, ONSET, ms(10.0)), gain_db(&x, &y, ms(100.0), ms(400.0)))
    }

    /// On a decaying noise burst, the first 10 ms are raised or lowered by
    /// about attack_db (measured: 11.1, -9.5 and 22.7 dB for 12, -12 and
    /// 24) and the tail 100 to 400 ms after the onset by sustain_db (12.0,
    /// -12.0, 24.0); each leaves the other part within 0.5 dB.
    #[test]
    fn attack_and_sustain_gains_on_a_burst() {
        for amount in [12.0, -12.0, 24.0] {
            let (head, tail) = measure(amount, 0.0);
            assert!((head - amount).abs() < 3.0 && tail.abs() < 0.5, "{amount}: {head} {tail}");
            let (head, tail) = measure(0.0, amount);
            assert!(head.abs() < 0.5 && (tail - amount).abs() < 0.5, "{amount}: {head} {tail}");
        }
    }

    /// A steady sine keeps its level within 0.5 dB at the largest settings
    /// from 1 kHz up, and at 12 dB settings at 200 Hz (where the fast
    /// follower's ripple between peaks is larger).
    #[test]
    fn steady_sine_is_left_alone() {
        for (f, amount) in [(200.0, 12.0), (1000.0, 24.0), (5000.0, 24.0)] {
            let x = [sine(f, FS, 48_000, 0.5), sine(f, FS, 48_000, 0.3)];
            for (a, s) in [(1.0, 0.0), (0.0, 1.0), (-1.0, -1.0), (1.0, 1.0), (1.0, -1.0)] {
                let mut t = TransientShaper::new(a * amount, s * amount).unwrap();
                let y = run(&mut t, &x);
                let db = gain_db(&x, &y, 24_000, 48_000);
                assert!(db.abs() < 0.5, "{f} Hz, {a} {s}: {db} dB");
            }
        }
    }

    /// The applied gain, read on a quiet steady channel linked to a loud
    /// burst, moves by at most 0.6 dB per sample (the 1 ms smoothing of a
    /// 24 dB jump), also when the amounts change mid-stream.
    #[test]
    fn gain_changes_are_smooth() {
        let [b, _] = burst();
        let probe = std::vec![1e-3f32; b.len()];
        let mut t = TransientShaper::new(24.0, -24.0).unwrap();
        t.prepare(&ProcessSpec::new(FS, 512, 2)).unwrap();
        let (mut l, mut r) = (b.clone(), probe.clone());
        for (i, (lb, rb)) in l.chunks_mut(512).zip(r.chunks_mut(512)).enumerate() {
            if i == 30 {
                t.set_attack_db(-24.0).unwrap();
                t.set_sustain_db(24.0).unwrap();
            }
            t.process_stereo(lb, rb);
        }
        let g: Vec<f64> = r.iter().map(|&v| 20.0 * libm::log10(v as f64 / 1e-3)).collect();
        let step = g.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f64::max);
        assert!(step < 0.6, "{step}");
        assert!(g.iter().any(|&v| v > 20.0), "the attack was boosted");
    }

    #[test]
    fn zero_amounts_pass_the_input_unchanged() {
        let x = burst();
        assert_eq!(run(&mut TransientShaper::default(), &x), x);
    }

    #[test]
    fn invariants() {
        let change = |t: &mut TransientShaper| {
            t.set_attack_db(-10.0).unwrap();
            t.set_sustain_db(15.0).unwrap();
            t.set_attack_ms(3.0).unwrap();
            t.set_release_ms(900.0).unwrap();
        };
        check_processor_invariants(|| TransientShaper::new(12.0, -6.0).unwrap(), 2, change);
        check_processor_invariants(|| TransientShaper::new(-20.0, 20.0).unwrap(), 1, change);
    }
}
