//! Dynamics: the base class `Dynamics` (processors with a gain-reduction
//! output), and, until their kinds are in the registry, the hand-written
//! `Compressor`, `Expander`, `NoiseGate`, `DeEsser`, `MultibandCompressor`
//! and `Limiter`.

use std::any::Any;

use dsp_core::Error;
use dsp_core::Processor;
use dsp_core::dynamics::{self, Detector};
use dsp_core::spec::MAX_CHANNELS;
use pyo3::PyClass;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use crate::audio::value_error;
use crate::processor::{Node, PyProcessor, Unit};

/// Processes `p` one sample at a time, reading each row's reduction after
/// every sample (exact per-sample series for processors that only report
/// their state); plain processing when no rows are asked for.
fn stepped<P: Processor>(
    p: &mut P,
    channels: &mut [&mut [f32]],
    gr: &mut [&mut [f32]],
    read: impl Fn(&P, usize) -> f32,
) {
    if gr.is_empty() {
        p.process(channels);
        return;
    }
    let (len, nch) = (channels.first().map_or(0, |c| c.len()), channels.len());
    for i in 0..len {
        let mut one: [&mut [f32]; MAX_CHANNELS] = std::array::from_fn(|_| Default::default());
        for (o, ch) in one.iter_mut().zip(channels.iter_mut()) {
            *o = &mut ch[i..=i];
        }
        p.process(&mut one[..nch]);
        for (r, row) in gr.iter_mut().enumerate() {
            row[i] = read(p, r);
        }
    }
}

/// Compressor, expander and gate: keyed by a sidechain, exact per-sample
/// reduction from the core.
macro_rules! engine_dynamics {
    ($($t:ty),*) => {$(
        impl Node for $t {
            fn has_sidechain(&self) -> bool {
                true
            }

            fn gain_reduction_rows(&mut self) -> usize {
                1
            }

            fn row_gain_reduction_db(&mut self, _row: usize) -> f32 {
                self.gain_reduction_db()
            }

            fn process_keyed(
                &mut self,
                channels: &mut [&mut [f32]],
                side: Option<&[&[f32]]>,
                gr: &mut [&mut [f32]],
            ) {
                match (gr.first_mut(), side) {
                    (Some(row), _) => self.process_with_gain_reduction(channels, side, row),
                    (None, Some(s)) => self.process_sidechain(channels, s),
                    (None, None) => self.process(channels),
                }
            }

            fn snapshot(&self) -> Option<Box<dyn Any + Send + Sync>> {
                Some(Box::new(self.clone()))
            }
        }
    )*};
}

engine_dynamics!(dynamics::Compressor, dynamics::Expander, dynamics::NoiseGate);

/// De-esser and limiter: no sidechain input; the per-sample series is read
/// sample by sample from the reduction they report.
macro_rules! stepped_dynamics {
    ($($t:ty),*) => {$(
        impl Node for $t {
            fn gain_reduction_rows(&mut self) -> usize {
                1
            }

            fn row_gain_reduction_db(&mut self, _row: usize) -> f32 {
                self.gain_reduction_db()
            }

            fn process_keyed(
                &mut self,
                ch: &mut [&mut [f32]],
                _: Option<&[&[f32]]>,
                gr: &mut [&mut [f32]],
            ) {
                stepped(self, ch, gr, |d, _| d.gain_reduction_db());
            }
        }
    )*};
}

stepped_dynamics!(dynamics::DeEsser, dynamics::Limiter);

impl Node for dynamics::MultibandCompressor {
    fn gain_reduction_rows(&mut self) -> usize {
        self.bands()
    }

    fn row_gain_reduction_db(&mut self, row: usize) -> f32 {
        self.band_gain_reduction_db(row)
    }

    fn process_keyed(
        &mut self,
        ch: &mut [&mut [f32]],
        _: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    ) {
        stepped(self, ch, gr, |m, b| m.band_gain_reduction_db(b));
    }

