//! The generic processor API read from dsp-core's parameter table: kinds
//! and their capabilities, creation by kind name, parameter info, get and
//! set by id or index from any thread, and JSON presets.
//!
//! Every string handed out (names, docs, units, choice names) is built once
//! from the registry, NUL-terminated, and lives for the whole program.

use std::ffi::{CStr, CString, c_char};
use std::sync::OnceLock;

use dsp_core::params::{Channels, KindInfo, ParamInfo, ParamType, Params, Scale};
use dsp_core::preset::{self, Preset};
use dsp_core::registry;

use crate::guard::{Outcome, get_shared, guard, non_null, non_null_mut, null_pointer, with_shared};
use crate::processor::{MlProcessor, new_processor, with_processor};
use crate::status::{
    Fail, ML_STATUS_CAPACITY_EXCEEDED, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_UNKNOWN_NAME,
    ML_STATUS_WRONG_KIND, Message, MlStatus,
};

/// Channel layout a processor kind takes and gives.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlChannels(pub i32);

/// Any channel count; as many channels out as in.
pub const ML_CHANNELS_ANY: MlChannels = MlChannels(0);
/// Stereo in, stereo out (prepare with 2 channels).
pub const ML_CHANNELS_STEREO: MlChannels = MlChannels(1);
/// Mono or stereo source, stereo out (a panner: prepare with 2 channels
/// and set its `source` parameter).
pub const ML_CHANNELS_TO_STEREO: MlChannels = MlChannels(2);

/// The type of a parameter's value (every value travels as a `double`).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlParamType(pub i32);

/// A real number from `min` to `max`.
pub const ML_PARAM_TYPE_FLOAT: MlParamType = MlParamType(0);
/// A whole number from `min` to `max`.
pub const ML_PARAM_TYPE_INT: MlParamType = MlParamType(1);
/// A switch: 0 (off) or 1 (on).
pub const ML_PARAM_TYPE_BOOL: MlParamType = MlParamType(2);
/// One of `choices`, as its index (0 to `choice_count - 1`).
pub const ML_PARAM_TYPE_CHOICE: MlParamType = MlParamType(3);

/// How a parameter is best shown and automated.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlScale(pub i32);

/// Evenly spaced values.
pub const ML_SCALE_LINEAR: MlScale = MlScale(0);
/// Evenly spaced ratios (frequencies, times).
pub const ML_SCALE_LOG: MlScale = MlScale(1);

/// A processor kind: names, doc and capabilities. All strings are static.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MlKindInfo {
    /// Registry name, `snake_case` (`"compressor"`), for `ml_processor_new_kind`.
    pub name: *const c_char,
    /// Class name in the bindings, `CamelCase` (`"Compressor"`).
    pub class_name: *const c_char,
    /// One-paragraph description.
    pub doc: *const c_char,
    /// Takes a sidechain (`ml_processor_process_sidechain_planar`).
    pub sidechain: bool,
    /// Reports gain reduction (`ml_processor_gain_reduction_db`).
    pub gain_reduction: bool,
    /// Channel layout.
    pub channels: MlChannels,
    /// May add latency (`ml_processor_latency`).
    pub latency: bool,
    /// May ring after its input ends (`ml_processor_tail`).
    pub tail: bool,
    /// Number of declared parameters.
    pub param_count: usize,
}

/// One declared parameter. All strings and the choice array are static.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MlParamInfo {
    /// Id with its unit suffix (`"threshold_db"`), for the get/set calls.
    pub id: *const c_char,
    /// Unit symbol (`"dB"`, `"Hz"`, `"ms"`), empty when unitless.
    pub unit: *const c_char,
    /// One-line description.
    pub doc: *const c_char,
    /// Value type.
    pub r#type: MlParamType,
    /// Smallest value (0 for switches and choices).
    pub min: f64,
    /// Largest value (may be `INFINITY`, e.g. a ratio).
    pub max: f64,
    /// Value of a new processor.
    pub default_value: f64,
    /// Display scale.
    pub scale: MlScale,
    /// Time over which a change glides, in ms (0: applies at once).
    pub smoothing_ms: f64,
    /// Number of choices (0 unless a choice).
    pub choice_count: usize,
    /// `choice_count` choice names, in value order (NULL when there are none).
    pub choices: *const *const c_char,
}

