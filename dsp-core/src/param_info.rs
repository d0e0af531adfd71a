//! The data of parameter and capability declarations (see
//! [`params`](crate::params) for the traits and checks that use them). A
//! leaf module: it depends on nothing else in the crate.

use core::fmt;

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
    /// What a choice's values are called in messages (`pan law`); empty
    /// for other types.
    pub noun: &'static str,
}

/// The values of a choice parameter: their names and what they are called
/// (`named_choices!` declares one per enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choices {
    /// What the values are called in messages (`pan law`).
    pub noun: &'static str,
    /// The names, in index order.
    pub names: &'static [&'static str],
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
            noun: "",
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
        choices: Choices,
        default: usize,
        doc: &'static str,
    ) -> Self {
        let max = (choices.names.len() - 1) as f64;
        Self {
            ty: ParamType::Choice(choices.names),
            noun: choices.noun,
            ..Self::float(id, 0.0, max, default as f64, "", doc)
        }
    }

    /// The same parameter shown on a logarithmic scale.
    pub const fn log(self) -> Self {
        Self { scale: Scale::Log, ..self }
    }

    /// The same parameter, gliding over `ms` when changed.
    pub const fn smoothed(self, ms: f64) -> Self {
        Self { smoothing_ms: ms, ..self }
    }

    /// The names of a choice (empty for other types).
    pub fn choices(&self) -> &'static [&'static str] {
        match self.ty {
            ParamType::Choice(names) => names,
            _ => &[],
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
