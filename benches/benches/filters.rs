//! Filter and EQ throughput at 48 kHz stereo.
//!
//! Throughput is samples per channel; x real time = samples/s ÷ 48 000.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dsp_core::filters::{BandParams, Equalizer, Filter, FilterKind};
use dsp_core::{ProcessSpec, Processor};
use std::hint::black_box;

const FS: f64 = 48_000.0;
const BLOCKS: [usize; 3] = [64, 512, 4096];

/// Eight typical mastering bands.
fn eight_bands() -> Vec<BandParams> {
    vec![
        BandParams::new(FilterKind::HighPass, 25.0),
        BandParams::new(FilterKind::LowShelf, 90.0).with_gain_db(2.0),
        BandParams::new(FilterKind::Peak, 250.0).with_gain_db(-2.0).with_q(1.2),
        BandParams::new(FilterKind::Peak, 800.0).with_gain_db(1.0),
        BandParams::new(FilterKind::Peak, 2500.0).with_gain_db(-1.5).with_q(2.0),
        BandParams::new(FilterKind::Peak, 6000.0).with_gain_db(1.5),
        BandParams::new(FilterKind::HighShelf, 10_000.0).with_gain_db(2.0),
        BandParams::new(FilterKind::LowPass, 20_000.0),
    ]
}

fn run<P: Processor>(c: &mut Criterion, group: &str, mut make: impl FnMut() -> P) {
    let mut g = c.benchmark_group(group);
    for &n in &BLOCKS {
        let mut p = make();
        p.prepare(&ProcessSpec::new(FS, n, 2)).unwrap();
        let mut l: Vec<f32> = (0..n).map(|i| ((i * 7919) % 1000) as f32 * 1e-3 - 0.5).collect();
        let mut r = l.clone();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                p.process_stereo(black_box(&mut l), black_box(&mut r));
            })
        });
    }
    g.finish();
}

fn filters(c: &mut Criterion) {
    run(c, "biquad_stereo", || {
        Filter::new(BandParams::new(FilterKind::Peak, 1000.0).with_gain_db(3.0)).unwrap()
    });
    run(c, "eq8_stereo", || Equalizer::new(&eight_bands()).unwrap());
}

criterion_group!(benches, filters);
criterion_main!(benches);