/// Static C strings of one parameter.
struct ParamText {
    id: CString,
    unit: CString,
    doc: CString,
    _choice_names: Vec<CString>,
    choices: Vec<*const c_char>,
}

/// Static C strings of one kind.
struct KindText {
    info: &'static KindInfo,
    name: CString,
    class: CString,
    doc: CString,
    params: Vec<ParamText>,
}

/// The strings of every registered kind, built on first use.
struct Table(Vec<KindText>);

// SAFETY: the raw pointers in the table point into `CString`s of the same
// table, which is never changed or dropped once built.
unsafe impl Send for Table {}
// SAFETY: as above; the table is only read after it is built.
unsafe impl Sync for Table {}

/// A C string of `s` (a NUL inside, never expected, becomes a space).
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

fn table() -> &'static [KindText] {
    static TABLE: OnceLock<Table> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        Table(
            registry::kinds()
                .map(|info| KindText {
                    info,
                    name: c_string(info.name),
                    class: c_string(info.class),
                    doc: c_string(info.doc),
                    params: info.params.iter().map(param_text).collect(),
                })
                .collect(),
        )
    });
    &table.0
}

fn param_text(info: &ParamInfo) -> ParamText {
    let names: Vec<CString> = info.choices().iter().map(|n| c_string(n)).collect();
    let choices = names.iter().map(|n| n.as_ptr()).collect();
    ParamText {
        id: c_string(info.id),
        unit: c_string(info.unit),
        doc: c_string(info.doc),
        _choice_names: names,
        choices,
    }
}

/// The strings of `kind`, or `ML_STATUS_UNKNOWN_NAME` if it is not registered.
fn text_of(kind: &'static KindInfo) -> Result<&'static KindText, Fail> {
    table().iter().find(|t| std::ptr::eq(t.info, kind) || t.info.name == kind.name).ok_or_else(
        || Fail::new(ML_STATUS_UNKNOWN_NAME, format!("{} is not a registered kind", kind.name)),
    )
}

fn kind_info(t: &'static KindText) -> MlKindInfo {
    let caps = t.info.caps;
    MlKindInfo {
        name: t.name.as_ptr(),
        class_name: t.class.as_ptr(),
        doc: t.doc.as_ptr(),
        sidechain: caps.sidechain,
        gain_reduction: caps.gain_reduction,
        channels: match caps.channels {
            Channels::Any => ML_CHANNELS_ANY,
            Channels::Stereo => ML_CHANNELS_STEREO,
            Channels::ToStereo => ML_CHANNELS_TO_STEREO,
        },
        latency: caps.latency,
        tail: caps.tail,
        param_count: t.info.params.len(),
    }
}

/// The info of parameter `index` of the kind `t`.
fn param_info(t: &'static KindText, index: usize) -> Result<MlParamInfo, Fail> {
    let (info, text) = t.info.params.iter().zip(&t.params).nth(index).ok_or_else(|| {
        Fail::new(
            ML_STATUS_INVALID_ARGUMENT,
            format!("{} has no parameter {index} (it has {})", t.info.name, t.info.params.len()),
        )
    })?;
    let r#type = match info.ty {
        ParamType::Float => ML_PARAM_TYPE_FLOAT,
        ParamType::Int => ML_PARAM_TYPE_INT,
        ParamType::Bool => ML_PARAM_TYPE_BOOL,
        ParamType::Choice(_) => ML_PARAM_TYPE_CHOICE,
    };
    Ok(MlParamInfo {
        id: text.id.as_ptr(),
        unit: text.unit.as_ptr(),
        doc: text.doc.as_ptr(),
        r#type,
        min: info.min,
        max: info.max,
        default_value: info.default,
        scale: match info.scale {
            Scale::Linear => ML_SCALE_LINEAR,
            Scale::Log => ML_SCALE_LOG,
        },
        smoothing_ms: info.smoothing_ms,
        choice_count: text.choices.len(),
        choices: if text.choices.is_empty() { std::ptr::null() } else { text.choices.as_ptr() },
    })
}

