//! The multitrack mixer (`MlMixer`): tracks and aux buses summed into a
//! master bus, with sends, insert chains, automation, automatic latency
//! compensation and meters (dsp-core's `mixer`).
//!
//! A track, a bus or the master is named by an [`MlMixerOwner`] and an
//! index (the order of `ml_mixer_add_track` / `ml_mixer_add_bus`; ignored for
//! the master). Parameters are reached by path, as in Python and Rust: a
//! strip parameter's id (`gain_db`, `pan`, `width`, `mute`, `solo`,
//! `invert_polarity`; buses `gain_db`, `mute`, `solo`, `solo_safe`),
//! `inserts.<position>.<id>`, or `sends.<bus name>.level_db`.
//!
//! Thread rule: one thread at a time per mixer (the processing thread).
//! Insert processors pushed with `ml_mixer_insert_push` keep their handles:
//! their parameters may be set from any thread, as for a chain's members.

use std::ffi::c_char;
use std::sync::atomic::AtomicBool;

use dsp_core::analysis::LoudnessMeter;
use dsp_core::mixer::{Mixer, Owner, Session, TrackSource};
use dsp_core::{Chain, Error};

use crate::chain::{member_handle, push_member};
use crate::guard::{
    Handle, free_handle, get_from, get_shared, new_handle, non_null, non_null_mut, null_pointer,
    update_handle, with_handle,
};
use crate::params::{json_text, str_arg, write_text};
use crate::processor::MlProcessor;
use crate::progress::{MlProgress, with_progress};
use crate::status::{
    Fail, ML_STATUS_INVALID_ARGUMENT, ML_STATUS_NULL_POINTER, Message, MlStatus, unknown,
};

/// Opaque handle to a mixing session. Create it with `ml_mixer_new` or
/// `ml_mixer_load_json`, free it with `ml_mixer_free`.
pub struct MlMixer {
    mixer: Mixer,
    poisoned: AtomicBool,
}

impl std::fmt::Debug for MlMixer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MlMixer").field("tracks", &self.mixer.track_count()).finish()
    }
}

impl Handle for MlMixer {
    fn poison_flag(&self) -> &AtomicBool {
        &self.poisoned
    }
}

/// What an `index` names in the mixer calls.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MlMixerOwner(pub i32);

/// Track `index`.
pub const ML_MIXER_TRACK: MlMixerOwner = MlMixerOwner(0);
/// Aux bus `index`.
pub const ML_MIXER_BUS: MlMixerOwner = MlMixerOwner(1);
/// The master bus (the index is ignored).
pub const ML_MIXER_MASTER: MlMixerOwner = MlMixerOwner(2);

/// A track's or bus's meter after processing: sample peak (dBFS) and
/// loudness (LUFS) of its output, -inf while silent.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MlMixerMeter {
    /// Largest sample magnitude in dBFS.
    pub sample_peak_dbfs: f64,
    /// Integrated (gated) loudness in LUFS.
    pub integrated_lufs: f64,
    /// Largest momentary (400 ms) loudness in LUFS.
    pub max_momentary_lufs: f64,
    /// Largest short-term (3 s) loudness in LUFS.
    pub max_short_term_lufs: f64,
}

/// The core owner for a C owner and index, checked against the session.
fn owner(m: &Mixer, who: MlMixerOwner, index: usize) -> Result<Owner, Fail> {
    let (owner, count, what) = match who {
        ML_MIXER_TRACK => (Owner::Track(index), m.track_count(), "track"),
        ML_MIXER_BUS => (Owner::Bus(index), m.bus_count(), "bus"),
        ML_MIXER_MASTER => return Ok(Owner::Master),
        _ => return Err(unknown("MlMixerOwner", who.0)),
    };
    if index >= count {
        let message = Message::NoIndex { owner: "the mixer", what, index, count };
        return Err(Fail::new(ML_STATUS_INVALID_ARGUMENT, message));
    }
    Ok(owner)
}

/// The insert chain of an owner.
fn inserts(m: &mut Mixer, who: Owner) -> &mut Chain {
    match who {
        Owner::Track(i) => m.track_mut(i).expect("checked").inserts_mut(),
        Owner::Bus(i) => m.bus_mut(i).expect("checked").inserts_mut(),
        Owner::Master => m.master_mut().inserts_mut(),
    }
}

