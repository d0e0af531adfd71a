"""Audio files in and out: ``load``, ``save``, ``process_file`` and
``measure_file``.

Audio is ``(channels, samples)`` float32, as everywhere in masterlib.
Reading goes through soundfile (libsndfile: WAV, FLAC, AIFF, OGG, MP3 and
more). Writing makes WAV, FLAC or AIFF at 16 or 24-bit integer or 32-bit
float, dithered (TPDF unless asked otherwise) whenever it shortens the
word, atomically: the file appears whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Union

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

from ._masterlib import Cancelled, Dither, Processor, QaMeter, QaReport, _audio_shape

if TYPE_CHECKING:
    from ._masterlib import _DitherShaping

PathLike = Union[str, "os.PathLike[str]"]
Progress = Optional[Callable[[float], object]]

# Writable containers by suffix, and the subtype of each bit depth.
_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".aif": "AIFF", ".aiff": "AIFF"}
_SUBTYPES = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}


def load(
    path: PathLike, *, start_s: float = 0.0, duration_s: Optional[float] = None
) -> tuple[np.ndarray, int]:
    """Reads an audio file: ``(audio, sample_rate)`` with audio
    ``(channels, samples)`` float32, from ``start_s`` for ``duration_s``
    seconds (to the end if None)."""
    if not start_s >= 0.0 or (duration_s is not None and not duration_s >= 0.0):
        raise ValueError("start_s and duration_s must be non-negative seconds")
    with _open(path) as f:
        start = min(round(start_s * f.samplerate), f.frames)
        frames = -1 if duration_s is None else round(duration_s * f.samplerate)
        f.seek(start)
        return np.ascontiguousarray(_read(f, frames)), f.samplerate


def save(
    path: PathLike,
    audio: np.ndarray,
    sample_rate: int,
    bit_depth: int = 24,
    *,
    dither: "_DitherShaping" = "tpdf",
    overwrite: bool = False,
) -> None:
    """Writes ``audio`` (``(channels, samples)`` or 1-D) to a WAV, FLAC or
    AIFF file at ``bit_depth`` 16, 24 or 32 (float), dithered with
    ``dither`` (a ``Dither`` shaping; ``"none"`` rounds) when the depth is
    16 or 24. Refuses an existing file unless ``overwrite``; writes to a
    temporary file in the same folder and renames it into place."""
    writer = _Writer(path, sample_rate, _channels(audio), bit_depth, dither, overwrite)
    with writer:
        writer.write(np.asarray(audio, dtype=np.float32).reshape(writer.channels, -1))


def process_file(
    processor: Processor,
    src: PathLike,
    dst: PathLike,
    *,
    bit_depth: int = 24,
    dither: "_DitherShaping" = "tpdf",
    tail: bool = True,
    overwrite: bool = False,
    block_s: float = 2.0,
    progress: Progress = None,
) -> None:
    """Streams the file ``src`` through ``processor`` into ``dst`` in blocks
    of ``block_s`` seconds (memory follows the block, not the file):
    latency compensated and, with ``tail``, followed by the processor's
    tail, as ``processor.process(audio, rate, tail=tail)`` would give.
    ``progress(fraction)`` is called as blocks finish; returning False
    cancels (``Cancelled``, no output). Writing as in ``save``; ``dst``
    may not be ``src``."""
    _check_paths(src, dst, block_s)
    with _open(src) as f:
        processor.reset()
        blocks = _stream(f, processor, max(1, round(block_s * f.samplerate)), tail, progress)
        first = next(blocks, np.zeros((f.channels, 0), dtype=np.float32))
        with _Writer(dst, f.samplerate, first.shape[0], bit_depth, dither, overwrite) as writer:
            writer.write(first)
            for y in blocks:
                writer.write(y)


def measure_file(path: PathLike, *, block_s: float = 2.0, progress: Progress = None) -> QaReport:
    """The QA report of an audio file read in blocks of ``block_s`` seconds
    (memory follows the block, not the file): what ``measure(*load(path))``
    gives, exactly. Raises ``ValueError`` for a file with no audio or a
    NaN or infinite sample (its position in the file). ``progress`` as for
    ``process_file``."""
    if not block_s > 0.0:
        raise ValueError("block_s must be positive seconds")
    with _open(path) as f:
        meter = QaMeter(f.samplerate, f.channels)
        block, done = max(1, round(block_s * f.samplerate)), 0
        while (x := _read(f, block)).shape[1] > 0:
            try:
                meter.add(x)
            except ValueError as e:
                raise ValueError(f"{os.fspath(path)!r}: {e} of the block at frame {done}") from None
            done += x.shape[1]
            if progress is not None and progress(min(1.0, done / max(f.frames, 1))) is False:
                raise Cancelled(f"measuring {f.name!r} was cancelled")
        if done == 0:
            raise ValueError(f"{os.fspath(path)!r} holds no audio")
        return meter.report()


def _check_paths(src: PathLike, dst: PathLike, block_s: float) -> None:
    """Refuses writing over the input and a block that is not positive."""
    if os.path.exists(dst) and os.path.exists(src) and os.path.samefile(src, dst):
        raise ValueError(f"{os.fspath(dst)!r} is the input file; write to another path")
    if not block_s > 0.0:
        raise ValueError("block_s must be positive seconds")


def _stream(
    f: sf.SoundFile, processor: Processor, block: int, tail: bool, progress: Progress
) -> Iterator[np.ndarray]:
    """The output of ``processor`` over the file ``f`` read in blocks:
    planar blocks with the latency dropped, then (with ``tail``) the tail;
    ``progress`` is told the fraction read after each block."""
    skip = flush = -1  # output still to drop; silence still to feed (once known)
    done = 0
    while True:
        x = _read(f, block)
        if x.shape[1] > 0:
            done += x.shape[1]
        elif flush <= 0:
            return
        else:
            x = np.zeros((f.channels, min(block, flush)), dtype=np.float32)
            flush -= x.shape[1]
        y = processor.process(np.ascontiguousarray(x), f.samplerate, reset=False)
        y = y.reshape(-1, y.shape[-1])
        if skip < 0:
            skip = processor.latency_samples
            flush = skip + (processor.tail_samples if tail else 0)
        cut = min(skip, y.shape[1])
        skip -= cut
        yield y[:, cut:]
        if progress is not None and progress(min(1.0, done / max(f.frames, 1))) is False:
            raise Cancelled(f"processing {f.name!r} was cancelled")


def temp_beside(path: Path) -> str:
    """A new empty file in the folder of `path`, to be renamed over it, with
    the permissions a new file gets there (not mkstemp's owner-only ones)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return tmp


def _open(path: PathLike) -> sf.SoundFile:
    """The file opened for reading, or an error that says what is wrong
    (missing, not audio, or cut short: libsndfile logs a chunk that is
    shorter than its header says)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such audio file: {os.fspath(path)!r}")
    try:
        f = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError) as e:
        raise ValueError(f"cannot read {os.fspath(path)!r} as audio: {e}") from None
    short = [line.strip() for line in f.extra_info.splitlines() if "(should be" in line]
    if short:
        f.close()
        raise ValueError(f"{os.fspath(path)!r} is truncated or damaged ({'; '.join(short)})")
    return f


def _read(f: sf.SoundFile, frames: int) -> np.ndarray:
    """Up to `frames` frames (all if -1) as planar float32."""
    try:
        return f.read(frames, dtype="float32", always_2d=True).T
    except (sf.LibsndfileError, RuntimeError) as e:
        raise ValueError(f"cannot read {f.name!r}: {e}") from None


def _channels(audio: np.ndarray) -> int:
    """The channel count of ``audio``, its shape checked as every call checks audio."""
    return _audio_shape(list(np.shape(audio)))[0]


class _Writer:
    """A file written block by block into a temporary file beside its
    destination, renamed into place when complete (removed on failure)."""

    def __init__(
        self,
        path: PathLike,
        rate: int,
        channels: int,
        bit_depth: int,
        dither: "_DitherShaping",
        overwrite: bool,
    ):
        self.path, self.channels = Path(path), channels
        container = _FORMATS.get(self.path.suffix.lower())
        if container is None:
            raise ValueError(
                f"cannot write {self.path.suffix or 'files without a suffix'!r}: "
                f"use one of {', '.join(_FORMATS)}"
            )
        if bit_depth not in _SUBTYPES:
            raise ValueError(f"bit_depth must be 16, 24 or 32 (float), got {bit_depth!r}")
        if container == "FLAC" and bit_depth == 32:
            raise ValueError("FLAC holds 16 or 24-bit integers, not 32-bit float")
        if self.path.exists() and not overwrite:
            raise FileExistsError(f"{os.fspath(path)!r} exists; pass overwrite=True to replace it")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"no such folder: {os.fspath(self.path.parent)!r}")
        self.dither = None if bit_depth == 32 else Dither(bits=bit_depth, shaping=dither)
        self.rate, self.container, self.subtype = rate, container, _SUBTYPES[bit_depth]
        self.fresh = True

    def __enter__(self) -> "_Writer":
        self.tmp = tmp = temp_beside(self.path)
        try:
            self.file = sf.SoundFile(
                tmp, "w", self.rate, self.channels, self.subtype, format=self.container
            )
        except BaseException:
            os.unlink(tmp)
            raise
        return self

    def restart(self) -> None:
        """Drops what was written: the next block starts the file again."""
        self.file.close()
        self.file = sf.SoundFile(
            self.tmp, "w", self.rate, self.channels, self.subtype, format=self.container
        )
        self.fresh = True

    def write(self, y: np.ndarray) -> None:
        """Appends planar audio (finite), dithered as a continuous stream."""
        bad = np.argwhere(~np.isfinite(y))
        if len(bad) > 0:
            c, i = bad[0]
            raise ValueError(f"non-finite sample (NaN or Inf) at channel {c}, index {i}")
        if self.dither is not None and y.shape[1] > 0:
            y = self.dither.process(y, self.rate, reset=self.fresh)
            self.fresh = False
        self.file.write(np.ascontiguousarray(y.T))

    def __exit__(self, kind, error, trace) -> None:
        self.file.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