/// A C string argument as UTF-8.
///
/// # Safety
/// `s` is NULL or a NUL-terminated string readable for `'a`.
pub(crate) unsafe fn str_arg<'a>(s: *const c_char) -> Result<&'a str, Fail> {
    let s = unsafe { CStr::from_ptr(non_null(s)?) };
    s.to_str().map_err(|_| Fail::new(ML_STATUS_INVALID_ARGUMENT, "a name is not valid UTF-8"))
}

/// The failure for an unknown kind name: it lists the kinds.
fn unknown_kind(name: &str, e: dsp_core::Error) -> Fail {
    let kinds: Vec<&str> = registry::kinds().map(|k| k.name).collect();
    Fail::new(ML_STATUS_UNKNOWN_NAME, format!("{name:?}: {e}; the kinds are {}", kinds.join(", ")))
}

/// The registered kind called `name`.
///
/// # Safety
/// As [`str_arg`].
unsafe fn find_kind(name: *const c_char) -> Result<&'static KindText, Fail> {
    let name = unsafe { str_arg(name)? };
    let info = registry::find(name).map_err(|e| unknown_kind(name, e))?;
    text_of(info)
}

/// Index of the parameter `id` of the processor `h`.
///
/// # Safety
/// As [`str_arg`].
unsafe fn index_of(h: &MlProcessor, id: *const c_char) -> Result<usize, Fail> {
    let id = unsafe { str_arg(id)? };
    Ok(h.kind().index_of(id)?)
}

/// The target of parameter `index` of `h`.
fn value_at(h: &MlProcessor, index: usize) -> Result<f64, Fail> {
    h.params().get(index).ok_or_else(|| {
        let (owner, count) = (h.kind().name, h.kind().params.len());
        Fail::new(
            ML_STATUS_INVALID_ARGUMENT,
            Message::NoIndex { owner, what: "parameter", index, count },
        )
    })
}

/// Sets `to` (of the same kind as `from`) to `from`'s parameter values,
/// read from its targets. On a failure (a value the processor refuses
/// once prepared) the values before it have been set.
pub(crate) fn copy_params(from: &MlProcessor, to: &mut dyn Params) -> Result<(), Fail> {
    let (want, got) = (to.kind(), from.kind());
    if want.name != got.name {
        return Err(Fail::new(
            ML_STATUS_WRONG_KIND,
            Message::NeedsKind { want: want.name, got: got.name },
        ));
    }
    for i in 0..want.params.len() {
        if let Some(v) = from.params().get(i) {
            to.set_param(i, v)?;
        }
    }
    Ok(())
}

/// Number of registered processor kinds (indices for `ml_kind_info`).
///
/// Thread rule: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn ml_kind_count() -> usize {
    registry::ENTRIES.len()
}

/// Writes the info of kind `index` (0 to `ml_kind_count() - 1`) to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` past the last kind.
///
/// Thread rule: any thread.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_kind_info(index: usize, out: *mut MlKindInfo) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        let t = table().get(index).ok_or_else(|| {
            Fail::new(
                ML_STATUS_INVALID_ARGUMENT,
                format!("no kind {index} (there are {})", table().len()),
            )
        })?;
        *out = kind_info(t);
        Ok(())
    })
}

/// Writes the info of the kind called `name` to `*out`, without creating a
/// processor.
///
/// Fails with `ML_STATUS_UNKNOWN_NAME` (the message lists the kinds).
///
/// Thread rule: any thread.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_kind_find(name: *const c_char, out: *mut MlKindInfo) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        *out = kind_info(unsafe { find_kind(name)? });
        Ok(())
    })
}

/// Writes the info of parameter `index` of the kind called `kind` to `*out`,
/// without creating a processor.
///
/// Fails with `ML_STATUS_UNKNOWN_NAME` (unknown kind) or
/// `ML_STATUS_INVALID_ARGUMENT` (past the last parameter).
///
/// Thread rule: any thread.
///
/// # Safety
/// `kind` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_kind_param_info(
    kind: *const c_char,
    index: usize,
    out: *mut MlParamInfo,
) -> MlStatus {
    guard(|| {
        let out = unsafe { non_null_mut(out)? };
        *out = param_info(unsafe { find_kind(kind)? }, index)?;
        Ok(())
    })
}

