//! Properties of the mixer measured on its output.

use std::vec;
use std::vec::Vec;

use super::*;
use crate::math::{db_to_gain, gain_to_db};
use crate::registry;
use crate::test_alloc::count_allocs;
use crate::test_util::{noise, sine};

const SR: f64 = 48_000.0;

fn insert(kind: &str, params: &[(&str, f64)]) -> alloc::boxed::Box<dyn crate::DynProcessor> {
    let mut p = registry::create(kind).unwrap();
    for (id, v) in params {
        p.set(id, *v).unwrap();
    }
    p
}

fn peak(x: &[Vec<f32>; 2]) -> f32 {
    x.iter().flatten().fold(0.0f32, |a, v| a.max(v.abs()))
}

fn max_diff(a: &[Vec<f32>; 2], b: &[Vec<f32>; 2]) -> f32 {
    assert_eq!(a[0].len(), b[0].len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max)
}

/// A session with latency on tracks and buses, whose paths cancel when
/// aligned: `x` through a 5 ms lookahead limiter, against `-x` sent
/// pre-fader into a bus with a 2 ms lookahead limiter; `x` dry against
/// `-x` through a 1 ms one.
fn null_session(block: usize) -> Mixer {
    let mut mx = Mixer::new(SR, block).unwrap();
    let a = mx.add_track("a", 1).unwrap();
    let b = mx.add_track("b", 1).unwrap();
    mx.add_track("c", 2).unwrap();
    let d = mx.add_track("d", 2).unwrap();
    let bus = mx.add_bus("fx").unwrap();
    mx.track_mut(a).unwrap().inserts_mut().push(insert("limiter", &[("lookahead_ms", 5.0)]));
    mx.set_param(Owner::Track(b), "invert_polarity", 1.0).unwrap();
    mx.set_param(Owner::Track(b), "gain_db", -150.0).unwrap();
    mx.send(b, bus, 0.0, true).unwrap();
    mx.bus_mut(bus).unwrap().inserts_mut().push(insert("limiter", &[("lookahead_ms", 2.0)]));
    mx.set_param(Owner::Track(d), "invert_polarity", 1.0).unwrap();
    mx.track_mut(d).unwrap().inserts_mut().push(insert("limiter", &[("lookahead_ms", 1.0)]));
    mx.prepare().unwrap();
    mx
}

fn null_inputs(len: usize) -> (Vec<f32>, Vec<f32>) {
    (noise(len, 0.1, 1), noise(len, 0.1, 2))
}

#[test]
fn latency_is_compensated_on_every_path() {
    let mut mx = null_session(512);
    assert_eq!(mx.latency(), 240); // 5 ms at 48 kHz, the longest path
    let (x, y) = null_inputs(24_000);
    let inputs: [&[&[f32]]; 4] = [&[&x], &[&x], &[&x, &y], &[&x, &y]];
    let out = mx.render_to_vec(&inputs, false).unwrap();
    assert_eq!(out[0].len(), x.len());
    let residual = gain_to_db(peak(&out) as f64);
    assert!(residual <= -120.0, "residual {residual} dBFS");
    // Without compensation the same session would not null: one path alone
    // is loud.
    mx.set_param(Owner::Track(1), "mute", 1.0).unwrap();
    let one = mx.render_to_vec(&inputs, false).unwrap();
    assert!(gain_to_db(peak(&one) as f64) > -30.0);
}

