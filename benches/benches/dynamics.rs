//! Dynamics processors at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::dynamics::{
    Compressor, DeEsser, Expander, Limiter, MultibandCompressor, NoiseGate, SoftClipper,
};

fn dynamics(c: &mut Criterion) {
    bench_processor(c, "compressor", Compressor::default);
    bench_processor(c, "compressor_rms_unlinked", || {
        let mut p = Compressor::default();
        p.set_detector(dsp_core::dynamics::Detector::Rms);
        p.set_link(0.0).unwrap();
        p
    });
    bench_processor(c, "expander", Expander::default);
    bench_processor(c, "noise_gate", NoiseGate::default);
    bench_processor(c, "de_esser", DeEsser::default);
    bench_processor(c, "multiband_compressor_3", MultibandCompressor::default);
    bench_processor(c, "limiter", || Limiter::new(-6.0, false, 5.0, 100.0).unwrap());
    bench_processor(c, "limiter_true_peak", || Limiter::new(-6.0, true, 5.0, 100.0).unwrap());
    bench_processor(c, "soft_clipper_4x", SoftClipper::default);
}

criterion_group!(benches, dynamics);
criterion_main!(benches);
