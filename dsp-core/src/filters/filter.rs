//! A single filter band as a processor, declared as one registry kind per
//! shape.

use super::band::{Band, process_bands};
use super::design::{Design, FilterKind};
#[cfg(feature = "alloc")]
use super::params::{
    ALL_PASS_KIND, BAND_PASS_KIND, HIGH_PASS_KIND, HIGH_SHELF_KIND, LOW_PASS_KIND, LOW_SHELF_KIND,
    NOTCH_KIND, PEAK_FILTER_KIND,
};
use super::params::{BandParams, Field, declared, shape};
use crate::buffer::sanitize;
use crate::error::Error;
use crate::params::{DynProcessor, KindInfo, ParamValue, Params};
use crate::processor::Processor;
use crate::spec::{MAX_CHANNELS, ProcessSpec};

/// The registry entry of a filter shape's kind (declared in `params`).
macro_rules! shape_entry {
    ($entry:ident = $shape:ident, $konst:ident) => {
        #[doc = concat!("Registry entry of [`", stringify!($konst), "`].")]
        #[cfg(feature = "alloc")]
        pub(crate) const $entry: crate::registry::Entry = crate::registry::Entry {
            info: &$konst,
            make: || alloc::boxed::Box::new(Filter::with_defaults(FilterKind::$shape)),
        };
    };
}

shape_entry!(PEAK_FILTER_ENTRY = Peak, PEAK_FILTER_KIND);
shape_entry!(LOW_SHELF_ENTRY = LowShelf, LOW_SHELF_KIND);
shape_entry!(HIGH_SHELF_ENTRY = HighShelf, HIGH_SHELF_KIND);
shape_entry!(LOW_PASS_ENTRY = LowPass, LOW_PASS_KIND);
shape_entry!(HIGH_PASS_ENTRY = HighPass, HIGH_PASS_KIND);
shape_entry!(BAND_PASS_ENTRY = BandPass, BAND_PASS_KIND);
shape_entry!(NOTCH_ENTRY = Notch, NOTCH_KIND);
shape_entry!(ALL_PASS_ENTRY = AllPass, ALL_PASS_KIND);

/// One filter band (any [`FilterKind`], Butterworth up to order 8) on any
/// number of channels.
///
/// Cutoff (in log frequency), q (in log) and gain (in dB) glide over 20 ms;
/// disabling fades the band out and enabling fades it in; a new kind, order
/// or design fades the old band out and the new one in. Coefficients are
/// designed in f64 at most once per 32 samples while moving and interpolated
/// per sample; the sections run in direct form I with f64 state.
///
/// Its parameters are those its shape's kind declares ([`PEAK_FILTER_KIND`],
/// [`LOW_PASS_KIND`]...; see [`Filter::kind_info`]); every setter checks
/// against them.
#[derive(Debug, Clone)]
pub struct Filter {
    band: Band,
    clock: u64,
    nonfinite: u64,
}

impl Filter {
    /// A filter with `params` (validated; the cutoff is checked against
    /// Nyquist in [`prepare`](Processor::prepare)).
    pub fn new(params: BandParams) -> Result<Self, Error> {
        Ok(Self { band: Band::new(params)?, clock: 0, nonfinite: 0 })
    }

    /// A filter of shape `kind` with the defaults its kind declares.
    pub fn with_defaults(kind: FilterKind) -> Self {
        let (info, fields) = shape(kind);
        let mut p = BandParams::new(kind, BandParams::CUTOFF_HZ.default);
        for (field, param) in fields.iter().zip(info.params) {
            field.put(&mut p, param.default);
        }
        Self::new(p).expect("declared defaults are valid")
    }

