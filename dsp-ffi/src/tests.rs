//! Tests of the exported functions through their C signatures.

use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};

use dsp_core::params::Caps;
use dsp_core::{Error, ProcessSpec, Processor};

use crate::chain::*;
use crate::dynamics::*;
use crate::filters::*;
use crate::loudness::*;
use crate::meter::*;
use crate::params::*;
use crate::processor::*;
use crate::qa::*;
use crate::status::*;
use crate::test_alloc::count_allocs;

fn allocs_during(f: impl FnOnce()) -> usize {
    count_allocs(f).1
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(ml_last_error_message()) }.to_string_lossy().into_owned()
}

fn sine(freq: f64, fs: f64, n: usize, amp: f32) -> Vec<f32> {
    (0..n).map(|i| amp * (2.0 * std::f64::consts::PI * freq * i as f64 / fs).sin() as f32).collect()
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64).sqrt()
}

/// A processor that panics on demand, to exercise the guard.
struct Boom {
    armed: bool,
}

impl Processor for Boom {
    fn prepare(&mut self, _spec: &ProcessSpec) -> Result<(), Error> {
        Ok(())
    }
    fn reset(&mut self) {}
    fn process(&mut self, _channels: &mut [&mut [f32]]) {
        assert!(!self.armed, "boom");
    }
    fn nonfinite_count(&self) -> u64 {
        0
    }
}

dsp_core::declare_params! {
    Boom, BOOM_KIND = "boom", "Boom", Caps::PLAIN, "Panics on demand.";
}

/// A new processor of `kind` with its defaults.
fn new_kind(kind: &CStr) -> *mut MlProcessor {
    let mut p = null_mut();
    assert_eq!(unsafe { ml_processor_new_kind(kind.as_ptr(), &mut p) }, ML_STATUS_OK, "{kind:?}");
    p
}

/// Sets parameter `id` of `p`.
fn set(p: *mut MlProcessor, id: &CStr, value: f64) -> MlStatus {
    unsafe { ml_processor_param_set(p, id.as_ptr(), value) }
}

/// Reads parameter `id` of `p`.
fn get(p: *mut MlProcessor, id: &CStr) -> f64 {
    let mut v = f64::NAN;
    assert_eq!(unsafe { ml_processor_param_get(p, id.as_ptr(), &mut v) }, ML_STATUS_OK);
    v
}

fn new_gain(gain_db: f64) -> *mut MlProcessor {
    let p = new_kind(c"gain");
    assert_eq!(set(p, c"gain_db", gain_db), ML_STATUS_OK);
    p
}

fn new_width(width: f64) -> *mut MlProcessor {
    let p = new_kind(c"stereo_width");
    assert_eq!(set(p, c"width", width), ML_STATUS_OK);
    p
}

/// Runs `p` over stereo audio through the planar entry point.
fn run_planar(p: *mut MlProcessor, l: &mut [f32], r: &mut [f32]) -> MlStatus {
    let ptrs = [l.as_mut_ptr(), r.as_mut_ptr()];
    unsafe { ml_processor_process_planar(p, ptrs.as_ptr(), 2, l.len()) }
}

#[test]
fn a_panic_is_caught_and_poisons_the_handle() {
    let mut p = null_mut();
    let status = unsafe { new_processor(&mut p, || Ok(Box::new(Boom { armed: false }))) };
    assert_eq!(status, ML_STATUS_OK);
    unsafe {
        assert_eq!(ml_processor_prepare(p, 48_000.0, 64, 1), ML_STATUS_OK);
        let mut x = [0.5f32; 16];
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(p, ptrs.as_ptr(), 1, 16), ML_STATUS_OK);
        let arm = |b: &mut Boom| {
            b.armed = true;
            Ok::<_, Fail>(())
        };
        assert_eq!(with_kind(p, arm), ML_STATUS_OK);
        assert_eq!(ml_processor_process_planar(p, ptrs.as_ptr(), 1, 16), ML_STATUS_PANIC);
        assert!(last_error().contains("boom"), "{}", last_error());
        for status in [
            ml_processor_reset(p),
            ml_processor_prepare(p, 48_000.0, 64, 1),
            ml_processor_process_planar(p, ptrs.as_ptr(), 1, 16),
            set(p, c"gain_db", 0.0),
            ml_processor_param_get_at(p, 0, &mut 0.0),
        ] {
            assert_eq!(status, ML_STATUS_POISONED);
        }
        let other = new_kind(c"chain");
        assert_eq!(ml_chain_push(other, p), ML_STATUS_POISONED);
        ml_processor_free(other);
        ml_processor_free(p);
    }
}

#[test]
fn pointer_and_state_errors_have_their_codes() {
    let g = new_gain(-6.0);
    let mut x = [0.25f32; 8];
    let ptrs = [x.as_mut_ptr()];
    let mut out = 0.0;
    unsafe {
        assert_eq!(ml_processor_new_kind(null(), &mut null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_processor_new_kind(c"gain".as_ptr(), null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_processor_prepare(null_mut(), 48e3, 64, 1), ML_STATUS_NULL_POINTER);
        assert_eq!(
            ml_processor_param_get(g, c"gain_db".as_ptr(), null_mut()),
            ML_STATUS_NULL_POINTER
        );
        assert_eq!(ml_processor_param_set(g, null(), 0.0), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 1, 8), ML_STATUS_NOT_PREPARED);
        assert_eq!(ml_processor_prepare(g, 0.0, 64, 1), ML_STATUS_INVALID_SAMPLE_RATE);
        assert_eq!(ml_processor_prepare(g, 1e9, 64, 1), ML_STATUS_INVALID_SAMPLE_RATE);
        assert_eq!(ml_processor_prepare(g, f64::NAN, 64, 1), ML_STATUS_INVALID_SAMPLE_RATE);
        assert_eq!(ml_processor_prepare(g, 48e3, 0, 1), ML_STATUS_INVALID_BLOCK_SIZE);
        assert_eq!(ml_processor_prepare(g, 48e3, 64, 0), ML_STATUS_INVALID_CHANNEL_COUNT);
        assert_eq!(ml_processor_prepare(g, 48e3, 64, 1), ML_STATUS_OK);
        assert_eq!(ml_processor_process_planar(g, null(), 1, 8), ML_STATUS_NULL_POINTER);
        let with_null = [null_mut::<f32>()];
        assert_eq!(
            ml_processor_process_planar(g, with_null.as_ptr(), 1, 8),
            ML_STATUS_NULL_POINTER
        );
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 2, 8), ML_STATUS_CHANNEL_MISMATCH);
        assert!(last_error().contains("expected 1 channel(s), got 2"), "{}", last_error());
        assert_eq!(ml_processor_process_interleaved(g, null_mut(), 1, 8), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 1, 0), ML_STATUS_OK);
        assert_eq!(x, [0.25; 8], "an empty call leaves the buffer alone");
        assert_eq!(set(g, c"gain_db", f64::NAN), ML_STATUS_INVALID_ARGUMENT);
        assert!(last_error().contains("gain_db"), "{}", last_error());
        assert_eq!(ml_processor_param_get(g, c"gain_db".as_ptr(), &mut out), ML_STATUS_OK);
        assert_eq!(out, -6.0, "a rejected value leaves the setting unchanged");
        assert_eq!(set(g, c"pan", 0.5), ML_STATUS_UNKNOWN_NAME);
        assert!(last_error().contains("gain_db, invert"), "{}", last_error());
        let member = new_gain(0.0);
        assert_eq!(ml_chain_push(g, member), ML_STATUS_WRONG_KIND);
        ml_processor_free(member);
        ml_processor_free(g);
        ml_processor_free(null_mut());
        ml_level_meter_free(null_mut());
    }
}

#[test]
fn overlapping_channels_are_rejected() {
    let g = new_gain(0.0);
    let mut x = [0.0f32; 16];
    let base = x.as_mut_ptr();
    unsafe {
        assert_eq!(ml_processor_prepare(g, 48e3, 64, 2), ML_STATUS_OK);
        let ptrs = [base, base.add(4)];
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 2, 8), ML_STATUS_INVALID_ARGUMENT);
        let ptrs = [base, base.add(8)];
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 2, 8), ML_STATUS_OK);
        ml_processor_free(g);
    }
}