    fn sync(&mut self, linked: &[Box<dyn Any + Send + Sync>]) -> Result<bool, Error> {
        for (b, band) in linked.iter().enumerate() {
            if let (Some(src), Some(dst)) = (band.downcast_ref(), self.band_mut(b)) {
                copy_settings(src, dst)?;
            }
        }
        Ok(false)
    }
}

/// Copies the settings that differ from `src` to `dst` (signal state kept).
fn copy_settings(src: &dynamics::Compressor, dst: &mut dynamics::Compressor) -> Result<(), Error> {
    macro_rules! copy {
        ($($get:ident => $set:ident),*) => {$(
            if src.$get() != dst.$get() {
                dst.$set(src.$get())?;
            }
        )*};
    }
    copy!(threshold_db => set_threshold_db, ratio => set_ratio, knee_db => set_knee_db,
        attack_ms => set_attack_ms, release_ms => set_release_ms, makeup_db => set_makeup_db,
        link => set_link, mix => set_mix, rms_window_ms => set_rms_window_ms,
        sidechain_hpf_hz => set_sidechain_hpf_hz);
    if src.auto_makeup() != dst.auto_makeup() {
        dst.set_auto_makeup(src.auto_makeup());
    }
    if src.detector() != dst.detector() {
        dst.set_detector(src.detector());
    }
    if src.bypass() != dst.bypass() {
        dst.set_bypass(src.bypass());
    }
    Ok(())
}

fn detector(name: &str) -> PyResult<Detector> {
    Detector::from_name(name).map_err(value_error)
}