/// Creates an empty session (no tracks, no buses) at `sample_rate` Hz,
/// processing in blocks of at most `max_block` samples, and writes it to
/// `*out` (NULL on failure).
///
/// Fails with `ML_STATUS_INVALID_SAMPLE_RATE` or `ML_STATUS_INVALID_BLOCK_SIZE`.
///
/// # Safety
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_new(
    sample_rate: f64,
    max_block: usize,
    out: *mut *mut MlMixer,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            Ok(MlMixer {
                mixer: Mixer::new(sample_rate, max_block)?,
                poisoned: AtomicBool::new(false),
            })
        })
    }
}

/// Frees a session and the insert processors it owns. NULL is a no-op.
///
/// # Safety
/// `m` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_free(m: *mut MlMixer) {
    unsafe { free_handle(m) }
}

/// Adds a track called `name` with `channels` (1 or 2) input channels and
/// writes its index to `*index`. A mono track stays mono until its pan.
/// May allocate; prepare again afterwards.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for a name in use, an empty one,
/// or a channel count other than 1 or 2.
///
/// # Safety
/// `m` is NULL or a live handle; `name` NULL or a NUL-terminated string;
/// `index` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_add_track(
    m: *mut MlMixer,
    name: *const c_char,
    channels: usize,
    index: *mut usize,
) -> MlStatus {
    unsafe { get_from(m, index, |h| Ok(h.mixer.add_track(str_arg(name)?, channels)?)) }
}

/// Adds an aux bus called `name` (its output returns into the master) and
/// writes its index to `*index`. May allocate; prepare again afterwards.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for a name in use or an empty one.
///
/// # Safety
/// As `ml_mixer_add_track`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_add_bus(
    m: *mut MlMixer,
    name: *const c_char,
    index: *mut usize,
) -> MlStatus {
    unsafe { get_from(m, index, |h| Ok(h.mixer.add_bus(str_arg(name)?)?)) }
}

/// Sends track `track` to aux bus `bus` at `level_db` (-150 to +24 dB),
/// before the fader (after the pan) or after it; replaces an earlier send
/// to that bus. Its level is then the parameter `sends.<bus name>.level_db`.
/// May allocate; prepare again afterwards.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_send(
    m: *mut MlMixer,
    track: usize,
    bus: usize,
    level_db: f64,
    pre_fader: bool,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            h.mixer.send(track, bus, level_db, pre_fader).map(drop).map_err(Into::into)
        })
    }
}

/// Routes track `track`'s output (after its fader, at unity) to aux bus
/// `index` (`who` `ML_MIXER_BUS`) instead of the master, or back to the
/// master (`ML_MIXER_MASTER`): group buses. May allocate; prepare again
/// afterwards.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_route(
    m: *mut MlMixer,
    track: usize,
    who: MlMixerOwner,
    index: usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let bus = match owner(&h.mixer, who, index)? {
                Owner::Bus(b) => Some(b),
                Owner::Master => None,
                Owner::Track(_) => {
                    return Err(Fail::new(
                        ML_STATUS_INVALID_ARGUMENT,
                        "a track outputs to a bus or the master",
                    ));
                }
            };
            Ok(h.mixer.route(track, bus)?)
        })
    }
}

/// Turns the per-track and per-bus meters on (the default) or off (about a
/// fifth less work; `ml_mixer_meter` then fails). Prepare again afterwards.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_set_metering(m: *mut MlMixer, on: bool) -> MlStatus {
    unsafe { update_handle(m, |h| h.mixer.set_metering(on)) }
}

/// Appends `processor` to the insert chain of a track, bus or the master.
/// The mixer owns it from then on, as a chain owns a pushed member (see
/// `ml_chain_push`): its handle stays valid for its parameters (any
/// thread) and readings until the mixer is freed. Prepare again afterwards.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for an unknown owner index or a
/// processor already in a chain (the caller then still owns it).
///
/// # Safety
/// `m` and `processor` are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_insert_push(
    m: *mut MlMixer,
    who: MlMixerOwner,
    index: usize,
    processor: *mut MlProcessor,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let who = owner(&h.mixer, who, index)?;
            push_member(inserts(&mut h.mixer, who), std::ptr::null(), processor)
        })
    }
}

/// Writes the handle of insert `position` of a track, bus or the master to
/// `*out` (valid while the mixer lives; see `ml_mixer_insert_push`), also
/// for a session loaded from JSON. May allocate the first time.
///
/// # Safety
/// `m` is NULL or a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_insert(
    m: *mut MlMixer,
    who: MlMixerOwner,
    index: usize,
    position: usize,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        get_from(m, out, |h| {
            let who = owner(&h.mixer, who, index)?;
            member_handle(inserts(&mut h.mixer, who), position)
        })
    }
}

