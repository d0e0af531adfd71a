//! Soak test: every registered kind at 192 kHz stereo over long stretches
//! of simulated audio (music-like bursts between silences, so that filters,
//! envelopes and tails decay towards denormals again and again), with
//! random automation of its parameters. It checks that the output stays
//! finite, that nothing drifts (after the run, silence decays to silence),
//! and that a block costs the same in silence as in signal (no denormal
//! slowdowns).
//!
//! Run in release by `scripts/test.sh`: 5 simulated minutes per kind (about
//! two and a half hours in all, a minute or two of run time):
//! `cargo test -p dsp-core --release --test soak -- --ignored --nocapture`.
//! A longer soak: `MASTERLIB_SOAK_MINUTES=120` (simulated minutes per kind).

use std::time::{Duration, Instant};

use dsp_core::param_info::ParamType;
use dsp_core::{ProcessSpec, Processor, registry};

const FS: f64 = 192_000.0;
const BLOCK: usize = 512;

/// A small deterministic generator (xorshift), so runs repeat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Simulated minutes per kind.
fn minutes() -> f64 {
    std::env::var("MASTERLIB_SOAK_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(5.0)
}

/// Median of block times.
fn median(mut t: Vec<Duration>) -> Duration {
    t.sort_unstable();
    t.get(t.len() / 2).copied().unwrap_or_default()
}

#[test]
#[ignore = "long: run in release (scripts/test.sh does)"]
fn every_kind_soaks_at_192_khz_with_random_automation() {
    let blocks = (minutes() * 60.0 * FS / BLOCK as f64) as usize;
    let mut failures = Vec::new();
    for info in registry::kinds() {
        let mut p = registry::create(info.name).unwrap();
        let channels = if info.caps.channels.output(2).is_some() { 2 } else { 1 };
        p.prepare(&ProcessSpec::new(FS, BLOCK, channels)).unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ info.name.len() as u64);
        let mut buf = vec![vec![0.0f32; BLOCK]; channels];
        let (mut loud, mut quiet) = (Vec::new(), Vec::new());
        let mut phase = 0.0f64;
        let started = Instant::now();
        for b in 0..blocks {
            // Automation: a random parameter to a random value every 16 blocks.
            if b % 16 == 0 && !info.params.is_empty() {
                let i = (rng.next() * info.params.len() as f64) as usize % info.params.len();
                let d = &info.params[i];
                let hi = if d.max.is_finite() { d.max } else { d.min + 100.0 };
                let mut v = d.min + rng.next() * (hi - d.min);
                if d.ty != ParamType::Float {
                    v = v.round();
                }
                let _ = p.set_param(i, v); // refusals (above Nyquist) are fine
            }
            // 2 s of bursts, then 1 s of silence, repeated.
            let t = b * BLOCK;
            let silent = (t / (FS as usize)) % 3 == 2;
            for (c, ch) in buf.iter_mut().enumerate() {
                for (k, v) in ch.iter_mut().enumerate() {
                    *v = if silent {
                        0.0
                    } else {
                        phase += 2.0 * std::f64::consts::PI * (220.0 + 110.0 * c as f64) / FS;
                        let env = (-(((t + k) % 24_000) as f64) / 6_000.0).exp();
                        (0.4 * env * phase.sin() + 0.05 * (rng.next() - 0.5)) as f32
                    };
                }
            }
            let mut views: Vec<&mut [f32]> = buf.iter_mut().map(|c| c.as_mut_slice()).collect();
            let start = Instant::now();
            p.process(&mut views);
            let took = start.elapsed();
            if p.get("bypass") == Ok(1.0) {
                // A bypassed processor is not run: nothing to time.
            } else if silent {
                quiet.push(took)
            } else {
                loud.push(took)
            }
            if let Some((c, i)) = dsp_core::buffer::find_nonfinite(&buf) {
                failures.push(format!("{}: non-finite output at block {b}, {c}:{i}", info.name));
                break;
            }
        }
        // No drift: with the defaults back and silence in, the output dies away.
        for (i, d) in info.params.iter().enumerate() {
            let _ = p.set_param(i, d.default);
        }
        let settle = (p.tail() + p.latency()).min(20 * FS as usize) + 2 * FS as usize;
        let mut last = 0.0f32;
        for _ in 0..settle.div_ceil(BLOCK) {
            buf.iter_mut().for_each(|c| c.fill(0.0));
            let mut views: Vec<&mut [f32]> = buf.iter_mut().map(|c| c.as_mut_slice()).collect();
            p.process(&mut views);
            last = buf.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
        }
        if last > 1e-5 {
            failures.push(format!(
                "{}: silence still gives {last:e} after {settle} samples",
                info.name
            ));
        }
        let (m_loud, m_quiet) = (median(loud), median(quiet));
        println!(
            "{:<22} {:>6.1} min simulated in {:>5.1} s; median block {:>6.1} us (signal) {:>6.1} us (silence)",
            info.name,
            minutes(),
            started.elapsed().as_secs_f64(),
            m_loud.as_secs_f64() * 1e6,
            m_quiet.as_secs_f64() * 1e6
        );
        // Denormals would make silence several times dearer than signal.
        if m_quiet > 3 * m_loud + Duration::from_micros(20) {
            failures.push(format!(
                "{}: a silent block costs {m_quiet:?}, a loud one {m_loud:?}",
                info.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