/// `#[pymethods] impl $class` with the given items plus properties that
/// read and write the `dynamics::$core` inside: `f64` (the checked setter
/// raises `ValueError`), `bool` and `detector` ("peak" or "rms"); `engine`
/// stands for the properties every engine-based processor has, `gate` for
/// an expander's or gate's timing (and `engine`).
macro_rules! dynamics_methods {
    (impl $class:ident for $core:ident { $($items:tt)* } $($props:tt)*) => {
        dynamics_methods!(@acc $class $core [$($items)*] $($props)*);
    };
    (@acc $class:ident $core:ident [$($acc:tt)*]) => {
        #[pymethods]
        impl $class {
            $($acc)*
        }
    };
    (@acc $class:ident $core:ident [$($acc:tt)*]
        $(#[$doc:meta])* f64 $get:ident, $set:ident; $($rest:tt)*) => {
        dynamics_methods!(@acc $class $core [$($acc)*
            $(#[$doc])*
            #[getter]
            fn $get(slf: &Bound<'_, Self>) -> f64 {
                with(slf, |c: &mut dynamics::$core| c.$get())
            }

            #[setter]
            fn $set(slf: &Bound<'_, Self>, value: f64) -> PyResult<()> {
                with(slf, |c: &mut dynamics::$core| c.$set(value)).map_err(value_error)
            }
        ] $($rest)*);
    };
    (@acc $class:ident $core:ident [$($acc:tt)*]
        $(#[$doc:meta])* bool $get:ident, $set:ident; $($rest:tt)*) => {
        dynamics_methods!(@acc $class $core [$($acc)*
            $(#[$doc])*
            #[getter]
            fn $get(slf: &Bound<'_, Self>) -> bool {
                with(slf, |c: &mut dynamics::$core| c.$get())
            }

            #[setter]
            fn $set(slf: &Bound<'_, Self>, value: bool) {
                with(slf, |c: &mut dynamics::$core| c.$set(value));
            }
        ] $($rest)*);
    };
    (@acc $class:ident $core:ident [$($acc:tt)*] gate; $($rest:tt)*) => {
        dynamics_methods!(@acc $class $core [$($acc)*]
            /// Hysteresis in dB, 0 to 24: once open, closes below threshold - hysteresis.
            f64 hysteresis_db, set_hysteresis_db;
            /// Hold time in ms before the reduction grows again, 0 to 5000.
            f64 hold_ms, set_hold_ms;
            /// Attack (opening) time constant in ms, 0 to 1000.
            f64 attack_ms, set_attack_ms;
            /// Release (closing) time constant in ms, 0 to 10000.
            f64 release_ms, set_release_ms;
            engine;
            $($rest)*);
    };
    (@acc $class:ident $core:ident [$($acc:tt)*] engine; $($rest:tt)*) => {
        dynamics_methods!(@acc $class $core [$($acc)*]
            /// Stereo link from 0 (independent channels) to 1 (100 %).
            f64 link, set_link;
            /// Level detector: "peak" or "rms".
            detector;
            /// RMS window (time constant of the mean square) in ms, 0.1 to 1000.
            f64 rms_window_ms, set_rms_window_ms;
            /// Sidechain high-pass cutoff in Hz (0 = off; below Nyquist when processing).
            f64 sidechain_hpf_hz, set_sidechain_hpf_hz;
            /// Bypass: crossfades to the dry input over 20 ms (the detector keeps running).
            bool bypass, set_bypass;
            $($rest)*);
    };
    (@acc $class:ident $core:ident [$($acc:tt)*]
        $(#[$doc:meta])* detector; $($rest:tt)*) => {
        dynamics_methods!(@acc $class $core [$($acc)*
            $(#[$doc])*
            #[getter]
            fn detector(slf: &Bound<'_, Self>) -> &'static str {
                with(slf, |c: &mut dynamics::$core| c.detector().name())
            }

            #[setter]
            fn set_detector(slf: &Bound<'_, Self>, value: &str) -> PyResult<()> {
                let d = detector(value)?;
                with(slf, |c: &mut dynamics::$core| c.set_detector(d));
                Ok(())
            }
        ] $($rest)*);
    };
}

/// Python's spelling of a bool, for `__repr__`.
fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// The base part of a dynamics class.
fn base<'a, C: PyClass<BaseType = PyDynamics>>(slf: &'a Bound<'_, C>) -> &'a PyProcessor {
    slf.as_super().as_super().get()
}

/// Runs `f` on the dsp-core processor of a dynamics class.
fn with<C: PyClass<BaseType = PyDynamics>, T: Node, R: Send>(
    slf: &Bound<'_, C>,
    f: impl FnOnce(&mut T) -> R + Send,
) -> R {
    base(slf).with_unit(slf.py(), |u| f(u.get_mut::<T>()))
}

/// The base part of a dynamics object around `node`.
fn init<C: PyClass<BaseType = PyDynamics>>(
    node: impl Node,
    links: Vec<Py<PyProcessor>>,
    class: C,
) -> PyClassInitializer<C> {
    PyClassInitializer::from(PyProcessor::legacy(node, links))
        .add_subclass(PyDynamics)
        .add_subclass(class)
}

/// Base class of the dynamics processors, which report their gain
/// reduction (`process(..., return_gain_reduction=True)`); compressors,
/// expanders and gates also take a `sidechain`. Not constructible itself.
#[pyclass(extends = PyProcessor, frozen, subclass, module = "masterlib", name = "Dynamics")]
#[derive(Debug)]
pub struct PyDynamics;

#[pymethods]
impl PyDynamics {
    #[new]
    #[classmethod]
    #[pyo3(signature = (*args, **kwargs))]
    fn new(
        cls: &Bound<'_, PyType>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        Ok(PyClassInitializer::from(PyProcessor::construct(cls, args, kwargs)?).add_subclass(Self))
    }

    /// Gain reduction in dB (positive = reduction) after the last processed
    /// sample: largest over channels (and bands), excluding make-up and mix.
    #[getter]
    fn gain_reduction_db(slf: &Bound<'_, Self>) -> f32 {
        slf.as_super().get().with_unit(slf.py(), |u: &mut Unit| {
            let rows = u.node.gain_reduction_rows();
            (0..rows).map(|r| u.node.row_gain_reduction_db(r)).fold(0.0, f32::max)
        })
    }
}

/// Feed-forward compressor: static curve with soft knee on the detector
/// level, attack/release smoothing of the reduction in dB, stereo link,
/// make-up gain and dry/wet mix.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct Compressor;

impl Compressor {
    /// A dsp-core compressor with the constructor's settings.
    #[allow(clippy::too_many_arguments)]
    fn build(
        threshold_db: f64,
        ratio: f64,
        knee_db: f64,
        attack_ms: f64,
        release_ms: f64,
        makeup_db: f64,
        link: f64,
        mix: f64,
        auto_makeup: bool,
        detector: &str,
        rms_window_ms: f64,
        sidechain_hpf_hz: f64,
    ) -> PyResult<dynamics::Compressor> {
        let mut c = dynamics::Compressor::new(
            threshold_db,
            ratio,
            knee_db,
            attack_ms,
            release_ms,
            makeup_db,
            link,
            mix,
        )
        .map_err(value_error)?;
        c.set_auto_makeup(auto_makeup);
        c.set_detector(self::detector(detector)?);
        c.set_rms_window_ms(rms_window_ms).map_err(value_error)?;
        c.set_sidechain_hpf_hz(sidechain_hpf_hz).map_err(value_error)?;
        Ok(c)
    }
}

dynamics_methods! {
    impl Compressor for Compressor {
        #[new]
        #[pyo3(
            text_signature = "(threshold_db=-20.0, ratio=4.0, knee_db=6.0, attack_ms=10.0, release_ms=100.0, makeup_db=0.0, link=1.0, mix=1.0, *, auto_makeup=False, detector='peak', rms_window_ms=10.0, sidechain_hpf_hz=0.0)"
        )]
        #[pyo3(signature = (
            threshold_db = -20.0, ratio = 4.0, knee_db = 6.0, attack_ms = 10.0, release_ms = 100.0,
            makeup_db = 0.0, link = 1.0, mix = 1.0, *, auto_makeup = false, detector = "peak",
            rms_window_ms = 10.0, sidechain_hpf_hz = 0.0
        ))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            threshold_db: f64,
            ratio: f64,
            knee_db: f64,
            attack_ms: f64,
            release_ms: f64,
            makeup_db: f64,
            link: f64,
            mix: f64,
            auto_makeup: bool,
            detector: &str,
            rms_window_ms: f64,
            sidechain_hpf_hz: f64,
        ) -> PyResult<PyClassInitializer<Self>> {
            let c = Self::build(
                threshold_db,
                ratio,
                knee_db,
                attack_ms,
                release_ms,
                makeup_db,
                link,
                mix,
                auto_makeup,
                detector,
                rms_window_ms,
                sidechain_hpf_hz,
            )?;
            Ok(init(c, Vec::new(), Self))
        }

        fn __repr__(slf: &Bound<'_, Self>) -> String {
            with(slf, |c: &mut dynamics::Compressor| {
            format!(
                "Compressor(threshold_db={:?}, ratio={:?}, knee_db={:?}, attack_ms={:?}, \
                 release_ms={:?}, makeup_db={:?}, link={:?}, mix={:?})",
                c.threshold_db(),
                c.ratio(),
                c.knee_db(),
                c.attack_ms(),
                c.release_ms(),
                c.makeup_db(),
                c.link(),
                c.mix()
            )
        })
        }
    }

    /// Threshold in dB relative to full scale, -120 to +24.
    f64 threshold_db, set_threshold_db;
    /// Ratio, from 1 (none) up to inf (limiting).
    f64 ratio, set_ratio;
    /// Knee width in dB centred on the threshold, 0 (hard) to 48.
    f64 knee_db, set_knee_db;
    /// Attack time constant in ms (63.2 % of a step), 0 to 1000.
    f64 attack_ms, set_attack_ms;
    /// Release time constant in ms, 0 to 10000.
    f64 release_ms, set_release_ms;
    /// Make-up gain in dB, -48 to +48 (glides).
    f64 makeup_db, set_makeup_db;
    /// Automatic make-up: adds the static reduction of a 0 dBFS level.
    bool auto_makeup, set_auto_makeup;
    /// Wet proportion from 0 (dry) to 1 (compressed only; glides).
    f64 mix, set_mix;
    engine;
}

/// Downward expander: below the threshold the output falls `ratio` dB per
/// dB, never more than `range_db`; hysteresis and hold.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct Expander;

dynamics_methods! {
    impl Expander for Expander {
        #[new]
        #[pyo3(
            text_signature = "(threshold_db=-40.0, ratio=2.0, range_db=40.0, attack_ms=1.0, release_ms=100.0, *, knee_db=0.0, hysteresis_db=0.0, hold_ms=10.0, link=1.0, detector='peak', rms_window_ms=10.0, sidechain_hpf_hz=0.0)"
        )]
        #[pyo3(signature = (
            threshold_db = -40.0, ratio = 2.0, range_db = 40.0, attack_ms = 1.0, release_ms = 100.0,
            *, knee_db = 0.0, hysteresis_db = 0.0, hold_ms = 10.0, link = 1.0, detector = "peak",
            rms_window_ms = 10.0, sidechain_hpf_hz = 0.0
        ))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            threshold_db: f64,
            ratio: f64,
            range_db: f64,
            attack_ms: f64,
            release_ms: f64,
            knee_db: f64,
            hysteresis_db: f64,
            hold_ms: f64,
            link: f64,
            detector: &str,
            rms_window_ms: f64,
            sidechain_hpf_hz: f64,
        ) -> PyResult<PyClassInitializer<Self>> {
            let mut e =
                dynamics::Expander::new(threshold_db, ratio, range_db, attack_ms, release_ms)
                    .map_err(value_error)?;
            e.set_knee_db(knee_db).map_err(value_error)?;
            e.set_hysteresis_db(hysteresis_db).map_err(value_error)?;
            e.set_hold_ms(hold_ms).map_err(value_error)?;
            e.set_link(link).map_err(value_error)?;
            e.set_detector(self::detector(detector)?);
            e.set_rms_window_ms(rms_window_ms).map_err(value_error)?;
            e.set_sidechain_hpf_hz(sidechain_hpf_hz).map_err(value_error)?;
            Ok(init(e, Vec::new(), Self))
        }

        fn __repr__(slf: &Bound<'_, Self>) -> String {
            with(slf, |e: &mut dynamics::Expander| {
            format!(
                "Expander(threshold_db={:?}, ratio={:?}, range_db={:?}, attack_ms={:?}, \
                 release_ms={:?})",
                e.threshold_db(),
                e.ratio(),
                e.range_db(),
                e.attack_ms(),
                e.release_ms()
            )
        })
        }
    }

    /// Threshold in dB relative to full scale, -120 to +24.
    f64 threshold_db, set_threshold_db;
    /// Ratio (output dB per input dB below the threshold), 1 up to inf (a gate).
    f64 ratio, set_ratio;
    /// Largest reduction in dB, 0 to 120.
    f64 range_db, set_range_db;
    /// Knee width in dB, 0 to 48.
    f64 knee_db, set_knee_db;
    gate;
}

