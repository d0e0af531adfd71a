"""masterlib: mixing and mastering DSP with a real-time-safe Rust core.

Audio is a numpy array of shape ``(channels, samples)`` (C-contiguous) or a
1-D array for mono. Every processor is called as ``p(x, sample_rate)`` and
returns a new float32 array aligned with the input (latency compensated);
``p.process_inplace(x, sample_rate)`` streams through a writable float32
array without copying.

Metering: ``measure(x, sample_rate)`` returns a ``QaReport`` (loudness, peaks,
stereo image, spectrum) with ``check(target="spotify")`` and ``to_dict()``;
``LoudnessMeter(sample_rate, channels)`` measures a stream fed with ``add``.

Files: ``load(path)`` gives ``(audio, sample_rate)``; ``save(path, audio,
sample_rate, bit_depth=24)`` writes WAV/FLAC/AIFF (dithered, atomically);
``process_file(processor, src, dst)`` streams a long file through a
processor in bounded memory; ``measure_file(path)`` measures a file,
``normalize_file(src, dst, target)`` and ``master_file(src, dst, target,
preset=...)`` normalize and master one, all in bounded memory.

Mastering: ``master(x, sample_rate, target="spotify")`` with a preset, a
reference, or ``assistant=True``; ``assist(x, sample_rate, character=...)``
returns the chain it would use and why.

Catalogs: ``masterlib.batch`` analyzes, normalizes or masters thousands of
files on this machine's cores or a Dask cluster, one row per file, with a
manifest that lets an interrupted run resume.

Translation: ``measure`` reports the mono fold-down per octave band and a
small loudspeaker's view; ``codec_check(x, sample_rate)`` encodes to MP3,
Ogg Vorbis and Ogg Opus, decodes, and reports the decoded peaks and the
headroom that keeps them from clipping.
"""

from . import _masterlib
from ._masterlib import *  # noqa: F403 (the names in its __all__)
from ._masterlib import __version__ as __version__
from .assistant import learn_target
from .files import load, measure_file, process_file, save
from .stream import master_file, normalize_file
from .translation import CodecReport, codec_check

__all__ = [
    "CodecReport",
    "codec_check",
    "learn_target",
    "load",
    "master_file",
    "measure_file",
    "normalize_file",
    "process_file",
    "save",
]
__all__ += _masterlib.__all__
