//! The reverbs at 48 kHz stereo: the algorithmic ones, and convolution
//! with a 3 s stereo impulse response.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::effects::{ConvolutionReverb, PlateReverb, Reverb};

fn reverb(c: &mut Criterion) {
    bench_processor(c, "reverb", Reverb::default);
    bench_processor(c, "reverb_10s_modulated", || {
        let mut r = Reverb::new(10.0, 20.0, 0.3, 1.0, 0.5).unwrap();
        r.set_modulation(1.0).unwrap();
        r
    });
    bench_processor(c, "plate_reverb", PlateReverb::default);
    // A 3 s stereo response: decaying noise, different per side.
    let ir = benches::stereo_signal(3 * benches::SIGNAL_LEN).map(|h| {
        h.iter().enumerate().map(|(i, v)| v * (-(i as f32) / 24_000.0).exp()).collect::<Vec<_>>()
    });
    bench_processor(c, "convolution_3s_stereo", || {
        ConvolutionReverb::new(&[&ir[0], &ir[1]], benches::SAMPLE_RATE).unwrap()
    });
}

criterion_group!(benches, reverb);
criterion_main!(benches);
