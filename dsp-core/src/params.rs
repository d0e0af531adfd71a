//! Parameter and capability declarations: each processor states its
//! parameters once, beside its struct, and everything else reads them (the
//! typed setters' checks, generic get and set by id, the registry,
//! serialization, the C parameter-info API, the Python classes).
//!
//! Every value travels as an `f64`: floats as themselves, switches as 0 or
//! 1, choices as the index of their name (as plugin hosts do).

use core::any::Any;

use crate::error::Error;
#[cfg(feature = "alloc")]
use crate::preset_format::{Preset, PresetError};
use crate::processor::Processor;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

pub use crate::param_info::{Caps, Channels, Choices, KindInfo, ParamInfo, ParamType, Scale};

impl ParamInfo {
    /// Checks `value` against the declaration: finite (or an infinite
    /// `max` itself) and within range; 0 or 1 for a switch; a whole index
    /// for a choice.
    pub fn check(&'static self, value: f64) -> Result<f64, Error> {
        let in_range = value >= self.min && value <= self.max;
        let ok = match self.ty {
            ParamType::Float => in_range && (value.is_finite() || value == self.max),
            ParamType::Int | ParamType::Bool | ParamType::Choice(_) => {
                in_range && value == libm::trunc(value)
            }
        };
        if ok { Ok(value) } else { Err(Error::OutOfRange { param: self, value }) }
    }

    /// The value of the choice called `name`.
    pub fn choice_value(&'static self, name: &str) -> Result<f64, Error> {
        match self.choices().iter().position(|n| *n == name) {
            Some(i) => Ok(i as f64),
            None => Err(Error::UnknownChoice { param: self }),
        }
    }
}

impl KindInfo {
    /// Index of the parameter called `id`.
    pub fn index_of(&'static self, id: &str) -> Result<usize, Error> {
        self.params.iter().position(|p| p.id == id).ok_or(Error::UnknownParameter { kind: self })
    }
}

/// Generic access to a processor's declared parameters.
pub trait Params {
    /// The kind's declaration.
    fn kind(&self) -> &'static KindInfo;

    /// Value of parameter `index` (`None` past the end).
    fn param(&self, index: usize) -> Option<f64>;

    /// Sets parameter `index`, checked as by its typed setter.
    fn set_param(&mut self, index: usize, value: f64) -> Result<(), Error>;

    /// Value of the parameter called `id`.
    fn get(&self, id: &str) -> Result<f64, Error> {
        let i = self.kind().index_of(id)?;
        Ok(self.param(i).unwrap_or(f64::NAN))
    }

    /// Sets the parameter called `id`.
    fn set(&mut self, id: &str, value: f64) -> Result<(), Error> {
        let i = self.kind().index_of(id)?;
        self.set_param(i, value)
    }
}

/// A processor the registry can create, inspect and serialize, and the
/// bindings can drive without knowing its type.
pub trait DynProcessor: Processor + Params + Any {
    /// As `Any`, to reach the concrete type.
    fn as_any(&self) -> &dyn Any;

    /// As mutable `Any`, to reach the concrete type.
    fn as_any_mut(&mut self) -> &mut dyn Any;

    /// Output channels for `input` channels (may reconfigure the processor,
    /// as a panner does for a mono source), or the error naming the layout
    /// it needs.
    fn route(&mut self, input: usize) -> Result<usize, Error> {
        self.kind()
            .caps
            .channels
            .output(input)
            .ok_or(Error::InvalidChannelCount { channels: input })
    }

    /// The processor's sidechain and gain-reduction interface, for kinds
    /// whose caps declare them.
    fn dynamics(&mut self) -> Option<&mut dyn Dynamics> {
        None
    }

    /// Every named table of numbers that is a setting but not a scalar
    /// parameter (an equalizer's curve), as presets store it (they leave
    /// empty ones out: empty is every table's default). None for most
    /// kinds.
    #[cfg(feature = "alloc")]
    fn tables(&self) -> Vec<(&'static str, Vec<f64>)> {
        Vec::new()
    }

