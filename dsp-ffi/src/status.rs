//! Status codes, their static descriptions, and the per-thread last error message.

use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::fmt::{self, Write};

use dsp_core::Error;

/// Result of every fallible call: `ML_STATUS_OK` (0) or a negative failure code.
///
/// `ml_status_str` describes a code; `ml_last_error_message` gives the detailed
/// message of the last failure on the calling thread. New codes may be added
/// in later versions; treat any negative value as a failure.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlStatus(pub i32);

/// Success.
pub const ML_STATUS_OK: MlStatus = MlStatus(0);
/// A parameter is out of range, not finite, or otherwise invalid.
pub const ML_STATUS_INVALID_ARGUMENT: MlStatus = MlStatus(-1);
/// A required pointer argument is NULL.
pub const ML_STATUS_NULL_POINTER: MlStatus = MlStatus(-2);
/// The sample rate is not finite or outside the supported range (1 kHz to 768 kHz).
pub const ML_STATUS_INVALID_SAMPLE_RATE: MlStatus = MlStatus(-3);
/// A frequency parameter is at or above the Nyquist frequency of the sample rate.
pub const ML_STATUS_ABOVE_NYQUIST: MlStatus = MlStatus(-4);
/// The maximum block size is zero or too large.
pub const ML_STATUS_INVALID_BLOCK_SIZE: MlStatus = MlStatus(-5);
/// The channel count is zero, too large, or not supported by this processor.
pub const ML_STATUS_INVALID_CHANNEL_COUNT: MlStatus = MlStatus(-6);
/// Audio with a different channel count than the object was prepared for.
pub const ML_STATUS_CHANNEL_MISMATCH: MlStatus = MlStatus(-7);
/// Buffer lengths that do not agree.
pub const ML_STATUS_LENGTH_MISMATCH: MlStatus = MlStatus(-8);
/// A block longer than the prepared maximum block size.
pub const ML_STATUS_BLOCK_TOO_LONG: MlStatus = MlStatus(-9);
/// The object has not been prepared (or must be prepared again after a change).
pub const ML_STATUS_NOT_PREPARED: MlStatus = MlStatus(-10);
/// A typed function was called on a processor of another kind.
pub const ML_STATUS_WRONG_KIND: MlStatus = MlStatus(-11);
/// A NaN or infinite sample in data that must be finite.
pub const ML_STATUS_NONFINITE: MlStatus = MlStatus(-12);
/// An unknown name or enum value.
pub const ML_STATUS_UNKNOWN_NAME: MlStatus = MlStatus(-13);
/// Empty input where audio is required.
pub const ML_STATUS_EMPTY_INPUT: MlStatus = MlStatus(-14);
/// A fixed capacity is exhausted.
pub const ML_STATUS_CAPACITY_EXCEEDED: MlStatus = MlStatus(-15);
/// The handle panicked earlier and is unusable; free it and create a new one.
pub const ML_STATUS_POISONED: MlStatus = MlStatus(-16);
/// An internal panic was caught; the handle involved is now poisoned.
pub const ML_STATUS_PANIC: MlStatus = MlStatus(-17);
/// A failure without a more specific code; see `ml_last_error_message`.
pub const ML_STATUS_OTHER: MlStatus = MlStatus(-18);
/// A long call stopped because its progress callback returned false.
pub const ML_STATUS_CANCELLED: MlStatus = MlStatus(-19);

/// Every status code, in order (used by tests).
#[cfg(test)]
pub(crate) const ALL_STATUSES: [MlStatus; 20] = [
    ML_STATUS_OK,
    ML_STATUS_INVALID_ARGUMENT,
    ML_STATUS_NULL_POINTER,
    ML_STATUS_INVALID_SAMPLE_RATE,
    ML_STATUS_ABOVE_NYQUIST,
    ML_STATUS_INVALID_BLOCK_SIZE,
    ML_STATUS_INVALID_CHANNEL_COUNT,
    ML_STATUS_CHANNEL_MISMATCH,
    ML_STATUS_LENGTH_MISMATCH,
    ML_STATUS_BLOCK_TOO_LONG,
    ML_STATUS_NOT_PREPARED,
    ML_STATUS_WRONG_KIND,
    ML_STATUS_NONFINITE,
    ML_STATUS_UNKNOWN_NAME,
    ML_STATUS_EMPTY_INPUT,
    ML_STATUS_CAPACITY_EXCEEDED,
    ML_STATUS_POISONED,
    ML_STATUS_PANIC,
    ML_STATUS_OTHER,
    ML_STATUS_CANCELLED,
];