/// Sets a parameter by its path (see the module notes); it glides as its
/// declaration says. Never allocates.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for an unknown path, owner
/// index or a value out of range, `ML_STATUS_UNKNOWN_NAME` for an unknown
/// parameter id.
///
/// # Safety
/// `m` is NULL or a live handle; `path` NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_param_set(
    m: *mut MlMixer,
    who: MlMixerOwner,
    index: usize,
    path: *const c_char,
    value: f64,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let who = owner(&h.mixer, who, index)?;
            Ok(h.mixer.set_param(who, str_arg(path)?, value)?)
        })
    }
}

/// Writes the value of a parameter by its path to `*out`.
///
/// # Safety
/// As `ml_mixer_param_set`; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_param_get(
    m: *const MlMixer,
    who: MlMixerOwner,
    index: usize,
    path: *const c_char,
    out: *mut f64,
) -> MlStatus {
    unsafe {
        get_from(m.cast_mut(), out, |h| {
            let who = owner(&h.mixer, who, index)?;
            Ok(h.mixer.param(who, str_arg(path)?)?)
        })
    }
}

/// Automates a parameter (path as for `ml_mixer_param_set`) with `count`
/// breakpoints: `times_s` (seconds from the start of the stream,
/// non-decreasing) and `values`; values move in straight lines between them
/// (switches and choices step), sample-accurately. Replaces earlier
/// automation of the parameter; `count` 0 removes it. May allocate.
///
/// # Safety
/// `m` is NULL or a live handle; `path` NULL or a NUL-terminated string;
/// `times_s` and `values` NULL or readable for `count` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_automate(
    m: *mut MlMixer,
    who: MlMixerOwner,
    index: usize,
    path: *const c_char,
    times_s: *const f64,
    values: *const f64,
    count: usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let who = owner(&h.mixer, who, index)?;
            let path = str_arg(path)?;
            if count == 0 {
                return Ok(h.mixer.clear_automation(who, path)?);
            }
            let times = std::slice::from_raw_parts(non_null(times_s)?, count);
            let values = std::slice::from_raw_parts(non_null(values)?, count);
            Ok(h.mixer.automate(who, path, times, values)?)
        })
    }
}

/// Prepares the session after tracks, buses, sends or inserts changed (may
/// allocate): sizes every path's memory and works out the latency
/// compensation; resets the stream.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_prepare(m: *mut MlMixer) -> MlStatus {
    unsafe { with_handle(m, |h| Ok(h.mixer.prepare()?)) }
}

/// Starts the stream again from time 0 (signal state, meters and
/// automation position). Never allocates.
///
/// # Safety
/// `m` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_reset(m: *mut MlMixer) -> MlStatus {
    unsafe { update_handle(m, |h| h.mixer.reset()) }
}

/// Writes the session's total latency in samples (every path is delayed to
/// the slowest; the master's inserts included) to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_latency(m: *const MlMixer, out: *mut usize) -> MlStatus {
    unsafe { get_shared(m, out, |h| Ok(h.mixer.latency())) }
}

/// Writes the samples of output that may follow the end of the input (the
/// longest reverb or delay tail along any path) to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_tail(m: *const MlMixer, out: *mut usize) -> MlStatus {
    unsafe { get_shared(m, out, |h| Ok(h.mixer.tail())) }
}

/// The tracks' input of one `ml_mixer_process` or `ml_mixer_render` call,
/// `len` samples per channel read through the caller's pointers (zeros past
/// the end).
struct CInputs {
    tracks: *const *const *mut f32,
    len: usize,
}

// SAFETY: only read (by the pool's threads during a render), never written;
// the caller keeps the buffers alive for the call.
unsafe impl Sync for CInputs {}

impl TrackSource for CInputs {
    fn read(&self, track: usize, start: usize, out: &mut [&mut [f32]]) {
        for (c, o) in out.iter_mut().enumerate() {
            let have = self.len.saturating_sub(start).min(o.len());
            if have > 0 {
                // SAFETY: checked non-NULL by `check_tracks`; the caller
                // vouches for `len` samples per channel.
                let x = unsafe { (*(*self.tracks.add(track)).add(c)).add(start).cast_const() };
                o[..have].copy_from_slice(unsafe { std::slice::from_raw_parts(x, have) });
            }
            o[have..].fill(0.0);
        }
    }
}

