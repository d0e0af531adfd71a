//! Effects: a feedback delay and the modulation effects (chorus and
//! flanger on one modulated-delay core, phaser), an oversampled
//! saturator, an exciter and a transient shaper, built on a shared fractional delay
//! line ([`DelayLine`]) and LFO ([`Lfo`]); and the algorithmic reverbs
//! ([`Reverb`], a feedback delay network, and [`PlateReverb`], Dattorro's
//! plate); with `std`, the [`ConvolutionReverb`] (partitioned FFT
//! convolution).
//!
//! ```
//! use dsp_core::effects::Reverb;
//! use dsp_core::{ProcessSpec, Processor};
//!
//! // Reverberation time 1.5 s, no predelay, damping 0.5, full width, fully wet.
//! let mut verb = Reverb::new(1.5, 0.0, 0.5, 1.0, 1.0)?;
//! verb.prepare(&ProcessSpec::new(48_000.0, 512, 2))?;
//! // A click, then one second of silence.
//! let (mut l, mut r) = (vec![0.0f32; 48_000], vec![0.0f32; 48_000]);
//! (l[0], r[0]) = (1.0, 1.0);
//! for (a, b) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
//!     verb.process_stereo(a, b);
//! }
//! // The tail goes on long after the click and decays by about 20 dB in
//! // half a second (60 dB in 1.5 s): compare 0.2-0.3 s with 0.7-0.8 s.
//! let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
//! let drop_db = 20.0 * (rms(&l[9_600..14_400]) / rms(&l[33_600..38_400])).log10();
//! assert!((14.0..30.0).contains(&drop_db), "{drop_db}");
//! # Ok::<(), dsp_core::Error>(())
//! ```

pub mod delay_line;
pub mod lfo;
pub mod oversample;
#[cfg(feature = "std")]
pub mod partitioned;

#[cfg(feature = "std")]
mod convolution;
mod delay;
mod exciter;
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
pub use exciter::{EXCITER_KIND, Exciter, Harmonics};
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