/// Choices are indices into the declared names: anything else is refused,
/// and an unknown choice name in a preset is reported.
#[test]
fn choice_values_outside_the_choices_are_refused() {
    let mut p = null_mut();
    unsafe {
        let json = cr#"{"kind": "pan", "params": {"law": "sideways"}}"#;
        assert_eq!(ml_processor_load_json(json.as_ptr(), &mut p), ML_STATUS_INVALID_ARGUMENT);
        assert!(last_error().contains("law") && last_error().contains("compromise"));
        assert!(p.is_null());
        p = new_kind(c"pan");
        assert_eq!(set(p, c"source", -3.0), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(set(p, c"law", 7.0), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(set(p, c"law", 0.5), ML_STATUS_INVALID_ARGUMENT);
        let mut index = 0;
        assert_eq!(ml_processor_param_index(p, c"law".as_ptr(), &mut index), ML_STATUS_OK);
        let mut info = std::mem::MaybeUninit::<MlParamInfo>::uninit();
        assert_eq!(ml_processor_param_info(p, index, info.as_mut_ptr()), ML_STATUS_OK);
        let info = info.assume_init();
        assert_eq!(info.r#type, ML_PARAM_TYPE_CHOICE);
        let names: Vec<&str> = (0..info.choice_count)
            .map(|i| CStr::from_ptr(*info.choices.add(i)).to_str().unwrap())
            .collect();
        assert_eq!(names, ["linear", "constant_power", "compromise"]);
        assert_eq!(ml_processor_param_set_at(p, index, 0.0), ML_STATUS_OK);
        assert_eq!(get(p, c"law"), 0.0, "linear");
        assert_eq!(ml_processor_prepare(p, 48e3, 64, 1), ML_STATUS_INVALID_CHANNEL_COUNT);
        ml_processor_free(p);
    }
}

#[test]
fn interleaved_equals_planar_and_long_buffers_are_split() {
    let (a, b) = (new_width(1.6), new_width(1.6));
    let n = 5000; // longer than max_block and than the interleaving piece
    let mut l = sine(440.0, 48e3, n, 0.5);
    let mut r = sine(1250.0, 48e3, n, 0.3);
    let mut inter: Vec<f32> = l.iter().zip(&r).flat_map(|(&x, &y)| [x, y]).collect();
    unsafe {
        assert_eq!(ml_processor_prepare(a, 48e3, 300, 2), ML_STATUS_OK);
        assert_eq!(ml_processor_prepare(b, 48e3, 300, 2), ML_STATUS_OK);
        assert_eq!(set(a, c"width", 0.3), ML_STATUS_OK);
        assert_eq!(set(b, c"width", 0.3), ML_STATUS_OK);
        let allocs = allocs_during(|| {
            assert_eq!(run_planar(a, &mut l, &mut r), ML_STATUS_OK);
            let status = ml_processor_process_interleaved(b, inter.as_mut_ptr(), 2, n);
            assert_eq!(status, ML_STATUS_OK);
        });
        assert_eq!(allocs, 0, "processing must not allocate");
        ml_processor_free(a);
        ml_processor_free(b);
    }
    for i in 0..n {
        assert_eq!(inter[2 * i], l[i]);
        assert_eq!(inter[2 * i + 1], r[i]);
    }
}

#[test]
fn gain_and_pan_measure_as_designed() {
    let g = new_gain(-6.0);
    let pan;
    let x = sine(1000.0, 48e3, 4800, 0.5);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut mono = x.clone();
    unsafe {
        assert_eq!(ml_processor_prepare(g, 48e3, 512, 1), ML_STATUS_OK);
        let ptrs = [mono.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 1, mono.len()), ML_STATUS_OK);
        pan = new_kind(c"pan");
        assert_eq!(get(pan, c"law"), 1.0, "constant power by default");
        assert_eq!(set(pan, c"source", 0.0), ML_STATUS_OK, "mono");
        assert_eq!(ml_processor_prepare(pan, 48e3, 512, 2), ML_STATUS_OK);
        assert_eq!(run_planar(pan, &mut l, &mut r), ML_STATUS_OK);
        ml_processor_free(g);
        ml_processor_free(pan);
    }
    let db = |y: &[f32]| 20.0 * (rms(y) / rms(&x)).log10();
    assert!((db(&mono) + 6.0).abs() < 1e-4, "{}", db(&mono));
    assert!((db(&l) + 3.0103).abs() < 1e-3, "{}", db(&l));
    assert!((db(&r) + 3.0103).abs() < 1e-3, "{}", db(&r));
}

/// A chain member is bypassed by its own `bypass` parameter, reached
/// through its handle or by index.
#[test]
fn chain_owns_members_and_bypasses_them() {
    let chain = new_kind(c"chain");
    let mut len = 0;
    let mut second = null_mut();
    let x = sine(1000.0, 48e3, 2048, 0.5);
    unsafe {
        assert_eq!(ml_chain_push(chain, chain), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_chain_push(chain, null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_chain_push(chain, new_gain(-6.0)), ML_STATUS_OK);
        assert_eq!(ml_chain_push(chain, new_gain(-6.0)), ML_STATUS_OK);
        assert_eq!(ml_chain_len(chain, &mut len), ML_STATUS_OK);
        assert_eq!(len, 2);
        assert_eq!(ml_chain_member(chain, 2, &mut second), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_chain_member(chain, 1, &mut second), ML_STATUS_OK);
        assert_eq!(get(second, c"bypass"), 0.0);
        assert_eq!(set(second, c"bypass", 2.0), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(set(second, c"bypass", 1.0), ML_STATUS_OK);
        let mut y = x.clone();
        let ptrs = [y.as_mut_ptr()];
        assert_eq!(
            ml_processor_process_planar(chain, ptrs.as_ptr(), 1, 2048),
            ML_STATUS_NOT_PREPARED
        );
        assert_eq!(ml_processor_prepare(chain, 48e3, 256, 1), ML_STATUS_OK);
        assert_eq!(ml_processor_process_planar(chain, ptrs.as_ptr(), 1, 2048), ML_STATUS_OK);
        let db = 20.0 * (rms(&y) / rms(&x)).log10();
        assert!((db + 6.0).abs() < 1e-4, "one active -6 dB member: {db}");
        assert_eq!(set(chain, c"gain_db", 0.0), ML_STATUS_UNKNOWN_NAME);
        ml_processor_free(chain);
    }
}

#[test]
fn level_meter_reads_a_sine_and_agrees_across_layouts() {
    let (mut a, mut b) = (null_mut(), null_mut());
    let l = sine(997.0, 48e3, 48_000, 1.0);
    let r = sine(997.0, 48e3, 48_000, 0.5);
    let inter: Vec<f32> = l.iter().zip(&r).flat_map(|(&x, &y)| [x, y]).collect();
    let (mut ra, mut rb, mut peak) = (0.0, 0.0, 0.0);
    unsafe {
        assert_eq!(ml_level_meter_new(0.0, &mut a), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_level_meter_new(300.0, &mut a), ML_STATUS_OK);
        assert_eq!(ml_level_meter_new(300.0, &mut b), ML_STATUS_OK);
        let ptrs = [l.as_ptr().cast_mut(), r.as_ptr().cast_mut()];
        assert_eq!(ml_level_meter_add_planar(a, ptrs.as_ptr(), 2, 10), ML_STATUS_NOT_PREPARED);
        assert_eq!(ml_level_meter_rms_dbfs(a, 0, &mut ra), ML_STATUS_NOT_PREPARED);
        assert_eq!(ml_level_meter_prepare(a, 48e3, 2), ML_STATUS_OK);
        assert_eq!(ml_level_meter_prepare(b, 48e3, 2), ML_STATUS_OK);
        assert_eq!(ml_level_meter_add_planar(a, ptrs.as_ptr(), 1, 10), ML_STATUS_CHANNEL_MISMATCH);
        assert_eq!(ml_level_meter_add_planar(a, ptrs.as_ptr(), 2, l.len()), ML_STATUS_OK);
        let status = ml_level_meter_add_interleaved(b, inter.as_ptr(), 2, l.len());
        assert_eq!(status, ML_STATUS_OK);
        for ch in 0..2 {
            assert_eq!(ml_level_meter_rms_dbfs(a, ch, &mut ra), ML_STATUS_OK);
            assert_eq!(ml_level_meter_rms_dbfs(b, ch, &mut rb), ML_STATUS_OK);
            assert_eq!(ra, rb);
        }
        assert_eq!(ml_level_meter_rms_dbfs(a, 0, &mut ra), ML_STATUS_OK);
        assert!((ra + 3.0103).abs() < 1e-3, "full-scale sine RMS {ra} dBFS");
        assert_eq!(ml_level_meter_max_peak_dbfs(a, 1, &mut peak), ML_STATUS_OK);
        assert!((peak + 6.0206).abs() < 1e-3, "half-scale peak {peak} dBFS");
        assert_eq!(ml_level_meter_peak_dbfs(a, 2, &mut peak), ML_STATUS_INVALID_ARGUMENT);
        ml_level_meter_free(a);
        ml_level_meter_free(b);
    }
}

/// Index of choice `name` of parameter `id` of `p`.
fn choice(p: *mut MlProcessor, id: &CStr, name: &str) -> f64 {
    let mut index = 0;
    let mut info = std::mem::MaybeUninit::<MlParamInfo>::uninit();
    unsafe {
        assert_eq!(ml_processor_param_index(p, id.as_ptr(), &mut index), ML_STATUS_OK);
        assert_eq!(ml_processor_param_info(p, index, info.as_mut_ptr()), ML_STATUS_OK);
        let info = info.assume_init();
        (0..info.choice_count)
            .position(|i| text(*info.choices.add(i)) == name)
            .unwrap_or_else(|| panic!("no choice {name} of {id:?}")) as f64
    }
}

/// A filter of `kind` with `(id, value)` settings.
fn new_filter(kind: &CStr, settings: &[(&CStr, f64)]) -> *mut MlProcessor {
    let f = new_kind(kind);
    for &(id, v) in settings {
        assert_eq!(set(f, id, v), ML_STATUS_OK, "{id:?} = {v}");
    }
    f
}

#[test]
fn filter_parameters_round_trip_and_are_validated() {
    let f = new_filter(c"peak_filter", &[(c"cutoff_hz", 2500.0), (c"gain_db", 4.0), (c"q", 2.0)]);
    assert_eq!((get(f, c"cutoff_hz"), get(f, c"gain_db"), get(f, c"q")), (2500.0, 4.0, 2.0));
    assert_eq!(get(f, c"design"), choice(f, c"design", "cookbook"));
    assert_eq!(get(f, c"bypass"), 0.0);
    assert_eq!(set(f, c"design", choice(f, c"design", "matched")), ML_STATUS_OK);
    assert_eq!(set(f, c"cutoff_hz", 3000.0), ML_STATUS_OK);
    assert_eq!(set(f, c"gain_db", -3.0), ML_STATUS_OK);
    assert_eq!(get(f, c"design"), 1.0);
    let low = new_kind(c"low_pass");
    for (p, id, bad, status) in [
        (f, c"design", -1.0, ML_STATUS_INVALID_ARGUMENT),
        (low, c"order", 258.0, ML_STATUS_INVALID_ARGUMENT),
        (low, c"order", 2.5, ML_STATUS_INVALID_ARGUMENT),
        (f, c"order", 4.0, ML_STATUS_UNKNOWN_NAME),
        (f, c"q", f64::NAN, ML_STATUS_INVALID_ARGUMENT),
        (f, c"cutoff_hz", 0.0, ML_STATUS_INVALID_ARGUMENT),
    ] {
        assert_eq!(set(p, id, bad), status, "{id:?} = {bad}");
        let json = CString::new(format!(
            r#"{{"kind": "{}", "params": {{"{}": {bad}}}}}"#,
            if p == f { "peak_filter" } else { "low_pass" },
            id.to_str().unwrap()
        ))
        .unwrap();
        let mut other = null_mut();
        let status = unsafe { ml_processor_load_json(json.as_ptr(), &mut other) };
        assert_eq!(status, ML_STATUS_INVALID_ARGUMENT, "{json:?}");
        assert!(other.is_null());
    }
    assert_eq!(get(f, c"gain_db"), -3.0, "rejected values change nothing");
    let mut unknown = null_mut();
    let status = unsafe { ml_processor_new_kind(c"bell_filter".as_ptr(), &mut unknown) };
    assert_eq!(status, ML_STATUS_UNKNOWN_NAME);
    assert!(last_error().contains("peak_filter"), "{}", last_error());
    unsafe {
        assert_eq!(ml_equalizer_push_band(f, f), ML_STATUS_WRONG_KIND);
        ml_processor_free(f);
        ml_processor_free(low);
    }
}

#[test]
fn cutoff_at_or_above_nyquist_fails_at_prepare() {
    let f = new_filter(c"high_pass", &[(c"cutoff_hz", 30_000.0)]);
    unsafe {
        assert_eq!(ml_processor_prepare(f, 48e3, 64, 2), ML_STATUS_ABOVE_NYQUIST);
        assert!(last_error().contains("Nyquist"), "{}", last_error());
        let mut x = [0.0f32; 4];
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(f, ptrs.as_ptr(), 1, 4), ML_STATUS_NOT_PREPARED);
        assert_eq!(ml_processor_prepare(f, 96e3, 64, 1), ML_STATUS_OK);
        assert_eq!(ml_processor_process_planar(f, ptrs.as_ptr(), 1, 4), ML_STATUS_OK);
        // In range, but above the prepared Nyquist: dropped at the next block.
        assert_eq!(set(f, c"cutoff_hz", 60_000.0), ML_STATUS_OK);
        assert_eq!(ml_processor_process_planar(f, ptrs.as_ptr(), 1, 4), ML_STATUS_OK);
        assert_eq!(get(f, c"cutoff_hz"), 30_000.0);
        ml_processor_free(f);
    }
}

#[test]
fn equalizer_response_matches_measured_sine_gain() {
    let bands = [
        new_filter(c"peak_filter", &[(c"cutoff_hz", 1000.0), (c"gain_db", 6.0), (c"q", 1.0)]),
        new_filter(c"high_shelf", &[(c"cutoff_hz", 6000.0), (c"gain_db", -4.0)]),
    ];
    let freqs = [250.0, 1000.0, 3000.0, 12_000.0];
    let mut mags = [0.0; 4];
    let eq = new_kind(c"equalizer");
    let mut len = 0;
    unsafe {
        for b in bands {
            assert_eq!(ml_equalizer_push_band(eq, b), ML_STATUS_OK);
        }
        assert_eq!(ml_equalizer_len(eq, &mut len), ML_STATUS_OK);
        assert_eq!(len, 2);
        let status = ml_equalizer_magnitude_db(eq, freqs.as_ptr(), mags.as_mut_ptr(), 4, 48e3);
        assert_eq!(status, ML_STATUS_OK);
        for (&f, &mag) in freqs.iter().zip(&mags) {
            let x = sine(f, 48e3, 19_200, 0.25);
            let mut y = x.clone();
            let ptrs = [y.as_mut_ptr()];
            assert_eq!(ml_processor_prepare(eq, 48e3, 512, 1), ML_STATUS_OK);
            assert_eq!(ml_processor_process_planar(eq, ptrs.as_ptr(), 1, y.len()), ML_STATUS_OK);
            let measured = 20.0 * (rms(&y[9600..]) / rms(&x[9600..])).log10();
            assert!((measured - mag).abs() < 0.02, "{f} Hz: measured {measured}, designed {mag}");
        }
        assert!((mags[1] - 6.0).abs() < 0.05, "peak centre {}", mags[1]);
        let status = ml_equalizer_magnitude_db(eq, freqs.as_ptr(), mags.as_mut_ptr(), 4, 0.0);
        assert_eq!(status, ML_STATUS_INVALID_SAMPLE_RATE);
        let status = ml_equalizer_magnitude_db(eq, freqs.as_ptr(), mags.as_mut_ptr(), 4, 11_025.0);
        assert_eq!(status, ML_STATUS_ABOVE_NYQUIST);
        let bad = [f64::NAN];
        let status = ml_equalizer_magnitude_db(eq, bad.as_ptr(), mags.as_mut_ptr(), 1, 48e3);
        assert_eq!(status, ML_STATUS_INVALID_ARGUMENT);
        let status = ml_equalizer_magnitude_db(eq, null(), mags.as_mut_ptr(), 1, 48e3);
        assert_eq!(status, ML_STATUS_NULL_POINTER);

        let mut got = null_mut();
        assert_eq!(ml_equalizer_get_band(eq, 1, &mut got), ML_STATUS_OK);
        let mut kind = std::mem::MaybeUninit::<MlKindInfo>::uninit();
        assert_eq!(ml_processor_kind(got, kind.as_mut_ptr()), ML_STATUS_OK);
        assert_eq!(text(kind.assume_init().name), "high_shelf");
        for id in [c"cutoff_hz", c"gain_db", c"q", c"design", c"bypass"] {
            assert_eq!(get(got, id), get(bands[1], id), "{id:?}");
        }
        ml_processor_free(got);
        assert_eq!(ml_equalizer_get_band(eq, 2, &mut got), ML_STATUS_INVALID_ARGUMENT);
        assert!(got.is_null());
        assert_eq!(ml_equalizer_set_band(eq, 2, bands[0]), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_equalizer_set_band(eq, 0, eq), ML_STATUS_WRONG_KIND);
        assert_eq!(ml_equalizer_push_band(eq, null()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_equalizer_push_band(eq, bands[0]), ML_STATUS_OK);
        assert_eq!(ml_equalizer_remove_band(eq, 0), ML_STATUS_OK);
        assert_eq!(ml_equalizer_remove_band(eq, 5), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_equalizer_len(eq, &mut len), ML_STATUS_OK);
        assert_eq!(len, 2);
        // The bands survive a preset round trip.
        let copy = load_json(&save_json(eq));
        assert_eq!(ml_equalizer_len(copy, &mut len), ML_STATUS_OK);
        assert_eq!(len, 2);
        assert_eq!(render(eq, 1), render(copy, 1));
        for p in [eq, copy, bands[0], bands[1]] {
            ml_processor_free(p);
        }
        let empty = new_kind(c"equalizer");
        assert_eq!(ml_equalizer_len(empty, &mut len), ML_STATUS_OK);
        assert_eq!(len, 0);
        ml_processor_free(empty);
    }
}

#[test]
fn dc_blocker_removes_dc() {
    let d = new_kind(c"dc_blocker");
    assert_eq!(get(d, c"cutoff_hz"), dsp_core::filters::DEFAULT_DC_CUTOFF_HZ);
    let mut x = vec![0.5f32; 48_000];
    unsafe {
        assert_eq!(set(d, c"cutoff_hz", -1.0), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_processor_prepare(d, 48e3, 1024, 1), ML_STATUS_OK);
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(d, ptrs.as_ptr(), 1, x.len()), ML_STATUS_OK);
        assert_eq!(set(d, c"cutoff_hz", 10.0), ML_STATUS_OK);
        assert_eq!(set(d, c"q", 1.0), ML_STATUS_UNKNOWN_NAME);
        ml_processor_free(d);
    }
    // A 5 Hz first-order high pass decays with tau = 1 / (2 pi 5) = 32 ms.
    assert!(x[47_999].abs() < 1e-6, "residual DC {}", x[47_999]);
}

#[test]
fn loudness_meter_feeds_without_allocating_and_matches_the_report() {
    let x = sine(1000.0, 48e3, 4 * 48_000, 0.1);
    let inter: Vec<f32> = x.iter().flat_map(|&v| [v, v]).collect();
    let config = MlMeterConfig { max_duration_s: 4.0, ..ml_meter_config_default() };
    let (mut a, mut b) = (null_mut(), null_mut());
    let (mut la, mut lb) = (0.0, 0.0);
    let mut report = std::mem::MaybeUninit::<MlQaReport>::uninit();
    unsafe {
        assert_eq!(ml_meter_new(&config, &mut a), ML_STATUS_OK);
        assert_eq!(ml_meter_new(&config, &mut b), ML_STATUS_OK);
        let allocs = allocs_during(|| {
            for chunk in x.chunks(4_801) {
                let ptrs = [chunk.as_ptr().cast_mut(), chunk.as_ptr().cast_mut()];
                assert_eq!(ml_meter_add_planar(a, ptrs.as_ptr(), 2, chunk.len()), ML_STATUS_OK);
            }
            for chunk in inter.chunks(2 * 999) {
                let status = ml_meter_add_interleaved(b, chunk.as_ptr(), 2, chunk.len() / 2);
                assert_eq!(status, ML_STATUS_OK);
            }
        });
        assert_eq!(allocs, 0, "feeding a meter with reserved series allocates");
        assert_eq!(ml_meter_integrated_lufs(a, &mut la), ML_STATUS_OK);
        assert_eq!(ml_meter_integrated_lufs(b, &mut lb), ML_STATUS_OK);
        assert_eq!(la, lb);
        assert!((la + 20.0).abs() < 0.1, "0.1 FS stereo 1 kHz sine reads {la} LUFS");
        let ptrs = [x.as_ptr().cast_mut(), x.as_ptr().cast_mut()];
        assert_eq!(
            ml_measure(ptrs.as_ptr(), 2, x.len(), 48e3, report.as_mut_ptr(), std::ptr::null()),
            ML_STATUS_OK
        );
        assert_eq!(report.assume_init_ref().integrated_lufs, la);
        ml_meter_free(a);
        ml_meter_free(b);
    }
}

#[test]
fn check_messages_are_truncated_and_terminated() {
    let mut target = MlTarget {
        name: [0; ML_TARGET_NAME_LEN],
        label: [b'a' as _; ML_TARGET_NAME_LEN],
        integrated_lufs: -14.0,
        tolerance_lu: 1.0,
        true_peak_dbtp: -1.0,
        turns_up: false,
    };
    *target.label.last_mut().unwrap() = 0;
    let name = std::ffi::CString::new("n".repeat(100)).unwrap();
    unsafe {
        let mut t2 = target;
        assert_eq!(ml_target_custom(name.as_ptr(), -14.0, 1.0, -1.0, false, &mut t2), ML_STATUS_OK);
        assert_eq!(CStr::from_ptr(t2.name.as_ptr()).to_bytes().len(), ML_TARGET_NAME_LEN - 1);
        let report = MlQaReport { integrated_lufs: -8.0, true_peak_dbtp: 0.5, ..zeroed_report() };
        let mut check = std::mem::MaybeUninit::<MlTargetCheck>::uninit();
        assert_eq!(ml_qa_check(&report, &target, check.as_mut_ptr()), ML_STATUS_OK);
        let check = check.assume_init();
        let msg = CStr::from_ptr(check.message.as_ptr()).to_str().unwrap();
        assert!(msg.starts_with("FAIL: true peak 0.5 dBTP exceeds -1.0"), "{msg}");
        assert!(msg.ends_with("will turn it down 6.0 dB"), "{msg}");
        assert!((check.gain_change_db + 6.0).abs() < 1e-12);
        assert_eq!(ml_target_by_name(c"tidal".as_ptr(), &mut target), ML_STATUS_OK);
        assert_eq!(ml_target_by_name(c"nope".as_ptr(), &mut target), ML_STATUS_UNKNOWN_NAME);
        assert!(last_error().contains("spotify, apple"), "{}", last_error());
    }
}

fn zeroed_report() -> MlQaReport {
    MlQaReport {
        sample_rate: 48e3,
        duration_s: 0.0,
        channels: 0,
        integrated_lufs: 0.0,
        loudness_range_lu: 0.0,
        max_momentary_lufs: 0.0,
        max_short_term_lufs: 0.0,
        true_peak_dbtp: 0.0,
        sample_peak_dbfs: 0.0,
        plr_db: 0.0,
        dc_offset: [0.0; ML_MAX_CHANNELS],
        clipped_samples: 0,
        correlation: 0.0,
        worst_correlation: 0.0,
        mono_loudness_drop_lu: 0.0,
        balance_db: 0.0,
        octave_band_count: 0,
        octave_band_hz: [0.0; ML_OCTAVE_BANDS],
        octave_band_db: [0.0; ML_OCTAVE_BANDS],
        mono_band_change_db: [0.0; ML_OCTAVE_BANDS],
        small_speaker_lufs: 0.0,
        small_speaker_drop_lu: 0.0,
        small_speaker_bands_db: [0.0; ML_OCTAVE_BANDS],
    }
}

#[test]
fn sidechain_pieces_match_one_core_call_without_allocating() {
    let n = 5000; // several max_block pieces
    let (mut l, mut r) = (sine(300.0, 48e3, n, 0.3), sine(500.0, 48e3, n, 0.3));
    let key: Vec<f32> = (0..n).map(|i| if (1000..3000).contains(&i) { 0.9 } else { 0.0 }).collect();
    let (mut l2, mut r2) = (l.clone(), r.clone());
    let mut core = dsp_core::dynamics::Compressor::default();
    core.set_threshold_db(-30.0).unwrap();
    core.prepare(&ProcessSpec::new(48e3, n, 2)).unwrap();
    core.process_sidechain(&mut [&mut l2, &mut r2], &[&key]);
    let p = new_kind(c"compressor");
    assert_eq!(set(p, c"threshold_db", -30.0), ML_STATUS_OK);
    unsafe {
        assert_eq!(ml_processor_prepare(p, 48e3, 256, 2), ML_STATUS_OK);
        let channels = [l.as_mut_ptr(), r.as_mut_ptr()];
        let side = [key.as_ptr().cast_mut()];
        let allocs = allocs_during(|| {
            let status =
                ml_processor_process_sidechain_planar(p, channels.as_ptr(), 2, side.as_ptr(), 1, n);
            assert_eq!(status, ML_STATUS_OK);
        });
        assert_eq!(allocs, 0, "sidechain processing must not allocate");
        let mut gr = 0.0f64;
        assert_eq!(ml_processor_gain_reduction_db(p, &mut gr), ML_STATUS_OK);
        assert_eq!(gr, f64::from(core.gain_reduction_db()));
        ml_processor_free(p);
    }
    assert_eq!(l, l2);
    assert_eq!(r, r2);
    assert!(rms(&l[2000..3000]) < 0.5 * rms(&l[200..1000]), "the key compresses");
}

/// Kinds looked up after others (a gate, a limiter) neither allocate in
/// keyed processing nor when asked for their gain reduction.
#[test]
fn later_dynamics_kinds_do_not_allocate() {
    let n = 2000;
    let (mut l, mut r) = (sine(300.0, 48e3, n, 0.3), sine(500.0, 48e3, n, 0.3));
    let key = vec![0.0f32; n];
    let channels = [l.as_mut_ptr(), r.as_mut_ptr()];
    let side = [key.as_ptr().cast_mut()];
    let (gate, lim) = (new_kind(c"noise_gate"), new_kind(c"limiter"));
    let mut gr = 0.0f64;
    unsafe {
        for p in [gate, lim] {
            assert_eq!(ml_processor_prepare(p, 48e3, 256, 2), ML_STATUS_OK);
        }
        let allocs = allocs_during(|| {
            let status = ml_processor_process_sidechain_planar(
                gate,
                channels.as_ptr(),
                2,
                side.as_ptr(),
                1,
                n,
            );
            assert_eq!(status, ML_STATUS_OK);
            for p in [gate, lim] {
                assert_eq!(ml_processor_gain_reduction_db(p, &mut gr), ML_STATUS_OK);
            }
        });
        assert_eq!(allocs, 0, "keyed processing and gain-reduction queries must not allocate");
        // The silent key is closing the gate (hold 20 ms, then release).
        assert_eq!(ml_processor_gain_reduction_db(gate, &mut gr), ML_STATUS_OK);
        assert!(gr > 10.0, "{gr}");
        ml_processor_free(gate);
        ml_processor_free(lim);
    }
}

/// A C string as `&str` (static library strings).
fn text<'a>(s: *const c_char) -> &'a str {
    assert!(!s.is_null());
    unsafe { CStr::from_ptr(s) }.to_str().unwrap()
}

/// Channels a kind is run with: stereo if it takes stereo, else mono.
fn test_channels(info: &MlKindInfo) -> usize {
    if info.channels == ML_CHANNELS_ANY { 1 } else { 2 }
}

/// Prepares `p` at 192 kHz (every declared cutoff lies below its Nyquist
/// frequency) and runs a deterministic signal through it in blocks of 256;
/// returns the output.
fn render(p: *mut MlProcessor, channels: usize) -> Vec<Vec<f32>> {
    let mut x: Vec<Vec<f32>> =
        (0..channels).map(|c| sine(110.0 * (c + 1) as f64, 48e3, 3000, 0.5)).collect();
    unsafe {
        assert_eq!(ml_processor_prepare(p, 192e3, 256, channels), ML_STATUS_OK);
        let ptrs: Vec<*mut f32> = x.iter_mut().map(|c| c.as_mut_ptr()).collect();
        assert_eq!(ml_processor_process_planar(p, ptrs.as_ptr(), channels, 3000), ML_STATUS_OK);
    }
    x
}

/// The processor's JSON preset.
fn save_json(p: *mut MlProcessor) -> CString {
    let mut len = 0;
    unsafe {
        assert_eq!(ml_processor_save_json(p, null_mut(), 0, &mut len), ML_STATUS_OK);
        let mut buf = vec![0u8; len + 1];
        let status = ml_processor_save_json(p, buf.as_mut_ptr().cast(), buf.len(), &mut len);
        assert_eq!(status, ML_STATUS_OK);
        CStr::from_bytes_with_nul(&buf).unwrap().to_owned()
    }
}

fn load_json(json: &CStr) -> *mut MlProcessor {
    let mut p = null_mut();
    assert_eq!(unsafe { ml_processor_load_json(json.as_ptr(), &mut p) }, ML_STATUS_OK);
    p
}

/// Every registered kind, through the C functions only: described as the
/// core declares it, created with its defaults, every parameter set to its
/// min, default and max and read back, out-of-range values refused with a
/// message naming the parameter, and a JSON round trip with identical output.
#[test]
fn every_kind_is_described_created_checked_and_round_tripped() {
    assert_eq!(ml_kind_count(), dsp_core::registry::ENTRIES.len());
    for (k, entry) in dsp_core::registry::ENTRIES.iter().enumerate() {
        let core = entry.info;
        let mut info = std::mem::MaybeUninit::<MlKindInfo>::uninit();
        let info = unsafe {
            assert_eq!(ml_kind_info(k, info.as_mut_ptr()), ML_STATUS_OK);
            info.assume_init()
        };
        assert_eq!(text(info.name), core.name);
        assert_eq!(text(info.class_name), core.class);
        assert_eq!(text(info.doc), core.doc);
        assert_eq!(info.param_count, core.params.len());
        assert_eq!(
            (info.sidechain, info.gain_reduction),
            (core.caps.sidechain, core.caps.gain_reduction)
        );
        assert_eq!((info.latency, info.tail), (core.caps.latency, core.caps.tail));
        let mut found = std::mem::MaybeUninit::<MlKindInfo>::uninit();
        let p = unsafe {
            assert_eq!(ml_kind_find(info.name, found.as_mut_ptr()), ML_STATUS_OK);
            assert_eq!(found.assume_init().name, info.name, "strings are built once");
            new_kind(CStr::from_ptr(info.name))
        };
        let mut count = 0;
        unsafe {
            assert_eq!(ml_processor_kind(p, found.as_mut_ptr()), ML_STATUS_OK);
            assert_eq!(found.assume_init().name, info.name);
            assert_eq!(ml_processor_param_count(p, &mut count), ML_STATUS_OK);
        }
        assert_eq!(count, core.params.len());
        for (i, decl) in core.params.iter().enumerate() {
            let mut pi = std::mem::MaybeUninit::<MlParamInfo>::uninit();
            let mut ki = std::mem::MaybeUninit::<MlParamInfo>::uninit();
            let (pi, ki) = unsafe {
                assert_eq!(ml_processor_param_info(p, i, pi.as_mut_ptr()), ML_STATUS_OK);
                assert_eq!(ml_kind_param_info(info.name, i, ki.as_mut_ptr()), ML_STATUS_OK);
                (pi.assume_init(), ki.assume_init())
            };
            assert_eq!((pi.id, pi.doc, pi.choices), (ki.id, ki.doc, ki.choices));
            assert_eq!((text(pi.id), text(pi.unit), text(pi.doc)), (decl.id, decl.unit, decl.doc));
            assert_eq!((pi.min, pi.max, pi.default_value), (decl.min, decl.max, decl.default));
            assert_eq!(pi.smoothing_ms, decl.smoothing_ms);
            assert_eq!(pi.choice_count, decl.choices().len());
            let id = CString::new(decl.id).unwrap();
            let mut index = usize::MAX;
            unsafe {
                assert_eq!(ml_processor_param_index(p, id.as_ptr(), &mut index), ML_STATUS_OK);
            }
            assert_eq!(index, i);
            assert_eq!(get(p, &id), decl.default);
            let above = if decl.max.is_finite() { decl.max + 1.0 } else { f64::NAN };
            for bad in [decl.min - 1.0, above, f64::NAN] {
                assert_eq!(
                    set(p, &id, bad),
                    ML_STATUS_INVALID_ARGUMENT,
                    "{}.{}",
                    core.name,
                    decl.id
                );
                assert!(last_error().contains(decl.id), "{}", last_error());
                assert_eq!(get(p, &id), decl.default, "a refused value changes nothing");
            }
            for good in [decl.min, decl.max, decl.default] {
                assert_eq!(set(p, &id, good), ML_STATUS_OK, "{}.{} = {good}", core.name, decl.id);
                assert_eq!(get(p, &id), good);
                let mut at = f64::NAN;
                unsafe { assert_eq!(ml_processor_param_get_at(p, i, &mut at), ML_STATUS_OK) };
                assert_eq!(at, good);
            }
            // Off the default, inside the range, for the round trip.
            let to = if decl.max.is_finite() { decl.max } else { decl.min };
            let v = match pi.r#type {
                ML_PARAM_TYPE_FLOAT => decl.default + 0.25 * (to - decl.default),
                ML_PARAM_TYPE_INT => (decl.default + 0.25 * (to - decl.default)).round(),
                _ => to,
            };
            unsafe { assert_eq!(ml_processor_param_set_at(p, i, v), ML_STATUS_OK) };
        }
        let json = save_json(p);
        let q = load_json(&json);
        assert_eq!(save_json(q), json);
        let n = test_channels(&info);
        assert_eq!(render(p, n), render(q, n), "{}", core.name);
        unsafe {
            ml_processor_free(p);
            ml_processor_free(q);
        }
    }
}

#[test]
fn unknown_kinds_and_indices_are_reported() {
    let mut p = null_mut();
    let mut info = std::mem::MaybeUninit::<MlKindInfo>::uninit();
    let mut param = std::mem::MaybeUninit::<MlParamInfo>::uninit();
    let mut v = 0.0;
    unsafe {
        assert_eq!(ml_processor_new_kind(c"reverb9000".as_ptr(), &mut p), ML_STATUS_UNKNOWN_NAME);
        assert!(p.is_null());
        let e = last_error();
        assert!(e.contains("reverb9000") && e.contains("gain") && e.contains("chain"), "{e}");
        assert_eq!(ml_kind_find(c"reverb9000".as_ptr(), info.as_mut_ptr()), ML_STATUS_UNKNOWN_NAME);
        assert_eq!(ml_kind_find(c"gain".as_ptr(), null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_kind_info(ml_kind_count(), info.as_mut_ptr()), ML_STATUS_INVALID_ARGUMENT);
        // Gain declares gain_db, invert and bypass.
        let status = ml_kind_param_info(c"gain".as_ptr(), 3, param.as_mut_ptr());
        assert_eq!(status, ML_STATUS_INVALID_ARGUMENT);
        p = new_kind(c"gain");
        assert_eq!(ml_processor_param_info(p, 3, param.as_mut_ptr()), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_processor_param_get_at(p, 3, &mut v), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_processor_param_set_at(p, 3, 0.0), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_processor_param_set_at(p, 0, 99.0), ML_STATUS_INVALID_ARGUMENT);
        let e = last_error();
        assert!(e.contains("gain_db") && e.contains("-150") && e.contains("60"), "{e}");
        assert_eq!(ml_processor_gain_reduction_db(p, &mut 0.0), ML_STATUS_WRONG_KIND);
        ml_processor_free(p);
    }
}

/// A nested chain with bypassed members, saved after parameters were set
/// but before any processing, loads back with identical output; the JSON
/// length is reported whatever the buffer.
#[test]
fn nested_chain_presets_round_trip_and_report_their_length() {
    let inner = new_kind(c"chain");
    let pan = new_kind(c"pan");
    assert_eq!(set(pan, c"pan", 0.4), ML_STATUS_OK);
    assert_eq!(set(pan, c"law", 2.0), ML_STATUS_OK);
    let tool = new_kind(c"channel_tool");
    assert_eq!(set(tool, c"mode", 1.0), ML_STATUS_OK);
    let outer = new_kind(c"chain");
    let gain = new_gain(-4.5);
    assert_eq!(set(gain, c"invert", 1.0), ML_STATUS_OK);
    unsafe {
        assert_eq!(ml_chain_push(inner, pan), ML_STATUS_OK);
        assert_eq!(ml_chain_push(inner, tool), ML_STATUS_OK);
        assert_eq!(set(tool, c"bypass", 1.0), ML_STATUS_OK);
        assert_eq!(ml_chain_push(outer, gain), ML_STATUS_OK);
        assert_eq!(ml_chain_push(outer, inner), ML_STATUS_OK);
        assert_eq!(ml_chain_push(outer, new_width(1.4)), ML_STATUS_OK);
    }
    let json = save_json(outer);
    let s = json.to_str().unwrap();
    assert!(s.contains(r#""gain_db":-4.5"#) && s.contains(r#""law":"compromise""#), "{s}");
    assert!(s.contains(r#""mode":"swap""#) && s.contains(r#""bypass":true"#), "{s}");
    let copy = load_json(&json);
    assert_eq!(save_json(copy), json);
    assert_eq!(render(outer, 2), render(copy, 2));

    let mut len = 0;
    let mut small = [b'x' as c_char; 8];
    unsafe {
        let status = ml_processor_save_json(outer, small.as_mut_ptr(), 8, &mut len);
        assert_eq!(status, ML_STATUS_CAPACITY_EXCEEDED);
        assert_eq!(len, json.as_bytes().len());
        assert_eq!(small[0], 0, "a buffer too small holds an empty string");
        let mut exact = vec![0 as c_char; len];
        let status = ml_processor_save_json(outer, exact.as_mut_ptr(), len, &mut len);
        assert_eq!(status, ML_STATUS_CAPACITY_EXCEEDED, "no room for the NUL");
        assert_eq!(ml_processor_save_json(outer, null_mut(), 8, &mut len), ML_STATUS_NULL_POINTER);
        assert_eq!(
            ml_processor_save_json(outer, small.as_mut_ptr(), 8, null_mut()),
            ML_STATUS_NULL_POINTER
        );

        let mut p = null_mut();
        for (bad, names) in [
            (c"{not json", "invalid preset"),
            (cr#"{"kind": "gain", "params": {"volume": 1}}"#, "volume"),
            (cr#"{"kind": "gain", "params": {"gain_db": 99}}"#, "gain_db"),
            (cr#"{"kind": "chain", "members": [{"kind": "nope"}]}"#, "member 0"),
        ] {
            assert_eq!(ml_processor_load_json(bad.as_ptr(), &mut p), ML_STATUS_INVALID_ARGUMENT);
            assert!(last_error().contains(names), "{}", last_error());
            assert!(p.is_null());
        }
        assert_eq!(ml_processor_load_json(null(), &mut p), ML_STATUS_NULL_POINTER);
        ml_processor_free(outer);
        ml_processor_free(copy);
    }
}

/// A processor handle shared between threads (the C contract: one thread
/// processes, others only call the parameter functions).
#[derive(Clone, Copy)]
struct SharedHandle(*mut MlProcessor);
// SAFETY: the test keeps to the thread rules of the C API.
unsafe impl Send for SharedHandle {}
// SAFETY: as above.
unsafe impl Sync for SharedHandle {}

impl SharedHandle {
    /// The handle (a method, so closures capture the whole `SharedHandle`).
    fn ptr(&self) -> *mut MlProcessor {
        self.0
    }
}

/// Thread A sets parameters through the C functions while thread B
/// processes: neither allocates, and the last value set is what B hears.
#[test]
fn parameters_set_from_another_thread_reach_processing_without_allocating() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let h = SharedHandle(new_gain(0.0));
    unsafe { assert_eq!(ml_processor_prepare(h.ptr(), 48e3, 128, 2), ML_STATUS_OK) };
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let (_, allocs) = count_allocs(|| {
                for i in 0..20_000 {
                    let db = if i % 2 == 0 { -3.0 } else { -9.0 };
                    assert_eq!(set(h.ptr(), c"gain_db", db), ML_STATUS_OK);
                    assert_eq!(unsafe { ml_processor_param_set_at(h.ptr(), 1, 0.0) }, ML_STATUS_OK);
                    let mut v = 0.0;
                    assert_eq!(
                        unsafe { ml_processor_param_get_at(h.ptr(), 0, &mut v) },
                        ML_STATUS_OK
                    );
                    assert!(v == -3.0 || v == -9.0 || v == -12.0);
                }
                assert_eq!(set(h.ptr(), c"gain_db", -12.0), ML_STATUS_OK);
            });
            assert_eq!(allocs, 0, "setting parameters must not allocate");
            done.store(true, Ordering::Release);
        });
        s.spawn(|| {
            let mut l = sine(1000.0, 48e3, 1000, 0.5);
            let mut r = l.clone();
            let mut blocks = 0;
            let (_, allocs) = count_allocs(|| {
                while !done.load(Ordering::Acquire) || blocks < 10 {
                    assert_eq!(run_planar(h.ptr(), &mut l, &mut r), ML_STATUS_OK);
                    l.iter_mut().zip(&mut r).for_each(|(a, b)| *b = *a);
                    blocks += 1;
                }
            });
            assert_eq!(allocs, 0, "processing must not allocate");
        });
    });
    // After the setter thread's last value and the 20 ms glide: -12 dB.
    let x = sine(1000.0, 48e3, 4800, 0.5);
    let (mut l, mut r) = (x.clone(), x.clone());
    assert_eq!(run_planar(h.0, &mut l, &mut r), ML_STATUS_OK);
    let db = 20.0 * (rms(&l[2400..]) / rms(&x[2400..])).log10();
    assert!((db + 12.0).abs() < 1e-3, "{db}");
    assert_eq!(get(h.0, c"gain_db"), -12.0);
    unsafe { ml_processor_free(h.0) };
}

/// Multiband bands are read and set as compressor processors; their
/// gain reductions are rows, readable from any thread.
#[test]
fn multiband_bands_are_compressors_and_report_rows() {
    let m = new_kind(c"multiband_compressor");
    assert_eq!(set(m, c"bands", 4.0), ML_STATUS_OK);
    let hard = new_kind(c"compressor");
    for (id, v) in [(c"threshold_db", -40.0), (c"ratio", 8.0), (c"attack_ms", 0.0)] {
        assert_eq!(set(hard, id, v), ML_STATUS_OK);
    }
    let (mut rows, mut gr, mut band) = (0, 0.0f64, null_mut());
    unsafe {
        assert_eq!(ml_multiband_set_band(m, 3, hard), ML_STATUS_OK, "band 3 of 4");
        assert_eq!(ml_multiband_set_band(m, 4, hard), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_multiband_set_band(m, 0, m), ML_STATUS_WRONG_KIND);
        assert_eq!(ml_multiband_set_band(hard, 0, hard), ML_STATUS_WRONG_KIND);
        assert_eq!(ml_multiband_get_band(m, 3, &mut band), ML_STATUS_OK);
        assert_eq!((get(band, c"threshold_db"), get(band, c"ratio")), (-40.0, 8.0));
        ml_processor_free(band);
        assert_eq!(ml_multiband_get_band(m, 4, &mut band), ML_STATUS_INVALID_ARGUMENT);
        assert!(band.is_null());
        assert_eq!(ml_processor_prepare(m, 48e3, 256, 1), ML_STATUS_OK);
        assert_eq!(ml_processor_gain_reduction_rows(m, &mut rows), ML_STATUS_OK);
        assert_eq!(rows, 4);
        let mut x = sine(15_000.0, 48e3, 4800, 0.5);
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(m, ptrs.as_ptr(), 1, x.len()), ML_STATUS_OK);
        let mut top = 0.0f64;
        assert_eq!(ml_processor_gain_reduction_row_db(m, 3, &mut top), ML_STATUS_OK);
        assert!(top > 10.0, "the hard top band compresses a loud 15 kHz tone: {top}");
        assert_eq!(ml_processor_gain_reduction_db(m, &mut gr), ML_STATUS_OK);
        assert_eq!(gr, top, "the largest row");
        assert_eq!(ml_processor_gain_reduction_row_db(m, 4, &mut gr), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_multiband_set_band_solo(m, 4, true), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_multiband_set_band_solo(m, 1, true), ML_STATUS_OK);
        // The bands survive a preset round trip.
        let copy = load_json(&save_json(m));
        assert_eq!(ml_multiband_get_band(copy, 3, &mut band), ML_STATUS_OK);
        assert_eq!(get(band, c"ratio"), 8.0);
        for p in [m, copy, hard, band] {
            ml_processor_free(p);
        }
    }
}

/// A limiting ratio (infinity) survives a JSON preset: JSON has no
/// infinity, so it is stored as the name "inf".
#[test]
fn infinite_ratio_survives_json() {
    let p = new_kind(c"compressor");
    unsafe {
        assert_eq!(ml_processor_param_set(p, c"ratio".as_ptr(), f64::INFINITY), ML_STATUS_OK);
        let json = save_json(p);
        assert!(json.to_str().unwrap().contains(r#""ratio":"inf""#), "{json:?}");
        let q = load_json(&json);
        let mut ratio = 0.0;
        assert_eq!(ml_processor_param_get(q, c"ratio".as_ptr(), &mut ratio), ML_STATUS_OK);
        assert_eq!(ratio, f64::INFINITY);
        ml_processor_free(p);
        ml_processor_free(q);
    }
}

/// Setters and the audio path never allocate, failing or not: a failure's
/// message is formatted into a fixed per-thread buffer (defect: a band
/// change made 4 heap calls, a channel mismatch 7).
#[test]
fn setters_and_audio_path_errors_do_not_allocate() {
    unsafe {
        let eq = new_kind(c"equalizer");
        let band = new_filter(c"peak_filter", &[(c"cutoff_hz", 1000.0), (c"gain_db", 3.0)]);
        assert_eq!(ml_equalizer_push_band(eq, band), ML_STATUS_OK);
        let gain = new_gain(-3.0);
        let mb = new_kind(c"multiband_compressor");
        let comp = new_kind(c"compressor");
        let chain = new_kind(c"chain");
        let member = new_gain(0.0);
        let found = std::cell::Cell::new(null_mut());
        assert_eq!(ml_chain_push(chain, member), ML_STATUS_OK);
        for p in [eq, gain, mb, chain] {
            assert_eq!(ml_processor_prepare(p, 48_000.0, 256, 2), ML_STATUS_OK);
        }
        let unprepared = new_gain(0.0);
        let (mut l, mut r) = (vec![0.1f32; 256], vec![0.1f32; 256]);
        let mut inter = vec![0.1f32; 512];
        let (mut v, mut gr) = (0.0f64, 0.0f64);
        let (lp, rp, ip) = (l.as_mut_ptr(), r.as_mut_ptr(), inter.as_mut_ptr());
        let (vp, grp) = (&raw mut v, &raw mut gr);
        let one = [lp];
        type Call<'a> = Box<dyn Fn() -> MlStatus + 'a>;
        let cases: Vec<(&str, MlStatus, Call)> = vec![
            (
                "band frequency change",
                ML_STATUS_OK,
                Box::new(|| {
                    set(band, c"cutoff_hz", 1200.0);
                    ml_equalizer_set_band(eq, 0, band)
                }),
            ),
            (
                "band index",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| ml_equalizer_set_band(eq, 9, band)),
            ),
            (
                "band of a wrong kind",
                ML_STATUS_WRONG_KIND,
                Box::new(|| ml_equalizer_set_band(eq, 0, gain)),
            ),
            (
                "set_band on a gain",
                ML_STATUS_WRONG_KIND,
                Box::new(|| ml_equalizer_set_band(gain, 0, band)),
            ),
            ("multiband band", ML_STATUS_OK, Box::new(|| ml_multiband_set_band(mb, 1, comp))),
            (
                "multiband band index",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| ml_multiband_set_band(mb, 9, comp)),
            ),
            ("chain member bypass", ML_STATUS_OK, Box::new(|| set(member, c"bypass", 1.0))),
            (
                "chain member index",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| ml_chain_member(chain, 5, found.as_ptr())),
            ),
            ("param set", ML_STATUS_OK, Box::new(|| set(gain, c"gain_db", -6.0))),
            (
                "param out of range",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| set(gain, c"gain_db", 1e300)),
            ),
            ("param NaN", ML_STATUS_INVALID_ARGUMENT, Box::new(|| set(gain, c"gain_db", f64::NAN))),
            ("unknown param", ML_STATUS_UNKNOWN_NAME, Box::new(|| set(gain, c"no_such_db", 0.0))),
            (
                "param index",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| ml_processor_param_set_at(gain, 99, 0.0)),
            ),
            (
                "param get index",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| ml_processor_param_get_at(gain, 99, vp)),
            ),
            (
                "channel mismatch",
                ML_STATUS_CHANNEL_MISMATCH,
                Box::new(|| ml_processor_process_planar(gain, one.as_ptr(), 1, 256)),
            ),
            (
                "interleaved mismatch",
                ML_STATUS_CHANNEL_MISMATCH,
                Box::new(|| ml_processor_process_interleaved(gain, ip, 1, 512)),
            ),
            (
                "not prepared",
                ML_STATUS_NOT_PREPARED,
                Box::new(|| {
                    let ptrs = [lp, rp];
                    ml_processor_process_planar(unprepared, ptrs.as_ptr(), 2, 256)
                }),
            ),
            (
                "NULL channels",
                ML_STATUS_NULL_POINTER,
                Box::new(|| ml_processor_process_planar(gain, null(), 2, 256)),
            ),
            ("NULL handle", ML_STATUS_NULL_POINTER, Box::new(|| ml_processor_reset(null_mut()))),
            (
                "no sidechain",
                ML_STATUS_WRONG_KIND,
                Box::new(|| {
                    let ptrs = [lp, rp];
                    let key = [ip];
                    ml_processor_process_sidechain_planar(
                        gain,
                        ptrs.as_ptr(),
                        2,
                        key.as_ptr(),
                        1,
                        256,
                    )
                }),
            ),
            (
                "no gain reduction",
                ML_STATUS_WRONG_KIND,
                Box::new(|| ml_processor_gain_reduction_db(gain, grp)),
            ),
            (
                "gain-reduction row",
                ML_STATUS_INVALID_ARGUMENT,
                Box::new(|| ml_processor_gain_reduction_row_db(mb, 99, grp)),
            ),
            ("reset", ML_STATUS_OK, Box::new(|| ml_processor_reset(eq))),
        ];
        for (name, want, call) in &cases {
            call(); // warm up: the first failure on a thread touches its buffer
            let (status, allocs) = count_allocs(call);
            assert_eq!(status, *want, "{name}: {}", last_error());
            assert_eq!(allocs, 0, "{name} allocated ({})", last_error());
        }
        for p in [eq, band, gain, mb, comp, chain, unprepared] {
            ml_processor_free(p);
        }
    }
}

