"""masterlib: mixing and mastering DSP with a real-time-safe Rust core.

Audio is a numpy array of shape ``(channels, samples)`` (C-contiguous) or a
1-D array for mono. Every processor is called as ``p(x, sample_rate)`` and
returns a new float32 array aligned with the input (latency compensated);
``p.process_inplace(x, sample_rate)`` streams through a writable float32
array without copying.
"""

from ._masterlib import (
    AllPass,
    BandPass,
    Chain,
    Compressor,
    DcBlocker,
    DeEsser,
    Dynamics,
    Equalizer,
    Expander,
    Filter,
    Gain,
    HighPass,
    HighShelf,
    LevelMeter,
    Limiter,
    LowPass,
    LowShelf,
    MultibandCompressor,
    NoiseGate,
    Notch,
    Pan,
    PeakFilter,
    Processor,
    StereoWidth,
)

__all__ = [
    "AllPass",
    "BandPass",
    "Chain",
    "Compressor",
    "DcBlocker",
    "DeEsser",
    "Dynamics",
    "Equalizer",
    "Expander",
    "Filter",
    "Gain",
    "HighPass",
    "HighShelf",
    "LevelMeter",
    "Limiter",
    "LowPass",
    "LowShelf",
    "MultibandCompressor",
    "NoiseGate",
    "Notch",
    "Pan",
    "PeakFilter",
    "Processor",
    "StereoWidth",
]