#[test]
fn streaming_equals_offline_shifted_by_the_latency_and_never_allocates() {
    let mut mx = null_session(256);
    mx.set_param(Owner::Track(1), "gain_db", -3.0).unwrap(); // break the null
    mx.automate(Owner::Track(0), "pan", &[0.1, 0.3], &[-1.0, 0.5]).unwrap();
    let len = 20_000;
    let (x, y) = null_inputs(len);
    let inputs: [&[&[f32]]; 4] = [&[&x], &[&x], &[&x, &y], &[&x, &y]];
    let offline = mx.render_to_vec(&inputs, false).unwrap();
    mx.reset();
    let lat = mx.latency();
    let (mut l, mut r) = (vec![0.0f32; len + lat], vec![0.0f32; len + lat]);
    let (xp, yp) = ([&x[..], &vec![0.0; lat]].concat(), [&y[..], &vec![0.0; lat]].concat());
    let mut start = 0;
    for (k, step) in [1usize, 700, 33, 256, 1000].iter().cycle().enumerate() {
        if start >= len + lat {
            break;
        }
        let end = (start + step).min(len + lat);
        let (a, b) = (&xp[start..end], &yp[start..end]);
        let ins: [&[&[f32]]; 4] = [&[a], &[a], &[a, b], &[a, b]];
        let ((), allocs) = count_allocs(|| {
            mx.process(&ins, [&mut l[start..end], &mut r[start..end]]).unwrap();
        });
        assert_eq!(allocs, 0, "process allocated (call {k})");
        start = end;
    }
    let streamed = [l[lat..].to_vec(), r[lat..].to_vec()];
    assert!(streamed == offline, "streaming differs by {}", max_diff(&streamed, &offline));
}

/// A mono track at a known level into two buses, one send before and one
/// after a -20 dB fader: the bus meters read the difference.
#[test]
fn sends_tap_before_or_after_the_fader() {
    let mut mx = Mixer::new(SR, 1024).unwrap();
    let t = mx.add_track("t", 1).unwrap();
    let post = mx.add_bus("post").unwrap();
    let pre = mx.add_bus("pre").unwrap();
    mx.set_param(Owner::Track(t), "gain_db", -20.0).unwrap();
    mx.send(t, post, -3.0, false).unwrap();
    mx.send(t, pre, -3.0, true).unwrap();
    mx.prepare().unwrap();
    let x = sine(997.0, SR, 96_000, 0.5);
    mx.render_to_vec(&[&[&x[..]][..]][..], false).unwrap();
    let lufs = |m: Option<&crate::analysis::LoudnessMeter>| m.unwrap().integrated_lufs();
    let direct = lufs(mx.track(t).unwrap().meter());
    let (lpost, lpre) = (lufs(mx.bus(post).unwrap().meter()), lufs(mx.bus(pre).unwrap().meter()));
    assert!((lpost - (direct - 3.0)).abs() < 0.01, "post {lpost} vs direct {direct}");
    assert!((lpre - (direct + 17.0)).abs() < 0.01, "pre {lpre} vs direct {direct}");
    // Peaks are read too: the track's direct path at -20 dB.
    let pk = mx.track(t).unwrap().meter().unwrap().sample_peak_dbfs();
    assert!(
        (pk - gain_to_db(0.5 * db_to_gain(-20.0) * core::f64::consts::FRAC_1_SQRT_2)).abs() < 0.01
    );
}

/// Two tracks and a reverb-like bus; what soloing and muting leave is
/// compared with sessions built without the silenced parts.
#[test]
fn solo_and_mute_silence_the_right_paths() {
    let a = sine(440.0, SR, 20_000, 0.3);
    let b = sine(1000.0, SR, 20_000, 0.3);
    let zero = vec![0.0f32; a.len()];
    let build = |solo_a: bool, safe: bool, mute_a: bool| {
        let mut mx = Mixer::new(SR, 512).unwrap();
        let ta = mx.add_track("a", 1).unwrap();
        let tb = mx.add_track("b", 1).unwrap();
        let bus = mx.add_bus("verb").unwrap();
        mx.bus_mut(bus)
            .unwrap()
            .inserts_mut()
            .push(insert("delay", &[("delay_ms", 50.0), ("mix", 1.0)]));
        mx.send(ta, bus, -6.0, false).unwrap();
        mx.send(tb, bus, -6.0, false).unwrap();
        mx.set_param(Owner::Track(ta), "solo", f64::from(u8::from(solo_a))).unwrap();
        mx.set_param(Owner::Track(ta), "mute", f64::from(u8::from(mute_a))).unwrap();
        mx.set_param(Owner::Bus(bus), "solo_safe", f64::from(u8::from(safe))).unwrap();
        mx.prepare().unwrap();
        mx
    };
    let render =
        |mut mx: Mixer, a: &[f32], b: &[f32]| mx.render_to_vec(&[&[a], &[b]], false).unwrap();
    // Solo a with a solo-safe bus: a and a's reverb, nothing of b.
    let got = render(build(true, true, false), &a, &b);
    let want = render(build(false, true, false), &a, &zero);
    assert!(max_diff(&got, &want) == 0.0);
    // A bus that is not solo-safe goes silent under the solo.
    let mut dry = Mixer::new(SR, 512).unwrap();
    dry.add_track("a", 1).unwrap();
    dry.prepare().unwrap();
    let got = render(build(true, false, false), &a, &b);
    let want = dry.render_to_vec(&[&[&a[..]][..]][..], false).unwrap();
    assert!(max_diff(&got, &want) < 1e-7, "{}", max_diff(&got, &want));
    // Mute wins over solo; a muted track's sends are silent too.
    let got = render(build(true, true, true), &a, &b);
    assert_eq!(peak(&got), 0.0);
    // Soloing the bus keeps the sends into it but not the direct paths.
    let mut mx = build(false, true, false);
    mx.set_param(Owner::Bus(0), "solo", 1.0).unwrap();
    let got = mx.render_to_vec(&[&[&a[..]], &[&b[..]]], false).unwrap();
    let first = got[0].iter().position(|v| *v != 0.0).unwrap();
    assert_eq!(first, 2_401, "only the 50 ms delayed return is heard (the sine starts at 0)");
}

