"""Type stubs for the native module ``masterlib._masterlib``."""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Optional, Union, final, overload

from typing_extensions import disjoint_base

import numpy as np
import numpy.typing as npt

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
    "LoudnessMeter",
    "Limiter",
    "LowPass",
    "LowShelf",
    "MultibandCompressor",
    "NoiseGate",
    "Notch",
    "Pan",
    "PeakFilter",
    "Processor",
    "QaReport",
    "StereoWidth",
    "Target",
    "TargetCheck",
    "measure",
    "targets",
]

_Audio = npt.ArrayLike
_Float32Array = npt.NDArray[np.float32]
_Float64Array = npt.NDArray[np.float64]
_PanLawName = Literal["linear", "constant_power", "compromise"]
_DesignName = Literal["cookbook", "matched"]
_FilterKindName = Literal[
    "peak", "low_shelf", "high_shelf", "low_pass", "high_pass", "band_pass", "notch", "all_pass"
]
_Freqs = npt.ArrayLike
_DetectorName = Literal["peak", "rms"]

@disjoint_base
class Processor:
    """Base class of every processor (not constructible itself)."""

    def __call__(
        self, x: _Audio, sample_rate: float, reset: bool = True, tail: bool = False
    ) -> _Float32Array: ...
    def process(
        self, x: _Audio, sample_rate: float, reset: bool = True, tail: bool = False
    ) -> _Float32Array: ...
    def process_inplace(
        self, x: _Float32Array, sample_rate: float, reset: bool = False
    ) -> None: ...
    def reset(self) -> None: ...
    @property
    def latency_samples(self) -> int: ...
    @property
    def tail_samples(self) -> int: ...
    @property
    def nonfinite_count(self) -> int: ...

@final
class Gain(Processor):
    def __new__(cls, gain_db: float = 0.0, invert: bool = False) -> Gain: ...
    gain_db: float
    invert: bool

@final
class Pan(Processor):
    def __new__(cls, pan: float = 0.0, law: _PanLawName = "constant_power") -> Pan: ...
    pan: float
    law: _PanLawName

@final
class StereoWidth(Processor):
    def __new__(
        cls, width: float = 1.0, mid_gain_db: float = 0.0, side_gain_db: float = 0.0
    ) -> StereoWidth: ...
    width: float
    mid_gain_db: float
    side_gain_db: float

@final
class Chain(Processor):
    def __new__(cls, processors: Optional[Iterable[Processor]] = None) -> Chain: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> Processor: ...
    def __setitem__(self, index: int, value: Processor, /) -> None: ...
    def __delitem__(self, index: int, /) -> None: ...
    def __iter__(self) -> Iterator[Processor]: ...
    def append(self, processor: Processor) -> None: ...
    def insert(self, index: int, processor: Processor) -> None: ...

class Filter(Processor):
    """Base class of the band filters (not constructible itself)."""

    @property
    def kind(self) -> _FilterKindName: ...
    cutoff_hz: float
    q: float
    enabled: bool
    design: _DesignName
    def magnitude_db(self, freqs: _Freqs, sample_rate: float) -> _Float64Array: ...