/// Creates a processor of the kind called `kind` (`"gain"`, `"pan"`,
/// `"chain"`...; see `ml_kind_count` / `ml_kind_info`) with its declared
/// defaults, and writes its handle to `*out` (NULL on failure). Free it
/// with `ml_processor_free`.
///
/// Fails with `ML_STATUS_UNKNOWN_NAME`; the message lists the kinds.
///
/// Thread rule: any thread.
///
/// # Safety
/// `kind` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_new_kind(
    kind: *const c_char,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_processor(out, || {
            let name = str_arg(kind)?;
            registry::create(name).map_err(|e| unknown_kind(name, e))
        })
    }
}

/// Writes the info of the processor's kind to `*out`.
///
/// Thread rule: any thread, concurrently with processing.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_kind(
    p: *const MlProcessor,
    out: *mut MlKindInfo,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| Ok(kind_info(text_of(h.kind())?))) }
}

/// Writes the number of the processor's parameters to `*out`.
///
/// Thread rule: any thread, concurrently with processing.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_count(
    p: *const MlProcessor,
    out: *mut usize,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| Ok(h.kind().params.len())) }
}

/// Writes the info of the processor's parameter `index` to `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` past the last parameter.
///
/// Thread rule: any thread, concurrently with processing.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_info(
    p: *const MlProcessor,
    index: usize,
    out: *mut MlParamInfo,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| param_info(text_of(h.kind())?, index)) }
}

/// Writes the index of the parameter called `id` to `*out`.
///
/// Fails with `ML_STATUS_UNKNOWN_NAME` (the message lists the parameters).
///
/// Thread rule: any thread, concurrently with processing.
///
/// # Safety
/// `p` is NULL or a live handle; `id` is NULL or a NUL-terminated string;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_index(
    p: *const MlProcessor,
    id: *const c_char,
    out: *mut usize,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| index_of(h, id)) }
}

/// Writes the value of the parameter called `id` to `*out`: the last value
/// set (switches 0 or 1, choices their index).
///
/// Fails with `ML_STATUS_UNKNOWN_NAME` for an unknown id.
///
/// Thread rule: any thread, concurrently with processing. Lock-free.
///
/// # Safety
/// `p` is NULL or a live handle; `id` is NULL or a NUL-terminated string;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_get(
    p: *const MlProcessor,
    id: *const c_char,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| value_at(h, index_of(h, id)?)) }
}

/// Sets the parameter called `id`, checked against its declaration; the
/// processing thread picks it up before its next block (and glides to it
/// over the parameter's `smoothing_ms`).
///
/// Fails with `ML_STATUS_UNKNOWN_NAME` for an unknown id, and with
/// `ML_STATUS_INVALID_ARGUMENT` for a value outside the range (or NaN, or a
/// fraction for a whole number, switch or choice); `ml_last_error_message`
/// names the parameter and its range, and the value is left as it was. A
/// value in range that the prepared processor refuses (a cutoff at or above
/// the Nyquist frequency) is dropped at the next block: the parameter then
/// reads back as the value in use.
///
/// Thread rule: any thread, concurrently with processing. Lock-free; never
/// allocates on success.
///
/// # Safety
/// `p` is NULL or a live handle; `id` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_set(
    p: *mut MlProcessor,
    id: *const c_char,
    value: f64,
) -> MlStatus {
    unsafe { with_shared(p, |h| Ok(h.params().set(index_of(h, id)?, value)?)) }
}

/// Writes the value of parameter `index` (see `ml_processor_param_info`) to
/// `*out`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` past the last parameter.
///
/// Thread rule: any thread, concurrently with processing. Lock-free.
///
/// # Safety
/// `p` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_get_at(
    p: *const MlProcessor,
    index: usize,
    out: *mut f64,
) -> MlStatus {
    unsafe { get_shared(p, out, |h| value_at(h, index)) }
}

/// Sets parameter `index`, as `ml_processor_param_set` does by id.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` past the last parameter or for a
/// value out of range.
///
/// Thread rule: any thread, concurrently with processing. Lock-free; never
/// allocates on success.
///
/// # Safety
/// `p` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_param_set_at(
    p: *mut MlProcessor,
    index: usize,
    value: f64,
) -> MlStatus {
    unsafe {
        with_shared(p, |h| {
            value_at(h, index)?;
            Ok(h.params().set(index, value)?)
        })
    }
}