/// Noise gate: an expander with an infinite ratio; below the threshold the
/// signal drops by `range_db`.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct NoiseGate;

dynamics_methods! {
    impl NoiseGate for NoiseGate {
        #[new]
        #[pyo3(
            text_signature = "(threshold_db=-50.0, range_db=80.0, attack_ms=0.5, release_ms=50.0, *, hysteresis_db=6.0, hold_ms=20.0, link=1.0, detector='peak', rms_window_ms=10.0, sidechain_hpf_hz=0.0)"
        )]
        #[pyo3(signature = (
            threshold_db = -50.0, range_db = 80.0, attack_ms = 0.5, release_ms = 50.0, *,
            hysteresis_db = 6.0, hold_ms = 20.0, link = 1.0, detector = "peak",
            rms_window_ms = 10.0, sidechain_hpf_hz = 0.0
        ))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            threshold_db: f64,
            range_db: f64,
            attack_ms: f64,
            release_ms: f64,
            hysteresis_db: f64,
            hold_ms: f64,
            link: f64,
            detector: &str,
            rms_window_ms: f64,
            sidechain_hpf_hz: f64,
        ) -> PyResult<PyClassInitializer<Self>> {
            let mut g = dynamics::NoiseGate::new(threshold_db, range_db, attack_ms, release_ms)
                .map_err(value_error)?;
            g.set_hysteresis_db(hysteresis_db).map_err(value_error)?;
            g.set_hold_ms(hold_ms).map_err(value_error)?;
            g.set_link(link).map_err(value_error)?;
            g.set_detector(self::detector(detector)?);
            g.set_rms_window_ms(rms_window_ms).map_err(value_error)?;
            g.set_sidechain_hpf_hz(sidechain_hpf_hz).map_err(value_error)?;
            Ok(init(g, Vec::new(), Self))
        }

        fn __repr__(slf: &Bound<'_, Self>) -> String {
            with(slf, |g: &mut dynamics::NoiseGate| {
            format!(
                "NoiseGate(threshold_db={:?}, range_db={:?}, attack_ms={:?}, release_ms={:?})",
                g.threshold_db(),
                g.range_db(),
                g.attack_ms(),
                g.release_ms()
            )
        })
        }
    }

    /// Threshold in dB relative to full scale, -120 to +24.
    f64 threshold_db, set_threshold_db;
    /// Attenuation while closed in dB, 0 to 120.
    f64 range_db, set_range_db;
    gate;
}