/// A step in a fader lands on the sample of its breakpoint, also on a
/// track delayed to match another's lookahead; an insert's parameter too.
#[test]
fn automation_lands_on_the_right_samples() {
    let len = 48_000;
    let ones = vec![0.5f32; len];
    for lookahead in [false, true] {
        let mut mx = Mixer::new(SR, 1000).unwrap();
        let t = mx.add_track("t", 1).unwrap();
        let other = mx.add_track("other", 1).unwrap();
        if lookahead {
            mx.track_mut(other)
                .unwrap()
                .inserts_mut()
                .push(insert("limiter", &[("lookahead_ms", 3.0)]));
        }
        mx.track_mut(t).unwrap().inserts_mut().push(insert("gain", &[]));
        // Fader step at 0.25 s (sample 12 000); insert gain step at 0.5 s + 1/3 sample.
        mx.automate(Owner::Track(t), "gain_db", &[0.25, 0.25], &[0.0, -20.0]).unwrap();
        let at = 0.5 + 1.0 / (3.0 * SR);
        mx.automate(Owner::Track(t), "inserts.0.gain_db", &[at, at], &[0.0, 6.0]).unwrap();
        mx.prepare().unwrap();
        let out = mx.render_to_vec(&[&[&ones[..]], &[&vec![0.0; len][..]]], false).unwrap();
        let y = &out[0];
        assert_eq!(y[11_999], y[0], "lookahead {lookahead}");
        assert!(y[12_000] < y[11_999], "the fader glide starts at its sample");
        let ramp = 960; // the 20 ms smoothing
        let settled = y[12_000 + ramp];
        assert!((gain_to_db(settled as f64 / y[0] as f64) + 20.0).abs() < 1e-4);
        assert_eq!(y[24_000], settled);
        assert!(y[24_001] > settled, "the insert's glide starts at the next whole sample");
        assert!((gain_to_db(y[24_001 + ramp] as f64 / settled as f64) - 6.0).abs() < 1e-4);
    }
}

#[test]
fn ramps_follow_straight_lines_through_the_smoother() {
    let len = 96_000;
    let ones = vec![0.5f32; len];
    let mut mx = Mixer::new(SR, 4096).unwrap();
    let t = mx.add_track("t", 1).unwrap();
    mx.automate(Owner::Track(t), "pan", &[0.5, 1.5], &[-1.0, 1.0]).unwrap();
    mx.prepare().unwrap();
    let out = mx.render_to_vec(&[&[&ones[..]][..]][..], false).unwrap();
    // Mid-ramp (1.0 s) the pan is near centre: re-targeted every 32
    // samples, the smoother lags the line by its 20 ms ramp (0.04 of pan).
    let (l, r) = (out[0][48_000] as f64, out[1][48_000] as f64);
    let (gl, gr) = crate::mix::PanLaw::ConstantPower.gains(-0.04);
    assert!((l / 0.5 - gl).abs() < 0.003 && (r / 0.5 - gr).abs() < 0.003, "{l} {r}");
    assert!(out[1][10_000] == 0.0 && out[0][90_000].abs() < 1e-7);
}

