//! Delay, modulation, saturation, exciter and transient effects at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::effects::{
    Chorus, Delay, Exciter, Flanger, Oversampling, Phaser, Saturation, SaturationMode,
    TransientShaper,
};

fn effects(c: &mut Criterion) {
    bench_processor(c, "delay", || Delay::new(250.0, 0.4, 0.5).unwrap());
    bench_processor(c, "delay_filtered", || {
        let mut d = Delay::new(250.0, 0.4, 0.5).unwrap();
        d.set_low_cut_hz(120.0).unwrap();
        d.set_high_cut_hz(6000.0).unwrap();
        d
    });
    bench_processor(c, "delay_ping_pong", || {
        let mut d = Delay::new(250.0, 0.4, 0.5).unwrap();
        d.set_ping_pong(true);
        d
    });
    bench_processor(c, "chorus", Chorus::default);
    bench_processor(c, "flanger", Flanger::default);
    bench_processor(c, "phaser", Phaser::default);
    bench_processor(c, "phaser_12_stages", || Phaser::new(0.5, 0.7, 800.0, 12, 0.3, 0.5).unwrap());
    bench_processor(c, "saturation", Saturation::default);
    bench_processor(c, "saturation_tanh_1x", || {
        let mut s = Saturation::new(12.0, SaturationMode::Tanh).unwrap();
        s.set_oversampling(Oversampling::X1);
        s
    });
    bench_processor(c, "saturation_tanh_8x", || {
        let mut s = Saturation::new(12.0, SaturationMode::Tanh).unwrap();
        s.set_oversampling(Oversampling::X8);
        s
    });
    bench_processor(c, "exciter", Exciter::default);
    bench_processor(c, "transient_shaper", || TransientShaper::new(9.0, -6.0).unwrap());
}

criterion_group!(benches, effects);
criterion_main!(benches);
