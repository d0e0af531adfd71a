//! The equaliser's structural calls: its bands, each described by a filter
//! processor (`peak_filter`, `low_shelf`, `low_pass`...) configured through
//! the generic parameter functions, and its designed response.
//!
//! Filters, the DC blocker and the equaliser themselves are created by kind
//! name and set through their declared parameters (`params.rs`).

use dsp_core::filters::{BandParams, Equalizer, Filter};

use crate::guard::{non_null, non_null_mut};
use crate::params::copy_params;
use crate::processor::{MlProcessor, get_kind, with_kind, with_processor};
use crate::status::{Fail, ML_STATUS_WRONG_KIND, Message, MlStatus};

/// What a band must be, for the wrong-kind message (static: it is a
/// setter's error path). A test checks it names every shape.
const FILTER_KINDS: &str =
    "filter (peak_filter, low_shelf, high_shelf, low_pass, high_pass, band_pass, notch, all_pass)";

/// The band a filter processor describes: the shape of its kind and its
/// parameter values (read from the targets, so any thread may hold it).
fn band_of(filter: &MlProcessor) -> Result<BandParams, Fail> {
    let kind = filter.kind();
    let shape = Filter::shape_named(kind.name).ok_or_else(|| {
        Fail::new(ML_STATUS_WRONG_KIND, Message::NeedsKind { want: FILTER_KINDS, got: kind.name })
    })?;
    let mut f = Filter::with_defaults(shape);
    copy_params(filter, &mut f)?;
    Ok(*f.params())
}

/// Band `index` of `eq`, or `ML_STATUS_INVALID_ARGUMENT`.
fn band_at(eq: &Equalizer, index: usize) -> Result<BandParams, Fail> {
    eq.band(index).copied().ok_or_else(|| {
        dsp_core::Error::InvalidParameter { name: "band", reason: "index out of range" }.into()
    })
}

/// Writes the number of bands of an equaliser to `*out`.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `eq` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_len(eq: *const MlProcessor, out: *mut usize) -> MlStatus {
    unsafe { get_kind(eq, out, Equalizer::len) }
}

/// Appends a band with the shape and settings of `band`, a filter processor
/// (kind `peak_filter`, `low_shelf`, `high_shelf`, `low_pass`, `high_pass`,
/// `band_pass`, `notch` or `all_pass`); it fades in if the equaliser is
/// running. `band` is copied, not consumed: the caller still frees it.
/// May allocate.
///
/// Fails with `ML_STATUS_WRONG_KIND` if `eq` is not an equaliser or `band`
/// not a filter, and `ML_STATUS_ABOVE_NYQUIST` if the equaliser is prepared
/// for a rate whose Nyquist frequency is at or below the band's cutoff.
///
/// Thread rule: the processing thread of `eq` only; `band` is only read
/// through its parameters (as `ml_processor_param_get` does).
///
/// # Safety
/// `eq` and `band` are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_push_band(
    eq: *mut MlProcessor,
    band: *const MlProcessor,
) -> MlStatus {
    unsafe {
        with_processor(eq, |_, st| {
            let eq = st.kind_mut::<Equalizer>()?;
            Ok(eq.push_band(band_of(non_null(band)?)?)?)
        })
    }
}

/// Sets band `index` of an equaliser to the shape and settings of `band`
/// (copied, as for `ml_equalizer_push_band`); the change glides or
/// cross-fades. Never allocates.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band, and as
/// `ml_equalizer_push_band` does.
///
/// Thread rule: the processing thread of `eq` only.
///
/// # Safety
/// `eq` and `band` are NULL or live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_set_band(
    eq: *mut MlProcessor,
    index: usize,
    band: *const MlProcessor,
) -> MlStatus {
    unsafe {
        with_processor(eq, |_, st| {
            let eq = st.kind_mut::<Equalizer>()?;
            band_at(eq, index)?;
            Ok(eq.set_band(index, band_of(non_null(band)?)?)?)
        })
    }
}

/// Creates a filter processor holding the shape and settings of band
/// `index` and writes it to `*out` (NULL on failure); read it with the
/// parameter functions and free it with `ml_processor_free`.
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band.
///
/// Thread rule: the processing thread of `eq` only.
///
/// # Safety
/// `eq` is NULL or a live handle; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_get_band(
    eq: *mut MlProcessor,
    index: usize,
    out: *mut *mut MlProcessor,
) -> MlStatus {
    unsafe {
        with_processor(eq, |_, st| {
            let out = non_null_mut(out)?;
            *out = std::ptr::null_mut();
            let filter = Filter::new(band_at(st.kind_mut::<Equalizer>()?, index)?)?;
            *out = Box::into_raw(Box::new(MlProcessor::new(Box::new(filter))));
            Ok(())
        })
    }
}

/// Removes band `index` of an equaliser at once (set its `bypass` to 1 and
/// wait 20 ms first to avoid a click).
///
/// Fails with `ML_STATUS_INVALID_ARGUMENT` if there is no such band.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `eq` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_remove_band(eq: *mut MlProcessor, index: usize) -> MlStatus {
    unsafe { with_kind(eq, |e: &mut Equalizer| e.remove_band(index)) }
}

/// Writes the designed magnitude response of an equaliser, in dB, at each of
/// `num_freqs` frequencies (Hz, finite and >= 0) to `out_db`: the sum of the
/// responses of the bands not bypassed at `sample_rate` (for plots and checks).
///
/// Fails with `ML_STATUS_INVALID_SAMPLE_RATE`, `ML_STATUS_ABOVE_NYQUIST` (a
/// band's cutoff at that rate) or `ML_STATUS_INVALID_ARGUMENT` (a bad
/// frequency); `out_db` is then left unchanged.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `freqs_hz` and `out_db` are NULL or valid for `num_freqs` reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_equalizer_magnitude_db(
    eq: *mut MlProcessor,
    freqs_hz: *const f64,
    out_db: *mut f64,
    num_freqs: usize,
    sample_rate: f64,
) -> MlStatus {
    unsafe {
        with_kind(eq, |e: &mut Equalizer| {
            let freqs = std::slice::from_raw_parts(non_null(freqs_hz)?, num_freqs);
            let out = std::slice::from_raw_parts_mut(non_null_mut(out_db)?, num_freqs);
            e.magnitude_response(freqs, sample_rate, out).map_err(Fail::from)
        })
    }
}

#[cfg(test)]
mod tests {
    use dsp_core::filters::{Filter, FilterKind};

    #[test]
    fn the_wrong_kind_message_names_every_filter_shape() {
        for k in FilterKind::ALL {
            let name = Filter::kind_info(k).name;
            assert!(super::FILTER_KINDS.contains(name), "{name} missing");
        }
    }
}