fn rich_session() -> Mixer {
    let mut mx = Mixer::new(SR, 512).unwrap();
    let v = mx.add_track("vox", 1).unwrap();
    let g = mx.add_track("gtr", 2).unwrap();
    let verb = mx.add_bus("verb").unwrap();
    let dly = mx.add_bus("delay").unwrap();
    let t = mx.track_mut(v).unwrap().inserts_mut();
    t.push(insert("high_pass", &[("cutoff_hz", 120.0)]));
    t.push(insert("compressor", &[("threshold_db", -24.0), ("ratio", 3.0)]));
    mx.track_mut(g).unwrap().inserts_mut().push(insert("limiter", &[("lookahead_ms", 2.0)]));
    mx.bus_mut(verb)
        .unwrap()
        .inserts_mut()
        .push(insert("reverb", &[("decay_s", 1.2), ("mix", 1.0)]));
    mx.bus_mut(dly)
        .unwrap()
        .inserts_mut()
        .push(insert("delay", &[("delay_ms", 180.0), ("mix", 1.0)]));
    mx.master_mut().inserts_mut().push(insert("limiter", &[("ceiling_db", -1.0)]));
    let group = mx.add_bus("group").unwrap();
    mx.bus_mut(group)
        .unwrap()
        .inserts_mut()
        .push(insert("compressor", &[("threshold_db", -30.0), ("ratio", 2.0)]));
    mx.route(g, Some(group)).unwrap();
    mx.send(v, verb, -10.0, false).unwrap();
    mx.send(v, dly, -14.0, true).unwrap();
    mx.send(g, verb, -16.0, false).unwrap();
    mx.set_param(Owner::Track(g), "width", 1.4).unwrap();
    mx.set_param(Owner::Track(g), "pan_law", 2.0).unwrap();
    mx.set_param(Owner::Track(v), "pan", 0.1).unwrap();
    mx.set_param(Owner::Bus(dly), "gain_db", -4.0).unwrap();
    mx.automate(Owner::Track(v), "gain_db", &[0.1, 0.3], &[0.0, -6.0]).unwrap();
    mx.automate(Owner::Track(v), "sends.verb.level_db", &[0.2], &[-6.0]).unwrap();
    mx.automate(Owner::Track(v), "inserts.0.cutoff_hz", &[0.0, 0.4], &[120.0, 400.0]).unwrap();
    mx.automate(Owner::Master, "gain_db", &[0.35, 0.4], &[0.0, -2.0]).unwrap();
    mx.prepare().unwrap();
    mx
}

fn rich_inputs(len: usize) -> [Vec<f32>; 3] {
    [noise(len, 0.3, 7), sine(220.0, SR, len, 0.4), noise(len, 0.2, 9)]
}

#[test]
fn threaded_render_is_bit_identical_to_one_thread() {
    let [a, b, c] = rich_inputs(30_000);
    let inputs: [&[&[f32]]; 2] = [&[&a], &[&b, &c]];
    let mut mx = rich_session();
    let one = mx.render_to_vec(&inputs, true).unwrap();
    mx.set_threads(3).unwrap();
    assert_eq!(mx.threads(), 3);
    let many = mx.render_to_vec(&inputs, true).unwrap();
    assert!(one == many);
    assert!(one[0].len() > 30_000 && peak(&one) > 0.05);
    // Several spans of the threaded render, the last one partial.
    assert!(one[0].len() > 2 * super::PARALLEL_SPAN && one[0].len() % super::PARALLEL_SPAN != 0);
    // Without automation the threads overlap buses and tracks: still equal.
    let paths: Vec<_> = mx.automation().map(|(o, p, ..)| (o, p.to_string())).collect();
    paths.iter().for_each(|(o, p)| mx.clear_automation(*o, p).unwrap());
    mx.set_threads(1).unwrap();
    let one = mx.render_to_vec(&inputs, true).unwrap();
    for threads in [2, 3] {
        mx.set_threads(threads).unwrap();
        assert!(one == mx.render_to_vec(&inputs, true).unwrap(), "{threads} threads");
    }
}

