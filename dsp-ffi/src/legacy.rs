//! Interim adapter for processor kinds whose parameters dsp-core does not
//! declare yet (dynamics): it gives them an empty declaration so
//! that an `MlProcessor` can hold them as a `DynProcessor`, and their typed
//! C functions keep working until the declarations land and this file goes.

use std::any::Any;

use dsp_core::params::{Caps, KindInfo, Params, no_such_index_error};
use dsp_core::{DynProcessor, Error, ProcessSpec, Processor};

/// A processor kind without a parameter declaration yet.
pub(crate) trait Undeclared: Processor + Any {
    /// Its (parameterless) declaration.
    const KIND: &'static KindInfo;
}

/// An undeclared processor as a `DynProcessor`; `as_any` reaches the
/// processor itself, so typed functions downcast to it as to any kind.
pub(crate) struct Legacy<T>(pub(crate) T);

/// Boxes an undeclared processor for a handle.
pub(crate) fn boxed<T: Undeclared>(p: T) -> Box<dyn DynProcessor> {
    Box::new(Legacy(p))
}

impl<T: Undeclared> Processor for Legacy<T> {
    fn prepare(&mut self, spec: &ProcessSpec) -> Result<(), Error> {
        self.0.prepare(spec)
    }
    fn reset(&mut self) {
        self.0.reset();
    }
    fn process(&mut self, channels: &mut [&mut [f32]]) {
        self.0.process(channels);
    }
    fn latency(&self) -> usize {
        self.0.latency()
    }
    fn tail(&self) -> usize {
        self.0.tail()
    }
    fn nonfinite_count(&self) -> u64 {
        self.0.nonfinite_count()
    }
}

impl<T: Undeclared> Params for Legacy<T> {
    fn kind(&self) -> &'static KindInfo {
        T::KIND
    }
    fn param(&self, _index: usize) -> Option<f64> {
        None
    }
    fn set_param(&mut self, _index: usize, _value: f64) -> Result<(), Error> {
        Err(no_such_index_error())
    }
}

impl<T: Undeclared> DynProcessor for Legacy<T> {
    fn as_any(&self) -> &dyn Any {
        &self.0
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        &mut self.0
    }
}

/// Declares undeclared kinds: `Type = "name", caps;`.
macro_rules! undeclared {
    ($($ty:ty = $name:literal, $caps:expr;)*) => {$(
        impl Undeclared for $ty {
            const KIND: &'static KindInfo = &KindInfo {
                name: $name,
                class: $name,
                doc: "Parameters not declared yet; use the typed functions.",
                caps: $caps,
                params: &[],
            };
        }
    )*};
}

use dsp_core::dynamics::{Compressor, DeEsser, Expander, Limiter, MultibandCompressor, NoiseGate};

undeclared! {
    Compressor = "compressor", Caps::PLAIN.sidechain().gain_reduction();
    Expander = "expander", Caps::PLAIN.sidechain().gain_reduction();
    NoiseGate = "noise_gate", Caps::PLAIN.sidechain().gain_reduction();
    DeEsser = "de_esser", Caps::PLAIN.gain_reduction();
    MultibandCompressor = "multiband_compressor", Caps::PLAIN.gain_reduction();
    Limiter = "limiter", Caps::PLAIN.gain_reduction().latency();
}

/// Creates a handle for the undeclared processor `make` returns.
///
/// # Safety
/// `out` is NULL or valid for a write of a pointer.
pub(crate) unsafe fn new_legacy<T: Undeclared, E: Into<crate::status::Fail>>(
    out: *mut *mut crate::processor::MlProcessor,
    make: impl FnOnce() -> Result<T, E>,
) -> crate::status::MlStatus {
    unsafe { crate::processor::new_processor(out, || Ok(boxed(make().map_err(Into::into)?))) }
}

/// Runs an infallible typed setter on the processor if it is a `T`.
///
/// # Safety
/// As `processor::with_processor`.
pub(crate) unsafe fn update_kind<T: Any>(
    p: *mut crate::processor::MlProcessor,
    set: impl FnOnce(&mut T),
) -> crate::status::MlStatus {
    unsafe {
        crate::processor::with_kind(p, |t: &mut T| {
            set(t);
            Ok::<_, crate::status::Fail>(())
        })
    }
}