    /// Sets the table called `name` from `values` (empty gives the
    /// default); may allocate (not real-time safe). Kinds without tables
    /// refuse every name.
    fn set_table(&mut self, name: &str, values: &[f64]) -> Result<(), Error> {
        let _ = (name, values);
        Err(Error::UnknownTable { kind: self.kind(), tables: &[] })
    }

    /// Members of a structured processor (chain members, equalizer bands,
    /// multiband bands), each turned into a preset by `save`; empty for
    /// plain ones.
    #[cfg(feature = "alloc")]
    fn save_members(&self, save: &dyn Fn(&dyn DynProcessor) -> Preset) -> Vec<Preset> {
        let _ = save;
        Vec::new()
    }

    /// Replaces the members from presets, each made into a processor by
    /// `load` (plain processors accept none).
    #[cfg(feature = "alloc")]
    fn load_members(&mut self, members: &[Preset], load: &MemberLoader) -> Result<(), PresetError> {
        let _ = load;
        match members.first() {
            None => Ok(()),
            Some(m) => Err(PresetError::new(alloc::format!(
                "{} takes no members, got one of kind {:?}",
                self.kind().name,
                m.kind
            ))),
        }
    }
}

/// Makes a member processor from its preset (handed to
/// [`DynProcessor::load_members`], so that structured kinds need not know
/// the registry).
#[cfg(feature = "alloc")]
pub type MemberLoader = dyn Fn(&Preset) -> Result<alloc::boxed::Box<dyn DynProcessor>, PresetError>;

/// The sidechain input and gain-reduction output of a dynamics processor,
/// as the bindings drive them without knowing the kind.
pub trait Dynamics {
    /// Rows of the gain-reduction series: 1, or one per band.
    fn gain_reduction_rows(&self) -> usize {
        1
    }

    /// Gain reduction in dB (>= 0) of `row` after the last processed sample.
    fn row_gain_reduction_db(&self, row: usize) -> f32;

    /// Processes one block, keyed by `side` when given (kinds without a
    /// sidechain ignore it), writing each sample's reduction (dB) into the
    /// `gr` rows (none when not asked for). Never allocates.
    fn process_keyed(
        &mut self,
        channels: &mut [&mut [f32]],
        side: Option<&[&[f32]]>,
        gr: &mut [&mut [f32]],
    );
}

/// A type that declares its parameters (implemented by [`declare_params!`](crate::declare_params)).
pub trait Declared: crate::bypass::BypassParam {
    /// The declaration.
    const KIND: &'static KindInfo;
}

/// Conversion between a typed setter's argument or getter's result and the
/// `f64` every parameter travels as.
pub trait ParamValue: Sized {
    /// The value as a parameter.
    fn to_param(self) -> f64;
    /// The value from a checked parameter.
    fn from_param(value: f64) -> Self;
}

impl ParamValue for f64 {
    fn to_param(self) -> f64 {
        self
    }
    fn from_param(value: f64) -> Self {
        value
    }
}

