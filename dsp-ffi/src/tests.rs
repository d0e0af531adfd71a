//! Tests of the exported functions through their C signatures.

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use dsp_core::{Error, ProcessSpec, Processor};

use crate::chain::*;
use crate::dynamics::*;
use crate::filters::*;
use crate::loudness::*;
use crate::meter::*;
use crate::mix::*;
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

fn new_gain(gain_db: f64) -> *mut MlProcessor {
    let mut p = null_mut();
    let config = MlGainConfig { gain_db, ..ml_gain_config_default() };
    assert_eq!(unsafe { ml_gain_new(&config, &mut p) }, ML_STATUS_OK);
    p
}

fn new_width(width: f64) -> *mut MlProcessor {
    let mut p = null_mut();
    let config = MlStereoWidthConfig { width, ..ml_stereo_width_config_default() };
    assert_eq!(unsafe { ml_stereo_width_new(&config, &mut p) }, ML_STATUS_OK);
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
    let status = unsafe { new_processor(&mut p, || Ok::<_, Fail>(Boom { armed: false })) };
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
            ml_gain_set_gain_db(p, 0.0),
        ] {
            assert_eq!(status, ML_STATUS_POISONED);
        }
        let mut other = null_mut();
        assert_eq!(ml_chain_new(&mut other), ML_STATUS_OK);
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
        assert_eq!(ml_gain_new(null(), &mut null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_gain_new(&ml_gain_config_default(), null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_processor_prepare(null_mut(), 48e3, 64, 1), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_gain_get_gain_db(g, null_mut()), ML_STATUS_NULL_POINTER);
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
        assert_eq!(ml_gain_set_gain_db(g, f64::NAN), ML_STATUS_INVALID_ARGUMENT);
        assert!(last_error().contains("gain_db"), "{}", last_error());
        assert_eq!(ml_gain_get_gain_db(g, &mut out), ML_STATUS_OK);
        assert_eq!(out, -6.0, "a rejected value leaves the setting unchanged");
        assert_eq!(ml_pan_set_pan(g, 0.5), ML_STATUS_WRONG_KIND);
        assert!(last_error().contains("Pan"), "{}", last_error());
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

#[test]
fn enum_values_outside_the_constants_are_unknown_names() {
    let mut p = null_mut();
    let config = MlPanConfig { law: MlPanLaw(7), ..ml_pan_config_default() };
    unsafe {
        assert_eq!(ml_pan_new(&config, &mut p), ML_STATUS_UNKNOWN_NAME);
        assert!(p.is_null());
        assert_eq!(ml_pan_new(&ml_pan_config_default(), &mut p), ML_STATUS_OK);
        assert_eq!(ml_pan_set_source(p, MlPanSource(-3)), ML_STATUS_UNKNOWN_NAME);
        assert_eq!(ml_pan_set_law(p, ML_PAN_LAW_LINEAR), ML_STATUS_OK);
        let mut law = MlPanLaw(-1);
        assert_eq!(ml_pan_get_law(p, &mut law), ML_STATUS_OK);
        assert_eq!(law, ML_PAN_LAW_LINEAR);
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
        assert_eq!(ml_stereo_width_set_width(a, 0.3), ML_STATUS_OK);
        assert_eq!(ml_stereo_width_set_width(b, 0.3), ML_STATUS_OK);
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
    let mut pan = null_mut();
    let x = sine(1000.0, 48e3, 4800, 0.5);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut mono = x.clone();
    unsafe {
        assert_eq!(ml_processor_prepare(g, 48e3, 512, 1), ML_STATUS_OK);
        let ptrs = [mono.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(g, ptrs.as_ptr(), 1, mono.len()), ML_STATUS_OK);
        let config = MlPanConfig { source: ML_PAN_SOURCE_MONO, ..ml_pan_config_default() };
        assert_eq!(ml_pan_new(&config, &mut pan), ML_STATUS_OK);
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

#[test]
fn chain_owns_members_and_bypasses_them() {
    let mut chain = null_mut();
    let mut len = 0;
    let mut bypassed = true;
    let x = sine(1000.0, 48e3, 2048, 0.5);
    unsafe {
        assert_eq!(ml_chain_new(&mut chain), ML_STATUS_OK);
        assert_eq!(ml_chain_push(chain, chain), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_chain_push(chain, null_mut()), ML_STATUS_NULL_POINTER);
        assert_eq!(ml_chain_push(chain, new_gain(-6.0)), ML_STATUS_OK);
        assert_eq!(ml_chain_push(chain, new_gain(-6.0)), ML_STATUS_OK);
        assert_eq!(ml_chain_len(chain, &mut len), ML_STATUS_OK);
        assert_eq!(len, 2);
        assert_eq!(ml_chain_get_bypassed(chain, 1, &mut bypassed), ML_STATUS_OK);
        assert!(!bypassed);
        assert_eq!(ml_chain_set_bypassed(chain, 2, true), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_chain_set_bypassed(chain, 1, true), ML_STATUS_OK);
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
        assert_eq!(ml_gain_set_gain_db(chain, 0.0), ML_STATUS_WRONG_KIND);
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
        let ptrs = [l.as_ptr(), r.as_ptr()];
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

#[test]
fn filter_bands_round_trip_and_are_validated() {
    let mut f = null_mut();
    let mut band = MlBand { gain_db: 4.0, q: 2.0, ..ml_band_default(ML_FILTER_KIND_PEAK, 2500.0) };
    let mut got = ml_band_default(ML_FILTER_KIND_LOW_PASS, 1.0);
    unsafe {
        assert_eq!(ml_filter_new(&band, &mut f), ML_STATUS_OK);
        assert_eq!(ml_filter_get_band(f, &mut got), ML_STATUS_OK);
        assert_eq!(got, band);
        band.design = ML_DESIGN_MATCHED;
        band.cutoff_hz = 3000.0;
        assert_eq!(ml_filter_set_band(f, &band), ML_STATUS_OK);
        assert_eq!(ml_filter_set_gain_db(f, -3.0), ML_STATUS_OK);
        assert_eq!(ml_filter_get_band(f, &mut got), ML_STATUS_OK);
        assert_eq!(got, MlBand { gain_db: -3.0, ..band });
        for (bad, status) in [
            (MlBand { kind: MlFilterKind(8), ..band }, ML_STATUS_UNKNOWN_NAME),
            (MlBand { design: MlDesign(-1), ..band }, ML_STATUS_UNKNOWN_NAME),
            (MlBand { order: 258, ..band }, ML_STATUS_INVALID_ARGUMENT),
            (MlBand { order: 4, ..band }, ML_STATUS_INVALID_ARGUMENT),
            (MlBand { q: f64::NAN, ..band }, ML_STATUS_INVALID_ARGUMENT),
            (MlBand { cutoff_hz: 0.0, ..band }, ML_STATUS_INVALID_ARGUMENT),
        ] {
            assert_eq!(ml_filter_set_band(f, &bad), status, "{bad:?}");
            let mut other = null_mut();
            assert_eq!(ml_filter_new(&bad, &mut other), status, "{bad:?}");
        }
        assert_eq!(ml_filter_get_band(f, &mut got), ML_STATUS_OK);
        assert_eq!(got.gain_db, -3.0, "rejected bands change nothing");
        assert_eq!(ml_equalizer_set_band(f, 0, &band), ML_STATUS_WRONG_KIND);
        ml_processor_free(f);
    }
}

#[test]
fn cutoff_at_or_above_nyquist_fails_at_prepare() {
    let mut f = null_mut();
    let band = ml_band_default(ML_FILTER_KIND_HIGH_PASS, 30_000.0);
    unsafe {
        assert_eq!(ml_filter_new(&band, &mut f), ML_STATUS_OK);
        assert_eq!(ml_processor_prepare(f, 48e3, 64, 2), ML_STATUS_ABOVE_NYQUIST);
        assert!(last_error().contains("Nyquist"), "{}", last_error());
        let mut x = [0.0f32; 4];
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(f, ptrs.as_ptr(), 1, 4), ML_STATUS_NOT_PREPARED);
        assert_eq!(ml_processor_prepare(f, 96e3, 64, 1), ML_STATUS_OK);
        assert_eq!(ml_processor_process_planar(f, ptrs.as_ptr(), 1, 4), ML_STATUS_OK);
        ml_processor_free(f);
    }
}

#[test]
fn equalizer_response_matches_measured_sine_gain() {
    let bands = [
        MlBand { gain_db: 6.0, q: 1.0, ..ml_band_default(ML_FILTER_KIND_PEAK, 1000.0) },
        MlBand { gain_db: -4.0, ..ml_band_default(ML_FILTER_KIND_HIGH_SHELF, 6000.0) },
    ];
    let freqs = [250.0, 1000.0, 3000.0, 12_000.0];
    let mut mags = [0.0; 4];
    let mut eq = null_mut();
    let mut len = 0;
    unsafe {
        assert_eq!(ml_equalizer_new(bands.as_ptr(), 2, &mut eq), ML_STATUS_OK);
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

        let mut got = ml_band_default(ML_FILTER_KIND_NOTCH, 1.0);
        assert_eq!(ml_equalizer_get_band(eq, 1, &mut got), ML_STATUS_OK);
        assert_eq!(got, bands[1]);
        assert_eq!(ml_equalizer_get_band(eq, 2, &mut got), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_equalizer_push_band(eq, &bands[0]), ML_STATUS_OK);
        assert_eq!(ml_equalizer_remove_band(eq, 0), ML_STATUS_OK);
        assert_eq!(ml_equalizer_remove_band(eq, 5), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_equalizer_len(eq, &mut len), ML_STATUS_OK);
        assert_eq!(len, 2);
        ml_processor_free(eq);

        assert_eq!(ml_equalizer_new(null(), 0, &mut eq), ML_STATUS_OK);
        ml_processor_free(eq);
        assert_eq!(ml_equalizer_new(null(), 1, &mut eq), ML_STATUS_NULL_POINTER);
    }
}

#[test]
fn dc_blocker_removes_dc() {
    assert_eq!(ML_DC_BLOCKER_DEFAULT_CUTOFF_HZ, dsp_core::filters::DEFAULT_DC_CUTOFF_HZ);
    let mut d = null_mut();
    let mut x = vec![0.5f32; 48_000];
    unsafe {
        assert_eq!(ml_dc_blocker_new(-1.0, &mut d), ML_STATUS_INVALID_ARGUMENT);
        assert_eq!(ml_dc_blocker_new(ML_DC_BLOCKER_DEFAULT_CUTOFF_HZ, &mut d), ML_STATUS_OK);
        assert_eq!(ml_processor_prepare(d, 48e3, 1024, 1), ML_STATUS_OK);
        let ptrs = [x.as_mut_ptr()];
        assert_eq!(ml_processor_process_planar(d, ptrs.as_ptr(), 1, x.len()), ML_STATUS_OK);
        assert_eq!(ml_dc_blocker_set_cutoff_hz(d, 10.0), ML_STATUS_OK);
        assert_eq!(ml_filter_set_q(d, 1.0), ML_STATUS_WRONG_KIND);
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
                let ptrs = [chunk.as_ptr(), chunk.as_ptr()];
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
        let ptrs = [x.as_ptr(), x.as_ptr()];
        assert_eq!(ml_measure(ptrs.as_ptr(), 2, x.len(), 48e3, report.as_mut_ptr()), ML_STATUS_OK);
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
    }
}

#[test]
fn sidechain_pieces_match_one_core_call_without_allocating() {
    let n = 5000; // several max_block pieces
    let (mut l, mut r) = (sine(300.0, 48e3, n, 0.3), sine(500.0, 48e3, n, 0.3));
    let key: Vec<f32> = (0..n).map(|i| if (1000..3000).contains(&i) { 0.9 } else { 0.0 }).collect();
    let (mut l2, mut r2) = (l.clone(), r.clone());
    let config = MlCompressorConfig { threshold_db: -30.0, ..ml_compressor_config_default() };
    let mut core = dsp_core::dynamics::Compressor::default();
    core.set_threshold_db(-30.0).unwrap();
    core.prepare(&ProcessSpec::new(48e3, n, 2)).unwrap();
    core.process_sidechain(&mut [&mut l2, &mut r2], &[&key]);
    let mut p = null_mut();
    unsafe {
        assert_eq!(ml_compressor_new(&config, &mut p), ML_STATUS_OK);
        assert_eq!(ml_processor_prepare(p, 48e3, 256, 2), ML_STATUS_OK);
        let channels = [l.as_mut_ptr(), r.as_mut_ptr()];
        let side = [key.as_ptr()];
        let allocs = allocs_during(|| {
            let status =
                ml_processor_process_sidechain_planar(p, channels.as_ptr(), 2, side.as_ptr(), 1, n);
            assert_eq!(status, ML_STATUS_OK);
        });
        assert_eq!(allocs, 0, "sidechain processing must not allocate");
        let mut gr = 0.0f32;
        assert_eq!(ml_processor_gain_reduction_db(p, &mut gr), ML_STATUS_OK);
        assert_eq!(gr, core.gain_reduction_db());
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
    let side = [key.as_ptr()];
    let (mut gate, mut lim) = (null_mut(), null_mut());
    let mut gr = 0.0f32;
    unsafe {
        assert_eq!(ml_noise_gate_new(&ml_noise_gate_config_default(), &mut gate), ML_STATUS_OK);
        assert_eq!(ml_limiter_new(&ml_limiter_config_default(), &mut lim), ML_STATUS_OK);
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
