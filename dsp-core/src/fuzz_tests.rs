//! Fuzzing every registered kind and the meters with proptest: random
//! parameters (the extremes of each range included), random audio (huge
//! finite values up to `f32::MAX`, NaN, ±Inf, denormals), random channel
//! counts, sample rates and block splits. Every case must run without a
//! panic and give finite output; a limiter must also hold its ceiling.
//!
//! CI runs a short pass (the default case count). A longer run:
//! `PROPTEST_CASES=20000 cargo test -p dsp-core --release --lib fuzz`.

use std::vec::Vec;

use proptest::prelude::*;

use crate::analysis::{LevelMeter, LoudnessMeter};
use crate::param_info::ParamType;
use crate::processor::process_in_blocks;
use crate::registry::{self, kinds};
use crate::spec::ProcessSpec;

/// A sample drawn to hurt: ordinary audio most of the time, else an extreme.
fn sample() -> impl Strategy<Value = f32> {
    prop_oneof![
        6 => -1.0f32..1.0,
        1 => prop::sample::select(vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            -f32::MAX,
            1e38,
            -1e30,
            f32::MIN_POSITIVE / 8.0,
            -1e-42,
            0.0,
        ]),
        1 => -1e6f32..1e6,
    ]
}

/// For each parameter, a choice among its minimum, maximum, default and a
/// value in between (`fraction` of the way).
fn settings() -> impl Strategy<Value = Vec<(u8, f64)>> {
    prop::collection::vec((0u8..4, 0.0f64..1.0), 24)
}

/// The value `pick` chooses for a parameter of range `min..=max`.
fn value(ty: ParamType, min: f64, max: f64, default: f64, pick: (u8, f64)) -> f64 {
    let (which, fraction) = pick;
    let finite_max = if max.is_finite() { max } else { min.max(1.0) * 1e3 };
    let v = match which {
        0 => min,
        1 => max,
        2 => default,
        _ => min + fraction * (finite_max - min),
    };
    match ty {
        ParamType::Float => v,
        _ => v.round().clamp(min, max),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_kind_survives_random_settings_and_hostile_audio(
        kind in 0..kinds().count(),
        picks in settings(),
        audio in prop::collection::vec(sample(), 64..3000),
        stereo in any::<bool>(),
        rate in prop::sample::select(vec![8_000.0, 44_100.0, 48_000.0, 192_000.0]),
        block in 1usize..700,
    ) {
        let info = kinds().nth(kind).unwrap();
        let mut p = registry::create(info.name).unwrap();
        for (i, param) in info.params.iter().enumerate() {
            let v = value(param.ty, param.min, param.max, param.default, picks[i % picks.len()]);
            // Refusals (a cutoff above Nyquist at prepare) are fine; panics are not.
            let _ = p.set_param(i, v);
        }
        let channels = match info.caps.channels.output(if stereo { 2 } else { 1 }) {
            Some(_) => if stereo { 2 } else { 1 },
            None => 2,
        };
        if p.prepare(&ProcessSpec::new(rate, block, channels)).is_err() {
            return Ok(());
        }
        let mut x: Vec<Vec<f32>> = (0..channels)
            .map(|c| audio.iter().cycle().skip(c * 7).take(audio.len()).copied().collect())
            .collect();
        let mut views: Vec<&mut [f32]> = x.iter_mut().map(|c| c.as_mut_slice()).collect();
        process_in_blocks(&mut *p, &mut views, block);
        for (c, ch) in x.iter().enumerate() {
            if let Some(i) = ch.iter().position(|v| !v.is_finite()) {
                prop_assert!(false, "{}: non-finite output at {c}:{i}", info.name);
            }
        }
        if info.name == "limiter" && p.get("true_peak") == Ok(0.0) && p.get("bypass") == Ok(0.0) {
            let ceiling = crate::math::db_to_gain(p.get("ceiling_db").unwrap()) as f32;
            let peak = x.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
            prop_assert!(peak <= ceiling, "limiter: peak {peak} over ceiling {ceiling}");
        }
    }

    #[test]
    fn meters_survive_hostile_audio(
        audio in prop::collection::vec(sample(), 0..5000),
        stereo in any::<bool>(),
        rate in prop::sample::select(vec![8_000.0, 44_100.0, 48_000.0, 192_000.0]),
    ) {
        let channels = if stereo { 2 } else { 1 };
        let x: Vec<Vec<f32>> = (0..channels).map(|_| audio.clone()).collect();
        let views: Vec<&[f32]> = x.iter().map(|c| c.as_slice()).collect();
        let mut loud = LoudnessMeter::new(rate, channels).unwrap();
        // Non-finite audio is refused with an error naming the sample.
        let fed = loud.add_planar(&views);
        prop_assert_eq!(fed.is_ok(), audio.iter().all(|v| v.is_finite()));
        let _ = (loud.integrated_lufs(), loud.loudness_range_lu(), loud.true_peak_dbtp());
        let mut level = LevelMeter::new(50.0).unwrap();
        level.prepare(&ProcessSpec::new(rate, 512, channels)).unwrap();
        level.add(&views).unwrap();
        for c in 0..channels {
            let peak = level.peak_dbfs(c).unwrap();
            prop_assert!(!peak.is_nan(), "level meter peak is NaN");
        }
        let report = crate::analysis::QaReport::measure(&views, rate);
        let valid = !audio.is_empty() && audio.iter().all(|v| v.is_finite());
        prop_assert_eq!(report.is_ok(), valid, "{:?}", report.err());
    }
}
