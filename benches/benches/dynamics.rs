//! Dynamics processors at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::dynamics::{
    Compressor, DeEsser, DynamicBand, DynamicEq, DynamicShape, Expander, Limiter,
    MultibandCompressor, NoiseGate, SoftClipper,
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
    bench_processor(c, "dynamic_band", DynamicBand::default);
    bench_processor(c, "dynamic_eq_4", || {
        let band = |shape, hz, range| DynamicBand::new(shape, hz, 1.0, -40.0, 3.0, range).unwrap();
        DynamicEq::new(&[
            band(DynamicShape::LowShelf, 120.0, 4.0),
            band(DynamicShape::Bell, 400.0, -6.0),
            band(DynamicShape::Bell, 3000.0, -6.0),
            band(DynamicShape::HighShelf, 8000.0, -9.0),
        ])
    });
    bench_processor(c, "limiter", || Limiter::new(-6.0, false, 5.0, 100.0).unwrap());
    bench_processor(c, "limiter_true_peak", || Limiter::new(-6.0, true, 5.0, 100.0).unwrap());
    bench_processor(c, "soft_clipper_4x", SoftClipper::default);
}

criterion_group!(benches, dynamics);
criterion_main!(benches);