    /// The kind of a filter of shape `kind` (`peak_filter`, `low_pass`...).
    pub fn kind_info(kind: FilterKind) -> &'static KindInfo {
        shape(kind).0
    }

    /// The shape whose kind is called `name` (`None` if no filter kind is).
    pub fn shape_named(name: &str) -> Option<FilterKind> {
        FilterKind::ALL.into_iter().find(|&k| shape(k).0.name == name)
    }

    /// The target parameters.
    pub fn params(&self) -> &BandParams {
        self.band.params()
    }

    /// Sets all parameters (after `prepare`, the cutoff must be below Nyquist).
    pub fn set_params(&mut self, params: BandParams) -> Result<(), Error> {
        self.band.set_params(params)
    }

    /// Checks `value` against the declaration of `field` and sets it.
    fn set_field(&mut self, field: Field, value: f64) -> Result<(), Error> {
        let value = declared(self.params().kind, field).check(value)?;
        let mut p = *self.params();
        field.put(&mut p, value);
        self.set_params(p)
    }

    /// The cutoff (or centre) frequency in Hz.
    pub fn cutoff_hz(&self) -> f64 {
        self.params().cutoff_hz
    }

    /// Sets the cutoff (or centre) frequency in Hz.
    pub fn set_cutoff_hz(&mut self, cutoff_hz: f64) -> Result<(), Error> {
        self.set_field(Field::CutoffHz, cutoff_hz)
    }

    /// The quality factor.
    pub fn q(&self) -> f64 {
        self.params().q
    }

    /// Sets the quality factor.
    pub fn set_q(&mut self, q: f64) -> Result<(), Error> {
        self.set_field(Field::Q, q)
    }

    /// The gain in dB (peak and shelves).
    pub fn gain_db(&self) -> f64 {
        self.params().gain_db
    }

    /// Sets the gain in dB (peak and shelves).
    pub fn set_gain_db(&mut self, gain_db: f64) -> Result<(), Error> {
        self.set_field(Field::GainDb, gain_db)
    }

    /// The Butterworth order (low and high pass; 2 for the other shapes).
    pub fn order(&self) -> u8 {
        self.params().order
    }

    /// Sets the Butterworth order of a low or high pass (cross-fades).
    pub fn set_order(&mut self, order: u8) -> Result<(), Error> {
        self.set_field(Field::Order, order.to_param())
    }

    /// The design.
    pub fn design(&self) -> Design {
        self.params().design
    }

    /// Sets the design (cross-fades).
    pub fn set_design(&mut self, design: Design) -> Result<(), Error> {
        self.set_field(Field::Design, design.to_param())
    }

    /// Whether the filter is bypassed.
    pub fn bypass(&self) -> bool {
        self.params().bypass
    }

    /// Bypasses the filter or brings it back (with a fade either way).
    pub fn set_bypass(&mut self, bypass: bool) -> Result<(), Error> {
        self.set_field(Field::Bypass, bypass.to_param())
    }

    /// Processes one frame: one sample per channel (same output as `process`).
    pub fn tick(&mut self, frame: &mut [f32]) {
        let mut views: [&mut [f32]; MAX_CHANNELS] =
            core::array::from_fn(|_| <&mut [f32]>::default());
        let n = frame.len().min(MAX_CHANNELS);
        for (view, x) in views.iter_mut().zip(frame.chunks_mut(1)) {
            *view = x;
        }
        self.process(&mut views[..n]);
    }
}

impl Params for Filter {
    /// The kind of the filter's shape.
    fn kind(&self) -> &'static KindInfo {
        shape(self.params().kind).0
    }

    fn param(&self, index: usize) -> Option<f64> {
        shape(self.params().kind).1.get(index).map(|f| f.get(self.params()))
    }

    fn set_param(&mut self, index: usize, value: f64) -> Result<(), Error> {
        let fields = shape(self.params().kind).1;
        let field = *fields.get(index).ok_or_else(crate::params::no_such_index_error)?;
        self.set_field(field, value)
    }
}

impl DynProcessor for Filter {
    fn as_any(&self) -> &dyn core::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn core::any::Any {
        self
    }
}