impl ParamValue for bool {
    fn to_param(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
    fn from_param(value: f64) -> Self {
        value != 0.0
    }
}

impl ParamValue for u8 {
    fn to_param(self) -> f64 {
        f64::from(self)
    }
    fn from_param(value: f64) -> Self {
        value as u8
    }
}

/// What a typed setter returns: nothing, or a result.
pub trait SetOutcome {
    /// As a result.
    fn into_result(self) -> Result<(), Error>;
}

impl SetOutcome for () {
    fn into_result(self) -> Result<(), Error> {
        Ok(())
    }
}

impl SetOutcome for Result<(), Error> {
    fn into_result(self) -> Result<(), Error> {
        self
    }
}

/// Declares an enum whose variants are the choices of a parameter: their
/// names (`NAMES`), `name()`, `from_name()` and [`ParamValue`].
#[macro_export]
macro_rules! named_choices {
    ($ty:ty, $what:literal { $($variant:ident = $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The names of the variants, in order.
            pub const NAMES: &'static [&'static str] = &[$($name),+];
            /// The names and what they are called, for a choice parameter.
            pub const CHOICES: $crate::params::Choices =
                $crate::params::Choices { noun: $what, names: Self::NAMES };
            const VARIANTS: &'static [$ty] = &[$(<$ty>::$variant),+];

            /// The variant's name.
            pub fn name(self) -> &'static str {
                Self::NAMES[Self::VARIANTS.iter().position(|v| *v == self).unwrap_or(0)]
            }

            /// The variant called `name`.
            pub fn from_name(name: &str) -> Result<Self, $crate::error::Error> {
                Self::NAMES.iter().position(|n| *n == name).map(|i| Self::VARIANTS[i]).ok_or(
                    $crate::error::Error::UnknownName {
                        kind: concat!($what, " (expected one of: ", $($name, " "),+, ")"),
                    },
                )
            }
        }

        impl $crate::params::ParamValue for $ty {
            fn to_param(self) -> f64 {
                Self::VARIANTS.iter().position(|v| *v == self).unwrap_or(0) as f64
            }
            fn from_param(value: f64) -> Self {
                Self::VARIANTS.get(value as usize).copied().unwrap_or(Self::VARIANTS[0])
            }
        }
    };
}