/// Checks that `tracks` holds a non-NULL channel array per track and a
/// non-NULL pointer per channel.
///
/// # Safety
/// `tracks` is NULL or holds one pointer per track, each NULL or pointing to
/// its channels' pointers.
unsafe fn check_tracks(m: &Mixer, tracks: *const *const *mut f32) -> Result<(), Fail> {
    let null = || Fail::new(ML_STATUS_NULL_POINTER, "a track or channel pointer is NULL");
    let n = m.track_count();
    if n > 0 && tracks.is_null() {
        return Err(null());
    }
    for t in 0..n {
        let chans = unsafe { *tracks.add(t) };
        let count = m.track(t).expect("in range").channels();
        if chans.is_null() || (0..count).any(|c| unsafe { (*chans.add(c)).is_null() }) {
            return Err(null());
        }
    }
    Ok(())
}

/// Processes `num_frames` samples of the stream: `tracks[t][c]` is channel
/// `c` of track `t` (each track's channel count as added), the master's
/// output goes to `out_left` and `out_right`. Any `num_frames` is accepted
/// (0 is a no-op). The output is delayed by `ml_mixer_latency`; automation
/// and meters advance. Never allocates.
///
/// Fails with `ML_STATUS_NOT_PREPARED` after a structural change, and
/// `ML_STATUS_NULL_POINTER` for a NULL array, track or channel.
///
/// # Safety
/// `tracks` holds one pointer per track, each to its channels' pointers,
/// each readable for `num_frames` floats; the outputs are writable for
/// `num_frames` floats and do not overlap the inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_process(
    m: *mut MlMixer,
    tracks: *const *const *mut f32,
    out_left: *mut f32,
    out_right: *mut f32,
    num_frames: usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            check_tracks(&h.mixer, tracks)?;
            if out_left.is_null() || out_right.is_null() {
                return Err(null_pointer());
            }
            let l = std::slice::from_raw_parts_mut(out_left, num_frames);
            let r = std::slice::from_raw_parts_mut(out_right, num_frames);
            Ok(h.mixer.process_source(&CInputs { tracks, len: num_frames }, [l, r])?)
        })
    }
}

/// Renders the session offline from its start (the stream is reset): reads
/// `num_frames` samples of every track (`tracks[t][c]` as for
/// `ml_mixer_process`) and writes the master's output, aligned with the
/// tracks (latency removed), to `out_left` and `out_right`: `num_frames`
/// samples, plus the reverb and delay tails (`ml_mixer_tail`) if `tail`.
/// The tracks run on `threads` threads (0: one per CPU), and the output is
/// the same to the bit whatever the count. `*written` gets the length;
/// with both outputs NULL and `capacity` 0 nothing is rendered and
/// `*written` tells the length to allocate. Offline: makes a thread pool
/// and allocates, not for a real-time thread; `ml_mixer_process` runs on
/// the caller's thread again afterwards.
///
/// Fails with `ML_STATUS_NOT_PREPARED`, `ML_STATUS_NULL_POINTER`, and
/// `ML_STATUS_CAPACITY_EXCEEDED` when `capacity` is below the length
/// (nothing rendered).
///
/// `progress` (NULL for none) is told the fraction done and may cancel
/// the call (`ML_STATUS_CANCELLED`, nothing written): see `MlProgress`.
///
/// # Safety
/// As `ml_mixer_process` for `tracks` (readable for `num_frames` floats
/// each); the outputs NULL or writable for `capacity` floats, not
/// overlapping the inputs; `written` NULL or writable.
/// `progress` is NULL or readable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ml_mixer_render(
    m: *mut MlMixer,
    tracks: *const *const *mut f32,
    num_frames: usize,
    tail: bool,
    threads: usize,
    out_left: *mut f32,
    out_right: *mut f32,
    capacity: usize,
    written: *mut usize,
    progress: *const MlProgress,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let written = non_null_mut(written)?;
            let total = h.mixer.render_length(num_frames, tail);
            *written = total;
            if out_left.is_null() && out_right.is_null() && capacity == 0 {
                return Ok(());
            }
            check_tracks(&h.mixer, tracks)?;
            if out_left.is_null() || out_right.is_null() {
                return Err(null_pointer());
            }
            if capacity < total {
                return Err(Error::CapacityExceeded {
                    what: "the output holds less than *written",
                }
                .into());
            }
            let l = std::slice::from_raw_parts_mut(out_left, total);
            let r = std::slice::from_raw_parts_mut(out_right, total);
            let threads = match threads {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            };
            h.mixer.set_threads(threads.clamp(1, h.mixer.track_count().max(1)))?;
            let mut at = 0;
            let inputs = CInputs { tracks, len: num_frames };
            let rendered = with_progress(progress, |p| {
                h.mixer.render(&inputs, num_frames, tail, |b| {
                    l[at..at + b[0].len()].copy_from_slice(b[0]);
                    r[at..at + b[1].len()].copy_from_slice(b[1]);
                    at += b[0].len();
                    p.report(at as f64 / total as f64)
                })
            });
            // Back to the caller's thread for real-time processing.
            h.mixer.set_threads(1)?;
            Ok(rendered?)
        })
    }
}