#[cfg(feature = "serde")]
#[test]
fn session_round_trip_renders_bit_identically() {
    let [a, b, c] = rich_inputs(30_000);
    let inputs: [&[&[f32]]; 2] = [&[&a], &[&b, &c]];
    let mut mx = rich_session();
    let session = mx.to_session();
    let mut copy = Mixer::from_session(&session, 512).unwrap();
    assert_eq!(copy.to_session(), session);
    assert!(mx.render_to_vec(&inputs, true).unwrap() == copy.render_to_vec(&inputs, true).unwrap());
    assert_eq!(session.tracks[1].output.as_deref(), Some("group"));
    assert_eq!(session.tracks[0].output, None);
    let mut bad = session.clone();
    bad.tracks[0].sends[0].bus = "nope".into();
    let e = Mixer::from_session(&bad, 512).unwrap_err().to_string();
    assert!(e.contains("vox") && e.contains("nope"), "{e}");
    let mut bad = session.clone();
    bad.tracks[1].output = Some("nowhere".into());
    let e = Mixer::from_session(&bad, 512).unwrap_err().to_string();
    assert!(e.contains("gtr") && e.contains("nowhere"), "{e}");
}

/// A track routed to a group bus reaches the master only through the
/// bus's inserts, aligned with everything else: `x` routed (after a 1 ms
/// lookahead) into a bus with a high-pass and a 3 ms lookahead limiter
/// nulls against `-x` on the master through the same three inserts, while
/// a silent track with a 5 ms lookahead makes the bus return wait too.
#[test]
fn routed_tracks_pass_through_their_bus_latency_aligned() {
    let bus_inserts = || {
        [insert("high_pass", &[("cutoff_hz", 200.0)]), insert("limiter", &[("lookahead_ms", 3.0)])]
    };
    let build = |route: bool| {
        let mut mx = Mixer::new(SR, 512).unwrap();
        let a = mx.add_track("a", 1).unwrap();
        let b = mx.add_track("b", 1).unwrap();
        let c = mx.add_track("c", 1).unwrap();
        let g = mx.add_bus("group").unwrap();
        mx.track_mut(a).unwrap().inserts_mut().push(insert("limiter", &[("lookahead_ms", 1.0)]));
        let chain = mx.bus_mut(g).unwrap().inserts_mut();
        bus_inserts().into_iter().for_each(|p| chain.push(p));
        let chain = mx.track_mut(b).unwrap().inserts_mut();
        chain.push(insert("limiter", &[("lookahead_ms", 1.0)]));
        bus_inserts().into_iter().for_each(|p| chain.push(p));
        mx.set_param(Owner::Track(b), "invert_polarity", 1.0).unwrap();
        mx.track_mut(c).unwrap().inserts_mut().push(insert("limiter", &[("lookahead_ms", 5.0)]));
        if route {
            mx.route(a, Some(g)).unwrap();
        }
        mx.prepare().unwrap();
        mx
    };
    let x = noise(24_000, 0.1, 5);
    let zero = vec![0.0f32; x.len()];
    let inputs: [&[&[f32]]; 3] = [&[&x], &[&x], &[&zero]];
    let mut mx = build(true);
    assert_eq!(mx.track(0).unwrap().output(), Some(0));
    assert_eq!(mx.latency(), 240);
    let out = mx.render_to_vec(&inputs, false).unwrap();
    let residual = gain_to_db(peak(&out) as f64);
    assert!(residual <= -120.0, "residual {residual} dBFS");
    // Unrouted, `a` skips the bus's high-pass: no null.
    let out = build(false).render_to_vec(&inputs, false).unwrap();
    assert!(gain_to_db(peak(&out) as f64) > -40.0);
    // Routed, the track has no other way to the master: a muted bus
    // silences it (and `b` is muted here).
    mx.set_param(Owner::Bus(0), "mute", 1.0).unwrap();
    mx.set_param(Owner::Track(1), "mute", 1.0).unwrap();
    assert_eq!(peak(&mx.render_to_vec(&inputs, false).unwrap()), 0.0);
    assert!(mx.route(0, Some(1)).is_err() && mx.route(9, None).is_err());
}