/// Split-band de-esser: the band above `frequency_hz` is compressed, keyed
/// by itself, and added back to the untouched band below.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct DeEsser;

dynamics_methods! {
    impl DeEsser for DeEsser {
        #[new]
        #[pyo3(
            text_signature = "(frequency_hz=6000.0, threshold_db=-30.0, ratio=4.0, attack_ms=0.5, release_ms=40.0, listen=False)"
        )]
        #[pyo3(signature = (
            frequency_hz = 6000.0, threshold_db = -30.0, ratio = 4.0, attack_ms = 0.5,
            release_ms = 40.0, listen = false
        ))]
        fn new(
            frequency_hz: f64,
            threshold_db: f64,
            ratio: f64,
            attack_ms: f64,
            release_ms: f64,
            listen: bool,
        ) -> PyResult<PyClassInitializer<Self>> {
            let mut d = dynamics::DeEsser::new(frequency_hz, threshold_db).map_err(value_error)?;
            d.set_ratio(ratio).map_err(value_error)?;
            d.set_attack_ms(attack_ms).map_err(value_error)?;
            d.set_release_ms(release_ms).map_err(value_error)?;
            d.set_listen(listen);
            Ok(init(d, Vec::new(), Self))
        }

        fn __repr__(slf: &Bound<'_, Self>) -> String {
            with(slf, |d: &mut dynamics::DeEsser| {
            format!(
                "DeEsser(frequency_hz={:?}, threshold_db={:?}, ratio={:?}, listen={})",
                d.frequency_hz(),
                d.threshold_db(),
                d.ratio(),
                py_bool(d.listen())
            )
        })
        }
    }

    /// Split frequency in Hz (below Nyquist when processing).
    f64 frequency_hz, set_frequency_hz;
    /// Threshold of the upper band in dB, -120 to +24.
    f64 threshold_db, set_threshold_db;
    /// Ratio applied to the upper band, 1 up to inf.
    f64 ratio, set_ratio;
    /// Attack time constant in ms (63.2 % of a step), 0 to 1000.
    f64 attack_ms, set_attack_ms;
    /// Release time constant in ms, 0 to 10000.
    f64 release_ms, set_release_ms;
    /// Outputs the upper band alone (what the detector hears).
    bool listen, set_listen;
}