/// The balance helper: sets every track's fader so that its loudness after
/// its inserts, measured over `num_frames` samples of `tracks` (as for
/// `ml_mixer_process`), sits at `reference_lufs + offsets_lu[t]`
/// (`num_tracks` offsets, one per track, in LU). Writes the faders in dB to
/// `faders_db` (`num_tracks` doubles). Resets the stream; may allocate. The
/// mixer must be prepared.
///
/// # Safety
/// As `ml_mixer_process` for `tracks`; `offsets_lu` readable and
/// `faders_db` writable for `num_tracks` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_balance(
    m: *mut MlMixer,
    tracks: *const *const *mut f32,
    num_frames: usize,
    offsets_lu: *const f64,
    reference_lufs: f64,
    faders_db: *mut f64,
    num_tracks: usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            check_tracks(&h.mixer, tracks)?;
            let offsets = std::slice::from_raw_parts(non_null(offsets_lu)?, num_tracks);
            let faders = h.mixer.balance(
                &CInputs { tracks, len: num_frames },
                num_frames,
                offsets,
                reference_lufs,
            )?;
            let out = std::slice::from_raw_parts_mut(non_null_mut(faders_db)?, num_tracks);
            out.copy_from_slice(&faders);
            Ok(())
        })
    }
}

/// Writes the meter of a track, bus or the master (after its fader, since
/// the last reset) to `*out`.
///
/// # Safety
/// `m` is NULL or a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_meter(
    m: *const MlMixer,
    who: MlMixerOwner,
    index: usize,
    out: *mut MlMixerMeter,
) -> MlStatus {
    unsafe {
        get_shared(m, out, |h| {
            let meter: Option<&LoudnessMeter> = match owner(&h.mixer, who, index)? {
                Owner::Track(i) => h.mixer.track(i).and_then(|t| t.meter()),
                Owner::Bus(i) => h.mixer.bus(i).and_then(|b| b.meter()),
                Owner::Master => h.mixer.master().meter(),
            };
            let m = meter.ok_or(Fail::new(ML_STATUS_INVALID_ARGUMENT, "metering is off"))?;
            Ok(MlMixerMeter {
                sample_peak_dbfs: m.sample_peak_dbfs(),
                integrated_lufs: m.integrated_lufs(),
                max_momentary_lufs: m.max_momentary_lufs(),
                max_short_term_lufs: m.max_short_term_lufs(),
            })
        })
    }
}

/// Writes the session (tracks, buses, sends, inserts, automation; no audio)
/// as JSON to `buf`, as `ml_processor_save_json` does (ask for the length
/// with `buf` NULL and `capacity` 0).
///
/// # Safety
/// `m` is NULL or a live handle; `buf` NULL or writable for `capacity`
/// bytes; `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_save_json(
    m: *mut MlMixer,
    buf: *mut c_char,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe {
        with_handle(m, |h| {
            let json = json_text(serde_json::to_string(&h.mixer.to_session()))?;
            write_text(&json, buf, capacity, len)
        })
    }
}

/// Creates a session from JSON written by `ml_mixer_save_json` (or Python's
/// `Mixer.to_json`), processing in blocks of at most `max_block`, and
/// writes it to `*out` (NULL on failure), prepared. Its inserts are reached
/// with `ml_mixer_insert`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` for malformed JSON or a session
/// that does not load; `ml_last_error_message` says where.
///
/// # Safety
/// `json` NULL or a NUL-terminated string; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_mixer_load_json(
    json: *const c_char,
    max_block: usize,
    out: *mut *mut MlMixer,
) -> MlStatus {
    unsafe {
        new_handle(out, || {
            let invalid = |message: String| Fail::new(ML_STATUS_INVALID_ARGUMENT, message);
            let session: Session = serde_json::from_str(str_arg(json)?)
                .map_err(|e| invalid(format!("invalid session: {e}")))?;
            let mut mixer =
                Mixer::from_session(&session, max_block).map_err(|e| invalid(e.to_string()))?;
            mixer.prepare()?;
            Ok(MlMixer { mixer, poisoned: AtomicBool::new(false) })
        })
    }
}
