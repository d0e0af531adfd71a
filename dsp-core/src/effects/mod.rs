//! Effects: a feedback delay and the modulation effects (chorus and
//! flanger on one modulated-delay core, phaser), an oversampled
//! saturator and a transient shaper, built on a shared fractional delay
//! line ([`DelayLine`]) and LFO ([`Lfo`]); and the algorithmic reverbs
//! ([`Reverb`], a feedback delay network, and [`PlateReverb`], Dattorro's
//! plate); with `std`, the [`ConvolutionReverb`] (partitioned FFT
//! convolution).

pub mod delay_line;
pub mod lfo;
pub mod oversample;
#[cfg(feature = "std")]
pub mod partitioned;

#[cfg(feature = "std")]
mod convolution;
mod delay;
mod fdn;
#[cfg(test)]
mod ir_analysis;
mod modulated;
mod phaser;
mod plate;
mod reverb;
pub(crate) mod ring;
mod saturation;
mod transient;

#[cfg(feature = "std")]
pub use convolution::{CONVOLUTION_REVERB_KIND, ConvolutionReverb, IrLayout, MAX_IR_FRAMES};
pub use delay::{DELAY_KIND, Delay, MAX_DELAY_MS, MAX_TAIL_S, NoteModifier, NoteValue, synced_ms};
pub use delay_line::{
    DelayLine, MAX_GLIDE_RATE, MIN_DELAY_SAMPLES, MIN_GLIDE_MS, READ_BLOCK, Reads, Tap, glide_to,
};
pub use lfo::Lfo;
pub use modulated::{
    CHORUS_KIND, Chorus, ChorusVoicing, FLANGER_KIND, Flanger, FlangerVoicing, ModulatedDelay,
    ModulatedParams, SPREAD_GLIDE_MS, Voicing,
};
pub use oversample::Oversampler;
pub use phaser::{MAX_BREAK_RATIO, MAX_STAGES, MIN_BREAK_HZ, PHASER_KIND, Phaser, SWEEP_OCTAVES};
pub use plate::{PLATE_REVERB_KIND, PlateReverb};
pub use reverb::{REVERB_KIND, Reverb};
pub use saturation::{
    Oversampling, SATURATION_KIND, Saturation, SaturationMode, TAPE_BIAS, TAPE_DC_HZ,
};
pub use transient::{
    FAST_ATTACK_MS, FAST_RELEASE_MS, FULL_SCALE_DB, GAIN_SMOOTHING_MS, TRANSIENT_SHAPER_KIND,
    TransientShaper,
};

/// Level, relative to the input, below which a tail counts as ended
/// (-90 dB): what `tail()` reports the time to.
pub(crate) const TAIL_LEVEL: f64 = 3.162_277_660_168_379_5e-5;
