//! The processor registry: every kind by name, its declaration, and a
//! constructor that gives a processor with the declared defaults.
//!
//! Adding a processor kind adds one line to [`ENTRIES`].

use alloc::boxed::Box;

use crate::bypass::{BypassMode, Bypassable};
use crate::error::Error;
use crate::params::{Declared, DynProcessor, KindInfo};

/// A registered kind: its declaration and a constructor.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The kind's declaration.
    pub info: &'static KindInfo,
    /// Makes a processor of the kind with its declared defaults.
    pub make: fn() -> Box<dyn DynProcessor>,
}

impl Entry {
    /// The entry of a declared type whose `Default` has the declared
    /// defaults; kinds that do not bypass themselves are made
    /// [`Bypassable`].
    pub const fn of<P: DynProcessor + Declared + Default>() -> Self {
        let make = match P::MODE {
            BypassMode::Wrapped => make_default::<Bypassable<P>>,
            BypassMode::Native | BypassMode::None => make_default::<P>,
        };
        Self { info: P::KIND, make }
    }
}

fn make_default<P: DynProcessor + Default>() -> Box<dyn DynProcessor> {
    Box::new(P::default())
}

/// Every kind, in the order the bindings list them.
pub static ENTRIES: &[Entry] = &[
    Entry::of::<crate::mix::Gain>(),
    Entry::of::<crate::mix::Pan>(),
    Entry::of::<crate::mix::StereoWidth>(),
    Entry::of::<crate::mix::ChannelTool>(),
    Entry::of::<crate::mix::MultibandImager>(),
    Entry::of::<crate::Chain>(),
    // Dynamics.
    Entry::of::<crate::dynamics::Compressor>(),
    Entry::of::<crate::dynamics::Expander>(),
    Entry::of::<crate::dynamics::NoiseGate>(),
    Entry::of::<crate::dynamics::DeEsser>(),
    Entry::of::<crate::dynamics::Limiter>(),
    Entry::of::<crate::dynamics::MultibandCompressor>(),
    Entry::of::<crate::dynamics::DynamicBand>(),
    Entry::of::<crate::dynamics::DynamicEq>(),
    Entry::of::<crate::dynamics::SoftClipper>(),
    // Filters: one kind per shape of `Filter`, then the DC blocker and the equalizer.
    crate::filters::PEAK_FILTER_ENTRY,
    crate::filters::LOW_SHELF_ENTRY,
    crate::filters::HIGH_SHELF_ENTRY,
    crate::filters::LOW_PASS_ENTRY,
    crate::filters::HIGH_PASS_ENTRY,
    crate::filters::BAND_PASS_ENTRY,
    crate::filters::NOTCH_ENTRY,
    crate::filters::ALL_PASS_ENTRY,
    Entry::of::<crate::filters::DcBlocker>(),
    Entry::of::<crate::filters::Equalizer>(),
    // Effects.
    Entry::of::<crate::effects::Delay>(),
    Entry::of::<crate::effects::Chorus>(),
    Entry::of::<crate::effects::Flanger>(),
    Entry::of::<crate::effects::Phaser>(),
    Entry::of::<crate::effects::Reverb>(),
    Entry::of::<crate::effects::PlateReverb>(),
    #[cfg(feature = "std")]
    Entry::of::<crate::effects::ConvolutionReverb>(),
    Entry::of::<crate::effects::Saturation>(),
    Entry::of::<crate::effects::Exciter>(),
    Entry::of::<crate::effects::TransientShaper>(),
    // Mastering.
    Entry::of::<crate::master::Dither>(),
    #[cfg(feature = "std")]
    Entry::of::<crate::master::LinearPhaseEq>(),
];

/// The declarations of every kind.
pub fn kinds() -> impl Iterator<Item = &'static KindInfo> {
    ENTRIES.iter().map(|e| e.info)
}

/// The entry of the kind called `name`.
pub fn entry(name: &str) -> Result<&'static Entry, Error> {
    ENTRIES.iter().find(|e| e.info.name == name).ok_or(Error::UnknownKind)
}

/// The declaration of the kind called `name`, without creating one.
pub fn find(name: &str) -> Result<&'static KindInfo, Error> {
    entry(name).map(|e| e.info)
}

