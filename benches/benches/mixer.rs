//! The 16-track session: mono tracks through a high-pass and a compressor,
//! panned, with a 0.2 (-14 dB) post-fader send to one reverb bus; 10 s at
//! 44.1 kHz rendered offline, on one thread and on two, with meters on
//! every track and bus (the default) and without.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dsp_core::mixer::{Mixer, Owner};
use dsp_core::registry;

const SR: f64 = 44_100.0;

fn session(threads: usize, meters: bool) -> Mixer {
    let mut mx = Mixer::new(SR, 4096).unwrap();
    let verb = mx.add_bus("verb").unwrap();
    let mut r = registry::create("reverb").unwrap();
    r.set("mix", 1.0).unwrap();
    mx.bus_mut(verb).unwrap().inserts_mut().push(r);
    for i in 0..16 {
        let t = mx.add_track(&format!("t{i}"), 1).unwrap();
        let mut hp = registry::create("high_pass").unwrap();
        hp.set("cutoff_hz", 80.0).unwrap();
        let chain = mx.track_mut(t).unwrap().inserts_mut();
        chain.push(hp);
        chain.push(registry::create("compressor").unwrap());
        mx.set_param(Owner::Track(t), "pan", -0.8 + 0.1 * i as f64).unwrap();
        mx.send(t, verb, 20.0 * 0.2f64.log10(), false).unwrap();
    }
    mx.set_threads(threads).unwrap();
    mx.set_metering(meters);
    mx.prepare().unwrap();
    mx
}

fn bench(c: &mut Criterion) {
    let len = (SR * 10.0) as usize;
    let audio: Vec<Vec<f32>> = (0..16)
        .map(|k| (0..len).map(|i| 0.3 * ((i * (k + 3)) as f32 * 0.001).sin()).collect())
        .collect();
    let chans: Vec<[&[f32]; 1]> = audio.iter().map(|a| [&a[..]]).collect();
    let inputs: Vec<&[&[f32]]> = chans.iter().map(|c| &c[..]).collect();
    let mut g = c.benchmark_group("mixer_16_tracks_10s");
    g.sample_size(10);
    // Throughput in session samples (10 s of audio per render).
    g.throughput(Throughput::Elements(len as u64));
    for (threads, meters) in [(1, true), (2, true), (1, false), (2, false)] {
        let mut mx = session(threads, meters);
        let name = if meters { "" } else { "_no_meters" };
        g.bench_function(format!("threads_{threads}{name}"), |b| {
            b.iter(|| {
                mx.render(&inputs[..], len, false, |_: &[&[f32]]| Ok::<(), dsp_core::Error>(()))
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
