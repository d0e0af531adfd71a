//! Parameter and capability declarations: each processor states its
//! parameters once, beside its struct, and everything else reads them (the
//! typed setters' checks, generic get and set by id, the registry,
//! serialization, the C parameter-info API, the Python classes).
//!
//! Every value travels as an `f64`: floats as themselves, switches as 0 or
//! 1, choices as the index of their name (as plugin hosts do).

use core::any::Any;
use core::fmt;

use crate::error::Error;
use crate::processor::Processor;

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamType {
    /// A real number within `min..=max`.
    Float,
    /// A whole number within `min..=max` (an order, a band count).
    Int,
    /// A switch: 0 (off) or 1 (on).
    Bool,
    /// One of the names, stored as its index.
    Choice(&'static [&'static str]),
}

/// How a float parameter is best shown and automated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Evenly spaced values.
    Linear,
    /// Evenly spaced ratios (frequencies, times).
    Log,
}

impl Scale {
    /// The scale's name: `linear` or `log`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Log => "log",
        }
    }
}

/// One declared parameter: id (with its unit suffix), type, range, default,
/// unit, display scale, smoothing and a one-line doc.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamInfo {
    /// Public name, unit-suffixed (`threshold_db`).
    pub id: &'static str,
    /// Value type.
    pub ty: ParamType,
    /// Smallest value (0 for switches and choices).
    pub min: f64,
    /// Largest value (may be infinite, e.g. a ratio).
    pub max: f64,
    /// Value of a new processor.
    pub default: f64,
    /// Unit symbol (`dB`, `Hz`, `ms`), empty when unitless.
    pub unit: &'static str,
    /// Display scale.
    pub scale: Scale,
    /// Time over which a change glides, in ms (0: it applies at once; the
    /// processor's own time constants may still smooth it).
    pub smoothing_ms: f64,
    /// One-line description.
    pub doc: &'static str,
}

impl ParamInfo {
    /// A float parameter within `min..=max` (linear scale, no smoothing).
    pub const fn float(
        id: &'static str,
        min: f64,
        max: f64,
        default: f64,
        unit: &'static str,
        doc: &'static str,
    ) -> Self {
        Self {
            id,
            ty: ParamType::Float,
            min,
            max,
            default,
            unit,
            scale: Scale::Linear,
            smoothing_ms: 0.0,
            doc,
        }
    }

    /// A whole-number parameter within `min..=max`.
    pub const fn int(
        id: &'static str,
        min: f64,
        max: f64,
        default: f64,
        unit: &'static str,
        doc: &'static str,
    ) -> Self {
        Self { ty: ParamType::Int, ..Self::float(id, min, max, default, unit, doc) }
    }

    /// A switch.
    pub const fn toggle(id: &'static str, default: bool, doc: &'static str) -> Self {
        let default = if default { 1.0 } else { 0.0 };
        Self { ty: ParamType::Bool, ..Self::float(id, 0.0, 1.0, default, "", doc) }
    }

    /// A choice among `names`; `default` is an index into them.
    pub const fn choice(
        id: &'static str,
        names: &'static [&'static str],
        default: usize,
        doc: &'static str,
    ) -> Self {
        let max = (names.len() - 1) as f64;
        Self { ty: ParamType::Choice(names), ..Self::float(id, 0.0, max, default as f64, "", doc) }
    }

    /// The same parameter shown on a logarithmic scale.
    pub const fn log(self) -> Self {
        Self { scale: Scale::Log, ..self }
    }

    /// The same parameter, gliding over `ms` when changed.
    pub const fn smoothed(self, ms: f64) -> Self {
        Self { smoothing_ms: ms, ..self }
    }

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

    /// The names of a choice (empty for other types).
    pub fn choices(&self) -> &'static [&'static str] {
        match self.ty {
            ParamType::Choice(names) => names,
            _ => &[],
        }
    }

    /// The value of the choice called `name`.
    pub fn choice_value(&'static self, name: &str) -> Result<f64, Error> {
        match self.choices().iter().position(|n| *n == name) {
            Some(i) => Ok(i as f64),
            None => Err(Error::UnknownChoice { param: self }),
        }
    }

    /// The name of choice `value` (`None` if not a valid index).
    pub fn choice_name(&self, value: f64) -> Option<&'static str> {
        let i = value as usize;
        (value >= 0.0 && i as f64 == value).then(|| self.choices().get(i).copied()).flatten()
    }

    /// Writes the valid values, as error messages show them ("a number from
    /// -120 to 24 dB", "one of peak, rms").
    pub fn describe_range(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.unit.is_empty() { "" } else { " " };
        match self.ty {
            ParamType::Bool => f.write_str("true or false (1 or 0)"),
            ParamType::Choice(names) => {
                f.write_str("one of ")?;
                for (i, n) in names.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{n}")?;
                }
                Ok(())
            }
            ParamType::Int => {
                write!(f, "a whole number from {} to {}{unit}{}", self.min, self.max, self.unit)
            }
            ParamType::Float if self.max == f64::INFINITY => {
                write!(f, "a number of at least {}{unit}{}", self.min, self.unit)
            }
            ParamType::Float => {
                write!(f, "a number from {} to {}{unit}{}", self.min, self.max, self.unit)
            }
        }
    }
}

