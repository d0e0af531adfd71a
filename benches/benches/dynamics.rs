//! Dynamics processors at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::dynamics::Compressor;

fn dynamics(c: &mut Criterion) {
    bench_processor(c, "compressor", Compressor::default);
}

criterion_group!(benches, dynamics);
criterion_main!(benches);
