//! The algorithmic reverbs at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::effects::{PlateReverb, Reverb};

fn reverb(c: &mut Criterion) {
    bench_processor(c, "reverb", Reverb::default);
    bench_processor(c, "reverb_10s_modulated", || {
        let mut r = Reverb::new(10.0, 20.0, 0.3, 1.0, 0.5).unwrap();
        r.set_modulation(1.0).unwrap();
        r
    });
    bench_processor(c, "plate_reverb", PlateReverb::default);
}

criterion_group!(benches, reverb);
criterion_main!(benches);
