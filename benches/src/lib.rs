//! Shared harness for masterlib's criterion benchmarks: every processor is
//! measured at 48 kHz stereo with block sizes 64, 512 and 4096, and
//! throughput is reported in samples (per channel) per second.

use criterion::{BenchmarkId, Criterion, Throughput};
use dsp_core::{ProcessSpec, Processor};

/// Sample rate of every benchmark.
pub const SAMPLE_RATE: f64 = 48_000.0;
/// Block sizes every processor is measured with.
pub const BLOCK_SIZES: [usize; 3] = [64, 512, 4096];
/// Length of the benchmark signal, in samples per channel (1 s).
pub const SIGNAL_LEN: usize = 48_000;

/// A deterministic stereo test signal: noise plus a tone, about -10 dBFS RMS.
pub fn stereo_signal(len: usize) -> [Vec<f32>; 2] {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut channel = |freq: f64| -> Vec<f32> {
        (0..len)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                let tone = (2.0 * std::f64::consts::PI * freq * i as f64 / SAMPLE_RATE).sin();
                0.3 * noise + 0.4 * tone as f32
            })
            .collect()
    };
    [channel(220.0), channel(330.0)]
}

/// Benchmarks `make()` processing one second of 48 kHz stereo in blocks of
/// each of [`BLOCK_SIZES`], as group `name`.
pub fn bench_processor<P: Processor>(c: &mut Criterion, name: &str, make: impl Fn() -> P) {
    let specs =
        BLOCK_SIZES.map(|block| (block.to_string(), ProcessSpec::new(SAMPLE_RATE, block, 2)));
    bench_specs(c, name, make, &specs);
}

/// [`bench_processor`] prepared for offline rendering, in blocks of 4096
/// (group `name`, benchmark `offline`).
pub fn bench_rendering<P: Processor>(c: &mut Criterion, name: &str, make: impl Fn() -> P) {
    let spec = ProcessSpec::new(SAMPLE_RATE, 4096, 2).rendering();
    bench_specs(c, name, make, &[("offline".to_string(), spec)]);
}

/// Benchmarks `make()` prepared with each labelled spec, processing in
/// blocks of the spec's longest.
fn bench_specs<P: Processor>(
    c: &mut Criterion,
    name: &str,
    make: impl Fn() -> P,
    specs: &[(String, ProcessSpec)],
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(SIGNAL_LEN as u64));
    let [left, right] = stereo_signal(SIGNAL_LEN);
    for (label, spec) in specs {
        let block = spec.max_block_size;
        let mut p = make();
        p.prepare(spec).expect("benchmark processor prepares");
        let (mut l, mut r) = (left.clone(), right.clone());
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| {
                l.copy_from_slice(&left);
                r.copy_from_slice(&right);
                for (lb, rb) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                    p.process_stereo(lb, rb);
                }
                std::hint::black_box(&l);
            })
        });
    }
    group.finish();
}