/// Lookahead brickwall limiter linked over all channels: no output sample
/// exceeds the ceiling (sample-peak mode); true-peak mode bounds the
/// inter-sample peak. `process` compensates its latency.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct Limiter;

dynamics_methods! {
    impl Limiter for Limiter {
        #[new]
        #[pyo3(
            text_signature = "(ceiling_db=-1.0, true_peak=False, lookahead_ms=5.0, release_ms=100.0, *, auto_release=False)"
        )]
        #[pyo3(signature = (
            ceiling_db = -1.0, true_peak = false, lookahead_ms = 5.0, release_ms = 100.0, *,
            auto_release = false
        ))]
        fn new(
            ceiling_db: f64,
            true_peak: bool,
            lookahead_ms: f64,
            release_ms: f64,
            auto_release: bool,
        ) -> PyResult<PyClassInitializer<Self>> {
            let mut l = dynamics::Limiter::new(ceiling_db, true_peak, lookahead_ms, release_ms)
                .map_err(value_error)?;
            l.set_auto_release(auto_release);
            Ok(init(l, Vec::new(), Self))
        }

        fn __repr__(slf: &Bound<'_, Self>) -> String {
            with(slf, |l: &mut dynamics::Limiter| {
            format!(
                "Limiter(ceiling_db={:?}, true_peak={}, lookahead_ms={:?}, release_ms={:?})",
                l.ceiling_db(),
                py_bool(l.true_peak()),
                l.lookahead_ms(),
                l.release_ms()
            )
        })
        }
    }

    /// Ceiling in dB (dBFS, or dBTP with true_peak), -60 to 0.
    f64 ceiling_db, set_ceiling_db;
    /// Limits the true (8x oversampled) peak; applies at the next reset.
    bool true_peak, set_true_peak;
    /// Lookahead in ms, 0.1 to 20 (the latency); applies at the next reset.
    f64 lookahead_ms, set_lookahead_ms;
    /// Release time constant in ms, 1 to 5000.
    f64 release_ms, set_release_ms;
    /// Program-dependent release: sustained limiting recovers more slowly.
    bool auto_release, set_auto_release;
}