impl Processor for Filter {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        spec.validate()?;
        self.band.prepare(spec.sample_rate)?;
        self.clock = 0;
        Ok(())
    }

    fn reset(&mut self) {
        self.nonfinite = 0;
        self.band.reset();
        self.clock = 0;
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.nonfinite += sanitize(channels);
        process_bands(core::slice::from_mut(&mut self.band), &mut self.clock, channels);
    }

    /// Samples for the ringing to decay by 80 dB.
    fn tail(&self) -> usize {
        self.band.tail()
    }

    fn nonfinite_count(&self) -> u64 {
        self.nonfinite
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filters::MAX_ORDER;
    use crate::filters::design::analog;
    use crate::test_util::*;
    use std::vec::Vec;

    fn prepared(p: BandParams, fs: f64, channels: usize) -> Filter {
        let mut f = Filter::new(p).unwrap();
        f.prepare(&ProcessSpec::new(fs, 4096, channels)).unwrap();
        f
    }

    /// Band settings that exercise every kind.
    fn every_kind(design: Design) -> Vec<BandParams> {
        FilterKind::ALL
            .into_iter()
            .map(|k| BandParams::new(k, 2000.0).with_q(1.5).with_gain_db(7.0).with_design(design))
            .collect()
    }

    #[test]
    fn measured_response_matches_design() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for design in [Design::Cookbook, Design::Matched] {
                for p in every_kind(design) {
                    let mut f = prepared(p, fs, 1);
                    for freq in [60.0, 700.0, 2000.0, 5000.0, 15_000.0, 20_000.0] {
                        let want = p.magnitude_db(freq, fs);
                        if want < -60.0 {
                            continue;
                        }
                        let got = measured_gain_db(&mut f, freq, fs);
                        assert!((got - want).abs() < 0.02, "{p:?} {fs} at {freq}: {got} vs {want}");
                    }
                }
            }
        }
    }

    #[test]
    fn butterworth_orders_have_3db_corner_and_6n_db_slopes() {
        let fs = 48_000.0;
        for order in 1..=MAX_ORDER {
            let n = order as f64;
            // Highest octave pair still well above the f32 noise floor.
            let m = (0..=3).rev().find(|&m| 6.02 * n * (m + 1) as f64 <= 100.0).unwrap();
            let span = (1 << m) as f64;
            let expect = 10.0
                * libm::log10(
                    (1.0 + libm::pow(2.0 * span, 2.0 * n)) / (1.0 + libm::pow(span, 2.0 * n)),
                );
            let lp = BandParams::new(FilterKind::LowPass, 100.0).with_order(order);
            let hp = BandParams::new(FilterKind::HighPass, 2000.0).with_order(order);
            for (p, above) in [(lp, true), (hp, false)] {
                let mut f = prepared(p, fs, 1);
                let corner = measured_gain_db(&mut f, p.cutoff_hz, fs);
                assert!((corner + 3.0103).abs() < 0.01, "order {order} corner {corner}");
                let (near, far) = if above {
                    (p.cutoff_hz * span, p.cutoff_hz * span * 2.0)
                } else {
                    (p.cutoff_hz / span, p.cutoff_hz / span / 2.0)
                };
                let slope = measured_gain_db(&mut f, near, fs) - measured_gain_db(&mut f, far, fs);
                assert!(
                    (slope - 6.0206 * n).abs() < 0.3 && (slope - expect).abs() < 0.2,
                    "order {order} {:?}: {slope} dB/oct, want {expect}",
                    p.kind
                );
            }
        }
    }

    /// The case: +6 dB, Q 1 at 16 kHz, 44.1 kHz.
    #[test]
    fn matched_peak_follows_analog_prototype_up_to_20khz() {
        let fs = 44_100.0;
        let base = BandParams::new(FilterKind::Peak, 16_000.0).with_q(1.0).with_gain_db(6.0);
        let freqs = [20.0, 100.0, 1000.0, 4000.0, 8000.0, 12_000.0, 16_000.0, 18_000.0, 20_000.0];
        let worst = |design| {
            let mut f = prepared(base.with_design(design), fs, 1);
            freqs
                .iter()
                .map(|&freq| {
                    let want = analog::magnitude_db(FilterKind::Peak, freq, 16_000.0, 1.0, 6.0);
                    (measured_gain_db(&mut f, freq, fs) - want).abs()
                })
                .fold(0.0, f64::max)
        };
        let matched = worst(Design::Matched);
        assert!(matched < 0.5, "matched deviates {matched} dB");
        // Contrast: the bilinear cookbook bell cramps towards Nyquist.
        let cookbook = worst(Design::Cookbook);
        assert!(cookbook > 2.0, "cookbook deviates only {cookbook} dB");
    }

    #[test]
    fn invariants_mono_and_stereo() {
        let cases = [
            BandParams::new(FilterKind::Peak, 1000.0).with_gain_db(6.0),
            BandParams::new(FilterKind::LowPass, 3000.0).with_order(5),
            BandParams::new(FilterKind::HighShelf, 4000.0)
                .with_gain_db(-4.0)
                .with_design(Design::Matched),
        ];
        for p in cases {
            for channels in [1, 2, 3] {
                check_processor_invariants(
                    || Filter::new(p).unwrap(),
                    channels,
                    |f| {
                        f.set_cutoff_hz(500.0).unwrap();
                        f.set_q(2.0).unwrap();
                        f.set_gain_db(3.0).unwrap();
                    },
                );
            }
        }
        // A structural change and a bypass mid-stream.
        check_processor_invariants(
            || Filter::new(BandParams::new(FilterKind::Notch, 800.0)).unwrap(),
            2,
            |f| f.set_params(BandParams::new(FilterKind::HighPass, 300.0).with_order(3)).unwrap(),
        );
        check_processor_invariants(
            || Filter::new(BandParams::new(FilterKind::LowShelf, 200.0).with_gain_db(9.0)).unwrap(),
            2,
            |f| f.set_bypass(true).unwrap(),
        );
    }

    #[test]
    fn tick_equals_block() {
        let p = BandParams::new(FilterKind::Peak, 900.0).with_gain_db(-6.0).with_q(3.0);
        let signal = test_signal(2, 5000);
        let mut a = prepared(p, 48_000.0, 2);
        let mut b = prepared(p, 48_000.0, 2);
        let mut ticked = signal.clone();
        let (left, right) = ticked.split_at_mut(1);
        for (i, (l, r)) in left[0].iter_mut().zip(right[0].iter_mut()).enumerate() {
            if i == 1234 {
                a.set_cutoff_hz(5000.0).unwrap();
            }
            let mut frame = [*l, *r];
            a.tick(&mut frame);
            [*l, *r] = frame;
        }
        let blocked = run_blocks(&mut b, &signal, &[4096], 1234, &|f: &mut Filter| {
            f.set_cutoff_hz(5000.0).unwrap()
        });
        assert_eq!(ticked, blocked);
    }

    /// Runs `p0` and applies `changes` (sample index, new parameters) in
    /// 256-sample blocks; returns the output.
    fn run_changes(p0: BandParams, changes: &[(usize, BandParams)], x: &[f32]) -> Vec<f32> {
        let mut f = prepared(p0, 48_000.0, 1);
        let mut y = x.to_vec();
        for (i, block) in y.chunks_mut(256).enumerate() {
            for &(at, p) in changes {
                if at / 256 == i {
                    f.set_params(p).unwrap();
                }
            }
            f.process_mono(block);
        }
        y
    }

    /// Samples skipped before steps are compared (the filter's start-up
    /// transient; every change comes later).
    const SETTLE: usize = 2000;

    /// Applies the changes with 20 ms smoothing and checks that the
    /// largest sample step stays within the steady-state outputs' (or, if
    /// `unity`, the input's) largest step plus 1e-3, and that the output
    /// stays bounded.
    fn assert_click_free(p0: BandParams, changes: &[(usize, BandParams)], x: &[f32], unity: bool) {
        let y = run_changes(p0, changes, x);
        let settings = core::iter::once(p0).chain(changes.iter().map(|c| c.1));
        let (mut limit, mut peak) = (max_step(x), 0.0f32);
        for p in settings {
            let steady = run_changes(p, &[], x);
            if !unity {
                limit = limit.max(max_step(&steady[SETTLE..]));
            }
            peak = peak.max(steady.iter().fold(0.0, |m, v| m.max(v.abs())));
        }
        let got = max_step(&y[SETTLE..]);
        assert!(got <= limit + 1e-3, "{p0:?}: step {got} > {limit} + 1e-3");
        assert!(
            y.iter().all(|v| v.is_finite() && v.abs() <= 1.5 * peak + 1e-3),
            "{p0:?}: unbounded"
        );
    }

    #[test]
    fn cutoff_sweeps_do_not_click() {
        let x = sine(1000.0, 48_000.0, 60_000, 0.5);
        let sweep = |p: BandParams| -> Vec<(usize, BandParams)> {
            // 100 Hz to 10 kHz in one second.
            (0..=180)
                .map(|i| {
                    let f = 100.0 * libm::pow(100.0, i as f64 / 180.0);
                    (5000 + 256 * i, BandParams { cutoff_hz: f, ..p })
                })
                .collect()
        };
        for p in [
            BandParams::new(FilterKind::LowPass, 100.0),
            BandParams::new(FilterKind::LowPass, 100.0).with_order(4),
            BandParams::new(FilterKind::HighPass, 100.0).with_order(3),
            BandParams::new(FilterKind::Peak, 100.0).with_gain_db(-12.0).with_q(2.0),
            BandParams::new(FilterKind::Notch, 100.0).with_q(4.0),
            BandParams::new(FilterKind::LowPass, 100.0).with_design(Design::Matched),
        ] {
            assert_click_free(p, &sweep(p), &x, true);
        }
    }

    #[test]
    fn gain_q_and_enable_jumps_do_not_click() {
        let low = sine(50.0, 48_000.0, 48_000, 0.25);
        let mid = sine(1000.0, 48_000.0, 48_000, 0.25);
        let peak = BandParams::new(FilterKind::Peak, 1000.0).with_q(1.0);
        let gains =
            [(6000, peak.with_gain_db(12.0)), (18_000, peak.with_gain_db(-12.0)), (30_000, peak)];
        assert_click_free(peak, &gains, &mid, false);
        let shelf = BandParams::new(FilterKind::LowShelf, 100.0);
        let shelves = [(6000, shelf.with_gain_db(12.0)), (20_000, shelf.with_gain_db(-18.0))];
        assert_click_free(shelf, &shelves, &low, false);
        // (A jump from Q 0.5 to 8 at 1.2 kHz, 9 dB, overshoots this bound by
        // 1e-4: the resonance rings as it narrows, whatever the update rate.)
        let bell = peak.with_gain_db(9.0).with_q(0.7).with_design(Design::Matched);
        let qs = [(6000, bell.with_q(5.0)), (18_000, bell.with_q(0.7))];
        assert_click_free(bell, &qs, &mid, false);
        let toggles =
            [(6000, bell.with_bypass(true)), (18_000, bell), (18_500, bell.with_bypass(true))];
        assert_click_free(bell, &toggles, &mid, false);
        let kinds = [(6000, BandParams::new(FilterKind::LowPass, 300.0).with_order(6))];
        assert_click_free(bell, &kinds, &mid, false);
    }

    /// The reported tail covers the measured ringing down to -80 dB.
    #[test]
    fn tail_covers_the_ringing() {
        let p = BandParams::new(FilterKind::Peak, 200.0).with_q(8.0).with_gain_db(12.0);
        let mut f = prepared(p, 48_000.0, 1);
        let tail = f.tail();
        let mut x = std::vec![0.0f32; tail + 4000];
        x[0] = 1.0;
        f.process_mono(&mut x);
        let late = x[tail..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(late < 1e-4 * 0.2, "tail {tail}: {late}");
        assert!(x[tail / 2..].iter().any(|v| v.abs() > 1e-5), "tail {tail} too long");
        assert_eq!(prepared(p.with_bypass(true), 48_000.0, 1).tail(), 0);
    }

    #[test]
    fn rejects_bad_parameters() {
        let bad = |p: BandParams| Filter::new(p).unwrap_err();
        let p = BandParams::new(FilterKind::Peak, 1000.0);
        // Ranges come from the declarations (`OutOfRange` naming the
        // parameter); the cross-parameter order rule is `InvalidParameter`.
        assert!(
            matches!(bad(p.with_q(f64::NAN)), Error::OutOfRange { param, .. } if param.id == "q")
        );
        assert!(matches!(bad(p.with_q(0.0)), Error::OutOfRange { param, .. } if param.id == "q"));
        assert!(matches!(
            bad(BandParams { cutoff_hz: -5.0, ..p }),
            Error::OutOfRange { param, .. } if param.id == "cutoff_hz"
        ));
        assert!(matches!(
            bad(p.with_gain_db(f64::INFINITY)),
            Error::OutOfRange { param, .. } if param.id == "gain_db"
        ));
        assert!(matches!(
            bad(p.with_gain_db(60.0)),
            Error::OutOfRange { param, .. } if param.id == "gain_db"
        ));
        assert!(matches!(bad(p.with_order(4)), Error::InvalidParameter { name: "order", .. }));
        let lp = BandParams::new(FilterKind::LowPass, 1000.0);
        for order in [0, 9] {
            assert!(matches!(
                bad(lp.with_order(order)),
                Error::OutOfRange { param, .. } if param.id == "order"
            ));
        }
        // The shape's own declaration is the one named: the peak's q
        // defaults to 1.
        assert_eq!(
            bad(p.with_q(0.0)),
            Error::OutOfRange { param: &PEAK_FILTER_KIND.params[2], value: 0.0 }
        );
        let mut f = Filter::new(BandParams::new(FilterKind::LowPass, 30_000.0)).unwrap();
        let err = f.prepare(&ProcessSpec::new(48_000.0, 64, 2)).unwrap_err();
        assert!(matches!(err, Error::AboveNyquist { name: "cutoff_hz", .. }));
        f.prepare(&ProcessSpec::new(96_000.0, 64, 2)).unwrap();
        let mut f = prepared(lp, 48_000.0, 1);
        assert!(matches!(f.set_cutoff_hz(24_000.0), Err(Error::AboveNyquist { .. })));
        assert!(f.set_q(-1.0).is_err());
        assert_eq!(f.params().cutoff_hz, 1000.0);
        assert!(f.set_bypass(true).is_ok());
    }

    /// Each shape is one kind with the parameters of its binding's class,
    /// in constructor order, and the filter reports the kind of its shape.
    #[test]
    fn shapes_declare_their_kinds() {
        let expect: [(FilterKind, &str, &str, &[&str]); 8] = [
            (FilterKind::Peak, "peak_filter", "PeakFilter", &["cutoff_hz", "gain_db", "q"]),
            (FilterKind::LowShelf, "low_shelf", "LowShelf", &["cutoff_hz", "gain_db", "q"]),
            (FilterKind::HighShelf, "high_shelf", "HighShelf", &["cutoff_hz", "gain_db", "q"]),
            (FilterKind::LowPass, "low_pass", "LowPass", &["cutoff_hz", "order", "q"]),
            (FilterKind::HighPass, "high_pass", "HighPass", &["cutoff_hz", "order", "q"]),
            (FilterKind::BandPass, "band_pass", "BandPass", &["cutoff_hz", "q"]),
            (FilterKind::Notch, "notch", "Notch", &["cutoff_hz", "q"]),
            (FilterKind::AllPass, "all_pass", "AllPass", &["cutoff_hz", "q"]),
        ];
        for (kind, name, class, ids) in expect {
            let info = Filter::kind_info(kind);
            assert_eq!((info.name, info.class), (name, class));
            assert!(info.caps.tail);
            let got: Vec<_> = info.params.iter().map(|p| p.id).collect();
            assert_eq!(got[..ids.len()], *ids, "{name}");
            assert_eq!(got[ids.len()..], ["design", "bypass"], "{name}");
            assert_eq!(Filter::shape_named(name), Some(kind));
            let f = Filter::with_defaults(kind);
            assert_eq!(f.kind(), info);
            let q = info.params[info.index_of("q").unwrap()].default;
            let want_q =
                if kind == FilterKind::Peak { 1.0 } else { core::f64::consts::FRAC_1_SQRT_2 };
            assert_eq!((f.q(), q), (want_q, want_q));
        }
        assert_eq!(Filter::shape_named("peak"), None);
        // A new shape is a new kind.
        let mut f = Filter::with_defaults(FilterKind::Peak);
        f.set_params(BandParams::new(FilterKind::LowPass, 300.0).with_order(5)).unwrap();
        assert_eq!(f.kind().name, "low_pass");
        assert_eq!((f.get("order"), f.get("cutoff_hz")), (Ok(5.0), Ok(300.0)));
        assert!(matches!(f.get("gain_db"), Err(Error::UnknownParameter { .. })));
    }

    /// Typed setters, generic set and `BandParams` all check against the
    /// shape's declaration.
    #[test]
    fn setters_check_against_the_declarations() {
        let mut f = Filter::with_defaults(FilterKind::Peak);
        let q = &PEAK_FILTER_KIND.params[2];
        assert_eq!(f.set_q(200.0), Err(Error::OutOfRange { param: q, value: 200.0 }));
        assert_eq!(f.set("q", 200.0), Err(Error::OutOfRange { param: q, value: 200.0 }));
        assert_eq!(f.q(), 1.0);
        f.set("design", 1.0).unwrap();
        assert_eq!(f.design(), Design::Matched);
        f.set_design(Design::Cookbook).unwrap();
        assert_eq!(f.get("design"), Ok(0.0));
        f.set_bypass(true).unwrap();
        assert_eq!(f.get("bypass"), Ok(1.0));
        assert!(
            matches!(f.set_cutoff_hz(0.5), Err(Error::OutOfRange { param, .. }) if param.id == "cutoff_hz")
        );
        // A peak has order 2 only (a cross-parameter rule).
        assert!(matches!(f.set_order(4), Err(Error::InvalidParameter { name: "order", .. })));
        let mut lp = Filter::with_defaults(FilterKind::LowPass);
        lp.set_order(8).unwrap();
        assert_eq!(lp.get("order"), Ok(8.0));
        assert!(
            matches!(lp.set("order", 9.0), Err(Error::OutOfRange { param, .. }) if *param == LOW_PASS_KIND.params[1])
        );
        // gain_db, undeclared by a low pass, is still checked by the shared declaration.
        lp.set_gain_db(6.0).unwrap();
        assert_eq!(
            lp.set_gain_db(49.0),
            Err(Error::OutOfRange { param: &BandParams::GAIN_DB, value: 49.0 })
        );
        assert_eq!(lp.gain_db(), 6.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        #[test]
        fn random_parameters_are_finite_and_split_invariant(
            kind in 0usize..8, cutoff in 20.0f64..20_000.0, q in 0.1f64..20.0,
            gain in -24.0f64..24.0, order in 1u8..=8, matched in proptest::bool::ANY,
            cutoff2 in 20.0f64..20_000.0, split in 1usize..700,
        ) {
            let kind = FilterKind::ALL[kind];
            let pass = matches!(kind, FilterKind::LowPass | FilterKind::HighPass);
            let design = if matched { Design::Matched } else { Design::Cookbook };
            let p = BandParams::new(kind, cutoff).with_q(q).with_gain_db(gain)
                .with_order(if pass { order } else { 2 }).with_design(design);
            let signal = test_signal(2, 6000);
            let change = |f: &mut Filter| f.set_cutoff_hz(cutoff2).unwrap();
            let mut a = prepared(p, 48_000.0, 2);
            let want = run_blocks(&mut a, &signal, &[512], 2500, &change);
            let mut b = prepared(p, 48_000.0, 2);
            let got = run_blocks(&mut b, &signal, &[split, 1, 77], 2500, &change);
            proptest::prop_assert!(want.iter().flatten().all(|v| v.is_finite()));
            proptest::prop_assert!(want == got);
        }
    }
}
