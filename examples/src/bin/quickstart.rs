//! Quickstart for the Rust API: build a chain, prepare it, process a stereo
//! signal block by block, meter it and write a WAV file with `hound`.
//!
//! Run: `cargo run -p examples --bin quickstart -- out/quickstart.wav`

use std::error::Error;
use std::f64::consts::PI;

use dsp_core::analysis::LevelMeter;
use dsp_core::mix::{Gain, Pan, PanLaw, StereoWidth};
use dsp_core::{Chain, ProcessSpec, Processor};

const SAMPLE_RATE: u32 = 48_000;
const BLOCK: usize = 512;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "out/quickstart.wav".into());

    // Two seconds of a 220 Hz tone, the same in both channels.
    let len = 2 * SAMPLE_RATE as usize;
    let tone: Vec<f32> = (0..len)
        .map(|i| (0.5 * (2.0 * PI * 220.0 * i as f64 / SAMPLE_RATE as f64).sin()) as f32)
        .collect();
    let (mut left, mut right) = (tone.clone(), tone);

    // Gain, then pan the (mono) source right, then narrow the image.
    let mut pan = Pan::new(0.5, PanLaw::ConstantPower)?;
    pan.set_source(dsp_core::mix::PanSource::Mono);
    let mut chain = Chain::new();
    chain.push(Box::new(Gain::new(-6.0, false)?));
    chain.push(Box::new(pan));
    chain.push(Box::new(StereoWidth::new(0.8, 0.0, 0.0)?));
    let spec = ProcessSpec::new(f64::from(SAMPLE_RATE), BLOCK, 2);
    chain.prepare(&spec)?;

    let mut meter = LevelMeter::new(300.0)?;
    meter.prepare(&spec)?;
    for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
        chain.process_stereo(l, r);
        meter.add(&[l, r])?;
    }

    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let wav = hound::WavSpec {
        channels: 2,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(&path, wav)?;
    for (l, r) in left.iter().zip(&right) {
        writer.write_sample(*l)?;
        writer.write_sample(*r)?;
    }
    writer.finalize()?;
    println!(
        "wrote {path}: peak L {:.2} dBFS, R {:.2} dBFS",
        meter.max_peak_dbfs(0).unwrap_or(f64::NEG_INFINITY),
        meter.max_peak_dbfs(1).unwrap_or(f64::NEG_INFINITY)
    );
    Ok(())
}