impl MlStatus {
    /// Static description of the code.
    fn describe(self) -> &'static CStr {
        match self {
            ML_STATUS_OK => c"ok",
            ML_STATUS_INVALID_ARGUMENT => c"invalid argument",
            ML_STATUS_NULL_POINTER => c"null pointer argument",
            ML_STATUS_INVALID_SAMPLE_RATE => c"invalid sample rate",
            ML_STATUS_ABOVE_NYQUIST => c"frequency at or above Nyquist",
            ML_STATUS_INVALID_BLOCK_SIZE => c"invalid maximum block size",
            ML_STATUS_INVALID_CHANNEL_COUNT => c"unsupported channel count",
            ML_STATUS_CHANNEL_MISMATCH => c"channel count differs from the prepared one",
            ML_STATUS_LENGTH_MISMATCH => c"buffer lengths do not agree",
            ML_STATUS_BLOCK_TOO_LONG => c"block longer than the prepared maximum",
            ML_STATUS_NOT_PREPARED => c"not prepared: call prepare first",
            ML_STATUS_WRONG_KIND => c"function does not apply to this kind of processor",
            ML_STATUS_NONFINITE => c"non-finite sample (NaN or Inf)",
            ML_STATUS_UNKNOWN_NAME => c"unknown name or enum value",
            ML_STATUS_EMPTY_INPUT => c"empty input",
            ML_STATUS_CAPACITY_EXCEEDED => c"capacity exceeded",
            ML_STATUS_POISONED => c"handle poisoned by an earlier panic",
            ML_STATUS_PANIC => c"internal panic (caught)",
            ML_STATUS_OTHER => c"other error",
            ML_STATUS_CANCELLED => c"cancelled by the progress callback",
            _ => c"unknown status code",
        }
    }
}

/// Status code for a library error. Variants added to `Error` later fall
/// back to `ML_STATUS_OTHER` until they get a code of their own.
pub(crate) fn status_of(error: &Error) -> MlStatus {
    match error {
        Error::InvalidParameter { .. } | Error::OutOfRange { .. } => ML_STATUS_INVALID_ARGUMENT,
        Error::UnknownName { .. }
        | Error::UnknownChoice { .. }
        | Error::UnknownParameter { .. }
        | Error::UnknownTable { .. }
        | Error::UnknownKind => ML_STATUS_UNKNOWN_NAME,
        Error::InvalidSampleRate { .. } | Error::SampleRateMismatch { .. } => {
            ML_STATUS_INVALID_SAMPLE_RATE
        }
        Error::AboveNyquist { .. } => ML_STATUS_ABOVE_NYQUIST,
        Error::InvalidBlockSize { .. } => ML_STATUS_INVALID_BLOCK_SIZE,
        Error::InvalidChannelCount { .. } => ML_STATUS_INVALID_CHANNEL_COUNT,
        Error::ChannelMismatch { .. } => ML_STATUS_CHANNEL_MISMATCH,
        Error::LengthMismatch { .. } => ML_STATUS_LENGTH_MISMATCH,
        Error::BlockTooLong { .. } => ML_STATUS_BLOCK_TOO_LONG,
        Error::NotPrepared => ML_STATUS_NOT_PREPARED,
        Error::EmptyInput => ML_STATUS_EMPTY_INPUT,
        Error::NonFinite { .. } => ML_STATUS_NONFINITE,
        Error::CapacityExceeded { .. } => ML_STATUS_CAPACITY_EXCEEDED,
        Error::Cancelled => ML_STATUS_CANCELLED,
        _ => ML_STATUS_OTHER,
    }
}

/// Why an exported call failed: a status code and its detailed message.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) status: MlStatus,
    message: Message,
}

/// A failure's message, kept as what it is until it is reported, where it
/// is formatted into a fixed buffer: every variant but `Text` reports without
/// allocating (the audio path and the setters use only those); `Text` is for
/// calls that may allocate anyway (constructors, JSON, names).
#[derive(Debug)]
pub(crate) enum Message {
    Static(&'static str),
    Error(Error),
    /// "this function needs a {want} processor, not a {got}".
    NeedsKind {
        want: &'static str,
        got: &'static str,
    },
    /// "a {kind} {lacks}", e.g. "a gain has no sidechain input".
    KindLacks {
        kind: &'static str,
        lacks: &'static str,
    },
    /// "{owner} has no {what} {index} (it has {count})", or without an
    /// owner "no {what} {index} (there are {count})".
    NoIndex {
        owner: &'static str,
        what: &'static str,
        index: usize,
        count: usize,
    },
    /// "{value} is not a valid {type_name}" (an enum value of the C API).
    NotA {
        type_name: &'static str,
        value: i32,
    },
    Text(String),
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Static(text) => f.write_str(text),
            Message::Error(e) => write!(f, "{e}"),
            Message::NeedsKind { want, got } => {
                write!(f, "this function needs a {want} processor, not a {got}")
            }
            Message::KindLacks { kind, lacks } => write!(f, "a {kind} {lacks}"),
            Message::NoIndex { owner: "", what, index, count } => {
                write!(f, "no {what} {index} (there are {count})")
            }
            Message::NoIndex { owner, what, index, count } => {
                write!(f, "{owner} has no {what} {index} (it has {count})")
            }
            Message::NotA { type_name, value } => write!(f, "{value} is not a valid {type_name}"),
            Message::Text(text) => f.write_str(text),
        }
    }
}

