"""Whole files normalized and mastered in bounded memory:
``normalize_file`` and ``master_file``.

The file is read in blocks, as often as the job needs (an analysis pass,
then the passes of normalization); the output is written in blocks and
written again from its start when a pass is repeated. Mastering keeps
what its stages made in a temporary float32 file beside the output (the
normalization passes read it back). The results are those of
``normalize``/``master`` on the loaded audio followed by ``save``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

from ._masterlib import _master_tape, _normalize_tape, targets
from .files import PathLike, Progress, _check_paths, _open, _read, _Writer

if TYPE_CHECKING:
    from ._masterlib import MasterReport, MasteringChain, NormalizeReport


def normalize_file(
    src: PathLike,
    dst: PathLike,
    target: str = "spotify",
    *,
    bit_depth: int = 24,
    overwrite: bool = False,
    block_s: float = 2.0,
    progress: Progress = None,
) -> "NormalizeReport":
    """Normalizes the file ``src`` to ``target`` (a name from
    ``masterlib.targets()``) into ``dst``, reading and writing blocks of
    ``block_s`` seconds: the same audio as ``normalize(*load(src), target)``
    saved with ``save(dst, ..., bit_depth)`` (TPDF dither below 32-bit),
    and the same report. ``progress(fraction)`` is told the fraction done;
    returning False cancels (``Cancelled``, no output). Refuses an
    existing ``dst`` unless ``overwrite``, and ``dst`` being ``src``."""
    _check_paths(src, dst, block_s)
    if target not in {t.name for t in targets()}:
        names = ", ".join(t.name for t in targets())
        raise ValueError(f"unknown loudness target {target!r}: use one of {names}")
    with _open(src) as f:
        tape = _FileTape(f, _block(block_s, f.samplerate))
        with _Writer(dst, f.samplerate, f.channels, bit_depth, "tpdf", overwrite) as out:
            return _normalize_tape(tape, out, float(f.samplerate), target, progress)


def master_file(
    src: PathLike,
    dst: PathLike,
    target: Optional[str] = None,
    *,
    preset: str = "streaming",
    chain: Optional["MasteringChain"] = None,
    bit_depth: int = 24,
    overwrite: bool = False,
    block_s: float = 2.0,
    progress: Progress = None,
    reference: None = None,
    assistant: bool = False,
) -> "MasterReport":
    """Masters the file ``src`` into ``dst`` with ``chain`` (or the
    ``preset``) to ``target`` (default: the chain's), reading and writing
    blocks of ``block_s`` seconds: the same audio as ``master(*load(src),
    ...)`` saved with ``save(dst, ..., bit_depth)`` and the same report.
    The chain's own dither (if it has one) runs as in ``master``, then the
    file is written at ``bit_depth`` with TPDF dither as ``save`` does.
    Reference matching and the assistant look at the whole track first and
    are refused here (use ``master`` on loaded audio). ``progress``,
    ``overwrite`` and the checks as in ``normalize_file``."""
    if reference is not None or assistant:
        raise ValueError(
            "master_file streams the file: reference matching and the assistant need "
            "the whole track; use master(*load(src), ...) and save() for them"
        )
    _check_paths(src, dst, block_s)
    with _open(src) as f:
        block = _block(block_s, f.samplerate)
        tape = _FileTape(f, block)
        with _Writer(dst, f.samplerate, f.channels, bit_depth, "tpdf", overwrite) as out:
            with _Scratch(Path(dst), f.channels, block) as scratch:
                return _master_tape(
                    tape,
                    scratch,
                    out,
                    float(f.samplerate),
                    target,
                    preset,
                    chain,
                    progress,
                )


def _block(block_s: float, rate: int) -> int:
    """Frames in a block of ``block_s`` seconds at ``rate``."""
    return max(1, round(block_s * rate))


class _Blocks:
    """Reads a track in blocks of ``block`` frames and hands them on in
    the (smaller) pieces asked for."""

    def __init__(self, channels: int, block: int):
        self.channels, self.block = channels, block
        self._forget()

    def _forget(self) -> None:
        self.buf = np.zeros((self.channels, 0), dtype=np.float32)
        self.at = 0

    def _next(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames at most, planar float32."""
        raise NotImplementedError

    def read(self, frames: int) -> np.ndarray:
        """Up to ``frames`` next frames, planar (none at the end)."""
        if self.at >= self.buf.shape[1]:
            self.buf, self.at = self._next(max(self.block, frames)), 0
        out = self.buf[:, self.at : self.at + frames]
        self.at += out.shape[1]
        return out


class _FileTape(_Blocks):
    """An open audio file read as a tape."""

    def __init__(self, f: sf.SoundFile, block: int):
        super().__init__(f.channels, block)
        self.f, self.frames = f, f.frames

    def rewind(self) -> None:
        self.f.seek(0)
        self._forget()

    def _next(self, frames: int) -> np.ndarray:
        return _read(self.f, frames)


class _Scratch(_Blocks):
    """A float32 track in a temporary file beside ``path``, written and
    read back (removed when closed)."""

    def __init__(self, path: Path, channels: int, block: int):
        super().__init__(channels, block)
        fd, self.name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".f32", dir=path.parent)
        self.file = os.fdopen(fd, "w+b")

    def __enter__(self) -> "_Scratch":
        return self

    def __exit__(self, *error: object) -> None:
        self.file.close()
        os.unlink(self.name)

    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()

    def write(self, y: np.ndarray) -> None:
        self.file.write(np.ascontiguousarray(y.T).tobytes())

    def rewind(self) -> None:
        self.file.flush()
        self.file.seek(0)
        self._forget()

    def _next(self, frames: int) -> np.ndarray:
        data = self.file.read(frames * self.channels * 4)
        return np.frombuffer(data, dtype=np.float32).reshape(-1, self.channels).T
