//! Mastering stages at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::master::{Dither, Shaping};

fn master(c: &mut Criterion) {
    bench_processor(c, "dither", Dither::default);
    bench_processor(c, "dither_e_weighted", || Dither::new(16, Shaping::EWeighted).unwrap());
}

criterion_group!(benches, master);
criterion_main!(benches);