/// The band objects for `crossovers` (given, or new default compressors).
fn band_objects(
    py: Python<'_>,
    crossovers: usize,
    bands: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Py<PyProcessor>>> {
    let Some(bands) = bands else {
        return (0..=crossovers)
            .map(|_| {
                let c =
                    Bound::new(py, init(dynamics::Compressor::default(), Vec::new(), Compressor))?;
                Ok(c.into_any().cast_into::<PyProcessor>()?.unbind())
            })
            .collect();
    };
    let mut links = Vec::new();
    for item in bands.try_iter()? {
        let item = item?;
        if !item.is_instance_of::<Compressor>() {
            let name = item.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "MultibandCompressor bands must be Compressor objects, got {name}"
            )));
        }
        links.push(item.cast_into::<PyProcessor>()?.unbind());
    }
    if links.len() != crossovers + 1 {
        return Err(PyValueError::new_err(format!(
            "{} crossover(s) make {} bands, but {} band compressor(s) were given",
            crossovers,
            crossovers + 1,
            links.len()
        )));
    }
    Ok(links)
}

/// Copies `links`' settings into the bands of `m`.
fn sync_bands(
    py: Python<'_>,
    m: &mut dynamics::MultibandCompressor,
    links: &[Py<PyProcessor>],
) -> PyResult<()> {
    let snaps: Vec<_> =
        links.iter().filter_map(|l| l.get().with_unit(py, |u| u.node.snapshot())).collect();
    m.sync(&snaps).map_err(value_error)?;
    Ok(())
}

/// Multiband compressor: 2 to 5 bands split by Linkwitz-Riley crossovers
/// (all-pass compensated: unity bands sum flat), each band a `Compressor`.
/// The band compressors are live objects: changing one changes this.
#[pyclass(extends = PyDynamics, frozen, module = "masterlib")]
#[derive(Debug)]
pub struct MultibandCompressor;