/// Writes the processor's settings as JSON (kind, format version, every
/// parameter by id, and members such as a chain's, recursively) to `buf`,
/// NUL-terminated, if it fits in `capacity` bytes; always writes the JSON's
/// length without the NUL to `*len`. Call it with `buf` NULL and
/// `capacity` 0 to ask for the length.
///
/// Fails with `ML_STATUS_CAPACITY_EXCEEDED` if `buf` is given but too
/// small (it then holds an empty string).
///
/// Thread rule: the processing thread only (it reads the processor).
///
/// # Safety
/// `p` is NULL or a live handle; `buf` is NULL or writable for `capacity`
/// bytes; `len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_save_json(
    p: *mut MlProcessor,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |_, st| {
            let json = json_text(serde_json::to_string(&preset::save(&*st.inner)))?;
            write_text(&json, buf, capacity, len)
        })
    }
}

/// Serialized JSON, or its error as `ML_STATUS_INVALID_ARGUMENT`.
pub(crate) fn json_text(json: serde_json::Result<String>) -> Result<String, Fail> {
    json.map_err(|e| Fail::new(ML_STATUS_INVALID_ARGUMENT, e.to_string()))
}

/// Reads a `T` from the JSON text `json`; malformed JSON (or JSON of
/// something else) is `ML_STATUS_INVALID_ARGUMENT`, "invalid `what`: ...".
///
/// # Safety
/// `json` is NULL or a NUL-terminated string.
pub(crate) unsafe fn from_json_arg<T: serde::de::DeserializeOwned>(
    json: *const c_char,
    what: &str,
) -> Result<T, Fail> {
    serde_json::from_str(unsafe { str_arg(json)? })
        .map_err(|e| Fail::new(ML_STATUS_INVALID_ARGUMENT, format!("invalid {what}: {e}")))
}

/// Writes `value` as JSON text to `buf`, as [`write_text`] does.
///
/// # Safety
/// As [`write_text`].
pub(crate) unsafe fn write_json(
    value: &impl serde::Serialize,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> Outcome {
    let json = json_text(serde_json::to_string(value))?;
    unsafe { write_text(&json, buf, capacity, len) }
}

/// Writes `text` NUL-terminated to `buf` if it fits in `capacity` bytes, and
/// always its length without the NUL to `*len`; `buf` NULL with `capacity`
/// 0 only asks for the length. Too small a buffer holds an empty string and
/// gives `ML_STATUS_CAPACITY_EXCEEDED`.
///
/// # Safety
/// `buf` is NULL or writable for `capacity` bytes; `len` is NULL or writable.
pub(crate) unsafe fn write_text(
    text: &str,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> Outcome {
    let len = unsafe { non_null_mut(len)? };
    *len = text.len();
    if buf.is_null() && capacity == 0 {
        return Ok(());
    }
    if buf.is_null() {
        return Err(null_pointer());
    }
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), capacity) };
    if text.len() < capacity {
        out[..text.len()].copy_from_slice(text.as_bytes());
        out[text.len()] = 0;
        return Ok(());
    }
    if let Some(first) = out.first_mut() {
        *first = 0;
    }
    Err(Fail::new(
        ML_STATUS_CAPACITY_EXCEEDED,
        format!("the JSON needs {} bytes, the buffer has {capacity}", text.len() + 1),
    ))
}

/// Creates a processor from JSON written by `ml_processor_save_json` (any
/// kind, members included) and writes its handle to `*out` (NULL on
/// failure). A parameter the JSON leaves out takes its default.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for malformed JSON, an unknown
/// kind or parameter, or a value out of range; `ml_last_error_message`
/// names it (and where it sits among members).
///
/// Thread rule: any thread.
///
/// # Safety
/// `json` is NULL or a NUL-terminated string; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_load_json(
    json: *const c_char,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        new_processor(out, || {
            let text = str_arg(json)?;
            let invalid = |message: String| Fail::new(ML_STATUS_INVALID_ARGUMENT, message);
            let saved: Preset =
                serde_json::from_str(text).map_err(|e| invalid(format!("invalid preset: {e}")))?;
            preset::load(&saved).map_err(|e| invalid(e.to_string()))
        })
    }
}
