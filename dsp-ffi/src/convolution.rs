//! The convolution reverb's impulse response: the one call its kind adds to
//! the generic processor API (its parameters are the declared ones).

use dsp_core::effects::{ConvolutionReverb, IrLayout};

use crate::audio::planar;
use crate::processor::{MlProcessor, with_kind};
use crate::status::{Fail, MlStatus};

/// Sets the impulse response of a `convolution_reverb` processor: `ir` holds
/// `ir_channels` pointers to `ir_frames` floats each, recorded at
/// `ir_sample_rate` Hz. 1 channel applies to every input channel, 2 map
/// left to left and right to right, 4 are true stereo (left to left, left
/// to right, right to left, right to right; stereo input only). The data is
/// copied. A new processor's response is a unit impulse.
///
/// The processing sample rate must equal `ir_sample_rate`
/// (`ml_processor_prepare` fails with `ML_STATUS_INVALID_SAMPLE_RATE`
/// otherwise). If the processor is prepared, the response must fit the
/// prepared rate and channel count, and the processor is rebuilt and reset.
/// Allocates and transforms the response: not real-time safe.
///
/// Fails with `ML_STATUS_WRONG_KIND` (not a convolution reverb),
/// `ML_STATUS_NULL_POINTER` (`ir` or one of its channels),
/// `ML_STATUS_INVALID_ARGUMENT` (a channel count other than 1, 2 or 4, or
/// one the prepared channel count does not take),
/// `ML_STATUS_EMPTY_INPUT` (`ir_frames` is 0), `ML_STATUS_NONFINITE` (a NaN
/// or infinite sample), `ML_STATUS_CAPACITY_EXCEEDED` (longer than 2^24
/// frames) or `ML_STATUS_INVALID_SAMPLE_RATE`; the response is then
/// unchanged.
///
/// Thread rule: the processing thread only.
///
/// # Safety
/// `p` is NULL or a live handle; `ir` is NULL or points to `ir_channels`
/// pointers, each NULL or valid for reads of `ir_frames` floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ml_processor_set_ir(
    p: *mut MlProcessor,
    ir: *const *mut f32,
    ir_channels: usize,
    ir_frames: usize,
    ir_sample_rate: f64,
) -> MlStatus {
    unsafe {
        with_kind::<ConvolutionReverb, Fail>(p, |c| {
            IrLayout::of(ir_channels)?;
            let views = planar(ir.cast(), ir_channels, ir_frames)?;
            c.set_ir(&views[..ir_channels], ir_sample_rate)?;
            Ok(())
        })
    }
}