/// A pushed member stays reachable (defect: the chain consumed the handle,
/// so a host could not automate its compressor or read its gain reduction,
/// and the old pointer was a silent use-after-free).
#[test]
fn chain_members_are_reachable_for_parameters_and_gain_reduction() {
    let chain = new_kind(c"chain");
    let comp = new_kind(c"compressor");
    let gain = new_gain(0.0);
    let x = sine(1000.0, 48e3, 9600, 0.9);
    let run = |chain| {
        let mut y = x.clone();
        let ptrs = [y.as_mut_ptr()];
        assert_eq!(unsafe { ml_processor_reset(chain) }, ML_STATUS_OK);
        assert_eq!(
            unsafe { ml_processor_process_planar(chain, ptrs.as_ptr(), 1, 9600) },
            ML_STATUS_OK
        );
        20.0 * (rms(&y[4800..]) / rms(&x[4800..])).log10()
    };
    unsafe {
        assert_eq!(ml_chain_push(chain, comp), ML_STATUS_OK);
        assert_eq!(ml_chain_push(chain, gain), ML_STATUS_OK);
        assert_eq!(ml_chain_push(chain, gain), ML_STATUS_INVALID_ARGUMENT, "already in a chain");
        assert_eq!(ml_processor_prepare(chain, 48e3, 512, 1), ML_STATUS_OK);
        let mut found = null_mut();
        assert_eq!(ml_chain_member(chain, 0, &mut found), ML_STATUS_OK);
        assert_eq!(found, comp);
        assert_eq!(ml_chain_member(chain, 2, &mut found), ML_STATUS_INVALID_ARGUMENT);
        // Parameters through the kept handles (any thread may do this).
        assert_eq!(set(comp, c"threshold_db", -30.0), ML_STATUS_OK);
        assert_eq!(set(comp, c"ratio", 4.0), ML_STATUS_OK);
        assert_eq!(set(gain, c"gain_db", -6.0), ML_STATUS_OK);
        let db = run(chain);
        let mut gr = 0.0f64;
        assert_eq!(ml_processor_gain_reduction_db(comp, &mut gr), ML_STATUS_OK);
        // -0.9 dBFS sine peak ~ -3.9 dB RMS: about 19.5 dB over -30 dB at 4:1.
        assert!(gr > 10.0, "member gain reduction {gr} dB");
        assert!((db + gr + 6.0).abs() < 1.5, "chain {db} dB, member GR {gr} dB");
        set(comp, c"ratio", 1.0);
        assert!((run(chain) + 6.0).abs() < 0.05, "ratio 1: only the gain member");
        // The chain prepares, processes, resets and frees its members.
        let ptrs = [x.as_ptr().cast_mut()];
        assert_eq!(ml_processor_prepare(comp, 48e3, 512, 1), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(
            ml_processor_process_planar(comp, ptrs.as_ptr(), 1, 10),
            ML_STATUS_INVALID_ARGUMENT
        );
        assert!(last_error().contains("belongs to a chain"), "{}", last_error());
        ml_processor_free(comp); // a no-op: the chain owns it
        assert_eq!(set(comp, c"ratio", 2.0), ML_STATUS_OK);
        // The preset holds what was set through the member handles; a loaded
        // chain's members are reached by index alike.
        let json = save_json(chain);
        assert!(json.to_str().unwrap().contains("\"gain_db\":-6"), "{json:?}");
        let loaded = load_json(&json);
        assert_eq!(ml_processor_prepare(loaded, 48e3, 512, 1), ML_STATUS_OK);
        let mut member = null_mut();
        assert_eq!(ml_chain_member(loaded, 1, &mut member), ML_STATUS_OK);
        assert_eq!(get(member, c"gain_db"), -6.0);
        assert_eq!(set(member, c"gain_db", -12.0), ML_STATUS_OK);
        set(comp, c"ratio", 1.0);
        let mut first = null_mut();
        assert_eq!(ml_chain_member(loaded, 0, &mut first), ML_STATUS_OK);
        set(first, c"ratio", 1.0);
        assert!((run(loaded) + 12.0).abs() < 0.05);
        ml_processor_free(loaded);
        ml_processor_free(chain);
    }
}

mod mixer {
    use super::*;
    use crate::mixer::*;

    fn new_mixer() -> *mut MlMixer {
        let mut m = null_mut();
        assert_eq!(unsafe { ml_mixer_new(48e3, 512, &mut m) }, ML_STATUS_OK);
        m
    }

    /// Renders `n` samples of mono tracks `x` (one per track) through `m`.
    fn render(m: *mut MlMixer, x: &[&[f32]], n: usize) -> [Vec<f32>; 2] {
        let chans: Vec<[*mut f32; 1]> = x.iter().map(|t| [t.as_ptr().cast_mut()]).collect();
        let tracks: Vec<*const *mut f32> = chans.iter().map(|c| c.as_ptr()).collect();
        let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
        let status =
            unsafe { ml_mixer_process(m, tracks.as_ptr(), l.as_mut_ptr(), r.as_mut_ptr(), n) };
        assert_eq!(status, ML_STATUS_OK, "{}", last_error());
        [l, r]
    }

    fn add_track(m: *mut MlMixer, name: &CStr) -> usize {
        let mut i = usize::MAX;
        assert_eq!(unsafe { ml_mixer_add_track(m, name.as_ptr(), 1, &mut i) }, ML_STATUS_OK);
        i
    }

    /// `ml_mixer_render` on two threads equals the stream of
    /// `ml_mixer_process` without its latency, to the bit; then the length
    /// query, the tail, a short buffer and NULLs.
    #[test]
    fn render_equals_the_stream_without_its_latency() {
        unsafe {
            let m = new_mixer();
            let (a, b) = (add_track(m, c"limited"), add_track(m, c"echo"));
            let lim = new_kind(c"limiter");
            set(lim, c"ceiling_db", -6.0);
            assert_eq!(ml_mixer_insert_push(m, ML_MIXER_TRACK, a, lim), ML_STATUS_OK);
            let delay = new_kind(c"delay");
            set(delay, c"feedback", 0.5);
            assert_eq!(ml_mixer_insert_push(m, ML_MIXER_TRACK, b, delay), ML_STATUS_OK);
            assert_eq!(ml_mixer_prepare(m), ML_STATUS_OK);
            let (mut latency, mut tail) = (0, 0);
            assert_eq!(ml_mixer_latency(m, &mut latency), ML_STATUS_OK);
            assert_eq!(ml_mixer_tail(m, &mut tail), ML_STATUS_OK);
            assert!(latency > 0 && tail > 0, "{latency} {tail}");
            let n = 20_000;
            let (x, y) = (sine(440.0, 48e3, n, 0.9), sine(1000.0, 48e3, n, 0.3));
            let chans = [[x.as_ptr().cast_mut()], [y.as_ptr().cast_mut()]];
            let tracks = [chans[0].as_ptr(), chans[1].as_ptr()];
            let offline = |tail: bool, len: &mut usize, out: Option<&mut [Vec<f32>; 2]>| {
                let (l, r, cap) = match out {
                    Some([l, r]) => (l.as_mut_ptr(), r.as_mut_ptr(), l.len()),
                    None => (null_mut(), null_mut(), 0),
                };
                ml_mixer_render(m, tracks.as_ptr(), n, tail, 2, l, r, cap, len, std::ptr::null())
            };
            let mut len = 0;
            assert_eq!(offline(false, &mut len, None), ML_STATUS_OK);
            assert_eq!(len, n);
            let mut out = [vec![0.0f32; n], vec![0.0f32; n]];
            assert_eq!(offline(false, &mut len, Some(&mut out)), ML_STATUS_OK, "{}", last_error());
            // The stream of the same input, padded by the latency.
            let pad = |v: &[f32]| [v, &vec![0.0; latency][..]].concat();
            assert_eq!(ml_mixer_reset(m), ML_STATUS_OK);
            let [l, r] = render(m, &[&pad(&x), &pad(&y)], n + latency);
            assert!(out[0] == l[latency..] && out[1] == r[latency..]);
            assert!(out[0].iter().any(|v| v.abs() > 0.1));
            // With the tail: longer, and the echo rings on past the input.
            assert_eq!(offline(true, &mut len, None), ML_STATUS_OK);
            assert_eq!(len, n + tail);
            let mut long = [vec![0.0f32; len], vec![0.0f32; len]];
            assert_eq!(offline(true, &mut len, Some(&mut long)), ML_STATUS_OK);
            assert!(long[0][..n] == out[0][..] && long[0][n..].iter().any(|v| v.abs() > 1e-3));
            // Too short a buffer renders nothing; NULLs are refused.
            let mut short = [vec![7.0f32; n - 1], vec![7.0f32; n - 1]];
            assert_eq!(offline(false, &mut len, Some(&mut short)), ML_STATUS_CAPACITY_EXCEEDED);
            assert!(short[0].iter().all(|&v| v == 7.0));
            assert_eq!(
                ml_mixer_render(
                    m,
                    tracks.as_ptr(),
                    n,
                    false,
                    1,
                    null_mut(),
                    null_mut(),
                    0,
                    null_mut(),
                    std::ptr::null()
                ),
                ML_STATUS_NULL_POINTER
            );
            let (l, r) = (out[0].as_mut_ptr(), out[1].as_mut_ptr());
            assert_eq!(
                ml_mixer_render(
                    m,
                    std::ptr::null(),
                    n,
                    false,
                    1,
                    l,
                    r,
                    n,
                    &mut len,
                    std::ptr::null()
                ),
                ML_STATUS_NULL_POINTER
            );
            ml_mixer_free(m);
        }
    }

    /// Latency compensation through the C API: a track through a lookahead
    /// limiter against an inverted dry copy nulls after the latency.
    #[test]
    fn latency_is_compensated_and_sessions_round_trip() {
        unsafe {
            let m = new_mixer();
            let (a, b) = (add_track(m, c"limited"), add_track(m, c"dry"));
            let lim = new_kind(c"limiter");
            set(lim, c"ceiling_db", 0.0);
            assert_eq!(ml_mixer_insert_push(m, ML_MIXER_TRACK, a, lim), ML_STATUS_OK);
            assert_eq!(
                ml_mixer_param_set(m, ML_MIXER_TRACK, b, c"invert_polarity".as_ptr(), 1.0),
                ML_STATUS_OK
            );
            assert_eq!(ml_mixer_prepare(m), ML_STATUS_OK);
            let mut latency = 0;
            assert_eq!(ml_mixer_latency(m, &mut latency), ML_STATUS_OK);
            let mut lim_latency = 0;
            // The insert's handle is still the host's to read (not to process).
            let mut insert = null_mut();
            assert_eq!(ml_mixer_insert(m, ML_MIXER_TRACK, a, 0, &mut insert), ML_STATUS_OK);
            assert_eq!(insert, lim);
            assert_eq!(get(insert, c"ceiling_db"), 0.0);
            assert_eq!(ml_processor_latency(lim, &mut lim_latency), ML_STATUS_OK);
            assert!(latency >= lim_latency && latency > 0, "{latency} vs {lim_latency}");
            let x = sine(440.0, 48e3, 9600, 0.25);
            let [l, r] = render(m, &[&x, &x], 9600);
            let residual = l.iter().chain(&r).fold(0.0f32, |p, v| p.max(v.abs()));
            assert!(20.0 * f64::from(residual).log10() <= -120.0, "residual {residual}");
            // Without the inverted copy, the limited track arrives `latency` late.
            ml_mixer_param_set(m, ML_MIXER_TRACK, b, c"mute".as_ptr(), 1.0);
            ml_mixer_reset(m);
            let [l, _] = render(m, &[&x, &x], 9600);
            let gain = std::f32::consts::FRAC_1_SQRT_2; // centre pan, constant power
            for i in (latency..9600).step_by(97) {
                assert!((l[i] - gain * x[i - latency]).abs() < 1e-5, "sample {i}");
            }
            // JSON round trip: the loaded session renders bit-identically.
            let mut len = 0;
            assert_eq!(ml_mixer_save_json(m, null_mut(), 0, &mut len), ML_STATUS_OK);
            let mut buf = vec![0u8; len + 1];
            assert_eq!(
                ml_mixer_save_json(m, buf.as_mut_ptr().cast(), buf.len(), &mut len),
                ML_STATUS_OK
            );
            let mut loaded = null_mut();
            assert_eq!(
                ml_mixer_load_json(buf.as_ptr().cast(), 512, &mut loaded),
                ML_STATUS_OK,
                "{}",
                last_error()
            );
            ml_mixer_reset(m);
            assert_eq!(render(m, &[&x, &x], 9600), render(loaded, &[&x, &x], 9600));
            let mut meter = MlMixerMeter {
                sample_peak_dbfs: 0.0,
                integrated_lufs: 0.0,
                max_momentary_lufs: 0.0,
                max_short_term_lufs: 0.0,
            };
            assert_eq!(ml_mixer_meter(loaded, ML_MIXER_TRACK, 0, &mut meter), ML_STATUS_OK);
            assert!(
                (meter.sample_peak_dbfs - 20.0 * (0.25 * std::f64::consts::FRAC_1_SQRT_2).log10())
                    .abs()
                    < 0.1,
                "{meter:?}"
            );
            ml_mixer_free(loaded);
            ml_mixer_free(m);
        }
    }

    /// The balance helper through C: two stems 20 dB apart come out at the
    /// requested loudness difference (measured on the mix, one at a time).
    #[test]
    fn balance_sets_faders_to_the_requested_loudness() {
        unsafe {
            let m = new_mixer();
            let (a, b) = (add_track(m, c"loud"), add_track(m, c"quiet"));
            assert_eq!(ml_mixer_prepare(m), ML_STATUS_OK);
            let loud = sine(440.0, 48e3, 96_000, 0.5);
            let quiet = sine(660.0, 48e3, 96_000, 0.05);
            let chans = [[loud.as_ptr().cast_mut()], [quiet.as_ptr().cast_mut()]];
            let tracks = [chans[0].as_ptr(), chans[1].as_ptr()];
            let offsets = [0.0, -6.0];
            let mut faders = [0.0; 2];
            let status = ml_mixer_balance(
                m,
                tracks.as_ptr(),
                96_000,
                offsets.as_ptr(),
                -23.0,
                faders.as_mut_ptr(),
                2,
            );
            assert_eq!(status, ML_STATUS_OK, "{}", last_error());
            // Each track alone (the other muted), measured on the output.
            let mut lufs = [0.0; 2];
            for (t, other) in [(a, b), (b, a)] {
                ml_mixer_param_set(m, ML_MIXER_TRACK, other, c"mute".as_ptr(), 1.0);
                ml_mixer_param_set(m, ML_MIXER_TRACK, t, c"mute".as_ptr(), 0.0);
                ml_mixer_reset(m);
                let [l, r] = render(m, &[&loud, &quiet], 96_000);
                let ptrs = [l.as_ptr().cast_mut(), r.as_ptr().cast_mut()];
                let mut report = std::mem::MaybeUninit::uninit();
                assert_eq!(
                    ml_measure(
                        ptrs.as_ptr(),
                        2,
                        96_000,
                        48e3,
                        report.as_mut_ptr(),
                        std::ptr::null()
                    ),
                    ML_STATUS_OK
                );
                lufs[t] = report.assume_init().integrated_lufs;
            }
            assert!((lufs[a] - lufs[b] - 6.0).abs() < 0.1, "{lufs:?} with faders {faders:?}");
            let bad = [0.0];
            let status = ml_mixer_balance(
                m,
                tracks.as_ptr(),
                96_000,
                bad.as_ptr(),
                -23.0,
                faders.as_mut_ptr(),
                1,
            );
            assert_eq!(status, ML_STATUS_LENGTH_MISMATCH);
            ml_mixer_free(m);
        }
    }

    #[test]
    fn sends_automation_errors_and_no_allocation() {
        unsafe {
            let m = new_mixer();
            let t = add_track(m, c"vox");
            let mut bus = usize::MAX;
            assert_eq!(ml_mixer_add_bus(m, c"fx".as_ptr(), &mut bus), ML_STATUS_OK);
            assert_eq!(ml_mixer_send(m, t, bus, -6.0, false), ML_STATUS_OK);
            assert_eq!(ml_mixer_send(m, t, 7, -6.0, false), ML_STATUS_INVALID_ARGUMENT);
            // The send alone: the track's direct path muted through its fader.
            assert_eq!(
                ml_mixer_param_set(m, ML_MIXER_TRACK, t, c"gain_db".as_ptr(), -150.0),
                ML_STATUS_OK
            );
            assert_eq!(ml_mixer_send(m, t, bus, -6.0, true), ML_STATUS_OK); // pre-fader
            let x = vec![0.5f32; 4800];
            let [l, _] = {
                let process = |m| render(m, &[&x], 4800);
                assert_eq!(ml_mixer_prepare(m), ML_STATUS_OK);
                process(m)
            };
            let want = 0.5 * std::f32::consts::FRAC_1_SQRT_2 * 10f32.powf(-6.0 / 20.0);
            assert!((l[4000] - want).abs() < 1e-4, "pre-fader send: {} vs {want}", l[4000]);
            let mut v = 0.0;
            let path = c"sends.fx.level_db";
            assert_eq!(
                ml_mixer_param_get(m, ML_MIXER_TRACK, t, path.as_ptr(), &mut v),
                ML_STATUS_OK
            );
            assert_eq!(v, -6.0);
            // Automation of the master's fader lands on its sample.
            let (times, values) = ([0.05, 0.05], [0.0, -20.0]);
            let gain = c"gain_db";
            assert_eq!(
                ml_mixer_automate(
                    m,
                    ML_MIXER_MASTER,
                    0,
                    gain.as_ptr(),
                    times.as_ptr(),
                    values.as_ptr(),
                    2
                ),
                ML_STATUS_OK
            );
            ml_mixer_reset(m);
            let [l, _] = render(m, &[&x], 4800);
            assert!(
                (l[2399] - want).abs() < 1e-4 && l[2400 + 960 * 2] < want * 0.2,
                "{} {}",
                l[2399],
                l[4319]
            );
            // Errors name what is wrong; none allocates on the audio path.
            let bad = [
                (
                    ml_mixer_param_set(m, ML_MIXER_BUS, 9, gain.as_ptr(), 0.0),
                    ML_STATUS_INVALID_ARGUMENT,
                ),
                (
                    ml_mixer_param_set(m, ML_MIXER_TRACK, t, c"nope_db".as_ptr(), 0.0),
                    ML_STATUS_UNKNOWN_NAME,
                ),
                (
                    ml_mixer_param_set(m, ML_MIXER_TRACK, t, gain.as_ptr(), 99.0),
                    ML_STATUS_INVALID_ARGUMENT,
                ),
                (
                    ml_mixer_param_set(m, MlMixerOwner(7), 0, gain.as_ptr(), 0.0),
                    ML_STATUS_UNKNOWN_NAME,
                ),
                (ml_mixer_process(m, null(), null_mut(), null_mut(), 8), ML_STATUS_NULL_POINTER),
                (ml_mixer_prepare(null_mut()), ML_STATUS_NULL_POINTER),
            ];
            for (i, (got, want)) in bad.into_iter().enumerate() {
                assert_eq!(got, want, "case {i}: {}", last_error());
            }
            let chans = [x.as_ptr().cast_mut()];
            let tracks = [chans.as_ptr()];
            let (mut l, mut r) = (vec![0.0f32; 4800], vec![0.0f32; 4800]);
            let allocs = allocs_during(|| {
                ml_mixer_process(m, tracks.as_ptr(), l.as_mut_ptr(), r.as_mut_ptr(), 4800);
                ml_mixer_param_set(m, ML_MIXER_TRACK, t, c"pan".as_ptr(), 0.3);
                ml_mixer_param_set(m, ML_MIXER_TRACK, 5, c"pan".as_ptr(), 0.3);
                ml_mixer_param_set(m, MlMixerOwner(7), 0, c"pan".as_ptr(), 0.3);
                ml_mixer_reset(m);
            });
            assert_eq!(allocs, 0);
            // Routed to the bus (a group), the track is heard only through it.
            assert_eq!(ml_mixer_route(m, t, ML_MIXER_BUS, bus), ML_STATUS_OK);
            assert_eq!(ml_mixer_route(m, t, ML_MIXER_TRACK, 0), ML_STATUS_INVALID_ARGUMENT);
            assert_eq!(ml_mixer_send(m, t, bus, -150.0, false), ML_STATUS_OK);
            ml_mixer_param_set(m, ML_MIXER_TRACK, t, c"gain_db".as_ptr(), -6.0);
            ml_mixer_param_set(m, ML_MIXER_TRACK, t, c"pan".as_ptr(), 0.0);
            ml_mixer_param_set(m, ML_MIXER_BUS, bus, c"gain_db".as_ptr(), -6.0);
            ml_mixer_automate(m, ML_MIXER_MASTER, 0, gain.as_ptr(), null(), null(), 0);
            ml_mixer_param_set(m, ML_MIXER_MASTER, 0, gain.as_ptr(), 0.0);
            assert_eq!(ml_mixer_prepare(m), ML_STATUS_OK);
            let [grouped, _] = render(m, &[&x], 4800);
            let routed = 0.5 * std::f32::consts::FRAC_1_SQRT_2 * 10f32.powf(-12.0 / 20.0);
            let got = grouped[4000];
            assert!((got - routed).abs() < 1e-4, "routed: {got} vs {routed}");
            let mut added = 0;
            assert_eq!(
                ml_mixer_add_track(m, c"vox".as_ptr(), 1, &mut added),
                ML_STATUS_INVALID_ARGUMENT
            );
            assert_eq!(ml_mixer_add_track(m, c"late".as_ptr(), 1, &mut added), ML_STATUS_OK);
            let two = [chans.as_ptr(), chans.as_ptr()];
            assert_eq!(
                ml_mixer_process(m, two.as_ptr(), l.as_mut_ptr(), r.as_mut_ptr(), 8),
                ML_STATUS_NOT_PREPARED
            );
            ml_mixer_free(m);
        }
    }
}

/// Every kind is bypassed by its `bypass` parameter, its last: bypassed, a
/// limiter outputs its input delayed by its lookahead, which it still
/// reports as its latency.
#[test]
fn every_kind_declares_bypass_and_keeps_its_latency_bypassed() {
    let mut info = std::mem::MaybeUninit::<MlKindInfo>::uninit();
    let mut param = std::mem::MaybeUninit::<MlParamInfo>::uninit();
    unsafe {
        for i in 0..ml_kind_count() {
            assert_eq!(ml_kind_info(i, info.as_mut_ptr()), ML_STATUS_OK);
            let kind = info.assume_init_ref();
            let last = kind.param_count - 1;
            assert_eq!(ml_kind_param_info(kind.name, last, param.as_mut_ptr()), ML_STATUS_OK);
            assert_eq!(CStr::from_ptr(param.assume_init_ref().id), c"bypass");
        }
        let p = new_kind(c"limiter");
        assert_eq!(set(p, c"ceiling_db", -20.0), ML_STATUS_OK);
        assert_eq!(set(p, c"bypass", 1.0), ML_STATUS_OK);
        assert_eq!(ml_processor_prepare(p, 48_000.0, 256, 1), ML_STATUS_OK);
        let mut latency = 0;
        assert_eq!(ml_processor_latency(p, &mut latency), ML_STATUS_OK);
        assert!(latency > 0);
        let mut x = vec![0.0f32; 2048];
        x[0] = 1.0;
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(p, ptrs.as_ptr(), 1, x.len()), ML_STATUS_OK);
        let at = x.iter().position(|&v| v != 0.0);
        assert_eq!((at, x[latency]), (Some(latency), 1.0));
        ml_processor_free(p);
    }
}
