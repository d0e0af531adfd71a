//! Gain, pan, stereo width, the multiband imager and the channel tool at 48 kHz stereo.

use benches::bench_processor;
use criterion::{Criterion, criterion_group, criterion_main};
use dsp_core::mix::{ChannelMode, ChannelTool, Gain, MultibandImager, Pan, PanLaw, StereoWidth};

fn mix(c: &mut Criterion) {
    bench_processor(c, "gain", || Gain::new(-3.0, false).unwrap());
    bench_processor(c, "pan", || Pan::new(0.3, PanLaw::ConstantPower).unwrap());
    bench_processor(c, "stereo_width", || StereoWidth::new(1.3, 0.0, 0.0).unwrap());
    bench_processor(c, "multiband_imager", || {
        let mut m = MultibandImager::default();
        m.set_width_high(1.4).unwrap();
        m.set_mono_below_hz(120.0).unwrap();
        m
    });
    bench_processor(c, "channel_tool", || ChannelTool::new(ChannelMode::MidSideEncode));
}

criterion_group!(benches, mix);
criterion_main!(benches);
