//! Streams a chain the way an audio callback drives it: a high-pass, a
//! compressor and a true-peak limiter, prepared once for 48 kHz stereo and
//! blocks of up to 256 frames, then fed blocks of 64 to 256 frames of a
//! generated signal, each when its time comes, while a control thread
//! sweeps the compressor's threshold through `SharedParams` (lock-free; the
//! callback picks the targets up at the start of its next block). Prints
//! the processing time per block, the real-time factor and what reached
//! the output.
//!
//! Run: `cargo run -p examples --release --bin realtime -- [seconds]`
//! (default 5 s of audio, played in real time).

use std::error::Error;
use std::f64::consts::TAU;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dsp_core::dynamics::{Compressor, Limiter};
use dsp_core::filters::{BandParams, Filter, FilterKind};
use dsp_core::params::Params;
use dsp_core::shared_params::SharedParams;
use dsp_core::{Chain, ProcessSpec, Processor};

const SAMPLE_RATE: f64 = 48_000.0;
const MAX_BLOCK: usize = 256;
const MIN_BLOCK: usize = 64;
const CEILING_DB: f64 = -1.0;
/// Position of the compressor in the chain.
const COMPRESSOR: usize = 1;

/// The test signal at frame `i`: a 55 Hz bass and a 1 kHz tone, pulsing
/// twice a second, loud enough for the limiter to work.
fn signal(i: usize) -> (f32, f32) {
    let t = i as f64 / SAMPLE_RATE;
    let pulse = (-8.0 * (t * 2.0).fract()).exp();
    let bass = 0.6 * (TAU * 55.0 * t).sin();
    let tone = 0.8 * pulse * (TAU * 1000.0 * t).sin();
    ((bass + tone) as f32, (bass + 0.7 * tone) as f32)
}

/// A threshold sweep for the control thread: -30 to -10 dB and back in 2 s.
fn sweep(elapsed: Duration) -> f64 {
    let phase = (elapsed.as_secs_f64() / 2.0).fract();
    -30.0 + 40.0 * phase.min(1.0 - phase)
}

/// Block sizes from 64 to 256 frames, varying like a host's (xorshift).
fn next_block(state: &mut u32) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    MIN_BLOCK + *state as usize % (MAX_BLOCK - MIN_BLOCK + 1)
}

fn main() -> ExitCode {
    let seconds = match std::env::args().nth(1) {
        None => Some(5.0),
        Some(a) => a.parse().ok().filter(|s: &f64| *s > 0.0 && *s <= 3600.0),
    };
    let Some(seconds) = seconds else {
        eprintln!("usage: realtime [seconds] (a duration above 0 and at most 3600, default 5)");
        return ExitCode::from(2);
    };
    match run(seconds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("realtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Streams `seconds` of audio through the chain and prints the figures.
fn run(seconds: f64) -> Result<(), Box<dyn Error>> {
    // Set-up, off the audio thread: may allocate.
    let compressor = Compressor::new(-20.0, 3.0, 6.0, 10.0, 120.0, 0.0, 1.0, 1.0)?;
    let shared = SharedParams::new(&compressor);
    let threshold = compressor.kind().index_of("threshold_db")?;
    let mut chain = Chain::new();
    chain.push(Box::new(Filter::new(BandParams::new(FilterKind::HighPass, 40.0))?));
    chain.push(Box::new(compressor));
    chain.push(Box::new(Limiter::new(CEILING_DB, true, 5.0, 100.0)?));
    chain.prepare(&ProcessSpec::new(SAMPLE_RATE, MAX_BLOCK, 2))?;
    let (mut left, mut right) = ([0.0f32; MAX_BLOCK], [0.0f32; MAX_BLOCK]);

    let total = (seconds * SAMPLE_RATE).round() as usize;
    let (mut pos, mut blocks, mut applied, mut rng) = (0, 0u64, 0u64, 0x9E37_79B9u32);
    let (mut busy, mut worst_load, mut peak) = (Duration::ZERO, 0.0f64, 0.0f32);
    let done = AtomicBool::new(false);
    let start = Instant::now();
    std::thread::scope(|s| {
        // The control thread (a UI, automation): sets a new target every 10 ms.
        s.spawn(|| {
            while !done.load(Ordering::Acquire) {
                shared.set(threshold, sweep(start.elapsed())).expect("in range");
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        // The audio thread: one callback per block, each when its time comes.
        while pos < total {
            let n = next_block(&mut rng).min(total - pos);
            let due = start + Duration::from_secs_f64(pos as f64 / SAMPLE_RATE);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            for (k, (l, r)) in left[..n].iter_mut().zip(&mut right[..n]).enumerate() {
                (*l, *r) = signal(pos + k);
            }

            let t0 = Instant::now();
            let member = chain.get_mut(COMPRESSOR).expect("the compressor");
            applied += u64::from(shared.apply(member));
            chain.process_stereo(&mut left[..n], &mut right[..n]);
            let took = t0.elapsed();

            busy += took;
            worst_load = worst_load.max(took.as_secs_f64() * SAMPLE_RATE / n as f64);
            peak = left[..n].iter().chain(&right[..n]).fold(peak, |m, v| m.max(v.abs()));
            blocks += 1;
            pos += n;
        }
        done.store(true, Ordering::Release);
    });
    // Whatever the control thread set last reaches the compressor at the next block.
    let member = chain.get_mut(COMPRESSOR).expect("the compressor");
    shared.apply(member);
    let now = member.param(threshold).unwrap_or(f64::NAN);
    let last = shared.get(threshold).unwrap_or(f64::NAN);

    let mean_us = busy.as_secs_f64() * 1e6 / blocks as f64;
    let budget_us = MAX_BLOCK as f64 / SAMPLE_RATE * 1e6;
    println!("{SAMPLE_RATE} Hz stereo, blocks of {MIN_BLOCK} to {MAX_BLOCK} frames:");
    println!("  high-pass 40 Hz -> compressor -> true-peak limiter at {CEILING_DB} dBTP");
    println!("processed {seconds} s of audio in {blocks} blocks");
    println!(
        "time per block: mean {mean_us:.1} us (a {MAX_BLOCK}-frame block lasts {budget_us:.0} us)"
    );
    println!(
        "real-time factor: {:.1}x; the busiest block used {:.1} % of its duration",
        seconds / busy.as_secs_f64(),
        100.0 * worst_load
    );
    println!(
        "threshold changes applied at {applied} block starts; threshold now {now:.2} dB (last set {last:.2} dB)"
    );
    println!("output sample peak {:.2} dBFS", 20.0 * f64::from(peak).log10());
    Ok(())
}