/// Which channel layouts a processor takes and gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    /// Any channel count; output has as many channels as input.
    Any,
    /// Stereo in, stereo out.
    Stereo,
    /// Mono or stereo in, stereo out (a panner).
    ToStereo,
}

impl Channels {
    /// Output channels for `input` channels, or `None` when the layout
    /// does not take them.
    pub fn output(self, input: usize) -> Option<usize> {
        match (self, input) {
            (_, 0) => None,
            (Self::Any, n) => Some(n),
            (Self::Stereo, 2) | (Self::ToStereo, 1 | 2) => Some(2),
            _ => None,
        }
    }

    /// What the layout needs, for error messages.
    pub fn requirement(self) -> &'static str {
        match self {
            Self::Any => "any number of channels",
            Self::Stereo => "stereo audio of shape (2, samples)",
            Self::ToStereo => "mono (1-D or (1, samples)) or stereo ((2, samples)) audio",
        }
    }
}

/// What a processor can do besides processing its input in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Takes a sidechain (key) input.
    pub sidechain: bool,
    /// Reports its gain reduction.
    pub gain_reduction: bool,
    /// Channel layout in and out.
    pub channels: Channels,
    /// May add latency (lookahead).
    pub latency: bool,
    /// May ring after its input ends.
    pub tail: bool,
}

impl Caps {
    /// An effect on any channel count, with no sidechain, gain reduction,
    /// latency or tail.
    pub const PLAIN: Caps = Caps {
        sidechain: false,
        gain_reduction: false,
        channels: Channels::Any,
        latency: false,
        tail: false,
    };

    /// [`Caps::PLAIN`] with another channel layout.
    pub const fn channels(self, channels: Channels) -> Self {
        Self { channels, ..self }
    }

    /// With a sidechain input.
    pub const fn sidechain(self) -> Self {
        Self { sidechain: true, ..self }
    }

    /// With a gain-reduction output.
    pub const fn gain_reduction(self) -> Self {
        Self { gain_reduction: true, ..self }
    }

    /// With latency.
    pub const fn latency(self) -> Self {
        Self { latency: true, ..self }
    }

    /// With a tail.
    pub const fn tail(self) -> Self {
        Self { tail: true, ..self }
    }
}

/// A processor kind: registry name, class name in the bindings, doc,
/// capabilities and parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindInfo {
    /// Registry name, `snake_case` (`compressor`).
    pub name: &'static str,
    /// Class name in the bindings, `CamelCase` (`Compressor`).
    pub class: &'static str,
    /// One-paragraph description.
    pub doc: &'static str,
    /// Capabilities.
    pub caps: Caps,
    /// Declared parameters, in constructor order.
    pub params: &'static [ParamInfo],
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
    fn dynamics(&mut self) -> Option<&mut dyn crate::dynamics::Dynamics> {
        None
    }

    /// Members of a structured processor (chain members, equalizer bands,
    /// multiband bands), serialized; empty for plain ones.
    #[cfg(feature = "alloc")]
    fn save_members(&self) -> alloc::vec::Vec<crate::preset::Preset> {
        alloc::vec::Vec::new()
    }

    /// Replaces the members from presets (plain processors accept none).
    #[cfg(feature = "alloc")]
    fn load_members(
        &mut self,
        members: &[crate::preset::Preset],
    ) -> Result<(), crate::preset::PresetError> {
        match members.first() {
            None => Ok(()),
            Some(m) => Err(crate::preset::PresetError::new(alloc::format!(
                "{} takes no members, got one of kind {:?}",
                self.kind().name,
                m.kind
            ))),
        }
    }
}

/// A type that declares its parameters (implemented by [`declare_params!`]).
pub trait Declared {
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
/// ```ignore
/// declare_params! {
///     StereoWidth, STEREO_WIDTH = "stereo_width", "StereoWidth", Caps::PLAIN, "Mid/side width.";
///     WIDTH = ParamInfo::float("width", 0.0, 2.0, 1.0, "", "Side level") => width, set_width;
/// }
/// ```
#[macro_export]
macro_rules! declare_params {
    (
        $ty:ty, $kind:ident = $name:literal, $class:literal, $caps:expr, $doc:literal
        $(, dyn { $($dyn_items:tt)* })?;
        $($konst:ident = $info:expr => $get:ident, $set:ident;)*
    ) => {
        impl $ty {
            $(
                #[doc = concat!("Declaration of `", stringify!($get), "`.")]
                pub const $konst: $crate::params::ParamInfo = $info;
            )*
        }

        #[doc = concat!("Declaration of the `", $name, "` kind.")]
        pub static $kind: $crate::params::KindInfo = $crate::params::KindInfo {
            name: $name,
            class: $class,
            doc: $doc,
            caps: $caps,
            params: &[$(<$ty>::$konst),*],
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
}

/// The error for an index past the last parameter (for [`declare_params!`]).
#[doc(hidden)]
pub fn no_such_index_error() -> Error {
    Error::InvalidParameter { name: "index", reason: "no parameter at this index" }
}