/// Declares a processor's parameters and implements [`Declared`],
/// [`Params`] and [`DynProcessor`] from the list.
///
/// Each line names a parameter's associated constant, its [`ParamInfo`],
/// and the typed getter and setter that read and write it; the setter is
/// called with the value converted by [`ParamValue`] after the declaration
/// checked it.
///
/// ```
/// use dsp_core::params::{Caps, ParamInfo, Params};
/// use dsp_core::{Error, ProcessSpec, Processor, declare_params};
///
/// /// A fixed gain.
/// #[derive(Debug)]
/// struct Trim {
///     gain: f32,
/// }
///
/// impl Trim {
///     fn gain_db(&self) -> f64 {
///         20.0 * f64::from(self.gain).log10()
///     }
///     fn set_gain_db(&mut self, db: f64) -> Result<(), Error> {
///         self.gain = 10f64.powf(Self::GAIN_DB.check(db)? / 20.0) as f32;
///         Ok(())
///     }
/// }
/// # impl Processor for Trim {
/// #     fn prepare(&mut self, _: &ProcessSpec) -> Result<(), Error> { Ok(()) }
/// #     fn reset(&mut self) {}
/// #     fn process(&mut self, channels: &mut [&mut [f32]]) {
/// #         channels.iter_mut().flat_map(|c| c.iter_mut()).for_each(|v| *v *= self.gain);
/// #     }
/// #     fn nonfinite_count(&self) -> u64 { 0 }
/// # }
///
/// declare_params! {
///     Trim, TRIM_KIND = "trim", "Trim", Caps::PLAIN, "A fixed gain.";
///     GAIN_DB = ParamInfo::float("gain_db", -60.0, 12.0, 0.0, "dB", "Gain")
///         => gain_db, set_gain_db;
/// }
///
/// let mut trim = Trim { gain: 1.0 };
/// trim.set("gain_db", -6.0)?; // by id, checked against the declaration
/// assert!((trim.gain - 0.501).abs() < 1e-3);
/// assert!(trim.set("gain_db", 20.0).is_err()); // above the declared 12 dB
/// assert_eq!(TRIM_KIND.params[0].id, "gain_db"); // then `bypass`, appended
/// # Ok::<(), Error>(())
/// ```
///
/// (The example's [`Processor`] implementation, which multiplies by `gain`,
/// is hidden.)
#[macro_export]
macro_rules! declare_params {
    (
        $ty:ty, $kind:ident = $name:literal, $class:literal, $caps:expr, $doc:literal
        $(, dyn { $($dyn_items:tt)* })?
        $(, bypass: $bypass:tt)?;
        $($konst:ident = $info:expr => $get:ident, $set:ident;)*
    ) => {
        impl $ty {
            $(
                #[doc = concat!("Declaration of `", stringify!($get), "`.")]
                pub const $konst: $crate::params::ParamInfo = $info;
            )*
        }

        $crate::declare_params!(@bypass $ty, ($($bypass)?));

        #[doc = concat!("Declaration of the `", $name, "` kind.")]
        pub static $kind: $crate::params::KindInfo = $crate::params::KindInfo {
            name: $name,
            class: $class,
            doc: $doc,
            caps: $caps,
            params: $crate::declare_params!(@list ($($bypass)?) $(<$ty>::$konst),*),
        };

        impl $crate::params::Declared for $ty {
            const KIND: &'static $crate::params::KindInfo = &$kind;
        }

        impl $crate::params::Params for $ty {
            fn kind(&self) -> &'static $crate::params::KindInfo {
                &$kind
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn param(&self, index: usize) -> Option<f64> {
                let mut i = 0;
                $(
                    if index == i {
                        return Some($crate::params::ParamValue::to_param(self.$get()));
                    }
                    i += 1;
                )*
                if index == i && $kind.params.len() > i {
                    let on = $crate::bypass::BypassParam::bypass_param(self);
                    return Some($crate::params::ParamValue::to_param(on));
                }
                None
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn set_param(&mut self, index: usize, value: f64) -> Result<(), $crate::error::Error> {
                let mut i = 0;
                $(
                    if index == i {
                        let v = <$ty>::$konst.check(value)?;
                        return $crate::params::SetOutcome::into_result(
                            self.$set($crate::params::ParamValue::from_param(v)),
                        );
                    }
                    i += 1;
                )*
                if index == i && $kind.params.len() > i {
                    let v = $kind.params[i].check(value)?;
                    return $crate::bypass::BypassParam::set_bypass_param(self, v != 0.0);
                }
                Err($crate::params::no_such_index_error())
            }
        }

        impl $crate::params::DynProcessor for $ty {
            fn as_any(&self) -> &dyn core::any::Any {
                self
            }
            fn as_any_mut(&mut self) -> &mut dyn core::any::Any {
                self
            }
            $($($dyn_items)*)?
        }
    };
    // The declared parameters, then `bypass` unless the kind has none.
    (@list ([none]) $($p:expr),*) => { &[$($p),*] };
    (@list $mode:tt $($p:expr),*) => { &[$($p,)* $crate::bypass::BYPASS] };
    // How the kind bypasses: wrapped (the default), natively, or not at all.
    (@bypass $ty:ty, ()) => {
        impl $crate::bypass::BypassParam for $ty {}
    };
    (@bypass $ty:ty, ([none])) => {
        impl $crate::bypass::BypassParam for $ty {
            const MODE: $crate::bypass::BypassMode = $crate::bypass::BypassMode::None;
        }
    };
    (@bypass $ty:ty, ([native $get:ident, $set:ident])) => {
        impl $crate::bypass::BypassParam for $ty {
            const MODE: $crate::bypass::BypassMode = $crate::bypass::BypassMode::Native;
            fn bypass_param(&self) -> bool {
                self.$get()
            }
            fn set_bypass_param(&mut self, on: bool) -> Result<(), $crate::error::Error> {
                $crate::params::SetOutcome::into_result(self.$set(on))
            }
        }
    };
}

/// The error for an index past the last parameter (for [`declare_params!`](crate::declare_params)).
#[doc(hidden)]
pub fn no_such_index_error() -> Error {
    Error::InvalidParameter { name: "index", reason: "no parameter at this index" }
}
