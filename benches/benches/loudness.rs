//! Loudness meter, level meter, QA meter and true-peak interpolator
//! throughput, 48 kHz stereo.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dsp_core::ProcessSpec;
use dsp_core::analysis::{
    LevelMeter, LoudnessMeter, QaMeter, TruePeakInterpolator, TruePeakPrecision,
};

const FS: f64 = 48_000.0;

/// Deterministic noise-like stereo test signal, `secs` long.
fn signal(secs: f64) -> [Vec<f32>; 2] {
    let n = (secs * FS) as usize;
    let mut s = 0x1234_5678_u32;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s as f32 / u32::MAX as f32 - 0.5) * 0.5
    };
    let l: Vec<f32> = (0..n).map(|_| next()).collect();
    let r: Vec<f32> = (0..n).map(|_| next()).collect();
    [l, r]
}

fn true_peak(c: &mut Criterion) {
    let [l, _] = signal(10.0);
    let mut g = c.benchmark_group("true_peak_mono_10s");
    g.throughput(Throughput::Elements(l.len() as u64));
    for p in [TruePeakPrecision::Standard, TruePeakPrecision::High] {
        g.bench_with_input(BenchmarkId::new("process_peak", format!("{p:?}")), &l, |b, x| {
            let mut tp = TruePeakInterpolator::new(FS, p);
            b.iter(|| tp.process_peak(x));
        });
    }
    g.finish();
}

/// Whole-programme measurement (integrated, LRA, maxima, true peak) of
/// stereo audio fed in 4096-frame blocks. Throughput in samples (both
/// channels); real-time factor = throughput / 96 000.
fn meter(c: &mut Criterion) {
    for secs in [10.0, 60.0] {
        let [l, r] = signal(secs);
        let mut g = c.benchmark_group(format!("loudness_meter_stereo_48k_{secs}s"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(2 * l.len() as u64));
        for (name, tp) in [
            ("true_peak_standard", Some(TruePeakPrecision::Standard)),
            ("true_peak_high", Some(TruePeakPrecision::High)),
            ("no_true_peak", None),
        ] {
            g.bench_function(name, |b| {
                let mut m = LoudnessMeter::new(FS, 2).unwrap().with_max_duration_s(secs).unwrap();
                m.set_true_peak_enabled(tp.is_some());
                m.set_true_peak_precision(tp.unwrap_or_default());
                b.iter(|| {
                    m.reset();
                    for (x, y) in l.chunks(4096).zip(r.chunks(4096)) {
                        m.add_planar(&[x, y]).unwrap();
                    }
                    (m.integrated_lufs(), m.loudness_range_lu(), m.true_peak_dbtp())
                });
            });
        }
        g.finish();
    }
}

/// Level meter (300 ms peak and RMS) fed 10 s of stereo in 4096-frame
/// blocks; throughput in frames.
fn level(c: &mut Criterion) {
    let [l, r] = signal(10.0);
    let mut g = c.benchmark_group("level_meter_stereo_48k_10s");
    g.throughput(Throughput::Elements(l.len() as u64));
    g.bench_function("add", |b| {
        let mut m = LevelMeter::new(300.0).unwrap();
        m.prepare(&ProcessSpec::new(FS, 4096, 2)).unwrap();
        b.iter(|| {
            for (x, y) in l.chunks(4096).zip(r.chunks(4096)) {
                m.add(&[x, y]).unwrap();
            }
            m.rms_dbfs(0)
        });
    });
    g.finish();
}

/// The full QA report (loudness, true peak, mono fold, small loudspeaker,
/// correlation, clipping, Welch spectrum) of 10 s of stereo fed to a
/// `QaMeter` in 4096-frame blocks; throughput in samples (both channels).
fn qa(c: &mut Criterion) {
    let [l, r] = signal(10.0);
    let mut g = c.benchmark_group("qa_meter_stereo_48k_10s");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2 * l.len() as u64));
    g.bench_function("add_report", |b| {
        let mut m = QaMeter::new(FS, 2).unwrap();
        b.iter(|| {
            m.reset();
            for (x, y) in l.chunks(4096).zip(r.chunks(4096)) {
                m.add(&[x, y]).unwrap();
            }
            m.report().unwrap().integrated_lufs
        });
    });
    g.finish();
}

criterion_group!(benches, true_peak, meter, level, qa);
criterion_main!(benches);