/// Solo through a group bus: a soloed routed track keeps its group bus
/// audible even when the bus is not solo-safe, and a soloed group bus
/// lets the tracks routed to it be heard.
#[test]
fn solo_follows_the_routing() {
    let a = sine(440.0, SR, 20_000, 0.3);
    let b = sine(1000.0, SR, 20_000, 0.3);
    let build = |solo_track: bool, solo_bus: bool| {
        let mut mx = Mixer::new(SR, 512).unwrap();
        let ta = mx.add_track("a", 1).unwrap();
        mx.add_track("b", 1).unwrap();
        let g = mx.add_bus("group").unwrap();
        mx.set_param(Owner::Bus(g), "solo_safe", 0.0).unwrap();
        mx.set_param(Owner::Bus(g), "gain_db", -6.0).unwrap();
        mx.route(ta, Some(g)).unwrap();
        mx.set_param(Owner::Track(ta), "solo", f64::from(u8::from(solo_track))).unwrap();
        mx.set_param(Owner::Bus(g), "solo", f64::from(u8::from(solo_bus))).unwrap();
        mx.prepare().unwrap();
        mx
    };
    let inputs: [&[&[f32]]; 2] = [&[&a], &[&b]];
    let zero = vec![0.0f32; a.len()];
    let only_a: [&[&[f32]]; 2] = [&[&a], &[&zero]];
    let want = build(false, false).render_to_vec(&only_a, false).unwrap();
    assert!(peak(&want) > 0.1);
    for (solo_track, solo_bus) in [(true, false), (false, true)] {
        let got = build(solo_track, solo_bus).render_to_vec(&inputs, false).unwrap();
        assert!(max_diff(&got, &want) == 0.0, "solo track {solo_track}, bus {solo_bus}");
    }
}

#[test]
fn balance_sets_faders_to_the_requested_loudness() {
    let a = noise(96_000, 0.05, 3);
    let b = noise(96_000, 0.4, 4);
    let mut mx = Mixer::new(SR, 1024).unwrap();
    mx.add_track("a", 1).unwrap();
    mx.add_track("b", 1).unwrap();
    mx.prepare().unwrap();
    let inputs: [&[&[f32]]; 2] = [&[&a], &[&b]];
    let faders = mx.balance(&inputs[..], a.len(), &[0.0, -6.0], -20.0).unwrap();
    assert!(faders[0] > faders[1]);
    mx.render_to_vec(&inputs, false).unwrap();
    for (t, want) in [(0, -20.0), (1, -26.0)] {
        let got = mx.track(t).unwrap().meter().unwrap().integrated_lufs();
        assert!((got - want).abs() < 0.05, "track {t}: {got}");
    }
}

#[test]
fn bad_input_is_refused_with_clear_errors() {
    let mut mx = Mixer::new(SR, 256).unwrap();
    assert!(Mixer::new(0.0, 256).is_err());
    assert!(mx.add_track("t", 3).is_err());
    let t = mx.add_track("t", 1).unwrap();
    assert!(mx.add_track("t", 1).is_err());
    assert!(mx.send(t, 0, 0.0, false).is_err());
    let b = mx.add_bus("b").unwrap();
    assert!(mx.send(t, b, 30.0, false).is_err());
    assert!(mx.set_param(Owner::Track(t), "nope", 0.0).is_err());
    assert!(mx.set_param(Owner::Track(t), "inserts.0.gain_db", 0.0).is_err());
    assert!(mx.set_param(Owner::Track(t), "sends.b.level_db", 0.0).is_err());
    assert!(mx.set_param(Owner::Track(t), "pan", 2.0).is_err());
    assert!(mx.automate(Owner::Track(t), "pan", &[0.0, 1.0], &[0.0, 3.0]).is_err());
    assert!(mx.set_param(Owner::Bus(5), "gain_db", 0.0).is_err());
    let x = [0.0f32; 16];
    let mut o = [[0.0f32; 16]; 2];
    let [l, r] = &mut o;
    assert_eq!(mx.process(&[&[&x]], [l, r]), Err(Error::NotPrepared));
    // A stereo-only insert on a mono track is reported by prepare.
    mx.track_mut(t).unwrap().inserts_mut().push(insert("stereo_width", &[]));
    assert!(mx.prepare().is_err());
    let e = mx.automate(Owner::Bus(b), "sends.x.level_db", &[0.0], &[0.0]).unwrap_err();
    assert!(e.to_string().contains("inserts.<position>"), "{e}");
}