/// A new processor of the kind called `name`, with its declared defaults.
pub fn create(name: &str) -> Result<Box<dyn DynProcessor>, Error> {
    entry(name).map(|e| (e.make)())
}

/// Table-driven tests over every registered kind: what each declaration
/// promises holds for the processor behind it.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamType;
    use crate::preset;
    use crate::shared_params::SharedParams;
    use crate::spec::ProcessSpec;
    use crate::test_util::*;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    /// Channels a kind is tested with.
    fn channels(info: &KindInfo) -> usize {
        info.caps.channels.output(2).map_or(1, |_| 2)
    }

    /// Runs `p` over a test signal at 192 kHz (so that every declared
    /// frequency lies below Nyquist) and returns the output.
    fn render(p: &mut dyn DynProcessor, info: &KindInfo) -> Vec<Vec<f32>> {
        let n = channels(info);
        p.prepare(&ProcessSpec::new(192_000.0, 512, n)).unwrap();
        let mut x = test_signal(n, 4_000);
        {
            let mut views: Vec<&mut [f32]> = x.iter_mut().map(|c| c.as_mut_slice()).collect();
            crate::processor::process_in_blocks(p, &mut views, 512);
        }
        x
    }

    #[test]
    fn every_kind_counts_nonfinite_input_per_stream() {
        for info in kinds() {
            let mut p = create(info.name).unwrap();
            let n = channels(info);
            p.prepare(&ProcessSpec::new(48_000.0, 512, n)).unwrap();
            let mut x = test_signal(n, 512);
            x[0][3] = f32::NAN;
            x[n - 1][7] = f32::NEG_INFINITY;
            let mut views: Vec<&mut [f32]> = x.iter_mut().map(|c| c.as_mut_slice()).collect();
            p.process(&mut views);
            assert_eq!(p.nonfinite_count(), 2, "{}", info.name);
            p.reset();
            assert_eq!(p.nonfinite_count(), 0, "{}: reset starts a new count", info.name);
        }
    }

    #[test]
    fn a_chain_and_its_first_member_count_the_same_samples() {
        use crate::Processor;
        let mut chain = crate::Chain::new();
        chain.push(create("high_pass").unwrap());
        chain.push(create("gain").unwrap());
        chain.prepare(&ProcessSpec::new(48_000.0, 64, 1)).unwrap();
        let mut x = [0.5f32; 64];
        x[5] = f32::NAN;
        chain.process(&mut [&mut x]);
        assert!(x.iter().all(|v| v.is_finite()));
        let first = chain.get_mut(0).unwrap().nonfinite_count();
        let second = chain.get_mut(1).unwrap().nonfinite_count();
        assert_eq!((chain.nonfinite_count(), first, second), (1, 1, 0));
    }

    #[test]
    fn names_are_unique_and_unit_suffixed() {
        let names: Vec<_> = kinds().map(|k| k.name).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[..i].contains(n), "{n} registered twice");
            assert_eq!(find(n).unwrap().name, *n);
        }
        assert_eq!(create("no_such_kind").err(), Some(Error::UnknownKind));
    }

    /// A new processor holds every declared default, and the declared
    /// defaults lie within the declared ranges.
    #[test]
    fn defaults_equal_the_declaration() {
        for entry in ENTRIES {
            let p = (entry.make)();
            assert_eq!(p.kind(), entry.info);
            for (i, info) in entry.info.params.iter().enumerate() {
                assert_eq!(p.param(i), Some(info.default), "{}.{}", entry.info.name, info.id);
                assert!(info.check(info.default).is_ok(), "{}.{}", entry.info.name, info.id);
                assert!(!info.doc.is_empty());
                // A choice says what its values are called; nothing else does.
                assert_eq!(info.noun.is_empty(), !matches!(info.ty, ParamType::Choice(_)));
            }
            assert_eq!(p.param(entry.info.params.len()), None);
        }
    }

    /// Below min, above max and NaN are refused with an error naming the
    /// parameter and its real range; the value is left as it was. Min and
    /// max themselves are accepted and read back.
    #[test]
    fn ranges_are_enforced_from_the_declaration() {
        for entry in ENTRIES {
            let mut p = (entry.make)();
            for (i, info) in entry.info.params.iter().enumerate() {
                let below = info.min - 1.0;
                let above = if info.max.is_finite() { info.max + 1.0 } else { f64::NAN };
                for bad in [below, above, f64::NAN] {
                    let err = p.set_param(i, bad).unwrap_err();
                    assert!(
                        matches!(err, Error::OutOfRange { param, .. } if param == info),
                        "{err:?}"
                    );
                    let text = err.to_string();
                    assert!(text.contains(info.id), "{text}");
                    if info.ty == ParamType::Float && info.max.is_finite() {
                        assert!(text.contains(&std::format!("{}", info.max)), "{text}");
                    }
                    assert_eq!(p.param(i), Some(info.default), "{}.{}", entry.info.name, info.id);
                }
                if info.ty != ParamType::Float {
                    // Whole numbers only.
                    assert!(p.set_param(i, 0.5).is_err());
                }
                for good in [info.min, info.max, info.default] {
                    p.set(info.id, good).unwrap();
                    assert_eq!(p.get(info.id), Ok(good), "{}.{}", entry.info.name, info.id);
                }
            }
            assert!(matches!(p.set("no_such_param", 0.0), Err(Error::UnknownParameter { .. })));
        }
    }

    /// Every kind, with every parameter moved off its default, survives a
    /// preset round trip with bit-identical output.
    #[test]
    fn presets_round_trip_with_identical_output() {
        for entry in ENTRIES {
            let mut p = (entry.make)();
            for (i, info) in entry.info.params.iter().enumerate() {
                // A value between default and max (or min), inside the range.
                let to = if info.max.is_finite() { info.max } else { info.min };
                let v = match info.ty {
                    ParamType::Float => info.default + 0.25 * (to - info.default),
                    ParamType::Int => libm::round(info.default + 0.25 * (to - info.default)),
                    _ => to,
                };
                p.set_param(i, v).unwrap();
            }
            let saved = preset::save(&*p);
            assert_eq!(saved.kind, entry.info.name);
            let mut q = preset::load(&saved).unwrap();
            assert_eq!(preset::save(&*q), saved);
            assert_eq!(render(&mut *p, entry.info), render(&mut *q, entry.info), "{}", saved.kind);
        }
    }

    #[test]
    fn presets_name_what_is_wrong() {
        let mut saved = preset::save(&*create("gain").unwrap());
        saved.params.insert("gain_db".into(), preset::Value::Number(99.0));
        let e = preset::load(&saved).err().unwrap().to_string();
        assert!(e.contains("gain_db") && e.contains("60"), "{e}");
        saved.params.clear();
        saved.params.insert("volume".into(), preset::Value::Number(1.0));
        let e = preset::load(&saved).err().unwrap().to_string();
        assert!(e.contains("volume") && e.contains("gain_db"), "{e}");
        saved.params.clear();
        saved.kind = "reverb9000".into();
        let e = preset::load(&saved).err().unwrap().to_string();
        assert!(e.contains("reverb9000"), "{e}");
        saved.kind = "gain".into();
        saved.version = preset::PRESET_VERSION + 1;
        assert!(preset::load(&saved).is_err());
        // A missing parameter takes its default.
        saved.version = preset::PRESET_VERSION;
        let p = preset::load(&saved).unwrap();
        assert_eq!(p.get("gain_db"), Ok(0.0));
    }

    /// Setting a parameter by id gives the same output as the typed setter.
    #[test]
    fn set_by_id_equals_the_typed_setter() {
        use crate::dynamics::{Compressor, Limiter};
        use crate::effects::Delay;
        use crate::mix::{Pan, PanLaw};
        fn same<P: DynProcessor + Default>(typed: impl FnOnce(&mut P), id: &str, value: f64) {
            let (mut a, mut b) = (P::default(), P::default());
            typed(&mut a);
            b.set(id, value).unwrap();
            assert_eq!(a.get(id), b.get(id));
            let kind = a.kind();
            assert_eq!(render(&mut a, kind), render(&mut b, kind), "{id}");
        }
        same::<Compressor>(|c| c.set_threshold_db(-31.5).unwrap(), "threshold_db", -31.5);
        same::<Compressor>(|c| c.set_detector(crate::dynamics::Detector::Rms), "detector", 1.0);
        same::<Limiter>(|l| l.set_true_peak(true), "true_peak", 1.0);
        same::<Pan>(|p| p.set_law(PanLaw::Linear), "law", 0.0);
        same::<Delay>(|d| d.set_feedback(0.7).unwrap(), "feedback", 0.7);
    }

    /// An infinite value (a limiting ratio) is stored as the name "inf",
    /// which JSON can hold, and reads back as infinity.
    #[test]
    fn infinite_values_round_trip_as_names() {
        let mut p = create("compressor").unwrap();
        p.set("ratio", f64::INFINITY).unwrap();
        let saved = preset::save(&*p);
        assert_eq!(saved.params["ratio"], preset::Value::Name("inf".into()));
        assert_eq!(preset::load(&saved).unwrap().get("ratio"), Ok(f64::INFINITY));
        let mut bad = saved.clone();
        bad.params.insert("ratio".into(), preset::Value::Name("lots".into()));
        assert!(preset::load(&bad).err().unwrap().to_string().contains("ratio"));
    }

    /// Targets set from another thread while processing runs reach the
    /// processor at its next block; setting never allocates. Tried on each
    /// kind's last own parameter and on `bypass`.
    #[test]
    fn shared_targets_reach_the_processor_from_another_thread() {
        for entry in ENTRIES.iter().filter(|e| !e.info.params.is_empty()) {
            let len = entry.info.params.len();
            for last in len.saturating_sub(2)..len {
                let mut p = (entry.make)();
                let shared = SharedParams::new(&*p);
                let n = channels(entry.info);
                p.prepare(&ProcessSpec::new(384_000.0, 256, n)).unwrap();
                let info = &entry.info.params[last];
                let target = if info.max.is_finite() { info.max } else { info.min };
                std::thread::scope(|s| {
                    s.spawn(|| {
                        let (r, allocs) = count_allocs(|| shared.set(last, target));
                        r.unwrap();
                        assert_eq!(allocs, 0);
                        assert!(shared.set(last, f64::NAN).is_err());
                    });
                    let mut x = test_signal(n, 256);
                    for _ in 0..64 {
                        let mut views: Vec<&mut [f32]> = x.iter_mut().map(|c| &mut c[..]).collect();
                        let (_, allocs) = count_allocs(|| {
                            shared.apply(&mut *p);
                            p.process(&mut views);
                        });
                        assert_eq!(allocs, 0, "{}", entry.info.name);
                    }
                });
                shared.apply(&mut *p);
                assert_eq!(p.param(last), Some(target), "{}", entry.info.name);
                assert_eq!(shared.get(last), Some(target));
            }
        }
    }

    /// Every kind is bypassed by its `bypass` parameter, the last it
    /// declares: its output is then its input delayed by its latency
    /// (which bypassing leaves as it was), and switching crossfades without
    /// a click. Kinds that change the channel count (pan, reverbs) are
    /// given the channels they output.
    #[test]
    fn every_kind_bypasses_to_its_input_in_time() {
        const FS: f64 = 48_000.0;
        for entry in ENTRIES {
            let (name, n) = (entry.info.name, channels(entry.info));
            let mut p = (entry.make)();
            let last = entry.info.params.last().unwrap();
            assert_eq!(*last, crate::bypass::BYPASS, "{name}");
            p.prepare(&ProcessSpec::new(FS, 256, n)).unwrap();
            let latency = p.latency();
            p.set("bypass", 1.0).unwrap();
            p.reset(); // bypassed from the first sample
            assert_eq!(p.latency(), latency, "{name}");
            let x = test_signal(n, latency + 4_000);
            let mut y = x.clone();
            {
                let mut views: Vec<&mut [f32]> = y.iter_mut().map(|c| c.as_mut_slice()).collect();
                crate::processor::process_in_blocks(&mut *p, &mut views, 256);
            }
            for (xc, yc) in x.iter().zip(&y) {
                assert!(yc[..latency].iter().all(|&v| v == 0.0), "{name}");
                assert_eq!(yc[latency..], xc[..4_000], "{name}");
            }
        }
    }

    /// Toggling `bypass` mid-stream on a kind with latency (the limiter's
    /// lookahead) and one without (a +12 dB gain) crossfades: no step
    /// larger than the signal's own plus the gain change over the fade.
    #[test]
    fn bypass_changes_crossfade_without_clicks() {
        const FS: f64 = 48_000.0;
        for (kind, param, value) in [("gain", "gain_db", 12.0), ("limiter", "ceiling_db", -20.0)] {
            let mut p = create(kind).unwrap();
            p.set(param, value).unwrap();
            p.prepare(&ProcessSpec::new(FS, 64, 1)).unwrap();
            let mut x = sine(200.0, FS, 48_000, 0.25);
            let own_step = 2.0 * core::f32::consts::PI * 200.0 / FS as f32 * 0.25 * 4.0;
            for (i, block) in x.chunks_mut(64).enumerate() {
                if i % 150 == 75 {
                    p.set("bypass", f64::from(u8::from(i % 300 == 75))).unwrap();
                }
                p.process(&mut [block]);
            }
            let step = max_step(&x);
            assert!(step < 1.1 * own_step, "{kind}: largest step {step} (sine alone {own_step})");
        }
    }

    /// A fully bypassed processor is not run, and it comes back from a
    /// reset: a delay's echoes of what it heard before the bypass do not
    /// reappear.
    #[test]
    fn a_processor_comes_back_from_bypass_without_stale_state() {
        const FS: f64 = 48_000.0;
        let mut p = create("delay").unwrap();
        p.set("delay_ms", 500.0).unwrap();
        p.set("feedback", 0.9).unwrap();
        p.prepare(&ProcessSpec::new(FS, 480, 1)).unwrap();
        let mut burst = sine(1000.0, FS, 480, 0.5);
        p.process(&mut [&mut burst]);
        p.set("bypass", 1.0).unwrap();
        let mut silence = vec![0.0f32; 480];
        for _ in 0..10 {
            p.process(&mut [&mut silence]); // the fade, then bypassed
        }
        p.set("bypass", 0.0).unwrap();
        let mut out = vec![0.0f32; 48_000];
        for block in out.chunks_mut(480) {
            p.process(&mut [block]);
        }
        assert!(out.iter().all(|&v| v == 0.0), "rms {}", rms(&out));
    }

    /// Every registered dynamics kind hands out its [`Dynamics`] interface
    /// as its caps declare; a sidechain keys the compressor (and the other
    /// kinds with a sidechain) through it.
    #[test]
    fn a_sidechain_keys_the_compressor_through_the_registry() {
        let quiet = [vec![0.01f32; 1024], vec![0.01f32; 1024]];
        let key = vec![1.0f32; 1024];
        let mut sidechain_kinds = 0;
        for entry in ENTRIES {
            let (name, caps) = (entry.info.name, entry.info.caps);
            let mut p = (entry.make)();
            assert_eq!(p.dynamics().is_some(), caps.gain_reduction, "{name}");
            // The dynamic EQ's bands hear a sidechain through their own
            // filter (tested in `dynamics::dynamic_eq`).
            if !caps.sidechain || name.starts_with("dynamic_") {
                continue;
            }
            sidechain_kinds += 1;
            // Instant times, so that 1024 samples settle.
            for (id, v) in [("threshold_db", -30.0), ("attack_ms", 0.0), ("release_ms", 0.0)] {
                p.set(id, v).unwrap();
            }
            if entry.info.index_of("hold_ms").is_ok() {
                p.set("hold_ms", 0.0).unwrap();
            }
            p.prepare(&ProcessSpec::new(48_000.0, 1024, 2)).unwrap();
            let run = |p: &mut dyn crate::DynProcessor, side: Option<&[&[f32]]>| {
                p.reset();
                let mut y = quiet.clone();
                let mut gr = vec![0.0f32; 1024];
                let (l, r) = y.split_at_mut(1);
                let d = p.dynamics().unwrap();
                d.process_keyed(&mut [&mut l[0], &mut r[0]], side, &mut [&mut gr]);
                assert_eq!(d.row_gain_reduction_db(0), gr[1023]);
                (crate::math::gain_to_db(y[0][1023] as f64 / 0.01), gr[1023])
            };
            // At -40 dBFS a compressor does nothing; an expander or gate closes.
            let (out_db, unkeyed) = run(&mut *p, None);
            // Keyed by a loud mono sidechain (averaged for both channels) a
            // compressor reduces by 3/4 of the key's 30 dB over the
            // threshold; an expander or gate opens.
            let (keyed_db, keyed) = run(&mut *p, Some(&[&key]));
            if name == "compressor" {
                assert!(out_db.abs() < 1e-4 && unkeyed == 0.0, "{out_db} {unkeyed}");
                assert!((keyed - 22.5).abs() < 0.01, "{keyed}");
                assert!((keyed_db + 22.5).abs() < 0.01, "{keyed_db}");
            } else {
                assert!(unkeyed > 5.0 && (out_db + unkeyed as f64).abs() < 0.01, "{name}");
                assert!(keyed == 0.0 && keyed_db.abs() < 1e-4, "{name}: {keyed} {keyed_db}");
            }
        }
        assert_eq!(sidechain_kinds, 3);
    }

    /// The settings a kind is spiked with: its defaults, and its most
    /// extreme gains where a kind has them.
    fn spike_variants(entry: &Entry) -> Vec<(&'static str, Box<dyn DynProcessor>)> {
        let mut out = vec![("default", (entry.make)())];
        let loud = [
            "gain_db",
            "mid_gain_db",
            "side_gain_db",
            "drive_db",
            "output_db",
            "makeup_db",
            "attack_db",
            "sustain_db",
        ];
        let mut p = (entry.make)();
        let mut any = false;
        for (i, info) in entry.info.params.iter().enumerate() {
            if loud.contains(&info.id) && info.max.is_finite() {
                p.set_param(i, info.max).unwrap();
                any = true;
            }
        }
        if any {
            out.push(("loudest", p));
        }
        if entry.info.name == "multiband_compressor" {
            let mut m = crate::dynamics::MultibandCompressor::default();
            for b in 0..m.bands() {
                m.set_band_bypass(b, true).unwrap();
            }
            out.push(("bands bypassed", Box::new(m)));
        }
        out
    }

    /// Policy: finite input never makes output non-finite, and after any
    /// finite spike (1e30, 2e38, `f32::MAX`, one sample) every kind returns
    /// to the output it gives without the spike within its own time
    /// constants (its tail plus a few seconds).
    #[test]
    fn every_kind_recovers_from_a_finite_spike() {
        const FS: f64 = 48_000.0;
        const BLOCK: usize = 512;
        let fs = FS as usize;
        let mut failures = Vec::new();
        for entry in ENTRIES {
            for (label, mut p) in spike_variants(entry) {
                let n = channels(entry.info);
                p.prepare(&ProcessSpec::new(FS, BLOCK, n)).unwrap();
                let tail = p.tail().min(10 * fs);
                let len = fs + 1 + tail + 3 * fs;
                let clean: Vec<Vec<f32>> = (0..n)
                    .map(|c| {
                        let s = sine(440.0 + 110.0 * c as f64, FS, len, 0.5);
                        let w = noise(len, 0.05, 7 + c as u64);
                        s.iter().zip(&w).map(|(a, b)| a + b).collect()
                    })
                    .collect();
                let run = |p: &mut dyn DynProcessor, spike: Option<f32>| {
                    p.reset();
                    let mut x = clean.clone();
                    if let Some(v) = spike {
                        for ch in x.iter_mut() {
                            ch[fs] = v;
                        }
                    }
                    let mut views: Vec<&mut [f32]> = x.iter_mut().map(|c| &mut c[..]).collect();
                    crate::processor::process_in_blocks(p, &mut views, BLOCK);
                    x
                };
                let reference = run(&mut *p, None);
                let last = len - fs / 2;
                for spike in [1e30f32, 2e38, f32::MAX] {
                    let y = run(&mut *p, Some(spike));
                    let name = std::format!("{} ({label}), spike {spike:e}", entry.info.name);
                    if let Some((c, i)) = crate::buffer::find_nonfinite(&y) {
                        failures.push(std::format!("{name}: non-finite output at {c}:{i}"));
                        continue;
                    }
                    assert_eq!(p.nonfinite_count(), 0, "{name}");
                    for (c, (y, r)) in y.iter().zip(&reference).enumerate() {
                        let (got, want) = (rms(&y[last..]), rms(&r[last..]));
                        let diff: Vec<f32> =
                            y[last..].iter().zip(&r[last..]).map(|(a, b)| a - b).collect();
                        let err = rms(&diff);
                        let level_ok = (got - want).abs() < 1e-4
                            || (crate::math::gain_to_db(got / want)).abs() < 0.5;
                        let state_ok = err <= 0.01 * want + 1e-4;
                        if !(level_ok && state_ok) {
                            failures.push(std::format!(
                                "{name}, channel {c}: rms {got:e} against {want:e}, \
                                 difference {err:e}"
                            ));
                        }
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