/// The band objects of a multiband compressor.
fn links(slf: &Bound<'_, MultibandCompressor>) -> Vec<Py<PyProcessor>> {
    let py = slf.py();
    let links = base(slf).with_unit(py, |u| u.links.clone());
    links.iter().map(|l| l.clone_ref(py)).collect()
}

#[pymethods]
impl MultibandCompressor {
    #[new]
    #[pyo3(text_signature = "(crossovers_hz=(200.0, 2000.0), bands=None)")]
    #[pyo3(signature = (crossovers_hz = vec![200.0, 2000.0], bands = None))]
    fn new(
        py: Python<'_>,
        crossovers_hz: Vec<f64>,
        bands: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut m = dynamics::MultibandCompressor::new(&crossovers_hz).map_err(value_error)?;
        let links = band_objects(py, crossovers_hz.len(), bands)?;
        sync_bands(py, &mut m, &links)?;
        Ok(init(m, links, Self))
    }

    /// Crossover frequencies in Hz, ascending (one fewer than the bands).
    /// Setting them (same count) restarts the signal state.
    #[getter]
    fn crossovers_hz(slf: &Bound<'_, Self>) -> Vec<f64> {
        with(slf, |m: &mut dynamics::MultibandCompressor| m.crossovers_hz().to_vec())
    }

    #[setter]
    fn set_crossovers_hz(slf: &Bound<'_, Self>, value: Vec<f64>) -> PyResult<()> {
        let py = slf.py();
        let (count, solo) = with(slf, |m: &mut dynamics::MultibandCompressor| {
            (m.crossovers_hz().len(), (0..m.bands()).map(|b| m.band_solo(b)).collect::<Vec<_>>())
        });
        if value.len() != count {
            return Err(PyValueError::new_err(format!(
                "crossovers_hz needs {count} frequencies (the band count is fixed)"
            )));
        }
        let links = links(slf);
        let mut m = dynamics::MultibandCompressor::new(&value).map_err(value_error)?;
        sync_bands(py, &mut m, &links)?;
        for (b, &s) in solo.iter().enumerate() {
            m.set_band_solo(b, s).map_err(value_error)?;
        }
        base(slf).with_unit(py, move |u| u.replace(m, links));
        Ok(())
    }

    /// The band compressors (the same objects, lowest band first).
    #[getter]
    fn bands<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(slf.py(), links(slf))
    }

    /// Solo state per band: while any band is soloed only soloed bands are
    /// heard (crossfades over 20 ms).
    #[getter]
    fn solo(slf: &Bound<'_, Self>) -> Vec<bool> {
        with(slf, |m: &mut dynamics::MultibandCompressor| {
            (0..m.bands()).map(|b| m.band_solo(b)).collect()
        })
    }

    #[setter]
    fn set_solo(slf: &Bound<'_, Self>, value: Vec<bool>) -> PyResult<()> {
        with(slf, |m: &mut dynamics::MultibandCompressor| {
            if value.len() != m.bands() {
                return Err(PyValueError::new_err(format!(
                    "solo needs one bool per band ({}), got {}",
                    m.bands(),
                    value.len()
                )));
            }
            for (b, s) in value.into_iter().enumerate() {
                m.set_band_solo(b, s).map_err(value_error)?;
            }
            Ok(())
        })
    }

    fn __len__(slf: &Bound<'_, Self>) -> usize {
        with(slf, |m: &mut dynamics::MultibandCompressor| m.bands())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let bands = links(slf)
            .iter()
            .map(|l| Ok(l.bind(py).repr()?.to_string()))
            .collect::<PyResult<Vec<_>>>()?;
        let crossovers = Self::crossovers_hz(slf);
        Ok(format!(
            "MultibandCompressor(crossovers_hz={crossovers:?}, bands=[{}])",
            bands.join(", ")
        ))
    }
}
