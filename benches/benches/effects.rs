//! Delay and modulation effects at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::effects::Delay;

fn effects(c: &mut Criterion) {
    bench_processor(c, "delay", || Delay::new(250.0, 0.4, 0.5).unwrap());
    bench_processor(c, "delay_filtered", || {
        let mut d = Delay::new(250.0, 0.4, 0.5).unwrap();
        d.set_low_cut_hz(120.0).unwrap();
        d.set_high_cut_hz(6000.0).unwrap();
        d
    });
}

criterion_group!(benches, effects);
criterion_main!(benches);
