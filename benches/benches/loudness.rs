//! Loudness meter and true-peak interpolator throughput, 48 kHz stereo.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dsp_core::analysis::{TruePeakInterpolator, TruePeakPrecision};

const FS: f64 = 48_000.0;

/// Deterministic noise-like stereo test signal, `secs` long.
fn signal(secs: f64) -> [Vec<f32>; 2] {
    let n = (secs * FS) as usize;
    let mut s = 0x1234_5678_u32;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s as f32 / u32::MAX as f32 - 0.5) * 0.5
    };
    let l: Vec<f32> = (0..n).map(|_| next()).collect();
    let r: Vec<f32> = (0..n).map(|_| next()).collect();
    [l, r]
}

fn true_peak(c: &mut Criterion) {
    let [l, _] = signal(10.0);
    let mut g = c.benchmark_group("true_peak_mono_10s");
    g.throughput(Throughput::Elements(l.len() as u64));
    for p in [TruePeakPrecision::Standard, TruePeakPrecision::High] {
        g.bench_with_input(BenchmarkId::new("process_peak", format!("{p:?}")), &l, |b, x| {
            let mut tp = TruePeakInterpolator::new(FS, p);
            b.iter(|| tp.process_peak(x));
        });
    }
    g.finish();
}

criterion_group!(benches, true_peak);
criterion_main!(benches);
