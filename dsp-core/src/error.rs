//! The one error type of the library.

use core::fmt;

/// Everything that can go wrong when configuring, preparing or measuring.
///
/// `process` and `reset` never fail; errors come from setters, `prepare`,
/// and meters that refuse corrupt data.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Error {
    /// A parameter is out of range or not finite.
    InvalidParameter {
        /// Parameter name, with its unit suffix (e.g. `cutoff_hz`).
        name: &'static str,
        /// What the valid range is.
        reason: &'static str,
    },
    /// A parameter value outside its declared range (see
    /// [`ParamInfo::check`](crate::param_info::ParamInfo::check)).
    OutOfRange {
        /// The parameter's declaration.
        param: &'static crate::param_info::ParamInfo,
        /// The rejected value.
        value: f64,
    },
    /// A choice parameter given a name that is not one of its choices.
    UnknownChoice {
        /// The parameter's declaration.
        param: &'static crate::param_info::ParamInfo,
    },
    /// A parameter id that the processor kind does not declare.
    UnknownParameter {
        /// The kind looked in.
        kind: &'static crate::param_info::KindInfo,
    },
    /// A table name (see
    /// [`DynProcessor::set_table`](crate::params::DynProcessor::set_table))
    /// that the processor kind does not have.
    UnknownTable {
        /// The kind looked in.
        kind: &'static crate::param_info::KindInfo,
        /// The kind's table names.
        tables: &'static [&'static str],
    },
    /// A processor kind name that the registry does not know.
    UnknownKind,
    /// A name (pan law, filter type, target...) that is not known.
    UnknownName {
        /// What kind of name was looked up (e.g. `pan law`).
        kind: &'static str,
    },
    /// The sample rate is not finite or outside the range of the object
    /// that refused it.
    InvalidSampleRate {
        /// The rejected sample rate in Hz.
        sample_rate: f64,
        /// Lowest rate accepted there, in Hz.
        min: f64,
        /// Highest rate accepted there, in Hz.
        max: f64,
    },
    /// The processing sample rate differs from the one a piece of data (an
    /// impulse response) was recorded at.
    SampleRateMismatch {
        /// The data's sample rate in Hz.
        expected: f64,
        /// The processing sample rate in Hz.
        actual: f64,
    },
    /// A frequency parameter is at or above the Nyquist frequency.
    AboveNyquist {
        /// Parameter name (e.g. `cutoff_hz`).
        name: &'static str,
        /// The parameter's value in Hz.
        value_hz: f64,
        /// Nyquist frequency in Hz for the sample rate in use.
        nyquist_hz: f64,
    },
    /// The maximum block size is zero or unreasonably large.
    InvalidBlockSize {
        /// The rejected block size in samples.
        block_size: usize,
        /// Largest block size accepted.
        max: usize,
    },
    /// The channel count is zero or not supported by this processor.
    InvalidChannelCount {
        /// The rejected channel count.
        channels: usize,
    },
    /// Audio with a different channel count than the processor was prepared for.
    ChannelMismatch {
        /// Channels the processor was prepared for.
        expected: usize,
        /// Channels supplied.
        actual: usize,
    },
    /// Channels of one buffer have different lengths, or a length that is
    /// not a whole number of interleaved frames.
    LengthMismatch {
        /// Expected length in samples.
        expected: usize,
        /// Supplied length in samples.
        actual: usize,
    },
    /// A block longer than the prepared maximum block size.
    BlockTooLong {
        /// The prepared maximum block size.
        max: usize,
        /// Length supplied.
        actual: usize,
    },
    /// The processor or meter has not been prepared yet.
    NotPrepared,
    /// Empty input where audio is required.
    EmptyInput,
    /// A long job stopped because its progress callback asked it to (see
    /// [`Progress`](crate::progress::Progress)).
    Cancelled,
    /// A NaN or infinite sample in data that must be finite (analysis).
    NonFinite {
        /// Channel of the first bad sample.
        channel: usize,
        /// Index of the first bad sample within its channel.
        index: usize,
    },
    /// A fixed capacity (e.g. a meter's maximum duration) is exhausted.
    CapacityExceeded {
        /// What ran out.
        what: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidParameter { name, reason } => write!(f, "invalid {name}: {reason}"),
            Error::OutOfRange { param, value } => {
                write!(f, "invalid {} = {value}: must be ", param.id)?;
                param.describe_range(f)
            }
            Error::UnknownChoice { param } => {
                write!(f, "unknown {}: must be ", param.id)?;
                param.describe_range(f)
            }
            Error::UnknownParameter { kind } => {
                write!(f, "{} has no such parameter; its parameters are ", kind.name)?;
                for (i, p) in kind.params.iter().enumerate() {
                    write!(f, "{}{}", if i == 0 { "" } else { ", " }, p.id)?;
                }
                Ok(())
            }
            Error::UnknownTable { kind, tables: [] } => write!(f, "{} has no tables", kind.name),
            Error::UnknownTable { kind, tables } => {
                write!(f, "{} has no such table; its tables are ", kind.name)?;
                for (i, t) in tables.iter().enumerate() {
                    write!(f, "{}{t}", if i == 0 { "" } else { ", " })?;
                }
                Ok(())
            }
            Error::UnknownKind => f.write_str("unknown processor kind"),
            Error::UnknownName { kind } => write!(f, "unknown {kind}"),
            Error::InvalidSampleRate { sample_rate, min, max } => {
                f.write_str("invalid sample rate ")?;
                write_hz(f, sample_rate)?;
                write!(f, ": must be finite and between {min} and {max} Hz")
            }
            Error::SampleRateMismatch { expected, actual } => {
                f.write_str("sample rate ")?;
                write_hz(f, actual)?;
                f.write_str(" differs from the impulse response's ")?;
                write_hz(f, expected)?;
                f.write_str(": resample the impulse response or process at its rate")
            }
            Error::AboveNyquist { name, value_hz, nyquist_hz } => write!(
                f,
                "{name} = {value_hz} Hz must be below the Nyquist frequency ({nyquist_hz} Hz)"
            ),
            Error::InvalidBlockSize { block_size, max } => {
                write!(f, "invalid maximum block size {block_size}: must be between 1 and {max}")
            }
            Error::InvalidChannelCount { channels } => {
                write!(f, "unsupported channel count {channels}")
            }
            Error::ChannelMismatch { expected, actual } => {
                write!(f, "expected {expected} channel(s), got {actual}")
            }
            Error::LengthMismatch { expected, actual } => {
                write!(f, "expected {expected} samples, got {actual}")
            }
            Error::BlockTooLong { max, actual } => {
                write!(f, "block of {actual} samples exceeds the prepared maximum of {max}")
            }
            Error::NotPrepared => f.write_str("not prepared: call prepare first"),
            Error::EmptyInput => f.write_str("empty input: no samples"),
            Error::Cancelled => f.write_str("cancelled by the progress callback"),
            Error::NonFinite { channel, index } => {
                write!(f, "non-finite sample (NaN or Inf) at channel {channel}, index {index}")
            }
            Error::CapacityExceeded { what } => write!(f, "capacity exceeded: {what}"),
        }
    }
}

impl core::error::Error for Error {}

/// Writes a rate in Hz readably: in full when it is of a plausible size,
/// in scientific notation when absurd (never hundreds of digits).
fn write_hz(f: &mut fmt::Formatter<'_>, hz: f64) -> fmt::Result {
    if hz.is_finite() && hz.abs() < 1e9 { write!(f, "{hz} Hz") } else { write!(f, "{hz:e} Hz") }
}

/// Checks that `value` is finite and within `min..=max`.
pub fn check_range(
    name: &'static str,
    value: f64,
    min: f64,
    max: f64,
    reason: &'static str,
) -> Result<f64, Error> {
    if value.is_finite() && value >= min && value <= max {
        Ok(value)
    } else {
        Err(Error::InvalidParameter { name, reason })
    }
}