impl From<&'static str> for Message {
    fn from(text: &'static str) -> Self {
        Message::Static(text)
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

impl Fail {
    /// A failure with a message of its own.
    pub(crate) fn new(status: MlStatus, message: impl Into<Message>) -> Self {
        Self { status, message: message.into() }
    }

    /// Records the message as the thread's last error and returns the code.
    /// Never allocates: the message is written into a fixed buffer.
    pub(crate) fn report(self) -> MlStatus {
        LAST_ERROR.with(|last| {
            let mut last = last.borrow_mut();
            last.len = 0;
            // A message longer than the buffer is cut (`write_str` stops).
            let _ = write!(last, "{}", self.message);
            last.terminate();
        });
        self.status
    }
}

impl From<Error> for Fail {
    fn from(error: Error) -> Self {
        Self { status: status_of(&error), message: Message::Error(error) }
    }
}

/// The failure for an enum value that is not one of its constants.
pub(crate) fn unknown(type_name: &'static str, value: i32) -> Fail {
    Fail::new(ML_STATUS_UNKNOWN_NAME, Message::NotA { type_name, value })
}

/// Longest last-error message in bytes (longer ones are cut at a character).
const MESSAGE_CAPACITY: usize = 1023;

/// A thread's last error message: a NUL-terminated text in a fixed buffer.
struct MessageBuf {
    bytes: [u8; MESSAGE_CAPACITY + 1],
    len: usize,
}

impl MessageBuf {
    /// NUL-terminates the text (a NUL inside it would end it early: it
    /// becomes a space).
    fn terminate(&mut self) {
        self.bytes[..self.len].iter_mut().filter(|b| **b == 0).for_each(|b| *b = b' ');
        self.bytes[self.len] = 0;
    }
}

impl fmt::Write for MessageBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = MESSAGE_CAPACITY - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() { Err(fmt::Error) } else { Ok(()) }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<MessageBuf> =
        const { RefCell::new(MessageBuf { bytes: [0; MESSAGE_CAPACITY + 1], len: 0 }) };
}

/// Static, NUL-terminated English description of a status code.
///
/// Never returns NULL; unknown codes give "unknown status code". The string
/// lives for the whole program and must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn ml_status_str(status: MlStatus) -> *const c_char {
    status.describe().as_ptr()
}

/// Detailed message of the most recent failed call on the calling thread
/// (e.g. "cutoff_hz = 30000 Hz must be below the Nyquist frequency (22050 Hz)").
///
/// Empty if no call has failed on this thread yet; successful calls leave it
/// unchanged. Never returns NULL. Recording it never allocates (setters and
/// the audio path stay real-time safe when they fail); a message is cut at
/// 1023 bytes. The string belongs to the library and stays
/// valid until the next failing call on the same thread.
#[unsafe(no_mangle)]
pub extern "C" fn ml_last_error_message() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().bytes.as_ptr().cast())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_distinct_description() {
        let texts: Vec<&CStr> = ALL_STATUSES.iter().map(|s| s.describe()).collect();
        for (i, t) in texts.iter().enumerate() {
            assert!(!t.is_empty());
            assert_ne!(*t, c"unknown status code");
            assert!(!texts[i + 1..].contains(t), "duplicate description {t:?}");
        }
        assert_eq!(MlStatus(-1000).describe(), c"unknown status code");
        assert_eq!(MlStatus(7).describe(), c"unknown status code");
    }

    #[test]
    fn codes_are_zero_then_consecutive_negatives() {
        for (i, s) in ALL_STATUSES.iter().enumerate() {
            assert_eq!(s.0, -(i as i32));
        }
    }

    #[test]
    fn errors_map_to_codes_and_messages() {
        let fail = Fail::from(Error::AboveNyquist {
            name: "cutoff_hz",
            value_hz: 30_000.0,
            nyquist_hz: 22_050.0,
        });
        assert_eq!(fail.report(), ML_STATUS_ABOVE_NYQUIST);
        let msg = unsafe { CStr::from_ptr(ml_last_error_message()) }.to_str().unwrap();
        assert!(msg.contains("cutoff_hz") && msg.contains("22050"), "{msg}");
        assert_eq!(status_of(&Error::NotPrepared), ML_STATUS_NOT_PREPARED);
        assert_eq!(status_of(&Error::NonFinite { channel: 0, index: 3 }), ML_STATUS_NONFINITE);
    }
}
