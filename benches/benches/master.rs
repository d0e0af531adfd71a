//! Mastering stages at 48 kHz stereo, and whole-track normalization and
//! mastering in memory and over tapes (the file path's code).

use benches::{SAMPLE_RATE, bench_processor, stereo_signal};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dsp_core::Error;
use dsp_core::analysis::Target;
use dsp_core::master::{
    Dither, Envelope, MasteringChain, MemTape, Shaping, Sink, SliceTape, master, master_tape,
    mastering_limiter, normalize, normalize_tape,
};
use dsp_core::progress::Progress;

fn master_stages(c: &mut Criterion) {
    bench_processor(c, "dither", Dither::default);
    bench_processor(c, "dither_e_weighted", || Dither::new(16, Shaping::EWeighted).unwrap());
}

/// A sink written as it goes, as a file is: it cannot scale in place.
struct Written(MemTape);

impl Sink for Written {
    fn restart(&mut self) -> Result<(), Error> {
        self.0.restart()
    }

    fn write(&mut self, block: &[&[f32]]) -> Result<(), Error> {
        self.0.write(block)
    }
}

/// Ten seconds normalized to Spotify's target and mastered with the
/// streaming preset: in memory, and from a tape into a written sink.
fn whole_tracks(c: &mut Criterion) {
    const SECONDS: usize = 10;
    let x = stereo_signal(SECONDS * SAMPLE_RATE as usize)
        .map(|c| c.iter().map(|v| v * 0.3).collect::<Vec<f32>>());
    let target = Target::by_name("spotify").unwrap();
    let limiter = mastering_limiter();
    let chain = MasteringChain::preset("streaming").unwrap();
    let mut group = c.benchmark_group("whole_track_10s");
    group.sample_size(10);
    group.throughput(Throughput::Elements(x[0].len() as u64));
    group.bench_function("normalize", |b| {
        b.iter(|| normalize(&x, SAMPLE_RATE, &target, &limiter).unwrap())
    });
    group.bench_function("normalize_tape", |b| {
        b.iter(|| {
            let mut tape = SliceTape::new(&x);
            let e = Envelope::analyze_tape(&mut tape, SAMPLE_RATE, &mut Progress::none()).unwrap();
            let mut out = Written(MemTape::with_capacity(2, 0));
            let (lufs, tp) = (target.integrated_lufs, target.true_peak_dbtp);
            normalize_tape(&mut tape, &mut out, &e, lufs, tp, &limiter, &mut Progress::none())
                .unwrap()
        })
    });
    group.bench_function("master", |b| b.iter(|| master(&x, SAMPLE_RATE, &chain).unwrap()));
    group.bench_function("master_tape", |b| {
        b.iter(|| {
            let mut processed = MemTape::with_capacity(2, 0);
            let mut out = Written(MemTape::with_capacity(2, 0));
            let mut tape = SliceTape::new(&x);
            master_tape(
                &mut tape,
                &mut processed,
                &mut out,
                SAMPLE_RATE,
                &chain,
                &mut Progress::none(),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, master_stages, whole_tracks);
criterion_main!(benches);
