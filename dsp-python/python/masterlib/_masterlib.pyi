"""Type stubs for the native module ``masterlib._masterlib``."""

from collections.abc import Iterable, Iterator
from typing import Literal, Optional

import numpy as np
import numpy.typing as npt

_Audio = npt.ArrayLike
_Float32Array = npt.NDArray[np.float32]
_Float64Array = npt.NDArray[np.float64]
PanLawName = Literal["linear", "constant_power", "compromise"]
DesignName = Literal["cookbook", "matched"]
FilterKindName = Literal[
    "peak", "low_shelf", "high_shelf", "low_pass", "high_pass", "band_pass", "notch", "all_pass"
]
_Freqs = npt.ArrayLike

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

class Gain(Processor):
    def __init__(self, gain_db: float = 0.0, invert: bool = False) -> None: ...
    gain_db: float
    invert: bool

class Pan(Processor):
    def __init__(self, pan: float = 0.0, law: PanLawName = "constant_power") -> None: ...
    pan: float
    law: PanLawName

class StereoWidth(Processor):
    def __init__(
        self, width: float = 1.0, mid_gain_db: float = 0.0, side_gain_db: float = 0.0
    ) -> None: ...
    width: float
    mid_gain_db: float
    side_gain_db: float

class Chain(Processor):
    def __init__(self, processors: Optional[Iterable[Processor]] = None) -> None: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Processor: ...
    def __setitem__(self, index: int, value: Processor) -> None: ...
    def __delitem__(self, index: int) -> None: ...
    def __iter__(self) -> Iterator[Processor]: ...
    def append(self, processor: Processor) -> None: ...
    def insert(self, index: int, processor: Processor) -> None: ...

class Filter(Processor):
    """Base class of the band filters (not constructible itself)."""

    @property
    def kind(self) -> FilterKindName: ...
    cutoff_hz: float
    q: float
    enabled: bool
    design: DesignName
    def magnitude_db(self, freqs: _Freqs, sample_rate: float) -> _Float64Array: ...

class PeakFilter(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        gain_db: float = 0.0,
        q: float = 1.0,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...
    gain_db: float

class LowShelf(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        gain_db: float = 0.0,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...
    gain_db: float

class HighShelf(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        gain_db: float = 0.0,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...
    gain_db: float

class LowPass(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        order: int = 2,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...
    order: int

class HighPass(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        order: int = 2,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...
    order: int

class BandPass(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...

class Notch(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...

class AllPass(Filter):
    def __init__(
        self,
        cutoff_hz: float,
        q: float = 0.7071067811865476,
        *,
        design: DesignName = "cookbook",
        enabled: bool = True,
    ) -> None: ...

class DcBlocker(Processor):
    def __init__(self, cutoff_hz: float = 5.0) -> None: ...
    cutoff_hz: float

class Equalizer(Processor):
    def __init__(self, bands: Optional[Iterable[Filter]] = None) -> None: ...
    @property
    def bands(self) -> list[Filter]: ...
    @bands.setter
    def bands(self, value: Iterable[Filter]) -> None: ...
    def __len__(self) -> int: ...
    def magnitude_db(self, freqs: _Freqs, sample_rate: float) -> _Float64Array: ...

class LevelMeter:
    def __init__(
        self,
        window_ms: float = 300.0,
        sample_rate: Optional[float] = None,
        channels: Optional[int] = None,
    ) -> None: ...
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
