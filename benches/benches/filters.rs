//! Filter and EQ throughput at 48 kHz stereo.

use benches::{bench_processor, bench_rendering};
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::filters::{BandParams, Equalizer, Filter, FilterKind};
use dsp_core::master::LinearPhaseEq;

/// Eight typical mastering bands.
fn eight_bands() -> Vec<BandParams> {
    vec![
        BandParams::new(FilterKind::HighPass, 25.0),
        BandParams::new(FilterKind::LowShelf, 90.0).with_gain_db(2.0),
        BandParams::new(FilterKind::Peak, 250.0).with_gain_db(-2.0).with_q(1.2),
        BandParams::new(FilterKind::Peak, 800.0).with_gain_db(1.0),
        BandParams::new(FilterKind::Peak, 2500.0).with_gain_db(-1.5).with_q(2.0),
        BandParams::new(FilterKind::Peak, 6000.0).with_gain_db(1.5),
        BandParams::new(FilterKind::HighShelf, 10_000.0).with_gain_db(2.0),
        BandParams::new(FilterKind::LowPass, 20_000.0),
    ]
}

fn filters(c: &mut Criterion) {
    bench_processor(c, "biquad_stereo", || {
        Filter::new(BandParams::new(FilterKind::Peak, 1000.0).with_gain_db(3.0)).unwrap()
    });
    bench_processor(c, "highpass1_stereo", || {
        Filter::new(BandParams::new(FilterKind::HighPass, 40.0).with_order(1)).unwrap()
    });
    bench_processor(c, "eq8_stereo", || Equalizer::new(&eight_bands()).unwrap());
    // The mastering EQ: 8192 taps at 48 kHz, mid/side with two curves; in
    // real time and as the mastering functions render it.
    bench_processor(c, "linear_phase_eq_mid_side", mastering_eq);
    bench_rendering(c, "linear_phase_eq_mid_side", mastering_eq);
}

fn mastering_eq() -> LinearPhaseEq {
    let mut eq =
        LinearPhaseEq::new(&[(60.0, 3.0), (250.0, 0.0), (8000.0, 0.0), (12_000.0, 2.0)]).unwrap();
    eq.set_side_curve(&[(150.0, -6.0), (400.0, 0.0)]).unwrap();
    eq.set_mid_side(true);
    eq
}

criterion_group!(benches, filters);
criterion_main!(benches);
