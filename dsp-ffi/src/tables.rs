//! Named tables: the settings of a kind that are lists of numbers rather
//! than scalar parameters (a linear-phase equalizer's curves, as
//! `[hz0, db0, hz1, db1, ...]`). They travel in JSON presets like the
//! parameters.

use std::ffi::c_char;

use crate::guard::{non_null, non_null_mut, null_pointer};
use crate::params::str_arg;
use crate::processor::{MlProcessor, with_processor};
use crate::status::{Fail, ML_STATUS_CAPACITY_EXCEEDED, ML_STATUS_UNKNOWN_NAME, MlStatus};

/// Sets the table called `name` of a processor from `len` doubles at
/// `values` (copied; `len` 0 gives the default, e.g. a flat curve). The
/// `linear_phase_eq` kind has tables `curve` and `side_curve`, each
/// `[hz0, db0, hz1, db1, ...]` with frequencies ascending above 0 Hz and
/// gains within ±24 dB. Allocates (a curve designs its filter): not
/// real-time safe.
///
/// Fails with `ML_STATUS_NULL_POINTER` (`name`, or `values` with `len` >
/// 0), `ML_STATUS_UNKNOWN_NAME` (a kind without tables or a table it does
/// not have; `ml_last_error_message` lists its tables),
/// `ML_STATUS_INVALID_ARGUMENT` (values the table refuses: an odd count,
/// NaN, frequencies not ascending, gains out of range) or
/// `ML_STATUS_CAPACITY_EXCEEDED` (too many points); the table is then
/// unchanged.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; `name` is NULL or a NUL-terminated string;
/// `values` is NULL or valid for reads of `len` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_set_table(
    p: *mut MlProcessor,
    name: *const c_char,
    values: *const f64,
    len: usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |_, st| {
            let name = str_arg(name)?;
            let values = match len {
                0 => &[][..],
                _ => std::slice::from_raw_parts(non_null(values)?, len),
            };
            Ok(st.inner.set_table(name, values)?)
        })
    }
}

/// Writes the table called `name` of a processor to `values` if it fits in
/// `capacity` doubles, and always its length to `*len`; call it with
/// `values` NULL and `capacity` 0 to ask for the length.
///
/// Fails with `ML_STATUS_NULL_POINTER` (`name`, `len`, or `values` with
/// `capacity` > 0), `ML_STATUS_UNKNOWN_NAME` (no such table) or
/// `ML_STATUS_CAPACITY_EXCEEDED` (`capacity` too small; nothing written
/// but the length).
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; `name` is NULL or a NUL-terminated string;
/// `values` is NULL or writable for `capacity` doubles; `len` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_get_table(
    p: *mut MlProcessor,
    name: *const c_char,
    values: *mut f64,
    capacity: usize,
    len: *mut usize,
) -> MlStatus {
    unsafe {
        with_processor(p, |_, st| {
            let name = str_arg(name)?;
            let len = non_null_mut(len)?;
            let tables = st.inner.tables();
            let Some((_, table)) = tables.iter().find(|(n, _)| *n == name) else {
                let names: Vec<&str> = tables.iter().map(|(n, _)| *n).collect();
                let kind = st.inner.kind().name;
                return Err(Fail::new(
                    ML_STATUS_UNKNOWN_NAME,
                    match names.is_empty() {
                        true => format!("{kind} has no tables"),
                        false => format!(
                            "{kind} has no table {name:?}; its tables are {}",
                            names.join(", ")
                        ),
                    },
                ));
            };
            *len = table.len();
            if values.is_null() && capacity == 0 {
                return Ok(());
            }
            if values.is_null() {
                return Err(null_pointer());
            }
            if table.len() > capacity {
                return Err(Fail::new(
                    ML_STATUS_CAPACITY_EXCEEDED,
                    format!("the table has {} values, the buffer {capacity}", table.len()),
                ));
            }
            std::slice::from_raw_parts_mut(values, table.len()).copy_from_slice(table);
            Ok(())
        })
    }
}