@final
class PeakFilter(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        gain_db: float = 0.0,
        q: float = 1.0,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> PeakFilter: ...
    gain_db: float

@final
class LowShelf(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        gain_db: float = 0.0,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> LowShelf: ...
    gain_db: float

@final
class HighShelf(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        gain_db: float = 0.0,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> HighShelf: ...
    gain_db: float

@final
class LowPass(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        order: int = 2,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> LowPass: ...
    order: int

@final
class HighPass(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        order: int = 2,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> HighPass: ...
    order: int

@final
class BandPass(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> BandPass: ...

@final
class Notch(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> Notch: ...

@final
class AllPass(Filter):
    def __new__(
        cls,
        cutoff_hz: float,
        q: float = 0.7071067811865476,
        *,
        design: _DesignName = "cookbook",
        enabled: bool = True,
    ) -> AllPass: ...

@final
class DcBlocker(Processor):
    def __new__(cls, cutoff_hz: float = 5.0) -> DcBlocker: ...
    cutoff_hz: float

@final
class Equalizer(Processor):
    def __new__(cls, bands: Optional[Iterable[Filter]] = None) -> Equalizer: ...
    @property
    def bands(self) -> list[Filter]: ...
    @bands.setter
    def bands(self, value: Iterable[Filter]) -> None: ...
    def __len__(self) -> int: ...
    def magnitude_db(self, freqs: _Freqs, sample_rate: float) -> _Float64Array: ...

@final
class LevelMeter:
    def __new__(
        cls,
        window_ms: float = 300.0,
        sample_rate: Optional[float] = None,
        channels: Optional[int] = None,
    ) -> LevelMeter: ...
    def add(self, x: _Audio, sample_rate: Optional[float] = None) -> None: ...
    def reset(self) -> None: ...
    @property
    def window_ms(self) -> float: ...
    @property
    def sample_rate(self) -> Optional[float]: ...
    @property
    def channels(self) -> Optional[int]: ...
    @property
    def peak_dbfs(self) -> _Float64Array: ...
    @property
    def rms_dbfs(self) -> _Float64Array: ...
    @property
    def max_peak_dbfs(self) -> _Float64Array: ...
    @property
    def max_rms_dbfs(self) -> _Float64Array: ...
    @property
    def nonfinite_count(self) -> int: ...

@final
class LoudnessMeter:
    def __new__(
        cls,
        sample_rate: float,
        channels: int,
        true_peak: bool = True,
        true_peak_precision: Literal["standard", "high"] = "standard",
    ) -> LoudnessMeter: ...
    def add(self, x: _Audio) -> None: ...
    def reset(self) -> None: ...
    @staticmethod
    def album_integrated_lufs(meters: Sequence[LoudnessMeter]) -> float: ...
    @property
    def sample_rate(self) -> float: ...
    @property
    def channels(self) -> int: ...
    @property
    def channel_weights(self) -> _Float64Array: ...
    @channel_weights.setter
    def channel_weights(self, value: Iterable[float]) -> None: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def integrated_lufs(self) -> float: ...
    @property
    def momentary_lufs(self) -> float: ...
    @property
    def short_term_lufs(self) -> float: ...
    @property
    def max_momentary_lufs(self) -> float: ...
    @property
    def max_short_term_lufs(self) -> float: ...
    @property
    def loudness_range_lu(self) -> float: ...
    @property
    def true_peak_dbtp(self) -> float: ...
    @property
    def sample_peak_dbfs(self) -> float: ...
    @property
    def channel_true_peak_dbtp(self) -> _Float64Array: ...
    @property
    def momentary_series_lufs(self) -> _Float64Array: ...
    @property
    def short_term_series_lufs(self) -> _Float64Array: ...

@final
class Target:
    def __new__(
        cls,
        name: str,
        integrated_lufs: float,
        true_peak_dbtp: float,
        tolerance_lu: float = 1.0,
        turns_up: bool = False,
    ) -> Target: ...
    @staticmethod
    def by_name(name: str) -> Target: ...
    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def integrated_lufs(self) -> float: ...
    @property
    def true_peak_dbtp(self) -> float: ...
    @property
    def tolerance_lu(self) -> float: ...
    @property
    def turns_up(self) -> bool: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class TargetCheck:
    @property
    def target(self) -> Target: ...
    @property
    def passed(self) -> bool: ...
    @property
    def gain_change_db(self) -> float: ...
    @property
    def reasons(self) -> list[str]: ...
    @property
    def description(self) -> str: ...
    @property
    def message(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class QaReport:
    @property
    def sample_rate(self) -> float: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def channels(self) -> int: ...
    @property
    def integrated_lufs(self) -> float: ...
    @property
    def loudness_range_lu(self) -> float: ...
    @property
    def max_momentary_lufs(self) -> float: ...
    @property
    def max_short_term_lufs(self) -> float: ...
    @property
    def true_peak_dbtp(self) -> float: ...
    @property
    def sample_peak_dbfs(self) -> float: ...
    @property
    def plr_db(self) -> float: ...
    @property
    def dc_offset(self) -> _Float64Array: ...
    @property
    def clipped_samples(self) -> int: ...
    @property
    def correlation(self) -> float: ...
    @property
    def worst_correlation(self) -> float: ...
    @property
    def mono_loudness_drop_lu(self) -> float: ...
    @property
    def balance_db(self) -> float: ...
    @property
    def octave_band_hz(self) -> _Float64Array: ...
    @property
    def octave_band_db(self) -> _Float64Array: ...
    @property
    def momentary_series_lufs(self) -> _Float64Array: ...
    @property
    def short_term_series_lufs(self) -> _Float64Array: ...
    @property
    def series_time_s(self) -> _Float64Array: ...
    def check(self, target: Union[str, Target] = "spotify") -> TargetCheck: ...
    def to_dict(self) -> dict[str, Any]: ...

def measure(x: _Audio, sample_rate: float) -> QaReport: ...
def targets() -> list[Target]: ...
class Dynamics(Processor):
    """Base class of the dynamics processors (not constructible itself).

    ``process`` (and ``__call__``) take two keyword-only arguments:

    - ``sidechain``: audio keying the detector instead of the input
      (Compressor, Expander, NoiseGate; a ``TypeError`` on the others). Same
      shape rules as ``x`` and the same length (``ValueError`` otherwise);
      as many channels as ``x`` keys channel by channel, any other count is
      averaged into one key. It is aligned with ``x``: a key at input
      sample ``i`` acts on output sample ``i``, latency compensated like
      the audio.
    - ``return_gain_reduction``: return ``(y, gr)`` instead of ``y``. ``gr``
      is float32 with each output sample's gain reduction in dB (positive =
      reduction, largest over channels, excluding make-up and mix), aligned
      with ``y``: shape ``(samples,)``, or ``(bands, samples)`` for a
      MultibandCompressor. ``process_inplace`` returns it (else None).

    ``gain_reduction_db`` is the reduction after the last processed sample
    (a meter reading per block when streaming).
    """

    @overload
    def __call__(
        self,
        x: _Audio,
        sample_rate: float,
        reset: bool = True,
        tail: bool = False,
        *,
        sidechain: Optional[_Audio] = None,
        return_gain_reduction: Literal[False] = False,
    ) -> _Float32Array: ...
    @overload
    def __call__(
        self,
        x: _Audio,
        sample_rate: float,
        reset: bool = True,
        tail: bool = False,
        *,
        sidechain: Optional[_Audio] = None,
        return_gain_reduction: Literal[True],
    ) -> tuple[_Float32Array, _Float32Array]: ...
    @overload
    def process(
        self,
        x: _Audio,
        sample_rate: float,
        reset: bool = True,
        tail: bool = False,
        *,
        sidechain: Optional[_Audio] = None,
        return_gain_reduction: Literal[False] = False,
    ) -> _Float32Array: ...
    @overload
    def process(
        self,
        x: _Audio,
        sample_rate: float,
        reset: bool = True,
        tail: bool = False,
        *,
        sidechain: Optional[_Audio] = None,
        return_gain_reduction: Literal[True],
    ) -> tuple[_Float32Array, _Float32Array]: ...
    def process_inplace(  # type: ignore[override]
        self,
        x: _Float32Array,
        sample_rate: float,
        reset: bool = False,
        *,
        sidechain: Optional[_Audio] = None,
        return_gain_reduction: bool = False,
    ) -> Optional[_Float32Array]: ...
    @property
    def gain_reduction_db(self) -> float: ...

@final
class Compressor(Dynamics):
    def __new__(
        cls,
        threshold_db: float = -20.0,
        ratio: float = 4.0,
        knee_db: float = 6.0,
        attack_ms: float = 10.0,
        release_ms: float = 100.0,
        makeup_db: float = 0.0,
        link: float = 1.0,
        mix: float = 1.0,
        *,
        auto_makeup: bool = False,
        detector: _DetectorName = "peak",
        rms_window_ms: float = 10.0,
        sidechain_hpf_hz: float = 0.0,
    ) -> Compressor: ...
    threshold_db: float
    ratio: float
    knee_db: float
    attack_ms: float
    release_ms: float
    makeup_db: float
    auto_makeup: bool
    link: float
    mix: float
    detector: _DetectorName
    rms_window_ms: float
    sidechain_hpf_hz: float
    bypass: bool

@final
class Expander(Dynamics):
    def __new__(
        cls,
        threshold_db: float = -40.0,
        ratio: float = 2.0,
        range_db: float = 40.0,
        attack_ms: float = 1.0,
        release_ms: float = 100.0,
        *,
        knee_db: float = 0.0,
        hysteresis_db: float = 0.0,
        hold_ms: float = 10.0,
        link: float = 1.0,
        detector: _DetectorName = "peak",
        rms_window_ms: float = 10.0,
        sidechain_hpf_hz: float = 0.0,
    ) -> Expander: ...
    threshold_db: float
    ratio: float
    range_db: float
    knee_db: float
    hysteresis_db: float
    hold_ms: float
    attack_ms: float
    release_ms: float
    link: float
    detector: _DetectorName
    rms_window_ms: float
    sidechain_hpf_hz: float
    bypass: bool

@final
class NoiseGate(Dynamics):
    def __new__(
        cls,
        threshold_db: float = -50.0,
        range_db: float = 80.0,
        attack_ms: float = 0.5,
        release_ms: float = 50.0,
        *,
        hysteresis_db: float = 6.0,
        hold_ms: float = 20.0,
        link: float = 1.0,
        detector: _DetectorName = "peak",
        rms_window_ms: float = 10.0,
        sidechain_hpf_hz: float = 0.0,
    ) -> NoiseGate: ...
    threshold_db: float
    range_db: float
    hysteresis_db: float
    hold_ms: float
    attack_ms: float
    release_ms: float
    link: float
    detector: _DetectorName
    rms_window_ms: float
    sidechain_hpf_hz: float
    bypass: bool

@final
class DeEsser(Dynamics):
    def __new__(
        cls,
        frequency_hz: float = 6000.0,
        threshold_db: float = -30.0,
        ratio: float = 4.0,
        attack_ms: float = 0.5,
        release_ms: float = 40.0,
        listen: bool = False,
    ) -> DeEsser: ...
    frequency_hz: float
    threshold_db: float
    ratio: float
    attack_ms: float
    release_ms: float
    listen: bool

@final
class MultibandCompressor(Dynamics):
    def __new__(
        cls,
        crossovers_hz: Sequence[float] = (200.0, 2000.0),
        bands: Optional[Iterable[Compressor]] = None,
    ) -> MultibandCompressor: ...
    @property
    def crossovers_hz(self) -> list[float]: ...
    @crossovers_hz.setter
    def crossovers_hz(self, value: Sequence[float]) -> None: ...
    @property
    def bands(self) -> list[Compressor]: ...
    @property
    def solo(self) -> list[bool]: ...
    @solo.setter
    def solo(self, value: Sequence[bool]) -> None: ...
    def __len__(self) -> int: ...

@final
class Limiter(Dynamics):
    def __new__(
        cls,
        ceiling_db: float = -1.0,
        true_peak: bool = False,
        lookahead_ms: float = 5.0,
        release_ms: float = 100.0,
        *,
        auto_release: bool = False,
    ) -> Limiter: ...
    ceiling_db: float
    true_peak: bool
    lookahead_ms: float
    release_ms: float
    auto_release: bool
