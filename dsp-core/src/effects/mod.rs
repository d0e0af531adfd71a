//! Effects: delays and modulation (chorus, flanger, phaser), built on a
//! shared fractional delay line and LFO.

pub mod delay_line;
pub mod lfo;

mod delay;

pub use delay::{
    DELAY_KIND, Delay, MAX_DELAY_MS, MAX_GLIDE_RATE, MAX_TAIL_S, MIN_GLIDE_MS, NoteModifier,
    NoteValue, synced_ms,
};
pub use delay_line::{DelayLine, MIN_DELAY_SAMPLES, Tap};
pub use lfo::Lfo;
